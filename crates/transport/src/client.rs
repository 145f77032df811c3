//! The typestate [`Client`]: its shared configuration, its credential and its rate limiter.
//! Sending goes through the request pipeline in `pipeline/` (build → authorize → attempt
//! loop → decode); the builder is in `builder.rs`.

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use http::HeaderValue;
use intercom_auth_types::{
    AccessToken, AuthState, Authenticated, OAuth, OAuthToken, Private, Unauthenticated,
};
use serde::de::DeserializeOwned;
use url::Url;

use crate::base_url::BaseUrl;
use crate::config::{IntercomVersion, RetryConfig, Timeouts};
use crate::error::Error;
use crate::hyper_transport::HyperTransport;
use crate::ratelimit::{InProcessLimiter, RateLimit, RateLimiter};
use crate::request::ApiRequest;
use crate::response::{decode, RawResponse, Response};
use crate::retry::Jitter;
use crate::transport::Transport;

/// State shared by every clone of a client, whatever its auth state.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) transport: Sender,
    pub(crate) base: BaseUrl,
    pub(crate) version: IntercomVersion,
    pub(crate) user_agent: HeaderValue,
    pub(crate) timeouts: Timeouts,
    pub(crate) retry: RetryConfig,
    pub(crate) follow_redirects: bool,
    pub(crate) max_body_bytes: usize,
    pub(crate) jitter: Jitter,
    /// A limiter given to the builder: shared by every client of this configuration, whatever
    /// its token. Without one, each token gets its own [`InProcessLimiter`].
    pub(crate) custom_limiter: Option<Arc<dyn RateLimiter>>,
}

/// The transport a client sends through. The default [`HyperTransport`] is called directly,
/// so its future sits inside the pipeline's instead of in a box of its own per request; any
/// other goes through the [`Transport`] trait.
// One per client configuration, inside the `Arc<Shared>`: the size of the variants is moot.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub(crate) enum Sender {
    Hyper(HyperTransport),
    Custom(Arc<dyn Transport>),
}

impl Shared {
    fn limiter_for_new_token(&self) -> Arc<dyn RateLimiter> {
        match &self.custom_limiter {
            Some(limiter) => Arc::clone(limiter),
            None => Arc::new(InProcessLimiter::new()),
        }
    }
}

/// An Intercom API client in auth state `A`.
///
/// * `Client<Unauthenticated>` (from [`Client::builder`]) can be configured but not send.
/// * `Client<Private>` ([`with_access_token`](Client::with_access_token)) and `Client<OAuth>`
///   ([`with_oauth_token`](Client::with_oauth_token)) can send.
///
/// Cloning is cheap: clones share the transport (and its connection pool), the rate limiter
/// and the configuration. Deriving a client for another token with `with_oauth_token` is just
/// as cheap, so one pool can serve one `Client<OAuth>` per installed workspace.
pub struct Client<A: AuthState = Unauthenticated> {
    pub(crate) shared: Arc<Shared>,
    pub(crate) credential: A::Credential,
    /// Paces this token's requests; shared by clones, fresh for each new token.
    pub(crate) limiter: Arc<dyn RateLimiter>,
}

impl<A: AuthState> Clone for Client<A> {
    fn clone(&self) -> Self {
        Self {
            shared: Arc::clone(&self.shared),
            credential: self.credential.clone(),
            limiter: Arc::clone(&self.limiter),
        }
    }
}

impl<A: AuthState> fmt::Debug for Client<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("auth", &A::NAME)
            .field("credential", &self.credential)
            .field("base_url", &self.shared.base.url.as_str())
            .field("intercom_version", &self.shared.version)
            .finish_non_exhaustive()
    }
}

impl Client<Unauthenticated> {
    pub(crate) fn from_shared(shared: Arc<Shared>) -> Self {
        Self {
            limiter: shared.limiter_for_new_token(),
            shared,
            credential: (),
        }
    }
}

impl<A: AuthState> Client<A> {
    /// A client for a private app's access token, sharing this client's pool and settings.
    /// It gets its own rate-limit state (unless the builder was given a shared limiter).
    pub fn with_access_token(&self, token: AccessToken) -> Client<Private> {
        Client {
            shared: Arc::clone(&self.shared),
            credential: token.authorization(),
            limiter: self.shared.limiter_for_new_token(),
        }
    }

    /// A client for a public app's OAuth token, sharing this client's pool and settings.
    /// Each installed workspace's token gets its own rate-limit state (unless the builder was
    /// given a shared limiter), so one workspace's exhausted window never slows another.
    pub fn with_oauth_token(&self, token: OAuthToken) -> Client<OAuth> {
        Client {
            shared: Arc::clone(&self.shared),
            credential: token.authorization(),
            limiter: self.shared.limiter_for_new_token(),
        }
    }

    /// The base URL every request goes to.
    pub fn base_url(&self) -> &Url {
        &self.shared.base.url
    }

    /// The default `Intercom-Version`.
    pub fn intercom_version(&self) -> &IntercomVersion {
        &self.shared.version
    }

    /// The most recent rate-limit snapshot seen by this client or its clones.
    pub fn rate_limit(&self) -> Option<RateLimit> {
        self.limiter.last()
    }
}

impl<A: Authenticated> Client<A> {
    /// Sends `request` and returns the raw response of a 2xx answer. Any other status is an
    /// error: [`Error::Api`] for 4xx/5xx, [`Error::Redirect`] for a 3xx not followed.
    ///
    /// Written as a function returning an `async move` block rather than an `async fn`: an
    /// `async fn` keeps a second copy of its by-value arguments in its future (the request is
    /// about 400 bytes), and this future is what every generated call boxes.
    // The lint suggests `async fn`, which is what this avoids (see above).
    #[allow(clippy::manual_async_fn)]
    pub fn execute(
        &self,
        mut request: ApiRequest,
    ) -> impl Future<Output = Result<RawResponse, Error>> + Send + '_ {
        async move {
            self.dispatch(&mut request, Some(self.credential.header_value()))
                .await
        }
    }

    /// Sends `request` and decodes the JSON body of the 2xx answer into `T`.
    pub async fn send<T: DeserializeOwned>(&self, request: ApiRequest) -> Result<T, Error> {
        let RawResponse {
            status,
            headers,
            body,
            ..
        } = self.execute(request).await?;
        // Free the headers before decoding: the decoder's small allocations can then reuse
        // their memory (measurably fewer allocator slow paths with many requests in flight).
        drop(headers);
        decode(status, &body)
    }

    /// Like [`send`](Self::send), keeping status, headers, rate limit and raw body alongside.
    pub async fn send_with_response<T: DeserializeOwned>(
        &self,
        request: ApiRequest,
    ) -> Result<Response<T>, Error> {
        let raw = self.execute(request).await?;
        let value = decode(raw.status, &raw.body)?;
        Ok(Response {
            value,
            status: raw.status,
            headers: raw.headers,
            rate_limit: raw.rate_limit,
            body: raw.body,
        })
    }
}
