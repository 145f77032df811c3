//! The token store on real databases: SQLite (a temporary file) and PostgreSQL (a throwaway
//! cluster on a loopback port; SKIPPED when PostgreSQL is not installed, unless
//! `INTERCOM_RS_REQUIRE_POSTGRES=1`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::PathBuf;
use std::process::Command;

use intercom_app::{InstallMetadata, Keyring, SpentStates, SqlTokenStore, StoreError, TokenStore};
use intercom_auth_types::{OAuthToken, OpenError};
use sqlx::postgres::PgPool;
use sqlx::sqlite::SqlitePool;
use sqlx::Row;

use common::{contains, key, key_material, read_tree, Postgres};

/// A distinctive plaintext, searched for in the raw database afterwards.
const CANARY: &str = "dG9rOmNhbmFyeS1wbGFpbnRleHQtdG9rZW4tOTk4ODc3";

fn token(value: &str) -> OAuthToken {
    OAuthToken::new(value).unwrap()
}

fn revealed(token: &OAuthToken) -> String {
    token.reveal_for_storage().to_string()
}

fn meta(admin: &str) -> InstallMetadata {
    InstallMetadata {
        installed_at: 1_767_225_600,
        admin_id: Some(admin.into()),
        region: Some("EU".into()),
    }
}

/// Raw access to the test database, for tampering with rows behind the store's back.
enum Db {
    Sqlite(SqlitePool, PathBuf),
    Postgres(PgPool),
}

impl Db {
    async fn store(&self, keyring: Keyring) -> SqlTokenStore {
        match self {
            Db::Sqlite(_, path) => SqlTokenStore::sqlite(path, keyring).await.unwrap(),
            Db::Postgres(pool) => SqlTokenStore::from_postgres_pool(pool.clone(), keyring)
                .await
                .unwrap(),
        }
    }

    async fn raw(&self, ws: &str) -> (String, Vec<u8>, Vec<u8>) {
        let sql =
            "SELECT key_id, nonce, ciphertext FROM intercom_app_tokens WHERE workspace_id = $1";
        match self {
            Db::Sqlite(pool, _) => {
                let row = sqlx::query(sql).bind(ws).fetch_one(pool).await.unwrap();
                (row.get(0), row.get(1), row.get(2))
            }
            Db::Postgres(pool) => {
                let row = sqlx::query(sql).bind(ws).fetch_one(pool).await.unwrap();
                (row.get(0), row.get(1), row.get(2))
            }
        }
    }

    async fn set_raw(&self, ws: &str, (key_id, nonce, ciphertext): (String, Vec<u8>, Vec<u8>)) {
        let sql = "UPDATE intercom_app_tokens SET key_id = $1, nonce = $2, ciphertext = $3 WHERE workspace_id = $4";
        let affected = match self {
            Db::Sqlite(pool, _) => sqlx::query(sql)
                .bind(key_id)
                .bind(nonce)
                .bind(ciphertext)
                .bind(ws)
                .execute(pool)
                .await
                .unwrap()
                .rows_affected(),
            Db::Postgres(pool) => sqlx::query(sql)
                .bind(key_id)
                .bind(nonce)
                .bind(ciphertext)
                .bind(ws)
                .execute(pool)
                .await
                .unwrap()
                .rows_affected(),
        };
        assert_eq!(affected, 1);
    }
}

impl Db {
    /// Whether the spent-states table holds `state`.
    async fn has_spent_row(&self, state: &str) -> bool {
        let sql = "SELECT COUNT(*) FROM intercom_app_spent_states WHERE state = $1";
        let n: i64 = match self {
            Db::Sqlite(pool, _) => sqlx::query_scalar(sql).bind(state).fetch_one(pool).await,
            Db::Postgres(pool) => sqlx::query_scalar(sql).bind(state).fetch_one(pool).await,
        }
        .unwrap();
        n > 0
    }
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .try_into()
        .unwrap()
}

