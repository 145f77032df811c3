//! Backoff with full jitter, and reading `Retry-After`.

use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use http::{HeaderMap, Method, StatusCode};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::config::RetryConfig;

/// Random source for backoff jitter; seedable so tests can predict delays.
#[derive(Debug)]
pub(crate) struct Jitter {
    rng: Mutex<StdRng>,
}

impl Jitter {
    pub(crate) fn new(seed: Option<u64>) -> Self {
        let rng = match seed {
            Some(seed) => StdRng::seed_from_u64(seed),
            None => StdRng::from_entropy(),
        };
        Self {
            rng: Mutex::new(rng),
        }
    }

    /// A uniformly random duration in `[0, max]`.
    pub(crate) fn up_to(&self, max: Duration) -> Duration {
        let nanos = u64::try_from(max.as_nanos()).unwrap_or(u64::MAX);
        if nanos == 0 {
            return Duration::ZERO;
        }
        let mut rng = match self.rng.lock() {
            Ok(rng) => rng,
            // A panic while holding this lock cannot corrupt an RNG; keep going.
            Err(poisoned) => poisoned.into_inner(),
        };
        Duration::from_nanos(rng.gen_range(0..=nanos))
    }
}

/// Full-jitter exponential backoff before retry number `retry` (1 for the first retry).
pub(crate) fn backoff(config: &RetryConfig, jitter: &Jitter, retry: u32) -> Duration {
    let exp = retry.saturating_sub(1).min(30);
    let ceiling = config
        .initial_backoff
        .saturating_mul(1u32 << exp)
        .min(config.max_backoff);
    jitter.up_to(ceiling)
}

/// Methods that may be repeated without changing the outcome.
pub(crate) fn is_idempotent(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS | Method::TRACE
    )
}

/// Statuses worth another attempt.
pub(crate) fn is_retryable_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 408 | 429 | 500 | 502 | 503 | 504)
}

/// `Retry-After` as seconds or an HTTP date, relative to `now`.
pub(crate) fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let value = headers
        .get(http::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_stays_under_the_exponential_ceiling() {
        let config = RetryConfig::default();
        let jitter = Jitter::new(Some(7));
        for retry in 1..10 {
            let ceiling = (config.initial_backoff * 2u32.pow(retry - 1)).min(config.max_backoff);
            for _ in 0..100 {
                assert!(backoff(&config, &jitter, retry) <= ceiling);
            }
        }
    }

    #[test]
    fn seeded_jitter_is_repeatable() {
        let config = RetryConfig::default();
        let a: Vec<_> = (1..5)
            .map(|n| backoff(&config, &Jitter::new(Some(1)), n))
            .collect();
        let b: Vec<_> = (1..5)
            .map(|n| backoff(&config, &Jitter::new(Some(1)), n))
            .collect();
        assert_eq!(a, b);
    }

    #[test]
    fn retry_after_seconds_and_date() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let mut h = HeaderMap::new();
        h.insert("retry-after", "7".parse().expect("static"));
        assert_eq!(retry_after(&h, now), Some(Duration::from_secs(7)));
        let later = httpdate::fmt_http_date(now + Duration::from_secs(30));
        h.insert("retry-after", later.parse().expect("date is ASCII"));
        assert_eq!(retry_after(&h, now), Some(Duration::from_secs(30)));
        h.insert("retry-after", "soon".parse().expect("static"));
        assert_eq!(retry_after(&h, now), None);
    }
}
