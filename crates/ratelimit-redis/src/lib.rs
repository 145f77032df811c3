//! A Redis-backed [`RateLimiter`] for intercom-rs: one Intercom rate-limit budget per app (and
//! optionally per workspace) shared by every worker of a fleet, whatever the process.
//!
//! Intercom allows 10,000 calls a minute per app and 25,000 per workspace, enforced in
//! 10-second windows. One process paces itself from `X-RateLimit-Remaining`; twenty
//! processes cannot, because each sees the limit late. [`RedisLimiter`] books every attempt
//! in a shared counter per window, in one atomic Lua script, before the request leaves:
//!
//! * there is room in the current window → go now;
//! * the window is full → the attempt is booked in the next window with room and the client
//!   sleeps until that window starts;
//! * that would pass the call's deadline → nothing is booked and the client fails fast with
//!   `Error::RateLimitExhausted`.
//!
//! The `X-RateLimit-*` headers of every response any worker gets seed the budget (the
//! smaller of the configured budget and `X-RateLimit-Limit`), align the windows on
//! `X-RateLimit-Reset` and raise the shared counter when Intercom has counted more than the
//! fleet booked (other clients of the same app, for instance).
//!
//! When Redis is unreachable or slow (each call is bounded by a short timeout, 250 ms by
//! default) the [`FallbackMode`] chosen for the client applies: the in-process limiter
//! (default), no limiting, or refusing to send. No call ever hangs on Redis.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use intercom_ratelimit_redis::{FallbackMode, RedisLimiter};
//! use intercom_transport::Client;
//!
//! let limiter = RedisLimiter::builder("redis://127.0.0.1:6379/", "abc123")
//!     .workspace("abc123")
//!     .fallback(FallbackMode::InProcess)
//!     .build()?;
//! let client = Client::builder().rate_limiter(Arc::new(limiter)).build()?;
//! # let _ = client;
//! # Ok(())
//! # }
//! ```
//!
//! Keys (all with a TTL, so nothing is left behind), where `{app}` is a Redis Cluster hash
//! tag that keeps one app's keys in one slot:
//!
//! | key | holds | TTL |
//! |---|---|---|
//! | `intercom-rs:{app}:app:<reset>` | requests booked in the app window ending at `<reset>` (Unix s) | until one window after its end |
//! | `intercom-rs:{app}:ws:<workspace>:<reset>` | the same for the workspace budget | same |
//! | `intercom-rs:{app}:app:limit` | the last `X-RateLimit-Limit` seen | 1 hour |
//! | `intercom-rs:{app}:anchor` | `X-RateLimit-Reset mod window`: where windows start | 1 hour |
//!
//! Why one file of some 570 lines besides its tests: the limiter is one state machine — the
//! booking path, the reconciliation of answered headers and the fallback when Redis fails all
//! read and write the same `Inner` (known budget, anchor, counters, fallback state) under the
//! same rules about windows; the builder lives in `config.rs` and the Lua scripts in
//! `scripts.rs`, and what remains would only be split across files at the cost of exposing
//! that state between them.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(not(test), deny(clippy::arithmetic_side_effects))]

mod config;
mod scripts;

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use intercom_transport::{InProcessLimiter, LimiterError, RateLimit, RateLimiter};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

pub use config::{
    FallbackMode, RedisLimiterBuilder, DEFAULT_APP_PER_MINUTE, DEFAULT_CALL_TIMEOUT,
    DEFAULT_WINDOW, DEFAULT_WORKSPACE_PER_MINUTE,
};

use config::Settings;

/// How long the seed keys (observed limit, window anchor) live after the last response that
/// refreshed them.
const SEED_TTL_SECS: u64 = 3600;

/// Errors of this crate's own API (building a limiter, the explicit Redis calls). The
/// [`RateLimiter`] methods never return these: they apply the [`FallbackMode`] instead.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A setting was refused.
    #[error("invalid rate-limiter configuration: {0}")]
    InvalidConfig(String),
    /// Redis answered with an error, or the connection failed.
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
    /// Redis did not answer within the call timeout.
    #[error("redis did not answer within {0:?}")]
    Timeout(Duration),
}

