//! axum integration for Intercom **public apps**, on top of `intercom-app`'s token store.
//!
//! * [`PublicApp::routes`]: `GET /install` (redirects to Intercom's authorize page with a
//!   fresh state bound to the browser by a signed, `HttpOnly`, `SameSite=Lax` cookie),
//!   `GET /callback` (checks the state in constant time, refuses a replay, exchanges the code,
//!   stores the token sealed, redirects) and `POST /uninstall` (Intercom's uninstall
//!   notification, treated as a hint: the token is deleted only if `GET /me` with it answers
//!   401). Every failure shows a clear page and stores nothing.
//! * [`VerifiedWebhook`]: an extractor that checks `X-Hub-Signature` on the raw body (with a
//!   size limit) before parsing, and yields the typed notification; anything invalid is a bare
//!   401.
//! * [`VerifiedCanvas`]: the same for Canvas Kit requests (`X-Body-Signature`).
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use axum::{routing::post, Router};
//! use intercom_app::{Clients, Keyring, SqlTokenStore};
//! use intercom_auth_types::{ClientSecret, CookieKey, EncryptionKey, OAuthApp};
//! use intercom_axum::{PublicApp, VerifiedWebhook};
//! use intercom_transport::Client;
//!
//! let oauth = OAuthApp::new("my-client-id", ClientSecret::new(std::env::var("CLIENT_SECRET")?)?)?
//!     .with_redirect_uri("https://app.example.com/intercom/callback".parse()?);
//! let key = EncryptionKey::from_env_var("INTERCOM_APP_ENCRYPTION_KEY")?;
//! let store = Arc::new(SqlTokenStore::sqlite("tokens.db", Keyring::new(key)).await?);
//! let clients = Clients::new(Client::builder().build()?, store);
//! let app = PublicApp::builder(oauth, clients, CookieKey::from_env_var("INTERCOM_APP_COOKIE_KEY")?)
//!     .app_store_redirect()
//!     .build();
//!
//! async fn on_webhook(hook: VerifiedWebhook) -> &'static str {
//!     println!("{} for workspace {}", hook.notification.topic, hook.notification.app_id);
//!     "ok"
//! }
//! let router: Router = Router::new()
//!     .nest("/intercom", PublicApp::routes())
//!     .route("/intercom/webhooks", post(on_webhook))
//!     .with_state(app);
//! # let _ = router;
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(not(test), deny(clippy::arithmetic_side_effects))]

mod app;
mod install;
mod page;
mod routes;
mod uninstall;
mod webhook;

pub use app::{AfterInstall, PublicApp, PublicAppBuilder, APP_STORE_REDIRECT, STATE_COOKIE_TTL};
pub use install::{callback, install};
pub use intercom_app::{
    log_in_with_intercom, AdminIdentity, IdentityError, MemorySpentStates, SpentStates,
};
pub use uninstall::uninstall;
pub use webhook::{CanvasRejection, VerifiedCanvas, VerifiedWebhook, WebhookRejection};
