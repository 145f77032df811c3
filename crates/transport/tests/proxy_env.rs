//! The proxy variables: ignored unless `proxy_from_env(true)`; `HTTPS_PROXY`, `ALL_PROXY` and
//! `NO_PROXY` honoured then; `HTTP_PROXY` never read. One test, because the environment is
//! shared by the whole process.
#![allow(clippy::unwrap_used)]

mod net;

use std::time::Duration;

use intercom_transport::auth::AccessToken;
use intercom_transport::{ApiRequest, Client, ClientBuilder};
use net::{Pki, ServerTls, TOKEN};

async fn call(builder: ClientBuilder, url: &str) {
    builder
        .base_url(url)
        .max_attempts(1)
        .total_timeout(Duration::from_secs(20))
        .build()
        .unwrap()
        .with_access_token(AccessToken::new(TOKEN).unwrap())
        .send::<serde_json::Value>(ApiRequest::get("/me"))
        .await
        .unwrap();
}

fn clear() {
    for v in [
        "HTTPS_PROXY",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "NO_PROXY",
        "no_proxy",
    ] {
        std::env::remove_var(v);
    }
}

#[tokio::test]
async fn proxy_variables_are_read_only_when_asked() {
    let pki = Pki::new();
    let server = net::serve(Some(net::server_config(&pki, &ServerTls::default()))).await;
    let plain = net::serve(None).await;
    let proxy = net::proxy(None).await;
    let tls = || Client::builder().add_root_certificates_pem(&pki.ca_pem);
    clear();
    std::env::set_var("HTTPS_PROXY", proxy.url());

    // Off by default: a library does not follow the environment on its own.
    call(tls(), &server.https_url()).await;
    assert_eq!(proxy.seen().len(), 0);

    call(tls().proxy_from_env(true), &server.https_url()).await;
    assert_eq!(proxy.seen().len(), 1);
    assert!(proxy.seen()[0].head.starts_with("CONNECT "));

    // Lower case and ALL_PROXY work too.
    clear();
    std::env::set_var("all_proxy", proxy.url());
    call(tls().proxy_from_env(true), &server.https_url()).await;
    assert_eq!(proxy.seen().len(), 2);

    // NO_PROXY bypasses; an explicit no_proxy list replaces it.
    std::env::set_var("NO_PROXY", "localhost,127.0.0.1");
    call(tls().proxy_from_env(true), &server.https_url()).await;
    assert_eq!(proxy.seen().len(), 2);
    call(
        tls().proxy_from_env(true).no_proxy("example.test"),
        &server.https_url(),
    )
    .await;
    assert_eq!(proxy.seen().len(), 3);

    // HTTP_PROXY is never read, even for plain http.
    clear();
    std::env::set_var("HTTP_PROXY", proxy.url());
    std::env::set_var("http_proxy", proxy.url());
    call(
        Client::builder()
            .allow_insecure_loopback(true)
            .proxy_from_env(true),
        &plain.http_url(),
    )
    .await;
    assert_eq!(proxy.seen().len(), 3);
    assert_eq!(plain.requests().len(), 1);

    // A malformed variable is a typed error when the client is built.
    clear();
    std::env::set_var("HTTPS_PROXY", "socks5://127.0.0.1:1080");
    let err = Client::builder().proxy_from_env(true).build().unwrap_err();
    assert!(err.to_string().contains("invalid proxy"), "{err}");
    clear();
    assert_eq!(server.requests().len(), 5);
}
