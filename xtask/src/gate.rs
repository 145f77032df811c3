//! The CI gate, defined once: the ordered steps `cargo xtask ci` runs (and `.ci/run` through
//! it, after installing tools and services), of which `cargo xtask release` runs those marked
//! `release`. Each step prints a banner with the UTC time, then its command and duration.

use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{bail, Result};

use crate::util::{cargo, root, step};

/// One step of the gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    /// Short name (`--only`, `--from` and failures use it).
    pub name: &'static str,
    /// What the step checks, printed in its banner.
    pub banner: &'static str,
    /// The program: `cargo` (the one that invoked xtask) or a path relative to the workspace.
    pub program: &'static str,
    /// Its arguments.
    pub args: &'static [&'static str],
    /// Environment set for this step only.
    pub env: &'static [(&'static str, &'static str)],
    /// Whether `cargo xtask release` runs it before packaging.
    pub release: bool,
}

impl Step {
    /// The command, ready to run from the workspace root.
    pub fn command(&self) -> Command {
        let mut cmd = if self.program == "cargo" {
            cargo()
        } else {
            let mut cmd = Command::new(root().join(self.program));
            cmd.current_dir(root());
            cmd
        };
        cmd.args(self.args);
        for (key, value) in self.env {
            cmd.env(key, value);
        }
        cmd
    }

    /// The command as a shell line (`RUSTDOCFLAGS='-D warnings' cargo doc ...`).
    pub fn shell_line(&self) -> String {
        let mut words: Vec<String> = self.env.iter().map(|(k, v)| format!("{k}='{v}'")).collect();
        words.push(self.program.to_owned());
        words.extend(self.args.iter().map(|a| (*a).to_owned()));
        words.join(" ")
    }
}

const fn cargo_step(
    name: &'static str,
    banner: &'static str,
    args: &'static [&'static str],
    release: bool,
) -> Step {
    Step {
        name,
        banner,
        program: "cargo",
        args,
        env: &[],
        release,
    }
}

/// The gate, in the order it runs: cheap checks first, then tests, then the slow steps.
pub const STEPS: &[Step] = &[
    Step {
        name: "advisory-db",
        banner: "advisory database snapshot",
        program: "../shared/tools/advisory-db",
        args: &["target/advisory-db"],
        env: &[],
        release: true,
    },
    cargo_step(
        "fmt",
        "cargo fmt --check",
        &["fmt", "--all", "--", "--check"],
        true,
    ),
    cargo_step(
        "clippy",
        "cargo clippy -D warnings",
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--locked",
            "--",
            "-D",
            "warnings",
        ],
        true,
    ),
    cargo_step(
        "features",
        "cargo features: the facade forwards every tag; no default features + one tag, each root store",
        &["xtask", "features"],
        true,
    ),
    cargo_step(
        "codegen",
        "generated code is current",
        &["xtask", "codegen", "--check"],
        true,
    ),
    cargo_step(
        "check-deps",
        "crate graph: arrows point down, only the transport names hyper",
        &["xtask", "check-deps"],
        true,
    ),
    cargo_step(
        "test",
        "tests (the README's test command)",
        &["xtask", "test"],
        true,
    ),
    cargo_step(
        "fuzz",
        "fuzz: every target 30 s under AFL++ (installs cargo-afl, builds AFL++ and the harness)",
        &["xtask", "fuzz", "--time", "30"],
        false,
    ),
    Step {
        name: "doc",
        banner: "cargo doc (warnings denied)",
        program: "cargo",
        args: &["doc", "--workspace", "--no-deps", "--locked"],
        env: &[("RUSTDOCFLAGS", "-D warnings")],
        release: true,
    },
    cargo_step(
        "audit",
        "token-handling audit",
        &["xtask", "audit"],
        true,
    ),
    cargo_step(
        "deny",
        "cargo deny",
        &["deny", "--offline", "check"],
        true,
    ),
    cargo_step(
        "bench",
        "benchmarks run (smoke: tiny N, prints the tables; no timing is asserted)",
        &["xtask", "bench", "--smoke"],
        false,
    ),
    cargo_step(
        "release",
        "release artifacts: package, build twice from fresh target dirs, compare SHA256SUMS",
        &["xtask", "release", "--check-reproducible"],
        false,
    ),
];

/// The UTC time of day as `HH:MM:SS`.
fn utc_time() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
        % 86_400;
    format!(
        "{:02}:{:02}:{:02}",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// Runs `steps` in order, each under a `=== banner (HH:MM:SS)` line; stops at the first failure.
pub fn run_steps<'a>(steps: impl IntoIterator<Item = &'a Step>) -> Result<()> {
    for s in steps {
        eprintln!("\n=== {} ({})", s.banner, utc_time());
        step(s.name, s.command())?;
    }
    Ok(())
}

/// The steps `cargo xtask release` runs before packaging.
pub fn release_steps() -> impl Iterator<Item = &'static Step> {
    STEPS.iter().filter(|s| s.release)
}

/// Picks the steps named by `--only NAME` / `--from NAME` (none: every step).
pub fn select(only: Option<&str>, from: Option<&str>) -> Result<Vec<&'static Step>> {
    let known = || STEPS.iter().map(|s| s.name).collect::<Vec<_>>().join(", ");
    for name in only.iter().chain(from.iter()) {
        if !STEPS.iter().any(|s| s.name == *name) {
            bail!("no gate step `{name}`; the steps are: {}", known());
        }
    }
    let start = from.map_or(0, |name| {
        STEPS.iter().position(|s| s.name == name).unwrap_or(0)
    });
    Ok(STEPS[start..]
        .iter()
        .filter(|s| only.is_none_or(|name| s.name == name))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(name: &str) -> String {
        STEPS
            .iter()
            .find(|s| s.name == name)
            .map(Step::shell_line)
            .unwrap_or_default()
    }

    #[test]
    fn the_gate_runs_every_check_in_order_with_one_set_of_flags() {
        let names: Vec<&str> = STEPS.iter().map(|s| s.name).collect();
        assert_eq!(
            names,
            [
                "advisory-db",
                "fmt",
                "clippy",
                "features",
                "codegen",
                "check-deps",
                "test",
                "fuzz",
                "doc",
                "audit",
                "deny",
                "bench",
                "release"
            ]
        );
        assert_eq!(line("test"), "cargo xtask test");
        assert_eq!(
            line("clippy"),
            "cargo clippy --workspace --all-targets --locked -- -D warnings"
        );
        assert_eq!(
            line("doc"),
            "RUSTDOCFLAGS='-D warnings' cargo doc --workspace --no-deps --locked"
        );
        assert_eq!(line("deny"), "cargo deny --offline check");
    }

    #[test]
    fn release_runs_the_checks_but_not_fuzz_bench_or_itself() {
        let release: Vec<&str> = release_steps().map(|s| s.name).collect();
        let expected: Vec<&str> = STEPS
            .iter()
            .map(|s| s.name)
            .filter(|name| !["fuzz", "bench", "release"].contains(name))
            .collect();
        assert_eq!(release, expected);
        assert_eq!(release.len(), 10);
    }

    #[test]
    fn steps_are_selected_by_name() -> Result<()> {
        let names = |v: Vec<&Step>| v.iter().map(|s| s.name).collect::<Vec<_>>();
        assert_eq!(names(select(Some("doc"), None)?), ["doc"]);
        assert_eq!(names(select(None, Some("bench"))?), ["bench", "release"]);
        assert_eq!(select(None, None)?.len(), STEPS.len());
        assert!(select(Some("lint"), None).is_err());
        Ok(())
    }
}
