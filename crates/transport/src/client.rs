//! The typestate [`Client`] and the request pipeline: build → authorize → attempt loop → decode.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::{Bytes, BytesMut};
use http::header::{HeaderName, ACCEPT, AUTHORIZATION, CONTENT_TYPE, HOST, LOCATION, USER_AGENT};
use http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use http_body_util::BodyExt;
use intercom_auth_types::{
    AccessToken, AuthState, Authenticated, OAuth, OAuthToken, Private, Unauthenticated,
};
use serde::de::DeserializeOwned;
use tokio::time::Instant;
use tracing::{field::Empty, Instrument};
use url::Url;

use crate::clock;
use crate::config::{ClientBuilder, IntercomVersion, RetryConfig, Timeouts};
use crate::error::{excerpt, ApiError, Error, TimeoutPhase};
use crate::ratelimit::{InProcessLimiter, LimiterError, RateLimit, RateLimiter};
use crate::request::{self, ApiRequest};
use crate::response::{decode, RawResponse, Response};
use crate::retry::{self, Jitter};
use crate::transport::{Body, Transport, TransportError, TransportErrorKind};

const INTERCOM_VERSION: HeaderName = HeaderName::from_static("intercom-version");
const MAX_REDIRECTS: u32 = 10;

/// The configured base URL, pre-rendered for cheap joins.
#[derive(Debug)]
pub(crate) struct BaseUrl {
    url: Url,
    prefix: String,
}

impl BaseUrl {
    pub(crate) fn new(url: Url) -> Self {
        let prefix = url.as_str().trim_end_matches('/').to_owned();
        Self { url, prefix }
    }

    /// True when the base URL is plain http (only ever loopback, by explicit opt-in).
    pub(crate) fn is_plain_http(&self) -> bool {
        self.url.scheme() == "http"
    }

    /// True when `uri` has the base URL's scheme, host and port.
    fn same_origin(&self, uri: &Uri) -> bool {
        let scheme_ok = uri.scheme_str() == Some(self.url.scheme());
        let host_ok = match (uri.host(), self.url.host_str()) {
            (Some(a), Some(b)) => a
                .trim_matches(['[', ']'])
                .eq_ignore_ascii_case(b.trim_matches(['[', ']'])),
            _ => false,
        };
        let default_port = match uri.scheme_str() {
            Some("https") => Some(443),
            Some("http") => Some(80),
            _ => None,
        };
        let port = uri.port_u16().or(default_port);
        scheme_ok && host_ok && port == self.url.port_or_known_default()
    }
}

/// State shared by every clone of a client, whatever its auth state.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) transport: Arc<dyn Transport>,
    pub(crate) base: BaseUrl,
    pub(crate) version: IntercomVersion,
    pub(crate) user_agent: HeaderValue,
    pub(crate) timeouts: Timeouts,
    pub(crate) retry: RetryConfig,
    pub(crate) follow_redirects: bool,
    pub(crate) max_body_bytes: usize,
    pub(crate) jitter: Jitter,
    /// A limiter given to the builder: shared by every client of this configuration, whatever
    /// its token. Without one, each token gets its own [`InProcessLimiter`].
    pub(crate) custom_limiter: Option<Arc<dyn RateLimiter>>,
}

impl Shared {
    fn limiter_for_new_token(&self) -> Arc<dyn RateLimiter> {
        match &self.custom_limiter {
            Some(limiter) => Arc::clone(limiter),
            None => Arc::new(InProcessLimiter::new()),
        }
    }
}

/// An Intercom API client in auth state `A`.
///
/// * `Client<Unauthenticated>` (from [`Client::builder`]) can be configured but not send.
/// * `Client<Private>` ([`with_access_token`](Client::with_access_token)) and `Client<OAuth>`
///   ([`with_oauth_token`](Client::with_oauth_token)) can send.
///
/// Cloning is cheap: clones share the transport (and its connection pool), the rate limiter
/// and the configuration. Deriving a client for another token with `with_oauth_token` is just
/// as cheap, so one pool can serve one `Client<OAuth>` per installed workspace.
pub struct Client<A: AuthState = Unauthenticated> {
    shared: Arc<Shared>,
    credential: A::Credential,
    /// Paces this token's requests; shared by clones, fresh for each new token.
    limiter: Arc<dyn RateLimiter>,
}

