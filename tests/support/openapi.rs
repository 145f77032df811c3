//! Where tests find the OpenAPI description, shared by test targets of several crates through
//! `#[path = ".../tests/support/openapi.rs"] mod openapi;` (it depends on std only).
//!
//! Looked up in order: `$INTERCOM_OPENAPI_SPEC`; `../shared/intercom-openapi/api-2.16.json`
//! beside the workspace; `target/openapi/api-2.16.json` inside it, where `cargo xtask spec`
//! puts the pinned download. `cargo xtask spec` (xtask/src/spec.rs) follows the same order.
//! Without any of them a test prints the SKIPPED line and passes, unless
//! `INTERCOM_RS_REQUIRE_SPEC=1` (set by CI) makes that a failure.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The line a test prints when it skips for want of the description.
pub const SKIPPED: &str =
    "SKIPPED: no OpenAPI description (run `cargo xtask spec` or set INTERCOM_OPENAPI_SPEC)";

/// The workspace root, from the manifest directory of the crate the test belongs to.
fn workspace_root() -> PathBuf {
    let mut dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    while !dir.join("xtask").is_dir() {
        match dir.parent() {
            Some(parent) => dir = parent,
            None => return PathBuf::from(env!("CARGO_MANIFEST_DIR")),
        }
    }
    dir.to_path_buf()
}

/// The places the description is looked for, in order.
pub fn candidates() -> Vec<PathBuf> {
    if let Some(path) = std::env::var_os("INTERCOM_OPENAPI_SPEC") {
        return vec![PathBuf::from(path)];
    }
    let root = workspace_root();
    vec![
        root.join("../shared/intercom-openapi/api-2.16.json"),
        root.join("target/openapi/api-2.16.json"),
    ]
}

/// Whether a missing description fails the test instead of skipping it.
pub fn required() -> bool {
    std::env::var("INTERCOM_RS_REQUIRE_SPEC").is_ok_and(|v| v == "1")
}

/// The first candidate that exists.
pub fn find() -> Option<PathBuf> {
    candidates().into_iter().find(|p| p.is_file())
}

/// Reports the skip: prints the SKIPPED line, or panics when `INTERCOM_RS_REQUIRE_SPEC=1`.
pub fn skip() {
    let looked: Vec<String> = candidates()
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    assert!(
        !required(),
        "INTERCOM_RS_REQUIRE_SPEC=1 but there is no OpenAPI description at {}",
        looked.join(" or ")
    );
    println!("{SKIPPED}");
}

/// The description's path, or `None` after [`skip`].
pub fn path_or_skip() -> Option<PathBuf> {
    let found = find();
    if found.is_none() {
        skip();
    }
    found
}
