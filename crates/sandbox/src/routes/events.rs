//! Data events: track and list (with summaries), and the ISO 8601 dates they use.

use super::*;

pub(super) fn create_event(state: &mut State, req: &Request<'_>) -> Outcome {
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

pub(super) fn list_events(state: &State, req: &Request<'_>) -> Outcome {
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

/// Unix seconds (any `i64`: they come from request bodies) as `2014-01-16T23:12:21.000+00:00`.
pub(crate) fn iso8601(ts: i64) -> String {
    // The calendar arithmetic is the resources crate's (`Timestamp::to_rfc3339`, which ends
    // in `Z` when there are no fractional seconds); event summaries spell the offset out.
    let rfc3339 = Timestamp::from_unix(ts).to_rfc3339();
    format!("{}.000+00:00", rfc3339.trim_end_matches('Z'))
}
