//! Tickets: create, get, update, delete, reply and tags (search in `ticket_search`, types
//! and states in `ticket_types`).

use super::conversation_actions::{acting_admin, find_customer, tag_not_found};
use super::*;
use crate::state::{Ticket, TicketState, TicketType};

fn ticket_not_found() -> ErrorReply {
    ErrorReply::new(
        StatusCode::NOT_FOUND,
        "ticket_not_found",
        "Ticket not found",
    )
}

pub(super) fn ticket_type_not_found() -> ErrorReply {
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

pub(super) fn ticket_type_model(state: &State, t: &TicketType) -> models::TicketType {
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
pub(super) fn ticket_model(state: &State, t: &Ticket) -> models::Ticket {
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
    let type_id = req_id(&body, "ticket_type_id")?;
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
    let assignee = match opt_id(&body, "assignee_id")? {
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