impl<A: AuthState> Clone for Client<A> {
    fn clone(&self) -> Self {
        Self {
            shared: Arc::clone(&self.shared),
            credential: self.credential.clone(),
            limiter: Arc::clone(&self.limiter),
        }
    }
}

impl<A: AuthState> fmt::Debug for Client<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("auth", &A::NAME)
            .field("credential", &self.credential)
            .field("base_url", &self.shared.base.url.as_str())
            .field("intercom_version", &self.shared.version)
            .finish_non_exhaustive()
    }
}

impl Client<Unauthenticated> {
    /// Starts configuring a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    pub(crate) fn from_shared(shared: Arc<Shared>) -> Self {
        Self {
            limiter: shared.limiter_for_new_token(),
            shared,
            credential: (),
        }
    }
}

impl<A: AuthState> Client<A> {
    /// A client for a private app's access token, sharing this client's pool and settings.
    /// It gets its own rate-limit state (unless the builder was given a shared limiter).
    pub fn with_access_token(&self, token: AccessToken) -> Client<Private> {
        Client {
            shared: Arc::clone(&self.shared),
            credential: token.authorization(),
            limiter: self.shared.limiter_for_new_token(),
        }
    }

    /// A client for a public app's OAuth token, sharing this client's pool and settings.
    /// Each installed workspace's token gets its own rate-limit state (unless the builder was
    /// given a shared limiter), so one workspace's exhausted window never slows another.
    pub fn with_oauth_token(&self, token: OAuthToken) -> Client<OAuth> {
        Client {
            shared: Arc::clone(&self.shared),
            credential: token.authorization(),
            limiter: self.shared.limiter_for_new_token(),
        }
    }

    /// The base URL every request goes to.
    pub fn base_url(&self) -> &Url {
        &self.shared.base.url
    }

    /// The default `Intercom-Version`.
    pub fn intercom_version(&self) -> &IntercomVersion {
        &self.shared.version
    }

    /// The most recent rate-limit snapshot seen by this client or its clones.
    pub fn rate_limit(&self) -> Option<RateLimit> {
        self.limiter.last()
    }
}

/// What every attempt of one call sends, and how.
struct Plan<'a> {
    request: &'a ApiRequest,
    authorization: Option<&'a HeaderValue>,
    uri: &'a Uri,
    body: &'a Option<Bytes>,
    max_body: usize,
    follow: bool,
    may_repeat: bool,
    redact: bool,
}

/// How an attempt ended when it did not succeed.
struct Failure {
    error: Error,
    /// Whether another attempt could help, given the method.
    retryable: bool,
    /// A server-requested wait (`Retry-After`, or the rate-limit reset for 429).
    wait: Option<Duration>,
}

impl<A: Authenticated> Client<A> {
    /// Sends `request` and returns the raw response of a 2xx answer. Any other status is an
    /// error: [`Error::Api`] for 4xx/5xx, [`Error::Redirect`] for a 3xx not followed.
    pub async fn execute(&self, request: ApiRequest) -> Result<RawResponse, Error> {
        self.dispatch(request, Some(self.credential.header_value()))
            .await
    }

    /// Sends `request` and decodes the JSON body of the 2xx answer into `T`.
    pub async fn send<T: DeserializeOwned>(&self, request: ApiRequest) -> Result<T, Error> {
        let RawResponse {
            status,
            headers,
            body,
            ..
        } = self.execute(request).await?;
        // Free the headers before decoding: the decoder's small allocations can then reuse
        // their memory (measurably fewer allocator slow paths with many requests in flight).
        drop(headers);
        decode(status, &body)
    }

