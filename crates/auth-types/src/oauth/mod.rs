//! OAuth for public apps, without I/O: the app and its client secret ([`app`]), the
//! authorize redirect's CSRF state and the callback ([`callback`]), and the token-exchange
//! request and response ([`exchange`]).
//!
//! The transport sends the [`TokenRequest`] and hands the answer to [`parse_token_response`].

mod app;
mod callback;
mod exchange;

pub use app::{ClientSecret, OAuthApp, OAuthAppError};
pub use callback::{AuthorizationCode, CallbackError, CsrfState, MalformedCallback};
pub use exchange::{parse_token_response, ExchangeError, OAuthErrorDetail, TokenRequest};

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

/// The longest provider-supplied text (error codes and descriptions) kept in an error value.
const MAX_PROVIDER_TEXT: usize = 256;

/// [`MAX_PROVIDER_TEXT`] characters.
pub(crate) fn provider_text(s: &str) -> String {
    s.chars()
        .take(MAX_PROVIDER_TEXT)
        .map(|c| if c.is_control() { '\u{FFFD}' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_authorize_base_parses() {
        assert!(url::Url::parse(DEFAULT_AUTHORIZE_BASE).is_ok());
    }
}
