//! [`Expect`]: what a request must look like, how often it comes, and what it gets back.

use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use http::Method;
use intercom_transport::TransportErrorKind;
use serde_json::Value;

use crate::reply::Reply;
use crate::request::{MockRequest, MockStep};

/// How many times an expectation must be matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Times {
    /// Exactly `n` times.
    Exactly(usize),
    /// `n` times or more.
    AtLeast(usize),
    /// At most `n` times (zero included).
    AtMost(usize),
}

impl fmt::Display for Times {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Times::Exactly(n) => write!(f, "exactly {n} time(s)"),
            Times::AtLeast(n) => write!(f, "at least {n} time(s)"),
            Times::AtMost(n) => write!(f, "at most {n} time(s)"),
        }
    }
}

#[derive(Debug, Clone)]
enum BodyMatch {
    Json(Value),
    JsonIncludes(Value),
    Bytes(Bytes),
}

type Predicate = Arc<dyn Fn(&MockRequest) -> bool + Send + Sync>;

/// An expected request: matchers on method, path, query, headers and body, the replies it
/// gets in sequence, and how many times it must come.
///
/// Every matcher given must hold; none given matches anything. Without
/// [`times`](Self::times) and friends, the expectation must be met exactly once per reply
/// (once when no reply was given, which answers `200 {}`). When matched more often than its
/// replies, the last reply repeats.
#[derive(Clone)]
pub struct Expect {
    method: Option<Method>,
    path: Option<String>,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    body: Option<BodyMatch>,
    predicate: Option<(String, Predicate)>,
    steps: Vec<MockStep>,
    times: Option<Times>,
}

impl fmt::Debug for Expect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Expect")
            .field("request", &self.describe())
            .field("steps", &self.steps.len())
            .field("times", &self.times_declared())
            .finish()
    }
}

impl Expect {
    /// Matches any request.
    pub fn any() -> Self {
        Self {
            method: None,
            path: None,
            query: Vec::new(),
            headers: Vec::new(),
            body: None,
            predicate: None,
            steps: Vec::new(),
            times: None,
        }
    }

    /// Matches `method` on exactly `path` (percent-encoded as sent, without the query).
    pub fn new(method: Method, path: impl Into<String>) -> Self {
        Self {
            method: Some(method),
            path: Some(path.into()),
            ..Self::any()
        }
    }

    /// `GET path`.
    pub fn get(path: impl Into<String>) -> Self {
        Self::new(Method::GET, path)
    }

    /// `POST path`.
    pub fn post(path: impl Into<String>) -> Self {
        Self::new(Method::POST, path)
    }

    /// `PUT path`.
    pub fn put(path: impl Into<String>) -> Self {
        Self::new(Method::PUT, path)
    }

    /// `PATCH path`.
    pub fn patch(path: impl Into<String>) -> Self {
        Self::new(Method::PATCH, path)
    }

    /// `DELETE path`.
    pub fn delete(path: impl Into<String>) -> Self {
        Self::new(Method::DELETE, path)
    }

