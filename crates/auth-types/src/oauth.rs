//! OAuth for public apps, without I/O: the client secret, the authorize redirect and its CSRF
//! state, the callback, and the token-exchange request and response.
//!
//! The transport sends the [`TokenRequest`] and hands the answer to [`parse_token_response`].

use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use rand::rngs::OsRng;
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer};
use subtle::ConstantTimeEq;
use url::{form_urlencoded, Url};
use zeroize::Zeroizing;

use crate::token::{validate, ForbiddenByte, TokenError, MAX_TOKEN_LEN};
use crate::OAuthToken;

/// Where [`OAuthApp::authorize_url`] sends the user unless
/// [`OAuthApp::with_authorize_base`] says otherwise.
pub const DEFAULT_AUTHORIZE_BASE: &str = "https://app.intercom.com/oauth";

/// The path of the code-exchange endpoint, relative to the REST API base URL
/// (`https://api.intercom.io` in production).
pub const TOKEN_PATH: &str = "/auth/eagle/token";

/// The path of the endpoint that revokes an OAuth token and uninstalls the app from that
/// workspace, relative to the REST API base URL. It is sent with the token being revoked as the
/// bearer token; this crate only names the path.
pub const UNINSTALL_PATH: &str = "/auth/uninstall";

/// The `Content-Type` of [`TokenRequest::form_body`].
pub const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded";

/// Random bytes in a fresh [`CsrfState`]: 256 bits.
const STATE_BYTES: usize = 32;

/// Length of a fresh state once encoded as unpadded base64url.
const STATE_LEN: usize = 43;

/// The longest provider-supplied text (error codes and descriptions) kept in an error value.
const MAX_PROVIDER_TEXT: usize = 256;

// ---------------------------------------------------------------------------------------------
// Secret strings that are not bearer tokens: client secret, identity-verification secret.
// ---------------------------------------------------------------------------------------------

/// Why a string was refused as a client secret or identity-verification secret. Never contains
/// any part of the input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SecretError {
    /// The string was empty.
    #[error("the {kind} is empty")]
    Empty {
        /// Which kind of secret was being built.
        kind: &'static str,
    },
    /// The string is longer than [`MAX_TOKEN_LEN`].
    #[error("the {kind} is {len} bytes long; at most {max} bytes are accepted", max = MAX_TOKEN_LEN)]
    TooLong {
        /// Which kind of secret was being built.
        kind: &'static str,
        /// The length of the rejected input.
        len: usize,
    },
    /// The string holds whitespace, a control character or a non-ASCII character: almost
    /// always a copy-paste accident, which would silently make every HMAC wrong.
    #[error(
        "the {kind} contains {byte} at byte offset {position}; paste it exactly as the \
         Developer Hub shows it, without spaces, line breaks or other invisible characters"
    )]
    Forbidden {
        /// Which kind of secret was being built.
        kind: &'static str,
        /// What sort of byte was found (never the byte itself).
        byte: ForbiddenByte,
        /// Its offset in the input.
        position: usize,
    },
}

/// Checks a client or identity secret: 1 to [`MAX_TOKEN_LEN`] bytes of visible ASCII.
pub(crate) fn validate_secret(kind: &'static str, candidate: &str) -> Result<(), SecretError> {
    let bytes = candidate.as_bytes();
    if bytes.is_empty() {
        return Err(SecretError::Empty { kind });
    }
    if bytes.len() > MAX_TOKEN_LEN {
        return Err(SecretError::TooLong {
            kind,
            len: bytes.len(),
        });
    }
    for (position, &b) in bytes.iter().enumerate() {
        let byte = match b {
            b'!'..=b'~' => continue,
            b' ' | b'\t' => ForbiddenByte::Whitespace,
            b'\r' | b'\n' => ForbiddenByte::LineBreak,
            0 => ForbiddenByte::Nul,
            0x01..=0x1f | 0x7f => ForbiddenByte::Control,
            0x80..=0xff => ForbiddenByte::NonAscii,
        };
        return Err(SecretError::Forbidden {
            kind,
            byte,
            position,
        });
    }
    Ok(())
}

