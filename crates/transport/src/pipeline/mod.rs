//! The request pipeline behind [`Client::execute`](crate::Client::execute), in its four phases:
//!
//! 1. **build** (`build.rs`): the URI from the base URL, the path and the query; the call's
//!    timeouts, attempts, retry and redirect settings.
//! 2. **authorize** (`authorize.rs`): the headers of each hop, `Authorization` included only
//!    where the origin rule (`base_url.rs`) allows.
//! 3. **attempt loop** (`attempt.rs`): rate-limit waits, deadlines, retries with backoff, one
//!    attempt following redirects.
//! 4. **decode** (`decode.rs`): the body read under its size cap, a 2xx kept as a
//!    [`RawResponse`], any other status turned into a typed error with its retry advice.

mod attempt;
mod authorize;
mod build;
mod decode;

use std::time::Duration;

use http::HeaderValue;
use intercom_auth_types::AuthState;
use tokio::time::Instant;
use tracing::{field::Empty, Instrument};

use crate::client::Client;
use crate::error::{Error, TimeoutPhase};
use crate::request::ApiRequest;
use crate::response::RawResponse;

/// How an attempt ended when it did not succeed.
struct Failure {
    error: Error,
    /// Whether another attempt could help, given the method.
    retryable: bool,
    /// A server-requested wait (`Retry-After`, or the rate-limit reset for 429).
    wait: Option<Duration>,
}

impl<A: AuthState> Client<A> {
    /// The pipeline behind [`execute`](Client::execute), with the `Authorization` value to send
    /// (`None` only for the OAuth code exchange, which authenticates with the client secret).
    ///
    /// The request is borrowed all the way down: each `async fn` keeps its arguments for its
    /// whole life, so passing the (large) request by value would store a copy per level. The
    /// borrow is mutable because the build phase frees the request's path once it is in the
    /// URI (see `build::plan`).
    pub(crate) async fn dispatch(
        &self,
        request: &mut ApiRequest,
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

    /// Build, then the attempt loop (which authorizes and decodes each attempt), then the
    /// span's bookkeeping.
    async fn run(
        &self,
        request: &mut ApiRequest,
        authorization: Option<&HeaderValue>,
        span: &tracing::Span,
    ) -> Result<RawResponse, Error> {
        let started = Instant::now();
        let plan = build::plan(&self.shared, request, started)?;
        let (result, attempts) = self.attempts(request, authorization, &plan).await;
        // With nobody listening, skip the bookkeeping (looking up the request id is not free).
        if !span.is_disabled() {
            span.record("attempts", attempts);
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
}
