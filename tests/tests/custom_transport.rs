//! Auth, default headers, retries, rate-limit waits, deadlines and redirect policy
//! live above the `Transport` trait, so a custom transport keeps every one of them.

use std::sync::Arc;
use std::time::Duration;

use intercom_tests::{
    authorize, mock_builder, mock_client, unix_now, Expect, MockTransport, Reply, MOCK_BASE_URL,
    TEST_TOKEN,
};
use intercom_transport::{ApiRequest, Client, Error, TimeoutPhase, Transport, TransportErrorKind};
use tokio::time::Instant;

#[tokio::test(start_paused = true)]
async fn a_user_transport_gets_auth_retries_and_rate_limit_waits() {
    // A transport handed in from outside the client: answers 503 twice, then 200 with an
    // exhausted rate limit, then 200.
    let reset = unix_now() + 4;
    let limited = |status: u16, remaining: u64, reset: u64| {
        Reply::json(status, &serde_json::json!({"ok": true})).rate_limit(167, remaining, reset)
    };
    let transport = MockTransport::new();
    transport.expect(Expect::get("/me").replies([
        limited(503, 10, reset),
        limited(503, 10, reset),
        limited(200, 0, reset),
        limited(200, 100, reset + 10),
    ]));
    let dyn_transport: Arc<dyn Transport> = transport.clone();
    let client = authorize(
        Client::builder()
            .base_url("https://proxy.internal.example")
            .jitter_seed(1)
            .transport(dyn_transport),
    );

    // Retries: 503, 503, 200.
    let first = client
        .execute(ApiRequest::get("/me"))
        .await
        .expect("retried");
    assert_eq!(first.attempts, 3);
    assert_eq!(client.rate_limit().map(|r| r.remaining), Some(0));

    // Rate-limit wait: the last answer said remaining 0, so the next call waits for the reset.
    let started = Instant::now();
    client.execute(ApiRequest::get("/me")).await.expect("200");
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_secs(2) && waited <= Duration::from_millis(4_251),
        "{waited:?}"
    );

    // Auth and default headers on every call.
    transport.assert_all_met();
    let seen = transport.requests();
    assert_eq!(seen.len(), 4);
    for headers in seen.iter().map(|r| &r.headers) {
        let auth = headers.get("authorization").expect("authorization");
        assert_eq!(auth.as_bytes(), format!("Bearer {TEST_TOKEN}").as_bytes());
        assert!(auth.is_sensitive(), "the header is marked sensitive");
        assert_eq!(
            headers.get("intercom-version").map(|v| v.as_bytes()),
            Some(&b"2.16"[..])
        );
        assert_eq!(
            headers.get("accept").map(|v| v.as_bytes()),
            Some(&b"application/json"[..])
        );
        assert_eq!(
            headers.get("user-agent").map(|v| v.as_bytes()),
            Some(&b"intercom-rs/0.1.0"[..])
        );
    }
}

#[tokio::test(start_paused = true)]
async fn the_mock_sees_absolute_uris_and_json_bodies() {
    let mock = MockTransport::new();
    mock.push(Reply::ok());
    let client = mock_client(&mock);
    client
        .execute(
            ApiRequest::post("/contacts/search")
                .query("per_page", 5)
                .json(&serde_json::json!({ "query": {} })),
        )
        .await
        .expect("200");
    let request = &mock.requests()[0];
    assert_eq!(
        request.uri.to_string(),
        format!("{MOCK_BASE_URL}/contacts/search?per_page=5")
    );
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert_eq!(&request.body[..], br#"{"query":{}}"#);
}

#[tokio::test(start_paused = true)]
async fn transport_failures_are_classified_and_retried_by_kind() {
    // Connect failures never reached the server: retried even for POST.
    let mock = MockTransport::new();
    mock.fail(TransportErrorKind::Connect);
    mock.fail(TransportErrorKind::Connect);
    mock.push(Reply::ok());
    let client = mock_client(&mock);
    let response = client
        .execute(ApiRequest::post("/notes").json(&serde_json::json!({})))
        .await
        .expect("retried");
    assert_eq!(response.attempts, 3);

    // An I/O failure may have reached the server: a POST is not retried, a GET is.
    let mock = MockTransport::new();
    mock.fail(TransportErrorKind::Io);
    mock.push(Reply::ok());
    let client = mock_client(&mock);
    let err = client
        .execute(ApiRequest::post("/notes").json(&serde_json::json!({})))
        .await
        .expect_err("not retried");
    assert!(
        matches!(&err, Error::Transport(t) if t.kind() == TransportErrorKind::Io),
        "{err:?}"
    );
    assert_eq!(mock.request_count(), 1);
    let mock = MockTransport::new();
    mock.fail(TransportErrorKind::Io);
    mock.push(Reply::ok());
    let client = mock_client(&mock);
    let ok = client
        .execute(ApiRequest::get("/notes"))
        .await
        .expect("GET retried");
    assert_eq!(ok.attempts, 2);

    // A transport's connect timeout is the typed connect-phase timeout.
    let mock = MockTransport::new();
    mock.set_fallback(Reply::ok());
    mock.fail(TransportErrorKind::ConnectTimeout);
    let err = authorize(mock_builder(&mock).max_attempts(1))
        .execute(ApiRequest::get("/x"))
        .await
        .expect_err("connect timeout");
    assert!(
        matches!(
            err,
            Error::Timeout {
                phase: TimeoutPhase::Connect,
                ..
            }
        ),
        "{err:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn deadlines_and_redirect_policy_apply_to_a_custom_transport() {
    let mock = MockTransport::new();
    mock.push(Reply::ok().delay(Duration::from_secs(600)));
    let client = authorize(mock_builder(&mock).max_attempts(1));
    let started = Instant::now();
    let err = client
        .execute(ApiRequest::get("/slow"))
        .await
        .expect_err("timeout");
    assert!(
        matches!(
            err,
            Error::Timeout {
                phase: TimeoutPhase::Attempt,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(started.elapsed(), Duration::from_secs(30));

    mock.push(Reply::redirect(302, "https://elsewhere.example/x"));
    let err = client
        .execute(ApiRequest::get("/moved"))
        .await
        .expect_err("redirect");
    assert!(matches!(err, Error::Redirect { .. }), "{err:?}");
    assert_eq!(mock.request_count(), 2);
}
