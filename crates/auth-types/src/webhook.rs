//! Webhook notifications (`X-Hub-Signature`) and Canvas Kit requests (`X-Body-Signature`):
//! HMAC verification over the raw body, keyed with the app's client secret.

use hmac::digest::KeyInit;
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use sha1::Sha1;
use sha2::Sha256;

use crate::ClientSecret;

/// The header carrying a webhook notification's signature, `sha1=<40 hex digits>`
/// (lowercase, as [`http::HeaderName`] spells it).
pub const HUB_SIGNATURE_HEADER: &str = "x-hub-signature";

/// The header carrying a Canvas Kit request's signature, `<64 hex digits>`
/// (lowercase, as [`http::HeaderName`] spells it).
pub const BODY_SIGNATURE_HEADER: &str = "x-body-signature";

const HUB_PREFIX: &[u8] = b"sha1=";
const BODY_PREFIX: &[u8] = b"sha256=";

/// Why a signed request was refused. Never contains the secret, the expected signature or the
/// body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// The signature header is absent or blank (pass `""` when the header is missing).
    #[error("the request has no signature header (X-Hub-Signature or X-Body-Signature)")]
    Missing,
    /// `X-Hub-Signature` does not start with `sha1=`.
    #[error("the X-Hub-Signature header must have the form `sha1=<40 hexadecimal digits>`")]
    MissingPrefix,
    /// The signature is not the expected number of hexadecimal digits.
    #[error("the signature must be exactly {expected_digits} hexadecimal digits")]
    BadHex {
        /// 40 for `X-Hub-Signature` (HMAC-SHA1), 64 for `X-Body-Signature` (HMAC-SHA256).
        expected_digits: usize,
    },
    /// Well-formed, but not the HMAC of this body under this secret.
    #[error(
        "the signature does not match the body: the body was altered or re-encoded before \
         verification, or it was signed with another secret (Intercom signs with the app's \
         client_secret)"
    )]
    Mismatch,
    /// The signature is valid but the body is not a notification envelope.
    #[error(
        "the signed body is not an Intercom notification envelope (JSON error at line {line}, \
         column {column})"
    )]
    InvalidJson {
        /// Line of the JSON error (1-based).
        line: usize,
        /// Column of the JSON error (1-based).
        column: usize,
    },
}

/// A verified webhook notification's envelope.
///
/// Only [`verify_notification`] builds one, so holding a `Notification` means its signature
/// was checked. Intercom retries deliveries that were not answered with 200 within 5 seconds
/// and does not guarantee order: deduplicate on [`id`](Self::id) and order by
/// [`created_at`](Self::created_at).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Notification {
    /// The envelope's `type`, `notification_event`.
    pub kind: String,
    /// The workspace the notification is about.
    pub app_id: String,
    /// The notification id (`notif_…`), the same across redeliveries.
    pub id: String,
    /// The topic, e.g. `conversation.user.created` or `ping`.
    pub topic: String,
    /// When the event happened, in Unix seconds.
    pub created_at: i64,
    /// How many times this notification has been sent, when given.
    pub delivery_attempts: Option<u32>,
    /// When it was first sent, in Unix seconds, when given.
    pub first_sent_at: Option<i64>,
    /// `data.item`: the object the topic is about (`Null` when absent).
    pub item: serde_json::Value,
}

impl Notification {
    /// Deserializes [`item`](Self::item) into `T`, typically the model matching
    /// [`topic`](Self::topic).
    pub fn item_as<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        T::deserialize(&self.item)
    }
}

#[derive(Deserialize)]
struct RawNotification {
    #[serde(rename = "type")]
    kind: String,
    app_id: String,
    id: String,
    topic: String,
    created_at: i64,
    #[serde(default)]
    delivery_attempts: Option<u32>,
    #[serde(default)]
    first_sent_at: Option<i64>,
    #[serde(default)]
    data: Option<RawData>,
}

#[derive(Deserialize)]
struct RawData {
    #[serde(default)]
    item: serde_json::Value,
}

