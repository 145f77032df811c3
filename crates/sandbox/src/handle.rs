//! [`Sandbox`], its builder and the [`SandboxHandle`] of a running sandbox.

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use intercom_auth_types::{AccessToken, ClientSecret};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::faults::Faults;
use crate::fixtures::{self, Fixtures, FixturesError};
use crate::journal::{Journal, ReceivedRequest};
use crate::server::{serve, Shared};
use crate::state::{Config, State};
use crate::DEFAULT_REDIRECT_URI;

/// Entry point: `Sandbox::builder()…start().await`.
#[derive(Debug)]
pub struct Sandbox {
    _private: (),
}

impl Sandbox {
    /// A builder with the defaults: seed 42, 25 contacts, 5 companies, 10 conversations, a
    /// budget of 1000 requests per 10-second window, a free port.
    pub fn builder() -> SandboxBuilder {
        SandboxBuilder::default()
    }
}

/// Configures a sandbox before it starts.
#[derive(Debug, Clone)]
pub struct SandboxBuilder {
    seed: u64,
    contacts: usize,
    companies: usize,
    conversations: usize,
    rate_limit: u64,
    rate_window_secs: u64,
    port: u16,
    redirect_uris: Vec<String>,
    code_ttl: Duration,
    consent_form: bool,
    fixtures: Option<Fixtures>,
    webhooks: Vec<(String, Vec<String>)>,
    webhook_retries: u32,
    webhook_backoff: Duration,
    tls: bool,
}

impl Default for SandboxBuilder {
    fn default() -> Self {
        Self {
            seed: 42,
            contacts: 25,
            companies: 5,
            conversations: 10,
            rate_limit: 1000,
            rate_window_secs: 10,
            port: 0,
            redirect_uris: Vec::new(),
            code_ttl: Duration::from_secs(300),
            consent_form: false,
            fixtures: None,
            webhooks: Vec::new(),
            webhook_retries: 3,
            webhook_backoff: Duration::from_millis(500),
            tls: false,
        }
    }
}

impl SandboxBuilder {
    /// Seeds the workspace: the same seed gives the same ids, names, credentials and data.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Number of seeded contacts (every fifth is a lead).
    pub fn contacts(mut self, n: usize) -> Self {
        self.contacts = n;
        self
    }

    /// Number of seeded companies.
    pub fn companies(mut self, n: usize) -> Self {
        self.companies = n;
        self
    }

    /// Number of seeded conversations (none when there are no contacts).
    pub fn conversations(mut self, n: usize) -> Self {
        self.conversations = n;
        self
    }

    /// Requests each token may make per 10-second window before getting 429 (at least 1).
    pub fn rate_limit(mut self, per_10s_window: u64) -> Self {
        self.rate_limit = per_10s_window.max(1);
        self
    }

    /// Length of the rate-limit window in whole seconds (default 10, like Intercom; at least
    /// 1). Shorter windows make fleet-pacing tests fast.
    pub fn rate_limit_window(mut self, window: Duration) -> Self {
        self.rate_window_secs = window.as_secs().max(1);
        self
    }

    /// Binds this port instead of a free one (0 picks a free one).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Registers a redirect URI for the OAuth app. The first one registered is the default;
    /// with none registered, [`DEFAULT_REDIRECT_URI`] is used.
    pub fn redirect_uri(mut self, uri: impl Into<String>) -> Self {
        self.redirect_uris.push(uri.into());
        self
    }

    /// How long an authorization code stays exchangeable (default 5 minutes, as Intercom).
    pub fn oauth_code_ttl(mut self, ttl: Duration) -> Self {
        self.code_ttl = ttl;
        self
    }

    /// Whether `/oauth` shows a consent page with **Approve** and **Deny** buttons (a form
    /// posted to `/oauth/consent`) instead of approving at once (the default). Approve
    /// redirects to the redirect URI with `code` and `state`; Deny with
    /// `error=access_denied` and `state`. For driving the install flow from a browser.
    pub fn consent_form(mut self, on: bool) -> Self {
        self.consent_form = on;
        self
    }

