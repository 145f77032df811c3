//! One suite, every transport we ship: the hyper transport, the same behind
//! `ServiceTransport` with a tower-style middleware in between, and (with the `reqwest`
//! feature) the reqwest transport. Over real TLS on 127.0.0.1.
#![allow(clippy::unwrap_used)]

mod net;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use intercom_transport::auth::AccessToken;
use intercom_transport::{
    ApiRequest, Client, Error, HyperTransport, ServiceTransport, Transport, TransportErrorKind,
};
use net::{Pki, ServerTls, TOKEN};
use tower_service::Service;

/// A middleware counting the requests it passes on.
#[derive(Clone)]
struct Counting<S> {
    inner: S,
    count: Arc<AtomicUsize>,
}

impl<S: Service<http::Request<Bytes>>> Service<http::Request<Bytes>> for Counting<S> {
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<Bytes>) -> S::Future {
        self.count.fetch_add(1, Ordering::SeqCst);
        self.inner.call(request)
    }
}

/// A middleware that refuses everything with its own error type.
#[derive(Clone)]
struct Refusing;

impl Service<http::Request<Bytes>> for Refusing {
    type Response = http::Response<http_body_util::Full<Bytes>>;
    type Error = std::io::Error;
    type Future = std::future::Ready<Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: http::Request<Bytes>) -> Self::Future {
        std::future::ready(Err(std::io::Error::other("refused by policy")))
    }
}

