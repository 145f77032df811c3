//! Real network peers for the TLS and proxy tests, all on 127.0.0.1: a throwaway PKI made with
//! rcgen, an HTTPS (or plain HTTP) server speaking HTTP/1.1 and HTTP/2 that records what it
//! received, and a CONNECT/forwarding proxy that records every byte the client sent it.
#![allow(dead_code, clippy::unwrap_used)]

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::Full;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

pub const TOKEN: &str = "dG9rOnRscy10ZXN0LXRva2Vu";

/// A CA, a server certificate for 127.0.0.1/localhost, and a client certificate, all PEM.
pub struct Pki {
    pub ca_pem: String,
    pub server_cert_pem: String,
    pub server_key_pem: String,
    pub client_cert_pem: String,
    pub client_key_pem: String,
}

fn ca(name: &str) -> CertifiedIssuer<'static, KeyPair> {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap()
}

fn leaf(
    names: &[&str],
    usage: ExtendedKeyUsagePurpose,
    issuer: &CertifiedIssuer<'static, KeyPair>,
) -> (String, String) {
    let mut params =
        CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap();
    params.distinguished_name.push(DnType::CommonName, names[0]);
    params.extended_key_usages = vec![usage];
    let key = KeyPair::generate().unwrap();
    let cert = params.signed_by(&key, issuer).unwrap();
    (cert.pem(), key.serialize_pem())
}

impl Pki {
    pub fn new() -> Self {
        let ca = ca("intercom-rs test CA");
        let (server_cert_pem, server_key_pem) = leaf(
            &["localhost", "127.0.0.1"],
            ExtendedKeyUsagePurpose::ServerAuth,
            &ca,
        );
        let (client_cert_pem, client_key_pem) =
            leaf(&["client.test"], ExtendedKeyUsagePurpose::ClientAuth, &ca);
        Self {
            ca_pem: ca.pem(),
            server_cert_pem,
            server_key_pem,
            client_cert_pem,
            client_key_pem,
        }
    }

    fn ca_der(&self) -> CertificateDer<'static> {
        CertificateDer::from_pem_slice(self.ca_pem.as_bytes()).unwrap()
    }
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// How the test server's TLS is set up.
pub struct ServerTls {
    pub versions: Vec<&'static rustls::SupportedProtocolVersion>,
    pub alpn_h2: bool,
    pub require_client_cert: bool,
}

impl Default for ServerTls {
    fn default() -> Self {
        Self {
            versions: vec![&rustls::version::TLS13, &rustls::version::TLS12],
            alpn_h2: true,
            require_client_cert: false,
        }
    }
}

pub fn server_config(pki: &Pki, opts: &ServerTls) -> rustls::ServerConfig {
    let chain = vec![CertificateDer::from_pem_slice(pki.server_cert_pem.as_bytes()).unwrap()];
    let key = PrivateKeyDer::from_pem_slice(pki.server_key_pem.as_bytes()).unwrap();
    let builder = rustls::ServerConfig::builder_with_provider(provider())
        .with_protocol_versions(&opts.versions)
        .unwrap();
    let builder = if opts.require_client_cert {
        let mut roots = rustls::RootCertStore::empty();
        roots.add(pki.ca_der()).unwrap();
        let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
            Arc::new(roots),
            provider(),
        )
        .build()
        .unwrap();
        builder.with_client_cert_verifier(verifier)
    } else {
        builder.with_no_client_auth()
    };
    let mut config = builder.with_single_cert(chain, key).unwrap();
    config.alpn_protocols = if opts.alpn_h2 {
        vec![b"h2".to_vec(), b"http/1.1".to_vec()]
    } else {
        vec![b"http/1.1".to_vec()]
    };
    config
}

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub version: http::Version,
    pub uri: String,
    pub authorization: Option<String>,
    pub proxy_authorization: Option<String>,
    pub connection: usize,
    pub client_cert: bool,
}

/// A server answering every request with `{"type":"admin","id":"1"}`.
pub struct Server {
    pub addr: SocketAddr,
    pub seen: Arc<Mutex<Vec<Seen>>>,
    pub connections: Arc<AtomicUsize>,
    pub handshake_failures: Arc<AtomicUsize>,
}

impl Server {
    pub fn https_url(&self) -> String {
        format!("https://127.0.0.1:{}", self.addr.port())
    }
    pub fn http_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.addr.port())
    }
    pub fn requests(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

/// Starts a server: TLS when `tls` is given, plain HTTP otherwise.
pub async fn serve(tls: Option<rustls::ServerConfig>) -> Server {
    serve_with(tls, None).await
}

/// Like [`serve`], answering every request with `302 Found` to `redirect` when given.
pub async fn serve_with(tls: Option<rustls::ServerConfig>, redirect: Option<String>) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let connections = Arc::new(AtomicUsize::new(0));
    let handshake_failures = Arc::new(AtomicUsize::new(0));
    let acceptor = tls.map(|c| tokio_rustls::TlsAcceptor::from(Arc::new(c)));
    let (seen2, conns2, fails2) = (
        seen.clone(),
        connections.clone(),
        handshake_failures.clone(),
    );
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let id = conns2.fetch_add(1, Ordering::SeqCst);
            let seen = seen2.clone();
            let fails = fails2.clone();
            let acceptor = acceptor.clone();
            let redirect = redirect.clone();
            tokio::spawn(async move {
                match acceptor {
                    Some(acceptor) => match acceptor.accept(tcp).await {
                        Ok(stream) => {
                            let client_cert = stream.get_ref().1.peer_certificates().is_some();
                            serve_conn(TokioIo::new(stream), seen, id, client_cert, redirect).await
                        }
                        Err(_) => {
                            fails.fetch_add(1, Ordering::SeqCst);
                        }
                    },
                    None => serve_conn(TokioIo::new(tcp), seen, id, false, redirect).await,
                }
            });
        }
    });
    Server {
        addr,
        seen,
        connections,
        handshake_failures,
    }
}

