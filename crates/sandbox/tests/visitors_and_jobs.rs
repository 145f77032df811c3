//! Visitors (get by `user_id`, update, convert into a lead or onto an existing user) and
//! enqueued ticket jobs (pending, then success with the ticket or failed), through the HTTP
//! API and decoded with the generated models.
#![allow(clippy::unwrap_used)]

mod common;

use common::{api_error, client, code};
use http::{Method, StatusCode};
use intercom_resources::models;
use intercom_sandbox::Sandbox;
use intercom_transport::ApiRequest;
use serde_json::{json, Value};

/// The seeded visitors' `user_id`s.
const FIRST_VISITOR: &str = "00000000-0000-4000-8000-000000000001";
const SECOND_VISITOR: &str = "00000000-0000-4000-8000-000000000002";

fn get_visitor(user_id: &str) -> ApiRequest {
    ApiRequest::get("/visitors").query("user_id", user_id)
}

#[tokio::test]
async fn visitors_are_found_updated_and_converted_into_contacts() {
    let sandbox = Sandbox::builder().contacts(2).start().await.unwrap();
    let client = client(&sandbox);

    let robin: models::Visitor = client.send(get_visitor(SECOND_VISITOR)).await.unwrap();
    assert_eq!(robin.name.as_deref(), Some("Robin Visitor"));
    assert_eq!(robin.user_id.as_deref(), Some(SECOND_VISITOR));
    let e = api_error(client.send::<Value>(get_visitor("nobody")).await);
    assert_eq!((e.status, code(&e)), (StatusCode::NOT_FOUND, "not_found"));

    // Update by user_id; then by id, removing an attribute with null.
    let updated: models::Visitor = client
        .send(ApiRequest::new(Method::PUT, "/visitors").json(&json!({
            "user_id": FIRST_VISITOR,
            "name": "Casey",
            "custom_attributes": {"plan": "trial", "seats": 3},
        })))
        .await
        .unwrap();
    assert_eq!(updated.name.as_deref(), Some("Casey"));
    let first_id = updated.id.clone().unwrap();
    let _: models::Visitor = client
        .send(
            ApiRequest::new(Method::PUT, "/visitors")
                .json(&json!({"id": first_id, "custom_attributes": {"seats": null}})),
        )
        .await
        .unwrap();
    let again: models::Visitor = client.send(get_visitor(FIRST_VISITOR)).await.unwrap();
    assert_eq!(again.name.as_deref(), Some("Casey"));
    assert_eq!(
        again.custom_attributes.unwrap(),
        json!({"plan": "trial"}).as_object().unwrap().clone()
    );

    // A visitor converted into a new lead: the lead is a contact like any other.
    let convert = |body: Value| ApiRequest::post("/visitors/convert").json(&body);
    let lead: models::Contact = client
        .send(convert(json!({
            "type": "lead",
            "user": {"email": "casey@example.com"},
            "visitor": {"user_id": FIRST_VISITOR},
        })))
        .await
        .unwrap();
    assert_eq!(lead.role.as_deref(), Some("lead"));
    assert_eq!(lead.name.as_deref(), Some("Casey"));
    let lead_id = lead.id.clone().unwrap();
    let fetched: models::Contact = client
        .send(ApiRequest::get("/contacts/{contact_id}").path(format!("/contacts/{lead_id}")))
        .await
        .unwrap();
    assert_eq!(fetched.email.as_deref(), Some("casey@example.com"));
    let e = api_error(client.send::<Value>(get_visitor(FIRST_VISITOR)).await);
    assert_eq!(
        e.status,
        StatusCode::NOT_FOUND,
        "a converted visitor is gone"
    );

    // Onto an existing user: that contact is answered, no new one is made.
    let contacts: Value = client.send(ApiRequest::get("/contacts")).await.unwrap();
    let before = contacts["total_count"].as_u64().unwrap();
    let existing = contacts["data"][0]["id"].as_str().unwrap().to_owned();
    let e = api_error(
        client
            .send::<Value>(convert(json!({
                "type": "visitor",
                "user": {"id": existing},
                "visitor": {"user_id": SECOND_VISITOR},
            })))
            .await,
    );
    assert_eq!(e.status, StatusCode::BAD_REQUEST);
    let merged: models::Contact = client
        .send(convert(json!({
            "type": "user",
            "user": {"id": existing},
            "visitor": {"user_id": SECOND_VISITOR},
        })))
        .await
        .unwrap();
    assert_eq!(merged.id.as_deref(), Some(existing.as_str()));
    let contacts: Value = client.send(ApiRequest::get("/contacts")).await.unwrap();
    assert_eq!(contacts["total_count"].as_u64().unwrap(), before);
    let e = api_error(
        client
            .send::<Value>(convert(json!({
                "type": "user",
                "user": {"id": existing},
                "visitor": {"user_id": SECOND_VISITOR},
            })))
            .await,
    );
    assert_eq!(e.status, StatusCode::NOT_FOUND, "the visitor was converted");
}