/// Defines an `Arc<SecretString>` newtype validated by [`validate_secret`].
macro_rules! shared_secret {
    ($(#[$meta:meta])* $name:ident, $kind:literal) => {
        $(#[$meta])*
        ///
        /// It has no `Display` and no `Serialize`, and `Debug` prints only the type name and
        /// `[REDACTED]`. Cloning is cheap and never copies the secret: clones share one
        /// zeroizing buffer, wiped when the last clone is dropped.
        #[derive(Clone)]
        pub struct $name {
            secret: ::std::sync::Arc<::secrecy::SecretString>,
        }

        impl $name {
            /// Checks `secret` (1 to [`MAX_TOKEN_LEN`](crate::MAX_TOKEN_LEN) bytes of visible
            /// ASCII, so no stray space or newline) and takes ownership of it.
            ///
            /// On error the input is zeroized and the error says only what kind of byte was
            /// wrong and where.
            pub fn new(secret: impl Into<String>) -> Result<Self, $crate::SecretError> {
                let secret = ::zeroize::Zeroizing::new(secret.into());
                $crate::oauth::validate_secret($kind, &secret)?;
                Ok(Self {
                    secret: ::std::sync::Arc::new(::secrecy::SecretString::from(
                        secret.as_str(),
                    )),
                })
            }

            /// The wrapped secret, for the crate's single HMAC-key exposure site.
            pub(crate) fn secret(&self) -> &::secrecy::SecretString {
                &self.secret
            }
        }

        impl ::std::fmt::Debug for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(concat!(stringify!($name), "([REDACTED])"))
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::SecretError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::new(s)
            }
        }

        impl TryFrom<String> for $name {
            type Error = $crate::SecretError;

            fn try_from(s: String) -> Result<Self, Self::Error> {
                Self::new(s)
            }
        }
    };
}

pub(crate) use shared_secret;

shared_secret!(
    /// A public app's OAuth `client_secret` (Developer Hub → Basic Information).
    ///
    /// It authenticates the code exchange ([`TokenRequest`]) and is the HMAC key of webhook
    /// notifications ([`verify_notification`](crate::verify_notification)) and Canvas Kit
    /// requests ([`verify_body_signature`](crate::verify_body_signature)).
    ClientSecret,
    "client secret"
);

// ---------------------------------------------------------------------------------------------
// Authorization code and CSRF state.
// ---------------------------------------------------------------------------------------------

/// The single-use authorization code Intercom puts in the OAuth callback.
///
/// Obtain it from [`CsrfState::verify_callback`], which checks the state first, and spend it
/// with [`OAuthApp::token_request`], which consumes it. It is not `Clone`: a code can be
/// exchanged once. It is validated against RFC 6750's `b64token` grammar (letters, digits,
/// `-._~+/`, trailing `=`), has no `Display` or `Serialize`, prints as
/// `AuthorizationCode([REDACTED])` and is zeroized on drop.
pub struct AuthorizationCode {
    secret: SecretString,
}

impl AuthorizationCode {
    /// Validates `code` (RFC 6750 `b64token`, the same grammar as tokens) and takes ownership.
    ///
    /// Use this only when the callback was parsed elsewhere *and* its state already checked;
    /// otherwise prefer [`CsrfState::verify_callback`].
    pub fn new(code: impl Into<String>) -> Result<Self, TokenError> {
        let code = Zeroizing::new(code.into());
        validate("authorization code", &code)?;
        Ok(Self {
            secret: SecretString::from(code.as_str()),
        })
    }
}

impl fmt::Debug for AuthorizationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AuthorizationCode([REDACTED])")
    }
}