    /// Like [`send`](Self::send), keeping status, headers, rate limit and raw body alongside.
    pub async fn send_with_response<T: DeserializeOwned>(
        &self,
        request: ApiRequest,
    ) -> Result<Response<T>, Error> {
        let raw = self.execute(request).await?;
        let value = decode(raw.status, &raw.body)?;
        Ok(Response {
            value,
            status: raw.status,
            headers: raw.headers,
            rate_limit: raw.rate_limit,
            body: raw.body,
        })
    }
}

impl<A: AuthState> Client<A> {
    /// The pipeline behind [`execute`](Client::execute), with the `Authorization` value to send
    /// (`None` only for the OAuth code exchange, which authenticates with the client secret).
    pub(crate) async fn dispatch(
        &self,
        request: ApiRequest,
        authorization: Option<&HeaderValue>,
    ) -> Result<RawResponse, Error> {
        let span = tracing::info_span!(
            "intercom.request",
            method = %request.method,
            path = request.template,
            status = Empty,
            request_id = Empty,
            attempts = Empty,
            elapsed_ms = Empty,
        );
        // A disabled span (nobody listening) is not worth wrapping the pipeline's future for.
        if span.is_disabled() {
            self.run(request, authorization, &span).await
        } else {
            self.run(request, authorization, &span)
                .instrument(span.clone())
                .await
        }
    }

    /// The headers of one hop of one attempt, built afresh each time (cheaper than building
    /// once and cloning for every attempt, since almost every call makes exactly one).
    fn build_headers(
        &self,
        request: &ApiRequest,
        authorization: Option<&HeaderValue>,
        with_body: bool,
    ) -> HeaderMap {
        let shared = &*self.shared;
        let mut headers = HeaderMap::with_capacity(request.options.headers.len().saturating_add(6));
        for (name, value) in &request.options.headers {
            if name != AUTHORIZATION && name != HOST && name != INTERCOM_VERSION {
                headers.append(name.clone(), value.clone());
            }
        }
        headers.insert(ACCEPT, request.accept.clone());
        headers.insert(USER_AGENT, shared.user_agent.clone());
        let version = request
            .options
            .intercom_version
            .as_ref()
            .unwrap_or(&shared.version);
        headers.insert(INTERCOM_VERSION, version.header().clone());
        if let (Some(ct), true) = (&request.content_type, with_body) {
            headers.insert(CONTENT_TYPE, ct.clone());
        }
        // The one header carrying the token: built once in auth-types, sensitive.
        if let Some(value) = authorization {
            headers.insert(AUTHORIZATION, value.clone());
        }
        headers
    }

