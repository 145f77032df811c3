//! Contacts: list, search, get, create, update, delete, archive, tags, notes.

use super::*;

pub(super) fn list_contacts(state: &State, req: &Request<'_>) -> Outcome {
    let per_page = req.query.positive("per_page", 50, MAX_PER_PAGE)?;
    let (after, page) = match req.query.get("starting_after") {
        Some(c) if !c.is_empty() => decode_cursor(c)?,
        _ => (0, 1),
    };
    let listed: Vec<&Contact> = state.listed_contacts().collect();
    let total = listed.len();
    let rest: Vec<&Contact> = listed.into_iter().filter(|c| c.seq > after).collect();
    let (shown, more) = rest.split_at(page_len(per_page, rest.len()));
    let data: Vec<models::Contact> = shown.iter().map(|c| model::contact(state, c)).collect();
    let next = next_cursor(shown.last().map(|c| c.seq), more, page);
    let list = fill!(models::ContactList {
        type_: Some("list".into()),
        data: Some(data),
        total_count: Some(total as i64),
        pages: Some(model::cursor_pages(
            page,
            per_page,
            total_pages(total, per_page),
            next,
        )),
    });
    model::contact_list(&list).map(Reply::json)
}

pub(super) fn search_contacts(state: &State, req: &Request<'_>) -> Outcome {
    let body = json_object(req.body)?;
    let query = body
        .get("query")
        .ok_or_else(|| ErrorReply::missing("query"))?;
    let node = search::parse(state, query)?;
    let pagination = opt_object(&body, "pagination")?;
    let (per_page, cursor) = match pagination {
        Some(p) => (
            match opt_i64(p, "per_page")? {
                None => 50,
                Some(n) if n >= 1 => (n as u64).min(MAX_PER_PAGE),
                Some(_) => {
                    return Err(ErrorReply::invalid("per_page must be a positive integer")
                        .with_field("per_page"))
                }
            },
            opt_str(p, "starting_after")?,
        ),
        None => (50, None),
    };
    let (offset, page) = match cursor {
        Some(c) if !c.is_empty() => decode_cursor(&c)?,
        _ => (0, 1),
    };
    // Each hit is the model (for the answer) and its JSON (what the query is matched against).
    let mut hits: Vec<(models::Contact, Value)> = Vec::new();
    for c in state.listed_contacts() {
        let contact = model::contact(state, c);
        let doc = model::contact_value(&contact)?;
        if node.matches(c, &doc) {
            hits.push((contact, doc));
        }
    }
    if let Some(sort) = opt_object(&body, "sort")? {
        let order = opt_str(sort, "order")?.unwrap_or_else(|| "descending".into());
        let descending = match order.as_str() {
            "descending" => true,
            "ascending" => false,
            other => {
                return Err(ErrorReply::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_sort_order",
                    format!(
                        "Invalid sort order '{}'. Must be one of: ascending, descending",
                        other.chars().take(32).collect::<String>()
                    ),
                ))
            }
        };
        if let Some(field) = opt_str(sort, "field")? {
            hits.sort_by(|(_, a), (_, b)| {
                let ord = search::compare_by(&field, a, b);
                if descending {
                    ord.reverse()
                } else {
                    ord
                }
            });
        }
    }
    let total = hits.len();
    // The cursor's offset is the client's: past the end (or past `usize`) is an empty page.
    let start = saturating_usize(offset).min(total);
    let end = start.saturating_add(page_len(per_page, total)).min(total);
    let next = (end < total).then(|| encode_cursor(end as u64, page.saturating_add(1)));
    let data: Vec<models::Contact> = hits.drain(start..end).map(|(c, _)| c).collect();
    let list = fill!(models::ContactList {
        type_: Some("list".into()),
        data: Some(data),
        total_count: Some(total as i64),
        pages: Some(model::cursor_pages(
            page,
            per_page,
            total_pages(total, per_page),
            next,
        )),
    });
    model::contact_list(&list).map(Reply::json)
}

