//! What the mock sees and does: a received [`MockRequest`] and a scripted [`MockStep`]. Both the
//! expectations and the transport use them, so they live apart from either.

use bytes::Bytes;
use http::{HeaderMap, Method, Uri};
use intercom_transport::TransportErrorKind;
use tokio::time::Instant;

use crate::reply::Reply;

/// One scripted outcome: an answer, or a failure below HTTP.
#[derive(Debug, Clone)]
pub enum MockStep {
    /// Answer (after the reply's delay, on the tokio clock).
    Reply(Reply),
    /// Fail below HTTP with this kind (as a refused connection, a reset, …).
    Fail(TransportErrorKind),
}

impl From<Reply> for MockStep {
    fn from(reply: Reply) -> Self {
        Self::Reply(reply)
    }
}

/// A request as the mock received it.
#[derive(Debug, Clone)]
pub struct MockRequest {
    /// The method.
    pub method: Method,
    /// The absolute URI.
    pub uri: Uri,
    /// The headers (including `Authorization`, which the mock never prints).
    pub headers: HeaderMap,
    /// The body.
    pub body: Bytes,
    /// When it arrived, on the tokio clock (exact under a paused clock).
    pub at: Instant,
}

impl MockRequest {
    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The path, percent-encoded as sent.
    pub fn path(&self) -> &str {
        self.uri.path()
    }

    /// The first value of query parameter `name`, decoded.
    pub fn query(&self, name: &str) -> Option<String> {
        let query = self.uri.query()?;
        url::form_urlencoded::parse(query.as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }

    /// The body parsed as JSON, when it is JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// `METHOD /path?query`, for messages.
    pub fn describe(&self) -> String {
        match self.uri.query() {
            Some(q) => format!("{} {}?{}", self.method, self.uri.path(), q),
            None => format!("{} {}", self.method, self.uri.path()),
        }
    }
}
