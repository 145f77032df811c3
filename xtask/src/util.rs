//! Helpers shared by the tasks: the workspace root and running commands with timing.

use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context, Result};

/// The workspace root (the parent of `xtask/`).
pub fn root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}

/// The target directory cargo builds into: `$CARGO_TARGET_DIR` (relative to the workspace
/// root when relative) or `target/`.
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from) {
        Some(dir) if dir.is_relative() => root().join(dir),
        Some(dir) => dir,
        None => root().join("target"),
    }
}

/// The `cargo` that invoked us (or `cargo` from PATH).
pub fn cargo() -> Command {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(root());
    cmd
}

/// Runs one gate step, printing its name and duration on stderr. A failure names the command
/// to re-run.
pub fn step(name: &str, mut cmd: Command) -> Result<()> {
    let shown = format!("{cmd:?}").replace('"', "");
    eprintln!("==> {name}: {shown}");
    let start = Instant::now();
    let status = cmd
        .status()
        .with_context(|| format!("could not start `{shown}`"))?;
    let secs = start.elapsed().as_secs_f64();
    if !status.success() {
        bail!("step `{name}` failed after {secs:.1}s ({status}); re-run: {shown}");
    }
    eprintln!("<== {name}: ok in {secs:.1}s");
    Ok(())
}
