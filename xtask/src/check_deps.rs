//! `cargo xtask check-deps`: the crate graph's two structural rules, read from `cargo metadata`.
//!
//! 1. **Arrows point down.** Every workspace crate has a layer; a normal or build dependency on
//!    another workspace crate must point to a strictly lower layer. Dev-dependencies may point
//!    anywhere: tests of a low crate use the sandbox and the test kit, which sit above it.
//! 2. **Only the transport names hyper** among the library crates. The exceptions are listed
//!    with their reason below; tools, tests and examples (`publish = false`) and binary-only
//!    packages may use hyper freely.
//!
//! 3. **No module cycle inside a crate** ([`crate::module_cycles`]).
//!
//! A workspace crate missing from the layer table is an error, so a new crate has to take a
//! place in the graph before it lands.

use anyhow::{bail, Context, Result};
use serde_json::Value;

use crate::util::cargo;

/// Layer of every workspace crate: lower layers never depend on higher ones.
const LAYERS: &[(&str, u8)] = &[
    ("intercom-auth-types", 0),
    ("intercom-transport", 1),
    ("intercom-resources", 2),
    ("intercom-ratelimit-redis", 2),
    ("intercom-test", 2),
    ("intercom-app", 2),
    ("intercom-sdk", 3),
    ("intercom-sandbox", 3),
    ("intercom-axum", 3),
    ("intercom-cli", 4),
    // Tools, tests and examples: nothing depends on them.
    ("intercom-bench", 9),
    ("intercom-fuzz-targets", 9),
    ("intercom-public-app-example", 9),
    ("intercom-tests", 9),
    ("xtask", 9),
];

/// The HTTP stacks the rule is about (reqwest too: it is the transport's optional backend).
const HYPER_CRATES: &[&str] = &["hyper", "hyper-util", "hyper-rustls", "h2", "reqwest"];

/// Library crates allowed to name hyper besides the transport, and why.
const HYPER_EXCEPTIONS: &[(&str, &str)] = &[
    (
        "intercom-transport",
        "the one HTTP client: every request goes through it",
    ),
    (
        "intercom-sandbox",
        "a local Intercom: it serves HTTP and posts its webhooks to loopback URLs only; it \
         never holds a token for anything but itself",
    ),
];

