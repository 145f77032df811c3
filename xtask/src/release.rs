//! `cargo xtask release`: the release gate and reproducible artifacts in `target/dist/`.
//!
//! ```text
//! cargo xtask release [--dry-run] [--skip-gate] [--check-reproducible] [--no-verify]
//! ```
//!
//! Steps, each printed on stderr with its duration (a failed command names itself for re-run):
//!
//! 1. **Gate** (skipped with `--skip-gate`): the steps of the CI gate (`crate::gate::STEPS`)
//!    marked `release`, the same commands with the same flags as `cargo xtask ci`: everything
//!    but fuzzing, the benchmark smoke run and the reproducibility check
//!    (`cargo xtask ci --list` shows which).
//! 2. **Versions and CHANGELOG**: every publishable crate has the workspace version, every
//!    path dependency between them requires exactly that version, and CHANGELOG.md has a
//!    `## [x.y.z]` section for it. In a dry run (and with `--check-reproducible`) an
//!    unreleased version may instead be described by `## [Unreleased]`. A real run also needs
//!    a clean work tree, so the artifacts match the commit they are stamped with.
//! 3. **Package**: `cargo package --workspace --locked` (publishable crates only, cargo
//!    packages them in dependency order and verifies each against the others' `.crate` files
//!    through a temporary local registry, so unpublished path dependencies are not a
//!    problem). Nothing is uploaded.
//! 4. **Build**: `cargo build --release --locked -p intercom-cli --bin intercom` (or every
//!    binary of the publishable crates when there is no CLI), reproducibly:
//!    `SOURCE_DATE_EPOCH` = HEAD's commit time, `RUSTFLAGS=--remap-path-prefix=<root>=.
//!    --remap-path-prefix=<target dir>=/target --remap-path-prefix=<CARGO_HOME>=/cargo`,
//!    `CARGO_INCREMENTAL=0`, `CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1`.
//! 5. **Dist** (`<target dir>/dist/`): `intercom-<version>-<host>.tar.gz` (entries sorted,
//!    owner and group 0 without names, mtime `SOURCE_DATE_EPOCH`, fixed modes, gzip header
//!    mtime 0), the `.crate` files, `CHANGELOG-<version>.md` (that version's section) and
//!    `SHA256SUMS`.
//!
//! `--check-reproducible` implies `--dry-run --skip-gate`: it builds the artifacts twice, the
//! second time in a fresh `target/repro-b`, and fails unless both `SHA256SUMS` are identical.
//!
//! Why one file of some 550 lines besides its tests: the steps above run in order over one
//! `Workspace` (versions, publishable crates in dependency order, binaries) and the same
//! reproducibility settings, and the gate itself is no longer here (`gate.rs`); what is left
//! is the one release procedure, read top to bottom.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use sha2::{Digest, Sha256};

use crate::util::{cargo, root, step};

const USAGE: &str = "\
cargo xtask release [--dry-run] [--skip-gate] [--check-reproducible] [--no-verify]

  --dry-run             allow `## [Unreleased]` for an unreleased version and a dirty work tree
  --skip-gate           skip fmt, clippy, tests, deny, doc, codegen check and audit
  --check-reproducible  build the artifacts twice (second time in a fresh target/repro-b) and
                        compare SHA256SUMS; implies --dry-run --skip-gate
  --no-verify           pass --no-verify to cargo package (skip building the packaged crates)
  --bin PACKAGE:BIN     ship this binary instead of intercom-cli's `intercom` (repeatable)
";

/// The CLI package and binary shipped as a tarball.
const CLI_PACKAGE: &str = "intercom-cli";
const CLI_BIN: &str = "intercom";

#[derive(Debug, Clone, Default)]
struct Flags {
    dry_run: bool,
    skip_gate: bool,
    check_reproducible: bool,
    no_verify: bool,
    /// `--bin PACKAGE:BIN` overrides: ship these binaries instead of the CLI.
    bins: Vec<(String, String)>,
}

