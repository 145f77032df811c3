//! `cargo xtask spec`: the OpenAPI description without `../shared` beside the checkout.
//!
//! Downloads Intercom's 2.16 description at a pinned commit of its public repository,
//! checks the SHA-256 of the bytes received against the pinned digest before anything reads
//! them, and writes the YAML and its JSON form (what codegen, the conformance test and the
//! sandbox's schema checks read) to `target/openapi/`.
//!
//! Where the description is looked for, in order (the tests follow the same order through
//! `tests/support/openapi.rs`): `$INTERCOM_OPENAPI_SPEC`;
//! `../shared/intercom-openapi/api-2.16.json` beside the workspace; `target/openapi/api-2.16.json`.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};
use sha2::{Digest, Sha256};

use crate::util::root;

/// The repository the description comes from.
pub const REPOSITORY: &str = "https://github.com/intercom/Intercom-OpenAPI";
/// The pinned commit of [`REPOSITORY`].
pub const COMMIT: &str = "8889625a7b931d8649e18726e7f872ff073520fc";
/// The description's path inside the repository.
pub const FILE: &str = "descriptions/2.16/api.intercom.io.yaml";
/// SHA-256 of [`FILE`] at [`COMMIT`], hex.
pub const SHA256: &str = "212b09336bf561992d998e6650d4eaacb44aa0a0f02504e398cf10f1cfb9d238";

/// The line printed when a task skips for want of the description.
pub const SKIPPED: &str =
    "SKIPPED: no OpenAPI description (run `cargo xtask spec` or set INTERCOM_OPENAPI_SPEC)";

const HELP: &str = "\
cargo xtask spec [--force]

Downloads the pinned OpenAPI description (commit and SHA-256 fixed in xtask/src/spec.rs) into
target/openapi/, verifying its SHA-256 before use. Does nothing when a description is already
found (INTERCOM_OPENAPI_SPEC, ../shared/intercom-openapi, target/openapi) unless --force.
";

/// The raw-file URL of [`FILE`] at [`COMMIT`].
pub fn pinned_url() -> String {
    let repo = REPOSITORY.trim_start_matches("https://github.com/");
    format!("https://raw.githubusercontent.com/{repo}/{COMMIT}/{FILE}")
}

/// Where `cargo xtask spec` writes the description.
pub fn download_dir() -> PathBuf {
    root().join("target/openapi")
}

/// The places the description is looked for, in order.
pub fn candidates() -> Vec<PathBuf> {
    if let Some(path) = std::env::var_os("INTERCOM_OPENAPI_SPEC") {
        return vec![PathBuf::from(path)];
    }
    vec![
        root().join("../shared/intercom-openapi/api-2.16.json"),
        download_dir().join("api-2.16.json"),
    ]
}

/// The first candidate that exists.
pub fn find() -> Option<PathBuf> {
    candidates().into_iter().find(|p| p.is_file())
}

/// Whether a missing description is a failure (`INTERCOM_RS_REQUIRE_SPEC=1`, as in CI).
pub fn required() -> bool {
    std::env::var("INTERCOM_RS_REQUIRE_SPEC").is_ok_and(|v| v == "1")
}

pub fn run(args: &[String]) -> Result<()> {
    let mut force = false;
    for arg in args {
        match arg.as_str() {
            "--force" => force = true,
            "--help" | "-h" => {
                print!("{HELP}");
                return Ok(());
            }
            other => bail!("unknown option `{other}`\n\n{HELP}"),
        }
    }
    if !force {
        if let Some(found) = find() {
            eprintln!("the OpenAPI description is at {}", found.display());
            return Ok(());
        }
    }
    let json = fetch(&pinned_url(), SHA256, &download_dir())?;
    eprintln!(
        "the OpenAPI description ({REPOSITORY} at {COMMIT}, SHA-256 verified) is at {}",
        json.display()
    );
    Ok(())
}

/// Runs `cargo xtask codegen ARGS` with the description found by [`find`] in
/// `INTERCOM_OPENAPI_SPEC`. Without one, `--check` prints [`SKIPPED`] and passes unless
/// [`required`]; generating fails with the way to get it.
pub fn codegen(args: &[String]) -> Result<()> {
    if std::env::var_os("INTERCOM_OPENAPI_SPEC").is_none() {
        match find() {
            // Single-threaded here: nothing else reads the environment concurrently.
            Some(path) => std::env::set_var("INTERCOM_OPENAPI_SPEC", path),
            None if required() => {
                bail!("INTERCOM_RS_REQUIRE_SPEC=1 but there is no OpenAPI description")
            }
            None if args.iter().any(|a| a == "--check") => {
                println!("{SKIPPED}");
                return Ok(());
            }
            None => {
                bail!("no OpenAPI description: run `cargo xtask spec` or set INTERCOM_OPENAPI_SPEC")
            }
        }
    }
    crate::codegen::run(args)
}

