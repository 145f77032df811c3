//! Fault knobs: injected failures, latency and dropped connections.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use http::StatusCode;

/// One injected failure: the status, the `error.list` code and message, and an optional
/// `Retry-After`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InjectedFailure {
    pub(crate) status: StatusCode,
    pub(crate) code: String,
    pub(crate) message: String,
    pub(crate) retry_after: Option<Duration>,
}

impl InjectedFailure {
    /// A failure with `status` and the code Intercom uses for it (`server_error` for 500,
    /// `service_unavailable` for 503, `rate_limit_exceeded` for 429, …). A status outside
    /// 100–999 becomes 500.
    pub fn status(status: u16) -> Self {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let (code, message) = default_code(status);
        Self {
            status,
            code: code.to_owned(),
            message: message.to_owned(),
            retry_after: None,
        }
    }

    /// Replaces the `error.list` code.
    pub fn code(mut self, code: impl Into<String>) -> Self {
        self.code = code.into();
        self
    }

    /// Replaces the message.
    pub fn message(mut self, message: impl Into<String>) -> Self {
        self.message = message.into();
        self
    }

    /// Adds a `Retry-After` header (whole seconds, rounded up).
    pub fn retry_after(mut self, wait: Duration) -> Self {
        self.retry_after = Some(wait);
        self
    }
}

fn default_code(status: StatusCode) -> (&'static str, &'static str) {
    match status.as_u16() {
        400 => ("bad_request", "Bad Request"),
        401 => ("unauthorized", "Access Token Invalid"),
        403 => ("forbidden", "Forbidden"),
        404 => ("not_found", "Resource Not Found"),
        408 => ("request_timeout", "Request Timeout"),
        409 => ("conflict", "Conflict"),
        422 => ("parameter_invalid", "Unprocessable Entity"),
        429 => ("rate_limit_exceeded", "Too many requests"),
        502 => ("server_error", "Bad Gateway"),
        503 => ("service_unavailable", "Service Unavailable"),
        504 => ("request_timeout", "Gateway Timeout"),
        _ => ("server_error", "Server Error"),
    }
}

#[derive(Debug, Default)]
pub(crate) struct FaultState {
    failures: VecDeque<InjectedFailure>,
    latency: Duration,
    drops: u32,
}

/// The sandbox's fault knobs, from [`SandboxHandle::faults`](crate::SandboxHandle::faults).
///
/// Faults apply to every request that reaches the sandbox, before authentication, in this
/// order: a pending connection drop, then the latency, then a pending failure. Cloning is cheap
/// and clones share the knobs.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    inner: Arc<Mutex<FaultState>>,
}

impl Faults {
    fn lock(&self) -> MutexGuard<'_, FaultState> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Fails the next `n` requests with `status` and an Intercom-shaped body (see
    /// [`InjectedFailure::status`]).
    pub fn fail_next(&self, n: u32, status: u16) -> &Self {
        self.fail_next_with(n, InjectedFailure::status(status))
    }

    /// Fails the next `n` requests with `failure`. Queued after any failures already pending.
    pub fn fail_next_with(&self, n: u32, failure: InjectedFailure) -> &Self {
        let mut state = self.lock();
        for _ in 0..n {
            state.failures.push_back(failure.clone());
        }
        self
    }

    /// Delays every response by `latency` (zero turns it off).
    pub fn set_latency(&self, latency: Duration) -> &Self {
        self.lock().latency = latency;
        self
    }

    /// Closes the connection of the next `n` requests without answering them.
    pub fn drop_next_connections(&self, n: u32) -> &Self {
        let mut state = self.lock();
        state.drops = state.drops.saturating_add(n);
        self
    }

    /// Failures and drops still pending.
    pub fn pending(&self) -> (usize, u32) {
        let state = self.lock();
        (state.failures.len(), state.drops)
    }

    /// Clears every fault.
    pub fn reset(&self) {
        *self.lock() = FaultState::default();
    }

    /// Takes the faults for one request.
    pub(crate) fn take(&self) -> Fault {
        let mut state = self.lock();
        if let Some(drops) = state.drops.checked_sub(1) {
            state.drops = drops;
            return Fault {
                drop: true,
                latency: Duration::ZERO,
                failure: None,
            };
        }
        Fault {
            drop: false,
            latency: state.latency,
            failure: state.failures.pop_front(),
        }
    }
}

/// What happens to one request.
pub(crate) struct Fault {
    pub(crate) drop: bool,
    pub(crate) latency: Duration,
    pub(crate) failure: Option<InjectedFailure>,
}
