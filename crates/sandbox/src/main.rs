//! `intercom-sandbox`: serve a local Intercom stand-in and print how to reach it.
#![forbid(unsafe_code)]

use std::process::ExitCode;

use intercom_sandbox::Sandbox;

const HELP: &str = "\
intercom-sandbox: a local, in-memory stand-in for Intercom's REST API (2.16)

USAGE:
    intercom-sandbox [--port P] [--seed S] [--contacts N] [--companies N] [--rate-limit N]

OPTIONS:
    --port P          bind 127.0.0.1:P (default: a free port)
    --seed S          seed for the generated workspace (default 42); the same seed gives the
                      same data and credentials
    --contacts N      seeded contacts (default 25)
    --companies N     seeded companies (default 5)
    --rate-limit N    requests per token per 10-second window (default 1000)
    -h, --help        print this help

It prints the base URL, a private-app access token, and an OAuth app's client id, client secret
and redirect URI, then serves until Ctrl-C. These credentials are test data that only this
sandbox accepts, which is why printing them is fine; never print a real Intercom token.

Point a client at it with plain http on loopback allowed, e.g.
    curl -H \"Authorization: Bearer <token>\" <base-url>/me
";

fn parse<T: std::str::FromStr>(name: &str, value: Option<String>) -> Result<T, String> {
    let value = value.ok_or_else(|| format!("{name} needs a value"))?;
    value
        .parse()
        .map_err(|_| format!("{name}: `{value}` is not a valid number"))
}

fn build(args: Vec<String>) -> Result<Option<intercom_sandbox::SandboxBuilder>, String> {
    let mut builder = Sandbox::builder();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-h" | "--help" => return Ok(None),
            "--port" => builder = builder.port(parse("--port", args.next())?),
            "--seed" => builder = builder.seed(parse("--seed", args.next())?),
            "--contacts" => builder = builder.contacts(parse("--contacts", args.next())?),
            "--companies" => builder = builder.companies(parse("--companies", args.next())?),
            "--rate-limit" => builder = builder.rate_limit(parse("--rate-limit", args.next())?),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(Some(builder))
}

#[tokio::main]
async fn main() -> ExitCode {
    let builder = match build(std::env::args().skip(1).collect()) {
        Ok(Some(builder)) => builder,
        Ok(None) => {
            print!("{HELP}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("intercom-sandbox: {message}\n\n{HELP}");
            return ExitCode::from(2);
        }
    };
    let sandbox = match builder.start().await {
        Ok(sandbox) => sandbox,
        Err(error) => {
            eprintln!("intercom-sandbox: {error}");
            return ExitCode::FAILURE;
        }
    };
    println!("base_url       {}", sandbox.base_url());
    println!("access_token   {}", sandbox.access_token_plaintext());
    println!("client_id      {}", sandbox.client_id());
    println!("client_secret  {}", sandbox.client_secret_plaintext());
    println!("redirect_uri   {}", sandbox.redirect_uri());
    println!(
        "authorize_url  {}?client_id={}",
        sandbox.authorize_base(),
        sandbox.client_id()
    );
    eprintln!("(test credentials for this sandbox only; Ctrl-C stops it)");
    let _ = tokio::signal::ctrl_c().await;
    sandbox.shutdown().await;
    ExitCode::SUCCESS
}
