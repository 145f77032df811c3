//! `intercom oauth url` and `intercom oauth login`: the OAuth flow with a loopback listener.

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use intercom_sdk::auth::{ClientSecret, CsrfState, OAuthApp, OAuthToken};
use intercom_sdk::transport::{terminal_safe, ApiRequest};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use url::Url;

use crate::cli::{AppArgs, Global, OauthCommand};
use crate::commands::{build_client, start_sandbox};
use crate::fail::Failure;
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
    // clap keeps `--wait` within 1..=MAX_SECS; tokio caps a deadline past its clock's range.
    let code = tokio::time::timeout(Duration::from_secs(wait), accept_callback(&listener, state))
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

/// Serves the loopback redirect: answers every request, returns the code of the first
/// callback whose `state` matches. The state is consumed by that check.
async fn accept_callback(
    listener: &TcpListener,
    state: CsrfState,
) -> Result<intercom_sdk::auth::AuthorizationCode, Failure> {
    loop {
        let (mut socket, _) = listener.accept().await?;
        let Some(target) = read_target(&mut socket).await else {
            continue;
        };
        if !target.starts_with("/callback") {
            respond(&mut socket, "404 Not Found", "Not the OAuth callback.").await;
            continue;
        }
        return match state.verify_callback(&target) {
            Ok(code) => {
                respond(
                    &mut socket,
                    "200 OK",
                    "Authorized. You can close this window and return to the terminal.",
                )
                .await;
                Ok(code)
            }
            Err(err) => {
                respond(
                    &mut socket,
                    "400 Bad Request",
                    "Authorization failed; see the terminal.",
                )
                .await;
                Err(Failure::credentials(format!(
                    "OAuth callback rejected: {err}"
                )))
            }
        };
    }
}

/// Reads an HTTP/1 request head and returns its target (path and query).
async fn read_target(socket: &mut TcpStream) -> Option<String> {
    let mut head = Vec::with_capacity(1024);
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16 * 1024 {
        let n = socket.read(&mut buf).await.ok()?;
        if n == 0 {
            break;
        }
        head.extend_from_slice(&buf[..n]);
    }
    let line = head.split(|&b| b == b'\n').next()?;
    let line = std::str::from_utf8(line).ok()?.trim_end();
    let mut parts = line.split(' ');
    let _method = parts.next()?;
    parts.next().map(str::to_owned)
}

async fn respond(socket: &mut TcpStream, status: &str, message: &str) {
    let page = format!("<!doctype html><title>intercom</title><p>{message}</p>\n");
    let reply = format!(
        "HTTP/1.1 {status}\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{page}",
        page.len()
    );
    let _ = socket.write_all(reply.as_bytes()).await;
    let _ = socket.shutdown().await;
}

/// For `--sandbox` only: GET the authorize URL, then GET wherever it redirects (our listener).
async fn play_browser(authorize: String) {
    let Some(location) = http_get(&authorize).await else {
        return;
    };
    let _ = http_get(&location).await;
}

/// A minimal HTTP/1.1 GET over plain TCP to a loopback URL; returns the `Location` header.
async fn http_get(url: &str) -> Option<String> {
    let url = Url::parse(url).ok()?;
    if url.scheme() != "http" {
        return None;
    }
    let host = url.host_str()?;
    let port = url.port_or_known_default()?;
    let mut stream = TcpStream::connect((host, port)).await.ok()?;
    let target = match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_owned(),
    };
    let request =
        format!("GET {target} HTTP/1.1\r\nhost: {host}:{port}\r\nconnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.ok()?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.ok()?;
    let text = String::from_utf8_lossy(&response);
    text.lines().take_while(|l| !l.is_empty()).find_map(|l| {
        let (name, value) = l.split_once(':')?;
        name.eq_ignore_ascii_case("location")
            .then(|| value.trim().to_owned())
    })
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
