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
