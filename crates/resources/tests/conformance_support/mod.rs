//! Runs the generated cases of `operation_cases` against `prism mock`.
//!
//! * Prism is started from `node_modules/.bin/prism` (run `npm ci` first) on a free loopback
//!   port, serving the spec from `$INTERCOM_OPENAPI_SPEC`, else
//!   `../shared/intercom-openapi/api-2.16.json` beside the workspace, else the download of
//!   `cargo xtask spec` under `target/`. It is killed on drop. Without a spec the run prints
//!   SKIPPED and passes, unless `INTERCOM_RS_REQUIRE_SPEC=1`.
//! * Every call goes through `intercom-test`'s passthrough `MockTransport` (the real hyper
//!   transport underneath), whose exchanges give, per operation, the status, Prism's
//!   `sl-violations` header and the body.
//! * The cases and their request bodies come from `operation_cases` (shared with the
//!   sandbox's run of every operation).
//! * `conformance-exceptions.txt` lists operations that may fail because the spec is wrong;
//!   an exception that passes fails the test, so fixed spec defects are noticed.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures::StreamExt;
use http::{HeaderName, HeaderValue, StatusCode};
use intercom_auth_types::AccessToken;
use intercom_test::MockTransport;
use intercom_transport::{Client, HyperTransport, RequestOptions};
use serde_json::Value;

use crate::operation_cases::{openapi, spec_path, Case, Decoded, Failure, OPERATIONS};

/// Calls in flight at once.
const CONCURRENCY: usize = 8;
const OP_HEADER: &str = "x-conformance-op";

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// What Prism answered to one operation.
#[derive(Debug, Clone)]
struct Seen {
    status: StatusCode,
    violations: Option<String>,
    body: Bytes,
}

/// `prism mock`, killed on drop.
struct Prism {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Drop for Prism {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

impl Prism {
    fn start() -> Prism {
        let bin = workspace_root().join("node_modules/.bin/prism");
        assert!(
            bin.exists(),
            "{} is missing: run `npm ci` in the workspace root (or `cargo xtask test`, which \
             does it when node_modules is missing)",
            bin.display()
        );
        let spec = spec_path();
        assert!(
            spec.exists(),
            "the spec is missing at {} (set INTERCOM_OPENAPI_SPEC)",
            spec.display()
        );
        let mut last = String::new();
        for _ in 0..3 {
            let port = free_port();
            let log = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("prism-{port}.log"));
            let out = std::fs::File::create(&log).expect("a log file for prism");
            let err = out.try_clone().expect("a log file for prism");
            let child = Command::new(&bin)
                .args(["mock", "-p", &port.to_string(), "-h", "127.0.0.1"])
                .arg(&spec)
                .stdin(Stdio::null())
                .stdout(out)
                .stderr(err)
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
            let mut prism = Prism { child, port, log };
            match prism.wait_ready(Duration::from_secs(60)) {
                Ok(()) => return prism,
                Err(e) => last = e,
            }
        }
        panic!("prism did not start: {last}");
    }

    fn wait_ready(&mut self, within: Duration) -> Result<(), String> {
        let start = Instant::now();
        while start.elapsed() < within {
            if let Ok(Some(status)) = self.child.try_wait() {
                let log = std::fs::read_to_string(&self.log).unwrap_or_default();
                let tail: String = log
                    .lines()
                    .rev()
                    .take(15)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect::<Vec<_>>()
                    .join("\n");
                return Err(format!("prism exited with {status}:\n{tail}"));
            }
            let listening =
                std::fs::read_to_string(&self.log).is_ok_and(|l| l.contains("Prism is listening"));
            if listening
                && TcpStream::connect_timeout(
                    &([127, 0, 0, 1], self.port).into(),
                    Duration::from_millis(200),
                )
                .is_ok()
            {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Err(format!(
            "prism did not listen within {within:?} (log: {})",
            self.log.display()
        ))
    }
}

/// `op: reason` lines of `conformance-exceptions.txt` (`#` starts a comment).
fn exceptions() -> BTreeMap<String, String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance-exceptions.txt");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let mut out = BTreeMap::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (op, reason) = line.split_once(':').unwrap_or_else(|| {
            panic!(
                "{}:{}: expected `operationId: defect`",
                path.display(),
                n + 1
            )
        });
        assert!(
            !reason.trim().is_empty(),
            "{}:{}: an exception must name the spec defect",
            path.display(),
            n + 1
        );
        out.insert(op.trim().to_owned(), reason.trim().to_owned());
    }
    out
}

