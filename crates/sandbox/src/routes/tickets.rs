//! Tickets (create, get, update, delete, reply, tags, search) with their types and states.

use super::conversation_actions::{acting_admin, find_customer, tag_not_found};
use super::*;
use crate::state::{Ticket, TicketState, TicketType};

const TICKETS_PER_PAGE: u64 = 20;

fn ticket_not_found() -> ErrorReply {
    ErrorReply::new(
        StatusCode::NOT_FOUND,
        "ticket_not_found",
        "Ticket not found",
    )
}

fn ticket_type_not_found() -> ErrorReply {
    ErrorReply::new(StatusCode::NOT_FOUND, "not_found", "Ticket type not found")
}

fn ticket_index(state: &State, id: &str) -> Result<usize, ErrorReply> {
    state
        .tickets
        .iter()
        .position(|t| t.id == id)
        .ok_or_else(ticket_not_found)
}

fn state_ref(s: &TicketState) -> models::TicketState {
    fill!(models::TicketState {
        type_: Some("ticket_state".into()),
        id: Some(s.id.clone()),
        category: Some(models::TicketStateCategory::from(s.category.as_str())),
        internal_label: Some(s.internal_label.clone()),
        external_label: Some(s.external_label.clone()),
    })
}

fn ticket_type_model(state: &State, t: &TicketType) -> models::TicketType {
    fill!(models::TicketType {
        type_: Some("ticket_type".into()),
        id: Some(t.id.clone()),
        name: Some(t.name.clone()),
        description: Some(t.description.clone()),
        icon: Some(t.icon.clone()),
        category: Some(models::CreateTicketTypeRequestCategory::from(
            t.category.as_str()
        )),
        archived: Some(t.archived),
        workspace_id: Some(state.app_id.clone()),
        created_at: Some(Timestamp::from_unix(t.created_at)),
        updated_at: Some(Timestamp::from_unix(t.updated_at)),
        ticket_states: Some(fill!(models::TicketTypeTicketStates {
            type_: Some("list".into()),
            data: Some(state.ticket_states.iter().map(state_ref).collect()),
        })),
        ticket_type_attributes: Some(fill!(models::TicketTypeAttributeList {
            type_: Some("list".into()),
            ticket_type_attributes: Some(Vec::new()),
        })),
    })
}

fn part_author(state: &State, kind: &str, id: &str) -> models::TicketPartAuthor {
    if kind == "admin" {
        let a = state.admin(id);
        fill!(models::TicketPartAuthor {
            type_: Some("admin".into()),
            id: Some(id.to_owned()),
            name: a.map(|a| a.name.clone()),
            email: a.map(|a| a.email.clone()),
        })
    } else {
        let c = state.contacts.iter().find(|c| c.id == id);
        fill!(models::TicketPartAuthor {
            type_: Some("user".into()),
            id: Some(id.to_owned()),
            name: c.and_then(|c| c.name.clone()),
            email: c.and_then(|c| c.email.clone()),
        })
    }
}

fn ticket_part(state: &State, p: &Part) -> models::TicketPart {
    fill!(models::TicketPart {
        type_: Some("ticket_part".into()),
        id: Some(p.id.clone()),
        part_type: Some(p.part_type.clone()),
        body: p.body.clone(),
        created_at: Some(Timestamp::from_unix(p.created_at)),
        updated_at: Some(Timestamp::from_unix(p.created_at)),
        author: Some(part_author(state, &p.author_type, &p.author_id)),
        attachments: Some(Vec::new()),
        redacted: Some(false),
        ..Default::default()
    })
}

