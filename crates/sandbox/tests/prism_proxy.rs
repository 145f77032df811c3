//! The sandbox's answers checked against the official description: `prism proxy SPEC SANDBOX`
//! forwards every operation to the sandbox and stamps what it finds in `sl-violations`.
//!
//! Each response violation is either listed in [`SPEC_DEFECTS`] (a defect of the description,
//! with its reason) or counted. The run prints the count grouped by kind and fails when an
//! operation does not get through Prism, or when any violation is not listed. Needs
//! `node_modules/.bin/prism` (`npm ci`) and the spec (`$INTERCOM_OPENAPI_SPEC`, else
//! `../shared/intercom-openapi/api-2.16.json`, else the download of `cargo xtask spec`);
//! prints SKIPPED without them unless `INTERCOM_RS_REQUIRE_PRISM=1` (for Prism) or
//! `INTERCOM_RS_REQUIRE_SPEC=1` (for the spec).
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use http::Method;
use intercom_sandbox::Sandbox;
use intercom_transport::{ApiRequest, Client, Error};
use serde_json::Value;

#[path = "../../../tests/support/openapi.rs"]
mod openapi;

/// Violations caused by the description rather than the sandbox: (what the message
/// contains, when the answer's status is an error or not, why it is not the sandbox's fault).
const SPEC_DEFECTS: &[(&str, Option<bool>, &str)] = &[
    (
        "must match format \"uri\"",
        None,
        "the description declares relative `url` values such as `/contacts/1/tags` as `format: uri`",
    ),
    (
        "Unable to match the returned status code",
        Some(true),
        "the description lists no 400/404 answers for these operations, which Intercom gives (and the \
         sandbox gives) to the placeholder ids and empty bodies this run sends",
    ),
];

/// A violation message with the property path and the listed values left out, so alike
/// violations of different operations group together.
fn kind(message: &str) -> String {
    let mut kind = message.to_owned();
    if let Some(rest) = kind.strip_prefix("Response body property ") {
        let tail = rest.split_once(' ').map(|(_, t)| t).unwrap_or(rest);
        kind = format!("Response body property … {tail}");
    }
    for cut in ["allowed values:", "document:"] {
        if let Some(at) = kind.find(cut) {
            kind.truncate(at + cut.len());
            kind.push_str(" …");
        }
    }
    kind
}

struct Prism(Child);

impl Drop for Prism {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn required() -> bool {
    std::env::var("INTERCOM_RS_REQUIRE_PRISM").is_ok_and(|v| v == "1")
}

fn fill(template: &str) -> String {
    template
        .split('/')
        .map(|p| if p.starts_with('{') { "1" } else { p })
        .collect::<Vec<_>>()
        .join("/")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sandbox_answers_through_prism_proxy() {
    let started = Instant::now();
    let bin = root().join("node_modules/.bin/prism");
    let Some(spec) = openapi::path_or_skip() else {
        return;
    };
    if !bin.exists() {
        assert!(!required(), "prism is missing");
        println!("SKIPPED: prism proxy needs {}", bin.display());
        return;
    }
    let sandbox = Sandbox::builder().start().await.unwrap();
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port();
    let log = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("prism-proxy-{port}.log"));
    let out = std::fs::File::create(&log).unwrap();
    let _prism = Prism(
        Command::new(&bin)
            .args(["proxy", "-p", &port.to_string(), "-h", "127.0.0.1"])
            .arg(&spec)
            .arg(sandbox.base_url())
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .unwrap(),
    );
    let ready = Instant::now();
    while !std::fs::read_to_string(&log).is_ok_and(|l| l.contains("Prism is listening"))
        || TcpStream::connect(("127.0.0.1", port)).is_err()
    {
        assert!(
            ready.elapsed() < Duration::from_secs(90),
            "prism did not start; see {}",
            log.display()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let client = Client::builder()
        .base_url(format!("http://127.0.0.1:{port}"))
        .allow_insecure_loopback(true)
        .max_attempts(1)
        .build()
        .unwrap()
        .with_access_token(sandbox.access_token());

    let mut response_violations = BTreeMap::new();
    let mut unlisted_kinds: BTreeMap<String, usize> = BTreeMap::new();
    let mut listed_kinds: BTreeMap<&str, usize> = BTreeMap::new();
    let mut not_through = Vec::new();
    let operations: Vec<(&str, &str)> = intercom_sandbox::operations().collect();
    for (method, template) in &operations {
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = ApiRequest::new(method.clone(), template).path(fill(template));
        if method != Method::GET && method != Method::DELETE {
            request = request.json(&serde_json::json!({}));
        }
        let before = sandbox.requests().len();
        let result = client.execute(request).await;
        let (headers, failed) = match &result {
            Ok(r) => (Some(r.headers.clone()), false),
            Err(Error::Api(e)) => (Some(e.headers.clone()), true),
            Err(_) => (None, true),
        };
        // Prism validates the request first and may answer 422 itself (our `{}` bodies lack
        // required fields); only forwarded requests reach the sandbox and are judged.
        if sandbox.requests().len() == before {
            not_through.push(format!("{method} {template}"));
            continue;
        }
        let violations = headers
            .as_ref()
            .and_then(|h| h.get("sl-violations"))
            .and_then(|v| serde_json::from_slice::<Value>(v.as_bytes()).ok())
            .and_then(|v| v.as_array().cloned())
            .unwrap_or_default();
        let in_response: Vec<String> = violations
            .iter()
            .filter(|v| v.pointer("/location/0").is_some_and(|f| f == "response"))
            .map(|v| v["message"].as_str().unwrap_or_default().to_owned())
            .collect();
        for message in &in_response {
            let listed = SPEC_DEFECTS.iter().find(|(contains, when_failed, _)| {
                message.contains(contains) && when_failed.is_none_or(|f| f == failed)
            });
            match listed {
                Some((_, _, reason)) => *listed_kinds.entry(reason).or_default() += 1,
                None => *unlisted_kinds.entry(kind(message)).or_default() += 1,
            }
        }
        if !in_response.is_empty() {
            response_violations.insert(format!("{method} {template}"), in_response);
        }
    }
    let forwarded = operations.len() - not_through.len();
    println!(
        "prism proxy: {forwarded}/{} operations forwarded to the sandbox, {} of them with \
         response violations, {} stopped by Prism's request validation; time {:.1?}",
        operations.len(),
        response_violations.len(),
        not_through.len(),
        started.elapsed()
    );
    for (op, messages) in &response_violations {
        println!("  {op}: {}", messages.join("; "));
    }
    let unlisted: usize = unlisted_kinds.values().sum();
    let listed: usize = listed_kinds.values().sum();
    println!(
        "prism proxy: {unlisted} response violations outside the spec-defect list, {listed} listed"
    );
    for (kind, n) in &unlisted_kinds {
        println!("  {n:4}  {kind}");
    }
    for (reason, n) in &listed_kinds {
        println!("  {n:4}  listed: {reason}");
    }
    assert!(
        forwarded > 0,
        "no request got through prism; see {}",
        log.display()
    );
    assert_eq!(
        unlisted, 0,
        "response violations outside the spec-defect list; see the lines above"
    );
}
