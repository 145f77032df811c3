//! Phase 4, decode: the body read under its size cap; a 2xx kept as a [`RawResponse`], any
//! other status an [`ApiError`] with its retry advice (`Retry-After`, the rate-limit reset).

use std::future::Future;
use std::time::{Duration, SystemTime};

use bytes::{Bytes, BytesMut};
use http::{HeaderMap, Method, StatusCode};
use http_body_util::BodyExt;

use super::Failure;
use crate::client::Shared;
use crate::error::{excerpt, ApiError, Error};
use crate::ratelimit::RateLimit;
use crate::response::RawResponse;
use crate::retry;
use crate::transport::{Body, TransportError, TransportErrorKind};

/// Reads the body of a final (non-redirect) answer and classifies it.
///
/// This and [`read_body`] return `async move` blocks instead of being `async fn`s: an
/// `async fn` keeps a second copy of its by-value arguments (the headers, the body stream) in
/// its future, and this future is part of every attempt's.
// `manual_async_fn` suggests `async fn`, which is what this avoids (see above).
#[allow(clippy::too_many_arguments, clippy::manual_async_fn)]
pub(super) fn response<'a>(
    shared: &'a Shared,
    method: &'a Method,
    status: StatusCode,
    headers: HeaderMap,
    stream: Body,
    rate_limit: Option<RateLimit>,
    max_body: usize,
    may_repeat: bool,
    redact: bool,
) -> impl Future<Output = Result<RawResponse, Failure>> + Send + 'a {
    async move {
        let bodyless = method == Method::HEAD
            || status == StatusCode::NO_CONTENT
            || status == StatusCode::NOT_MODIFIED;
        let bytes = if bodyless {
            Ok(Bytes::new())
        } else {
            read_body(stream, &headers, status, max_body).await
        };
        let bytes = bytes.map_err(|error| {
            let retryable = matches!(error, Error::Transport(_)) && may_repeat;
            Failure {
                error,
                retryable,
                wait: None,
            }
        })?;
        tracing::trace!(%status, headers = ?headers, body = %shown_body(&bytes, redact), "received response");
        if status.is_success() {
            return Ok(RawResponse {
                status,
                headers,
                body: bytes,
                rate_limit,
                attempts: 1,
            });
        }
        let now = SystemTime::now();
        let retry_after = retry::retry_after(&headers, now);
        let is_429 = status == StatusCode::TOO_MANY_REQUESTS;
        let wait = if is_429 {
            retry_after.or_else(|| {
                rate_limit.map(|rl| {
                    rl.until_reset(now)
                        .saturating_add(shared.jitter.up_to(Duration::from_millis(500)))
                })
            })
        } else {
            retry_after
        };
        // Statuses are retried only for methods that may be repeated (POST and PATCH on
        // opt-in): Intercom does not promise that a 429 or 5xx did no work.
        let retryable = retry::is_retryable_status(status) && may_repeat;
        let error = ApiError::from_response(status, headers, bytes, rate_limit, retry_after);
        Err(Failure {
            error: Error::Api(Box::new(error)),
            retryable,
            wait,
        })
    }
}

/// What TRACE logs of a body: an excerpt, or nothing for bodies that hold secrets.
pub(super) fn shown_body(body: &[u8], redact: bool) -> String {
    if redact {
        format!("<{} bytes, redacted>", body.len())
    } else {
        excerpt(body, 2048)
    }
}

/// Reads a body into memory, stopping with [`Error::BodyTooLarge`] past `limit` bytes.
fn read_body(
    mut stream: Body,
    headers: &HeaderMap,
    status: StatusCode,
    limit: usize,
) -> impl Future<Output = Result<Bytes, Error>> + Send + '_ {
    let declared = headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    async move {
        if let Some(len) = declared {
            if len > limit as u64 {
                return Err(Error::BodyTooLarge { limit, status });
            }
        }
        // A body in one frame (the usual case) is kept as is: no buffer, no copy. A buffer is
        // allocated only when a second frame arrives, pre-sized from Content-Length but never
        // trusting a server for more than 1 MiB up front.
        let capacity = declared.map_or(0, |l| (l as usize).min(1 << 20));
        let mut single: Option<Bytes> = None;
        let mut merged: Option<BytesMut> = None;
        let mut total = 0usize;
        while let Some(frame) = stream.frame().await {
            let frame = frame
                .map_err(|e| Error::Transport(TransportError::new(TransportErrorKind::Io, e)))?;
            let Ok(data) = frame.into_data() else {
                continue; // trailers
            };
            total = total.saturating_add(data.len());
            if total > limit {
                return Err(Error::BodyTooLarge { limit, status });
            }
            match (&mut merged, single.take()) {
                (Some(buf), _) => buf.extend_from_slice(&data),
                (None, None) => single = Some(data),
                (None, Some(first)) => {
                    let mut buf = BytesMut::with_capacity(capacity.max(total));
                    buf.extend_from_slice(&first);
                    buf.extend_from_slice(&data);
                    merged = Some(buf);
                }
            }
        }
        Ok(match (merged, single) {
            (Some(buf), _) => buf.freeze(),
            (None, Some(only)) => only,
            (None, None) => Bytes::new(),
        })
    }
}
