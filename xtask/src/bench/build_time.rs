//! `cargo xtask bench --build`: the clean debug build of the facade as a user gets it, guarded
//! against growth.
//!
//! A fresh downstream crate in a temporary directory depends on `intercom-sdk` by path (default
//! features), with the workspace's `Cargo.lock` (so the same dependency versions) and its own
//! target directory. Dependencies are fetched first, untimed; then `cargo build --offline`
//! (debug, the default profile of a downstream crate) is timed. With `--rounds R` it does that
//! R times from scratch and keeps the fastest (the least disturbed by other load). The run fails when it takes
//! more than [`TOLERANCE`] over the baseline, which lives in exactly one place: the
//! `<!-- build-time-baseline-secs: N -->` line of docs/performance.md.
//!
//! The CPU time of the build (user + system of cargo, rustc and the build scripts) is guarded
//! the same way against the `<!-- build-cpu-baseline-secs: N -->` line: it moves far less than
//! the wall clock when other work shares the machine. Where the CPU time is measured (Linux),
//! it decides: a wall clock over its limit with the CPU time within its own is reported as
//! load, not failed; elsewhere the wall clock decides.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{anyhow, bail, Context, Result};

use crate::util;

/// The marker of the wall-clock baseline line in docs/performance.md.
pub const MARKER: &str = "build-time-baseline-secs:";
/// The marker of the CPU-time baseline line in docs/performance.md.
pub const CPU_MARKER: &str = "build-cpu-baseline-secs:";
/// Allowed growth over the baseline.
pub const TOLERANCE: f64 = 0.15;

/// The wall-clock baseline (seconds) from the marked line of `doc`.
pub fn baseline(doc: &str) -> Result<f64> {
    marked(doc, MARKER)
}

/// The baseline (seconds) on the one line of `doc` holding `<!-- {marker} N -->`.
pub fn marked(doc: &str, marker: &str) -> Result<f64> {
    let mut found = doc.lines().filter_map(|l| {
        let rest = &l[l.find(marker)? + marker.len()..];
        Some(rest.trim().trim_end_matches("-->").trim().to_owned())
    });
    let value = found.next().ok_or_else(|| {
        anyhow!("docs/performance.md has no `<!-- {marker} N -->` line with the baseline")
    })?;
    if found.next().is_some() {
        bail!("docs/performance.md has more than one `{marker}` line");
    }
    let secs: f64 = value
        .parse()
        .with_context(|| format!("the baseline `{value}` in docs/performance.md"))?;
    if !(secs.is_finite() && secs > 0.0) {
        bail!("the baseline in docs/performance.md must be a positive number of seconds");
    }
    Ok(secs)
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

/// CPU seconds (user + system) of this process's waited-for children and their descendants
/// (`cutime` + `cstime` of /proc/self/stat), or `None` where that is not available.
fn children_cpu_secs() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name (field 2) may hold spaces; the fields after its `)` are plain.
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // `rest` starts at field 3 (state): cutime and cstime are fields 16 and 17.
    let cutime: f64 = fields.get(13)?.parse().ok()?;
    let cstime: f64 = fields.get(14)?.parse().ok()?;
    let ticks = Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| {
            String::from_utf8_lossy(&o.stdout)
                .trim()
                .parse::<f64>()
                .ok()
        })
        .filter(|t| *t > 0.0)
        .unwrap_or(100.0);
    Some((cutime + cstime) / ticks)
}

fn cargo_in(dir: &Path) -> Command {
    let mut cmd = util::cargo();
    cmd.current_dir(dir)
        .env("CARGO_TARGET_DIR", dir.join("target"))
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_BUILD_RUSTFLAGS");
    cmd
}