    /// Loads a workspace's data at start: a JSON file (a path) or a JSON value in the format
    /// [`SandboxHandle::snapshot`] writes (`admins`, `contacts`, `companies`, `tags`,
    /// `conversations`, `notes`, `events`, `data_attributes`, each optional). A list given
    /// replaces the seeded one; admins are added to the seeded ones.
    pub fn fixtures(mut self, fixtures: impl Into<Fixtures>) -> Self {
        self.fixtures = Some(fixtures.into());
        self
    }

    /// Posts webhook notifications to `url` (plain `http` to a loopback host) for `topics`
    /// caused through the API: contact, company, conversation and ticket topics such as
    /// `contact.user.created`, `conversation.admin.replied`, `ticket.created`; `*` subscribes
    /// to all and `contact.*` to a family. Each is an Intercom `notification_event` with the
    /// answered object in `data.item`, signed in `X-Hub-Signature` (HMAC-SHA1 of the raw body
    /// keyed with the OAuth app's client secret), and re-sent until the endpoint answers 200.
    pub fn webhook<T: Into<String>>(
        mut self,
        url: impl Into<String>,
        topics: impl IntoIterator<Item = T>,
    ) -> Self {
        let topics = topics.into_iter().map(Into::into).collect();
        self.webhooks.push((url.into(), topics));
        self
    }

    /// How often a refused or failed webhook delivery is retried (default 3) and the pause
    /// before the first retry (default 500 ms, doubling after each).
    pub fn webhook_retries(mut self, retries: u32, first_pause: Duration) -> Self {
        self.webhook_retries = retries;
        self.webhook_backoff = first_pause;
        self
    }

    /// Serves HTTPS instead of plain HTTP: at start a throwaway CA and a certificate for
    /// `127.0.0.1` and `localhost` are generated, HTTP/2 and HTTP/1.1 are offered through
    /// ALPN, and [`SandboxHandle::ca_pem`] is the one root a client must trust (for example
    /// with `add_root_certificates_pem` of `intercom-transport`). The base URL is then
    /// `https://127.0.0.1:<port>`, so no loopback opt-in is needed.
    pub fn tls(mut self) -> Self {
        self.tls = true;
        self
    }