/// `ticket` with its parts.
fn ticket_model(state: &State, t: &Ticket) -> models::Ticket {
    let ticket_type = state.ticket_types.iter().find(|k| k.id == t.ticket_type_id);
    let ticket_state = state.ticket_states.iter().find(|s| s.id == t.state_id);
    let contacts = t
        .contact_ids
        .iter()
        .map(|id| {
            fill!(models::ContactReference {
                type_: Some("contact".into()),
                id: Some(id.clone()),
                external_id: state
                    .contacts
                    .iter()
                    .find(|c| c.id == *id)
                    .and_then(|c| c.external_id.clone()),
            })
        })
        .collect();
    fill!(models::Ticket {
        type_: Some("ticket".into()),
        id: Some(t.id.clone()),
        ticket_id: Some(t.ticket_number.clone()),
        category: ticket_type.map(|k| models::TicketCategory::from(k.category.as_str())),
        ticket_attributes: Some(t.attributes.clone()),
        ticket_state: ticket_state.map(state_ref),
        ticket_type: ticket_type.map(|k| ticket_type_model(state, k)),
        contacts: Some(fill!(models::TicketContacts {
            type_: Some("contact.list".into()),
            contacts: Some(contacts),
        })),
        admin_assignee_id: Some(t.admin_assignee_id.unwrap_or(0).to_string()),
        team_assignee_id: Some(t.team_assignee_id.unwrap_or(0).to_string()),
        created_at: Some(Timestamp::from_unix(t.created_at)),
        updated_at: Some(Timestamp::from_unix(t.updated_at)),
        open: Some(t.open),
        snoozed_until: t.snoozed_until.map(Timestamp::from_unix),
        is_shared: Some(t.is_shared),
        previous_ticket_state_id: t.previous_state_id.clone(),
        linked_objects: Some(fill!(models::LinkedObjectList {
            type_: Some("list".into()),
            data: Some(Vec::new()),
            total_count: Some(0),
            has_more: Some(false),
        })),
        ticket_parts: Some(fill!(models::TicketParts {
            type_: Some("ticket_part.list".into()),
            ticket_parts: Some(t.parts.iter().map(|p| ticket_part(state, p)).collect()),
            total_count: Some(i64::try_from(t.parts.len()).unwrap_or(i64::MAX)),
        })),
    })
}

/// `POST /tickets`.
pub(super) fn create_ticket(state: &mut State, req: &Request<'_>) -> Outcome {
    let body = json_object(req.body)?;
    let type_id = req_str(&body, "ticket_type_id")?;
    if !state
        .ticket_types
        .iter()
        .any(|t| t.id == type_id && !t.archived)
    {
        return Err(ErrorReply::new(
            StatusCode::BAD_REQUEST,
            "invalid_ticket_type",
            "Ticket type is not valid",
        )
        .with_field("ticket_type_id"));
    }
    let Some(Value::Array(items)) = body.get("contacts") else {
        return Err(ErrorReply::missing("contacts"));
    };
    let mut contact_ids = Vec::new();
    for item in items {
        let Value::Object(item) = item else {
            return Err(type_error("contacts", "a list of objects"));
        };
        let id = find_customer(state, item)?.id.clone();
        if !contact_ids.contains(&id) {
            contact_ids.push(id);
        }
    }
    if contact_ids.is_empty() {
        return Err(ErrorReply::missing("contacts"));
    }
    let attributes = opt_object(&body, "ticket_attributes")?
        .cloned()
        .unwrap_or_default();
    let created_at = opt_i64(&body, "created_at")?.unwrap_or_else(now);
    let first_state = state
        .ticket_states
        .iter()
        .find(|s| s.category == "submitted")
        .or(state.ticket_states.first())
        .map(|s| s.id.clone())
        .unwrap_or_default();
    let seq = state.next_seq();
    let id = state.next_numeric_id();
    let number = state.tickets.len().saturating_add(1).to_string();
    state.tickets.push(Ticket {
        seq,
        id,
        ticket_number: number,
        ticket_type_id: type_id,
        state_id: first_state,
        contact_ids,
        attributes,
        open: true,
        created_at,
        updated_at: created_at,
        ..Ticket::default()
    });
    let ticket = state.tickets.last().ok_or_else(ticket_not_found)?;
    Reply::model(&ticket_model(state, ticket))
}

pub(super) fn get_ticket(state: &State, id: &str) -> Outcome {
    let index = ticket_index(state, id)?;
    Reply::model(&ticket_model(state, &state.tickets[index]))
}

