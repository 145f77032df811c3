//! The one place where a token's value leaves its secret wrapper.

use std::fmt;

use http::HeaderValue;
use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

/// A ready-to-send `Authorization: Bearer <token>` header value, marked sensitive.
///
/// Built once per token by [`AccessToken::authorization`](crate::AccessToken::authorization)
/// or [`OAuthToken::authorization`](crate::OAuthToken::authorization) and then cloned cheaply
/// (the bytes are shared). `Debug` prints `Authorization([REDACTED])`; the inner
/// [`HeaderValue`] is sensitive, so `http`'s own `Debug` prints `Sensitive` and HTTP/2 never
/// adds it to the HPACK table.
#[derive(Clone, PartialEq, Eq)]
pub struct Authorization {
    value: HeaderValue,
}

impl Authorization {
    /// The header value to send. It is marked sensitive.
    pub fn header_value(&self) -> &HeaderValue {
        &self.value
    }
}

impl fmt::Debug for Authorization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Authorization([REDACTED])")
    }
}

/// Turns a validated token into `Bearer <token>`.
///
/// This is the only place a *token's* value is exposed; every exposure site, with its reason,
/// is in the allow-list of docs/token-handling.md (checked by `cargo xtask audit`). The
/// temporary string is zeroized; the resulting [`HeaderValue`] keeps its own copy, which
/// `http` does not zeroize — that copy lives as long as the client holding it.
pub(crate) fn bearer_header(secret: &SecretString) -> Authorization {
    let token: &str = secret.expose_secret();
    let mut line = Zeroizing::new(String::with_capacity(token.len().saturating_add(7)));
    line.push_str("Bearer ");
    line.push_str(token);
    // Tokens are validated against RFC 6750's b64token grammar before they are wrapped, and
    // every byte of that grammar (plus "Bearer ") is visible ASCII, which HeaderValue accepts.
    // Should that ever not hold, fall back to an empty header (the server then answers 401)
    // instead of panicking or echoing the value.
    let mut value = HeaderValue::from_str(&line).unwrap_or_else(|_| HeaderValue::from_static(""));
    value.set_sensitive(true);
    Authorization { value }
}
