//! Rate-limit snapshots and the limiter consulted before every attempt.
//!
//! Over 600 lines only with its tests (about 250 lines, the limiter's booking across
//! windows); the code itself is about 400.

use std::collections::VecDeque;
use std::fmt;
use std::sync::Mutex;
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
            // Cheap rejection first: the names are 17 or 21 bytes long and differ at byte 12
            // (`x-ratelimit-limit`, `-reset`, `-remaining`); one comparison then confirms.
            let name = name.as_str().as_bytes();
            let slot = match (name.len(), name.get(12)) {
                (17, Some(b'l')) if name == b"x-ratelimit-limit" => &mut limit,
                (17, Some(b'r')) if name == b"x-ratelimit-reset" => &mut reset,
                (21, Some(b'r')) if name == b"x-ratelimit-remaining" => &mut remaining,
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
    // One pass (this runs for three headers of every response): digits are accumulated as
    // they are checked. Any 19 digits fit in a u64 (its maximum has 20), so only a longer
    // number pays for checked arithmetic.
    let digits = raw.trim_ascii();
    if digits.is_empty() {
        return None;
    }
    let fits = digits.len() <= 19;
    let mut n = 0u64;
    for &b in digits {
        let d = u64::from(b.wrapping_sub(b'0'));
        if d > 9 {
            return None;
        }
        n = if fits {
            n.wrapping_mul(10).wrapping_add(d)
        } else {
            n.checked_mul(10)?.checked_add(d)?
        };
    }
    Some(n)
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

/// The furthest ahead of the local clock a window's reset may lie for a limiter to keep the
/// snapshot. Intercom's windows last ten seconds; the rest is room for clock skew. A later reset
/// (say `X-RateLimit-Reset: 18446744073709551614`) would otherwise stall every later call until
/// that time, since a limiter keeps the newest window it has seen.
pub const MAX_RESET_AHEAD: Duration = Duration::from_secs(3600);

/// Intercom's window length, assumed until two consecutive windows show the real one.
const DEFAULT_WINDOW_SECS: u64 = 10;

/// How many windows past the current one permits may be booked in.
const MAX_WINDOWS_AHEAD: usize = 64;

/// How long before a window's end the limiter stops granting permits in it: a request sent
/// later might reach the server after the reset and count against the next window.
pub const DEFAULT_EDGE_GUARD: Duration = Duration::from_millis(100);

/// The in-process limiter: books a permit for every attempt in the current rate-limit window,
/// or in a later one (then the attempt waits for that window to start), and reconciles its count
/// with every `X-RateLimit-*` snapshot.
///
/// - **Before any snapshot** nothing is known (Intercom sends the headers on authenticated
///   answers only), so attempts go unpaced until the first answer arrives; they are counted,
///   and the first snapshot's window is assumed to hold them all.
/// - **Booking**: with a known limit, an attempt takes a permit of the current window when one
///   is left and the window does not end within the edge guard (100 ms); otherwise it books the
///   first later window with a free permit and waits for its start. A wait past the caller's
///   deadline books nothing and fails fast ([`LimiterError::Exhausted`]).
/// - **Reconciling**: a snapshot of the current window raises the count to what the server
///   says was used (it never lowers it: an answer from earlier in the window must not give back
///   permits that later requests took); a snapshot of a newer window moves the limiter to it;
///   an older window's late answer is ignored.
/// - **Clock skew**: windows are the server's (`X-RateLimit-Reset`, Unix seconds). When a
///   snapshot shows the server's window still open after our clock says it ended, the
///   difference is kept and added to every wait.
/// - **Window length**: assumed to be Intercom's ten seconds until two consecutive windows
///   show a shorter one.
///
/// Shared by all clones of a client (and, with [`ClientBuilder::rate_limiter`], by every token
/// of a configuration).
///
/// [`ClientBuilder::rate_limiter`]: crate::ClientBuilder::rate_limiter
#[derive(Debug)]
pub struct InProcessLimiter {
    edge_guard_ms: u64,
    state: Mutex<Book>,
}

/// What the limiter knows and has handed out.
#[derive(Debug, Default)]
struct Book {
    /// The newest snapshot seen (for [`RateLimiter::last`]).
    last: Option<RateLimit>,
    /// The newest window the server has confirmed (its reset, Unix seconds); 0 before any.
    confirmed: u64,
    /// The window permits are taken from now (its reset, Unix seconds): `confirmed`, or a
    /// later one the local clock has moved to. 0 before any snapshot.
    reset: u64,
    /// Permits per window.
    limit: u64,
    /// Permits taken (or, per the server, used) in window `reset`.
    used: u64,
    /// Permits booked in the windows after `reset` (`ahead[0]` is the next one).
    ahead: VecDeque<u64>,
    /// The window length in seconds (0 until the first snapshot).
    window_secs: u64,
    /// How far our clock runs ahead of the server's, in milliseconds.
    skew_ms: u64,
    /// Attempts let through before any snapshot, within the last window length from
    /// `unpaced_since_ms`: the first snapshot's window is assumed to hold them all.
    unpaced: u64,
    unpaced_since_ms: u64,
}

impl Book {
    /// Moves to the window the server is in at `server_ms` (the local clock minus the skew).
    fn roll_to(&mut self, server_ms: u64) {
        let window = self.window_secs.max(1);
        let mut rolled = 0;
        while self.reset.saturating_mul(1000) <= server_ms {
            if rolled >= MAX_WINDOWS_AHEAD {
                // Long idle: jump straight to the window that holds `server_ms`.
                let behind = (server_ms / 1000)
                    .saturating_sub(self.reset)
                    .checked_div(window)
                    .unwrap_or(0);
                self.reset = self
                    .reset
                    .saturating_add(behind.saturating_add(1).saturating_mul(window));
                self.ahead.clear();
                self.used = 0;
                return;
            }
            self.reset = self.reset.saturating_add(window);
            self.used = self.ahead.pop_front().unwrap_or(0);
            rolled = rolled.saturating_add(1);
        }
    }

    fn snapshot(&self) -> RateLimit {
        RateLimit {
            limit: self.limit,
            remaining: self.limit.saturating_sub(self.used),
            reset: self.reset,
        }
    }
}

impl Default for InProcessLimiter {
    fn default() -> Self {
        Self::new()
    }
}

impl InProcessLimiter {
    /// A limiter with no snapshot yet and the default edge guard (100 ms).
    pub fn new() -> Self {
        Self::with_edge_guard(DEFAULT_EDGE_GUARD)
    }

    /// A limiter that stops granting permits in a window `edge_guard` before it ends. Make it
    /// larger than the usual time from sending a request to the server counting it.
    pub fn with_edge_guard(edge_guard: Duration) -> Self {
        Self {
            edge_guard_ms: u64::try_from(edge_guard.as_millis()).unwrap_or(u64::MAX),
            state: Mutex::new(Book::default()),
        }
    }

    fn book(&self) -> std::sync::MutexGuard<'_, Book> {
        // The book holds plain counters; a panic elsewhere cannot leave it inconsistent.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Takes a permit at `now` (booking a later window when needed) and says how long to wait
    /// for it; `Err` books nothing.
    pub fn acquire_at(
        &self,
        now: SystemTime,
        max_wait: Duration,
    ) -> Result<Duration, LimiterError> {
        let now_ms = unix_ms(now);
        let mut book = self.book();
        if book.reset == 0 || book.limit == 0 {
            let window_ms = DEFAULT_WINDOW_SECS.saturating_mul(1000);
            if now_ms.saturating_sub(book.unpaced_since_ms) > window_ms {
                book.unpaced = 0;
                book.unpaced_since_ms = now_ms;
            }
            book.unpaced = book.unpaced.saturating_add(1);
            return Ok(Duration::ZERO);
        }
        let server_ms = now_ms.saturating_sub(book.skew_ms);
        book.roll_to(server_ms);
        let end_ms = book.reset.saturating_mul(1000);
        if book.used < book.limit && server_ms.saturating_add(self.edge_guard_ms) < end_ms {
            book.used = book.used.saturating_add(1);
            return Ok(Duration::ZERO);
        }
        // Book the first later window with a free permit. Window `k` (0 = the next one) starts
        // when window `k - 1` ends.
        let window = book.window_secs.max(1);
        let mut wait = Duration::ZERO;
        for k in 0..MAX_WINDOWS_AHEAD {
            let offset = u64::try_from(k).unwrap_or(u64::MAX).saturating_mul(window);
            let start_ms = book.reset.saturating_add(offset).saturating_mul(1000);
            wait = Duration::from_millis(start_ms.saturating_sub(server_ms));
            if wait > max_wait {
                break;
            }
            if book.ahead.len() <= k {
                book.ahead.resize(k.saturating_add(1), 0);
            }
            let limit = book.limit;
            if let Some(slot) = book.ahead.get_mut(k).filter(|n| **n < limit) {
                *slot = slot.saturating_add(1);
                return Ok(wait);
            }
        }
        Err(LimiterError::Exhausted {
            rate_limit: book.snapshot(),
            wait,
        })
    }

    /// Reconciles the book with a snapshot received at `now`.
    pub fn observe_at(&self, rl: &RateLimit, now: SystemTime) {
        if !rl.is_plausible_at(now) {
            tracing::debug!(
                reset = rl.reset,
                "ignoring a rate-limit snapshot whose reset is implausibly far ahead"
            );
            return;
        }
        let now_ms = unix_ms(now);
        let server_used = rl.limit.saturating_sub(rl.remaining);
        let mut book = self.book();
        if rl.reset < book.confirmed {
            return; // a late answer from an older window
        }
        // The server counted this request in a window still open at `reset`; if our clock is
        // already past that, it runs ahead by at least the difference.
        // (The window is open strictly before `reset`, hence the extra millisecond.)
        let ahead_ms = now_ms
            .saturating_add(1)
            .saturating_sub(rl.reset.saturating_mul(1000));
        if rl.reset > book.confirmed {
            book.skew_ms = ahead_ms;
            if book.confirmed > 0 {
                let seen = rl.reset.saturating_sub(book.confirmed);
                if seen > 0 && seen < book.window_secs {
                    book.window_secs = seen;
                }
            } else {
                book.window_secs = DEFAULT_WINDOW_SECS;
                // Whatever went before the first snapshot counts against its window.
                book.used = book.unpaced;
            }
            if rl.reset != book.reset {
                // A window our clock has not reached yet, or reached under another guess of
                // its end: permits booked for the next window are taken in this one.
                if rl.reset > book.reset && book.reset > 0 {
                    book.used = book.ahead.pop_front().unwrap_or(0);
                }
                book.reset = rl.reset;
            }
            book.confirmed = rl.reset;
            book.last = Some(*rl);
        } else {
            book.skew_ms = book.skew_ms.max(ahead_ms);
            if book.last.is_none_or(|last| rl.remaining < last.remaining) {
                book.last = Some(*rl);
            }
        }
        book.limit = rl.limit;
        if book.reset == rl.reset {
            book.used = book.used.max(server_used);
        }
    }
}

/// Milliseconds since the Unix epoch (0 for a clock before it).
fn unix_ms(at: SystemTime) -> u64 {
    at.duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

#[async_trait::async_trait]
impl RateLimiter for InProcessLimiter {
    async fn wait_time(&self, max_wait: Duration) -> Result<Duration, LimiterError> {
        self.acquire_at(SystemTime::now(), max_wait)
    }

    fn wait_time_now(&self, max_wait: Duration) -> Option<Result<Duration, LimiterError>> {
        Some(self.acquire_at(SystemTime::now(), max_wait))
    }

    fn observe(&self, rl: &RateLimit) {
        self.observe_at(rl, SystemTime::now());
    }

    fn last(&self) -> Option<RateLimit> {
        self.book().last
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
        // The longest unchecked form, and longer ones through the checked path.
        assert_eq!(
            parse_u64(b"9999999999999999999"),
            Some(9_999_999_999_999_999_999)
        );
        assert_eq!(parse_u64(b"00000000000000000042"), Some(42));
        assert_eq!(parse_u64(b"99999999999999999999"), None);
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

    fn at(secs: u64, ms: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs) + Duration::from_millis(ms)
    }

    fn rl(limit: u64, remaining: u64, reset: u64) -> RateLimit {
        RateLimit {
            limit,
            remaining,
            reset,
        }
    }

    const LONG: Duration = Duration::from_secs(60);

    /// Granting at `now` until the first wait; returns how many went at once and that wait.
    fn drain(l: &InProcessLimiter, now: SystemTime) -> (u64, Duration) {
        let mut granted = 0;
        loop {
            match l.acquire_at(now, LONG) {
                Ok(wait) if wait.is_zero() => granted += 1,
                Ok(wait) => return (granted, wait),
                Err(e) => panic!("{e}"),
            }
        }
    }

    #[test]
    fn unpaced_until_the_first_snapshot_then_books_every_permit() {
        let l = InProcessLimiter::with_edge_guard(Duration::ZERO);
        for _ in 0..5 {
            assert_eq!(l.acquire_at(at(1000, 0), LONG), Ok(Duration::ZERO));
        }
        // The server has answered 3 of those 5 so far: it says 3 of 10 are used in the window
        // ending at 1002. The two still in flight count too.
        l.observe_at(&rl(10, 7, 1002), at(1000, 0));
        let (now, wait) = drain(&l, at(1000, 0));
        assert_eq!(now, 5, "exactly the permits left");
        assert_eq!(wait, Duration::from_secs(2), "then the next window's start");
        // The next window's ten permits are booked: nine more wait 2 s, the 11th a window more
        // (the window length is not known yet: Intercom's 10 s is assumed).
        for _ in 0..9 {
            assert_eq!(l.acquire_at(at(1000, 0), LONG), Ok(Duration::from_secs(2)));
        }
        assert_eq!(l.acquire_at(at(1000, 0), LONG), Ok(Duration::from_secs(12)));
        // A wait past the deadline books nothing and says how long it would be.
        match l.acquire_at(at(1000, 0), Duration::from_secs(1)) {
            Err(LimiterError::Exhausted { wait, .. }) => assert_eq!(wait, Duration::from_secs(2)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn unpaced_attempts_are_forgotten_after_a_window_without_snapshots() {
        let l = InProcessLimiter::with_edge_guard(Duration::ZERO);
        for _ in 0..50 {
            assert_eq!(l.acquire_at(at(1000, 0), LONG), Ok(Duration::ZERO));
        }
        // Eleven seconds later (more than Intercom's window), only the new ones count.
        assert_eq!(l.acquire_at(at(1011, 0), LONG), Ok(Duration::ZERO));
        l.observe_at(&rl(10, 10, 1012), at(1011, 0));
        assert_eq!(drain(&l, at(1011, 0)).0, 9);
    }

    #[test]
    fn an_older_answer_never_gives_permits_back() {
        let l = InProcessLimiter::with_edge_guard(Duration::ZERO);
        l.observe_at(&rl(10, 10, 1002), at(1000, 0));
        assert_eq!(drain(&l, at(1000, 0)).0, 10);
        // Answers from early in the window say 9, then 8 remaining: nothing is given back.
        l.observe_at(&rl(10, 9, 1002), at(1000, 100));
        l.observe_at(&rl(10, 8, 1002), at(1000, 200));
        assert!(!l.acquire_at(at(1000, 300), LONG).expect("booked").is_zero());
        assert_eq!(l.last().map(|r| r.remaining), Some(8));
        // A late answer from the previous window is ignored altogether.
        l.observe_at(&rl(10, 10, 1000), at(1000, 400));
        assert_eq!(l.last().map(|r| r.reset), Some(1002));
    }

    #[test]
    fn the_server_s_count_raises_ours() {
        let l = InProcessLimiter::with_edge_guard(Duration::ZERO);
        l.observe_at(&rl(10, 10, 1002), at(1000, 0));
        assert_eq!(l.acquire_at(at(1000, 0), LONG), Ok(Duration::ZERO));
        // Someone else (another process with the same token) used 8.
        l.observe_at(&rl(10, 1, 1002), at(1000, 10));
        assert_eq!(drain(&l, at(1000, 20)).0, 1);
    }

    #[test]
    fn windows_roll_on_the_clock_and_their_length_is_learnt() {
        let l = InProcessLimiter::with_edge_guard(Duration::ZERO);
        l.observe_at(&rl(5, 5, 1002), at(1000, 0));
        assert_eq!(drain(&l, at(1000, 0)), (5, Duration::from_secs(2)));
        // 5 booked in the next window (which starts at 1002).
        for _ in 0..4 {
            assert_eq!(l.acquire_at(at(1000, 0), LONG), Ok(Duration::from_secs(2)));
        }
        // At 1002 the clock moves the limiter on: those five bookings fill the window.
        let (now, _) = drain(&l, at(1002, 0));
        assert_eq!(now, 0);
        // The first answer of that window shows it ends at 1004: 2-second windows.
        l.observe_at(&rl(5, 4, 1004), at(1002, 5));
        assert_eq!(
            l.acquire_at(at(1002, 10), LONG),
            Ok(Duration::from_millis(1990)),
            "booked in the window starting at 1004"
        );
        // Long idle: the limiter jumps to the window holding the present.
        assert_eq!(drain(&l, at(5000, 0)).0, 5);
    }

    #[test]
    fn the_edge_guard_and_clock_skew_keep_requests_out_of_the_wrong_window() {
        let l = InProcessLimiter::with_edge_guard(Duration::from_millis(100));
        l.observe_at(&rl(10, 10, 1002), at(1001, 950));
        // 50 ms before the end: too close, book the next window instead.
        assert_eq!(
            l.acquire_at(at(1001, 950), LONG),
            Ok(Duration::from_millis(50))
        );
        // Our clock runs 300 ms ahead: the server counts this one in the window ending at 1002
        // although our clock says 1002.3 s.
        let l = InProcessLimiter::with_edge_guard(Duration::ZERO);
        l.observe_at(&rl(1, 1, 1002), at(1000, 0));
        l.observe_at(&rl(1, 0, 1002), at(1002, 300));
        assert_eq!(
            l.acquire_at(at(1002, 300), LONG),
            Ok(Duration::from_millis(1)),
            "the window ending at 1002 on the server's clock is full: wait for its end, 301 ms \
             after our clock's 1002"
        );
        assert_eq!(
            l.acquire_at(at(1002, 301), LONG),
            Ok(Duration::from_secs(10))
        );
    }
    fn now_secs() -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    }

    /// Regression: a reset near `u64::MAX` panicked with "overflow when
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