/// Request violations in an `sl-violations` header or a 422 problem body.
fn request_violations(seen: &Seen) -> Vec<String> {
    let mut out = Vec::new();
    let mut push = |list: &Value| {
        for v in list.as_array().into_iter().flatten() {
            let location = v.get("location").and_then(Value::as_array);
            let response = location
                .and_then(|l| l.first())
                .is_some_and(|f| f == "response");
            if !response {
                out.push(format!(
                    "{}: {}",
                    location
                        .map(|l| l
                            .iter()
                            .map(|x| x.as_str().map_or(x.to_string(), str::to_owned))
                            .collect::<Vec<_>>()
                            .join("."))
                        .unwrap_or_default(),
                    v.get("message").and_then(Value::as_str).unwrap_or_default()
                ));
            }
        }
    };
    if let Some(h) = &seen.violations {
        if let Ok(list) = serde_json::from_str::<Value>(h) {
            push(&list);
        }
    }
    if seen.status == StatusCode::UNPROCESSABLE_ENTITY {
        if let Ok(problem) = serde_json::from_slice::<Value>(&seen.body) {
            if let Some(list) = problem.get("validation") {
                push(list);
            }
        }
    }
    out
}

fn response_violations(seen: &Seen) -> usize {
    seen.violations
        .as_deref()
        .and_then(|h| serde_json::from_str::<Value>(h).ok())
        .and_then(|v| v.as_array().cloned())
        .map_or(0, |a| {
            a.iter()
                .filter(|v| v.pointer("/location/0").is_some_and(|f| f == "response"))
                .count()
        })
}

fn excerpt(b: &[u8]) -> String {
    let s = String::from_utf8_lossy(b);
    s.chars().take(300).collect()
}

/// The verdict for one case: `Ok` or why it failed.
fn judge(result: &Result<Decoded, Failure>, seen: Option<&Seen>) -> Result<(), String> {
    if let Some(seen) = seen {
        let violations = request_violations(seen);
        if !violations.is_empty() {
            return Err(format!(
                "Prism found request violations ({}): {}",
                seen.status,
                violations.join("; ")
            ));
        }
    }
    match result {
        Err(Failure::Body(e)) => Err(e.clone()),
        Err(Failure::Api(e)) => Err(format!(
            "{e}{}",
            seen.map(|s| format!(" [{} {}]", s.status, excerpt(&s.body)))
                .unwrap_or_default()
        )),
        Ok(_) if seen.is_none() => Err("the call never reached Prism".into()),
        Ok(Decoded::Redirect(status)) if !status.is_redirection() => Err(format!(
            "expected a redirect, the SDK returned status {status}"
        )),
        Ok(Decoded::Json { empty: true }) => {
            let body = seen.map(|s| s.body.clone()).unwrap_or_default();
            let trivial = serde_json::from_slice::<Value>(&body).is_ok_and(|v| match v {
                Value::Object(o) => o.is_empty(),
                Value::Array(a) => a.is_empty(),
                Value::Null => true,
                _ => false,
            });
            if trivial || body.is_empty() {
                Ok(())
            } else {
                Err(format!(
                    "the response matched none of our type's fields: {}",
                    excerpt(&body)
                ))
            }
        }
        Ok(_) => Ok(()),
    }
}

