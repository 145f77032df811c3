//! [`RedisLimiterBuilder`] and the settings it produces.

use std::fmt;
use std::time::Duration;

use intercom_transport::redact_url_userinfo;

use crate::{Error, RedisLimiter};

/// Intercom's default per-app quota: 10,000 calls a minute.
pub const DEFAULT_APP_PER_MINUTE: u64 = 10_000;
/// Intercom's default per-workspace quota: 25,000 calls a minute.
pub const DEFAULT_WORKSPACE_PER_MINUTE: u64 = 25_000;
/// Intercom enforces its quotas in 10-second windows.
pub const DEFAULT_WINDOW: Duration = Duration::from_secs(10);
/// The default bound on one Redis call (connect included).
pub const DEFAULT_CALL_TIMEOUT: Duration = Duration::from_millis(250);

/// What the limiter does when Redis cannot answer within the call timeout.
///
/// Whatever the mode, a call never waits longer than the call timeout for Redis, and while
/// Redis is down the limiter only probes it again every
/// [`retry_redis_after`](RedisLimiterBuilder::retry_redis_after), so requests do not pay the
/// timeout one by one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum FallbackMode {
    /// Pace this process alone from the `X-RateLimit-*` headers it sees (the embedded
    /// [`InProcessLimiter`](intercom_transport::InProcessLimiter)), as a client without a
    /// shared limiter would. The fleet may then meet 429s, which the client retries after the
    /// reset: no request is lost. Logged once with `tracing::warn!` when it starts, and once
    /// with `tracing::info!` when Redis answers again.
    #[default]
    InProcess,
    /// Send without any limiting until Redis is back.
    FailOpen,
    /// Refuse to send: `wait_time` returns [`LimiterError::Exhausted`] (the client fails the
    /// call with `Error::RateLimitExhausted`) until Redis is back.
    ///
    /// [`LimiterError::Exhausted`]: intercom_transport::LimiterError::Exhausted
    FailClosed,
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum Budget {
    PerMinute(u64),
    PerWindow(u64),
}

impl Budget {
    pub(crate) fn per_window(self, window_secs: u64) -> u64 {
        match self {
            Budget::PerWindow(n) => n,
            // 10,000/min in 10 s windows → 1,666 (floor: never more than the quota).
            Budget::PerMinute(n) => n.saturating_mul(window_secs) / 60,
        }
    }
}

/// Resolved settings of one limiter.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub(crate) app_id: String,
    pub(crate) workspace: Option<String>,
    pub(crate) window_secs: u64,
    pub(crate) app_budget: u64,
    pub(crate) workspace_budget: u64,
    pub(crate) call_timeout: Duration,
    pub(crate) retry_redis_after: Duration,
    pub(crate) fallback: FallbackMode,
    pub(crate) edge_guard: Duration,
    pub(crate) windows_ahead: u32,
    pub(crate) app_prefix: String,
    pub(crate) workspace_prefix: String,
    pub(crate) limit_key: String,
    pub(crate) anchor_key: String,
}

/// Configures a [`RedisLimiter`]; start with [`RedisLimiter::builder`].
///
/// Its `Debug` output shows the Redis URL with any password replaced by `[REDACTED]`.
#[derive(Clone)]
pub struct RedisLimiterBuilder {
    pub(crate) redis_url: String,
    app_id: String,
    workspace: Option<String>,
    window: Duration,
    app_budget: Budget,
    workspace_budget: Budget,
    call_timeout: Duration,
    retry_redis_after: Duration,
    fallback: FallbackMode,
    edge_guard: Duration,
    windows_ahead: u32,
    key_prefix: String,
}

impl fmt::Debug for RedisLimiterBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Every field but the URL, whose userinfo may hold the Redis password.
        let Self {
            redis_url,
            app_id,
            workspace,
            window,
            app_budget,
            workspace_budget,
            call_timeout,
            retry_redis_after,
            fallback,
            edge_guard,
            windows_ahead,
            key_prefix,
        } = self;
        f.debug_struct("RedisLimiterBuilder")
            .field("redis_url", &redact_url_userinfo(redis_url))
            .field("app_id", app_id)
            .field("workspace", workspace)
            .field("window", window)
            .field("app_budget", app_budget)
            .field("workspace_budget", workspace_budget)
            .field("call_timeout", call_timeout)
            .field("retry_redis_after", retry_redis_after)
            .field("fallback", fallback)
            .field("edge_guard", edge_guard)
            .field("windows_ahead", windows_ahead)
            .field("key_prefix", key_prefix)
            .finish()
    }
}

impl RedisLimiterBuilder {
    pub(crate) fn new(redis_url: impl Into<String>, app_id: impl Into<String>) -> Self {
        Self {
            redis_url: redis_url.into(),
            app_id: app_id.into(),
            workspace: None,
            window: DEFAULT_WINDOW,
            app_budget: Budget::PerMinute(DEFAULT_APP_PER_MINUTE),
            workspace_budget: Budget::PerMinute(DEFAULT_WORKSPACE_PER_MINUTE),
            call_timeout: DEFAULT_CALL_TIMEOUT,
            retry_redis_after: Duration::from_secs(1),
            fallback: FallbackMode::default(),
            edge_guard: Duration::from_millis(200),
            windows_ahead: 32,
            key_prefix: "intercom-rs".to_owned(),
        }
    }