pub(super) fn merged_error(state: &State, id: &str) -> ErrorReply {
    let mut error = ErrorReply::new(
        StatusCode::GONE,
        "contact_merged",
        "This contact has been merged. See the 'Link' header for the canonical contact.",
    );
    if let Some(canonical) = state.canonical(id) {
        error.link = Some(format!("</contacts/{canonical}>; rel=\"canonical\""));
    }
    error
}

/// The index of a live contact; 410 for a merged one, 404 for an unknown one.
pub(super) fn live_contact(state: &State, id: &str) -> Result<usize, ErrorReply> {
    let index = state
        .contact_index(id)
        .ok_or_else(ErrorReply::user_not_found)?;
    if state.contacts[index].merged_into.is_some() {
        return Err(merged_error(state, id));
    }
    Ok(index)
}

pub(super) fn get_contact(state: &State, id: &str) -> Outcome {
    let index = live_contact(state, id)?;
    model::contact_response(state, &state.contacts[index]).map(Reply::json)
}

/// Fields a create or update may set, validated.
struct ContactInput {
    role: Option<String>,
    external_id: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    name: Option<String>,
    avatar: Option<String>,
    owner_id: Option<i64>,
    signed_up_at: Option<i64>,
    last_seen_at: Option<i64>,
    unsubscribed: Option<bool>,
    custom: Option<Map<String, Value>>,
}

fn contact_input(state: &State, body: &Map<String, Value>) -> Result<ContactInput, ErrorReply> {
    let role = opt_str(body, "role")?;
    if let Some(role) = &role {
        if role != "user" && role != "lead" {
            return Err(ErrorReply::invalid("role must be either user or lead").with_field("role"));
        }
    }
    let email = opt_str(body, "email")?;
    if let Some(email) = &email {
        let valid = email
            .split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'))
            && !email.chars().any(char::is_whitespace);
        if !valid {
            return Err(ErrorReply::invalid("email is invalid").with_field("email"));
        }
    }
    let custom = match opt_object(body, "custom_attributes")? {
        None => None,
        Some(attrs) => {
            for (key, value) in attrs {
                let Some(attr) = state
                    .data_attributes
                    .iter()
                    .find(|a| a.custom && a.model == "contact" && a.name == *key)
                else {
                    return Err(ErrorReply::new(
                        StatusCode::BAD_REQUEST,
                        "parameter_not_found",
                        format!(
                            "Custom attribute '{}' does not exist",
                            key.chars().take(64).collect::<String>()
                        ),
                    )
                    .with_field("custom_attributes"));
                };
                let ok = match (attr.data_type.as_str(), value) {
                    (_, Value::Null) => true,
                    ("integer" | "date", Value::Number(n)) => n.is_i64() || n.is_u64(),
                    ("float", Value::Number(_)) => true,
                    ("boolean", Value::Bool(_)) => true,
                    ("string" | "options" | "datetime", Value::String(_)) => true,
                    _ => false,
                };
                if !ok {
                    return Err(ErrorReply::invalid(format!(
                        "Custom attribute '{}' must be of type {}",
                        attr.name, attr.data_type
                    ))
                    .with_field("custom_attributes"));
                }
            }
            Some(attrs.clone())
        }
    };
    Ok(ContactInput {
        role,
        external_id: opt_str(body, "external_id")?,
        email,
        phone: opt_str(body, "phone")?,
        name: opt_str(body, "name")?,
        avatar: opt_str(body, "avatar")?,
        owner_id: opt_i64(body, "owner_id")?,
        signed_up_at: opt_i64(body, "signed_up_at")?,
        last_seen_at: opt_i64(body, "last_seen_at")?,
        unsubscribed: opt_bool(body, "unsubscribed_from_emails")?,
        custom,
    })
}

