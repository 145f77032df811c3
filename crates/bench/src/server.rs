//! The canned loopback server: hyper 1, HTTP/1.1 keep-alive, one task per connection on the
//! caller's (multi-thread) runtime.
//!
//! | route | answer |
//! |---|---|
//! | `GET /me` | a fixed admin |
//! | `GET /contacts/{id}` | the ~2 KB contact with that id |
//! | `GET /contacts?per_page&starting_after` | cursor pages over `total` contacts (header `x-bench-total` overrides the server default) |
//! | anything else | 404 `error.list` |
//!
//! Every answer carries `X-RateLimit-Limit/Remaining/Reset` with a huge `Remaining`, so a
//! client-side limiter never waits, and an `X-Request-Id`.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::{header, HeaderValue, Request, Response, StatusCode};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::net::TcpListener;

use crate::fixture::{self, ContactTemplate};

/// Settings of the canned server.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Contacts behind `GET /contacts` unless a request sends `x-bench-total`.
    pub total: u64,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self { total: 10_000 }
    }
}

struct State {
    config: ServerConfig,
    template: ContactTemplate,
    me: Bytes,
    not_found: Bytes,
}

/// Binds `addr` and serves until the runtime shuts down. Returns the bound address. With
/// `tls`, each connection is a TLS handshake first, then HTTP/2 or HTTP/1.1 as ALPN chose.
pub async fn start(
    addr: SocketAddr,
    config: ServerConfig,
    tls: Option<tokio_rustls::TlsAcceptor>,
) -> std::io::Result<SocketAddr> {
    let listener = TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    let state = Arc::new(State {
        config,
        template: ContactTemplate::new(),
        me: Bytes::from_static(fixture::ME.as_bytes()),
        not_found: Bytes::from_static(
            br#"{"type":"error.list","request_id":"bench","errors":[{"code":"not_found","message":"Resource Not Found"}]}"#,
        ),
    });
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let _ = stream.set_nodelay(true);
            let state = Arc::clone(&state);
            let tls = tls.clone();
            tokio::spawn(async move {
                let service = service_fn(move |req| {
                    let state = Arc::clone(&state);
                    async move { Ok::<_, Infallible>(handle(&state, req)) }
                });
                match tls {
                    None => {
                        let _ = hyper::server::conn::http1::Builder::new()
                            .keep_alive(true)
                            .serve_connection(TokioIo::new(stream), service)
                            .await;
                    }
                    Some(acceptor) => {
                        let Ok(stream) = acceptor.accept(stream).await else {
                            return;
                        };
                        let _ = auto::Builder::new(TokioExecutor::new())
                            .serve_connection(TokioIo::new(stream), service)
                            .await;
                    }
                }
            });
        }
    });
    Ok(local)
}

fn query_param<'a>(query: &'a str, name: &str) -> Option<&'a str> {
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == name).then_some(v)
    })
}

/// Undoes the percent-encoding clients apply to a cursor (`=` → `%3D`).
fn decode_cursor(raw: &str) -> String {
    raw.replace("%3D", "=").replace("%3d", "=")
}

fn handle(state: &State, req: Request<Incoming>) -> Response<Full<Bytes>> {
    let path = req.uri().path();
    let (status, body) = if req.method() != http::Method::GET {
        (StatusCode::NOT_FOUND, state.not_found.clone())
    } else if path == "/me" {
        (StatusCode::OK, state.me.clone())
    } else if path == "/contacts" {
        let query = req.uri().query().unwrap_or("");
        let per_page = query_param(query, "per_page")
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(50)
            .clamp(1, 150);
        let offset = query_param(query, "starting_after")
            .and_then(|c| fixture::parse_cursor(&decode_cursor(c)))
            .unwrap_or(0);
        let total = req
            .headers()
            .get("x-bench-total")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
            .unwrap_or(state.config.total);
        (
            StatusCode::OK,
            Bytes::from(state.template.page(offset, per_page, total)),
        )
    } else if let Some(id) = path.strip_prefix("/contacts/").filter(|id| {
        !id.is_empty()
            && !id.contains('/')
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    }) {
        (StatusCode::OK, Bytes::from(state.template.render(id)))
    } else {
        (StatusCode::NOT_FOUND, state.not_found.clone())
    };
    let reset = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
        + 10;
    let mut response = Response::new(Full::new(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    headers.insert("x-ratelimit-limit", HeaderValue::from_static("1000000000"));
    headers.insert(
        "x-ratelimit-remaining",
        HeaderValue::from_static("999999999"),
    );
    headers.insert("x-ratelimit-reset", HeaderValue::from(reset));
    headers.insert(
        "x-request-id",
        HeaderValue::from_static("000f4ioa7rrr8b6f2c4g"),
    );
    response
}
