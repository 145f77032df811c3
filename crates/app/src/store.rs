//! The [`TokenStore`] trait, what it stores, and the [`Keyring`] that seals it.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use intercom_auth_types::{EncryptionKey, OAuthToken, OpenError, SealError, SealedToken};

/// What is known about an installation besides its token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstallMetadata {
    /// When the workspace installed the app, in Unix seconds.
    pub installed_at: i64,
    /// The id of the admin who installed it (`/me`'s `id`), when known.
    pub admin_id: Option<String>,
    /// The workspace's region (`/me`'s `app.region`, e.g. `US`, `EU`, `AU`), when known.
    pub region: Option<String>,
}

impl InstallMetadata {
    /// Metadata for an installation happening now.
    pub fn now(admin_id: Option<String>, region: Option<String>) -> Self {
        Self {
            installed_at: unix_now(),
            admin_id,
            region,
        }
    }
}

/// A stored installation with its decrypted token.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct StoredToken {
    /// The workspace (Intercom app id, `/me`'s `app.id_code`).
    pub workspace_id: String,
    /// The workspace's OAuth token.
    pub token: OAuthToken,
    /// When and by whom it was installed.
    pub metadata: InstallMetadata,
    /// When Intercom was seen refusing the token (401), in Unix seconds.
    pub revoked_at: Option<i64>,
    /// Increases each time the row is written; a revocation names the revision it saw, so a
    /// fresh reinstall is never marked revoked because of its predecessor's 401.
    pub revision: i64,
}

impl StoredToken {
    /// Whether Intercom was seen refusing this token.
    pub fn is_revoked(&self) -> bool {
        self.revoked_at.is_some()
    }
}

/// A stored installation, listed without decrypting its token.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Installation {
    /// The workspace (Intercom app id).
    pub workspace_id: String,
    /// When and by whom it was installed.
    pub metadata: InstallMetadata,
    /// The id of the key its token is sealed with.
    pub key_id: String,
    /// When Intercom was seen refusing the token, in Unix seconds.
    pub revoked_at: Option<i64>,
    /// The row's revision.
    pub revision: i64,
}

