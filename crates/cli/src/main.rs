//! `intercom`: Intercom's REST API from the command line.
//!
//! Tokens are read from the environment (never from arguments), output is JSON on stdout, and
//! messages go to stderr. Exit codes: 0 ok, 1 API error, 2 usage, 3 missing or invalid
//! credentials, 4 transport failure, 5 invalid signature.
#![forbid(unsafe_code)]

mod cli;
mod commands;
mod fail;
mod login;
mod output;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = match cli::Cli::try_parse() {
        Ok(args) => args,
        Err(err) => {
            // clap prints help/version to stdout (exit 0) and usage errors to stderr (exit 2).
            let _ = err.print();
            return ExitCode::from(if err.use_stderr() { fail::USAGE } else { 0 });
        }
    };
    output::init_tracing(args.global.verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(err) => {
            eprintln!("error: could not start the async runtime: {err}");
            return ExitCode::from(fail::TRANSPORT);
        }
    };
    match runtime.block_on(commands::run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("error: {failure}");
            ExitCode::from(failure.code())
        }
    }
}
