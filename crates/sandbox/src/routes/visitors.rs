//! Visitors (get by `user_id`, update, convert into a user or lead) and enqueued jobs
//! (`POST /tickets/enqueue`, then `GET /jobs/status/{id}`).

use super::*;
use crate::records::{Job, Visitor};

fn visitor_not_found() -> ErrorReply {
    ErrorReply::new(StatusCode::NOT_FOUND, "not_found", "Visitor Not Found")
}

fn job_not_found() -> ErrorReply {
    ErrorReply::new(StatusCode::NOT_FOUND, "job_not_found", "Job Not Found")
}

fn visitor_model(state: &State, v: &Visitor) -> models::Visitor {
    fill!(models::Visitor {
        type_: Some("visitor".into()),
        id: Some(v.id.clone()),
        user_id: Some(v.user_id.clone()),
        name: v.name.clone(),
        email: v.email.clone(),
        app_id: Some(state.app_id.clone()),
        anonymous: Some(v.email.is_none()),
        custom_attributes: Some(v.custom_attributes.clone()),
        created_at: Some(Timestamp::from(v.created_at)),
        updated_at: Some(Timestamp::from(v.updated_at)),
    })
}

/// The visitor an object names by `id`, `user_id` or `email` (in that order).
fn find_visitor(state: &State, object: &Map<String, Value>) -> Result<usize, ErrorReply> {
    let id = opt_str(object, "id")?;
    let user_id = opt_str(object, "user_id")?;
    let email = opt_str(object, "email")?;
    let found = if let Some(id) = id {
        state.visitors.iter().position(|v| v.id == id)
    } else if let Some(user_id) = user_id {
        state.visitors.iter().position(|v| v.user_id == user_id)
    } else if let Some(email) = email {
        state.visitors.iter().position(|v| {
            v.email
                .as_deref()
                .is_some_and(|e| e.eq_ignore_ascii_case(&email))
        })
    } else {
        return Err(ErrorReply::missing("user_id"));
    };
    found.ok_or_else(visitor_not_found)
}

/// `GET /visitors?user_id=`.
pub(super) fn get_visitor(state: &State, req: &Request<'_>) -> Outcome {
    let user_id = req
        .query
        .get("user_id")
        .filter(|u| !u.is_empty())
        .ok_or_else(|| ErrorReply::missing("user_id"))?;
    let visitor = state
        .visitors
        .iter()
        .find(|v| v.user_id == user_id)
        .ok_or_else(visitor_not_found)?;
    Reply::model(&visitor_model(state, visitor))
}

/// `PUT /visitors`: the visitor named by `id` or `user_id` gets the `name` and
/// `custom_attributes` given (attributes are merged; `null` removes one).
pub(super) fn update_visitor(state: &mut State, req: &Request<'_>) -> Outcome {
    let body = json_object(req.body)?;
    let mut lookup = Map::new();
    for key in ["id", "user_id"] {
        if let Some(v) = body.get(key) {
            lookup.insert(key.to_owned(), v.clone());
        }
    }
    let index = find_visitor(state, &lookup)?;
    let name = opt_str(&body, "name")?;
    let attributes = opt_object(&body, "custom_attributes")?.cloned();
    let visitor = &mut state.visitors[index];
    if let Some(name) = name {
        visitor.name = Some(name);
    }
    for (key, value) in attributes.unwrap_or_default() {
        if value.is_null() {
            visitor.custom_attributes.remove(&key);
        } else {
            visitor.custom_attributes.insert(key, value);
        }
    }
    visitor.updated_at = now().max(visitor.created_at);
    let visitor = state.visitors[index].clone();
    Reply::model(&visitor_model(state, &visitor))
}

