//! Checks sandbox responses against the 2.16 OpenAPI response schemas, read from
//! `INTERCOM_OPENAPI_SPEC`, else `../shared/intercom-openapi/api-2.16.json` beside the checkout,
//! else the download of `cargo xtask spec` under `target/`. A missing description prints
//! SKIPPED, and fails the test under `INTERCOM_RS_REQUIRE_SPEC=1` (as in CI).
//!
//! The check: every property the schema declares and the response carries has the declared
//! JSON type (or is null), recursively through `$ref`, `allOf`, objects and arrays.
#![allow(clippy::unwrap_used)]

mod common;

use common::client;
use intercom_sandbox::Sandbox;
use intercom_transport::ApiRequest;
use serde_json::{json, Value};

#[path = "../../../tests/support/openapi.rs"]
mod openapi;

/// The description, or `None` after the SKIPPED line.
fn spec() -> Option<Value> {
    let path = openapi::path_or_skip()?;
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "the OpenAPI description at {} cannot be read: {e}",
            path.display()
        )
    });
    Some(serde_json::from_str(&text).expect("the OpenAPI description is JSON"))
}

fn resolve<'a>(spec: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let name = r.rsplit('/').next().unwrap();
            resolve(spec, &spec["components"]["schemas"][name])
        }
        None => schema,
    }
}

fn check(spec: &Value, schema: &Value, value: &Value, path: &str, problems: &mut Vec<String>) {
    let schema = resolve(spec, schema);
    if value.is_null() {
        return;
    }
    if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
        for part in parts {
            check(spec, part, value, path, problems);
        }
    }
    let ty = schema.get("type").and_then(Value::as_str);
    let ok = match ty {
        Some("string") => value.is_string(),
        Some("integer") => value.is_i64() || value.is_u64(),
        Some("number") => value.is_number(),
        Some("boolean") => value.is_boolean(),
        Some("array") => value.is_array(),
        Some("object") => value.is_object(),
        _ => true,
    };
    if !ok {
        problems.push(format!(
            "{path}: expected {}, got {value}",
            ty.unwrap_or("?")
        ));
        return;
    }
    if let (Some(props), Some(map)) = (
        schema.get("properties").and_then(Value::as_object),
        value.as_object(),
    ) {
        for (key, sub) in props {
            if let Some(v) = map.get(key) {
                check(spec, sub, v, &format!("{path}.{key}"), problems);
            }
        }
    }
    if let (Some(items), Some(array)) = (schema.get("items"), value.as_array()) {
        for (i, v) in array.iter().enumerate().take(5) {
            check(spec, items, v, &format!("{path}[{i}]"), problems);
        }
    }
}

fn response_schema<'a>(spec: &'a Value, path: &str, method: &str) -> &'a Value {
    let responses = &spec["paths"][path][method]["responses"];
    let ok = responses.get("200").unwrap_or(&Value::Null);
    &ok["content"]["application/json"]["schema"]
}