/// Builds the downstream crate from scratch `rounds` times (keeping the fastest), prints the
/// figures, fails past the tolerance.
pub fn run(rounds: usize) -> Result<()> {
    let root = util::root();
    let doc_path = root.join("docs").join("performance.md");
    let doc = std::fs::read_to_string(&doc_path)
        .with_context(|| format!("reading {}", doc_path.display()))?;
    let baseline = baseline(&doc)?;
    let cpu_baseline = marked(&doc, CPU_MARKER)?;

    let mut runs = Vec::new();
    for round in 0..rounds {
        let dir = std::env::temp_dir().join(format!(
            "intercom-build-time-{}-{round}",
            std::process::id()
        ));
        if dir.exists() {
            std::fs::remove_dir_all(&dir)?;
        }
        std::fs::create_dir_all(dir.join("src"))?;
        let result = measure(&root, &dir);
        let _ = std::fs::remove_dir_all(&dir);
        let m = result?;
        eprintln!("<== build time: {:.1} s", m.secs);
        runs.push(m);
    }
    runs.sort_by(|a, b| a.secs.total_cmp(&b.secs));
    let all: Vec<String> = runs.iter().map(|m| format!("{:.1} s", m.secs)).collect();
    // The CPU time compared is the smallest of the rounds, like the wall clock.
    let cpu = runs
        .iter()
        .filter_map(|m| m.cpu_secs)
        .min_by(f64::total_cmp);
    let m = runs.swap_remove(0);
    let secs = m.secs;

    let limit = baseline * (1.0 + TOLERANCE);
    println!("\n### Build time: clean debug build of `intercom-sdk` in a fresh downstream crate\n");
    println!("| | |");
    println!("|---|---:|");
    if all.len() > 1 {
        println!(
            "| this build (fastest of {}: {}) | {secs:.1} s |",
            all.len(),
            all.join(", ")
        );
    } else {
        println!("| this build | {secs:.1} s |");
    }
    println!("| baseline (docs/performance.md) | {baseline:.1} s |");
    println!("| limit (+{:.0} %) | {limit:.1} s |", TOLERANCE * 100.0);
    let cpu_limit = cpu_baseline * (1.0 + TOLERANCE);
    match cpu {
        Some(cpu) => println!(
            "| CPU time of the build (user + system of cargo and rustc; less sensitive to load) | {cpu:.1} s |"
        ),
        None => println!("| CPU time of the build | not available on this system |"),
    }
    println!("| CPU baseline (docs/performance.md) | {cpu_baseline:.1} s |");
    println!(
        "| CPU limit (+{:.0} %) | {cpu_limit:.1} s |",
        TOLERANCE * 100.0
    );
    println!(
        "| load average before / after | {} / {} |",
        m.load_before, m.load_after
    );
    println!(
        "\nTo record these figures as the new baselines, set `<!-- {MARKER} {secs:.1} -->` and \
         `<!-- {CPU_MARKER} {:.1} -->` in docs/performance.md.",
        cpu.unwrap_or(cpu_baseline)
    );
    if let Some(cpu) = cpu.filter(|c| *c > cpu_limit) {
        bail!(
            "the clean debug build used {cpu:.1} s of CPU, more than {cpu_limit:.1} s (baseline \
             {cpu_baseline:.1} s + {:.0} %); find what grew (`cargo build --timings` in a fresh \
             crate), or if the growth is accepted, raise the baseline in docs/performance.md in \
             the same commit",
            TOLERANCE * 100.0
        );
    }
    // With the CPU time measured and within its limit, a slow wall clock is the machine's load.
    if secs > limit && cpu.is_some() {
        eprintln!(
            "note: the wall clock ({secs:.1} s) is over its limit ({limit:.1} s) but the CPU time is \
             within its own: the machine was busier, not the build slower"
        );
    } else if secs > limit {
        bail!(
            "the clean debug build took {secs:.1} s, more than {limit:.1} s (baseline {baseline:.1} s + {:.0} %); \
             find what grew (`cargo build --timings` in a fresh crate), or if the growth is \
             accepted, raise the baseline in docs/performance.md in the same commit",
            TOLERANCE * 100.0
        );
    }
    Ok(())
}

struct Measured {
    secs: f64,
    cpu_secs: Option<f64>,
    load_before: String,
    load_after: String,
}

fn measure(root: &Path, dir: &Path) -> Result<Measured> {
    let sdk = root.join("crates").join("sdk");
    let sdk = sdk.to_str().context("the workspace path is not UTF-8")?;
    let manifest = format!(
        "[package]\nname = \"intercom-build-time\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\
         publish = false\n\n[dependencies]\nintercom-sdk = {{ path = {sdk:?} }}\n\n\
         # Not part of any enclosing workspace.\n[workspace]\n"
    );
    std::fs::write(dir.join("Cargo.toml"), manifest)?;
    std::fs::write(dir.join("src").join("lib.rs"), "pub use intercom_sdk;\n")?;
    std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock"))
        .context("copying the workspace's Cargo.lock")?;

    // Untimed: resolve (the lock loses the workspace's other members) and download.
    let mut fetch = cargo_in(dir);
    fetch.arg("fetch").stdout(Stdio::null());
    eprintln!("==> build time: fetching dependencies in {}", dir.display());
    if !fetch.status().context("running cargo fetch")?.success() {
        let mut offline = cargo_in(dir);
        offline.args(["fetch", "--offline"]).stdout(Stdio::null());
        if !offline.status()?.success() {
            bail!("cargo fetch failed in {}", dir.display());
        }
    }

    let load_before = loadavg();
    let mut build = cargo_in(dir);
    build.args(["build", "--offline", "--quiet"]);
    eprintln!("==> build time: cargo build (clean, debug), load average {load_before}");
    let cpu_before = children_cpu_secs();
    let started = Instant::now();
    let status = build.status().context("running cargo build")?;
    let secs = started.elapsed().as_secs_f64();
    if !status.success() {
        bail!("the downstream build failed ({status})");
    }
    let cpu_secs = match (cpu_before, children_cpu_secs()) {
        (Some(before), Some(after)) => Some(after - before),
        _ => None,
    };
    Ok(Measured {
        secs,
        cpu_secs,
        load_before,
        load_after: loadavg(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_baseline_is_read_from_its_one_marked_line() {
        let doc = "# Perf\n\n<!-- build-time-baseline-secs: 84.5 -->\n| clean | 84.5 s |\n";
        assert_eq!(baseline(doc).ok(), Some(84.5));
        assert!(baseline("no marker here").is_err());
        assert!(baseline("<!-- build-time-baseline-secs: soon -->").is_err());
        assert!(baseline("<!-- build-time-baseline-secs: -3 -->").is_err());
        assert!(baseline(
            "<!-- build-time-baseline-secs: 80 -->\n<!-- build-time-baseline-secs: 90 -->"
        )
        .is_err());
        let both =
            "<!-- build-time-baseline-secs: 84.5 -->\n<!-- build-cpu-baseline-secs: 150.2 -->\n";
        assert_eq!(marked(both, CPU_MARKER).ok(), Some(150.2));
        assert_eq!(baseline(both).ok(), Some(84.5));
        assert!(marked(doc, CPU_MARKER).is_err());
    }
}
