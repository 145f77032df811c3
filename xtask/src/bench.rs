//! `cargo xtask bench [--smoke] [--rounds R] [--requests N] [--windows W] [--no-micro]
//! [--no-wrk] [--no-redis] [--no-budget]`: the SDK overhead and rate-limit budget benchmarks,
//! printed as Markdown tables (docs/performance.md holds a real run). `cargo xtask bench
//! --build` instead times a clean debug build of the facade and fails past the committed
//! baseline ([`build_time`]).
//!
//! 1. builds `intercom-bench` and both criterion benches in one release build, then starts
//!    the canned loopback server;
//! 2. with `wrk` on PATH (full mode), measures the server alone;
//! 3. throughput: `GET /contacts/{id}` at concurrency 1 and 64, raw hyper vs the SDK, each
//!    client in its own process (alternating, `rounds` times; medians of every timed run);
//! 4. paging: the item stream over 10k, 100k and 1M contacts in pages of 150 vs a raw loop;
//! 5. rate-limit budget utilisation against the sandbox ([`budget`]): one client with 64 tasks
//!    (reads, and creates except in `--smoke`), six processes sharing the Redis limiter (skipped without
//!    `redis-server` or with `--no-redis`), six with in-process limiters only; `W` windows of
//!    2 s each (20 by default, 3 in `--smoke`);
//! 6. criterion micro-benchmarks (`crates/bench/benches/micro.rs`);
//! 7. the latency the Redis limiter adds per request (`intercom-ratelimit-redis`'s
//!    `limiter_latency` bench, which starts its own `redis-server`; skipped without one).
//!
//! `--smoke` runs the same steps with tiny sizes (seconds once built) and prints the same
//! tables; CI runs only that.

