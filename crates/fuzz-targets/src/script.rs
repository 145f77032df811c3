//! The scripted world of the pipeline-level targets (`pipeline`, `error_decoder`, `base_url`):
//! a small text format describing a client configuration and the answers of a server, a
//! [`Transport`] that replays those answers, and the invariants every run must keep.
//!
//! # The format
//!
//! ```text
//! call=raw path=/me attempts=3 follow=1 total_ms=120000      <- first line: the configuration
//! HTTP 429                                                    <- an answer: status line,
//! Retry-After: 18446744073709551615                           <-   headers,
//! X-RateLimit-Remaining: 0                                    <-   an empty line,
//!                                                             <-
//! {"type":"error.list"<|>,"errors":[]}                        <-   the body; `<|>` splits chunks
//! ~~~                                                         <- the next answer
//! !connect                                                    <- or a failure: !connect,
//!                                                                !connect-timeout, !io, !other, !hang
//! ```
//!
//! Everything is read leniently: every byte string is some script. Unknown configuration keys,
//! header lines a `HeaderMap` cannot hold and unparsable numbers are skipped. Pseudo-headers
//! steer the replay: `x-fuzz-delay-ms` (before the head), `x-fuzz-chunk-delay-ms` (between body
//! chunks), `x-fuzz-body-error` (the body fails after its chunks), `x-fuzz-trailers` (a trailers
//! frame) and `x-fuzz-repeat` (the answer is given that many times). When the answers run out,
//! every further request fails to connect.
//!
//! Configuration keys (defaults in brackets): `call` [raw] = raw | post | head | delete | get |
//! detach | cursor | pages | scroll; `path` [/me] (raw calls, sent as given); `id`, `id2`
//! [123, 456] (typed calls; percent-decoded); `calls` [1] (1–3 calls on one client);
//! `attempts` [3] (1–6); `follow` [0]; `retry_post` [0]; `wait_limit` [1]; `total_ms`
//! [120000] and `attempt_ms` [30000] (a number or `max`); `max_body` [16 MiB];
//! `first_page` [1] (the numbered-pages call); `page_limit` [4] (pages read per stream, ≤ 6);
//! `base` [`https://api.intercom.io`]; `loopback` [0].
//!
//! Why one file: the format, the transport that replays it and the invariant checks are one
//! contract. Every configuration key parsed here is steered by the replay and judged by the
//! checks (`follow` and `loopback` by the origin checks, `attempts` by the counts, the paging
//! keys by the page-number checks), so a change to one part is a change to the other two;
//! keeping them side by side is what lets a reader see that every key is checked.

use std::collections::VecDeque;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use futures::StreamExt as _;
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use http_body::Frame;
use http_body_util::StreamBody;
use intercom_auth_types::AccessToken;
use intercom_resources::IntercomApi as _;
use intercom_transport::{
    ApiRequest, Body, Client, Error, RateLimit, RawResponse, RetryConfig, Transport,
    TransportError, TransportErrorKind,
};
use percent_encoding::percent_decode;

/// The token every scripted client carries. Nothing the client reports may contain it.
pub(crate) const TOKEN: &str = "fuzz0TOKEN0b64token0value";

/// Between two answers.
const SEPARATOR: &[u8] = b"\n~~~\n";
/// Between two chunks of a body.
const CHUNK: &[u8] = b"<|>";
/// At most this many answers (repeats included) are replayed.
const MAX_STEPS: usize = 48;
/// A call makes at most `attempts × (1 + redirects)` requests.
const MAX_REDIRECTS: usize = 10;
/// The pipeline's timers are rounded up to whole milliseconds; a call may end that much after
/// its deadline.
const TIMER_SLACK: Duration = Duration::from_millis(10);

// ---------------------------------------------------------------------------------------------
// Parsing.
// ---------------------------------------------------------------------------------------------

/// Which API the run calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Call {
    /// `execute(GET path)`.
    Raw,
    /// `execute(POST path)` with a JSON body.
    Post,
    /// `execute(HEAD path)`.
    Head,
    /// `execute(DELETE path)`.
    Delete,
    /// `contacts().get(id)`.
    Get,
    /// `tags().detach_from_contact(id, id2)`.
    Detach,
    /// `contacts().list_pages()`: cursor pagination.
    Cursor,
    /// `companies().list_pages()`: numbered pages.
    Pages,
    /// `companies().scroll_pages()`: scroll pagination.
    Scroll,
}