/// Starts Prism, runs every case, prints `conformance: N/231` and fails on any unexpected
/// result.
pub fn run(cases: Vec<Case>) {
    if openapi::path_or_skip().is_none() {
        return;
    }
    let started = Instant::now();
    assert_eq!(cases.len(), OPERATIONS, "one case per operation");
    let exceptions = exceptions();
    for op in exceptions.keys() {
        assert!(
            cases.iter().any(|c| c.op == op),
            "conformance-exceptions.txt names `{op}`, which is no operation"
        );
    }
    let prism = Prism::start();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    // The hyper transport behind `intercom-test`'s spy, which keeps each exchange.
    let recorder = MockTransport::passthrough(Arc::new(
        HyperTransport::new().expect("the hyper transport"),
    ));
    let client = Client::builder()
        .base_url(format!("http://127.0.0.1:{}", prism.port))
        .allow_insecure_loopback(true)
        .attempt_timeout(Duration::from_secs(10))
        .total_timeout(Duration::from_secs(20))
        .max_attempts(1)
        .transport(recorder.clone())
        .build()
        .expect("a client for prism")
        .with_access_token(AccessToken::new("conformance-test-token").expect("a valid token"));
    let results: Vec<(&Case, Result<Decoded, Failure>)> = runtime.block_on(
        futures::stream::iter(cases.iter().map(|case| {
            let options = RequestOptions::new().header(
                HeaderName::from_static(OP_HEADER),
                HeaderValue::from_static(case.op),
            );
            let call = (case.call)(client.clone(), options);
            async move { (case, call.await) }
        }))
        .buffer_unordered(CONCURRENCY)
        .collect(),
    );
    drop(prism);
    // Each answer under the operation named in [`OP_HEADER`].
    let seen: HashMap<String, Seen> = recorder
        .exchanges()
        .into_iter()
        .filter_map(|x| {
            let op = x.request.header(OP_HEADER)?.to_owned();
            let seen = Seen {
                status: x.status?,
                violations: x
                    .headers
                    .get("sl-violations")
                    .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned()),
                body: x.body,
            };
            Some((op, seen))
        })
        .collect();

    let mut passed = 0;
    let mut failures = Vec::new();
    let mut stale = Vec::new();
    let mut excused = Vec::new();
    let mut noted = Vec::new();
    let mut results = results;
    results.sort_by_key(|(c, _)| c.op);
    for (case, result) in &results {
        let s = seen.get(case.op);
        let verdict = judge(result, s);
        if let Some(n) = s.map(response_violations).filter(|n| *n > 0) {
            noted.push(format!("{} ({n})", case.op));
        }
        let label = format!("{} {} {}", case.op, case.method, case.path);
        match (verdict, exceptions.get(case.op)) {
            (Ok(()), None) => passed += 1,
            (Ok(()), Some(_)) => stale.push(label),
            (Err(e), None) => failures.push(format!("{label}\n      {e}")),
            (Err(e), Some(reason)) => {
                excused.push(format!("{label}\n      {e}\n      spec defect: {reason}"))
            }
        }
    }
    let mut report = String::new();
    let _ = writeln!(report, "conformance: {passed}/{OPERATIONS}");
    let _ = writeln!(
        report,
        "  excepted (spec defects, conformance-exceptions.txt): {}",
        excused.len()
    );
    for e in &excused {
        let _ = writeln!(report, "    {e}");
    }
    let _ = writeln!(
        report,
        "  responses Prism stamped with sl-violations (the spec's own example breaks its schema; not ours): {}",
        noted.len()
    );
    if !noted.is_empty() {
        let _ = writeln!(report, "    {}", noted.join(", "));
    }
    let _ = writeln!(report, "  time: {:.1?}", started.elapsed());
    println!("{report}");
    assert!(
        stale.is_empty(),
        "these operations now pass: remove them from conformance-exceptions.txt:\n  {}",
        stale.join("\n  ")
    );
    assert!(
        failures.is_empty(),
        "{} operations failed against Prism:\n  {}",
        failures.len(),
        failures.join("\n  ")
    );
    assert_eq!(passed + excused.len(), OPERATIONS);
}
