//! HTTPS for the sandbox: a throwaway CA and a server certificate for `127.0.0.1` and
//! `localhost`, made with rcgen when the sandbox starts, and the rustls server configuration
//! (TLS 1.2 and 1.3, ALPN `h2` then `http/1.1`).

use std::fmt;
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// Why the certificates or the TLS configuration could not be made.
#[derive(Debug)]
pub struct TlsSetupError(String);

impl fmt::Display for TlsSetupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the sandbox could not set up TLS: {}", self.0)
    }
}

impl std::error::Error for TlsSetupError {}

fn fail(what: &str) -> impl FnOnce(rcgen::Error) -> TlsSetupError + '_ {
    move |e| TlsSetupError(format!("{what}: {e}"))
}

/// The generated certificates: what a client trusts, and what the server presents.
pub(crate) struct Generated {
    /// The CA certificate, PEM: the one root a client needs.
    pub(crate) ca_pem: String,
    /// The rustls server configuration presenting the server certificate.
    pub(crate) acceptor: tokio_rustls::TlsAcceptor,
}

/// Makes a CA and a server certificate signed by it, valid for `127.0.0.1` and `localhost`.
pub(crate) fn generate() -> Result<Generated, TlsSetupError> {
    let mut ca_params =
        CertificateParams::new(Vec::<String>::new()).map_err(fail("CA parameters"))?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "intercom-sandbox throwaway CA");
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_key = KeyPair::generate().map_err(fail("CA key"))?;
    let ca = CertifiedIssuer::self_signed(ca_params, ca_key).map_err(fail("CA certificate"))?;

    let mut params = CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
        .map_err(fail("server certificate parameters"))?;
    params
        .distinguished_name
        .push(DnType::CommonName, "intercom-sandbox");
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let key = KeyPair::generate().map_err(fail("server key"))?;
    let cert = params
        .signed_by(&key, &ca)
        .map_err(fail("server certificate"))?;

    let chain = vec![CertificateDer::from(cert.der().to_vec())];
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| TlsSetupError(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| TlsSetupError(e.to_string()))?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Generated {
        ca_pem: ca.pem(),
        acceptor: tokio_rustls::TlsAcceptor::from(Arc::new(config)),
    })
}
