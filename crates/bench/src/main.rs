//! `intercom-bench`: one benchmark role per process.
//!
//! A measurement harness, not library code: setup failures (a port that will not bind, a
//! fixture that does not decode) stop the run with `expect` and a message, on purpose.
//!
//! ```text
//! intercom-bench server     [--addr 127.0.0.1:0] [--threads 2] [--total 10000] [--tls-ca-out CA.pem]
//! intercom-bench throughput --client raw|raw-plain|sdk --url URL [--requests N] [--concurrency C] [--warmup W] [--runs R]
//!                           [--ca CA.pem] [--http auto|1|2]   (the last two: sdk only)
//! intercom-bench paging     --client raw|sdk --url URL [--total T] [--per-page 150] [--runs R]
//! intercom-bench sandbox    [--budget 100] [--window-secs 2] [--threads 2]
//! intercom-bench budget     --url URL --run-ms MS [--start-ms MS] [--tasks 64] [--op read|create]
//!                           [--limiter in-process|redis] [--redis-url U] [--budget 100]
//!                           [--window-secs 2] [--app bench] [--worker 0] [--threads 2]
//! ```
//!
//! `server` prints `listening http://ADDR` and serves until its stdin is closed (so a parent
//! that dies never leaves it behind). The clients print one `RESULT {json}` line with every
//! run's seconds and the process's peak RSS.
//!
//! `sandbox` serves `intercom-sandbox` with a budget of `budget` requests per `window-secs`
//! window; it prints `listening http://ADDR` and `token TOKEN` (the sandbox's own test
//! credential) and serves until its stdin closes. `budget` is one worker of the budget
//! utilisation benchmark (see [`intercom_bench::budget`]); it reads the token from
//! `INTERCOM_BENCH_TOKEN`, starts at `--start-ms` (Unix milliseconds) or, without it, prints
//! `READY` once its client is built and starts at the time given by a `START <unix ms>` line on
//! its stdin, and prints one `RESULT {json}` line.
#![forbid(unsafe_code)]

use std::collections::HashMap;
use std::io::{Read as _, Write as _};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use intercom_bench::budget::{self, Counting, Op, Plan};
use intercom_bench::clients::{self, BoxError, RawClient, Which};
use intercom_bench::server::{self, ServerConfig};
use intercom_bench::{peak_rss_kib, rss_kib};
use intercom_transport::HttpVersion;

fn usage() -> ! {
    eprintln!(
        "usage:\n  intercom-bench server [--addr A] [--threads N] [--total T]\n  \
         intercom-bench throughput --client raw|raw-plain|sdk --url URL [--requests N] [--concurrency C] [--warmup W] [--runs R]\n  \
         intercom-bench paging --client raw|sdk --url URL [--total T] [--per-page P] [--runs R]\n  \
         intercom-bench sandbox [--budget B] [--window-secs W] [--threads N]\n  \
         intercom-bench budget --url URL --run-ms MS [--start-ms MS] [--tasks N] [--op read|create] \
         [--limiter in-process|redis] [--redis-url U] [--budget B] [--window-secs W] [--app A] [--worker I] [--threads N]"
    );
    std::process::exit(2)
}

struct Args(HashMap<String, String>);

impl Args {
    fn parse(rest: &[String]) -> Self {
        let mut map = HashMap::new();
        let mut it = rest.iter();
        while let Some(flag) = it.next() {
            let Some(name) = flag.strip_prefix("--") else {
                usage()
            };
            let Some(value) = it.next() else { usage() };
            map.insert(name.to_owned(), value.clone());
        }
        Args(map)
    }

    fn get<T: std::str::FromStr>(&self, name: &str, default: Option<T>) -> T {
        match self.0.get(name) {
            Some(v) => v.parse().unwrap_or_else(|_| {
                eprintln!("--{name}: cannot parse `{v}`");
                usage()
            }),
            None => default.unwrap_or_else(|| {
                eprintln!("--{name} is required");
                usage()
            }),
        }
    }
}

fn runtime(threads: Option<usize>) -> tokio::runtime::Runtime {
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    if let Some(n) = threads {
        builder.worker_threads(n.max(1));
    }
    builder.enable_all().build().expect("a tokio runtime")
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((role, rest)) = args.split_first() else {
        usage()
    };
    let args = Args::parse(rest);
    match role.as_str() {
        "server" => serve(&args),
        "throughput" => report(throughput(&args)),
        "paging" => report(paging(&args)),
        "sandbox" => sandbox(&args),
        "budget" => report(budget(&args)),
        _ => usage(),
    }
}

fn report(result: Result<serde_json::Value, BoxError>) {
    match result {
        Ok(v) => println!("RESULT {v}"),
        Err(e) => {
            eprintln!("intercom-bench: {e}");
            std::process::exit(1);
        }
    }
}