pub fn run(args: &[String]) -> Result<()> {
    let mut flags = Flags::default();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--bin" => {
                let spec = it.next().context("--bin needs PACKAGE:BIN")?;
                let (p, b) = spec
                    .split_once(':')
                    .context("--bin needs PACKAGE:BIN, e.g. intercom-cli:intercom")?;
                flags.bins.push((p.to_owned(), b.to_owned()));
            }
            "--dry-run" => flags.dry_run = true,
            "--skip-gate" => flags.skip_gate = true,
            "--check-reproducible" => flags.check_reproducible = true,
            "--no-verify" => flags.no_verify = true,
            "--help" | "-h" => {
                print!("{USAGE}");
                return Ok(());
            }
            other => bail!("unknown option `{other}`\n\n{USAGE}"),
        }
    }
    if flags.check_reproducible {
        flags.dry_run = true;
        flags.skip_gate = true;
    }
    let started = Instant::now();
    if !flags.skip_gate {
        gate()?;
    }
    let ws = timed("versions and CHANGELOG", || {
        Workspace::load(flags.dry_run, &flags.bins)
    })?;
    let target = root().join("target");
    let sums_a = artifacts(&ws, &target, !flags.no_verify)?;
    if flags.check_reproducible {
        let b = target.join("repro-b");
        if b.exists() {
            std::fs::remove_dir_all(&b)
                .with_context(|| format!("removing the old {}", b.display()))?;
        }
        // The packaged crates were verified in the first build; the second only has to
        // produce the same bytes.
        let sums_b = artifacts(&ws, &b, false)?;
        timed("compare SHA256SUMS", || {
            compare(&sums_a, &sums_b, &target, &b)
        })?;
    }
    eprintln!(
        "release {}{}: done in {:.1}s; artifacts in {}",
        ws.version,
        if flags.dry_run { " (dry run)" } else { "" },
        started.elapsed().as_secs_f64(),
        target.join("dist").display()
    );
    Ok(())
}

/// Runs `f` as a step: name and duration on stderr, failure tagged with the step name.
fn timed<T>(name: &str, f: impl FnOnce() -> Result<T>) -> Result<T> {
    eprintln!("==> {name}");
    let start = Instant::now();
    let out = f().with_context(|| {
        format!(
            "step `{name}` failed after {:.1}s",
            start.elapsed().as_secs_f64()
        )
    })?;
    eprintln!("<== {name}: ok in {:.1}s", start.elapsed().as_secs_f64());
    Ok(out)
}

/// The checks of the CI gate marked `release` in [`crate::gate::STEPS`].
fn gate() -> Result<()> {
    crate::gate::run_steps(crate::gate::release_steps(), false)
}

/// What the release needs to know about the workspace.
#[derive(Debug)]
struct Workspace {
    version: String,
    /// Publishable packages in dependency order.
    publishable: Vec<String>,
    /// `(package, binary)` to ship.
    binaries: Vec<(String, String)>,
    changelog_section: String,
    epoch: u64,
}

