//! The replaceable HTTP layer: one trait, one body type, one error type.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::Frame;
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Empty, Full};

/// A boxed error from a transport or a body.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Sends one fully built HTTP request and returns the response head with a streaming body.
///
/// Authentication, default headers, retries, rate limiting, deadlines, redirect policy and
/// body limits all live in [`Client`](crate::Client), *above* this trait, so a custom
/// transport (a test double, a proxy-aware stack, a recorder) keeps every one of them.
/// An implementation should do exactly one exchange: no retries, no redirects.
///
/// The request's `Authorization` header is marked sensitive; a transport must not log it.
#[async_trait::async_trait]
pub trait Transport: fmt::Debug + Send + Sync + 'static {
    /// Performs one HTTP exchange.
    async fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<Body>, TransportError>;
}

/// A streaming response body, as returned by a [`Transport`].
pub struct Body {
    inner: Inner,
}

enum Inner {
    /// What [`HyperTransport`](crate::HyperTransport) returns, kept unboxed: no allocation
    /// and no dynamic call per frame on the default path.
    Hyper(hyper::body::Incoming),
    /// Any other body.
    Boxed(UnsyncBoxBody<Bytes, BoxError>),
}

impl Body {
    /// Wraps any `http_body::Body` whose data is [`Bytes`].
    pub fn new<B>(body: B) -> Self
    where
        B: http_body::Body<Data = Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        Self {
            inner: Inner::Boxed(body.map_err(Into::into).boxed_unsync()),
        }
    }

    /// hyper's own body, without boxing.
    pub(crate) fn from_hyper(body: hyper::body::Incoming) -> Self {
        Self {
            inner: Inner::Hyper(body),
        }
    }

    /// A body holding `bytes` in one frame.
    pub fn from_bytes(bytes: impl Into<Bytes>) -> Self {
        Self::new(Full::new(bytes.into()))
    }

    /// An empty body.
    pub fn empty() -> Self {
        Self::new(Empty::<Bytes>::new())
    }
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Body(..)")
    }
}

impl http_body::Body for Body {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        // Both variants are `Unpin`, so the body can be polled through a plain `&mut`.
        match &mut self.inner {
            Inner::Hyper(body) => Pin::new(body)
                .poll_frame(cx)
                .map_err(|e| Box::new(e) as BoxError),
            Inner::Boxed(body) => Pin::new(body).poll_frame(cx),
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.inner {
            Inner::Hyper(body) => body.is_end_stream(),
            Inner::Boxed(body) => body.is_end_stream(),
        }
    }

    fn size_hint(&self) -> http_body::SizeHint {
        match &self.inner {
            Inner::Hyper(body) => body.size_hint(),
            Inner::Boxed(body) => body.size_hint(),
        }
    }
}

/// What kind of failure a [`TransportError`] is; decides whether it may be retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// No connection could be made: the request was never sent, so it is safe to retry.
    Connect,
    /// Connecting took longer than the connect timeout (the request was never sent).
    ConnectTimeout,
    /// The connection failed after the request may have been sent (reset, truncated body).
    Io,
    /// The TLS handshake failed: an untrusted or invalid server certificate, a client
    /// certificate the server refused, no common protocol version. Not retried.
    Tls,
    /// The proxy refused to open a tunnel (for example `407 Proxy Authentication Required`
    /// or `403`) or closed it. Not retried.
    Proxy,
    /// The transport refused the exchange because it would break the client's rules: for
    /// example a `reqwest::Client` given to `ReqwestTransport` (feature `reqwest`) that
    /// followed a redirect itself. Not retried.
    Policy,
    /// Anything else (for example a protocol error).
    Other,
}

/// A failure below HTTP: connecting, TLS, I/O.
#[derive(Debug, thiserror::Error)]
#[error("{}: {source}", describe(*.kind))]
pub struct TransportError {
    kind: TransportErrorKind,
    #[source]
    source: BoxError,
}

fn describe(kind: TransportErrorKind) -> &'static str {
    match kind {
        TransportErrorKind::Connect => "connection failed",
        TransportErrorKind::ConnectTimeout => "connect timed out",
        TransportErrorKind::Io => "connection error",
        TransportErrorKind::Tls => "TLS handshake failed",
        TransportErrorKind::Proxy => "proxy error",
        TransportErrorKind::Policy => "refused by the transport",
        TransportErrorKind::Other => "transport error",
    }
}

impl TransportError {
    /// A new error of `kind`, caused by `source`.
    pub fn new(kind: TransportErrorKind, source: impl Into<BoxError>) -> Self {
        Self {
            kind,
            source: source.into(),
        }
    }

    /// The error's kind.
    pub fn kind(&self) -> TransportErrorKind {
        self.kind
    }

    /// True when the request certainly never reached the server.
    pub fn is_connect(&self) -> bool {
        matches!(
            self.kind,
            TransportErrorKind::Connect | TransportErrorKind::ConnectTimeout
        )
    }
}
