//! Data events: track, submit aggregated summaries, list (with summaries), and the ISO 8601
//! dates they use.

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

/// One validated entry of `event_summaries`.
struct SummaryInput {
    name: String,
    count: u64,
    first: i64,
    last: i64,
}

fn summary_input(item: &Value) -> Result<SummaryInput, ErrorReply> {
    let Value::Object(item) = item else {
        return Err(type_error("event_summaries", "an object"));
    };
    let name = req_str(item, "event_name")?;
    let count = opt_i64(item, "count")?.ok_or_else(|| ErrorReply::missing("count"))?;
    let count = u64::try_from(count)
        .map_err(|_| ErrorReply::invalid("count must not be negative").with_field("count"))?;
    let (first, last) = match (opt_i64(item, "first")?, opt_i64(item, "last")?) {
        (Some(first), Some(last)) => (first, last),
        (Some(one), None) | (None, Some(one)) => (one, one),
        (None, None) => {
            let at = now();
            (at, at)
        }
    };
    if first > last {
        return Err(ErrorReply::invalid("first must not be after last").with_field("first"));
    }
    Ok(SummaryInput {
        name,
        count,
        first,
        last,
    })
}

/// `POST /events/summaries`: aggregated counts for the contact whose external id is
/// `user_id`. `event_summaries` is one object (as the description has it) or a list of them;
/// every entry is checked before any is stored, and a contact's summaries of the same event
/// are merged (counts added, the earliest `first`, the latest `last`).
pub(super) fn create_event_summaries(state: &mut State, req: &Request<'_>) -> Outcome {
    let body = json_object(req.body)?;
    let user_id = req_id(&body, "user_id")?;
    let inputs = match body.get("event_summaries") {
        None | Some(Value::Null) => return Err(ErrorReply::missing("event_summaries")),
        Some(Value::Array(items)) => items
            .iter()
            .map(summary_input)
            .collect::<Result<Vec<_>, _>>()?,
        Some(item @ Value::Object(_)) => vec![summary_input(item)?],
        Some(_) => return Err(type_error("event_summaries", "an object or a list")),
    };
    let contact_id = find_contact(state, None, Some(&user_id), None)
        .ok_or_else(ErrorReply::user_not_found)?
        .id
        .clone();
    for input in inputs {
        let existing = state
            .event_summaries
            .iter_mut()
            .find(|s| s.contact_id == contact_id && s.name == input.name);
        match existing {
            Some(s) => {
                s.count = s.count.saturating_add(input.count);
                s.first = s.first.min(input.first);
                s.last = s.last.max(input.last);
            }
            None => state.event_summaries.push(EventSummary {
                name: input.name,
                contact_id: contact_id.clone(),
                count: input.count,
                first: input.first,
                last: input.last,
            }),
        }
    }
    // The description gives the answer no body; an empty object is what clients decode.
    Ok(Reply::json(json!({})))
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
    // Tracked events count one each; submitted summaries count with the tracked events of
    // the same name.
    let tracked = state
        .events
        .iter()
        .filter(|e| e.contact_id == contact.id)
        .map(|e| (&e.name, e.created_at, e.created_at, 1));
    let submitted = state
        .event_summaries
        .iter()
        .filter(|s| s.contact_id == contact.id)
        .map(|s| (&s.name, s.first, s.last, s.count));
    let mut summary: Vec<(String, i64, i64, u64)> = Vec::new();
    for (name, first, last, count) in tracked.chain(submitted) {
        match summary.iter_mut().find(|s| &s.0 == name) {
            Some(s) => {
                s.1 = s.1.min(first);
                s.2 = s.2.max(last);
                s.3 = s.3.saturating_add(count);
            }
            None => summary.push((name.clone(), first, last, count)),
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