/// The anti-CSRF `state` of one authorize redirect: 256 random bits from the operating
/// system, encoded as 43 characters of unpadded base64url.
///
/// Returned by [`OAuthApp::authorize_url`] next to the URL that carries it. Keep it for the
/// user's session, then call [`verify_callback`](Self::verify_callback), which consumes it, so
/// one state accepts at most one callback. It is deliberately not `Clone`. It has no `Display`
/// or `Serialize`, prints as `CsrfState([REDACTED])` and is zeroized on drop.
///
/// A state cannot be checked twice:
///
/// ```compile_fail
/// # use intercom_auth_types::{ClientSecret, OAuthApp};
/// # let app = OAuthApp::new("id", ClientSecret::new("s").unwrap()).unwrap();
/// let (_url, state) = app.authorize_url();
/// let _ = state.verify_callback("code=a&state=b");
/// let _ = state.verify_callback("code=a&state=b"); // error: use of moved value `state`
/// ```
pub struct CsrfState {
    secret: SecretString,
}

impl CsrfState {
    /// Re-wraps a state that the application stored between the redirect and the callback
    /// (for example in a server-side session that outlives the process). The value is the
    /// `state` query parameter of the URL [`OAuthApp::authorize_url`] returned.
    ///
    /// It must be a `b64token` (fresh states always are); an empty value is refused, so a
    /// missing session entry cannot turn into a state that matches `state=`.
    pub fn from_stored(value: impl Into<String>) -> Result<Self, TokenError> {
        let value = Zeroizing::new(value.into());
        validate("CSRF state", &value)?;
        Ok(Self {
            secret: SecretString::from(value.as_str()),
        })
    }

    /// Checks an OAuth callback and returns its authorization code.
    ///
    /// `query_or_url` may be the bare query string (`code=…&state=…`), the query with its `?`,
    /// a request target (`/callback?code=…`) or a full URL; a `#fragment` is ignored. The
    /// checks, in order:
    ///
    /// 1. every parameter is percent-decoded (`%3D` becomes `=`, a bare `=` inside a value is
    ///    kept), while `+` in `code` and `state` stays a literal `+` (see below);
    ///    `code`, `state`, `error` or `error_description` given twice →
    ///    [`CallbackError::Malformed`];
    /// 2. an `error` parameter → [`CallbackError::ProviderError`] (no code is returned);
    /// 3. no or empty `state` → [`CallbackError::MissingState`];
    /// 4. `state` differs from this one, compared in constant time →
    ///    [`CallbackError::StateMismatch`];
    /// 5. no or empty `code` → [`CallbackError::MissingCode`]; a code outside the `b64token`
    ///    grammar → [`CallbackError::Malformed`].
    ///
    /// `+` is kept literal because a code may be standard base64, where `+` is a data
    /// character, while a space can never be part of a code. A redirect that form-encodes the
    /// code writes a real `+` as `%2B`, which decodes to `+` too, so both spellings yield the
    /// same code; reading `+` as a space would instead turn a valid code into an invalid one.
    ///
    /// The state is consumed whatever the outcome: a callback can be accepted once, and a
    /// failed attempt must restart the flow with a new [`OAuthApp::authorize_url`]. Errors
    /// never contain the code or either state.
    pub fn verify_callback(self, query_or_url: &str) -> Result<AuthorizationCode, CallbackError> {
        let params = CallbackParams::parse(query_or_url)?;
        if let Some(error) = params.error {
            return Err(CallbackError::ProviderError {
                error,
                description: params.error_description,
            });
        }
        let received = match params.state {
            Some(state) if !state.is_empty() => state,
            _ => return Err(CallbackError::MissingState),
        };
        if !state_matches(&self, &received) {
            return Err(CallbackError::StateMismatch);
        }
        let code = match params.code {
            Some(code) if !code.is_empty() => code,
            _ => return Err(CallbackError::MissingCode),
        };
        AuthorizationCode::new(code.as_str())
            .map_err(|e| CallbackError::Malformed(MalformedCallback::InvalidCode(e)))
    }
}

impl fmt::Debug for CsrfState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CsrfState([REDACTED])")
    }
}

