//! Rate-limit snapshots, 429 waits and the client-wide limiter.
//!
//! The waits are tested on a paused tokio clock with the in-memory transport. Note that
//! `X-RateLimit-Reset` and HTTP-date `Retry-After` are wall-clock (Unix) times: the client
//! converts them to durations with `SystemTime::now()`, which a paused tokio clock does not
//! move. A test that lets the limiter see `remaining: 0` and then sleeps on the paused clock
//! would see the same wall-clock wait again, so tests of the 429 path alone switch the limiter
//! off.

use std::time::{Duration, SystemTime};

use http::StatusCode;
use intercom_auth_types::OAuthToken;
use intercom_tests::{
    authorize, client_for, mock_builder, mock_client, unix_now, LoopbackServer, MockTransport,
    Reply,
};
use intercom_transport::{ApiRequest, Error, RateLimit, RetryConfig, TimeoutPhase};
use tokio::time::Instant;

fn limiter_off() -> RetryConfig {
    let mut retry = RetryConfig::default();
    retry.wait_on_exhausted_limit = false;
    retry
}

#[tokio::test]
async fn snapshot_is_exposed_on_success() {
    let server = LoopbackServer::start();
    let reset = unix_now() + 10;
    server.push(Reply::ok().rate_limit(167, 150, reset));
    server.push(Reply::ok().rate_limit(167, 149, reset));
    let client = client_for(&server);
    assert_eq!(client.rate_limit(), None, "nothing seen yet");

    let raw = client.execute(ApiRequest::get("/me")).await.expect("200");
    let expected = RateLimit {
        limit: 167,
        remaining: 150,
        reset,
    };
    assert_eq!(raw.rate_limit, Some(expected));
    assert_eq!(client.rate_limit(), Some(expected));
    let clone = client.clone();
    assert_eq!(
        clone.rate_limit(),
        Some(expected),
        "clones share the snapshot"
    );

    let typed = clone
        .send_with_response::<serde_json::Value>(ApiRequest::get("/me"))
        .await
        .expect("200");
    assert_eq!(typed.rate_limit.map(|r| r.remaining), Some(149));
    assert_eq!(client.rate_limit().map(|r| r.remaining), Some(149));
    let until = expected.until_reset(SystemTime::now());
    assert!(
        until <= Duration::from_secs(10) && until > Duration::from_secs(8),
        "{until:?}"
    );
}

#[tokio::test]
async fn snapshot_needs_all_three_headers() {
    let server = LoopbackServer::start();
    server.push(
        Reply::ok()
            .header("x-ratelimit-limit", "167")
            .header("x-ratelimit-remaining", "3"),
    );
    server.push(
        Reply::ok()
            .header("x-ratelimit-limit", "junk")
            .header("x-ratelimit-remaining", "3")
            .header("x-ratelimit-reset", "12"),
    );
    let client = client_for(&server);
    for _ in 0..2 {
        let raw = client.execute(ApiRequest::get("/me")).await.expect("200");
        assert_eq!(raw.rate_limit, None);
        assert_eq!(client.rate_limit(), None);
    }
}

#[tokio::test]
async fn snapshot_is_exposed_on_api_errors() {
    let server = LoopbackServer::start();
    let reset = unix_now() + 10;
    server.push(
        Reply::error_list(404, "r-404", "not_found", "Contact Not Found")
            .rate_limit(167, 42, reset),
    );
    let client = client_for(&server);
    let err = client
        .execute(ApiRequest::get("/contacts/x"))
        .await
        .expect_err("404");
    let expected = RateLimit {
        limit: 167,
        remaining: 42,
        reset,
    };
    assert_eq!(err.rate_limit(), Some(&expected));
    assert_eq!(err.api().and_then(|a| a.rate_limit), Some(expected));
    assert_eq!(client.rate_limit(), Some(expected));
}

