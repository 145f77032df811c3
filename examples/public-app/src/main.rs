//! An Intercom public app on `intercom-axum`, run against the embedded sandbox.
//!
//! ```text
//! cargo run -p intercom-public-app-example --bin public-app            # the scripted walk-through
//! cargo run -p intercom-public-app-example --bin public-app -- --serve # keep serving; open /install
//! ```
//!
//! The walk-through plays the admin's browser: it opens `/install`, passes the sandbox's
//! consent page, lands on `/callback` (the token is exchanged and stored sealed in SQLite),
//! lists the workspace's contacts with the stored token, creates one and receives the
//! sandbox's signed `contact.user.created` webhook (a forged one is refused), and
//! uninstalls (the workspace revokes the token, Intercom's uninstall notification arrives and
//! is confirmed with `GET /me`).
//!
//! The encryption key comes from `INTERCOM_APP_ENCRYPTION_KEY` (`<key-id>:<base64 of 32
//! bytes>`) when set; otherwise a throwaway key is generated for this run.

use std::error::Error;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::routing::{get, post};
use axum::{Extension, Router};
use bytes::Bytes;
use http::{header, Method, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use intercom_app::{Clients, Keyring, SqlTokenStore, TokenStore};
use intercom_auth_types::{CookieKey, EncryptionKey, OAuthApp};
use intercom_axum::{PublicApp, VerifiedWebhook};
use intercom_sandbox::Sandbox;
use intercom_transport::{ApiRequest, Client};
use tokio::sync::mpsc;

type Http = hyper_util::client::legacy::Client<HttpConnector, Full<Bytes>>;
type Result<T> = std::result::Result<T, Box<dyn Error + Send + Sync>>;

const KEY_ENV: &str = "INTERCOM_APP_ENCRYPTION_KEY";

/// Topics of the verified notifications, for the walk-through to wait on.
type Received = mpsc::UnboundedSender<String>;

async fn on_webhook(
    Extension(received): Extension<Received>,
    hook: VerifiedWebhook,
) -> &'static str {
    println!(
        "  webhook received: topic {} for workspace {} (item {})",
        hook.notification.topic, hook.notification.app_id, hook.item["id"]
    );
    // Nobody waits in `--serve` mode once the walk-through is over: a closed channel is fine.
    let _ = received.send(hook.notification.topic.clone());
    "ok"
}

async fn home() -> axum::response::Html<&'static str> {
    axum::response::Html(
        "<!doctype html><html><body><h1>Example public app</h1>\
         <p><a href=\"/install\">Install it in the sandbox workspace</a></p></body></html>",
    )
}

#[tokio::main]
async fn main() -> Result<()> {
    let serve = std::env::args().any(|a| a == "--serve");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let callback = format!("http://{addr}/callback");
    // The sandbox plays Intercom's webhook sender too: contact changes made through the API are
    // posted, signed with the app's client secret, to the app's webhook route.
    let sandbox = Sandbox::builder()
        .redirect_uri(&callback)
        .webhook(format!("http://{addr}/webhooks"), ["contact.*"])
        .start()
        .await?;
    println!("sandbox (playing Intercom) at {}", sandbox.base_url());

    let key = match std::env::var_os(KEY_ENV) {
        Some(_) => EncryptionKey::from_env_var(KEY_ENV)?,
        None => {
            println!("{KEY_ENV} is not set: using a throwaway key for this run");
            EncryptionKey::generate("demo")?
        }
    };
    let db = std::env::temp_dir().join(format!("intercom-public-app-{}.db", std::process::id()));
    let store = Arc::new(SqlTokenStore::sqlite(&db, Keyring::new(key)).await?);
    println!(
        "token store: {} (tokens sealed with ChaCha20-Poly1305)",
        db.display()
    );

    let base = Client::builder()
        .base_url(sandbox.base_url())
        .allow_insecure_loopback(true)
        .build()?;
    let oauth = OAuthApp::new(sandbox.client_id(), sandbox.client_secret())?
        .with_authorize_base(sandbox.authorize_base().parse()?)?
        .with_redirect_uri(callback.parse()?);
    let app = PublicApp::builder(
        oauth,
        Clients::new(base, store.clone()),
        CookieKey::generate()?,
    )
    // Plain http on loopback only: real deployments keep Secure cookies.
    .secure_cookies(false)
    .success_page("/installed")
    .build();
    let (received_tx, received) = mpsc::unbounded_channel::<String>();
    let router = Router::new()
        .merge(PublicApp::routes())
        .route("/", get(home))
        .route(
            "/installed",
            get(|| async { "Installed. You can close this page." }),
        )
        .route("/webhooks", post(on_webhook))
        .layer(Extension(received_tx))
        .with_state(app.clone());
    let server = tokio::spawn(async move { axum::serve(listener, router).await });
    println!("public app at http://{addr}/");

    if serve {
        println!("open http://{addr}/install in a browser; Ctrl-C to stop");
        tokio::signal::ctrl_c().await?;
    } else {
        walk_through(addr, &app, store.as_ref(), received).await?;
    }
    server.abort();
    sandbox.shutdown().await;
    let _ = std::fs::remove_file(&db);
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    Ok(())
}

