//! A scriptable, hostile HTTP/1.1 server on 127.0.0.1.
//!
//! The server runs on its own one-thread tokio runtime, so its delays use real time even
//! when the test's runtime has a paused clock, and dropping it never blocks: the runtime is
//! shut down in the background.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures::stream;
use http::{HeaderMap, Method, Request, Response, Uri};
use http_body::Frame;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

use intercom_test::{BodyEnd, Reply, ReplyBody, ReplyKind};

/// A request as the server received it.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    /// The method.
    pub method: Method,
    /// The request target (path and query).
    pub uri: Uri,
    /// Every header received.
    pub headers: HeaderMap,
    /// The whole body.
    pub body: Bytes,
    /// Which connection carried it (0 for the first accepted connection).
    pub connection: usize,
}

impl RecordedRequest {
    /// A header as text (`None` when absent or not visible ASCII).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Whether the request carried an `Authorization` header.
    pub fn has_authorization(&self) -> bool {
        self.headers.contains_key(http::header::AUTHORIZATION)
    }

    /// The path and query.
    pub fn path_and_query(&self) -> &str {
        self.uri.path_and_query().map_or("", |p| p.as_str())
    }

    /// The body parsed as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("the request body is JSON")
    }
}

#[derive(Debug)]
struct State {
    script: Mutex<VecDeque<Reply>>,
    fallback: Mutex<Reply>,
    requests: Mutex<Vec<RecordedRequest>>,
    connections: AtomicUsize,
}

/// A loopback HTTP/1.1 server answering from a queue of [`Reply`]s, one per request in
/// arrival order (whatever the connection), then with a fallback (default: `500` with
/// `unscripted request`). It records every request.
///
/// ```no_run
/// # use intercom_tests::{LoopbackServer, Reply};
/// let server = LoopbackServer::start();
/// server.push(Reply::status(503));
/// server.push(Reply::ok());
/// // … send a request to server.url() …
/// assert_eq!(server.requests().len(), 2);
/// ```
#[derive(Debug)]
pub struct LoopbackServer {
    addr: SocketAddr,
    state: Arc<State>,
    runtime: Option<tokio::runtime::Runtime>,
}

type ServerBody = BoxBody<Bytes, io::Error>;

impl LoopbackServer {
    /// Starts a server on a free port of 127.0.0.1.
    pub fn start() -> Self {
        Self::start_with_fallback(Reply::text(500, "unscripted request"))
    }

    /// Starts a server that answers every request with `fallback` unless scripted otherwise
    /// (for example a redirect target that always says `200`).
    pub fn start_with_fallback(fallback: Reply) -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        listener
            .set_nonblocking(true)
            .expect("set the listener non-blocking");
        let addr = listener.local_addr().expect("the listener's address");
        let state = Arc::new(State {
            script: Mutex::new(VecDeque::new()),
            fallback: Mutex::new(fallback),
            requests: Mutex::new(Vec::new()),
            connections: AtomicUsize::new(0),
        });
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("loopback-server")
            .enable_all()
            .build()
            .expect("a server runtime");
        let accept_state = Arc::clone(&state);
        runtime.spawn(async move {
            let listener =
                tokio::net::TcpListener::from_std(listener).expect("register the listener");
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let _ = stream.set_nodelay(true);
                let connection = accept_state.connections.fetch_add(1, Ordering::SeqCst);
                let state = Arc::clone(&accept_state);
                tokio::spawn(serve(state, connection, stream));
            }
        });
        Self {
            addr,
            state,
            runtime: Some(runtime),
        }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `http://127.0.0.1:<port><path>`.
    pub fn url_for(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Queues the answer to the next unanswered request.
    pub fn push(&self, reply: Reply) -> &Self {
        lock(&self.state.script).push_back(reply);
        self
    }

    /// Queues several answers.
    pub fn push_all(&self, replies: impl IntoIterator<Item = Reply>) -> &Self {
        lock(&self.state.script).extend(replies);
        self
    }

    /// Replaces the answer given once the queue is empty.
    pub fn set_fallback(&self, reply: Reply) {
        *lock(&self.state.fallback) = reply;
    }

    /// Every request received so far, in arrival order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.state.requests).clone()
    }

    /// How many requests arrived.
    pub fn request_count(&self) -> usize {
        lock(&self.state.requests).len()
    }

    /// The `n`-th request (from 0). Panics when fewer arrived.
    pub fn request(&self, n: usize) -> RecordedRequest {
        let requests = lock(&self.state.requests);
        requests
            .get(n)
            .cloned()
            .unwrap_or_else(|| panic!("request #{n} never arrived ({} did)", requests.len()))
    }

    /// For each request received, whether it carried `Authorization`.
    pub fn saw_authorization(&self) -> Vec<bool> {
        lock(&self.state.requests)
            .iter()
            .map(RecordedRequest::has_authorization)
            .collect()
    }

    /// How many connections were accepted.
    pub fn connection_count(&self) -> usize {
        self.state.connections.load(Ordering::SeqCst)
    }

    /// How many scripted replies are still queued.
    pub fn pending_replies(&self) -> usize {
        lock(&self.state.script).len()
    }
}

impl Drop for LoopbackServer {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            // Never blocks, even inside another runtime; open connections are dropped.
            runtime.shutdown_background();
        }
    }
}

/// A URL on 127.0.0.1 where nothing listens (a port just bound and released).
pub fn closed_port_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    let addr = listener.local_addr().expect("the listener's address");
    drop(listener);
    format!("http://{addr}")
}