impl Workspace {
    fn load(dry_run: bool, bins: &[(String, String)]) -> Result<Self> {
        let root = root();
        let version = workspace_version(&std::fs::read_to_string(root.join("Cargo.toml"))?)?;
        let meta = metadata()?;
        let packages = meta["packages"]
            .as_array()
            .context("cargo metadata: no packages")?;

        let mut publishable = BTreeMap::new();
        let mut all_bins = Vec::new();
        for p in packages {
            let name = p["name"].as_str().unwrap_or_default().to_owned();
            // `publish = false` is `[]`; absent is `null`.
            let publish = !p["publish"].as_array().is_some_and(|a| a.is_empty());
            if !publish {
                continue;
            }
            let pv = p["version"].as_str().unwrap_or_default();
            if pv != version {
                bail!(
                    "{name} has version {pv} but the workspace version is {version}: a release \
                     is one version for every publishable crate (see docs/versioning.md)"
                );
            }
            let mut local = BTreeSet::new();
            for d in p["dependencies"].as_array().into_iter().flatten() {
                if d["path"].is_null() || d["kind"].as_str() == Some("dev") {
                    continue;
                }
                let dep = d["name"].as_str().unwrap_or_default().to_owned();
                let req = d["req"].as_str().unwrap_or_default();
                let bare = req.trim_start_matches(['^', '=', ' ']);
                if bare != version {
                    bail!(
                        "{name} depends on {dep} with version requirement `{req}`; it must be \
                         `{version}` (the workspace.dependencies entry)"
                    );
                }
                local.insert(dep);
            }
            for t in p["targets"].as_array().into_iter().flatten() {
                let is_bin = t["kind"]
                    .as_array()
                    .is_some_and(|k| k.iter().any(|k| k == "bin"));
                if is_bin {
                    all_bins.push((
                        name.clone(),
                        t["name"].as_str().unwrap_or_default().to_owned(),
                    ));
                }
            }
            publishable.insert(name, local);
        }
        let order = topo(&publishable)?;

        let binaries = if !bins.is_empty() {
            for b in bins {
                if !all_bins.contains(b) {
                    bail!("no binary `{}` in publishable package `{}`", b.1, b.0);
                }
            }
            bins.to_vec()
        } else if all_bins
            .iter()
            .any(|(p, b)| p == CLI_PACKAGE && b == CLI_BIN)
        {
            vec![(CLI_PACKAGE.to_owned(), CLI_BIN.to_owned())]
        } else {
            eprintln!(
                "--- no `{CLI_BIN}` binary in package `{CLI_PACKAGE}`; shipping every binary of the \
                 publishable crates instead: {all_bins:?}"
            );
            all_bins
        };

        let changelog =
            std::fs::read_to_string(root.join("CHANGELOG.md")).context("reading CHANGELOG.md")?;
        let changelog_section = match changelog_section(&changelog, &version) {
            Some(s) => s,
            None if dry_run => changelog_section(&changelog, "Unreleased").with_context(|| {
                format!("CHANGELOG.md has neither `## [{version}]` nor `## [Unreleased]`")
            })?,
            None => bail!(
                "CHANGELOG.md has no `## [{version}]` section; rename `## [Unreleased]` to \
                 `## [{version}] - <date>` before releasing (a dry run accepts `## [Unreleased]`)"
            ),
        };
        if !dry_run {
            let out = Command::new("git")
                .current_dir(&root)
                .args(["status", "--porcelain"])
                .output()?;
            if !out.stdout.is_empty() {
                bail!("the work tree has uncommitted changes; commit them (or use --dry-run)");
            }
        }
        let epoch = source_date_epoch()?;
        eprintln!(
            "    version {version}; publishable crates in dependency order: {}; SOURCE_DATE_EPOCH={epoch}",
            order.join(", ")
        );
        Ok(Workspace {
            version,
            publishable: order,
            binaries,
            changelog_section,
            epoch,
        })
    }
}

