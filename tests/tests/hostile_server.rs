//! What a hostile or broken server sends never panics the client, and never leaves
//! it in a state where later calls fail.
//!
//! Each test here failed on the code before the fix (a panic, a wrapped page counter, or a
//! request that reached another endpoint than the one asked for).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use futures::TryStreamExt;
use http::{Method, StatusCode};
use intercom_sdk::resources::{companies, IntercomApi};
use intercom_sdk::Error;
use intercom_tests::{client_for, mock_client, LoopbackServer, MockTransport, Reply};
use intercom_transport::ApiRequest;

/// Resets a server may send that no clock can reach (finding 1).
const HOSTILE_RESETS: [u64; 3] = [u64::MAX - 1, i64::MAX as u64, u64::MAX];

fn status_of(result: Result<intercom_transport::RawResponse, Error>) -> Option<StatusCode> {
    match result {
        Ok(raw) => Some(raw.status),
        Err(e) => e.status(),
    }
}

/// `X-RateLimit-Remaining: 0` with a reset near `u64::MAX` panicked ("overflow when
/// adding duration to instant"), and since the limiter keeps the newest window, every later
/// call on the client and its clones panicked too.
#[tokio::test]
async fn an_unreachable_reset_neither_panics_nor_poisons_the_client() {
    for reset in HOSTILE_RESETS {
        let server = LoopbackServer::start();
        server.push(Reply::ok().rate_limit(10, 0, reset));
        server.push(Reply::status(429).rate_limit(10, 0, reset));
        server.push(Reply::ok());
        server.push(Reply::ok());
        let client = client_for(&server);
        let first = client.execute(ApiRequest::get("/me")).await;
        assert_eq!(status_of(first), Some(StatusCode::OK), "reset {reset}");
        // The 429 names a reset no deadline reaches: the client gives up at once with the
        // 429 rather than waiting (or adding the wait to an instant).
        let second = client.execute(ApiRequest::get("/me")).await;
        assert_eq!(
            status_of(second),
            Some(StatusCode::TOO_MANY_REQUESTS),
            "reset {reset}"
        );
        // And the client (and a clone) still works.
        for c in [client.clone(), client] {
            let later = c.execute(ApiRequest::get("/me")).await;
            assert_eq!(status_of(later), Some(StatusCode::OK), "reset {reset}");
        }
        assert_eq!(server.request_count(), 4);
    }
}

/// `Retry-After: 18446744073709551615` on a 503 or a 429 panicked at `now + delay`.
/// Such a wait passes every deadline, so the answer is returned after one attempt.
#[tokio::test]
async fn an_endless_retry_after_returns_the_answer_instead_of_panicking() {
    for status in [503, 429] {
        let server = LoopbackServer::start();
        server.push(Reply::status(status).header("retry-after", "18446744073709551615"));
        server.push(Reply::ok());
        let client = client_for(&server);
        let result = client.execute(ApiRequest::get("/me")).await;
        assert_eq!(status_of(result), StatusCode::from_u16(status).ok());
        assert_eq!(
            server.request_count(),
            1,
            "no retry for a wait past the deadline"
        );
        let next = client.execute(ApiRequest::get("/me")).await;
        assert_eq!(status_of(next), Some(StatusCode::OK));
    }
}

/// A total timeout no clock can reach is "no deadline", not a panic at `started + total`.
#[tokio::test]
async fn an_endless_total_timeout_is_not_a_panic() {
    let server = LoopbackServer::start();
    server.push(Reply::ok());
    let client = client_for(&server);
    let request = ApiRequest::get("/me").options(
        intercom_transport::RequestOptions::new()
            .total_timeout(Duration::MAX)
            .attempt_timeout(Duration::MAX),
    );
    assert_eq!(
        status_of(client.execute(request).await),
        Some(StatusCode::OK)
    );
}

/// `pages.page = i64::MAX` with a next page made `current + 1` overflow: a panic in
/// debug builds, a page loop that never ends in release. The stream now ends there.
#[tokio::test(start_paused = true)]
async fn a_page_number_at_i64_max_ends_the_stream() {
    let mock = MockTransport::new();
    let page = serde_json::json!({
        "type": "list",
        "data": [{"type": "company", "id": "1"}],
        "pages": {"type": "pages", "page": i64::MAX, "per_page": 1,
                  "next": {"page": 1, "starting_after": "WzFd"}},
    });
    mock.push(Reply::json(200, &page));
    mock.set_fallback(Reply::json(200, &page));
    let client = mock_client(&mock);
    let pages: Vec<_> = client
        .companies()
        .list_pages(&companies::ListParams::default())
        .try_collect()
        .await
        .expect("one page");
    assert_eq!(pages.len(), 1);
    assert_eq!(mock.request_count(), 1);
}

/// `.` and `..` went out verbatim, so a normalising proxy or server would turn
/// `DELETE /contacts/123/tags/..` into `DELETE /contacts/123`. An empty id would have sent
/// `GET /contacts/`, the list endpoint on many servers; it is refused before sending.
#[tokio::test(start_paused = true)]
async fn dot_segments_are_encoded_and_empty_ids_refused() {
    let mock = MockTransport::new();
    mock.set_fallback(Reply::json(
        200,
        &serde_json::json!({"type": "tag", "id": "1"}),
    ));
    let client = mock_client(&mock);
    let _ = client.contacts().get("..").await;
    let _ = client.tags().detach_from_contact("123", "..").await;
    let _ = client.tags().get(".").await;
    let sent: Vec<(Method, String)> = mock
        .requests()
        .into_iter()
        .map(|r| (r.method, r.uri.path().to_owned()))
        .collect();
    assert_eq!(
        sent,
        [
            (Method::GET, "/contacts/%2E%2E".to_owned()),
            (Method::DELETE, "/contacts/123/tags/%2E%2E".to_owned()),
            (Method::GET, "/tags/%2E".to_owned()),
        ]
    );

    let before = mock.request_count();
    for result in [
        client.contacts().get("").await.map(|_| ()),
        client.tags().detach_from_contact("", "1").await.map(|_| ()),
    ] {
        match result {
            Err(Error::InvalidRequest { reason }) => assert!(reason.contains("empty"), "{reason}"),
            other => panic!("expected InvalidRequest, got {other:?}"),
        }
    }
    assert_eq!(mock.request_count(), before, "nothing was sent");
}