    async fn run(
        &self,
        request: ApiRequest,
        authorization: Option<&HeaderValue>,
        span: &tracing::Span,
    ) -> Result<RawResponse, Error> {
        let shared = &*self.shared;
        let started = Instant::now();
        let body = request
            .body
            .clone()
            .map_err(|reason| Error::InvalidRequest { reason })?;
        // `prefix + path + query` in one buffer, handed to `Uri` without a copy.
        let path = request.path.as_deref().unwrap_or(request.template);
        request::check_path_params(request.template, path)
            .map_err(|reason| Error::InvalidRequest { reason })?;
        let mut full = String::with_capacity(
            shared
                .base
                .prefix
                .len()
                .saturating_add(path.len())
                .saturating_add(request.query.len()),
        );
        full.push_str(&shared.base.prefix);
        full.push_str(path);
        full.push_str(&request.query);
        let path_and_query = &full[shared.base.prefix.len()..];
        if !path_and_query.starts_with('/') || path_and_query.starts_with("//") {
            return Err(Error::InvalidRequest {
                reason:
                    "the path must start with a single '/' (requests always go to the base URL)"
                        .into(),
            });
        }
        let uri =
            Uri::try_from(full).map_err(|e: http::uri::InvalidUri| Error::InvalidRequest {
                reason: format!("the path is not a valid URI path: {e}"),
            })?;
        let options = &request.options;
        let total = options.total_timeout.unwrap_or(shared.timeouts.total);
        let attempt_timeout = options.attempt_timeout.unwrap_or(shared.timeouts.attempt);
        let max_attempts = options
            .max_attempts
            .unwrap_or(shared.retry.max_attempts)
            .max(1);
        let may_repeat = retry::is_idempotent(&request.method)
            || options
                .retry_non_idempotent
                .unwrap_or(shared.retry.retry_non_idempotent);
        let follow = options.follow_redirects.unwrap_or(shared.follow_redirects);
        let max_body = options.max_body_bytes.unwrap_or(shared.max_body_bytes);
        let deadline = clock::deadline_after(started, total);

        let mut attempt = 0u32;
        // The clock is read once per attempt (and after every wait), not at every step.
        let mut now = started;
        let result = loop {
            attempt = attempt.saturating_add(1);
            match self
                .wait_for_budget(deadline.saturating_duration_since(now))
                .await
            {
                Err(e) => break Err(e),
                Ok(true) => now = Instant::now(),
                Ok(false) => {}
            }
            let remaining = deadline.saturating_duration_since(now);
            if remaining.is_zero() {
                break Err(self.timeout(TimeoutPhase::Total));
            }
            let (budget, phase) = if attempt_timeout < remaining {
                (attempt_timeout, TimeoutPhase::Attempt)
            } else {
                (remaining, TimeoutPhase::Total)
            };
            let attempt_span = tracing::debug_span!(
                "intercom.attempt",
                attempt,
                status = Empty,
                elapsed_ms = Empty
            );
            let plan = Plan {
                request: &request,
                authorization,
                uri: &uri,
                body: &body,
                max_body,
                follow,
                may_repeat,
                redact: request.redact_bodies,
            };
            let bounded =
                tokio::time::timeout_at(clock::deadline_after(now, budget), self.attempt(&plan));
            // As above: no wrapper for a span nobody listens to.
            let outcome = if attempt_span.is_disabled() {
                bounded.await
            } else {
                bounded.instrument(attempt_span.clone()).await
            };
            let outcome = outcome.unwrap_or_else(|_| {
                Err(Failure {
                    error: self.timeout(phase),
                    // A timed-out request may have been processed.
                    retryable: may_repeat && phase == TimeoutPhase::Attempt,
                    wait: None,
                })
            });
            if !attempt_span.is_disabled() {
                attempt_span.record("elapsed_ms", now.elapsed().as_millis() as u64);
            }
            match outcome {
                Ok(response) => {
                    attempt_span.record("status", response.status.as_u16());
                    break Ok(RawResponse {
                        attempts: attempt,
                        ..response
                    });
                }
                Err(failure) => {
                    if let Some(status) = failure.error.status() {
                        attempt_span.record("status", status.as_u16());
                    }
                    if !failure.retryable || attempt >= max_attempts {
                        break Err(failure.error);
                    }
                    let delay = failure
                        .wait
                        .unwrap_or_else(|| retry::backoff(&shared.retry, &shared.jitter, attempt));
                    now = Instant::now();
                    if !clock::fits_before(now, delay, deadline) {
                        tracing::debug!(?delay, "not retrying: the wait would pass the deadline");
                        break Err(failure.error);
                    }
                    tracing::debug!(attempt, ?delay, error = %failure.error, "retrying");
                    tokio::time::sleep(delay).await;
                    now = Instant::now();
                }
            }
        };
        // With nobody listening, skip the bookkeeping (looking up the request id is not free).
        if !span.is_disabled() {
            span.record("attempts", attempt);
            span.record("elapsed_ms", started.elapsed().as_millis() as u64);
            let (status, request_id) = match &result {
                Ok(r) => (Some(r.status), r.request_id()),
                Err(e) => (e.status(), e.request_id()),
            };
            if let Some(status) = status {
                span.record("status", status.as_u16());
            }
            if let Some(id) = request_id {
                span.record("request_id", id);
            }
        }
        if let Err(e) = &result {
            tracing::debug!(error = %e, "request failed");
        }
        result
    }

