//! `cargo xtask ci`: the same gate `.ci/run` runs, minus installing tools.

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

    crate::test::run(&[])?;

    let mut doc = cargo();
    doc.args(["doc", "--workspace", "--no-deps"])
        .env("RUSTDOCFLAGS", "-D warnings");
    step("doc", doc)?;

    let advisory = root().join("target/advisory-db");
    let mut layout = std::process::Command::new(root().join("../shared/tools/advisory-db"));
    layout.arg(&advisory);
    step("advisory-db snapshot", layout)?;

    let mut deny = cargo();
    deny.args(["deny", "--offline", "check"]);
    step("cargo deny", deny)?;
    Ok(())
}
