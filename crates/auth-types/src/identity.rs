//! Messenger identity verification: the `user_hash` HMAC.

use hmac::Hmac;
use sha2::Sha256;

use crate::secret::secret_newtype;
use crate::webhook::hmac_hex;

secret_newtype!(
    /// A Messenger identity-verification secret (Settings → Security → Messenger; web, iOS
    /// and Android each have their own).
    ///
    /// It is not the OAuth client secret: it keys [`user_hash`] only.
    IdentitySecret,
    "identity verification secret",
    visible
);

/// The Messenger `user_hash` for a user: lowercase hex HMAC-SHA256 of `user_id_or_email`
/// keyed with the identity-verification secret.
///
/// Pass the user's `user_id` when it has one (it takes precedence), otherwise their email,
/// byte for byte as given to the Messenger: no trimming or case folding is applied. The result
/// is meant for the browser or app of that user. Intercom marks this scheme deprecated in
/// favour of a Messenger JWT signed with the same secret.
///
/// ```
/// use intercom_auth_types::{user_hash, IdentitySecret};
///
/// let secret = IdentitySecret::new("identity-secret").expect("valid secret");
/// let hash = user_hash(&secret, "user-42");
/// assert_eq!(hash.len(), 64);
/// assert!(hash.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
/// ```
pub fn user_hash(secret: &IdentitySecret, user_id_or_email: &str) -> String {
    hmac_hex::<Hmac<Sha256>>(secret.secret(), user_id_or_email.as_bytes())
}
