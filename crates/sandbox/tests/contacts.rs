//! Contacts: CRUD, paging, search, 409, 410, 400s.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::HashSet;

use common::{api_error, client, code, raw};
use http::{HeaderValue, StatusCode};
use intercom_sandbox::Sandbox;
use intercom_transport::auth::Private;
use intercom_transport::{ApiRequest, Client};
use serde_json::{json, Value};

async fn page_through(client: &Client<Private>, per_page: u32) -> (Vec<String>, usize) {
    let mut ids = Vec::new();
    let mut pages = 0;
    let mut cursor: Option<String> = None;
    loop {
        let request = ApiRequest::get("/contacts")
            .query("per_page", per_page)
            .query_opt("starting_after", cursor.as_deref());
        let page: Value = client.send(request).await.unwrap();
        pages += 1;
        let data = page["data"].as_array().unwrap();
        assert!(!data.is_empty(), "no empty page is ever served");
        ids.extend(data.iter().map(|c| c["id"].as_str().unwrap().to_owned()));
        assert_eq!(page["pages"]["page"], pages);
        match page["pages"].get("next") {
            Some(next) => cursor = Some(next["starting_after"].as_str().unwrap().to_owned()),
            None => break,
        }
    }
    (ids, pages)
}

#[tokio::test]
async fn paging_through_all_contacts_has_no_empty_extra_page() {
    let sandbox = Sandbox::builder().contacts(123).start().await.unwrap();
    let client = client(&sandbox);
    let (ids, pages) = page_through(&client, 50).await;
    assert_eq!(pages, 3);
    assert_eq!(ids, sandbox.contact_ids());
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 123);

    let exact = Sandbox::builder().contacts(100).start().await.unwrap();
    let (ids, pages) = page_through(&common::client(&exact), 50).await;
    assert_eq!((ids.len(), pages), (100, 2));

    let first: Value = client
        .send(ApiRequest::get("/contacts").query("per_page", 50))
        .await
        .unwrap();
    assert_eq!(first["type"], "list");
    assert_eq!(first["total_count"], 123);
    assert_eq!(first["pages"]["type"], "pages");
    assert_eq!(first["pages"]["total_pages"], 3);
    assert_eq!(first["pages"]["per_page"], 50);

    let error = api_error(
        client
            .send::<Value>(ApiRequest::get("/contacts").query("starting_after", "garbage"))
            .await,
    );
    assert_eq!(error.status, StatusCode::BAD_REQUEST);
    assert_eq!(code(&error), "client_error");
}

#[tokio::test]
async fn contact_crud_and_archive() {
    let sandbox = Sandbox::builder().contacts(3).start().await.unwrap();
    let client = client(&sandbox);
    let created: Value = client
        .send(ApiRequest::post("/contacts").json(&json!({
            "email": "new.person@example.com",
            "name": "New Person",
            "external_id": "ext-1",
            "custom_attributes": {"plan": "pro", "seats": 4},
        })))
        .await
        .unwrap();
    assert_eq!(created["type"], "contact");
    assert_eq!(created["role"], "user");
    assert_eq!(created["email_domain"], "example.com");
    assert_eq!(created["custom_attributes"]["seats"], 4);
    assert_eq!(created["tags"]["type"], "list");
    let id = created["id"].as_str().unwrap().to_owned();
    let path = format!("/contacts/{id}");

    let fetched: Value = client
        .send(ApiRequest::get("/contacts/{id}").path(path.clone()))
        .await
        .unwrap();
    assert_eq!(fetched, created);

    let updated: Value = client
        .send(
            ApiRequest::put("/contacts/{id}")
                .path(path.clone())
                .json(&json!({"name": "Renamed", "role": "lead"})),
        )
        .await
        .unwrap();
    assert_eq!(updated["name"], "Renamed");
    assert_eq!(updated["role"], "lead");
    assert_eq!(updated["email"], "new.person@example.com");

    let archived: Value = client
        .send(ApiRequest::post("/contacts/{id}/archive").path(format!("{path}/archive")))
        .await
        .unwrap();
    assert_eq!(
        archived,
        json!({"type": "contact", "id": id, "external_id": "ext-1", "archived": true})
    );
    assert!(!sandbox.contact_ids().contains(&id));
    let unarchived: Value = client
        .send(ApiRequest::post("/contacts/{id}/unarchive").path(format!("{path}/unarchive")))
        .await
        .unwrap();
    assert_eq!(unarchived["archived"], false);
    assert!(sandbox.contact_ids().contains(&id));

    let deleted: Value = client
        .send(ApiRequest::delete("/contacts/{id}").path(path.clone()))
        .await
        .unwrap();
    assert_eq!(deleted["deleted"], true);
    let error = api_error(
        client
            .send::<Value>(ApiRequest::get("/contacts/{id}").path(path))
            .await,
    );
    assert_eq!(error.status, StatusCode::NOT_FOUND);
    assert_eq!(code(&error), "not_found");
}

