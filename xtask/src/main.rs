//! `cargo xtask`: the project's automation. Run `cargo xtask help` for the list of tasks.
#![forbid(unsafe_code)]

mod audit;
mod bench;
mod check_deps;
mod ci;
mod codegen;
mod features;
mod fuzz;
mod gate;
mod module_cycles;
mod release;
mod spec;
mod test;
mod util;

use std::process::ExitCode;

const HELP: &str = "\
cargo xtask <task> [options]

Tasks:
  audit              token-handling audit: exposure, construction and Authorization sites [--json]
  bench              benchmarks: raw hyper vs SDK throughput, paging, rate-limit budget use, micro
                     (tables) [--smoke] [--only budget] [--windows W]; --build: clean-build time
                     guard against docs/performance.md [--rounds R]
  check-deps         the crate graph: dependencies point to lower layers, only the transport
                     (and the sandbox's server) names hyper among library crates, no module
                     cycle inside a crate
  ci                 run the CI gate (what .ci/run runs after installing tools): advisory db,
                     fmt, clippy, features, codegen, check-deps, tests, fuzz, doc, audit, deny,
                     bench smoke, reproducible release [--list] [--only STEP] [--from STEP]
  codegen            generate crates/resources from the OpenAPI spec [--check] [--report]
  features           cargo features: the facade forwards every resource tag; `cargo check` of the
                     facade with no default features + one tag and with each root store
  fuzz               coverage-guided fuzzing with AFL++ (cargo-afl, stable): every target or one,
                     S seconds each (default 30); fails on a crash [--target T] [--time S] [--timeout MS] [--no-build]
  release            release gate and reproducible artifacts in target/dist [--dry-run] [--skip-gate] [--check-reproducible]
  spec               download the pinned OpenAPI description into target/openapi (SHA-256
                     checked) when ../shared and INTERCOM_OPENAPI_SPEC give none [--force]
  test               run every test of the workspace (installs npm test tools first if needed)
  help               print this text
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (task, rest) = match args.split_first() {
        Some((task, rest)) => (task.as_str(), rest),
        None => ("help", &[][..]),
    };
    let result = match task {
        "audit" => audit::run(rest),
        "bench" => bench::run(rest),
        "check-deps" => check_deps::run(rest),
        "ci" => ci::run(rest),
        "codegen" => spec::codegen(rest),
        "features" => features::run(rest),
        "fuzz" => fuzz::run(rest),
        "release" => release::run(rest),
        "spec" => spec::run(rest),
        "test" => test::run(rest),
        "help" | "--help" | "-h" => {
            print!("{HELP}");
            Ok(())
        }
        other => Err(anyhow::anyhow!("unknown task `{other}`\n\n{HELP}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("xtask {task}: error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
