//! Test doubles for code built on intercom-rs.
//!
//! [`MockTransport`] implements [`intercom_transport::Transport`] in memory: hand it to
//! `Client::builder().transport(..)` and every request the client (or the SDK on top of it)
//! makes is matched against [`Expect`]ations, answered with scripted [`Reply`]s (statuses,
//! headers, JSON, delays, slow or broken bodies) or failures below HTTP, and recorded. At the
//! end, [`MockTransport::assert_all_met`] fails the test when an expectation was not met or a
//! request was unexpected. Authentication, retries, rate limiting and decoding all run above
//! the transport, so they are exercised exactly as in production.
//!
//! ```
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use intercom_test::{Expect, MockTransport, Reply};
//! use intercom_transport::auth::AccessToken;
//! use intercom_transport::{ApiRequest, Client};
//! use serde_json::{json, Value};
//!
//! let mock = MockTransport::new();
//! mock.expect(
//!     Expect::get("/contacts")
//!         .query("per_page", "5")
//!         .replies([Reply::status(503), Reply::json(200, &json!({"type": "list", "data": []}))]),
//! );
//! let client = Client::builder()
//!     .base_url("https://api.intercom.test")
//!     .transport(mock.clone())
//!     .build()?
//!     .with_access_token(AccessToken::new("test-token")?);
//! let list: Value = client.send(ApiRequest::get("/contacts").query("per_page", 5)).await?;
//! assert_eq!(list["type"], "list");
//! mock.assert_all_met(); // the 503 was retried, then the list came
//! # Ok(())
//! # }
//! ```
//!
//! For a whole stateful Intercom stand-in over real HTTP, see the `intercom-sandbox` crate.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(not(test), deny(clippy::arithmetic_side_effects))]

mod expect;
mod mock;
mod reply;
mod request;

pub use expect::{Expect, Times};
pub use mock::{Exchange, MockTransport, Unmet};
pub use reply::{BodyEnd, Reply, ReplyBody, ReplyKind};
pub use request::{MockRequest, MockStep};