async fn walk_through(
    addr: SocketAddr,
    app: &PublicApp,
    store: &SqlTokenStore,
    mut received: mpsc::UnboundedReceiver<String>,
) -> Result<()> {
    let http: Http = hyper_util::client::legacy::Client::builder(TokioExecutor::new())
        .build(HttpConnector::new());
    let local = |path: &str| format!("http://{addr}{path}");

    println!("\n1. install");
    let install = send(&http, Method::GET, &local("/install"), &[], Vec::new()).await?;
    let cookie = install
        .headers()
        .get(header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .ok_or("no state cookie")?
        .to_owned();
    let authorize = location(&install)?;
    println!(
        "  /install -> {}",
        authorize.split('?').next().unwrap_or_default()
    );
    let consent = send(&http, Method::GET, &authorize, &[], Vec::new()).await?;
    let back = location(&consent)?;
    println!("  consent page approved -> /callback");
    let done = send(
        &http,
        Method::GET,
        &back,
        &[("cookie", &cookie)],
        Vec::new(),
    )
    .await?;
    if done.status() != StatusCode::SEE_OTHER {
        return Err(format!("the callback answered {}", done.status()).into());
    }
    let installed = store.list().await?;
    let workspace = installed
        .first()
        .ok_or("nothing was stored")?
        .workspace_id
        .clone();
    println!("  stored the token of workspace {workspace} (sealed; the database never sees it)");

    println!("\n2. list the workspace's contacts with the stored token");
    let tenant = app.clients().for_workspace(&workspace).await?;
    let contacts: serde_json::Value = tenant.send(ApiRequest::get("/contacts")).await?;
    let data = contacts["data"].as_array().cloned().unwrap_or_default();
    println!("  {} contacts on the first page, e.g.:", data.len());
    for contact in data.iter().take(3) {
        println!(
            "    {} <{}>",
            contact["name"].as_str().unwrap_or("?"),
            contact["email"].as_str().unwrap_or("?")
        );
    }

    println!("\n3. receive a signed webhook");
    let created: serde_json::Value = tenant
        .send(ApiRequest::post("/contacts").json(&serde_json::json!({
            "role": "user",
            "email": "new.customer@example.com",
            "name": "New Customer",
        })))
        .await?;
    println!(
        "  created contact {} through the API",
        created["id"].as_str().unwrap_or("?")
    );
    let topic = tokio::time::timeout(std::time::Duration::from_secs(10), received.recv())
        .await
        .map_err(|_| "the sandbox's webhook did not arrive within 10 s")?
        .ok_or("the webhook channel closed")?;
    println!("  delivered by the sandbox and verified: {topic}");
    // A notification nobody signed with the client secret never reaches the handler.
    let body = format!(
        r#"{{"type":"notification_event","app_id":"{workspace}","id":"notif_forged","topic":"contact.user.created","created_at":1767225600,"data":{{"type":"notification_event_data","item":{{"type":"contact","id":"forged"}}}}}}"#
    )
    .into_bytes();
    let forged = send(
        &http,
        Method::POST,
        &local("/webhooks"),
        &[(
            "x-hub-signature",
            "sha1=0000000000000000000000000000000000000000",
        )],
        body,
    )
    .await?;
    println!("  forged signature: {}", forged.status());

    println!("\n4. uninstall");
    let notice = format!(r#"{{"app_id":"{workspace}"}}"#).into_bytes();
    send(
        &http,
        Method::POST,
        &local("/uninstall"),
        &[],
        notice.clone(),
    )
    .await?;
    println!(
        "  a notification while the token still works deletes nothing: stored = {}",
        store.get(&workspace).await?.is_some()
    );
    tenant.client().revoke_token().await?;
    send(&http, Method::POST, &local("/uninstall"), &[], notice).await?;
    let gone = store.get(&workspace).await?.is_none();
    println!("  after the workspace revoked the token, GET /me answers 401: deleted = {gone}");
    if !gone {
        return Err("the uninstall did not delete the token".into());
    }
    println!("\ndone");
    Ok(())
}

async fn send(
    http: &Http,
    method: Method,
    url: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> Result<http::Response<Bytes>> {
    let mut request = Request::builder().method(method).uri(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = http
        .request(request.body(Full::new(Bytes::from(body)))?)
        .await?;
    let (parts, body) = response.into_parts();
    let body = body.collect().await?.to_bytes();
    Ok(http::Response::from_parts(parts, body))
}

fn location(response: &http::Response<Bytes>) -> Result<String> {
    Ok(response
        .headers()
        .get(header::LOCATION)
        .ok_or_else(|| format!("expected a redirect, got {}", response.status()))?
        .to_str()?
        .to_owned())
}