fn serve(args: &Args) {
    let addr: SocketAddr = args.get("addr", Some("127.0.0.1:0".parse().expect("an address")));
    let threads: usize = args.get("threads", Some(2));
    let total: u64 = args.get("total", Some(10_000));
    // `--tls-ca-out PATH`: serve https (HTTP/2 and HTTP/1.1 by ALPN) and write the CA there.
    let tls = args.0.get("tls-ca-out").map(|path| {
        let tls = intercom_bench::tls::generate().expect("the TLS certificates are made");
        std::fs::write(path, &tls.ca_pem).expect("the CA file is writable");
        tls.acceptor
    });
    let scheme = if tls.is_some() { "https" } else { "http" };
    let rt = runtime(Some(threads));
    let local = rt
        .block_on(server::start(addr, ServerConfig { total }, tls))
        .expect("the server binds its address");
    println!("listening {scheme}://{local}");
    std::io::stdout().flush().expect("stdout is writable");
    // Serve until stdin closes.
    let mut sink = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut sink);
    drop(rt);
}

fn throughput(args: &Args) -> Result<serde_json::Value, BoxError> {
    let which: Which = args.get("client", None);
    let url: String = args.get("url", None);
    let n: u64 = args.get("requests", Some(20_000));
    let concurrency: usize = args.get("concurrency", Some(1));
    let warmup: u64 = args.get("warmup", Some((n / 10).clamp(64, 2_000)));
    let runs: usize = args.get("runs", Some(3));
    let rt = runtime(None);
    let secs = rt.block_on(async {
        let mut secs = Vec::new();
        match which {
            Which::Raw | Which::RawPlain => {
                let client = RawClient::new(&url);
                let op = move |i: u64| {
                    let client = client.clone();
                    async move {
                        if which == Which::RawPlain {
                            let contact = client.get_contact_plain(&clients::id_for(i)).await?;
                            std::hint::black_box(contact);
                        } else {
                            let contact = client.get_contact(&clients::id_for(i)).await?;
                            std::hint::black_box(contact);
                        }
                        Ok(())
                    }
                };
                clients::drive(warmup, concurrency, op.clone()).await?;
                for _ in 0..runs {
                    secs.push(
                        clients::drive(n, concurrency, op.clone())
                            .await?
                            .as_secs_f64(),
                    );
                }
            }
            Which::Sdk => {
                let ca = match args.0.get("ca") {
                    Some(path) => Some(std::fs::read(path)?),
                    None => None,
                };
                let version = match args.0.get("http").map(String::as_str) {
                    None | Some("auto") => HttpVersion::Auto,
                    Some("1") => HttpVersion::Http1Only,
                    Some("2") => HttpVersion::Http2Only,
                    Some(other) => return Err(format!("--http {other}: auto|1|2").into()),
                };
                let client = Arc::new(clients::sdk_client_with(&url, ca.as_deref(), version)?);
                let op = move |i: u64| {
                    let client = Arc::clone(&client);
                    async move {
                        let contact =
                            clients::sdk_get_contact(&client, &clients::id_for(i)).await?;
                        std::hint::black_box(contact);
                        Ok(())
                    }
                };
                clients::drive(warmup, concurrency, op.clone()).await?;
                for _ in 0..runs {
                    secs.push(
                        clients::drive(n, concurrency, op.clone())
                            .await?
                            .as_secs_f64(),
                    );
                }
            }
        }
        Ok::<_, BoxError>(secs)
    })?;
    Ok(serde_json::json!({
        "mode": "throughput",
        "client": args.0.get("client"),
        "requests": n,
        "concurrency": concurrency,
        "secs": secs,
        "peak_rss_kib": peak_rss_kib(),
        "rss_kib": rss_kib(),
    }))
}

fn paging(args: &Args) -> Result<serde_json::Value, BoxError> {
    let which: Which = args.get("client", None);
    let url: String = args.get("url", None);
    let total: u64 = args.get("total", Some(10_000));
    let per_page: u64 = args.get("per-page", Some(150));
    let runs: usize = args.get("runs", Some(1));
    let rt = runtime(None);
    let secs = rt.block_on(async {
        let mut secs = Vec::new();
        let raw = RawClient::new(&url);
        let sdk = clients::sdk_client(&url)?;
        // Warm-up: a few pages, to open the connection and fault in the allocator.
        let warm = total.min(3 * per_page);
        let walk = |total: u64| {
            let raw = raw.clone();
            let sdk = sdk.clone();
            async move {
                match which {
                    Which::Raw | Which::RawPlain => raw.walk(total, per_page).await,
                    Which::Sdk => clients::sdk_walk(&sdk, total, per_page).await,
                }
            }
        };
        walk(warm).await?;
        for _ in 0..runs {
            let started = std::time::Instant::now();
            let seen = walk(total).await?;
            secs.push(started.elapsed().as_secs_f64());
            if seen != total {
                return Err(format!("walked {seen} contacts, expected {total}").into());
            }
        }
        Ok::<_, BoxError>(secs)
    })?;
    Ok(serde_json::json!({
        "mode": "paging",
        "client": args.0.get("client"),
        "total": total,
        "per_page": per_page,
        "secs": secs,
        "peak_rss_kib": peak_rss_kib(),
        "rss_kib": rss_kib(),
    }))
}

