//! Companies, conversations, notes, events and data attributes.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::HashSet;

use common::{api_error, client, code};
use http::StatusCode;
use intercom_sandbox::Sandbox;
use intercom_transport::ApiRequest;
use serde_json::{json, Value};

#[tokio::test]
async fn companies_numbered_pages_and_scroll() {
    let sandbox = Sandbox::builder()
        .companies(120)
        .contacts(10)
        .start()
        .await
        .unwrap();
    let client = client(&sandbox);
    let mut ids = HashSet::new();
    let mut page = 1;
    loop {
        let body: Value = client
            .send(
                ApiRequest::get("/companies")
                    .query("page", page)
                    .query("per_page", 50),
            )
            .await
            .unwrap();
        assert_eq!(body["type"], "list");
        assert_eq!(body["total_count"], 120);
        assert_eq!(body["pages"]["page"], page);
        assert_eq!(body["pages"]["total_pages"], 3);
        for c in body["data"].as_array().unwrap() {
            assert_eq!(c["type"], "company");
            assert_eq!(c["tags"]["type"], "tag.list");
            ids.insert(c["id"].as_str().unwrap().to_owned());
        }
        if page >= body["pages"]["total_pages"].as_u64().unwrap() {
            assert!(body["pages"]["next"].is_null());
            break;
        }
        assert!(body["pages"]["next"].is_object());
        page += 1;
    }
    assert_eq!(ids.len(), 120);

    let first: Value = client
        .send(ApiRequest::get("/companies/scroll"))
        .await
        .unwrap();
    let param = first["scroll_param"].as_str().unwrap().to_owned();
    assert!(first["pages"].is_null() && first["total_count"].is_null());
    let error = api_error(
        client
            .send::<Value>(ApiRequest::get("/companies/scroll"))
            .await,
    );
    assert_eq!(code(&error), "scroll_exists");
    let mut sizes = vec![first["data"].as_array().unwrap().len()];
    let mut scrolled: HashSet<String> = first["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    loop {
        let next: Value = client
            .send(ApiRequest::get("/companies/scroll").query("scroll_param", &param))
            .await
            .unwrap();
        let data = next["data"].as_array().unwrap();
        sizes.push(data.len());
        if data.is_empty() {
            break;
        }
        scrolled.extend(data.iter().map(|c| c["id"].as_str().unwrap().to_owned()));
    }
    assert_eq!(sizes, vec![50, 50, 20, 0]);
    assert_eq!(scrolled, ids);
    // The finished scroll is closed: its param is gone and a new scroll may start.
    let error = api_error(
        client
            .send::<Value>(ApiRequest::get("/companies/scroll").query("scroll_param", &param))
            .await,
    );
    assert_eq!(error.status, StatusCode::BAD_REQUEST);
    client
        .send::<Value>(ApiRequest::get("/companies/scroll"))
        .await
        .unwrap();

    let created: Value = client
        .send(
            ApiRequest::post("/companies")
                .json(&json!({"company_id": "acme-1", "name": "Acme", "size": 10})),
        )
        .await
        .unwrap();
    assert_eq!(created["company_id"], "acme-1");
    let updated: Value = client
        .send(
            ApiRequest::post("/companies")
                .json(&json!({"company_id": "acme-1", "industry": "Rockets"})),
        )
        .await
        .unwrap();
    assert_eq!(updated["id"], created["id"]);
    assert_eq!(updated["industry"], "Rockets");
    let id = created["id"].as_str().unwrap();
    let fetched: Value = client
        .send(ApiRequest::get("/companies/{id}").path(format!("/companies/{id}")))
        .await
        .unwrap();
    assert_eq!(fetched["name"], "Acme");
    let by_company_id: Value = client
        .send(ApiRequest::get("/companies").query("company_id", "acme-1"))
        .await
        .unwrap();
    assert_eq!(by_company_id["data"][0]["id"], created["id"]);
}

