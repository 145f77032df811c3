//! `cargo xtask ci`: the same gate `.ci/run` runs, minus installing tools (cargo-deny,
//! redis-server, npm packages are expected to be present).

use anyhow::Result;

use crate::util::{cargo, root, step};

pub fn run(_args: &[String]) -> Result<()> {
    let mut fmt = cargo();
    fmt.args(["fmt", "--all", "--", "--check"]);
    step("fmt", fmt)?;

    let mut clippy = cargo();
    clippy.args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]);
    step("clippy", clippy)?;

    let mut features = cargo();
    features.args(["xtask", "features"]);
    step("cargo features", features)?;

    let mut codegen = cargo();
    codegen.args(["xtask", "codegen", "--check"]);
    step("generated code is current", codegen)?;

    let mut deps = cargo();
    deps.args(["xtask", "check-deps"]);
    step("crate graph", deps)?;

    crate::test::run(&[])?;

    let mut fuzz = cargo();
    fuzz.args(["xtask", "fuzz", "--time", "30"]);
    step("fuzz (AFL++, 30 s per target)", fuzz)?;

    let mut doc = cargo();
    doc.args(["doc", "--workspace", "--no-deps"])
        .env("RUSTDOCFLAGS", "-D warnings");
    step("doc", doc)?;

    let mut audit = cargo();
    audit.args(["xtask", "audit"]);
    step("token-handling audit", audit)?;

    let advisory = root().join("target/advisory-db");
    let mut layout = std::process::Command::new(root().join("../shared/tools/advisory-db"));
    layout.arg(&advisory);
    step("advisory-db snapshot", layout)?;

    let mut deny = cargo();
    deny.args(["deny", "--offline", "check"]);
    step("cargo deny", deny)?;

    let mut bench = cargo();
    bench.args(["xtask", "bench", "--smoke"]);
    step("benchmarks (smoke)", bench)?;

    let mut release = cargo();
    release.args(["xtask", "release", "--check-reproducible"]);
    step("reproducible release artifacts", release)?;
    Ok(())
}