/// The client configuration and what to call.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub call: Call,
    pub path: String,
    pub id: String,
    pub id2: String,
    pub calls: usize,
    pub attempts: u32,
    pub follow: bool,
    pub retry_post: bool,
    pub wait_limit: bool,
    pub total: Duration,
    pub attempt: Duration,
    pub max_body: usize,
    pub first_page: i64,
    pub page_limit: usize,
    pub base: String,
    pub loopback: bool,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            call: Call::Raw,
            path: "/me".into(),
            id: "123".into(),
            id2: "456".into(),
            calls: 1,
            attempts: 3,
            follow: false,
            retry_post: false,
            wait_limit: true,
            total: Duration::from_secs(120),
            attempt: Duration::from_secs(30),
            max_body: intercom_transport::DEFAULT_MAX_BODY_BYTES,
            first_page: 1,
            page_limit: 4,
            base: "https://api.intercom.io".into(),
            loopback: false,
        }
    }
}

impl Config {
    /// Reads `key=value` words; anything else is ignored.
    pub(crate) fn parse(line: &[u8]) -> Self {
        let mut config = Self::default();
        for word in line.split(u8::is_ascii_whitespace) {
            let Some((key, value)) = split_once(word, b"=") else {
                continue;
            };
            let text = || String::from_utf8_lossy(value).into_owned();
            let decoded = || percent_decode(value).decode_utf8_lossy().into_owned();
            let flag = || value.first() == Some(&b'1');
            match key {
                b"call" => {
                    config.call = match value {
                        b"post" => Call::Post,
                        b"head" => Call::Head,
                        b"delete" => Call::Delete,
                        b"get" => Call::Get,
                        b"detach" => Call::Detach,
                        b"cursor" => Call::Cursor,
                        b"pages" => Call::Pages,
                        b"scroll" => Call::Scroll,
                        _ => Call::Raw,
                    }
                }
                b"path" => config.path = text(),
                b"id" => config.id = decoded(),
                b"id2" => config.id2 = decoded(),
                b"calls" => config.calls = number(value).map_or(1, |n| n.clamp(1, 3) as usize),
                b"attempts" => config.attempts = number(value).map_or(3, |n| n.clamp(1, 6) as u32),
                b"follow" => config.follow = flag(),
                b"retry_post" => config.retry_post = flag(),
                b"wait_limit" => config.wait_limit = flag(),
                b"total_ms" => config.total = millis(value).unwrap_or(config.total),
                b"attempt_ms" => config.attempt = millis(value).unwrap_or(config.attempt),
                b"max_body" => {
                    config.max_body = number(value).map_or(config.max_body, saturate_usize)
                }
                b"first_page" => {
                    config.first_page = std::str::from_utf8(value)
                        .ok()
                        .and_then(|s| s.parse().ok())
                        .unwrap_or(1)
                }
                b"page_limit" => {
                    config.page_limit = number(value).map_or(4, |n| n.clamp(1, 6) as usize)
                }
                b"base" => config.base = decoded(),
                b"loopback" => config.loopback = flag(),
                _ => {}
            }
        }
        config
    }
}

fn number(value: &[u8]) -> Option<u64> {
    if value == b"max" {
        return Some(u64::MAX);
    }
    std::str::from_utf8(value).ok()?.parse().ok()
}

fn millis(value: &[u8]) -> Option<Duration> {
    if value == b"max" {
        return Some(Duration::MAX);
    }
    number(value).map(Duration::from_millis)
}

fn saturate_usize(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

/// One scripted answer.
#[derive(Debug, Clone)]
pub(crate) enum Step {
    /// The transport fails with this kind.
    Fail(TransportErrorKind),
    /// The transport never answers (only a deadline ends the attempt).
    Hang,
    /// An HTTP answer.
    Reply(Reply),
}

/// A scripted HTTP answer.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub chunks: Vec<Bytes>,
    pub delay: Duration,
    pub chunk_delay: Duration,
    pub body_error: bool,
    pub trailers: bool,
}

