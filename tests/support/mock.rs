//! [`MockTransport`]: an in-memory [`Transport`] for paused-clock tests and for proving that
//! auth, retries and rate-limit waits live above the transport.

use std::collections::VecDeque;
use std::io;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use futures::stream;
use http::{HeaderMap, Method, Uri};
use http_body::Frame;
use http_body_util::StreamBody;
use intercom_transport::{Body, Transport, TransportError, TransportErrorKind};
use tokio::time::Instant;

use crate::reply::{BodyEnd, Reply, ReplyBody, ReplyKind};

/// One scripted outcome of [`MockTransport::send`].
#[derive(Debug, Clone)]
pub enum MockStep {
    /// Answer (after the reply's delay, on the tokio clock).
    Reply(Reply),
    /// Fail below HTTP with this kind.
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
    /// The headers (including `Authorization`).
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
}

/// A [`Transport`] answering from a queue of [`MockStep`]s (then `500 unscripted`), recording
/// every request. Delays and chunk pauses use `tokio::time`, so a paused clock makes them
/// instant and exact.
#[derive(Debug, Default)]
pub struct MockTransport {
    script: Mutex<VecDeque<MockStep>>,
    fallback: Mutex<Option<Reply>>,
    requests: Mutex<Vec<MockRequest>>,
}

impl MockTransport {
    /// An empty mock, ready to share with a client.
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// Queues a step.
    pub fn push(&self, step: impl Into<MockStep>) -> &Self {
        lock(&self.script).push_back(step.into());
        self
    }

    /// Queues a transport failure.
    pub fn fail(&self, kind: TransportErrorKind) -> &Self {
        self.push(MockStep::Fail(kind))
    }

    /// Sets the answer once the queue is empty.
    pub fn set_fallback(&self, reply: Reply) {
        *lock(&self.fallback) = Some(reply);
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<MockRequest> {
        lock(&self.requests).clone()
    }

    /// How many requests arrived.
    pub fn request_count(&self) -> usize {
        lock(&self.requests).len()
    }

    /// Gaps between consecutive requests, on the tokio clock.
    pub fn gaps(&self) -> Vec<std::time::Duration> {
        let requests = lock(&self.requests);
        requests.windows(2).map(|w| w[1].at - w[0].at).collect()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
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
        lock(&self.requests).push(MockRequest {
            method: parts.method,
            uri: parts.uri,
            headers: parts.headers,
            body,
            at: Instant::now(),
        });
        let step = lock(&self.script).pop_front();
        let reply = match step {
            Some(MockStep::Fail(kind)) => {
                return Err(TransportError::new(
                    kind,
                    io::Error::other("scripted transport failure"),
                ))
            }
            Some(MockStep::Reply(reply)) => reply,
            None => lock(&self.fallback)
                .clone()
                .unwrap_or_else(|| Reply::text(500, "mock transport: unscripted request")),
        };
        if !reply.delay.is_zero() {
            tokio::time::sleep(reply.delay).await;
        }
        match reply.kind {
            ReplyKind::Respond => {}
            ReplyKind::Hangup => return Err(io_error("scripted hang-up")),
            ReplyKind::Reset => return Err(io_error("scripted reset")),
        }
        let body = match reply.body {
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
        };
        let mut response = http::Response::new(body);
        *response.status_mut() = reply.status;
        for (name, value) in reply.headers {
            response.headers_mut().append(name, value);
        }
        Ok(response)
    }
}
