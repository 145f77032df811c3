//! `MockTransport` through a real `Client`: matchers, sequences, faults, and the final check.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use intercom_test::{Expect, MockTransport, Reply};
use intercom_transport::auth::{AccessToken, Private};
use intercom_transport::{ApiRequest, Client, Error, TransportErrorKind};
use serde_json::{json, Value};

fn client(mock: &Arc<MockTransport>, attempts: u32) -> Client<Private> {
    Client::builder()
        .base_url("https://api.intercom.test")
        .transport(mock.clone())
        .max_attempts(attempts)
        .jitter_seed(1)
        .build()
        .unwrap()
        .with_access_token(AccessToken::new("mock-token-value").unwrap())
}

#[tokio::test]
async fn matchers_pick_the_expectation_and_its_reply() {
    let mock = MockTransport::new();
    mock.expect(
        Expect::post("/contacts")
            .json_includes(json!({"email": "a@example.com"}))
            .reply(Reply::json(200, &json!({"id": "a"}))),
    )
    .expect(
        Expect::post("/contacts")
            .json_body(json!({"email": "b@example.com", "role": "lead"}))
            .reply(Reply::json(200, &json!({"id": "b"}))),
    )
    .expect(
        Expect::get("/contacts")
            .query("per_page", "5")
            .header("intercom-version", "2.16")
            .reply(Reply::json(200, &json!({"type": "list"}))),
    );
    let c = client(&mock, 1);
    let b: Value = c
        .send(
            ApiRequest::post("/contacts").json(&json!({"email": "b@example.com", "role": "lead"})),
        )
        .await
        .unwrap();
    let a: Value = c
        .send(ApiRequest::post("/contacts").json(&json!({"email": "a@example.com", "name": "A"})))
        .await
        .unwrap();
    let list: Value = c
        .send(ApiRequest::get("/contacts").query("per_page", 5))
        .await
        .unwrap();
    assert_eq!((a["id"].as_str(), b["id"].as_str()), (Some("a"), Some("b")));
    assert_eq!(list["type"], "list");
    mock.assert_all_met();
    assert_eq!(mock.request_count(), 3);
    assert_eq!(mock.requests()[2].query("per_page").as_deref(), Some("5"));
}

#[tokio::test(start_paused = true)]
async fn a_sequence_with_a_fault_is_retried_through_to_the_last_reply() {
    let mock = MockTransport::new();
    mock.expect(
        Expect::get("/me")
            .fail(TransportErrorKind::Connect)
            .reply(Reply::status(503))
            .reply(Reply::json(200, &json!({"type": "admin"}))),
    );
    let me: Value = client(&mock, 3).send(ApiRequest::get("/me")).await.unwrap();
    assert_eq!(me["type"], "admin");
    mock.assert_all_met();
}

#[tokio::test]
async fn an_unmet_expectation_fails_the_final_check() {
    let mock = MockTransport::new();
    mock.expect(Expect::get("/me").reply(Reply::ok()))
        .expect(Expect::delete("/contacts/x").times(2));
    let _: Value = client(&mock, 1).send(ApiRequest::get("/me")).await.unwrap();
    let unmet = mock.verify().unwrap_err();
    assert_eq!(unmet.problems().len(), 1, "{unmet}");
    assert!(
        unmet.problems()[0].contains("DELETE /contacts/x expected exactly 2 time(s), called 0"),
        "{unmet}"
    );
    let panic = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| mock.assert_all_met()))
        .unwrap_err();
    let message = panic.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(message.contains("DELETE /contacts/x"), "{message}");
}

#[tokio::test]
async fn unexpected_and_overused_requests_fail_the_final_check() {
    let mock = MockTransport::new();
    mock.expect(Expect::get("/me").reply(Reply::ok()));
    let c = client(&mock, 1);
    let _: Value = c.send(ApiRequest::get("/me")).await.unwrap();
    let second: Result<Value, Error> = c.send(ApiRequest::get("/me")).await;
    assert!(matches!(second, Err(Error::Api(ref e)) if e.status.as_u16() == 500));
    let third: Result<Value, Error> = c.send(ApiRequest::get("/tags")).await;
    assert!(third.is_err());
    let unmet = mock.verify().unwrap_err();
    let text = unmet.to_string();
    assert!(
        text.contains("GET /me expected exactly 1 time(s), called 2"),
        "{text}"
    );
    assert!(text.contains("unexpected request GET /tags"), "{text}");
    assert!(!text.contains("mock-token-value"), "{text}");
}

#[tokio::test]
async fn mismatched_body_query_or_header_does_not_match() {
    let mock = MockTransport::new();
    mock.expect(
        Expect::post("/tags")
            .json_includes(json!({"name": "vip"}))
            .any_times(),
    )
    .expect(Expect::get("/tags").query("page", "2").any_times())
    .expect(Expect::get("/admins").header("x-custom", "1").any_times());
    let c = client(&mock, 1);
    let wrong_body: Result<Value, Error> = c
        .send(ApiRequest::post("/tags").json(&json!({"name": "other"})))
        .await;
    let wrong_query: Result<Value, Error> = c.send(ApiRequest::get("/tags").query("page", 3)).await;
    let no_header: Result<Value, Error> = c.send(ApiRequest::get("/admins")).await;
    assert!(wrong_body.is_err() && wrong_query.is_err() && no_header.is_err());
    assert_eq!(mock.verify().unwrap_err().problems().len(), 3);
}

#[tokio::test(start_paused = true)]
async fn scripted_steps_and_delays_run_on_the_tokio_clock() {
    let mock = MockTransport::new();
    mock.push(Reply::ok().delay(Duration::from_secs(5)));
    mock.set_fallback(Reply::json(200, &json!({"fallback": true})));
    let c = client(&mock, 1);
    let started = tokio::time::Instant::now();
    let first: Value = c.send(ApiRequest::get("/a")).await.unwrap();
    assert_eq!(first["ok"], true);
    assert!(started.elapsed() >= Duration::from_secs(5));
    let second: Value = c.send(ApiRequest::get("/b")).await.unwrap();
    assert_eq!(second["fallback"], true);
    mock.assert_all_met();
}
