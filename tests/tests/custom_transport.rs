//! Issue 3: auth, default headers, retries, rate-limit waits, deadlines and redirect policy
//! live above the `Transport` trait, so a custom transport keeps every one of them.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use intercom_tests::{
    authorize, mock_builder, mock_client, unix_now, MockTransport, Reply, MOCK_BASE_URL, TEST_TOKEN,
};
use intercom_transport::{
    ApiRequest, Body, Client, Error, TimeoutPhase, Transport, TransportError, TransportErrorKind,
};
use tokio::time::Instant;

/// A user-written transport: answers 503 twice, then 200 with an exhausted rate limit, then
/// 200; records the headers it was given.
#[derive(Debug, Default)]
struct Flaky {
    calls: AtomicU32,
    seen: Mutex<Vec<(HeaderMap, Instant)>>,
    reset: u64,
}

#[async_trait::async_trait]
impl Transport for Flaky {
    async fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<Body>, TransportError> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst);
        self.seen
            .lock()
            .expect("not poisoned")
            .push((request.headers().clone(), Instant::now()));
        let (status, remaining) = match n {
            0 | 1 => (StatusCode::SERVICE_UNAVAILABLE, 10),
            2 => (StatusCode::OK, 0),
            _ => (StatusCode::OK, 100),
        };
        let reset = if n < 3 { self.reset } else { self.reset + 10 };
        let response = http::Response::builder()
            .status(status)
            .header("x-ratelimit-limit", "167")
            .header("x-ratelimit-remaining", remaining.to_string())
            .header("x-ratelimit-reset", reset.to_string())
            .body(Body::from_bytes(r#"{"ok":true}"#))
            .expect("a valid response");
        Ok(response)
    }
}

#[tokio::test(start_paused = true)]
async fn a_user_transport_gets_auth_retries_and_rate_limit_waits() {
    let transport = Arc::new(Flaky {
        reset: unix_now() + 4,
        ..Flaky::default()
    });
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
    let seen = transport.seen.lock().expect("not poisoned");
    assert_eq!(seen.len(), 4);
    for (headers, _) in seen.iter() {
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