impl Reply {
    /// The body as one byte string.
    pub(crate) fn body(&self) -> Vec<u8> {
        self.chunks.concat()
    }
}

/// Parses one answer. Returns it with its repeat count.
pub(crate) fn parse_step(raw: &[u8]) -> (Step, usize) {
    let (line, rest) = split_once(raw, b"\n").unwrap_or((raw, b""));
    let line = String::from_utf8_lossy(line);
    let step = match line.trim() {
        "!connect" => Step::Fail(TransportErrorKind::Connect),
        "!connect-timeout" => Step::Fail(TransportErrorKind::ConnectTimeout),
        "!io" => Step::Fail(TransportErrorKind::Io),
        "!other" => Step::Fail(TransportErrorKind::Other),
        "!hang" => Step::Hang,
        status => return parse_reply(status, rest),
    };
    (step, 1)
}

pub(crate) fn parse_reply(status_line: &str, mut rest: &[u8]) -> (Step, usize) {
    // The first word of digits (`HTTP/1.1 429 Too Many Requests`, `HTTP 429`, `429`), else the
    // first run of digits anywhere.
    let digits: String = match status_line
        .split_ascii_whitespace()
        .find(|w| w.bytes().all(|b| b.is_ascii_digit()))
    {
        Some(word) => word.chars().take(6).collect(),
        None => status_line
            .chars()
            .skip_while(|c| !c.is_ascii_digit())
            .take_while(char::is_ascii_digit)
            .take(6)
            .collect(),
    };
    let status = match digits.parse::<u32>() {
        Ok(n) => {
            let n = if (100..=999).contains(&n) {
                n
            } else {
                100 + n % 900
            };
            u16::try_from(n)
                .ok()
                .and_then(|n| StatusCode::from_u16(n).ok())
                .unwrap_or(StatusCode::OK)
        }
        Err(_) => StatusCode::OK,
    };
    let mut reply = Reply {
        status,
        headers: HeaderMap::new(),
        chunks: Vec::new(),
        delay: Duration::ZERO,
        chunk_delay: Duration::ZERO,
        body_error: false,
        trailers: false,
    };
    let mut repeat = 1;
    let mut body: &[u8] = b"";
    while !rest.is_empty() {
        let (line, after) = split_once(rest, b"\n").unwrap_or((rest, b""));
        rest = after;
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            body = rest;
            break;
        }
        let Some((name, value)) = split_once(line, b":") else {
            continue;
        };
        let name = name.trim_ascii();
        let value = value.trim_ascii();
        match name.to_ascii_lowercase().as_slice() {
            b"x-fuzz-delay-ms" => reply.delay = millis(value).unwrap_or_default(),
            b"x-fuzz-chunk-delay-ms" => reply.chunk_delay = millis(value).unwrap_or_default(),
            b"x-fuzz-body-error" => reply.body_error = true,
            b"x-fuzz-trailers" => reply.trailers = true,
            b"x-fuzz-repeat" => repeat = number(value).map_or(1, |n| n.clamp(1, 12) as usize),
            _ => {
                if let (Ok(name), Ok(value)) =
                    (HeaderName::from_bytes(name), HeaderValue::from_bytes(value))
                {
                    reply.headers.append(name, value);
                }
            }
        }
    }
    if !body.is_empty() {
        let mut remaining = body;
        while let Some((chunk, after)) = split_once(remaining, CHUNK) {
            reply.chunks.push(Bytes::copy_from_slice(chunk));
            remaining = after;
        }
        reply.chunks.push(Bytes::copy_from_slice(remaining));
    }
    (Step::Reply(reply), repeat)
}

/// A configuration line and the answers after it.
pub(crate) fn parse_script(data: &[u8]) -> (Config, VecDeque<Step>) {
    let (line, rest) = split_once(data, b"\n").unwrap_or((data, b""));
    (Config::parse(line), parse_steps(rest))
}

