//! What every secret newtype shares: the one validator (an RFC 6750 bearer token, or a
//! shared secret of visible ASCII), its error, and the macro that defines the newtypes.

use std::fmt;

/// The longest token or secret accepted, in bytes. Intercom's tokens are about 60 bytes; the
/// bound only keeps a pasted file or a runaway variable from being sent as a header.
pub const MAX_TOKEN_LEN: usize = 4096;

/// Which kind of byte made a token or secret invalid. The byte itself is never reported, so an error
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

/// Which bytes a secret may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Alphabet {
    /// RFC 6750 §2.1's `b64token`: letters, digits, `-._~+/`, then optional `=` padding (access
    /// tokens, OAuth tokens, authorization codes).
    Bearer,
    /// Visible ASCII, `!` to `~` (client secrets, identity-verification secrets).
    Visible,
}

impl Alphabet {
    /// What the user is told to do when a byte is outside this alphabet.
    fn hint(self) -> &'static str {
        match self {
            Self::Bearer => {
                "a bearer token may only hold letters, digits, '-', '.', '_', '~', '+', '/' and \
                 trailing '='"
            }
            Self::Visible => {
                "paste it exactly as the Developer Hub shows it, without spaces, line breaks or \
                 other invisible characters"
            }
        }
    }
}

/// Why a string was refused as a token or a secret. Never contains any part of the input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SecretError {
    /// The string was empty (or, for a bearer token, held only `=` padding).
    #[error("the {kind} is empty")]
    Empty {
        /// Which kind of token or secret was being built.
        kind: &'static str,
    },
    /// The string is longer than [`MAX_TOKEN_LEN`].
    #[error("the {kind} is {len} bytes long; at most {max} bytes are accepted", max = MAX_TOKEN_LEN)]
    TooLong {
        /// Which kind of token or secret was being built.
        kind: &'static str,
        /// The length of the rejected input.
        len: usize,
    },
    /// The string holds a byte outside its [`Alphabet`].
    #[error("the {kind} contains {byte} at byte offset {position}; {}", alphabet.hint())]
    Forbidden {
        /// Which kind of token or secret was being built.
        kind: &'static str,
        /// What sort of byte was found (never the byte itself).
        byte: ForbiddenByte,
        /// Its offset in the input.
        position: usize,
        /// The bytes that were allowed.
        alphabet: Alphabet,
    },
}

/// Checks `candidate` as a `kind` (named in the error) over `alphabet`: 1 to
/// [`MAX_TOKEN_LEN`] bytes, and for [`Alphabet::Bearer`] RFC 6750 §2.1's
/// `b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`.
pub(crate) fn validate(
    kind: &'static str,
    alphabet: Alphabet,
    candidate: &str,
) -> Result<(), SecretError> {
    let bytes = candidate.as_bytes();
    if bytes.len() > MAX_TOKEN_LEN {
        return Err(SecretError::TooLong {
            kind,
            len: bytes.len(),
        });
    }
    let mut body_len = 0usize;
    let mut in_padding = false;
    for (position, &b) in bytes.iter().enumerate() {
        let class = match (alphabet, b) {
            (
                Alphabet::Bearer,
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'+' | b'/',
            ) => {
                if in_padding {
                    Some(ForbiddenByte::MisplacedPadding)
                } else {
                    body_len = body_len.saturating_add(1);
                    None
                }
            }
            (Alphabet::Bearer, b'=') => {
                in_padding = true;
                None
            }
            (Alphabet::Visible, b'!'..=b'~') => {
                body_len = body_len.saturating_add(1);
                None
            }
            (_, b' ' | b'\t') => Some(ForbiddenByte::Whitespace),
            (_, b'\r' | b'\n') => Some(ForbiddenByte::LineBreak),
            (_, 0) => Some(ForbiddenByte::Nul),
            (_, 0x01..=0x1f | 0x7f) => Some(ForbiddenByte::Control),
            (_, 0x80..=0xff) => Some(ForbiddenByte::NonAscii),
            (_, _) => Some(ForbiddenByte::Punctuation),
        };
        if let Some(byte) = class {
            return Err(SecretError::Forbidden {
                kind,
                byte,
                position,
                alphabet,
            });
        }
    }
    if body_len == 0 {
        return Err(SecretError::Empty { kind });
    }
    Ok(())
}