/// Two store instances (two pools, as two app servers have) on one database: a state spent
/// through either is refused by both, two servers racing on one state let exactly one
/// through, and long-expired states are cleaned up while recently expired ones are kept.
async fn spent_states_across_servers(db: &Db, a: &SqlTokenStore, b: &SqlTokenStore) {
    let expires = unix_now() + 600;
    assert!(a.spend("state-1", expires).await.unwrap());
    assert!(
        !b.spend("state-1", expires).await.unwrap(),
        "replay on server b"
    );
    assert!(
        !a.spend("state-1", expires).await.unwrap(),
        "replay on server a"
    );
    assert!(b.spend("state-2", expires).await.unwrap());
    assert!(!a.spend("state-2", expires).await.unwrap());

    for round in 0..10 {
        let state = format!("race-{round}");
        let (x, y) = tokio::join!(a.spend(&state, expires), b.spend(&state, expires));
        assert!(
            x.unwrap() ^ y.unwrap(),
            "exactly one of two racing servers spends {state}"
        );
    }

    // Expired two hours ago: dropped by the next spend. Expired a minute ago: kept (servers'
    // clocks may disagree), and still refused.
    assert!(a.spend("just-expired", unix_now() - 60).await.unwrap());
    assert!(a.spend("long-gone", unix_now() - 7200).await.unwrap());
    assert!(
        db.has_spent_row("long-gone").await,
        "the check sees the table"
    );
    assert!(b.spend("state-3", expires).await.unwrap());
    assert!(!db.has_spent_row("long-gone").await, "expired row kept");
    assert!(db.has_spent_row("just-expired").await);
    assert!(!b.spend("just-expired", expires).await.unwrap());
    assert!(db.has_spent_row("state-1").await);
}

async fn sqlite_db(dir: &tempdir::Dir) -> Db {
    let path = dir.path().join("tokens.db");
    // The store creates and migrates the file; the raw pool only reads and tampers.
    let keyring = Keyring::new(key("setup", &key_material()));
    SqlTokenStore::sqlite(&path, keyring).await.unwrap();
    let pool = SqlitePool::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    Db::Sqlite(pool, path)
}

/// A minimal temporary directory, removed on drop.
mod tempdir {
    use std::path::{Path, PathBuf};

    pub struct Dir(PathBuf);

    impl Dir {
        pub fn new(name: &str) -> Self {
            let path = std::env::temp_dir().join(format!(
                "intercom-app-{name}-{}-{}",
                std::process::id(),
                rand::random::<u32>()
            ));
            std::fs::create_dir_all(&path).unwrap();
            Self(path)
        }

