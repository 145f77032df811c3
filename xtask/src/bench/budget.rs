//! Budget utilisation: how much of the sandbox's rate-limit budget the SDK turns into
//! successful calls, with how many 429s and how much waiting.
//!
//! Each scenario gets a fresh sandbox process (`intercom-bench sandbox`: 100 requests per
//! 2-second window, per token) and starts its worker processes (`intercom-bench budget`) on a
//! common window boundary; they call for `windows` windows and report what their transport
//! saw. Scenarios:
//!
//! * (a) one process, one client, 64 tasks, reads (`admins().me()`), and the same with creates
//!   (`contacts().create`, never retried);
//! * (b) six processes of 8 tasks, each with its own `RedisLimiter` on one `redis-server`
//!   (started here on a free port; skipped with `SKIPPED` when there is none, unless
//!   `INTERCOM_RS_REQUIRE_REDIS` is set as in CI, or with `--no-redis`);
//! * (c) the same six processes with only their in-process limiters (the cost of not sharing).
//!
//! Share of the budget: successful answers counted in each window of the run (by their
//! `X-RateLimit-Reset`) over the budget. Calls still booked past the last window finish but
//! are not counted in the share. Extra wait: a call's latency minus the time it spent in
//! `Transport::send` (see `crates/bench/src/budget.rs`).

use std::collections::BTreeMap;
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{anyhow, bail, Context, Result};
use serde_json::Value;

/// Requests per window the sandbox allows.
pub const BUDGET: u64 = 100;
/// The sandbox's window, seconds.
pub const WINDOW_SECS: u64 = 2;
/// Tasks on the single client of (a).
const TASKS_ONE: usize = 64;
/// Processes of the fleets (b) and (c), and tasks per process.
const FLEET: usize = 6;
const TASKS_PER_PROCESS: usize = 8;
/// The share of the budget (a) and (b) must reach, with no 429 and no failed call.
const GOAL: f64 = 0.95;

