//! [`ClientBuilder`]: collects the configuration values and builds a [`Client`].

use std::sync::Arc;
use std::time::Duration;

use http::HeaderValue;
use intercom_auth_types::Unauthenticated;

use crate::base_url::BaseUrl;
use crate::client::{Client, Sender, Shared};
use crate::config::{
    IntercomVersion, Region, RetryConfig, Timeouts, DEFAULT_MAX_BODY_BYTES, USER_AGENT,
};
use crate::error::Error;
use crate::hyper_transport::{HttpVersion, HyperTransportBuilder};
use crate::ratelimit::RateLimiter;
use crate::retry::Jitter;
use crate::tls::{BuiltInRoots, ClientIdentity};
use crate::transport::Transport;

impl Client<Unauthenticated> {
    /// Starts configuring a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
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

    /// See [`HyperTransportBuilder::http_version`].
    pub fn http_version(mut self, version: HttpVersion) -> Self {
        self.http = self.http.http_version(version);
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
        let base = BaseUrl::parse(raw, self.allow_insecure_loopback)?;
        let transport = match self.transport {
            Some(t) => Sender::Custom(t),
            None => {
                let mut http = self.http.connect_timeout(self.timeouts.connect);
                // A plain-http loopback client (tests, the sandbox) never needs TLS, so it may
                // be built without any root store; redirects off keep it on that origin.
                if base.is_plain_http() && !self.follow_redirects {
                    http = http.allow_no_roots();
                }
                Sender::Hyper(http.build()?)
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
