//! The public-app routes over real HTTP against the sandbox's OAuth pages and token endpoint:
//! the install flow (and each way it can fail, storing nothing), webhooks, Canvas Kit
//! requests, uninstall notifications and "Log in with Intercom".
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::routing::{get, post};
use axum::Router;
use bytes::Bytes;
use common::Stack;
use http::{header, HeaderMap, Method, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use intercom_app::{SqlTokenStore, TokenStore};
use intercom_auth_types::{sign_body_signature, sign_hub_signature, ClientSecret, CookieKey};
use intercom_axum::{
    log_in_with_intercom, IdentityError, SpentStates, VerifiedCanvas, VerifiedWebhook,
};
use intercom_sandbox::SandboxHandle;
use intercom_transport::Client;

type Http = hyper_util::client::legacy::Client<HttpConnector, Full<Bytes>>;

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Reply {
    fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .expect("a Location header")
            .to_str()
            .unwrap()
    }

    /// The `name=value` part of the Set-Cookie header.
    fn cookie(&self) -> String {
        let set = self
            .headers
            .get(header::SET_COOKIE)
            .unwrap()
            .to_str()
            .unwrap();
        set.split(';').next().unwrap().to_owned()
    }
}

struct Fixture {
    sandbox: SandboxHandle,
    addr: SocketAddr,
    store: Arc<SqlTokenStore>,
    http: Http,
    dir: std::path::PathBuf,
    cookie_key: CookieKey,
}

impl Fixture {
    async fn start(
        configure: impl FnOnce(intercom_axum::PublicAppBuilder) -> intercom_axum::PublicAppBuilder,
    ) -> Self {
        Self::start_with_store(|builder, _| configure(builder)).await
    }

