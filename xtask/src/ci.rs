//! `cargo xtask ci`: the CI gate of [`crate::gate::STEPS`], the same list `.ci/run` runs after
//! installing tools and services (cargo-deny, redis-server, tinyproxy, postgres, chromium) and
//! exporting the `INTERCOM_RS_REQUIRE_*` variables.

use anyhow::{bail, Context, Result};

use crate::gate;

const USAGE: &str = "\
cargo xtask ci [--list] [--only STEP] [--from STEP] [--free-disk]

Runs the CI gate, step by step, stopping at the first failure.
  --list        print the steps (name, whether release runs it, command) and exit
  --only STEP   run one step
  --from STEP   run from STEP to the end
  --free-disk   once a step passed, remove the build outputs no later step reads (its test
                executables, AFL++'s build, the benchmarks' release build); .ci/run sets it
";

pub fn run(args: &[String]) -> Result<()> {
    let (mut only, mut from, mut list, mut free_disk) = (None, None, false, false);
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--list" => list = true,
            "--free-disk" => free_disk = true,
            "--only" => only = Some(it.next().context("--only needs a step name")?.as_str()),
            "--from" => from = Some(it.next().context("--from needs a step name")?.as_str()),
            "--help" | "-h" => {
                print!("{USAGE}");
                return Ok(());
            }
            other => bail!("unknown option `{other}`\n\n{USAGE}"),
        }
    }
    let steps = gate::select(only, from)?;
    if list {
        for s in &steps {
            let release = if s.release { "release" } else { "ci only" };
            println!("{:<12} {:<8} {}", s.name, release, s.shell_line());
            for output in s.frees {
                println!(
                    "{:<21} --free-disk then removes target/{}",
                    "",
                    output.describe()
                );
            }
        }
        return Ok(());
    }
    gate::run_steps(steps, free_disk)
}
