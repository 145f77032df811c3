//! Budget utilisation: how much of a rate-limit budget a client (or a fleet of
//! processes) turns into successful calls, and what it pays for that in waiting.
//!
//! The sandbox (`intercom-sandbox`, in its own process: the `sandbox` role of the binary)
//! enforces `budget` requests per `window` on wall-clock-aligned windows and answers 429 past
//! it. A worker process (the `budget` role) runs `tasks` tasks on one `Client<Private>` from a
//! common start instant (a window boundary) for `windows` windows, and reports:
//!
//! * every answer the transport received, by status and by the window it was counted in (the
//!   `X-RateLimit-Reset` of the answer): [`Counting`] wraps the real [`HyperTransport`];
//! * every call that failed, and why;
//! * the *extra wait* of every call: its latency (from calling the SDK until it returned)
//!   minus the time spent inside `Transport::send` for all of its attempts (the server round
//!   trips, up to the response head). What is left is time spent waiting for the limiter,
//!   backing off before retries, and the SDK's own microseconds.
//!
//! `cargo xtask bench` starts the processes, merges their reports and prints the table.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use intercom_auth_types::Private;
use intercom_resources::models::{CreateContactRequest, CreateContactRequestEmail};
use intercom_resources::IntercomApi as _;
use intercom_transport::{Body, Client, HyperTransport, RateLimit, Transport, TransportError};

use crate::clients::BoxError;

tokio::task_local! {
    /// Time spent in `Transport::send` by the call running in this task.
    static IN_SEND: Cell<Duration>;
}

/// What the transport saw, per status class and per server window.
#[derive(Debug, Default, Clone)]
pub struct Tally {
    /// 2xx answers by the window they were counted in (`X-RateLimit-Reset`, Unix seconds; 0
    /// when the answer had no rate-limit headers).
    pub ok_by_window: BTreeMap<u64, u64>,
    /// 429 answers by window.
    pub too_many_by_window: BTreeMap<u64, u64>,
    /// Other statuses.
    pub other: u64,
    /// Requests that got no answer (connection errors).
    pub transport_errors: u64,
}

/// A [`Transport`] that counts every answer of the real one and times every send.
#[derive(Debug)]
pub struct Counting {
    inner: HyperTransport,
    tally: Mutex<Tally>,
}

impl Counting {
    /// Wraps a default [`HyperTransport`].
    pub fn new() -> Result<Self, BoxError> {
        Ok(Self {
            inner: HyperTransport::new()?,
            tally: Mutex::new(Tally::default()),
        })
    }

    /// A copy of the counts so far.
    pub fn tally(&self) -> Tally {
        self.lock().clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Tally> {
        self.tally
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[async_trait::async_trait]
impl Transport for Counting {
    async fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<Body>, TransportError> {
        let started = Instant::now();
        let result = self.inner.send(request).await;
        let spent = started.elapsed();
        let _ = IN_SEND.try_with(|c| c.set(c.get().saturating_add(spent)));
        let mut tally = self.lock();
        match &result {
            Ok(response) => {
                let window = RateLimit::from_headers(response.headers()).map_or(0, |rl| rl.reset);
                let map = match response.status().as_u16() {
                    200..=299 => &mut tally.ok_by_window,
                    429 => &mut tally.too_many_by_window,
                    _ => {
                        tally.other += 1;
                        return result;
                    }
                };
                *map.entry(window).or_insert(0) += 1;
            }
            Err(_) => tally.transport_errors += 1,
        }
        drop(tally);
        result
    }
}

/// The call each task makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `admins().me()` (GET, retried on 429).
    Read,
    /// `contacts().create(..)` with a fresh email (POST, never retried: a 429 is a failure).
    Create,
}

impl std::str::FromStr for Op {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "read" => Ok(Op::Read),
            "create" => Ok(Op::Create),
            other => Err(format!("unknown op `{other}` (read|create)")),
        }
    }
}

/// One worker's run.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Tasks sharing the client.
    pub tasks: usize,
    /// The call.
    pub op: Op,
    /// When to start (a window boundary, Unix milliseconds).
    pub start_unix_ms: u64,
    /// For how long new calls are started (whole windows); calls already started finish.
    pub run_for: Duration,
    /// Distinguishes this worker's created emails from the others'.
    pub worker: u32,
}