/// Counters describing what the limiter decided, for metrics and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct LimiterStats {
    /// Attempts granted by Redis (now or after a wait).
    pub redis_grants: u64,
    /// Attempts refused by Redis because the wait would pass the deadline.
    pub redis_refusals: u64,
    /// Decisions taken by the fallback because Redis was down or slow.
    pub fallback_decisions: u64,
    /// Redis calls that failed or timed out.
    pub redis_errors: u64,
    /// Header corrections written to Redis.
    pub corrections: u64,
}

#[derive(Debug, Default)]
struct Counters {
    redis_grants: AtomicU64,
    redis_refusals: AtomicU64,
    fallback_decisions: AtomicU64,
    redis_errors: AtomicU64,
    corrections: AtomicU64,
}

/// What this process last sent to (or learnt from) Redis, to skip redundant corrections.
#[derive(Debug, Default, Clone, Copy)]
struct Known {
    /// Window end and counter from the last reservation.
    booked_end: u64,
    booked_count: u64,
    /// The last snapshot pushed.
    pushed_reset: u64,
    pushed_limit: u64,
    pushed_used: u64,
}

/// A [`RateLimiter`] sharing Intercom budgets between processes through Redis.
///
/// Cheap to clone (clones share the connection and the fallback). Build one per app (and
/// workspace) with [`RedisLimiter::builder`] and plug it into
/// `ClientBuilder::rate_limiter(Arc::new(limiter))`.
#[derive(Clone)]
pub struct RedisLimiter {
    inner: Arc<Inner>,
}

struct Inner {
    settings: Settings,
    client: redis::Client,
    conn: OnceLock<ConnectionManager>,
    reserve: redis::Script,
    correct: redis::Script,
    local: InProcessLimiter,
    started: Instant,
    /// True while Redis is considered down (the fallback is in use).
    degraded: AtomicBool,
    /// Milliseconds since `started` before which Redis is not probed again.
    retry_at_ms: AtomicU64,
    /// Milliseconds since `started` of the last correction pushed.
    last_push_ms: AtomicU64,
    push_in_flight: AtomicBool,
    known: Mutex<Known>,
    counters: Counters,
}

impl fmt::Debug for RedisLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.inner.settings;
        // The Redis URL may hold a password: not printed.
        f.debug_struct("RedisLimiter")
            .field("app_id", &s.app_id)
            .field("workspace", &s.workspace)
            .field("window_secs", &s.window_secs)
            .field("app_budget", &s.app_budget)
            .field("workspace_budget", &s.workspace_budget)
            .field("fallback", &s.fallback)
            .field("degraded", &self.is_degraded())
            .finish_non_exhaustive()
    }
}

/// One decision of the reserve script.
#[derive(Debug, Clone, Copy)]
struct Reply {
    granted: bool,
    wait: Duration,
    count: u64,
    window_end: u64,
    budget: u64,
}

impl RedisLimiter {
    /// Starts configuring a limiter for the app `app_id` on the Redis at `redis_url`
    /// (`redis://[:password@]host:port[/db]`, or `rediss://` if the redis crate is built
    /// with TLS).
    pub fn builder(redis_url: impl Into<String>, app_id: impl Into<String>) -> RedisLimiterBuilder {
        RedisLimiterBuilder::new(redis_url, app_id)
    }

    fn from_settings(redis_url: &str, settings: Settings) -> Result<Self, Error> {
        let client = redis::Client::open(redis_url)?;
        Ok(Self {
            inner: Arc::new(Inner {
                settings,
                client,
                conn: OnceLock::new(),
                reserve: redis::Script::new(scripts::RESERVE),
                correct: redis::Script::new(scripts::CORRECT),
                local: InProcessLimiter::new(),
                started: Instant::now(),
                degraded: AtomicBool::new(false),
                retry_at_ms: AtomicU64::new(0),
                last_push_ms: AtomicU64::new(0),
                push_in_flight: AtomicBool::new(false),
                known: Mutex::new(Known::default()),
                counters: Counters::default(),
            }),
        })
    }