#[tokio::test]
async fn responses_match_the_spec_schemas() {
    let Some(spec) = spec() else {
        return;
    };
    let sandbox = Sandbox::builder()
        .contacts(12)
        .companies(4)
        .conversations(4)
        .start()
        .await
        .unwrap();
    let client = client(&sandbox);
    let contact = sandbox.contact_ids()[0].clone();
    let me: Value = client.send(ApiRequest::get("/me")).await.unwrap();
    let admin = me["id"].as_str().unwrap().to_owned();
    let conversations: Value = client
        .send(ApiRequest::get("/conversations"))
        .await
        .unwrap();
    let conversation = conversations["conversations"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let tags: Value = client.send(ApiRequest::get("/tags")).await.unwrap();
    let tag = tags["data"][0]["id"].as_str().unwrap().to_owned();
    let companies: Value = client.send(ApiRequest::get("/companies")).await.unwrap();
    let company = companies["data"][0]["id"].as_str().unwrap().to_owned();
    client
        .execute(
            ApiRequest::post("/events")
                .json(&json!({"event_name": "e", "created_at": 1, "id": contact})),
        )
        .await
        .unwrap();

    let cases: Vec<(&str, &str, ApiRequest)> = vec![
        ("/me", "get", ApiRequest::get("/me")),
        ("/admins", "get", ApiRequest::get("/admins")),
        ("/admins/{admin_id}", "get", ApiRequest::get("/admins/{id}").path(format!("/admins/{admin}"))),
        ("/contacts", "get", ApiRequest::get("/contacts").query("per_page", 5)),
        ("/contacts", "post", ApiRequest::post("/contacts").json(&json!({"email": "spec@example.com"}))),
        ("/contacts/{contact_id}", "get", ApiRequest::get("/c").path(format!("/contacts/{contact}"))),
        ("/contacts/{contact_id}", "put", ApiRequest::put("/c").path(format!("/contacts/{contact}")).json(&json!({"name": "x"}))),
        ("/contacts/search", "post", ApiRequest::post("/contacts/search").json(&json!({"query": {"field": "role", "operator": "=", "value": "user"}}))),
        ("/contacts/{contact_id}/archive", "post", ApiRequest::post("/a").path(format!("/contacts/{contact}/archive"))),
        ("/contacts/{contact_id}/unarchive", "post", ApiRequest::post("/u").path(format!("/contacts/{contact}/unarchive"))),
        ("/contacts/{contact_id}/tags", "post", ApiRequest::post("/t").path(format!("/contacts/{contact}/tags")).json(&json!({"id": tag}))),
        ("/contacts/{contact_id}/tags/{tag_id}", "delete", ApiRequest::delete("/t").path(format!("/contacts/{contact}/tags/{tag}"))),
        ("/contacts/{contact_id}/notes", "post", ApiRequest::post("/n").path(format!("/contacts/{contact}/notes")).json(&json!({"body": "hi"}))),
        ("/contacts/{contact_id}/notes", "get", ApiRequest::get("/n").path(format!("/contacts/{contact}/notes"))),
        ("/companies", "get", ApiRequest::get("/companies")),
        ("/companies", "post", ApiRequest::post("/companies").json(&json!({"company_id": "spec", "name": "Spec"}))),
        ("/companies/{company_id}", "get", ApiRequest::get("/c").path(format!("/companies/{company}"))),
        ("/companies/scroll", "get", ApiRequest::get("/companies/scroll")),
        ("/tags", "get", ApiRequest::get("/tags")),
        ("/tags", "post", ApiRequest::post("/tags").json(&json!({"name": "spec"}))),
        ("/conversations", "get", ApiRequest::get("/conversations")),
        ("/conversations", "post", ApiRequest::post("/conversations").json(&json!({"from": {"type": "user", "id": contact}, "body": "hi"}))),
        ("/conversations/{conversation_id}", "get", ApiRequest::get("/c").path(format!("/conversations/{conversation}"))),
        ("/conversations/{conversation_id}/reply", "post", ApiRequest::post("/r").path(format!("/conversations/{conversation}/reply")).json(&json!({"message_type": "comment", "type": "admin", "admin_id": admin, "body": "ok"}))),
        ("/events", "get", ApiRequest::get("/events").query("type", "user").query("intercom_user_id", &contact)),
        ("/data_attributes", "get", ApiRequest::get("/data_attributes")),
        ("/data_attributes", "post", ApiRequest::post("/data_attributes").json(&json!({"name": "spec attr", "model": "contact", "data_type": "integer"}))),
        ("/contacts/{contact_id}", "delete", ApiRequest::delete("/c").path(format!("/contacts/{contact}"))),
    ];
    let mut problems = Vec::new();
    for (path, method, request) in cases {
        let schema = response_schema(&spec, path, method);
        assert!(!schema.is_null(), "no 200 schema for {method} {path}");
        let value: Value = client.send(request).await.unwrap();
        check(
            &spec,
            schema,
            &value,
            &format!("{method} {path}"),
            &mut problems,
        );
    }
    assert!(problems.is_empty(), "{problems:#?}");
}
