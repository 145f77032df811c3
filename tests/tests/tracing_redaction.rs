//! A span per request and per attempt, bodies at TRACE only, and never the token —
//! checked on the output a `RUST_LOG=trace` subscriber would print.

use std::time::Duration;

use intercom_tests::{
    assert_text_has_no_token, authorize, builder_for, builder_for_url, client_for, closed_port_url,
    LogCapture, LoopbackServer, Reply,
};
use intercom_transport::ApiRequest;
use serde_json::json;

fn assert_contains(logs: &str, needle: &str) {
    assert!(
        logs.contains(needle),
        "`{needle}` missing from the trace output:\n{logs}"
    );
}

#[tokio::test]
async fn trace_output_has_spans_and_bodies_but_never_the_token() {
    let (logs, _guard) = LogCapture::install();
    let server = LoopbackServer::start();
    server.push(
        Reply::raw_json(
            200,
            r#"{"type":"contact","id":"c-42","email":"ada@example.com"}"#,
        )
        .header("x-request-id", "rid-success-1"),
    );
    server.push(Reply::status(503));
    server.push(Reply::error_list(
        401,
        "rid-fail-2",
        "unauthorized",
        "Access Token Invalid",
    ));
    let client = client_for(&server);

    client
        .execute(
            ApiRequest::post("/contacts/{contact_id}")
                .path("/contacts/c-42")
                .json(&json!({ "email": "ada@example.com", "name": "Ada" })),
        )
        .await
        .expect("200");
    let err = client
        .execute(ApiRequest::get("/admins/{admin_id}").path("/admins/9"))
        .await
        .expect_err("503 then 401");
    assert!(err.is_unauthorized());

    let logs = logs.contents();
    assert_text_has_no_token(&logs);
    assert!(
        !logs.contains("Bearer"),
        "no Authorization value at all:\n{logs}"
    );
    // The spans and events are there, with their fields.
    for needle in [
        "intercom.request",
        "intercom.attempt",
        "method=POST",
        "path=\"/contacts/{contact_id}\"",
        "path=\"/admins/{admin_id}\"",
        "status=200",
        "status=503",
        "status=401",
        "request_id=\"rid-success-1\"",
        "request_id=\"rid-fail-2\"",
        "attempt=2",
        "attempts=2",
        "elapsed_ms=",
        "sending request",
        "received response",
        "retrying",
        "request failed",
        // Bodies are logged at TRACE, both ways…
        "ada@example.com",
        "Access Token Invalid",
        // …and the Authorization header shows up only redacted.
        "\"authorization\": Sensitive",
        "\"intercom-version\": \"2.16\"",
    ] {
        assert_contains(&logs, needle);
    }
}

#[tokio::test]
async fn bodies_are_not_logged_below_trace() {
    let (logs, _guard) = LogCapture::install_with("debug");
    let server = LoopbackServer::start();
    server.push(Reply::raw_json(
        200,
        r#"{"secret_note":"response-body-marker"}"#,
    ));
    let client = client_for(&server);
    client
        .execute(ApiRequest::post("/notes").json(&json!({ "body": "request-body-marker" })))
        .await
        .expect("200");
    let logs = logs.contents();
    assert_contains(&logs, "intercom.request");
    assert_contains(&logs, "intercom.attempt");
    assert!(!logs.contains("request-body-marker"), "{logs}");
    assert!(!logs.contains("response-body-marker"), "{logs}");
    assert_text_has_no_token(&logs);
}

#[tokio::test]
async fn failures_below_http_and_redirects_leak_nothing() {
    let (logs, _guard) = LogCapture::install();
    // Connect failure, retried.
    let closed = authorize(builder_for_url(&closed_port_url()));
    closed
        .execute(ApiRequest::get("/me"))
        .await
        .expect_err("refused");
    // Timeout, reset mid-body, and a cross-origin redirect.
    let api = LoopbackServer::start();
    let other = LoopbackServer::start_with_fallback(Reply::ok());
    api.push(Reply::ok().delay(Duration::from_millis(300)));
    api.push(
        Reply::raw_json(200, "{\"partial\":")
            .content_length(50)
            .then_reset(),
    );
    api.push(Reply::redirect(302, &other.url_for("/signed")));
    let client = authorize(
        builder_for(&api)
            .attempt_timeout(Duration::from_millis(100))
            .max_attempts(1)
            .follow_redirects(true),
    );
    client
        .execute(ApiRequest::get("/slow"))
        .await
        .expect_err("timeout");
    client
        .execute(ApiRequest::get("/reset"))
        .await
        .expect_err("reset");
    client
        .execute(ApiRequest::get("/redirect"))
        .await
        .expect("followed");
    assert_eq!(other.saw_authorization(), [false]);

    let logs = logs.contents();
    assert_text_has_no_token(&logs);
    assert!(!logs.contains("Bearer"), "{logs}");
    for needle in [
        "connection failed",
        "attempt timeout",
        "following redirect",
        "authorization=false",
        "retrying",
    ] {
        assert_contains(&logs, needle);
    }
}
