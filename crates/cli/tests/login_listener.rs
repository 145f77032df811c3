//! `intercom oauth login`'s loopback listener: connections are
//! served concurrently, so an idle connection (any local process, a browser's preconnect)
//! cannot stall the login; and what a callback says is shown with its control characters
//! escaped. The authorization server is the in-process sandbox; everything is on 127.0.0.1.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::TokioIo;
use intercom_sandbox::{Sandbox, SandboxHandle};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

const SECRET_ENV: &str = "INTERCOM_RS_LOGIN_TEST_SECRET";

/// A free port on 127.0.0.1 (bound, then released for the CLI to take).
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

/// A sandbox whose registered redirect URI is the CLI's listener on `port`.
async fn sandbox_for(port: u16) -> SandboxHandle {
    Sandbox::builder()
        .seed(3)
        .redirect_uri(format!("http://127.0.0.1:{port}/callback"))
        .start()
        .await
        .expect("sandbox starts")
}

/// Starts `intercom oauth login` against `sandbox` on `port`; returns the child, the
/// authorize URL it printed, and the rest of its stderr as it comes.
fn start_login(sandbox: &SandboxHandle, port: u16) -> (Child, String, mpsc::Receiver<String>) {
    let port = port.to_string();
    let authorize = sandbox.authorize_base();
    let mut child = Command::new(env!("CARGO_BIN_EXE_intercom"))
        .args([
            "--base-url",
            sandbox.base_url(),
            "--allow-insecure-loopback",
            "oauth",
            "login",
            "--client-id",
            sandbox.client_id(),
            "--client-secret-env",
            SECRET_ENV,
            "--authorize-url",
            &authorize,
            "--port",
            &port,
            "--wait",
            "20",
        ])
        .env(SECRET_ENV, sandbox.client_secret_plaintext())
        .env_remove("RUST_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the intercom binary starts");
    let stderr = child.stderr.take().expect("stderr");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).split(b'\n') {
            let Ok(line) = line else { break };
            if tx
                .send(String::from_utf8_lossy(&line).into_owned())
                .is_err()
            {
                break;
            }
        }
    });
    let url = loop {
        let line = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("the CLI prints the authorize URL");
        if let Some(url) = line.trim().strip_prefix("http") {
            break format!("http{url}");
        }
    };
    (child, url, rx)
}

/// GET `url` (http, loopback) on a new connection; returns the status and `Location`.
async fn get(url: &str) -> (u16, Option<String>, String) {
    let uri: http::Uri = url.parse().expect("a URL");
    let host = uri.host().expect("host").to_owned();
    let port = uri.port_u16().expect("port");
    let stream = TcpStream::connect((host.as_str(), port))
        .await
        .expect("connect");
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .expect("handshake");
    tokio::spawn(connection);
    let request = http::Request::get(uri.path_and_query().expect("path").as_str())
        .header("host", format!("{host}:{port}"))
        .body(Empty::<Bytes>::new())
        .expect("request");
    let response = sender.send_request(request).await.expect("a response");
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    (
        status,
        location,
        String::from_utf8_lossy(&body).into_owned(),
    )
}

/// Waits for the child to exit (at most `limit`), killing it after that.
fn wait_exit(child: &mut Child, limit: Duration) -> Option<i32> {
    let start = std::time::Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return status.code();
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_connection_does_not_stall_the_login() {
    let port = free_port();
    let sandbox = sandbox_for(port).await;
    let (mut child, authorize, _stderr) = start_login(&sandbox, port);

    // A connection that says nothing, and one that stops in the middle of its request line.
    let idle = TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("idle connection");
    let mut slow = TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("slow connection");
    slow.write_all(b"GET /callback?co").await.expect("write");

    // The browser: the sandbox approves at once and redirects to the listener.
    let (status, location, _) = get(&authorize).await;
    assert!((300..400).contains(&status), "authorize answered {status}");
    let location = location.expect("a redirect to the callback");
    let (status, _, page) = tokio::time::timeout(Duration::from_secs(15), get(&location))
        .await
        .expect("the callback is answered while the idle connections stay open");
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Authorized"), "{page}");

    let code = tokio::task::spawn_blocking(move || wait_exit(&mut child, Duration::from_secs(15)))
        .await
        .expect("join");
    assert_eq!(code, Some(0), "the login completes");
    drop((idle, slow));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_callback_error_is_shown_with_its_escapes_escaped() {
    let port = free_port();
    let sandbox = sandbox_for(port).await;
    let (mut child, _, stderr) = start_login(&sandbox, port);
    let forged = format!(
        "http://127.0.0.1:{port}/callback?error=access_denied%1B%5B2J&error_description=no%1B%5D0%3Btitle%07%1B%5B31m%0D%0Aerror%3A%20fake"
    );
    let (status, _, _) = get(&forged).await;
    assert_eq!(status, 400);
    let code = tokio::task::spawn_blocking(move || wait_exit(&mut child, Duration::from_secs(15)))
        .await
        .expect("join");
    assert_eq!(code, Some(3), "a refused callback is a credentials failure");
    // The reader thread ends, and the channel closes, when the child's stderr does.
    let text: Vec<String> = stderr.iter().collect();
    let text = text.join("\n");
    assert!(text.contains("OAuth callback rejected"), "{text}");
    assert!(
        !text.contains('\u{1b}') && !text.contains('\u{7}'),
        "raw control characters on stderr: {text:?}"
    );
    assert!(!text.contains("\nerror: fake"), "a forged line: {text}");
}
