//! The Redis limiter against a real `redis-server` (started per test on a free loopback port)
//! and a loopback server that enforces a budget per window and counts every request.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use common::{
    assert_within_budget_and_packed, run_worker, run_worker_with_attempts, CountingServer,
    RedisServer,
};
use intercom_ratelimit_redis::{FallbackMode, RedisLimiter};
use intercom_transport::{LimiterError, RateLimit, RateLimiter};
use redis::Commands;

const BUDGET: u64 = 20;
const WINDOW: Duration = Duration::from_secs(1);
/// Attempts per request in the outage test (see docs/fleet-rate-limiting.md, fallback).
const OUTAGE_ATTEMPTS: u32 = 12;

/// A limiter as one worker of the fleet builds it: its own connection, nothing shared in
/// memory with the other workers.
fn fleet_limiter(redis_url: &str, app: &str) -> RedisLimiter {
    RedisLimiter::builder(redis_url, app)
        .workspace("ws1")
        .window(WINDOW)
        .app_per_window(BUDGET)
        .edge_guard(Duration::from_millis(250))
        .retry_redis_after(Duration::from_millis(300))
        .build()
        .expect("limiter")
}

fn unix_now() -> Duration {
    SystemTime::now().duration_since(UNIX_EPOCH).expect("clock")
}

