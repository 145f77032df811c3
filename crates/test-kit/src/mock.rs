//! [`MockTransport`]: an in-memory [`Transport`] answering from expectations and a script.

use std::collections::VecDeque;
use std::fmt;
use std::io;
use std::sync::{Arc, Mutex, MutexGuard};

use bytes::Bytes;
use futures::stream;
use http::HeaderMap;
use http_body::Frame;
use http_body_util::{BodyExt, StreamBody};
use intercom_transport::{Body, Transport, TransportError, TransportErrorKind};
use tokio::time::Instant;

use crate::expect::{Expect, Times};
use crate::reply::{BodyEnd, Reply, ReplyBody, ReplyKind};
use crate::request::{MockRequest, MockStep};

/// A registered expectation and how often it matched.
#[derive(Debug)]
struct Registered {
    expect: Expect,
    calls: usize,
}

#[derive(Debug, Default)]
struct Inner {
    expectations: Vec<Registered>,
    script: VecDeque<MockStep>,
    fallback: Option<Reply>,
    requests: Vec<MockRequest>,
    unexpected: Vec<String>,
    exchanges: Vec<Exchange>,
}

/// A request passed through to the real transport, with the answer it got.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// The request as sent.
    pub request: MockRequest,
    /// The answer's status, or `None` when the transport failed.
    pub status: Option<http::StatusCode>,
    /// The answer's headers.
    pub headers: HeaderMap,
    /// The whole answer body (read by the mock, then handed on to the client).
    pub body: Bytes,
}

/// A [`Transport`] for tests: no sockets, every request recorded.
///
/// Each request is answered by, in order:
///
/// 1. the first registered [`Expect`] that matches it and is not used up (its replies in
///    sequence, the last one repeating);
/// 2. otherwise the next step queued with [`push`](Self::push) or [`fail`](Self::fail);
/// 3. otherwise the [fallback](Self::set_fallback) reply;
/// 4. otherwise `500 mock transport: unexpected request`, and the request is noted as
///    unexpected.
///
/// [`verify`](Self::verify) (or [`assert_all_met`](Self::assert_all_met)) at the end of a
/// test fails when an expectation was called fewer (or more) times than declared or a request
/// was unexpected. Delays and chunk pauses use `tokio::time`, so a paused clock makes them
/// instant and exact.
///
/// ```
/// # async fn demo() {
/// use intercom_test::{Expect, MockTransport, Reply};
///
/// let mock = MockTransport::new();
/// mock.expect(
///     Expect::get("/contacts/abc")
///         .reply(Reply::json(200, &serde_json::json!({"type": "contact", "id": "abc"}))),
/// );
/// // … build a client with `.transport(mock.clone())` and run the code under test …
/// # let _ = &mock;
/// # }
/// ```
#[derive(Debug, Default)]
pub struct MockTransport {
    inner: Mutex<Inner>,
    passthrough: Option<Arc<dyn Transport>>,
}

impl MockTransport {
    /// An empty mock, ready to share with a client (`ClientBuilder::transport`).
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// A spy in front of a real transport: requests that no expectation or scripted step
    /// answers go to `inner` (instead of the fallback), and each such exchange is recorded
    /// with its answer in [`exchanges`](Self::exchanges).
    pub fn passthrough(inner: Arc<dyn Transport>) -> Arc<Self> {
        Arc::new(Self {
            inner: Mutex::default(),
            passthrough: Some(inner),
        })
    }