/// `PUT /tickets/{id}`: attributes (merged), state, open, sharing, snooze and assignment.
pub(super) fn update_ticket(state: &mut State, req: &Request<'_>, id: &str) -> Outcome {
    let index = ticket_index(state, id)?;
    let body = json_object(req.body)?;
    let new_state = match opt_str(&body, "ticket_state_id")? {
        Some(sid) if state.ticket_states.iter().any(|s| s.id == sid) => Some(sid),
        Some(_) => {
            return Err(ErrorReply::new(
                StatusCode::BAD_REQUEST,
                "ticket_state_id_invalid",
                "Ticket state is not valid",
            )
            .with_field("ticket_state_id"))
        }
        None => None,
    };
    let assignee = match opt_str(&body, "assignee_id")? {
        Some(a) => {
            acting_admin(state, &body)?;
            Some(a)
        }
        None => None,
    };
    let (mut admin_assignee, mut team_assignee) = (None, None);
    if let Some(a) = &assignee {
        if a == "0" {
            admin_assignee = Some(None);
        } else if state.admin(a).is_some() {
            admin_assignee = Some(a.parse().ok());
        } else if state.teams.iter().any(|t| t.id == *a) {
            team_assignee = Some(a.parse().ok());
        } else {
            return Err(ErrorReply::new(
                StatusCode::NOT_FOUND,
                "assignee_not_found",
                "Assignee not found",
            ));
        }
    }
    let attributes = opt_object(&body, "ticket_attributes")?.cloned();
    let open = opt_bool(&body, "open")?;
    let shared = opt_bool(&body, "is_shared")?;
    let snoozed = opt_i64(&body, "snoozed_until")?;
    let t = &mut state.tickets[index];
    if let Some(sid) = new_state {
        if sid != t.state_id {
            t.previous_state_id = Some(std::mem::replace(&mut t.state_id, sid));
        }
    }
    if let Some(attributes) = attributes {
        t.attributes.extend(attributes);
    }
    if let Some(open) = open {
        t.open = open;
    }
    if let Some(shared) = shared {
        t.is_shared = shared;
    }
    if snoozed.is_some() {
        t.snoozed_until = snoozed;
    }
    if let Some(a) = admin_assignee {
        t.admin_assignee_id = a;
    }
    if let Some(a) = team_assignee {
        t.team_assignee_id = a;
    }
    t.updated_at = now();
    Reply::model(&ticket_model(state, &state.tickets[index]))
}

pub(super) fn delete_ticket(state: &mut State, id: &str) -> Outcome {
    let index = ticket_index(state, id)?;
    let ticket = state.tickets.remove(index);
    Reply::model(&fill!(models::TicketDeleted {
        id: Some(ticket.id),
        object: Some(models::TicketDeletedObject::Ticket),
        deleted: Some(true),
    }))
}

