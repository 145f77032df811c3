//! Request values at the edges of their types: huge page numbers, cursors holding
//! `u64::MAX`, extreme timestamps and waits. Each gets an answer, never a dropped connection.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use common::{raw, RawResponse};
use intercom_sandbox::{InjectedFailure, Sandbox, SandboxHandle};
use serde_json::Value;

const U64_MAX: &str = "18446744073709551615";
const I64_MAX: i64 = i64::MAX;

/// A cursor in the sandbox's format, `[position, page]`, percent-encoded for a query string.
fn cursor(position: u64, page: u64) -> String {
    STANDARD
        .encode(format!("[{position},{page}]"))
        .replace('+', "%2B")
        .replace('/', "%2F")
        .replace('=', "%3D")
}

fn decode_cursor(cursor: &str) -> (u64, u64) {
    let bytes = STANDARD.decode(cursor).unwrap();
    let values: Vec<u64> = serde_json::from_slice(&bytes).unwrap();
    (values[0], values[1])
}

async fn get(sandbox: &SandboxHandle, target: &str) -> RawResponse {
    let auth = format!("Bearer {}", sandbox.access_token_plaintext());
    raw(sandbox, "GET", target, &[("Authorization", &auth)], "").await
}

async fn post(sandbox: &SandboxHandle, target: &str, body: &str) -> RawResponse {
    let auth = format!("Bearer {}", sandbox.access_token_plaintext());
    raw(
        sandbox,
        "POST",
        target,
        &[
            ("Authorization", &auth),
            ("Content-Type", "application/json"),
        ],
        body,
    )
    .await
}

/// The page number of a cursor is reported, not trusted: a forged `u64::MAX` saturates (the
/// next cursor keeps `u64::MAX`, `pages.page` is clamped to `i64::MAX`) instead of overflowing.
fn assert_saturated_page(response: &RawResponse) {
    assert_eq!(response.status, 200, "{}", response.body);
    let body = response.json();
    assert_eq!(body["pages"]["page"], I64_MAX);
    let next = body["pages"]["next"]["starting_after"].as_str().unwrap();
    assert_eq!(decode_cursor(next).1, u64::MAX);
}

#[tokio::test]
async fn contact_cursor_with_the_largest_page_number_saturates() {
    let sandbox = Sandbox::builder().contacts(5).start().await.unwrap();
    // Before the fix: `page + 1` overflowed and the connection was dropped unanswered.
    let response = get(
        &sandbox,
        &format!(
            "/contacts?per_page=1&starting_after={}",
            cursor(0, u64::MAX)
        ),
    )
    .await;
    assert_saturated_page(&response);
    assert_eq!(response.json()["data"].as_array().unwrap().len(), 1);

    // A position past every contact gives an empty last page.
    let response = get(
        &sandbox,
        &format!(
            "/contacts?per_page=1&starting_after={}",
            cursor(u64::MAX, u64::MAX)
        ),
    )
    .await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(response.json()["data"], Value::Array(Vec::new()));
}

#[tokio::test]
async fn conversation_cursor_with_the_largest_page_number_saturates() {
    let sandbox = Sandbox::builder()
        .contacts(5)
        .conversations(5)
        .start()
        .await
        .unwrap();
    let response = get(
        &sandbox,
        &format!(
            "/conversations?per_page=1&starting_after={}",
            cursor(0, u64::MAX)
        ),
    )
    .await;
    assert_saturated_page(&response);
    assert_eq!(
        response.json()["conversations"].as_array().unwrap().len(),
        1
    );
}

