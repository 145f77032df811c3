//! The HTTP server: accept loop, fault injection, auth, rate limiting, version check.

use std::fmt;
use std::num::NonZeroU64;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::header::{HeaderValue, AUTHORIZATION, CONTENT_TYPE, LINK, LOCATION, RETRY_AFTER};
use http::{Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::errors::{ErrorReply, Outcome};
use crate::faults::Faults;
use crate::http_util::Query;
use crate::journal::{record, Journal};
use crate::routes;
use crate::state::State;
use crate::{oauth, SUPPORTED_VERSIONS};

/// Request bodies larger than this are refused.
const MAX_BODY: usize = 4 * 1024 * 1024;

/// State shared by every connection.
pub(crate) struct Shared {
    pub(crate) state: Mutex<State>,
    pub(crate) faults: Faults,
    pub(crate) journal: Journal,
    pub(crate) webhooks: Option<Arc<crate::webhook::Webhooks>>,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Shared([REDACTED])")
    }
}

impl Shared {
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The service error that makes hyper close the connection without answering.
#[derive(Debug)]
pub(crate) struct Dropped;

impl fmt::Display for Dropped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("connection dropped by fault injection")
    }
}

impl std::error::Error for Dropped {}

/// Serves until `shutdown` changes or its sender is dropped.
/// With `tls`, each connection is a TLS handshake first (HTTP/2 or HTTP/1.1 by ALPN).
pub(crate) async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
    tls: Option<tokio_rustls::TlsAcceptor>,
) {
    loop {
        tokio::select! {
            _ = shutdown.changed() => break,
            accepted = listener.accept() => {
                let stream = match accepted {
                    Ok((stream, _)) => stream,
                    Err(error) => {
                        tracing::warn!(%error, "sandbox accept failed");
                        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                        continue;
                    }
                };
                let shared = Arc::clone(&shared);
                let mut stop = shutdown.clone();
                let tls = tls.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |req| handle(Arc::clone(&shared), req));
                    let builder = auto::Builder::new(TokioExecutor::new());
                    match tls {
                        None => {
                            let connection =
                                builder.serve_connection(TokioIo::new(stream), service);
                            tokio::select! {
                                _ = connection => {}
                                _ = stop.changed() => {}
                            }
                        }
                        Some(acceptor) => {
                            let stream = tokio::select! {
                                handshake = acceptor.accept(stream) => match handshake {
                                    Ok(stream) => stream,
                                    Err(error) => {
                                        tracing::debug!(%error, "sandbox TLS handshake failed");
                                        return;
                                    }
                                },
                                _ = stop.changed() => return,
                            };
                            let connection =
                                builder.serve_connection(TokioIo::new(stream), service);
                            tokio::select! {
                                _ = connection => {}
                                _ = stop.changed() => {}
                            }
                        }
                    }
                });
            }
        }
    }
}

type Resp = Response<Full<Bytes>>;

async fn handle(shared: Arc<Shared>, req: Request<Incoming>) -> Result<Resp, Dropped> {
    let fault = shared.faults.take();
    if fault.drop {
        tracing::debug!("sandbox dropping a connection");
        let (parts, _) = req.into_parts();
        shared.journal.push(record(&parts, Bytes::new()));
        return Err(Dropped);
    }
    if !fault.latency.is_zero() {
        tokio::time::sleep(fault.latency).await;
    }
    let (parts, body) = req.into_parts();
    let body = Limited::new(body, MAX_BODY)
        .collect()
        .await
        .map(|c| c.to_bytes());
    let mut entry = record(&parts, body.as_ref().cloned().unwrap_or_default());
    let (response, item, app_id) = {
        let mut state = shared.lock();
        let (response, item) = answer(&mut state, fault.failure, &parts, body);
        (response, item, state.app_id.clone())
    };
    entry.status = response.status().as_u16();
    if let (Some(webhooks), Some(item)) = (&shared.webhooks, item) {
        if response.status().is_success() {
            let topic =
                crate::webhook::topic_of(&parts.method, entry.operation, &entry.body, &item);
            if let Some(topic) = topic {
                crate::webhook::notify(webhooks, &app_id, crate::state::now(), &topic, item);
            }
        }
    }
    shared.journal.push(entry);
    Ok(response)
}

fn answer(
    state: &mut State,
    failure: Option<crate::faults::InjectedFailure>,
    parts: &http::request::Parts,
    body: Result<Bytes, Box<dyn std::error::Error + Send + Sync>>,
) -> (Resp, Option<serde_json::Value>) {
    let request_id = state.request_id();
    if let Some(failure) = failure {
        let mut error = ErrorReply::new(failure.status, &failure.code, failure.message);
        error.retry_after = failure
            .retry_after
            .map(|d| d.as_secs().saturating_add(u64::from(d.subsec_nanos() > 0)));
        return (render(Err(error), &request_id, None), None);
    }
    let body = match body {
        Ok(body) => body,
        Err(_) => {
            let error = ErrorReply::invalid("The request body is too large or could not be read");
            return (render(Err(error), &request_id, None), None);
        }
    };
    let (outcome, rate) = dispatch(state, parts, &body);
    let item = outcome.as_ref().ok().and_then(|reply| reply.body.clone());
    (render(outcome, &request_id, rate), item)
}