/// Exposure site: compares the expected CSRF state with the callback's `state`, in constant
/// time (for equal lengths; the length of a state is not secret).
pub(crate) fn state_matches(expected: &CsrfState, received: &str) -> bool {
    expected
        .secret
        .expose_secret()
        .as_bytes()
        .ct_eq(received.as_bytes())
        .into()
}

/// 256 bits from the OS random source, as unpadded base64url. The raw bytes are zeroized; the
/// encoded string is returned in a zeroizing buffer sized so it never reallocates.
fn fresh_state_value() -> Zeroizing<String> {
    let mut bytes = Zeroizing::new([0u8; STATE_BYTES]);
    OsRng.fill_bytes(bytes.as_mut());
    let mut value = Zeroizing::new(String::with_capacity(STATE_LEN));
    URL_SAFE_NO_PAD.encode_string(bytes.as_ref(), &mut value);
    value
}

/// Why an OAuth callback was refused. Never contains the code or the state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CallbackError {
    /// The callback's `state` is not the one issued with this authorize URL: the callback was
    /// forged, replayed, or belongs to another login attempt.
    #[error(
        "the OAuth callback's `state` does not match the one issued with the authorize URL \
         (forged, replayed, or from another login attempt); start the flow again"
    )]
    StateMismatch,
    /// The callback has no (or an empty) `state` parameter.
    #[error(
        "the OAuth callback has no `state` parameter, so it cannot be tied to this login \
         attempt; start the flow again"
    )]
    MissingState,
    /// The state matched but the callback has no (or an empty) `code` parameter.
    #[error("the OAuth callback has no `code` parameter")]
    MissingCode,
    /// The callback carries an `error` parameter (for example the user declined).
    ///
    /// Both texts come from the query string, which anyone can craft: they are truncated to
    /// 256 characters and control characters are replaced, but treat them as untrusted.
    #[error(
        "the OAuth callback reports an error: {error}{}",
        describe(description)
    )]
    ProviderError {
        /// The `error` parameter.
        error: String,
        /// The `error_description` parameter, if any.
        description: Option<String>,
    },
    /// The callback could not be parsed unambiguously.
    #[error("the OAuth callback is malformed: {0}")]
    Malformed(MalformedCallback),
}

fn describe(description: &Option<String>) -> String {
    match description {
        Some(d) => format!(" ({d})"),
        None => String::new(),
    }
}

/// What made a callback [`Malformed`](CallbackError::Malformed).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MalformedCallback {
    /// A parameter that must appear at most once appeared more than once.
    #[error("the `{0}` parameter appears more than once")]
    DuplicateParameter(&'static str),
    /// The decoded `code` is not a `b64token`.
    #[error("{0}")]
    InvalidCode(TokenError),
}

impl From<MalformedCallback> for CallbackError {
    fn from(e: MalformedCallback) -> Self {
        Self::Malformed(e)
    }
}

/// The parameters of a callback that matter. Secret values are held in zeroizing buffers.
#[derive(Default)]
struct CallbackParams {
    code: Option<Zeroizing<String>>,
    state: Option<Zeroizing<String>>,
    error: Option<String>,
    error_description: Option<String>,
}

impl CallbackParams {
    fn parse(input: &str) -> Result<Self, MalformedCallback> {
        let query = callback_query(input);
        // Form decoding reads `+` as a space; escape it first so it survives as `+`.
        let plus = query.bytes().filter(|&b| b == b'+').count();
        let mut escaped = Zeroizing::new(String::with_capacity(
            query.len().saturating_add(plus.saturating_mul(2)),
        ));
        for c in query.chars() {
            if c == '+' {
                escaped.push_str("%2B");
            } else {
                escaped.push(c);
            }
        }
        let mut params = Self::default();
        for (name, value) in form_urlencoded::parse(escaped.as_bytes()) {
            match name.as_ref() {
                "code" => set_once(&mut params.code, "code", || {
                    Zeroizing::new(value.into_owned())
                })?,
                "state" => set_once(&mut params.state, "state", || {
                    Zeroizing::new(value.into_owned())
                })?,
                // Human-readable text: here `+` does mean a space.
                "error" => set_once(&mut params.error, "error", || {
                    provider_text(&value.replace('+', " "))
                })?,
                "error_description" => {
                    set_once(&mut params.error_description, "error_description", || {
                        provider_text(&value.replace('+', " "))
                    })?
                }
                _ => {}
            }
        }
        Ok(params)
    }
}