/// 409 when another live contact has this email or external id.
fn check_conflict(
    state: &State,
    input: &ContactInput,
    except: Option<&str>,
) -> Result<(), ErrorReply> {
    let clash = state.contacts.iter().find(|c| {
        c.merged_into.is_none()
            && Some(c.id.as_str()) != except
            && ((input.email.is_some()
                && c.email
                    .as_deref()
                    .zip(input.email.as_deref())
                    .is_some_and(|(a, b)| a.eq_ignore_ascii_case(b)))
                || (input.external_id.is_some() && c.external_id == input.external_id))
    });
    match clash {
        Some(existing) => Err(ErrorReply::new(
            StatusCode::CONFLICT,
            "conflict",
            format!(
                "A contact matching those details already exists with id={}",
                existing.id
            ),
        )),
        None => Ok(()),
    }
}

fn apply(contact: &mut Contact, input: ContactInput) {
    if let Some(v) = input.role {
        contact.role = v;
    }
    if input.external_id.is_some() {
        contact.external_id = input.external_id;
    }
    if input.email.is_some() {
        contact.email = input.email;
    }
    if input.phone.is_some() {
        contact.phone = input.phone;
    }
    if input.name.is_some() {
        contact.name = input.name;
    }
    if input.avatar.is_some() {
        contact.avatar = input.avatar;
    }
    if input.owner_id.is_some() {
        contact.owner_id = input.owner_id;
    }
    if input.signed_up_at.is_some() {
        contact.signed_up_at = input.signed_up_at;
    }
    if input.last_seen_at.is_some() {
        contact.last_seen_at = input.last_seen_at;
    }
    if let Some(v) = input.unsubscribed {
        contact.unsubscribed_from_emails = v;
    }
    if let Some(custom) = input.custom {
        for (k, v) in custom {
            contact.custom_attributes.insert(k, v);
        }
    }
}

pub(super) fn create_contact(state: &mut State, req: &Request<'_>) -> Outcome {
    let body = json_object(req.body)?;
    let input = contact_input(state, &body)?;
    if input.email.is_none() && input.external_id.is_none() && input.role.is_none() {
        return Err(ErrorReply::invalid(
            "Create a contact with at least one of email, external_id or role",
        ));
    }
    check_conflict(state, &input, None)?;
    let at = now();
    let seq = state.next_seq();
    let id = state.hex_id();
    let mut contact = Contact {
        seq,
        id,
        role: "user".into(),
        created_at: at,
        updated_at: at,
        ..Contact::default()
    };
    apply(&mut contact, input);
    let value = model::contact_response(state, &contact)?;
    state.contacts.push(contact);
    Ok(Reply::json(value))
}

pub(super) fn update_contact(state: &mut State, req: &Request<'_>, id: &str) -> Outcome {
    let index = live_contact(state, id)?;
    let body = json_object(req.body)?;
    let input = contact_input(state, &body)?;
    check_conflict(state, &input, Some(id))?;
    let contact = &mut state.contacts[index];
    apply(contact, input);
    contact.updated_at = now();
    model::contact_response(state, &state.contacts[index]).map(Reply::json)
}

pub(super) fn delete_contact(state: &mut State, id: &str) -> Outcome {
    let index = live_contact(state, id)?;
    let contact = state.contacts.remove(index);
    state.notes.retain(|n| n.contact_id != contact.id);
    Reply::model(&model::contact_deleted(&contact))
}

pub(super) fn set_archived(state: &mut State, id: &str, archived: bool) -> Outcome {
    let index = live_contact(state, id)?;
    let contact = &mut state.contacts[index];
    contact.archived = archived;
    contact.updated_at = now();
    model::contact_archived(contact).map(Reply::json)
}