/// `POST /tickets/{id}/reply`: an admin comment or note, or a contact's comment.
pub(super) fn reply_ticket(state: &mut State, req: &Request<'_>, id: &str) -> Outcome {
    let index = ticket_index(state, id)?;
    let body = json_object(req.body)?;
    let message_type = req_str(&body, "message_type")?;
    let kind = req_str(&body, "type")?;
    let text = opt_str(&body, "body")?;
    let (author_type, author_id) = match kind.as_str() {
        "admin" => {
            if !matches!(message_type.as_str(), "comment" | "note" | "quick_reply") {
                return Err(ErrorReply::invalid(
                    "message_type must be comment, note or quick_reply",
                )
                .with_field("message_type"));
            }
            ("admin", acting_admin(state, &body)?)
        }
        "user" => {
            if message_type != "comment" {
                return Err(
                    ErrorReply::invalid("message_type must be comment for a user reply")
                        .with_field("message_type"),
                );
            }
            ("user", find_customer(state, &body)?.id.clone())
        }
        _ => return Err(ErrorReply::invalid("type must be admin or user").with_field("type")),
    };
    if message_type != "quick_reply" && text.as_deref().is_none_or(|t| t.trim().is_empty()) {
        return Err(ErrorReply::missing("body"));
    }
    let created_at = opt_i64(&body, "created_at")?.unwrap_or_else(now);
    let part = Part {
        id: state.next_numeric_id(),
        part_type: message_type,
        body: text.map(|t| format!("<p>{}</p>", escape_html(&t))),
        created_at,
        author_type: author_type.to_owned(),
        author_id,
    };
    let reply = fill!(models::TicketReply {
        type_: Some("ticket_part".into()),
        id: Some(part.id.clone()),
        part_type: Some(models::TicketReplyPartType::from(part.part_type.as_str())),
        body: part.body.clone(),
        created_at: Some(Timestamp::from_unix(created_at)),
        updated_at: Some(Timestamp::from_unix(created_at)),
        author: Some(part_author(state, &part.author_type, &part.author_id)),
        attachments: Some(Vec::new()),
        redacted: Some(false),
    });
    let t = &mut state.tickets[index];
    t.parts.push(part);
    t.updated_at = created_at;
    Reply::model(&reply)
}

pub(super) fn tag_ticket(state: &mut State, req: &Request<'_>, id: &str) -> Outcome {
    let index = ticket_index(state, id)?;
    let body = json_object(req.body)?;
    let tag_id = req_str(&body, "id")?;
    acting_admin(state, &body)?;
    let tag = state.tag(&tag_id).cloned().ok_or_else(tag_not_found)?;
    let t = &mut state.tickets[index];
    if !t.tag_ids.contains(&tag.id) {
        t.tag_ids.push(tag.id.clone());
    }
    Reply::model(&model::tag(&tag.id, &tag.name))
}

pub(super) fn untag_ticket(
    state: &mut State,
    req: &Request<'_>,
    id: &str,
    tag_id: &str,
) -> Outcome {
    let index = ticket_index(state, id)?;
    let body = json_object(req.body)?;
    acting_admin(state, &body)?;
    let tag = state.tag(tag_id).cloned().ok_or_else(tag_not_found)?;
    let t = &mut state.tickets[index];
    let before = t.tag_ids.len();
    t.tag_ids.retain(|x| *x != tag.id);
    if t.tag_ids.len() == before {
        return Err(tag_not_found());
    }
    Reply::model(&model::tag(&tag.id, &tag.name))
}

/// The value of `field` on `t`, as a search compares it.
fn field_value(state: &State, t: &Ticket, field: &str) -> Result<Vec<Value>, ErrorReply> {
    let one = |v: Value| Ok(vec![v]);
    match field {
        "id" => one(Value::from(t.id.clone())),
        "ticket_id" => one(Value::from(t.ticket_number.clone())),
        "ticket_type_id" => one(Value::from(t.ticket_type_id.clone())),
        "ticket_state_id" => one(Value::from(t.state_id.clone())),
        "state" | "category" => one(Value::from(
            state
                .ticket_states
                .iter()
                .find(|s| s.id == t.state_id)
                .map(|s| s.category.clone())
                .unwrap_or_default(),
        )),
        "open" => one(Value::from(t.open)),
        "contact_ids" => Ok(t.contact_ids.iter().cloned().map(Value::from).collect()),
        "admin_assignee_id" => one(Value::from(t.admin_assignee_id.unwrap_or(0).to_string())),
        "team_assignee_id" => one(Value::from(t.team_assignee_id.unwrap_or(0).to_string())),
        "created_at" => one(Value::from(t.created_at)),
        "updated_at" => one(Value::from(t.updated_at)),
        _ => Err(
            ErrorReply::invalid(format!("{field} is not a searchable ticket field"))
                .with_field("query"),
        ),
    }
}

/// `a` and `b` as a search compares them: numbers numerically (numeric strings too), others
/// as text.
fn compare(a: &Value, b: &Value) -> Option<std::cmp::Ordering> {
    let num = |v: &Value| match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    match (num(a), num(b)) {
        (Some(x), Some(y)) => x.partial_cmp(&y),
        _ => Some(text(a).cmp(&text(b))),
    }
}

