//! [`SqlTokenStore`]: the [`TokenStore`] on SQLite (a file) or PostgreSQL, through sqlx.

use std::path::Path;
use std::time::Duration;

use async_trait::async_trait;
use intercom_auth_types::{OAuthToken, SealedToken};
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};
use sqlx::{Connection, Row};

use crate::replay::SpentStates;
use crate::store::{
    check_workspace_id, unix_now, InstallMetadata, Installation, Keyring, StoreError, StoredToken,
    TokenStore,
};

/// The migrations shipped in the crate, in order: `(version, SQLite text, PostgreSQL text)`.
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        include_str!("../migrations/sqlite/0001_tokens.sql"),
        include_str!("../migrations/postgres/0001_tokens.sql"),
    ),
    (
        2,
        include_str!("../migrations/sqlite/0002_spent_states.sql"),
        include_str!("../migrations/postgres/0002_spent_states.sql"),
    ),
];

/// The newest schema version this build knows.
pub const SCHEMA_VERSION: i64 = 2;

/// Spent install states are deleted this long after their expiry, so servers whose clocks
/// run ahead do not forget a state another server still accepts.
const SPENT_STATE_GRACE_SECS: i64 = 3600;

const VERSION_TABLE: &str =
    "CREATE TABLE IF NOT EXISTS intercom_app_schema (version BIGINT PRIMARY KEY NOT NULL)";

/// Serializes concurrent migrations of one PostgreSQL database (an arbitrary constant).
const PG_MIGRATION_LOCK: i64 = 0x1c7e_4c0a_a990_0001;

#[derive(Debug, Clone)]
enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs `$body` with `$pool` bound to whichever pool the store has; the SQL is written once,
/// with `$n` placeholders, which both SQLite and PostgreSQL accept.
macro_rules! with_pool {
    ($self:expr, $pool:ident => $body:expr) => {
        match &$self.pool {
            Pool::Sqlite($pool) => $body,
            Pool::Postgres($pool) => $body,
        }
    };
}

/// Runs the migrations not yet recorded on `$conn` (inside the caller's transaction), taking
/// the SQL text from field `$field` of each [`MIGRATIONS`] entry.
macro_rules! migrate_steps {
    ($conn:expr, $field:tt) => {
        async {
            sqlx::raw_sql(VERSION_TABLE).execute(&mut *$conn).await?;
            let current: Option<i64> =
                sqlx::query_scalar("SELECT MAX(version) FROM intercom_app_schema")
                    .fetch_one(&mut *$conn)
                    .await?;
            let current = current.unwrap_or(0);
            if current > SCHEMA_VERSION {
                return Err(StoreError::SchemaTooNew {
                    found: current,
                    known: SCHEMA_VERSION,
                });
            }
            for migration in MIGRATIONS.iter().filter(|m| m.0 > current) {
                let version = migration.0;
                sqlx::raw_sql(migration.$field)
                    .execute(&mut *$conn)
                    .await
                    .map_err(|source| StoreError::Migration { version, source })?;
                sqlx::query("INSERT INTO intercom_app_schema (version) VALUES ($1)")
                    .bind(version)
                    .execute(&mut *$conn)
                    .await?;
            }
            Ok::<_, StoreError>(())
        }
        .await
    };
}

/// Reads an [`Installation`] from a row of `intercom_app_tokens`.
macro_rules! installation {
    ($row:expr) => {
        Installation {
            workspace_id: $row.try_get("workspace_id")?,
            metadata: InstallMetadata {
                installed_at: $row.try_get("installed_at")?,
                admin_id: $row.try_get("admin_id")?,
                region: $row.try_get("region")?,
            },
            key_id: $row.try_get("key_id")?,
            revoked_at: $row.try_get("revoked_at")?,
            revision: $row.try_get("revision")?,
        }
    };
}

/// Reads the [`SealedToken`] columns of a row of `intercom_app_tokens`.
macro_rules! sealed {
    ($workspace_id:expr, $row:expr) => {{
        let key_id: String = $row.try_get("key_id")?;
        let nonce: Vec<u8> = $row.try_get("nonce")?;
        let ciphertext: Vec<u8> = $row.try_get("ciphertext")?;
        SealedToken::from_parts(key_id, &nonce, ciphertext).map_err(|e| StoreError::Corrupt {
            workspace_id: $workspace_id.to_owned(),
            reason: e.to_string(),
        })?
    }};
}

/// A [`TokenStore`] on SQLite or PostgreSQL. Tokens are sealed with the [`Keyring`]'s
/// current key before they reach the database.
///
/// Opening a store runs the shipped migrations (a version table records which ran; on
/// PostgreSQL an advisory lock keeps concurrent servers from racing). Cloning shares the pool.
#[derive(Debug, Clone)]
pub struct SqlTokenStore {
    pool: Pool,
    keyring: Keyring,
}

