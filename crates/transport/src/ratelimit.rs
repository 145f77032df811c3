//! Rate-limit snapshots and the limiter consulted before every attempt.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::HeaderMap;

/// Intercom's rate-limit headers as seen on one response.
///
/// `limit` is the budget of the current 10-second window (a per-minute quota divided by six),
/// `remaining` what is left of it, and `reset` the Unix second at which the window restarts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RateLimit {
    /// `X-RateLimit-Limit`.
    pub limit: u64,
    /// `X-RateLimit-Remaining`.
    pub remaining: u64,
    /// `X-RateLimit-Reset`, Unix seconds.
    pub reset: u64,
}

impl RateLimit {
    /// Parses the three `X-RateLimit-*` headers; `None` unless all three are present and
    /// numeric (Intercom omits them on unauthenticated responses).
    pub fn from_headers(headers: &HeaderMap) -> Option<Self> {
        // One pass over the (few) headers of a response costs less than three hashed lookups;
        // names in a `HeaderMap` are already lower case.
        let (mut limit, mut remaining, mut reset) = (None, None, None);
        for (name, value) in headers {
            let name = name.as_str();
            // Cheap rejection first: the three names are 17 or 21 bytes long.
            if name.len() != 17 && name.len() != 21 {
                continue;
            }
            let Some(suffix) = name.strip_prefix("x-ratelimit-") else {
                continue;
            };
            let slot = match suffix {
                "limit" => &mut limit,
                "remaining" => &mut remaining,
                "reset" => &mut reset,
                _ => continue,
            };
            // The first value wins, as `HeaderMap::get` would have it.
            if slot.is_none() {
                *slot = Some(parse_u64(value.as_bytes()));
            }
        }
        Some(Self {
            limit: limit??,
            remaining: remaining??,
            reset: reset??,
        })
    }

    /// The reset as a wall-clock time; `None` when the server sent a value this platform's
    /// clock cannot represent (anything near `u64::MAX` seconds).
    pub fn reset_at(&self) -> Option<SystemTime> {
        UNIX_EPOCH.checked_add(Duration::from_secs(self.reset))
    }

    /// Time until the reset, from `now`: zero if it has passed, [`Duration::MAX`] if the reset
    /// cannot be represented. Callers cap it by their deadline; it never overflows.
    pub fn until_reset(&self, now: SystemTime) -> Duration {
        match self.reset_at() {
            Some(at) => at.duration_since(now).unwrap_or(Duration::ZERO),
            None => Duration::MAX,
        }
    }

    /// Whether the reset lies at most [`MAX_RESET_AHEAD`] after `now`. Intercom's windows last
    /// ten seconds; a reset hours or centuries ahead is a broken or hostile answer.
    pub fn is_plausible_at(&self, now: SystemTime) -> bool {
        self.until_reset(now) <= MAX_RESET_AHEAD
    }
}

/// A decimal number with optional surrounding spaces or tabs; `None` for anything else,
/// including values past `u64::MAX`.
fn parse_u64(raw: &[u8]) -> Option<u64> {
    let digits = raw.trim_ascii();
    if digits.is_empty() {
        return None;
    }
    digits.iter().try_fold(0u64, |n, &b| {
        let digit = b.checked_sub(b'0').filter(|d| *d <= 9)?;
        n.checked_mul(10)?.checked_add(u64::from(digit))
    })
}

/// Why a [`RateLimiter`] did not grant an attempt.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LimiterError {
    /// The budget is spent and the next window starts after the deadline.
    #[error("rate limit exhausted until after the deadline (wait {wait:?})")]
    Exhausted {
        /// The snapshot behind the decision.
        rate_limit: RateLimit,
        /// How long one would have to wait.
        wait: Duration,
    },
}

/// Paces requests. The client calls [`RateLimiter::wait_time`] before every attempt and
/// [`RateLimiter::observe`] with the headers of every response.
///
/// The default [`InProcessLimiter`] is shared by all clones of a client. Implement this trait
/// to share one budget between processes.
#[async_trait::async_trait]
pub trait RateLimiter: fmt::Debug + Send + Sync + 'static {
    /// How long to wait before the next attempt (zero to go now). `Err` when that wait would
    /// pass `max_wait` (the remaining deadline): the client then fails fast.
    async fn wait_time(&self, max_wait: Duration) -> Result<Duration, LimiterError>;

    /// The answer [`wait_time`](Self::wait_time) would give, when it is known without I/O;
    /// `None` (the default) otherwise. The client asks this first and awaits `wait_time` only
    /// on `None`, so a limiter that decides in memory costs no allocation per attempt.
    fn wait_time_now(&self, max_wait: Duration) -> Option<Result<Duration, LimiterError>> {
        let _ = max_wait;
        None
    }

    /// Records the rate-limit headers of a response.
    fn observe(&self, rate_limit: &RateLimit);

    /// The most recent snapshot, if any.
    fn last(&self) -> Option<RateLimit>;
}