fn metadata() -> Result<serde_json::Value> {
    let out = cargo()
        .args(["metadata", "--no-deps", "--format-version", "1", "--locked"])
        .output()
        .context("running cargo metadata")?;
    if !out.status.success() {
        bail!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(serde_json::from_slice(&out.stdout)?)
}

/// `version = "…"` under `[workspace.package]`.
fn workspace_version(manifest: &str) -> Result<String> {
    let mut in_section = false;
    for line in manifest.lines() {
        let t = line.trim();
        if t.starts_with('[') {
            in_section = t == "[workspace.package]";
            continue;
        }
        if in_section {
            if let Some(v) = t.strip_prefix("version") {
                let v = v.trim_start().trim_start_matches('=').trim();
                return Ok(v.trim_matches('"').to_owned());
            }
        }
    }
    bail!("no version in [workspace.package] of Cargo.toml")
}

/// Dependency order (dependencies first), ties broken by name.
fn topo(deps: &BTreeMap<String, BTreeSet<String>>) -> Result<Vec<String>> {
    let mut done: Vec<String> = Vec::new();
    while done.len() < deps.len() {
        let next = deps.iter().find(|(name, ds)| {
            !done.contains(name) && ds.iter().all(|d| done.contains(d) || !deps.contains_key(d))
        });
        match next {
            Some((name, _)) => done.push(name.clone()),
            None => bail!("dependency cycle among the publishable crates"),
        }
    }
    Ok(done)
}

/// The `## [name]` section of a Keep-a-Changelog file, heading included, without the link
/// reference definitions that may follow the last section.
fn changelog_section(text: &str, name: &str) -> Option<String> {
    let heading = format!("## [{name}]");
    let mut lines = text.lines();
    let first = lines.find(|l| l.trim_start().starts_with(&heading))?;
    let mut out = vec![first.trim_end()];
    for l in lines {
        if l.starts_with("## ") || (l.starts_with('[') && l.contains("]: ")) {
            break;
        }
        out.push(l.trim_end());
    }
    while out.last().is_some_and(|l| l.is_empty()) {
        out.pop();
    }
    Some(out.join("\n") + "\n")
}

fn source_date_epoch() -> Result<u64> {
    if let Ok(v) = std::env::var("SOURCE_DATE_EPOCH") {
        return v
            .trim()
            .parse()
            .context("SOURCE_DATE_EPOCH is not a number");
    }
    let out = Command::new("git")
        .current_dir(root())
        .args(["log", "-1", "--format=%ct", "HEAD"])
        .output()
        .context("running git log")?;
    if !out.status.success() {
        bail!("git log failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .context("git log printed no commit time")
}

fn host_triple() -> Result<String> {
    let out = Command::new(std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into()))
        .arg("-vV")
        .output()
        .context("running rustc -vV")?;
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: ").map(str::to_owned))
        .context("rustc -vV printed no host")
}

fn cargo_home() -> PathBuf {
    std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .unwrap_or_else(|| PathBuf::from("/nonexistent-cargo-home"))
}

/// `cargo package` verifies each crate against a temporary local registry, and cargo unpacks
/// those crates under `$CARGO_HOME/registry/src/<hash>/` — and never unpacks them again while
/// that directory exists. A second release run on changed code would then verify against the
/// first run's sources. Remove our own crates' unpacked copies (never crates.io's) first.
fn forget_stale_extractions(ws: &Workspace) -> Result<()> {
    let src = cargo_home().join("registry").join("src");
    let Ok(registries) = std::fs::read_dir(&src) else {
        return Ok(());
    };
    for registry in registries.flatten() {
        if registry
            .file_name()
            .to_string_lossy()
            .starts_with("index.crates.io")
        {
            continue;
        }
        for name in &ws.publishable {
            let unpacked = registry.path().join(format!("{name}-{}", ws.version));
            if unpacked.exists() {
                std::fs::remove_dir_all(&unpacked).with_context(|| {
                    format!(
                        "could not remove the stale unpacked crate {}",
                        unpacked.display()
                    )
                })?;
            }
        }
    }
    Ok(())
}

/// Package, build and write `<target>/dist`; returns the SHA256SUMS text.
fn artifacts(ws: &Workspace, target: &Path, verify: bool) -> Result<String> {
    let root = root();
    let label = target
        .strip_prefix(&root)
        .unwrap_or(target)
        .display()
        .to_string();
    let epoch = ws.epoch.to_string();

    if verify {
        forget_stale_extractions(ws)?;
    }
    let mut package = cargo();
    package
        .args(["package", "--locked", "--allow-dirty"])
        .env("CARGO_TARGET_DIR", target)
        .env("SOURCE_DATE_EPOCH", &epoch);
    if !verify {
        package.arg("--no-verify");
    }
    for p in ws.publishable.iter() {
        package.args(["--package", p]);
    }
    step(&format!("cargo package ({label})"), package)?;

    let rustflags = format!(
        "--remap-path-prefix={}=. --remap-path-prefix={}=/target --remap-path-prefix={}=/cargo",
        root.display(),
        target.display(),
        cargo_home().display()
    );
    let mut build = cargo();
    build
        .args(["build", "--release", "--locked"])
        .env("CARGO_TARGET_DIR", target)
        .env("SOURCE_DATE_EPOCH", &epoch)
        .env("RUSTFLAGS", &rustflags)
        .env("CARGO_INCREMENTAL", "0")
        .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "1")
        .env_remove("RUSTC_WRAPPER")
        .env_remove("CARGO_BUILD_RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS");
    for (p, b) in &ws.binaries {
        build.args(["--package", p, "--bin", b]);
    }
    step(&format!("release build ({label})"), build)?;

    timed(&format!("dist ({label})"), || write_dist(ws, target))
}

fn write_dist(ws: &Workspace, target: &Path) -> Result<String> {
    let dist = target.join("dist");
    if dist.exists() {
        std::fs::remove_dir_all(&dist)?;
    }
    std::fs::create_dir_all(&dist)?;
    let triple = host_triple()?;

    // The binary tarball.
    let first = ws.binaries.first().map_or(CLI_BIN, |b| b.1.as_str());
    let stem = format!("{first}-{}-{triple}", ws.version);
    let mut files: Vec<(String, PathBuf, u32)> = Vec::new();
    for (_, bin) in &ws.binaries {
        files.push((
            format!("{stem}/{bin}"),
            target.join("release").join(bin),
            0o755,
        ));
    }
    for doc in [
        "README.md",
        "LICENSE-MIT",
        "LICENSE-APACHE",
        "LICENSE",
        "SECURITY.md",
    ] {
        let p = root().join(doc);
        if p.is_file() {
            files.push((format!("{stem}/{doc}"), p, 0o644));
        }
    }
    files.push((format!("{stem}/CHANGELOG.md"), PathBuf::new(), 0o644));
    let tarball = dist.join(format!("{stem}.tar.gz"));
    write_tarball(&tarball, &stem, &files, ws)?;

    // The crates.
    for name in &ws.publishable {
        let file = format!("{name}-{}.crate", ws.version);
        let src = target.join("package").join(&file);
        std::fs::copy(&src, dist.join(&file))
            .with_context(|| format!("copying {}", src.display()))?;
    }

    std::fs::write(
        dist.join(format!("CHANGELOG-{}.md", ws.version)),
        &ws.changelog_section,
    )?;

    // SHA256SUMS over everything else, sorted by name.
    let mut names: Vec<String> = std::fs::read_dir(&dist)?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != "SHA256SUMS")
        .collect();
    names.sort();
    let mut sums = String::new();
    for n in &names {
        let bytes = std::fs::read(dist.join(n))?;
        let digest = Sha256::digest(&bytes);
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        let _ = writeln!(sums, "{hex}  {n}");
    }
    std::fs::write(dist.join("SHA256SUMS"), &sums)?;
    eprint!("{sums}");
    Ok(sums)
}

