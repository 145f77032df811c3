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

    /// The reset as a wall-clock time.
    pub fn reset_at(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(self.reset)
    }

    /// Time until the reset, from `now` (zero if it has passed).
    pub fn until_reset(&self, now: SystemTime) -> Duration {
        self.reset_at()
            .duration_since(now)
            .unwrap_or(Duration::ZERO)
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
}