fn matches(state: &State, t: &Ticket, query: &Value, depth: u8) -> Result<bool, ErrorReply> {
    let bad = || ErrorReply::invalid("query is not a valid search query").with_field("query");
    if depth > 2 {
        return Err(ErrorReply::invalid("query nests too deeply").with_field("query"));
    }
    let op = query
        .get("operator")
        .and_then(Value::as_str)
        .ok_or_else(bad)?;
    if matches!(op, "AND" | "OR") {
        let parts = query
            .get("value")
            .and_then(Value::as_array)
            .ok_or_else(bad)?;
        let mut results = Vec::new();
        for part in parts {
            results.push(matches(state, t, part, depth.saturating_add(1))?);
        }
        return Ok(if op == "AND" {
            results.iter().all(|r| *r)
        } else {
            results.iter().any(|r| *r)
        });
    }
    let field = query.get("field").and_then(Value::as_str).ok_or_else(bad)?;
    let wanted = query.get("value").ok_or_else(bad)?;
    let values = field_value(state, t, field)?;
    let eq = |v: &Value, w: &Value| compare(v, w) == Some(std::cmp::Ordering::Equal);
    let any = |f: &dyn Fn(&Value) -> bool| values.iter().any(f);
    Ok(match op {
        "=" => any(&|v| eq(v, wanted)),
        "!=" => !any(&|v| eq(v, wanted)),
        "IN" | "NIN" => {
            let list = wanted.as_array().ok_or_else(bad)?;
            let hit = any(&|v| list.iter().any(|w| eq(v, w)));
            hit == (op == "IN")
        }
        ">" => any(&|v| compare(v, wanted) == Some(std::cmp::Ordering::Greater)),
        "<" => any(&|v| compare(v, wanted) == Some(std::cmp::Ordering::Less)),
        _ => return Err(bad()),
    })
}

/// `POST /tickets/search`: the search query (fields listed in [`field_value`]) with search
/// pagination, oldest first.
pub(super) fn search_tickets(state: &State, req: &Request<'_>) -> Outcome {
    let body = json_object(req.body)?;
    let query = body
        .get("query")
        .ok_or_else(|| ErrorReply::missing("query"))?;
    let pagination = opt_object(&body, "pagination")?;
    let per_page = match pagination
        .map(|p| opt_i64(p, "per_page"))
        .transpose()?
        .flatten()
    {
        None => TICKETS_PER_PAGE,
        Some(n) if (1..=MAX_PER_PAGE as i64).contains(&n) => n.unsigned_abs(),
        Some(_) => {
            return Err(
                ErrorReply::invalid("per_page must be between 1 and 150").with_field("per_page")
            )
        }
    };
    let (after, page) = match pagination
        .map(|p| opt_str(p, "starting_after"))
        .transpose()?
    {
        Some(Some(c)) if !c.is_empty() => decode_cursor(&c)?,
        _ => (0, 1),
    };
    let mut hits = Vec::new();
    for t in &state.tickets {
        if matches(state, t, query, 0)? {
            hits.push(t);
        }
    }
    let total = hits.len();
    let rest: Vec<&Ticket> = hits.into_iter().filter(|t| t.seq > after).collect();
    let (shown, more) = rest.split_at(page_len(per_page, rest.len()));
    let next = next_cursor(shown.last().map(|t| t.seq), more, page);
    let list = fill!(models::TicketList {
        type_: Some("ticket.list".into()),
        pages: Some(model::cursor_pages(
            page,
            per_page,
            total_pages(total, per_page),
            next
        )),
        total_count: Some(total as i64),
        tickets: Some(shown.iter().map(|t| ticket_model(state, t)).collect()),
    });
    model::with_next_page(&list).map(Reply::json)
}

