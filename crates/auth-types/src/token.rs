//! Bearer token newtypes: validated on construction, redacted in `Debug`, zeroized on drop.

use secrecy::SecretString;
use zeroize::Zeroizing;

use crate::secret::{secret_newtype, SecretError};

/// The environment variable [`AccessToken::from_env`] reads.
pub const ACCESS_TOKEN_ENV: &str = "INTERCOM_ACCESS_TOKEN";

/// Why a string was refused as a token: the same error as every other secret's.
pub type TokenError = SecretError;

/// Why [`AccessToken::from_env`] failed. Names the variable, never its value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EnvTokenError {
    /// The variable is not set.
    #[error("environment variable {var} is not set; export your Intercom access token in it")]
    Missing {
        /// The variable's name.
        var: String,
    },
    /// The variable holds bytes that are not valid Unicode.
    #[error("environment variable {var} is not valid Unicode")]
    NotUnicode {
        /// The variable's name.
        var: String,
    },
    /// The variable is set but its value is not a valid token.
    #[error("environment variable {var} does not hold a valid token: {source}")]
    Invalid {
        /// The variable's name.
        var: String,
        /// Why the value was refused (without the value).
        #[source]
        source: TokenError,
    },
}

secret_newtype!(
    /// A private app's access token, sent as `Authorization: Bearer <token>`.
    ///
    /// Build one with [`AccessToken::new`] or [`AccessToken::from_env`]. It has no `Display`
    /// and no `Serialize`, and `Debug` prints `AccessToken([REDACTED])`.
    AccessToken,
    "access token",
    bearer
);

secret_newtype!(
    /// A public app's OAuth token, as returned by the code exchange, sent as
    /// `Authorization: Bearer <token>`.
    ///
    /// Intercom's OAuth tokens do not expire and have no refresh token; they end when the
    /// workspace uninstalls the app. `Debug` prints `OAuthToken([REDACTED])`.
    OAuthToken,
    "OAuth token",
    bearer
);

impl OAuthToken {
    /// The token's value, for storing it where the user explicitly asked (the CLI's
    /// `oauth login --save FILE` / `--print-token`). The returned string is zeroized on drop.
    ///
    /// This is an allow-listed exposure site (docs/token-handling.md): use it only to hand the
    /// token to the user or to their secret store, never for logging.
    pub fn reveal_for_storage(&self) -> Zeroizing<String> {
        reveal(&self.secret)
    }
}

/// Copies a token's value into a zeroizing string (see [`OAuthToken::reveal_for_storage`]).
pub(crate) fn reveal(secret: &SecretString) -> Zeroizing<String> {
    use secrecy::ExposeSecret;
    Zeroizing::new(secret.expose_secret().to_owned())
}

impl AccessToken {
    /// Reads the token from `INTERCOM_ACCESS_TOKEN` ([`ACCESS_TOKEN_ENV`]).
    ///
    /// Errors name the variable, never its value.
    pub fn from_env() -> Result<Self, EnvTokenError> {
        Self::from_env_var(ACCESS_TOKEN_ENV)
    }

    /// Reads the token from the environment variable `var`.
    pub fn from_env_var(var: &str) -> Result<Self, EnvTokenError> {
        match std::env::var(var) {
            Ok(value) => Self::new(value).map_err(|source| EnvTokenError::Invalid {
                var: var.to_owned(),
                source,
            }),
            Err(std::env::VarError::NotPresent) => Err(EnvTokenError::Missing {
                var: var.to_owned(),
            }),
            Err(std::env::VarError::NotUnicode(_)) => Err(EnvTokenError::NotUnicode {
                var: var.to_owned(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::{Alphabet, ForbiddenByte, MAX_TOKEN_LEN};

    #[test]
    fn accepts_b64token_alphabet_and_padding() {
        for ok in ["a", "dG9rOjEyMw==", "A-._~+/9", "x="] {
            assert!(AccessToken::new(ok).is_ok(), "{ok:?} should be accepted");
        }
    }

    #[test]
    fn rejects_each_forbidden_class_with_its_kind() {
        let cases = [
            ("ab cd", ForbiddenByte::Whitespace, 2),
            ("abcd\n", ForbiddenByte::LineBreak, 4),
            ("ab\rcd", ForbiddenByte::LineBreak, 2),
            ("a\0", ForbiddenByte::Nul, 1),
            ("a\x07", ForbiddenByte::Control, 1),
            ("é", ForbiddenByte::NonAscii, 0),
            ("a:b", ForbiddenByte::Punctuation, 1),
            ("ab=c", ForbiddenByte::MisplacedPadding, 3),
        ];
        for (input, byte, position) in cases {
            assert_eq!(
                AccessToken::new(input).err(),
                Some(TokenError::Forbidden {
                    kind: "access token",
                    byte,
                    position,
                    alphabet: Alphabet::Bearer,
                }),
                "{input:?}"
            );
        }
    }

    #[test]
    fn rejects_empty_padding_only_and_oversized() {
        assert!(matches!(
            AccessToken::new(""),
            Err(TokenError::Empty { .. })
        ));
        assert!(matches!(
            OAuthToken::new("=="),
            Err(TokenError::Empty { .. })
        ));
        let long = "a".repeat(MAX_TOKEN_LEN + 1);
        assert!(matches!(
            AccessToken::new(long),
            Err(TokenError::TooLong { len, .. }) if len == MAX_TOKEN_LEN + 1
        ));
    }

    #[test]
    fn debug_is_redacted() {
        let t = AccessToken::new("secretvalue").expect("valid");
        assert_eq!(format!("{t:?}"), "AccessToken([REDACTED])");
        let t = OAuthToken::new("secretvalue").expect("valid");
        assert_eq!(format!("{t:#?}"), "OAuthToken([REDACTED])");
    }

    #[test]
    fn from_env_names_variable_not_value() {
        let var = "INTERCOM_RS_TEST_TOKEN_FROM_ENV_MISSING";
        let err = AccessToken::from_env_var(var).expect_err("unset");
        assert_eq!(
            err.to_string(),
            format!(
                "environment variable {var} is not set; export your Intercom access token in it"
            )
        );
    }
}
