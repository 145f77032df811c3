//! Response bodies are read under a size cap; over the cap is a typed error and
//! memory stays bounded.

use std::time::Duration;

use http::StatusCode;
use intercom_tests::{
    authorize, builder_for, client_for, mock_builder, LoopbackServer, MockTransport, Reply,
};
use intercom_transport::{ApiRequest, Error, RequestOptions, DEFAULT_MAX_BODY_BYTES};

const CAP: usize = 64 * 1024;

fn too_large(err: &Error) -> (usize, StatusCode) {
    match err {
        Error::BodyTooLarge { limit, status } => (*limit, *status),
        other => panic!("expected BodyTooLarge, got {other:?}"),
    }
}

#[test]
fn default_cap_is_16_mib() {
    assert_eq!(DEFAULT_MAX_BODY_BYTES, 16 * 1024 * 1024);
}

#[tokio::test]
async fn declared_content_length_over_the_cap_is_refused() {
    let server = LoopbackServer::start();
    server.push(Reply::status(200).body(vec![b'a'; CAP + 1]));
    let client = authorize(builder_for(&server).max_body_bytes(CAP));
    let err = client
        .execute(ApiRequest::get("/big"))
        .await
        .expect_err("too large");
    assert_eq!(too_large(&err), (CAP, StatusCode::OK));
    assert_eq!(err.status(), Some(StatusCode::OK));
    assert!(err.to_string().contains(&CAP.to_string()), "{err}");
    assert_eq!(server.request_count(), 1, "not retried");
}

#[tokio::test]
async fn chunked_body_over_the_cap_is_refused() {
    let server = LoopbackServer::start();
    let mut reply = Reply::status(200);
    for _ in 0..8 {
        reply = reply.chunk(Duration::ZERO, vec![b'a'; 16 * 1024]);
    }
    server.push(reply);
    let client = authorize(builder_for(&server).max_body_bytes(CAP));
    let err = client
        .execute(ApiRequest::get("/big"))
        .await
        .expect_err("too large");
    assert_eq!(too_large(&err), (CAP, StatusCode::OK));
}

#[tokio::test]
async fn an_endless_body_stops_at_the_cap() {
    let server = LoopbackServer::start();
    server.push(Reply::status(200).endless(8 * 1024, Duration::ZERO));
    let client = authorize(builder_for(&server).max_body_bytes(CAP));
    let started = std::time::Instant::now();
    let err = client
        .execute(ApiRequest::get("/stream"))
        .await
        .expect_err("too large");
    assert_eq!(too_large(&err), (CAP, StatusCode::OK));
    assert!(started.elapsed() < Duration::from_secs(1));
    // The connection is still usable for the next call (a fresh one is opened if needed).
    server.push(Reply::ok());
    client
        .execute(ApiRequest::get("/after"))
        .await
        .expect("next call works");
}

#[tokio::test]
async fn a_body_exactly_at_the_cap_is_accepted() {
    let server = LoopbackServer::start();
    server.push(Reply::status(200).body(vec![b'a'; CAP]));
    let mut chunked = Reply::status(200);
    for _ in 0..4 {
        chunked = chunked.chunk(Duration::ZERO, vec![b'b'; CAP / 4]);
    }
    server.push(chunked);
    let client = authorize(builder_for(&server).max_body_bytes(CAP));
    let full = client
        .execute(ApiRequest::get("/a"))
        .await
        .expect("at the cap");
    assert_eq!(full.body.len(), CAP);
    let chunked = client
        .execute(ApiRequest::get("/b"))
        .await
        .expect("at the cap");
    assert_eq!(chunked.body.len(), CAP);
    assert!(chunked.body.iter().all(|&b| b == b'b'));
}

#[tokio::test]
async fn a_body_in_many_frames_arrives_whole_and_in_order() {
    let server = LoopbackServer::start();
    let mut chunked = Reply::status(200);
    for part in ["{\"a\":", "[1,", "2,3]", "}"] {
        // A delay between chunks makes them separate frames on the client side.
        chunked = chunked.chunk(Duration::from_millis(5), part.as_bytes().to_vec());
    }
    server.push(chunked);
    let client = client_for(&server);
    let raw = client
        .execute(ApiRequest::get("/frames"))
        .await
        .expect("200");
    assert_eq!(&raw.body[..], b"{\"a\":[1,2,3]}");
}

#[tokio::test]
async fn the_cap_can_be_set_per_request() {
    let server = LoopbackServer::start();
    server.set_fallback(Reply::status(200).body(vec![b'a'; 2 * CAP]));
    let client = authorize(builder_for(&server).max_body_bytes(CAP));
    let larger = RequestOptions::new().max_body_bytes(4 * CAP);
    let ok = client
        .execute(ApiRequest::get("/a").options(larger))
        .await
        .expect("raised per request");
    assert_eq!(ok.body.len(), 2 * CAP);
    let smaller = RequestOptions::new().max_body_bytes(1024);
    let err = authorize(builder_for(&server))
        .execute(ApiRequest::get("/a").options(smaller))
        .await
        .expect_err("lowered per request");
    assert_eq!(too_large(&err).0, 1024);
}

#[tokio::test]
async fn error_bodies_are_capped_too() {
    let server = LoopbackServer::start();
    server.set_fallback(Reply::status(500).body(vec![b'e'; 2 * CAP]));
    let client = authorize(builder_for(&server).max_body_bytes(CAP));
    let err = client
        .execute(ApiRequest::get("/a"))
        .await
        .expect_err("too large");
    assert_eq!(too_large(&err), (CAP, StatusCode::INTERNAL_SERVER_ERROR));
}

#[tokio::test(start_paused = true)]
async fn a_custom_transport_body_is_capped_too() {
    let mock = MockTransport::new();
    mock.push(Reply::status(200).endless(4096, Duration::from_millis(1)));
    let client = authorize(mock_builder(&mock).max_body_bytes(CAP));
    let err = client
        .execute(ApiRequest::get("/a"))
        .await
        .expect_err("too large");
    assert_eq!(too_large(&err), (CAP, StatusCode::OK));
    // A lying Content-Length is checked before reading anything.
    mock.push(Reply::status(200).content_length(u64::MAX).body("tiny"));
    let err = client
        .execute(ApiRequest::get("/b"))
        .await
        .expect_err("declared too large");
    assert_eq!(too_large(&err), (CAP, StatusCode::OK));
}

/// A HEAD answer declares the length of the body a GET would get, but has no body; the cap
/// must not refuse it.
#[tokio::test]
async fn a_head_response_declaring_a_large_length_is_not_too_large() {
    let server = LoopbackServer::start();
    // hyper's server keeps the Content-Length of the body and sends no body for HEAD.
    server.push(Reply::status(200).body(vec![b'a'; 2 * CAP]));
    let client = authorize(builder_for(&server).max_body_bytes(CAP));
    let response = client
        .execute(ApiRequest::new(
            http::Method::HEAD,
            "/download/content/data/{job}",
        ))
        .await
        .expect("a HEAD answer has no body to cap");
    assert_eq!(response.status, StatusCode::OK);
    assert!(response.body.is_empty());
    assert_eq!(
        response.headers.get("content-length").map(|v| v.as_bytes()),
        Some((2 * CAP).to_string().as_bytes())
    );
}
