//! Phase 1, build: the request's URI and the settings every attempt of the call uses.

use std::time::Duration;

use bytes::Bytes;
use http::Uri;
use tokio::time::Instant;

use crate::client::Shared;
use crate::clock;
use crate::error::Error;
use crate::request::{self, ApiRequest, Path};
use crate::retry;

/// What every attempt of one call sends, and how.
pub(super) struct Plan {
    pub(super) uri: Uri,
    pub(super) body: Option<Bytes>,
    pub(super) started: Instant,
    pub(super) deadline: Instant,
    pub(super) attempt_timeout: Duration,
    pub(super) max_attempts: u32,
    pub(super) max_body: usize,
    pub(super) follow: bool,
    pub(super) may_repeat: bool,
}

/// Checks the request and joins `base prefix + path + query` into its URI; resolves the call's
/// options against the client's defaults.
///
/// Frees the request's path once it is copied into the URI: alive for the whole call (as it
/// was), 64 calls in flight kept 64 small strings out of glibc's per-thread cache while their
/// answers were decoded, which doubled the allocator's slow-path calls (docs/performance.md).
pub(super) fn plan(
    shared: &Shared,
    request: &mut ApiRequest,
    started: Instant,
) -> Result<Plan, Error> {
    let body = request
        .body
        .clone()
        .map_err(|reason| Error::InvalidRequest { reason })?;
    let path = match &request.path {
        // Checked while `path_params` built it.
        Path::Filled(path) => path,
        Path::Given(path) => {
            request::check_path_params(request.template, path)
                .map_err(|reason| Error::InvalidRequest { reason })?;
            path
        }
        Path::Template => request.template,
        Path::Invalid(reason) => {
            return Err(Error::InvalidRequest {
                reason: reason.clone(),
            })
        }
    };
    // `prefix + path + query` in one buffer of the exact size, handed to `Uri` without a copy.
    let prefix = &shared.base.prefix;
    let mut full = String::with_capacity(
        prefix
            .len()
            .saturating_add(path.len())
            .saturating_add(request.query.len()),
    );
    full.push_str(prefix);
    full.push_str(path);
    full.push_str(&request.query);
    let path_and_query = &full[prefix.len()..];
    if !path_and_query.starts_with('/') || path_and_query.starts_with("//") {
        return Err(Error::InvalidRequest {
            reason: "the path must start with a single '/' (requests always go to the base URL)"
                .into(),
        });
    }
    if let Path::Filled(path) | Path::Given(path) = &mut request.path {
        drop(std::mem::take(path));
    }
    let uri = Uri::try_from(full).map_err(|e: http::uri::InvalidUri| Error::InvalidRequest {
        reason: format!("the path is not a valid URI path: {e}"),
    })?;
    let options = &request.options;
    let total = options.total_timeout.unwrap_or(shared.timeouts.total);
    Ok(Plan {
        uri,
        body,
        started,
        deadline: clock::deadline_after(started, total),
        attempt_timeout: options.attempt_timeout.unwrap_or(shared.timeouts.attempt),
        max_attempts: options
            .max_attempts
            .unwrap_or(shared.retry.max_attempts)
            .max(1),
        may_repeat: retry::is_idempotent(&request.method)
            || options
                .retry_non_idempotent
                .unwrap_or(shared.retry.retry_non_idempotent),
        follow: options.follow_redirects.unwrap_or(shared.follow_redirects),
        max_body: options.max_body_bytes.unwrap_or(shared.max_body_bytes),
    })
}