#[tokio::test]
async fn duplicate_email_is_409_conflict() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let client = client(&sandbox);
    let body = json!({"email": "dup@example.com"});
    let first: Value = client
        .send(ApiRequest::post("/contacts").json(&body))
        .await
        .unwrap();
    let error = api_error(
        client
            .send::<Value>(ApiRequest::post("/contacts").json(&json!({"email": "DUP@example.com"})))
            .await,
    );
    assert_eq!(error.status, StatusCode::CONFLICT);
    assert!(error.is_conflict());
    assert_eq!(code(&error), "conflict");
    let message = error.errors[0].message.clone().unwrap();
    assert!(message.contains(first["id"].as_str().unwrap()), "{message}");
}

#[tokio::test]
async fn invalid_bodies_are_intercom_shaped_400s() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let client = client(&sandbox);
    let json_type = HeaderValue::from_static("application/json");
    for body in [
        "{not json",
        "[1,2]",
        "\"text\"",
        "{\"email\": 5}",
        "{}",
        "{\"role\":\"admin\"}",
        "{\"email\":\"nope\"}",
    ] {
        let error = api_error(
            client
                .send::<Value>(
                    ApiRequest::post("/contacts").body(json_type.clone(), body.to_owned()),
                )
                .await,
        );
        assert_eq!(error.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(code(&error), "parameter_invalid", "{body}");
    }
    let error = api_error(
        client
            .send::<Value>(ApiRequest::post("/contacts").json(&json!({
                "email": "x@example.com", "custom_attributes": {"nope": 1}
            })))
            .await,
    );
    assert_eq!(code(&error), "parameter_not_found");
    let error = api_error(
        client
            .send::<Value>(ApiRequest::post("/contacts").json(&json!({
                "email": "x@example.com", "custom_attributes": {"seats": "many"}
            })))
            .await,
    );
    assert_eq!(code(&error), "parameter_invalid");
}

#[tokio::test]
async fn merged_contact_is_410_with_canonical_link() {
    let sandbox = Sandbox::builder().contacts(5).start().await.unwrap();
    let client = client(&sandbox);
    let ids = sandbox.contact_ids();
    assert!(sandbox.merge_contact(&ids[0], &ids[1]));
    assert!(!sandbox.merge_contact(&ids[0], "unknown"));
    let error = api_error(
        client
            .send::<Value>(ApiRequest::get("/contacts/{id}").path(format!("/contacts/{}", ids[0])))
            .await,
    );
    assert_eq!(error.status, StatusCode::GONE);
    assert_eq!(code(&error), "contact_merged");
    assert_eq!(
        error.canonical_contact_id().as_deref(),
        Some(ids[1].as_str())
    );
    let link = error.headers.get("link").unwrap().to_str().unwrap();
    assert_eq!(link, format!("</contacts/{}>; rel=\"canonical\"", ids[1]));
    assert!(!sandbox.contact_ids().contains(&ids[0]));

    // Chains resolve to the survivor.
    assert!(sandbox.merge_contact(&ids[1], &ids[2]));
    let error = api_error(
        client
            .send::<Value>(ApiRequest::get("/contacts/{id}").path(format!("/contacts/{}", ids[0])))
            .await,
    );
    assert_eq!(
        error.canonical_contact_id().as_deref(),
        Some(ids[2].as_str())
    );
}

async fn search(client: &Client<Private>, body: Value) -> Result<Value, intercom_transport::Error> {
    client
        .send(ApiRequest::post("/contacts/search").json(&body))
        .await
}

fn leaf(field: &str, op: &str, value: Value) -> Value {
    json!({"field": field, "operator": op, "value": value})
}