const UNKNOWN: u64 = u64::MAX;

/// The furthest ahead of the local clock a window's reset may lie for a limiter to keep the
/// snapshot. Intercom's windows last ten seconds; the rest is room for clock skew. A later reset
/// (say `X-RateLimit-Reset: 18446744073709551614`) would otherwise stall every later call until
/// that time, since a limiter keeps the newest window it has seen.
pub const MAX_RESET_AHEAD: Duration = Duration::from_secs(3600);

/// The in-process limiter: remembers the last `X-RateLimit-*` snapshot (lock-free) and, when
/// `remaining` reached 0, makes the next attempts wait until the window resets.
#[derive(Debug)]
pub struct InProcessLimiter {
    limit: AtomicU64,
    remaining: AtomicU64,
    reset: AtomicU64,
}

impl Default for InProcessLimiter {
    fn default() -> Self {
        Self::new()
    }
}

impl InProcessLimiter {
    /// A limiter with no snapshot yet.
    pub fn new() -> Self {
        Self {
            limit: AtomicU64::new(UNKNOWN),
            remaining: AtomicU64::new(UNKNOWN),
            reset: AtomicU64::new(UNKNOWN),
        }
    }

    /// How long to wait at `now` given the stored snapshot.
    pub fn wait_at(&self, now: SystemTime) -> Option<(RateLimit, Duration)> {
        let rl = self.last()?;
        if rl.remaining > 0 {
            return None;
        }
        let wait = rl.until_reset(now);
        (!wait.is_zero()).then_some((rl, wait))
    }

    fn decide(&self, max_wait: Duration) -> Result<Duration, LimiterError> {
        // Read the clock only when the budget is spent.
        if self.remaining.load(Ordering::Relaxed) != 0 {
            return Ok(Duration::ZERO);
        }
        match self.wait_at(SystemTime::now()) {
            None => Ok(Duration::ZERO),
            Some((_, wait)) if wait <= max_wait => Ok(wait),
            Some((rate_limit, wait)) => Err(LimiterError::Exhausted { rate_limit, wait }),
        }
    }
}

#[async_trait::async_trait]
impl RateLimiter for InProcessLimiter {
    async fn wait_time(&self, max_wait: Duration) -> Result<Duration, LimiterError> {
        self.decide(max_wait)
    }

    fn wait_time_now(&self, max_wait: Duration) -> Option<Result<Duration, LimiterError>> {
        Some(self.decide(max_wait))
    }

    fn observe(&self, rl: &RateLimit) {
        // Keep the newest window: a late response from an older window must not overwrite it.
        let current = self.reset.load(Ordering::Relaxed);
        if current != UNKNOWN && rl.reset < current {
            return;
        }
        // A new window (about once per ten seconds) is checked against the clock, so that an
        // implausible reset cannot become the newest window and stall every later call.
        if (current == UNKNOWN || rl.reset > current) && !rl.is_plausible_at(SystemTime::now()) {
            tracing::debug!(
                reset = rl.reset,
                "ignoring a rate-limit snapshot whose reset is implausibly far ahead"
            );
            return;
        }
        self.limit.store(rl.limit, Ordering::Relaxed);
        self.remaining.store(rl.remaining, Ordering::Relaxed);
        self.reset.store(rl.reset, Ordering::Relaxed);
    }