fn set_once<T>(
    slot: &mut Option<T>,
    name: &'static str,
    value: impl FnOnce() -> T,
) -> Result<(), MalformedCallback> {
    if slot.is_some() {
        return Err(MalformedCallback::DuplicateParameter(name));
    }
    *slot = Some(value());
    Ok(())
}

/// The query part of a bare query, `?query`, `/path?query` or `scheme://…?query`, without any
/// fragment.
fn callback_query(input: &str) -> &str {
    let input = input.trim();
    let input = input.split_once('#').map_or(input, |(before, _)| before);
    if let Some(query) = input.strip_prefix('?') {
        return query;
    }
    if input.starts_with('/') || has_scheme(input) {
        return input.split_once('?').map_or("", |(_, query)| query);
    }
    input
}

/// Whether `s` starts with `scheme:` (RFC 3986: a letter, then letters, digits, `+`, `-`,
/// `.`). A bare query never does: its first `=` comes before any `:`.
fn has_scheme(s: &str) -> bool {
    match s.split_once(':') {
        Some((scheme, _)) => {
            let mut chars = scheme.chars();
            chars.next().is_some_and(|c| c.is_ascii_alphabetic())
                && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        }
        None => false,
    }
}

/// Untrusted text made safe to log: control characters replaced, at most
/// [`MAX_PROVIDER_TEXT`] characters.
fn provider_text(s: &str) -> String {
    s.chars()
        .take(MAX_PROVIDER_TEXT)
        .map(|c| if c.is_control() { '\u{FFFD}' } else { c })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The app and the authorize URL.
// ---------------------------------------------------------------------------------------------

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
    client_id: String,
    client_secret: ClientSecret,
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

    /// The code-exchange request for `code`, which it consumes (a code is single-use).
    pub fn token_request(&self, code: AuthorizationCode) -> TokenRequest {
        TokenRequest {
            client_id: self.client_id.clone(),
            client_secret: self.client_secret.clone(),
            code,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The code exchange.
// ---------------------------------------------------------------------------------------------

/// The code-exchange request: `POST` [`TOKEN_PATH`] on the REST API base URL with the
/// form-urlencoded body `code=…&client_id=…&client_secret=…`.
///
/// Built by [`OAuthApp::token_request`]; this crate performs no I/O, the transport sends it
/// (with `Accept: application/json`) and passes the answer to [`parse_token_response`].
/// `Debug` shows the client id only.
#[derive(Debug)]
pub struct TokenRequest {
    client_id: String,
    client_secret: ClientSecret,
    code: AuthorizationCode,
}

impl TokenRequest {
    /// `POST`.
    pub fn method(&self) -> http::Method {
        http::Method::POST
    }

    /// [`TOKEN_PATH`], to join to the REST API base URL.
    pub fn path(&self) -> &'static str {
        TOKEN_PATH
    }

    /// [`FORM_CONTENT_TYPE`].
    pub fn content_type(&self) -> &'static str {
        FORM_CONTENT_TYPE
    }

    /// The client id sent in the body.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The request body: `code=…&client_id=…&client_secret=…`, each value form-urlencoded
    /// (so a code's trailing `=` travels as `%3D` and `+` as `%2B`).
    ///
    /// The body holds the code and the client secret. It is returned in a zeroizing buffer,
    /// built without reallocating; a copy the transport makes (for example into `Bytes`) is
    /// not zeroized, so build it right before sending and drop it right after. It may be built
    /// again for a retry, but a code is accepted only once.
    pub fn form_body(&self) -> Zeroizing<Vec<u8>> {
        encode_token_form(&self.client_id, &self.client_secret, &self.code)
    }
}

/// Exposure site: writes the authorization code and the client secret into the form body of
/// the code exchange.
pub(crate) fn encode_token_form(
    client_id: &str,
    client_secret: &ClientSecret,
    code: &AuthorizationCode,
) -> Zeroizing<Vec<u8>> {
    let fields: [(&str, &str); 3] = [
        ("code", code.secret.expose_secret()),
        ("client_id", client_id),
        ("client_secret", client_secret.secret().expose_secret()),
    ];
    // Worst case every byte becomes `%XX`; reserving it up front means the buffer never
    // reallocates and so leaves no stray copy behind.
    let capacity = fields
        .iter()
        .map(|(name, value)| {
            name.len()
                .saturating_add(2)
                .saturating_add(value.len().saturating_mul(3))
        })
        .fold(0usize, usize::saturating_add);
    let mut body = Zeroizing::new(Vec::with_capacity(capacity));
    for (i, (name, value)) in fields.iter().enumerate() {
        if i > 0 {
            body.push(b'&');
        }
        body.extend_from_slice(name.as_bytes());
        body.push(b'=');
        for chunk in form_urlencoded::byte_serialize(value.as_bytes()) {
            body.extend_from_slice(chunk.as_bytes());
        }
    }
    body
}

/// One entry of an `error.list` body returned by the token endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct OAuthErrorDetail {
    /// The error code (`code`, or the legacy `type`), e.g. `unauthorized`.
    pub code: String,
    /// The human-readable message, e.g. `Unauthorized Code`.
    pub message: Option<String>,
    /// The offending field, if named.
    pub field: Option<String>,
}

