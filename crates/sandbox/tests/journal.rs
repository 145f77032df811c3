//! The request journal: what was received, with credentials redacted.
#![allow(clippy::unwrap_used)]

mod common;

use common::{client, raw};
use intercom_sandbox::{Sandbox, REDACTED};
use intercom_transport::{ApiRequest, RequestOptions};
use serde_json::{json, Value};

#[tokio::test]
async fn journal_records_method_path_query_headers_and_body_with_the_token_redacted() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let client = client(&sandbox);
    let _: Value = client
        .send(ApiRequest::get("/contacts").query("per_page", "2"))
        .await
        .unwrap();
    let _: Value = client
        .send(
            ApiRequest::post("/contacts")
                .json(&json!({"role": "user", "email": "journal@example.com"})),
        )
        .await
        .unwrap();

    let requests = sandbox.requests();
    assert_eq!(requests.len(), 2, "{requests:?}");
    let list = &requests[0];
    assert_eq!(list.method, "GET");
    assert_eq!(list.path, "/contacts");
    assert_eq!(list.query.as_deref(), Some("per_page=2"));
    assert_eq!(list.status, 200);
    assert!(list.body.is_empty());
    assert_eq!(list.header("authorization"), Some(REDACTED));
    assert!(list.header("intercom-version").is_some());

    let create = &requests[1];
    assert_eq!(create.method, "POST");
    assert_eq!(create.seq, list.seq + 1);
    assert_eq!(create.json().unwrap()["email"], "journal@example.com");
    assert_eq!(create.header("Content-Type"), Some("application/json"));

    let token = sandbox.access_token_plaintext();
    for entry in &requests {
        let debug = format!("{entry:?}");
        assert!(!debug.contains(token), "token leaked into {debug}");
        assert!(entry.headers.iter().all(|(_, v)| !v.contains(token)));
    }
    sandbox.shutdown().await;
}

#[tokio::test]
async fn unauthenticated_and_faulted_requests_are_journaled_too() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let response = raw(
        &sandbox,
        "GET",
        "/me?x=%0a",
        &[("Authorization", "Bearer wrong-token-value")],
        "",
    )
    .await;
    assert_eq!(response.status, 401);
    sandbox.faults().fail_next(1, 503);
    let result: Result<Value, _> = client(&sandbox)
        .send(ApiRequest::get("/me").options(RequestOptions::default()))
        .await;
    assert!(result.is_err());

    let requests = sandbox.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].status, 401);
    assert_eq!(requests[0].query.as_deref(), Some("x=%0a"));
    assert_eq!(requests[0].header("authorization"), Some(REDACTED));
    assert!(!format!("{:?}", requests[0]).contains("wrong-token-value"));
    assert_eq!(requests[1].status, 503);
    assert_eq!(requests[1].summary(), "GET /me -> 503");

    let next = requests[1].seq + 1;
    assert!(sandbox.requests_since(next).is_empty());
    let _: Value = client(&sandbox).send(ApiRequest::get("/me")).await.unwrap();
    let since = sandbox.requests_since(next);
    assert_eq!(since.len(), 1);
    assert_eq!(since[0].seq, next);

    sandbox.clear_requests();
    assert!(sandbox.requests().is_empty());
    sandbox.shutdown().await;
}