    fn timeout(&self, phase: TimeoutPhase) -> Error {
        Error::Timeout {
            phase,
            rate_limit: self.limiter.last(),
        }
    }

    /// Asks the rate limiter whether to wait before the next attempt, given the time left
    /// before the deadline; waits if so. `Ok(true)` when it waited.
    async fn wait_for_budget(&self, remaining: Duration) -> Result<bool, Error> {
        let shared = &*self.shared;
        if !shared.retry.wait_on_exhausted_limit {
            return Ok(false);
        }
        let decision = match self.limiter.wait_time_now(remaining) {
            Some(decision) => decision,
            None => self.limiter.wait_time(remaining).await,
        };
        match decision {
            Ok(wait) if wait.is_zero() => Ok(false),
            Ok(wait) => {
                // A little jitter so clones waking at the reset do not fire all at once.
                let spread = shared.jitter.up_to(Duration::from_millis(250));
                let wait = wait.saturating_add(spread).min(remaining);
                tracing::debug!(
                    ?wait,
                    "rate limit exhausted: waiting for the window to reset"
                );
                tokio::time::sleep(wait).await;
                Ok(true)
            }
            Err(LimiterError::Exhausted { rate_limit, wait }) => {
                Err(Error::RateLimitExhausted { rate_limit, wait })
            }
        }
    }

    /// One attempt, following redirects when allowed.
    async fn attempt(&self, plan: &Plan<'_>) -> Result<RawResponse, Failure> {
        let shared = &*self.shared;
        let Plan {
            request: api_request,
            authorization,
            max_body,
            follow,
            may_repeat,
            redact,
            ..
        } = *plan;
        let mut method = api_request.method.clone();
        let mut uri = plan.uri.clone();
        let mut body = plan.body.clone();
        let mut send_auth = true;
        let mut hops = 0u32;
        loop {
            let mut request = http::Request::new(body.clone().unwrap_or_default());
            *request.method_mut() = method.clone();
            *request.uri_mut() = uri.clone();
            *request.headers_mut() = self.build_headers(
                api_request,
                authorization.filter(|_| send_auth),
                body.is_some(),
            );
            tracing::trace!(
                %method,
                uri = %uri,
                headers = ?request.headers(),
                body = %shown_body(request.body(), redact),
                "sending request"
            );
            let response = shared
                .transport
                .send(request)
                .await
                .map_err(|e| self.transport_failure(e, may_repeat))?;
            let (parts, stream) = response.into_parts();
            let status = parts.status;
            let rate_limit = RateLimit::from_headers(&parts.headers);
            if let Some(rl) = &rate_limit {
                self.limiter.observe(rl);
            }

            if status.is_redirection() && status != StatusCode::NOT_MODIFIED {
                let location = parts
                    .headers
                    .get(LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                if !follow {
                    return Err(Failure {
                        error: Error::Redirect { status, location },
                        retryable: false,
                        wait: None,
                    });
                }
                let refuse = |reason: &'static str, location: Option<String>| Failure {
                    error: Error::RedirectRefused { reason, location },
                    retryable: false,
                    wait: None,
                };
                hops = hops.saturating_add(1);
                if hops > MAX_REDIRECTS {
                    return Err(refuse("too many redirects", location));
                }
                let Some(target) = location.as_deref() else {
                    return Err(refuse("the redirect has no readable Location header", None));
                };
                let next = match resolve(&uri, target) {
                    Some(next) => next,
                    None => return Err(refuse("the Location header is not a valid URL", location)),
                };
                if uri.scheme_str() == Some("https") && next.scheme_str() != Some("https") {
                    return Err(refuse(
                        "a redirect from https to http is never followed",
                        location,
                    ));
                }
                if !shared.base.same_origin(&next) {
                    // Never send the token anywhere but the base URL, and never again after
                    // leaving it.
                    send_auth = false;
                }
                if status == StatusCode::SEE_OTHER
                    || (matches!(status.as_u16(), 301 | 302) && method == Method::POST)
                {
                    method = Method::GET;
                    body = None;
                }
                tracing::debug!(
                    %status,
                    to = %without_query(&next),
                    authorization = send_auth,
                    "following redirect"
                );
                uri = next;
                continue;
            }

            let bodyless = method == Method::HEAD
                || status == StatusCode::NO_CONTENT
                || status == StatusCode::NOT_MODIFIED;
            let bytes = if bodyless {
                Ok(Bytes::new())
            } else {
                read_body(stream, &parts.headers, status, max_body).await
            };
            let bytes = bytes.map_err(|error| {
                let retryable = matches!(error, Error::Transport(_)) && may_repeat;
                Failure {
                    error,
                    retryable,
                    wait: None,
                }
            })?;
            tracing::trace!(%status, headers = ?parts.headers, body = %shown_body(&bytes, redact), "received response");
            if status.is_success() {
                return Ok(RawResponse {
                    status,
                    headers: parts.headers,
                    body: bytes,
                    rate_limit,
                    attempts: 1,
                });
            }
            let now = SystemTime::now();
            let retry_after = retry::retry_after(&parts.headers, now);
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
            let error =
                ApiError::from_response(status, parts.headers, bytes, rate_limit, retry_after);
            return Err(Failure {
                error: Error::Api(Box::new(error)),
                retryable,
                wait,
            });
        }
    }

