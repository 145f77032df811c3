//! `intercom sandbox --tls` serves HTTPS and writes its CA where it says; the CLI talks to it
//! with `--ca-cert` and fails with a TLS error (exit 4) without. `--ca-cert` given with the
//! in-process `--sandbox` (plain http) is reported as ignored.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};

const PROXY_VARS: &[&str] = &[
    "HTTPS_PROXY",
    "https_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
];

fn command() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_intercom"));
    cmd.env_remove("RUST_LOG")
        .env_remove("INTERCOM_ACCESS_TOKEN")
        .stdin(Stdio::null());
    for var in PROXY_VARS {
        cmd.env_remove(var);
    }
    cmd
}

/// Kills the served sandbox when the test ends, passed or not.
struct Served(Child);

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve_tls(ca_out: &std::path::Path) -> (Served, serde_json::Value) {
    let mut child = command()
        .args(["sandbox", "--tls", "--ca-out"])
        .arg(ca_out)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the intercom binary runs");
    let mut stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
    let served = Served(child);
    let mut printed = String::new();
    while !printed.trim_end().ends_with('}') {
        let mut line = String::new();
        if stdout.read_line(&mut line).expect("stdout is readable") == 0 {
            break;
        }
        printed.push_str(&line);
    }
    let info = serde_json::from_str(&printed)
        .unwrap_or_else(|e| panic!("the sandbox prints JSON ({e}): {printed}"));
    (served, info)
}

fn me(base: &str, token: &str, extra: &[&str]) -> Output {
    command()
        .args([
            "--base-url",
            base,
            "--token-env",
            "H14_SANDBOX_TOKEN",
            "--max-retries",
            "0",
        ])
        .args(extra)
        .arg("me")
        .env("H14_SANDBOX_TOKEN", token)
        .output()
        .expect("the intercom binary runs")
}

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "intercom-cli-sandbox-tls-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    dir
}

#[test]
fn sandbox_tls_writes_its_ca_and_the_cli_trusts_it_with_ca_cert() {
    let dir = scratch("trust");
    let ca_path = dir.join("sandbox-ca.pem");
    let (_served, info) = serve_tls(&ca_path);
    let base = info["base_url"].as_str().expect("a base_url");
    let token = info["access_token"].as_str().expect("a token");
    assert!(base.starts_with("https://127.0.0.1:"), "{info}");
    assert_eq!(
        info["ca_cert"].as_str(),
        Some(&*ca_path.display().to_string()),
        "{info}"
    );
    let pem = std::fs::read_to_string(&ca_path).expect("the CA file was written");
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"), "{pem}");

    let ca_arg = ca_path.display().to_string();
    let trusted = me(base, token, &["--ca-cert", &ca_arg]);
    let stdout = String::from_utf8_lossy(&trusted.stdout);
    let stderr = String::from_utf8_lossy(&trusted.stderr);
    assert!(trusted.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("\"admin\""), "{stdout}");

    // Without the CA, the handshake fails: a transport failure (exit 4) naming TLS.
    let untrusted = me(base, token, &[]);
    let stderr = String::from_utf8_lossy(&untrusted.stderr);
    assert_eq!(untrusted.status.code(), Some(4), "{stderr}");
    assert!(stderr.contains("TLS"), "{stderr}");
    assert!(!stderr.contains(token), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn ca_out_needs_tls() {
    let output = command()
        .args(["sandbox", "--ca-out", "ca.pem"])
        .output()
        .expect("the intercom binary runs");
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn ca_cert_with_the_in_process_sandbox_is_reported_as_ignored() {
    let dir = scratch("ignored");
    let missing = dir.join("no-such-ca.pem").display().to_string();
    let output = command()
        .args(["--sandbox", "--ca-cert", &missing, "me"])
        .output()
        .expect("the intercom binary runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains("warning: --ca-cert is ignored with --sandbox"),
        "{stderr}"
    );

    // Without it, no warning.
    let output = command()
        .args(["--sandbox", "me"])
        .output()
        .expect("the intercom binary runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(!stderr.contains("warning"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}