/// Why [`parse_token_response`] did not yield a token.
///
/// No variant holds any part of the response body except Intercom's error codes, messages and
/// request id; a body that cannot be read is never quoted, since it might hold the token (or,
/// from a misbehaving proxy, an echo of the request with the client secret).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ExchangeError {
    /// HTTP 401 "Unauthorized Code": Intercom refused the authorization code.
    #[error(
        "Intercom refused the authorization code (HTTP 401 \"Unauthorized Code\"{}). This usually \
         means the code was mangled between the callback and the exchange (a trailing '=' \
         dropped, '%3D' left undecoded, or '+' turned into a space), was already exchanged \
         once, or is older than about 5 minutes; send the user through the authorize URL again",
        request_suffix(request_id)
    )]
    UnauthorizedCode {
        /// Intercom's request id, for support.
        request_id: Option<String>,
    },
    /// Another `error.list` answer (or an `error.list` body with a 2xx status).
    #[error(
        "the token endpoint answered HTTP {status}: {}{}",
        first_error(errors),
        request_suffix(request_id)
    )]
    Api {
        /// The HTTP status.
        status: u16,
        /// Intercom's request id, for support.
        request_id: Option<String>,
        /// The errors listed, in order.
        errors: Vec<OAuthErrorDetail>,
    },
    /// A non-2xx status whose body is not JSON (for example a proxy's HTML page).
    #[error("the token endpoint answered HTTP {status} with a body that is not an Intercom error (not shown)")]
    UnexpectedStatus {
        /// The HTTP status.
        status: u16,
    },
    /// A 2xx status whose body is not the expected JSON object.
    #[error(
        "the token response is not the expected JSON object (error at line {line}, column \
         {column}; the body is not shown because it may hold the token)"
    )]
    InvalidJson {
        /// The HTTP status.
        status: u16,
        /// Line of the JSON error (1-based).
        line: usize,
        /// Column of the JSON error (1-based).
        column: usize,
    },
    /// The response has neither `token` nor `access_token`.
    #[error("the token response has neither `token` nor `access_token`")]
    MissingToken,
    /// `token` and `access_token` are both present but differ.
    #[error("the token response's `token` and `access_token` differ; refusing to pick one")]
    AmbiguousToken,
    /// `token_type` is present and is not `Bearer` (compared case-insensitively).
    #[error("the token response's token_type is {token_type:?}, not \"Bearer\"")]
    UnsupportedTokenType {
        /// The `token_type` received, when it is a short identifier; `"<unprintable>"`
        /// otherwise.
        token_type: String,
    },
    /// The token is not a valid bearer token.
    #[error("the token in the response is invalid: {0}")]
    InvalidToken(TokenError),
}