impl SqlTokenStore {
    /// Opens (creating if needed, with mode 0600 on Unix) the SQLite database at `path`, in
    /// WAL mode so several processes can share it, and migrates it.
    pub async fn sqlite(path: impl AsRef<Path>, keyring: Keyring) -> Result<Self, StoreError> {
        let path = path.as_ref();
        create_private_file(path)?;
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .busy_timeout(Duration::from_secs(30));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await?;
        Self::from_sqlite_pool(pool, keyring).await
    }

    /// A store on an existing SQLite pool; runs the migrations.
    pub async fn from_sqlite_pool(pool: SqlitePool, keyring: Keyring) -> Result<Self, StoreError> {
        let store = Self {
            pool: Pool::Sqlite(pool),
            keyring,
        };
        store.migrate().await?;
        Ok(store)
    }

    /// Connects to PostgreSQL at `url` (`postgres://user@host:port/db`) and migrates it.
    pub async fn postgres(url: &str, keyring: Keyring) -> Result<Self, StoreError> {
        let pool = PgPoolOptions::new().max_connections(8).connect(url).await?;
        Self::from_postgres_pool(pool, keyring).await
    }

    /// A store on an existing PostgreSQL pool; runs the migrations.
    pub async fn from_postgres_pool(pool: PgPool, keyring: Keyring) -> Result<Self, StoreError> {
        let store = Self {
            pool: Pool::Postgres(pool),
            keyring,
        };
        store.migrate().await?;
        Ok(store)
    }

    /// The same database with another keyring (for example after adding a new current key,
    /// before [`rotate_key`](TokenStore::rotate_key)).
    #[must_use]
    pub fn with_keyring(&self, keyring: Keyring) -> Self {
        Self {
            pool: self.pool.clone(),
            keyring,
        }
    }

    /// The keyring.
    pub fn keyring(&self) -> &Keyring {
        &self.keyring
    }

    /// The schema version the database is at.
    pub async fn schema_version(&self) -> Result<i64, StoreError> {
        let version: Option<i64> = with_pool!(self, pool => {
            sqlx::query_scalar("SELECT MAX(version) FROM intercom_app_schema")
                .fetch_one(pool)
                .await?
        });
        Ok(version.unwrap_or(0))
    }

    /// Closes the pool.
    pub async fn close(&self) {
        with_pool!(self, pool => pool.close().await)
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        match &self.pool {
            Pool::Sqlite(pool) => {
                let mut conn = pool.acquire().await?;
                // BEGIN IMMEDIATE takes the write lock at once, so a second process waits
                // (busy timeout) instead of failing halfway.
                sqlx::raw_sql("BEGIN IMMEDIATE").execute(&mut *conn).await?;
                let result = migrate_steps!(&mut *conn, 1);
                let end = if result.is_ok() { "COMMIT" } else { "ROLLBACK" };
                sqlx::raw_sql(end).execute(&mut *conn).await?;
                result
            }
            Pool::Postgres(pool) => {
                let mut conn = pool.acquire().await?;
                sqlx::query("SELECT pg_advisory_lock($1)")
                    .bind(PG_MIGRATION_LOCK)
                    .execute(&mut *conn)
                    .await?;
                let result = async {
                    let mut tx = conn.begin().await?;
                    migrate_steps!(&mut *tx, 2)?;
                    tx.commit().await?;
                    Ok::<_, StoreError>(())
                }
                .await;
                sqlx::query("SELECT pg_advisory_unlock($1)")
                    .bind(PG_MIGRATION_LOCK)
                    .execute(&mut *conn)
                    .await?;
                result
            }
        }
    }
}

const COLUMNS: &str =
    "workspace_id, key_id, nonce, ciphertext, installed_at, admin_id, region, revoked_at, revision";