fn hyper(pki: &Pki) -> HyperTransport {
    HyperTransport::builder()
        .add_root_certificates_pem(&pki.ca_pem)
        .connect_timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

/// What every transport must do under the client's pipeline.
async fn run_suite(name: &str, pki: &Pki, transport: Arc<dyn Transport>) {
    let server = net::serve(Some(net::server_config(pki, &ServerTls::default()))).await;
    let client = Client::builder()
        .base_url(server.https_url())
        .transport(transport.clone())
        .max_attempts(2)
        .build()
        .unwrap()
        .with_access_token(AccessToken::new(TOKEN).unwrap());

    // A request and its JSON answer; the token reaches the server.
    let me: serde_json::Value = client.send(ApiRequest::get("/me")).await.unwrap();
    assert_eq!(me["type"], "admin", "{name}");
    let seen = server.requests();
    assert_eq!(seen.len(), 1, "{name}");
    assert_eq!(
        seen[0].authorization.as_deref(),
        Some(&*format!("Bearer {TOKEN}")),
        "{name}"
    );
    // HTTP/2 carries the scheme and authority as pseudo-headers; the path is ours.
    let uri: http::Uri = seen[0].uri.parse().unwrap();
    assert_eq!(uri.path(), "/me", "{name}");

    // HTTP/2 through ALPN.
    assert_eq!(seen[0].version, http::Version::HTTP_2, "{name}");

    // A redirect to another origin is followed by the pipeline, not the transport: the
    // other origin never gets the token.
    let other = net::serve(Some(net::server_config(pki, &ServerTls::default()))).await;
    let origin = net::serve_with(
        Some(net::server_config(pki, &ServerTls::default())),
        Some(format!("https://localhost:{}/elsewhere", other.addr.port())),
    )
    .await;
    let redirected = Client::builder()
        .base_url(origin.https_url())
        .transport(transport.clone())
        .follow_redirects(true)
        .build()
        .unwrap()
        .with_access_token(AccessToken::new(TOKEN).unwrap());
    let me: serde_json::Value = redirected.send(ApiRequest::get("/me")).await.unwrap();
    assert_eq!(me["type"], "admin", "{name}");
    let first = origin.requests();
    assert_eq!(first.len(), 1, "{name}");
    assert!(
        first[0].authorization.is_some(),
        "{name}: the origin got the token"
    );
    let second = other.requests();
    assert_eq!(
        second.len(),
        1,
        "{name}: the pipeline followed the redirect once"
    );
    assert_eq!(
        second[0].authorization, None,
        "{name}: the other origin did not"
    );

    // Without following, the 3xx reaches the pipeline as a typed redirect error.
    let not_followed = Client::builder()
        .base_url(origin.https_url())
        .transport(transport.clone())
        .build()
        .unwrap()
        .with_access_token(AccessToken::new(TOKEN).unwrap());
    let err = not_followed
        .send::<serde_json::Value>(ApiRequest::get("/me"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Redirect { .. }), "{name}: {err:?}");
    assert_eq!(other.requests().len(), 1, "{name}: nothing followed it");

    // A closed port is a connect error (so the pipeline may retry it).
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let client = Client::builder()
        .base_url(format!("https://127.0.0.1:{port}"))
        .transport(transport)
        .max_attempts(1)
        .build()
        .unwrap()
        .with_access_token(AccessToken::new(TOKEN).unwrap());
    let err = client
        .send::<serde_json::Value>(ApiRequest::get("/me"))
        .await
        .unwrap_err();
    match &err {
        Error::Transport(t) => assert_eq!(t.kind(), TransportErrorKind::Connect, "{name}: {err}"),
        other => panic!("{name}: expected a connect error, got {other:?}"),
    }
}

#[tokio::test]
async fn the_hyper_transport_passes_the_suite() {
    let pki = Pki::new();
    run_suite("hyper", &pki, Arc::new(hyper(&pki))).await;
}

#[tokio::test]
async fn a_tower_stack_over_the_hyper_transport_passes_the_suite() {
    let pki = Pki::new();
    let count = Arc::new(AtomicUsize::new(0));
    let stack = Counting {
        inner: hyper(&pki),
        count: count.clone(),
    };
    run_suite("tower", &pki, Arc::new(ServiceTransport::new(stack))).await;
    assert_eq!(
        count.load(Ordering::SeqCst),
        5,
        "every request of the suite went through the layer"
    );
}

/// Sends `GET /me` with the suite's token over `transport` (three attempts) and returns the
/// error, after checking it is a transport error of `kind`.
async fn get_me_fails_in_transport(
    base_url: &str,
    transport: Arc<dyn Transport>,
    kind: TransportErrorKind,
) -> Error {
    let client = Client::builder()
        .base_url(base_url)
        .transport(transport)
        .max_attempts(3)
        .build()
        .unwrap()
        .with_access_token(AccessToken::new(TOKEN).unwrap());
    let err = client
        .send::<serde_json::Value>(ApiRequest::get("/me"))
        .await
        .unwrap_err();
    match &err {
        Error::Transport(t) => assert_eq!(t.kind(), kind, "{err}"),
        other => panic!("expected a transport error, got {other:?}"),
    }
    err
}

#[tokio::test]
async fn a_service_error_of_another_type_is_a_transport_error_of_kind_other() {
    let err = get_me_fails_in_transport(
        "https://127.0.0.1:1",
        Arc::new(ServiceTransport::new(Refusing)),
        TransportErrorKind::Other,
    )
    .await;
    assert!(err.to_string().contains("refused by policy"), "{err}");
}

#[cfg(feature = "reqwest")]
mod reqwest_backend {
    use super::*;
    use intercom_transport::ReqwestTransport;

    #[tokio::test]
    async fn the_reqwest_transport_passes_the_suite() {
        let pki = Pki::new();
        let transport = ReqwestTransport::builder()
            .add_root_certificates_pem(&pki.ca_pem)
            .connect_timeout(Duration::from_secs(5))
            .build()
            .unwrap();
        run_suite("reqwest", &pki, Arc::new(transport)).await;
    }

    #[tokio::test]
    async fn a_users_reqwest_client_without_redirects_passes_the_suite() {
        let pki = Pki::new();
        let client = reqwest::Client::builder()
            .add_root_certificates_pem_for_test(&pki.ca_pem)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .build()
            .unwrap();
        run_suite(
            "reqwest client",
            &pki,
            Arc::new(ReqwestTransport::from_client(client)),
        )
        .await;
    }

    #[tokio::test]
    async fn a_reqwest_client_that_follows_redirects_is_refused_not_trusted() {
        let pki = Pki::new();
        let other = net::serve(Some(net::server_config(&pki, &ServerTls::default()))).await;
        let origin = net::serve_with(
            Some(net::server_config(&pki, &ServerTls::default())),
            Some(format!("https://localhost:{}/elsewhere", other.addr.port())),
        )
        .await;
        // reqwest's default policy follows redirects.
        let follows = reqwest::Client::builder()
            .add_root_certificates_pem_for_test(&pki.ca_pem)
            .no_proxy()
            .build()
            .unwrap();
        let err = get_me_fails_in_transport(
            &origin.https_url(),
            Arc::new(ReqwestTransport::from_client(follows)),
            TransportErrorKind::Policy,
        )
        .await;
        assert!(err.to_string().contains("Policy::none()"), "{err}");
        assert_eq!(origin.requests().len(), 1, "not retried");
    }

    #[tokio::test]
    async fn an_untrusted_certificate_is_a_tls_error() {
        let pki = Pki::new();
        let server = net::serve(Some(net::server_config(&pki, &ServerTls::default()))).await;
        let stranger = Pki::new();
        let transport = ReqwestTransport::builder()
            .add_root_certificates_pem(&stranger.ca_pem)
            .build()
            .unwrap();
        let client = Client::builder()
            .base_url(server.https_url())
            .transport(Arc::new(transport))
            .build()
            .unwrap()
            .with_access_token(AccessToken::new(TOKEN).unwrap());
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
        assert!(server.requests().is_empty());
    }

    /// Adds a PEM CA to a reqwest builder (reqwest's own API, as a user would call it).
    trait AddPem {
        fn add_root_certificates_pem_for_test(self, pem: &str) -> Self;
    }

    impl AddPem for reqwest::ClientBuilder {
        fn add_root_certificates_pem_for_test(self, pem: &str) -> Self {
            // The feature builds reqwest without a crypto provider of its own.
            let _ = rustls::crypto::ring::default_provider().install_default();
            self.add_root_certificate(reqwest::Certificate::from_pem(pem.as_bytes()).unwrap())
        }
    }
}
