//! Command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// The longest `--timeout` and `--wait`: a day. A deadline must be representable as an
/// instant; a day is far beyond any useful call and far below any clock's limit.
pub const MAX_SECS: u64 = 86_400;

const AFTER_HELP: &str = "\
Credentials are read from the environment, never from arguments: set INTERCOM_ACCESS_TOKEN (or
the variable named by --token-env). Output is JSON on stdout (pretty on a terminal); messages go
to stderr.

Exit codes:
  0  success
  1  API error (an error status, or a success whose body is not the JSON expected)
  2  usage error (bad arguments or input)
  3  missing or invalid credentials (including a 401 from the API)
  4  transport failure (connect, timeout, body limit, refused redirect)
  5  invalid webhook signature

Examples:
  intercom --sandbox me
  intercom contacts list --all --per-page 150 > contacts.json
  intercom api POST /contacts --field email=ada@example.com --field role=user
  intercom --region eu contacts search --query '{\"field\":\"email\",\"operator\":\"~\",\"value\":\"@example.com\"}'";

/// Call Intercom's REST API, run the OAuth flow, verify webhooks, or serve a local sandbox.
#[derive(Debug, Parser)]
#[command(name = "intercom", version, about, after_help = AFTER_HELP)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command accepts.
#[derive(Debug, Args)]
pub struct Global {
    /// Intercom region whose API host to use.
    #[arg(long, global = true, value_enum, default_value_t = RegionArg::Us)]
    pub region: RegionArg,
    /// Use this base URL instead of the region's host (https, or http on loopback with
    /// --allow-insecure-loopback).
    #[arg(long, global = true, value_name = "URL")]
    pub base_url: Option<String>,
    /// Allow a plain-http base URL on a loopback address (tests, local servers).
    #[arg(long, global = true)]
    pub allow_insecure_loopback: bool,
    /// Intercom-Version header to send.
    #[arg(long, global = true, value_name = "V", default_value = "2.16")]
    pub intercom_version: String,
    /// Environment variable holding the access token.
    #[arg(
        long,
        global = true,
        value_name = "NAME",
        default_value = "INTERCOM_ACCESS_TOKEN"
    )]
    pub token_env: String,
    /// Total deadline of each call, retries included, in seconds (1 to 86400).
    #[arg(
        long,
        global = true,
        value_name = "SECS",
        default_value_t = 120,
        value_parser = clap::value_parser!(u64).range(1..=MAX_SECS)
    )]
    pub timeout: u64,
    /// Retries after the first attempt (GET, PUT and DELETE; POST is never retried by the CLI
    /// once it may have been sent).
    #[arg(long, global = true, value_name = "N", default_value_t = 2)]
    pub max_retries: u32,
    /// HTTP proxy for every request (http://host:port); https is tunnelled with CONNECT. Without
    /// it, HTTPS_PROXY / ALL_PROXY and NO_PROXY are honoured. Credentials are refused here (they
    /// would show in `ps`): use --proxy-user and --proxy-password-env, or HTTPS_PROXY.
    #[arg(long, global = true, value_name = "URL")]
    pub proxy: Option<String>,
    /// Hosts that bypass the proxy, comma-separated (replaces NO_PROXY).
    #[arg(long, global = true, value_name = "LIST")]
    pub no_proxy: Option<String>,
    /// Proxy user name; the password is read from the variable named by --proxy-password-env.
    #[arg(long, global = true, value_name = "USER")]
    pub proxy_user: Option<String>,
    /// Environment variable holding the proxy password (used with --proxy-user).
    #[arg(
        long,
        global = true,
        value_name = "NAME",
        default_value = "INTERCOM_PROXY_PASSWORD"
    )]
    pub proxy_password_env: String,
    /// Also trust the CA certificates in this PEM file (a private CA, a TLS-inspecting proxy).
    #[arg(long, global = true, value_name = "FILE")]
    pub ca_cert: Option<std::path::PathBuf>,
    /// Client certificate chain (PEM) for servers that require mutual TLS; needs --client-key.
    #[arg(long, global = true, value_name = "FILE", requires = "client_key")]
    pub client_cert: Option<std::path::PathBuf>,
    /// Private key (PEM) of --client-cert.
    #[arg(long, global = true, value_name = "FILE", requires = "client_cert")]
    pub client_key: Option<std::path::PathBuf>,
    /// Start an in-process sandbox (a local Intercom stand-in) and run the command against it.
    #[arg(long, global = true)]
    pub sandbox: bool,
    /// Log to stderr: -v for requests, -vv for everything (tokens are always redacted).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

/// `--region` values.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RegionArg {
    /// api.intercom.io
    Us,
    /// api.eu.intercom.io
    Eu,
    /// api.au.intercom.io
    Au,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show the admin and workspace the token belongs to (GET /me).
    Me,
    /// Send any request and print the response body, like `gh api`.
    Api(ApiArgs),
    /// List, get and search contacts.
    #[command(subcommand)]
    Contacts(ContactsCommand),
    /// Build the authorize URL, or run the whole OAuth flow with a loopback listener.
    #[command(subcommand)]
    Oauth(OauthCommand),
    /// Verify signed webhook notifications.
    #[command(subcommand)]
    Webhook(WebhookCommand),
    /// Compute the Messenger identity-verification hash (HMAC-SHA256) of a user id or email.
    UserHash(UserHashArgs),
    /// Serve a local sandbox and print its URL and credentials (-v: print each request it
    /// receives, -vv: with headers; Authorization is redacted).
    Sandbox(SandboxArgs),
}