    /// Binds `127.0.0.1` and starts serving on the current Tokio runtime.
    pub async fn start(self) -> Result<SandboxHandle, StartError> {
        let mut rng = StdRng::seed_from_u64(self.seed ^ 0x5eed_0a17);
        let client_id = format!("sandbox-{:08x}", rng.gen::<u32>());
        let client_secret = format!(
            "sandbox-secret-{:016x}{:016x}",
            rng.gen::<u64>(),
            rng.gen::<u64>()
        );
        let redirect_uris = if self.redirect_uris.is_empty() {
            vec![DEFAULT_REDIRECT_URI.to_owned()]
        } else {
            self.redirect_uris
        };
        let dataset = match &self.fixtures {
            Some(fixtures) => Some(fixtures.load().map_err(StartError::Fixtures)?),
            None => None,
        };
        let mut state = State::seeded(Config {
            seed: self.seed,
            contacts: self.contacts,
            companies: self.companies,
            conversations: self.conversations,
            rate_limit: self.rate_limit,
            rate_window_secs: self.rate_window_secs,
            client_id: client_id.clone(),
            client_secret: client_secret.clone(),
            redirect_uris: redirect_uris.clone(),
            code_ttl: self.code_ttl,
            consent_form: self.consent_form,
        });
        if let Some(dataset) = dataset {
            fixtures::apply(&mut state, dataset);
        }
        let token_value = state.access_token.clone();
        let access_token =
            AccessToken::new(token_value.clone()).map_err(|_| StartError::Credentials)?;
        let secret =
            ClientSecret::new(client_secret.clone()).map_err(|_| StartError::Credentials)?;

        let mut subscriptions = Vec::new();
        for (url, topics) in self.webhooks {
            let url = crate::webhook::parse_url(&url).map_err(StartError::Webhook)?;
            subscriptions.push(crate::webhook::Subscription { url, topics });
        }
        let webhooks = (!subscriptions.is_empty()).then(|| {
            Arc::new(crate::webhook::Webhooks {
                subscriptions,
                secret: secret.clone(),
                retries: self.webhook_retries,
                backoff: self.webhook_backoff,
                sent: Default::default(),
            })
        });
        let tls = if self.tls {
            Some(crate::tls::generate().map_err(StartError::Tls)?)
        } else {
            None
        };
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, self.port))
            .await
            .map_err(StartError::Bind)?;
        let addr = listener.local_addr().map_err(StartError::Bind)?;
        let shared = Arc::new(Shared {
            state: Mutex::new(state),
            faults: Faults::default(),
            journal: Journal::default(),
            webhooks,
        });
        let (tx, rx) = watch::channel(false);
        let (acceptor, ca_pem, scheme) = match tls {
            Some(tls) => (Some(tls.acceptor), Some(tls.ca_pem), "https"),
            None => (None, None, "http"),
        };
        let task = tokio::spawn(serve(listener, Arc::clone(&shared), rx, acceptor));
        tracing::debug!(%addr, scheme, "intercom sandbox listening");
        Ok(SandboxHandle {
            addr,
            base_url: format!("{scheme}://{addr}"),
            ca_pem,
            access_token,
            token_value,
            client_id,
            client_secret: secret,
            client_secret_value: client_secret,
            redirect_uri: redirect_uris.into_iter().next().unwrap_or_default(),
            shared,
            shutdown: Some(tx),
            task: Some(task),
        })
    }
}

/// Why a sandbox could not start.
#[derive(Debug)]
#[non_exhaustive]
pub enum StartError {
    /// The port could not be bound.
    Bind(std::io::Error),
    /// The generated credentials were refused by `intercom-auth-types` (a bug).
    Credentials,
    /// The fixtures could not be read or do not match the format.
    Fixtures(FixturesError),
    /// A webhook URL is not `http` to a loopback host.
    Webhook(crate::webhook::WebhookUrlError),
    /// The TLS certificates could not be generated.
    Tls(crate::tls::TlsSetupError),
}

impl fmt::Display for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StartError::Bind(e) => write!(f, "the sandbox could not bind 127.0.0.1: {e}"),
            StartError::Credentials => f.write_str("the sandbox generated invalid credentials"),
            StartError::Fixtures(e) => write!(f, "{e}"),
            StartError::Webhook(e) => write!(f, "{e}"),
            StartError::Tls(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for StartError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StartError::Bind(e) => Some(e),
            StartError::Credentials => None,
            StartError::Fixtures(e) => Some(e),
            StartError::Webhook(e) => Some(e),
            StartError::Tls(e) => Some(e),
        }
    }
}

/// A running sandbox. Dropping it stops the server (open connections are closed);
/// [`shutdown`](Self::shutdown) does the same and waits for the accept loop to end.
pub struct SandboxHandle {
    addr: SocketAddr,
    base_url: String,
    ca_pem: Option<String>,
    access_token: AccessToken,
    token_value: String,
    client_id: String,
    client_secret: ClientSecret,
    client_secret_value: String,
    redirect_uri: String,
    shared: Arc<Shared>,
    shutdown: Option<watch::Sender<bool>>,
    task: Option<JoinHandle<()>>,
}

impl fmt::Debug for SandboxHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SandboxHandle")
            .field("base_url", &self.base_url)
            .field("access_token", &self.access_token)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .finish_non_exhaustive()
    }
}

