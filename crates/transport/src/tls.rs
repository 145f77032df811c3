//! TLS settings of the [`HyperTransport`](crate::HyperTransport): which roots are trusted, the
//! client identity for mutual TLS, and the protocol versions (TLS 1.2 and 1.3 only).

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::error::ConfigError;

/// Which built-in root certificates a transport trusts, before any added with
/// [`add_root_certificates_pem`](crate::HyperTransportBuilder::add_root_certificates_pem).
///
/// The stores exist only when their cargo feature is on: `webpki-roots` (Mozilla's roots
/// compiled into the binary, on by default) and `native-roots` (the operating system's store,
/// read when the transport is built).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum BuiltInRoots {
    /// Every store compiled in (the default): webpki-roots and/or native roots.
    #[default]
    Compiled,
    /// Only Mozilla's roots from the `webpki-roots` crate.
    #[cfg(feature = "webpki-roots")]
    #[cfg_attr(docsrs, doc(cfg(feature = "webpki-roots")))]
    WebPki,
    /// Only the operating system's certificate store.
    #[cfg(feature = "native-roots")]
    #[cfg_attr(docsrs, doc(cfg(feature = "native-roots")))]
    Native,
    /// None: only the roots added by PEM are trusted (a private CA, a TLS-inspecting proxy).
    None,
}

/// Where added PEM roots come from.
#[derive(Clone)]
pub(crate) enum PemSource {
    Bytes(Arc<[u8]>),
    File(PathBuf),
}

impl fmt::Debug for PemSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PemSource::Bytes(b) => write!(f, "Pem({} bytes)", b.len()),
            PemSource::File(p) => write!(f, "PemFile({})", p.display()),
        }
    }
}

/// A client certificate chain and its private key, for servers (or TLS-terminating proxies)
/// that require mutual TLS.
///
/// Parsed when made, so a bad file is a typed [`ConfigError`] at once. `Debug` shows the
/// number of certificates and never the key.
#[derive(Clone)]
pub struct ClientIdentity {
    chain: Vec<CertificateDer<'static>>,
    key: Arc<PrivateKeyDer<'static>>,
}

impl fmt::Debug for ClientIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ClientIdentity {{ certificates: {}, key: [REDACTED] }}",
            self.chain.len()
        )
    }
}

impl ClientIdentity {
    /// A certificate chain (leaf first) and a private key (PKCS#8, PKCS#1 or SEC1), both PEM.
    pub fn from_pem(cert_chain_pem: &[u8], key_pem: &[u8]) -> Result<Self, ConfigError> {
        let chain = parse_certificates(cert_chain_pem, "client certificate")?;
        let key = PrivateKeyDer::from_pem_slice(key_pem).map_err(|e| ConfigError::Tls {
            reason: format!("the client key is not a PEM private key: {}", pem_error(&e)),
        })?;
        Ok(Self {
            chain,
            key: Arc::new(key),
        })
    }

    /// Reads [`from_pem`](Self::from_pem)'s two inputs from files.
    pub fn from_pem_files(
        cert_chain: impl AsRef<Path>,
        key: impl AsRef<Path>,
    ) -> Result<Self, ConfigError> {
        let chain = read_file(cert_chain.as_ref(), "client certificate")?;
        let key = zeroize::Zeroizing::new(read_file(key.as_ref(), "client key")?);
        Self::from_pem(&chain, &key)
    }
}

fn read_file(path: &Path, what: &str) -> Result<Vec<u8>, ConfigError> {
    std::fs::read(path).map_err(|e| ConfigError::Tls {
        reason: format!("cannot read the {what} file {}: {e}", path.display()),
    })
}

/// Names the kind of PEM failure without quoting the input.
fn pem_error(e: &rustls::pki_types::pem::Error) -> &'static str {
    use rustls::pki_types::pem::Error as E;
    match e {
        E::NoItemsFound => "no matching PEM section found",
        E::MissingSectionEnd { .. } | E::IllegalSectionStart { .. } => "a PEM section is malformed",
        E::Base64Decode(_) => "a PEM section is not valid base64",
        _ => "it could not be read as PEM",
    }
}

fn parse_certificates(pem: &[u8], what: &str) -> Result<Vec<CertificateDer<'static>>, ConfigError> {
    let mut out = Vec::new();
    for cert in CertificateDer::pem_slice_iter(pem) {
        out.push(cert.map_err(|e| ConfigError::Tls {
            reason: format!("the {what} PEM is invalid: {}", pem_error(&e)),
        })?);
    }
    if out.is_empty() {
        return Err(ConfigError::Tls {
            reason: format!("the {what} PEM holds no CERTIFICATE section"),
        });
    }
    Ok(out)
}

/// Everything the TLS client configuration is made from.
#[derive(Debug, Clone, Default)]
pub(crate) struct TlsSettings {
    pub(crate) built_in: BuiltInRoots,
    pub(crate) extra_roots: Vec<PemSource>,
    pub(crate) identity: Option<ClientIdentity>,
}

/// The crypto provider: aws-lc-rs with the `rustls-aws-lc` feature, ring otherwise.
fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    #[cfg(feature = "rustls-aws-lc")]
    let provider = rustls::crypto::aws_lc_rs::default_provider();
    #[cfg(not(feature = "rustls-aws-lc"))]
    let provider = rustls::crypto::ring::default_provider();
    Arc::new(provider)
}

impl TlsSettings {
    /// The rustls configuration: TLS 1.2 and 1.3 only, the chosen roots, the identity if any.
    /// With `require_roots`, an empty root store is a [`ConfigError::NoTrustRoots`].
    pub(crate) fn client_config(
        &self,
        require_roots: bool,
    ) -> Result<rustls::ClientConfig, ConfigError> {
        let builder = rustls::ClientConfig::builder_with_provider(provider())
            .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
            .map_err(|e| ConfigError::Tls {
                reason: e.to_string(),
            })?;
        let roots = self.root_store()?;
        if roots.is_empty() && require_roots {
            return Err(ConfigError::NoTrustRoots);
        }
        let builder = builder.with_root_certificates(roots);
        match &self.identity {
            None => Ok(builder.with_no_client_auth()),
            Some(id) => builder
                .with_client_auth_cert(id.chain.clone(), id.key.clone_key())
                .map_err(|e| ConfigError::Tls {
                    reason: format!("the client identity is unusable: {e}"),
                }),
        }
    }

    fn root_store(&self) -> Result<rustls::RootCertStore, ConfigError> {
        let mut roots = rustls::RootCertStore::empty();
        #[cfg(feature = "webpki-roots")]
        if matches!(self.built_in, BuiltInRoots::Compiled | BuiltInRoots::WebPki) {
            roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        }
        #[cfg(feature = "native-roots")]
        if matches!(self.built_in, BuiltInRoots::Compiled | BuiltInRoots::Native) {
            let found = rustls_native_certs::load_native_certs();
            for cert in found.certs {
                // Skip certificates the OS store holds but rustls cannot parse.
                let _ = roots.add(cert);
            }
        }
        for source in &self.extra_roots {
            let certs = match source {
                PemSource::Bytes(b) => parse_certificates(b, "root certificate")?,
                PemSource::File(p) => {
                    parse_certificates(&read_file(p, "root certificate")?, "root certificate")?
                }
            };
            for cert in certs {
                roots.add(cert).map_err(|e| ConfigError::Tls {
                    reason: format!("a root certificate was refused: {e}"),
                })?;
            }
        }
        Ok(roots)
    }
}
