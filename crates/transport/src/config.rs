//! Configuration values: region, API version, timeouts, retries, limits. The builder that
//! takes them is in `builder.rs`; the base URL and its origin rule in `base_url.rs`.

use std::fmt;
use std::time::Duration;

use http::HeaderValue;

use crate::error::ConfigError;

/// The API version sent as `Intercom-Version` unless overridden.
pub const DEFAULT_INTERCOM_VERSION: &str = "2.16";

/// The `User-Agent` every request carries.
pub const USER_AGENT: &str = concat!("intercom-rs/", env!("CARGO_PKG_VERSION"));

/// Default cap on a response body: 16 MiB. Intercom's JSON pages are far smaller (150 contacts
/// are about 300 KiB); exports are streamed by dedicated calls.
pub const DEFAULT_MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// One of Intercom's regional API hosts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Region {
    /// `https://api.intercom.io` (also routes to other regions, less reliably).
    #[default]
    Us,
    /// `https://api.eu.intercom.io`.
    Eu,
    /// `https://api.au.intercom.io`.
    Au,
}

impl Region {
    /// The region's REST API base URL.
    pub fn base_url(self) -> &'static str {
        match self {
            Region::Us => "https://api.intercom.io",
            Region::Eu => "https://api.eu.intercom.io",
            Region::Au => "https://api.au.intercom.io",
        }
    }
}

impl std::str::FromStr for Region {
    type Err = ConfigError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "us" => Ok(Region::Us),
            "eu" => Ok(Region::Eu),
            "au" => Ok(Region::Au),
            _ => Err(ConfigError::UnknownRegion {
                region: s.chars().take(16).collect(),
            }),
        }
    }
}

/// An `Intercom-Version` value: an open string (`"2.16"`, `"2.17"`, `"Preview"`, …), checked
/// only to be a valid header value.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct IntercomVersion(HeaderValue);

/// The version string was empty or held characters a header cannot carry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid Intercom-Version: it must be 1 to 32 visible ASCII characters, like \"2.16\"")]
pub struct InvalidVersion;

impl IntercomVersion {
    /// The version this crate was generated against (2.16).
    pub const fn default_version() -> Self {
        Self(HeaderValue::from_static(DEFAULT_INTERCOM_VERSION))
    }

    /// Checks and wraps a version string.
    pub fn new(version: &str) -> Result<Self, InvalidVersion> {
        let ok = !version.is_empty()
            && version.len() <= 32
            && version.bytes().all(|b| b.is_ascii_graphic());
        if !ok {
            return Err(InvalidVersion);
        }
        HeaderValue::from_str(version)
            .map(Self)
            .map_err(|_| InvalidVersion)
    }

    /// The version as text.
    pub fn as_str(&self) -> &str {
        // Only visible ASCII gets in (checked in `new`), so this never falls back.
        self.0.to_str().unwrap_or(DEFAULT_INTERCOM_VERSION)
    }

    pub(crate) fn header(&self) -> &HeaderValue {
        &self.0
    }
}

impl Default for IntercomVersion {
    fn default() -> Self {
        Self::default_version()
    }
}

impl fmt::Debug for IntercomVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IntercomVersion({:?})", self.as_str())
    }
}

impl fmt::Display for IntercomVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for IntercomVersion {
    type Err = InvalidVersion;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

/// Deadlines. Every one is a typed [`Error::Timeout`](crate::Error::Timeout) naming its [`TimeoutPhase`](crate::TimeoutPhase).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Timeouts {
    /// Establishing a TCP + TLS connection. Default 10 s. Per client only: connections are
    /// pooled and shared between requests.
    pub connect: Duration,
    /// One attempt: from handing the request to the transport until the whole body is read.
    /// Default 30 s.
    pub attempt: Duration,
    /// The whole call: every attempt, backoff and rate-limit wait. Default 120 s.
    pub total: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(10),
            attempt: Duration::from_secs(30),
            total: Duration::from_secs(120),
        }
    }
}

/// Retry policy: which failures are retried, how often, and how long to back off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryConfig {
    /// Attempts in all, the first included. Default 3; 1 disables retries.
    pub max_attempts: u32,
    /// Base of the exponential backoff: attempt `n` (from 1) sleeps a uniformly random time in
    /// `[0, min(initial_backoff · 2^(n-1), max_backoff)]` ("full jitter"). Default 500 ms.
    pub initial_backoff: Duration,
    /// Upper bound of one backoff. Default 20 s.
    pub max_backoff: Duration,
    /// Retry POST and PATCH too. Default false: Intercom has no idempotency keys, so a retried
    /// POST may create a second conversation or contact.
    pub retry_non_idempotent: bool,
    /// Before each attempt, wait for the rate-limit window to reset when the last response
    /// said `X-RateLimit-Remaining: 0` (bounded by the total deadline). Default true.
    pub wait_on_exhausted_limit: bool,
}

impl Default for RetryConfig {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(20),
            retry_non_idempotent: false,
            wait_on_exhausted_limit: true,
        }
    }
}

impl RetryConfig {
    /// No retries at all: one attempt.
    pub fn disabled() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }
}
