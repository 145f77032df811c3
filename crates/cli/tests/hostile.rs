//! The `intercom` binary against a hostile server on 127.0.0.1: extreme rate-limit
//! and `Retry-After` values, absurd page numbers, broken JSON on 200 and escape sequences in
//! error messages. Whatever the server says, the CLI ends with a documented exit code (0–5),
//! never a panic (101), and never lets a raw ESC or BEL byte reach stdout or stderr.

use std::convert::Infallible;
use std::process::{Command, Output};

use bytes::Bytes;
use http::{Method, Response, StatusCode};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;

const TOKEN_ENV: &str = "INTERCOM_RS_HOSTILE_TEST_TOKEN";

/// How a scenario answers a request (method and path).
type Script = fn(&Method, &str) -> Response<Full<Bytes>>;

/// Serves `script` on 127.0.0.1 until the test's runtime ends; returns the base URL.
async fn serve(script: Script) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1");
    let addr = listener.local_addr().expect("local addr");
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let service = service_fn(move |request: http::Request<Incoming>| {
                let reply = script(request.method(), request.uri().path());
                async move { Ok::<_, Infallible>(reply) }
            });
            tokio::spawn(
                hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service),
            );
        }
    });
    format!("http://{addr}")
}

fn reply(status: u16, headers: &[(&str, &str)], body: impl Into<Bytes>) -> Response<Full<Bytes>> {
    let mut builder = Response::builder().status(StatusCode::from_u16(status).expect("status"));
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder.body(Full::new(body.into())).expect("response")
}

const JSON: (&str, &str) = ("content-type", "application/json");
const ADMIN: &str = r#"{"type":"admin","id":"1","name":"Ada","email":"ada@example.com"}"#;

/// A page of contacts that always has a next cursor, so `--all` asks for another.
fn endless_list(page: i64) -> String {
    format!(
        r#"{{"type":"list","data":[],"total_count":0,"pages":{{"type":"pages","page":{page},"per_page":50,"total_pages":{page},"next":{{"per_page":50,"starting_after":"c{page}"}}}}}}"#
    )
}