/// The environment variable through which `budget` receives the sandbox's token.
const TOKEN_ENV: &str = "INTERCOM_BENCH_TOKEN";

fn sandbox(args: &Args) {
    let budget: u64 = args.get("budget", Some(100));
    let window: u64 = args.get("window-secs", Some(2));
    let threads: usize = args.get("threads", Some(2));
    let rt = runtime(Some(threads));
    let handle = rt
        .block_on(
            intercom_sandbox::Sandbox::builder()
                .contacts(1)
                .rate_limit(budget)
                .rate_limit_window(Duration::from_secs(window))
                .start(),
        )
        .expect("the sandbox starts");
    // The sandbox's own test credential, valid nowhere else (as `intercom-sandbox` prints it).
    println!("listening {}", handle.base_url());
    println!("token {}", handle.access_token_plaintext());
    std::io::stdout().flush().expect("stdout is writable");
    let mut sink = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut sink);
    rt.block_on(handle.shutdown());
}

fn budget(args: &Args) -> Result<serde_json::Value, BoxError> {
    let url: String = args.get("url", None);
    let mut plan = Plan {
        tasks: args.get("tasks", Some(64)),
        op: args.get("op", Some(Op::Read)),
        start_unix_ms: 0,
        run_for: Duration::from_millis(args.get("run-ms", None)),
        worker: args.get("worker", Some(0)),
    };
    let limiter: String = args.get("limiter", Some("in-process".to_owned()));
    let threads: usize = args.get("threads", Some(2));
    let sandbox_token = std::env::var(TOKEN_ENV).map_err(|_| format!("{TOKEN_ENV} is not set"))?;
    let rt = runtime(Some(threads));
    let (client, counting, redis) = rt.block_on(async {
        let counting = Arc::new(Counting::new()?);
        let transport: Arc<dyn intercom_transport::Transport> = counting.clone();
        let mut builder = intercom_transport::Client::builder()
            .base_url(&url)
            .allow_insecure_loopback(true)
            .transport(transport);
        let mut redis = None;
        match limiter.as_str() {
            "in-process" => {}
            "redis" => {
                let window: u64 = args.get("window-secs", Some(2));
                let l = Arc::new(
                    intercom_ratelimit_redis::RedisLimiter::builder(
                        args.get::<String>("redis-url", None),
                        args.get::<String>("app", Some("bench".to_owned())),
                    )
                    .window(Duration::from_secs(window))
                    .app_per_window(args.get("budget", Some(100)))
                    .build()?,
                );
                builder = builder.rate_limiter(l.clone());
                redis = Some(l);
            }
            other => return Err(format!("unknown limiter `{other}` (in-process|redis)").into()),
        }
        let client = builder
            .build()?
            .with_access_token(intercom_auth_types::AccessToken::new(sandbox_token)?);
        Ok::<_, BoxError>((client, counting, redis))
    })?;
    plan.start_unix_ms = match args.0.get("start-ms") {
        Some(_) => args.get("start-ms", None),
        None => {
            // Handshake: say we are ready, then wait for `START <unix ms>` on stdin.
            println!("READY");
            std::io::stdout().flush()?;
            let mut line = String::new();
            std::io::stdin().read_line(&mut line)?;
            line.trim()
                .strip_prefix("START ")
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| {
                    format!("expected `START <unix ms>` on stdin, got `{}`", line.trim())
                })?
        }
    };
    rt.block_on(async {
        let outcome = budget::run(client, &plan).await?;
        let limiter = match &redis {
            Some(l) => {
                let s = l.stats();
                serde_json::json!({
                    "kind": "redis",
                    "redis_grants": s.redis_grants,
                    "redis_refusals": s.redis_refusals,
                    "fallback_decisions": s.fallback_decisions,
                    "redis_errors": s.redis_errors,
                    "corrections": s.corrections,
                })
            }
            None => serde_json::json!({ "kind": "in-process" }),
        };
        Ok(budget::report(&outcome, &counting.tally(), limiter))
    })
}
