//! Building blocks for an Intercom **public app**: an app installed by many workspaces, each
//! granting it an OAuth token.
//!
//! * [`TokenStore`]: one token per workspace (Intercom app id) with its install metadata,
//!   **sealed at rest** with ChaCha20-Poly1305 under a [`Keyring`]: a random nonce per record,
//!   the workspace id and key id authenticated with it (a record copied to another row fails
//!   to open), and key ids so keys can rotate ([`TokenStore::rotate_key`]). A wrong key is a
//!   typed error ([`StoreError::Open`], [`StoreError::UnknownKey`]), never garbage.
//! * [`SqlTokenStore`]: the store on SQLite (a file; the embedded default) or PostgreSQL (for
//!   a fleet of servers), through sqlx, with its migrations shipped in the crate.
//! * [`Clients`]: the tenant pool. [`Clients::for_workspace`] gives the workspace's client
//!   from its stored token; all tenants share one transport and connection pool, each token
//!   has its own rate limiter, and a 401 marks the token revoked ([`TenantError::Revoked`]).
//! * [`SpentStates`]: the install states already used, so a replayed OAuth callback is
//!   refused: [`MemorySpentStates`] in one process, or [`SqlTokenStore`]'s table for a fleet
//!   of servers sharing a database.
//! * [`who_am_i`] and [`log_in_with_intercom`]: the admin and workspace behind a token; the
//!   login helper refuses an admin whose email Intercom has not verified.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use intercom_app::{Clients, InstallMetadata, Keyring, SqlTokenStore, TokenStore};
//! use intercom_auth_types::{EncryptionKey, OAuthToken};
//! use intercom_transport::{ApiRequest, Client};
//!
//! let key = EncryptionKey::from_env_var("INTERCOM_APP_ENCRYPTION_KEY")?;
//! let store = Arc::new(SqlTokenStore::sqlite("tokens.db", Keyring::new(key)).await?);
//! # let token = OAuthToken::new("dG9rOjE=")?;
//! store.put("abc123", &token, &InstallMetadata::now(None, Some("US".into()))).await?;
//!
//! let clients = Clients::new(Client::builder().build()?, store);
//! let tenant = clients.for_workspace("abc123").await?;
//! let me: serde_json::Value = tenant.send(ApiRequest::get("/me")).await?;
//! # let _ = me;
//! # Ok(())
//! # }
//! ```
//!
//! The `intercom-axum` crate builds the install, webhook and uninstall routes on top of this.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(not(test), deny(clippy::arithmetic_side_effects))]

mod clients;
mod identity;
mod replay;
mod sql;
mod store;

pub use clients::{Clients, Tenant, TenantError};
pub use identity::{log_in_with_intercom, who_am_i, AdminIdentity, IdentityError};
pub use replay::{MemorySpentStates, SpentStates};
pub use sql::{SqlTokenStore, SCHEMA_VERSION};
pub use store::{InstallMetadata, Installation, Keyring, StoreError, StoredToken, TokenStore};