#[tokio::test]
async fn search_operators_groups_and_paging() {
    let sandbox = Sandbox::builder().contacts(60).start().await.unwrap();
    let client = client(&sandbox);
    let all: Vec<Value> = {
        let page: Value = client
            .send(ApiRequest::get("/contacts").query("per_page", 150))
            .await
            .unwrap();
        page["data"].as_array().unwrap().clone()
    };
    let target = &all[7];
    let email = target["email"].as_str().unwrap();

    let hit = search(&client, json!({"query": leaf("email", "=", json!(email))}))
        .await
        .unwrap();
    assert_eq!(hit["type"], "list");
    assert_eq!(hit["total_count"], 1);
    assert_eq!(hit["data"][0]["id"], target["id"]);

    let leads = search(&client, json!({"query": leaf("role", "=", json!("lead"))}))
        .await
        .unwrap();
    assert_eq!(leads["total_count"], 12);
    let not_leads = search(&client, json!({"query": leaf("role", "!=", json!("lead"))}))
        .await
        .unwrap();
    assert_eq!(not_leads["total_count"], 48);

    let contains = search(
        &client,
        json!({"query": leaf("email", "~", json!("@EXAMPLE.com"))}),
    )
    .await
    .unwrap();
    assert_eq!(contains["total_count"], 60, "total_count counts every hit");
    assert_eq!(contains["data"].as_array().unwrap().len(), 50);
    let starts = search(
        &client,
        json!({"query": leaf("email", "^", json!(&email[..4]))}),
    )
    .await
    .unwrap();
    assert!(starts["data"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["email"].as_str().unwrap().starts_with(&email[..4])));
    let ends = search(
        &client,
        json!({"query": leaf("external_id", "$", json!("-8"))}),
    )
    .await
    .unwrap();
    assert!(ends["total_count"].as_u64().unwrap() >= 1);

    let seats = target["custom_attributes"]["seats"].as_i64().unwrap();
    let ge = search(
        &client,
        json!({"query": leaf("custom_attributes.seats", ">=", json!(seats))}),
    )
    .await
    .unwrap();
    let expected = all
        .iter()
        .filter(|c| c["custom_attributes"]["seats"].as_i64().unwrap() >= seats)
        .count();
    assert_eq!(ge["total_count"], expected);

    let created = target["created_at"].as_i64().unwrap();
    let before = search(
        &client,
        json!({"query": leaf("created_at", "<", json!(created.to_string()))}),
    )
    .await
    .unwrap();
    let expected = all
        .iter()
        .filter(|c| c["created_at"].as_i64().unwrap() / 86_400 < created / 86_400)
        .count();
    assert_eq!(before["total_count"], expected);

    let ids: Vec<Value> = all[..3].iter().map(|c| c["id"].clone()).collect();
    let within = search(&client, json!({"query": leaf("id", "IN", json!(ids))}))
        .await
        .unwrap();
    assert_eq!(within["total_count"], 3);
    let without = search(&client, json!({"query": leaf("id", "NIN", json!(ids))}))
        .await
        .unwrap();
    assert_eq!(without["total_count"], 57);

    // (A OR B) AND (C OR D): two levels are allowed.
    let nested = json!({"query": {"operator": "AND", "value": [
        {"operator": "OR", "value": [leaf("role", "=", json!("user")), leaf("role", "=", json!("lead"))]},
        {"operator": "OR", "value": [leaf("email", "=", json!(email)), leaf("id", "=", json!("x"))]},
    ]}});
    let found = search(&client, nested).await.unwrap();
    assert_eq!(found["total_count"], 1);

    // Paging a search with pagination.starting_after.
    let mut seen = HashSet::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut body =
            json!({"query": leaf("role", "=", json!("user")), "pagination": {"per_page": 20}});
        if let Some(c) = &cursor {
            body["pagination"]["starting_after"] = json!(c);
        }
        let page = search(&client, body).await.unwrap();
        pages += 1;
        for c in page["data"].as_array().unwrap() {
            assert!(seen.insert(c["id"].as_str().unwrap().to_owned()));
        }
        match page["pages"].get("next") {
            Some(next) => cursor = Some(next["starting_after"].as_str().unwrap().to_owned()),
            None => break,
        }
    }
    assert_eq!((seen.len(), pages), (48, 3));

    let sorted = search(
        &client,
        json!({
            "query": leaf("role", "=", json!("user")),
            "sort": {"field": "created_at", "order": "ascending"},
        }),
    )
    .await
    .unwrap();
    let times: Vec<i64> = sorted["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["created_at"].as_i64().unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]));
}

