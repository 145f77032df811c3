//! The authenticated REST routes: the dispatch table, stateful handlers first, then the
//! stateless answers of [`stateless`] for every other operation of the API.

mod stateless;

pub(crate) use stateless::OPERATIONS;

/// The path template of the API operation `method path` is, when it is one.
pub(crate) fn operation(method: &Method, path: &str) -> Option<&'static str> {
    let segments: Option<Vec<String>> = path
        .trim_start_matches('/')
        .split('/')
        .map(decode_segment)
        .collect();
    let segments = segments?;
    let s: Vec<&str> = segments.iter().map(String::as_str).collect();
    stateless::find(method, &s).map(|(template, _)| template)
}

use std::time::Instant;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use http::{Method, StatusCode};
use intercom_resources::models;
use serde_json::{json, Map, Value};

use crate::errors::{ErrorReply, Outcome, Reply};
use crate::http_util::{
    decode_segment, json_object, opt_bool, opt_i64, opt_object, opt_str, req_str, type_error, Query,
};
use crate::model;
use crate::search;
use crate::state::{
    now, AppliedTag, Company, Contact, Conversation, DataAttribute, Event, Note, Part, Scroll,
    State, Tag, SCROLL_TTL,
};
use intercom_resources::lenient::Timestamp;

/// Largest `per_page` any endpoint accepts (facts §g1).
const MAX_PER_PAGE: u64 = 150;
/// Companies per scroll page.
const SCROLL_PAGE: usize = 50;

/// One authenticated request.
pub(crate) struct Request<'a> {
    pub(crate) method: &'a Method,
    pub(crate) path: &'a str,
    pub(crate) query: Query,
    pub(crate) body: &'a [u8],
    pub(crate) admin_id: String,
    pub(crate) token: &'a str,
}

/// Dispatches an authenticated request.
pub(crate) fn route(state: &mut State, req: &Request<'_>) -> Outcome {
    let mut segments = Vec::new();
    for raw in req.path.trim_start_matches('/').split('/') {
        segments.push(decode_segment(raw).ok_or_else(ErrorReply::not_found)?);
    }
    if segments.last().is_some_and(String::is_empty) && segments.len() > 1 {
        segments.pop();
    }
    let s: Vec<&str> = segments.iter().map(String::as_str).collect();
    let m = req.method;
    match (m, s.as_slice()) {
        (&Method::GET, ["me"]) => me(state, req),
        (&Method::GET, ["admins"]) => Reply::model(&model::admin_list(state)),
        (&Method::GET, ["admins", id]) => match state.admin(id) {
            Some(a) => Reply::model(&model::admin(a)),
            None => Err(ErrorReply::new(
                StatusCode::NOT_FOUND,
                "admin_not_found",
                "Admin not found",
            )),
        },
        (&Method::GET, ["contacts"]) => list_contacts(state, req),
        (&Method::POST, ["contacts"]) => create_contact(state, req),
        (&Method::POST, ["contacts", "search"]) => search_contacts(state, req),
        (&Method::GET, ["contacts", id]) => get_contact(state, id),
        (&Method::PUT, ["contacts", id]) => update_contact(state, req, id),
        (&Method::DELETE, ["contacts", id]) => delete_contact(state, id),
        (&Method::POST, ["contacts", id, "archive"]) => set_archived(state, id, true),
        (&Method::POST, ["contacts", id, "unarchive"]) => set_archived(state, id, false),
        (&Method::GET, ["contacts", id, "tags"]) => contact_tags(state, id),
        (&Method::POST, ["contacts", id, "tags"]) => tag_contact(state, req, id),
        (&Method::DELETE, ["contacts", id, "tags", tag_id]) => untag_contact(state, id, tag_id),
        (&Method::POST, ["contacts", id, "notes"]) => create_note(state, req, id),
        (&Method::GET, ["contacts", id, "notes"]) => list_notes(state, req, id),
        (&Method::GET, ["companies"]) => list_companies(state, req),
        (&Method::POST, ["companies"]) => upsert_company(state, req),
        (&Method::POST, ["companies", "list"]) => all_companies(state, req),
        (&Method::GET, ["companies", "scroll"]) => scroll_companies(state, req),
        (&Method::GET, ["companies", id]) => match state.companies.iter().find(|c| c.id == *id) {
            Some(c) => Reply::model(&model::company(state, c)),
            None => Err(company_not_found()),
        },
        (&Method::GET, ["tags"]) => Reply::model(&model::tag_list(
            state
                .tags
                .iter()
                .map(|t| model::tag(&t.id, &t.name))
                .collect(),
        )),
        (&Method::POST, ["tags"]) => create_tag(state, req),
        (&Method::GET, ["conversations"]) => list_conversations(state, req),
        (&Method::POST, ["conversations"]) => create_conversation(state, req),
        (&Method::GET, ["conversations", id]) => {
            match state.conversations.iter().find(|c| c.id == *id) {
                Some(c) => Reply::model(&model::conversation(state, c)),
                None => Err(ErrorReply::not_found()),
            }
        }
        (&Method::POST, ["conversations", id, "reply"]) => reply(state, req, id),
        (&Method::POST, ["events"]) => create_event(state, req),
        (&Method::GET, ["events"]) => list_events(state, req),
        (&Method::GET, ["data_attributes"]) => list_attributes(state, req),
        (&Method::POST, ["data_attributes"]) => create_attribute(state, req),
        (&Method::POST, ["auth", "uninstall"]) => {
            state.tokens.remove(req.token);
            state.windows.remove(req.token);
            // `POST /auth/uninstall` is not in the 2.16 description, so no model describes
            // its (empty) answer.
            Ok(Reply::json(json!({})))
        }
        _ => stateless::answer(m, &s).unwrap_or_else(|| Err(ErrorReply::not_found())),
    }
}

