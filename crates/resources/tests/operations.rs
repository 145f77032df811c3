//! Generated operations and streams on the wire, through a scripted in-memory transport:
//! paths, query strings, bodies, headers, pagination stop conditions and non-JSON responses.
#![cfg(feature = "full")]

use std::sync::Arc;

use bytes::Bytes;
use futures::TryStreamExt;
use http::{Request, StatusCode};
use intercom_auth_types::{AccessToken, Private};
use intercom_resources::models::{SearchRequest, StartingAfterPaging};
use intercom_resources::search::{ConversationField, Query};
use intercom_resources::{articles, companies, contacts, IntercomApi};
use intercom_test::{MockTransport, Reply};
use intercom_transport::{Client, IntercomVersion, RequestOptions};
use serde_json::{json, Value};

/// The scripted in-memory transport: `intercom-test`'s `MockTransport`, answering queued
/// replies in order and `404 {}` once they run out.
type Script = MockTransport;

/// The two ways these tests script an answer, and the requests as `http::Request`s.
trait Scripted {
    fn json(&self, value: Value) -> &Self;
    fn raw(&self, status: StatusCode, headers: Vec<(&'static str, String)>, body: &'static [u8]);
    fn seen(&self) -> Vec<Request<Bytes>>;
}

impl Scripted for MockTransport {
    fn json(&self, value: Value) -> &Self {
        self.push(Reply::json(200, &value))
    }

