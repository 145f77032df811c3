//! With many requests in flight, the in-process limiter books a permit for each one,
//! so a client uses its budget without receiving a single 429.
//!
//! The sandbox enforces 100 requests per 2-second window (its windows are the wall clock's
//! 2-second slots); 64 tasks share one client for about three windows. Behaviour, not timing:
//! the assertions count answers, never durations.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use intercom_sandbox::{Sandbox, SandboxHandle};
use intercom_sdk::resources::models::{CreateContactRequest, CreateContactRequestEmail};
use intercom_sdk::resources::IntercomApi;
use intercom_sdk::{Client, Private};

const BUDGET: u64 = 100;
const WINDOW: Duration = Duration::from_secs(2);
const TASKS: usize = 64;
/// How long the tasks keep calling: about three windows.
const RUN: Duration = Duration::from_millis(5_500);

async fn setup() -> (SandboxHandle, Client<Private>) {
    let sandbox = Sandbox::builder()
        .contacts(1)
        .rate_limit(BUDGET)
        .rate_limit_window(WINDOW)
        .start()
        .await
        .unwrap();
    let client = Client::builder()
        .base_url(sandbox.base_url())
        .allow_insecure_loopback(true)
        .build()
        .unwrap()
        .with_access_token(sandbox.access_token());
    (sandbox, client)
}

/// Runs `call` from `TASKS` tasks until `RUN` has passed; returns (calls, failed calls).
async fn hammer<F, Fut>(client: &Client<Private>, call: F) -> (u64, Vec<String>)
where
    F: Fn(Client<Private>, u64) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = Result<(), intercom_sdk::Error>> + Send,
{
    let stop = Instant::now() + RUN;
    let seq = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for _ in 0..TASKS {
        let (client, call, seq) = (client.clone(), call.clone(), seq.clone());
        tasks.push(tokio::spawn(async move {
            let mut failures = Vec::new();
            while Instant::now() < stop {
                let n = seq.fetch_add(1, Ordering::Relaxed);
                if let Err(e) = call(client.clone(), n).await {
                    failures.push(e.to_string());
                }
            }
            failures
        }));
    }
    let mut failures = Vec::new();
    for task in tasks {
        failures.extend(task.await.unwrap());
    }
    (seq.load(Ordering::Relaxed), failures)
}

/// Counts the answers the sandbox gave, by status class, from its request journal.
fn check(sandbox: &SandboxHandle, calls: u64, failures: &[String]) {
    let count = |class: fn(u16) -> bool| {
        sandbox
            .requests()
            .iter()
            .filter(|r| class(r.status))
            .count() as u64
    };
    let ok = count(|s| (200..300).contains(&s));
    let too_many = count(|s| s == 429);
    let other = count(|s| !(200..300).contains(&s) && s != 429);
    assert!(
        failures.is_empty(),
        "{} failed calls: {:?}",
        failures.len(),
        &failures[..1]
    );
    assert_eq!(too_many, 0, "429s received ({ok} successful calls)");
    assert_eq!(other, 0, "other errors");
    assert_eq!(ok, calls, "every call answered once");
    // About three windows' budget was used: more than two windows' worth proves the limiter
    // paced across window edges instead of stopping after the first.
    assert!(ok > 2 * BUDGET, "only {ok} calls in {RUN:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_four_readers_get_no_429() {
    let (sandbox, client) = setup().await;
    let (calls, failures) = hammer(&client, |client, _| async move {
        client.admins().me().await.map(|_| ())
    })
    .await;
    check(&sandbox, calls, &failures);
}

/// Creates are not retried (a 429 would be a lost write), so every 429 would be a failure.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_four_writers_get_no_429() {
    let (sandbox, client) = setup().await;
    let (calls, failures) = hammer(&client, |client, n| async move {
        let body = CreateContactRequest::from(CreateContactRequestEmail::new(format!(
            "bulk-{n}@example.com"
        )));
        client.contacts().create(&body).await.map(|_| ())
    })
    .await;
    check(&sandbox, calls, &failures);
}
