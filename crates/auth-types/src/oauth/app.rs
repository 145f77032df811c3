//! A public app's OAuth configuration, its client secret and the authorize URL.

use secrecy::SecretString;
use url::Url;

use super::callback::fresh_state_value;
#[cfg(doc)]
use super::TokenRequest;
use super::{CsrfState, DEFAULT_AUTHORIZE_BASE};
use crate::secret::secret_newtype;

secret_newtype!(
    /// A public app's OAuth `client_secret` (Developer Hub → Basic Information).
    ///
    /// It authenticates the code exchange ([`TokenRequest`]) and is the HMAC key of webhook
    /// notifications ([`verify_notification`](crate::verify_notification)) and Canvas Kit
    /// requests ([`verify_body_signature`](crate::verify_body_signature)).
    ClientSecret,
    "client secret",
    visible
);

/// Why an [`OAuthApp`] could not be configured.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OAuthAppError {
    /// The client id is empty or holds whitespace or control characters.
    #[error(
        "the OAuth client id must be non-empty and hold no whitespace or control characters \
         (copy it from the Developer Hub's Basic Information page)"
    )]
    InvalidClientId,
    /// The authorize base URL is not an `http` or `https` URL.
    #[error("the OAuth authorize URL must be an http or https URL")]
    InvalidAuthorizeBase,
}

/// A public app's OAuth configuration: client id, client secret, optional redirect URI and
/// the authorize page's URL.
///
/// `Debug` shows the client id (which is public: it appears in every authorize URL) and
/// redacts the secret.
///
/// ```
/// use intercom_auth_types::{ClientSecret, OAuthApp, TOKEN_PATH};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let app = OAuthApp::new("my-client-id", ClientSecret::new("my-client-secret")?)?
///     .with_redirect_uri("https://example.com/intercom/callback".parse()?);
///
/// // 1. Send the user to `url`; keep `state` with their session.
/// let (url, state) = app.authorize_url();
/// assert!(url.as_str().starts_with("https://app.intercom.com/oauth?client_id=my-client-id&state="));
///
/// // 2. Intercom redirects back; check the callback against the stored state.
/// let sent_state = url.query_pairs().find(|(k, _)| k == "state").map(|(_, v)| v.into_owned());
/// let callback = format!("/intercom/callback?code=abc123%3D&state={}", sent_state.unwrap_or_default());
/// let code = state.verify_callback(&callback)?;
///
/// // 3. The transport POSTs this request, then parses the answer.
/// let request = app.token_request(code);
/// assert_eq!(request.path(), TOKEN_PATH);
/// let token = intercom_auth_types::parse_token_response(
///     200,
///     br#"{"token_type":"Bearer","token":"dG9rOjE=","access_token":"dG9rOjE="}"#,
/// )?;
/// assert_eq!(format!("{token:?}"), "OAuthToken([REDACTED])");
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct OAuthApp {
    pub(super) client_id: String,
    pub(super) client_secret: ClientSecret,
    redirect_uri: Option<Url>,
    authorize_base: Url,
}

impl OAuthApp {
    /// An app authorizing at [`DEFAULT_AUTHORIZE_BASE`] without an explicit redirect URI
    /// (Intercom then uses the first one registered).
    ///
    /// Fails only on an unusable client id (empty, or with whitespace or control characters).
    pub fn new(
        client_id: impl Into<String>,
        client_secret: ClientSecret,
    ) -> Result<Self, OAuthAppError> {
        let client_id = client_id.into();
        if client_id.is_empty()
            || client_id
                .chars()
                .any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(OAuthAppError::InvalidClientId);
        }
        let authorize_base =
            Url::parse(DEFAULT_AUTHORIZE_BASE).map_err(|_| OAuthAppError::InvalidAuthorizeBase)?;
        Ok(Self {
            client_id,
            client_secret,
            redirect_uri: None,
            authorize_base,
        })
    }

    /// Sends `redirect_uri` with the authorize request. It must be one of the redirect URLs
    /// registered in the Developer Hub (Intercom accepts only HTTPS ones).
    #[must_use]
    pub fn with_redirect_uri(mut self, redirect_uri: Url) -> Self {
        self.redirect_uri = Some(redirect_uri);
        self
    }

    /// Authorizes at `base` instead of [`DEFAULT_AUTHORIZE_BASE`]: a regional host, the
    /// `/oauth/signup` variant, or a local sandbox. Query parameters already in `base` are
    /// kept. Fails unless the scheme is `http` or `https`.
    pub fn with_authorize_base(mut self, base: Url) -> Result<Self, OAuthAppError> {
        if !matches!(base.scheme(), "http" | "https") {
            return Err(OAuthAppError::InvalidAuthorizeBase);
        }
        self.authorize_base = base;
        Ok(self)
    }

    /// The client id.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The client secret, for verifying webhook notifications and Canvas Kit requests.
    pub fn client_secret(&self) -> &ClientSecret {
        &self.client_secret
    }

    /// The redirect URI sent with the authorize request, if one was set.
    pub fn redirect_uri(&self) -> Option<&Url> {
        self.redirect_uri.as_ref()
    }

    /// The authorize page's URL, without the per-request parameters.
    pub fn authorize_base(&self) -> &Url {
        &self.authorize_base
    }

    /// The URL to send the user to, and the fresh [`CsrfState`] it carries.
    ///
    /// The query holds `client_id`, `state` and, when set, `redirect_uri` (form-encoded), after
    /// any parameters of the authorize base. Each call draws a new 256-bit state from the
    /// operating system's random source.
    ///
    /// # Panics
    ///
    /// If the operating system's random source fails (no secure state can be made then).
    pub fn authorize_url(&self) -> (Url, CsrfState) {
        let value = fresh_state_value();
        let mut url = self.authorize_base.clone();
        {
            let mut query = url.query_pairs_mut();
            query.append_pair("client_id", &self.client_id);
            query.append_pair("state", &value);
            if let Some(redirect_uri) = &self.redirect_uri {
                query.append_pair("redirect_uri", redirect_uri.as_str());
            }
        }
        let state = CsrfState {
            secret: SecretString::from(value.as_str()),
        };
        (url, state)
    }
}