/// A child that is killed (if still running) and reaped on drop.
struct Reaped(Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        drop(self.0.stdin.take());
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The sandbox child; closing its stdin makes it exit.
struct SandboxProc {
    _child: Reaped,
    url: String,
    token: String,
}

fn start_sandbox(bin: &Path) -> Result<SandboxProc> {
    let mut child = Command::new(bin)
        .args(["sandbox", "--budget", &BUDGET.to_string()])
        .args(["--window-secs", &WINDOW_SECS.to_string(), "--threads", "2"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .context("starting the sandbox")?;
    let stdout = child.stdout.take().context("sandbox stdout")?;
    let child = Reaped(child);
    let mut lines = BufReader::new(stdout).lines();
    let mut next = |prefix: &str| -> Result<String> {
        let line = lines
            .next()
            .ok_or_else(|| anyhow!("the sandbox exited before printing `{prefix}`"))??;
        line.strip_prefix(prefix)
            .map(str::to_owned)
            .ok_or_else(|| anyhow!("unexpected sandbox output `{line}`"))
    };
    let url = next("listening ")?;
    let token = next("token ")?;
    Ok(SandboxProc {
        _child: child,
        url,
        token,
    })
}

/// A throwaway `redis-server` on a free loopback port, killed on drop.
struct Redis {
    _child: Reaped,
    port: u16,
}

fn redis_binary() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("REDIS_SERVER") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("redis-server"))
        .find(|p| p.is_file())
}

fn start_redis(binary: &Path) -> Result<Redis> {
    let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let child = Command::new(binary)
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
        .args(["--loglevel", "warning"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .context("starting redis-server")?;
    let redis = Redis {
        _child: Reaped(child),
        port,
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if ping(port) {
            return Ok(redis);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    bail!("redis-server did not answer PING on port {port}")
}

fn ping(port: u16) -> bool {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_millis(500)));
    let mut buf = [0u8; 7];
    s.write_all(b"PING\r\n").is_ok() && s.read_exact(&mut buf).is_ok() && &buf == b"+PONG\r\n"
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Limiter {
    InProcess,
    Redis(u16),
}

struct Scenario {
    label: &'static str,
    what: &'static str,
    processes: usize,
    tasks: usize,
    op: &'static str,
    limiter: Limiter,
    /// Whether the goal (≥ 95 %, 0 429s, 0 failed calls) applies.
    goal: bool,
}

/// The merged reports of one scenario's workers.
#[derive(Default)]
struct Merged {
    calls: u64,
    failed: u64,
    failed_rate_limited: u64,
    failures: Vec<String>,
    ok_by_window: BTreeMap<u64, u64>,
    too_many_by_window: BTreeMap<u64, u64>,
    other_status: u64,
    transport_errors: u64,
    extra_wait_us: Vec<u64>,
    late_ms: u64,
    fallback_decisions: u64,
    redis_errors: u64,
    /// The windows of the run (their resets, Unix seconds).
    measured: Vec<u64>,
}

impl Merged {
    fn add(&mut self, v: &Value) {
        let n = |k: &str| v[k].as_u64().unwrap_or(0);
        self.calls += n("calls");
        self.failed += n("failed");
        self.failed_rate_limited += n("failed_rate_limited");
        self.other_status += n("other_status");
        self.transport_errors += n("transport_errors");
        self.late_ms = self.late_ms.max(n("late_ms"));
        self.fallback_decisions += v["limiter"]["fallback_decisions"].as_u64().unwrap_or(0);
        self.redis_errors += v["limiter"]["redis_errors"].as_u64().unwrap_or(0);
        if let Some(f) = v["failures"].as_array() {
            for f in f.iter().filter_map(Value::as_str) {
                if self.failures.len() < 3 {
                    self.failures.push(f.to_owned());
                }
            }
        }
        for (key, map) in [
            ("ok_by_window", &mut self.ok_by_window),
            ("too_many_by_window", &mut self.too_many_by_window),
        ] {
            if let Some(obj) = v[key].as_object() {
                for (window, count) in obj {
                    if let (Ok(w), Some(c)) = (window.parse::<u64>(), count.as_u64()) {
                        *map.entry(w).or_insert(0) += c;
                    }
                }
            }
        }
        if let Some(a) = v["extra_wait_us"].as_array() {
            self.extra_wait_us
                .extend(a.iter().filter_map(Value::as_u64));
        }
    }
}

fn percentile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = (p * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn ms(us: u64) -> String {
    if us < 10_000 {
        format!("{:.1} ms", us as f64 / 1000.0)
    } else {
        format!("{:.0} ms", us as f64 / 1000.0)
    }
}

fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// One scenario: a fresh sandbox, its workers from a common window boundary, the merged report.
fn run_scenario(bin: &Path, sc: &Scenario, windows: u64, run_id: u64) -> Result<Merged> {
    let sandbox = start_sandbox(bin)?;
    let window_ms = WINDOW_SECS * 1000;
    let run_ms = windows * window_ms;
    let mut children = Vec::new();
    for worker in 0..sc.processes {
        let mut cmd = Command::new(bin);
        cmd.args(["budget", "--url", &sandbox.url])
            .args(["--tasks", &sc.tasks.to_string(), "--op", sc.op])
            .args(["--run-ms", &run_ms.to_string()])
            .args(["--worker", &worker.to_string()])
            .args(["--budget", &BUDGET.to_string()])
            .args(["--window-secs", &WINDOW_SECS.to_string()])
            .env("INTERCOM_BENCH_TOKEN", &sandbox.token)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        match sc.limiter {
            Limiter::InProcess => {
                cmd.args(["--limiter", "in-process"]);
            }
            Limiter::Redis(port) => {
                cmd.args(["--limiter", "redis"])
                    .args(["--redis-url", &format!("redis://127.0.0.1:{port}/")])
                    .args(["--app", &format!("bench-{run_id}")]);
            }
        }
        children.push(Reaped(cmd.spawn().context("starting a budget worker")?));
    }
    // Every worker has built its client: start them all on the next window boundary at least
    // 100 ms away.
    let mut outputs = Vec::new();
    for child in &mut children {
        let stdout = child.0.stdout.take().context("worker stdout")?;
        let mut reader = BufReader::new(stdout);
        let mut line = String::new();
        reader.read_line(&mut line)?;
        if line.trim() != "READY" {
            let mut stderr = String::new();
            if let Some(mut err) = child.0.stderr.take() {
                let _ = err.read_to_string(&mut stderr);
            }
            bail!("a budget worker did not get ready: {line}{stderr}");
        }
        outputs.push(reader);
    }
    let start_ms = (unix_ms() + 100).div_ceil(window_ms) * window_ms;
    for child in &mut children {
        let mut stdin = child.0.stdin.take().context("worker stdin")?;
        writeln!(stdin, "START {start_ms}")?;
    }
    let mut merged = Merged::default();
    for (mut child, mut out) in children.into_iter().zip(outputs) {
        let mut stdout = String::new();
        let mut stderr = String::new();
        out.read_to_string(&mut stdout)?;
        if let Some(mut err) = child.0.stderr.take() {
            err.read_to_string(&mut stderr)?;
        }
        let status = child.0.wait()?;
        if !status.success() {
            bail!("a budget worker failed ({status}): {stderr}");
        }
        let json = stdout
            .lines()
            .find_map(|l| l.strip_prefix("RESULT "))
            .ok_or_else(|| anyhow!("no RESULT line from a budget worker: {stdout}{stderr}"))?;
        merged.add(&serde_json::from_str(json)?);
    }
    drop(sandbox);
    // The measured windows are those ending at start + k × window, k = 1..=windows.
    let first_end = start_ms / 1000 + WINDOW_SECS;
    merged.measured = (0..windows).map(|k| first_end + k * WINDOW_SECS).collect();
    Ok(merged)
}

/// Settings of the utilisation benchmark.
pub struct Options {
    /// Windows per scenario (the share is measured over all of them, the first included).
    pub windows: u64,
    /// Run (b), the Redis fleet.
    pub redis: bool,
    /// Also run (a) with creates.
    pub creates: bool,
}

/// Runs every scenario and prints the table (Markdown) and the per-window counts.
pub fn run(bin: &Path, opts: &Options) -> Result<()> {
    let mut scenarios = vec![Scenario {
        label: "(a)",
        what: "one client, reads",
        processes: 1,
        tasks: TASKS_ONE,
        op: "read",
        limiter: Limiter::InProcess,
        goal: true,
    }];
    if opts.creates {
        scenarios.push(Scenario {
            label: "(a)",
            what: "one client, creates",
            processes: 1,
            tasks: TASKS_ONE,
            op: "create",
            limiter: Limiter::InProcess,
            goal: true,
        });
    }
    let mut skipped = None;
    let redis = if !opts.redis {
        skipped =
            Some("SKIPPED: (b) six processes sharing the Redis limiter (--no-redis)".to_owned());
        None
    } else if let Some(binary) = redis_binary() {
        Some(start_redis(&binary)?)
    } else if std::env::var_os("INTERCOM_RS_REQUIRE_REDIS").is_some() {
        bail!("redis-server is not installed, and INTERCOM_RS_REQUIRE_REDIS is set (as in CI)");
    } else {
        skipped = Some(
            "SKIPPED: (b) six processes sharing the Redis limiter: redis-server not found on PATH \
             (apt-get install -y redis-server)"
                .to_owned(),
        );
        None
    };
    if let Some(redis) = &redis {
        scenarios.push(Scenario {
            label: "(b)",
            what: "six processes, Redis limiter, reads",
            processes: FLEET,
            tasks: TASKS_PER_PROCESS,
            op: "read",
            limiter: Limiter::Redis(redis.port),
            goal: true,
        });
    }
    scenarios.push(Scenario {
        label: "(c)",
        what: "six processes, in-process limiters only, reads",
        processes: FLEET,
        tasks: TASKS_PER_PROCESS,
        op: "read",
        limiter: Limiter::InProcess,
        goal: false,
    });

    let mut rows = Vec::new();
    let mut details = Vec::new();
    for (i, sc) in scenarios.iter().enumerate() {
        eprintln!(
            "==> budget {} {}: {} window(s) of {WINDOW_SECS} s",
            sc.label, sc.what, opts.windows
        );
        let scenario_started = Instant::now();
        let m = run_scenario(bin, sc, opts.windows, i as u64 + unix_ms())?;
        eprintln!(
            "<== budget {}: {:.1}s",
            sc.label,
            scenario_started.elapsed().as_secs_f64()
        );
        let per_window: Vec<u64> = m
            .measured
            .iter()
            .map(|w| m.ok_by_window.get(w).copied().unwrap_or(0))
            .collect();
        let ok_in_run: u64 = per_window.iter().sum();
        let share = ok_in_run as f64 / (opts.windows * BUDGET) as f64;
        let min = per_window.iter().copied().min().unwrap_or(0);
        let too_many: u64 = m.too_many_by_window.values().sum();
        let mut waits = m.extra_wait_us.clone();
        waits.sort_unstable();
        let verdict = if !sc.goal {
            "control".to_owned()
        } else if share >= GOAL && too_many == 0 && m.failed == 0 {
            "met".to_owned()
        } else {
            "**missed**".to_owned()
        };
        rows.push(format!(
            "| {} {} | {} × {} | {} | {:.1} ({}) | **{:.1} %** | {} | {} | {} / {} | {} |",
            sc.label,
            sc.what,
            sc.processes,
            sc.tasks,
            m.calls,
            ok_in_run as f64 / opts.windows as f64,
            min,
            share * 100.0,
            too_many,
            if m.failed_rate_limited == m.failed || m.failed == 0 {
                m.failed.to_string()
            } else {
                format!("{} ({} rate-limited)", m.failed, m.failed_rate_limited)
            },
            ms(percentile(&waits, 0.5)),
            ms(percentile(&waits, 0.99)),
            verdict,
        ));
        let list = |v: &[u64]| v.iter().map(u64::to_string).collect::<Vec<_>>().join(" ");
        let too_many_per_window: Vec<u64> = m
            .measured
            .iter()
            .map(|w| m.too_many_by_window.get(w).copied().unwrap_or(0))
            .collect();
        let after_ok: u64 = m
            .ok_by_window
            .iter()
            .filter(|(w, _)| !m.measured.contains(w))
            .map(|(_, n)| n)
            .sum();
        let after_429: u64 = m
            .too_many_by_window
            .iter()
            .filter(|(w, _)| !m.measured.contains(w))
            .map(|(_, n)| n)
            .sum();
        let mut d = format!(
            "{} {}\n  2xx per window: {}\n  429 per window: {}\n  after the last window: {after_ok} 2xx, {after_429} 429 (calls booked before the end)",
            sc.label,
            sc.what,
            list(&per_window),
            list(&too_many_per_window)
        );
        if m.other_status + m.transport_errors > 0 {
            d.push_str(&format!(
                "\n  other statuses: {}, transport errors: {}",
                m.other_status, m.transport_errors
            ));
        }
        if m.fallback_decisions + m.redis_errors > 0 {
            d.push_str(&format!(
                "\n  Redis: {} fallback decisions, {} errors",
                m.fallback_decisions, m.redis_errors
            ));
        }
        if m.late_ms > 50 {
            d.push_str(&format!(
                "\n  a worker started {} ms late (loaded machine)",
                m.late_ms
            ));
        }
        for f in &m.failures {
            d.push_str(&format!("\n  failure: {f}"));
        }
        details.push(d);
    }

    println!(
        "\n### Rate-limit budget utilisation: sandbox budget {BUDGET} requests per {WINDOW_SECS}-second window\n"
    );
    println!(
        "{} window(s) per run, from a window boundary (the first window, before any header, \
         included). Share = 2xx answers counted in the run's windows / ({} × {BUDGET}). \
         Extra wait = call latency − time in `Transport::send`. Goal for (a) and (b): ≥ {:.0} %, \
         0 429s, 0 failed calls.\n",
        opts.windows,
        opts.windows,
        GOAL * 100.0
    );
    println!("| run | processes × tasks | calls | 2xx per window, mean (min) | share of budget | 429s received | failed calls | extra wait p50 / p99 | goal |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---|");
    for row in &rows {
        println!("{row}");
    }
    if let Some(line) = skipped {
        println!("\n{line}");
    }
    println!("\n```text");
    for d in &details {
        println!("{d}");
    }
    println!("```");
    Ok(())
}
