//! Criterion micro-benchmarks of the SDK's CPU work (no network).
//!
//! `cargo bench -p intercom-bench --bench micro` (or `cargo xtask bench`, which prints a table).
#![allow(missing_docs)]

use std::future::IntoFuture;
use std::hint::black_box;
use std::sync::Arc;

use bytes::Bytes;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use http::{HeaderValue, Method, StatusCode};
use intercom_auth_types::{AccessToken, Private};
use intercom_bench::clients::TOKEN;
use intercom_bench::fixture::{self, ContactTemplate};
use intercom_resources::models::{ContactList, ContactResponse};
use intercom_resources::IntercomApi as _;
use intercom_transport::{
    ApiRequest, Body, Client, Error, RequestOptions, Transport, TransportError,
};

/// Answers every request with one canned status and body, in memory.
#[derive(Debug)]
struct Canned {
    status: StatusCode,
    body: Bytes,
}

#[async_trait::async_trait]
impl Transport for Canned {
    async fn send(
        &self,
        _request: http::Request<Bytes>,
    ) -> Result<http::Response<Body>, TransportError> {
        let mut response = http::Response::new(Body::from_bytes(self.body.clone()));
        *response.status_mut() = self.status;
        let h = response.headers_mut();
        h.insert("content-type", HeaderValue::from_static("application/json"));
        h.insert("x-ratelimit-limit", HeaderValue::from_static("1000000000"));
        h.insert(
            "x-ratelimit-remaining",
            HeaderValue::from_static("999999999"),
        );
        h.insert("x-ratelimit-reset", HeaderValue::from_static("4102444800"));
        h.insert(
            "x-request-id",
            HeaderValue::from_static("000f4ioa7rrr8b6f2c4g"),
        );
        Ok(response)
    }
}

fn canned_client(status: StatusCode, body: Bytes) -> Client<Private> {
    Client::builder()
        .transport(Arc::new(Canned { status, body }))
        .max_attempts(1)
        .build()
        .expect("a client")
        .with_access_token(AccessToken::new(TOKEN).expect("a valid token"))
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
}

fn token(c: &mut Criterion) {
    c.bench_function("token: AccessToken::new + authorization header", |b| {
        b.iter(|| {
            let token = AccessToken::new(black_box(TOKEN)).expect("a valid token");
            black_box(token.authorization());
        })
    });
}

fn request_building(c: &mut Criterion) {
    let options = RequestOptions::default();
    c.bench_function("request: build GET /contacts/{id} (as generated)", |b| {
        b.iter(|| {
            let id = black_box("6657add46abd0167d9419cd1");
            let request = ApiRequest::new(Method::GET, "/contacts/{contact_id}")
                .path_params(&[id])
                .query_opt("include_merge_history", None::<&bool>)
                .options(options.clone());
            black_box(request.path_and_query());
            black_box(request);
        })
    });

    // The whole pipeline (build, headers, limiter, timeout, transport call, body read, decode)
    // against an in-memory transport, next to the bare decode of the same bytes.
    let body = Bytes::from(ContactTemplate::new().render("6657add46abd0167d9419cd1"));
    let client = canned_client(StatusCode::OK, body.clone());
    let rt = rt();
    c.bench_function("pipeline: contacts().get(id), in-memory transport", |b| {
        b.iter(|| {
            let contact = rt
                .block_on(
                    client
                        .contacts()
                        .get(black_box("6657add46abd0167d9419cd1"))
                        .into_future(),
                )
                .expect("a contact");
            black_box(contact);
        })
    });
    c.bench_function("decode: one contact, serde_json::from_slice", |b| {
        b.iter(|| {
            let contact: ContactResponse =
                serde_json::from_slice(black_box(&body)).expect("a contact");
            black_box(contact);
        })
    });
}

fn error_decoding(c: &mut Criterion) {
    let client = canned_client(
        StatusCode::UNAUTHORIZED,
        Bytes::from_static(fixture::UNAUTHORIZED.as_bytes()),
    );
    let rt = rt();
    c.bench_function("error: 401 error.list -> Error::Api (pipeline)", |b| {
        b.iter(|| {
            let err = rt
                .block_on(client.execute(ApiRequest::get("/me")))
                .expect_err("a 401");
            match &err {
                Error::Api(api) => assert_eq!(api.status, StatusCode::UNAUTHORIZED),
                other => panic!("unexpected error {other}"),
            }
            black_box(err);
        })
    });
}

fn page_decoding(c: &mut Criterion) {
    let page = Bytes::from(ContactTemplate::new().page(0, 150, 10_000));
    let mut group = c.benchmark_group("page");
    group.throughput(Throughput::Bytes(page.len() as u64));
    group.bench_function("decode 150 contacts into ContactList", |b| {
        b.iter(|| {
            let list: ContactList = serde_json::from_slice(black_box(&page)).expect("a page");
            black_box(list);
        })
    });
    // What `pagination::Meta::read` adds per page today: a second parse into a Value tree.
    group.bench_function("re-parse page into serde_json::Value", |b| {
        b.iter(|| {
            let v: serde_json::Value = serde_json::from_slice(black_box(&page)).expect("JSON");
            black_box(v);
        })
    });
    // The cheaper alternative: read only the paging fields, skipping the items.
    group.bench_function("read pages.next only (IgnoredAny skip)", |b| {
        #[derive(serde::Deserialize)]
        struct Next {
            starting_after: Option<String>,
        }
        #[derive(serde::Deserialize)]
        struct Pages {
            next: Option<Next>,
        }
        #[derive(serde::Deserialize)]
        struct Meta {
            pages: Option<Pages>,
            #[serde(default)]
            data: Option<serde::de::IgnoredAny>,
        }
        b.iter(|| {
            let m: Meta = serde_json::from_slice(black_box(&page)).expect("JSON");
            black_box(m.pages.and_then(|p| p.next).and_then(|n| n.starting_after));
            black_box(m.data.is_some());
        })
    });
    group.finish();
}

criterion_group!(
    benches,
    token,
    request_building,
    error_decoding,
    page_decoding
);
criterion_main!(benches);
