//! `intercom`: Intercom's REST API from the command line.
//!
//! Tokens are read from the environment (never from arguments), output is JSON on stdout, and
//! messages go to stderr. Exit codes: 0 ok, 1 API error, 2 usage, 3 missing or invalid
//! credentials, 4 transport failure, 5 invalid signature. Every message is printed with its
//! control characters escaped, whatever its source (a server, a callback, an argument).
#![forbid(unsafe_code)]
// Durations, instants and counters never overflow silently or panic: every `#[allow]` of this
// lint says why its arithmetic cannot.
#![deny(clippy::arithmetic_side_effects)]

mod cli;
mod commands;
mod env;
mod fail;
mod login;
mod output;
mod setup;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = match cli::Cli::try_parse() {
        Ok(args) => args,
        Err(err) if err.use_stderr() => {
            // A usage error quotes the arguments it refuses: shown plain, escaped like any
            // other message (exit 2).
            let text = err.render().to_string();
            eprint!("{}", intercom_sdk::transport::terminal_safe_lines(&text));
            return ExitCode::from(fail::USAGE);
        }
        Err(help_or_version) => {
            // clap prints help and version to stdout (exit 0).
            let _ = help_or_version.print();
            return ExitCode::SUCCESS;
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