    /// Requires query parameter `name` with (decoded) `value`; other parameters may follow.
    pub fn query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((name.into(), value.into()));
        self
    }

    /// Requires header `name` (case-insensitive) with exactly `value`.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Requires a JSON body equal to `value`.
    pub fn json_body(mut self, value: Value) -> Self {
        self.body = Some(BodyMatch::Json(value));
        self
    }

    /// Requires a JSON body containing `value`: its object keys (recursively), with arrays
    /// of the same length matched element by element; other keys may be present.
    pub fn json_includes(mut self, value: Value) -> Self {
        self.body = Some(BodyMatch::JsonIncludes(value));
        self
    }

    /// Requires exactly these body bytes.
    pub fn body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = Some(BodyMatch::Bytes(body.into()));
        self
    }

    /// Requires `predicate` to hold; `what` names it in failure messages.
    pub fn matching(
        mut self,
        what: impl Into<String>,
        predicate: impl Fn(&MockRequest) -> bool + Send + Sync + 'static,
    ) -> Self {
        self.predicate = Some((what.into(), Arc::new(predicate)));
        self
    }

    /// Appends a reply to the sequence.
    pub fn reply(mut self, reply: Reply) -> Self {
        self.steps.push(MockStep::Reply(reply));
        self
    }

    /// Appends several replies to the sequence.
    pub fn replies(mut self, replies: impl IntoIterator<Item = Reply>) -> Self {
        self.steps.extend(replies.into_iter().map(MockStep::Reply));
        self
    }

    /// Appends a failure below HTTP to the sequence.
    pub fn fail(mut self, kind: TransportErrorKind) -> Self {
        self.steps.push(MockStep::Fail(kind));
        self
    }

    /// Must be matched exactly `n` times.
    pub fn times(mut self, n: usize) -> Self {
        self.times = Some(Times::Exactly(n));
        self
    }

    /// Must be matched `n` times or more.
    pub fn at_least(mut self, n: usize) -> Self {
        self.times = Some(Times::AtLeast(n));
        self
    }

    /// May be matched up to `n` times, or not at all.
    pub fn at_most(mut self, n: usize) -> Self {
        self.times = Some(Times::AtMost(n));
        self
    }

    /// May be matched any number of times, or not at all.
    pub fn any_times(self) -> Self {
        self.at_least(0)
    }

    pub(crate) fn times_declared(&self) -> Times {
        self.times
            .unwrap_or(Times::Exactly(self.steps.len().max(1)))
    }

    /// The answer to the `call`-th match (counting from 0).
    pub(crate) fn step(&self, call: usize) -> MockStep {
        self.steps
            .get(call)
            .or(self.steps.last())
            .cloned()
            .unwrap_or_else(|| {
                MockStep::Reply(Reply::json(200, &Value::Object(Default::default())))
            })
    }

    pub(crate) fn matches(&self, request: &MockRequest) -> bool {
        if self.method.as_ref().is_some_and(|m| *m != request.method) {
            return false;
        }
        if self.path.as_ref().is_some_and(|p| p != request.path()) {
            return false;
        }
        if !self
            .query
            .iter()
            .all(|(name, value)| request.query(name).is_some_and(|v| v == *value))
        {
            return false;
        }
        if !self
            .headers
            .iter()
            .all(|(name, value)| request.header(name).is_some_and(|v| v == value))
        {
            return false;
        }
        let body_ok = match &self.body {
            None => true,
            Some(BodyMatch::Bytes(bytes)) => *bytes == request.body,
            Some(BodyMatch::Json(expected)) => request.json().is_some_and(|v| v == *expected),
            Some(BodyMatch::JsonIncludes(expected)) => {
                request.json().is_some_and(|v| includes(&v, expected))
            }
        };
        body_ok && self.predicate.as_ref().is_none_or(|(_, p)| p(request))
    }

    /// `GET /path ?a=b [header h] [json body …]`, for messages.
    pub(crate) fn describe(&self) -> String {
        let mut out = match (&self.method, &self.path) {
            (Some(m), Some(p)) => format!("{m} {p}"),
            (Some(m), None) => format!("{m} *"),
            (None, Some(p)) => format!("* {p}"),
            (None, None) => "any request".to_owned(),
        };
        for (name, value) in &self.query {
            out.push_str(&format!(" ?{name}={value}"));
        }
        for (name, value) in &self.headers {
            out.push_str(&format!(" [{name}: {value}]"));
        }
        match &self.body {
            None => {}
            Some(BodyMatch::Bytes(b)) => out.push_str(&format!(" [body of {} bytes]", b.len())),
            Some(BodyMatch::Json(v)) => out.push_str(&format!(" [json body {v}]")),
            Some(BodyMatch::JsonIncludes(v)) => out.push_str(&format!(" [json including {v}]")),
        }
        if let Some((what, _)) = &self.predicate {
            out.push_str(&format!(" [{what}]"));
        }
        out
    }
}

/// True when `actual` contains everything in `expected`.
fn includes(actual: &Value, expected: &Value) -> bool {
    match (actual, expected) {
        (Value::Object(a), Value::Object(e)) => e
            .iter()
            .all(|(k, ev)| a.get(k).is_some_and(|av| includes(av, ev))),
        (Value::Array(a), Value::Array(e)) => {
            a.len() == e.len() && a.iter().zip(e).all(|(av, ev)| includes(av, ev))
        }
        _ => actual == expected,
    }
}
