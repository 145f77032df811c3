//! A local, in-memory stand-in for Intercom's REST API, for tests, examples and demos.
//!
//! [`Sandbox::builder`] seeds a workspace deterministically (admins, contacts, companies, tags,
//! conversations, data attributes, teams, segments, ticket types and states, a help center)
//! from a seed, binds `127.0.0.1` and serves it over plain
//! HTTP until the returned [`SandboxHandle`] is shut down or dropped.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use intercom_sandbox::Sandbox;
//!
//! let sandbox = Sandbox::builder().seed(7).contacts(120).start().await?;
//! println!("serving {}", sandbox.base_url());
//! let _token = sandbox.access_token(); // an intercom_auth_types::AccessToken
//! sandbox.faults().fail_next(1, 503);  // the next request gets a 503
//! sandbox.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! # What it implements
//!
//! It answers like Intercom (API 2.16) as far as the facts we know go: bearer auth with
//! `error.list` 401s, `Intercom-Version` validation, `X-RateLimit-*` headers and 429s per
//! 10-second window, `GET /me`, admins, contacts (CRUD, archive, cursor paging, search with
//! the query language and its limits, 409 on duplicates, 410 for merged contacts), companies
//! (numbered pages and scroll), tags, conversations (with management, tags and contacts),
//! tickets with their types and states, articles, help centers and collections, teams,
//! segments, subscription types, messages, content data exports, visitors, enqueued ticket
//! jobs, notes, events, data
//! attributes and the OAuth code flow (`/oauth`, `/auth/eagle/token`, `/auth/uninstall`)
//! with state. Every other
//! operation of the API ([`operations`] lists all 231) answers a schema-shaped sample of its
//! generated response model. Unknown routes and ids give Intercom-shaped 404s; malformed input
//! gives Intercom-shaped 400s and never a panic.
//!
//! [`SandboxBuilder::fixtures`] loads a workspace's data and [`SandboxHandle::snapshot`]
//! exports it; [`SandboxBuilder::webhook`] posts signed notifications for changes made
//! through the API.
//!
//! Differences from Intercom worth knowing: search is immediately consistent, dates in search
//! are matched by calendar day in UTC, and results are ordered by creation unless a `sort` is
//! given.
//!
//! # Request journal
//!
//! [`SandboxHandle::requests`] returns what the sandbox received (method, path, query,
//! headers with `Authorization` redacted, body and the status it answered), for assertions.
//!
//! # Fault injection
//!
//! [`SandboxHandle::faults`] fails the next requests with a chosen status, adds latency or
//! drops connections without answering, so retry and timeout logic can be tested.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(not(test), deny(clippy::arithmetic_side_effects))]
#![recursion_limit = "256"]

/// A generated (`#[non_exhaustive]`, defaulted) model with the listed fields set:
/// `fill!(models::Admin { id: Some(id), ..Default::default() })`.
macro_rules! fill {
    ($ty:path { $($field:ident : $value:expr,)* ..Default::default() }) => {
        fill!($ty { $($field: $value),* })
    };
    ($ty:path { $($field:ident : $value:expr),* $(,)? }) => {{
        let mut value = <$ty>::default();
        $(value.$field = $value;)*
        value
    }};
}

mod errors;
mod faults;
mod fixtures;
mod handle;
mod http_util;
mod journal;
mod model;
mod oauth;
mod records;
mod routes;
mod sample;
mod search;
mod seed;
mod server;
mod state;
mod tls;
mod webhook;

pub use faults::{Faults, InjectedFailure};
pub use fixtures::{Fixtures, FixturesError, FIXTURES_VERSION};
pub use handle::{Sandbox, SandboxBuilder, SandboxHandle, StartError};
pub use journal::{ReceivedRequest, JOURNAL_CAPACITY, REDACTED};
pub use tls::TlsSetupError;
pub use webhook::WebhookUrlError;

/// The operations of the API the sandbox answers, as (method, path template): all of them.
/// Those in the README's coverage table keep state; the others answer a sample of their
/// response model.
pub fn operations() -> impl Iterator<Item = (&'static str, &'static str)> {
    routes::OPERATIONS.iter().map(|(m, p, _)| (*m, *p))
}

/// The operations that keep state, as (method, path template): the README's coverage table
/// names them by tag, and every other operation of [`operations`] answers a sample of its
/// response model.
pub fn stateful_operations() -> impl Iterator<Item = (&'static str, &'static str)> {
    routes::STATEFUL.iter().copied()
}

/// The `Intercom-Version` values the sandbox accepts (besides `Preview`).
pub const SUPPORTED_VERSIONS: &[&str] = &[
    "1.0", "1.1", "1.2", "1.3", "1.4", "2.0", "2.1", "2.2", "2.3", "2.4", "2.5", "2.6", "2.7",
    "2.8", "2.9", "2.10", "2.11", "2.12", "2.13", "2.14", "2.15", "2.16",
];

/// The default redirect URI registered for the sandbox's OAuth app.
pub const DEFAULT_REDIRECT_URI: &str = "http://127.0.0.1:8765/callback";
