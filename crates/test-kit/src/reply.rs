//! [`Reply`]: one scripted answer, answered by [`MockTransport`](crate::MockTransport) (and by the
//! project's own loopback test server).

use std::time::Duration;

use bytes::Bytes;
use http::{HeaderName, HeaderValue, StatusCode};

/// How a streamed body ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyEnd {
    /// Normally (the last chunk, then end of message).
    Complete,
    /// The connection is closed abruptly (FIN) where the body should continue.
    Close,
    /// The connection is reset (RST, `SO_LINGER` 0) where the body should continue.
    Reset,
}

/// What the reply's body looks like on the wire.
#[derive(Debug, Clone)]
pub enum ReplyBody {
    /// One buffer, sent with a `Content-Length`.
    Full(Bytes),
    /// Chunks, each sent after its delay, without a `Content-Length` (chunked encoding) unless
    /// one was set explicitly; then the body ends as `end` says.
    Chunks {
        /// `(delay before the chunk, chunk)`.
        chunks: Vec<(Duration, Bytes)>,
        /// How the body ends.
        end: BodyEnd,
    },
    /// The same chunk forever (chunked), each after `interval`; the client must stop reading.
    Endless {
        /// The repeated chunk.
        chunk: Bytes,
        /// Pause between chunks.
        interval: Duration,
    },
}

/// What happens instead of (or as) the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyKind {
    /// Answer with status, headers and body.
    Respond,
    /// Read the request, then close the connection without answering (FIN).
    Hangup,
    /// Read the request, then reset the connection without answering (RST).
    Reset,
}

/// One scripted answer: status, headers, body, a delay before the headers, and faults.
///
/// Build with [`Reply::status`], [`Reply::json`], [`Reply::text`], [`Reply::redirect`],
/// [`Reply::error_list`], [`Reply::hangup`] or [`Reply::reset`], then refine with the
/// builder methods.
#[derive(Debug, Clone)]
pub struct Reply {
    /// The status line.
    pub status: StatusCode,
    /// Headers, in order (repeated names are all sent).
    pub headers: Vec<(HeaderName, HeaderValue)>,
    /// The body.
    pub body: ReplyBody,
    /// Wait this long after reading the request, before sending the headers.
    pub delay: Duration,
    /// Answer, hang up or reset.
    pub kind: ReplyKind,
}

impl Reply {
    /// A reply with `status` and an empty body (a number outside 100–999 becomes 500).
    pub fn status(status: u16) -> Self {
        Self {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            headers: Vec::new(),
            body: ReplyBody::Full(Bytes::new()),
            delay: Duration::ZERO,
            kind: ReplyKind::Respond,
        }
    }

    /// `200` with `{"ok": true}`.
    pub fn ok() -> Self {
        Self::json(200, &serde_json::json!({ "ok": true }))
    }

    /// A JSON body with `Content-Type: application/json`.
    pub fn json(status: u16, value: &serde_json::Value) -> Self {
        Self::status(status)
            .header("content-type", "application/json")
            .body(value.to_string())
    }

    /// A raw body as given, labelled `application/json` (for truncated or invalid JSON).
    pub fn raw_json(status: u16, body: impl Into<Bytes>) -> Self {
        Self::status(status)
            .header("content-type", "application/json")
            .body(body)
    }

    /// A `text/plain` body.
    pub fn text(status: u16, text: &str) -> Self {
        Self::status(status)
            .header("content-type", "text/plain")
            .body(text.to_owned())
    }

    /// Intercom's `error.list` with one error.
    pub fn error_list(status: u16, request_id: &str, code: &str, message: &str) -> Self {
        Self::json(
            status,
            &serde_json::json!({
                "type": "error.list",
                "request_id": request_id,
                "errors": [{ "code": code, "message": message }],
            }),
        )
    }

    /// A redirect with `Location: location`.
    pub fn redirect(status: u16, location: &str) -> Self {
        Self::status(status).header("location", location)
    }

    /// Reads the request, then closes the connection without answering.
    pub fn hangup() -> Self {
        Self {
            kind: ReplyKind::Hangup,
            ..Self::status(200)
        }
    }

    /// Reads the request, then resets the connection without answering.
    pub fn reset() -> Self {
        Self {
            kind: ReplyKind::Reset,
            ..Self::status(200)
        }
    }

    /// Adds a header (repeatable).
    ///
    /// # Panics
    ///
    /// When `name` or `value` is not a valid header name or value (a mistake in the test).
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((
            HeaderName::from_bytes(name.as_bytes()).expect("a valid header name"),
            HeaderValue::from_str(value).expect("a valid header value"),
        ));
        self
    }

    /// Adds the three `X-RateLimit-*` headers.
    pub fn rate_limit(self, limit: u64, remaining: u64, reset: u64) -> Self {
        self.header("x-ratelimit-limit", &limit.to_string())
            .header("x-ratelimit-remaining", &remaining.to_string())
            .header("x-ratelimit-reset", &reset.to_string())
    }

    /// Sets a `Content-Length` header explicitly (for example larger than the body sent).
    pub fn content_length(self, len: u64) -> Self {
        self.header("content-length", &len.to_string())
    }

    /// Replaces the body with one buffer.
    pub fn body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = ReplyBody::Full(body.into());
        self
    }

    /// Waits `delay` before sending the headers.
    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }

    /// Appends a body chunk sent after `delay`. A previous full body becomes the first chunk.
    ///
    /// # Panics
    ///
    /// After [`endless`](Self::endless) (an endless body takes no more chunks).
    pub fn chunk(mut self, delay: Duration, chunk: impl Into<Bytes>) -> Self {
        let chunk = chunk.into();
        match &mut self.body {
            ReplyBody::Chunks { chunks, .. } => chunks.push((delay, chunk)),
            ReplyBody::Full(first) => {
                let mut chunks = Vec::new();
                if !first.is_empty() {
                    chunks.push((Duration::ZERO, first.clone()));
                }
                chunks.push((delay, chunk));
                self.body = ReplyBody::Chunks {
                    chunks,
                    end: BodyEnd::Complete,
                };
            }
            ReplyBody::Endless { .. } => panic!("an endless body takes no more chunks"),
        }
        self
    }

    /// Ends the (chunked) body by closing the connection abruptly.
    ///
    /// # Panics
    ///
    /// After [`endless`](Self::endless), like [`then_reset`](Self::then_reset).
    pub fn then_close(self) -> Self {
        self.end_with(BodyEnd::Close)
    }

    /// Ends the (chunked) body by resetting the connection.
    pub fn then_reset(self) -> Self {
        self.end_with(BodyEnd::Reset)
    }

    fn end_with(mut self, new_end: BodyEnd) -> Self {
        match &mut self.body {
            ReplyBody::Chunks { end, .. } => *end = new_end,
            ReplyBody::Full(first) => {
                let chunks = vec![(Duration::ZERO, first.clone())];
                self.body = ReplyBody::Chunks {
                    chunks,
                    end: new_end,
                };
            }
            ReplyBody::Endless { .. } => panic!("an endless body never ends"),
        }
        self
    }

    /// A body that never ends: `chunk_size` bytes of `x` every `interval`.
    pub fn endless(mut self, chunk_size: usize, interval: Duration) -> Self {
        self.body = ReplyBody::Endless {
            chunk: Bytes::from(vec![b'x'; chunk_size]),
            interval,
        };
        self
    }
}