/// Answers separated by [`SEPARATOR`], repeats expanded, at most [`MAX_STEPS`].
pub(crate) fn parse_steps(mut rest: &[u8]) -> VecDeque<Step> {
    let mut steps = VecDeque::new();
    while !rest.is_empty() && steps.len() < MAX_STEPS {
        let (raw, after) = split_once(rest, SEPARATOR).unwrap_or((rest, b""));
        rest = after;
        let (step, repeat) = parse_step(raw);
        for _ in 0..repeat.min(MAX_STEPS - steps.len()) {
            steps.push_back(step.clone());
        }
    }
    steps
}

pub(crate) fn split_once<'a>(haystack: &'a [u8], needle: &[u8]) -> Option<(&'a [u8], &'a [u8])> {
    let at = haystack
        .windows(needle.len())
        .position(|window| window == needle)?;
    Some((&haystack[..at], &haystack[at + needle.len()..]))
}

// ---------------------------------------------------------------------------------------------
// The transport.
// ---------------------------------------------------------------------------------------------

/// A request as the transport saw it.
#[derive(Debug, Clone)]
pub(crate) struct Seen {
    pub uri: Uri,
    pub authorization: Option<HeaderValue>,
}

/// Replays [`Step`]s, recording every request.
pub(crate) struct Scripted {
    steps: Mutex<VecDeque<Step>>,
    seen: Mutex<Vec<Seen>>,
}

impl fmt::Debug for Scripted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Scripted")
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Scripted {
    pub(crate) fn new(steps: VecDeque<Step>) -> Self {
        Self {
            steps: Mutex::new(steps),
            seen: Mutex::new(Vec::new()),
        }
    }

    pub(crate) fn seen(&self) -> Vec<Seen> {
        lock(&self.seen).clone()
    }

    fn seen_count(&self) -> usize {
        lock(&self.seen).len()
    }
}

#[async_trait::async_trait]
impl Transport for Scripted {
    async fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<Body>, TransportError> {
        lock(&self.seen).push(Seen {
            uri: request.uri().clone(),
            authorization: request.headers().get(http::header::AUTHORIZATION).cloned(),
        });
        let step = lock(&self.steps).pop_front();
        let reply = match step {
            None => {
                return Err(TransportError::new(
                    TransportErrorKind::Connect,
                    "the script has no more answers",
                ))
            }
            Some(Step::Fail(kind)) => {
                return Err(TransportError::new(kind, "scripted transport failure"))
            }
            Some(Step::Hang) => return futures::future::pending().await,
            Some(Step::Reply(reply)) => reply,
        };
        if !reply.delay.is_zero() {
            tokio::time::sleep(reply.delay).await;
        }
        let mut response = http::Response::new(body(&reply));
        *response.status_mut() = reply.status;
        *response.headers_mut() = reply.headers;
        Ok(response)
    }
}

/// The body of a reply: one frame when that is all it is, else a stream of frames.
fn body(reply: &Reply) -> Body {
    let simple = reply.chunk_delay.is_zero() && !reply.body_error && !reply.trailers;
    match (simple, reply.chunks.as_slice()) {
        (true, []) => return Body::empty(),
        (true, [only]) => return Body::from_bytes(only.clone()),
        _ => {}
    }
    struct State {
        chunks: VecDeque<Bytes>,
        delay: Duration,
        trailers: bool,
        error: bool,
        started: bool,
    }
    let state = State {
        chunks: reply.chunks.iter().cloned().collect(),
        delay: reply.chunk_delay,
        trailers: reply.trailers,
        error: reply.body_error,
        started: false,
    };
    let frames = futures::stream::unfold(state, |mut state| async move {
        if let Some(chunk) = state.chunks.pop_front() {
            if state.started && !state.delay.is_zero() {
                tokio::time::sleep(state.delay).await;
            }
            state.started = true;
            return Some((Ok(Frame::data(chunk)), state));
        }
        if state.trailers {
            state.trailers = false;
            let mut trailers = HeaderMap::new();
            trailers.insert("x-trailer", HeaderValue::from_static("1"));
            return Some((Ok(Frame::trailers(trailers)), state));
        }
        if state.error {
            state.error = false;
            let error = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "scripted reset");
            return Some((Err(error), state));
        }
        None
    });
    Body::new(StreamBody::new(frames))
}

