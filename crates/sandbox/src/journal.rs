//! The request journal: what the sandbox received, for assertions and for `-v` printing.

use std::collections::VecDeque;
use std::fmt;
use std::sync::{Mutex, MutexGuard};

use bytes::Bytes;

/// How many requests the journal keeps; older ones are dropped first, so a long-running
/// sandbox does not grow without bound.
pub const JOURNAL_CAPACITY: usize = 10_000;

/// What replaces the value of `Authorization` (and other credential headers) in the journal.
pub const REDACTED: &str = "[REDACTED]";

/// Headers whose values never enter the journal.
const SECRET_HEADERS: &[&str] = &["authorization", "proxy-authorization", "cookie"];

/// One request as the sandbox received it.
#[derive(Clone, PartialEq, Eq)]
pub struct ReceivedRequest {
    /// Position in the journal, counting from 0 since the sandbox started (never reused).
    pub seq: u64,
    /// The method, e.g. `GET`.
    pub method: String,
    /// The path, percent-encoded as received, e.g. `/contacts/abc`.
    pub path: String,
    /// The raw query string without `?`, when there was one.
    pub query: Option<String>,
    /// The headers in arrival order, names lower-case; `Authorization`'s value is
    /// [`REDACTED`]. Values that are not visible ASCII are kept lossily as UTF-8.
    pub headers: Vec<(String, String)>,
    /// The body (empty when there was none, or when it was too large to read).
    pub body: Bytes,
    /// The status the sandbox answered with (0 when the connection was dropped).
    pub status: u16,
    /// The path template of the API operation the request addressed (`/contacts/{contact_id}`),
    /// `None` for paths that are no operation (OAuth pages, unknown routes).
    pub operation: Option<&'static str>,
}

impl ReceivedRequest {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body parsed as JSON, when it is JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// The body as text (lossy UTF-8).
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// `METHOD /path?query -> status`: one line, as `intercom sandbox -v` prints it (the
    /// caller escapes control characters before it reaches a terminal).
    pub fn summary(&self) -> String {
        match &self.query {
            Some(q) => format!("{} {}?{} -> {}", self.method, self.path, q, self.status),
            None => format!("{} {} -> {}", self.method, self.path, self.status),
        }
    }
}

impl fmt::Debug for ReceivedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReceivedRequest")
            .field("seq", &self.seq)
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &self.query)
            .field("headers", &self.headers)
            .field("body", &String::from_utf8_lossy(&self.body))
            .field("status", &self.status)
            .field("operation", &self.operation)
            .finish()
    }
}

/// Builds a journal entry from a request's head (redacting credentials) and body.
pub(crate) fn record(parts: &http::request::Parts, body: Bytes) -> ReceivedRequest {
    let headers = parts
        .headers
        .iter()
        .map(|(name, value)| {
            let name = name.as_str().to_owned();
            let value = if SECRET_HEADERS.contains(&name.as_str()) {
                REDACTED.to_owned()
            } else {
                String::from_utf8_lossy(value.as_bytes()).into_owned()
            };
            (name, value)
        })
        .collect();
    ReceivedRequest {
        seq: 0,
        method: parts.method.as_str().to_owned(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().map(str::to_owned),
        headers,
        body,
        status: 0,
        operation: crate::routes::operation(&parts.method, parts.uri.path()),
    }
}

/// The bounded journal shared by every connection.
#[derive(Debug, Default)]
pub(crate) struct Journal {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    next: u64,
    entries: VecDeque<ReceivedRequest>,
}

impl Journal {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Appends `entry` with the next sequence number.
    pub(crate) fn push(&self, mut entry: ReceivedRequest) {
        let mut inner = self.lock();
        entry.seq = inner.next;
        inner.next = inner.next.saturating_add(1);
        if inner.entries.len() >= JOURNAL_CAPACITY {
            inner.entries.pop_front();
        }
        inner.entries.push_back(entry);
    }

    /// Every kept entry, oldest first.
    pub(crate) fn all(&self) -> Vec<ReceivedRequest> {
        self.lock().entries.iter().cloned().collect()
    }

    /// The kept entries whose `seq` is at least `seq`.
    pub(crate) fn since(&self, seq: u64) -> Vec<ReceivedRequest> {
        self.lock()
            .entries
            .iter()
            .filter(|e| e.seq >= seq)
            .cloned()
            .collect()
    }

    /// Forgets every entry (sequence numbers keep counting).
    pub(crate) fn clear(&self) {
        self.lock().entries.clear();
    }
}
