//! Token types, authentication typestate, OAuth helpers and webhook signatures for the
//! Intercom REST API.
//!
//! This crate is the bottom of the intercom-rs stack: it performs no I/O and knows nothing
//! about HTTP beyond the [`http::HeaderValue`] it produces for the `Authorization` header.
//!
//! # Tokens
//!
//! * [`AccessToken`]: the token of a private app (Developer Hub → Configure → Authentication).
//! * [`OAuthToken`]: the token a public app receives from the OAuth code exchange.
//!
//! Both are validated against RFC 6750's `b64token` grammar when built, live in
//! [`secrecy::SecretString`] (zeroized when the last clone is dropped), never implement
//! `Display` or `Serialize`, and print as `AccessToken([REDACTED])` in `Debug`.
//!
//! ```
//! use intercom_auth_types::AccessToken;
//!
//! let token = AccessToken::new("dG9rOjEyMzQ1Njc4OTA=").expect("valid token");
//! assert_eq!(format!("{token:?}"), "AccessToken([REDACTED])");
//! assert!(AccessToken::new("has space").is_err());
//! ```
//!
//! # Typestate
//!
//! The markers [`Unauthenticated`], [`Private`] and [`OAuth`] implement the sealed
//! [`AuthState`] trait; only [`Private`] and [`OAuth`] implement [`Authenticated`]. The
//! transport's `Client<A>` can send requests only when `A: Authenticated`, so forgetting to
//! attach a token is a compile error rather than a 401.
//!
//! # OAuth, webhooks, identity verification
//!
//! * [`OAuthApp`] builds the authorize URL with a fresh [`CsrfState`], checks the callback
//!   ([`CsrfState::verify_callback`], constant-time) and prepares the code exchange
//!   ([`OAuthApp::token_request`], [`parse_token_response`]); the transport sends it.
//! * [`verify_notification`] checks `X-Hub-Signature` (HMAC-SHA1 of the raw body, keyed with
//!   the [`ClientSecret`]) and returns the typed [`Notification`]; [`verify_body_signature`]
//!   checks Canvas Kit's `X-Body-Signature` (HMAC-SHA256).
//! * [`user_hash`] computes the Messenger identity-verification hash.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(not(test), deny(clippy::arithmetic_side_effects))]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod header;
mod identity;
mod oauth;
mod proxy;
mod sealing;
mod secret;
mod state;
mod token;
mod webhook;

pub use header::Authorization;
pub use identity::{user_hash, IdentitySecret};
pub use oauth::{
    parse_token_response, AuthorizationCode, CallbackError, ClientSecret, CsrfState, ExchangeError,
    MalformedCallback, OAuthApp, OAuthAppError, OAuthErrorDetail, TokenRequest,
    DEFAULT_AUTHORIZE_BASE, FORM_CONTENT_TYPE, TOKEN_PATH, UNINSTALL_PATH,
};
pub use proxy::{
    ProxyAuthorization, ProxyCredentials, ProxyCredentialsError, MAX_PROXY_CREDENTIAL_LEN,
};
pub use sealing::{
    CookieKey, EncryptionKey, KeyError, OpenError, SealError, SealedToken, ENCRYPTION_KEY_LEN,
    MAX_KEY_ID_LEN, MIN_COOKIE_KEY_LEN, NONCE_LEN,
};
pub use secret::{Alphabet, ForbiddenByte, SecretError, MAX_TOKEN_LEN};
pub use state::{AuthState, Authenticated, OAuth, Private, Unauthenticated};
pub use token::{AccessToken, EnvTokenError, OAuthToken, TokenError, ACCESS_TOKEN_ENV};
pub use webhook::{
    sign_body_signature, sign_hub_signature, verify_body_signature, verify_hub_signature,
    verify_notification, Notification, WebhookError, BODY_SIGNATURE_HEADER, HUB_SIGNATURE_HEADER,
};

/// Re-exported so users can name the secret types without adding `secrecy` themselves.
pub use secrecy;
