//! The single-use authorization code, the CSRF state of the authorize redirect, and the
//! checks on the callback that brings both back.

use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use rand::rngs::OsRng;
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;
use url::form_urlencoded;
use zeroize::Zeroizing;

use super::provider_text;
#[cfg(doc)]
use super::OAuthApp;
use crate::secret::{validate, Alphabet};
use crate::TokenError;

/// Random bytes in a fresh [`CsrfState`]: 256 bits.
const STATE_BYTES: usize = 32;

/// Length of a fresh state once encoded as unpadded base64url.
const STATE_LEN: usize = 43;

/// The single-use authorization code Intercom puts in the OAuth callback.
///
/// Obtain it from [`CsrfState::verify_callback`], which checks the state first, and spend it
/// with [`OAuthApp::token_request`], which consumes it. It is not `Clone`: a code can be
/// exchanged once. It is validated against RFC 6750's `b64token` grammar (letters, digits,
/// `-._~+/`, trailing `=`), has no `Display` or `Serialize`, prints as
/// `AuthorizationCode([REDACTED])` and is zeroized on drop.
pub struct AuthorizationCode {
    pub(super) secret: SecretString,
}

impl AuthorizationCode {
    /// Validates `code` (RFC 6750 `b64token`, the same grammar as tokens) and takes ownership.
    ///
    /// Use this only when the callback was parsed elsewhere *and* its state already checked;
    /// otherwise prefer [`CsrfState::verify_callback`].
    pub fn new(code: impl Into<String>) -> Result<Self, TokenError> {
        let code = Zeroizing::new(code.into());
        validate("authorization code", Alphabet::Bearer, &code)?;
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
    pub(super) secret: SecretString,
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
        validate("CSRF state", Alphabet::Bearer, &value)?;
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
pub(super) fn fresh_state_value() -> Zeroizing<String> {
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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn callback_query_forms() {
        assert_eq!(callback_query("code=a&state=b"), "code=a&state=b");
        assert_eq!(callback_query("?code=a"), "code=a");
        assert_eq!(callback_query("/cb?code=a#frag"), "code=a");
        assert_eq!(callback_query("https://x.test/cb?code=a:b"), "code=a:b");
        assert_eq!(callback_query("code=a:b&state=c"), "code=a:b&state=c");
        assert_eq!(callback_query("https://x.test/cb"), "");
        assert_eq!(callback_query("  ?code=a\n"), "code=a");
    }
}