fn me(state: &State, req: &Request<'_>) -> Outcome {
    let admin = state
        .admin(&req.admin_id)
        .ok_or_else(ErrorReply::unauthorized)?;
    Reply::model(&model::me(state, admin))
}

fn company_not_found() -> ErrorReply {
    ErrorReply::new(
        StatusCode::NOT_FOUND,
        "company_not_found",
        "Company Not Found",
    )
}

// ---------------------------------------------------------------------------------------------
// Cursors.
// ---------------------------------------------------------------------------------------------

/// A cursor is base64 of `[position, page]`, like Intercom's opaque `WzE3…` cursors.
fn encode_cursor(position: u64, page: u64) -> String {
    STANDARD.encode(format!("[{position},{page}]"))
}

fn decode_cursor(cursor: &str) -> Result<(u64, u64), ErrorReply> {
    let invalid = || {
        ErrorReply::new(
            StatusCode::BAD_REQUEST,
            "client_error",
            "Invalid starting_after param, it should be the value returned in the previous response's pages.next.starting_after",
        )
        .with_field("starting_after")
    };
    let bytes = STANDARD.decode(cursor.trim()).map_err(|_| invalid())?;
    let values: Vec<u64> = serde_json::from_slice(&bytes).map_err(|_| invalid())?;
    match values.as_slice() {
        [position, page] if *page >= 1 => Ok((*position, *page)),
        _ => Err(invalid()),
    }
}

fn total_pages(total: usize, per_page: u64) -> u64 {
    (total as u64).div_ceil(per_page)
}