    fn raw(&self, status: StatusCode, headers: Vec<(&'static str, String)>, body: &'static [u8]) {
        let mut reply = Reply::status(status.as_u16()).body(Bytes::from_static(body));
        for (name, value) in headers {
            reply = reply.header(name, &value);
        }
        self.push(reply);
    }

    fn seen(&self) -> Vec<Request<Bytes>> {
        self.requests()
            .into_iter()
            .map(|r| {
                let mut request = Request::new(r.body);
                *request.method_mut() = r.method;
                *request.uri_mut() = r.uri;
                *request.headers_mut() = r.headers;
                request
            })
            .collect()
    }
}

fn setup() -> (Arc<Script>, Client<Private>) {
    let script = MockTransport::new();
    script.set_fallback(Reply::status(404).body("{}"));
    let client = Client::builder()
        .base_url("https://api.example.test")
        .transport(script.clone())
        .build()
        .expect("valid config")
        .with_access_token(AccessToken::new("dG9rOnRlc3Q=").expect("valid token"));
    (script, client)
}

fn query(req: &Request<Bytes>) -> Vec<(String, String)> {
    url::form_urlencoded::parse(req.uri().query().unwrap_or_default().as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn body(req: &Request<Bytes>) -> Value {
    serde_json::from_slice(req.body()).expect("JSON body")
}

#[tokio::test]
async fn cursor_stream_follows_starting_after_keeps_per_page_and_stops_without_next() {
    let (script, client) = setup();
    script
        .json(json!({"type": "list", "data": [{"type": "contact", "id": "1"}, {"type": "contact", "id": 2}],
            "pages": {"type": "pages", "page": 1, "per_page": "2", "total_pages": 2,
                      "next": {"page": 2, "starting_after": "c1"}}}))
        .json(json!({"type": "list", "data": [{"type": "contact", "id": "3"}],
            "pages": {"type": "pages", "page": 2, "per_page": 2, "total_pages": 2, "next": null}}));
    let params = contacts::ListParams {
        per_page: Some(2),
        ..Default::default()
    };
    let ids: Vec<Option<String>> = client
        .contacts()
        .list_all(&params)
        .map_ok(|c| c.id)
        .try_collect()
        .await
        .expect("all pages");
    assert_eq!(
        ids,
        vec![Some("1".into()), Some("2".into()), Some("3".into())]
    );
    let seen = script.seen();
    assert_eq!(seen.len(), 2, "no request after the last page");
    assert_eq!(seen[0].uri().path(), "/contacts");
    assert_eq!(query(&seen[0]), vec![("per_page".into(), "2".into())]);
    assert_eq!(
        query(&seen[1]),
        vec![
            ("per_page".into(), "2".into()),
            ("starting_after".into(), "c1".into())
        ]
    );
}

#[tokio::test]
async fn search_stream_puts_the_cursor_in_the_body() {
    let (script, client) = setup();
    script
        .json(json!({"type": "conversation.list", "conversations": [{"id": "10"}],
            "pages": {"type": "pages", "next": {"starting_after": "WzE3MDk2NTMxODUwMDAsMTkwLDJd"}}}))
        .json(json!({"type": "conversation.list", "conversations": [{"id": "11"}],
            "pages": {"type": "pages"}}));
    let query = Query::and([
        Query::eq(ConversationField::State, "open"),
        Query::gt(ConversationField::CreatedAt, "1306054154"),
    ])
    .build()
    .expect("valid query");
    let request =
        SearchRequest::new(query).with_pagination(StartingAfterPaging::new().with_per_page(5));
    let found: Vec<_> = client
        .conversations()
        .search_all(&request, &Default::default())
        .try_collect()
        .await
        .expect("all pages");
    assert_eq!(found.len(), 2);
    let seen = script.seen();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].method(), http::Method::POST);
    assert_eq!(seen[0].uri().path(), "/conversations/search");
    let first = body(&seen[0]);
    assert_eq!(first["query"]["operator"], "AND");
    assert_eq!(
        first["query"]["value"][1],
        json!({"field": "created_at", "operator": ">", "value": "1306054154"})
    );
    assert_eq!(first["pagination"], json!({"per_page": 5}));
    let second = body(&seen[1]);
    assert_eq!(
        second["pagination"],
        json!({"per_page": 5, "starting_after": "WzE3MDk2NTMxODUwMDAsMTkwLDJd"})
    );
}

#[tokio::test]
async fn numbered_pages_stop_at_total_pages() {
    let (script, client) = setup();
    script
        .json(
            json!({"type": "list", "data": [{"id": "1"}], "total_count": 2,
            "pages": {"type": "pages", "page": 1, "per_page": 1, "total_pages": 2, "next": null}}),
        )
        .json(
            json!({"type": "list", "data": [{"id": "2"}], "total_count": 2,
            "pages": {"type": "pages", "page": 2, "per_page": 1, "total_pages": 2, "next": null}}),
        );
    let params = articles::ListParams {
        per_page: Some(1),
        ..Default::default()
    };
    let items: Vec<_> = client
        .articles()
        .list_all(&params)
        .try_collect()
        .await
        .expect("all pages");
    assert_eq!(items.len(), 2);
    let seen = script.seen();
    assert_eq!(seen.len(), 2);
    assert_eq!(
        query(&seen[1]),
        vec![("page".into(), "2".into()), ("per_page".into(), "1".into())]
    );
}

#[tokio::test]
async fn numbered_pages_with_top_level_counters() {
    let (script, client) = setup();
    script.json(
        json!({"type": "list", "data": [{"id": "a1"}], "page": 1, "per_page": 50,
        "total_pages": 1, "total_count": 1}),
    );
    let pages: Vec<_> = client
        .audiences()
        .list_pages(&Default::default())
        .try_collect()
        .await
        .expect("one page");
    assert_eq!(pages.len(), 1);
    assert_eq!(script.seen().len(), 1);
}

#[tokio::test]
async fn scroll_stops_at_an_empty_page_without_yielding_it() {
    let (script, client) = setup();
    script
        .json(
            json!({"type": "list", "data": [{"type": "company", "id": "c1"}], "scroll_param": "s-1",
            "pages": null, "total_count": null}),
        )
        .json(json!({"type": "list", "data": [], "scroll_param": "s-1"}));
    let pages: Vec<_> = client
        .companies()
        .scroll_pages(&companies::ScrollParams::default())
        .try_collect()
        .await
        .expect("scroll");
    assert_eq!(pages.len(), 1);
    let seen = script.seen();
    assert_eq!(seen.len(), 2);
    assert_eq!(query(&seen[1]), vec![("scroll_param".into(), "s-1".into())]);
}

#[tokio::test]
async fn stream_stops_after_an_error() {
    let (script, client) = setup();
    script.raw(
        StatusCode::BAD_REQUEST,
        vec![("content-type", "application/json".into())],
        br#"{"type":"error.list","errors":[{"code":"client_error","message":"Invalid starting_after"}]}"#,
    );
    let results: Vec<_> =
        futures::StreamExt::collect::<Vec<_>>(client.macros().list_all(&Default::default())).await;
    assert_eq!(results.len(), 1);
    assert!(results[0].is_err());
    assert_eq!(script.seen().len(), 1);
}

#[tokio::test]
async fn path_segments_are_percent_encoded_and_options_apply() {
    let (script, client) = setup();
    script.json(json!({"type": "contact", "id": "a/b c", "role": "visitor-of-the-future"}));
    let options = RequestOptions::new()
        .intercom_version(IntercomVersion::new("2.15").expect("valid version"));
    let contact = client
        .contacts()
        .with_options(options)
        .get("a/b c")
        .await
        .expect("decodes");
    assert_eq!(contact.id.as_deref(), Some("a/b c"));
    let seen = script.seen();
    assert_eq!(seen[0].uri().path(), "/contacts/a%2Fb%20c");
    assert_eq!(seen[0].headers()["intercom-version"], "2.15");
}

#[tokio::test]
async fn integer_path_parameters_accept_strings_and_numbers() {
    let (script, client) = setup();
    script.json(json!({"type": "admin", "id": "991267459"}));
    script.json(json!({"type": "admin", "id": 991267460}));
    let a = client.admins().get("991267459").await.expect("decodes");
    let b = client.admins().get(991_267_460).await.expect("decodes");
    assert_eq!(a.id.as_deref(), Some("991267459"));
    assert_eq!(b.id.as_deref(), Some("991267460"));
    let seen = script.seen();
    assert_eq!(seen[1].uri().path(), "/admins/991267460");
}

#[tokio::test]
async fn recording_returns_the_redirect_without_following_it() {
    let (script, client) = setup();
    script.raw(
        StatusCode::FOUND,
        vec![("location", "https://recordings.example.com/r/1.mp3".into())],
        b"",
    );
    let redirect = client.calls().get_recording("42").await.expect("redirect");
    assert_eq!(redirect.status, StatusCode::FOUND);
    assert_eq!(
        redirect.location.as_deref(),
        Some("https://recordings.example.com/r/1.mp3")
    );
    assert_eq!(script.seen().len(), 1);
}

#[tokio::test]
async fn transcript_is_text_and_downloads_are_bytes() {
    let (script, client) = setup();
    script.raw(
        StatusCode::OK,
        vec![("content-type", "text/plain".into())],
        b"Agent: hi\nCaller: hello",
    );
    script.raw(
        StatusCode::OK,
        vec![("content-type", "application/octet-stream".into())],
        b"\x1f\x8b\x08",
    );
    script.raw(
        StatusCode::OK,
        vec![("content-type", "application/octet-stream".into())],
        b"csv",
    );
    let text = client.calls().get_transcript("42").await.expect("text");
    assert_eq!(text, "Agent: hi\nCaller: hello");
    let bytes = client.data_export().download("job 1").await.expect("bytes");
    assert_eq!(&bytes[..], b"\x1f\x8b\x08");
    let report = client
        .reporting_data_export()
        .download("job-2", "app")
        .await
        .expect("bytes");
    assert_eq!(&report[..], b"csv");
    let seen = script.seen();
    assert_eq!(seen[0].headers()["accept"], "text/plain");
    assert_eq!(seen[1].headers()["accept"], "application/octet-stream");
    assert_eq!(seen[1].uri().path(), "/download/content/data/job%201");
    // The spec declares `job_identifier` both in the path and the query: one argument, both places.
    assert_eq!(seen[2].uri().path(), "/download/reporting_data/job-2");
    assert!(query(&seen[2]).contains(&("job_identifier".into(), "job-2".into())));
}

#[tokio::test]
async fn unit_responses_accept_empty_bodies() {
    let (script, client) = setup();
    script.raw(StatusCode::NO_CONTENT, Vec::new(), b"");
    client.audiences().delete("7").await.expect("204");
    assert_eq!(script.seen()[0].method(), http::Method::DELETE);
}
