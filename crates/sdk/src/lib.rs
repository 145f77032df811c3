//! **intercom-sdk**: a Rust toolkit for Intercom's REST API, in one dependency.
//!
//! * [`auth`]: tokens ([`AccessToken`], [`OAuthToken`]), the auth typestate, the OAuth install
//!   flow's pieces (state, code exchange) and webhook signature checks. Tokens never print and
//!   are zeroized on drop.
//! * [`transport`]: the [`Client`], its request pipeline (retries, rate limits, deadlines,
//!   redirects, body limits) and the replaceable [`Transport`] trait.
//! * [`resources`]: every operation of API 2.16, typed and generated from the official
//!   OpenAPI description.
//!
//! ```no_run
//! use intercom_sdk::prelude::*;
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let client = Client::builder()
//!     .region(Region::Us)
//!     .build()?
//!     .with_access_token(AccessToken::from_env()?);
//! // Typed: `GET /me` decodes into `models::AdminWithApp`.
//! let me = client.admins().me().await?;
//! println!("{}", me.email.as_deref().unwrap_or("-"));
//! // Any path, untyped, through the same pipeline:
//! let raw: serde_json::Value = client.send(ApiRequest::get("/me")).await?;
//! # let _ = raw;
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(not(test), deny(clippy::arithmetic_side_effects))]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub use intercom_auth_types as auth;
pub use intercom_resources as resources;
pub use intercom_transport as transport;

pub use intercom_auth_types::{
    AccessToken, AuthState, Authenticated, OAuth, OAuthToken, Private, Unauthenticated,
};
pub use intercom_transport::{
    ApiError, ApiRequest, Client, ClientBuilder, Error, ErrorCode, IntercomVersion, RateLimit,
    RawResponse, Region, RequestOptions, Response, RetryConfig, Timeouts, Transport,
};

/// Everything a typical program needs: `use intercom_sdk::prelude::*;`.
pub mod prelude {
    pub use intercom_auth_types::{AccessToken, OAuth, OAuthToken, Private};
    pub use intercom_resources::{models, IntercomApi};
    pub use intercom_transport::{
        ApiRequest, Client, Error, IntercomVersion, Region, RequestOptions,
    };
}