    /// Like [`start`](Self::start), the configuration seeing the token store.
    async fn start_with_store(
        configure: impl FnOnce(
            intercom_axum::PublicAppBuilder,
            Arc<SqlTokenStore>,
        ) -> intercom_axum::PublicAppBuilder,
    ) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "intercom-axum-{}-{}",
            std::process::id(),
            rand::random::<u32>()
        ));
        let mut stack = Stack::start("127.0.0.1", &dir, |s| s).await;
        let builder = stack
            .app()
            .secure_cookies(false)
            .success_page("/installed")
            .max_body(1024);
        let app = configure(builder, stack.store.clone()).build();
        stack.serve(
            app,
            Router::new()
                .route("/webhooks", post(on_webhook))
                .route("/canvas", post(on_canvas))
                .route("/installed", get(|| async { "installed" })),
        );
        let Stack {
            sandbox,
            store,
            addr,
            cookie_key,
            ..
        } = stack;
        let http = hyper_util::client::legacy::Client::builder(TokioExecutor::new())
            .build(HttpConnector::new());
        Self {
            sandbox,
            addr,
            store,
            http,
            dir,
            cookie_key,
        }
    }

    /// Another server of the same fleet: the same OAuth app, database file and cookie key,
    /// its own connection pool, and `spent` as its set of spent install states (the default,
    /// in memory, when `None`).
    async fn another_server(&self, spent: Option<Arc<dyn SpentStates>>) -> SocketAddr {
        let store = Arc::new(
            SqlTokenStore::sqlite(self.dir.join("tokens.db"), self.store.keyring().clone())
                .await
                .unwrap(),
        );
        let mut builder = common::app_builder(
            &self.sandbox,
            &format!("http://{}", self.addr),
            store,
            self.cookie_key.clone(),
        )
        .secure_cookies(false)
        .success_page("/installed");
        if let Some(spent) = spent {
            builder = builder.spent_states(spent);
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        common::serve(listener, builder.build(), Router::new());
        addr
    }

    async fn request(
        &self,
        method: Method,
        url: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> Reply {
        let url = if url.starts_with("http") {
            url.to_owned()
        } else {
            format!("http://{}{url}", self.addr)
        };
        let mut builder = Request::builder().method(method).uri(url);
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        let response = self
            .http
            .request(builder.body(Full::new(Bytes::from(body))).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        Reply {
            status,
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
        }
    }

    async fn get(&self, url: &str, cookie: Option<&str>) -> Reply {
        let headers: Vec<(&str, &str)> = cookie.map(|c| ("cookie", c)).into_iter().collect();
        self.request(Method::GET, url, &headers, Vec::new()).await
    }

    /// `/install`, then the sandbox's consent page: the callback URL and the state cookie.
    async fn consent(&self) -> (String, String) {
        let install = self.get("/install", None).await;
        assert_eq!(install.status, StatusCode::SEE_OTHER);
        let consent = self.get(install.location(), None).await;
        assert!(consent.status.is_redirection(), "{}", consent.body);
        (consent.location().to_owned(), install.cookie())
    }

    async fn installed(&self) -> usize {
        self.store.list().await.unwrap().len()
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn on_webhook(hook: VerifiedWebhook) -> String {
    format!(
        "{} {} {}",
        hook.notification.topic, hook.notification.app_id, hook.item["id"]
    )
}

async fn on_canvas(VerifiedCanvas(request): VerifiedCanvas) -> String {
    format!("canvas {}", request["workspace_id"])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn install_stores_the_token_and_a_replay_is_refused() {
    let f = Fixture::start(|b| b).await;
    let install = f.get("/install", None).await;
    assert_eq!(install.status, StatusCode::SEE_OTHER);
    let set_cookie = install.headers[header::SET_COOKIE].to_str().unwrap();
    assert!(set_cookie.contains("; HttpOnly"), "{set_cookie}");
    assert!(set_cookie.contains("; SameSite=Lax"), "{set_cookie}");
    assert!(
        !set_cookie.contains("Secure"),
        "loopback http was configured: {set_cookie}"
    );
    assert!(install.location().starts_with(&f.sandbox.authorize_base()));

    let consent = f.get(install.location(), None).await;
    let callback = consent.location().to_owned();
    assert!(callback.starts_with(&format!("http://{}/callback?", f.addr)));
    let done = f.get(&callback, Some(&install.cookie())).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(done.location(), "/installed");
    assert!(done.headers[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .contains("Max-Age=0"));

    let list = f.store.list().await.unwrap();
    assert_eq!(list.len(), 1);
    let stored = f.store.get(&list[0].workspace_id).await.unwrap().unwrap();
    assert!(stored.metadata.admin_id.is_some());
    assert_eq!(stored.metadata.region.as_deref(), Some("US"));
    // The stored token works.
    let me = Client::builder()
        .base_url(f.sandbox.base_url())
        .allow_insecure_loopback(true)
        .build()
        .unwrap()
        .with_oauth_token(stored.token.clone());
    let identity = log_in_with_intercom(&me).await.unwrap();
    assert_eq!(identity.workspace_id, list[0].workspace_id);

    // The same callback again, with the same cookie: refused, nothing rewritten.
    let replay = f.get(&callback, Some(&install.cookie())).await;
    assert_eq!(replay.status, StatusCode::BAD_REQUEST);
    assert!(replay.body.contains("already used"), "{}", replay.body);
    assert_eq!(
        f.store
            .get(&list[0].workspace_id)
            .await
            .unwrap()
            .unwrap()
            .revision,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_callback_replayed_on_another_server_is_refused_when_they_share_spent_states() {
    // Server A records spent states in its SQL store; server B (another pool on the same
    // database) does too; server C keeps the default, its own memory.
    let f = Fixture::start_with_store(|b, store| b.spent_states(store)).await;
    let b = f
        .another_server(Some(Arc::new(
            SqlTokenStore::sqlite(f.dir.join("tokens.db"), f.store.keyring().clone())
                .await
                .unwrap(),
        )))
        .await;
    let c = f.another_server(None).await;

    let (callback, cookie) = f.consent().await;
    let done = f.get(&callback, Some(&cookie)).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(f.installed().await, 1);
    let query = callback.split_once('?').unwrap().1;

    // Replayed on B: refused before the code is exchanged.
    let replay = f
        .get(&format!("http://{b}/callback?{query}"), Some(&cookie))
        .await;
    assert_eq!(replay.status, StatusCode::BAD_REQUEST);
    assert!(replay.body.contains("already used"), "{}", replay.body);

    // Replayed on C, which never heard of the state: it gets as far as the exchange, which
    // the sandbox refuses because the code was used. Only a shared set stops it earlier.
    let replay = f
        .get(&format!("http://{c}/callback?{query}"), Some(&cookie))
        .await;
    assert_eq!(replay.status, StatusCode::BAD_GATEWAY, "{}", replay.body);
    assert!(!replay.body.contains("already used"), "{}", replay.body);
    assert_eq!(
        f.store.list().await.unwrap()[0].revision,
        1,
        "nothing rewritten"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_callbacks_store_nothing() {
    let f = Fixture::start(|b| b).await;

    // State mismatch: the consent of one install, the cookie of another.
    let (callback, _cookie_a) = f.consent().await;
    let other = f.get("/install", None).await.cookie();
    let reply = f.get(&callback, Some(&other)).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.body.contains("state mismatch"), "{}", reply.body);

    // No cookie at all.
    let (callback, _) = f.consent().await;
    let reply = f.get(&callback, None).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.body.contains("cookie is missing"), "{}", reply.body);

    // A forged cookie: the right shape, a wrong signature.
    let (callback, cookie) = f.consent().await;
    let forged = format!("{}0", &cookie[..cookie.len() - 1]);
    let forged = if forged == cookie {
        format!("{}1", &cookie[..cookie.len() - 1])
    } else {
        forged
    };
    let reply = f.get(&callback, Some(&forged)).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.body.contains("invalid"), "{}", reply.body);

    // Denied consent: Intercom comes back with an error instead of a code.
    let install = f.get("/install", None).await;
    let state = url::Url::parse(install.location())
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .into_owned();
    let reply = f
        .get(
            &format!("/callback?error=access_denied&state={state}"),
            Some(&install.cookie()),
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(
        reply.body.contains("cancelled") && reply.body.contains("access_denied"),
        "{}",
        reply.body
    );

    // Exchange failure: the state matches but the code is not one the sandbox issued.
    let install = f.get("/install", None).await;
    let state = url::Url::parse(install.location())
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .into_owned();
    let reply = f
        .get(
            &format!("/callback?code=bm90LWlzc3VlZA%3D%3D&state={state}"),
            Some(&install.cookie()),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_GATEWAY);
    assert!(
        reply.body.contains("could not be exchanged"),
        "{}",
        reply.body
    );

    assert_eq!(f.installed().await, 0, "a failed callback stored a token");
    // And the flow still works afterwards (the failures above were the checks, not the setup).
    let (callback, cookie) = f.consent().await;
    assert_eq!(
        f.get(&callback, Some(&cookie)).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(f.installed().await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secure_cookies_and_app_store_redirects() {
    let f = Fixture::start(|b| b.secure_cookies(true).app_store_redirect()).await;
    let install = f.get("/install", None).await;
    let set_cookie = install.headers[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        set_cookie.starts_with("__Host-intercom_install="),
        "{set_cookie}"
    );
    assert!(
        set_cookie.contains("; Secure") && set_cookie.contains("; Path=/"),
        "{set_cookie}"
    );

    let consent = f.get(install.location(), None).await;
    let done = f.get(consent.location(), Some(&install.cookie())).await;
    assert_eq!(
        done.location(),
        "https://app.intercom.com/appstore/redirect?install_success=true"
    );
    let replay = f.get(consent.location(), Some(&install.cookie())).await;
    let failed = replay.location();
    assert!(
        failed.starts_with(
            "https://app.intercom.com/appstore/redirect?install_success=false&error_message="
        ),
        "{failed}"
    );
    assert_eq!(f.installed().await, 1);
}

fn notification(app_id: &str) -> Vec<u8> {
    format!(
        r#"{{"type":"notification_event","app_id":"{app_id}","id":"notif_1","topic":"contact.user.created","created_at":1767225600,"data":{{"type":"notification_event_data","item":{{"type":"contact","id":"c_42"}}}}}}"#
    )
    .into_bytes()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_are_verified_on_the_raw_body() {
    let f = Fixture::start(|b| b).await;
    let secret = f.sandbox.client_secret();
    let body = notification("ws_1");
    let post = |headers: Vec<(&'static str, String)>, body: Vec<u8>| {
        let f = &f;
        async move {
            let headers: Vec<(&str, &str)> =
                headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
            f.request(Method::POST, "/webhooks", &headers, body).await
        }
    };

    let valid = post(
        vec![("x-hub-signature", sign_hub_signature(&secret, &body))],
        body.clone(),
    )
    .await;
    assert_eq!(valid.status, StatusCode::OK);
    assert_eq!(valid.body, "contact.user.created ws_1 \"c_42\"");

    let mut tampered = body.clone();
    let at = tampered.iter().position(|&b| b == b'4').unwrap();
    tampered[at] = b'5';
    let reply = post(
        vec![("x-hub-signature", sign_hub_signature(&secret, &body))],
        tampered,
    )
    .await;
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (StatusCode::UNAUTHORIZED, "")
    );

    let wrong = ClientSecret::new("not-the-client-secret").unwrap();
    let reply = post(
        vec![("x-hub-signature", sign_hub_signature(&wrong, &body))],
        body.clone(),
    )
    .await;
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (StatusCode::UNAUTHORIZED, "")
    );

    let reply = post(vec![], body.clone()).await;
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (StatusCode::UNAUTHORIZED, "")
    );

    // Over the 1 KiB limit, correctly signed: refused before the signature is checked.
    let mut big = notification("ws_1");
    big.truncate(big.len() - 2);
    big.extend_from_slice(format!(r#","pad":"{}"}}}}"#, "x".repeat(2048)).as_bytes());
    let reply = post(
        vec![("x-hub-signature", sign_hub_signature(&secret, &big))],
        big,
    )
    .await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);

    // Canvas Kit: X-Body-Signature, HMAC-SHA256.
    let canvas = br#"{"workspace_id":"ws_1","component_id":"button"}"#.to_vec();
    let good = f
        .request(
            Method::POST,
            "/canvas",
            &[("x-body-signature", &sign_body_signature(&secret, &canvas))],
            canvas.clone(),
        )
        .await;
    assert_eq!(
        (good.status, good.body.as_str()),
        (StatusCode::OK, "canvas \"ws_1\"")
    );
    let bad = f
        .request(
            Method::POST,
            "/canvas",
            &[("x-body-signature", &sign_body_signature(&wrong, &canvas))],
            canvas.clone(),
        )
        .await;
    assert_eq!(
        (bad.status, bad.body.as_str()),
        (StatusCode::UNAUTHORIZED, "")
    );
    // A webhook signature is not a Canvas signature.
    let crossed = f
        .request(
            Method::POST,
            "/canvas",
            &[("x-body-signature", &sign_hub_signature(&secret, &canvas))],
            canvas,
        )
        .await;
    assert_eq!(crossed.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uninstall_deletes_only_when_me_answers_401() {
    let f = Fixture::start(|b| b).await;
    let (callback, cookie) = f.consent().await;
    assert_eq!(
        f.get(&callback, Some(&cookie)).await.status,
        StatusCode::SEE_OTHER
    );
    let ws = f.store.list().await.unwrap()[0].workspace_id.clone();
    let notice = format!(r#"{{"app_id":"{ws}"}}"#).into_bytes();
    let json = [("content-type", "application/json")];

    // Forged: the token still works, so nothing is deleted.
    let reply = f
        .request(Method::POST, "/uninstall", &json, notice.clone())
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(
        f.store.get(&ws).await.unwrap().is_some(),
        "a forged notification deleted the token"
    );
    // Unknown workspace, malformed body: nothing happens.
    let reply = f
        .request(
            Method::POST,
            "/uninstall",
            &json,
            br#"{"app_id":"nope"}"#.to_vec(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    let reply = f
        .request(Method::POST, "/uninstall", &json, b"app_id=x".to_vec())
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let reply = f
        .request(
            Method::POST,
            "/uninstall",
            &json,
            br#"{"app_id":"a\u001b[2Jb"}"#.to_vec(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(f.installed().await, 1);

    // The workspace really uninstalls: /me now answers 401, so the token goes.
    let stored = f.store.get(&ws).await.unwrap().unwrap();
    Client::builder()
        .base_url(f.sandbox.base_url())
        .allow_insecure_loopback(true)
        .build()
        .unwrap()
        .with_oauth_token(stored.token)
        .revoke_token()
        .await
        .unwrap();
    let reply = f.request(Method::POST, "/uninstall", &json, notice).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(
        f.store.get(&ws).await.unwrap().is_none(),
        "a confirmed uninstall kept the token"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_in_with_intercom_refuses_unverified_emails() {
    // A stand-in for /me whose answer the test chooses.
    async fn serve(verified: &'static str) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let body = format!(
            r#"{{"type":"admin","id":"7","email":"a@example.com","email_verified":{verified},"app":{{"type":"app","id_code":"ws_9","region":"EU"}}}}"#
        );
        let router = Router::new().route(
            "/me",
            get(move || {
                let body = body.clone();
                async move { ([(header::CONTENT_TYPE, "application/json")], body) }
            }),
        );
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        format!("http://{addr}")
    }
    let client = |base: String| {
        Client::builder()
            .base_url(base)
            .allow_insecure_loopback(true)
            .build()
            .unwrap()
            .with_oauth_token(intercom_auth_types::OAuthToken::new("dG9rOjE=").unwrap())
    };
    let ok = log_in_with_intercom(&client(serve("true").await))
        .await
        .unwrap();
    assert_eq!(
        (ok.admin_id.as_str(), ok.workspace_id.as_str()),
        ("7", "ws_9")
    );
    for verified in ["false", "null"] {
        assert!(matches!(
            log_in_with_intercom(&client(serve(verified).await)).await,
            Err(IdentityError::UnverifiedEmail)
        ));
    }
}
