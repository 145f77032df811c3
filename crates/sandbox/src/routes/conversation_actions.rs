//! Conversations after creation: manage (close, snooze, open, assign), tags and contacts.

use super::*;

fn conversation_index(state: &State, id: &str) -> Result<usize, ErrorReply> {
    state
        .conversations
        .iter()
        .position(|c| c.id == id)
        .ok_or_else(conversation_not_found)
}

pub(super) fn conversation_not_found() -> ErrorReply {
    ErrorReply::new(
        StatusCode::NOT_FOUND,
        "conversation_not_found",
        "Conversation not found",
    )
}

pub(super) fn tag_not_found() -> ErrorReply {
    ErrorReply::new(StatusCode::NOT_FOUND, "tag_not_found", "Tag not found")
}

/// The acting admin named by `admin_id`: 404 `admin_not_found` when there is none such.
pub(super) fn acting_admin(state: &State, body: &Map<String, Value>) -> Result<String, ErrorReply> {
    let admin_id = req_id(body, "admin_id")?;
    if state.admin(&admin_id).is_none() {
        return Err(ErrorReply::new(
            StatusCode::NOT_FOUND,
            "admin_not_found",
            "Admin not found",
        ));
    }
    Ok(admin_id)
}

/// The contact `object` names by `intercom_user_id`, `id`, `user_id`, `external_id` or
/// `email`: 404 when there is none (or it was merged away).
pub(super) fn find_customer<'a>(
    state: &'a State,
    object: &Map<String, Value>,
) -> Result<&'a Contact, ErrorReply> {
    let by_id = match opt_str(object, "intercom_user_id")? {
        Some(v) => Some(v),
        None => opt_str(object, "id")?,
    };
    let by_external = match opt_str(object, "user_id")? {
        Some(v) => Some(v),
        None => opt_str(object, "external_id")?,
    };
    let contact = if let Some(v) = by_id {
        state.contacts.iter().find(|c| c.id == v)
    } else if let Some(v) = by_external {
        state
            .contacts
            .iter()
            .find(|c| c.external_id.as_deref() == Some(v.as_str()))
    } else if let Some(v) = opt_str(object, "email")? {
        state.contacts.iter().find(|c| {
            c.email
                .as_deref()
                .is_some_and(|e| e.eq_ignore_ascii_case(&v))
        })
    } else {
        return Err(ErrorReply::missing("intercom_user_id"));
    };
    contact
        .filter(|c| c.merged_into.is_none())
        .ok_or_else(ErrorReply::user_not_found)
}

/// `POST /conversations/{id}/parts`: close, snooze, open or assign, each leaving a part.
pub(super) fn manage_conversation(state: &mut State, req: &Request<'_>, id: &str) -> Outcome {
    let index = conversation_index(state, id)?;
    let body = json_object(req.body)?;
    let message_type = req_str(&body, "message_type")?;
    let admin_id = acting_admin(state, &body)?;
    let text = opt_str(&body, "body")?;
    let at = now();
    let part_type = match message_type.as_str() {
        "close" => {
            let c = &mut state.conversations[index];
            c.open = false;
            c.snoozed_until = None;
            c.waiting_since = None;
            "close"
        }
        "snoozed" => {
            let until = opt_i64(&body, "snoozed_until")?
                .ok_or_else(|| ErrorReply::missing("snoozed_until"))?;
            if until <= at {
                return Err(ErrorReply::invalid("snoozed_until must be in the future")
                    .with_field("snoozed_until"));
            }
            let c = &mut state.conversations[index];
            c.open = true;
            c.snoozed_until = Some(until);
            "snoozed"
        }
        "open" => {
            let c = &mut state.conversations[index];
            c.open = true;
            c.snoozed_until = None;
            "open"
        }
        "assignment" => {
            let assignee = req_id(&body, "assignee_id")?;
            if assignee == "0" {
                state.conversations[index].admin_assignee_id = None;
            } else if state.admin(&assignee).is_some() {
                state.conversations[index].admin_assignee_id = assignee.parse().ok();
            } else if state.teams.iter().any(|t| t.id == assignee) {
                state.conversations[index].team_assignee_id = assignee.parse().ok();
            } else {
                return Err(ErrorReply::new(
                    StatusCode::NOT_FOUND,
                    "assignee_not_found",
                    "Assignee not found",
                ));
            }
            "assignment"
        }
        _ => {
            return Err(ErrorReply::invalid(
                "message_type must be close, snoozed, open or assignment",
            )
            .with_field("message_type"))
        }
    };
    let part_id = state.next_numeric_id();
    let c = &mut state.conversations[index];
    c.parts.push(Part {
        id: part_id,
        part_type: part_type.to_owned(),
        body: text.map(|t| format!("<p>{}</p>", escape_html(&t))),
        created_at: at,
        author_type: "admin".into(),
        author_id: admin_id,
    });
    c.updated_at = at;
    Reply::model(&model::conversation(state, &state.conversations[index]))
}