    fn last(&self) -> Option<RateLimit> {
        let reset = self.reset.load(Ordering::Relaxed);
        if reset == UNKNOWN {
            return None;
        }
        Some(RateLimit {
            limit: self.limit.load(Ordering::Relaxed),
            remaining: self.remaining.load(Ordering::Relaxed),
            reset,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_all_three_headers_or_nothing() {
        let mut h = HeaderMap::new();
        h.insert("x-ratelimit-limit", "167".parse().expect("static"));
        h.insert("x-ratelimit-remaining", "0".parse().expect("static"));
        assert_eq!(RateLimit::from_headers(&h), None);
        h.insert("x-ratelimit-reset", "1487332520".parse().expect("static"));
        assert_eq!(
            RateLimit::from_headers(&h),
            Some(RateLimit {
                limit: 167,
                remaining: 0,
                reset: 1487332520
            })
        );
    }

    #[test]
    fn numbers_are_strict_and_never_overflow() {
        assert_eq!(parse_u64(b" 42\t"), Some(42));
        assert_eq!(parse_u64(b"18446744073709551615"), Some(u64::MAX));
        for bad in [
            &b""[..],
            b"  ",
            b"18446744073709551616",
            b"-1",
            b"+1",
            b"4 2",
            b"1e3",
            b"0x10",
            "\u{0663}".as_bytes(),
        ] {
            assert_eq!(parse_u64(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_non_numeric_or_repeated_header_is_handled_like_a_lookup() {
        let mut h = HeaderMap::new();
        h.insert("x-ratelimit-limit", "167".parse().expect("static"));
        h.append("x-ratelimit-limit", "999".parse().expect("static"));
        h.insert("x-ratelimit-remaining", "12".parse().expect("static"));
        h.insert("x-ratelimit-reset", "soon".parse().expect("static"));
        h.insert("x-ratelimit-other", "1".parse().expect("static"));
        assert_eq!(RateLimit::from_headers(&h), None);
        h.insert("x-ratelimit-reset", "1487332520".parse().expect("static"));
        assert_eq!(
            RateLimit::from_headers(&h).map(|rl| (rl.limit, rl.remaining)),
            Some((167, 12))
        );
    }

    #[test]
    fn waits_only_when_exhausted_and_reset_is_ahead() {
        let l = InProcessLimiter::new();
        let now = UNIX_EPOCH + Duration::from_secs(1000);
        assert_eq!(l.wait_at(now), None);
        l.observe(&RateLimit {
            limit: 10,
            remaining: 1,
            reset: 1005,
        });
        assert_eq!(l.wait_at(now), None);
        l.observe(&RateLimit {
            limit: 10,
            remaining: 0,
            reset: 1005,
        });
        assert_eq!(l.wait_at(now).map(|w| w.1), Some(Duration::from_secs(5)));
        // An older window's late answer does not overwrite the newer one.
        l.observe(&RateLimit {
            limit: 10,
            remaining: 9,
            reset: 990,
        });
        assert_eq!(l.last().map(|r| r.remaining), Some(0));
        assert_eq!(l.wait_at(UNIX_EPOCH + Duration::from_secs(1006)), None);
    }

    fn now_secs() -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    }

    /// Regression (issue 12, finding 1): a reset near `u64::MAX` panicked with "overflow when
    /// adding duration to instant" and, being the newest window, on every later call too.
    #[test]
    fn a_reset_near_u64_max_neither_panics_nor_sticks() {
        for reset in [u64::MAX - 1, u64::MAX / 2, i64::MAX as u64, 1 << 40] {
            let rl = RateLimit {
                limit: 10,
                remaining: 0,
                reset,
            };
            let now = SystemTime::now();
            assert!(rl.until_reset(now) > MAX_RESET_AHEAD, "{reset}");
            assert!(!rl.is_plausible_at(now));

            let l = InProcessLimiter::new();
            l.observe(&rl);
            assert_eq!(l.last(), None, "an implausible first snapshot is not kept");
            assert_eq!(
                l.wait_time_now(Duration::from_secs(30)),
                Some(Ok(Duration::ZERO))
            );

            // Nor does it replace a sane window, and the sane window keeps being updated.
            let sane = RateLimit {
                limit: 10,
                remaining: 3,
                reset: now_secs() + 5,
            };
            l.observe(&sane);
            l.observe(&rl);
            assert_eq!(l.last(), Some(sane));
        }
    }

    #[test]
    fn an_unrepresentable_reset_is_an_exhausted_error_not_a_panic() {
        let rl = RateLimit {
            limit: 10,
            remaining: 0,
            reset: u64::MAX,
        };
        assert_eq!(rl.reset_at(), None);
        assert_eq!(rl.until_reset(SystemTime::now()), Duration::MAX);
        // A plausible but distant window the deadline cannot reach fails fast with a typed error.
        let l = InProcessLimiter::new();
        l.observe(&RateLimit {
            limit: 10,
            remaining: 0,
            reset: now_secs() + 600,
        });
        match l.wait_time_now(Duration::from_secs(30)) {
            Some(Err(LimiterError::Exhausted { wait, .. })) => {
                assert!(wait > Duration::from_secs(30))
            }
            other => panic!("expected Exhausted, got {other:?}"),
        }
    }
}
