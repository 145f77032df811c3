//! The CLI's network options against real peers on 127.0.0.1: `--ca-cert`, `--client-cert` /
//! `--client-key`, `--proxy`, `--proxy-user`, and the proxy variables.
#![allow(clippy::unwrap_used)]

#[path = "../../transport/tests/net/mod.rs"]
mod net;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use net::{Pki, ServerTls, TOKEN};

const TOKEN_ENV: &str = "INTERCOM_RS_CLI_NET_TOKEN";
const PROXY_VARS: [&str; 8] = [
    "HTTPS_PROXY",
    "https_proxy",
    "ALL_PROXY",
    "all_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "NO_PROXY",
    "no_proxy",
];

async fn intercom(args: Vec<String>, env: Vec<(&'static str, String)>) -> Output {
    tokio::task::spawn_blocking(move || {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_intercom"));
        cmd.args(&args)
            .args(["--token-env", TOKEN_ENV, "--max-retries", "0", "me"])
            .env(TOKEN_ENV, TOKEN)
            .env_remove("RUST_LOG");
        for v in PROXY_VARS {
            cmd.env_remove(v);
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    })
    .await
    .unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn code(out: &Output) -> i32 {
    out.status.code().unwrap_or(-1)
}

struct Files {
    dir: PathBuf,
}

impl Files {
    fn new(pki: &Pki, tag: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("intercom-rs-cli-net-{}-{tag}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for (name, body) in [
            ("ca.pem", &pki.ca_pem),
            ("client.pem", &pki.client_cert_pem),
            ("client.key", &pki.client_key_pem),
        ] {
            std::fs::File::create(dir.join(name))
                .unwrap()
                .write_all(body.as_bytes())
                .unwrap();
        }
        Self { dir }
    }
    fn path(&self, name: &str) -> String {
        self.dir.join(name).display().to_string()
    }
}

impl Drop for Files {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn exists(p: &str) -> bool {
    Path::new(p).is_file()
}

#[tokio::test(flavor = "multi_thread")]
async fn ca_cert_makes_a_private_ca_trusted_and_without_it_tls_fails_with_exit_4() {
    let pki = Pki::new();
    let files = Files::new(&pki, "ca");
    assert!(exists(&files.path("ca.pem")));
    let server = net::serve(Some(net::server_config(&pki, &ServerTls::default()))).await;
    let url = server.https_url();

    let out = intercom(
        args(&["--base-url", &url, "--ca-cert", &files.path("ca.pem")]),
        vec![],
    )
    .await;
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("admin"));

    let out = intercom(args(&["--base-url", &url]), vec![]).await;
    assert_eq!(code(&out), 4, "{}", stderr(&out));
    assert!(stderr(&out).contains("TLS"), "{}", stderr(&out));
    assert!(!stderr(&out).contains(TOKEN));

    let out = intercom(
        args(&["--base-url", &url, "--ca-cert", "/nonexistent/ca.pem"]),
        vec![],
    )
    .await;
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn client_cert_and_key_answer_a_server_that_requires_mutual_tls() {
    let pki = Pki::new();
    let files = Files::new(&pki, "mtls");
    let opts = ServerTls {
        require_client_cert: true,
        ..ServerTls::default()
    };
    let server = net::serve(Some(net::server_config(&pki, &opts))).await;
    let url = server.https_url();
    let ca = files.path("ca.pem");
    let out = intercom(
        args(&[
            "--base-url",
            &url,
            "--ca-cert",
            &ca,
            "--client-cert",
            &files.path("client.pem"),
            "--client-key",
            &files.path("client.key"),
        ]),
        vec![],
    )
    .await;
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(server.requests()[0].client_cert);

    let out = intercom(args(&["--base-url", &url, "--ca-cert", &ca]), vec![]).await;
    assert_eq!(code(&out), 4, "{}", stderr(&out));

    // One without the other is a usage error.
    let out = intercom(
        args(&[
            "--base-url",
            &url,
            "--client-cert",
            &files.path("client.pem"),
        ]),
        vec![],
    )
    .await;
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn proxy_option_and_variables_are_honoured_and_credentials_never_in_arguments() {
    let pki = Pki::new();
    let files = Files::new(&pki, "proxy");
    let server = net::serve(Some(net::server_config(&pki, &ServerTls::default()))).await;
    let url = server.https_url();
    let ca = files.path("ca.pem");
    let basic = "Basic Ym9iOnB3"; // bob:pw
    let open = net::proxy(None).await;
    let guarded = net::proxy(Some(basic.into())).await;

    let out = intercom(
        args(&["--base-url", &url, "--ca-cert", &ca, "--proxy", &open.url()]),
        vec![],
    )
    .await;
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(open.seen().len(), 1);
    assert!(open.seen()[0].head.starts_with("CONNECT 127.0.0.1:"));

    // HTTPS_PROXY is honoured, and NO_PROXY bypasses it.
    let out = intercom(
        args(&["--base-url", &url, "--ca-cert", &ca]),
        vec![("HTTPS_PROXY", open.url())],
    )
    .await;
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(open.seen().len(), 2);
    let out = intercom(
        args(&["--base-url", &url, "--ca-cert", &ca]),
        vec![
            ("HTTPS_PROXY", open.url()),
            ("NO_PROXY", "127.0.0.1".into()),
        ],
    )
    .await;
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(open.seen().len(), 2);

    // Credentials: refused in --proxy, taken from --proxy-user and a variable.
    let with_creds = format!("http://bob:pw@127.0.0.1:{}", guarded.addr.port());
    let out = intercom(
        args(&["--base-url", &url, "--ca-cert", &ca, "--proxy", &with_creds]),
        vec![],
    )
    .await;
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(!stderr(&out).contains("pw@"));
    let out = intercom(
        args(&[
            "--base-url",
            &url,
            "--ca-cert",
            &ca,
            "--proxy",
            &guarded.url(),
            "--proxy-user",
            "bob",
        ]),
        vec![("INTERCOM_PROXY_PASSWORD", "pw".into())],
    )
    .await;
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(guarded.seen()[0].head.contains(basic));

    // A proxy that refuses the tunnel is a transport failure: exit 4.
    let out = intercom(
        args(&[
            "--base-url",
            &url,
            "--ca-cert",
            &ca,
            "--proxy",
            &guarded.url(),
        ]),
        vec![],
    )
    .await;
    assert_eq!(code(&out), 4, "{}", stderr(&out));
    assert!(stderr(&out).contains("proxy"), "{}", stderr(&out));
    assert_eq!(server.requests().len(), 4);
}
