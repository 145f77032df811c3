//! Which failures are retried, for which methods, how often and after how long.

use std::time::Duration;

use http::{Method, StatusCode};
use intercom_tests::{
    authorize, builder_for, builder_for_url, client_for, closed_port_url, mock_builder,
    mock_client, LogCapture, LoopbackServer, MockTransport, Reply,
};
use intercom_transport::{
    ApiRequest, Error, RequestOptions, RetryConfig, TimeoutPhase, TransportErrorKind,
};
use tokio::time::Instant;

fn count(haystack: &str, needle: &str) -> usize {
    haystack.lines().filter(|l| l.contains(needle)).count()
}

#[tokio::test]
async fn each_retryable_status_is_retried_then_succeeds() {
    for status in [408, 429, 500, 502, 503, 504] {
        let server = LoopbackServer::start();
        server.push(Reply::text(status, "try again"));
        server.push(Reply::json(200, &serde_json::json!({ "n": 1 })));
        let client = client_for(&server);

        let response = client
            .execute(ApiRequest::get("/contacts"))
            .await
            .unwrap_or_else(|e| panic!("{status} then 200: {e}"));
        assert_eq!(response.status, StatusCode::OK, "{status}");
        assert_eq!(response.attempts, 2, "{status}");
        assert_eq!(server.request_count(), 2, "{status}");
        // The retry is the same request again.
        let requests = server.requests();
        assert_eq!(requests[0].path_and_query(), requests[1].path_and_query());
        assert_eq!(requests[0].headers, requests[1].headers);
    }
}

#[tokio::test]
async fn non_retryable_statuses_are_returned_at_once() {
    for status in [400, 401, 403, 404, 409, 410, 422, 501] {
        let server = LoopbackServer::start();
        server.set_fallback(Reply::text(status, "no"));
        let client = client_for(&server);
        let err = client
            .execute(ApiRequest::get("/contacts"))
            .await
            .expect_err("an error status");
        assert_eq!(err.status().map(|s| s.as_u16()), Some(status));
        assert_eq!(server.request_count(), 1, "{status} must not be retried");
    }
}

