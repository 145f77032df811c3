//! `cargo xtask audit` against temporary crates: each planted violation makes it fail with the
//! right message, and a clean crate passes.

use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

const ALLOW_LIST: &str = "\
# Token handling

| file | function | secret | reason |
|---|---|---|---|
| crates/demo/src/header.rs | bearer_header | access token | builds the Authorization header |
";

/// The clean crate: a redacted token type, one allowed exposure, derives that are fine.
const CLEAN_TOKEN: &str = r#"
use std::fmt;
use std::sync::Arc;
use secrecy::SecretString;

#[derive(Clone)]
pub struct AccessToken {
    secret: Arc<SecretString>,
}

impl AccessToken {
    pub fn new(value: &str) -> Self {
        Self { secret: Arc::new(SecretString::from(value)) }
    }
    pub(crate) fn secret(&self) -> &SecretString {
        &self.secret
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccessToken([REDACTED])")
    }
}

/// Holds a redacting type: a derived Debug and Clone are fine.
#[derive(Debug, Clone)]
pub struct Config {
    pub token: AccessToken,
    pub token_type: String,
    pub retries: u32,
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;
    #[test]
    fn exposes_in_test_code_only() {
        let t = super::AccessToken::new("x");
        assert_eq!(t.secret().expose_secret(), "x");
    }
}
"#;

const CLEAN_HEADER: &str = r#"
use secrecy::ExposeSecret;
use http::header::AUTHORIZATION;

pub fn bearer_header(token: &crate::token::AccessToken) -> http::HeaderValue {
    let mut v = http::HeaderValue::from_str(&format!("Bearer {}", token.secret().expose_secret())).unwrap();
    v.set_sensitive(true);
    v
}

pub fn send(map: &mut http::HeaderMap, token: &crate::token::AccessToken) {
    map.insert(AUTHORIZATION, bearer_header(token));
}
"#;

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A throwaway workspace with `crates/demo/src/{lib,token,header}.rs`, plus `extra` files.
struct Workspace {
    root: PathBuf,
}

impl Workspace {
    fn new(extra: &[(&str, &str)]) -> Self {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let root = std::env::temp_dir().join(format!(
            "xtask-audit-{}-{n}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0)
        ));
        let ws = Workspace { root };
        ws.write("docs/token-handling.md", ALLOW_LIST);
        ws.write(
            "crates/demo/src/lib.rs",
            "pub mod header;\npub mod token;\n",
        );
        ws.write("crates/demo/src/token.rs", CLEAN_TOKEN);
        ws.write("crates/demo/src/header.rs", CLEAN_HEADER);
        for (path, text) in extra {
            ws.write(path, text);
        }
        ws
    }

    fn write(&self, rel: &str, text: &str) {
        let path = self.root.join(rel);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).expect("create dir");
        }
        std::fs::write(path, text).expect("write file");
    }

    fn audit(&self, extra_args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_xtask"))
            .arg("audit")
            .arg("--root")
            .arg(&self.root)
            .arg("--allow-list")
            .arg(self.root.join("docs/token-handling.md"))
            .args(extra_args)
            .output()
            .expect("run xtask audit")
    }
}