// ---------------------------------------------------------------------------------------------
// Running a script and checking what happened.
// ---------------------------------------------------------------------------------------------

/// What one call returned.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// An `execute` call.
    Raw(Result<RawResponse, Error>),
    /// A typed call (the decoded value is dropped).
    Typed(Result<(), Error>),
    /// A page stream: one result per page read.
    Pages(Vec<Result<(), Error>>),
}

/// The result of [`run`].
pub(crate) struct Run {
    /// `Err` when the client could not be built from the configuration.
    pub outcomes: Result<Vec<Outcome>, Error>,
    /// The client's base URL, when it was built.
    pub base: Option<url::Url>,
}

/// A paused-clock runtime: sleeps, backoffs and rate-limit waits take no real time.
fn runtime() -> tokio::runtime::Runtime {
    match tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
    {
        Ok(runtime) => runtime,
        // Not a finding about the library: the harness cannot run at all.
        Err(e) => panic!("harness: cannot build a tokio runtime: {e}"),
    }
}

/// Builds the client the configuration describes, runs its calls against the steps, and checks
/// every invariant that does not depend on the target. `input` is the fuzz input, used to tell
/// whether the token could have come from the server.
pub(crate) fn run(config: &Config, steps: VecDeque<Step>, input: &[u8]) -> Run {
    let transport = Arc::new(Scripted::new(steps));
    let mut retry = RetryConfig::default();
    retry.max_attempts = config.attempts;
    retry.retry_non_idempotent = config.retry_post;
    retry.wait_on_exhausted_limit = config.wait_limit;
    let built = Client::builder()
        .base_url(config.base.clone())
        .allow_insecure_loopback(config.loopback)
        .transport(Arc::clone(&transport) as Arc<dyn Transport>)
        .jitter_seed(7)
        .retry(retry)
        .follow_redirects(config.follow)
        .max_body_bytes(config.max_body)
        .attempt_timeout(config.attempt)
        .total_timeout(config.total)
        .build();
    let client = match built {
        Ok(client) => client,
        Err(e) => {
            check_error(&e, config, input);
            return Run {
                outcomes: Err(e),
                base: None,
            };
        }
    };
    let token = match AccessToken::new(TOKEN) {
        Ok(token) => token,
        Err(e) => panic!("harness: the scripted token is invalid: {e}"),
    };
    let client = client.with_access_token(token);
    let base = client.base_url().clone();
    let runtime = runtime();
    let mut outcomes = Vec::new();
    for _ in 0..config.calls {
        let before = transport.seen_count();
        let outcome = runtime.block_on(async {
            let started = tokio::time::Instant::now();
            let outcome = call(&client, config).await;
            let elapsed = started.elapsed();
            if !matches!(outcome, Outcome::Pages(_)) && config.total < Duration::from_secs(86_400) {
                assert!(
                    elapsed <= config.total.saturating_add(TIMER_SLACK),
                    "a call took {elapsed:?}, past its total deadline of {:?}",
                    config.total
                );
            }
            outcome
        });
        let seen = transport.seen();
        let new = seen.get(before..).unwrap_or_default();
        check_call(config, &base, new, &outcome, input);
        outcomes.push(outcome);
    }
    // The client is still usable after whatever happened.
    let _ = client.rate_limit();
    check_requests(&base, &transport.seen());
    Run {
        outcomes: Ok(outcomes),
        base: Some(base),
    }
}