/// `POST /visitors/convert`: the visitor becomes the contact `user` names when there is one,
/// else a new contact of role `type` (`user` or `lead`) with the `user`'s `user_id` and
/// `email` and the visitor's name and attributes. The visitor is gone afterwards.
pub(super) fn convert_visitor(state: &mut State, req: &Request<'_>) -> Outcome {
    let body = json_object(req.body)?;
    let role = req_str(&body, "type")?;
    if role != "user" && role != "lead" {
        return Err(ErrorReply::invalid("type must be either user or lead").with_field("type"));
    }
    let user = opt_object(&body, "user")?
        .cloned()
        .ok_or_else(|| ErrorReply::missing("user"))?;
    let visitor_ref = opt_object(&body, "visitor")?
        .cloned()
        .ok_or_else(|| ErrorReply::missing("visitor"))?;
    let index = find_visitor(state, &visitor_ref)?;
    let id = opt_str(&user, "id")?;
    let user_id = opt_str(&user, "user_id")?;
    let email = opt_str(&user, "email")?;
    let existing = find_contact(state, id.as_deref(), user_id.as_deref(), email.as_deref())
        .map(|c| c.id.clone());
    let reply = match existing {
        Some(contact_id) => {
            let contact = state
                .contacts
                .iter()
                .find(|c| c.id == contact_id)
                .ok_or_else(ErrorReply::user_not_found)?;
            Reply::model(&model::contact(state, contact))?
        }
        None if id.is_some() => return Err(ErrorReply::user_not_found()),
        None => {
            let visitor = &state.visitors[index];
            let mut create = Map::new();
            create.insert("role".into(), Value::from(role));
            if let Some(email) = email.or_else(|| visitor.email.clone()) {
                create.insert("email".into(), Value::from(email));
            }
            if let Some(user_id) = user_id {
                create.insert("external_id".into(), Value::from(user_id));
            }
            if let Some(name) = &visitor.name {
                create.insert("name".into(), Value::from(name.clone()));
            }
            let bytes = serde_json::to_vec(&Value::Object(create))
                .map_err(|_| ErrorReply::invalid("the visitor could not be converted"))?;
            create_contact(
                state,
                &Request {
                    method: req.method,
                    path: "/contacts",
                    query: Query::default(),
                    body: &bytes,
                    admin_id: req.admin_id.clone(),
                    token: req.token,
                },
            )?
        }
    };
    state.visitors.remove(index);
    Ok(reply)
}

fn job_model(job: &Job) -> models::Jobs {
    let status = match job.status {
        "success" => models::JobsStatus::Success,
        "failed" => models::JobsStatus::Failed,
        _ => models::JobsStatus::Pending,
    };
    fill!(models::Jobs {
        type_: Some("job".into()),
        id: job.id.clone(),
        url: Some(format!("/jobs/status/{}", job.id)),
        status: Some(status),
        resource_type: Some("ticket".into()),
        resource_id: job.resource_id.clone(),
        resource_url: job.resource_id.as_ref().map(|id| format!("/tickets/{id}")),
    })
}

/// `POST /tickets/enqueue`: a pending job that creates the ticket when its status is asked.
pub(super) fn enqueue_ticket(state: &mut State, req: &Request<'_>) -> Outcome {
    json_object(req.body)?;
    let id = state.next_numeric_id();
    state.jobs.push(Job {
        id,
        status: "pending",
        body: req.body.to_vec(),
        resource_id: None,
    });
    let job = state.jobs.last().ok_or_else(job_not_found)?;
    Reply::model(&job_model(job))
}

/// `GET /jobs/status/{id}`: a pending job runs now (as `POST /tickets` would) and ends as
/// `success` with the ticket's id, or `failed`.
pub(super) fn job_status(state: &mut State, req: &Request<'_>, id: &str) -> Outcome {
    let index = state
        .jobs
        .iter()
        .position(|j| j.id == id)
        .ok_or_else(job_not_found)?;
    if state.jobs[index].status == "pending" {
        let body = std::mem::take(&mut state.jobs[index].body);
        let created = create_ticket(
            state,
            &Request {
                method: req.method,
                path: "/tickets",
                query: Query::default(),
                body: &body,
                admin_id: req.admin_id.clone(),
                token: req.token,
            },
        );
        let resource_id = created
            .ok()
            .and_then(|reply| reply.body)
            .and_then(|b| b.get("id").and_then(Value::as_str).map(str::to_owned));
        let job = &mut state.jobs[index];
        job.status = if resource_id.is_some() {
            "success"
        } else {
            "failed"
        };
        job.resource_id = resource_id;
    }
    Reply::model(&job_model(&state.jobs[index]))
}