pub(super) fn contact_tags(state: &State, id: &str) -> Outcome {
    let index = live_contact(state, id)?;
    let data: Vec<models::Tag> = state.contacts[index]
        .tags
        .iter()
        .filter_map(|t| {
            state
                .tag(&t.tag_id)
                .map(|tag| model::tag(&tag.id, &tag.name))
        })
        .collect();
    Reply::model(&model::tag_list(data))
}

pub(super) fn tag_contact(state: &mut State, req: &Request<'_>, id: &str) -> Outcome {
    let index = live_contact(state, id)?;
    let body = json_object(req.body)?;
    let tag_id = req_str(&body, "id")?;
    if state.tag(&tag_id).is_none() {
        return Err(ErrorReply::not_found());
    }
    let admin_id = req.admin_id.clone();
    let contact = &mut state.contacts[index];
    let applied = match contact.tags.iter().find(|t| t.tag_id == tag_id) {
        Some(existing) => existing.clone(),
        None => {
            let applied = AppliedTag {
                tag_id,
                applied_at: now(),
                admin_id,
            };
            contact.tags.push(applied.clone());
            applied
        }
    };
    Reply::model(&model::contact_tag(state, &applied))
}

pub(super) fn untag_contact(state: &mut State, id: &str, tag_id: &str) -> Outcome {
    let index = live_contact(state, id)?;
    let contact = &mut state.contacts[index];
    let position = contact
        .tags
        .iter()
        .position(|t| t.tag_id == tag_id)
        .ok_or_else(ErrorReply::not_found)?;
    let removed = contact.tags.remove(position);
    Reply::model(&model::contact_tag(state, &removed))
}

pub(super) fn create_note(state: &mut State, req: &Request<'_>, id: &str) -> Outcome {
    let index = live_contact(state, id)?;
    let body = json_object(req.body)?;
    let text = req_str(&body, "body")?;
    let admin_id = match opt_id(&body, "admin_id")? {
        Some(admin) => {
            if state.admin(&admin).is_none() {
                return Err(ErrorReply::not_found());
            }
            admin
        }
        None => req.admin_id.clone(),
    };
    let note = Note {
        id: state.next_numeric_id(),
        contact_id: state.contacts[index].id.clone(),
        created_at: now(),
        admin_id,
        body: format!("<p>{}</p>", escape_html(&text)),
    };
    let value = model::to_json(&model::note(state, &note))?;
    state.notes.push(note);
    Ok(Reply::json(value))
}

pub(super) fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

pub(super) fn list_notes(state: &State, req: &Request<'_>, id: &str) -> Outcome {
    let index = live_contact(state, id)?;
    let contact_id = &state.contacts[index].id;
    let per_page = req.query.positive("per_page", 50, MAX_PER_PAGE)?;
    let page = req.query.positive("page", 1, u64::MAX)?;
    let mut notes: Vec<&Note> = state
        .notes
        .iter()
        .filter(|n| &n.contact_id == contact_id)
        .collect();
    notes.reverse();
    let total = notes.len();
    let (data, pages) = numbered(
        notes.iter().map(|n| model::note(state, n)),
        total,
        page,
        per_page,
    );
    let list = fill!(models::NoteList {
        type_: Some("list".into()),
        data: Some(data),
        total_count: Some(total as i64),
        pages: Some(pages),
    });
    model::with_next_page(&list).map(Reply::json)
}

pub(super) fn find_contact<'a>(
    state: &'a State,
    id: Option<&str>,
    user_id: Option<&str>,
    email: Option<&str>,
) -> Option<&'a Contact> {
    let live = state.contacts.iter().filter(|c| c.merged_into.is_none());
    if let Some(id) = id {
        return live.clone().find(|c| c.id == id);
    }
    if let Some(user_id) = user_id {
        return live
            .clone()
            .find(|c| c.external_id.as_deref() == Some(user_id));
    }
    let email = email?;
    live.clone().find(|c| {
        c.email
            .as_deref()
            .is_some_and(|e| e.eq_ignore_ascii_case(email))
    })
}
