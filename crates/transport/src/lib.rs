//! The HTTP layer of intercom-rs: a typestate [`Client`] over a replaceable [`Transport`].
//!
//! A request goes through one pipeline, whatever transport carries it:
//!
//! 1. **build**: the [`ApiRequest`] (method, path template, encoded path, query, JSON body and
//!    [`RequestOptions`]) becomes an `http::Request` for the configured base URL, with
//!    `Accept`, `Intercom-Version`, `User-Agent` and, for JSON bodies, `Content-Type`;
//! 2. **authorize**: the client's `Authorization: Bearer …` header (built once, marked
//!    sensitive) is attached — only a `Client<Private>` or `Client<OAuth>` can get here;
//! 3. **attempt loop**: the [`RateLimiter`] is consulted, the request is handed to the
//!    [`Transport`] under the per-attempt timeout, the body is read under the size cap, and
//!    retryable failures are retried with full-jitter backoff (or after `Retry-After` /
//!    `X-RateLimit-Reset` for 429), never past the total deadline;
//! 4. **decode**: 2xx bodies become your type (decode errors carry the serde path and an
//!    excerpt); other statuses become a typed [`ApiError`].
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use intercom_auth_types::AccessToken;
//! use intercom_transport::{ApiRequest, Client, Region};
//!
//! let client = Client::builder()
//!     .region(Region::Eu)
//!     .build()?
//!     .with_access_token(AccessToken::from_env()?);
//! let me: serde_json::Value = client.send(ApiRequest::get("/me")).await?;
//! println!("{}", me["email"]);
//! # Ok(())
//! # }
//! ```
//!
//! Sending from a `Client<Unauthenticated>` does not compile:
//!
//! ```compile_fail
//! # async fn demo() {
//! use intercom_transport::{ApiRequest, Client};
//! let client = Client::builder().build().unwrap();
//! let _ = client.execute(ApiRequest::get("/me")).await;
//! # }
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(not(test), deny(clippy::arithmetic_side_effects))]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod base_url;
mod builder;
mod client;
mod clock;
mod config;
mod error;
mod hyper_transport;
mod oauth;
mod pipeline;
mod proxy;
mod ratelimit;
mod request;
#[cfg(feature = "reqwest")]
mod reqwest_transport;
mod response;
mod retry;
mod service;
mod tls;
mod transport;
mod url_text;

pub use builder::ClientBuilder;
pub use client::Client;
pub use config::{
    IntercomVersion, InvalidVersion, Region, RetryConfig, Timeouts, DEFAULT_INTERCOM_VERSION,
    DEFAULT_MAX_BODY_BYTES, USER_AGENT,
};
pub use error::{
    is_unsafe_for_terminal, terminal_safe, terminal_safe_lines, ApiError, ConfigError, DecodeError,
    Error, ErrorCode, ErrorItem, TimeoutPhase,
};
pub use hyper_transport::{HttpVersion, HyperTransport, HyperTransportBuilder};
pub use ratelimit::{InProcessLimiter, LimiterError, RateLimit, RateLimiter, MAX_RESET_AHEAD};
pub use request::{encode_path_segment, ApiRequest, RequestOptions};
#[cfg(feature = "reqwest")]
pub use reqwest_transport::{ReqwestTransport, ReqwestTransportBuilder};
pub use response::{RawResponse, Response};
pub use service::{ServiceFuture, ServiceTransport};
pub use tls::{BuiltInRoots, ClientIdentity};
pub use transport::{Body, BoxError, Transport, TransportError, TransportErrorKind};
pub use url_text::redact_url_userinfo;

pub use intercom_auth_types as auth;
