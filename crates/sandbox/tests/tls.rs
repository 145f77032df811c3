//! The sandbox over HTTPS: the SDK's transport trusting only the sandbox's generated CA talks
//! to it over TLS, with HTTP/2 negotiated through ALPN; another CA is refused with a typed
//! TLS error.
#![allow(clippy::unwrap_used)]

use std::sync::{Arc, Mutex};

use bytes::Bytes;
use intercom_sandbox::Sandbox;
use intercom_transport::{
    ApiRequest, Body, BuiltInRoots, Client, Error, HyperTransport, Transport, TransportError,
    TransportErrorKind,
};

/// The hyper transport, recording the HTTP version of each response.
#[derive(Debug)]
struct Recording {
    inner: HyperTransport,
    versions: Arc<Mutex<Vec<http::Version>>>,
}

#[async_trait::async_trait]
impl Transport for Recording {
    async fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<Body>, TransportError> {
        let response = self.inner.send(request).await?;
        self.versions.lock().unwrap().push(response.version());
        Ok(response)
    }
}

#[tokio::test]
async fn the_sdk_trusting_only_the_sandbox_ca_talks_https_and_http2() {
    let sandbox = Sandbox::builder().tls().start().await.unwrap();
    assert!(sandbox.base_url().starts_with("https://127.0.0.1:"));
    let ca = sandbox.ca_pem().unwrap();
    assert!(ca.starts_with("-----BEGIN CERTIFICATE-----"), "{ca}");

    let versions = Arc::new(Mutex::new(Vec::new()));
    let transport = HyperTransport::builder()
        .built_in_roots(BuiltInRoots::None)
        .add_root_certificates_pem(ca)
        .build()
        .unwrap();
    let client = Client::builder()
        .base_url(sandbox.base_url())
        .transport(Arc::new(Recording {
            inner: transport,
            versions: versions.clone(),
        }))
        .build()
        .unwrap()
        .with_access_token(sandbox.access_token());
    let me: serde_json::Value = client.send(ApiRequest::get("/me")).await.unwrap();
    assert_eq!(me["type"], "admin");
    let contacts: serde_json::Value = client.send(ApiRequest::get("/contacts")).await.unwrap();
    assert_eq!(contacts["type"], "list");
    assert_eq!(
        *versions.lock().unwrap(),
        vec![http::Version::HTTP_2, http::Version::HTTP_2]
    );
    assert_eq!(sandbox.requests().len(), 2);
}

#[tokio::test]
async fn the_client_builders_roots_are_enough_without_the_loopback_opt_in() {
    let sandbox = Sandbox::builder().tls().start().await.unwrap();
    let client = Client::builder()
        .base_url(sandbox.base_url())
        .built_in_roots(BuiltInRoots::None)
        .add_root_certificates_pem(sandbox.ca_pem().unwrap())
        .build()
        .unwrap()
        .with_access_token(sandbox.access_token());
    let me: serde_json::Value = client.send(ApiRequest::get("/me")).await.unwrap();
    assert_eq!(me["type"], "admin");
}

#[tokio::test]
async fn another_sandboxs_ca_is_a_tls_error_naming_the_certificate() {
    let sandbox = Sandbox::builder().tls().start().await.unwrap();
    let other = Sandbox::builder().tls().start().await.unwrap();
    assert_ne!(
        sandbox.ca_pem(),
        other.ca_pem(),
        "each start makes its own CA"
    );
    let client = Client::builder()
        .base_url(sandbox.base_url())
        .built_in_roots(BuiltInRoots::None)
        .add_root_certificates_pem(other.ca_pem().unwrap())
        .max_attempts(3)
        .build()
        .unwrap()
        .with_access_token(sandbox.access_token());
    let err = client
        .send::<serde_json::Value>(ApiRequest::get("/me"))
        .await
        .unwrap_err();
    match &err {
        Error::Transport(t) => assert_eq!(t.kind(), TransportErrorKind::Tls, "{err}"),
        other => panic!("expected a TLS error, got {other:?}"),
    }
    assert!(
        err.to_string().to_lowercase().contains("certificate"),
        "{err}"
    );
    assert!(
        sandbox.requests().is_empty(),
        "nothing got past the handshake"
    );
}

#[tokio::test]
async fn a_plain_sandbox_has_no_ca() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    assert!(sandbox.base_url().starts_with("http://"));
    assert_eq!(sandbox.ca_pem(), None);
}