    /// Also enforces a workspace budget, shared by every limiter built with the same app id
    /// and workspace id (the `app_id` value from `GET /me`, for instance).
    pub fn workspace(mut self, workspace_id: impl Into<String>) -> Self {
        self.workspace = Some(workspace_id.into());
        self
    }

    /// The app quota per minute (default 10,000); the per-window budget is
    /// `per_minute × window / 60s`, rounded down.
    pub fn app_per_minute(mut self, per_minute: u64) -> Self {
        self.app_budget = Budget::PerMinute(per_minute);
        self
    }

    /// The app budget per window, as `X-RateLimit-Limit` shows it.
    pub fn app_per_window(mut self, per_window: u64) -> Self {
        self.app_budget = Budget::PerWindow(per_window);
        self
    }

    /// The workspace quota per minute (default 25,000).
    pub fn workspace_per_minute(mut self, per_minute: u64) -> Self {
        self.workspace_budget = Budget::PerMinute(per_minute);
        self
    }

    /// The workspace budget per window.
    pub fn workspace_per_window(mut self, per_window: u64) -> Self {
        self.workspace_budget = Budget::PerWindow(per_window);
        self
    }

    /// The window length, whole seconds, at least one (default 10 s, as Intercom). Shorter
    /// windows are for tests.
    pub fn window(mut self, window: Duration) -> Self {
        self.window = window;
        self
    }

    /// The bound on each Redis call, connecting included (default 250 ms). Past it the call
    /// counts as a failure and the [`FallbackMode`] applies.
    pub fn call_timeout(mut self, timeout: Duration) -> Self {
        self.call_timeout = timeout;
        self
    }

    /// How long to stay on the fallback after a failed Redis call before probing Redis again
    /// (default 1 s). One caller probes; the others keep using the fallback meanwhile.
    pub fn retry_redis_after(mut self, after: Duration) -> Self {
        self.retry_redis_after = after;
        self
    }

    /// What to do while Redis is unreachable or slow (default [`FallbackMode::InProcess`]).
    pub fn fallback(mut self, mode: FallbackMode) -> Self {
        self.fallback = mode;
        self
    }

    /// A request granted this close to the end of a window is booked in (and waits for) the
    /// next one instead, so that it does not reach Intercom after the reset and count against
    /// a window the fleet has already filled (default 200 ms; must be shorter than the window).
    pub fn edge_guard(mut self, guard: Duration) -> Self {
        self.edge_guard = guard;
        self
    }

    /// How many windows ahead a request may be booked when the current ones are full (default
    /// 32, i.e. about five minutes of 10-second windows). A request that finds none free, or
    /// whose wait would pass the client's deadline, is refused without counting.
    pub fn windows_ahead(mut self, windows: u32) -> Self {
        self.windows_ahead = windows;
        self
    }

    /// The first part of every key (default `intercom-rs`).
    pub fn key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.key_prefix = prefix.into();
        self
    }

    /// Checks the settings and builds the limiter. Does not connect: the first Redis call
    /// does (inside a Tokio runtime), so a limiter can be built while Redis is down.
    pub fn build(self) -> Result<RedisLimiter, Error> {
        let bad = |what: &str| Err(Error::InvalidConfig(what.to_owned()));
        let id_ok = |s: &str| {
            !s.is_empty()
                && s.len() <= 128
                && s.bytes()
                    .all(|b| b.is_ascii_graphic() && !matches!(b, b'{' | b'}' | b':'))
        };
        if !id_ok(&self.app_id) {
            return bad(
                "the app id must be 1 to 128 visible ASCII characters without '{', '}' or ':'",
            );
        }
        if let Some(ws) = &self.workspace {
            if !id_ok(ws) {
                return bad("the workspace id must be 1 to 128 visible ASCII characters without '{', '}' or ':'");
            }
        }
        if !id_ok(&self.key_prefix) {
            return bad(
                "the key prefix must be 1 to 128 visible ASCII characters without '{', '}' or ':'",
            );
        }
        if self.window.subsec_nanos() != 0 || self.window.as_secs() == 0 {
            return bad("the window must be a whole number of seconds, at least one");
        }
        let window_secs = self.window.as_secs();
        let app_budget = self.app_budget.per_window(window_secs);
        let workspace_budget = self.workspace_budget.per_window(window_secs);
        if app_budget == 0 || workspace_budget == 0 {
            return bad("budgets must allow at least one request per window");
        }
        if self.call_timeout.is_zero() {
            return bad("the call timeout must be positive");
        }
        if self.edge_guard >= self.window {
            return bad("the edge guard must be shorter than the window");
        }
        if self.windows_ahead == 0 {
            return bad("windows_ahead must be at least one");
        }
        let base = format!("{}:{{{}}}", self.key_prefix, self.app_id);
        let settings = Settings {
            app_prefix: format!("{base}:app:"),
            workspace_prefix: self
                .workspace
                .as_ref()
                .map(|ws| format!("{base}:ws:{ws}:"))
                .unwrap_or_default(),
            limit_key: format!("{base}:app:limit"),
            anchor_key: format!("{base}:anchor"),
            app_id: self.app_id,
            workspace: self.workspace,
            window_secs,
            app_budget,
            workspace_budget,
            call_timeout: self.call_timeout,
            retry_redis_after: self.retry_redis_after,
            fallback: self.fallback,
            edge_guard: self.edge_guard,
            windows_ahead: self.windows_ahead,
        };
        RedisLimiter::from_settings(&self.redis_url, settings)
    }
}