/// The ordinary answer for each path the CLI's commands use, with extra headers.
fn normal(method: &Method, path: &str, headers: &[(&str, &str)]) -> Response<Full<Bytes>> {
    let mut all = vec![JSON];
    all.extend_from_slice(headers);
    match (method, path) {
        (_, "/me") => reply(200, &all, ADMIN),
        (&Method::GET, "/contacts") | (&Method::POST, "/contacts/search") => {
            reply(200, &all, endless_list(1))
        }
        _ => reply(200, &all, r#"{"type":"contact","id":"x"}"#),
    }
}

const RESET_FAR: [(&str, &str); 3] = [
    ("x-ratelimit-limit", "1000"),
    ("x-ratelimit-remaining", "0"),
    ("x-ratelimit-reset", "18446744073709551614"),
];

fn rate_limit_reset_far(method: &Method, path: &str) -> Response<Full<Bytes>> {
    normal(method, path, &RESET_FAR)
}

fn rate_limited_429_reset_far(_: &Method, _: &str) -> Response<Full<Bytes>> {
    let mut headers = vec![JSON];
    headers.extend_from_slice(&RESET_FAR);
    reply(
        429,
        &headers,
        r#"{"type":"error.list","errors":[{"code":"rate_limit_exceeded","message":"slow down"}]}"#,
    )
}

fn retry_after_max_503(_: &Method, _: &str) -> Response<Full<Bytes>> {
    reply(
        503,
        &[JSON, ("retry-after", "18446744073709551615")],
        r#"{"type":"error.list","errors":[{"code":"server_error","message":"later"}]}"#,
    )
}

fn retry_after_max_429(_: &Method, _: &str) -> Response<Full<Bytes>> {
    reply(
        429,
        &[JSON, ("retry-after", "18446744073709551615")],
        r#"{"type":"error.list","errors":[{"code":"rate_limit_exceeded","message":"later"}]}"#,
    )
}

fn page_number_max(method: &Method, path: &str) -> Response<Full<Bytes>> {
    match (method, path) {
        (&Method::GET, "/contacts") | (&Method::POST, "/contacts/search") => {
            reply(200, &[JSON], endless_list(i64::MAX))
        }
        _ => normal(method, path, &[]),
    }
}

fn broken_json(_: &Method, _: &str) -> Response<Full<Bytes>> {
    reply(200, &[JSON], r#"{"type":"admin","id":"#)
}

fn broken_json_with_escapes(_: &Method, _: &str) -> Response<Full<Bytes>> {
    reply(
        200,
        &[JSON],
        &b"{\"type\":\"admin\x1b[2J\x1b[31m\x07\x1b]0;pwned\x07\x9b1m"[..],
    )
}

fn escapes_in_error_list(_: &Method, _: &str) -> Response<Full<Bytes>> {
    reply(
        400,
        &[JSON],
        r#"{"type":"error.list","request_id":"r\u001b[2J","errors":[{"code":"bad\u0007","message":"\u001b[2J\u001b[31mred\u0007\u001b]0;title\u0007\u009b31m","field":"f\u001b[1m"}]}"#,
    )
}

fn escapes_in_error_message(_: &Method, _: &str) -> Response<Full<Bytes>> {
    reply(
        404,
        &[JSON],
        r#"{"type":"error","message":"gone\r\n\u001b[2Jerror: fake\u0007"}"#,
    )
}

fn escapes_in_unauthorized(_: &Method, _: &str) -> Response<Full<Bytes>> {
    reply(
        401,
        &[JSON],
        r#"{"type":"error.list","errors":[{"code":"unauthorized","message":"\u001b[2Jno\u0007"}]}"#,
    )
}

fn escapes_in_plain_error(_: &Method, _: &str) -> Response<Full<Bytes>> {
    reply(
        500,
        &[("content-type", "text/plain")],
        &b"oops \x1b[2J\x1b[31m\x07"[..],
    )
}

/// Runs the CLI against `base_url` with a token in the environment, tracing everything
/// (bodies included) to stderr.
fn run(base_url: &str, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_intercom"));
    cmd.args([
        "-vv",
        "--base-url",
        base_url,
        "--allow-insecure-loopback",
        "--token-env",
        TOKEN_ENV,
        "--timeout",
        "10",
        "--max-retries",
        "2",
    ])
    .args(args)
    .env_remove("RUST_LOG")
    .env(TOKEN_ENV, "dG9rOmhvc3RpbGUtdGVzdA==");
    cmd.output().expect("the intercom binary runs")
}

const COMMANDS: &[&[&str]] = &[
    &["me"],
    &["contacts", "list"],
    &["contacts", "list", "--all"],
    &["contacts", "get", "c1"],
    &[
        "contacts",
        "search",
        "--query",
        r#"{"field":"email","operator":"=","value":"a@example.com"}"#,
    ],
    &["api", "GET", "/me"],
    &["api", "GET", "/contacts"],
];

/// Checks one run: a documented exit code, and no raw ESC, BEL or CSI on either stream.
/// Returns the exit code.
fn check(scenario: &str, args: &[&str], out: &Output) -> i32 {
    let stderr = String::from_utf8_lossy(&out.stderr);
    let code = out.status.code();
    assert!(
        matches!(code, Some(0..=5)),
        "{scenario} {args:?}: exit {code:?} (101 is a panic)\nstderr: {stderr}"
    );
    for (name, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        let text = String::from_utf8_lossy(bytes);
        assert!(
            !bytes.contains(&0x1b) && !bytes.contains(&0x07) && !text.contains('\u{9b}'),
            "{scenario} {args:?}: a raw control character reached {name}: {text:?}"
        );
    }
    code.unwrap_or(-1)
}

async fn scenario(name: &str, script: Script) -> Vec<(Vec<String>, i32, String)> {
    let base = serve(script).await;
    let name = name.to_owned();
    tokio::task::spawn_blocking(move || {
        COMMANDS
            .iter()
            .map(|args| {
                let out = run(&base, args);
                let code = check(&name, args, &out);
                let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
                (args.iter().map(|a| (*a).to_owned()).collect(), code, stderr)
            })
            .collect()
    })
    .await
    .expect("the scenario runs")
}

// Findings 1, 2 and 4 are fixed in the transport and pagination; these tests check what the
// CLI makes of them: a documented exit code, never a panic.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limit_reset_near_u64_max_never_panics() {
    scenario("reset far", rate_limit_reset_far).await;
    scenario("429 reset far", rate_limited_429_reset_far).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_u64_max_never_panics() {
    for (_, code, stderr) in scenario("503 retry-after max", retry_after_max_503).await {
        assert_eq!(code, 1, "{stderr}");
    }
    for (_, code, stderr) in scenario("429 retry-after max", retry_after_max_429).await {
        assert_eq!(code, 1, "{stderr}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn page_number_i64_max_never_panics() {
    scenario("page i64::MAX", page_number_max).await;
}

/// a 200 whose JSON does not parse is an error (exit 1) that says so and shows,
/// on stderr, a short, escaped excerpt of what arrived; nothing goes to stdout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broken_json_on_200_exits_1_and_says_so() {
    for (args, code, stderr) in scenario("broken JSON", broken_json).await {
        assert_eq!(code, 1, "{args:?} must fail on broken JSON: {stderr}");
        assert!(
            stderr.contains("not valid JSON") || stderr.contains("could not decode"),
            "{args:?}: {stderr}"
        );
        assert!(
            stderr.contains(r#"{"type":"admin","id":"#),
            "{args:?}: {stderr}"
        );
    }
    for (args, code, stderr) in scenario("broken JSON with escapes", broken_json_with_escapes).await
    {
        assert_eq!(code, 1, "{args:?}: {stderr}");
        assert!(stderr.contains(r"\u{1b}[2J"), "{args:?}: escaped: {stderr}");
    }
}

/// control characters in an API error's text are shown escaped, not obeyed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn escape_sequences_in_error_messages_are_escaped() {
    for (args, code, stderr) in scenario("escapes in error.list", escapes_in_error_list).await {
        assert_eq!(code, 1, "{args:?}: {stderr}");
        assert!(stderr.contains(r"\u{1b}[31mred"), "{args:?}: {stderr}");
    }
    for (args, code, stderr) in scenario("escapes in message", escapes_in_error_message).await {
        assert_eq!(code, 1, "{args:?}: {stderr}");
        // The message's line break is escaped too: a server cannot start a fake line.
        assert!(!stderr.contains("\nerror: fake"), "{args:?}: {stderr}");
    }
    for (args, code, stderr) in scenario("escapes in 401", escapes_in_unauthorized).await {
        assert_eq!(code, 3, "{args:?}: {stderr}");
    }
    for (args, code, stderr) in scenario("escapes in text/plain 500", escapes_in_plain_error).await
    {
        assert_eq!(code, 1, "{args:?}: {stderr}");
    }
}
