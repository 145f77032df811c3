//! Overflow-proof time arithmetic: the one home for adding a duration that may come from the
//! network or a user (`Retry-After`, `X-RateLimit-Reset`, a timeout flag) to an instant.
//!
//! `Instant + Duration` panics when the sum cannot be represented; every such sum in the
//! pipeline goes through [`deadline_after`] instead, and every comparison of a wait against a
//! deadline through [`fits_before`], which adds nothing.

use std::time::Duration;

use tokio::time::Instant;

/// About thirty years: what "no deadline" means when `now + after` cannot be represented
/// (tokio uses the same horizon for its own far-future timers).
const FAR_FUTURE: Duration = Duration::from_secs(946_080_000);

/// `now + after`, saturating: the far future when the sum cannot be represented, and `now`
/// itself (an immediate deadline, hence a typed timeout) if even that cannot.
pub(crate) fn deadline_after(now: Instant, after: Duration) -> Instant {
    now.checked_add(after)
        .or_else(|| now.checked_add(FAR_FUTURE))
        .unwrap_or(now)
}

/// Whether waiting `wait` from `now` ends strictly before `deadline`, without adding.
pub(crate) fn fits_before(now: Instant, wait: Duration, deadline: Instant) -> bool {
    wait < deadline.saturating_duration_since(now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn huge_durations_saturate_instead_of_panicking() {
        let now = Instant::now();
        assert!(deadline_after(now, Duration::MAX) > now);
        assert!(deadline_after(now, Duration::from_secs(u64::MAX)) > now);
        assert_eq!(
            deadline_after(now, Duration::from_secs(5)),
            now.checked_add(Duration::from_secs(5)).expect("small")
        );
        let deadline = deadline_after(now, Duration::from_secs(10));
        assert!(fits_before(now, Duration::from_secs(9), deadline));
        assert!(!fits_before(now, Duration::from_secs(10), deadline));
        assert!(!fits_before(now, Duration::MAX, deadline));
    }
}
