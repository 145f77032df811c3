//! Fixtures: load a workspace's data, export it with `snapshot()`, load it again.
#![allow(clippy::unwrap_used)]

mod common;

use common::client;
use intercom_sandbox::{Sandbox, StartError};
use intercom_transport::ApiRequest;
use serde_json::{json, Value};

#[tokio::test]
async fn fixtures_load_and_snapshots_round_trip() {
    let fixtures = json!({
        "contacts": [
            {"id": "c-ada", "role": "user", "email": "ada@example.com", "name": "Ada",
             "created_at": 1700000000, "custom_attributes": {"plan": "pro"}},
            {"id": "c-lin", "role": "lead", "email": "lin@example.com", "name": "Lin"}
        ],
        "companies": [{"id": "co-1", "company_id": "acme", "name": "Acme"}],
        "tags": [{"id": "77", "name": "vip"}]
    });
    let sandbox = Sandbox::builder().fixtures(fixtures).start().await.unwrap();
    let c = client(&sandbox);
    let ada: Value = c.send(ApiRequest::get("/contacts/c-ada")).await.unwrap();
    assert_eq!(ada["email"], "ada@example.com");
    assert_eq!(ada["custom_attributes"]["plan"], "pro");
    let list: Value = c.send(ApiRequest::get("/contacts")).await.unwrap();
    assert_eq!(
        list["total_count"], 2,
        "the fixture's contacts replace the seeded ones"
    );
    let tags: Value = c.send(ApiRequest::get("/tags")).await.unwrap();
    assert_eq!(tags["data"][0]["name"], "vip");

    // Changes made through the API are part of the snapshot.
    let created: Value = c
        .send(
            ApiRequest::post("/contacts")
                .json(&json!({"role": "user", "email": "new@example.com"})),
        )
        .await
        .unwrap();
    let snapshot = sandbox.snapshot();
    let text = snapshot.to_string();
    assert!(
        !text.contains(sandbox.access_token_plaintext()),
        "no token in a snapshot"
    );
    assert!(
        !text.contains(sandbox.client_secret_plaintext()),
        "no secret in a snapshot"
    );
    let dir =
        std::env::temp_dir().join(format!("intercom-sandbox-fixtures-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("workspace.json");
    sandbox.save_snapshot(&file).unwrap();
    sandbox.shutdown().await;

    // A new sandbox from the saved file holds the same data, and its snapshot is the same.
    let again = Sandbox::builder()
        .fixtures(file.as_path())
        .start()
        .await
        .unwrap();
    let c = client(&again);
    let found: Value = c
        .send(
            ApiRequest::get("/contacts/{id}")
                .path(format!("/contacts/{}", created["id"].as_str().unwrap())),
        )
        .await
        .unwrap();
    assert_eq!(found["email"], "new@example.com");
    let company: Value = c.send(ApiRequest::get("/companies/co-1")).await.unwrap();
    assert_eq!(company["name"], "Acme");
    assert_eq!(again.snapshot(), snapshot);
    again.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn bad_fixtures_are_a_typed_start_error() {
    for (fixtures, expected) in [
        (json!({"contacts": [{"id": 5}]}), "contacts[0].id"),
        (json!({"people": []}), "people"),
        (json!({"version": 99}), "newer"),
    ] {
        let error = Sandbox::builder()
            .fixtures(fixtures)
            .start()
            .await
            .unwrap_err();
        assert!(matches!(error, StartError::Fixtures(_)));
        assert!(error.to_string().contains(expected), "{error}");
    }
    let missing = Sandbox::builder()
        .fixtures("/nonexistent/fixtures.json")
        .start()
        .await
        .unwrap_err();
    assert!(
        missing.to_string().contains("cannot read fixtures"),
        "{missing}"
    );
}