/// Downloads `url` into `dir`, checks that its SHA-256 is `sha256` (hex), and writes
/// `api-2.16.yaml` (the bytes received) and `api-2.16.json` (the same document as JSON).
/// Returns the JSON's path. Nothing is written under those names when the digest differs.
///
/// Only `https://` URLs are fetched, and `http://127.0.0.1` (the tests' loopback server).
pub fn fetch(url: &str, sha256: &str, dir: &Path) -> Result<PathBuf> {
    let loopback = url.starts_with("http://127.0.0.1:") || url.starts_with("http://127.0.0.1/");
    if !url.starts_with("https://") && !loopback {
        bail!("refusing to download {url}: https only");
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let part = dir.join("api-2.16.yaml.part");
    let mut curl = Command::new("curl");
    curl.args(["--fail", "--silent", "--show-error", "--location"])
        .args(["--proto-redir", "=https", "--max-time", "600", "--output"])
        .arg(&part)
        .arg(url);
    let status = curl
        .status()
        .context("cannot run curl (install it, or set INTERCOM_OPENAPI_SPEC)")?;
    let bytes = std::fs::read(&part);
    let _ = std::fs::remove_file(&part);
    if !status.success() {
        bail!("downloading {url} failed ({status})");
    }
    let bytes = bytes.with_context(|| format!("cannot read {}", part.display()))?;
    let got = hex(&Sha256::digest(&bytes));
    if !got.eq_ignore_ascii_case(sha256) {
        bail!("{url}: SHA-256 is {got}, expected {sha256}; the download is discarded");
    }
    let document: serde_norway::Value =
        serde_norway::from_slice(&bytes).with_context(|| format!("{url} is not YAML"))?;
    let json =
        serde_json::to_vec(&document).context("the description cannot be written as JSON")?;
    let yaml_path = dir.join("api-2.16.yaml");
    let json_path = dir.join("api-2.16.json");
    write_atomically(&yaml_path, &bytes)?;
    write_atomically(&json_path, &json)?;
    Ok(json_path)
}

fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::TcpListener;

    const DOCUMENT: &[u8] = b"openapi: 3.0.1\ninfo:\n  title: t\n  version: '2.16'\npaths:\n  /contacts:\n    get:\n      responses:\n        200:\n          description: ok\n";

    /// A loopback server answering every request with `body`, `requests` times.
    fn serve(body: &'static [u8], requests: usize) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/spec.yaml", listener.local_addr().unwrap());
        std::thread::spawn(move || {
            for _ in 0..requests {
                let Ok((mut stream, _)) = listener.accept() else {
                    return;
                };
                let mut buf = [0u8; 4096];
                let _ = stream.read(&mut buf);
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(body);
            }
        });
        url
    }

    fn curl_missing() -> bool {
        let missing = Command::new("curl").arg("--version").output().is_err();
        if missing {
            println!("SKIPPED: curl is not installed");
        }
        missing
    }

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("xtask-spec-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn a_download_with_the_pinned_digest_is_written_as_yaml_and_json() {
        if curl_missing() {
            return;
        }
        let url = serve(DOCUMENT, 1);
        let dir = scratch("ok");
        let json = fetch(&url, &hex(&Sha256::digest(DOCUMENT)), &dir).unwrap();
        assert_eq!(std::fs::read(dir.join("api-2.16.yaml")).unwrap(), DOCUMENT);
        let value: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
        assert_eq!(value["info"]["version"], "2.16");
        assert_eq!(
            value["paths"]["/contacts"]["get"]["responses"]["200"]["description"],
            "ok"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_download_with_another_digest_is_discarded() {
        if curl_missing() {
            return;
        }
        let url = serve(DOCUMENT, 1);
        let dir = scratch("bad");
        let err = fetch(&url, SHA256, &dir).unwrap_err().to_string();
        assert!(err.contains("SHA-256"), "{err}");
        assert!(!dir.join("api-2.16.yaml").exists());
        assert!(!dir.join("api-2.16.json").exists());
        assert!(!dir.join("api-2.16.yaml.part").exists());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn the_pinned_digest_is_the_shared_copys_and_its_json_form_matches() {
        let shared = root().join("../shared/intercom-openapi");
        let Ok(yaml) = std::fs::read(shared.join("api-2.16.yaml")) else {
            assert!(
                !required(),
                "INTERCOM_RS_REQUIRE_SPEC=1 but ../shared has no description"
            );
            println!("{SKIPPED}");
            return;
        };
        if curl_missing() {
            return;
        }
        assert_eq!(hex(&Sha256::digest(&yaml)), SHA256);
        let url = serve(Vec::leak(yaml), 1);
        let dir = scratch("shared");
        let ours: serde_json::Value =
            serde_json::from_slice(&std::fs::read(fetch(&url, SHA256, &dir).unwrap()).unwrap())
                .unwrap();
        let theirs: serde_json::Value =
            serde_json::from_slice(&std::fs::read(shared.join("api-2.16.json")).unwrap()).unwrap();
        assert!(
            ours == theirs,
            "the JSON written differs from the shared JSON form"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn plain_http_to_another_host_is_refused() {
        let dir = scratch("http");
        let err = fetch("http://example.com/spec.yaml", SHA256, &dir)
            .unwrap_err()
            .to_string();
        assert!(err.contains("https only"), "{err}");
    }

    #[test]
    fn the_pinned_url_names_the_commit_and_file() {
        let url = pinned_url();
        assert!(url.starts_with("https://"));
        assert!(url.contains(COMMIT) && url.ends_with(FILE), "{url}");
        assert_eq!(SHA256.len(), 64);
    }
}