/// Why a store operation failed. Never holds a token or a key.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database failed (connection, SQL, constraint).
    #[error("token store database error: {0}")]
    Database(#[from] sqlx::Error),
    /// A migration failed.
    #[error("token store migration {version} failed: {source}")]
    Migration {
        /// The migration's version.
        version: i64,
        /// The database's error.
        source: sqlx::Error,
    },
    /// The database holds a schema newer than this crate knows.
    #[error("the token store's schema version {found} is newer than this build knows ({known})")]
    SchemaTooNew {
        /// The version found.
        found: i64,
        /// The newest version this build knows.
        known: i64,
    },
    /// A record is sealed with a key id the keyring does not hold.
    #[error("the token of workspace `{workspace_id}` is sealed with key `{key_id}`, which the keyring does not hold")]
    UnknownKey {
        /// The workspace.
        workspace_id: String,
        /// The key id stored with the record.
        key_id: String,
    },
    /// A record failed to open: a wrong key under the right id, a tampered record, or a
    /// record moved from another workspace's row.
    #[error("the token of workspace `{workspace_id}` could not be opened: {source}")]
    Open {
        /// The workspace.
        workspace_id: String,
        /// Why.
        source: OpenError,
    },
    /// A token could not be sealed.
    #[error("the token could not be sealed: {0}")]
    Seal(#[from] SealError),
    /// A stored row is malformed (for example a nonce of the wrong length).
    #[error("the row of workspace `{workspace_id}` is malformed: {reason}")]
    Corrupt {
        /// The workspace.
        workspace_id: String,
        /// What is wrong.
        reason: String,
    },
    /// A workspace id is empty, longer than 255 bytes, or has control characters.
    #[error("a workspace id must be 1 to 255 bytes without control characters")]
    InvalidWorkspaceId,
}

/// The keys a store seals and opens with: one current key, which seals every write, and
/// previous keys, which only open records not yet re-sealed by
/// [`TokenStore::rotate_key`].
#[derive(Clone)]
pub struct Keyring {
    current: EncryptionKey,
    previous: Vec<EncryptionKey>,
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keyring")
            .field("current", &self.current.id())
            .field(
                "previous",
                &self
                    .previous
                    .iter()
                    .map(EncryptionKey::id)
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl Keyring {
    /// A keyring sealing with `current`.
    pub fn new(current: EncryptionKey) -> Self {
        Self {
            current,
            previous: Vec::new(),
        }
    }

    /// Adds a previous key, still able to open records sealed with it.
    #[must_use]
    pub fn with_previous(mut self, key: EncryptionKey) -> Self {
        if key.id() != self.current.id() {
            self.previous.push(key);
        }
        self
    }

    /// The key every write is sealed with.
    pub fn current(&self) -> &EncryptionKey {
        &self.current
    }

    /// The key with id `key_id`, current or previous.
    pub fn key(&self, key_id: &str) -> Option<&EncryptionKey> {
        std::iter::once(&self.current)
            .chain(&self.previous)
            .find(|k| k.id() == key_id)
    }

    pub(crate) fn seal(
        &self,
        workspace_id: &str,
        token: &OAuthToken,
    ) -> Result<SealedToken, StoreError> {
        Ok(self.current.seal(token, workspace_id.as_bytes())?)
    }

    pub(crate) fn open(
        &self,
        workspace_id: &str,
        sealed: &SealedToken,
    ) -> Result<OAuthToken, StoreError> {
        let key = self
            .key(sealed.key_id())
            .ok_or_else(|| StoreError::UnknownKey {
                workspace_id: workspace_id.to_owned(),
                key_id: sealed.key_id().to_owned(),
            })?;
        key.open(sealed, workspace_id.as_bytes())
            .map_err(|source| StoreError::Open {
                workspace_id: workspace_id.to_owned(),
                source,
            })
    }
}

/// Where a public app keeps one OAuth token per installed workspace.
///
/// Implementations store tokens sealed by a [`Keyring`] (the database never sees a plaintext
/// token) and bind each record to its workspace id, so a record copied to another row fails
/// to open.
#[async_trait]
pub trait TokenStore: fmt::Debug + Send + Sync + 'static {
    /// Stores (or replaces) the token of `workspace_id`, clearing any revocation.
    async fn put(
        &self,
        workspace_id: &str,
        token: &OAuthToken,
        metadata: &InstallMetadata,
    ) -> Result<(), StoreError>;

    /// The token of `workspace_id`, decrypted, or `None` when there is none.
    async fn get(&self, workspace_id: &str) -> Result<Option<StoredToken>, StoreError>;

    /// Every installation, ordered by workspace id, without decrypting tokens.
    async fn list(&self) -> Result<Vec<Installation>, StoreError>;

    /// Deletes the token of `workspace_id`; says whether there was one.
    async fn delete(&self, workspace_id: &str) -> Result<bool, StoreError>;

    /// Marks the token of `workspace_id` as refused by Intercom, if the row is still at
    /// `revision`; says whether it marked it.
    async fn mark_revoked(&self, workspace_id: &str, revision: i64) -> Result<bool, StoreError>;

    /// Re-seals every record not sealed with the keyring's current key; returns how many.
    async fn rotate_key(&self) -> Result<usize, StoreError>;
}

pub(crate) fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .ok()
        .and_then(|d| i64::try_from(d.as_secs()).ok())
        .unwrap_or(0)
}

pub(crate) fn check_workspace_id(id: &str) -> Result<(), StoreError> {
    if id.is_empty() || id.len() > 255 || id.chars().any(char::is_control) {
        Err(StoreError::InvalidWorkspaceId)
    } else {
        Ok(())
    }
}
