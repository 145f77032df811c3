//! Ticket types (list, create, get, update) and ticket states (list).

use super::tickets::{ticket_type_model, ticket_type_not_found};
use super::*;
use crate::state::TicketType;

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
