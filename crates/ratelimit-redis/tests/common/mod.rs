//! Test support: a real `redis-server` per test, a loopback HTTP server that enforces and
//! counts a budget per window like Intercom, and a worker loop.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{TcpListener as StdListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use intercom_transport::auth::AccessToken;
use intercom_transport::{ApiRequest, Client, RateLimiter};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// Set in CI: a missing `redis-server` then fails the tests instead of skipping them.
pub const REQUIRE_ENV: &str = "INTERCOM_RS_REQUIRE_REDIS";

fn redis_binary() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("REDIS_SERVER") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("redis-server"))
        .find(|p| p.is_file())
}

/// A free loopback port (bound, then released).
pub fn free_port() -> u16 {
    let l = StdListener::bind("127.0.0.1:0").expect("bind an ephemeral port");
    l.local_addr().expect("local addr").port()
}

/// A `redis-server` child process on a loopback port, without persistence, killed on drop.
#[derive(Debug)]
pub struct RedisServer {
    child: Option<Child>,
    binary: PathBuf,
    pub port: u16,
}

impl RedisServer {
    /// Starts one, or returns `None` (after printing why) when `redis-server` is not
    /// installed and `INTERCOM_RS_REQUIRE_REDIS` is not set.
    pub fn start() -> Option<Self> {
        let Some(binary) = redis_binary() else {
            if std::env::var_os(REQUIRE_ENV).is_some() {
                panic!("redis-server is not installed, and {REQUIRE_ENV} is set: install it (apt-get install -y redis-server)");
            }
            // Straight to stderr (not eprintln!), so the test harness does not swallow it.
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED: redis-server not found on PATH (apt-get install -y redis-server); \
                 set {REQUIRE_ENV}=1 to make this a failure"
            );
            return None;
        };
        let mut server = Self {
            child: None,
            binary,
            port: free_port(),
        };
        server.restart();
        Some(server)
    }

    /// (Re)starts the server on the same port.
    pub fn restart(&mut self) {
        self.stop();
        let child = Command::new(&self.binary)
            .args(["--port", &self.port.to_string()])
            .args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .args(["--daemonize", "no", "--loglevel", "warning"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn redis-server");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if self.ping() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("redis-server did not answer PING on port {}", self.port);
    }

    fn ping(&self) -> bool {
        let Ok(mut s) = TcpStream::connect(("127.0.0.1", self.port)) else {
            return false;
        };
        let _ = s.set_read_timeout(Some(Duration::from_millis(500)));
        let mut buf = [0u8; 7];
        s.write_all(b"PING\r\n").is_ok() && s.read_exact(&mut buf).is_ok() && &buf == b"+PONG\r\n"
    }

    /// Kills the server (as a crash would) and waits for it to exit.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// A plain synchronous connection, to inspect keys.
    pub fn connection(&self) -> redis::Connection {
        redis::Client::open(self.url())
            .expect("url")
            .get_connection()
            .expect("connect to the test redis")
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// What the counting server saw.
#[derive(Debug, Default, Clone)]
pub struct Counts {
    /// Requests arrived per window (keyed by the window's end, Unix seconds), 429s included.
    pub per_window: BTreeMap<u64, u64>,
    pub ok: u64,
    pub too_many: u64,
}

/// An HTTP/1.1 loopback server that allows `budget` requests per `window_secs` window
/// (aligned on Unix time, as the sandbox and Intercom do), answers 429 past it, and sends
/// `X-RateLimit-*` headers on every response.
#[derive(Debug)]
pub struct CountingServer {
    pub url: String,
    pub counts: Arc<Mutex<Counts>>,
}

impl CountingServer {
    pub async fn start(budget: u64, window_secs: u64) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let counts = Arc::new(Mutex::new(Counts::default()));
        let shared = Arc::clone(&counts);
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let counts = Arc::clone(&shared);
                tokio::spawn(serve(stream, counts, budget, window_secs));
            }
        });
        Self { url, counts }
    }

    pub fn counts(&self) -> Counts {
        self.counts.lock().expect("counts").clone()
    }
}