/// `n` as a `usize`, `usize::MAX` when it does not fit (a count or offset that large only
/// ever means "past the end").
fn saturating_usize(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

/// How many of `available` items a page of `per_page` shows.
fn page_len(per_page: u64, available: usize) -> usize {
    saturating_usize(per_page).min(available)
}

/// The cursor to the page after `page` when `more` items follow the last one shown, whose
/// `seq` is `last`. A cursor's page number comes from the client and is only reported back,
/// so it saturates rather than overflows: a forged `u64::MAX` stays `u64::MAX` (and
/// `pages.page` says `i64::MAX`, see [`model::cursor_pages`]).
fn next_cursor<T>(last: Option<u64>, more: &[T], page: u64) -> Option<String> {
    if more.is_empty() {
        return None;
    }
    last.map(|seq| encode_cursor(seq, page.saturating_add(1)))
}

// ---------------------------------------------------------------------------------------------
// Contacts.
// ---------------------------------------------------------------------------------------------

fn list_contacts(state: &State, req: &Request<'_>) -> Outcome {
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

fn search_contacts(state: &State, req: &Request<'_>) -> Outcome {
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

fn merged_error(state: &State, id: &str) -> ErrorReply {
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
fn live_contact(state: &State, id: &str) -> Result<usize, ErrorReply> {
    let index = state
        .contact_index(id)
        .ok_or_else(ErrorReply::user_not_found)?;
    if state.contacts[index].merged_into.is_some() {
        return Err(merged_error(state, id));
    }
    Ok(index)
}

fn get_contact(state: &State, id: &str) -> Outcome {
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

fn create_contact(state: &mut State, req: &Request<'_>) -> Outcome {
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

fn update_contact(state: &mut State, req: &Request<'_>, id: &str) -> Outcome {
    let index = live_contact(state, id)?;
    let body = json_object(req.body)?;
    let input = contact_input(state, &body)?;
    check_conflict(state, &input, Some(id))?;
    let contact = &mut state.contacts[index];
    apply(contact, input);
    contact.updated_at = now();
    model::contact_response(state, &state.contacts[index]).map(Reply::json)
}

fn delete_contact(state: &mut State, id: &str) -> Outcome {
    let index = live_contact(state, id)?;
    let contact = state.contacts.remove(index);
    state.notes.retain(|n| n.contact_id != contact.id);
    Reply::model(&model::contact_deleted(&contact))
}

fn set_archived(state: &mut State, id: &str, archived: bool) -> Outcome {
    let index = live_contact(state, id)?;
    let contact = &mut state.contacts[index];
    contact.archived = archived;
    contact.updated_at = now();
    model::contact_archived(contact).map(Reply::json)
}

fn contact_tags(state: &State, id: &str) -> Outcome {
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

fn tag_contact(state: &mut State, req: &Request<'_>, id: &str) -> Outcome {
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

fn untag_contact(state: &mut State, id: &str, tag_id: &str) -> Outcome {
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

// ---------------------------------------------------------------------------------------------
// Notes.
// ---------------------------------------------------------------------------------------------

fn create_note(state: &mut State, req: &Request<'_>, id: &str) -> Outcome {
    let index = live_contact(state, id)?;
    let body = json_object(req.body)?;
    let text = req_str(&body, "body")?;
    let admin_id = match opt_str(&body, "admin_id")? {
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

fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn list_notes(state: &State, req: &Request<'_>, id: &str) -> Outcome {
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

/// One page of `items` with numbered `pages` (`next` is absent on the last page).
fn numbered<T>(
    items: impl Iterator<Item = T>,
    total: usize,
    page: u64,
    per_page: u64,
) -> (Vec<T>, models::CursorPages) {
    // Pages count from 1 and may be as large as a client likes: a page past the end (or past
    // `usize`) is empty.
    let skip = page.saturating_sub(1).saturating_mul(per_page);
    let data: Vec<T> = items
        .skip(saturating_usize(skip))
        .take(saturating_usize(per_page))
        .collect();
    let pages = model::numbered_pages(page, per_page, total_pages(total, per_page));
    (data, pages)
}

/// A `company_list` page.
fn company_page(
    items: impl Iterator<Item = models::Company>,
    total: usize,
    page: u64,
    per_page: u64,
) -> Outcome {
    let (data, pages) = numbered(items, total, page, per_page);
    let list = fill!(models::CompanyList {
        type_: Some("list".into()),
        data: Some(data),
        total_count: Some(total as i64),
        pages: Some(pages),
    });
    model::with_next_page(&list).map(Reply::json)
}

// ---------------------------------------------------------------------------------------------
// Companies.
// ---------------------------------------------------------------------------------------------

fn list_companies(state: &State, req: &Request<'_>) -> Outcome {
    if let Some(wanted) = req
        .query
        .get("company_id")
        .map(|v| ("company_id", v))
        .or_else(|| req.query.get("name").map(|v| ("name", v)))
    {
        let found = state.companies.iter().find(|c| match wanted {
            ("company_id", v) => c.company_id == v,
            (_, v) => c.name == v,
        });
        let company = found.ok_or_else(company_not_found)?;
        return company_page(std::iter::once(model::company(state, company)), 1, 1, 15);
    }
    let per_page = req.query.positive("per_page", 15, MAX_PER_PAGE)?;
    let page = req.query.positive("page", 1, u64::MAX)?;
    let total = state.companies.len();
    company_page(
        state.companies.iter().map(|c| model::company(state, c)),
        total,
        page,
        per_page,
    )
}

/// `POST /companies/list`: every company, in numbered pages (query `page`, `per_page`).
fn all_companies(state: &State, req: &Request<'_>) -> Outcome {
    let per_page = req.query.positive("per_page", 15, MAX_PER_PAGE)?;
    let page = req.query.positive("page", 1, u64::MAX)?;
    company_page(
        state.companies.iter().map(|c| model::company(state, c)),
        state.companies.len(),
        page,
        per_page,
    )
}

fn upsert_company(state: &mut State, req: &Request<'_>) -> Outcome {
    let body = json_object(req.body)?;
    let name = opt_str(&body, "name")?;
    let company_id = opt_str(&body, "company_id")?;
    let plan = opt_str(&body, "plan")?;
    let size = opt_i64(&body, "size")?;
    let website = opt_str(&body, "website")?;
    let industry = opt_str(&body, "industry")?;
    let remote_created_at = opt_i64(&body, "remote_created_at")?;
    let monthly_spend = match body.get("monthly_spend") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => n.as_f64().map(|f| f.round() as i64),
        Some(_) => return Err(type_error("monthly_spend", "a number")),
    };
    let custom = opt_object(&body, "custom_attributes")?.cloned();
    if name.is_none() && company_id.is_none() {
        return Err(ErrorReply::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "A company needs a name or a company_id",
        ));
    }
    let at = now();
    let index = match company_id
        .as_deref()
        .and_then(|cid| state.companies.iter().position(|c| c.company_id == cid))
    {
        Some(index) => index,
        None => {
            let seq = state.next_seq();
            let id = state.hex_id();
            let company_id = company_id
                .clone()
                .unwrap_or_else(|| format!("company-{seq}"));
            let index = state.companies.len();
            state.companies.push(Company {
                id,
                company_id,
                name: name.clone().unwrap_or_default(),
                created_at: at,
                updated_at: at,
                ..Company::default()
            });
            index
        }
    };
    let company = &mut state.companies[index];
    if let Some(v) = name {
        company.name = v;
    }
    if plan.is_some() {
        company.plan = plan;
    }
    if size.is_some() {
        company.size = size;
    }
    if website.is_some() {
        company.website = website;
    }
    if industry.is_some() {
        company.industry = industry;
    }
    if remote_created_at.is_some() {
        company.remote_created_at = remote_created_at;
    }
    if let Some(v) = monthly_spend {
        company.monthly_spend = v;
    }
    if let Some(custom) = custom {
        company.custom_attributes.extend(custom);
    }
    company.updated_at = at;
    Reply::model(&model::company(state, &state.companies[index]))
}

fn scroll_companies(state: &mut State, req: &Request<'_>) -> Outcome {
    if state
        .scroll
        .as_ref()
        .is_some_and(|s| s.last_used.elapsed() > SCROLL_TTL)
    {
        state.scroll = None;
    }
    let offset = match req.query.get("scroll_param").filter(|p| !p.is_empty()) {
        None => {
            if state.scroll.is_some() {
                return Err(ErrorReply::new(
                    StatusCode::BAD_REQUEST,
                    "scroll_exists",
                    "scroll already exists for this workspace",
                ));
            }
            let param = format!("{}-{}", state.hex_id(), state.next_numeric_id());
            state.scroll = Some(Scroll {
                param,
                offset: 0,
                last_used: Instant::now(),
            });
            0
        }
        Some(param) => match &state.scroll {
            Some(s) if s.param == param => s.offset,
            _ => {
                return Err(ErrorReply::invalid(
                    "scroll_param is invalid or has expired; start a new scroll",
                )
                .with_field("scroll_param"))
            }
        },
    };
    let data: Vec<models::Company> = state
        .companies
        .iter()
        .skip(offset)
        .take(SCROLL_PAGE)
        .map(|c| model::company(state, c))
        .collect();
    let param = state
        .scroll
        .as_ref()
        .map(|s| s.param.clone())
        .unwrap_or_default();
    if data.is_empty() {
        state.scroll = None;
    } else if let Some(s) = state.scroll.as_mut() {
        // At most `companies.len()`: never saturates.
        s.offset = offset.saturating_add(data.len());
        s.last_used = Instant::now();
    }
    // Intercom sends `pages` and `total_count` as null here (facts §g4): absent in the model.
    Reply::model(&fill!(models::CompanyScroll {
        type_: Some("list".into()),
        data: Some(data),
        scroll_param: Some(param),
        ..Default::default()
    }))
}

// ---------------------------------------------------------------------------------------------
// Tags.
// ---------------------------------------------------------------------------------------------

fn create_tag(state: &mut State, req: &Request<'_>) -> Outcome {
    let body = json_object(req.body)?;
    let name = opt_str(&body, "name")?
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| ErrorReply::invalid("invalid tag parameters").with_field("name"))?;
    let tag = if let Some(id) = opt_str(&body, "id")? {
        let tag = state
            .tags
            .iter_mut()
            .find(|t| t.id == id)
            .ok_or_else(ErrorReply::not_found)?;
        tag.name = name;
        tag.clone()
    } else if let Some(existing) = state.tags.iter().find(|t| t.name == name) {
        existing.clone()
    } else {
        let tag = Tag {
            id: state.next_numeric_id(),
            name,
        };
        state.tags.push(tag.clone());
        tag
    };
    let mut users = Vec::new();
    if let Some(Value::Array(items)) = body.get("users") {
        for item in items {
            let Some(id) = item.get("id").and_then(Value::as_str) else {
                return Err(ErrorReply::invalid("invalid tag parameters").with_field("users"));
            };
            let index = state
                .contact_index(id)
                .ok_or_else(ErrorReply::user_not_found)?;
            let contact = &mut state.contacts[index];
            if !contact.tags.iter().any(|t| t.tag_id == tag.id) {
                contact.tags.push(AppliedTag {
                    tag_id: tag.id.clone(),
                    applied_at: now(),
                    admin_id: req.admin_id.clone(),
                });
            }
            users.push(fill!(models::TagCreateResponseUsersItem {
                id: Some(id.to_owned()),
                tagged: Some(true),
            }));
        }
    }
    Reply::model(&fill!(models::TagCreateResponse {
        type_: Some("tag".into()),
        id: Some(tag.id),
        name: Some(tag.name),
        users: (!users.is_empty()).then_some(users),
        companies: None,
    }))
}

// ---------------------------------------------------------------------------------------------
// Conversations.
// ---------------------------------------------------------------------------------------------

fn list_conversations(state: &State, req: &Request<'_>) -> Outcome {
    let per_page = req.query.positive("per_page", 20, MAX_PER_PAGE)?;
    let (after, page) = match req.query.get("starting_after") {
        Some(c) if !c.is_empty() => decode_cursor(c)?,
        _ => (0, 1),
    };
    let total = state.conversations.len();
    let rest: Vec<&Conversation> = state
        .conversations
        .iter()
        .filter(|c| c.seq > after)
        .collect();
    let (shown, more) = rest.split_at(page_len(per_page, rest.len()));
    let data: Vec<models::ConversationListItem> = shown
        .iter()
        .map(|c| model::conversation_item(state, c))
        .collect();
    let next = next_cursor(shown.last().map(|c| c.seq), more, page);
    let list = fill!(models::ConversationList {
        type_: Some("conversation.list".into()),
        pages: Some(model::cursor_pages(
            page,
            per_page,
            total_pages(total, per_page),
            next,
        )),
        total_count: Some(total as i64),
        conversations: Some(data),
    });
    model::with_next_page(&list).map(Reply::json)
}

fn create_conversation(state: &mut State, req: &Request<'_>) -> Outcome {
    let body = json_object(req.body)?;
    let from = opt_object(&body, "from")?.ok_or_else(|| ErrorReply::missing("from"))?;
    let kind = req_str(from, "type")?;
    if !matches!(kind.as_str(), "user" | "lead" | "contact") {
        return Err(
            ErrorReply::invalid("from.type must be user, lead or contact").with_field("from"),
        );
    }
    let contact_id = req_str(from, "id")?;
    let text = req_str(&body, "body")?;
    let subject = opt_str(&body, "subject")?.unwrap_or_default();
    let created_at = opt_i64(&body, "created_at")?.unwrap_or_else(now);
    let index = state
        .contact_index(&contact_id)
        .filter(|i| state.contacts[*i].merged_into.is_none())
        .ok_or_else(ErrorReply::user_not_found)?;
    let contact_id = state.contacts[index].id.clone();
    let seq = state.next_seq();
    let id = state.next_numeric_id();
    let source_id = state.next_numeric_id();
    state.conversations.push(Conversation {
        seq,
        id: id.clone(),
        created_at,
        updated_at: created_at,
        contact_id: contact_id.clone(),
        source_id: source_id.clone(),
        subject,
        body: format!("<p>{}</p>", escape_html(&text)),
        author_type: "user".into(),
        author_id: contact_id,
        delivered_as: "customer_initiated".into(),
        open: true,
        read: false,
        waiting_since: Some(created_at),
        admin_assignee_id: None,
        parts: Vec::new(),
    });
    Reply::model(&fill!(models::Message {
        type_: "user_message".into(),
        id: source_id,
        created_at: Timestamp::from_unix(created_at),
        body: text,
        message_type: models::MessageMessageType::Inapp,
        conversation_id: Some(id),
        subject: None,
    }))
}

fn reply(state: &mut State, req: &Request<'_>, id: &str) -> Outcome {
    let index = state
        .conversations
        .iter()
        .position(|c| c.id == id)
        .ok_or_else(ErrorReply::not_found)?;
    let body = json_object(req.body)?;
    let message_type = req_str(&body, "message_type")?;
    let kind = req_str(&body, "type")?;
    let text = opt_str(&body, "body")?;
    let created_at = opt_i64(&body, "created_at")?.unwrap_or_else(now);
    let (author_type, author_id, part_type) = match kind.as_str() {
        "admin" => {
            if !matches!(message_type.as_str(), "comment" | "note" | "quick_reply") {
                return Err(ErrorReply::invalid(
                    "message_type must be comment, note or quick_reply",
                )
                .with_field("message_type"));
            }
            if message_type != "quick_reply" && text.as_deref().is_none_or(|t| t.trim().is_empty())
            {
                return Err(ErrorReply::missing("body"));
            }
            let admin_id = req_str(&body, "admin_id")?;
            if state.admin(&admin_id).is_none() {
                return Err(ErrorReply::not_found());
            }
            ("admin", admin_id, message_type.clone())
        }
        "user" => {
            if message_type != "comment" {
                return Err(
                    ErrorReply::invalid("message_type must be comment for a user reply")
                        .with_field("message_type"),
                );
            }
            if text.as_deref().is_none_or(|t| t.trim().is_empty()) {
                return Err(ErrorReply::missing("body"));
            }
            let contact = if let Some(v) = opt_str(&body, "intercom_user_id")? {
                state.contacts.iter().find(|c| c.id == v)
            } else if let Some(v) = opt_str(&body, "user_id")? {
                state
                    .contacts
                    .iter()
                    .find(|c| c.external_id.as_deref() == Some(v.as_str()))
            } else if let Some(v) = opt_str(&body, "email")? {
                state.contacts.iter().find(|c| {
                    c.email
                        .as_deref()
                        .is_some_and(|e| e.eq_ignore_ascii_case(&v))
                })
            } else {
                return Err(ErrorReply::missing("intercom_user_id"));
            };
            let contact = contact.ok_or_else(ErrorReply::user_not_found)?;
            let reopened = !state.conversations[index].open;
            let part_type = if reopened { "open" } else { "comment" };
            ("user", contact.id.clone(), part_type.to_owned())
        }
        _ => return Err(ErrorReply::invalid("type must be admin or user").with_field("type")),
    };
    let part_id = state.next_numeric_id();
    let conversation = &mut state.conversations[index];
    conversation.parts.push(Part {
        id: part_id,
        part_type,
        body: text.map(|t| format!("<p>{}</p>", escape_html(&t))),
        created_at,
        author_type: author_type.to_owned(),
        author_id,
    });
    conversation.updated_at = created_at;
    if author_type == "user" {
        conversation.open = true;
        conversation.read = false;
        conversation.waiting_since = Some(created_at);
    } else if message_type == "comment" {
        conversation.waiting_since = None;
    }
    Reply::model(&model::conversation(state, &state.conversations[index]))
}

// ---------------------------------------------------------------------------------------------
// Events.
// ---------------------------------------------------------------------------------------------

fn find_contact<'a>(
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

fn create_event(state: &mut State, req: &Request<'_>) -> Outcome {
    let body = json_object(req.body)?;
    let name = req_str(&body, "event_name")?;
    let created_at =
        opt_i64(&body, "created_at")?.ok_or_else(|| ErrorReply::missing("created_at"))?;
    let id = opt_str(&body, "id")?;
    let user_id = opt_str(&body, "user_id")?;
    let email = opt_str(&body, "email")?;
    if id.is_none() && user_id.is_none() && email.is_none() {
        return Err(ErrorReply::missing("user_id"));
    }
    if let Some(metadata) = opt_object(&body, "metadata")? {
        if metadata.len() > 10 {
            return Err(
                ErrorReply::invalid("metadata can hold at most 10 keys").with_field("metadata")
            );
        }
    }
    let contact = find_contact(state, id.as_deref(), user_id.as_deref(), email.as_deref())
        .ok_or_else(ErrorReply::user_not_found)?;
    let contact_id = contact.id.clone();
    let duplicate = state
        .events
        .iter()
        .any(|e| e.name == name && e.contact_id == contact_id && e.created_at == created_at);
    if !duplicate {
        state.events.push(Event {
            name,
            contact_id,
            created_at,
        });
    }
    Ok(Reply::accepted())
}

fn list_events(state: &State, req: &Request<'_>) -> Outcome {
    match req.query.get("type") {
        Some("user") => {}
        Some(_) => return Err(ErrorReply::invalid("type must be user").with_field("type")),
        None => return Err(ErrorReply::missing("type")),
    }
    let (id, user_id, email) = (
        req.query.get("intercom_user_id"),
        req.query.get("user_id"),
        req.query.get("email"),
    );
    if id.is_none() && user_id.is_none() && email.is_none() {
        return Err(ErrorReply::missing("intercom_user_id"));
    }
    let contact = find_contact(state, id, user_id, email).ok_or_else(ErrorReply::user_not_found)?;
    let mut summary: Vec<(String, i64, i64, u64)> = Vec::new();
    for event in state.events.iter().filter(|e| e.contact_id == contact.id) {
        match summary.iter_mut().find(|s| s.0 == event.name) {
            Some(s) => {
                s.1 = s.1.min(event.created_at);
                s.2 = s.2.max(event.created_at);
                s.3 = s.3.saturating_add(1);
            }
            None => summary.push((event.name.clone(), event.created_at, event.created_at, 1)),
        }
    }
    let events: Vec<models::DataEventSummaryItem> = summary
        .iter()
        .map(|(name, first, last, count)| {
            fill!(models::DataEventSummaryItem {
                name: Some(name.clone()),
                first: Some(iso8601(*first)),
                last: Some(iso8601(*last)),
                count: Some(i64::try_from(*count).unwrap_or(i64::MAX)),
                description: Some(String::new()),
            })
        })
        .collect();
    Reply::model(&fill!(models::DataEventSummary {
        type_: Some("event.summary".into()),
        email: Some(contact.email.clone().unwrap_or_default()),
        intercom_user_id: Some(contact.id.clone()),
        user_id: Some(contact.external_id.clone().unwrap_or_default()),
        events: Some(events),
    }))
}

/// Unix seconds as `2014-01-16T23:12:21.000+00:00`.
// Timestamps come from request bodies, so `ts` may be any `i64`; the arithmetic still cannot
// overflow: `|days| <= i64::MAX / 86_400 < 1.1e14`, so `z` and `era * 400` stay below 3e11 in
// magnitude, `doe` is in `0..146_097`, `yoe` in `0..400`, `doy` in `0..366`, `mp` in `0..12`,
// and `secs` in `0..86_400`. Divisors are non-zero constants. (Unit-tested at both ends.)
#[allow(clippy::arithmetic_side_effects)]
pub(crate) fn iso8601(ts: i64) -> String {
    let days = ts.div_euclid(86_400);
    let secs = ts.rem_euclid(86_400);
    // Howard Hinnant's civil-from-days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.000+00:00",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

// ---------------------------------------------------------------------------------------------
// Data attributes.
// ---------------------------------------------------------------------------------------------

fn list_attributes(state: &State, req: &Request<'_>) -> Outcome {
    let model_filter = match req.query.get("model") {
        None | Some("") => None,
        Some(m @ ("contact" | "company")) => Some(m),
        Some(_) => {
            return Err(ErrorReply::invalid(
                "The Data Attribute model field must be either contact or company",
            )
            .with_field("model"))
        }
    };
    let data: Vec<models::DataAttribute> = state
        .data_attributes
        .iter()
        .filter(|a| model_filter.is_none_or(|m| a.model == m))
        .map(model::data_attribute)
        .collect();
    Reply::model(&fill!(models::DataAttributeList {
        type_: Some("list".into()),
        data: Some(data),
    }))
}

fn create_attribute(state: &mut State, req: &Request<'_>) -> Outcome {
    let body = json_object(req.body)?;
    let name = req_str(&body, "name")?;
    let model_name = req_str(&body, "model")?;
    if model_name != "contact" && model_name != "company" {
        return Err(ErrorReply::invalid(
            "The Data Attribute model field must be either contact or company",
        )
        .with_field("model"));
    }
    let data_type = req_str(&body, "data_type")?;
    if !matches!(
        data_type.as_str(),
        "string" | "integer" | "float" | "boolean" | "date" | "datetime" | "options"
    ) {
        return Err(ErrorReply::invalid("Data Type isn't an option").with_field("data_type"));
    }
    let valid_name = name
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_' | '$' | '€' | '£' | '¥'));
    if !valid_name {
        return Err(ErrorReply::invalid(
            "Your name for this attribute must only contain alphanumeric characters, currency symbols, and hyphens",
        )
        .with_field("name"));
    }
    let people = |m: &str| if m == "contact" { "people" } else { "company" };
    if let Some(existing) = state
        .data_attributes
        .iter()
        .find(|a| a.name.eq_ignore_ascii_case(&name))
    {
        return Err(ErrorReply::invalid(format!(
            "You already have '{name}' in your {} data. To save this as new {} data, use a different name.",
            people(&existing.model),
            people(&model_name)
        )));
    }
    let options: Vec<String> = match body.get("options") {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|o| o.get("value").and_then(Value::as_str).map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    };
    if data_type == "options" && options.len() < 2 {
        return Err(
            ErrorReply::invalid("A list attribute needs at least two options")
                .with_field("options"),
        );
    }
    let attribute = DataAttribute {
        id: Some(state.next_int_id()),
        model: model_name,
        full_name: format!("custom_attributes.{name}"),
        label: name.clone(),
        name,
        description: opt_str(&body, "description")?.unwrap_or_default(),
        data_type,
        api_writable: true,
        messenger_writable: opt_bool(&body, "messenger_writable")?.unwrap_or(false),
        custom: true,
        options,
        admin_id: Some(req.admin_id.clone()),
        created_at: Some(now()),
    };
    let value = model::to_json(&model::data_attribute(&attribute))?;
    state.data_attributes.push(attribute);
    Ok(Reply::json(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_dates() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00.000+00:00");
        assert_eq!(iso8601(1_389_913_941), "2014-01-16T23:12:21.000+00:00");
    }

    #[test]
    fn iso_dates_at_the_ends_of_i64() {
        // Event timestamps come from request bodies: every i64 must format without overflow.
        assert_eq!(iso8601(i64::MAX), "292277026596-12-04T15:30:07.000+00:00");
        assert_eq!(iso8601(i64::MIN), "-292277022657-01-27T08:29:52.000+00:00");
        assert_eq!(iso8601(-1), "1969-12-31T23:59:59.000+00:00");
    }

    #[test]
    fn paging_helpers_saturate() {
        assert_eq!(saturating_usize(u64::MAX), usize::MAX);
        assert_eq!(page_len(u64::MAX, 7), 7);
        assert_eq!(page_len(3, 7), 3);
        assert_eq!(next_cursor::<u8>(Some(9), &[], 1), None);
        let next = next_cursor(Some(9), &[1], u64::MAX);
        assert_eq!(
            next.and_then(|c| decode_cursor(&c).ok()),
            Some((9, u64::MAX))
        );
    }

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        assert_eq!(decode_cursor(&encode_cursor(12, 3)).ok(), Some((12, 3)));
        assert!(decode_cursor("not base64!").is_err());
        assert!(decode_cursor(&STANDARD.encode("{}")).is_err());
        assert!(decode_cursor(&STANDARD.encode("[1,0]")).is_err());
    }
}