use std::io::{BufRead as _, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Instant;

use anyhow::{anyhow, bail, Context, Result};
use serde_json::Value;

use crate::util;

mod budget;
mod build_time;

struct Settings {
    smoke: bool,
    rounds: usize,
    runs: usize,
    requests: u64,
    totals: Vec<u64>,
    paging_rounds: Vec<usize>,
    micro: bool,
    wrk: bool,
    redis: bool,
    budget: bool,
    windows: u64,
    build: bool,
    /// `--rounds` as given (the build-time check builds once unless told otherwise).
    rounds_given: Option<usize>,
    budget_only: bool,
}

impl Settings {
    fn parse(args: &[String]) -> Result<Self> {
        let smoke = args.iter().any(|a| a == "--smoke");
        let mut s = if smoke {
            Settings {
                smoke,
                rounds: 1,
                runs: 1,
                requests: 300,
                totals: vec![1_500, 3_000, 15_000],
                paging_rounds: vec![1, 1, 1],
                micro: true,
                wrk: false,
                redis: true,
                budget: true,
                windows: 3,
                build: false,
                rounds_given: None,
                budget_only: false,
            }
        } else {
            Settings {
                smoke,
                rounds: 3,
                runs: 3,
                requests: 10_000,
                totals: vec![10_000, 100_000, 1_000_000],
                paging_rounds: vec![3, 2, 1],
                micro: true,
                wrk: true,
                redis: true,
                budget: true,
                windows: 20,
                build: false,
                rounds_given: None,
                budget_only: false,
            }
        };
        let mut it = args.iter();
        while let Some(arg) = it.next() {
            match arg.as_str() {
                "--smoke" => {}
                "--no-micro" => s.micro = false,
                "--no-wrk" => s.wrk = false,
                "--no-redis" => s.redis = false,
                "--no-budget" => s.budget = false,
                "--build" => s.build = true,
                "--only" => match it.next().map(String::as_str) {
                    Some("budget") => s.budget_only = true,
                    _ => bail!("--only takes `budget`"),
                },
                "--windows" => {
                    let v = it.next().context("--windows needs a value")?;
                    s.windows = v.parse().context("--windows")?;
                    if s.windows == 0 {
                        bail!("--windows must be at least 1");
                    }
                }
                "--rounds" => {
                    let v = it.next().context("--rounds needs a value")?;
                    s.rounds = v.parse().context("--rounds")?;
                    s.rounds_given = Some(s.rounds);
                    s.paging_rounds = vec![s.rounds; s.totals.len()];
                }
                "--requests" => {
                    let v = it.next().context("--requests needs a value")?;
                    s.requests = v.parse().context("--requests")?;
                }
                other => bail!("unknown option `{other}` (--smoke, --rounds R, --requests N, --windows W, --no-micro, --no-wrk, --no-redis, --no-budget, --only budget, --build)"),
            }
        }
        Ok(s)
    }
}

/// The server child; closing its stdin (on drop) makes it exit.
struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

fn start_server(bin: &PathBuf) -> Result<Server> {
    let mut child = Command::new(bin)
        .args(["server", "--threads", "2"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .context("starting the canned server")?;
    let stdout = child.stdout.take().context("server stdout")?;
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .context("reading the server's address")?;
    let url = line
        .trim()
        .strip_prefix("listening ")
        .ok_or_else(|| anyhow!("unexpected server output `{}`", line.trim()))?
        .to_owned();
    Ok(Server { child, url })
}

fn run_client(bin: &PathBuf, args: &[String]) -> Result<Value> {
    let out = Command::new(bin)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("running intercom-bench {}", args.join(" ")))?;
    if !out.status.success() {
        bail!(
            "intercom-bench {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let json = stdout
        .lines()
        .find_map(|l| l.strip_prefix("RESULT "))
        .ok_or_else(|| anyhow!("no RESULT line from intercom-bench {}", args.join(" ")))?;
    Ok(serde_json::from_str(json)?)
}

#[derive(Default)]
struct Samples {
    secs: Vec<f64>,
    rss_kib: Vec<f64>,
}

impl Samples {
    fn add(&mut self, v: &Value) {
        if let Some(secs) = v["secs"].as_array() {
            self.secs.extend(secs.iter().filter_map(Value::as_f64));
        }
        if let Some(rss) = v["peak_rss_kib"].as_f64() {
            self.rss_kib.push(rss);
        }
    }
}

fn median(samples: &[f64]) -> f64 {
    let mut s = samples.to_vec();
    s.sort_by(f64::total_cmp);
    match s.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => s[n / 2],
        n => (s[n / 2 - 1] + s[n / 2]) / 2.0,
    }
}

fn mib(kib: f64) -> String {
    format!("{:.1} MiB", kib / 1024.0)
}

fn machine() -> String {
    let nproc = std::thread::available_parallelism().map_or(0, usize::from);
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|v| v.trim_start_matches([' ', '\t', ':']).trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".into());
    let rustc = Command::new("rustc")
        .arg("-V")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    format!("nproc {nproc}; CPU {cpu}; {rustc}")
}

/// `wrk -t2 -c64 -d5s` against the server alone; returns requests per second.
fn wrk(url: &str) -> Result<Option<f64>> {
    let Ok(out) = Command::new("wrk")
        .args(["-t2", "-c64", "-d5s"])
        .arg(format!("{url}/contacts/6657ad000000000000000001"))
        .output()
    else {
        return Ok(None);
    };
    let text = String::from_utf8_lossy(&out.stdout);
    Ok(text
        .lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok()))
}

pub fn run(args: &[String]) -> Result<()> {
    let s = Settings::parse(args)?;
    if s.build {
        return build_time::run(s.rounds_given.unwrap_or(1).max(1));
    }
    let started = Instant::now();
    let build = cargo_bench(&["--no-run", "--bench", "micro", "--bench", "limiter_latency"]);
    util::step(
        "build intercom-bench and the criterion benches (release)",
        build,
    )?;
    let bin = util::target_dir().join("release").join("intercom-bench");
    let budget_options = budget::Options {
        windows: s.windows,
        redis: s.redis,
        // The creates row is for the full run; the smoke keeps CI short.
        creates: !s.smoke,
    };
    if s.budget_only {
        println!("\n## intercom-rs benchmarks: rate-limit budget only\n");
        println!("machine: {}", machine());
        budget::run(&bin, &budget_options)?;
        eprintln!(
            "==> bench finished in {:.1}s",
            started.elapsed().as_secs_f64()
        );
        return Ok(());
    }
    let server = start_server(&bin)?;
    let url = server.url.clone();
    eprintln!("==> canned server at {url}");

    println!(
        "\n## intercom-rs benchmarks{}\n",
        if s.smoke { " (smoke: tiny sizes)" } else { "" }
    );
    println!("machine: {}\n", machine());

    // Server alone.
    let wrk_rps = if s.wrk { wrk(&url)? } else { None };

    // Throughput.
    let mut rows = Vec::new();
    let mut client_best = 0f64;
    for concurrency in [1usize, 64] {
        let (mut raw, mut sdk) = (Samples::default(), Samples::default());
        for _ in 0..s.rounds {
            for (which, samples) in [("raw", &mut raw), ("sdk", &mut sdk)] {
                let args: Vec<String> = [
                    "throughput",
                    "--client",
                    which,
                    "--url",
                    &url,
                    "--requests",
                    &s.requests.to_string(),
                    "--concurrency",
                    &concurrency.to_string(),
                    "--runs",
                    &s.runs.to_string(),
                ]
                .iter()
                .map(|a| a.to_string())
                .collect();
                eprintln!("==> {which} c={concurrency}");
                samples.add(&run_client(&bin, &args)?);
            }
        }
        let raw_rps = s.requests as f64 / median(&raw.secs);
        let sdk_rps = s.requests as f64 / median(&sdk.secs);
        client_best = client_best.max(raw_rps).max(sdk_rps);
        rows.push(format!(
            "| {concurrency} | {:.0} | {:.0} | **{:.3}** | {} | {} | {:.2} |",
            raw_rps,
            sdk_rps,
            sdk_rps / raw_rps,
            mib(median(&raw.rss_kib)),
            mib(median(&sdk.rss_kib)),
            median(&sdk.rss_kib) / median(&raw.rss_kib),
        ));
    }
    println!(
        "### Throughput: GET /contacts/{{id}} (~2 KB contact decoded into ContactResponse)\n\n\
         {} requests per run, {} process(es) per client alternating, {} run(s) each after warm-up; medians.\n",
        s.requests, s.rounds, s.runs
    );
    println!("| concurrency | raw hyper req/s | SDK req/s | ratio SDK/raw | raw peak RSS | SDK peak RSS | RSS SDK/raw |");
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    for row in &rows {
        println!("{row}");
    }
    match wrk_rps {
        Some(rps) => println!(
            "\nServer alone (`wrk -t2 -c64 -d5s`): {rps:.0} req/s, {:.1}x the fastest client above.",
            rps / client_best
        ),
        None if s.wrk => println!("\nServer alone: `wrk` not found, skipped."),
        None => {}
    }

    // Paging.
    println!("\n### Paging: every contact through `contacts().list_all` (pages of 150)\n");
    println!("| contacts | raw hyper loop | SDK item stream | speed SDK/raw | raw peak RSS | SDK peak RSS |");
    println!("|---:|---:|---:|---:|---:|---:|");
    for (i, total) in s.totals.iter().enumerate() {
        let rounds = s.paging_rounds.get(i).copied().unwrap_or(1);
        let (mut raw, mut sdk) = (Samples::default(), Samples::default());
        for _ in 0..rounds {
            for (which, samples) in [("raw", &mut raw), ("sdk", &mut sdk)] {
                let args: Vec<String> = [
                    "paging",
                    "--client",
                    which,
                    "--url",
                    &url,
                    "--total",
                    &total.to_string(),
                    "--per-page",
                    "150",
                ]
                .iter()
                .map(|a| a.to_string())
                .collect();
                eprintln!("==> paging {which} {total}");
                samples.add(&run_client(&bin, &args)?);
            }
        }
        let (r, k) = (median(&raw.secs), median(&sdk.secs));
        println!(
            "| {total} | {r:.3} s | {k:.3} s | **{:.3}** | {} | {} |",
            r / k,
            mib(median(&raw.rss_kib)),
            mib(median(&sdk.rss_kib)),
        );
    }
    drop(server);

    if s.budget {
        budget::run(&bin, &budget_options)?;
    }
    if s.micro {
        micro(s.smoke)?;
    }
    if s.redis {
        redis_limiter(s.smoke)?;
    }
    eprintln!(
        "==> bench finished in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// `cargo bench` over the two packages with benches, followed by `args`.
///
/// Every invocation names the same packages, so cargo resolves the same features each time
/// and the one build at the start serves them all; one package per invocation resolved the
/// benches' dev-dependencies differently and rebuilt much of the tree each time. `cargo bench`
/// also builds `intercom-bench`'s binary (a package's binaries are built with its benches),
/// into the same `release` directory.
fn cargo_bench(args: &[&str]) -> Command {
    let mut cmd = util::cargo();
    cmd.args([
        "bench",
        "-p",
        "intercom-bench",
        "-p",
        "intercom-ratelimit-redis",
    ]);
    cmd.args(args);
    cmd
}

/// Runs the Redis limiter's latency bench and prints its report.
fn redis_limiter(smoke: bool) -> Result<()> {
    let mut cmd = cargo_bench(&["--bench", "limiter_latency"]);
    cmd.env("BENCH_CALLS", if smoke { "500" } else { "20000" });
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    eprintln!("==> Redis limiter latency");
    let out = cmd.output().context("running the Redis limiter bench")?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        bail!("the Redis limiter bench failed: {stderr}");
    }
    println!("\n### Redis limiter: latency added per request (`wait_time` before each attempt)\n");
    let report: Vec<&str> = stdout
        .lines()
        .filter(|l| l.contains("wait_time") || l.starts_with("added latency"))
        .collect();
    if report.is_empty() {
        match stderr.lines().find(|l| l.contains("SKIPPED")) {
            Some(line) => println!("{}", line.trim()),
            None => bail!("the Redis limiter bench printed no report:\n{stdout}{stderr}"),
        }
    } else {
        println!("```text");
        for line in report {
            println!("{line}");
        }
        println!("```");
    }
    Ok(())
}

/// Runs the criterion benches and prints their median estimates.
fn micro(smoke: bool) -> Result<()> {
    let mut cmd = cargo_bench(&["--bench", "micro", "--"]);
    if smoke {
        cmd.args([
            "--warm-up-time",
            "0.1",
            "--measurement-time",
            "0.3",
            "--sample-size",
            "10",
        ]);
    }
    cmd.stdout(Stdio::piped());
    eprintln!("==> criterion micro-benchmarks");
    let out = cmd.output().context("running cargo bench")?;
    if !out.status.success() {
        bail!(
            "cargo bench failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let text = String::from_utf8_lossy(&out.stdout);
    println!("\n### Micro-benchmarks (criterion, median estimate)\n");
    println!("| benchmark | time |");
    println!("|---|---:|");
    let mut last_name = String::new();
    for line in text.lines() {
        if let Some((name, rest)) = line.split_once("time:") {
            let name = if name.trim().is_empty() {
                last_name.clone()
            } else {
                name.trim().to_owned()
            };
            // `[low unit mid unit high unit]`: the middle pair.
            let parts: Vec<&str> = rest
                .trim()
                .trim_start_matches('[')
                .trim_end_matches(']')
                .split_whitespace()
                .collect();
            // Skip criterion's `change: time: [-1.2% …]` lines.
            if parts.len() >= 4 && !rest.contains('%') {
                println!("| {name} | {} {} |", parts[2], parts[3]);
            }
        } else if !line.starts_with(' ') && !line.trim().is_empty() {
            last_name = line.trim().to_owned();
        }
    }
    Ok(())
}