/// A gzip'd tar whose bytes depend only on the file contents, names and modes: entries sorted,
/// uid/gid 0 without user or group names, mtime `SOURCE_DATE_EPOCH`, gzip mtime 0 and no
/// file name in the gzip header.
fn write_tarball(
    path: &Path,
    stem: &str,
    files: &[(String, PathBuf, u32)],
    ws: &Workspace,
) -> Result<()> {
    let mut entries: Vec<(String, Vec<u8>, u32)> = Vec::new();
    for (name, src, mode) in files {
        let bytes = if src.as_os_str().is_empty() {
            ws.changelog_section.clone().into_bytes()
        } else {
            std::fs::read(src).with_context(|| format!("reading {}", src.display()))?
        };
        entries.push((name.clone(), bytes, *mode));
    }
    entries.sort_by(|a, b| a.0.cmp(&b.0));

    let file = std::fs::File::create(path)?;
    let gz = flate2::GzBuilder::new()
        .mtime(0)
        .operating_system(255)
        .write(file, flate2::Compression::new(9));
    let mut tar = tar::Builder::new(gz);
    tar.mode(tar::HeaderMode::Deterministic);

    let header = |size: u64, mode: u32, kind: tar::EntryType| -> Result<tar::Header> {
        let mut h = tar::Header::new_ustar();
        h.set_entry_type(kind);
        h.set_size(size);
        h.set_mode(mode);
        h.set_uid(0);
        h.set_gid(0);
        h.set_username("")?;
        h.set_groupname("")?;
        h.set_mtime(ws.epoch);
        Ok(h)
    };
    let mut dir = header(0, 0o755, tar::EntryType::Directory)?;
    tar.append_data(&mut dir, format!("{stem}/"), std::io::empty())?;
    for (name, bytes, mode) in &entries {
        let mut h = header(bytes.len() as u64, *mode, tar::EntryType::Regular)?;
        tar.append_data(&mut h, name, bytes.as_slice())?;
    }
    let gz = tar.into_inner()?;
    let mut file = gz.finish()?;
    file.flush()?;
    Ok(())
}

