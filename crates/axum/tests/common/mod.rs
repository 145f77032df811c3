//! Start-up shared by the integration tests: a sandbox whose OAuth app redirects to this
//! test's app server, a sealed SQLite token store, and the app server itself.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use axum::Router;
use intercom_app::{Clients, Keyring, SqlTokenStore};
use intercom_auth_types::{CookieKey, EncryptionKey, OAuthApp};
use intercom_axum::{PublicApp, PublicAppBuilder};
use intercom_sandbox::{Sandbox, SandboxBuilder, SandboxHandle};
use intercom_transport::Client;
use tokio::net::TcpListener;

/// A sandbox, a token store and a bound (not yet serving) listener for the app.
pub struct Stack {
    pub sandbox: SandboxHandle,
    pub store: Arc<SqlTokenStore>,
    /// The app's listener, on 127.0.0.1.
    pub listener: Option<TcpListener>,
    pub addr: SocketAddr,
    /// `http://{host}:{port}`: how the browser (and the sandbox's redirect) names the app.
    pub origin: String,
    pub cookie_key: CookieKey,
}

impl Stack {
    /// Binds the app's port on 127.0.0.1, registers `http://{host}:{port}/callback` with a
    /// sandbox configured by `sandbox`, and opens a store at `dir/tokens.db`.
    pub async fn start(
        host: &str,
        dir: &Path,
        sandbox: impl FnOnce(SandboxBuilder) -> SandboxBuilder,
    ) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let origin = format!("http://{host}:{}", addr.port());
        let sandbox = sandbox(Sandbox::builder().redirect_uri(format!("{origin}/callback")))
            .start()
            .await
            .unwrap();
        std::fs::create_dir_all(dir).unwrap();
        let store = Arc::new(
            SqlTokenStore::sqlite(
                dir.join("tokens.db"),
                Keyring::new(EncryptionKey::generate("k1").unwrap()),
            )
            .await
            .unwrap(),
        );
        Self {
            sandbox,
            store,
            listener: Some(listener),
            addr,
            origin,
            cookie_key: CookieKey::generate().unwrap(),
        }
    }

    /// A client of the sandbox's API over loopback http.
    pub fn api(&self) -> Client {
        Client::builder()
            .base_url(self.sandbox.base_url())
            .allow_insecure_loopback(true)
            .build()
            .unwrap()
    }

    /// The public app's builder: the sandbox's OAuth app, this stack's store and cookie key.
    pub fn app(&self) -> PublicAppBuilder {
        app_builder(
            &self.sandbox,
            &self.origin,
            self.store.clone(),
            self.cookie_key.clone(),
        )
    }

    /// Serves `routes` plus the install routes for `app` on the stack's listener.
    pub fn serve(&mut self, app: PublicApp, routes: Router<PublicApp>) {
        serve(self.listener.take().expect("served once"), app, routes);
    }
}

/// A public app of the sandbox's OAuth app whose callback is on `origin`, storing tokens in
/// `store` and signing cookies with `cookie_key`.
pub fn app_builder(
    sandbox: &SandboxHandle,
    origin: &str,
    store: Arc<SqlTokenStore>,
    cookie_key: CookieKey,
) -> PublicAppBuilder {
    let oauth = OAuthApp::new(sandbox.client_id(), sandbox.client_secret())
        .unwrap()
        .with_authorize_base(sandbox.authorize_base().parse().unwrap())
        .unwrap()
        .with_redirect_uri(format!("{origin}/callback").parse().unwrap());
    let api = Client::builder()
        .base_url(sandbox.base_url())
        .allow_insecure_loopback(true)
        .build()
        .unwrap();
    PublicApp::builder(oauth, Clients::new(api, store), cookie_key)
}

/// Serves `routes` plus the install routes for `app` on `listener`, in the background.
pub fn serve(listener: TcpListener, app: PublicApp, routes: Router<PublicApp>) {
    let router = Router::new()
        .merge(PublicApp::routes())
        .merge(routes)
        .with_state(app);
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
}
