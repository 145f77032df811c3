//! `cargo xtask fuzz [--target T] [--time S] [--timeout MS] [--no-build]`: coverage-guided
//! fuzzing with AFL++ through cargo-afl, on the stable toolchain.
//!
//! 1. installs cargo-afl (pinned; its install builds AFL++) when it is missing or another
//!    version, and makes sure AFL++ is built for the active toolchain;
//! 2. builds the `fuzz/` package (one binary per target of `crates/fuzz-targets`) with AFL's
//!    instrumentation, in release mode with overflow checks and debug assertions on, into
//!    `$CARGO_TARGET_DIR/afl` (or `target/afl`), with the workspace's `Cargo.lock`
//!    (`--no-build` skips steps 1 and 2 and fuzzes the binaries of the last build);
//! 3. runs each target (or only `T`) for `S` seconds (default 30) with `afl-fuzz`, headless,
//!    from its committed corpus `fuzz/corpus/<target>/`, writing to
//!    `<target dir>/afl-out/<target>/`;
//! 4. prints execs, exec/s, corpus size, edges and bitmap coverage, stability, crashes and
//!    hangs per target from AFL's `fuzzer_stats`, and fails if any target crashed, printing
//!    each crashing input and what the target said about it.
//!
//! See docs/fuzzing.md.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{bail, Context, Result};

use crate::util::{cargo, root, step};

/// The targets, in the order they run (the functions of `crates/fuzz-targets`).
const TARGETS: &[&str] = &[
    "pipeline",
    "models",
    "error_decoder",
    "webhook",
    "oauth_callback",
    "base_url",
    "path_segment",
    "search",
];

/// The cargo-afl release the `afl` dependency of `fuzz/Cargo.toml` is pinned to.
const CARGO_AFL_VERSION: &str = "0.18.2";

/// Per-execution timeout handed to afl-fuzz: an input slower than this is a hang.
const DEFAULT_TIMEOUT_MS: u64 = 2000;

struct Options {
    targets: Vec<&'static str>,
    seconds: u64,
    timeout_ms: u64,
    build: bool,
}

fn parse(args: &[String]) -> Result<Options> {
    let mut targets: Vec<&'static str> = TARGETS.to_vec();
    let mut seconds = 30;
    let mut timeout_ms = DEFAULT_TIMEOUT_MS;
    let mut build = true;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .cloned()
                .with_context(|| format!("{name} needs a value"))
        };
        match arg.as_str() {
            "--target" => {
                let name = value("--target")?;
                let Some(known) = TARGETS.iter().find(|t| **t == name) else {
                    bail!(
                        "unknown target `{name}`; the targets are {}",
                        TARGETS.join(", ")
                    );
                };
                targets = vec![known];
            }
            "--time" => {
                seconds = value("--time")?
                    .parse()
                    .context("--time takes a number of seconds")?;
                if seconds == 0 {
                    bail!("--time must be at least 1 second");
                }
            }
            "--timeout" => {
                timeout_ms = value("--timeout")?
                    .parse()
                    .context("--timeout takes a number of milliseconds")?;
            }
            "--no-build" => build = false,
            other => bail!(
                "unknown option `{other}` (expected --target T, --time SECONDS, --timeout MS, \
                 --no-build)"
            ),
        }
    }
    Ok(Options {
        targets,
        seconds,
        timeout_ms,
        build,
    })
}