/// Verifies a webhook notification and reads its envelope.
///
/// `signature` is the `X-Hub-Signature` header value (`""` if the header is missing) and
/// `body` the request body exactly as received: the HMAC-SHA1 of those bytes keyed with the
/// client secret must match, compared in constant time. The prefix `sha1=` is required (its
/// letters in any case), the 40 hex digits may be upper or lower case, and surrounding
/// whitespace is ignored. The body is parsed only after the signature matched.
///
/// ```
/// use intercom_auth_types::{sign_hub_signature, verify_notification, ClientSecret};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let secret = ClientSecret::new("my-client-secret")?;
/// let body = br#"{"type":"notification_event","app_id":"abc123","id":"notif_1","topic":"ping","created_at":1715937890,"data":{"item":{"type":"ping","message":"hi"}}}"#;
/// let header = sign_hub_signature(&secret, body); // what Intercom sends
/// let notification = verify_notification(&secret, &header, body)?;
/// assert_eq!(notification.topic, "ping");
/// assert!(verify_notification(&secret, &header, b"{}").is_err());
/// # Ok(())
/// # }
/// ```
pub fn verify_notification(
    secret: &ClientSecret,
    signature: impl AsRef<[u8]>,
    body: &[u8],
) -> Result<Notification, WebhookError> {
    verify_hub_signature(secret, signature, body)?;
    let raw: RawNotification =
        serde_json::from_slice(body).map_err(|e| WebhookError::InvalidJson {
            line: e.line(),
            column: e.column(),
        })?;
    Ok(Notification {
        kind: raw.kind,
        app_id: raw.app_id,
        id: raw.id,
        topic: raw.topic,
        created_at: raw.created_at,
        delivery_attempts: raw.delivery_attempts,
        first_sent_at: raw.first_sent_at,
        item: raw.data.map(|d| d.item).unwrap_or_default(),
    })
}

/// Verifies `X-Hub-Signature` (`sha1=<hex>`, HMAC-SHA1 of the raw body keyed with the client
/// secret) without parsing the body. Same rules as [`verify_notification`].
pub fn verify_hub_signature(
    secret: &ClientSecret,
    signature: impl AsRef<[u8]>,
    body: &[u8],
) -> Result<(), WebhookError> {
    let signature = signature.as_ref().trim_ascii();
    if signature.is_empty() {
        return Err(WebhookError::Missing);
    }
    let hex = strip_prefix_ignore_case(signature, HUB_PREFIX).ok_or(WebhookError::MissingPrefix)?;
    verify_mac::<Hmac<Sha1>, 20>(secret.secret(), hex, body)
}

/// Verifies a Canvas Kit request's `X-Body-Signature`: the hex HMAC-SHA256 of the raw body
/// keyed with the client secret, compared in constant time.
///
/// Intercom documents a bare hex digest (64 digits, either case). A `sha256=` prefix is also
/// tolerated, in case the header ever adopts the `X-Hub-Signature` style: accepting it cannot
/// make a wrong digest pass. Any other prefix fails as [`WebhookError::BadHex`].
pub fn verify_body_signature(
    secret: &ClientSecret,
    signature: impl AsRef<[u8]>,
    body: &[u8],
) -> Result<(), WebhookError> {
    let signature = signature.as_ref().trim_ascii();
    if signature.is_empty() {
        return Err(WebhookError::Missing);
    }
    let hex = strip_prefix_ignore_case(signature, BODY_PREFIX).unwrap_or(signature);
    verify_mac::<Hmac<Sha256>, 32>(secret.secret(), hex, body)
}

/// The `X-Hub-Signature` value Intercom would send for `body`: `sha1=` and 40 lowercase hex
/// digits. For tests and sandboxes that play Intercom's part.
pub fn sign_hub_signature(secret: &ClientSecret, body: &[u8]) -> String {
    let mut out = String::from("sha1=");
    out.push_str(&hmac_hex::<Hmac<Sha1>>(secret.secret(), body));
    out
}