/// `POST /conversations/{id}/tags`: attaches the tag `id`, answering the tag.
pub(super) fn tag_conversation(state: &mut State, req: &Request<'_>, id: &str) -> Outcome {
    let index = conversation_index(state, id)?;
    let body = json_object(req.body)?;
    let tag_id = req_str(&body, "id")?;
    acting_admin(state, &body)?;
    let tag = state.tag(&tag_id).cloned().ok_or_else(tag_not_found)?;
    let c = &mut state.conversations[index];
    if !c.tag_ids.contains(&tag.id) {
        c.tag_ids.push(tag.id.clone());
    }
    Reply::model(&model::tag(&tag.id, &tag.name))
}

/// `DELETE /conversations/{id}/tags/{tag_id}`: detaches the tag, answering it.
pub(super) fn untag_conversation(
    state: &mut State,
    req: &Request<'_>,
    id: &str,
    tag_id: &str,
) -> Outcome {
    let index = conversation_index(state, id)?;
    let body = json_object(req.body)?;
    acting_admin(state, &body)?;
    let tag = state.tag(tag_id).cloned().ok_or_else(tag_not_found)?;
    let c = &mut state.conversations[index];
    let before = c.tag_ids.len();
    c.tag_ids.retain(|t| *t != tag.id);
    if c.tag_ids.len() == before {
        return Err(tag_not_found());
    }
    Reply::model(&model::tag(&tag.id, &tag.name))
}

/// `POST /conversations/{id}/customers`: adds a contact (by `intercom_user_id`, `user_id`
/// or `email` of `customer`) as a participant.
pub(super) fn attach_contact(state: &mut State, req: &Request<'_>, id: &str) -> Outcome {
    let index = conversation_index(state, id)?;
    let body = json_object(req.body)?;
    acting_admin(state, &body)?;
    let customer = opt_object(&body, "customer")?.ok_or_else(|| ErrorReply::missing("customer"))?;
    let contact_id = find_customer(state, customer)?.id.clone();
    let c = &mut state.conversations[index];
    if c.contact_id != contact_id && !c.other_contact_ids.contains(&contact_id) {
        c.other_contact_ids.push(contact_id);
        c.updated_at = now();
    }
    Reply::model(&model::conversation(state, &state.conversations[index]))
}

/// `DELETE /conversations/{id}/customers/{contact_id}`: removes a participant; the last
/// one cannot be removed (400, as Intercom refuses it).
pub(super) fn detach_contact(
    state: &mut State,
    req: &Request<'_>,
    id: &str,
    contact_id: &str,
) -> Outcome {
    let index = conversation_index(state, id)?;
    let body = json_object(req.body)?;
    acting_admin(state, &body)?;
    let c = &mut state.conversations[index];
    if c.other_contact_ids.iter().any(|x| x == contact_id) {
        c.other_contact_ids.retain(|x| x != contact_id);
    } else if c.contact_id == contact_id {
        if c.other_contact_ids.is_empty() {
            return Err(ErrorReply::invalid(
                "The last contact of a conversation cannot be removed",
            )
            .with_field("contact_id"));
        }
        c.contact_id = c.other_contact_ids.remove(0);
    } else {
        return Err(ErrorReply::user_not_found());
    }
    c.updated_at = now();
    Reply::model(&model::conversation(state, &state.conversations[index]))
}
