//! The hyper transport through HTTP proxies on 127.0.0.1: a recording CONNECT proxy written
//! here, and a real `tinyproxy` when it is installed.
#![allow(clippy::unwrap_used)]

mod net;

use std::time::Duration;

use intercom_transport::auth::{AccessToken, Private, ProxyCredentials};
use intercom_transport::{
    ApiRequest, Client, ClientBuilder, ConfigError, Error, TransportErrorKind,
};
use net::{Pki, ServerTls, TOKEN};

const BASIC_BOB: &str = "Basic Ym9iOnMzY3JldCFwdw=="; // bob:s3cret!pw

fn build(builder: ClientBuilder, url: &str) -> Client<Private> {
    builder
        .base_url(url)
        .total_timeout(Duration::from_secs(20))
        .build()
        .unwrap()
        .with_access_token(AccessToken::new(TOKEN).unwrap())
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[tokio::test]
async fn https_goes_through_a_connect_tunnel_and_the_token_only_inside_tls() {
    let pki = Pki::new();
    let server = net::serve(Some(net::server_config(&pki, &ServerTls::default()))).await;
    let proxy = net::proxy(Some(BASIC_BOB.into())).await;
    let proxy_url = format!("http://bob:s3cret%21pw@127.0.0.1:{}", proxy.addr.port());
    let client = build(
        Client::builder()
            .add_root_certificates_pem(&pki.ca_pem)
            .proxy(proxy_url),
        &server.https_url(),
    );
    let me: serde_json::Value = client.send(ApiRequest::get("/me")).await.unwrap();
    assert_eq!(me["type"], "admin");

    let seen = proxy.seen();
    assert_eq!(seen.len(), 1, "one tunnel");
    let head = &seen[0].head;
    assert!(
        head.starts_with(&format!(
            "CONNECT 127.0.0.1:{} HTTP/1.1\r\n",
            server.addr.port()
        )),
        "{head}"
    );
    assert!(
        head.contains(&format!("Proxy-Authorization: {BASIC_BOB}")),
        "{head}"
    );
    // Nothing the proxy received carries the token or an Authorization header in the clear.
    let bytes = &seen[0].client_bytes;
    assert!(
        bytes.len() > head.len(),
        "the TLS session went through the tunnel"
    );
    assert!(!contains(bytes, TOKEN));
    assert!(!contains(bytes, "Bearer"));
    assert!(!head.to_ascii_lowercase().contains("\nauthorization:"));

    // The server got the token, and never the proxy's credentials.
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(
        requests[0].authorization.as_deref(),
        Some(&*format!("Bearer {TOKEN}"))
    );
    assert_eq!(requests[0].proxy_authorization, None);
}

#[tokio::test]
async fn explicit_credentials_win_and_a_refusing_proxy_is_a_typed_error_not_retried() {
    let pki = Pki::new();
    let server = net::serve(Some(net::server_config(&pki, &ServerTls::default()))).await;
    let proxy = net::proxy(Some(BASIC_BOB.into())).await;
    let good = build(
        Client::builder()
            .add_root_certificates_pem(&pki.ca_pem)
            .proxy(format!("http://bob:wrong@127.0.0.1:{}", proxy.addr.port()))
            .proxy_credentials(ProxyCredentials::new("bob", "s3cret!pw").unwrap()),
        &server.https_url(),
    );
    good.send::<serde_json::Value>(ApiRequest::get("/me"))
        .await
        .unwrap();

    let wrong = build(
        Client::builder()
            .add_root_certificates_pem(&pki.ca_pem)
            .proxy(proxy.url())
            .proxy_credentials(ProxyCredentials::new("bob", "nope").unwrap())
            .max_attempts(3),
        &server.https_url(),
    );
    let err = wrong
        .send::<serde_json::Value>(ApiRequest::get("/me"))
        .await
        .unwrap_err();
    match &err {
        Error::Transport(t) => assert_eq!(t.kind(), TransportErrorKind::Proxy, "{err}"),
        other => panic!("expected a proxy error, got {other:?}"),
    }
    assert!(err.to_string().contains("proxy"), "{err}");
    assert!(!err.to_string().contains("nope"));
    assert_eq!(proxy.seen().len(), 2, "the refused tunnel was not retried");
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_redirect_to_another_origin_through_the_proxy_drops_authorization() {
    let pki = Pki::new();
    let other = net::serve(Some(net::server_config(&pki, &ServerTls::default()))).await;
    // Same host, another port: another origin.
    let origin = net::serve_with(
        Some(net::server_config(&pki, &ServerTls::default())),
        Some(format!("https://localhost:{}/elsewhere", other.addr.port())),
    )
    .await;
    let proxy = net::proxy(None).await;
    let client = build(
        Client::builder()
            .add_root_certificates_pem(&pki.ca_pem)
            .proxy(proxy.url())
            .follow_redirects(true),
        &origin.https_url(),
    );
    let me: serde_json::Value = client.send(ApiRequest::get("/me")).await.unwrap();
    assert_eq!(me["type"], "admin");
    let first = origin.requests();
    assert_eq!(first.len(), 1);
    assert!(first[0].authorization.is_some(), "the origin got the token");
    let second = other.requests();
    assert_eq!(second.len(), 1);
    assert_eq!(second[0].authorization, None, "the other origin did not");
    // Both hops went through the proxy, each in its own tunnel, and it saw no token.
    let seen = proxy.seen();
    assert_eq!(seen.len(), 2);
    assert!(seen[1]
        .head
        .starts_with(&format!("CONNECT localhost:{} ", other.addr.port())));
    assert!(seen.iter().all(|s| !contains(&s.client_bytes, TOKEN)));
}

#[tokio::test]
async fn no_proxy_hosts_bypass_the_proxy() {
    let pki = Pki::new();
    let server = net::serve(Some(net::server_config(&pki, &ServerTls::default()))).await;
    let proxy = net::proxy(None).await;
    let client = build(
        Client::builder()
            .add_root_certificates_pem(&pki.ca_pem)
            .proxy(proxy.url())
            .no_proxy("example.test, 127.0.0.0/8"),
        &server.https_url(),
    );
    client
        .send::<serde_json::Value>(ApiRequest::get("/me"))
        .await
        .unwrap();
    assert!(proxy.seen().is_empty(), "the proxy was bypassed");
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn loopback_plain_http_is_forwarded_with_the_absolute_uri() {
    let server = net::serve(None).await;
    let proxy = net::proxy(Some(BASIC_BOB.into())).await;
    let client = build(
        Client::builder()
            .allow_insecure_loopback(true)
            .proxy(proxy.url())
            .proxy_credentials(ProxyCredentials::new("bob", "s3cret!pw").unwrap()),
        &server.http_url(),
    );
    client
        .send::<serde_json::Value>(ApiRequest::get("/me"))
        .await
        .unwrap();
    let seen = proxy.seen();
    assert_eq!(seen.len(), 1);
    assert!(
        seen[0]
            .head
            .starts_with(&format!("GET {}/me HTTP/1.1\r\n", server.http_url())),
        "{}",
        seen[0].head
    );
    assert!(seen[0].head.contains(BASIC_BOB));
}

#[tokio::test]
async fn bad_proxy_urls_are_typed_builder_errors_that_hide_the_password() {
    for bad in [
        "socks5://127.0.0.1:1080",
        "https://127.0.0.1:3128",
        "http://127.0.0.1:3128/some/path",
        "http://:hunter2@127.0.0.1:3128",
        "http://bob:hunter2@",
    ] {
        let err = Client::builder().proxy(bad).build().unwrap_err();
        assert!(
            matches!(err, Error::Config(ConfigError::InvalidProxy { .. })),
            "{bad}: {err}"
        );
        assert!(!err.to_string().contains("hunter2"), "{err}");
    }
    let builder = Client::builder().proxy("http://bob:hunter2@proxy.test:3128");
    assert!(!format!("{builder:?}").contains("hunter2"));
}

#[tokio::test]
async fn a_proxy_that_is_not_listening_is_a_connect_error() {
    let pki = Pki::new();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let client = build(
        Client::builder()
            .add_root_certificates_pem(&pki.ca_pem)
            .proxy(format!("http://127.0.0.1:{port}"))
            .max_attempts(1),
        "https://127.0.0.1:9",
    );
    let err = client
        .send::<serde_json::Value>(ApiRequest::get("/me"))
        .await
        .unwrap_err();
    match &err {
        Error::Transport(t) => assert_eq!(t.kind(), TransportErrorKind::Connect, "{err}"),
        other => panic!("expected a connect error, got {other:?}"),
    }
}

/// Set in CI: a missing `tinyproxy` then fails the test instead of skipping it.
const REQUIRE_TINYPROXY: &str = "INTERCOM_RS_REQUIRE_TINYPROXY";

fn tinyproxy_binary() -> Option<std::path::PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .chain(["/usr/bin".into(), "/usr/sbin".into()])
        .map(|dir| dir.join("tinyproxy"))
        .find(|p| p.is_file())
}

struct Tinyproxy {
    child: std::process::Child,
    port: u16,
    log: std::path::PathBuf,
    dir: std::path::PathBuf,
}

impl Drop for Tinyproxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn start_tinyproxy(binary: &std::path::Path, auth: Option<(&str, &str)>) -> Tinyproxy {
    use std::io::Write as _;
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let dir = std::env::temp_dir().join(format!(
        "intercom-rs-tinyproxy-{}-{port}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let log = dir.join("tinyproxy.log");
    let mut conf = format!(
        "Port {port}\nListen 127.0.0.1\nTimeout 30\nLogFile \"{}\"\nLogLevel Info\n\
         MaxClients 20\nAllow 127.0.0.1\n",
        log.display()
    );
    if let Some((user, pass)) = auth {
        conf.push_str(&format!("BasicAuth {user} {pass}\n"));
    }
    let conf_path = dir.join("tinyproxy.conf");
    std::fs::File::create(&conf_path)
        .unwrap()
        .write_all(conf.as_bytes())
        .unwrap();
    let child = std::process::Command::new(binary)
        .arg("-d")
        .arg("-c")
        .arg(&conf_path)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait until it listens.
    for _ in 0..200 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    Tinyproxy {
        child,
        port,
        log,
        dir,
    }
}

#[tokio::test]
async fn through_a_real_tinyproxy_with_and_without_authentication() {
    let Some(binary) = tinyproxy_binary() else {
        if std::env::var_os(REQUIRE_TINYPROXY).is_some() {
            panic!("tinyproxy is not installed, and {REQUIRE_TINYPROXY} is set: apt-get install -y tinyproxy");
        }
        use std::io::Write as _;
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: tinyproxy not found (apt-get install -y tinyproxy); set {REQUIRE_TINYPROXY}=1 to make this a failure"
        );
        return;
    };
    let pki = Pki::new();
    let server = net::serve(Some(net::server_config(&pki, &ServerTls::default()))).await;
    for auth in [None, Some(("bob", "Tiny5ecret"))] {
        let proxy = start_tinyproxy(&binary, auth);
        let mut builder = Client::builder()
            .add_root_certificates_pem(&pki.ca_pem)
            .proxy(format!("http://127.0.0.1:{}", proxy.port))
            .max_attempts(1);
        if let Some((user, pass)) = auth {
            // Without credentials, tinyproxy refuses the tunnel: a typed proxy error.
            let refused = build(
                builder.proxy(format!("http://127.0.0.1:{}", proxy.port)),
                &server.https_url(),
            );
            let err = refused
                .send::<serde_json::Value>(ApiRequest::get("/me"))
                .await
                .unwrap_err();
            match &err {
                Error::Transport(t) => assert_eq!(t.kind(), TransportErrorKind::Proxy, "{err}"),
                other => panic!("expected a proxy error, got {other:?}"),
            }
            builder = Client::builder()
                .add_root_certificates_pem(&pki.ca_pem)
                .proxy(format!("http://127.0.0.1:{}", proxy.port))
                .proxy_credentials(ProxyCredentials::new(user, pass).unwrap())
                .max_attempts(1);
        }
        let client = build(builder, &server.https_url());
        let me: serde_json::Value = client.send(ApiRequest::get("/me")).await.unwrap();
        assert_eq!(me["type"], "admin");
        let log = std::fs::read_to_string(&proxy.log).unwrap_or_default();
        assert!(
            log.contains("CONNECT") && log.contains(&server.addr.port().to_string()),
            "tinyproxy logged the tunnel: {log}"
        );
        assert!(
            !log.contains(TOKEN),
            "the token never reached the proxy's log"
        );
        assert!(!log.contains("Tiny5ecret"));
    }
    assert_eq!(server.requests().len(), 2);
    assert!(server
        .requests()
        .iter()
        .all(|r| r.authorization.as_deref() == Some(&*format!("Bearer {TOKEN}"))));
}