/// Sleeps until at least `margin` is left in the current `window`, so that a test's
/// assertions about "this window" do not straddle a reset.
async fn away_from_window_end(window: Duration, margin: Duration) {
    let w = window.as_millis();
    let into = unix_now().as_millis() % w;
    let left = Duration::from_millis((w - into) as u64);
    if left < margin {
        tokio::time::sleep(left + Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn worker_tasks_share_one_budget_without_429s() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let server = CountingServer::start(BUDGET, WINDOW.as_secs()).await;
    let (workers, each) = (8usize, 15usize);
    let total = (workers * each) as u64;

    let started = Instant::now();
    let mut tasks = Vec::new();
    let mut limiters = Vec::new();
    for _ in 0..workers {
        let limiter = Arc::new(fleet_limiter(&redis.url(), "app-tasks"));
        limiters.push(Arc::clone(&limiter));
        tasks.push(tokio::spawn(run_worker(server.url.clone(), limiter, each)));
    }
    let mut ok = 0;
    for t in tasks {
        let (n, errors) = t.await.expect("worker");
        assert!(errors.is_empty(), "errors: {errors:?}");
        ok += n;
    }
    let elapsed = started.elapsed();
    let counts = server.counts();
    eprintln!("{total} requests in {elapsed:?}: {counts:?}");
    assert_eq!(ok as u64, total);
    assert_eq!(counts.too_many, 0, "the fleet got 429s: {counts:?}");
    assert_eq!(counts.ok, total);
    let windows = assert_within_budget_and_packed(&counts, BUDGET, total);
    // Throughput: the fleet kept within one window of the ideal pace.
    let ideal = WINDOW * (total.div_ceil(BUDGET) as u32);
    assert!(
        elapsed <= ideal + WINDOW + Duration::from_millis(500),
        "{total} requests over {windows} windows took {elapsed:?}"
    );
    for l in &limiters {
        assert_eq!(l.stats().fallback_decisions, 0, "{:?}", l.stats());
    }
}

/// The role played by the child processes of `two_processes_share_one_budget` (a no-op when
/// run as an ordinary test).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn worker_process_role() {
    let (Ok(redis_url), Ok(base_url), Ok(n)) = (
        std::env::var("FLEET_TEST_REDIS_URL"),
        std::env::var("FLEET_TEST_BASE_URL"),
        std::env::var("FLEET_TEST_REQUESTS"),
    ) else {
        return;
    };
    let n: usize = n.parse().expect("FLEET_TEST_REQUESTS");
    let mut tasks = Vec::new();
    for _ in 0..2 {
        let limiter = Arc::new(fleet_limiter(&redis_url, "app-procs"));
        tasks.push(tokio::spawn(run_worker(base_url.clone(), limiter, n / 2)));
    }
    let (mut ok, mut errors) = (0, Vec::new());
    for t in tasks {
        let (n, e) = t.await.expect("worker");
        ok += n;
        errors.extend(e);
    }
    println!("FLEET_RESULT ok={ok} errors={}", errors.len());
    for e in errors {
        println!("FLEET_ERROR {e}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_share_one_budget() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let server = CountingServer::start(BUDGET, WINDOW.as_secs()).await;
    let per_process = 30usize;
    let exe = std::env::current_exe().expect("test binary");
    let mut children = Vec::new();
    for _ in 0..2 {
        let child = tokio::process::Command::new(&exe)
            .args([
                "--exact",
                "worker_process_role",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("FLEET_TEST_REDIS_URL", redis.url())
            .env("FLEET_TEST_BASE_URL", &server.url)
            .env("FLEET_TEST_REQUESTS", per_process.to_string())
            .stdout(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("spawn a worker process");
        children.push(child);
    }
    // This process is a third member of the fleet.
    let limiter = Arc::new(fleet_limiter(&redis.url(), "app-procs"));
    let (ok_here, errors) = run_worker(server.url.clone(), limiter, per_process).await;
    assert!(errors.is_empty(), "errors: {errors:?}");

    let mut ok = ok_here;
    for child in children {
        let out = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
            .await
            .expect("worker process finished in time")
            .expect("worker process output");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "worker process failed: {stdout}");
        let line = stdout
            .lines()
            .find_map(|l| l.find("FLEET_RESULT").map(|i| &l[i..]))
            .unwrap_or_else(|| panic!("no result from the worker process: {stdout}"));
        assert!(line.ends_with("errors=0"), "{stdout}");
        let n: usize = line
            .split_whitespace()
            .find_map(|w| w.strip_prefix("ok="))
            .and_then(|v| v.parse().ok())
            .expect("ok count");
        ok += n;
    }
    let total = (per_process * 3) as u64;
    let counts = server.counts();
    eprintln!("3 processes, {total} requests: {counts:?}");
    assert_eq!(ok as u64, total);
    assert_eq!(counts.too_many, 0, "the fleet got 429s: {counts:?}");
    assert_within_budget_and_packed(&counts, BUDGET, total);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_stopped_mid_run_falls_back_and_loses_no_request() {
    let Some(mut redis) = RedisServer::start() else {
        return;
    };
    let server = CountingServer::start(BUDGET, WINDOW.as_secs()).await;
    let (workers, each) = (4usize, 40usize);
    let mut tasks = Vec::new();
    let mut limiters = Vec::new();
    for _ in 0..workers {
        let limiter = Arc::new(fleet_limiter(&redis.url(), "app-outage"));
        limiters.push(Arc::clone(&limiter));
        // During the outage each worker paces only on its own view of the headers, so one
        // can lose the race for the next window several times in a row: the documented
        // advice for the in-process fallback is more attempts than the default.
        tasks.push(tokio::spawn(run_worker_with_attempts(
            server.url.clone(),
            limiter,
            each,
            OUTAGE_ATTEMPTS,
        )));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    redis.stop();
    let stopped_at = server.counts().ok;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    redis.restart();

    let started = Instant::now();
    let mut ok = 0;
    for t in tasks {
        let (n, errors) = tokio::time::timeout(Duration::from_secs(60), t)
            .await
            .expect("workers never hang")
            .expect("worker");
        assert!(errors.is_empty(), "lost requests: {errors:?}");
        ok += n;
    }
    let counts = server.counts();
    eprintln!(
        "outage run: {counts:?}, stats {:?}, finished {:?} after the restart",
        limiters.iter().map(|l| l.stats()).collect::<Vec<_>>(),
        started.elapsed()
    );
    assert_eq!(ok, workers * each, "every request succeeded");
    assert_eq!(counts.ok as usize, workers * each);
    assert!(
        stopped_at < (workers * each) as u64,
        "Redis was stopped mid-run"
    );
    let fallback: u64 = limiters.iter().map(|l| l.stats().fallback_decisions).sum();
    assert!(fallback > 0, "the fallback decided while Redis was down");
    // Back on Redis once it answers again (probed every `retry_redis_after`).
    for l in &limiters {
        let deadline = Instant::now() + Duration::from_secs(5);
        let before = l.stats().redis_grants;
        while l.stats().redis_grants == before || l.is_degraded() {
            assert!(Instant::now() < deadline, "back on Redis: {:?}", l.stats());
            let _ = l.wait_time(Duration::from_secs(30)).await;
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn window_keys_expire_and_every_key_has_a_ttl() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let limiter = fleet_limiter(&redis.url(), "app-ttl");
    away_from_window_end(WINDOW, Duration::from_millis(400)).await;
    for _ in 0..3 {
        assert_eq!(
            limiter.wait_time(Duration::from_secs(5)).await,
            Ok(Duration::ZERO)
        );
    }
    let reset = unix_now().as_secs() + 1;
    let synced = limiter
        .sync_from_headers(&RateLimit {
            limit: BUDGET,
            remaining: BUDGET - 5,
            reset,
        })
        .await
        .expect("sync");
    assert_eq!(synced, Some(5), "Intercom counted 5, we had booked 3");

    let mut con = redis.connection();
    let keys: Vec<String> = con.keys("intercom-rs:*").expect("keys");
    assert!(!keys.is_empty());
    for key in &keys {
        let ttl: i64 = con.pttl(key).expect("pttl");
        assert!(ttl > 0, "{key} has no TTL ({ttl})");
        let is_window = key
            .rsplit(':')
            .next()
            .is_some_and(|s| s.parse::<u64>().is_ok());
        if is_window {
            assert!(ttl <= 2 * WINDOW.as_millis() as i64, "{key}: {ttl} ms");
        } else {
            assert!(ttl <= 3_600_000, "{key}: {ttl} ms");
        }
    }
    assert!(
        keys.contains(&format!("intercom-rs:{{app-ttl}}:app:{reset}")),
        "{keys:?}"
    );
    assert!(
        keys.contains(&format!("intercom-rs:{{app-ttl}}:ws:ws1:{reset}")),
        "{keys:?}"
    );

    tokio::time::sleep(2 * WINDOW + Duration::from_millis(300)).await;
    let left: Vec<String> = con.keys("intercom-rs:*").expect("keys");
    assert_eq!(
        left.len(),
        2,
        "only the seed keys (limit, anchor) remain: {left:?}"
    );
    assert!(left
        .iter()
        .all(|k| k.ends_with(":app:limit") || k.ends_with(":anchor")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn headers_seed_the_budget_and_lower_the_shared_remaining() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let window = Duration::from_secs(10);
    let limiter = RedisLimiter::builder(redis.url(), "app-seed")
        .window(window)
        .app_per_window(100)
        .build()
        .expect("limiter");
    away_from_window_end(window, Duration::from_millis(2500)).await;
    let now = unix_now().as_secs();
    let reset = now - now % 10 + 10;
    // Intercom says: limit 5 per window, 3 left (so 2 used by someone).
    let counter = limiter
        .sync_from_headers(&RateLimit {
            limit: 5,
            remaining: 3,
            reset,
        })
        .await
        .expect("sync");
    assert_eq!(counter, Some(2));
    for _ in 0..3 {
        assert_eq!(limiter.wait_time(Duration::ZERO).await, Ok(Duration::ZERO));
    }
    // Spent: with no time to wait, refused, and nothing is booked.
    match limiter.wait_time(Duration::ZERO).await {
        Err(LimiterError::Exhausted { rate_limit, wait }) => {
            assert_eq!(rate_limit.limit, 5);
            assert_eq!(rate_limit.reset, reset + 10);
            assert!(wait > Duration::ZERO && wait <= window, "{wait:?}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    let mut con = redis.connection();
    let booked: u64 = con
        .get(format!("intercom-rs:{{app-seed}}:app:{reset}"))
        .expect("get");
    assert_eq!(booked, 5);
    let next: Option<u64> = con
        .get(format!("intercom-rs:{{app-seed}}:app:{}", reset + 10))
        .expect("get");
    assert_eq!(next, None, "a refusal books nothing");
    // With time to wait: booked in the next window, told to wait for its start.
    let wait = limiter
        .wait_time(Duration::from_secs(30))
        .await
        .expect("booked in the next window");
    assert!(wait > Duration::ZERO && wait <= window, "{wait:?}");
    let next: u64 = con
        .get(format!("intercom-rs:{{app-seed}}:app:{}", reset + 10))
        .expect("get");
    assert_eq!(next, 1);
    // A stale snapshot (an older window) is ignored; a lower count never lowers ours.
    assert_eq!(
        limiter
            .sync_from_headers(&RateLimit {
                limit: 5,
                remaining: 5,
                reset: reset - 10,
            })
            .await
            .expect("sync"),
        None
    );
    assert_eq!(
        limiter
            .sync_from_headers(&RateLimit {
                limit: 5,
                remaining: 4,
                reset,
            })
            .await
            .expect("sync"),
        Some(5)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn observe_corrects_redis_in_the_background() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let window = Duration::from_secs(10);
    let limiter = RedisLimiter::builder(redis.url(), "app-observe")
        .window(window)
        .build()
        .expect("limiter");
    away_from_window_end(window, Duration::from_millis(2500)).await;
    let now = unix_now().as_secs();
    let reset = now - now % 10 + 10;
    limiter.observe(&RateLimit {
        limit: 50,
        remaining: 10,
        reset,
    });
    assert_eq!(limiter.last().map(|r| r.remaining), Some(10));
    let mut con = redis.connection();
    let key = format!("intercom-rs:{{app-observe}}:app:{reset}");
    let deadline = Instant::now() + Duration::from_secs(3);
    loop {
        let v: Option<u64> = con.get(&key).expect("get");
        if v == Some(40) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "observe did not reach Redis: {v:?}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let limit: u64 = con.get("intercom-rs:{app-observe}:app:limit").expect("get");
    assert_eq!(limit, 50);
}

/// An address where nothing listens.
fn dead_redis_url() -> String {
    format!("redis://127.0.0.1:{}/", common::free_port())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_redis_applies_the_fallback_mode_quickly() {
    for (mode, expect_ok) in [
        (FallbackMode::InProcess, true),
        (FallbackMode::FailOpen, true),
        (FallbackMode::FailClosed, false),
    ] {
        let limiter = RedisLimiter::builder(dead_redis_url(), "app-down")
            .fallback(mode)
            .retry_redis_after(Duration::from_secs(5))
            .build()
            .expect("limiter");
        let started = Instant::now();
        let first = limiter.wait_time(Duration::from_secs(30)).await;
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{mode:?}: {:?}",
            started.elapsed()
        );
        assert_eq!(first.is_ok(), expect_ok, "{mode:?}: {first:?}");
        assert!(limiter.is_degraded());
        // Later calls do not probe Redis again before retry_redis_after.
        let started = Instant::now();
        for _ in 0..100 {
            let d = limiter.wait_time(Duration::from_secs(30)).await;
            assert_eq!(d.is_ok(), expect_ok);
        }
        assert!(
            started.elapsed() < Duration::from_millis(100),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(limiter.stats().redis_errors, 1, "{:?}", limiter.stats());
        assert_eq!(limiter.stats().fallback_decisions, 101);
    }
    // The in-process fallback still honours an exhausted window it has seen.
    let limiter = RedisLimiter::builder(dead_redis_url(), "app-down")
        .build()
        .expect("limiter");
    limiter.observe(&RateLimit {
        limit: 10,
        remaining: 0,
        reset: unix_now().as_secs() + 5,
    });
    let wait = limiter
        .wait_time(Duration::from_secs(30))
        .await
        .expect("wait");
    assert!(wait > Duration::from_secs(3), "{wait:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_redis_is_bounded_by_the_call_timeout() {
    // Accepts connections and never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = listener.accept().await {
            held.push(s);
        }
    });
    let limiter = RedisLimiter::builder(format!("redis://127.0.0.1:{port}/"), "app-slow")
        .call_timeout(Duration::from_millis(250))
        .build()
        .expect("limiter");
    let started = Instant::now();
    let d = limiter.wait_time(Duration::from_secs(30)).await;
    let took = started.elapsed();
    assert_eq!(d, Ok(Duration::ZERO));
    assert!(
        took >= Duration::from_millis(200) && took < Duration::from_millis(1000),
        "{took:?}"
    );
    assert!(limiter.is_degraded());
}