#[tokio::test]
async fn three_attempts_by_default_then_the_last_error() {
    assert_eq!(RetryConfig::default().max_attempts, 3);
    let server = LoopbackServer::start();
    server.push_all([
        Reply::text(503, "first"),
        Reply::text(502, "second"),
        Reply::text(500, "third"),
        Reply::ok(),
    ]);
    let client = client_for(&server);
    let err = client
        .execute(ApiRequest::get("/contacts"))
        .await
        .expect_err("three failures");
    assert_eq!(server.request_count(), 3);
    let api = err.api().expect("an API error");
    assert_eq!(api.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(&api.body[..], b"third");
}

#[tokio::test]
async fn attempts_are_configurable_per_client_and_per_request() {
    let server = LoopbackServer::start();
    server.set_fallback(Reply::status(503));
    let client = authorize(builder_for(&server).max_attempts(5));
    client
        .execute(ApiRequest::get("/a"))
        .await
        .expect_err("503");
    assert_eq!(server.request_count(), 5);

    let once = RequestOptions::new().max_attempts(1);
    client
        .execute(ApiRequest::get("/b").options(once))
        .await
        .expect_err("503");
    assert_eq!(server.request_count(), 6);

    let disabled = authorize(builder_for(&server).retry(RetryConfig::disabled()));
    disabled
        .execute(ApiRequest::get("/c"))
        .await
        .expect_err("503");
    assert_eq!(server.request_count(), 7);
}

#[tokio::test]
async fn idempotent_methods_are_retried() {
    for method in [
        Method::GET,
        Method::HEAD,
        Method::PUT,
        Method::DELETE,
        Method::OPTIONS,
    ] {
        let server = LoopbackServer::start();
        server.push(Reply::status(503));
        server.push(Reply::status(200));
        let client = client_for(&server);
        let response = client
            .execute(ApiRequest::new(method.clone(), "/x"))
            .await
            .unwrap_or_else(|e| panic!("{method}: {e}"));
        assert_eq!(response.attempts, 2, "{method}");
        assert_eq!(server.request(1).method, method);
    }
}

#[tokio::test]
async fn post_and_patch_are_not_retried_by_default() {
    for method in [Method::POST, Method::PATCH] {
        let server = LoopbackServer::start();
        server.push(Reply::status(503));
        server.push(Reply::ok());
        let client = client_for(&server);
        let err = client
            .execute(ApiRequest::new(method.clone(), "/conversations").json(&serde_json::json!({})))
            .await
            .expect_err("503 not retried");
        assert_eq!(
            err.status(),
            Some(StatusCode::SERVICE_UNAVAILABLE),
            "{method}"
        );
        assert_eq!(server.request_count(), 1, "{method} must not be retried");
    }
}

#[tokio::test]
async fn post_is_retried_with_client_opt_in() {
    let server = LoopbackServer::start();
    server.push_all([Reply::status(500), Reply::status(502), Reply::ok()]);
    let client = authorize(builder_for(&server).retry_non_idempotent(true));
    let body = serde_json::json!({ "body": "hello" });
    let response = client
        .execute(ApiRequest::post("/conversations").json(&body))
        .await
        .expect("retried to success");
    assert_eq!(response.attempts, 3);
    // Every attempt carried the same body.
    for request in server.requests() {
        assert_eq!(request.method, Method::POST);
        assert_eq!(request.json(), body);
    }

    // A request can opt back out.
    server.push_all([Reply::status(500), Reply::ok()]);
    let opt_out = RequestOptions::new().retry_non_idempotent(false);
    client
        .execute(
            ApiRequest::post("/conversations")
                .json(&body)
                .options(opt_out),
        )
        .await
        .expect_err("not retried");
    assert_eq!(server.request_count(), 4);
}

#[tokio::test]
async fn post_is_retried_with_request_opt_in() {
    let server = LoopbackServer::start();
    server.push_all([Reply::status(503), Reply::ok()]);
    let client = client_for(&server);
    let opt_in = RequestOptions::new().retry_non_idempotent(true);
    let response = client
        .execute(
            ApiRequest::post("/events")
                .json(&serde_json::json!({}))
                .options(opt_in),
        )
        .await
        .expect("retried");
    assert_eq!(response.attempts, 2);
    assert_eq!(server.request_count(), 2);
}

/// Intercom does not promise that a 429 did no work, so a POST 429 is returned at once (with
/// its rate-limit snapshot) unless the caller opted in to retrying POST.
#[tokio::test]
async fn post_429_is_retried_only_with_opt_in() {
    let rate_limited = || {
        Reply::error_list(
            429,
            "r",
            "rate_limit_exceeded",
            "Exceeded rate limit of 167 in 10_seconds",
        )
    };
    let server = LoopbackServer::start();
    server.push(rate_limited());
    let client = client_for(&server);
    let err = client
        .execute(ApiRequest::post("/contacts").json(&serde_json::json!({})))
        .await
        .expect_err("not retried without opt-in");
    assert!(err.is_rate_limited(), "{err:?}");
    assert_eq!(server.requests().len(), 1);

    server.push_all([rate_limited(), Reply::ok()]);
    let response = client
        .execute(
            ApiRequest::post("/contacts")
                .json(&serde_json::json!({}))
                .options(RequestOptions::new().retry_non_idempotent(true)),
        )
        .await
        .expect("429 retried with opt-in");
    assert_eq!(response.attempts, 2);
}

#[tokio::test]
async fn connect_errors_are_retried_even_for_post() {
    let (logs, _guard) = LogCapture::install();
    let client = authorize(builder_for_url(&closed_port_url()));
    let started = std::time::Instant::now();
    let err = client
        .execute(ApiRequest::post("/contacts").json(&serde_json::json!({})))
        .await
        .expect_err("nothing listens");
    let Error::Transport(transport) = &err else {
        panic!("expected a transport error, got {err:?}");
    };
    assert_eq!(transport.kind(), TransportErrorKind::Connect);
    assert!(transport.is_connect());
    assert!(err.is_transport());
    assert!(started.elapsed() < Duration::from_secs(2));
    let logs = logs.contents();
    assert_eq!(
        count(&logs, "retrying"),
        2,
        "two retries after the first failure:\n{logs}"
    );
    assert!(logs.contains("attempts=3"), "{logs}");
}

#[tokio::test]
async fn attempt_timeouts_are_retried_for_get_only() {
    let server = LoopbackServer::start();
    server.push(Reply::ok().delay(Duration::from_millis(800)));
    server.push(Reply::json(200, &serde_json::json!({ "second": true })));
    let client = authorize(builder_for(&server).attempt_timeout(Duration::from_millis(150)));
    let started = std::time::Instant::now();
    let response = client
        .execute(ApiRequest::get("/slow"))
        .await
        .expect("second attempt succeeds");
    assert_eq!(response.attempts, 2);
    assert_eq!(
        response.json::<serde_json::Value>().expect("json")["second"],
        true
    );
    assert!(
        started.elapsed() < Duration::from_millis(700),
        "{:?}",
        started.elapsed()
    );

    // A POST that timed out may have been processed: not retried.
    server.push(Reply::ok().delay(Duration::from_millis(800)));
    let err = client
        .execute(ApiRequest::post("/slow").json(&serde_json::json!({})))
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
    assert_eq!(server.request_count(), 3);
}

#[tokio::test]
async fn broken_connections_are_retried_for_get_but_not_post() {
    let server = LoopbackServer::start();
    server.push_all([
        // Headers, part of the body, then RST.
        Reply::raw_json(200, "{\"partial\":")
            .content_length(100)
            .then_reset(),
        // Read the request, close without answering.
        Reply::hangup(),
        Reply::json(200, &serde_json::json!({ "whole": true })),
    ]);
    let client = client_for(&server);
    let response = client
        .execute(ApiRequest::get("/contacts"))
        .await
        .expect("third attempt succeeds");
    assert_eq!(response.attempts, 3);
    assert_eq!(server.request_count(), 3);

    for reply in [
        Reply::hangup(),
        Reply::reset(),
        Reply::ok().chunk(Duration::ZERO, "x").then_close(),
    ] {
        let before = server.request_count();
        server.push(reply);
        server.push(Reply::ok());
        let err = client
            .execute(ApiRequest::post("/contacts").json(&serde_json::json!({})))
            .await
            .expect_err("not retried");
        let Error::Transport(transport) = &err else {
            panic!("expected a transport error, got {err:?}");
        };
        assert_eq!(transport.kind(), TransportErrorKind::Io, "{err}");
        assert_eq!(
            server.request_count(),
            before + 1,
            "POST must not be retried: {err}"
        );
        // Drain the unused OK so the next case starts clean.
        client
            .execute(ApiRequest::get("/drain"))
            .await
            .expect("drain");
    }
}

async fn gaps_for_seed(seed: u64) -> Vec<Duration> {
    let mock = MockTransport::new();
    mock.set_fallback(Reply::status(503));
    let client = authorize(mock_builder(&mock).jitter_seed(seed).max_attempts(4));
    client
        .execute(ApiRequest::get("/x"))
        .await
        .expect_err("always 503");
    assert_eq!(mock.request_count(), 4);
    mock.gaps()
}

#[tokio::test(start_paused = true)]
async fn seeded_jitter_is_repeatable_and_within_the_exponential_ceiling() {
    let a = gaps_for_seed(1).await;
    let b = gaps_for_seed(1).await;
    assert_eq!(a, b, "the same seed gives the same delays");
    let c = gaps_for_seed(2).await;
    assert_ne!(a, c, "another seed gives other delays");
    // Full jitter: retry n waits in [0, 500 ms · 2^(n-1)].
    let ceilings = [500, 1000, 2000].map(Duration::from_millis);
    for gaps in [&a, &c] {
        assert_eq!(gaps.len(), 3);
        for (gap, ceiling) in gaps.iter().zip(ceilings) {
            // tokio timers round up to the millisecond.
            assert!(
                *gap <= ceiling + Duration::from_millis(1),
                "{gap:?} > {ceiling:?}"
            );
        }
        assert!(
            gaps.iter().any(|g| !g.is_zero()),
            "jitter is not always zero"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn backoff_is_capped_by_max_backoff() {
    let mock = MockTransport::new();
    mock.set_fallback(Reply::status(500));
    let mut retry = RetryConfig::default();
    retry.max_attempts = 8;
    retry.initial_backoff = Duration::from_millis(100);
    retry.max_backoff = Duration::from_millis(300);
    let client = authorize(mock_builder(&mock).retry(retry));
    client
        .execute(ApiRequest::get("/x"))
        .await
        .expect_err("500");
    let gaps = mock.gaps();
    assert_eq!(gaps.len(), 7);
    for gap in &gaps {
        assert!(*gap <= Duration::from_millis(301), "{gaps:?}");
    }
}

#[tokio::test(start_paused = true)]
async fn retry_after_on_503_replaces_the_backoff() {
    let mock = MockTransport::new();
    mock.push(Reply::status(503).header("retry-after", "3"));
    mock.push(Reply::ok());
    let client = mock_client(&mock);
    let response = client
        .execute(ApiRequest::get("/x"))
        .await
        .expect("retried");
    assert_eq!(response.attempts, 2);
    assert_eq!(mock.gaps(), [Duration::from_secs(3)]);
}

#[tokio::test(start_paused = true)]
async fn no_retry_when_the_wait_would_pass_the_total_deadline() {
    let mock = MockTransport::new();
    mock.push(Reply::status(503).header("retry-after", "5"));
    mock.push(Reply::ok());
    let client = authorize(mock_builder(&mock).total_timeout(Duration::from_secs(2)));
    let started = Instant::now();
    let err = client
        .execute(ApiRequest::get("/x"))
        .await
        .expect_err("gives up");
    assert_eq!(err.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
    assert_eq!(
        started.elapsed(),
        Duration::ZERO,
        "returned without sleeping"
    );
    assert_eq!(mock.request_count(), 1);
}