    /// The key prefix of the app windows (`intercom-rs:{app}:app:`); a window's key is this
    /// followed by its end in Unix seconds.
    pub fn app_key_prefix(&self) -> &str {
        &self.inner.settings.app_prefix
    }

    /// The key prefix of the workspace windows, if a workspace is configured.
    pub fn workspace_key_prefix(&self) -> Option<&str> {
        let p = &self.inner.settings.workspace_prefix;
        (!p.is_empty()).then_some(p.as_str())
    }

    /// The configured app budget per window (before seeding from `X-RateLimit-Limit`).
    pub fn app_budget(&self) -> u64 {
        self.inner.settings.app_budget
    }

    /// The window length.
    pub fn window(&self) -> Duration {
        Duration::from_secs(self.inner.settings.window_secs)
    }

    /// The fallback mode.
    pub fn fallback_mode(&self) -> FallbackMode {
        self.inner.settings.fallback
    }

    /// True while Redis is considered unreachable and the fallback decides.
    pub fn is_degraded(&self) -> bool {
        self.inner.degraded.load(Ordering::Relaxed)
    }

    /// What the limiter has decided so far.
    pub fn stats(&self) -> LimiterStats {
        let c = &self.inner.counters;
        LimiterStats {
            redis_grants: c.redis_grants.load(Ordering::Relaxed),
            redis_refusals: c.redis_refusals.load(Ordering::Relaxed),
            fallback_decisions: c.fallback_decisions.load(Ordering::Relaxed),
            redis_errors: c.redis_errors.load(Ordering::Relaxed),
            corrections: c.corrections.load(Ordering::Relaxed),
        }
    }

    /// Checks that Redis answers within the call timeout (e.g. at start-up, for a readiness
    /// probe). The limiter works without calling this.
    pub async fn ping(&self) -> Result<(), Error> {
        let mut conn = self.inner.conn()?;
        let cmd = redis::cmd("PING");
        let call = cmd.query_async::<String>(&mut conn);
        self.inner.bounded(call).await.map(|_| ())
    }

    /// Applies one response's `X-RateLimit-*` snapshot to the shared state now and returns
    /// the window's counter afterwards (`None` when the snapshot was stale and ignored).
    /// [`RateLimiter::observe`] does the same in the background, skipping redundant writes.
    pub async fn sync_from_headers(&self, rate_limit: &RateLimit) -> Result<Option<u64>, Error> {
        self.inner.local.observe(rate_limit);
        self.inner.push(*rate_limit).await
    }
}

