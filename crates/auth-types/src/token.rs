//! Bearer token newtypes: validated on construction, redacted in `Debug`, zeroized on drop.

use std::fmt;
use std::sync::Arc;

use secrecy::SecretString;
use zeroize::Zeroizing;

use crate::header::{bearer_header, Authorization};

/// The environment variable [`AccessToken::from_env`] reads.
pub const ACCESS_TOKEN_ENV: &str = "INTERCOM_ACCESS_TOKEN";

/// The longest token accepted, in bytes. Intercom's tokens are about 60 bytes; the bound only
/// keeps a pasted file or a runaway variable from being sent as a header.
pub const MAX_TOKEN_LEN: usize = 4096;

/// Which kind of byte made a token invalid. The byte itself is never reported, so an error
/// message cannot leak part of the secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ForbiddenByte {
    /// A space or tab (often a copy-paste of `Bearer <token>` or a trailing blank).
    Whitespace,
    /// A carriage return or line feed (a token read from a file with its newline).
    LineBreak,
    /// A NUL byte.
    Nul,
    /// Another ASCII control character.
    Control,
    /// A byte outside ASCII.
    NonAscii,
    /// Printable ASCII outside the `b64token` alphabet (for example `"`, `:` or `%`).
    Punctuation,
    /// An `=` followed by something other than `=` (padding must come last).
    MisplacedPadding,
}

impl fmt::Display for ForbiddenByte {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Whitespace => "a space or tab",
            Self::LineBreak => "a line break (CR or LF)",
            Self::Nul => "a NUL byte",
            Self::Control => "a control character",
            Self::NonAscii => "a non-ASCII character",
            Self::Punctuation => "a character outside the token alphabet",
            Self::MisplacedPadding => "an '=' before the end of the token",
        })
    }
}

/// Why a string was refused as a token. Never contains any part of the input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// The string was empty (or held only `=` padding).
    #[error("the {kind} is empty")]
    Empty {
        /// Which kind of token was being built.
        kind: &'static str,
    },
    /// The string is longer than [`MAX_TOKEN_LEN`].
    #[error("the {kind} is {len} bytes long; at most {max} bytes are accepted", max = MAX_TOKEN_LEN)]
    TooLong {
        /// Which kind of token was being built.
        kind: &'static str,
        /// The length of the rejected input.
        len: usize,
    },
    /// The string holds a byte that RFC 6750's `b64token` grammar does not allow.
    #[error(
        "the {kind} contains {byte} at byte offset {position}; a bearer token may only hold \
         letters, digits, '-', '.', '_', '~', '+', '/' and trailing '='"
    )]
    Forbidden {
        /// Which kind of token was being built.
        kind: &'static str,
        /// What sort of byte was found (never the byte itself).
        byte: ForbiddenByte,
        /// Its offset in the input.
        position: usize,
    },
}

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

/// Checks `candidate` against RFC 6750 §2.1:
/// `b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`.
pub(crate) fn validate(kind: &'static str, candidate: &str) -> Result<(), TokenError> {
    let bytes = candidate.as_bytes();
    if bytes.len() > MAX_TOKEN_LEN {
        return Err(TokenError::TooLong {
            kind,
            len: bytes.len(),
        });
    }
    let mut body_len = 0usize;
    let mut in_padding = false;
    for (position, &b) in bytes.iter().enumerate() {
        let class = match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'+' | b'/' => {
                if in_padding {
                    Some(ForbiddenByte::MisplacedPadding)
                } else {
                    body_len = body_len.saturating_add(1);
                    None
                }
            }
            b'=' => {
                in_padding = true;
                None
            }
            b' ' | b'\t' => Some(ForbiddenByte::Whitespace),
            b'\r' | b'\n' => Some(ForbiddenByte::LineBreak),
            0 => Some(ForbiddenByte::Nul),
            0x01..=0x1f | 0x7f => Some(ForbiddenByte::Control),
            0x80..=0xff => Some(ForbiddenByte::NonAscii),
            _ => Some(ForbiddenByte::Punctuation),
        };
        if let Some(byte) = class {
            return Err(TokenError::Forbidden {
                kind,
                byte,
                position,
            });
        }
    }
    if body_len == 0 {
        return Err(TokenError::Empty { kind });
    }
    Ok(())
}

macro_rules! bearer_token {
    ($(#[$meta:meta])* $name:ident, $kind:literal) => {
        $(#[$meta])*
        ///
        /// Cloning is cheap and never copies the secret: clones share one zeroizing buffer,
        /// wiped when the last clone is dropped.
        #[derive(Clone)]
        pub struct $name {
            secret: Arc<SecretString>,
        }

        impl $name {
            /// Validates `token` (RFC 6750 `b64token`) and takes ownership of it.
            ///
            /// On error the input is zeroized and the error says only what kind of byte was
            /// wrong and where.
            pub fn new(token: impl Into<String>) -> Result<Self, TokenError> {
                let token = Zeroizing::new(token.into());
                validate($kind, &token)?;
                Ok(Self {
                    secret: Arc::new(SecretString::from(token.as_str())),
                })
            }

            /// The `Authorization: Bearer <token>` header for this token, marked sensitive.
            pub fn authorization(&self) -> Authorization {
                bearer_header(&self.secret)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($name), "([REDACTED])"))
            }
        }

        impl std::str::FromStr for $name {
            type Err = TokenError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::new(s)
            }
        }

        impl TryFrom<String> for $name {
            type Error = TokenError;

            fn try_from(s: String) -> Result<Self, Self::Error> {
                Self::new(s)
            }
        }
    };
}

bearer_token!(
    /// A private app's access token, sent as `Authorization: Bearer <token>`.
    ///
    /// Build one with [`AccessToken::new`] or [`AccessToken::from_env`]. It has no `Display`
    /// and no `Serialize`, and `Debug` prints `AccessToken([REDACTED])`.
    AccessToken,
    "access token"
);

bearer_token!(
    /// A public app's OAuth token, as returned by the code exchange, sent as
    /// `Authorization: Bearer <token>`.
    ///
    /// Intercom's OAuth tokens do not expire and have no refresh token; they end when the
    /// workspace uninstalls the app. `Debug` prints `OAuthToken([REDACTED])`.
    OAuthToken,
    "OAuth token"
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
                    position
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
