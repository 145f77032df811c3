//! Secrets of a public app's server: the [`EncryptionKey`] that seals stored OAuth tokens
//! ([`SealedToken`]) and the [`CookieKey`] that signs the install flow's state cookie.
//!
//! Sealing is ChaCha20-Poly1305 (an AEAD): a fresh random 96-bit nonce per record, and
//! associated data binding the ciphertext to the key id and to a caller-chosen context (the
//! workspace id), so a ciphertext copied to another row, or opened with another key, fails
//! authentication instead of yielding a token.

use std::fmt;
use std::sync::Arc;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use hmac::{Hmac, Mac};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretBox, SecretString};
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::token::OAuthToken;
use crate::webhook::{keyed_mac, to_hex};

/// Length of an [`EncryptionKey`] in bytes (256 bits).
pub const ENCRYPTION_KEY_LEN: usize = 32;

/// Length of a [`SealedToken`]'s nonce in bytes (96 bits).
pub const NONCE_LEN: usize = 12;

/// The longest accepted key id.
pub const MAX_KEY_ID_LEN: usize = 32;

/// The shortest accepted [`CookieKey`], in characters.
pub const MIN_COOKIE_KEY_LEN: usize = 32;

/// Domain separation for the associated data of every sealed token.
const AD_LABEL: &[u8] = b"intercom-rs sealed oauth token v1";

/// Why a key could not be built. Never holds the key's value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The environment variable is not set (or not valid UTF-8).
    #[error("environment variable {var} is not set (expected `<key-id>:<base64 of 32 bytes>`)")]
    MissingVar {
        /// The variable's name.
        var: String,
    },
    /// The value has no `<key-id>:` prefix.
    #[error("the key has no `<key-id>:` prefix (expected `<key-id>:<base64 of 32 bytes>`)")]
    MissingKeyId,
    /// The key id is empty, too long, or has characters other than letters, digits, `-`,
    /// `_` and `.`.
    #[error("a key id must be 1 to {MAX_KEY_ID_LEN} letters, digits, `-`, `_` or `.` characters")]
    InvalidKeyId,
    /// The key material is not base64 of exactly 32 bytes.
    #[error("the key must be base64 (standard or URL-safe) of exactly 32 bytes")]
    InvalidKeyMaterial,
    /// The operating system's random source failed.
    #[error("the operating system's random source failed")]
    Random,
    /// A cookie key is shorter than [`MIN_COOKIE_KEY_LEN`] characters or has characters
    /// other than visible ASCII.
    #[error("a cookie key must be at least {MIN_COOKIE_KEY_LEN} characters of visible ASCII")]
    WeakCookieKey,
}

/// Why a token could not be sealed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SealError {
    /// The operating system's random source failed, so no nonce could be drawn.
    #[error("the operating system's random source failed; nothing was sealed")]
    Random,
    /// The cipher refused the input (only possible for inputs far beyond any token's length).
    #[error("the token could not be encrypted")]
    Encrypt,
}

/// Why a sealed token could not be opened. Never holds the ciphertext or the token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OpenError {
    /// The record was sealed under another key id than the key it was opened with.
    #[error("the record was sealed with key `{found}`, not with key `{expected}`")]
    WrongKeyId {
        /// The id of the key used to open.
        expected: String,
        /// The id stored with the record.
        found: String,
    },
    /// Authentication failed: a different key with the same id, a tampered ciphertext or
    /// nonce, or a record moved to another workspace's row.
    #[error(
        "the sealed token failed authentication (wrong key, tampered record, or a record moved from another workspace)"
    )]
    Authentication,
    /// The nonce does not have [`NONCE_LEN`] bytes.
    #[error("the stored nonce has {len} bytes, not {NONCE_LEN}")]
    BadNonce {
        /// The stored nonce's length.
        len: usize,
    },
    /// The decrypted bytes are not a valid token (only possible if the sealing key itself
    /// sealed garbage).
    #[error("the decrypted record is not a valid OAuth token")]
    NotAToken,
}

/// A 256-bit key for sealing stored OAuth tokens, with a public id stored beside each record
/// so that keys can rotate.
///
/// It has no `Display` and no `Serialize`; `Debug` prints the id only. The key bytes live in a
/// [`SecretBox`] (zeroized when the last clone is dropped); cloning shares them.
#[derive(Clone)]
pub struct EncryptionKey {
    id: Arc<str>,
    key: Arc<SecretBox<[u8; ENCRYPTION_KEY_LEN]>>,
}

impl fmt::Debug for EncryptionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EncryptionKey")
            .field("id", &&*self.id)
            .field("key", &"[REDACTED]")
            .finish()
    }
}

