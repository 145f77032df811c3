//! The operation builders (`Call`) against the sandbox: `.with_response()` carries status,
//! request id and rate-limit snapshot; setters' query parameters and per-call options reach
//! the wire; the builder's page stream walks every page.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use futures::TryStreamExt;
use http::StatusCode;
use intercom_sandbox::Sandbox;
use intercom_sdk::resources::IntercomApi;
use intercom_sdk::{Client, Private};

async fn start(contacts: usize) -> (intercom_sandbox::SandboxHandle, Client<Private>) {
    let sandbox = Sandbox::builder().contacts(contacts).start().await.unwrap();
    let client = Client::builder()
        .base_url(sandbox.base_url())
        .allow_insecure_loopback(true)
        .build()
        .unwrap()
        .with_access_token(sandbox.access_token());
    (sandbox, client)
}

#[tokio::test]
async fn with_response_gives_status_request_id_and_rate_limit() {
    let (sandbox, client) = start(3).await;
    let id = sandbox.contact_ids().remove(0);
    let response = client
        .contacts()
        .get(&id)
        .total_timeout(Duration::from_secs(10))
        .with_response()
        .await
        .unwrap();
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.value.id.as_deref(), Some(id.as_str()));
    let request_id = response
        .request_id()
        .expect("the sandbox sends X-Request-Id");
    assert!(!request_id.is_empty());
    let rate = response
        .rate_limit()
        .expect("the sandbox sends X-RateLimit-*");
    assert!(rate.remaining < rate.limit, "{rate:?}");
    // The plain `.await` decodes the same contact.
    let plain = client.contacts().get(&id).await.unwrap();
    assert_eq!(plain.id, response.value.id);
}

#[tokio::test]
async fn setters_put_their_query_parameters_on_the_wire() {
    let (sandbox, client) = start(3).await;
    let id = sandbox.contact_ids().remove(0);
    sandbox.clear_requests();
    client
        .contacts()
        .get(&id)
        .include_merge_history(true)
        .await
        .unwrap();
    client.contacts().get(&id).await.unwrap();
    let seen = sandbox.requests();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!(seen[0].path, format!("/contacts/{id}"));
    assert_eq!(seen[0].query.as_deref(), Some("include_merge_history=true"));
    assert_eq!(
        seen[1].query, None,
        "no setter, no query: {:?}",
        seen[1].query
    );
}

#[tokio::test]
async fn per_call_headers_and_handle_options_both_arrive() {
    let (sandbox, client) = start(1).await;
    let id = sandbox.contact_ids().remove(0);
    sandbox.clear_requests();
    let handle = client
        .contacts()
        .with_options(intercom_sdk::RequestOptions::new().header(
            http::HeaderName::from_static("x-from-handle"),
            http::HeaderValue::from_static("h"),
        ));
    handle
        .get(&id)
        .header(
            http::HeaderName::from_static("x-from-call"),
            http::HeaderValue::from_static("c"),
        )
        .await
        .unwrap();
    let seen = sandbox.requests();
    assert_eq!(seen[0].header("x-from-handle"), Some("h"));
    assert_eq!(seen[0].header("x-from-call"), Some("c"));
}

#[tokio::test]
async fn the_builders_page_stream_walks_every_page() {
    let (sandbox, client) = start(23).await;
    let ids: Vec<_> = client
        .contacts()
        .list()
        .per_page(10)
        .all()
        .map_ok(|c| c.id.unwrap_or_default())
        .try_collect()
        .await
        .unwrap();
    let mut expected = sandbox.contact_ids();
    let mut got = ids.clone();
    expected.sort();
    got.sort();
    assert_eq!(got, expected);
    let pages = sandbox
        .requests()
        .iter()
        .filter(|r| r.path == "/contacts")
        .count();
    assert_eq!(pages, 3, "23 contacts at 10 per page");
}
