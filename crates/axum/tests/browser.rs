//! The install flow clicked through in a real browser: headless Chromium, driven over
//! WebDriver (`chromedriver`), opens the app's home page on `http://localhost:…`, clicks
//! "Add to Intercom" (`/install`), lands on the sandbox's consent page on
//! `http://127.0.0.1:…` (another site), clicks **Approve**, and comes back through
//! `/callback` to the app's final page. A second walk clicks **Deny** and lands on the app's
//! error page. The state cookie is `__Host-`, `Secure` (Chromium treats localhost as a secure
//! context), `HttpOnly` and `SameSite=Lax`, so the install completes only if the browser
//! sends it on that cross-site top-level redirect.
//!
//! A PNG screenshot of every page is written to `target/tmp/browser/` (the paths are
//! printed). SKIPPED when `chromedriver` or Chromium is missing (Debian: `apt-get install -y
//! chromium chromium-driver`), unless `INTERCOM_RS_REQUIRE_CHROMIUM=1`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use axum::response::Html;
use axum::routing::get;
use axum::Router;
use common::Stack;
use fantoccini::{Client as Browser, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use intercom_app::TokenStore;
use serde_json::json;

const REQUIRE_ENV: &str = "INTERCOM_RS_REQUIRE_CHROMIUM";

fn on_path(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    names
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
        .find(|p| p.is_file())
}

/// A chromedriver listening on a free loopback port, killed on drop.
struct Driver {
    child: Child,
    url: String,
}

impl Driver {
    fn start(binary: &Path, log: &Path) -> Self {
        // A free port: bind one, note it, release it for chromedriver.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(binary)
            .arg(format!("--port={port}"))
            .arg(format!("--log-path={}", log.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }

    /// Opens a browser session, retrying while chromedriver is still starting up.
    async fn session(&self, chromium: &Path) -> Browser {
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": chromium,
                "args": [
                    "--headless=new",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-dev-shm-usage",
                    "--no-first-run",
                    "--window-size=900,600",
                ],
            }),
        );
        let mut builder = ClientBuilder::new(HttpConnector::new());
        builder.capabilities(capabilities);
        let mut last = None;
        for _ in 0..100 {
            match builder.connect(&self.url).await {
                Ok(browser) => return browser,
                Err(e) => last = Some(e),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no WebDriver session from {}: {last:?}", self.url);
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Saves a screenshot of the current page as `dir/name` and prints its path.
async fn screenshot(browser: &Browser, dir: &Path, name: &str) {
    let png = browser.screenshot().await.unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    let path = dir.join(name);
    std::fs::write(&path, png).unwrap();
    println!("screenshot: {}", path.display());
}

/// The text of the page's `<h1>`, once one is there.
async fn heading(browser: &Browser) -> String {
    browser
        .wait()
        .for_element(Locator::Css("h1"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// From the app's home page: click "Add to Intercom", wait for the sandbox's consent page
/// and screenshot it.
async fn open_consent(browser: &Browser, origin: &str, sandbox_base: &str, dir: &Path, shot: &str) {
    browser.goto(&format!("{origin}/")).await.unwrap();
    browser
        .wait()
        .for_element(Locator::Id("install"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser
        .wait()
        .for_element(Locator::Id("approve"))
        .await
        .unwrap();
    let url = browser.current_url().await.unwrap();
    assert!(
        url.as_str().starts_with(&format!("{sandbox_base}/oauth?")),
        "not the sandbox's consent page: {url}"
    );
    assert_eq!(heading(browser).await, "Authorize app");
    screenshot(browser, dir, shot).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn install_flow_clicked_through_in_headless_chromium() {
    let (Some(driver_binary), Some(chromium)) = (
        on_path(&["chromedriver"]),
        on_path(&["chromium", "chromium-browser", "google-chrome"]),
    ) else {
        if std::env::var(REQUIRE_ENV).as_deref() == Ok("1") {
            panic!(
                "chromedriver or Chromium is not installed, and {REQUIRE_ENV} is set: \
                 apt-get install -y chromium chromium-driver"
            );
        }
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: chromedriver or chromium not found on PATH (apt-get install -y chromium \
             chromium-driver); set {REQUIRE_ENV}=1 to make this a failure"
        );
        return;
    };
    let work = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("browser");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).unwrap();

    // The app is reached as `localhost`, the sandbox as `127.0.0.1`: two different sites.
    let mut stack = Stack::start("localhost", &work, |s| s.consent_form(true)).await;
    // Secure cookies stay on (the default): Chromium accepts them on http://localhost.
    let app = stack.app().success_page("/installed").build();
    stack.serve(
        app,
        Router::new()
            .route(
                "/",
                get(|| async {
                    Html(
                        "<!doctype html><title>Example app</title><h1>Example app</h1>\
                         <p><a id=\"install\" href=\"/install\">Add to Intercom</a></p>",
                    )
                }),
            )
            .route(
                "/installed",
                get(|| async {
                    Html(
                        "<!doctype html><title>Installed</title><h1>Installed</h1>\
                         <p>The token is stored.</p>",
                    )
                }),
            ),
    );
    let origin = stack.origin.clone();
    let sandbox_base = stack.sandbox.base_url().to_owned();

    let driver = Driver::start(&driver_binary, &work.join("chromedriver.log"));
    let browser = driver.session(&chromium).await;

    // Approve: home → /install → consent (127.0.0.1) → /callback (localhost) → /installed.
    browser.goto(&format!("{origin}/")).await.unwrap();
    assert_eq!(heading(&browser).await, "Example app");
    screenshot(&browser, &work, "1-home.png").await;
    open_consent(&browser, &origin, &sandbox_base, &work, "2-consent.png").await;
    assert!(
        stack.store.list().await.unwrap().is_empty(),
        "stored before consent"
    );
    browser
        .find(Locator::Id("approve"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser
        .wait()
        .for_element(Locator::XPath("//h1[text()='Installed']"))
        .await
        .unwrap();
    assert_eq!(
        browser.current_url().await.unwrap().as_str(),
        format!("{origin}/installed")
    );
    screenshot(&browser, &work, "3-installed.png").await;
    let list = stack.store.list().await.unwrap();
    assert_eq!(list.len(), 1, "the install stored no token");
    assert_eq!(list[0].revision, 1);

    // Deny: the same walk, then the app's error page; nothing stored.
    open_consent(&browser, &origin, &sandbox_base, &work, "4-consent.png").await;
    browser
        .find(Locator::Id("deny"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser
        .wait()
        .for_element(Locator::XPath("//h1[text()='Installation cancelled']"))
        .await
        .unwrap();
    let url = browser.current_url().await.unwrap();
    assert_eq!(url.path(), "/callback");
    assert!(
        url.query_pairs()
            .any(|(k, v)| k == "error" && v == "access_denied"),
        "{url}"
    );
    assert!(browser.source().await.unwrap().contains("access_denied"));
    screenshot(&browser, &work, "5-denied.png").await;
    assert_eq!(stack.store.list().await.unwrap()[0].revision, 1);

    // A callback this browser did not start: the error page, nothing stored.
    browser
        .goto(&format!("{origin}/callback?code=Y29kZQ%3D%3D&state=forged"))
        .await
        .unwrap();
    assert_eq!(heading(&browser).await, "Installation session missing");
    screenshot(&browser, &work, "6-no-session.png").await;
    assert_eq!(stack.store.list().await.unwrap()[0].revision, 1);

    browser.close().await.unwrap();
    drop(driver);
    stack.sandbox.shutdown().await;
}
