//! Phase 3, the attempt loop: waits for the rate-limit budget, bounds each attempt by its own
//! and the call's deadline, retries what may be retried with backoff, and runs one attempt,
//! following redirects under the origin rule.

use std::time::Duration;

use http::header::LOCATION;
use http::{HeaderValue, StatusCode, Uri};
use intercom_auth_types::AuthState;
use tokio::time::Instant;
use tracing::{field::Empty, Instrument};

use super::build::Plan;
use super::decode::{self, shown_body};
use super::{authorize, Failure};
use crate::base_url;
use crate::client::{Client, Sender};
use crate::clock;
use crate::error::{Error, TimeoutPhase};
use crate::ratelimit::{LimiterError, RateLimit};
use crate::request::ApiRequest;
use crate::response::RawResponse;
use crate::retry;
use crate::transport::{TransportError, TransportErrorKind};

impl<A: AuthState> Client<A> {
    /// Runs attempts until one succeeds, a failure may not be retried, the attempts run out or
    /// the deadline passes. Returns the outcome and the number of attempts made.
    pub(super) async fn attempts(
        &self,
        request: &ApiRequest,
        authorization: Option<&HeaderValue>,
        plan: &Plan,
    ) -> (Result<RawResponse, Error>, u32) {
        let shared = &*self.shared;
        let deadline = plan.deadline;
        let mut attempt = 0u32;
        // The clock is read once per attempt (and after every wait), not at every step.
        let mut now = plan.started;
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
            let (budget, phase) = if plan.attempt_timeout < remaining {
                (plan.attempt_timeout, TimeoutPhase::Attempt)
            } else {
                (remaining, TimeoutPhase::Total)
            };
            let attempt_span = tracing::debug_span!(
                "intercom.attempt",
                attempt,
                status = Empty,
                elapsed_ms = Empty
            );
            let attempt_deadline = clock::deadline_after(now, budget);
            // As for the request's span: no wrapper for a span nobody listens to. The bounded
            // future is built inside each branch and awaited at once: bound to a variable
            // first, it would take its place in this future a second time (and be copied).
            let outcome = if attempt_span.is_disabled() {
                tokio::time::timeout_at(
                    attempt_deadline,
                    self.attempt(request, authorization, plan),
                )
                .await
            } else {
                tokio::time::timeout_at(
                    attempt_deadline,
                    self.attempt(request, authorization, plan),
                )
                .instrument(attempt_span.clone())
                .await
            };
            let outcome = outcome.unwrap_or_else(|_| {
                Err(Failure {
                    error: self.timeout(phase),
                    // A timed-out request may have been processed.
                    retryable: plan.may_repeat && phase == TimeoutPhase::Attempt,
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
                    if !failure.retryable || attempt >= plan.max_attempts {
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
        (result, attempt)
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
    async fn attempt(
        &self,
        api_request: &ApiRequest,
        authorization: Option<&HeaderValue>,
        plan: &Plan,
    ) -> Result<RawResponse, Failure> {
        let shared = &*self.shared;
        let (may_repeat, redact) = (plan.may_repeat, api_request.redact_bodies);
        let mut method = api_request.method.clone();
        // The plan's URI until a redirect gives another: one clone per hop, for the request.
        // Boxed: redirects are rare, and an inline `Uri` would take 88 bytes of every
        // attempt's future, which every call's boxed future holds.
        let mut redirected: Option<Box<Uri>> = None;
        let mut body = plan.body.clone();
        let mut send_auth = true;
        let mut hops = 0u32;
        loop {
            let mut request = http::Request::new(body.clone().unwrap_or_default());
            *request.method_mut() = method.clone();
            let uri = redirected.as_deref().unwrap_or(&plan.uri);
            *request.uri_mut() = uri.clone();
            *request.headers_mut() = authorize::headers(
                shared,
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
            let response = match &shared.transport {
                Sender::Hyper(transport) => transport.exchange(request).await,
                Sender::Custom(transport) => transport.send(request).await,
            }
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
                if !plan.follow {
                    return Err(Failure {
                        error: Error::Redirect { status, location },
                        retryable: false,
                        wait: None,
                    });
                }
                hops = hops.saturating_add(1);
                let hop = base_url::follow(
                    &shared.base,
                    redirected.as_deref().unwrap_or(&plan.uri),
                    &method,
                    status,
                    location.as_deref(),
                    hops,
                    send_auth,
                )
                .map_err(|reason| Failure {
                    error: Error::RedirectRefused {
                        reason,
                        location: location.clone(),
                    },
                    retryable: false,
                    wait: None,
                })?;
                // Never send the token anywhere but the base URL, and never again after
                // leaving it.
                send_auth = hop.send_auth;
                if hop.to_get {
                    method = http::Method::GET;
                    body = None;
                }
                tracing::debug!(
                    %status,
                    to = %without_query(&hop.uri),
                    authorization = send_auth,
                    "following redirect"
                );
                redirected = Some(Box::new(hop.uri));
                continue;
            }

            return decode::response(
                shared,
                &method,
                status,
                parts.headers,
                stream,
                rate_limit,
                plan.max_body,
                may_repeat,
                redact,
            )
            .await;
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
