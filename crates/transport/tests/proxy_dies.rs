//! A CONNECT proxy that dies inside the tunnel, written here on 127.0.0.1: the client gets a
//! typed transport error, never a panic or a hang.
//!
//! What is retried follows from when the tunnel died:
//! - before the TLS handshake finished, the request was never sent: a `Connect` error, retried;
//! - after the request was relayed, the server may have acted on it: an `Io` error, retried
//!   only for requests that may be repeated (GET, or with `retry_non_idempotent`), never for
//!   a plain POST.
//!
//! The tokio timeouts below only keep a broken build from hanging the test run.
#![allow(clippy::unwrap_used)]

mod net;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use intercom_transport::auth::{AccessToken, Private};
use intercom_transport::{ApiRequest, Client, Error, TransportErrorKind};
use net::{Pki, TOKEN};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

const GUARD: Duration = Duration::from_secs(60);

/// Reads a CONNECT head and answers `200`; returns false if the client sent something else.
async fn accept_connect(client: &mut TcpStream) -> bool {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match client.read(&mut byte).await {
            Ok(1) => head.push(byte[0]),
            _ => return false,
        }
        if head.len() > 8192 {
            return false;
        }
    }
    if !head.starts_with(b"CONNECT ") {
        return false;
    }
    client
        .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
        .await
        .is_ok()
}

/// A proxy that opens the tunnel, reads the first bytes of the TLS handshake, then drops the
/// connection. Counts the tunnels it opened.
async fn proxy_dying_in_handshake() -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let tunnels = Arc::new(AtomicUsize::new(0));
    let count = tunnels.clone();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let count = count.clone();
            tokio::spawn(async move {
                if accept_connect(&mut client).await {
                    count.fetch_add(1, Ordering::SeqCst);
                    let mut hello = [0u8; 64];
                    let _ = client.read(&mut hello).await;
                }
                // Dropping `client` closes the tunnel.
            });
        }
    });
    (port, tunnels)
}

/// A TLS server (HTTP/1.1 only) that reads a request head, answers with a head and part of a
/// body, then tells the proxy to cut the tunnel.
async fn half_answering_server(pki: &Pki, cut: Arc<Notify>) -> u16 {
    let opts = net::ServerTls {
        alpn_h2: false,
        ..net::ServerTls::default()
    };
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(net::server_config(pki, &opts)));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            let cut = cut.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let _ = tls
                    .write_all(
                        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\
                          content-length: 1000\r\n\r\n{\"type\":\"adm",
                    )
                    .await;
                let _ = tls.flush().await;
                cut.notify_one();
                // Keep the server side open: only the proxy ends this exchange.
                let _ = tls.read(&mut buf).await;
            });
        }
    });
    port
}

/// A proxy relaying both ways to the server named in CONNECT until `cut` is notified, then
/// dropping both connections. Counts the tunnels it opened.
async fn proxy_dying_mid_response(cut: Arc<Notify>) -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let tunnels = Arc::new(AtomicUsize::new(0));
    let count = tunnels.clone();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let count = count.clone();
            let cut = cut.clone();
            tokio::spawn(async move {
                // Peek the target from the CONNECT line before answering it.
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    match client.read(&mut byte).await {
                        Ok(1) => head.push(byte[0]),
                        _ => return,
                    }
                }
                let line = String::from_utf8_lossy(&head).into_owned();
                let Some(target) = line.split_whitespace().nth(1) else {
                    return;
                };
                let Some(port) = target
                    .rsplit(':')
                    .next()
                    .and_then(|p| p.parse::<u16>().ok())
                else {
                    return;
                };
                let Ok(mut upstream) = TcpStream::connect(("127.0.0.1", port)).await else {
                    return;
                };
                if client
                    .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                    .await
                    .is_err()
                {
                    return;
                }
                count.fetch_add(1, Ordering::SeqCst);
                tokio::select! {
                    _ = tokio::io::copy_bidirectional(&mut client, &mut upstream) => {}
                    _ = cut.notified() => {
                        // Give the relayed half answer a moment to reach the client; the
                        // outcome is the same error kind either way.
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                }
                // Dropping both sockets kills the tunnel mid-response.
            });
        }
    });
    (port, tunnels)
}

fn client(pki: &Pki, proxy_port: u16, base: &str, builder_attempts: u32) -> Client<Private> {
    Client::builder()
        .base_url(base)
        .add_root_certificates_pem(&pki.ca_pem)
        .proxy(format!("http://127.0.0.1:{proxy_port}"))
        .max_attempts(builder_attempts)
        .total_timeout(Duration::from_secs(30))
        .build()
        .unwrap()
        .with_access_token(AccessToken::new(TOKEN).unwrap())
}

#[tokio::test]
async fn a_tunnel_dying_during_the_handshake_is_a_retried_connect_error() {
    let pki = Pki::new();
    let (proxy_port, tunnels) = proxy_dying_in_handshake().await;
    // The target is never reached; any port will do.
    let client = client(&pki, proxy_port, "https://localhost:9", 3);
    let result = tokio::time::timeout(
        GUARD,
        client.send::<serde_json::Value>(ApiRequest::get("/me")),
    )
    .await
    .expect("the client gave up instead of hanging");
    let err = result.unwrap_err();
    match &err {
        Error::Transport(t) => assert_eq!(t.kind(), TransportErrorKind::Connect, "{err}"),
        other => panic!("expected a transport error, got {other:?}"),
    }
    assert_eq!(
        tunnels.load(Ordering::SeqCst),
        3,
        "the request was never sent, so every attempt was made"
    );
}

#[tokio::test]
async fn a_tunnel_dying_mid_response_fails_a_post_once_with_an_io_error() {
    let pki = Pki::new();
    let cut = Arc::new(Notify::new());
    let server_port = half_answering_server(&pki, cut.clone()).await;
    let (proxy_port, tunnels) = proxy_dying_mid_response(cut).await;
    let client = client(
        &pki,
        proxy_port,
        &format!("https://localhost:{server_port}"),
        3,
    );
    let request = ApiRequest::post("/contacts").json(&serde_json::json!({"email": "a@b.test"}));
    let result = tokio::time::timeout(GUARD, client.send::<serde_json::Value>(request))
        .await
        .expect("the client gave up instead of hanging");
    let err = result.unwrap_err();
    match &err {
        Error::Transport(t) => assert_eq!(t.kind(), TransportErrorKind::Io, "{err}"),
        other => panic!("expected a transport error, got {other:?}"),
    }
    assert!(!err.to_string().contains(TOKEN), "{err}");
    assert_eq!(
        tunnels.load(Ordering::SeqCst),
        1,
        "a POST the server may have acted on is not sent again"
    );
}

#[tokio::test]
async fn a_tunnel_dying_mid_response_retries_a_get() {
    let pki = Pki::new();
    let cut = Arc::new(Notify::new());
    let server_port = half_answering_server(&pki, cut.clone()).await;
    let (proxy_port, tunnels) = proxy_dying_mid_response(cut).await;
    let client = client(
        &pki,
        proxy_port,
        &format!("https://localhost:{server_port}"),
        2,
    );
    let result = tokio::time::timeout(
        GUARD,
        client.send::<serde_json::Value>(ApiRequest::get("/me")),
    )
    .await
    .expect("the client gave up instead of hanging");
    let err = result.unwrap_err();
    match &err {
        Error::Transport(t) => assert_eq!(t.kind(), TransportErrorKind::Io, "{err}"),
        other => panic!("expected a transport error, got {other:?}"),
    }
    assert_eq!(tunnels.load(Ordering::SeqCst), 2, "a GET is tried again");
}