fn request_suffix(request_id: &Option<String>) -> String {
    match request_id {
        Some(id) => format!(", request id {id}"),
        None => String::new(),
    }
}

fn first_error(errors: &[OAuthErrorDetail]) -> String {
    match errors.first() {
        Some(OAuthErrorDetail {
            code,
            message: Some(message),
            ..
        }) => format!("{code}: {message}"),
        Some(detail) => detail.code.clone(),
        None => "an empty error list".to_owned(),
    }
}

/// The token endpoint's answer, success or `error.list`. Token strings live in zeroizing
/// buffers from the moment they are deserialized.
#[derive(Deserialize)]
struct TokenResponseBody {
    #[serde(default, deserialize_with = "zeroizing_string")]
    token: Option<Zeroizing<String>>,
    #[serde(default, deserialize_with = "zeroizing_string")]
    access_token: Option<Zeroizing<String>>,
    #[serde(default)]
    token_type: Option<String>,
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    request_id: Option<String>,
    #[serde(default)]
    errors: Option<serde_json::Value>,
}

fn zeroizing_string<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Zeroizing<String>>, D::Error> {
    Ok(Option::<String>::deserialize(deserializer)?.map(Zeroizing::new))
}

/// Reads the token endpoint's answer.
///
/// A 2xx status with `{"token_type":"Bearer","token":"…","access_token":"…"}` yields the
/// [`OAuthToken`]. `token` and `access_token` are both accepted (when both are present they
/// must be equal), `token_type` may be absent but otherwise must be `Bearer` in any case, and
/// the token must be a valid `b64token`. Any `error.list` body, or a non-2xx status, is an
/// error; a 401 whose message is "Unauthorized Code" is [`ExchangeError::UnauthorizedCode`],
/// whose message explains the usual causes.
///
/// JSON errors report only a line and column, never the body's content; the token strings are
/// held in zeroizing buffers until the returned [`OAuthToken`] takes its own copy.
pub fn parse_token_response(status: u16, body: &[u8]) -> Result<OAuthToken, ExchangeError> {
    let success = (200..300).contains(&status);
    let parsed: TokenResponseBody = match serde_json::from_slice(body) {
        Ok(parsed) => parsed,
        Err(e) if success => {
            return Err(ExchangeError::InvalidJson {
                status,
                line: e.line(),
                column: e.column(),
            })
        }
        Err(_) => return Err(ExchangeError::UnexpectedStatus { status }),
    };
    let is_error_list = parsed.kind.as_deref() == Some("error.list")
        || parsed
            .errors
            .as_ref()
            .is_some_and(|e| e.as_array().is_some_and(|a| !a.is_empty()));
    if !success || is_error_list {
        return Err(api_error(status, parsed));
    }
    if let Some(token_type) = &parsed.token_type {
        if !token_type.eq_ignore_ascii_case("bearer") {
            return Err(ExchangeError::UnsupportedTokenType {
                token_type: label(token_type),
            });
        }
    }
    let token = match (&parsed.token, &parsed.access_token) {
        (Some(a), Some(b)) => {
            if !bool::from(a.as_bytes().ct_eq(b.as_bytes())) {
                return Err(ExchangeError::AmbiguousToken);
            }
            a
        }
        (Some(t), None) | (None, Some(t)) => t,
        (None, None) => return Err(ExchangeError::MissingToken),
    };
    OAuthToken::new(token.as_str()).map_err(ExchangeError::InvalidToken)
}

