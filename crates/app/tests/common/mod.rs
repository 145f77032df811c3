//! Test support: a throwaway PostgreSQL cluster on a free loopback port, and key helpers.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use intercom_auth_types::EncryptionKey;
use rand::RngCore;

pub const REQUIRE_ENV: &str = "INTERCOM_RS_REQUIRE_POSTGRES";

/// Random key material as `base64` text, so a child process can be handed the same key.
pub fn key_material() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    STANDARD.encode(bytes)
}

pub fn key(id: &str, material: &str) -> EncryptionKey {
    EncryptionKey::from_base64(id, material).unwrap()
}

fn find_bin(name: &str) -> Option<PathBuf> {
    let mut candidates = vec![PathBuf::from("/usr/local/bin").join(name)];
    if let Ok(entries) = std::fs::read_dir("/usr/lib/postgresql") {
        let mut versions: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        versions.sort();
        versions.reverse();
        candidates.extend(versions.into_iter().map(|v| v.join("bin").join(name)));
    }
    if let Some(path) = std::env::var_os("PATH") {
        candidates.extend(std::env::split_paths(&path).map(|p| p.join(name)));
    }
    candidates.into_iter().find(|p| p.is_file())
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// Builds a command that runs as `nobody` when we are root (postgres refuses to run as root).
fn as_server_user(program: &Path, root: bool) -> Command {
    if root {
        let mut cmd = Command::new("runuser");
        cmd.args(["-u", "nobody", "--"]).arg(program);
        cmd
    } else {
        Command::new(program)
    }
}

/// A PostgreSQL cluster in a temporary directory, stopped and removed on drop.
pub struct Postgres {
    pub dir: PathBuf,
    pub port: u16,
    child: Child,
}

impl Postgres {
    /// Starts a cluster, or prints SKIPPED and returns `None` when PostgreSQL is not
    /// installed (a failure when `INTERCOM_RS_REQUIRE_POSTGRES=1`).
    pub fn start() -> Option<Self> {
        let (Some(initdb), Some(postgres)) = (find_bin("initdb"), find_bin("postgres")) else {
            if std::env::var(REQUIRE_ENV).as_deref() == Ok("1") {
                panic!("PostgreSQL (initdb, postgres) is not installed, and {REQUIRE_ENV} is set: apt-get install -y postgresql");
            }
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED: PostgreSQL's initdb/postgres not found (apt-get install -y postgresql); \
                 set {REQUIRE_ENV}=1 to make this a failure"
            );
            return None;
        };
        let root = is_root();
        let dir = std::env::temp_dir().join(format!(
            "intercom-app-pg-{}-{}",
            std::process::id(),
            rand::rngs::OsRng.next_u32()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        if root {
            let status = Command::new("chown")
                .args(["nobody", dir.to_str().unwrap()])
                .status()
                .unwrap();
            assert!(status.success(), "chown nobody failed");
        }
        let data = dir.join("data");
        let out = as_server_user(&initdb, root)
            .arg("-D")
            .arg(&data)
            .args(["-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "initdb failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let log = std::fs::File::create(dir.join("postgres.log")).unwrap();
        let child = as_server_user(&postgres, root)
            .arg("-D")
            .arg(&data)
            .arg("-k")
            .arg(&dir)
            .args(["-h", "127.0.0.1", "-p", &port.to_string()])
            .args(["-c", "fsync=off", "-c", "max_connections=50"])
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        let pg = Self { dir, port, child };
        let deadline = Instant::now() + Duration::from_secs(60);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "postgres did not start: {}",
                std::fs::read_to_string(pg.dir.join("postgres.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(pg)
    }

    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// `pg_dump --data-only` of the database, as text.
    pub fn dump(&self) -> Vec<u8> {
        let pg_dump = find_bin("pg_dump").expect("pg_dump is installed with postgres");
        let out = Command::new(pg_dump)
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-U",
                "postgres",
            ])
            .args(["--data-only", "postgres"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "pg_dump failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        // Immediate shutdown of the postmaster (it runs as another user when we are root).
        if let Ok(pid) = std::fs::read_to_string(self.dir.join("data/postmaster.pid")) {
            if let Some(pid) = pid.lines().next() {
                let _ = Command::new("kill").args(["-QUIT", pid.trim()]).status();
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.dir.join("data/postmaster.pid").exists() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Every file under `dir`, concatenated.
pub fn read_tree(dir: &Path) -> Vec<u8> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(path) = stack.pop() {
        if let Ok(entries) = std::fs::read_dir(&path) {
            for entry in entries.flatten() {
                let p = entry.path();
                if p.is_dir() {
                    stack.push(p);
                } else if let Ok(bytes) = std::fs::read(&p) {
                    out.extend_from_slice(&bytes);
                }
            }
        }
    }
    out
}

pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