impl Drop for Workspace {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

fn text(out: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Runs the audit on a workspace with `extra` planted and asserts it fails with `needles`.
fn assert_fails(extra: &[(&str, &str)], needles: &[&str]) -> String {
    let ws = Workspace::new(extra);
    let out = ws.audit(&[]);
    let all = text(&out);
    assert!(!out.status.success(), "audit should fail:\n{all}");
    for needle in needles {
        assert!(all.contains(needle), "missing {needle:?} in:\n{all}");
    }
    all
}

#[test]
fn clean_crate_passes_and_lists_every_section() {
    let ws = Workspace::new(&[]);
    let out = ws.audit(&[]);
    let all = text(&out);
    assert!(out.status.success(), "{all}");
    for needle in [
        "== Exposure sites: 1 in library code, 1 in test code ==",
        "crates/demo/src/header.rs:6",
        "bearer_header",
        "[allowed: access token]",
        "== Construction sites:",
        "crates/demo/src/token.rs:13",
        "AccessToken::new",
        "== Authorization header sites:",
    ] {
        assert!(all.contains(needle), "missing {needle:?} in:\n{all}");
    }
    assert!(all.contains("v.set_sensitive(true)"), "{all}");
    assert!(
        all.contains("sets the header: map.insert(AUTHORIZATION, ...)"),
        "{all}"
    );
    assert!(all.contains("== Violations: 0 =="), "{all}");
}

#[test]
fn derived_debug_on_a_secret_holder_fails() {
    let all = assert_fails(
        &[(
            "crates/demo/src/leaky.rs",
            "use secrecy::SecretString;\n#[derive(Debug)]\npub struct Leaky {\n    token: SecretString,\n}\n",
        )],
        &[
            "crates/demo/src/leaky.rs:3",
            "`Leaky` holds a secret and derives Debug, which would print field `token: SecretString`",
        ],
    );
    assert!(all.contains("== Violations: 1 =="), "{all}");
}

#[test]
fn derived_clone_of_a_plain_string_token_fails_but_arc_and_zeroizing_pass() {
    assert_fails(
        &[(
            "crates/demo/src/copy.rs",
            "#[derive(Clone)]\npub struct Creds { api_token: String }\n\
             #[derive(Clone)]\npub struct Fine { a: std::sync::Arc<String>, token: zeroize::Zeroizing<String> }\n",
        )],
        &["`Creds` holds a secret and derives Clone, which would copy field `api_token: String`"],
    );
    let ws = Workspace::new(&[(
        "crates/demo/src/fine.rs",
        "#[derive(Clone)]\npub struct Fine { token: std::sync::Arc<secrecy::SecretString>, z: zeroize::Zeroizing<String> }\n",
    )]);
    let out = ws.audit(&[]);
    assert!(out.status.success(), "{}", text(&out));
}

#[test]
fn serialize_and_display_on_a_secret_holder_fail() {
    assert_fails(
        &[(
            "crates/demo/src/ser.rs",
            "#[derive(serde::Serialize)]\npub struct Login { client_secret: crate::token::AccessToken, #[serde(skip)] other: secrecy::SecretString }\n\
             pub struct Shown { secret: secrecy::SecretString }\n\
             impl std::fmt::Display for Shown {\n    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str(\"x\") }\n}\n",
        )],
        &[
            "`Login` holds a secret and derives Serialize, which would write field `client_secret: crate::token::AccessToken`",
            "crates/demo/src/ser.rs:4",
            "`Shown` holds a secret and implements Display",
        ],
    );
}

#[test]
fn exposure_outside_the_allow_list_fails() {
    let all = assert_fails(
        &[(
            "crates/demo/src/log.rs",
            "use secrecy::ExposeSecret;\n\npub fn log_it(t: &crate::token::AccessToken) {\n    \
             println!(\"{}\", t.secret().expose_secret());\n}\n",
        )],
        &[
            "crates/demo/src/log.rs:4",
            "[log_it] exposure site not in the allow-list",
            "| crates/demo/src/log.rs | log_it | <secret> | <reason> |",
        ],
    );
    assert!(all.contains("NOT ALLOWED"), "{all}");
}

#[test]
fn exposure_through_a_zeroizing_carrier_and_ufcs_is_found() {
    assert_fails(
        &[(
            "crates/demo/src/body.rs",
            "use secrecy::ExposeSecret;\n\
             pub struct Req { t: crate::token::AccessToken }\n\
             impl Req {\n    pub fn body(&self) -> zeroize::Zeroizing<Vec<u8>> {\n        \
             zeroize::Zeroizing::new(self.t.secret().expose_secret().as_bytes().to_vec())\n    }\n}\n\
             pub fn send(r: &Req) -> usize { r.body().len() }\n\
             pub fn ufcs(s: &secrecy::SecretString) -> usize { ExposeSecret::expose_secret(s).len() }\n",
        )],
        &[
            "crates/demo/src/body.rs:5  [Req::body]  exposure site not in the allow-list",
            "crates/demo/src/body.rs:8  [send]  exposure site not in the allow-list",
            "calls .body(), which returns the secret's bytes in a Zeroizing buffer",
            "crates/demo/src/body.rs:9  [ufcs]  exposure site not in the allow-list",
        ],
    );
}

#[test]
fn unsafe_anywhere_fails() {
    assert_fails(
        &[(
            "crates/demo/src/raw.rs",
            "pub fn f(p: *const u8) -> u8 {\n    unsafe { *p }\n}\n\
             pub unsafe fn g() {}\n\
             struct S;\nunsafe impl Send for S {}\n\
             pub unsafe trait T {}\n\
             macro_rules! m { () => { unsafe { 1 } } }\n\
             #[allow(unsafe_code)]\nfn h() {}\n",
        )],
        &[
            "crates/demo/src/raw.rs:2  [f]  `unsafe` block",
            "crates/demo/src/raw.rs:4  [g]  `unsafe` fn `g`",
            "crates/demo/src/raw.rs:6",
            "`unsafe` impl for `S`",
            "`unsafe` trait `T`",
            "crates/demo/src/raw.rs:8",
            "`#[allow(unsafe_code)]` lifts the workspace's `forbid(unsafe_code)`",
        ],
    );
}

#[test]
fn unsafe_in_test_code_fails_too() {
    assert_fails(
        &[(
            "crates/demo/tests/t.rs",
            "#[test]\nfn t() { let x = 1; let _ = unsafe { std::ptr::read(&x) }; }\n",
        )],
        &["crates/demo/tests/t.rs:2  [t]  `unsafe` block"],
    );
}

#[test]
fn types_defined_by_macro_rules_are_audited() {
    assert_fails(
        &[(
            "crates/demo/src/mac.rs",
            "macro_rules! secret_type {\n    ($(#[$m:meta])* $name:ident) => {\n        $(#[$m])*\n        \
             #[derive(Debug)]\n        pub struct $name { secret: secrecy::SecretString }\n    };\n}\n\
             secret_type!(ApiKey);\n",
        )],
        &["`$name (in macro_rules! secret_type)` holds a secret and derives Debug"],
    );
}

#[test]
fn missing_allow_list_and_reasonless_rows_fail() {
    let ws = Workspace::new(&[]);
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["audit", "--root"])
        .arg(&ws.root)
        .arg("--allow-list")
        .arg(ws.root.join("docs/nope.md"))
        .output()
        .expect("run");
    let all = text(&out);
    assert!(!out.status.success());
    assert!(all.contains("cannot read the allow-list"), "{all}");

    ws.write(
        "docs/token-handling.md",
        "| file | function | secret | reason |\n|-|-|-|-|\n| crates/demo/src/header.rs | bearer_header | token |  |\n",
    );
    let all = text(&ws.audit(&[]));
    assert!(all.contains("gives no reason"), "{all}");
    assert!(
        all.contains("[bearer_header] exposure site not in the allow-list"),
        "{all}"
    );
}

#[test]
fn json_output_is_machine_readable() {
    let ws = Workspace::new(&[("crates/demo/src/raw.rs", "fn f() { unsafe {} }\n")]);
    let out = ws.audit(&["--json"]);
    assert!(!out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with("{\"ok\":false,"), "{stdout}");
    assert!(
        stdout.contains("\"file\":\"crates/demo/src/raw.rs\",\"line\":1,\"function\":\"f\""),
        "{stdout}"
    );
    assert!(stdout.contains("\"allowed\":true"), "{stdout}");
}

#[test]
fn a_file_that_does_not_parse_fails() {
    assert_fails(
        &[("crates/demo/src/broken.rs", "fn f( {\n")],
        &["crates/demo/src/broken.rs:", "does not parse"],
    );
}