        pub fn path(&self) -> &Path {
            &self.0
        }
    }

    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The suite, run on each backend.
// ---------------------------------------------------------------------------------------------

async fn round_trip(db: &Db) {
    let k1 = key("k1", &key_material());
    let store = db.store(Keyring::new(k1)).await;
    assert_eq!(
        store.schema_version().await.unwrap(),
        intercom_app::SCHEMA_VERSION
    );
    assert!(store.get("ws_a").await.unwrap().is_none());
    assert!(!store.delete("ws_a").await.unwrap());

    store
        .put("ws_a", &token(CANARY), &meta("admin_1"))
        .await
        .unwrap();
    store
        .put("ws_b", &token("dG9rOmI="), &meta("admin_2"))
        .await
        .unwrap();
    let a = store.get("ws_a").await.unwrap().unwrap();
    assert_eq!(revealed(&a.token), CANARY);
    assert_eq!(a.metadata, meta("admin_1"));
    assert_eq!(a.revision, 1);
    assert!(!a.is_revoked());

    let list = store.list().await.unwrap();
    let ids: Vec<_> = list.iter().map(|i| i.workspace_id.as_str()).collect();
    assert_eq!(ids, ["ws_a", "ws_b"]);
    assert!(list.iter().all(|i| i.key_id == "k1"));

    // A reinstall replaces the token, bumps the revision and clears a revocation.
    assert!(store.mark_revoked("ws_a", 1).await.unwrap());
    assert!(store.get("ws_a").await.unwrap().unwrap().is_revoked());
    store
        .put("ws_a", &token("dG9rOm5ldw=="), &meta("admin_3"))
        .await
        .unwrap();
    let a = store.get("ws_a").await.unwrap().unwrap();
    assert_eq!(revealed(&a.token), "dG9rOm5ldw==");
    assert_eq!(a.revision, 2);
    assert!(!a.is_revoked());
    // A 401 seen on the previous revision does not revoke the reinstall.
    assert!(!store.mark_revoked("ws_a", 1).await.unwrap());
    assert!(!store.get("ws_a").await.unwrap().unwrap().is_revoked());

    assert!(store.delete("ws_a").await.unwrap());
    assert!(store.get("ws_a").await.unwrap().is_none());
    assert!(matches!(
        store.get("").await,
        Err(StoreError::InvalidWorkspaceId)
    ));
    assert!(matches!(
        store.put("a\nb", &token(CANARY), &meta("x")).await,
        Err(StoreError::InvalidWorkspaceId)
    ));
    store.delete("ws_b").await.unwrap();
}

async fn rotation_and_wrong_keys(db: &Db) {
    let m1 = key_material();
    let m2 = key_material();
    let old = db.store(Keyring::new(key("k1", &m1))).await;
    for ws in ["r1", "r2", "r3"] {
        old.put(ws, &token(&format!("dG9rOn{ws}")), &meta("a"))
            .await
            .unwrap();
    }

    // A key with the right id but the wrong bytes is a typed error, never garbage.
    let impostor = db.store(Keyring::new(key("k1", &key_material()))).await;
    match impostor.get("r1").await {
        Err(StoreError::Open {
            workspace_id,
            source,
        }) => {
            assert_eq!(workspace_id, "r1");
            assert_eq!(source, OpenError::Authentication);
        }
        other => panic!("expected an authentication failure, got {other:?}"),
    }
    // A keyring without the record's key id says which key is missing.
    let stranger = db.store(Keyring::new(key("k9", &m2))).await;
    match stranger.get("r1").await {
        Err(StoreError::UnknownKey { key_id, .. }) => assert_eq!(key_id, "k1"),
        other => panic!("expected UnknownKey, got {other:?}"),
    }

    // Rotation: the new current key re-seals every record of the old one.
    let both = db
        .store(Keyring::new(key("k2", &m2)).with_previous(key("k1", &m1)))
        .await;
    assert_eq!(both.rotate_key().await.unwrap(), 3);
    assert_eq!(both.rotate_key().await.unwrap(), 0);
    let list = both.list().await.unwrap();
    assert!(list
        .iter()
        .filter(|i| i.workspace_id.starts_with('r'))
        .all(|i| i.key_id == "k2"));
    let only_new = db.store(Keyring::new(key("k2", &m2))).await;
    for ws in ["r1", "r2", "r3"] {
        let got = only_new.get(ws).await.unwrap().unwrap();
        assert_eq!(revealed(&got.token), format!("dG9rOn{ws}"));
        assert_eq!(got.revision, 2);
    }
    // The old key alone can no longer read them.
    assert!(matches!(
        old.get("r1").await,
        Err(StoreError::UnknownKey { .. })
    ));
    for ws in ["r1", "r2", "r3"] {
        only_new.delete(ws).await.unwrap();
    }
}

async fn tampered_and_swapped_rows(db: &Db) {
    let store = db.store(Keyring::new(key("k1", &key_material()))).await;
    store
        .put("t_a", &token("dG9rOmFhYQ=="), &meta("a"))
        .await
        .unwrap();
    store
        .put("t_b", &token("dG9rOmJiYg=="), &meta("b"))
        .await
        .unwrap();
    let a = db.raw("t_a").await;
    let b = db.raw("t_b").await;

    // Every single flipped bit of the ciphertext (and tag) fails authentication.
    for i in 0..a.2.len() {
        let mut ciphertext = a.2.clone();
        ciphertext[i] ^= 0x01;
        db.set_raw("t_a", (a.0.clone(), a.1.clone(), ciphertext))
            .await;
        assert!(
            matches!(
                store.get("t_a").await,
                Err(StoreError::Open {
                    source: OpenError::Authentication,
                    ..
                })
            ),
            "flipped byte {i} was accepted"
        );
    }
    // A changed nonce fails too; a truncated one is reported as a corrupt row.
    let mut nonce = a.1.clone();
    nonce[0] ^= 0x80;
    db.set_raw("t_a", (a.0.clone(), nonce, a.2.clone())).await;
    assert!(matches!(
        store.get("t_a").await,
        Err(StoreError::Open { .. })
    ));
    db.set_raw("t_a", (a.0.clone(), a.1[..8].to_vec(), a.2.clone()))
        .await;
    assert!(matches!(
        store.get("t_a").await,
        Err(StoreError::Corrupt { .. })
    ));

    // Swapped rows: each record is bound to its workspace id, so neither opens.
    db.set_raw("t_a", b.clone()).await;
    db.set_raw("t_b", a.clone()).await;
    for ws in ["t_a", "t_b"] {
        assert!(
            matches!(
                store.get(ws).await,
                Err(StoreError::Open {
                    source: OpenError::Authentication,
                    ..
                })
            ),
            "{ws} opened another workspace's token"
        );
    }
    // Put back, they open again: the failures above were the binding, not damage.
    db.set_raw("t_a", a).await;
    db.set_raw("t_b", b).await;
    assert_eq!(
        revealed(&store.get("t_a").await.unwrap().unwrap().token),
        "dG9rOmFhYQ=="
    );
    assert_eq!(
        revealed(&store.get("t_b").await.unwrap().unwrap().token),
        "dG9rOmJiYg=="
    );
    store.delete("t_a").await.unwrap();
    store.delete("t_b").await.unwrap();
}

/// Two separate processes (this test binary, re-run as [`child_writer`]) write concurrently.
async fn concurrent_writers(db_spec: &str, store: &SqlTokenStore, material: &str) {
    const PER_CHILD: usize = 40;
    let exe = std::env::current_exe().unwrap();
    let spawn = |name: &str| {
        Command::new(&exe)
            .args([
                "--exact",
                "child_writer",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("INTERCOM_APP_CHILD_DB", db_spec)
            .env("INTERCOM_APP_CHILD_KEY", material)
            .env("INTERCOM_APP_CHILD_NAME", name)
            .env("INTERCOM_APP_CHILD_COUNT", PER_CHILD.to_string())
            .spawn()
            .unwrap()
    };
    let mut one = spawn("one");
    let mut two = spawn("two");
    assert!(one.wait().unwrap().success(), "child one failed");
    assert!(two.wait().unwrap().success(), "child two failed");

    for name in ["one", "two"] {
        for i in 0..PER_CHILD {
            let got = store.get(&format!("c_{name}_{i}")).await.unwrap().unwrap();
            assert_eq!(revealed(&got.token), format!("dG9rOn{name}{i}"));
        }
    }
    // Every write to the shared row landed: no lost update.
    let shared = store.get("c_shared").await.unwrap().unwrap();
    assert_eq!(shared.revision, i64::try_from(2 * PER_CHILD).unwrap());
    let value = revealed(&shared.token);
    assert!(value.starts_with("dG9rOnNoYXJlZA"), "{value}");
}

/// Run only by [`concurrent_writers`], in a child process.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a child process of the concurrent-writer tests"]
async fn child_writer() {
    let spec = std::env::var("INTERCOM_APP_CHILD_DB").unwrap();
    let material = std::env::var("INTERCOM_APP_CHILD_KEY").unwrap();
    let name = std::env::var("INTERCOM_APP_CHILD_NAME").unwrap();
    let count: usize = std::env::var("INTERCOM_APP_CHILD_COUNT")
        .unwrap()
        .parse()
        .unwrap();
    let keyring = Keyring::new(key("k1", &material));
    let store = if let Some(path) = spec.strip_prefix("sqlite:") {
        SqlTokenStore::sqlite(path, keyring).await.unwrap()
    } else {
        SqlTokenStore::postgres(&spec, keyring).await.unwrap()
    };
    for i in 0..count {
        store
            .put(
                &format!("c_{name}_{i}"),
                &token(&format!("dG9rOn{name}{i}")),
                &meta(&name),
            )
            .await
            .unwrap();
        store
            .put(
                "c_shared",
                &token(&format!("dG9rOnNoYXJlZA{name}{i}")),
                &meta(&name),
            )
            .await
            .unwrap();
    }
}

// ---------------------------------------------------------------------------------------------
// SQLite.
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn sqlite_round_trip() {
    let dir = tempdir::Dir::new("rt");
    round_trip(&sqlite_db(&dir).await).await;
}

#[tokio::test]
async fn sqlite_rotation_and_wrong_keys() {
    let dir = tempdir::Dir::new("rot");
    rotation_and_wrong_keys(&sqlite_db(&dir).await).await;
}

#[tokio::test]
async fn sqlite_tampered_and_swapped_rows() {
    let dir = tempdir::Dir::new("tamper");
    tampered_and_swapped_rows(&sqlite_db(&dir).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_spent_states_shared_by_two_servers() {
    let dir = tempdir::Dir::new("spent");
    let db = sqlite_db(&dir).await;
    let material = key_material();
    let a = db.store(Keyring::new(key("k1", &material))).await;
    let b = db.store(Keyring::new(key("k1", &material))).await;
    spent_states_across_servers(&db, &a, &b).await;
    a.close().await;
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_concurrent_writers_from_two_processes() {
    let dir = tempdir::Dir::new("conc");
    let path = dir.path().join("tokens.db");
    let material = key_material();
    let store = SqlTokenStore::sqlite(&path, Keyring::new(key("k1", &material)))
        .await
        .unwrap();
    concurrent_writers(&format!("sqlite:{}", path.display()), &store, &material).await;
}

#[tokio::test]
async fn sqlite_file_never_holds_the_plaintext_token() {
    let dir = tempdir::Dir::new("grep");
    let path = dir.path().join("tokens.db");
    let store = SqlTokenStore::sqlite(&path, Keyring::new(key("k1", &key_material())))
        .await
        .unwrap();
    store
        .put("ws_canary", &token(CANARY), &meta("a"))
        .await
        .unwrap();
    // The check can fail: the workspace id, stored in clear, is found the same way.
    let raw = read_tree(dir.path());
    assert!(
        contains(&raw, b"ws_canary"),
        "the search does not see the database"
    );
    assert!(
        !contains(&raw, CANARY.as_bytes()),
        "plaintext token in the SQLite files"
    );
    assert!(
        !contains(&raw, &CANARY.as_bytes()[..16]),
        "token prefix in the SQLite files"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(
            mode & 0o077,
            0,
            "the database file is readable by others: {mode:o}"
        );
    }
    store.close().await;
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL: one cluster for the whole suite (starting one takes seconds).
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_suite() {
    let Some(pg) = Postgres::start() else { return };
    let pool = PgPool::connect(&pg.url()).await.unwrap();
    let db = Db::Postgres(pool.clone());
    round_trip(&db).await;
    rotation_and_wrong_keys(&db).await;
    tampered_and_swapped_rows(&db).await;

    // Concurrent first start: two stores migrating the same empty database at once.
    let material = key_material();
    let url = pg.url();
    let (a, b) = tokio::join!(
        SqlTokenStore::postgres(&url, Keyring::new(key("k1", &material))),
        SqlTokenStore::postgres(&url, Keyring::new(key("k1", &material))),
    );
    let store = a.unwrap();
    let second = b.unwrap();
    spent_states_across_servers(&db, &store, &second).await;
    second.close().await;
    concurrent_writers(&pg.url(), &store, &material).await;

    // Neither a dump nor the cluster's files hold the plaintext token.
    store
        .put("ws_canary", &token(CANARY), &meta("a"))
        .await
        .unwrap();
    sqlx::query("CHECKPOINT").execute(&pool).await.unwrap();
    let dump = pg.dump();
    assert!(
        contains(&dump, b"ws_canary"),
        "the dump does not hold the table"
    );
    assert!(
        !contains(&dump, CANARY.as_bytes()),
        "plaintext token in pg_dump"
    );
    let files = read_tree(&pg.dir.join("data"));
    assert!(
        contains(&files, b"ws_canary"),
        "the search does not see the data files"
    );
    assert!(
        !contains(&files, CANARY.as_bytes()),
        "plaintext token in the data files"
    );
    store.close().await;
    pool.close().await;
}