    fn transport_failure(&self, error: TransportError, may_repeat: bool) -> Failure {
        match error.kind() {
            TransportErrorKind::ConnectTimeout => Failure {
                error: self.timeout(TimeoutPhase::Connect),
                retryable: true,
                wait: None,
            },
            TransportErrorKind::Connect => Failure {
                error: Error::Transport(error),
                retryable: true,
                wait: None,
            },
            // The same handshake, proxy answer or refusal would fail the same way again.
            TransportErrorKind::Tls | TransportErrorKind::Proxy | TransportErrorKind::Policy => {
                Failure {
                    error: Error::Transport(error),
                    retryable: false,
                    wait: None,
                }
            }
            _ => Failure {
                error: Error::Transport(error),
                retryable: may_repeat,
                wait: None,
            },
        }
    }
}

/// What TRACE logs of a body: an excerpt, or nothing for bodies that hold secrets.
fn shown_body(body: &[u8], redact: bool) -> String {
    if redact {
        format!("<{} bytes, redacted>", body.len())
    } else {
        excerpt(body, 2048)
    }
}

/// A URI for logs: scheme, authority and path, without the query (signed URLs carry their
/// signature there).
fn without_query(uri: &Uri) -> String {
    format!(
        "{}://{}{}",
        uri.scheme_str().unwrap_or("?"),
        uri.authority().map_or("", |a| a.as_str()),
        uri.path()
    )
}

/// Resolves a `Location` against the current URI.
fn resolve(current: &Uri, location: &str) -> Option<Uri> {
    let base = Url::parse(&current.to_string()).ok()?;
    let next = base.join(location).ok()?;
    match next.scheme() {
        "http" | "https" => next.as_str().parse().ok(),
        _ => None,
    }
}

/// Reads a body into memory, stopping with [`Error::BodyTooLarge`] past `limit` bytes.
async fn read_body(
    mut stream: Body,
    headers: &HeaderMap,
    status: StatusCode,
    limit: usize,
) -> Result<Bytes, Error> {
    let declared = headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
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
        let frame =
            frame.map_err(|e| Error::Transport(TransportError::new(TransportErrorKind::Io, e)))?;
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
