//! The install flow in a real browser: headless Chromium opens `/install` on
//! `http://localhost:…`, follows the redirect to the sandbox's consent page on
//! `http://127.0.0.1:…` (another site), and comes back to `/callback`. The state cookie is
//! `__Host-`, `Secure` (Chromium treats localhost as a secure context), `HttpOnly` and
//! `SameSite=Lax`, so the install completes only if the browser sends it on that cross-site
//! top-level redirect. Screenshots go to `target/tmp/browser/`.
//!
//! SKIPPED when no Chromium is installed, unless `INTERCOM_RS_REQUIRE_CHROMIUM=1`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use axum::routing::get;
use axum::Router;
use intercom_app::{Clients, Keyring, SqlTokenStore, TokenStore};
use intercom_auth_types::{CookieKey, EncryptionKey, OAuthApp};
use intercom_axum::PublicApp;
use intercom_sandbox::Sandbox;
use intercom_transport::Client;

const REQUIRE_ENV: &str = "INTERCOM_RS_REQUIRE_CHROMIUM";

fn find_chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
        .find(|p| p.is_file())
}

/// Runs headless Chromium on `url` with a fresh profile; `mode` is `--dump-dom` or
/// `--screenshot=PATH`. Returns stdout.
fn chromium(binary: &Path, profile: &Path, mode: &str, url: &str) -> String {
    let out = Command::new(binary)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--window-size=900,600",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(mode)
        .arg(url)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn install_flow_in_headless_chromium() {
    let Some(binary) = find_chromium() else {
        if std::env::var(REQUIRE_ENV).as_deref() == Ok("1") {
            panic!(
                "Chromium is not installed, and {REQUIRE_ENV} is set: apt-get install -y chromium"
            );
        }
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: chromium not found on PATH (apt-get install -y chromium); \
             set {REQUIRE_ENV}=1 to make this a failure"
        );
        return;
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    // The app is reached as `localhost`, the sandbox as `127.0.0.1`: two different sites.
    let callback = format!("http://localhost:{port}/callback");
    let sandbox = Sandbox::builder()
        .redirect_uri(&callback)
        .start()
        .await
        .unwrap();
    let work = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("browser");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).unwrap();
    let store = Arc::new(
        SqlTokenStore::sqlite(
            work.join("tokens.db"),
            Keyring::new(EncryptionKey::generate("k1").unwrap()),
        )
        .await
        .unwrap(),
    );
    let base = Client::builder()
        .base_url(sandbox.base_url())
        .allow_insecure_loopback(true)
        .build()
        .unwrap();
    let oauth = OAuthApp::new(sandbox.client_id(), sandbox.client_secret())
        .unwrap()
        .with_authorize_base(sandbox.authorize_base().parse().unwrap())
        .unwrap()
        .with_redirect_uri(callback.parse().unwrap());
    // Secure cookies stay on (the default): Chromium accepts them on http://localhost.
    let app = PublicApp::builder(
        oauth,
        Clients::new(base, store.clone()),
        CookieKey::generate().unwrap(),
    )
    .success_page("/installed")
    .build();
    let router = Router::new()
        .merge(PublicApp::routes())
        .route(
            "/installed",
            get(|| async { axum::response::Html("<h1>Installed</h1><p>The token is stored.</p>") }),
        )
        .with_state(app);
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });

    let install = format!("http://localhost:{port}/install");
    let run = |profile: &str, mode: String, url: String| {
        let binary = binary.clone();
        let profile = work.join(profile);
        tokio::task::spawn_blocking(move || chromium(&binary, &profile, &mode, &url))
    };

    // /install → consent (127.0.0.1) → /callback (localhost) → /installed.
    let dom = run("p1", "--dump-dom".into(), install.clone())
        .await
        .unwrap();
    assert!(
        dom.contains("Installed"),
        "the browser did not finish the install:\n{dom}"
    );
    let list = store.list().await.unwrap();
    assert_eq!(list.len(), 1, "the install stored no token");
    assert_eq!(list[0].revision, 1);

    // The same walk, kept as a screenshot (a second install of the same workspace).
    let shot = work.join("1-installed.png");
    run("p2", format!("--screenshot={}", shot.display()), install)
        .await
        .unwrap();
    assert!(std::fs::metadata(&shot).unwrap().len() > 0);
    assert_eq!(store.list().await.unwrap()[0].revision, 2);

    // A callback this browser did not start: the error page, nothing stored.
    let forged = format!("http://localhost:{port}/callback?code=Y29kZQ%3D%3D&state=forged");
    let dom = run("p3", "--dump-dom".into(), forged.clone())
        .await
        .unwrap();
    assert!(dom.contains("Installation session missing"), "{dom}");
    let shot = work.join("2-no-session.png");
    run("p4", format!("--screenshot={}", shot.display()), forged)
        .await
        .unwrap();
    assert!(std::fs::metadata(&shot).unwrap().len() > 0);
    assert_eq!(store.list().await.unwrap()[0].revision, 2);

    sandbox.shutdown().await;
}