impl Inner {
    fn now_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// The connection manager, created on first use (it needs a Tokio runtime).
    fn conn(&self) -> Result<ConnectionManager, Error> {
        if let Some(conn) = self.conn.get() {
            return Ok(conn.clone());
        }
        let t = self.settings.call_timeout;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(t))
            .set_response_timeout(Some(t))
            .set_number_of_retries(1)
            .set_min_delay(Duration::from_millis(50))
            .set_max_delay(
                self.settings
                    .retry_redis_after
                    .max(Duration::from_millis(50)),
            );
        let conn = ConnectionManager::new_lazy_with_config(self.client.clone(), config)?;
        // A concurrent first call may have won the race: use whichever was stored.
        Ok(self.conn.get_or_init(|| conn).clone())
    }

    /// Runs a Redis call under the call timeout.
    async fn bounded<T>(
        &self,
        call: impl std::future::Future<Output = redis::RedisResult<T>>,
    ) -> Result<T, Error> {
        match tokio::time::timeout(self.settings.call_timeout, call).await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(Error::Redis(e)),
            Err(_) => Err(Error::Timeout(self.settings.call_timeout)),
        }
    }

    /// Whether this caller should use Redis now. While degraded, only one caller per
    /// `retry_redis_after` gets to probe.
    fn should_try_redis(&self) -> bool {
        if !self.degraded.load(Ordering::Relaxed) {
            return true;
        }
        let now = self.now_ms();
        let at = self.retry_at_ms.load(Ordering::Relaxed);
        now >= at
            && self
                .retry_at_ms
                .compare_exchange(
                    at,
                    now.saturating_add(self.retry_ms()),
                    Ordering::AcqRel,
                    Ordering::Relaxed,
                )
                .is_ok()
    }

    fn retry_ms(&self) -> u64 {
        u64::try_from(self.settings.retry_redis_after.as_millis()).unwrap_or(u64::MAX)
    }

    fn redis_ok(&self) {
        if self.degraded.swap(false, Ordering::AcqRel) {
            tracing::info!(
                app_id = %self.settings.app_id,
                "intercom-rs rate limiter: Redis answers again; the shared budget is back in use"
            );
        }
    }

    fn redis_failed(&self, error: &Error) {
        self.counters.redis_errors.fetch_add(1, Ordering::Relaxed);
        self.retry_at_ms.store(
            self.now_ms().saturating_add(self.retry_ms()),
            Ordering::Relaxed,
        );
        if !self.degraded.swap(true, Ordering::AcqRel) {
            tracing::warn!(
                app_id = %self.settings.app_id,
                fallback = ?self.settings.fallback,
                %error,
                "intercom-rs rate limiter: Redis is unreachable or slow; using the fallback until it answers again"
            );
        } else {
            tracing::debug!(%error, "intercom-rs rate limiter: Redis still unreachable");
        }
    }

    async fn reserve(&self, max_wait: Duration) -> Result<Reply, Error> {
        let s = &self.settings;
        let mut conn = self.conn()?;
        let max_wait_ms = u64::try_from(max_wait.as_millis()).unwrap_or(u64::MAX / 2);
        let mut invocation = self.reserve.prepare_invoke();
        invocation
            .key(&s.app_prefix)
            .key(&s.workspace_prefix)
            .key(&s.limit_key)
            .key(&s.anchor_key)
            .arg(s.window_secs)
            .arg(s.app_budget)
            .arg(s.workspace_budget)
            .arg(max_wait_ms.min(1 << 50))
            .arg(u64::try_from(s.edge_guard.as_millis()).unwrap_or(0))
            .arg(s.windows_ahead);
        let call = invocation.invoke_async::<Vec<i64>>(&mut conn);
        let raw = self.bounded(call).await?;
        let field = |i: usize| {
            raw.get(i)
                .copied()
                .map_or(0, |v| u64::try_from(v).unwrap_or(0))
        };
        if raw.len() != 5 {
            return Err(Error::Redis(redis::RedisError::from((
                redis::ErrorKind::Parse,
                "unexpected reply from the reserve script",
            ))));
        }
        Ok(Reply {
            granted: field(0) == 1,
            wait: Duration::from_millis(field(1)),
            count: field(2),
            window_end: field(3),
            budget: field(4),
        })
    }

    /// Writes one snapshot to Redis (the correct script).
    async fn push(&self, rl: RateLimit) -> Result<Option<u64>, Error> {
        let s = &self.settings;
        let mut conn = self.conn()?;
        let mut invocation = self.correct.prepare_invoke();
        invocation
            .key(&s.app_prefix)
            .key(&s.limit_key)
            .key(&s.anchor_key)
            .arg(rl.limit)
            .arg(rl.remaining)
            .arg(rl.reset)
            .arg(s.window_secs)
            .arg(SEED_TTL_SECS);
        let call = invocation.invoke_async::<i64>(&mut conn);
        let counter = self.bounded(call).await?;
        self.counters.corrections.fetch_add(1, Ordering::Relaxed);
        Ok(u64::try_from(counter).ok())
    }

    /// Whether a snapshot carries news for Redis: a new window or limit, or (at most ten
    /// times a window) a count above what this process last knew.
    fn worth_pushing(&self, rl: &RateLimit) -> bool {
        // A reset no real window has (Intercom's last ten seconds) would become `pushed_reset`
        // for good and keep every later, sane snapshot from being pushed.
        if !rl.is_plausible_at(SystemTime::now()) {
            return false;
        }
        let used = rl.limit.saturating_sub(rl.remaining);
        let Ok(mut known) = self.known.lock() else {
            return false;
        };
        let new_window = rl.reset > known.pushed_reset || rl.limit != known.pushed_limit;
        let known_count = if known.booked_end == rl.reset {
            known.booked_count.max(known.pushed_used)
        } else if known.pushed_reset == rl.reset {
            known.pushed_used
        } else {
            0
        };
        let ahead = rl.reset >= known.pushed_reset && used > known_count;
        let now = self.now_ms();
        let spacing = self.settings.window_secs.saturating_mul(100); // a tenth of the window, in ms
        let due = now.saturating_sub(self.last_push_ms.load(Ordering::Relaxed)) >= spacing
            || rl.remaining == 0;
        if new_window || (ahead && due) {
            if rl.reset >= known.pushed_reset {
                if rl.reset > known.pushed_reset {
                    known.pushed_used = 0;
                }
                known.pushed_reset = rl.reset;
                known.pushed_limit = rl.limit;
                known.pushed_used = known.pushed_used.max(used);
            }
            self.last_push_ms.store(now, Ordering::Relaxed);
            return true;
        }
        false
    }

    fn remember(&self, reply: &Reply) {
        if let Ok(mut known) = self.known.lock() {
            if reply.window_end > known.booked_end {
                known.booked_end = reply.window_end;
                known.booked_count = reply.count;
            } else if reply.window_end == known.booked_end {
                known.booked_count = known.booked_count.max(reply.count);
            }
        }
    }

    async fn fallback(&self, max_wait: Duration) -> Result<Duration, LimiterError> {
        self.counters
            .fallback_decisions
            .fetch_add(1, Ordering::Relaxed);
        match self.settings.fallback {
            FallbackMode::InProcess => self.local.wait_time(max_wait).await,
            FallbackMode::FailOpen => Ok(Duration::ZERO),
            FallbackMode::FailClosed => Err(LimiterError::Exhausted {
                rate_limit: self.local.last().unwrap_or_else(|| self.snapshot(0, 0)),
                wait: self.settings.retry_redis_after,
            }),
        }
    }

    /// A synthetic snapshot for a refusal.
    fn snapshot(&self, budget: u64, window_end: u64) -> RateLimit {
        let window_end = if window_end == 0 {
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs());
            now.saturating_add(self.settings.window_secs)
        } else {
            window_end
        };
        RateLimit {
            limit: if budget == 0 {
                self.settings.app_budget
            } else {
                budget
            },
            remaining: 0,
            reset: window_end,
        }
    }
}

