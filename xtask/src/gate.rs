//! The CI gate, defined once: the ordered steps `cargo xtask ci` runs (and `.ci/run` through
//! it, after installing tools and services), of which `cargo xtask release` runs those marked
//! `release`. Each step prints a banner with the UTC time and the disk space left, then its
//! command and duration.
//!
//! A CI machine's disk is not ours to size (free space has been seen from 80 GB down to almost
//! nothing), so each step also names the build outputs no later step reads ([`Step::frees`]);
//! `cargo xtask ci --free-disk` (what `.ci/run` runs) removes them once the step has passed.
//! Locally the flag is off: a developer's target directory is their cache.

use std::path::Path;
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context, Result};

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
    /// Build outputs under the target directory that no later step reads, removed after the
    /// step passed when the gate runs with `--free-disk`.
    pub frees: &'static [Output],
}

/// Build outputs a step leaves behind, relative to the target directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    /// A whole directory.
    Dir(&'static str),
    /// The executables cargo linked into a `deps` directory (test, bench and binary targets:
    /// regular files with the executable bit and no extension), except those whose name
    /// starts with `keep` (the running xtask). Libraries, proc macros (`.so`) and metadata
    /// stay, so later builds reuse them.
    Executables {
        dir: &'static str,
        keep: &'static str,
    },
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
        frees: &[],
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
        frees: &[],
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
    Step {
        // Its test executables (3 GB) and trybuild's projects are read by no later step.
        frees: &[
            Output::Executables {
                dir: "debug/deps",
                keep: "xtask-",
            },
            Output::Dir("tests"),
        ],
        ..cargo_step(
            "test",
            "tests (the README's test command)",
            &["xtask", "test"],
            true,
        )
    },
    Step {
        // AFL++, the instrumented harness and the fuzzers' queues.
        frees: &[Output::Dir("afl")],
        ..cargo_step(
            "fuzz",
            "fuzz: every target 30 s under AFL++ (installs cargo-afl, builds AFL++ and the harness)",
            &["xtask", "fuzz", "--time", "30"],
            false,
        )
    },
    Step {
        name: "doc",
        banner: "cargo doc (warnings denied)",
        program: "cargo",
        args: &["doc", "--workspace", "--no-deps", "--locked"],
        env: &[("RUSTDOCFLAGS", "-D warnings")],
        release: true,
        frees: &[],
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
    Step {
        // The release step builds with its own RUSTFLAGS (path remapping) but still reuses
        // some of this build: freeing it lowers the gate's peak (reached in the release step)
        // by 0.6 GB and costs that step about 75 s (measured on 2 cores).
        frees: &[Output::Dir("release")],
        ..cargo_step(
            "bench",
            "benchmarks run (smoke: tiny N, prints the tables; no timing is asserted)",
            &["xtask", "bench", "--smoke"],
            false,
        )
    },
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

/// Free space on the file system holding `path`, in bytes, as `df` reports it (`None` where
/// `df` is missing or says something unexpected: the banner then leaves it out).
fn free_bytes(path: &Path) -> Option<u64> {
    let out = Command::new("df").arg("-Pk").arg(path).output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let kib: u64 = text
        .lines()
        .nth(1)?
        .split_whitespace()
        .nth(3)?
        .parse()
        .ok()?;
    kib.checked_mul(1024)
}

/// `12.3 GB` (decimal, one place).
fn gigabytes(bytes: u64) -> String {
    let tenths = bytes / 100_000_000;
    format!("{}.{} GB", tenths / 10, tenths % 10)
}

/// Removes `outputs` under `target`; returns how many bytes that gave back.
fn free(target: &Path, outputs: &[Output]) -> Result<u64> {
    let mut freed = 0;
    for output in outputs {
        match *output {
            Output::Dir(dir) => {
                let dir = target.join(dir);
                if dir.exists() {
                    freed += size_of_tree(&dir);
                    std::fs::remove_dir_all(&dir)
                        .with_context(|| format!("removing {}", dir.display()))?;
                }
            }
            Output::Executables { dir, keep } => {
                let Ok(entries) = std::fs::read_dir(target.join(dir)) else {
                    continue;
                };
                for entry in entries.flatten() {
                    let path = entry.path();
                    if is_linked_executable(&path, keep) {
                        freed += entry.metadata().map_or(0, |m| m.len());
                        std::fs::remove_file(&path)
                            .with_context(|| format!("removing {}", path.display()))?;
                    }
                }
            }
        }
    }
    Ok(freed)
}

impl Output {
    /// `debug/deps/* (executables)`, `afl/`: for `cargo xtask ci --list`.
    pub fn describe(&self) -> String {
        match self {
            Output::Dir(dir) => format!("{dir}/"),
            Output::Executables { dir, keep } => {
                format!("{dir}/* (linked executables but {keep}*)")
            }
        }
    }
}

/// A file cargo linked as an executable target: executable bit, no extension, not `keep*`.
fn is_linked_executable(path: &Path, keep: &str) -> bool {
    use std::os::unix::fs::PermissionsExt;
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return false;
    };
    meta.is_file()
        && meta.permissions().mode() & 0o111 != 0
        && path.extension().is_none()
        && !name.starts_with(keep)
}

/// Bytes of the regular files under `dir` (symlinks not followed).
fn size_of_tree(dir: &Path) -> u64 {
    let mut total = 0u64;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            match entry.file_type() {
                Ok(t) if t.is_dir() => stack.push(entry.path()),
                Ok(t) if t.is_file() => {
                    total = total.saturating_add(entry.metadata().map_or(0, |m| m.len()));
                }
                _ => {}
            }
        }
    }
    total
}