async fn serve(stream: tokio::net::TcpStream, counts: Arc<Mutex<Counts>>, budget: u64, w: u64) {
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);
    let mut line = String::new();
    loop {
        // Request line and headers (GET only: no body).
        let mut saw_request = false;
        loop {
            line.clear();
            match reader.read_line(&mut line).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            if line == "\r\n" || line == "\n" {
                if saw_request {
                    break;
                }
                continue;
            }
            saw_request = true;
        }
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("clock")
            .as_secs();
        let end = now - now % w + w;
        let (status, remaining) = {
            let mut c = counts.lock().expect("counts");
            let n = c.per_window.entry(end).or_insert(0);
            *n += 1;
            let n = *n;
            if n > budget {
                c.too_many += 1;
                ("429 Too Many Requests", 0)
            } else {
                c.ok += 1;
                ("200 OK", budget - n)
            }
        };
        let body = if status.starts_with("200") {
            r#"{"type":"admin","id":"1"}"#.to_owned()
        } else {
            format!(
                r#"{{"type":"error.list","request_id":"r","errors":[{{"code":"rate_limit_exceeded","message":"Exceeded rate limit of {budget} in 10_seconds"}}]}}"#
            )
        };
        let response = format!(
            "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
             x-ratelimit-limit: {budget}\r\nx-ratelimit-remaining: {remaining}\r\n\
             x-ratelimit-reset: {end}\r\n\r\n{body}",
            body.len()
        );
        if write.write_all(response.as_bytes()).await.is_err() {
            return;
        }
    }
}

/// A client for `base_url` paced by `limiter`.
pub fn client(
    base_url: &str,
    limiter: Arc<dyn RateLimiter>,
) -> Client<intercom_transport::auth::Private> {
    client_with_attempts(base_url, limiter, 5)
}

/// Like [`client`] with another number of attempts per request.
pub fn client_with_attempts(
    base_url: &str,
    limiter: Arc<dyn RateLimiter>,
    attempts: u32,
) -> Client<intercom_transport::auth::Private> {
    Client::builder()
        .base_url(base_url)
        .allow_insecure_loopback(true)
        .total_timeout(Duration::from_secs(60))
        .max_attempts(attempts)
        .rate_limiter(limiter)
        .build()
        .expect("client")
        .with_access_token(AccessToken::new("test-token").expect("token"))
}

/// Sends `n` requests one after another; returns (successes, error messages).
pub async fn run_worker(
    base_url: String,
    limiter: Arc<dyn RateLimiter>,
    n: usize,
) -> (usize, Vec<String>) {
    run_worker_with_attempts(base_url, limiter, n, 5).await
}

/// Like [`run_worker`] with another number of attempts per request.
pub async fn run_worker_with_attempts(
    base_url: String,
    limiter: Arc<dyn RateLimiter>,
    n: usize,
    attempts: u32,
) -> (usize, Vec<String>) {
    let client = client_with_attempts(&base_url, limiter, attempts);
    let mut ok = 0;
    let mut errors = Vec::new();
    for _ in 0..n {
        match client.execute(ApiRequest::get("/me")).await {
            Ok(_) => ok += 1,
            Err(e) => errors.push(e.to_string()),
        }
    }
    (ok, errors)
}

/// Checks the per-window counts: nothing over `budget`, and the requests packed into at most
/// `total / budget + 1` windows (throughput close to the budget). Returns the window count.
pub fn assert_within_budget_and_packed(counts: &Counts, budget: u64, total: u64) -> usize {
    for (end, n) in &counts.per_window {
        assert!(
            *n <= budget,
            "window ending {end} got {n} requests, budget {budget}: {counts:?}"
        );
    }
    let windows = counts.per_window.len();
    let ideal = total.div_ceil(budget) as usize;
    assert!(
        windows <= ideal + 1,
        "{total} requests took {windows} windows; {ideal} would be a full budget: {counts:?}"
    );
    windows
}