/// The `X-Body-Signature` value Intercom would send for `body`: 64 lowercase hex digits,
/// without prefix. For tests and sandboxes that play Intercom's part.
pub fn sign_body_signature(secret: &ClientSecret, body: &[u8]) -> String {
    hmac_hex::<Hmac<Sha256>>(secret.secret(), body)
}

/// Exposure site: the only place an HMAC key (the client secret, or the identity-verification
/// secret for [`user_hash`](crate::user_hash)) leaves its `SecretString`.
///
/// HMAC accepts keys of any length, so this never returns `None` in practice; callers treat
/// `None` as a failed verification (or an empty digest), never as success.
pub(crate) fn keyed_mac<M: Mac + KeyInit>(key: &SecretString) -> Option<M> {
    <M as KeyInit>::new_from_slice(key.expose_secret().as_bytes()).ok()
}

/// Lowercase hex HMAC of `message`; empty if the MAC could not be keyed (which HMAC never
/// refuses).
pub(crate) fn hmac_hex<M: Mac + KeyInit>(key: &SecretString, message: &[u8]) -> String {
    match keyed_mac::<M>(key) {
        Some(mut mac) => {
            mac.update(message);
            to_hex(&mac.finalize().into_bytes())
        }
        None => String::new(),
    }
}

fn verify_mac<M: Mac + KeyInit, const N: usize>(
    key: &SecretString,
    hex: &[u8],
    body: &[u8],
) -> Result<(), WebhookError> {
    let expected = decode_hex::<N>(hex).ok_or(WebhookError::BadHex {
        expected_digits: N.saturating_mul(2),
    })?;
    let mut mac = keyed_mac::<M>(key).ok_or(WebhookError::Mismatch)?;
    mac.update(body);
    // `verify_slice` compares in constant time (subtle).
    mac.verify_slice(&expected)
        .map_err(|_| WebhookError::Mismatch)
}

fn strip_prefix_ignore_case<'a>(value: &'a [u8], prefix: &[u8]) -> Option<&'a [u8]> {
    if value.len() >= prefix.len() && value[..prefix.len()].eq_ignore_ascii_case(prefix) {
        Some(&value[prefix.len()..])
    } else {
        None
    }
}

/// Exactly `2 * N` hex digits, either case.
fn decode_hex<const N: usize>(hex: &[u8]) -> Option<[u8; N]> {
    if hex.len() != N.saturating_mul(2) {
        return None;
    }
    let mut out = [0u8; N];
    for (byte, pair) in out.iter_mut().zip(hex.chunks_exact(2)) {
        if let [hi, lo] = pair {
            *byte = (nibble(*hi)? << 4) | nibble(*lo)?;
        }
    }
    Some(out)
}

fn nibble(digit: u8) -> Option<u8> {
    match digit {
        // `checked_*` only to satisfy the lint: each match arm bounds `digit`.
        b'0'..=b'9' => digit.checked_sub(b'0'),
        b'a'..=b'f' => digit.checked_sub(b'a')?.checked_add(10),
        b'A'..=b'F' => digit.checked_sub(b'A')?.checked_add(10),
        _ => None,
    }
}

pub(crate) fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len().saturating_mul(2));
    for &b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trip_and_rejections() {
        let bytes: [u8; 4] = [0x00, 0x7f, 0xab, 0xff];
        assert_eq!(to_hex(&bytes), "007fabff");
        assert_eq!(decode_hex::<4>(b"007FaBfF"), Some(bytes));
        assert_eq!(decode_hex::<4>(b"007fabf"), None);
        assert_eq!(decode_hex::<4>(b"007fabfg"), None);
        assert_eq!(decode_hex::<4>(b"+07fabff"), None);
    }

    #[test]
    fn keys_of_every_length_are_accepted() {
        for len in 1..=300 {
            let key = SecretString::from("k".repeat(len));
            assert!(keyed_mac::<Hmac<Sha1>>(&key).is_some());
            assert!(keyed_mac::<Hmac<Sha256>>(&key).is_some());
        }
    }
}
