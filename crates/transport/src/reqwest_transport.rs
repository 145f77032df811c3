//! A [`Transport`] over a `reqwest::Client`, for applications whose HTTP stack (proxy, TLS,
//! middleware) already lives in one.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;

use crate::error::Error;
use crate::hyper_transport::walk;
use crate::tls::{BuiltInRoots, ClientIdentity, PemSource, TlsSettings};
use crate::transport::{Body, Transport, TransportError, TransportErrorKind};

/// One HTTP exchange through a `reqwest::Client` (reqwest 0.12, feature `reqwest`).
///
/// Authentication, the origin rule for redirects, retries, rate limits and deadlines stay in
/// the [`Client`](crate::Client) pipeline above this transport, exactly as with
/// [`HyperTransport`](crate::HyperTransport). For that the `reqwest::Client` must not follow
/// redirects itself: [`builder`](Self::builder) makes one that does not, and
/// [`from_client`](Self::from_client) takes yours, which must be built with
/// `redirect(reqwest::redirect::Policy::none())`. A response reached through a redirect anyway
/// is refused with [`TransportErrorKind::Policy`] (not retried) rather than handed to the pipeline.
///
/// The built-in client: rustls with this crate's provider, TLS 1.2 and 1.3, the same root
/// choices as the hyper transport, HTTP/1.1 and HTTP/2 through ALPN, no proxy (reqwest's
/// reading of `HTTPS_PROXY` is turned off, as for the hyper transport), no redirects.
///
/// ```no_run
/// # fn demo() -> Result<(), intercom_transport::Error> {
/// use std::sync::Arc;
/// use intercom_transport::{Client, ReqwestTransport};
///
/// let transport = ReqwestTransport::builder().build()?;
/// let client = Client::builder().transport(Arc::new(transport)).build()?;
/// # let _ = client; Ok(()) }
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "reqwest")))]
#[derive(Debug, Clone)]
pub struct ReqwestTransport {
    client: reqwest::Client,
}

/// Configures the `reqwest::Client` of a [`ReqwestTransport`].
#[cfg_attr(docsrs, doc(cfg(feature = "reqwest")))]
#[derive(Debug, Clone)]
pub struct ReqwestTransportBuilder {
    connect_timeout: Duration,
    tls: TlsSettings,
}

impl Default for ReqwestTransportBuilder {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(10),
            tls: TlsSettings::default(),
        }
    }
}

impl ReqwestTransportBuilder {
    /// TCP connect timeout (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Which built-in root certificates to trust (default: every store compiled in).
    pub fn built_in_roots(mut self, roots: BuiltInRoots) -> Self {
        self.tls.built_in = roots;
        self
    }

    /// Also trusts the CA certificates in `pem`. Checked by [`build`](Self::build).
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

    /// Builds the transport. Fails with a typed [`ConfigError`](crate::ConfigError) when a
    /// PEM input or the client identity is unusable, or when no root would be trusted.
    pub fn build(self) -> Result<ReqwestTransport, Error> {
        let mut tls = self.tls.client_config(true)?;
        tls.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        let client = reqwest::Client::builder()
            .use_preconfigured_tls(tls)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .connect_timeout(self.connect_timeout)
            .tcp_nodelay(true)
            .build()
            .map_err(|e| crate::ConfigError::Tls {
                reason: format!("reqwest refused the configuration: {e}"),
            })?;
        Ok(ReqwestTransport { client })
    }
}

impl ReqwestTransport {
    /// A transport with default settings.
    pub fn new() -> Result<Self, Error> {
        Self::builder().build()
    }

    /// Configures a transport with its own `reqwest::Client`.
    pub fn builder() -> ReqwestTransportBuilder {
        ReqwestTransportBuilder::default()
    }

    /// Uses an existing client, with its proxy, TLS and connection pool. It must be built with
    /// `redirect(reqwest::redirect::Policy::none())`; see the type's documentation.
    pub fn from_client(client: reqwest::Client) -> Self {
        Self { client }
    }

    /// The `reqwest::Client` requests go through.
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }
}

/// The reqwest client followed a redirect the pipeline should have seen.
#[derive(Debug, thiserror::Error)]
#[error(
    "the reqwest client followed a redirect to another URL; build it with \
     redirect(reqwest::redirect::Policy::none()) so the client's origin rule applies"
)]
struct FollowedRedirect;

/// A failure whose cause is worth naming first (the rustls error deep in reqwest's chain).
#[derive(Debug, thiserror::Error)]
#[error("{cause}")]
struct Named {
    cause: String,
    #[source]
    source: reqwest::Error,
}

fn classify(err: reqwest::Error) -> TransportError {
    let mut links = Vec::new();
    walk(&err, &mut links);
    let tls = links
        .iter()
        .find_map(|e| e.downcast_ref::<rustls::Error>())
        .map(ToString::to_string);
    if let Some(cause) = tls {
        return TransportError::new(TransportErrorKind::Tls, Named { cause, source: err });
    }
    if err.is_connect() {
        let kind = if err.is_timeout() {
            TransportErrorKind::ConnectTimeout
        } else {
            TransportErrorKind::Connect
        };
        return TransportError::new(kind, err);
    }
    if err.is_builder() {
        return TransportError::new(TransportErrorKind::Other, err);
    }
    TransportError::new(TransportErrorKind::Io, err)
}

#[async_trait::async_trait]
impl Transport for ReqwestTransport {
    async fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<Body>, TransportError> {
        let request = reqwest::Request::try_from(request)
            .map_err(|e| TransportError::new(TransportErrorKind::Other, e))?;
        let sent_to = request.url().clone();
        let response = self.client.execute(request).await.map_err(classify)?;
        if response.url() != &sent_to {
            return Err(TransportError::new(
                TransportErrorKind::Policy,
                FollowedRedirect,
            ));
        }
        let response: http::Response<reqwest::Body> = response.into();
        Ok(response.map(Body::new))
    }
}