async fn serve_conn<I>(
    io: I,
    seen: Arc<Mutex<Vec<Seen>>>,
    id: usize,
    client_cert: bool,
    redirect: Option<String>,
) where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let service = service_fn(move |req: http::Request<hyper::body::Incoming>| {
        let header = |name: http::header::HeaderName| {
            req.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        seen.lock().unwrap().push(Seen {
            version: req.version(),
            uri: req.uri().to_string(),
            authorization: header(http::header::AUTHORIZATION),
            proxy_authorization: header(http::header::PROXY_AUTHORIZATION),
            connection: id,
            client_cert,
        });
        let redirect = redirect.clone();
        async move {
            let response = match redirect {
                Some(location) => http::Response::builder()
                    .status(302)
                    .header("location", location)
                    .body(Full::new(Bytes::new()))
                    .unwrap(),
                None => http::Response::builder()
                    .header("content-type", "application/json")
                    .body(Full::new(Bytes::from_static(
                        br#"{"type":"admin","id":"1"}"#,
                    )))
                    .unwrap(),
            };
            Ok::<_, Infallible>(response)
        }
    });
    let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
        .serve_connection(io, service)
        .await;
}

/// What the proxy saw on one client connection: the request head, and every byte the client
/// sent (the head, then the tunnel's or forwarded request's bytes).
#[derive(Debug, Clone, Default)]
pub struct ProxySeen {
    pub head: String,
    pub client_bytes: Vec<u8>,
}

/// A loopback HTTP proxy: `CONNECT host:port` opens a tunnel; any other method is forwarded
/// to the host of its absolute URI. With `credentials`, a request without the matching
/// `Proxy-Authorization: Basic …` gets `407`.
pub struct Proxy {
    pub addr: SocketAddr,
    pub seen: Arc<Mutex<Vec<ProxySeen>>>,
}

impl Proxy {
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.addr.port())
    }
    pub fn seen(&self) -> Vec<ProxySeen> {
        self.seen.lock().unwrap().clone()
    }
}

pub async fn proxy(expected_auth: Option<String>) -> Proxy {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let seen2 = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((client, _)) = listener.accept().await else {
                return;
            };
            let seen = seen2.clone();
            let expected = expected_auth.clone();
            tokio::spawn(async move {
                let index = {
                    let mut all = seen.lock().unwrap();
                    all.push(ProxySeen::default());
                    all.len() - 1
                };
                let _ = proxy_conn(client, seen, index, expected).await;
            });
        }
    });
    Proxy { addr, seen }
}

async fn proxy_conn(
    mut client: TcpStream,
    seen: Arc<Mutex<Vec<ProxySeen>>>,
    index: usize,
    expected: Option<String>,
) -> std::io::Result<()> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let n = client.read(&mut chunk).await?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break pos + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    {
        let mut all = seen.lock().unwrap();
        all[index].head = head.clone();
        all[index].client_bytes.extend_from_slice(&buf);
    }
    if let Some(expected) = expected {
        let ok = head.lines().any(|l| {
            l.split_once(':').is_some_and(|(name, value)| {
                name.eq_ignore_ascii_case("proxy-authorization") && value.trim() == expected
            })
        });
        if !ok {
            client
                .write_all(b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"test\"\r\nContent-Length: 0\r\n\r\n")
                .await?;
            return Ok(());
        }
    }
    let mut parts = head.split_whitespace();
    let method = parts.next().unwrap_or_default().to_owned();
    let target = parts.next().unwrap_or_default().to_owned();
    let mut upstream;
    if method == "CONNECT" {
        upstream = TcpStream::connect(&target).await?;
        client
            .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
            .await?;
        // Anything the client sent after the head already belongs to the tunnel.
        upstream.write_all(&buf[head_end..]).await?;
    } else {
        let uri: http::Uri = target.parse().map_err(std::io::Error::other)?;
        let authority = uri.authority().map(|a| a.to_string()).unwrap_or_default();
        upstream = TcpStream::connect(authority).await?;
        upstream.write_all(&buf).await?;
    }
    // Relay both ways, recording what the client sends.
    let (mut cr, mut cw) = client.into_split();
    let (mut ur, mut uw) = upstream.into_split();
    let down = tokio::spawn(async move { tokio::io::copy(&mut ur, &mut cw).await });
    loop {
        let n = cr.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        seen.lock().unwrap()[index]
            .client_bytes
            .extend_from_slice(&chunk[..n]);
        uw.write_all(&chunk[..n]).await?;
    }
    let _ = uw.shutdown().await;
    let _ = down.await;
    Ok(())
}