/// `X-RateLimit-*` values.
#[derive(Debug, Clone, Copy)]
struct RateHeaders {
    limit: u64,
    remaining: u64,
    reset: u64,
}

fn header(parts: &http::request::Parts, name: impl http::header::AsHeaderName) -> Option<&str> {
    parts.headers.get(name).and_then(|v| v.to_str().ok())
}

fn dispatch(
    state: &mut State,
    parts: &http::request::Parts,
    body: &[u8],
) -> (Outcome, Option<RateHeaders>) {
    let path = parts.uri.path();
    let query = Query::parse(parts.uri.query());
    if path == "/oauth" && parts.method == Method::GET {
        return (oauth::authorize(state, &query), None);
    }
    if path == "/oauth/consent" && parts.method == Method::POST {
        return (oauth::consent(state, body), None);
    }
    if path == "/auth/eagle/token" && parts.method == Method::POST {
        return (oauth::token(state, header(parts, CONTENT_TYPE), body), None);
    }

    // Authentication.
    let token = header(parts, AUTHORIZATION).and_then(|v| {
        let (scheme, token) = v.trim().split_once(' ')?;
        scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
    });
    let Some((token, info)) = token.and_then(|t| state.tokens.get(t).map(|i| (t, i.clone())))
    else {
        return (Err(ErrorReply::unauthorized()), None);
    };

    // Rate limit, per token, in fixed windows (10 seconds unless configured).
    let window_secs = NonZeroU64::new(state.cfg.rate_window_secs).unwrap_or(NonZeroU64::MIN);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    // `now % window_secs <= now`: the start of the current window, never below zero.
    let window = now.saturating_sub(now % window_secs);
    let limit = state.cfg.rate_limit;
    let entry = state.windows.entry(token.to_owned()).or_insert((window, 0));
    if entry.0 != window {
        *entry = (window, 0);
    }
    entry.1 = entry.1.saturating_add(1);
    let rate = RateHeaders {
        limit,
        remaining: limit.saturating_sub(entry.1),
        reset: window.saturating_add(window_secs.get()),
    };
    if entry.1 > limit {
        let error = ErrorReply::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limit_exceeded",
            format!("Exceeded rate limit of {limit} in {window_secs}_seconds"),
        );
        return (Err(error), Some(rate));
    }

    // Intercom-Version.
    if let Some(version) = parts.headers.get("intercom-version") {
        let valid = version
            .to_str()
            .is_ok_and(|v| v == "Preview" || SUPPORTED_VERSIONS.contains(&v));
        if !valid {
            let error = ErrorReply::new(
                StatusCode::BAD_REQUEST,
                "intercom_version_invalid",
                "The requested Intercom-Version is not valid. Supported versions are 1.0 to 1.4, 2.0 to 2.16 and Preview.",
            );
            return (Err(error), Some(rate));
        }
    }

    let request = routes::Request {
        method: &parts.method,
        path,
        query,
        body,
        admin_id: info.admin_id,
        token,
    };
    let outcome = routes::route(state, &request);
    (outcome, Some(rate))
}

fn render(outcome: Outcome, request_id: &str, rate: Option<RateHeaders>) -> Resp {
    let (status, body, mut extra) = match outcome {
        Ok(reply) => {
            let mut extra = Vec::new();
            if let Some(location) = reply.location {
                extra.push((LOCATION, location));
            }
            let body = match reply.text {
                Some((media_type, text)) => {
                    extra.push((CONTENT_TYPE, media_type.to_owned()));
                    Some(text)
                }
                None => reply.body.map(|v| v.to_string()),
            };
            (reply.status, body, extra)
        }
        Err(error) => {
            let mut extra = Vec::new();
            if let Some(link) = &error.link {
                extra.push((LINK, link.clone()));
            }
            if let Some(secs) = error.retry_after {
                extra.push((RETRY_AFTER, secs.to_string()));
            }
            // A failure to serialize cannot happen for `models::Error`; fall back to an
            // empty `error.list` rather than panic.
            let body = serde_json::to_string(&error.body(request_id))
                .unwrap_or_else(|_| r#"{"type":"error.list","errors":[]}"#.to_owned());
            (error.status, Some(body), extra)
        }
    };
    if let Some(rate) = rate {
        for (name, value) in [
            ("x-ratelimit-limit", rate.limit),
            ("x-ratelimit-remaining", rate.remaining),
            ("x-ratelimit-reset", rate.reset),
        ] {
            extra.push((http::HeaderName::from_static(name), value.to_string()));
        }
    }
    extra.push((
        http::HeaderName::from_static("x-request-id"),
        request_id.to_owned(),
    ));
    let json_body = body.is_some() && !extra.iter().any(|(name, _)| name == CONTENT_TYPE);
    let mut response = Response::new(Full::new(Bytes::from(body.unwrap_or_default())));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    if json_body {
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
    }
    for (name, value) in extra {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.append(name, value);
        }
    }
    response
}
