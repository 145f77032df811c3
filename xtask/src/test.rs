//! `cargo xtask test`: the README's test command. Installs what the tests need on a fresh
//! machine (npm packages pinned by package-lock.json, when present), then runs every test of
//! the workspace.

use anyhow::Result;

use crate::util::{cargo, root, step};

pub fn run(args: &[String]) -> Result<()> {
    let root = root();
    if root.join("package-lock.json").exists()
        && !root.join("node_modules/.package-lock.json").exists()
    {
        let mut npm = std::process::Command::new("npm");
        npm.current_dir(&root)
            .args(["ci", "--no-audit", "--no-fund"]);
        step("npm ci (test tools)", npm)?;
    }
    let mut test = cargo();
    test.args(["test", "--workspace", "--all-targets"])
        .args(args);
    step("cargo test", test)?;
    let mut doc = cargo();
    doc.args(["test", "--workspace", "--doc"]);
    step("doc tests", doc)?;
    Ok(())
}
