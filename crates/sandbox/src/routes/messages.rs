//! Admin-initiated messages (each starts a conversation) and content data exports
//! (create → status → download, or cancel).

use super::conversation_actions::find_customer;
use super::*;
use crate::records::Export;

/// How long a finished export's download stays available, in seconds.
const DOWNLOAD_LIFETIME: i64 = 2 * 86_400;

/// `POST /messages`: an in-app or email message from an admin to a contact, which starts an
/// admin-initiated conversation.
pub(super) fn create_message(state: &mut State, req: &Request<'_>) -> Outcome {
    let body = json_object(req.body)?;
    let message_type = req_str(&body, "message_type")?;
    let wire_type = match message_type.as_str() {
        "in_app" | "inapp" => models::MessageMessageType::Inapp,
        "email" => models::MessageMessageType::Email,
        _ => {
            return Err(ErrorReply::invalid("message_type must be in_app or email")
                .with_field("message_type"))
        }
    };
    let subject = opt_str(&body, "subject")?;
    if matches!(wire_type, models::MessageMessageType::Email)
        && subject.as_deref().is_none_or(|s| s.trim().is_empty())
    {
        return Err(ErrorReply::missing("subject"));
    }
    let text = req_str(&body, "body")?;
    let from = opt_object(&body, "from")?.ok_or_else(|| ErrorReply::missing("from"))?;
    if req_str(from, "type")? != "admin" {
        return Err(ErrorReply::invalid("from.type must be admin").with_field("from"));
    }
    let admin_id = req_id(from, "id")?;
    if state.admin(&admin_id).is_none() {
        return Err(ErrorReply::new(
            StatusCode::NOT_FOUND,
            "admin_not_found",
            "Admin not found",
        ));
    }
    let to = opt_object(&body, "to")?.ok_or_else(|| ErrorReply::missing("to"))?;
    let contact_id = find_customer(state, to)?.id.clone();
    let created_at = opt_i64(&body, "created_at")?.unwrap_or_else(now);
    let seq = state.next_seq();
    let id = state.next_numeric_id();
    let source_id = state.next_numeric_id();
    state.conversations.push(Conversation {
        seq,
        id: id.clone(),
        created_at,
        updated_at: created_at,
        contact_id,
        source_id: source_id.clone(),
        subject: subject.clone().unwrap_or_default(),
        body: format!("<p>{}</p>", escape_html(&text)),
        author_type: "admin".into(),
        author_id: admin_id.clone(),
        delivered_as: "admin_initiated".into(),
        open: true,
        read: false,
        admin_assignee_id: admin_id.parse().ok(),
        ..Conversation::default()
    });
    Reply::model(&fill!(models::Message {
        type_: "admin_message".into(),
        id: source_id,
        created_at: Timestamp::from_unix(created_at),
        body: text,
        message_type: wire_type,
        conversation_id: Some(id),
        subject: subject,
    }))
}

/// `data_export`, with `download_expires_at` written as a string of Unix seconds as
/// Intercom sends it (the model holds a timestamp).
fn export_json(e: &Export) -> Outcome {
    let done = e.status == "completed";
    let export = fill!(models::DataExport {
        job_identifier: Some(e.id.clone()),
        status: Some(models::DataExportStatus::from(e.status)),
        download_url: done.then(|| format!("/download/content/data/{}", e.id)),
        download_expires_at: None,
    });
    let mut value = model::to_json(&export)?;
    if let (true, Some(object)) = (done, value.as_object_mut()) {
        let expires = now().saturating_add(DOWNLOAD_LIFETIME);
        object.insert(
            "download_expires_at".into(),
            Value::from(expires.to_string()),
        );
    }
    Ok(Reply::json(value))
}

fn job_not_found() -> ErrorReply {
    ErrorReply::new(StatusCode::NOT_FOUND, "job_not_found", "Job not found")
}

/// `POST /export/content/data`: a job for the messages sent between the two instants.
pub(super) fn create_export(state: &mut State, req: &Request<'_>) -> Outcome {
    let body = json_object(req.body)?;
    let after = opt_i64(&body, "created_at_after")?
        .ok_or_else(|| ErrorReply::missing("created_at_after"))?;
    let before = opt_i64(&body, "created_at_before")?
        .ok_or_else(|| ErrorReply::missing("created_at_before"))?;
    if after >= before {
        return Err(
            ErrorReply::invalid("created_at_after must be before created_at_before")
                .with_field("created_at_after"),
        );
    }
    let id = format!("export{}", state.next_numeric_id());
    state.exports.push(Export {
        id,
        after,
        before,
        status: "pending",
    });
    let job = state.exports.last().ok_or_else(job_not_found)?;
    export_json(job)
}

/// `GET /export/content/data/{id}`: each check moves the job on one step, pending →
/// in_progress → completed, so a client's polling loop runs a few times.
pub(super) fn export_status(state: &mut State, id: &str) -> Outcome {
    let job = state
        .exports
        .iter_mut()
        .find(|e| e.id == id)
        .ok_or_else(job_not_found)?;
    job.status = match job.status {
        "pending" => "in_progress",
        "in_progress" => "completed",
        other => other,
    };
    export_json(job)
}

/// `POST /export/cancel/{id}`: a job not yet completed is canceled.
pub(super) fn cancel_export(state: &mut State, id: &str) -> Outcome {
    let job = state
        .exports
        .iter_mut()
        .find(|e| e.id == id)
        .ok_or_else(job_not_found)?;
    if job.status != "completed" {
        job.status = "canceled";
    }
    export_json(job)
}

/// `GET /download/content/data/{id}`: the completed export as CSV text (one line per
/// conversation started in the range).
pub(super) fn download_export(state: &State, id: &str) -> Outcome {
    let job = state
        .exports
        .iter()
        .find(|e| e.id == id && e.status == "completed")
        .ok_or_else(job_not_found)?;
    let mut csv = String::from("conversation_id,created_at,author_type,subject\n");
    for c in state
        .conversations
        .iter()
        .filter(|c| (job.after..job.before).contains(&c.created_at))
    {
        let subject = c.subject.replace(['"', '\n', '\r'], " ");
        csv.push_str(&format!(
            "{},{},{},\"{}\"\n",
            c.id, c.created_at, c.author_type, subject
        ));
    }
    Ok(Reply::json(Value::String(csv)))
}