    /// The exchanges passed through to the real transport, in completion order.
    pub fn exchanges(&self) -> Vec<Exchange> {
        self.lock().exchanges.clone()
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Registers an expectation (checked in registration order).
    pub fn expect(&self, expect: Expect) -> &Self {
        self.lock()
            .expectations
            .push(Registered { expect, calls: 0 });
        self
    }

    /// Queues a step for the next request no expectation matches.
    pub fn push(&self, step: impl Into<MockStep>) -> &Self {
        self.lock().script.push_back(step.into());
        self
    }

    /// Queues several steps.
    pub fn push_all<S: Into<MockStep>>(&self, steps: impl IntoIterator<Item = S>) -> &Self {
        self.lock().script.extend(steps.into_iter().map(Into::into));
        self
    }

    /// Queues a failure below HTTP.
    pub fn fail(&self, kind: TransportErrorKind) -> &Self {
        self.push(MockStep::Fail(kind))
    }

    /// Sets the answer for requests nothing else answers (they then count as expected).
    pub fn set_fallback(&self, reply: Reply) {
        self.lock().fallback = Some(reply);
    }

    /// Every request so far, in arrival order.
    pub fn requests(&self) -> Vec<MockRequest> {
        self.lock().requests.clone()
    }

    /// Forgets the requests and exchanges recorded so far (expectations keep their counts).
    pub fn clear_requests(&self) {
        let mut inner = self.lock();
        inner.requests.clear();
        inner.exchanges.clear();
    }

    /// How many requests arrived.
    pub fn request_count(&self) -> usize {
        self.lock().requests.len()
    }

    /// Gaps between consecutive requests, on the tokio clock.
    pub fn gaps(&self) -> Vec<std::time::Duration> {
        let inner = self.lock();
        inner
            .requests
            .windows(2)
            .map(|w| w[1].at.saturating_duration_since(w[0].at))
            .collect()
    }

    /// Checks that every expectation was met and no request was unexpected.
    pub fn verify(&self) -> Result<(), Unmet> {
        let inner = self.lock();
        let mut problems = Vec::new();
        for registered in &inner.expectations {
            let times = registered.expect.times_declared();
            if !times.accepts(registered.calls) {
                problems.push(format!(
                    "{} expected {}, called {} time(s)",
                    registered.expect.describe(),
                    times,
                    registered.calls
                ));
            }
        }
        for request in &inner.unexpected {
            problems.push(format!("unexpected request {request}"));
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(Unmet { problems })
        }
    }

    /// Panics with the list of problems unless [`verify`](Self::verify) passes.
    #[track_caller]
    pub fn assert_all_met(&self) {
        if let Err(unmet) = self.verify() {
            panic!("{unmet}");
        }
    }

    /// The step answering `request` (`None`: pass it through), recording it.
    fn next_step(&self, request: MockRequest) -> Option<MockStep> {
        let mut inner = self.lock();
        let described = request.describe();
        let any = inner
            .expectations
            .iter()
            .position(|r| r.expect.matches(&request));
        let open = inner.expectations.iter().position(|r| {
            r.expect.times_declared().allows_more(r.calls) && r.expect.matches(&request)
        });
        inner.requests.push(request);
        if let Some(registered) = open.and_then(|i| inner.expectations.get_mut(i)) {
            let step = registered.expect.step(registered.calls);
            registered.calls = registered.calls.saturating_add(1);
            return Some(step);
        }
        if let Some(step) = inner.script.pop_front() {
            return Some(step);
        }
        if self.passthrough.is_some() {
            return None;
        }
        if let Some(reply) = inner.fallback.clone() {
            return Some(MockStep::Reply(reply));
        }
        // A request matching a used-up expectation counts against it; any other is unexpected.
        match any.and_then(|i| inner.expectations.get_mut(i)) {
            Some(registered) => registered.calls = registered.calls.saturating_add(1),
            None => inner.unexpected.push(described),
        }
        Some(MockStep::Reply(Reply::text(
            500,
            "mock transport: unexpected request",
        )))
    }

    async fn pass(
        &self,
        inner: &Arc<dyn Transport>,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<Body>, TransportError> {
        let (parts, body) = request.into_parts();
        let seen = MockRequest {
            method: parts.method.clone(),
            uri: parts.uri.clone(),
            headers: parts.headers.clone(),
            body: body.clone(),
            at: Instant::now(),
        };
        let result = inner.send(http::Request::from_parts(parts, body)).await;
        let (response, status, headers, bytes) = match result {
            Ok(response) => {
                let (head, body) = response.into_parts();
                let bytes = body
                    .collect()
                    .await
                    .map_err(|e| TransportError::new(TransportErrorKind::Io, e))?
                    .to_bytes();
                let status = Some(head.status);
                let headers = head.headers.clone();
                let response = http::Response::from_parts(head, Body::from_bytes(bytes.clone()));
                (Ok(response), status, headers, bytes)
            }
            Err(e) => (Err(e), None, HeaderMap::new(), Bytes::new()),
        };
        self.lock().exchanges.push(Exchange {
            request: seen,
            status,
            headers,
            body: bytes,
        });
        response
    }
}

/// Why [`MockTransport::verify`] failed: one line per unmet expectation or unexpected request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unmet {
    problems: Vec<String>,
}

impl Unmet {
    /// The problems, one per line of the message.
    pub fn problems(&self) -> &[String] {
        &self.problems
    }
}

impl fmt::Display for Unmet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "mock transport expectations not met:")?;
        for problem in &self.problems {
            writeln!(f, "  - {problem}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Unmet {}

impl Times {
    fn allows_more(self, calls: usize) -> bool {
        match self {
            Times::Exactly(n) | Times::AtMost(n) => calls < n,
            Times::AtLeast(_) => true,
        }
    }

    fn accepts(self, calls: usize) -> bool {
        match self {
            Times::Exactly(n) => calls == n,
            Times::AtLeast(n) => calls >= n,
            Times::AtMost(n) => calls <= n,
        }
    }
}

fn io_error(what: &'static str) -> TransportError {
    TransportError::new(
        TransportErrorKind::Io,
        io::Error::new(io::ErrorKind::ConnectionReset, what),
    )
}

#[async_trait::async_trait]
impl Transport for MockTransport {
    async fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<Body>, TransportError> {
        let (parts, body) = request.into_parts();
        let step = self.next_step(MockRequest {
            method: parts.method.clone(),
            uri: parts.uri.clone(),
            headers: parts.headers.clone(),
            body: body.clone(),
            at: Instant::now(),
        });
        let step = match (step, &self.passthrough) {
            (Some(step), _) => step,
            (None, Some(inner)) => {
                return self
                    .pass(inner, http::Request::from_parts(parts, body))
                    .await
            }
            (None, None) => MockStep::Reply(Reply::text(500, "mock transport: unexpected request")),
        };
        let reply = match step {
            MockStep::Fail(kind) => {
                return Err(TransportError::new(
                    kind,
                    io::Error::other("scripted transport failure"),
                ))
            }
            MockStep::Reply(reply) => reply,
        };
        if !reply.delay.is_zero() {
            tokio::time::sleep(reply.delay).await;
        }
        match reply.kind {
            ReplyKind::Respond => {}
            ReplyKind::Hangup => return Err(io_error("scripted hang-up")),
            ReplyKind::Reset => return Err(io_error("scripted reset")),
        }
        let mut response = http::Response::new(body_of(reply.body));
        *response.status_mut() = reply.status;
        for (name, value) in reply.headers {
            response.headers_mut().append(name, value);
        }
        Ok(response)
    }
}

fn body_of(body: ReplyBody) -> Body {
    match body {
        ReplyBody::Full(bytes) => Body::from_bytes(bytes),
        ReplyBody::Chunks { chunks, end } => {
            let chunks: VecDeque<_> = chunks.into();
            let frames = stream::unfold((chunks, Some(end)), |(mut chunks, end)| async move {
                if let Some((delay, chunk)) = chunks.pop_front() {
                    if !delay.is_zero() {
                        tokio::time::sleep(delay).await;
                    }
                    return Some((Ok(Frame::data(chunk)), (chunks, end)));
                }
                match end? {
                    BodyEnd::Complete => None,
                    BodyEnd::Close | BodyEnd::Reset => Some((
                        Err(io::Error::new(io::ErrorKind::ConnectionReset, "scripted")),
                        (chunks, None),
                    )),
                }
            });
            Body::new(StreamBody::new(frames))
        }
        ReplyBody::Endless { chunk, interval } => {
            let frames = stream::unfold(chunk, move |chunk| async move {
                if interval.is_zero() {
                    tokio::task::yield_now().await;
                } else {
                    tokio::time::sleep(interval).await;
                }
                Some((Ok::<_, io::Error>(Frame::data(chunk.clone())), chunk))
            });
            Body::new(StreamBody::new(frames))
        }
    }
}
