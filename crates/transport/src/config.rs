//! Client configuration: region or base URL, version, timeouts, retries, limits.

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use http::HeaderValue;
use url::Url;

use crate::client::{BaseUrl, Client, Shared};
use crate::error::{ConfigError, Error};
use crate::hyper_transport::HyperTransportBuilder;
use crate::ratelimit::RateLimiter;
use crate::retry::Jitter;
use crate::tls::{BuiltInRoots, ClientIdentity};
use crate::transport::Transport;

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

/// Deadlines. Every one is a typed [`Error::Timeout`] naming its [`TimeoutPhase`](crate::TimeoutPhase).
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

/// Builds a [`Client`]. Start with [`Client::builder`].
#[derive(Debug)]
pub struct ClientBuilder {
    base_url: Option<String>,
    region: Region,
    allow_insecure_loopback: bool,
    version: IntercomVersion,
    timeouts: Timeouts,
    retry: RetryConfig,
    follow_redirects: bool,
    max_body_bytes: usize,
    jitter_seed: Option<u64>,
    transport: Option<Arc<dyn Transport>>,
    http: HyperTransportBuilder,
    limiter: Option<Arc<dyn RateLimiter>>,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self {
            base_url: None,
            region: Region::Us,
            allow_insecure_loopback: false,
            version: IntercomVersion::default(),
            timeouts: Timeouts::default(),
            retry: RetryConfig::default(),
            follow_redirects: false,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            jitter_seed: None,
            transport: None,
            http: HyperTransportBuilder::default(),
            limiter: None,
        }
    }
}

impl ClientBuilder {
    /// Uses one of Intercom's regional hosts (default [`Region::Us`]). Ignored when
    /// [`base_url`](Self::base_url) is set.
    pub fn region(mut self, region: Region) -> Self {
        self.region = region;
        self
    }

    /// Uses a custom base URL (a proxy, the sandbox, a test server). It must be `https`,
    /// unless it is `http` on a loopback address and
    /// [`allow_insecure_loopback`](Self::allow_insecure_loopback) is set. A path prefix is
    /// kept; query strings, fragments and credentials are refused.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Allows an `http://` base URL whose host is loopback (127.0.0.0/8, ::1, `localhost`).
    /// Meant for tests and the sandbox; plain http to any other host is always refused.
    pub fn allow_insecure_loopback(mut self, allow: bool) -> Self {
        self.allow_insecure_loopback = allow;
        self
    }

    /// The `Intercom-Version` sent by default (2.16 unless set).
    pub fn intercom_version(mut self, version: IntercomVersion) -> Self {
        self.version = version;
        self
    }

    /// All deadlines at once.
    pub fn timeouts(mut self, timeouts: Timeouts) -> Self {
        self.timeouts = timeouts;
        self
    }