fn check_key_id(id: &str) -> Result<(), KeyError> {
    let ok = !id.is_empty()
        && id.len() <= MAX_KEY_ID_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if ok {
        Ok(())
    } else {
        Err(KeyError::InvalidKeyId)
    }
}

impl EncryptionKey {
    /// A key from its id and the base64 of its 32 bytes (standard alphabet with padding, or
    /// URL-safe without). The input is zeroized after decoding.
    pub fn from_base64(id: &str, material: impl Into<String>) -> Result<Self, KeyError> {
        check_key_id(id)?;
        let material = Zeroizing::new(material.into());
        let trimmed = material.trim();
        let mut buf = Zeroizing::new([0u8; 48]);
        let len = STANDARD
            .decode_slice(trimmed, &mut buf[..])
            .or_else(|_| URL_SAFE_NO_PAD.decode_slice(trimmed, &mut buf[..]))
            .map_err(|_| KeyError::InvalidKeyMaterial)?;
        if len != ENCRYPTION_KEY_LEN {
            return Err(KeyError::InvalidKeyMaterial);
        }
        let mut key = Box::new([0u8; ENCRYPTION_KEY_LEN]);
        key.copy_from_slice(&buf[..ENCRYPTION_KEY_LEN]);
        Ok(Self {
            id: Arc::from(id),
            key: Arc::new(SecretBox::new(key)),
        })
    }

    /// A key from a `<key-id>:<base64 of 32 bytes>` string, as kept in the environment.
    pub fn parse(value: impl Into<String>) -> Result<Self, KeyError> {
        let value = Zeroizing::new(value.into());
        let (id, material) = value.split_once(':').ok_or(KeyError::MissingKeyId)?;
        Self::from_base64(id.trim(), material)
    }

    /// Reads a `<key-id>:<base64 of 32 bytes>` key from the environment variable `var`.
    /// Errors name the variable, never its value.
    ///
    /// A key can be made with `printf 'k1:%s\n' "$(openssl rand -base64 32)"`.
    pub fn from_env_var(var: &str) -> Result<Self, KeyError> {
        match std::env::var(var) {
            Ok(value) => Self::parse(value),
            Err(_) => Err(KeyError::MissingVar { var: var.into() }),
        }
    }

    /// A fresh random key from the operating system's random source, for tests and demos
    /// (a key that is not kept anywhere cannot open what it sealed after a restart).
    pub fn generate(id: &str) -> Result<Self, KeyError> {
        check_key_id(id)?;
        let mut key = Box::new([0u8; ENCRYPTION_KEY_LEN]);
        rand::rngs::OsRng
            .try_fill_bytes(&mut key[..])
            .map_err(|_| KeyError::Random)?;
        Ok(Self {
            id: Arc::from(id),
            key: Arc::new(SecretBox::new(key)),
        })
    }

    /// The key's public id, stored beside every record it seals.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Encrypts `token` under this key. `context` (the workspace id) is authenticated but not
    /// encrypted: [`open`](Self::open) must be given the same context.
    pub fn seal(&self, token: &OAuthToken, context: &[u8]) -> Result<SealedToken, SealError> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rngs::OsRng
            .try_fill_bytes(&mut nonce)
            .map_err(|_| SealError::Random)?;
        let aad = associated_data(&self.id, context);
        let plaintext = token.reveal_for_storage();
        let ciphertext = cipher(&self.key)
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plaintext.as_bytes(),
                    aad: &aad,
                },
            )
            .map_err(|_| SealError::Encrypt)?;
        Ok(SealedToken {
            key_id: self.id.to_string(),
            nonce,
            ciphertext,
        })
    }

    /// Decrypts `sealed`, checking that it was sealed by this key for `context`.
    pub fn open(&self, sealed: &SealedToken, context: &[u8]) -> Result<OAuthToken, OpenError> {
        if sealed.key_id != *self.id {
            return Err(OpenError::WrongKeyId {
                expected: self.id.to_string(),
                found: sealed.key_id.clone(),
            });
        }
        let aad = associated_data(&self.id, context);
        let plaintext = Zeroizing::new(
            cipher(&self.key)
                .decrypt(
                    Nonce::from_slice(&sealed.nonce),
                    Payload {
                        msg: &sealed.ciphertext,
                        aad: &aad,
                    },
                )
                .map_err(|_| OpenError::Authentication)?,
        );
        let text = std::str::from_utf8(&plaintext).map_err(|_| OpenError::NotAToken)?;
        OAuthToken::new(text).map_err(|_| OpenError::NotAToken)
    }
}

/// Exposure site: the only place the encryption key's bytes leave their `SecretBox`, to key a
/// cipher that lives for one call (the cipher zeroizes its copy when dropped).
fn cipher(key: &SecretBox<[u8; ENCRYPTION_KEY_LEN]>) -> ChaCha20Poly1305 {
    ChaCha20Poly1305::new(Key::from_slice(key.expose_secret()))
}

