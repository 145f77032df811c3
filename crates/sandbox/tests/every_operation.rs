//! Every operation of the API answers: each of the 231 (method, path template) pairs is sent
//! to the sandbox, which must answer it as that operation (the journal names the template)
//! with JSON or a redirect, and never with a 5xx or a 404 for an unknown route. Needs no spec;
//! `sdk_every_operation.rs` calls each operation through the SDK's typed calls instead.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeSet;

use http::Method;
use intercom_sandbox::Sandbox;
use intercom_transport::{ApiRequest, RawResponse};

const OPERATIONS: usize = 231;

/// `template` with every `{param}` replaced by `value`.
fn fill(template: &str, value: &str) -> String {
    template
        .split('/')
        .map(|part| if part.starts_with('{') { value } else { part })
        .collect::<Vec<_>>()
        .join("/")
}

#[tokio::test]
async fn every_operation_answers() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let client = common::client(&sandbox);
    let operations: Vec<(&str, &str)> = intercom_sandbox::operations().collect();
    assert_eq!(operations.len(), OPERATIONS, "one entry per operation");
    let distinct: BTreeSet<_> = operations.iter().collect();
    assert_eq!(distinct.len(), OPERATIONS, "no operation listed twice");

    let mut failures = Vec::new();
    for (method, template) in &operations {
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let path = fill(template, "1");
        let mut request = ApiRequest::new(method.clone(), template).path(path.clone());
        if method != Method::GET && method != Method::DELETE {
            request = request.json(&serde_json::json!({}));
        }
        // Errors are judged from the journal below: what the sandbox answered.
        let _: Result<RawResponse, _> = client.execute(request).await;
    }
    let journal = sandbox.requests();
    assert_eq!(journal.len(), OPERATIONS);
    for r in &journal {
        if r.status == 0 || r.status >= 500 || r.status == 404 && r.operation.is_none() {
            failures.push(format!(
                "{} {}: {} {}",
                r.method,
                r.path,
                r.status,
                r.body_text()
            ));
        }
    }
    let success = journal
        .iter()
        .filter(|r| (200..400).contains(&r.status))
        .count();
    let by_method: BTreeSet<(String, &str)> = journal
        .iter()
        .filter(|r| r.status != 0 && r.status < 500)
        .filter_map(|r| r.operation.map(|o| (r.method.clone(), o)))
        .collect();
    for r in &journal {
        if r.operation.is_none() {
            failures.push(format!(
                "{} {}: not recognised as an operation",
                r.method, r.path
            ));
        }
    }
    println!(
        "sandbox (raw routes): {}/{OPERATIONS} operations routed ({success} with 2xx or a redirect, the rest with \
         Intercom-shaped 4xx for ids or bodies the sandbox does not hold)",
        by_method.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(by_method.len(), OPERATIONS);
    sandbox.shutdown().await;
}