/// What one worker measured.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Calls started.
    pub calls: u64,
    /// Calls that returned an error.
    pub failed: u64,
    /// Failed calls whose error was a 429 or an exhausted limiter.
    pub failed_rate_limited: u64,
    /// A few failure messages.
    pub failures: Vec<String>,
    /// Extra wait of every call, microseconds.
    pub extra_wait_us: Vec<u64>,
    /// How late the first call started after the planned start, milliseconds.
    pub late_ms: u64,
}

fn unix_ms(at: SystemTime) -> u64 {
    at.duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Runs `plan` on `client` (whose transport is a [`Counting`]).
pub async fn run(client: Client<Private>, plan: &Plan) -> Result<Outcome, BoxError> {
    let now = unix_ms(SystemTime::now());
    if plan.start_unix_ms > now {
        tokio::time::sleep(Duration::from_millis(plan.start_unix_ms - now)).await;
    }
    let late_ms = unix_ms(SystemTime::now()).saturating_sub(plan.start_unix_ms);
    let stop = Instant::now() + plan.run_for - Duration::from_millis(late_ms).min(plan.run_for);
    let seq = Arc::new(AtomicU64::new(0));
    let mut handles = Vec::with_capacity(plan.tasks);
    for _ in 0..plan.tasks.max(1) {
        let (client, seq, op, worker) = (client.clone(), Arc::clone(&seq), plan.op, plan.worker);
        handles.push(tokio::spawn(async move {
            let mut out = Outcome::default();
            while Instant::now() < stop {
                let n = seq.fetch_add(1, Ordering::Relaxed);
                let started = Instant::now();
                let (result, in_send) = IN_SEND
                    .scope(Cell::new(Duration::ZERO), async {
                        let result = call(&client, op, worker, n).await;
                        (result, IN_SEND.with(Cell::get))
                    })
                    .await;
                let latency = started.elapsed();
                let extra = latency.saturating_sub(in_send);
                out.calls += 1;
                out.extra_wait_us.push(extra.as_micros() as u64);
                if let Err(e) = result {
                    out.failed += 1;
                    if e.is_rate_limited() {
                        out.failed_rate_limited += 1;
                    }
                    if out.failures.len() < 5 {
                        out.failures.push(e.to_string());
                    }
                }
            }
            out
        }));
    }
    let mut all = Outcome {
        late_ms,
        ..Outcome::default()
    };
    for handle in handles {
        let out = handle.await?;
        all.calls += out.calls;
        all.failed += out.failed;
        all.failed_rate_limited += out.failed_rate_limited;
        for f in out.failures {
            if all.failures.len() < 5 {
                all.failures.push(f);
            }
        }
        all.extra_wait_us.extend(out.extra_wait_us);
    }
    Ok(all)
}

async fn call(
    client: &Client<Private>,
    op: Op,
    worker: u32,
    n: u64,
) -> Result<(), intercom_transport::Error> {
    match op {
        Op::Read => client.admins().me().await.map(drop),
        Op::Create => {
            let body = CreateContactRequest::from(CreateContactRequestEmail::new(format!(
                "bench-{worker}-{n}@example.com"
            )));
            client.contacts().create(&body).await.map(drop)
        }
    }
}

/// The JSON a worker prints after `RESULT `.
pub fn report(outcome: &Outcome, tally: &Tally, extra: serde_json::Value) -> serde_json::Value {
    let windows = |m: &BTreeMap<u64, u64>| -> serde_json::Value {
        m.iter()
            .map(|(k, v)| (k.to_string(), serde_json::Value::from(*v)))
            .collect::<serde_json::Map<_, _>>()
            .into()
    };
    serde_json::json!({
        "mode": "budget",
        "calls": outcome.calls,
        "failed": outcome.failed,
        "failed_rate_limited": outcome.failed_rate_limited,
        "failures": outcome.failures,
        "late_ms": outcome.late_ms,
        "ok_by_window": windows(&tally.ok_by_window),
        "too_many_by_window": windows(&tally.too_many_by_window),
        "other_status": tally.other,
        "transport_errors": tally.transport_errors,
        "extra_wait_us": outcome.extra_wait_us,
        "limiter": extra,
    })
}