/// `label || len(key id) || key id || context`, so neither the key id nor the context can be
/// shifted into the other.
fn associated_data(key_id: &str, context: &[u8]) -> Vec<u8> {
    let mut aad = Vec::with_capacity(
        AD_LABEL
            .len()
            .saturating_add(1)
            .saturating_add(key_id.len())
            .saturating_add(context.len()),
    );
    aad.extend_from_slice(AD_LABEL);
    // Key ids are at most MAX_KEY_ID_LEN (32) bytes, so the length fits in one byte.
    aad.push(u8::try_from(key_id.len()).unwrap_or(u8::MAX));
    aad.extend_from_slice(key_id.as_bytes());
    aad.extend_from_slice(context);
    aad
}

/// A token sealed by an [`EncryptionKey`]: the key id, the nonce and the ciphertext (with its
/// 16-byte tag). None of it is secret; it is what a database stores.
#[derive(Clone, PartialEq, Eq)]
pub struct SealedToken {
    key_id: String,
    nonce: [u8; NONCE_LEN],
    ciphertext: Vec<u8>,
}

impl fmt::Debug for SealedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SealedToken")
            .field("key_id", &self.key_id)
            .field("ciphertext_len", &self.ciphertext.len())
            .finish_non_exhaustive()
    }
}

impl SealedToken {
    /// Rebuilds a sealed token from stored columns. Fails only on a nonce of the wrong
    /// length; whether the rest is authentic is checked by [`EncryptionKey::open`].
    pub fn from_parts(
        key_id: impl Into<String>,
        nonce: &[u8],
        ciphertext: Vec<u8>,
    ) -> Result<Self, OpenError> {
        let nonce: [u8; NONCE_LEN] = nonce
            .try_into()
            .map_err(|_| OpenError::BadNonce { len: nonce.len() })?;
        Ok(Self {
            key_id: key_id.into(),
            nonce,
            ciphertext,
        })
    }

    /// The id of the key that sealed it.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// The 96-bit nonce.
    pub fn nonce(&self) -> &[u8; NONCE_LEN] {
        &self.nonce
    }

    /// The ciphertext followed by the 16-byte authentication tag.
    pub fn ciphertext(&self) -> &[u8] {
        &self.ciphertext
    }
}

/// The key that signs a public app's short-lived cookies (the install flow's state cookie).
///
/// HMAC-SHA256. It has no `Display` and no `Serialize`; `Debug` prints `CookieKey([REDACTED])`.
/// Cloning shares one zeroizing buffer.
#[derive(Clone)]
pub struct CookieKey {
    secret: Arc<SecretString>,
}

impl fmt::Debug for CookieKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CookieKey([REDACTED])")
    }
}

impl CookieKey {
    /// A key from at least [`MIN_COOKIE_KEY_LEN`] characters of visible ASCII.
    pub fn new(secret: impl Into<String>) -> Result<Self, KeyError> {
        let secret = Zeroizing::new(secret.into());
        if secret.len() < MIN_COOKIE_KEY_LEN || !secret.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(KeyError::WeakCookieKey);
        }
        Ok(Self {
            secret: Arc::new(SecretString::from(secret.as_str())),
        })
    }

    /// Reads a cookie key from the environment variable `var`. Errors name the variable only.
    pub fn from_env_var(var: &str) -> Result<Self, KeyError> {
        match std::env::var(var) {
            Ok(value) => Self::new(value),
            Err(_) => Err(KeyError::MissingVar { var: var.into() }),
        }
    }

    /// A fresh random key (256 bits, base64url) from the operating system's random source.
    /// Cookies it signed stop verifying when the process restarts.
    pub fn generate() -> Result<Self, KeyError> {
        let mut bytes = Zeroizing::new([0u8; 32]);
        rand::rngs::OsRng
            .try_fill_bytes(&mut bytes[..])
            .map_err(|_| KeyError::Random)?;
        let mut text = Zeroizing::new(String::with_capacity(43));
        URL_SAFE_NO_PAD.encode_string(&bytes[..], &mut text);
        Ok(Self {
            secret: Arc::new(SecretString::from(text.as_str())),
        })
    }

    /// The lowercase hex HMAC-SHA256 of `message`.
    pub fn sign(&self, message: &[u8]) -> String {
        match keyed_mac::<Hmac<Sha256>>(&self.secret) {
            Some(mut mac) => {
                mac.update(message);
                to_hex(&mac.finalize().into_bytes())
            }
            None => String::new(),
        }
    }

    /// Whether `tag` (64 hex digits) is the HMAC-SHA256 of `message`, compared in constant
    /// time.
    pub fn verify(&self, message: &[u8], tag: &str) -> bool {
        let Some(expected) = decode_hex32(tag.as_bytes()) else {
            return false;
        };
        match keyed_mac::<Hmac<Sha256>>(&self.secret) {
            Some(mut mac) => {
                mac.update(message);
                mac.verify_slice(&expected).is_ok()
            }
            None => false,
        }
    }
}

