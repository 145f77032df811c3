//! The default [`Transport`]: hyper-util's pooled client over rustls, optionally through an
//! HTTP proxy.

use std::error::Error as _;
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::FutureExt as _;
use http_body_util::Full;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};

use intercom_auth_types::ProxyCredentials;

use crate::error::Error;
use crate::proxy::{ProxyConnector, ProxySettings, ProxyTunnelError, Route};
use crate::tls::{BuiltInRoots, ClientIdentity, PemSource, TlsSettings};
use crate::transport::{Body, Transport, TransportError, TransportErrorKind};

type Inner = hyper_util::client::legacy::Client<HttpsConnector<ProxyConnector>, Full<Bytes>>;

/// hyper 1 + hyper-util's connection pool + rustls (ring provider), HTTP/1.1 and HTTP/2.
///
/// Clones share one connection pool, so many clients (for example one `Client<OAuth>` per
/// installed workspace) cost one pool. Plain `http` is enabled at this level only so the
/// client can reach loopback test servers; the [`Client`](crate::Client) refuses `http`
/// base URLs unless they are loopback and explicitly allowed.
///
/// **TLS**: TLS 1.2 and 1.3 only. Trusts the built-in roots of the enabled cargo features
/// (see [`BuiltInRoots`]) plus any added PEM roots; a configuration that would trust nothing
/// is refused by [`build`](HyperTransportBuilder::build) with
/// [`ConfigError::NoTrustRoots`](crate::ConfigError::NoTrustRoots). A
/// [`ClientIdentity`] answers servers that ask for a client certificate.
///
/// **HTTP/2** is offered through ALPN. When the server picks it, the pool keeps one
/// connection per host and multiplexes every concurrent request over it (no second
/// connection is opened while it lives); with HTTP/1.1 the pool opens one connection per
/// concurrent request and keeps up to [`pool_max_idle_per_host`](HyperTransportBuilder::pool_max_idle_per_host) idle ones.
///
/// **Proxies**: none unless configured: [`proxy`](HyperTransportBuilder::proxy) or
/// [`proxy_from_env`](HyperTransportBuilder::proxy_from_env). https requests go through an
/// HTTP `CONNECT` tunnel, so the proxy sees the host and port, and `Proxy-Authorization` if
/// credentials are set, but never the request or its `Authorization` header.
/// A proxy that drops the tunnel is a [`TransportErrorKind::Connect`] error (retried) while
/// the TLS handshake is under way, since nothing was sent yet, and an
/// [`TransportErrorKind::Io`] error once the request went through (retried only for requests
/// that may be repeated); a proxy that refuses the tunnel is [`TransportErrorKind::Proxy`].
#[derive(Debug, Clone)]
pub struct HyperTransport {
    inner: Inner,
    route: Option<Arc<Route>>,
}

/// Which HTTP versions a [`HyperTransport`] speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum HttpVersion {
    /// Offers HTTP/2 and HTTP/1.1 through ALPN and speaks what the server picks (the
    /// default). Plain-http (loopback) connections use HTTP/1.1.
    #[default]
    Auto,
    /// HTTP/1.1 only: ALPN offers only `http/1.1`, and the pool opens one connection per
    /// concurrent request.
    Http1Only,
    /// HTTP/2 only: ALPN offers only `h2`, so a server without HTTP/2 fails the TLS
    /// handshake ([`TransportErrorKind::Tls`]); plain-http (loopback) connections speak
    /// HTTP/2 with prior knowledge.
    Http2Only,
}

/// Configures a [`HyperTransport`].
#[derive(Debug, Clone)]
pub struct HyperTransportBuilder {
    connect_timeout: Duration,
    http_version: HttpVersion,
    pool_idle_timeout: Duration,
    pool_max_idle_per_host: usize,
    tls: TlsSettings,
    proxy: ProxySettings,
    require_roots: bool,
}

impl Default for HyperTransportBuilder {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(10),
            http_version: HttpVersion::Auto,
            pool_idle_timeout: Duration::from_secs(90),
            pool_max_idle_per_host: 64,
            tls: TlsSettings::default(),
            proxy: ProxySettings::default(),
            require_roots: true,
        }
    }
}

