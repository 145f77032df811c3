//! A measuring hook for benchmark harnesses (`benches/limiter_latency.rs`, `cargo xtask bench`).

use std::time::{Duration, Instant};

use intercom_transport::RateLimiter;

/// Latency of [`RateLimiter::wait_time`] over a run: what a limiter adds to each attempt
/// when the budget is not spent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LatencyReport {
    /// Calls measured.
    pub calls: usize,
    /// Calls that answered "go now" (the others were told to wait or refused).
    pub immediate: usize,
    /// Mean latency.
    pub mean: Duration,
    /// Median latency.
    pub p50: Duration,
    /// 99th percentile.
    pub p99: Duration,
    /// Slowest call.
    pub max: Duration,
}

/// Calls `limiter.wait_time` `calls` times, one after another, and reports the latency of
/// each call (the waits it asks for are not slept). Give the limiter a budget larger than
/// `calls` so that every call takes the "go now" path.
pub async fn measure_wait_time(limiter: &dyn RateLimiter, calls: usize) -> LatencyReport {
    let mut samples = Vec::with_capacity(calls);
    let mut immediate = 0usize;
    for _ in 0..calls {
        let started = Instant::now();
        let decision = limiter.wait_time(Duration::from_secs(60)).await;
        samples.push(started.elapsed());
        if matches!(decision, Ok(d) if d.is_zero()) {
            immediate = immediate.saturating_add(1);
        }
    }
    samples.sort_unstable();
    let at = |q: f64| -> Duration {
        if samples.is_empty() {
            return Duration::ZERO;
        }
        let i = (samples.len().saturating_sub(1) as f64 * q).round() as usize;
        samples.get(i).copied().unwrap_or_default()
    };
    let total = samples
        .iter()
        .fold(Duration::ZERO, |sum, d| sum.saturating_add(*d));
    LatencyReport {
        calls,
        immediate,
        mean: u32::try_from(calls.max(1))
            .ok()
            .and_then(|n| total.checked_div(n))
            .unwrap_or_default(),
        p50: at(0.5),
        p99: at(0.99),
        max: samples.last().copied().unwrap_or_default(),
    }
}
