//! Test support for intercom-rs's cross-crate integration tests.
//!
//! * [`LoopbackServer`]: a hostile HTTP/1.1 server on 127.0.0.1, scripted per request with
//!   [`Reply`]s (status, headers, body, delay before the headers, slow chunked bodies,
//!   connection close or reset mid-body, truncated or invalid JSON, endless bodies,
//!   redirects), recording every request it receives (method, target, headers, body,
//!   connection).
//! * [`MockTransport`] (from the published `intercom-test` crate): an in-memory
//!   [`Transport`](intercom_transport::Transport) answering expectations and the same
//!   [`Reply`]s on the tokio clock, for paused-clock tests of long waits.
//! * [`LogCapture`]: TRACE-level `tracing` output captured into a buffer.
//! * Client helpers: [`client_for`], [`builder_for`], [`mock_client`], [`authorize`].
//!
//! Real-socket tests use real (short) timeouts; paused-clock tests use [`MockTransport`].
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod logs;
mod server;

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use intercom_auth_types::{AccessToken, Private};
use intercom_transport::{Client, ClientBuilder, RetryConfig, Timeouts};

pub use intercom_test::{
    BodyEnd, Expect, MockRequest, MockStep, MockTransport, Reply, ReplyBody, ReplyKind,
};
pub use logs::{CaptureGuard, LogCapture};
pub use server::{closed_port_url, BlackholeListener, LoopbackServer, RecordedRequest};

/// The token every test client sends. Distinctive, so a leak is easy to grep for.
pub const TEST_TOKEN: &str = "test-token-Sup3rS3cretValue_0123456789abcdef";

/// The base URL of clients built on a [`MockTransport`] (never resolved).
pub const MOCK_BASE_URL: &str = "https://api.intercom.test";

/// Retries with tiny backoffs (5 ms doubling to at most 20 ms), 3 attempts, for real-socket
/// tests that must stay fast.
pub fn fast_retry() -> RetryConfig {
    let mut retry = RetryConfig::default();
    retry.initial_backoff = Duration::from_millis(5);
    retry.max_backoff = Duration::from_millis(20);
    retry
}

/// Short real deadlines for real-socket tests: connect 500 ms, attempt 1 s, total 2 s.
pub fn short_timeouts() -> Timeouts {
    let mut timeouts = Timeouts::default();
    timeouts.connect = Duration::from_millis(500);
    timeouts.attempt = Duration::from_secs(1);
    timeouts.total = Duration::from_secs(2);
    timeouts
}

/// A builder pointed at `url` (loopback http allowed), jitter seeded with 1,
/// [`fast_retry`] and [`short_timeouts`].
pub fn builder_for_url(url: &str) -> ClientBuilder {
    Client::builder()
        .base_url(url)
        .allow_insecure_loopback(true)
        .jitter_seed(1)
        .retry(fast_retry())
        .timeouts(short_timeouts())
}

/// [`builder_for_url`] for `server`.
pub fn builder_for(server: &LoopbackServer) -> ClientBuilder {
    builder_for_url(&server.url())
}

/// Builds `builder` and attaches [`TEST_TOKEN`].
pub fn authorize(builder: ClientBuilder) -> Client<Private> {
    builder
        .build()
        .expect("a valid client configuration")
        .with_access_token(AccessToken::new(TEST_TOKEN).expect("a valid token"))
}

/// A `Client<Private>` for `server` with the settings of [`builder_for`].
pub fn client_for(server: &LoopbackServer) -> Client<Private> {
    authorize(builder_for(server))
}

/// A builder over `transport` with base URL [`MOCK_BASE_URL`], jitter seeded with 1 and
/// default retries and timeouts (meant for paused-clock tests).
pub fn mock_builder(transport: &Arc<MockTransport>) -> ClientBuilder {
    let transport: Arc<dyn intercom_transport::Transport> = transport.clone();
    Client::builder()
        .base_url(MOCK_BASE_URL)
        .jitter_seed(1)
        .transport(transport)
}

/// A `Client<Private>` over `transport` with the settings of [`mock_builder`].
pub fn mock_client(transport: &Arc<MockTransport>) -> Client<Private> {
    authorize(mock_builder(transport))
}

/// The wall clock as Unix seconds (what `X-RateLimit-Reset` is measured in).
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("the clock is after 1970")
        .as_secs()
}

/// Asserts that no rendering of `value` (Display, Debug, alternate Debug, and the Display of
/// every `source()` in its chain) contains [`TEST_TOKEN`] or a long part of it.
pub fn assert_no_token(error: &(dyn std::error::Error + 'static)) {
    let mut texts = vec![
        error.to_string(),
        format!("{error:?}"),
        format!("{error:#?}"),
    ];
    let mut source = error.source();
    while let Some(e) = source {
        texts.push(e.to_string());
        texts.push(format!("{e:?}"));
        source = e.source();
    }
    for text in texts {
        assert_text_has_no_token(&text);
    }
}

/// Asserts that `text` holds neither [`TEST_TOKEN`] nor any 12-byte window of it.
pub fn assert_text_has_no_token(text: &str) {
    assert!(!text.contains(TEST_TOKEN), "the token leaked into: {text}");
    let secret = &TEST_TOKEN["test-token-".len()..];
    for window in secret.as_bytes().windows(12) {
        let part = std::str::from_utf8(window).expect("ASCII");
        assert!(
            !text.contains(part),
            "part of the token ({part}) leaked into: {text}"
        );
    }
}
