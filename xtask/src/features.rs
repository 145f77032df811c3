//! `cargo xtask features`: the cargo features users choose from still build, and the facade
//! forwards every resource tag.
//!
//! 1. intercom-sdk's tag features are exactly intercom-resources' (generated) tag features, each
//!    forwarded as `tag = ["intercom-resources/tag"]`;
//! 2. `cargo check` of the facade with default features off and one tag, with each root store
//!    and with the aws-lc-rs provider, and of the transport with no default features (no root store: it builds, and
//!    `HyperTransport::builder().build()` then refuses with `ConfigError::NoTrustRoots`).
//! 3. the `reqwest` backend: `cargo check` of the transport and the facade with it, and the
//!    transport's shared suite (`tests/transport_suite.rs`) run with it.

use std::collections::BTreeSet;

use anyhow::{bail, Context, Result};

use crate::util::{cargo, root, step};

/// The names declared in a `[features]` table, without `default` and `full`.
fn features(manifest: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut inside = false;
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            inside = line == "[features]";
            continue;
        }
        if !inside || line.starts_with('#') {
            continue;
        }
        if let Some((name, _)) = line.split_once('=') {
            let name = name.trim();
            if !name.is_empty() && !name.contains(['"', ' ']) {
                out.insert(name.to_owned());
            }
        }
    }
    out.remove("default");
    out.remove("full");
    out
}

fn check_forwarding() -> Result<()> {
    let read =
        |p: &str| std::fs::read_to_string(root().join(p)).with_context(|| format!("reading {p}"));
    let resources = read("crates/resources/Cargo.toml")?;
    let sdk = read("crates/sdk/Cargo.toml")?;
    let tags = features(&resources);
    let own: BTreeSet<String> = ["webpki-roots", "native-roots", "rustls-aws-lc", "reqwest"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let forwarded: BTreeSet<String> = features(&sdk).difference(&own).cloned().collect();
    if tags != forwarded {
        let missing: Vec<_> = tags.difference(&forwarded).collect();
        let extra: Vec<_> = forwarded.difference(&tags).collect();
        bail!(
            "crates/sdk/Cargo.toml does not forward the resource tags of crates/resources: \
             missing {missing:?}, unknown {extra:?}"
        );
    }
    for tag in &tags {
        let line = format!("{tag} = [\"intercom-resources/{tag}\"]");
        if !sdk.lines().any(|l| l.trim() == line) {
            bail!("crates/sdk/Cargo.toml: expected the line `{line}`");
        }
    }
    if !sdk.contains("full = [\"intercom-resources/full\"]") {
        bail!("crates/sdk/Cargo.toml: `full` must forward to intercom-resources/full");
    }
    eprintln!(
        "<== the facade forwards all {} resource tags of intercom-resources",
        tags.len()
    );
    Ok(())
}

pub fn run(args: &[String]) -> Result<()> {
    if let Some(other) = args.first() {
        bail!("cargo xtask features takes no options (got `{other}`)");
    }
    check_forwarding()?;
    let matrix: &[(&str, &str, &str)] = &[
        (
            "facade: no default features + one tag + webpki roots",
            "intercom-sdk",
            "contacts,webpki-roots",
        ),
        (
            "facade: no default features + two tags + native roots",
            "intercom-sdk",
            "contacts,conversations,native-roots",
        ),
        (
            "facade: no default features + one tag, no root store",
            "intercom-sdk",
            "tags",
        ),
        (
            "facade: no default features + one tag + the aws-lc-rs provider",
            "intercom-sdk",
            "contacts,webpki-roots,rustls-aws-lc",
        ),
        ("transport: no default features", "intercom-transport", ""),
        (
            "transport: the reqwest backend without root stores",
            "intercom-transport",
            "reqwest",
        ),
        (
            "facade: no default features + one tag + the reqwest backend",
            "intercom-sdk",
            "contacts,webpki-roots,reqwest",
        ),
    ];
    for (name, package, features) in matrix {
        let mut check = cargo();
        check.args(["check", "--locked", "-p", package, "--no-default-features"]);
        if !features.is_empty() {
            check.args(["--features", features]);
        }
        step(name, check)?;
    }
    // The optional backend runs the transport's shared suite too (the workspace's test run
    // does not turn the feature on).
    let mut suite = cargo();
    suite.args([
        "test",
        "--locked",
        "-p",
        "intercom-transport",
        "--features",
        "reqwest",
        "--test",
        "transport_suite",
    ]);
    step(
        "transport: the shared suite with the reqwest backend",
        suite,
    )?;
    Ok(())
}