async fn call(client: &Client<intercom_auth_types::Private>, config: &Config) -> Outcome {
    let raw = |method: Method| ApiRequest::dynamic(method, config.path.clone());
    match config.call {
        Call::Raw => Outcome::Raw(client.execute(raw(Method::GET)).await),
        Call::Head => Outcome::Raw(client.execute(raw(Method::HEAD)).await),
        Call::Delete => Outcome::Raw(client.execute(raw(Method::DELETE)).await),
        Call::Post => {
            let body = serde_json::json!({"email": "fuzz@example.com", "role": "user"});
            Outcome::Raw(client.execute(raw(Method::POST).json(&body)).await)
        }
        Call::Get => Outcome::Typed(client.contacts().get(&config.id).await.map(drop)),
        Call::Detach => Outcome::Typed(
            client
                .tags()
                .detach_from_contact(&config.id, &config.id2)
                .await
                .map(drop),
        ),
        Call::Cursor => {
            let params = intercom_resources::contacts::ListParams::default();
            read_pages(client.contacts().list_pages(&params), config.page_limit).await
        }
        Call::Pages => {
            let params = intercom_resources::companies::ListParams {
                page: Some(config.first_page),
                ..Default::default()
            };
            read_pages(client.companies().list_pages(&params), config.page_limit).await
        }
        Call::Scroll => {
            let params = intercom_resources::companies::ScrollParams::default();
            read_pages(client.companies().scroll_pages(&params), config.page_limit).await
        }
    }
}

/// Reads at most `limit` pages; a stream that yielded an error must end right after it.
async fn read_pages<P>(
    mut stream: intercom_resources::pagination::PageStream<P>,
    limit: usize,
) -> Outcome {
    let mut pages = Vec::new();
    while pages.len() < limit {
        match stream.next().await {
            None => break,
            Some(Ok(_)) => pages.push(Ok(())),
            Some(Err(e)) => {
                pages.push(Err(e));
                assert!(
                    stream.next().await.is_none(),
                    "a page stream went on after yielding an error"
                );
                break;
            }
        }
    }
    Outcome::Pages(pages)
}

/// Scheme, host and port of `uri`, as the `url` crate normalises them.
fn origin(uri: &Uri) -> Option<url::Origin> {
    url::Url::parse(&uri.to_string()).ok().map(|u| u.origin())
}

/// Invariants over every request of a run.
fn check_requests(base: &url::Url, seen: &[Seen]) {
    let expected = format!("Bearer {TOKEN}");
    let base_origin = base.origin();
    for request in seen {
        if base.scheme() == "https" {
            assert_eq!(
                request.uri.scheme_str(),
                Some("https"),
                "a request left https: {}",
                request.uri
            );
        }
        if let Some(value) = &request.authorization {
            assert_eq!(
                value.as_bytes(),
                expected.as_bytes(),
                "the Authorization header is not the client's"
            );
            assert!(
                value.is_sensitive(),
                "the Authorization header is not sensitive"
            );
            assert_eq!(
                origin(&request.uri).as_ref(),
                Some(&base_origin),
                "the token was sent to {} (base URL {base})",
                request.uri
            );
        }
    }
}

/// Invariants of one call: its requests and its outcome.
fn check_call(config: &Config, base: &url::Url, seen: &[Seen], outcome: &Outcome, input: &[u8]) {
    let per_attempt = MAX_REDIRECTS + 1;
    let pages = match outcome {
        Outcome::Pages(_) => config.page_limit.saturating_add(1),
        _ => 1,
    };
    let limit = (config.attempts as usize)
        .saturating_mul(per_attempt)
        .saturating_mul(pages);
    assert!(
        seen.len() <= limit,
        "{} requests for one call (at most {limit} expected)",
        seen.len()
    );
    // The first request of a call always goes to the base URL, whatever the path.
    if let Some(first) = seen.first() {
        assert_eq!(
            origin(&first.uri).as_ref(),
            Some(&base.origin()),
            "a request path reached another origin: {} (base URL {base})",
            first.uri
        );
        let prefix = base.path().trim_end_matches('/');
        assert!(
            first.uri.path().starts_with(prefix),
            "a request escaped the base path: {} (base URL {base})",
            first.uri
        );
    }
    // A typed call's path has exactly its template's segments, none of them a dot segment
    // (which a normalising proxy or server would resolve: `/contacts/1/tags/..`).
    let template: &[&str] = match config.call {
        Call::Get => &["", "contacts", "{contact_id}"],
        Call::Detach => &["", "contacts", "{contact_id}", "tags", "{tag_id}"],
        _ => &[],
    };
    if let (false, Some(first)) = (template.is_empty(), seen.first()) {
        let prefix = base.path().trim_end_matches('/');
        let path = first.uri.path().strip_prefix(prefix).unwrap_or_default();
        let segments: Vec<&str> = path.split('/').collect();
        assert_eq!(
            segments.len(),
            template.len(),
            "{path} does not have the segments of {}",
            template.join("/")
        );
        for (segment, expected) in segments.iter().zip(template) {
            assert!(!matches!(*segment, "." | ".."), "{path} has a dot segment");
            if !expected.starts_with('{') {
                assert_eq!(segment, expected, "{path} is not {}", template.join("/"));
            }
        }
    }
    match outcome {
        Outcome::Raw(Ok(raw)) => {
            assert!(raw.status.is_success(), "execute returned {}", raw.status);
            assert!(
                raw.body.len() <= config.max_body,
                "a body of {} bytes passed the cap of {}",
                raw.body.len(),
                config.max_body
            );
            assert!(
                (1..=config.attempts).contains(&raw.attempts),
                "{} attempts reported with at most {} allowed",
                raw.attempts,
                config.attempts
            );
            assert_eq!(
                raw.rate_limit,
                RateLimit::from_headers(&raw.headers),
                "the rate-limit snapshot does not match the headers"
            );
            let _ = (raw.request_id(), raw.location(), raw.text());
        }
        Outcome::Raw(Err(e)) | Outcome::Typed(Err(e)) => check_error(e, config, input),
        Outcome::Typed(Ok(())) => {}
        Outcome::Pages(pages) => {
            for page in pages {
                if let Err(e) = page {
                    check_error(e, config, input);
                }
            }
            if config.call == Call::Pages {
                check_page_numbers(seen);
            }
        }
    }
}