/// A listener whose accept queue is full, so new connections hang in `SYN_SENT`: connecting
/// to [`BlackholeListener::url`] times out instead of failing. Keep it alive for the test.
#[derive(Debug)]
pub struct BlackholeListener {
    addr: SocketAddr,
    _listener: std::net::TcpListener,
    _filler: Vec<std::net::TcpStream>,
}

impl BlackholeListener {
    /// Binds with a backlog of 1 and fills the queue with connections never accepted.
    ///
    /// Returns `None` if the queue could not be filled (connections kept succeeding), so a
    /// test can report that the platform does not drop SYNs on a full queue.
    pub fn start() -> Option<Self> {
        // tokio's `TcpSocket` sets the backlog; it needs a runtime to register, so do it on
        // a fresh thread (this may be called from inside a test's runtime).
        let listener = std::thread::spawn(|| {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime");
            rt.block_on(async {
                let socket = tokio::net::TcpSocket::new_v4()?;
                socket.bind("127.0.0.1:0".parse().expect("an address"))?;
                socket.listen(1)?.into_std()
            })
        })
        .join()
        .expect("the listener thread")
        .expect("a listener with backlog 1");
        let addr = listener.local_addr().expect("the listener's address");
        let mut filler = Vec::new();
        for _ in 0..16 {
            match std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(100)) {
                Ok(stream) => filler.push(stream),
                Err(_) => {
                    return Some(Self {
                        addr,
                        _listener: listener,
                        _filler: filler,
                    })
                }
            }
        }
        None
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The accepted socket, which can be told to reset (RST) instead of closing (FIN).
struct ResettableIo {
    inner: TcpStream,
    reset: Arc<AtomicBool>,
}

impl Drop for ResettableIo {
    fn drop(&mut self) {
        if self.reset.load(Ordering::SeqCst) {
            let _ = self.inner.set_zero_linger();
        }
    }
}

impl AsyncRead for ResettableIo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for ResettableIo {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.reset.load(Ordering::SeqCst) {
            return Poll::Ready(Err(io::ErrorKind::ConnectionReset.into()));
        }
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.reset.load(Ordering::SeqCst) {
            // Skip the FIN: the drop sends RST.
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

async fn serve(state: Arc<State>, connection: usize, stream: TcpStream) {
    let reset = Arc::new(AtomicBool::new(false));
    let io = ResettableIo {
        inner: stream,
        reset: Arc::clone(&reset),
    };
    let service = service_fn(move |request| {
        handle(Arc::clone(&state), connection, Arc::clone(&reset), request)
    });
    let _ = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .keep_alive(true)
        .serve_connection(TokioIo::new(io), service)
        .await;
}

async fn handle(
    state: Arc<State>,
    connection: usize,
    reset: Arc<AtomicBool>,
    request: Request<Incoming>,
) -> Result<Response<ServerBody>, io::Error> {
    let (parts, body) = request.into_parts();
    let body = body
        .collect()
        .await
        .map(|c| c.to_bytes())
        .unwrap_or_default();
    lock(&state.requests).push(RecordedRequest {
        method: parts.method,
        uri: parts.uri,
        headers: parts.headers,
        body,
        connection,
    });
    let reply = lock(&state.script)
        .pop_front()
        .unwrap_or_else(|| lock(&state.fallback).clone());
    if !reply.delay.is_zero() {
        tokio::time::sleep(reply.delay).await;
    }
    match reply.kind {
        ReplyKind::Respond => {}
        ReplyKind::Hangup => {
            return Err(io::Error::other("scripted hang-up"));
        }
        ReplyKind::Reset => {
            reset.store(true, Ordering::SeqCst);
            return Err(io::Error::other("scripted reset"));
        }
    }
    let body: ServerBody = match reply.body {
        ReplyBody::Full(bytes) => Full::new(bytes)
            .map_err(|never: Infallible| match never {})
            .boxed(),
        ReplyBody::Chunks { chunks, end } => {
            let chunks: VecDeque<_> = chunks.into();
            let frames = stream::unfold(
                (chunks, Some(end), reset),
                |(mut chunks, end, reset)| async move {
                    if let Some((delay, chunk)) = chunks.pop_front() {
                        if !delay.is_zero() {
                            tokio::time::sleep(delay).await;
                        }
                        return Some((Ok(Frame::data(chunk)), (chunks, end, reset)));
                    }
                    match end? {
                        BodyEnd::Complete => None,
                        BodyEnd::Close => Some((
                            Err(io::Error::other("scripted close")),
                            (chunks, None, reset),
                        )),
                        BodyEnd::Reset => {
                            reset.store(true, Ordering::SeqCst);
                            Some((
                                Err(io::Error::other("scripted reset")),
                                (chunks, None, reset),
                            ))
                        }
                    }
                },
            );
            StreamBody::new(frames).boxed()
        }
        ReplyBody::Endless { chunk, interval } => {
            let frames = stream::unfold(chunk, move |chunk| async move {
                if interval.is_zero() {
                    tokio::task::yield_now().await;
                } else {
                    tokio::time::sleep(interval).await;
                }
                Some((Ok(Frame::data(chunk.clone())), chunk))
            });
            StreamBody::new(frames).boxed()
        }
    };
    let mut response = Response::new(body);
    *response.status_mut() = reply.status;
    for (name, value) in reply.headers {
        response.headers_mut().append(name, value);
    }
    Ok(response)
}
