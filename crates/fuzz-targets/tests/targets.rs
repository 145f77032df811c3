//! The fuzz targets as ordinary tests: random and mutated inputs through proptest (its case
//! count follows `PROPTEST_CASES`), and every committed corpus file and regression input
//! (`fuzz/corpus/<target>/`, `fuzz/regressions/<target>/`) replayed.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use intercom_fuzz_targets::{model_type_names, target, TARGETS};
use proptest::collection::vec;
use proptest::prelude::*;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

/// The files of `fuzz/<kind>/<target>/`, sorted; none when the folder does not exist.
fn inputs(kind: &str, name: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = fuzz_dir().join(kind).join(name);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let data = std::fs::read(&p).unwrap_or_else(|e| panic!("reading {}: {e}", p.display()));
            (p, data)
        })
        .collect()
}

/// Runs every file of `fuzz/<kind>/<name>/` through the target; fails naming each input that
/// panicked. Returns how many ran.
fn replay(kind: &str, name: &str) -> usize {
    let Some(run) = target(name) else {
        panic!("no target {name}");
    };
    let files = inputs(kind, name);
    let failed: Vec<String> = files
        .iter()
        .filter(|(_, data)| catch_unwind(AssertUnwindSafe(|| run(data))).is_err())
        .map(|(path, _)| path.display().to_string())
        .collect();
    assert!(
        failed.is_empty(),
        "{name}: these inputs panic (see the messages above):\n  {}",
        failed.join("\n  ")
    );
    files.len()
}

#[test]
fn every_target_has_a_corpus_and_an_afl_binary() {
    for (name, _) in TARGETS {
        assert!(
            !inputs("corpus", name).is_empty(),
            "fuzz/corpus/{name}/ has no seed"
        );
        let bin = fuzz_dir().join("src/bin").join(format!("{name}.rs"));
        assert!(bin.is_file(), "{} is missing", bin.display());
    }
}

#[test]
fn corpus_and_regressions_replay() {
    let mut total = 0;
    for (name, _) in TARGETS {
        total += replay("corpus", name);
        total += replay("regressions", name);
    }
    assert!(total >= TARGETS.len());
}

#[test]
fn models_cover_the_generated_response_types() {
    let names = model_type_names();
    assert!(names.len() > 100, "only {} response types", names.len());
    for expected in [
        "models::ContactResponse",
        "models::Error",
        "models::ConversationList",
    ] {
        assert!(names.contains(&expected), "{expected} is not fuzzed");
    }
}

/// A seed of the target's corpus with a few random edits: bytes overwritten, inserted or
/// removed. Keeps most of the structure, so it reaches deeper than random bytes.
fn mutated(name: &'static str) -> impl Strategy<Value = Vec<u8>> {
    let seeds: Vec<Vec<u8>> = inputs("corpus", name)
        .into_iter()
        .map(|(_, data)| data)
        .collect();
    let count = seeds.len().max(1);
    (0..count, vec((any::<usize>(), any::<u8>(), 0..3u8), 0..8)).prop_map(move |(index, edits)| {
        let mut data = seeds.get(index).cloned().unwrap_or_default();
        for (at, byte, op) in edits {
            let at = if data.is_empty() { 0 } else { at % data.len() };
            match op {
                0 if !data.is_empty() => data[at] = byte,
                1 => data.insert(at, byte),
                _ if !data.is_empty() => {
                    data.remove(at);
                }
                _ => data.push(byte),
            }
        }
        data
    })
}

fn input(name: &'static str) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![vec(any::<u8>(), 0..600), mutated(name)]
}

macro_rules! random_inputs {
    ($($name:ident),* $(,)?) => {
        proptest! {
            $(
                #[test]
                fn $name(data in input(stringify!($name))) {
                    intercom_fuzz_targets::$name(&data);
                }
            )*
        }
    };
}

random_inputs!(
    pipeline,
    models,
    error_decoder,
    webhook,
    oauth_callback,
    base_url,
    path_segment,
    search,
);
