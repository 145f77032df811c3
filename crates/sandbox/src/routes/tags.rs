//! Tags: create, and rename by id.

use super::*;

pub(super) fn create_tag(state: &mut State, req: &Request<'_>) -> Outcome {
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
