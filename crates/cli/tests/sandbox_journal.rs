//! `intercom sandbox -v` prints the request journal on stderr: one line per request, control
//! characters escaped, the token redacted.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::Duration;

#[test]
fn sandbox_v_prints_each_request_escaped_and_redacted() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_intercom"))
        .args(["sandbox", "-v"])
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the intercom binary runs");
    let mut stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
    let mut printed = String::new();
    while !printed.trim_end().ends_with('}') {
        let mut line = String::new();
        if stdout.read_line(&mut line).expect("stdout is readable") == 0 {
            break;
        }
        printed.push_str(&line);
    }
    let info: serde_json::Value = serde_json::from_str(&printed).expect("the sandbox prints JSON");
    let base = info["base_url"].as_str().expect("a base_url").to_owned();
    let token = info["access_token"].as_str().expect("a token").to_owned();
    let addr = base.trim_start_matches("http://").to_owned();

    // A body carrying an escape sequence, sent raw so nothing re-encodes it.
    let mut stream = TcpStream::connect(&addr).expect("the sandbox accepts");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("a read timeout");
    let body = "{\"name\":\"\x1b[31mred\"}";
    write!(
        stream,
        "POST /contacts?x=1 HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .expect("the request is sent");
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);

    let mut stderr = BufReader::new(child.stderr.take().expect("piped stderr"));
    let mut seen = String::new();
    for _ in 0..50 {
        let mut line = String::new();
        match stderr.read_line(&mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        seen.push_str(&line);
        if line.contains("/contacts") {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();

    let line = seen
        .lines()
        .find(|l| l.contains("/contacts"))
        .unwrap_or_else(|| panic!("no journal line for /contacts in:\n{seen}"));
    assert!(
        line.starts_with("sandbox: POST /contacts?x=1 -> 400"),
        "{line}"
    );
    assert!(seen.contains("mred"), "the body is printed: {seen}");
    assert!(
        !seen.contains('\x1b'),
        "an escape reached the terminal: {seen:?}"
    );
    assert!(!seen.contains(&token), "the token was printed: {seen}");
}

/// Starts `intercom sandbox` with `args` and returns the child and the printed settings.
fn spawn_sandbox(args: &[&str]) -> (std::process::Child, serde_json::Value) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_intercom"))
        .arg("sandbox")
        .args(args)
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the intercom binary runs");
    let mut stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
    let mut printed = String::new();
    while !printed.trim_end().ends_with('}') {
        let mut line = String::new();
        if stdout.read_line(&mut line).expect("stdout is readable") == 0 {
            break;
        }
        printed.push_str(&line);
    }
    let info = serde_json::from_str(&printed).expect("the sandbox prints JSON");
    (child, info)
}

#[test]
fn sandbox_fixtures_and_save_keep_data_across_restarts() {
    let dir = std::env::temp_dir().join(format!("intercom-cli-fixtures-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let fixtures = dir.join("in.json");
    let saved = dir.join("out.json");
    std::fs::write(
        &fixtures,
        r#"{"contacts": [{"id": "c-1", "role": "user", "email": "kept@example.com"}]}"#,
    )
    .expect("fixtures written");
    let (mut child, info) = spawn_sandbox(&[
        "--fixtures",
        fixtures.to_str().expect("a UTF-8 path"),
        "--save",
        saved.to_str().expect("a UTF-8 path"),
    ]);
    let addr = info["base_url"]
        .as_str()
        .expect("a base_url")
        .trim_start_matches("http://")
        .to_owned();
    let token = info["access_token"].as_str().expect("a token").to_owned();
    let body = r#"{"role":"lead","email":"added@example.com"}"#;
    let mut stream = TcpStream::connect(&addr).expect("the sandbox accepts");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("a read timeout");
    write!(
        stream,
        "POST /contacts HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .expect("the request is sent");
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");

    // Ctrl-C saves the data.
    let interrupted = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(interrupted.success());
    let status = child.wait().expect("the sandbox exits");
    assert!(status.success(), "{status:?}");
    let text = std::fs::read_to_string(&saved).expect("the data was saved");
    assert!(text.contains("kept@example.com") && text.contains("added@example.com"));
    assert!(!text.contains(&token), "no token in the saved data");

    // A restart from the saved file serves both contacts.
    let (mut again, info) = spawn_sandbox(&["--fixtures", saved.to_str().expect("a UTF-8 path")]);
    let addr = info["base_url"]
        .as_str()
        .expect("a base_url")
        .trim_start_matches("http://")
        .to_owned();
    let token = info["access_token"].as_str().expect("a token").to_owned();
    let mut stream = TcpStream::connect(&addr).expect("the sandbox accepts");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("a read timeout");
    write!(
        stream,
        "GET /contacts HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
    )
    .expect("the request is sent");
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    let _ = again.kill();
    let _ = again.wait();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(answer.contains("\"total_count\":2"), "{answer}");
    assert!(answer.contains("added@example.com"), "{answer}");
}