pub(super) fn list_ticket_types(state: &State) -> Outcome {
    Reply::model(&fill!(models::TicketTypeList {
        type_: Some("list".into()),
        data: Some(
            state
                .ticket_types
                .iter()
                .map(|t| ticket_type_model(state, t))
                .collect()
        ),
    }))
}

pub(super) fn get_ticket_type(state: &State, id: &str) -> Outcome {
    let t = state
        .ticket_types
        .iter()
        .find(|t| t.id == id)
        .ok_or_else(ticket_type_not_found)?;
    Reply::model(&ticket_type_model(state, t))
}

fn category(body: &Map<String, Value>) -> Result<Option<String>, ErrorReply> {
    match opt_str(body, "category")? {
        Some(c) if matches!(c.as_str(), "Customer" | "Back-office" | "Tracker") => Ok(Some(c)),
        Some(_) => Err(
            ErrorReply::invalid("category must be Customer, Back-office or Tracker")
                .with_field("category"),
        ),
        None => Ok(None),
    }
}

/// `POST /ticket_types`.
pub(super) fn create_ticket_type(state: &mut State, req: &Request<'_>) -> Outcome {
    let body = json_object(req.body)?;
    let name = req_str(&body, "name")?;
    if state.ticket_types.iter().any(|t| t.name == name) {
        return Err(
            ErrorReply::invalid("A ticket type with this name already exists").with_field("name"),
        );
    }
    let at = now();
    let ticket_type = TicketType {
        id: state.next_numeric_id(),
        name,
        description: opt_str(&body, "description")?.unwrap_or_default(),
        icon: opt_str(&body, "icon")?.unwrap_or_else(|| "🎟️".into()),
        category: category(&body)?.unwrap_or_else(|| "Customer".into()),
        archived: false,
        created_at: at,
        updated_at: at,
    };
    state.ticket_types.push(ticket_type);
    let t = state
        .ticket_types
        .last()
        .ok_or_else(ticket_type_not_found)?;
    Reply::model(&ticket_type_model(state, t))
}

/// `PUT /ticket_types/{id}`.
pub(super) fn update_ticket_type(state: &mut State, req: &Request<'_>, id: &str) -> Outcome {
    let index = state
        .ticket_types
        .iter()
        .position(|t| t.id == id)
        .ok_or_else(ticket_type_not_found)?;
    let body = json_object(req.body)?;
    let name = opt_str(&body, "name")?;
    let description = opt_str(&body, "description")?;
    let icon = opt_str(&body, "icon")?;
    let category = category(&body)?;
    let archived = opt_bool(&body, "archived")?;
    let t = &mut state.ticket_types[index];
    if let Some(v) = name.filter(|n| !n.trim().is_empty()) {
        t.name = v;
    }
    if let Some(v) = description {
        t.description = v;
    }
    if let Some(v) = icon {
        t.icon = v;
    }
    if let Some(v) = category {
        t.category = v;
    }
    if let Some(v) = archived {
        t.archived = v;
    }
    t.updated_at = now();
    Reply::model(&ticket_type_model(state, &state.ticket_types[index]))
}

/// `GET /ticket_states`: every state with the ticket types that use it (all of them).
pub(super) fn list_ticket_states(state: &State) -> Outcome {
    let types: Vec<models::TicketType> = state
        .ticket_types
        .iter()
        .map(|t| ticket_type_model(state, t))
        .collect();
    let data = state
        .ticket_states
        .iter()
        .map(|s| {
            fill!(models::TicketStateDetailed {
                type_: Some("ticket_state".into()),
                id: Some(s.id.clone()),
                category: Some(models::TicketStateCategory::from(s.category.as_str())),
                internal_label: Some(s.internal_label.clone()),
                external_label: Some(s.external_label.clone()),
                archived: Some(false),
                ticket_types: Some(fill!(models::TicketStateDetailedTicketTypes {
                    type_: Some("list".into()),
                    data: Some(types.clone()),
                })),
            })
        })
        .collect();
    Reply::model(&fill!(models::TicketStateList {
        type_: Some("list".into()),
        data: Some(data),
    }))
}