#[tokio::test]
async fn conversations_list_get_create_reply() {
    let sandbox = Sandbox::builder()
        .contacts(10)
        .conversations(45)
        .start()
        .await
        .unwrap();
    let client = client(&sandbox);
    let mut cursor: Option<String> = None;
    let mut seen = 0;
    loop {
        let page: Value = client
            .send(ApiRequest::get("/conversations").query_opt("starting_after", cursor.as_deref()))
            .await
            .unwrap();
        assert_eq!(page["type"], "conversation.list");
        seen += page["conversations"].as_array().unwrap().len();
        match page["pages"].get("next") {
            Some(next) => cursor = Some(next["starting_after"].as_str().unwrap().to_owned()),
            None => break,
        }
    }
    assert_eq!(seen, 45);

    let contact = sandbox.contact_ids()[2].clone();
    let message: Value = client
        .send(ApiRequest::post("/conversations").json(&json!({
            "from": {"type": "user", "id": contact}, "body": "Help please"
        })))
        .await
        .unwrap();
    assert_eq!(message["type"], "user_message");
    assert_eq!(message["message_type"], "inapp");
    let id = message["conversation_id"].as_str().unwrap().to_owned();
    let conversation: Value = client
        .send(ApiRequest::get("/conversations/{id}").path(format!("/conversations/{id}")))
        .await
        .unwrap();
    assert_eq!(conversation["type"], "conversation");
    assert_eq!(
        conversation["contacts"]["contacts"][0]["id"],
        contact.as_str()
    );
    assert_eq!(
        conversation["conversation_parts"]["type"],
        "conversation_part.list"
    );

    let me: Value = client.send(ApiRequest::get("/me")).await.unwrap();
    let replied: Value = client
        .send(
            ApiRequest::post("/conversations/{id}/reply")
                .path(format!("/conversations/{id}/reply"))
                .json(&json!({"message_type": "comment", "type": "admin", "admin_id": me["id"], "body": "On it"})),
        )
        .await
        .unwrap();
    let parts = replied["conversation_parts"]["conversation_parts"]
        .as_array()
        .unwrap();
    assert_eq!(parts.len(), 1);
    assert_eq!(parts[0]["author"]["type"], "admin");
    assert_eq!(parts[0]["body"], "<p>On it</p>");
    let user_reply: Value = client
        .send(
            ApiRequest::post("/conversations/{id}/reply")
                .path(format!("/conversations/{id}/reply"))
                .json(&json!({"message_type": "comment", "type": "user", "intercom_user_id": contact, "body": "Thanks"})),
        )
        .await
        .unwrap();
    assert_eq!(
        user_reply["conversation_parts"]["conversation_parts"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    let error = api_error(
        client
            .send::<Value>(ApiRequest::post("/conversations").json(&json!({
                "from": {"type": "user", "id": "000000000000000000000000"}, "body": "x"
            })))
            .await,
    );
    assert_eq!(error.status, StatusCode::NOT_FOUND);
    let error = api_error(
        client
            .send::<Value>(
                ApiRequest::post("/conversations/{id}/reply")
                    .path(format!("/conversations/{id}/reply"))
                    .json(&json!({"type": "admin", "admin_id": me["id"], "body": "x"})),
            )
            .await,
    );
    assert_eq!(code(&error), "parameter_not_found");
}

#[tokio::test]
async fn notes_events_and_data_attributes() {
    let sandbox = Sandbox::builder().contacts(3).start().await.unwrap();
    let client = client(&sandbox);
    let contact = sandbox.contact_ids()[0].clone();
    let path = format!("/contacts/{contact}/notes");
    for text in ["first", "second"] {
        let note: Value = client
            .send(
                ApiRequest::post("/contacts/{id}/notes")
                    .path(path.clone())
                    .json(&json!({"body": text})),
            )
            .await
            .unwrap();
        assert_eq!(note["type"], "note");
        assert_eq!(note["contact"]["id"], contact.as_str());
        assert_eq!(note["author"]["type"], "admin");
    }
    let notes: Value = client
        .send(ApiRequest::get("/contacts/{id}/notes").path(path.clone()))
        .await
        .unwrap();
    assert_eq!(notes["type"], "list");
    assert_eq!(notes["total_count"], 2);
    assert_eq!(notes["data"][0]["body"], "<p>second</p>");
    assert_eq!(notes["pages"]["type"], "pages");
    let error = api_error(
        client
            .send::<Value>(
                ApiRequest::post("/contacts/{id}/notes")
                    .path(path)
                    .json(&json!({})),
            )
            .await,
    );
    assert_eq!(code(&error), "parameter_not_found");

    let raw = client
        .execute(ApiRequest::post("/events").json(&json!({
            "event_name": "placed-order", "created_at": 1_700_000_000, "id": contact,
            "metadata": {"order": "1"},
        })))
        .await
        .unwrap();
    assert_eq!(raw.status, StatusCode::ACCEPTED);
    assert!(raw.body.is_empty());
    for at in [1_700_000_000, 1_700_000_100] {
        client
            .execute(ApiRequest::post("/events").json(&json!({
                "event_name": "placed-order", "created_at": at, "id": contact,
            })))
            .await
            .unwrap();
    }
    let summary: Value = client
        .send(
            ApiRequest::get("/events")
                .query("type", "user")
                .query("intercom_user_id", &contact),
        )
        .await
        .unwrap();
    assert_eq!(summary["type"], "event.summary");
    assert_eq!(summary["intercom_user_id"], contact.as_str());
    assert_eq!(summary["events"][0]["name"], "placed-order");
    assert_eq!(
        summary["events"][0]["count"], 2,
        "the duplicate was dropped"
    );
    assert_eq!(
        summary["events"][0]["first"],
        "2023-11-14T22:13:20.000+00:00"
    );
    let error = api_error(
        client
            .send::<Value>(
                ApiRequest::post("/events")
                    .json(&json!({"event_name": "x", "created_at": 1, "user_id": "nobody"})),
            )
            .await,
    );
    assert_eq!(error.status, StatusCode::NOT_FOUND);

    let attributes: Value = client
        .send(ApiRequest::get("/data_attributes").query("model", "contact"))
        .await
        .unwrap();
    assert_eq!(attributes["type"], "list");
    assert!(attributes["data"]
        .as_array()
        .unwrap()
        .iter()
        .all(|a| a["model"] == "contact"));
    let created: Value = client
        .send(ApiRequest::post("/data_attributes").json(&json!({
            "name": "favourite colour", "model": "contact", "data_type": "string"
        })))
        .await
        .unwrap();
    assert_eq!(created["full_name"], "custom_attributes.favourite colour");
    assert!(created["id"].is_i64());
    let updated: Value = client
        .send(
            ApiRequest::put("/contacts/{id}")
                .path(format!("/contacts/{contact}"))
                .json(&json!({"custom_attributes": {"favourite colour": "green"}})),
        )
        .await
        .unwrap();
    assert_eq!(updated["custom_attributes"]["favourite colour"], "green");
    for body in [
        json!({"name": "favourite colour", "model": "contact", "data_type": "string"}),
        json!({"name": "x", "model": "ticket", "data_type": "string"}),
        json!({"name": "y", "model": "contact", "data_type": "colour"}),
        json!({"name": "a.b", "model": "contact", "data_type": "string"}),
    ] {
        let error = api_error(
            client
                .send::<Value>(ApiRequest::post("/data_attributes").json(&body))
                .await,
        );
        assert_eq!(error.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(code(&error), "parameter_invalid", "{body}");
    }
}