#[tokio::test]
async fn search_limits_and_invalid_queries_are_400s() {
    let sandbox = Sandbox::builder().contacts(5).start().await.unwrap();
    let client = client(&sandbox);
    let three_levels = json!({"query": {"operator": "AND", "value": [
        {"operator": "OR", "value": [
            {"operator": "AND", "value": [leaf("role", "=", json!("user"))]},
        ]},
    ]}});
    let fifteen: Vec<Value> = (0..15)
        .map(|i| leaf("name", "!=", json!(format!("n{i}"))))
        .collect();
    let sixteen: Vec<Value> = (0..16)
        .map(|i| leaf("name", "!=", json!(format!("n{i}"))))
        .collect();
    search(
        &client,
        json!({"query": {"operator": "OR", "value": fifteen}}),
    )
    .await
    .unwrap();

    let cases = [
        (three_levels, "parameter_invalid"),
        (
            json!({"query": {"operator": "OR", "value": sixteen}}),
            "parameter_invalid",
        ),
        (
            json!({"query": {"operator": "XOR", "value": [leaf("role", "=", json!("user"))]}}),
            "parameter_invalid",
        ),
        (
            json!({"query": {"operator": "AND", "value": []}}),
            "parameter_invalid",
        ),
        (
            json!({"query": leaf("created_at", "!=", json!(1))}),
            "parameter_invalid",
        ),
        (
            json!({"query": leaf("created_at", ">=", json!(1))}),
            "parameter_invalid",
        ),
        (
            json!({"query": leaf("tag_id", "~", json!("1"))}),
            "parameter_invalid",
        ),
        (
            json!({"query": leaf("email", ">", json!("a"))}),
            "parameter_invalid",
        ),
        (
            json!({"query": leaf("email", "IN", json!("a"))}),
            "parameter_invalid",
        ),
        (
            json!({"query": leaf("email", "LIKE", json!("a"))}),
            "parameter_invalid",
        ),
        (
            json!({"query": leaf("no_such_field", "=", json!("a"))}),
            "parameter_invalid",
        ),
        (
            json!({"query": leaf("created_at", ">", json!("yesterday"))}),
            "parameter_invalid",
        ),
        (
            json!({"pagination": {"per_page": 5}}),
            "parameter_not_found",
        ),
        (
            json!({"query": leaf("role", "=", json!("user")), "sort": {"field": "name", "order": "desc"}}),
            "invalid_sort_order",
        ),
        (
            json!({"query": leaf("role", "=", json!("user")), "pagination": {"starting_after": "bad"}}),
            "client_error",
        ),
    ];
    for (body, expected) in cases {
        let error = api_error(search(&client, body.clone()).await);
        assert_eq!(error.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(code(&error), expected, "{body}");
        assert_eq!(error.error_type.as_deref(), Some("error.list"));
    }
    let token = format!("Bearer {}", sandbox.access_token_plaintext());
    let response = raw(
        &sandbox,
        "POST",
        "/contacts/search",
        &[("Authorization", &token)],
        "{\"query\":",
    )
    .await;
    assert_eq!(response.status, 400);
}

#[tokio::test]
async fn tags_on_contacts_and_search_by_tag() {
    let sandbox = Sandbox::builder().contacts(4).start().await.unwrap();
    let client = client(&sandbox);
    let tag: Value = client
        .send(ApiRequest::post("/tags").json(&json!({"name": "sandbox-test"})))
        .await
        .unwrap();
    assert_eq!(tag["type"], "tag");
    let again: Value = client
        .send(ApiRequest::post("/tags").json(&json!({"name": "sandbox-test"})))
        .await
        .unwrap();
    assert_eq!(again["id"], tag["id"]);
    let tags: Value = client.send(ApiRequest::get("/tags")).await.unwrap();
    assert_eq!(tags["type"], "list");
    assert!(tags["data"]
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t["id"] == tag["id"]));

    let id = sandbox.contact_ids()[1].clone();
    let tag_id = tag["id"].as_str().unwrap();
    let applied: Value = client
        .send(
            ApiRequest::post("/contacts/{id}/tags")
                .path(format!("/contacts/{id}/tags"))
                .json(&json!({"id": tag_id})),
        )
        .await
        .unwrap();
    assert_eq!(applied["id"], tag["id"]);
    assert_eq!(applied["applied_by"]["type"], "admin");
    let found = search(
        &client,
        json!({"query": leaf("tag_id", "=", json!(tag_id))}),
    )
    .await
    .unwrap();
    assert_eq!(found["total_count"], 1);
    let contact: Value = client
        .send(ApiRequest::get("/contacts/{id}").path(format!("/contacts/{id}")))
        .await
        .unwrap();
    assert!(contact["tags"]["data"]
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t["id"] == tag["id"]));

    let removed: Value = client
        .send(
            ApiRequest::delete("/contacts/{id}/tags/{tag_id}")
                .path(format!("/contacts/{id}/tags/{tag_id}")),
        )
        .await
        .unwrap();
    assert_eq!(removed["id"], tag["id"]);
    let error = api_error(
        client
            .send::<Value>(
                ApiRequest::delete("/contacts/{id}/tags/{tag_id}")
                    .path(format!("/contacts/{id}/tags/{tag_id}")),
            )
            .await,
    );
    assert_eq!(error.status, StatusCode::NOT_FOUND);
    let error = api_error(
        client
            .send::<Value>(
                ApiRequest::post("/contacts/{id}/tags")
                    .path(format!("/contacts/{id}/tags"))
                    .json(&json!({"id": "999999"})),
            )
            .await,
    );
    assert_eq!(code(&error), "not_found");
}