fn decode_hex32(hex: &[u8]) -> Option<[u8; 32]> {
    if hex.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (byte, pair) in out.iter_mut().zip(hex.chunks_exact(2)) {
        if let [hi, lo] = pair {
            let hi = u8::try_from(char::from(*hi).to_digit(16)?).ok()?;
            let lo = u8::try_from(char::from(*lo).to_digit(16)?).ok()?;
            *byte = hi.checked_mul(16)? | lo;
        }
    }
    Some(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn token() -> OAuthToken {
        OAuthToken::new("dG9rOnNlYWxlZF90b2tlbl8x").unwrap()
    }

    #[test]
    fn round_trip_and_failures() {
        let key = EncryptionKey::generate("k1").unwrap();
        let sealed = key.seal(&token(), b"ws_a").unwrap();
        assert_eq!(sealed.key_id(), "k1");
        assert!(!sealed.ciphertext().windows(8).any(|w| w == b"dG9rOnNl"));
        let opened = key.open(&sealed, b"ws_a").unwrap();
        assert_eq!(*opened.reveal_for_storage(), *token().reveal_for_storage());
        // Another workspace's context.
        assert!(matches!(
            key.open(&sealed, b"ws_b"),
            Err(OpenError::Authentication)
        ));
        // Another key under the same id.
        let other = EncryptionKey::generate("k1").unwrap();
        assert!(matches!(
            other.open(&sealed, b"ws_a"),
            Err(OpenError::Authentication)
        ));
        // Another key id.
        let k2 = EncryptionKey::generate("k2").unwrap();
        assert!(matches!(
            k2.open(&sealed, b"ws_a"),
            Err(OpenError::WrongKeyId { .. })
        ));
        // Every flipped ciphertext bit fails.
        for i in 0..sealed.ciphertext().len() {
            let mut bytes = sealed.ciphertext().to_vec();
            bytes[i] ^= 1;
            let tampered = SealedToken::from_parts("k1", sealed.nonce(), bytes).unwrap();
            assert!(matches!(
                key.open(&tampered, b"ws_a"),
                Err(OpenError::Authentication)
            ));
        }
        // Nonces are fresh.
        let again = key.seal(&token(), b"ws_a").unwrap();
        assert_ne!(again.nonce(), sealed.nonce());
    }

    #[test]
    fn key_parsing_never_echoes_the_value() {
        let material = STANDARD.encode([7u8; 32]);
        let key = EncryptionKey::parse(format!("prod-2026.1:{material}")).unwrap();
        assert_eq!(key.id(), "prod-2026.1");
        assert!(!format!("{key:?}").contains(&material));
        assert_eq!(
            EncryptionKey::parse(material.clone()).unwrap_err(),
            KeyError::MissingKeyId
        );
        assert_eq!(
            EncryptionKey::parse(format!("bad id:{material}")).unwrap_err(),
            KeyError::InvalidKeyId
        );
        let short = STANDARD.encode([7u8; 31]);
        let err = EncryptionKey::parse(format!("k:{short}")).unwrap_err();
        assert_eq!(err, KeyError::InvalidKeyMaterial);
        assert!(!err.to_string().contains(&short));
        let url = URL_SAFE_NO_PAD.encode([0xfbu8; 32]);
        assert!(EncryptionKey::parse(format!("k:{url}")).is_ok());
        let err = EncryptionKey::from_env_var("INTERCOM_RS_SURELY_UNSET_KEY_VAR").unwrap_err();
        assert!(err.to_string().contains("INTERCOM_RS_SURELY_UNSET_KEY_VAR"));
    }

    #[test]
    fn cookie_key_signs_and_verifies() {
        let key = CookieKey::generate().unwrap();
        assert_eq!(format!("{key:?}"), "CookieKey([REDACTED])");
        let tag = key.sign(b"message");
        assert!(key.verify(b"message", &tag));
        assert!(key.verify(b"message", &tag.to_uppercase()));
        assert!(!key.verify(b"messagf", &tag));
        assert!(!key.verify(b"message", &tag[..63]));
        assert!(!CookieKey::generate().unwrap().verify(b"message", &tag));
        assert_eq!(
            CookieKey::new("short").unwrap_err(),
            KeyError::WeakCookieKey
        );
        assert!(CookieKey::new("x".repeat(32)).is_ok());
        assert!(CookieKey::new(format!("{} ", "x".repeat(32))).is_err());
    }
}