#[tokio::test(start_paused = true)]
async fn timeout_errors_carry_the_last_snapshot() {
    let mock = MockTransport::new();
    let reset = unix_now() + 10;
    mock.push(Reply::ok().rate_limit(100, 80, reset));
    mock.push(Reply::ok().delay(Duration::from_secs(60)));
    let client = authorize(mock_builder(&mock).max_attempts(1));
    client.execute(ApiRequest::get("/a")).await.expect("200");
    let err = client
        .execute(ApiRequest::get("/b"))
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
    assert_eq!(err.rate_limit().map(|r| r.remaining), Some(80));
}

#[tokio::test(start_paused = true)]
async fn rate_limited_429_waits_for_retry_after_seconds() {
    let mock = MockTransport::new();
    mock.push(
        Reply::error_list(
            429,
            "r",
            "rate_limit_exceeded",
            "Exceeded rate limit of 167 in 10_seconds",
        )
        .header("retry-after", "30"),
    );
    mock.push(Reply::ok());
    let client = mock_client(&mock);
    let response = client
        .execute(ApiRequest::get("/contacts"))
        .await
        .expect("retried");
    assert_eq!(response.attempts, 2);
    assert_eq!(mock.gaps(), [Duration::from_secs(30)]);
}

#[tokio::test(start_paused = true)]
async fn rate_limited_429_waits_for_retry_after_http_date() {
    let mock = MockTransport::new();
    let when = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(30));
    mock.push(Reply::status(429).header("retry-after", &when));
    mock.push(Reply::ok());
    let client = mock_client(&mock);
    client
        .execute(ApiRequest::get("/contacts"))
        .await
        .expect("retried");
    let gap = mock.gaps()[0];
    // The date has whole seconds, so the wait is in (29 s, 30 s].
    assert!(
        gap > Duration::from_secs(28) && gap <= Duration::from_secs(30),
        "{gap:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn rate_limited_429_without_retry_after_waits_until_the_reset() {
    let mock = MockTransport::new();
    let reset = unix_now() + 20;
    mock.push(
        Reply::error_list(429, "r", "rate_limit_exceeded", "Exceeded rate limit")
            .rate_limit(167, 0, reset),
    );
    mock.push(Reply::ok().rate_limit(167, 166, reset + 10));
    let client = authorize(mock_builder(&mock).retry(limiter_off()));
    let response = client
        .execute(ApiRequest::get("/contacts"))
        .await
        .expect("retried");
    assert_eq!(response.attempts, 2);
    let gap = mock.gaps()[0];
    // Until the reset (19-20 s of wall clock away), plus at most 500 ms of jitter.
    assert!(
        gap >= Duration::from_secs(18) && gap <= Duration::from_millis(20_501),
        "{gap:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_429_wait_past_the_deadline_returns_the_error_with_its_snapshot() {
    let mock = MockTransport::new();
    let reset = unix_now() + 30;
    mock.push(
        Reply::error_list(429, "r-429", "rate_limit_exceeded", "Exceeded rate limit")
            .rate_limit(167, 0, reset)
            .header("retry-after", "30"),
    );
    mock.push(Reply::ok());
    let client = authorize(mock_builder(&mock).total_timeout(Duration::from_secs(10)));
    let started = Instant::now();
    let err = client
        .execute(ApiRequest::get("/contacts"))
        .await
        .expect_err("gives up");
    assert_eq!(started.elapsed(), Duration::ZERO, "no sleep at all");
    assert_eq!(mock.request_count(), 1);
    assert!(err.is_rate_limited());
    assert_eq!(err.status(), Some(StatusCode::TOO_MANY_REQUESTS));
    assert_eq!(err.request_id(), Some("r-429"));
    assert_eq!(
        err.rate_limit(),
        Some(&RateLimit {
            limit: 167,
            remaining: 0,
            reset
        })
    );
    assert_eq!(
        err.api().and_then(|a| a.retry_after),
        Some(Duration::from_secs(30))
    );

    // Same without Retry-After: the reset alone is past the deadline.
    let mock = MockTransport::new();
    mock.push(Reply::status(429).rate_limit(167, 0, unix_now() + 30));
    let client = authorize(
        mock_builder(&mock)
            .total_timeout(Duration::from_secs(10))
            .retry(limiter_off()),
    );
    let started = Instant::now();
    let err = client
        .execute(ApiRequest::get("/contacts"))
        .await
        .expect_err("gives up");
    assert_eq!(started.elapsed(), Duration::ZERO);
    assert!(err.rate_limit().is_some());
}

#[tokio::test(start_paused = true)]
async fn exhausted_limit_makes_clones_wait_for_the_reset() {
    let mock = MockTransport::new();
    let reset = unix_now() + 5;
    mock.push(Reply::ok().rate_limit(167, 0, reset));
    // The next window's answer (a newer reset) lifts the wait.
    mock.push(Reply::ok().rate_limit(167, 166, reset + 10));
    mock.push(Reply::ok().rate_limit(167, 165, reset + 10));
    let client = mock_client(&mock);
    let clone = client.clone();

    client.execute(ApiRequest::get("/a")).await.expect("200");
    let started = Instant::now();
    clone
        .execute(ApiRequest::get("/b"))
        .await
        .expect("200 after the wait");
    let waited = started.elapsed();
    // Until the reset (4-5 s away on the wall clock) plus up to 250 ms of spread.
    assert!(
        waited >= Duration::from_secs(3) && waited <= Duration::from_millis(5_251),
        "{waited:?}"
    );
    assert_eq!(mock.gaps()[0], waited);

    // Budget is back: no more waiting.
    let started = Instant::now();
    client.execute(ApiRequest::get("/c")).await.expect("200");
    assert_eq!(started.elapsed(), Duration::ZERO);
}

#[tokio::test(start_paused = true)]
async fn exhausted_limit_wait_can_be_switched_off() {
    let mock = MockTransport::new();
    mock.set_fallback(Reply::ok().rate_limit(167, 0, unix_now() + 5));
    let client = authorize(mock_builder(&mock).retry(limiter_off()));
    let started = Instant::now();
    for _ in 0..3 {
        client.execute(ApiRequest::get("/a")).await.expect("200");
    }
    assert_eq!(started.elapsed(), Duration::ZERO);
    assert_eq!(mock.request_count(), 3);
}

#[tokio::test(start_paused = true)]
async fn exhausted_limit_resetting_after_the_deadline_fails_fast() {
    let mock = MockTransport::new();
    let reset = unix_now() + 60;
    mock.push(Reply::ok().rate_limit(167, 0, reset));
    let client = authorize(mock_builder(&mock).total_timeout(Duration::from_secs(10)));
    client.execute(ApiRequest::get("/a")).await.expect("200");

    let started = Instant::now();
    let err = client
        .execute(ApiRequest::get("/b"))
        .await
        .expect_err("exhausted");
    assert_eq!(started.elapsed(), Duration::ZERO);
    assert_eq!(mock.request_count(), 1, "no request fired into a sure 429");
    let Error::RateLimitExhausted { rate_limit, wait } = &err else {
        panic!("expected RateLimitExhausted, got {err:?}");
    };
    assert_eq!(
        *rate_limit,
        RateLimit {
            limit: 167,
            remaining: 0,
            reset
        }
    );
    assert!(
        *wait > Duration::from_secs(58) && *wait <= Duration::from_secs(60),
        "{wait:?}"
    );
    assert!(err.is_rate_limited());
    assert_eq!(err.rate_limit(), Some(rate_limit));
}

#[tokio::test(start_paused = true)]
async fn independent_clients_do_not_share_a_limiter() {
    let mock = MockTransport::new();
    mock.push(Reply::ok().rate_limit(167, 0, unix_now() + 5));
    mock.set_fallback(Reply::ok());
    let first = mock_client(&mock);
    let second = mock_client(&mock);
    first.execute(ApiRequest::get("/a")).await.expect("200");
    let started = Instant::now();
    second.execute(ApiRequest::get("/b")).await.expect("200");
    assert_eq!(started.elapsed(), Duration::ZERO);
}

/// `with_oauth_token` is documented as the way to serve "one `Client<OAuth>` per installed
/// workspace" from one pool; Intercom's quotas are per app *and workspace*, so workspace A
/// spending its window must not stall workspace B.
#[tokio::test(start_paused = true)]
async fn clients_for_different_tokens_do_not_share_a_limiter() {
    let mock = MockTransport::new();
    mock.push(Reply::ok().rate_limit(167, 0, unix_now() + 5));
    mock.set_fallback(Reply::ok());
    let base = mock_builder(&mock).build().expect("config");
    let workspace_a = base.with_oauth_token(OAuthToken::new("token-a").expect("valid"));
    let workspace_b = base.with_oauth_token(OAuthToken::new("token-b").expect("valid"));
    workspace_a
        .execute(ApiRequest::get("/me"))
        .await
        .expect("200");
    let started = Instant::now();
    workspace_b
        .execute(ApiRequest::get("/me"))
        .await
        .expect("200");
    assert_eq!(
        started.elapsed(),
        Duration::ZERO,
        "workspace B waited for workspace A's rate-limit window"
    );
    assert_eq!(
        workspace_b.rate_limit(),
        None,
        "B has seen no rate-limit headers of its own"
    );
}

/// A limiter that decides asynchronously (it does not answer `wait_time_now`, as one backed by
/// a shared store would not): it asks for `waits` in turn, then lets everything through.
#[derive(Debug, Default)]
struct AsyncOnlyLimiter {
    waits: std::sync::Mutex<Vec<Result<Duration, intercom_transport::LimiterError>>>,
    asked: std::sync::atomic::AtomicUsize,
}

#[async_trait::async_trait]
impl intercom_transport::RateLimiter for AsyncOnlyLimiter {
    async fn wait_time(
        &self,
        _max_wait: Duration,
    ) -> Result<Duration, intercom_transport::LimiterError> {
        tokio::task::yield_now().await;
        self.asked.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let mut waits = self.waits.lock().unwrap_or_else(|p| p.into_inner());
        if waits.is_empty() {
            Ok(Duration::ZERO)
        } else {
            waits.remove(0)
        }
    }

    fn observe(&self, _rate_limit: &RateLimit) {}

    fn last(&self) -> Option<RateLimit> {
        None
    }
}

#[tokio::test(start_paused = true)]
async fn a_limiter_that_decides_asynchronously_is_awaited_before_every_attempt() {
    let mock = MockTransport::new();
    mock.push(Reply::status(503));
    mock.set_fallback(Reply::ok());
    let limiter = std::sync::Arc::new(AsyncOnlyLimiter::default());
    limiter
        .waits
        .lock()
        .expect("not poisoned")
        .push(Ok(Duration::from_secs(3)));
    let client = authorize(mock_builder(&mock).rate_limiter(limiter.clone()));
    let started = Instant::now();
    client.execute(ApiRequest::get("/a")).await.expect("200");
    assert!(started.elapsed() >= Duration::from_secs(3), "it waited");
    assert_eq!(mock.request_count(), 2, "a 503, then the retry");
    assert_eq!(
        limiter.asked.load(std::sync::atomic::Ordering::SeqCst),
        2,
        "asked before each attempt"
    );

    let spent = RateLimit {
        limit: 167,
        remaining: 0,
        reset: unix_now() + 60,
    };
    limiter.waits.lock().expect("not poisoned").push(Err(
        intercom_transport::LimiterError::Exhausted {
            rate_limit: spent,
            wait: Duration::from_secs(60),
        },
    ));
    let err = client
        .execute(ApiRequest::get("/b"))
        .await
        .expect_err("exhausted");
    assert!(
        matches!(err, Error::RateLimitExhausted { rate_limit, .. } if rate_limit == spent),
        "{err:?}"
    );
    assert_eq!(
        mock.request_count(),
        2,
        "nothing sent once the limiter refused"
    );
}
