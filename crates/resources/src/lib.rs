//! Every operation of the Intercom REST API 2.16, typed, generated from Intercom's OpenAPI
//! description, on top of [`intercom_transport`].
//!
//! Bring [`IntercomApi`] into scope and every authenticated
//! [`Client`](intercom_transport::Client) gains one accessor per tag of the spec:
//! `client.contacts()`, `client.conversations()`, `client.tickets()`, … Each returns a small
//! handle whose methods are the tag's operations, named after their `operationId`
//! (`client.contacts().get(id)`, `client.conversations().reply(id, &body)`).
//!
//! Each method returns a [`call::Call`] builder: required path parameters and the body are
//! its arguments, optional query parameters and per-request options are setters, `.await`
//! gives the value and `.with_response().await` the value with status, headers, request id
//! and rate limit: `client.contacts().get(id).include_merge_history(true).await?`.
//!
//! * [`models`]: one type per component schema. Decoding is lenient: response models keep
//!   fields they do not declare in `extra` (written back when serialized), enums are open
//!   (`Other(String)`), ids accept strings and numbers, timestamps accept Unix seconds and
//!   ISO 8601 ([`lenient::Timestamp`]).
//! * [`pagination`]: page and item streams for every paginated operation (`.pages()` and
//!   `.all()` on the call, or `list_pages`, `list_all`, `search_all`, … on the handle).
//! * [`search`]: a validated query builder for the contact, conversation and ticket searches.
//! * Per-request options (`Intercom-Version`, timeouts, retries): setters on any call
//!   (`.total_timeout(..)`, `.max_attempts(..)`, …), or `.with_options(..)` on a handle for
//!   all its calls.
//!
//! Everything under `generated/` is written by `cargo xtask codegen`; the rest is by hand.
//!
//! # Cargo features
//!
//! One feature per tag (`contacts`, `conversations`, `tickets`, `help_center`, …; the module
//! names), all on by default through `full`. With `default-features = false` and only the tags
//! you use, the crate and your build compile only the operations and models those tags need.
//!
//! # Examples
//!
//! List all contacts, following the cursor across pages:
//!
//! ```no_run
//! use futures::TryStreamExt;
//! use intercom_auth_types::AccessToken;
//! use intercom_resources::IntercomApi;
//! use intercom_transport::Client;
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let client = Client::builder().build()?.with_access_token(AccessToken::from_env()?);
//! let mut contacts = client.contacts().list().per_page(150).all();
//! while let Some(contact) = contacts.try_next().await? {
//!     println!("{:?} {:?}", contact.id, contact.email);
//! }
//! # Ok(())
//! # }
//! ```
//!
//! Search open conversations assigned to a team, created since a date:
//!
//! ```no_run
//! use futures::TryStreamExt;
//! use intercom_auth_types::AccessToken;
//! use intercom_resources::models::SearchRequest;
//! use intercom_resources::search::{ConversationField, Query};
//! use intercom_resources::IntercomApi;
//! use intercom_transport::Client;
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let client = Client::builder().build()?.with_access_token(AccessToken::from_env()?);
//! let query = Query::and([
//!     Query::eq(ConversationField::State, "open"),
//!     Query::eq(ConversationField::TeamAssigneeId, "5017691"),
//!     Query::gt(ConversationField::CreatedAt, 1_700_000_000),
//! ])
//! .build()?;
//! let body = SearchRequest::new(query);
//! let mut found = client.conversations().search_all(&body, &Default::default());
//! while let Some(conversation) = found.try_next().await? {
//!     println!("{:?}: {:?}", conversation.id, conversation.title);
//! }
//! # Ok(())
//! # }
//! ```
//!
//! Create a ticket for a contact:
//!
//! ```no_run
//! use intercom_auth_types::AccessToken;
//! use intercom_resources::models::{CreateTicketBody, CreateTicketRequestContactsItem};
//! use intercom_resources::IntercomApi;
//! use intercom_transport::Client;
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let client = Client::builder().build()?.with_access_token(AccessToken::from_env()?);
//! // Required fields are arguments of `new`, in the order the spec lists them.
//! let contact = CreateTicketRequestContactsItem::new().with_email("jane@example.com");
//! let body = CreateTicketBody::new("1234", vec![contact]);
//! let ticket = client.tickets().create(&body).await?;
//! println!("created ticket {:?}", ticket.id);
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(not(test), deny(clippy::arithmetic_side_effects))]
#![cfg_attr(docsrs, feature(doc_cfg))]
// With only some tag features on, helpers used by the others are unused.
#![cfg_attr(not(feature = "full"), allow(dead_code, unused_imports, unused_macros))]

pub mod call;
pub mod lenient;

mod constant;
mod extension;
mod group;
mod query;
mod redirect;

pub mod pagination;
pub mod search;

mod generated;
mod patch;

pub use generated::*;
pub use patch::Patch;
pub use redirect::Redirect;
