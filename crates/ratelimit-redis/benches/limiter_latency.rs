//! Added latency per request of the Redis limiter: `cargo bench -p intercom-ratelimit-redis`.
//!
//! Starts its own `redis-server` on a loopback port (skips when it is not installed), then
//! times `wait_time` (the call the client makes before every attempt) for the in-process
//! limiter and the Redis limiter, with a budget large enough that every call goes now.
//! `BENCH_CALLS` sets the number of calls (default 20,000).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use intercom_ratelimit_redis::RedisLimiter;
use intercom_transport::{InProcessLimiter, RateLimiter};

/// Latency of [`RateLimiter::wait_time`] over a run: what a limiter adds to each attempt
/// when the budget is not spent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct LatencyReport {
    /// Calls measured.
    calls: usize,
    /// Calls that answered "go now" (the others were told to wait or refused).
    immediate: usize,
    /// Mean latency.
    mean: Duration,
    /// Median latency.
    p50: Duration,
    /// 99th percentile.
    p99: Duration,
    /// Slowest call.
    max: Duration,
}

/// Calls `limiter.wait_time` `calls` times, one after another, and reports the latency of
/// each call (the waits it asks for are not slept). Give the limiter a budget larger than
/// `calls` so that every call takes the "go now" path.
async fn measure_wait_time(limiter: &dyn RateLimiter, calls: usize) -> LatencyReport {
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

fn print(name: &str, r: &LatencyReport) {
    println!(
        "{name:<28} calls {:>6}  mean {:>9.1?}  p50 {:>9.1?}  p99 {:>9.1?}  max {:>9.1?}",
        r.calls, r.mean, r.p50, r.p99, r.max
    );
}

fn main() {
    // `cargo test --benches` runs this with `--bench`-less args: keep it quick then.
    let quick = !std::env::args().any(|a| a == "--bench");
    let calls: usize = std::env::var("BENCH_CALLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if quick { 200 } else { 20_000 });
    let Some(redis) = common::RedisServer::start() else {
        return;
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let in_process = InProcessLimiter::new();
        let base = measure_wait_time(&in_process, calls).await;
        print("in-process wait_time", &base);

        let limiter = RedisLimiter::builder(redis.url(), "bench")
            .workspace("bench")
            .app_per_window(u64::MAX / 4)
            .workspace_per_window(u64::MAX / 4)
            .window(Duration::from_secs(10))
            .edge_guard(Duration::ZERO)
            .build()
            .expect("limiter");
        limiter.ping().await.expect("redis answers");
        // Warm up: connection, script load.
        let _ = measure_wait_time(&limiter, 100).await;
        let redis_report = measure_wait_time(&limiter, calls).await;
        print("redis wait_time (1 task)", &redis_report);
        assert_eq!(redis_report.immediate, calls, "every call went now");

        // Eight tasks at once on one limiter (one multiplexed connection).
        let shared: Arc<dyn RateLimiter> = Arc::new(limiter);
        let per_task = (calls / 8).max(1);
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let l = Arc::clone(&shared);
            tasks.push(tokio::spawn(async move {
                measure_wait_time(l.as_ref(), per_task).await
            }));
        }
        let mut p50s = Vec::new();
        for t in tasks {
            let r = t.await.expect("task");
            p50s.push(r.p50);
        }
        p50s.sort();
        println!(
            "redis wait_time (8 tasks)    p50 per task from {:?} to {:?}",
            p50s.first().copied().unwrap_or_default(),
            p50s.last().copied().unwrap_or_default()
        );
        println!(
            "added latency per request (redis p50 - in-process p50): {:?}",
            redis_report.p50.saturating_sub(base.p50)
        );
    });
}
