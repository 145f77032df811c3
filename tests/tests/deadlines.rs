//! Connect, per-attempt and total deadlines, each a typed error naming its phase.
//!
//! Real-socket tests use short real timeouts (well under 2 s); long waits run on a paused
//! clock with the in-memory transport.

use std::time::Duration;

use intercom_tests::{
    authorize, builder_for, builder_for_url, mock_builder, mock_client, BlackholeListener,
    LogCapture, LoopbackServer, MockTransport, Reply,
};
use intercom_transport::{ApiRequest, Error, RequestOptions, TimeoutPhase, Timeouts};
use tokio::time::Instant;

fn phase(err: &Error) -> TimeoutPhase {
    match err {
        Error::Timeout { phase, .. } => *phase,
        other => panic!("expected a timeout, got {other:?}"),
    }
}

#[test]
fn defaults_are_documented_values() {
    let t = Timeouts::default();
    assert_eq!(t.connect, Duration::from_secs(10));
    assert_eq!(t.attempt, Duration::from_secs(30));
    assert_eq!(t.total, Duration::from_secs(120));
}

#[tokio::test]
async fn connect_timeout_is_a_typed_error_and_is_retried() {
    let blackhole = BlackholeListener::start()
        .expect("a full accept queue drops SYNs on Linux loopback, so connecting hangs");
    let (logs, _guard) = LogCapture::install();
    let client = authorize(
        builder_for_url(&blackhole.url())
            .connect_timeout(Duration::from_millis(100))
            .max_attempts(2),
    );
    let started = std::time::Instant::now();
    let err = client
        .execute(ApiRequest::get("/me"))
        .await
        .expect_err("hangs");
    let elapsed = started.elapsed();
    assert_eq!(phase(&err), TimeoutPhase::Connect, "{err:?}");
    assert!(err.is_timeout() && err.is_transport());
    assert!(err.to_string().contains("connect timeout"), "{err}");
    // Two attempts of 100 ms plus a short backoff; nowhere near the 1 s attempt timeout.
    assert!(
        elapsed >= Duration::from_millis(200) && elapsed < Duration::from_millis(900),
        "{elapsed:?}"
    );
    let logs = logs.contents();
    assert_eq!(
        logs.lines().filter(|l| l.contains("retrying")).count(),
        1,
        "{logs}"
    );
}

#[tokio::test]
async fn attempt_timeout_covers_waiting_for_headers() {
    let server = LoopbackServer::start();
    server.push(Reply::ok().delay(Duration::from_secs(1)));
    let client = authorize(
        builder_for(&server)
            .attempt_timeout(Duration::from_millis(100))
            .max_attempts(1),
    );
    let started = std::time::Instant::now();
    let err = client
        .execute(ApiRequest::get("/me"))
        .await
        .expect_err("slow");
    assert_eq!(phase(&err), TimeoutPhase::Attempt);
    assert!(err.to_string().contains("attempt timeout"), "{err}");
    assert!(
        started.elapsed() < Duration::from_millis(600),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn attempt_timeout_covers_a_slow_body() {
    let server = LoopbackServer::start();
    let mut reply = Reply::raw_json(200, "[");
    for _ in 0..5 {
        reply = reply.chunk(Duration::from_millis(150), "1,");
    }
    server.push(reply.chunk(Duration::from_millis(150), "1]"));
    let client = authorize(
        builder_for(&server)
            .attempt_timeout(Duration::from_millis(300))
            .max_attempts(1),
    );
    let started = std::time::Instant::now();
    let err = client
        .execute(ApiRequest::get("/me"))
        .await
        .expect_err("slow body");
    assert_eq!(phase(&err), TimeoutPhase::Attempt);
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_millis(300) && elapsed < Duration::from_millis(800),
        "{elapsed:?}"
    );
    assert_eq!(server.request_count(), 1);
}

#[tokio::test]
async fn attempt_timeout_can_be_set_per_request() {
    let server = LoopbackServer::start();
    server.push(Reply::ok().delay(Duration::from_millis(300)));
    server.push(Reply::ok().delay(Duration::from_millis(300)));
    let client = authorize(
        builder_for(&server)
            .attempt_timeout(Duration::from_millis(100))
            .max_attempts(1),
    );
    let longer = RequestOptions::new().attempt_timeout(Duration::from_secs(1));
    client
        .execute(ApiRequest::get("/me").options(longer))
        .await
        .expect("per-request timeout is longer");
    let err = client
        .execute(ApiRequest::get("/me"))
        .await
        .expect_err("client's 100 ms");
    assert_eq!(phase(&err), TimeoutPhase::Attempt);
}

#[tokio::test]
async fn total_deadline_is_a_typed_error_and_can_be_set_per_request() {
    let server = LoopbackServer::start();
    server.set_fallback(Reply::ok().delay(Duration::from_millis(400)));
    let client = authorize(builder_for(&server).total_timeout(Duration::from_millis(150)));
    let started = std::time::Instant::now();
    let err = client
        .execute(ApiRequest::get("/me"))
        .await
        .expect_err("too slow");
    assert_eq!(phase(&err), TimeoutPhase::Total);
    assert!(err.to_string().contains("total deadline"), "{err}");
    assert!(
        started.elapsed() < Duration::from_millis(380),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        server.request_count(),
        1,
        "the total deadline ends the call"
    );

    let longer = RequestOptions::new().total_timeout(Duration::from_secs(1));
    client
        .execute(ApiRequest::get("/me").options(longer))
        .await
        .expect("per-request total deadline is longer");
}

#[tokio::test(start_paused = true)]
async fn total_deadline_covers_all_attempts_and_backoffs() {
    let mock = MockTransport::new();
    mock.set_fallback(Reply::status(503).delay(Duration::from_secs(4)));
    let client = authorize(
        mock_builder(&mock)
            .attempt_timeout(Duration::from_secs(5))
            .total_timeout(Duration::from_secs(10))
            .max_attempts(10),
    );
    let started = Instant::now();
    let err = client
        .execute(ApiRequest::get("/x"))
        .await
        .expect_err("deadline");
    assert_eq!(phase(&err), TimeoutPhase::Total, "{err:?}");
    assert_eq!(
        started.elapsed(),
        Duration::from_secs(10),
        "exactly the total deadline"
    );
    assert_eq!(mock.request_count(), 3);
}

#[tokio::test(start_paused = true)]
async fn default_attempt_timeout_with_default_retries() {
    let mock = MockTransport::new();
    mock.set_fallback(Reply::ok().delay(Duration::from_secs(3600)));
    let client = mock_client(&mock);
    let started = Instant::now();
    let err = client
        .execute(ApiRequest::get("/x"))
        .await
        .expect_err("hangs");
    assert_eq!(phase(&err), TimeoutPhase::Attempt);
    assert_eq!(mock.request_count(), 3);
    let elapsed = started.elapsed();
    // Three 30 s attempts plus two backoffs of at most 0.5 s and 1 s.
    assert!(
        elapsed >= Duration::from_secs(90) && elapsed <= Duration::from_millis(91_502),
        "{elapsed:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_body_stalling_forever_hits_the_attempt_timeout() {
    let mock = MockTransport::new();
    mock.push(Reply::raw_json(200, "{\"a\":").chunk(Duration::from_secs(3600), "1}"));
    let client = authorize(mock_builder(&mock).max_attempts(1));
    let started = Instant::now();
    let err = client
        .execute(ApiRequest::get("/x"))
        .await
        .expect_err("stalls");
    assert_eq!(phase(&err), TimeoutPhase::Attempt);
    assert_eq!(started.elapsed(), Duration::from_secs(30));
}
