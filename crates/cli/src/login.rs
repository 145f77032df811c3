//! `intercom oauth url` and `intercom oauth login`: the OAuth flow with a loopback listener.

use std::convert::Infallible;
use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderValue, Request, Response, StatusCode};
use http_body_util::{BodyExt, Empty, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use intercom_sdk::auth::{AuthorizationCode, ClientSecret, CsrfState, OAuthApp, OAuthToken};
use intercom_sdk::transport::{terminal_safe, ApiRequest};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use url::Url;

use crate::cli::{AppArgs, Global, OauthCommand};
use crate::fail::Failure;
use crate::setup::{build_client, start_sandbox};
use crate::{env, output};

pub async fn run(global: &Global, command: OauthCommand) -> Result<(), Failure> {
    match command {
        OauthCommand::Url { app, redirect_uri } => {
            let sandbox = if global.sandbox {
                Some(start_sandbox(0, 1, redirect_uri.clone()).await?)
            } else {
                None
            };
            let app = oauth_app(&app, sandbox.as_ref(), redirect_uri.as_deref())?;
            let (url, _state) = app.authorize_url();
            eprintln!("open this URL in a browser; check that the callback's `state` matches the one in it");
            output::json(url.as_str())
        }
        OauthCommand::Login {
            app,
            port,
            save,
            print_token,
            wait,
        } => login(global, &app, port, save.as_deref(), print_token, wait).await,
    }
}

fn oauth_app(
    args: &AppArgs,
    sandbox: Option<&intercom_sandbox::SandboxHandle>,
    redirect_uri: Option<&str>,
) -> Result<OAuthApp, Failure> {
    let (client_id, secret, authorize) = match sandbox {
        Some(s) => (
            s.client_id().to_owned(),
            s.client_secret(),
            Some(s.authorize_base()),
        ),
        None => {
            let client_id = args
                .client_id
                .clone()
                .ok_or_else(|| Failure::usage("--client-id is required (or use --sandbox)"))?;
            let raw = env::read("--client-secret-env", &args.client_secret_env)?;
            let secret = ClientSecret::new(raw)
                .map_err(|e| Failure::credentials(format!("{}: {e}", args.client_secret_env)))?;
            (client_id, secret, args.authorize_url.clone())
        }
    };
    let mut app = OAuthApp::new(client_id, secret).map_err(|e| Failure::usage(e.to_string()))?;
    if let Some(uri) = redirect_uri {
        let uri = Url::parse(uri).map_err(|e| Failure::usage(format!("--redirect-uri: {e}")))?;
        app = app.with_redirect_uri(uri);
    }
    if let Some(base) = authorize {
        let base =
            Url::parse(&base).map_err(|e| Failure::usage(format!("--authorize-url: {e}")))?;
        app = app
            .with_authorize_base(base)
            .map_err(|e| Failure::usage(e.to_string()))?;
    }
    Ok(app)
}

async fn login(
    global: &Global,
    args: &AppArgs,
    port: u16,
    save: Option<&Path>,
    print_token: bool,
    wait: u64,
) -> Result<(), Failure> {
    let listener = TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|e| Failure::usage(format!("cannot listen on 127.0.0.1:{port}: {e}")))?;
    let port = listener.local_addr()?.port();
    let redirect_uri = format!("http://127.0.0.1:{port}/callback");
    let sandbox = if global.sandbox {
        Some(start_sandbox(0, 1, Some(redirect_uri.clone())).await?)
    } else {
        None
    };
    let app = oauth_app(args, sandbox.as_ref(), Some(&redirect_uri))?;
    let client = build_client(global, sandbox.as_ref().map(|s| s.base_url()))?;

    let (url, state) = app.authorize_url();
    eprintln!("waiting for the OAuth callback on {redirect_uri}");
    eprintln!(
        "open this URL in a browser to authorize the app:\n  {}",
        terminal_safe(url.as_str())
    );
    if sandbox.is_some() {
        // The sandbox approves at once; play the browser's part.
        tokio::spawn(play_browser(url.to_string()));
    }
    let callback = accept_callback(&listener, state, HEADER_READ_TIMEOUT);
    // clap keeps `--wait` within 1..=MAX_SECS; tokio caps a deadline past its clock's range.
    let code = tokio::time::timeout(Duration::from_secs(wait), callback)
        .await
        .map_err(|_| Failure::transport(format!("no OAuth callback within {wait} s")))??;
    let token = client.exchange_code(&app, code).await?;
    eprintln!("authorized: token received");

    let me = client
        .with_oauth_token(token.clone())
        .execute(ApiRequest::get("/me"))
        .await?;
    if let Some(path) = save {
        save_token(path, &token)?;
        eprintln!(
            "token saved to {} (mode 0600)",
            terminal_safe(&path.display().to_string())
        );
    }
    if print_token {
        let value = token.reveal_for_storage();
        println!("{}", value.as_str());
    } else {
        output::json(&output::json_body(&me)?)?;
    }
    if let Some(s) = sandbox {
        s.shutdown().await;
    }
    Ok(())
}