pub fn run(args: &[String]) -> Result<()> {
    let options = parse(args)?;
    let started = Instant::now();
    let root = root();
    let fuzz = root.join("fuzz");
    let target_dir = crate::util::target_dir().join("afl");

    if options.build {
        ensure_cargo_afl()?;
        ensure_aflplusplus()?;

        // The harness resolves the same versions as the workspace it fuzzes.
        std::fs::copy(root.join("Cargo.lock"), fuzz.join("Cargo.lock"))
            .context("copying Cargo.lock into fuzz/")?;
        let mut build = cargo();
        build
            .current_dir(&fuzz)
            .args(["afl", "build", "--release"])
            .env("CARGO_TARGET_DIR", &target_dir);
        for target in &options.targets {
            build.args(["--bin", target]);
        }
        step("build the AFL++ binaries", build)?;
    }
    for target in &options.targets {
        let binary = target_dir.join("release").join(target);
        if !binary.is_file() {
            bail!(
                "{} is missing; build it (run without --no-build)",
                binary.display()
            );
        }
    }

    let mut reports = Vec::new();
    for target in &options.targets {
        reports.push(fuzz_one(target, &fuzz, &target_dir, &options)?);
    }

    print_table(&reports, options.seconds);
    let crashed: Vec<&Report> = reports.iter().filter(|r| !r.crashes.is_empty()).collect();
    for report in &crashed {
        eprintln!(
            "\n{}: {} crashing input(s)",
            report.target,
            report.crashes.len()
        );
        for crash in &report.crashes {
            eprintln!("  {}", crash.display());
            eprintln!("{}", indent(&replay(&report.binary, crash), "    | "));
        }
    }
    eprintln!(
        "fuzz: {} target(s) in {:.0} s",
        reports.len(),
        started.elapsed().as_secs_f64()
    );
    if !crashed.is_empty() {
        bail!(
            "crashes found in {}; minimise each (`cargo afl tmin -i CRASH -o MIN -- BINARY`), add \
             it under fuzz/regressions/<target>/ and fix it (docs/fuzzing.md)",
            crashed
                .iter()
                .map(|r| r.target)
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    Ok(())
}

/// Installs the pinned cargo-afl unless it is there. Its install also builds AFL++.
fn ensure_cargo_afl() -> Result<()> {
    let installed = cargo()
        .args(["afl", "--version"])
        .stderr(Stdio::null())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned());
    if installed
        .as_deref()
        .is_some_and(|v| v.contains(&format!("cargo-afl {CARGO_AFL_VERSION}")))
    {
        return Ok(());
    }
    let mut install = cargo();
    install.args([
        "install",
        "cargo-afl",
        "--locked",
        "--version",
        CARGO_AFL_VERSION,
    ]);
    step("install cargo-afl", install)
}

/// Builds AFL++ (afl-fuzz and the LLVM runtime) for the active toolchain unless it is built.
fn ensure_aflplusplus() -> Result<()> {
    let out = cargo()
        .args(["afl", "config", "--build"])
        .output()
        .context("running `cargo afl config --build`")?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.success() || stderr.contains("already built") {
        return Ok(());
    }
    bail!(
        "`cargo afl config --build` failed ({}):\n{stderr}",
        out.status
    )
}

struct Report {
    target: &'static str,
    binary: PathBuf,
    stats: BTreeMap<String, String>,
    crashes: Vec<PathBuf>,
}

impl Report {
    fn stat(&self, key: &str) -> &str {
        self.stats.get(key).map_or("?", String::as_str)
    }
}

fn fuzz_one(
    target: &'static str,
    fuzz: &Path,
    target_dir: &Path,
    options: &Options,
) -> Result<Report> {
    let binary = target_dir.join("release").join(target);
    let corpus = fuzz.join("corpus").join(target);
    let out = target_dir.join("afl-out").join(target);
    if out.exists() {
        std::fs::remove_dir_all(&out).with_context(|| format!("clearing {}", out.display()))?;
    }
    std::fs::create_dir_all(&out)?;
    let log = out.join("afl-fuzz.log");
    let log_file = std::fs::File::create(&log)?;
    let mut afl = cargo();
    afl.args(["afl", "fuzz", "-i"])
        .arg(&corpus)
        .arg("-o")
        .arg(&out)
        .args(["-V", &options.seconds.to_string()])
        .args(["-t", &options.timeout_ms.to_string()])
        .arg("--")
        .arg(&binary)
        // Headless on a CI box, as root, whatever the kernel's core pattern and CPU governor.
        .env("AFL_NO_UI", "1")
        .env("AFL_SKIP_CPUFREQ", "1")
        .env("AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES", "1")
        .env("AFL_NO_AFFINITY", "1")
        .env("AFL_NO_CRASH_README", "1")
        .env("AFL_FAST_CAL", "1")
        // A seed that crashes is a crash to report, not one to skip silently.
        .env("AFL_CRASHING_SEEDS_AS_NEW_CRASH", "1")
        .stdin(Stdio::null())
        .stdout(log_file.try_clone()?)
        .stderr(log_file);
    eprintln!(
        "==> fuzz {target} for {} s (log: {})",
        options.seconds,
        log.display()
    );
    let status = afl
        .status()
        .with_context(|| format!("running afl-fuzz on {target}"))?;
    let stats_path = out.join("default/fuzzer_stats");
    if !status.success() || !stats_path.exists() {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        let tail: Vec<&str> = text.lines().rev().take(30).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        bail!(
            "afl-fuzz on {target} failed ({status}); the end of {}:\n{}",
            log.display(),
            tail.join("\n")
        );
    }
    let stats = parse_stats(&std::fs::read_to_string(&stats_path)?);
    let mut crashes = Vec::new();
    if let Ok(entries) = std::fs::read_dir(out.join("default/crashes")) {
        for entry in entries.flatten() {
            let path = entry.path();
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
            if name.is_some_and(|n| n.starts_with("id:") && !n.ends_with(".log")) {
                crashes.push(path);
            }
        }
    }
    crashes.sort();
    let report = Report {
        target,
        binary,
        stats,
        crashes,
    };
    eprintln!(
        "<== {target}: {} execs, {} crashes, {} hangs",
        report.stat("execs_done"),
        report.stat("saved_crashes"),
        report.stat("saved_hangs")
    );
    Ok(report)
}

fn parse_stats(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|line| line.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect()
}

fn print_table(reports: &[Report], seconds: u64) {
    println!(
        "\n| target | time (s) | execs | exec/s | corpus | edges | bitmap_cvg | stability | crashes | hangs |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for r in reports {
        let run_time = r
            .stats
            .get("run_time")
            .cloned()
            .unwrap_or_else(|| seconds.to_string());
        println!(
            "| {} | {} | {} | {} | {} | {} / {} | {} | {} | {} | {} |",
            r.target,
            run_time,
            r.stat("execs_done"),
            r.stat("execs_per_sec"),
            r.stat("corpus_count"),
            r.stat("edges_found"),
            r.stat("total_edges"),
            r.stat("bitmap_cvg"),
            r.stat("stability"),
            r.stat("saved_crashes"),
            r.stat("saved_hangs"),
        );
    }
}

/// Runs the binary outside AFL on one input (afl.rs then reads it from stdin once) and returns
/// what it printed: the panic message of the crash.
fn replay(binary: &Path, input: &Path) -> String {
    let Ok(file) = std::fs::File::open(input) else {
        return "(cannot open the input)".into();
    };
    match Command::new(binary)
        .stdin(file)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env("RUST_BACKTRACE", "1")
        .output()
    {
        Ok(out) => {
            let text = String::from_utf8_lossy(&out.stderr);
            text.lines().take(40).collect::<Vec<_>>().join("\n")
        }
        Err(e) => format!("(cannot run {}: {e})", binary.display()),
    }
}

fn indent(text: &str, prefix: &str) -> String {
    text.lines()
        .map(|l| format!("{prefix}{l}"))
        .collect::<Vec<_>>()
        .join("\n")
}
