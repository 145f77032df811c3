//! The `intercom` binary tested as a process: exit codes, output, and that no output ever
//! contains a token (with `-vv` too). Servers are the in-process sandbox or closed ports on
//! 127.0.0.1.

use std::process::{Command, Output};

use intercom_sandbox::{Sandbox, SandboxHandle};
use intercom_sdk::auth::{sign_hub_signature, ClientSecret};

const TOKEN_ENV: &str = "INTERCOM_RS_CLI_TEST_TOKEN";

fn intercom(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_intercom"));
    cmd.args(args)
        .env_remove("INTERCOM_ACCESS_TOKEN")
        .env_remove(TOKEN_ENV)
        .env_remove("RUST_LOG");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("the intercom binary runs")
}

fn text(output: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn code(output: &Output) -> i32 {
    output.status.code().unwrap_or(-1)
}

async fn sandbox() -> SandboxHandle {
    Sandbox::builder()
        .seed(7)
        .contacts(30)
        .start()
        .await
        .expect("sandbox starts")
}

/// Runs the CLI against `sandbox` through --base-url with `token` in the environment.
fn against(sandbox: &SandboxHandle, token: &str, args: &[&str]) -> Output {
    let mut all = vec![
        "--base-url",
        sandbox.base_url(),
        "--allow-insecure-loopback",
        "--token-env",
        TOKEN_ENV,
    ];
    all.extend_from_slice(args);
    intercom(&all, &[(TOKEN_ENV, token)])
}

#[test]
fn help_documents_exit_codes_and_commands() {
    let out = intercom(&["--help"], &[]);
    assert_eq!(code(&out), 0);
    let (stdout, _) = text(&out);
    for needle in [
        "Exit codes",
        "3  missing or invalid credentials",
        "contacts",
        "oauth",
        "webhook",
        "--token-env",
    ] {
        assert!(
            stdout.contains(needle),
            "--help lacks {needle:?}:\n{stdout}"
        );
    }
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(code(&intercom(&["--no-such-flag", "me"], &[])), 2);
    assert_eq!(
        code(&intercom(&["contacts", "list", "--per-page", "151"], &[])),
        2
    );
    let out = intercom(&["api", "GET", "me"], &[(TOKEN_ENV, "abc")]);
    assert_eq!(code(&out), 2);
    // Plain http to a non-loopback host is refused before anything is sent.
    let out = intercom(
        &[
            "--base-url",
            "http://example.com",
            "--token-env",
            TOKEN_ENV,
            "me",
        ],
        &[(TOKEN_ENV, "abc")],
    );
    assert_eq!(code(&out), 2, "{:?}", text(&out));
}

#[test]
fn missing_or_malformed_token_exits_3_naming_the_variable_only() {
    let out = intercom(&["--token-env", TOKEN_ENV, "me"], &[]);
    assert_eq!(code(&out), 3);
    assert!(text(&out).1.contains(TOKEN_ENV));
    let out = intercom(
        &["--token-env", TOKEN_ENV, "me"],
        &[(TOKEN_ENV, "secret with space")],
    );
    assert_eq!(code(&out), 3);
    let (stdout, stderr) = text(&out);
    assert!(
        !stdout.contains("secret") && !stderr.contains("secret with"),
        "{stderr}"
    );
}

#[test]
fn connect_failure_exits_4() {
    let out = intercom(
        &[
            "--base-url",
            "http://127.0.0.1:9",
            "--allow-insecure-loopback",
            "--max-retries",
            "0",
            "--token-env",
            TOKEN_ENV,
            "me",
        ],
        &[(TOKEN_ENV, "abc")],
    );
    assert_eq!(code(&out), 4, "{:?}", text(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn me_against_sandbox_and_wrong_token_exits_3_without_leaking() {
    let sandbox = sandbox().await;
    let token = sandbox.access_token_plaintext().to_owned();
    let out = against(&sandbox, &token, &["-vv", "me"]);
    let (stdout, stderr) = text(&out);
    assert_eq!(code(&out), 0, "{stderr}");
    let me: serde_json::Value = serde_json::from_str(&stdout).expect("JSON on stdout");
    assert_eq!(me["type"], "admin");
    assert!(
        stderr.contains("intercom.request"),
        "-vv traces requests: {stderr}"
    );
    assert!(
        !stdout.contains(&token) && !stderr.contains(&token),
        "token leaked"
    );

    let wrong = "dG9rOndyb25nLXRva2VuLXZhbHVl";
    let out = against(&sandbox, wrong, &["-vv", "me"]);
    let (stdout, stderr) = text(&out);
    assert_eq!(code(&out), 3, "{stderr}");
    assert!(
        !stdout.contains(wrong) && !stderr.contains(wrong),
        "token leaked"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contacts_list_all_get_search_and_api_errors() {
    let sandbox = sandbox().await;
    let token = sandbox.access_token_plaintext().to_owned();

    let out = against(
        &sandbox,
        &token,
        &["contacts", "list", "--all", "--per-page", "7"],
    );
    assert_eq!(code(&out), 0, "{:?}", text(&out));
    let all: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).expect("a JSON array");
    assert_eq!(all.len(), 30);
    let id = all[3]["id"].as_str().expect("contact id").to_owned();

    let out = against(&sandbox, &token, &["contacts", "get", &id]);
    assert_eq!(code(&out), 0);
    let one: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(one["id"], id.as_str());

    let out = against(&sandbox, &token, &["contacts", "get", "no-such-contact"]);
    assert_eq!(code(&out), 1, "{:?}", text(&out));

    let email = all[5]["email"].as_str().expect("email").to_owned();
    let query = format!(r#"{{"field":"email","operator":"=","value":"{email}"}}"#);
    let out = against(&sandbox, &token, &["contacts", "search", "--query", &query]);
    assert_eq!(code(&out), 0, "{:?}", text(&out));
    let found: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).expect("array");
    assert_eq!(found.len(), 1);

    let out = against(
        &sandbox,
        &token,
        &[
            "api",
            "POST",
            "/contacts",
            "-f",
            "email=cli@example.com",
            "-f",
            "role=user",
        ],
    );
    assert_eq!(code(&out), 0, "{:?}", text(&out));
    let created: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(created["email"], "cli@example.com");

    let out = against(&sandbox, &token, &["api", "GET", "/contacts/nope"]);
    assert_eq!(code(&out), 1);
    let body: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("error body on stdout");
    assert_eq!(body["type"], "error.list");
}

#[test]
fn webhook_verify_accepts_good_and_rejects_bad_signatures() {
    let secret = "whsec-test-0123456789";
    let body = br#"{"type":"notification_event","app_id":"abc","id":"notif_1","topic":"contact.created","created_at":1715937890,"delivery_attempts":1,"data":{"type":"notification_event_data","item":{"type":"contact","id":"7"}}}"#;
    let dir = std::env::temp_dir().join(format!("intercom-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("body.json");
    std::fs::write(&file, body).expect("write body");
    let signature = sign_hub_signature(&ClientSecret::new(secret).expect("valid"), body);
    let path = file.to_str().expect("utf-8 path");

    let env = [("HOOK_SECRET", secret)];
    let out = intercom(
        &[
            "webhook",
            "verify",
            "--secret-env",
            "HOOK_SECRET",
            "--signature",
            &signature,
            path,
        ],
        &env,
    );
    assert_eq!(code(&out), 0, "{:?}", text(&out));
    let n: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(n["topic"], "contact.created");
    assert!(!text(&out).1.contains(secret));

    let mut bad = signature.clone();
    bad.replace_range(5..6, if &signature[5..6] == "0" { "1" } else { "0" });
    let out = intercom(
        &[
            "webhook",
            "verify",
            "--secret-env",
            "HOOK_SECRET",
            "--signature",
            &bad,
            path,
        ],
        &env,
    );
    assert_eq!(code(&out), 5);
    let out = intercom(
        &[
            "webhook",
            "verify",
            "--secret-env",
            "HOOK_SECRET",
            "--signature",
            &signature[5..],
            path,
        ],
        &env,
    );
    assert_eq!(code(&out), 5, "the sha1= prefix is required");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn user_hash_matches_python_hmac() {
    // python3 -c 'import hmac,hashlib;print(hmac.new(b"s3cret",b"user-42",hashlib.sha256).hexdigest())'
    let out = intercom(
        &["user-hash", "--secret-env", "IDV_SECRET", "user-42"],
        &[("IDV_SECRET", "s3cret")],
    );
    assert_eq!(code(&out), 0, "{:?}", text(&out));
    let hash: String = serde_json::from_slice(&out.stdout).expect("a JSON string");
    assert_eq!(
        hash,
        "1136c48073bd2ba64f2a18895ff27ecfa11e24ccd2d86972ace148983668a992"
    );
}

#[test]
fn oauth_login_against_sandbox_saves_a_0600_token_and_never_prints_it() {
    let dir = std::env::temp_dir().join(format!("intercom-cli-oauth-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("token");
    let out = intercom(
        &[
            "--sandbox",
            "-vv",
            "oauth",
            "login",
            "--save",
            file.to_str().expect("utf-8"),
            "--wait",
            "20",
        ],
        &[],
    );
    let (stdout, stderr) = text(&out);
    assert_eq!(code(&out), 0, "{stderr}");
    let saved = std::fs::read_to_string(&file).expect("token file");
    let token = saved.trim();
    assert!(token.len() >= 8, "a token was saved");
    assert!(
        !stdout.contains(token) && !stderr.contains(token),
        "token printed"
    );
    let me: serde_json::Value = serde_json::from_str(&stdout).expect("/me as JSON");
    assert_eq!(me["type"], "admin");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file)
            .expect("metadata")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// a timeout too large to add to the clock is a usage error, not a panic.
#[test]
fn huge_timeout_is_a_usage_error_not_a_panic() {
    for timeout in [
        "18446744073709551615",
        "9223372036854775807",
        "1000000000000",
    ] {
        let out = intercom(
            &[
                "--base-url",
                "http://127.0.0.1:9",
                "--allow-insecure-loopback",
                "--max-retries",
                "0",
                "--timeout",
                timeout,
                "--token-env",
                TOKEN_ENV,
                "me",
            ],
            &[(TOKEN_ENV, "abc")],
        );
        let (_, stderr) = text(&out);
        assert_eq!(code(&out), 2, "--timeout {timeout}: {stderr}");
        assert!(stderr.contains("--timeout"), "{stderr}");
    }
}

/// a token pasted where a variable name belongs is refused without
/// being shown; a well-formed name that is not set is still named.
#[test]
fn token_env_that_is_not_a_variable_name_is_refused_without_echo() {
    let pasted = [
        "dG9rOmFkbWluLXRva2VuLXZhbHVlLTEyMzQ1Njc4OTA=",
        "tok-123.abc",
        "1NTERCOM",
        "has space",
        "",
        "A_NAME_THAT_IS_MUCH_TOO_LONG_TO_BE_A_REAL_ENVIRONMENT_VARIABLE_NAME_X",
    ];
    for value in pasted {
        for args in [
            vec!["--token-env", value, "me"],
            vec!["user-hash", "--secret-env", value, "user-1"],
            vec![
                "webhook",
                "verify",
                "--secret-env",
                value,
                "--signature",
                "sha1=00",
            ],
            vec![
                "oauth",
                "url",
                "--client-id",
                "app",
                "--client-secret-env",
                value,
            ],
        ] {
            let out = intercom(&args, &[]);
            let (stdout, stderr) = text(&out);
            assert_eq!(code(&out), 2, "{args:?}: {stderr}");
            assert!(
                stderr.contains("environment variable"),
                "{args:?}: {stderr}"
            );
            if !value.is_empty() {
                assert!(
                    !stdout.contains(value) && !stderr.contains(value),
                    "{args:?} echoed the value: {stderr}"
                );
            }
        }
    }
    let out = intercom(&["--token-env", "NO_SUCH_INTERCOM_VARIABLE_X", "me"], &[]);
    assert_eq!(code(&out), 3);
    assert!(text(&out).1.contains("NO_SUCH_INTERCOM_VARIABLE_X"));
}