fn compare(a: &str, b: &str, ta: &Path, tb: &Path) -> Result<()> {
    if a == b {
        eprintln!("    reproducible: both builds gave identical SHA256SUMS");
        return Ok(());
    }
    let mut msg = format!(
        "the two builds differ:\n--- {}/dist/SHA256SUMS\n{a}--- {}/dist/SHA256SUMS\n{b}",
        ta.display(),
        tb.display()
    );
    let _ = write!(
        msg,
        "compare the differing files, e.g. `diffoscope {0}/dist/<file> {1}/dist/<file>`",
        ta.display(),
        tb.display()
    );
    bail!(msg)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHANGELOG: &str = "# Changelog\n\nintro\n\n## [Unreleased]\n\n### Added\n- new thing\n\n\
                             ## [0.1.0] - 2025-01-01\n\n### Added\n- first\n\n\
                             [Unreleased]: https://example.com/compare\n[0.1.0]: https://example.com/0.1.0\n";

    #[test]
    fn changelog_sections_are_cut_at_the_next_heading_and_link_refs() {
        assert_eq!(
            changelog_section(CHANGELOG, "Unreleased").as_deref(),
            Some("## [Unreleased]\n\n### Added\n- new thing\n")
        );
        assert_eq!(
            changelog_section(CHANGELOG, "0.1.0").as_deref(),
            Some("## [0.1.0] - 2025-01-01\n\n### Added\n- first\n")
        );
        assert_eq!(changelog_section(CHANGELOG, "0.2.0"), None);
        // `## [0.1.0]` must not match `## [0.1.00]`-like prefixes of other versions.
        assert_eq!(changelog_section("## [0.1.0]\n", "0.1"), None);
    }

    #[test]
    fn workspace_version_is_read_from_workspace_package() {
        let m = "[package]\nversion = \"9.9.9\"\n[workspace.package]\nedition = \"2021\"\nversion = \"0.3.1\"\n";
        assert_eq!(workspace_version(m).ok().as_deref(), Some("0.3.1"));
        assert!(workspace_version("[workspace]\n").is_err());
    }

    #[test]
    fn topological_order_puts_dependencies_first() {
        let mut deps = BTreeMap::new();
        deps.insert(
            "sdk".to_owned(),
            BTreeSet::from(["resources".to_owned(), "auth".to_owned()]),
        );
        deps.insert(
            "resources".to_owned(),
            BTreeSet::from(["transport".to_owned()]),
        );
        deps.insert("transport".to_owned(), BTreeSet::from(["auth".to_owned()]));
        deps.insert("auth".to_owned(), BTreeSet::new());
        assert_eq!(
            topo(&deps).ok(),
            Some(vec![
                "auth".into(),
                "transport".into(),
                "resources".into(),
                "sdk".into()
            ])
        );
        deps.insert("auth".to_owned(), BTreeSet::from(["sdk".to_owned()]));
        assert!(topo(&deps).is_err());
    }

    #[test]
    fn tarballs_are_byte_identical_whatever_the_file_times() {
        let dir = std::env::temp_dir().join(format!("xtask-release-tar-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let bin = dir.join("bin");
        std::fs::write(&bin, b"\x7fELF fake").expect("write");
        let ws = Workspace {
            version: "1.2.3".into(),
            publishable: vec![],
            binaries: vec![],
            changelog_section: "## [1.2.3]\n".into(),
            epoch: 1_700_000_000,
        };
        let files = vec![
            ("x/b".to_owned(), bin.clone(), 0o755),
            ("x/CHANGELOG.md".to_owned(), PathBuf::new(), 0o644),
        ];
        let one = dir.join("one.tar.gz");
        let two = dir.join("two.tar.gz");
        write_tarball(&one, "x", &files, &ws).expect("tar one");
        std::thread::sleep(std::time::Duration::from_millis(1100));
        std::fs::write(&bin, b"\x7fELF fake").expect("touch");
        let mut reversed = files.clone();
        reversed.reverse();
        write_tarball(&two, "x", &reversed, &ws).expect("tar two");
        let a = std::fs::read(&one).expect("read");
        let b = std::fs::read(&two).expect("read");
        assert_eq!(a, b);
        // gzip header: magic, method, flags, then mtime 0.
        assert_eq!(&a[..8], &[0x1f, 0x8b, 8, 0, 0, 0, 0, 0]);

        let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(a.as_slice()));
        let listed: Vec<(String, u64, u64, u32)> = archive
            .entries()
            .expect("entries")
            .map(|e| {
                let e = e.expect("entry");
                let h = e.header();
                (
                    e.path().expect("path").display().to_string(),
                    h.uid().expect("uid"),
                    h.mtime().expect("mtime"),
                    h.mode().expect("mode"),
                )
            })
            .collect();
        assert_eq!(
            listed,
            [
                ("x/".to_owned(), 0, 1_700_000_000, 0o755),
                ("x/CHANGELOG.md".to_owned(), 0, 1_700_000_000, 0o644),
                ("x/b".to_owned(), 0, 1_700_000_000, 0o755),
            ]
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
