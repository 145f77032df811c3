//! The tenant pool against the sandbox: one shared transport, a limiter per token, and a 401
//! that marks the stored token revoked.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{Read, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use intercom_app::{Clients, InstallMetadata, Keyring, SqlTokenStore, TenantError, TokenStore};
use intercom_auth_types::{OAuthApp, OAuthToken};
use intercom_sandbox::{Sandbox, SandboxHandle};
use intercom_transport::{ApiRequest, Body, Client, HyperTransport, Transport, TransportError};

/// Counts every request put on the wire, whichever tenant sent it.
#[derive(Debug)]
struct Counting {
    inner: HyperTransport,
    sent: AtomicUsize,
}

#[async_trait::async_trait]
impl Transport for Counting {
    async fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<Body>, TransportError> {
        self.sent.fetch_add(1, Ordering::SeqCst);
        self.inner.send(request).await
    }
}

/// Walks the sandbox's authorize page with a plain HTTP/1.1 GET and exchanges the code.
async fn install_token(sandbox: &SandboxHandle, base: &Client) -> OAuthToken {
    let app = OAuthApp::new(sandbox.client_id(), sandbox.client_secret())
        .unwrap()
        .with_authorize_base(sandbox.authorize_base().parse().unwrap())
        .unwrap();
    let (url, state) = app.authorize_url();
    let target = format!("{}?{}", url.path(), url.query().unwrap());
    let addr = sandbox.addr();
    let response = tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(addr).unwrap();
        write!(
            stream,
            "GET {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut text = String::new();
        stream.read_to_string(&mut text).unwrap();
        text
    })
    .await
    .unwrap();
    let location = response
        .lines()
        .find_map(|l| {
            l.strip_prefix("location: ")
                .or_else(|| l.strip_prefix("Location: "))
        })
        .expect("the authorize page redirects")
        .trim()
        .to_owned();
    let code = state.verify_callback(&location).unwrap();
    base.exchange_code(&app, code).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tenants_share_one_transport_and_a_401_marks_the_token_revoked() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let counting = Arc::new(Counting {
        inner: HyperTransport::new().unwrap(),
        sent: AtomicUsize::new(0),
    });
    let base = Client::builder()
        .base_url(sandbox.base_url())
        .allow_insecure_loopback(true)
        .transport(counting.clone())
        .build()
        .unwrap();
    let dir = std::env::temp_dir().join(format!("intercom-app-tenants-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let key = common::key("k1", &common::key_material());
    let store = Arc::new(
        SqlTokenStore::sqlite(dir.join("t.db"), Keyring::new(key))
            .await
            .unwrap(),
    );
    let token_a = install_token(&sandbox, &base).await;
    let token_b = install_token(&sandbox, &base).await;
    let meta = InstallMetadata::now(None, Some("US".into()));
    store.put("ws_a", &token_a, &meta).await.unwrap();
    store.put("ws_b", &token_b, &meta).await.unwrap();
    let exchange = base.clone();
    let clients = Clients::new(base, store.clone());

    let before = counting.sent.load(Ordering::SeqCst);
    let a = clients.for_workspace("ws_a").await.unwrap();
    let b = clients.for_workspace("ws_b").await.unwrap();
    let me_a: serde_json::Value = a.send(ApiRequest::get("/me")).await.unwrap();
    assert_eq!(me_a["type"], "admin");
    // Both tenants' requests went through the one shared transport.
    let _: serde_json::Value = b.send(ApiRequest::get("/contacts")).await.unwrap();
    assert_eq!(counting.sent.load(Ordering::SeqCst), before + 2);
    // Each token has its own limiter: a third tenant client for a fresh token has seen no
    // rate-limit headers yet, while a's has; a second lookup of a reuses a's limiter.
    assert!(a.client().rate_limit().is_some());
    let a_again = clients.for_workspace("ws_a").await.unwrap();
    assert!(
        a_again.client().rate_limit().is_some(),
        "a's limiter was not reused"
    );
    store
        .put("ws_c", &install_token(&sandbox, &exchange).await, &meta)
        .await
        .unwrap();
    let c = clients.for_workspace("ws_c").await.unwrap();
    assert!(
        c.client().rate_limit().is_none(),
        "c shares another token's limiter"
    );

    // b's token is revoked at Intercom (the workspace uninstalled the app).
    b.client().revoke_token().await.unwrap();
    match b.send::<serde_json::Value>(ApiRequest::get("/me")).await {
        Err(TenantError::Revoked { workspace_id }) => assert_eq!(workspace_id, "ws_b"),
        other => panic!("expected Revoked, got {other:?}"),
    }
    assert!(store.get("ws_b").await.unwrap().unwrap().is_revoked());
    assert!(matches!(
        clients.for_workspace("ws_b").await,
        Err(TenantError::Revoked { .. })
    ));
    // Other tenants are untouched.
    let _: serde_json::Value = a.send(ApiRequest::get("/me")).await.unwrap();
    assert!(!store.get("ws_a").await.unwrap().unwrap().is_revoked());
    // A reinstall clears the revocation.
    store.put("ws_b", &token_a, &meta).await.unwrap();
    let b = clients.for_workspace("ws_b").await.unwrap();
    let _: serde_json::Value = b.send(ApiRequest::get("/me")).await.unwrap();

    assert!(matches!(
        clients.for_workspace("ws_nowhere").await,
        Err(TenantError::NotInstalled { .. })
    ));
    sandbox.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}