    /// The connect timeout (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.timeouts.connect = timeout;
        self
    }

    /// The per-attempt timeout (default 30 s).
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.timeouts.attempt = timeout;
        self
    }

    /// The total deadline of a call, retries and waits included (default 120 s).
    pub fn total_timeout(mut self, timeout: Duration) -> Self {
        self.timeouts.total = timeout;
        self
    }

    /// The retry policy.
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.retry = retry;
        self
    }

    /// Attempts in all (default 3); `1` disables retries.
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.retry.max_attempts = attempts.max(1);
        self
    }

    /// Also retry POST and PATCH (off by default: they are not idempotent).
    pub fn retry_non_idempotent(mut self, retry: bool) -> Self {
        self.retry.retry_non_idempotent = retry;
        self
    }

    /// Follow redirects (off by default). When on, `Authorization` is dropped for any hop to
    /// another scheme, host or port than the base URL, and https→http hops are refused.
    pub fn follow_redirects(mut self, follow: bool) -> Self {
        self.follow_redirects = follow;
        self
    }

    /// Cap on a response body (default [`DEFAULT_MAX_BODY_BYTES`]).
    pub fn max_body_bytes(mut self, limit: usize) -> Self {
        self.max_body_bytes = limit;
        self
    }

    /// Seeds the backoff jitter so tests are repeatable.
    pub fn jitter_seed(mut self, seed: u64) -> Self {
        self.jitter_seed = Some(seed);
        self
    }

    /// Uses a custom [`Transport`] instead of the default [`HyperTransport`](crate::HyperTransport). Retries, rate
    /// limiting, deadlines and auth still apply.
    pub fn transport(mut self, transport: Arc<dyn Transport>) -> Self {
        self.transport = Some(transport);
        self
    }

    /// Configures the default [`HyperTransport`](crate::HyperTransport) (TLS roots, client identity, proxy, pool).
    /// Its connect timeout is replaced by the client's. Ignored when a custom
    /// [`transport`](Self::transport) is set, as are the shortcuts below.
    pub fn http_transport(mut self, builder: HyperTransportBuilder) -> Self {
        self.http = builder;
        self
    }

    /// See [`HyperTransportBuilder::proxy`].
    pub fn proxy(mut self, url: impl Into<String>) -> Self {
        self.http = self.http.proxy(url);
        self
    }

    /// See [`HyperTransportBuilder::no_proxy`].
    pub fn no_proxy(mut self, list: impl Into<String>) -> Self {
        self.http = self.http.no_proxy(list);
        self
    }

    /// See [`HyperTransportBuilder::proxy_from_env`] (off by default).
    pub fn proxy_from_env(mut self, read: bool) -> Self {
        self.http = self.http.proxy_from_env(read);
        self
    }

    /// See [`HyperTransportBuilder::proxy_credentials`].
    pub fn proxy_credentials(mut self, credentials: intercom_auth_types::ProxyCredentials) -> Self {
        self.http = self.http.proxy_credentials(credentials);
        self
    }

    /// See [`HyperTransportBuilder::built_in_roots`].
    pub fn built_in_roots(mut self, roots: BuiltInRoots) -> Self {
        self.http = self.http.built_in_roots(roots);
        self
    }

    /// See [`HyperTransportBuilder::add_root_certificates_pem`].
    pub fn add_root_certificates_pem(mut self, pem: impl AsRef<[u8]>) -> Self {
        self.http = self.http.add_root_certificates_pem(pem);
        self
    }

    /// See [`HyperTransportBuilder::add_root_certificates_pem_file`].
    pub fn add_root_certificates_pem_file(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.http = self.http.add_root_certificates_pem_file(path);
        self
    }

    /// See [`HyperTransportBuilder::client_identity`].
    pub fn client_identity(mut self, identity: ClientIdentity) -> Self {
        self.http = self.http.client_identity(identity);
        self
    }

    /// Uses a custom [`RateLimiter`] for every client built from this configuration, whatever
    /// its token (it decides its own keying, e.g. per app and workspace). Without one, each
    /// token gets its own [`InProcessLimiter`](crate::InProcessLimiter), shared by that client's clones.
    pub fn rate_limiter(mut self, limiter: Arc<dyn RateLimiter>) -> Self {
        self.limiter = Some(limiter);
        self
    }

    /// Validates the configuration and builds an unauthenticated client. Attach a token with
    /// [`Client::with_access_token`] or [`Client::with_oauth_token`].
    pub fn build(self) -> Result<Client, Error> {
        let raw = self
            .base_url
            .as_deref()
            .unwrap_or_else(|| self.region.base_url());
        let base = parse_base_url(raw, self.allow_insecure_loopback)?;
        let transport = match self.transport {
            Some(t) => t,
            None => {
                let mut http = self.http.connect_timeout(self.timeouts.connect);
                // A plain-http loopback client (tests, the sandbox) never needs TLS, so it may
                // be built without any root store; redirects off keep it on that origin.
                if base.is_plain_http() && !self.follow_redirects {
                    http = http.allow_no_roots();
                }
                Arc::new(http.build()?)
            }
        };
        let shared = Shared {
            transport,
            base,
            version: self.version,
            user_agent: HeaderValue::from_static(USER_AGENT),
            timeouts: self.timeouts,
            retry: self.retry,
            follow_redirects: self.follow_redirects,
            max_body_bytes: self.max_body_bytes,
            jitter: Jitter::new(self.jitter_seed),
            custom_limiter: self.limiter,
        };
        Ok(Client::from_shared(Arc::new(shared)))
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

pub(crate) fn parse_base_url(raw: &str, allow_insecure_loopback: bool) -> Result<BaseUrl, Error> {
    let url = Url::parse(raw).map_err(|e| ConfigError::InvalidBaseUrl {
        reason: e.to_string(),
    })?;
    if url.cannot_be_a_base() || url.host().is_none() {
        return Err(ConfigError::InvalidBaseUrl {
            reason: "it has no host".into(),
        }
        .into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(ConfigError::InvalidBaseUrl {
            reason: "credentials in the URL are not allowed; use a token".into(),
        }
        .into());
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(ConfigError::InvalidBaseUrl {
            reason: "a base URL cannot have a query or fragment".into(),
        }
        .into());
    }
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) && allow_insecure_loopback => {}
        "http" if is_loopback(&url) => return Err(ConfigError::InsecureBaseUrl {
            hint:
                "plain http is allowed only for loopback hosts with allow_insecure_loopback(true)",
        }
        .into()),
        "http" => {
            return Err(ConfigError::InsecureBaseUrl {
                hint: "plain http is refused for non-loopback hosts; use https",
            }
            .into())
        }
        other => {
            return Err(ConfigError::InvalidBaseUrl {
                reason: format!("unsupported scheme `{other}`"),
            }
            .into())
        }
    }
    Ok(BaseUrl::new(url))
}
