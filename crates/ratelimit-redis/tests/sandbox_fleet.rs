//! The fleet end to end: worker tasks, each with its own client and its own Redis
//! connection, share one budget against the intercom sandbox, which enforces that budget per
//! window and answers 429 past it. With the Redis limiter the fleet sees no 429 and keeps
//! close to the budget's pace.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::RedisServer;
use intercom_ratelimit_redis::RedisLimiter;
use intercom_sandbox::Sandbox;
use intercom_transport::{ApiRequest, Client, Error};

const BUDGET: u64 = 15;
const WINDOW: Duration = Duration::from_secs(1);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fleet_shares_the_sandbox_budget_without_429s() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let sandbox = Sandbox::builder()
        .rate_limit(BUDGET)
        .rate_limit_window(WINDOW)
        .start()
        .await
        .expect("sandbox");
    let (workers, each) = (6usize, 10usize);
    let total = workers * each;

    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..workers {
        let limiter = RedisLimiter::builder(redis.url(), "app-sandbox")
            .window(WINDOW)
            .app_per_window(BUDGET)
            .edge_guard(Duration::from_millis(250))
            .build()
            .expect("limiter");
        // No retries: a single 429 would surface as an error.
        let client: Client<_> = Client::builder()
            .base_url(sandbox.base_url())
            .allow_insecure_loopback(true)
            .max_attempts(1)
            .total_timeout(Duration::from_secs(30))
            .rate_limiter(Arc::new(limiter))
            .build()
            .expect("client")
            .with_access_token(sandbox.access_token());
        tasks.push(tokio::spawn(async move {
            let mut errors: Vec<Error> = Vec::new();
            for _ in 0..each {
                if let Err(e) = client.execute(ApiRequest::get("/me")).await {
                    errors.push(e);
                }
            }
            errors
        }));
    }
    let mut errors = Vec::new();
    for task in tasks {
        errors.extend(task.await.expect("worker"));
    }
    let elapsed = started.elapsed();
    let rate_limited = errors.iter().filter(|e| e.is_rate_limited()).count();
    assert_eq!(rate_limited, 0, "the fleet got 429s: {errors:?}");
    assert!(errors.is_empty(), "no request lost: {errors:?}");
    // Throughput close to the budget: 60 requests at 15 per 1 s window need 4 windows; allow
    // one more for alignment and one for a loaded machine.
    let ideal = WINDOW * (total as u64).div_ceil(BUDGET) as u32;
    assert!(
        elapsed <= ideal + 2 * WINDOW,
        "{total} requests took {elapsed:?} (ideal {ideal:?})"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_shared_limiter_the_same_fleet_gets_429s() {
    // The control experiment, so the test above can fail: the same fleet, each worker pacing
    // itself alone, overruns the shared budget.
    let sandbox = Sandbox::builder()
        .rate_limit(BUDGET)
        .rate_limit_window(Duration::from_secs(10))
        .start()
        .await
        .expect("sandbox");
    let mut tasks = Vec::new();
    for _ in 0..6 {
        let client = Client::builder()
            .base_url(sandbox.base_url())
            .allow_insecure_loopback(true)
            .max_attempts(1)
            // Fail fast instead of waiting for the 10-second window to reset.
            .total_timeout(Duration::from_millis(500))
            .build()
            .expect("client")
            .with_access_token(sandbox.access_token());
        tasks.push(tokio::spawn(async move {
            let mut limited = 0;
            for _ in 0..10 {
                if let Err(e) = client.execute(ApiRequest::get("/me")).await {
                    limited += usize::from(e.is_rate_limited());
                }
            }
            limited
        }));
    }
    let mut limited = 0;
    for task in tasks {
        limited += task.await.expect("worker");
    }
    // 60 requests in well under a second cannot fit in the 10-second windows of a budget of
    // 15 (that would take four windows).
    assert!(
        limited > 0,
        "60 requests against a budget of {BUDGET} should meet 429s"
    );
}