/// Runs `steps` in order, each under a `=== banner (HH:MM:SS, N GB free)` line; stops at the
/// first failure. With `free_disk`, each step's [`Step::frees`] are removed once it passed.
pub fn run_steps<'a>(steps: impl IntoIterator<Item = &'a Step>, free_disk: bool) -> Result<()> {
    let target = crate::util::target_dir();
    for s in steps {
        let space =
            free_bytes(&root()).map_or(String::new(), |b| format!(", {} free", gigabytes(b)));
        eprintln!("\n=== {} ({}{space})", s.banner, utc_time());
        step(s.name, s.command())?;
        if free_disk && !s.frees.is_empty() {
            let freed = free(&target, s.frees)?;
            eprintln!(
                "<== {}: freed {} no later step reads",
                s.name,
                gigabytes(freed)
            );
        }
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
    fn freeing_removes_linked_executables_and_named_dirs_and_keeps_libraries() -> Result<()> {
        use std::os::unix::fs::PermissionsExt;
        let target = std::env::temp_dir().join(format!("xtask-gate-free-{}", std::process::id()));
        let deps = target.join("debug/deps");
        std::fs::create_dir_all(&deps)?;
        std::fs::create_dir_all(target.join("tests/trybuild/x"))?;
        std::fs::write(target.join("tests/trybuild/x/big"), [0u8; 1000])?;
        let file = |name: &str, mode: u32| -> Result<()> {
            let path = deps.join(name);
            std::fs::write(&path, [0u8; 100])?;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode))?;
            Ok(())
        };
        file("conformance-0123abcd", 0o755)?;
        file("xtask-4567ef", 0o755)?;
        file("libserde_derive-89ab.so", 0o755)?;
        file("libintercom_transport-cd01.rlib", 0o644)?;
        file("conformance-0123abcd.d", 0o644)?;
        file("notes-without-exec-bit", 0o644)?;
        let freed = free(
            &target,
            &[
                Output::Executables {
                    dir: "debug/deps",
                    keep: "xtask-",
                },
                Output::Dir("tests"),
                Output::Dir("afl"),
            ],
        )?;
        let mut left: Vec<String> = std::fs::read_dir(&deps)?
            .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
            .collect::<std::io::Result<_>>()?;
        left.sort();
        let tests_left = target.join("tests").exists();
        std::fs::remove_dir_all(&target)?;
        assert_eq!(
            left,
            [
                "conformance-0123abcd.d",
                "libintercom_transport-cd01.rlib",
                "libserde_derive-89ab.so",
                "notes-without-exec-bit",
                "xtask-4567ef"
            ]
        );
        assert!(!tests_left);
        assert_eq!(freed, 1100);
        Ok(())
    }

    #[test]
    fn only_steps_before_the_last_free_what_they_built_and_sizes_read_in_gigabytes() {
        let release = STEPS.iter().find(|s| s.name == "release");
        assert!(release.is_some_and(|s| s.frees.is_empty()));
        for s in STEPS {
            for output in s.frees {
                let dir = match output {
                    Output::Dir(d) | Output::Executables { dir: d, .. } => d,
                };
                assert!(!dir.is_empty() && !dir.starts_with('/') && !dir.contains(".."));
            }
        }
        assert_eq!(gigabytes(0), "0.0 GB");
        assert_eq!(gigabytes(12_345_678_901), "12.3 GB");
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
