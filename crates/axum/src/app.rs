//! [`PublicApp`]: the configuration and state shared by the routes and extractors.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use intercom_app::{Clients, MemorySpentStates, SpentStates, StoreError};
use intercom_auth_types::{ClientSecret, CookieKey, OAuthApp};
use url::Url;

/// Intercom's App Store status page: after an install started from the App Store, send the
/// admin here with `install_success=true`, or `false` and an `error_message`.
pub const APP_STORE_REDIRECT: &str = "https://app.intercom.com/appstore/redirect";

/// How long an install may take between `/install` and `/callback`.
pub const STATE_COOKIE_TTL: Duration = Duration::from_secs(600);

/// The largest webhook or Canvas Kit body read by default (1 MiB).
const DEFAULT_MAX_BODY: usize = 1 << 20;

/// Where `/callback` sends the admin once the outcome is known.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AfterInstall {
    /// On success redirect to this location (absolute, or a path on this server); on failure
    /// show an error page.
    Page(String),
    /// Redirect to Intercom's App Store status page ([`APP_STORE_REDIRECT`] or another base),
    /// with `install_success=true`, or `false` and `error_message`.
    AppStore(Url),
}

/// A public app's routes and extractors: the OAuth app, the tenant pool (and so the token
/// store), the cookie key and the policies. Cloning is cheap (one `Arc`).
#[derive(Clone)]
pub struct PublicApp {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) oauth: OAuthApp,
    pub(crate) clients: Clients,
    pub(crate) cookie_key: CookieKey,
    pub(crate) secure_cookies: bool,
    pub(crate) cookie_name: &'static str,
    pub(crate) after_install: AfterInstall,
    pub(crate) max_body: usize,
    /// States already presented to `/callback`, kept until their cookie's expiry.
    pub(crate) spent_states: Arc<dyn SpentStates>,
}

impl fmt::Debug for PublicApp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublicApp")
            .field("oauth", &self.inner.oauth)
            .field("clients", &self.inner.clients)
            .field("cookie_key", &self.inner.cookie_key)
            .field("secure_cookies", &self.inner.secure_cookies)
            .field("after_install", &self.inner.after_install)
            .field("max_body", &self.inner.max_body)
            .field("spent_states", &self.inner.spent_states)
            .finish_non_exhaustive()
    }
}

impl PublicApp {
    /// Starts configuring a public app. `oauth` should carry the redirect URI of this
    /// server's `/callback` ([`OAuthApp::with_redirect_uri`]).
    pub fn builder(oauth: OAuthApp, clients: Clients, cookie_key: CookieKey) -> PublicAppBuilder {
        PublicAppBuilder {
            oauth,
            clients,
            cookie_key,
            secure_cookies: true,
            after_install: None,
            max_body: DEFAULT_MAX_BODY,
            spent_states: None,
        }
    }

    /// The tenant pool.
    pub fn clients(&self) -> &Clients {
        &self.inner.clients
    }

    /// The OAuth app.
    pub fn oauth(&self) -> &OAuthApp {
        &self.inner.oauth
    }

    /// The client secret, the key of webhook and Canvas Kit signatures.
    pub fn client_secret(&self) -> &ClientSecret {
        self.inner.oauth.client_secret()
    }

    /// The body size limit of webhooks, Canvas Kit requests and uninstall notifications.
    pub fn max_body(&self) -> usize {
        self.inner.max_body
    }

    /// Records `state` as spent until `expires` (Unix seconds); false if it already was (a
    /// replayed callback) or the set refuses new entries.
    pub(crate) async fn spend_state(&self, state: &str, expires: u64) -> Result<bool, StoreError> {
        let expires = i64::try_from(expires).unwrap_or(i64::MAX);
        self.inner.spent_states.spend(state, expires).await
    }
}

/// Configures a [`PublicApp`].
#[derive(Debug)]
pub struct PublicAppBuilder {
    oauth: OAuthApp,
    clients: Clients,
    cookie_key: CookieKey,
    secure_cookies: bool,
    after_install: Option<AfterInstall>,
    max_body: usize,
    spent_states: Option<Arc<dyn SpentStates>>,
}

impl PublicAppBuilder {
    /// Whether the state cookie is `Secure` (and named with the `__Host-` prefix). On by
    /// default; turn it off only to serve the install flow over plain http on loopback.
    #[must_use]
    pub fn secure_cookies(mut self, secure: bool) -> Self {
        self.secure_cookies = secure;
        self
    }

    /// After a successful install, redirect to `location` (failures show an error page).
    /// The default is `/`.
    #[must_use]
    pub fn success_page(mut self, location: impl Into<String>) -> Self {
        self.after_install = Some(AfterInstall::Page(location.into()));
        self
    }

    /// After the callback, redirect to Intercom's App Store status page
    /// ([`APP_STORE_REDIRECT`]) with the outcome: for installs started from the App Store.
    #[must_use]
    pub fn app_store_redirect(self) -> Self {
        match Url::parse(APP_STORE_REDIRECT) {
            Ok(url) => self.app_store_redirect_to(url),
            Err(_) => self,
        }
    }

    /// Like [`app_store_redirect`](Self::app_store_redirect) with another status page base
    /// (a regional host, or a test server).
    #[must_use]
    pub fn app_store_redirect_to(mut self, base: Url) -> Self {
        self.after_install = Some(AfterInstall::AppStore(base));
        self
    }

    /// The largest webhook, Canvas Kit or uninstall body accepted (default 1 MiB); larger
    /// ones are refused with 413 before any signature check.
    #[must_use]
    pub fn max_body(mut self, bytes: usize) -> Self {
        self.max_body = bytes;
        self
    }

    /// Where `/callback` records the install states it has seen, to refuse a replayed
    /// callback. The default, [`MemorySpentStates`], covers one server; behind a load
    /// balancer give every server the same shared set, such as the
    /// [`SqlTokenStore`](intercom_app::SqlTokenStore) on the fleet's PostgreSQL database.
    #[must_use]
    pub fn spent_states(mut self, spent: Arc<dyn SpentStates>) -> Self {
        self.spent_states = Some(spent);
        self
    }

    /// Builds the app.
    pub fn build(self) -> PublicApp {
        let after_install = self
            .after_install
            .unwrap_or_else(|| AfterInstall::Page("/".to_owned()));
        PublicApp {
            inner: Arc::new(Inner {
                oauth: self.oauth,
                clients: self.clients,
                cookie_key: self.cookie_key,
                secure_cookies: self.secure_cookies,
                cookie_name: if self.secure_cookies {
                    "__Host-intercom_install"
                } else {
                    "intercom_install"
                },
                after_install,
                max_body: self.max_body,
                spent_states: self
                    .spent_states
                    .unwrap_or_else(|| Arc::new(MemorySpentStates::new())),
            }),
        }
    }
}