impl SandboxHandle {
    /// `http://127.0.0.1:<port>`, without a trailing slash. Clients need loopback http
    /// allowed (`allow_insecure_loopback(true)` in `intercom-transport`). With
    /// [`SandboxBuilder::tls`] it is `https://127.0.0.1:<port>` instead.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The PEM of the CA that signed the sandbox's certificate, when it serves HTTPS
    /// ([`SandboxBuilder::tls`]): the root a client trusts to talk to it. Made at start and
    /// never reused: its private key is discarded once the server certificate is signed.
    pub fn ca_pem(&self) -> Option<&str> {
        self.ca_pem.as_deref()
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The seeded private app's access token.
    pub fn access_token(&self) -> AccessToken {
        self.access_token.clone()
    }

    /// The access token as text, for printing by tools such as the `intercom-sandbox` binary.
    /// Sandbox credentials are test data and grant nothing outside this sandbox.
    pub fn access_token_plaintext(&self) -> &str {
        &self.token_value
    }

    /// The OAuth app's `client_id`.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The OAuth app's `client_secret`.
    pub fn client_secret(&self) -> ClientSecret {
        self.client_secret.clone()
    }

    /// The client secret as text (test data, see
    /// [`access_token_plaintext`](Self::access_token_plaintext)).
    pub fn client_secret_plaintext(&self) -> &str {
        &self.client_secret_value
    }

    /// The OAuth app's default redirect URI.
    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    /// `<base_url>/oauth`: where to send the user to authorize the OAuth app (the sandbox
    /// approves at once and redirects with `code` and `state`).
    pub fn authorize_base(&self) -> String {
        format!("{}/oauth", self.base_url)
    }

    /// The fault knobs.
    pub fn faults(&self) -> &Faults {
        &self.shared.faults
    }

    /// The current data in the fixture format: load it again with
    /// [`SandboxBuilder::fixtures`] to continue where this sandbox stopped. Holds no
    /// credentials.
    pub fn snapshot(&self) -> serde_json::Value {
        fixtures::snapshot(&self.shared.lock())
    }

    /// Writes [`snapshot`](Self::snapshot) to `path` as pretty JSON.
    pub fn save_snapshot(&self, path: impl AsRef<std::path::Path>) -> std::io::Result<()> {
        let text = serde_json::to_string_pretty(&self.snapshot()).map_err(std::io::Error::other)?;
        std::fs::write(path, text)
    }

    /// Every request received so far (at most the last
    /// [`JOURNAL_CAPACITY`](crate::JOURNAL_CAPACITY)), oldest first, with `Authorization`
    /// redacted. Requests that failed authentication or were answered by an injected fault
    /// are included.
    pub fn requests(&self) -> Vec<ReceivedRequest> {
        self.shared.journal.all()
    }

    /// The kept requests whose [`seq`](ReceivedRequest::seq) is at least `seq`: poll with the
    /// last seen `seq + 1` to follow the journal.
    pub fn requests_since(&self, seq: u64) -> Vec<ReceivedRequest> {
        self.shared.journal.since(seq)
    }

    /// Empties the journal (sequence numbers keep counting).
    pub fn clear_requests(&self) {
        self.shared.journal.clear();
    }

    /// Merges contact `from` into contact `into`, as Intercom does when a lead becomes a user:
    /// afterwards `GET /contacts/{from}` answers 410 `contact_merged` with a `Link` to `into`,
    /// and `from` disappears from lists and searches. Returns false when either id is unknown
    /// or they are the same.
    pub fn merge_contact(&self, from: &str, into: &str) -> bool {
        let mut state = self.shared.lock();
        if from == into || state.contact_index(into).is_none() {
            return false;
        }
        match state.contact_index(from) {
            Some(index) => {
                state.contacts[index].merged_into = Some(into.to_owned());
                true
            }
            None => false,
        }
    }

    /// The ids of the contacts currently listed (neither archived nor merged), in list order.
    pub fn contact_ids(&self) -> Vec<String> {
        self.shared
            .lock()
            .listed_contacts()
            .map(|c| c.id.clone())
            .collect()
    }

    /// Stops the server and waits for its accept loop to end.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(true);
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for SandboxHandle {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(true);
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}