/// How long a connection to the loopback listener may take to send its request head.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a connection may stay open in all (a slow reader of the answer).
const CONNECTION_TIMEOUT: Duration = Duration::from_secs(30);

/// What the callback brought: the authorization code, or why there is none.
type Outcome = Result<AuthorizationCode, Failure>;

/// Serves the loopback redirect until a callback arrives: every connection in a task of its
/// own (hyper's HTTP/1, one request per connection, `header_timeout` to send the request
/// head), so an idle or slow connection cannot hold up another. The first request for
/// `/callback` spends the state, and its outcome, once its answer has been sent, is the
/// result. Connections still open then are dropped.
async fn accept_callback(
    listener: &TcpListener,
    state: CsrfState,
    header_timeout: Duration,
) -> Outcome {
    let state = Arc::new(Mutex::new(Some(state)));
    let (sender, mut outcomes) = mpsc::channel::<Outcome>(1);
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            Some(outcome) = outcomes.recv() => return outcome,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    connections.spawn(serve_connection(
                        stream,
                        Arc::clone(&state),
                        sender.clone(),
                        header_timeout,
                    ));
                }
                // Out of file descriptors, say: other connections may free some.
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

/// Serves one connection; sends the outcome of a callback on `outcomes` once the answer is
/// written.
async fn serve_connection(
    stream: TcpStream,
    state: Arc<Mutex<Option<CsrfState>>>,
    outcomes: mpsc::Sender<Outcome>,
    header_timeout: Duration,
) {
    let outcome: Arc<Mutex<Option<Outcome>>> = Arc::default();
    let service = {
        let outcome = Arc::clone(&outcome);
        service_fn(move |request: Request<Incoming>| {
            let (status, message) = answer(&request, &state, &outcome);
            async move { Ok::<_, Infallible>(page(status, message)) }
        })
    };
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout)
        .keep_alive(false);
    let connection = builder.serve_connection(TokioIo::new(stream), service);
    // A failed or timed-out connection has nothing to report but a callback it answered.
    let _ = tokio::time::timeout(CONNECTION_TIMEOUT, connection).await;
    let taken = outcome.lock().ok().and_then(|mut slot| slot.take());
    if let Some(outcome) = taken {
        let _ = outcomes.send(outcome).await;
    }
}

/// Answers one request; a request for `/callback` spends the state and leaves its outcome
/// in `outcome`.
fn answer(
    request: &Request<Incoming>,
    state: &Mutex<Option<CsrfState>>,
    outcome: &Mutex<Option<Outcome>>,
) -> (StatusCode, &'static str) {
    if request.uri().path() != "/callback" {
        return (StatusCode::NOT_FOUND, "Not the OAuth callback.");
    }
    let Some(state) = state.lock().ok().and_then(|mut slot| slot.take()) else {
        return (
            StatusCode::CONFLICT,
            "This login has already received its callback.",
        );
    };
    let target = request
        .uri()
        .path_and_query()
        .map_or("/callback", |p| p.as_str());
    let (status, message, result) = match state.verify_callback(target) {
        Ok(code) => (
            StatusCode::OK,
            "Authorized. You can close this window and return to the terminal.",
            Ok(code),
        ),
        Err(err) => (
            StatusCode::BAD_REQUEST,
            "Authorization failed; see the terminal.",
            Err(Failure::credentials(format!(
                "OAuth callback rejected: {err}"
            ))),
        ),
    };
    if let Ok(mut slot) = outcome.lock() {
        *slot = Some(result);
    }
    (status, message)
}

