//! The hyper transport over real TLS on 127.0.0.1: trust (custom CA, built-in roots refused),
//! mutual TLS, protocol versions and HTTP/2 through ALPN.
#![allow(clippy::unwrap_used)]

mod net;

use std::io::Write as _;
use std::sync::atomic::Ordering;
use std::time::Duration;

use intercom_transport::auth::{AccessToken, Private};
use intercom_transport::{
    ApiRequest, BuiltInRoots, Client, ClientIdentity, ConfigError, Error, HttpVersion,
    HyperTransport, TransportErrorKind,
};
use net::{Pki, ServerTls, TOKEN};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn token() -> AccessToken {
    AccessToken::new(TOKEN).unwrap()
}

fn client(builder: intercom_transport::ClientBuilder, url: &str) -> Client<Private> {
    builder
        .base_url(url)
        .max_attempts(1)
        .total_timeout(Duration::from_secs(20))
        .build()
        .unwrap()
        .with_access_token(token())
}

async fn get_me(client: &Client<Private>) -> Result<serde_json::Value, Error> {
    client.send(ApiRequest::get("/me")).await
}

fn transport_kind(err: &Error) -> TransportErrorKind {
    match err {
        Error::Transport(t) => t.kind(),
        other => panic!("expected a transport error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_server_signed_by_an_unknown_ca_is_refused_with_a_tls_error() {
    let pki = Pki::new();
    let server = net::serve(Some(net::server_config(&pki, &ServerTls::default()))).await;
    // The default trust: Mozilla's roots only.
    let client = client(Client::builder(), &server.https_url());
    let err = get_me(&client).await.unwrap_err();
    assert_eq!(transport_kind(&err), TransportErrorKind::Tls, "{err}");
    let chain = error_chain(&err);
    assert!(
        chain.contains("UnknownIssuer"),
        "the cause is named: {chain}"
    );
    assert!(
        server.requests().is_empty(),
        "nothing was sent before trust"
    );
    assert!(!chain.contains(TOKEN));
}

fn error_chain(err: &dyn std::error::Error) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(e) = source {
        out.push_str(" / ");
        out.push_str(&e.to_string());
        source = e.source();
    }
    out
}

#[tokio::test]
async fn a_custom_ca_from_bytes_or_a_file_is_trusted() {
    let pki = Pki::new();
    let server = net::serve(Some(net::server_config(&pki, &ServerTls::default()))).await;

    let from_bytes = client(
        Client::builder().add_root_certificates_pem(&pki.ca_pem),
        &server.https_url(),
    );
    assert_eq!(get_me(&from_bytes).await.unwrap()["type"], "admin");

    let dir = std::env::temp_dir().join(format!("intercom-rs-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("ca.pem");
    std::fs::File::create(&path)
        .unwrap()
        .write_all(pki.ca_pem.as_bytes())
        .unwrap();
    // Only the custom CA: no built-in store at all.
    let only_custom = client(
        Client::builder()
            .built_in_roots(BuiltInRoots::None)
            .add_root_certificates_pem_file(&path),
        &format!("https://localhost:{}", server.addr.port()),
    );
    assert_eq!(get_me(&only_custom).await.unwrap()["type"], "admin");

    let seen = server.requests();
    assert_eq!(seen.len(), 2);
    for s in &seen {
        assert_eq!(
            s.authorization.as_deref(),
            Some(&*format!("Bearer {TOKEN}"))
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_configuration_that_trusts_nothing_is_a_builder_error() {
    let err = HyperTransport::builder()
        .built_in_roots(BuiltInRoots::None)
        .build()
        .unwrap_err();
    assert!(
        matches!(err, Error::Config(ConfigError::NoTrustRoots)),
        "{err}"
    );
    let err = Client::builder()
        .built_in_roots(BuiltInRoots::None)
        .base_url("https://127.0.0.1:1")
        .build()
        .unwrap_err();
    assert!(
        matches!(err, Error::Config(ConfigError::NoTrustRoots)),
        "{err}"
    );
    // A plain-http loopback client never needs TLS, so it builds.
    Client::builder()
        .built_in_roots(BuiltInRoots::None)
        .base_url("http://127.0.0.1:1")
        .allow_insecure_loopback(true)
        .build()
        .unwrap();
}

#[test]
fn bad_pem_inputs_are_typed_errors_that_do_not_quote_the_key() {
    let pki = Pki::new();
    let err = HyperTransport::builder()
        .add_root_certificates_pem("not a certificate")
        .build()
        .unwrap_err();
    assert!(
        matches!(err, Error::Config(ConfigError::Tls { .. })),
        "{err}"
    );
    let err = HyperTransport::builder()
        .add_root_certificates_pem_file("/nonexistent/intercom-rs/ca.pem")
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("cannot read"), "{err}");
    let err = ClientIdentity::from_pem(pki.client_cert_pem.as_bytes(), b"garbage").unwrap_err();
    assert!(matches!(err, ConfigError::Tls { .. }), "{err}");
    let err = ClientIdentity::from_pem(b"", pki.client_key_pem.as_bytes()).unwrap_err();
    assert!(matches!(err, ConfigError::Tls { .. }), "{err}");
    let id = ClientIdentity::from_pem(
        pki.client_cert_pem.as_bytes(),
        pki.client_key_pem.as_bytes(),
    )
    .unwrap();
    let shown = format!("{id:?}");
    assert!(!shown.contains("PRIVATE"), "{shown}");
    assert!(shown.contains("[REDACTED]"));
}

#[tokio::test]
async fn mutual_tls_succeeds_with_the_identity_and_fails_without_it() {
    let pki = Pki::new();
    for versions in [vec![&rustls::version::TLS13], vec![&rustls::version::TLS12]] {
        let tls12 = versions[0] == &rustls::version::TLS12;
        let opts = ServerTls {
            versions,
            require_client_cert: true,
            ..ServerTls::default()
        };
        let server = net::serve(Some(net::server_config(&pki, &opts))).await;
        let identity = ClientIdentity::from_pem(
            pki.client_cert_pem.as_bytes(),
            pki.client_key_pem.as_bytes(),
        )
        .unwrap();
        let with = client(
            Client::builder()
                .add_root_certificates_pem(&pki.ca_pem)
                .client_identity(identity),
            &server.https_url(),
        );
        assert_eq!(get_me(&with).await.unwrap()["id"], "1");
        assert!(server.requests()[0].client_cert);

        let without = client(
            Client::builder().add_root_certificates_pem(&pki.ca_pem),
            &server.https_url(),
        );
        let err = get_me(&without).await.unwrap_err();
        assert!(matches!(err, Error::Transport(_)), "{err}");
        if tls12 {
            // In TLS 1.2 the server refuses during the handshake.
            assert_eq!(transport_kind(&err), TransportErrorKind::Tls, "{err}");
        }
        assert_eq!(
            server.requests().len(),
            1,
            "the refused client was never served"
        );
        assert!(server.handshake_failures.load(Ordering::SeqCst) >= 1);
    }
}

#[tokio::test]
async fn tls_1_2_is_accepted_as_the_minimum() {
    let pki = Pki::new();
    let opts = ServerTls {
        versions: vec![&rustls::version::TLS12],
        ..ServerTls::default()
    };
    let server = net::serve(Some(net::server_config(&pki, &opts))).await;
    let client = client(
        Client::builder().add_root_certificates_pem(&pki.ca_pem),
        &server.https_url(),
    );
    assert_eq!(get_me(&client).await.unwrap()["type"], "admin");
}

/// The `supported_versions` extension of a ClientHello record, as a list of versions.
fn offered_versions(record: &[u8]) -> Option<(u16, Vec<u16>)> {
    let u16_at = |i: usize| Some(u16::from_be_bytes([*record.get(i)?, *record.get(i + 1)?]));
    // record header (5), handshake header (4)
    if *record.first()? != 0x16 || *record.get(5)? != 0x01 {
        return None;
    }
    let legacy = u16_at(9)?;
    let mut i = 9 + 2 + 32;
    i += 1 + *record.get(i)? as usize; // session id
    i += 2 + u16_at(i)? as usize; // cipher suites
    i += 1 + *record.get(i)? as usize; // compression methods
    let end = i + 2 + u16_at(i)? as usize;
    i += 2;
    while i + 4 <= end {
        let (kind, len) = (u16_at(i)?, u16_at(i + 2)? as usize);
        if kind == 0x002b {
            let list = record.get(i + 5..i + 4 + len)?;
            let versions = list
                .chunks(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            return Some((legacy, versions));
        }
        i += 4 + len;
    }
    None
}

#[tokio::test]
async fn only_tls_1_2_and_1_3_are_offered_and_a_tls_1_1_answer_is_refused() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = tokio::spawn(async move {
        let (mut tcp, _) = listener.accept().await.unwrap();
        let mut hello = vec![0u8; 16 * 1024];
        let mut len = 0;
        // Read the whole ClientHello record (its length is in the header).
        loop {
            let n = tcp.read(&mut hello[len..]).await.unwrap();
            assert!(n > 0, "the client closed before its ClientHello");
            len += n;
            if len >= 5 && len >= 5 + u16::from_be_bytes([hello[3], hello[4]]) as usize {
                break;
            }
        }
        // A TLS 1.1 ServerHello: version 0x0302, zero random, no session id,
        // TLS_RSA_WITH_AES_128_CBC_SHA, no compression.
        let mut body = vec![0x03, 0x02];
        body.extend_from_slice(&[0u8; 32]);
        body.extend_from_slice(&[0x00, 0x00, 0x2f, 0x00]);
        let mut handshake = vec![0x02, 0x00, 0x00, body.len() as u8];
        handshake.extend_from_slice(&body);
        let mut record = vec![0x16, 0x03, 0x02, 0x00, handshake.len() as u8];
        record.extend_from_slice(&handshake);
        let _ = tcp.write_all(&record).await;
        let _ = tcp.flush().await;
        hello.truncate(len);
        hello
    });
    let client = client(Client::builder(), &format!("https://127.0.0.1:{port}"));
    let err = get_me(&client).await.unwrap_err();
    assert_eq!(transport_kind(&err), TransportErrorKind::Tls, "{err}");
    let hello = server.await.unwrap();
    let (legacy, mut versions) =
        offered_versions(&hello).expect("a ClientHello with supported_versions");
    assert_eq!(legacy, 0x0303, "the legacy version field says TLS 1.2");
    versions.retain(|v| v & 0x0f0f != 0x0a0a); // GREASE values
    versions.sort_unstable();
    assert_eq!(
        versions,
        vec![0x0303, 0x0304],
        "only TLS 1.2 and 1.3 are offered"
    );
}

#[tokio::test]
async fn http2_is_negotiated_by_alpn_and_one_connection_is_multiplexed() {
    let pki = Pki::new();
    let server = net::serve(Some(net::server_config(&pki, &ServerTls::default()))).await;
    let client = client(
        Client::builder().add_root_certificates_pem(&pki.ca_pem),
        &server.https_url(),
    );
    // The first request opens the connection and learns (ALPN) that it is HTTP/2.
    get_me(&client).await.unwrap();
    let calls = (0..8).map(|_| get_me(&client));
    for result in futures::future::join_all(calls).await {
        result.unwrap();
    }
    let seen = server.requests();
    assert_eq!(seen.len(), 9);
    assert!(
        seen.iter().all(|s| s.version == http::Version::HTTP_2),
        "{seen:?}"
    );
    assert!(seen.iter().all(|s| s.connection == seen[0].connection));
    assert_eq!(server.connections.load(Ordering::SeqCst), 1);

    // A server offering only http/1.1 gets HTTP/1.1, a connection per concurrent request.
    let opts = ServerTls {
        alpn_h2: false,
        ..ServerTls::default()
    };
    let h1 = net::serve(Some(net::server_config(&pki, &opts))).await;
    let client = client_for(&pki, &h1.https_url());
    get_me(&client).await.unwrap();
    assert_eq!(h1.requests()[0].version, http::Version::HTTP_11);
}

fn client_for(pki: &Pki, url: &str) -> Client<Private> {
    client(
        Client::builder().add_root_certificates_pem(&pki.ca_pem),
        url,
    )
}

#[tokio::test]
async fn the_http_version_can_be_forced() {
    let pki = Pki::new();
    let both = net::serve(Some(net::server_config(&pki, &ServerTls::default()))).await;
    for (version, expected) in [
        (HttpVersion::Http1Only, http::Version::HTTP_11),
        (HttpVersion::Http2Only, http::Version::HTTP_2),
        (HttpVersion::Auto, http::Version::HTTP_2),
    ] {
        let forced = client(
            Client::builder()
                .add_root_certificates_pem(&pki.ca_pem)
                .http_version(version),
            &both.https_url(),
        );
        get_me(&forced).await.unwrap();
        let seen = both.requests();
        assert_eq!(seen.last().unwrap().version, expected, "{version:?}");
    }

    // HTTP/2 only against a server without it: no common ALPN protocol, a TLS error.
    let opts = ServerTls {
        alpn_h2: false,
        ..ServerTls::default()
    };
    let h1 = net::serve(Some(net::server_config(&pki, &opts))).await;
    let forced = client(
        Client::builder()
            .add_root_certificates_pem(&pki.ca_pem)
            .http_version(HttpVersion::Http2Only),
        &h1.https_url(),
    );
    let err = get_me(&forced).await.unwrap_err();
    assert_eq!(transport_kind(&err), TransportErrorKind::Tls, "{err}");
    assert!(h1.requests().is_empty());

    // Over plain http (loopback) HTTP/2 only means prior knowledge.
    let plain = net::serve(None).await;
    let forced = client(
        Client::builder()
            .allow_insecure_loopback(true)
            .http_version(HttpVersion::Http2Only),
        &plain.http_url(),
    );
    get_me(&forced).await.unwrap();
    assert_eq!(plain.requests()[0].version, http::Version::HTTP_2);
}