#[tokio::test]
async fn enqueued_tickets_are_jobs_that_succeed_or_fail() {
    let sandbox = Sandbox::builder().contacts(1).start().await.unwrap();
    let client = client(&sandbox);
    let types: models::TicketTypeList =
        client.send(ApiRequest::get("/ticket_types")).await.unwrap();
    let type_id = types.data.unwrap()[0].id.clone().unwrap();
    let contacts: Value = client.send(ApiRequest::get("/contacts")).await.unwrap();
    let contact = contacts["data"][0]["id"].as_str().unwrap().to_owned();
    let status =
        |id: &str| ApiRequest::get("/jobs/status/{job_id}").path(format!("/jobs/status/{id}"));

    let job: models::Jobs = client
        .send(ApiRequest::post("/tickets/enqueue").json(&json!({
            "ticket_type_id": type_id,
            "contacts": [{"id": contact}],
        })))
        .await
        .unwrap();
    assert_eq!(job.status, Some(models::JobsStatus::Pending));
    assert_eq!(job.resource_id, None);
    let done: models::Jobs = client.send(status(&job.id)).await.unwrap();
    assert_eq!(done.status, Some(models::JobsStatus::Success));
    let ticket_id = done.resource_id.clone().unwrap();
    let ticket: models::Ticket = client
        .send(ApiRequest::get("/tickets/{ticket_id}").path(format!("/tickets/{ticket_id}")))
        .await
        .unwrap();
    assert_eq!(ticket.id.as_deref(), Some(ticket_id.as_str()));
    let still: models::Jobs = client.send(status(&job.id)).await.unwrap();
    assert_eq!(still.resource_id.as_deref(), Some(ticket_id.as_str()));

    let bad: models::Jobs = client
        .send(ApiRequest::post("/tickets/enqueue").json(&json!({
            "ticket_type_id": "no-such-type",
            "contacts": [{"id": contact}],
        })))
        .await
        .unwrap();
    let failed: models::Jobs = client.send(status(&bad.id)).await.unwrap();
    assert_eq!(failed.status, Some(models::JobsStatus::Failed));
    assert_eq!(failed.resource_id, None);

    let e = api_error(client.send::<Value>(status("999999")).await);
    assert_eq!(
        (e.status, code(&e)),
        (StatusCode::NOT_FOUND, "job_not_found")
    );
}

#[tokio::test]
async fn visitors_travel_in_fixtures() {
    let first = Sandbox::builder().contacts(1).start().await.unwrap();
    let client_a = client(&first);
    let _: models::Visitor = client_a
        .send(
            ApiRequest::new(Method::PUT, "/visitors")
                .json(&json!({"user_id": FIRST_VISITOR, "name": "Kept"})),
        )
        .await
        .unwrap();
    let snapshot = first.snapshot();
    assert_eq!(snapshot["visitors"].as_array().unwrap().len(), 2);
    first.shutdown().await;

    let second = Sandbox::builder().fixtures(snapshot).start().await.unwrap();
    let kept: models::Visitor = client(&second)
        .send(get_visitor(FIRST_VISITOR))
        .await
        .unwrap();
    assert_eq!(kept.name.as_deref(), Some("Kept"));
}
