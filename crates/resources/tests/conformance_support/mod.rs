//! Runs the generated conformance cases (`tests/conformance.rs`) against `prism mock`.
//!
//! Over 600 lines because the runner (Prism process, exceptions file, per-case report) and the
//! body builder from the spec's schemas serve one generated test and nothing else.
//!
//! * Prism is started from `node_modules/.bin/prism` (run `npm ci` first) on a free loopback
//!   port, serving the spec from `$INTERCOM_OPENAPI_SPEC`, else
//!   `../shared/intercom-openapi/api-2.16.json` beside the workspace, else the download of
//!   `cargo xtask spec` under `target/`. It is killed on drop. Without a spec the run prints
//!   SKIPPED and passes, unless `INTERCOM_RS_REQUIRE_SPEC=1`.
//! * Every call goes through `intercom-test`'s passthrough `MockTransport` (the real hyper
//!   transport underneath), whose exchanges give, per operation, the status, Prism's
//!   `sl-violations` header and the body.
//! * Request bodies are read from the spec at run time (the operation's request example, or a
//!   minimal body built from the schema's required properties) and decoded into our body type,
//!   which is what is sent.
//! * `conformance-exceptions.txt` lists operations that may fail because the spec is wrong;
//!   an exception that passes fails the test, so fixed spec defects are noticed.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures::future::BoxFuture;
use futures::StreamExt;
use http::{HeaderName, HeaderValue, StatusCode};
use intercom_auth_types::{AccessToken, Private};
use intercom_resources::Redirect;
use intercom_test::MockTransport;
use intercom_transport::{Client, Error, HyperTransport, RequestOptions};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// Calls in flight at once.
const CONCURRENCY: usize = 8;
const OPERATIONS: usize = 231;
const OP_HEADER: &str = "x-conformance-op";

/// What a successful call gave back.
#[derive(Debug)]
pub enum Decoded {
    /// A JSON body decoded into our type; `empty` when it decoded to the type's default.
    Json { empty: bool },
    /// The redirect the SDK returns instead of following it.
    Redirect(StatusCode),
    /// Text, bytes or no body.
    Other,
}

/// Why a call failed before or after reaching Prism.
#[derive(Debug)]
pub enum Failure {
    /// The SDK's error (a Prism 4xx/5xx, a decode failure, a timeout, …).
    Api(Error),
    /// The request body from the spec did not decode into our body type.
    Body(String),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Api(e)
    }
}

/// The future of one generated call.
pub type Call = fn(Client<Private>, RequestOptions) -> BoxFuture<'static, Result<Decoded, Failure>>;

/// One operation: its id, method, path template and the call through the generated API.
#[derive(Debug)]
pub struct Case {
    pub op: &'static str,
    pub method: &'static str,
    pub path: &'static str,
    pub call: Call,
}

/// A JSON response decoded into `T`.
pub fn json<T: Default + PartialEq>(value: T) -> Decoded {
    Decoded::Json {
        empty: value == T::default(),
    }
}

/// A redirect returned (not followed).
pub fn redirect(r: Redirect) -> Decoded {
    Decoded::Redirect(r.status)
}

/// A non-JSON response.
pub fn other<T>(_: T) -> Decoded {
    Decoded::Other
}

/// A query value written by the generator as JSON text.
pub fn q<T: DeserializeOwned>(json: &str) -> T {
    serde_json::from_str(json).unwrap_or_else(|e| {
        panic!(
            "the generated value {json} is not a {}: {e}",
            std::any::type_name::<T>()
        )
    })
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[path = "../../../../tests/support/openapi.rs"]
mod openapi;

/// The spec's path; [`run`] has checked that there is one.
fn spec_path() -> PathBuf {
    openapi::find().unwrap_or_else(|| openapi::candidates().remove(0))
}

fn spec() -> &'static Value {
    static SPEC: OnceLock<Value> = OnceLock::new();
    SPEC.get_or_init(|| {
        let path = spec_path();
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "cannot read the spec at {} (set INTERCOM_OPENAPI_SPEC): {e}",
                path.display()
            )
        });
        serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("cannot parse {} as JSON: {e}", path.display()))
    })
}

fn resolve(mut v: &Value) -> &Value {
    for _ in 0..16 {
        match v.get("$ref").and_then(Value::as_str) {
            Some(r) => match spec().pointer(r.trim_start_matches('#')) {
                Some(t) => v = t,
                None => return v,
            },
            None => return v,
        }
    }
    v
}