/// A small HTML page.
fn page(status: StatusCode, message: &'static str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(format!(
        "<!doctype html><title>intercom</title><p>{message}</p>\n"
    ))));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    // The callback's URL holds the code: keep it out of caches and Referer headers.
    headers.insert(
        http::header::CACHE_CONTROL,
        HeaderValue::from_static("no-store"),
    );
    headers.insert(
        http::header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

/// For `--sandbox` only: GET the authorize URL, then GET wherever it redirects (our listener).
async fn play_browser(authorize: String) {
    let Some(location) = http_get(&authorize).await else {
        return;
    };
    let _ = http_get(&location).await;
}

/// GET a plain-http URL over one HTTP/1.1 connection (hyper's client); returns the
/// `Location` header of the answer.
async fn http_get(url: &str) -> Option<String> {
    let url = Url::parse(url).ok()?;
    if url.scheme() != "http" {
        return None;
    }
    let host = url.host_str()?;
    let port = url.port_or_known_default()?;
    let stream = TcpStream::connect((host, port)).await.ok()?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .ok()?;
    tokio::spawn(connection);
    let target = match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_owned(),
    };
    let request = Request::get(target)
        .header(http::header::HOST, format!("{host}:{port}"))
        .body(Empty::<Bytes>::new())
        .ok()?;
    let response = sender.send_request(request).await.ok()?;
    let location = response
        .headers()
        .get(http::header::LOCATION)?
        .to_str()
        .ok()?
        .to_owned();
    // Read the (small) body so the server sees a complete exchange.
    let _ = response.into_body().collect().await;
    Some(location)
}

fn save_token(path: &Path, token: &OAuthToken) -> Result<(), Failure> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .map_err(|e| Failure::usage(format!("cannot write {}: {e}", path.display())))?;
    #[cfg(unix)]
    {
        // An existing file keeps its old mode on open: tighten it.
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    let value = token.reveal_for_storage();
    file.write_all(value.as_bytes())?;
    file.write_all(b"\n")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    fn state() -> CsrfState {
        let secret = ClientSecret::new("test-client-secret").expect("a valid secret");
        let app = OAuthApp::new("test-client", secret).expect("a valid app");
        app.authorize_url().1
    }

    /// An idle connection is closed once the header timeout passes, while a callback on
    /// another connection is answered in the meantime.
    #[tokio::test]
    async fn idle_connections_time_out_and_do_not_block_others() {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let server = tokio::spawn(async move {
            accept_callback(&listener, state(), Duration::from_millis(300)).await
        });
        let mut idle = TcpStream::connect(("127.0.0.1", port))
            .await
            .expect("connect");

        let mut other = TcpStream::connect(("127.0.0.1", port))
            .await
            .expect("connect");
        other
            .write_all(b"GET /favicon.ico HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n")
            .await
            .expect("write");
        let mut answer = Vec::new();
        tokio::time::timeout(Duration::from_secs(20), other.read_to_end(&mut answer))
            .await
            .expect("the second connection is answered")
            .expect("read");
        assert!(answer.starts_with(b"HTTP/1.1 404"), "{answer:?}");

        // The idle connection is closed by the listener (hyper may first answer 408).
        let mut rest = Vec::new();
        let closed = tokio::time::timeout(Duration::from_secs(20), idle.read_to_end(&mut rest))
            .await
            .expect("the idle connection is closed after the header timeout");
        assert!(
            closed.is_err() || !rest.starts_with(b"HTTP/1.1 200"),
            "{rest:?}"
        );
        assert!(
            !server.is_finished(),
            "the login still waits for its callback"
        );
        server.abort();
    }
}
