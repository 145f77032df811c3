//! Conversations: list, create, reply.

use super::*;

pub(super) fn list_conversations(state: &State, req: &Request<'_>) -> Outcome {
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

pub(super) fn create_conversation(state: &mut State, req: &Request<'_>) -> Outcome {
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
        ..Conversation::default()
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

pub(super) fn reply(state: &mut State, req: &Request<'_>, id: &str) -> Outcome {
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
            let admin_id = req_id(&body, "admin_id")?;
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