/// The error for a non-2xx answer or an `error.list` body.
fn api_error(status: u16, parsed: TokenResponseBody) -> ExchangeError {
    let request_id = parsed.request_id.as_deref().map(provider_text);
    let errors: Vec<OAuthErrorDetail> = parsed
        .errors
        .as_ref()
        .and_then(serde_json::Value::as_array)
        .map(|items| items.iter().filter_map(error_detail).collect())
        .unwrap_or_default();
    if errors.is_empty() && parsed.kind.as_deref() != Some("error.list") {
        return ExchangeError::UnexpectedStatus { status };
    }
    let unauthorized_code = status == 401
        && errors.iter().any(|e| {
            e.message
                .as_deref()
                .is_some_and(|m| m.trim().eq_ignore_ascii_case("unauthorized code"))
        });
    if unauthorized_code {
        ExchangeError::UnauthorizedCode { request_id }
    } else {
        ExchangeError::Api {
            status,
            request_id,
            errors,
        }
    }
}

fn error_detail(item: &serde_json::Value) -> Option<OAuthErrorDetail> {
    let text = |key: &str| item.get(key).and_then(serde_json::Value::as_str);
    let code = text("code").or_else(|| text("type"))?;
    Some(OAuthErrorDetail {
        code: provider_text(code),
        message: text("message").map(provider_text),
        field: text("field").map(provider_text),
    })
}

/// A `token_type` short and plain enough to quote; anything else is not echoed.
fn label(value: &str) -> String {
    if !value.is_empty()
        && value.len() <= 32
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'))
    {
        value.to_owned()
    } else {
        "<unprintable>".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_authorize_base_parses() {
        assert!(Url::parse(DEFAULT_AUTHORIZE_BASE).is_ok());
    }

    #[test]
    fn fresh_state_is_43_base64url_chars_without_realloc() {
        let value = fresh_state_value();
        assert_eq!(value.len(), STATE_LEN);
        assert_eq!(value.capacity(), STATE_LEN);
        assert!(value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
    }

    #[test]
    fn form_body_never_reallocates() {
        let secret = ClientSecret::new("s+/=%&".repeat(50)).expect("valid");
        let code = AuthorizationCode::new("c+/".repeat(100) + "==").expect("valid");
        let body = encode_token_form("id", &secret, &code);
        let reserved = (4 + 2 + 3 * 302) + (9 + 2 + 3 * 2) + (13 + 2 + 3 * 300);
        assert_eq!(body.capacity(), reserved);
    }

    #[test]
    fn callback_query_forms() {
        assert_eq!(callback_query("code=a&state=b"), "code=a&state=b");
        assert_eq!(callback_query("?code=a"), "code=a");
        assert_eq!(callback_query("/cb?code=a#frag"), "code=a");
        assert_eq!(callback_query("https://x.test/cb?code=a:b"), "code=a:b");
        assert_eq!(callback_query("code=a:b&state=c"), "code=a:b&state=c");
        assert_eq!(callback_query("https://x.test/cb"), "");
        assert_eq!(callback_query("  ?code=a\n"), "code=a");
    }

    #[test]
    fn secret_validation_classes() {
        assert!(validate_secret("client secret", "abc-DEF_123:!~").is_ok());
        for (input, byte, position) in [
            ("ab c", ForbiddenByte::Whitespace, 2),
            ("abc\n", ForbiddenByte::LineBreak, 3),
            ("a\0", ForbiddenByte::Nul, 1),
            ("a\x1b", ForbiddenByte::Control, 1),
            ("a\u{a0}", ForbiddenByte::NonAscii, 1),
        ] {
            assert_eq!(
                validate_secret("client secret", input),
                Err(SecretError::Forbidden {
                    kind: "client secret",
                    byte,
                    position
                })
            );
        }
        assert_eq!(
            validate_secret("client secret", ""),
            Err(SecretError::Empty {
                kind: "client secret"
            })
        );
    }
}