impl HyperTransportBuilder {
    /// TCP connect timeout (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Which HTTP versions to speak (default [`HttpVersion::Auto`]).
    pub fn http_version(mut self, version: HttpVersion) -> Self {
        self.http_version = version;
        self
    }

    /// How long an idle pooled connection is kept (default 90 s).
    pub fn pool_idle_timeout(mut self, timeout: Duration) -> Self {
        self.pool_idle_timeout = timeout;
        self
    }

    /// Idle connections kept per host (default 64).
    pub fn pool_max_idle_per_host(mut self, max: usize) -> Self {
        self.pool_max_idle_per_host = max;
        self
    }

    /// Which built-in root certificates to trust (default: every store compiled in).
    pub fn built_in_roots(mut self, roots: BuiltInRoots) -> Self {
        self.tls.built_in = roots;
        self
    }

    /// Also trusts the CA certificates in `pem` (one or more `CERTIFICATE` sections), for a
    /// private CA or a TLS-inspecting proxy. Checked by [`build`](Self::build).
    pub fn add_root_certificates_pem(mut self, pem: impl AsRef<[u8]>) -> Self {
        self.tls
            .extra_roots
            .push(PemSource::Bytes(Arc::from(pem.as_ref())));
        self
    }

    /// Also trusts the CA certificates in a PEM file, read by [`build`](Self::build).
    pub fn add_root_certificates_pem_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.tls.extra_roots.push(PemSource::File(path.into()));
        self
    }

    /// Presents this certificate and key to servers that ask for one (mutual TLS).
    pub fn client_identity(mut self, identity: ClientIdentity) -> Self {
        self.tls.identity = Some(identity);
        self
    }

    /// Sends every request through the HTTP proxy at `url` (`http://[user:password@]host:port`;
    /// a URL without a scheme is taken as http). https requests are tunnelled with `CONNECT`.
    /// Checked by [`build`](Self::build): a bad URL is a
    /// [`ConfigError::InvalidProxy`](crate::ConfigError::InvalidProxy). Overrides
    /// [`proxy_from_env`](Self::proxy_from_env).
    pub fn proxy(mut self, url: impl Into<String>) -> Self {
        self.proxy.url = Some(url.into());
        self
    }

    /// Hosts that bypass the proxy, comma-separated as in `NO_PROXY`: domain names (matching
    /// their subdomains too), IP addresses, CIDR ranges, or `*` for all. Replaces the
    /// environment's `NO_PROXY` when both are used.
    pub fn no_proxy(mut self, list: impl Into<String>) -> Self {
        self.proxy.no_proxy = Some(list.into());
        self
    }

    /// Reads the proxy from the environment when the transport is built: `HTTPS_PROXY`, then
    /// `ALL_PROXY` (upper or lower case), and `NO_PROXY`. Off by default, so a library never
    /// sends traffic to a proxy its user did not choose; the `intercom` CLI turns it on.
    /// `HTTP_PROXY` is not read (the API is https; under CGI a request can set it).
    pub fn proxy_from_env(mut self, read: bool) -> Self {
        self.proxy.from_env = read;
        self
    }

    /// Credentials for the proxy, sent only to it as `Proxy-Authorization`. They take
    /// precedence over credentials written in the proxy URL.
    pub fn proxy_credentials(mut self, credentials: ProxyCredentials) -> Self {
        self.proxy.credentials = Some(credentials);
        self
    }

    /// Lets [`build`](Self::build) succeed with an empty root store: for a client whose base
    /// URL is plain-http loopback, which never needs TLS.
    pub(crate) fn allow_no_roots(mut self) -> Self {
        self.require_roots = false;
        self
    }

    /// Builds the transport. Fails with a typed [`ConfigError`](crate::ConfigError) when a
    /// PEM input, the client identity or the proxy URL is unusable, or when no root
    /// certificate would be trusted.
    pub fn build(self) -> Result<HyperTransport, Error> {
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_connect_timeout(Some(self.connect_timeout));
        http.set_nodelay(true);
        let tls = self.tls.client_config(self.require_roots)?;
        let route = self.proxy.resolve()?;
        let connector = ProxyConnector {
            http,
            route: route.clone(),
        };
        let protocols = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http();
        // The connector sets the ALPN offer from the versions enabled here.
        let https = match self.http_version {
            HttpVersion::Auto => protocols
                .enable_http1()
                .enable_http2()
                .wrap_connector(connector),
            HttpVersion::Http1Only => protocols.enable_http1().wrap_connector(connector),
            HttpVersion::Http2Only => protocols.enable_http2().wrap_connector(connector),
        };
        let inner = hyper_util::client::legacy::Client::builder(TokioExecutor::new())
            .http2_only(self.http_version == HttpVersion::Http2Only)
            .timer(TokioTimer::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(self.pool_idle_timeout)
            .pool_max_idle_per_host(self.pool_max_idle_per_host)
            .build(https);
        Ok(HyperTransport { inner, route })
    }
}

