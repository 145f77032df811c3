//! The default [`Transport`]: hyper-util's pooled client over rustls.

use std::error::Error as _;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};

use crate::error::{ConfigError, Error};
use crate::transport::{Body, Transport, TransportError, TransportErrorKind};

type Inner = hyper_util::client::legacy::Client<HttpsConnector<HttpConnector>, Full<Bytes>>;

/// hyper 1 + hyper-util's connection pool + rustls (ring provider), HTTP/1.1 and HTTP/2.
///
/// Clones share one connection pool, so many clients (for example one `Client<OAuth>` per
/// installed workspace) cost one pool. Plain `http` is enabled at this level only so the
/// client can reach loopback test servers; the [`Client`](crate::Client) refuses `http`
/// base URLs unless they are loopback and explicitly allowed.
#[derive(Debug, Clone)]
pub struct HyperTransport {
    inner: Inner,
}

/// Configures a [`HyperTransport`].
#[derive(Debug, Clone)]
pub struct HyperTransportBuilder {
    connect_timeout: Duration,
    pool_idle_timeout: Duration,
    pool_max_idle_per_host: usize,
}

impl Default for HyperTransportBuilder {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(10),
            pool_idle_timeout: Duration::from_secs(90),
            pool_max_idle_per_host: 64,
        }
    }
}

impl HyperTransportBuilder {
    /// TCP connect timeout (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
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

    /// Builds the transport.
    pub fn build(self) -> Result<HyperTransport, Error> {
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_connect_timeout(Some(self.connect_timeout));
        http.set_nodelay(true);
        let tls = tls_config()?;
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .enable_http2()
            .wrap_connector(http);
        let inner = hyper_util::client::legacy::Client::builder(TokioExecutor::new())
            .timer(TokioTimer::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(self.pool_idle_timeout)
            .pool_max_idle_per_host(self.pool_max_idle_per_host)
            .build(https);
        Ok(HyperTransport { inner })
    }
}

fn tls_config() -> Result<rustls::ClientConfig, Error> {
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ConfigError::Tls {
            reason: e.to_string(),
        })?;
    let roots = root_store()?;
    Ok(builder.with_root_certificates(roots).with_no_client_auth())
}

fn root_store() -> Result<rustls::RootCertStore, Error> {
    #[allow(unused_mut)]
    let mut roots = rustls::RootCertStore::empty();
    #[cfg(feature = "webpki-roots")]
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    #[cfg(feature = "native-roots")]
    {
        let found = rustls_native_certs::load_native_certs();
        for cert in found.certs {
            // Skip certificates the OS store holds but rustls cannot parse.
            let _ = roots.add(cert);
        }
    }
    Ok(roots)
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

fn classify(err: hyper_util::client::legacy::Error) -> TransportError {
    if err.is_connect() {
        let mut source = err.source();
        while let Some(e) = source {
            if let Some(io) = e.downcast_ref::<std::io::Error>() {
                if io.kind() == std::io::ErrorKind::TimedOut {
                    return TransportError::new(TransportErrorKind::ConnectTimeout, err);
                }
            }
            // HttpConnector reports its own timeout as a plain error with this text.
            if e.to_string().contains("timed out") {
                return TransportError::new(TransportErrorKind::ConnectTimeout, err);
            }
            source = e.source();
        }
        return TransportError::new(TransportErrorKind::Connect, err);
    }
    TransportError::new(TransportErrorKind::Io, err)
}

#[async_trait::async_trait]
impl Transport for HyperTransport {
    async fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<Body>, TransportError> {
        let request = request.map(Full::new);
        let response = self.inner.request(request).await.map_err(classify)?;
        Ok(response.map(Body::from_hyper))
    }
}
