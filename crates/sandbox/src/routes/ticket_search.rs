//! `POST /tickets/search`: the search query over ticket fields, with search pagination.

use super::tickets::ticket_model;
use super::*;
use crate::state::Ticket;

/// Tickets per search page unless `pagination.per_page` says otherwise.
const TICKETS_PER_PAGE: u64 = 20;

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