#[async_trait]
impl TokenStore for SqlTokenStore {
    async fn put(
        &self,
        workspace_id: &str,
        token: &OAuthToken,
        metadata: &InstallMetadata,
    ) -> Result<(), StoreError> {
        check_workspace_id(workspace_id)?;
        let sealed = self.keyring.seal(workspace_id, token)?;
        let sql = "INSERT INTO intercom_app_tokens \
             (workspace_id, key_id, nonce, ciphertext, installed_at, admin_id, region, revoked_at, revision, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, 1, $8) \
             ON CONFLICT (workspace_id) DO UPDATE SET \
             key_id = excluded.key_id, nonce = excluded.nonce, ciphertext = excluded.ciphertext, \
             installed_at = excluded.installed_at, admin_id = excluded.admin_id, \
             region = excluded.region, revoked_at = NULL, \
             revision = intercom_app_tokens.revision + 1, updated_at = excluded.updated_at";
        with_pool!(self, pool => {
            sqlx::query(sql)
                .bind(workspace_id)
                .bind(sealed.key_id())
                .bind(sealed.nonce().to_vec())
                .bind(sealed.ciphertext().to_vec())
                .bind(metadata.installed_at)
                .bind(metadata.admin_id.as_deref())
                .bind(metadata.region.as_deref())
                .bind(unix_now())
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    async fn get(&self, workspace_id: &str) -> Result<Option<StoredToken>, StoreError> {
        check_workspace_id(workspace_id)?;
        let sql = format!("SELECT {COLUMNS} FROM intercom_app_tokens WHERE workspace_id = $1");
        let found = with_pool!(self, pool => {
            match sqlx::query(&sql).bind(workspace_id).fetch_optional(pool).await? {
                Some(row) => Some((installation!(row), sealed!(workspace_id, row))),
                None => None,
            }
        });
        let Some((installation, sealed)) = found else {
            return Ok(None);
        };
        let token = self.keyring.open(workspace_id, &sealed)?;
        Ok(Some(StoredToken {
            workspace_id: installation.workspace_id,
            token,
            metadata: installation.metadata,
            revoked_at: installation.revoked_at,
            revision: installation.revision,
        }))
    }

    async fn list(&self) -> Result<Vec<Installation>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM intercom_app_tokens ORDER BY workspace_id");
        let list = with_pool!(self, pool => {
            let rows = sqlx::query(&sql).fetch_all(pool).await?;
            let mut out = Vec::with_capacity(rows.len());
            for row in &rows {
                out.push(installation!(row));
            }
            out
        });
        Ok(list)
    }

    async fn delete(&self, workspace_id: &str) -> Result<bool, StoreError> {
        check_workspace_id(workspace_id)?;
        let affected = with_pool!(self, pool => {
            sqlx::query("DELETE FROM intercom_app_tokens WHERE workspace_id = $1")
                .bind(workspace_id)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(affected > 0)
    }

    async fn mark_revoked(&self, workspace_id: &str, revision: i64) -> Result<bool, StoreError> {
        check_workspace_id(workspace_id)?;
        let now = unix_now();
        let affected = with_pool!(self, pool => {
            sqlx::query(
                "UPDATE intercom_app_tokens SET revoked_at = $1, updated_at = $1 \
                 WHERE workspace_id = $2 AND revision = $3 AND revoked_at IS NULL",
            )
            .bind(now)
            .bind(workspace_id)
            .bind(revision)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(affected > 0)
    }

    async fn rotate_key(&self) -> Result<usize, StoreError> {
        let current = self.keyring.current().id().to_owned();
        let sql = format!("SELECT {COLUMNS} FROM intercom_app_tokens WHERE key_id <> $1");
        let mut rotated = 0usize;
        with_pool!(self, pool => {
            let rows = sqlx::query(&sql).bind(current.as_str()).fetch_all(pool).await?;
            for row in &rows {
                let installation = installation!(row);
                let workspace_id = installation.workspace_id.as_str();
                let old = sealed!(workspace_id, row);
                let token = self.keyring.open(workspace_id, &old)?;
                let new = self.keyring.seal(workspace_id, &token)?;
                // Only if nobody rewrote the row meanwhile (a reinstall is already sealed
                // with the current key).
                let affected = sqlx::query(
                    "UPDATE intercom_app_tokens SET key_id = $1, nonce = $2, ciphertext = $3, \
                     revision = revision + 1, updated_at = $4 \
                     WHERE workspace_id = $5 AND revision = $6 AND key_id = $7",
                )
                .bind(new.key_id())
                .bind(new.nonce().to_vec())
                .bind(new.ciphertext().to_vec())
                .bind(unix_now())
                .bind(workspace_id)
                .bind(installation.revision)
                .bind(old.key_id())
                .execute(pool)
                .await?
                .rows_affected();
                if affected > 0 {
                    rotated = rotated.saturating_add(1);
                }
            }
        });
        Ok(rotated)
    }
}

/// The spent install states live in the `intercom_app_spent_states` table: a state spent
/// through one server is refused by every server on the same database. Each call first
/// deletes the states that expired more than an hour ago.
#[async_trait]
impl SpentStates for SqlTokenStore {
    async fn spend(&self, state: &str, expires_at: i64) -> Result<bool, StoreError> {
        let horizon = unix_now().saturating_sub(SPENT_STATE_GRACE_SECS);
        let inserted = with_pool!(self, pool => {
            sqlx::query("DELETE FROM intercom_app_spent_states WHERE expires_at < $1")
                .bind(horizon)
                .execute(pool)
                .await?;
            // The primary key makes the insert the single arbiter: of two servers spending
            // the same state at once, one inserts a row and the other none.
            sqlx::query(
                "INSERT INTO intercom_app_spent_states (state, expires_at) VALUES ($1, $2) \
                 ON CONFLICT (state) DO NOTHING",
            )
            .bind(state)
            .bind(expires_at)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(inserted == 1)
    }
}

fn create_private_file(path: &Path) -> Result<(), StoreError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
        .open(path)
        .map(drop)
        .map_err(|e| StoreError::Database(sqlx::Error::Io(e)))
}