#[derive(Debug, Args)]
pub struct ApiArgs {
    /// HTTP method (GET, POST, PUT, PATCH, DELETE).
    pub method: String,
    /// Path, starting with '/', e.g. /contacts/123. Query strings are allowed.
    pub path: String,
    /// A field: a query parameter for GET and DELETE, a JSON body field otherwise. Values that
    /// parse as JSON numbers, booleans or null are sent typed; use --raw-field for strings.
    #[arg(short = 'F', long = "field", value_name = "KEY=VALUE")]
    pub fields: Vec<String>,
    /// Like --field, but the value is always a string.
    #[arg(short = 'f', long = "raw-field", value_name = "KEY=VALUE")]
    pub raw_fields: Vec<String>,
    /// Read the JSON body from FILE ('-' for stdin).
    #[arg(long, value_name = "FILE")]
    pub input: Option<String>,
    /// Follow redirects (the token is never sent to another host).
    #[arg(long)]
    pub follow_redirects: bool,
}

#[derive(Debug, Subcommand)]
pub enum ContactsCommand {
    /// List contacts: one page, or every page with --all (as one JSON array).
    List {
        /// Walk every page.
        #[arg(long)]
        all: bool,
        /// Contacts per page (at most 150).
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=150))]
        per_page: Option<u32>,
    },
    /// Get one contact by id.
    Get {
        /// The contact id.
        id: String,
    },
    /// Search contacts with Intercom's query language; prints every match as one JSON array.
    Search {
        /// The query: a filter {"field","operator","value"} or a group {"operator":"AND"|"OR","value":[…]}.
        #[arg(long, value_name = "JSON")]
        query: String,
        /// Results per page (at most 150).
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=150))]
        per_page: Option<u32>,
    },
}

#[derive(Debug, Args)]
pub struct AppArgs {
    /// The app's client id (Developer Hub → Basic information).
    #[arg(long, value_name = "ID")]
    pub client_id: Option<String>,
    /// Environment variable holding the app's client secret.
    #[arg(long, value_name = "NAME", default_value = "INTERCOM_CLIENT_SECRET")]
    pub client_secret_env: String,
    /// Authorize endpoint (default: Intercom's, app.intercom.com/oauth; with --sandbox, the sandbox's).
    #[arg(long, value_name = "URL")]
    pub authorize_url: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum OauthCommand {
    /// Print an authorize URL with a fresh state.
    Url {
        #[command(flatten)]
        app: AppArgs,
        /// Registered redirect URI to send the user back to.
        #[arg(long, value_name = "URL")]
        redirect_uri: Option<String>,
    },
    /// Run the whole flow: listen on loopback for the callback, check the state, exchange the
    /// code, and show the workspace. The token is printed only with --print-token.
    Login {
        #[command(flatten)]
        app: AppArgs,
        /// Loopback port for the redirect listener (0 picks a free one). Register
        /// http://127.0.0.1:PORT/callback as a redirect URL of your app.
        #[arg(long, value_name = "P", default_value_t = 0)]
        port: u16,
        /// Save the token to FILE, created with mode 0600.
        #[arg(long, value_name = "FILE")]
        save: Option<PathBuf>,
        /// Print the token on stdout (it is secret: think before you use this).
        #[arg(long)]
        print_token: bool,
        /// Give up waiting for the callback after this many seconds (1 to 86400).
        #[arg(
            long,
            value_name = "SECS",
            default_value_t = 300,
            value_parser = clap::value_parser!(u64).range(1..=MAX_SECS)
        )]
        wait: u64,
    },
}

#[derive(Debug, Subcommand)]
pub enum WebhookCommand {
    /// Check an X-Hub-Signature over a notification body and print the notification.
    Verify {
        /// Environment variable holding the app's client secret (the signing key).
        #[arg(long, value_name = "NAME")]
        secret_env: String,
        /// The X-Hub-Signature header value, e.g. sha1=21ff2e14…
        #[arg(long, value_name = "SIG")]
        signature: String,
        /// The raw body: a file, or '-' (default) for stdin.
        #[arg(default_value = "-")]
        file: String,
    },
}

#[derive(Debug, Args)]
pub struct UserHashArgs {
    /// Environment variable holding the identity-verification secret.
    #[arg(long, value_name = "NAME")]
    pub secret_env: String,
    /// The user id (or the email when the user has no id).
    pub id: String,
}

#[derive(Debug, Args)]
pub struct SandboxArgs {
    /// Port to listen on (0 picks a free one).
    #[arg(long, value_name = "P", default_value_t = 0)]
    pub port: u16,
    /// Seed of the generated data.
    #[arg(long, value_name = "S", default_value_t = 1)]
    pub seed: u64,
    /// Load the workspace's data from FILE (JSON, the format --save writes).
    #[arg(long, value_name = "FILE")]
    pub fixtures: Option<std::path::PathBuf>,
    /// On Ctrl-C, save the workspace's data to FILE (JSON; load it again with --fixtures).
    #[arg(long, value_name = "FILE")]
    pub save: Option<std::path::PathBuf>,
    /// Serve HTTPS (HTTP/2 and HTTP/1.1) with a certificate made at start; the CA to trust is
    /// written to a file whose path is printed as `ca_cert` (use it with --ca-cert).
    #[arg(long)]
    pub tls: bool,
    /// Where --tls writes the CA certificate (PEM); default: a new file in the temporary
    /// directory, removed on Ctrl-C.
    #[arg(long, value_name = "FILE", requires = "tls")]
    pub ca_out: Option<std::path::PathBuf>,
}