fn pointer_escape(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

/// The JSON request body of `method path` in the spec: the example named `example`, else
/// its single `example`, else a minimal body built from the schema.
fn spec_body(method: &str, path: &str, example: Option<&str>) -> Result<Value, String> {
    let ptr = format!(
        "/paths/{}/{}/requestBody",
        pointer_escape(path),
        method.to_lowercase()
    );
    let rb = resolve(
        spec()
            .pointer(&ptr)
            .ok_or(format!("no request body at {ptr}"))?,
    );
    let media = rb
        .pointer("/content/application~1json")
        .ok_or("no application/json request body")?;
    if let Some(name) = example {
        let ex = media
            .get("examples")
            .and_then(|m| m.get(name))
            .ok_or(format!("no request example `{name}`"))?;
        return Ok(resolve(ex).get("value").cloned().unwrap_or(Value::Null));
    }
    if let Some(e) = media.get("example") {
        return Ok(e.clone());
    }
    Ok(minimal(media.get("schema").unwrap_or(&Value::Null), 0))
}

/// Properties and required names of an object schema, through `allOf` and the first
/// alternative of `oneOf`/`anyOf` (constraint-only alternatives add their `required`).
fn gather(
    schema: &Value,
    props: &mut Map<String, Value>,
    required: &mut Vec<String>,
    depth: usize,
) -> bool {
    let s = resolve(schema);
    if depth > 12 {
        return false;
    }
    let mut objecty = s.get("type").and_then(Value::as_str) == Some("object");
    if let Some(p) = s.get("properties").and_then(Value::as_object) {
        objecty = true;
        for (k, v) in p {
            props.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
    for r in s
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(r) = r.as_str().filter(|r| !required.iter().any(|x| x == r)) {
            objecty = true;
            required.push(r.to_owned());
        }
    }
    for part in s
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        objecty |= gather(part, props, required, depth + 1);
    }
    if let Some(alt) = ["oneOf", "anyOf"]
        .iter()
        .find_map(|k| s.get(*k).and_then(Value::as_array)?.first())
    {
        objecty |= gather(alt, props, required, depth + 1);
    }
    objecty
}

/// A minimal value valid against `schema`: required properties only, first alternatives.
fn minimal(schema: &Value, depth: usize) -> Value {
    let s = resolve(schema);
    if depth > 12 {
        return Value::Null;
    }
    for key in ["example", "default"] {
        if let Some(v) = s.get(key) {
            return v.clone();
        }
    }
    if let Some(v) = s
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|a| a.first())
    {
        return v.clone();
    }
    let mut props = Map::new();
    let mut required = Vec::new();
    if gather(s, &mut props, &mut required, depth) {
        let mut out = Map::new();
        for name in required {
            let prop = props.get(&name).cloned().unwrap_or(Value::Null);
            out.insert(name, minimal(&prop, depth + 1));
        }
        return Value::Object(out);
    }
    if let Some(alt) = ["oneOf", "anyOf", "allOf"]
        .iter()
        .find_map(|k| s.get(*k).and_then(Value::as_array)?.first())
    {
        return minimal(alt, depth + 1);
    }
    match s.get("type").and_then(Value::as_str) {
        Some("integer") => Value::from(s.get("minimum").and_then(Value::as_i64).unwrap_or(1)),
        Some("number") => Value::from(1.5),
        Some("boolean") => Value::Bool(true),
        Some("array") => Value::Array(vec![minimal(
            s.get("items").unwrap_or(&Value::Null),
            depth + 1,
        )]),
        Some("string") => Value::from(match s.get("format").and_then(Value::as_str) {
            Some("date-time") => "2024-01-01T00:00:00Z",
            Some("date") => "2024-01-01",
            Some("email") => "jane@example.com",
            Some("uri" | "url") => "https://example.com/",
            _ => "example",
        }),
        _ => Value::from("example"),
    }
}

/// RFC 7386 JSON merge patch.
fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(p) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    if let Value::Object(t) = target {
        for (k, v) in p {
            if v.is_null() {
                t.remove(k);
            } else {
                merge_patch(t.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
    }
}

/// The request body of `op` (`method path`) from the spec (the request example `example`,
/// with the generator's `patch` for examples that break the schema), decoded into our type.
pub fn body<T: DeserializeOwned>(
    op: &str,
    method: &str,
    path: &str,
    example: Option<&str>,
    patch: Option<&str>,
) -> Result<T, Failure> {
    let mut value =
        spec_body(method, path, example).map_err(|e| Failure::Body(format!("{op}: {e}")))?;
    if let Some(patch) = patch {
        let patch: Value = serde_json::from_str(patch).expect("the generated patch is JSON");
        merge_patch(&mut value, &patch);
    }
    serde_path_to_error::deserialize(value).map_err(|e| {
        Failure::Body(format!(
            "the spec's request body does not decode into {} at `{}`: {}",
            std::any::type_name::<T>(),
            e.path(),
            e.inner()
        ))
    })
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