#[tokio::test]
async fn search_cursor_with_the_largest_page_number_or_offset_is_answered() {
    let sandbox = Sandbox::builder().contacts(5).start().await.unwrap();
    let query = r#"{"field":"created_at","operator":">","value":0}"#;
    let raw_cursor = STANDARD.encode(format!("[0,{U64_MAX}]"));
    let response = post(
        &sandbox,
        "/contacts/search",
        &format!(
            r#"{{"query":{query},"pagination":{{"per_page":1,"starting_after":"{raw_cursor}"}}}}"#
        ),
    )
    .await;
    assert_saturated_page(&response);

    let raw_cursor = STANDARD.encode(format!("[{U64_MAX},1]"));
    let response = post(
        &sandbox,
        "/contacts/search",
        &format!(r#"{{"query":{query},"pagination":{{"per_page":{U64_MAX},"starting_after":"{raw_cursor}"}}}}"#),
    )
    .await;
    assert_eq!(response.status, 200, "{}", response.body);
    let body = response.json();
    assert_eq!(body["data"], Value::Array(Vec::new()));
    assert_eq!(body["total_count"], 5);
    assert!(body["pages"].get("next").is_none());
}

#[tokio::test]
async fn huge_page_numbers_and_per_page_give_empty_pages() {
    let sandbox = Sandbox::builder()
        .contacts(3)
        .companies(4)
        .start()
        .await
        .unwrap();
    let contact = sandbox.contact_ids().remove(0);
    for page in ["9223372036854775807", "9223372036854775808", U64_MAX] {
        for target in [
            format!("/companies?page={page}&per_page={U64_MAX}"),
            format!("/companies?page={page}"),
            format!("/contacts/{contact}/notes?page={page}&per_page={U64_MAX}"),
        ] {
            let response = get(&sandbox, &target).await;
            assert_eq!(response.status, 200, "{target}: {}", response.body);
            let body = response.json();
            assert_eq!(body["data"], Value::Array(Vec::new()), "{target}");
            assert_eq!(body["pages"]["page"], I64_MAX, "{target}");
            assert!(body["pages"].get("next").is_none(), "{target}");
        }
        let response = post(
            &sandbox,
            &format!("/companies/list?page={page}&per_page={U64_MAX}"),
            "",
        )
        .await;
        assert_eq!(response.status, 200, "{}", response.body);
        assert_eq!(response.json()["data"], Value::Array(Vec::new()));
    }

    // Beyond u64 it is not a number the sandbox can page to: an Intercom-shaped 400.
    let response = get(&sandbox, "/companies?page=18446744073709551616").await;
    assert_eq!(response.status, 400, "{}", response.body);
    assert_eq!(response.json()["type"], "error.list");
    assert_eq!(response.json()["errors"][0]["field"], "page");
}

#[tokio::test]
async fn events_at_the_ends_of_time_are_summarised() {
    let sandbox = Sandbox::builder().contacts(2).start().await.unwrap();
    let contact = sandbox.contact_ids().remove(0);
    for created_at in [i64::MAX.to_string(), i64::MIN.to_string(), "1e300".into()] {
        let response = post(
            &sandbox,
            "/events",
            &format!(r#"{{"event_name":"edge","id":"{contact}","created_at":{created_at}}}"#),
        )
        .await;
        assert_eq!(response.status, 202, "{}", response.body);
    }
    let response = get(
        &sandbox,
        &format!("/events?type=user&intercom_user_id={contact}"),
    )
    .await;
    assert_eq!(response.status, 200, "{}", response.body);
    let events = response.json()["events"].clone();
    assert_eq!(
        events[0]["count"], 2,
        "1e300 saturates to i64::MAX: a duplicate"
    );
    assert!(events[0]["first"].as_str().unwrap().starts_with("-"));
}

#[tokio::test]
async fn injected_failure_with_an_endless_retry_after_saturates() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    sandbox
        .faults()
        .fail_next_with(1, InjectedFailure::status(503).retry_after(Duration::MAX));
    // Before the fix: rounding `Duration::MAX` up to whole seconds overflowed.
    let response = get(&sandbox, "/me").await;
    assert_eq!(response.status, 503, "{}", response.body);
    assert_eq!(response.header("retry-after"), Some(U64_MAX));
}

#[tokio::test]
async fn the_longest_rate_limit_window_still_answers() {
    let sandbox = Sandbox::builder()
        .rate_limit_window(Duration::MAX)
        .start()
        .await
        .unwrap();
    let response = get(&sandbox, "/me").await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert!(response.header("x-ratelimit-reset").is_some());
}