/// Defines a secret newtype: an `Arc<SecretString>` validated by [`validate`] over an
/// [`Alphabet`], redacted in `Debug`, with no `Display` or `Serialize`, built by `new`,
/// `FromStr` and `TryFrom<String>`.
///
/// `bearer` types also get `authorization()` (the `Authorization: Bearer` header); `visible`
/// types get the crate-private `secret()` accessor for their HMAC-key exposure site.
macro_rules! secret_newtype {
    ($(#[$meta:meta])* $name:ident, $kind:literal, bearer) => {
        $crate::secret::secret_newtype!(
            @define $(#[$meta])* $name, $kind, bearer,
            "Validates `token` (RFC 6750 `b64token`) and takes ownership of it."
        );

        impl $name {
            /// The `Authorization: Bearer <token>` header for this token, marked sensitive.
            pub fn authorization(&self) -> $crate::Authorization {
                $crate::header::bearer_header(&self.secret)
            }
        }
    };
    ($(#[$meta:meta])* $name:ident, $kind:literal, visible) => {
        $crate::secret::secret_newtype!(
            @define $(#[$meta])* $name, $kind, visible,
            "Checks `secret` (1 to [`MAX_TOKEN_LEN`](crate::MAX_TOKEN_LEN) bytes of visible \
             ASCII, so no stray space or newline) and takes ownership of it."
        );

        impl $name {
            /// The wrapped secret, for the crate's single HMAC-key exposure site.
            pub(crate) fn secret(&self) -> &::secrecy::SecretString {
                &self.secret
            }
        }
    };
    (@alphabet bearer) => {
        $crate::secret::Alphabet::Bearer
    };
    (@alphabet visible) => {
        $crate::secret::Alphabet::Visible
    };
    (@define $(#[$meta:meta])* $name:ident, $kind:literal, $alphabet:ident, $new_doc:literal) => {
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
            #[doc = $new_doc]
            ///
            /// On error the input is zeroized and the error says only what kind of byte was
            /// wrong and where.
            pub fn new(value: impl Into<String>) -> Result<Self, $crate::SecretError> {
                let value = ::zeroize::Zeroizing::new(value.into());
                $crate::secret::validate(
                    $kind,
                    $crate::secret::secret_newtype!(@alphabet $alphabet),
                    &value,
                )?;
                Ok(Self {
                    secret: ::std::sync::Arc::new(::secrecy::SecretString::from(value.as_str())),
                })
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

pub(crate) use secret_newtype;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visible_secret_validation_classes() {
        assert!(validate("client secret", Alphabet::Visible, "abc-DEF_123:!~").is_ok());
        for (input, byte, position) in [
            ("ab c", ForbiddenByte::Whitespace, 2),
            ("abc\n", ForbiddenByte::LineBreak, 3),
            ("a\0", ForbiddenByte::Nul, 1),
            ("a\x1b", ForbiddenByte::Control, 1),
            ("a\u{a0}", ForbiddenByte::NonAscii, 1),
        ] {
            assert_eq!(
                validate("client secret", Alphabet::Visible, input),
                Err(SecretError::Forbidden {
                    kind: "client secret",
                    byte,
                    position,
                    alphabet: Alphabet::Visible,
                })
            );
        }
        assert_eq!(
            validate("client secret", Alphabet::Visible, ""),
            Err(SecretError::Empty {
                kind: "client secret"
            })
        );
    }

    #[test]
    fn messages_keep_each_alphabet_hint() {
        let bearer = validate("access token", Alphabet::Bearer, "a b").expect_err("space");
        assert_eq!(
            bearer.to_string(),
            "the access token contains a space or tab at byte offset 1; a bearer token may only \
             hold letters, digits, '-', '.', '_', '~', '+', '/' and trailing '='"
        );
        let visible = validate("client secret", Alphabet::Visible, "a b").expect_err("space");
        assert_eq!(
            visible.to_string(),
            "the client secret contains a space or tab at byte offset 1; paste it exactly as the \
             Developer Hub shows it, without spaces, line breaks or other invisible characters"
        );
    }
}
