//! Credentials for an HTTP proxy: a user name and a password that only the proxy may see.

use std::fmt;

use base64::Engine as _;
use http::HeaderValue;
use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

/// The longest proxy user name or password accepted, in bytes.
pub const MAX_PROXY_CREDENTIAL_LEN: usize = 1024;

/// A proxy's user name and password, sent only as `Proxy-Authorization: Basic …` to the proxy
/// (in the `CONNECT` request that opens a tunnel), never to the API host.
///
/// The password lives in a [`SecretString`] (zeroized on drop); `Debug` prints
/// `ProxyCredentials([REDACTED])` and there is no `Display`.
///
/// ```
/// use intercom_auth_types::ProxyCredentials;
///
/// let creds = ProxyCredentials::new("alice", "s3cret").expect("valid credentials");
/// assert_eq!(format!("{creds:?}"), "ProxyCredentials([REDACTED])");
/// assert!(creds.proxy_authorization().header_value().is_sensitive());
/// assert!(ProxyCredentials::new("a:b", "x").is_err());
/// ```
#[derive(Clone)]
pub struct ProxyCredentials {
    username: String,
    password: SecretString,
}

/// Why a user name or password was refused. Never contains any part of the input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProxyCredentialsError {
    /// The user name is empty.
    #[error("the proxy user name is empty")]
    EmptyUsername,
    /// The user name holds a `:`, which Basic authentication cannot carry.
    #[error("the proxy user name contains ':', which Basic authentication cannot carry")]
    ColonInUsername,
    /// The user name or password holds a control character (CR, LF, NUL, …).
    #[error("the proxy {field} contains a control character")]
    ControlCharacter {
        /// `user name` or `password`.
        field: &'static str,
    },
    /// The user name or password is longer than [`MAX_PROXY_CREDENTIAL_LEN`].
    #[error("the proxy {field} is longer than {max} bytes", max = MAX_PROXY_CREDENTIAL_LEN)]
    TooLong {
        /// `user name` or `password`.
        field: &'static str,
    },
}

fn check(field: &'static str, value: &str) -> Result<(), ProxyCredentialsError> {
    if value.len() > MAX_PROXY_CREDENTIAL_LEN {
        return Err(ProxyCredentialsError::TooLong { field });
    }
    if value.chars().any(char::is_control) {
        return Err(ProxyCredentialsError::ControlCharacter { field });
    }
    Ok(())
}

impl ProxyCredentials {
    /// Checks and wraps a user name and password. The user name must be non-empty and free of
    /// `:`; neither may hold control characters or exceed [`MAX_PROXY_CREDENTIAL_LEN`] bytes.
    pub fn new(
        username: impl Into<String>,
        password: impl Into<String>,
    ) -> Result<Self, ProxyCredentialsError> {
        let username = username.into();
        // Held in a zeroizing buffer so the password is wiped even when it is refused.
        let password = Zeroizing::new(password.into());
        if username.is_empty() {
            return Err(ProxyCredentialsError::EmptyUsername);
        }
        if username.contains(':') {
            return Err(ProxyCredentialsError::ColonInUsername);
        }
        check("user name", &username)?;
        check("password", &password)?;
        Ok(Self {
            username,
            password: SecretString::from(password.as_str()),
        })
    }

    /// The user name (not a secret).
    pub fn username(&self) -> &str {
        &self.username
    }

    /// The `Proxy-Authorization: Basic …` value for these credentials, marked sensitive.
    pub fn proxy_authorization(&self) -> ProxyAuthorization {
        basic_header(&self.username, &self.password)
    }
}

impl fmt::Debug for ProxyCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ProxyCredentials([REDACTED])")
    }
}

/// A ready-to-send `Proxy-Authorization` header value, marked sensitive. `Debug` prints
/// `ProxyAuthorization([REDACTED])`.
#[derive(Clone, PartialEq, Eq)]
pub struct ProxyAuthorization {
    value: HeaderValue,
}

impl ProxyAuthorization {
    /// The header value to send to the proxy. It is marked sensitive.
    pub fn header_value(&self) -> &HeaderValue {
        &self.value
    }
}

impl fmt::Debug for ProxyAuthorization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ProxyAuthorization([REDACTED])")
    }
}

/// Builds `Basic base64(user:password)`. The joined and encoded texts are zeroized; the
/// resulting [`HeaderValue`] keeps its own copy for as long as the transport holding it.
pub(crate) fn basic_header(username: &str, password: &SecretString) -> ProxyAuthorization {
    let secret: &str = password.expose_secret();
    let mut joined = Zeroizing::new(String::with_capacity(
        username
            .len()
            .saturating_add(secret.len())
            .saturating_add(1),
    ));
    joined.push_str(username);
    joined.push(':');
    joined.push_str(secret);
    let mut line = Zeroizing::new(String::from("Basic "));
    base64::engine::general_purpose::STANDARD.encode_string(joined.as_bytes(), &mut line);
    // Base64 and "Basic " are visible ASCII, which HeaderValue always accepts; the fallback
    // only keeps this free of panics.
    let mut value = HeaderValue::from_str(&line).unwrap_or_else(|_| HeaderValue::from_static(""));
    value.set_sensitive(true);
    ProxyAuthorization { value }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn header_is_basic_base64_of_user_colon_password() {
        let creds = ProxyCredentials::new("Aladdin", "open sesame").unwrap();
        let auth = creds.proxy_authorization();
        assert_eq!(
            auth.header_value().to_str().unwrap(),
            "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
        );
        assert!(auth.header_value().is_sensitive());
        assert_eq!(format!("{auth:?}"), "ProxyAuthorization([REDACTED])");
    }

    #[test]
    fn bad_credentials_are_refused_without_echo() {
        let cases = [
            ("", "pw", ProxyCredentialsError::EmptyUsername),
            ("a:b", "pw", ProxyCredentialsError::ColonInUsername),
            (
                "a\nb",
                "pw",
                ProxyCredentialsError::ControlCharacter { field: "user name" },
            ),
            (
                "alice",
                "pw\r\nX-Evil: 1",
                ProxyCredentialsError::ControlCharacter { field: "password" },
            ),
        ];
        for (user, pass, expected) in cases {
            let err = ProxyCredentials::new(user, pass).unwrap_err();
            assert_eq!(err, expected);
            assert!(!err.to_string().contains("X-Evil"));
        }
        let long = "x".repeat(MAX_PROXY_CREDENTIAL_LEN + 1);
        assert_eq!(
            ProxyCredentials::new("alice", long).unwrap_err(),
            ProxyCredentialsError::TooLong { field: "password" }
        );
    }

    #[test]
    fn debug_never_shows_the_password() {
        let creds = ProxyCredentials::new("alice", "hunter2").unwrap();
        let shown = format!("{creds:?} {:?}", creds.clone());
        assert!(!shown.contains("hunter2"));
        assert!(!shown.contains("alice"));
    }
}