#[async_trait::async_trait]
impl RateLimiter for RedisLimiter {
    /// Books this attempt in the shared budget: `Ok(ZERO)` to go now, `Ok(wait)` to go when a
    /// later window starts (already booked there), `Err` when that would pass `max_wait`
    /// (nothing booked). Redis down or slow → the [`FallbackMode`].
    async fn wait_time(&self, max_wait: Duration) -> Result<Duration, LimiterError> {
        let inner = &*self.inner;
        if !inner.should_try_redis() {
            return inner.fallback(max_wait).await;
        }
        match inner.reserve(max_wait).await {
            Ok(reply) => {
                inner.redis_ok();
                if reply.granted {
                    inner.counters.redis_grants.fetch_add(1, Ordering::Relaxed);
                    inner.remember(&reply);
                    Ok(reply.wait)
                } else {
                    inner
                        .counters
                        .redis_refusals
                        .fetch_add(1, Ordering::Relaxed);
                    Err(LimiterError::Exhausted {
                        rate_limit: inner.snapshot(reply.budget, reply.window_end),
                        wait: reply.wait,
                    })
                }
            }
            Err(error) => {
                inner.redis_failed(&error);
                inner.fallback(max_wait).await
            }
        }
    }

    /// Feeds the embedded in-process limiter (the fallback) and, when the snapshot carries
    /// news, corrects the shared state in a background task (never blocks the caller).
    fn observe(&self, rate_limit: &RateLimit) {
        let inner = &self.inner;
        inner.local.observe(rate_limit);
        if inner.degraded.load(Ordering::Relaxed) || !inner.worth_pushing(rate_limit) {
            return;
        }
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            return;
        };
        if inner.push_in_flight.swap(true, Ordering::AcqRel) {
            return; // one correction at a time; later responses carry newer numbers
        }
        let inner = Arc::clone(inner);
        let rl = *rate_limit;
        handle.spawn(async move {
            if let Err(error) = inner.push(rl).await {
                inner.redis_failed(&error);
            }
            inner.push_in_flight.store(false, Ordering::Release);
        });
    }

    fn last(&self) -> Option<RateLimit> {
        self.inner.local.last()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_namespaced_by_app_with_a_hash_tag() {
        let l = RedisLimiter::builder("redis://127.0.0.1:1/", "abc123")
            .workspace("ws9")
            .build()
            .map_err(|e| e.to_string());
        let l = match l {
            Ok(l) => l,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(l.app_key_prefix(), "intercom-rs:{abc123}:app:");
        assert_eq!(
            l.workspace_key_prefix(),
            Some("intercom-rs:{abc123}:ws:ws9:")
        );
        assert_eq!(l.app_budget(), 1666);
        assert_eq!(l.inner.settings.workspace_budget, 4166);
    }

    #[test]
    fn bad_settings_are_refused() {
        let b = || RedisLimiter::builder("redis://127.0.0.1:1/", "app");
        assert!(RedisLimiter::builder("redis://127.0.0.1:1/", "a{b}")
            .build()
            .is_err());
        assert!(b().workspace("").build().is_err());
        assert!(b().window(Duration::from_millis(1500)).build().is_err());
        assert!(b().app_per_window(0).build().is_err());
        assert!(b().edge_guard(Duration::from_secs(10)).build().is_err());
        assert!(RedisLimiter::builder("not a url", "app").build().is_err());
        assert!(b()
            .window(Duration::from_secs(1))
            .app_per_minute(60)
            .build()
            .is_ok());
    }

    /// A hostile reset must not stop this process's later corrections.
    #[test]
    fn an_implausible_reset_is_never_pushed_and_blocks_nothing() {
        let limiter = RedisLimiter::builder("redis://127.0.0.1:1/", "app")
            .build()
            .expect("valid settings");
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let hostile = RateLimit {
            limit: 10,
            remaining: 0,
            reset: u64::MAX - 1,
        };
        assert!(!limiter.inner.worth_pushing(&hostile));
        let sane = RateLimit {
            limit: 10,
            remaining: 5,
            reset: now + 5,
        };
        assert!(limiter.inner.worth_pushing(&sane));
    }

    /// Regression: the builder's derived `Debug` printed the password.
    #[test]
    fn the_redis_password_never_prints() {
        let builder = RedisLimiter::builder("redis://:hunter2@127.0.0.1:1/0", "app");
        let shown = format!("{builder:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(
            shown.contains("redis://[REDACTED]@127.0.0.1:1/0"),
            "{shown}"
        );
        let limiter = builder.build().expect("a valid URL");
        let shown = format!("{limiter:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        // A URL that does not parse is refused without echoing its password either.
        let err = RedisLimiter::builder("redis://:hunter2@[::1", "app")
            .build()
            .expect_err("bad URL");
        for shown in [format!("{err}"), format!("{err:?}")] {
            assert!(!shown.contains("hunter2"), "{shown}");
        }
    }
}