/// Numbered pages are requested in order and never wrap around.
fn check_page_numbers(seen: &[Seen]) {
    let mut last: Option<i64> = None;
    for request in seen {
        if request.uri.path() != "/companies" {
            continue;
        }
        let page = request.uri.query().and_then(|q| {
            q.split('&')
                .find_map(|pair| pair.strip_prefix("page="))
                .and_then(|n| n.parse::<i64>().ok())
        });
        let Some(page) = page else {
            panic!(
                "a numbered-pages request without a page number: {}",
                request.uri
            );
        };
        if let Some(previous) = last {
            assert!(
                page >= previous,
                "page {page} requested after page {previous}: the page number went backwards"
            );
        }
        last = Some(page);
    }
}

/// Control characters and the Unicode bidirectional formatting characters.
fn unsafe_for_terminal(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
        )
}

/// Invariants of any error the client returns.
pub(crate) fn check_error(error: &Error, config: &Config, input: &[u8]) {
    let shown = format!("{error}");
    let debug = format!("{error:?}");
    let mut source = std::error::Error::source(error);
    let mut chain = String::new();
    while let Some(s) = source {
        chain.push_str(&s.to_string());
        source = s.source();
    }
    // Server text reaches terminals through these messages: no character a terminal obeys
    // (C0, DEL, C1) and no bidirectional formatting character may get through unescaped.
    if let Some(c) = shown.chars().find(|&c| unsafe_for_terminal(c)) {
        panic!("an error's Display has the raw character {c:?}: {shown:?}");
    }
    let token_in_input = input
        .windows(TOKEN.len())
        .any(|w| w.eq_ignore_ascii_case(TOKEN.as_bytes()));
    if !token_in_input {
        for text in [&shown, &debug, &chain] {
            assert!(!text.contains(TOKEN), "an error shows the token: {text}");
        }
    }
    let _ = (
        error.status(),
        error.request_id(),
        error.rate_limit(),
        error.is_rate_limited(),
        error.is_unauthorized(),
        error.is_not_found(),
        error.is_timeout(),
        error.is_transport(),
    );
    match error {
        Error::Api(api) => {
            assert!(
                !api.status.is_success(),
                "a {} answer became an API error",
                api.status
            );
            assert!(
                !api.status.is_redirection() || api.status == StatusCode::NOT_MODIFIED,
                "a {} redirect became an API error",
                api.status
            );
            let _ = (
                api.code(),
                api.is_rate_limited(),
                api.is_unauthorized(),
                api.is_forbidden(),
                api.is_not_found(),
                api.is_conflict(),
                api.is_server_error(),
                api.canonical_contact_id(),
            );
        }
        Error::BodyTooLarge { limit, .. } => {
            assert_eq!(
                *limit, config.max_body,
                "the body cap reported is not the one set"
            )
        }
        Error::Redirect { .. } => assert!(!config.follow, "a redirect was not followed"),
        Error::RedirectRefused { .. } => {
            assert!(config.follow, "a redirect was refused while not following")
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_parse_as_documented() {
        let (config, steps) = parse_script(
            b"call=pages follow=1 attempts=99 total_ms=max max_body=7 first_page=-3 id=a%2Fb\n\
              HTTP/1.1 429 Too Many Requests\nRetry-After: 5\nx-fuzz-repeat: 2\nbad header\n\
              x-fuzz-chunk-delay-ms: 3\n\nab<|>cd\n~~~\n!hang\n~~~\n!io",
        );
        assert_eq!(config.call, Call::Pages);
        assert!(config.follow);
        assert_eq!(config.attempts, 6);
        assert_eq!(config.total, Duration::MAX);
        assert_eq!(config.max_body, 7);
        assert_eq!(config.first_page, -3);
        assert_eq!(config.id, "a/b");
        assert_eq!(steps.len(), 4);
        let Some(Step::Reply(reply)) = steps.front() else {
            panic!("the first step is not a reply: {steps:?}");
        };
        assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(reply.headers.len(), 1);
        assert_eq!(reply.chunks, [&b"ab"[..], &b"cd"[..]]);
        assert_eq!(reply.chunk_delay, Duration::from_millis(3));
        assert!(matches!(steps[2], Step::Hang));
        assert!(matches!(steps[3], Step::Fail(TransportErrorKind::Io)));
    }

    #[test]
    fn the_token_follows_the_base_url_only() {
        let script = b"call=raw follow=1\nHTTP 302\nLocation: /two\n\n\n~~~\n\
            HTTP 307\nLocation: https://elsewhere.example/x\n\n\n~~~\n\
            HTTP 302\nLocation: https://api.intercom.io/back\n\n\n~~~\nHTTP 200\n\n{}";
        let (config, steps) = parse_script(script);
        let transport = Arc::new(Scripted::new(steps));
        let client = Client::builder()
            .transport(Arc::clone(&transport) as Arc<dyn Transport>)
            .follow_redirects(config.follow)
            .build()
            .map(|c| c.with_access_token(AccessToken::new(TOKEN).expect("valid token")))
            .expect("default client");
        let result = runtime().block_on(call(&client, &config));
        assert!(matches!(result, Outcome::Raw(Ok(_))), "{result:?}");
        let seen = transport.seen();
        let hosts: Vec<_> = seen
            .iter()
            .map(|s| (s.uri.to_string(), s.authorization.is_some()))
            .collect();
        assert_eq!(
            hosts,
            [
                ("https://api.intercom.io/me".to_owned(), true),
                ("https://api.intercom.io/two".to_owned(), true),
                ("https://elsewhere.example/x".to_owned(), false),
                ("https://api.intercom.io/back".to_owned(), false),
            ]
        );
        check_requests(client.base_url(), &seen);
    }

    #[test]
    #[should_panic(expected = "the token was sent to")]
    fn a_token_sent_elsewhere_is_caught() {
        let base = url::Url::parse("https://api.intercom.io").expect("static");
        let authorization = HeaderValue::from_str(&format!("Bearer {TOKEN}")).map(|mut v| {
            v.set_sensitive(true);
            v
        });
        check_requests(
            &base,
            &[Seen {
                uri: Uri::from_static("https://api.intercom.io.evil.example/me"),
                authorization: authorization.ok(),
            }],
        );
    }

    #[test]
    #[should_panic(expected = "went backwards")]
    fn pages_going_backwards_are_caught() {
        let seen = |uri: &'static str| Seen {
            uri: Uri::from_static(uri),
            authorization: None,
        };
        check_page_numbers(&[
            seen("https://api.intercom.io/companies?page=9223372036854775807"),
            seen("https://api.intercom.io/companies?page=-9223372036854775808"),
        ]);
    }
}