impl HyperTransport {
    /// A transport with default settings.
    pub fn new() -> Result<Self, Error> {
        Self::builder().build()
    }

    /// Configures a transport.
    pub fn builder() -> HyperTransportBuilder {
        HyperTransportBuilder::default()
    }
}

/// A failure whose cause is worth naming first: the TLS or proxy error found deep in
/// hyper-util's chain (which otherwise only says "client error (Connect)").
#[derive(Debug, thiserror::Error)]
#[error("{cause}")]
struct Named {
    cause: String,
    #[source]
    source: hyper_util::client::legacy::Error,
}

/// The links of an error chain, looking inside `io::Error`s too (their `source` skips the
/// error they wrap, which is where hyper-rustls puts rustls's error).
pub(crate) fn walk<'a>(
    err: &'a (dyn std::error::Error + 'static),
    out: &mut Vec<&'a (dyn std::error::Error + 'static)>,
) {
    if out.len() > 32 {
        return;
    }
    out.push(err);
    if let Some(io) = err.downcast_ref::<std::io::Error>() {
        if let Some(inner) = io.get_ref() {
            let inner: &(dyn std::error::Error + 'static) = inner;
            return walk(inner, out);
        }
    }
    if let Some(next) = err.source() {
        walk(next, out);
    }
}

fn classify(err: hyper_util::client::legacy::Error) -> TransportError {
    let mut links = Vec::new();
    if let Some(first) = err.source() {
        walk(first, &mut links);
    }
    let mut found: Option<(TransportErrorKind, String)> = None;
    let mut is_timeout = false;
    for e in &links {
        if let Some(tunnel) = e.downcast_ref::<ProxyTunnelError>() {
            found = Some((TransportErrorKind::Proxy, tunnel.to_string()));
            break;
        }
        if let Some(tls) = e.downcast_ref::<rustls::Error>() {
            found = Some((TransportErrorKind::Tls, tls.to_string()));
            break;
        }
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            if io.kind() == std::io::ErrorKind::TimedOut {
                is_timeout = true;
            }
        }
        // HttpConnector reports its own timeout as a plain error with this text.
        if e.to_string().contains("timed out") {
            is_timeout = true;
        }
    }
    if let Some((kind, cause)) = found {
        return TransportError::new(kind, Named { cause, source: err });
    }
    if err.is_connect() {
        let kind = if is_timeout {
            TransportErrorKind::ConnectTimeout
        } else {
            TransportErrorKind::Connect
        };
        return TransportError::new(kind, err);
    }
    TransportError::new(TransportErrorKind::Io, err)
}

impl HyperTransport {
    /// One exchange, as [`Transport::send`]. Not an `async fn`: the request is handed to
    /// hyper before the returned future is first polled, so that future holds only hyper's
    /// (no copy of the request), and the client's pipeline awaits it without a box.
    pub(crate) fn exchange(
        &self,
        request: http::Request<Bytes>,
    ) -> impl Future<Output = Result<http::Response<Body>, TransportError>> + Send + 'static {
        let mut request = request.map(Full::new);
        if let Some(auth) = self
            .route
            .as_ref()
            .and_then(|r| r.forward_auth(request.uri()))
        {
            request.headers_mut().insert(
                http::header::PROXY_AUTHORIZATION,
                auth.header_value().clone(),
            );
        }
        self.inner.request(request).map(|result| match result {
            Ok(response) => Ok(response.map(Body::from_hyper)),
            Err(e) => Err(classify(e)),
        })
    }
}

#[async_trait::async_trait]
impl Transport for HyperTransport {
    async fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<Body>, TransportError> {
        self.exchange(request).await
    }
}