/// Runs the check against this workspace.
pub fn run(args: &[String]) -> Result<()> {
    if let Some(arg) = args.first() {
        bail!("check-deps takes no arguments (got `{arg}`)");
    }
    let output = cargo()
        .args(["metadata", "--format-version", "1", "--no-deps", "--locked"])
        .output()
        .context("could not run cargo metadata")?;
    if !output.status.success() {
        bail!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let meta: Value = serde_json::from_slice(&output.stdout).context("cargo metadata: JSON")?;
    let mut problems = violations(&meta)?;
    problems.extend(module_cycles(&meta)?);
    if problems.is_empty() {
        eprintln!(
            "check-deps: ok ({} crates; arrows point down; hyper only where allowed; \
             no module cycle inside a crate)",
            LAYERS.len()
        );
        return Ok(());
    }
    for p in &problems {
        eprintln!("check-deps: {p}");
    }
    bail!("{} dependency rule violation(s)", problems.len())
}

/// Rule 3: the top-level modules of each workspace crate import each other without cycles.
fn module_cycles(meta: &Value) -> Result<Vec<String>> {
    let mut problems = Vec::new();
    for package in meta["packages"].as_array().into_iter().flatten() {
        let name = package["name"].as_str().unwrap_or("?");
        let Some(manifest) = package["manifest_path"].as_str() else {
            continue;
        };
        let Some(src) = std::path::Path::new(manifest)
            .parent()
            .map(|d| d.join("src"))
        else {
            continue;
        };
        if !src.is_dir() {
            continue;
        }
        for cycle in crate::module_cycles::cycles_in(&src)? {
            problems.push(format!(
                "{name}: modules import each other in a cycle: {}",
                cycle.join(" <-> ")
            ));
        }
    }
    Ok(problems)
}

fn layer(name: &str) -> Option<u8> {
    LAYERS.iter().find(|(n, _)| *n == name).map(|(_, l)| *l)
}

/// Every broken rule in `meta` (the JSON of `cargo metadata --no-deps`), as a sentence.
fn violations(meta: &Value) -> Result<Vec<String>> {
    let packages = meta["packages"]
        .as_array()
        .context("cargo metadata: no packages")?;
    let names: Vec<&str> = packages.iter().filter_map(|p| p["name"].as_str()).collect();
    let mut problems = Vec::new();
    for p in packages {
        let name = p["name"].as_str().context("a package without a name")?;
        let Some(own) = layer(name) else {
            problems.push(format!(
                "`{name}` has no layer: add it to LAYERS in xtask/src/check_deps.rs"
            ));
            continue;
        };
        // `publish = false` is `[]`; absent (publishable) is `null`.
        let unpublished = p["publish"].as_array().is_some_and(|a| a.is_empty());
        let has_lib = p["targets"].as_array().is_some_and(|targets| {
            targets.iter().any(|t| {
                t["kind"]
                    .as_array()
                    .is_some_and(|k| k.iter().any(|k| k == "lib"))
            })
        });
        let hyper_allowed =
            unpublished || !has_lib || HYPER_EXCEPTIONS.iter().any(|(n, _)| *n == name);
        for dep in p["dependencies"].as_array().into_iter().flatten() {
            let dep_name = dep["name"].as_str().unwrap_or_default();
            // `kind` is null for normal dependencies, "build" or "dev" otherwise.
            if dep["kind"].as_str() == Some("dev") {
                continue;
            }
            if HYPER_CRATES.contains(&dep_name) && !hyper_allowed {
                problems.push(format!(
                    "`{name}` depends on `{dep_name}`: of the library crates only the transport \
                     names hyper (see HYPER_EXCEPTIONS)"
                ));
            }
            if !names.contains(&dep_name) {
                continue;
            }
            match layer(dep_name) {
                Some(theirs) if theirs < own => {}
                Some(theirs) => problems.push(format!(
                    "`{name}` (layer {own}) depends on `{dep_name}` (layer {theirs}): \
                     dependencies must point to a lower layer"
                )),
                None => {} // reported as its own package above
            }
        }
    }
    Ok(problems)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn package(name: &str, publish: Value, kinds: &[&str], deps: &[(&str, Value)]) -> Value {
        json!({
            "name": name,
            "publish": publish,
            "targets": kinds.iter().map(|k| json!({"kind": [k]})).collect::<Vec<_>>(),
            "dependencies": deps.iter().map(|(n, k)| json!({"name": n, "kind": k})).collect::<Vec<_>>(),
        })
    }

    #[test]
    fn the_real_graph_shape_passes() {
        let meta = json!({"packages": [
            package("intercom-auth-types", Value::Null, &["lib"], &[]),
            package("intercom-transport", Value::Null, &["lib"], &[
                ("intercom-auth-types", Value::Null), ("hyper", Value::Null),
                ("intercom-test", json!("dev")),
            ]),
            package("intercom-test", Value::Null, &["lib"], &[("intercom-transport", Value::Null)]),
            package("intercom-cli", Value::Null, &["bin"], &[("hyper", Value::Null), ("intercom-sdk", Value::Null)]),
            package("intercom-sdk", Value::Null, &["lib"], &[("intercom-transport", Value::Null)]),
        ]});
        assert_eq!(
            violations(&meta).expect("the metadata is well formed"),
            Vec::<String>::new()
        );
    }

    #[test]
    fn an_upward_arrow_is_refused() {
        let meta = json!({"packages": [
            package("intercom-transport", Value::Null, &["lib"], &[("intercom-resources", Value::Null)]),
            package("intercom-resources", Value::Null, &["lib"], &[]),
        ]});
        let problems = violations(&meta).expect("the metadata is well formed");
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0]
            .contains("`intercom-transport` (layer 1) depends on `intercom-resources` (layer 2)"));
    }

    #[test]
    fn a_build_dependency_counts_like_a_normal_one() {
        let meta = json!({"packages": [
            package("intercom-auth-types", Value::Null, &["lib"], &[("intercom-sdk", json!("build"))]),
            package("intercom-sdk", Value::Null, &["lib"], &[]),
        ]});
        assert_eq!(
            violations(&meta)
                .expect("the metadata is well formed")
                .len(),
            1
        );
    }

    #[test]
    fn hyper_in_a_library_other_than_the_transport_is_refused() {
        let meta = json!({"packages": [
            package("intercom-resources", Value::Null, &["lib"], &[("hyper-util", Value::Null)]),
            package("intercom-bench", json!([]), &["lib", "bin"], &[("hyper", Value::Null)]),
        ]});
        let problems = violations(&meta).expect("the metadata is well formed");
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("`intercom-resources` depends on `hyper-util`"));
    }

    #[test]
    fn a_crate_without_a_layer_is_refused() {
        let meta = json!({"packages": [package("intercom-new", Value::Null, &["lib"], &[])]});
        assert!(violations(&meta).expect("the metadata is well formed")[0].contains("has no layer"));
    }
}
