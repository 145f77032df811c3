//! The quickstart (README's first command).
//!
//! Until the sandbox crate exists, this starts a tiny loopback HTTP server of its own that
//! answers `GET /me` like Intercom, and calls it through a `Client<Private>`; it then shows the
//! typed error of a bad token. With `INTERCOM_ACCESS_TOKEN` set it calls the real `GET /me`
//! instead (read-only).

use intercom_sdk::prelude::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const ME: &str = r#"{"type":"admin","id":"991267459","email":"ada@example.com","name":"Ada","app":{"type":"app","id_code":"abc123","name":"Example","region":"US"}}"#;
const UNAUTHORIZED: &str = r#"{"type":"error.list","request_id":"req-quickstart-1","errors":[{"code":"unauthorized","message":"Access Token Invalid"}]}"#;
const GOOD_TOKEN: &str = "dG9rOnF1aWNrc3RhcnQ=";

/// Answers each connection's first request: `/me` with the good token, else 401.
async fn serve(listener: TcpListener) {
    while let Ok((mut socket, _)) = listener.accept().await {
        tokio::spawn(async move {
            let mut buf = vec![0u8; 8192];
            let Ok(n) = socket.read(&mut buf).await else {
                return;
            };
            let head = String::from_utf8_lossy(&buf[..n]).to_ascii_lowercase();
            let authorized = head.contains(&format!(
                "authorization: bearer {}",
                GOOD_TOKEN.to_ascii_lowercase()
            ));
            let (status, body) = if authorized && head.starts_with("get /me ") {
                ("200 OK", ME)
            } else {
                ("401 Unauthorized", UNAUTHORIZED)
            };
            let reply = format!(
                "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
                 x-ratelimit-limit: 166\r\nx-ratelimit-remaining: 165\r\nx-ratelimit-reset: 4102444800\r\n\
                 connection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = socket.write_all(reply.as_bytes()).await;
        });
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    if std::env::var_os("INTERCOM_ACCESS_TOKEN").is_some() {
        let client = Client::builder()
            .build()?
            .with_access_token(AccessToken::from_env()?);
        let me: serde_json::Value = client.send(ApiRequest::get("/me")).await?;
        println!(
            "GET /me against the real API: {} <{}>",
            me["name"], me["email"]
        );
        return Ok(());
    }

    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    tokio::spawn(serve(listener));
    println!("local stand-in server at {base} (the sandbox will replace it)");

    let unauthenticated = Client::builder()
        .base_url(&base)
        .allow_insecure_loopback(true)
        .build()?;
    let client = unauthenticated.with_access_token(AccessToken::new(GOOD_TOKEN)?);
    println!("client: {client:?}");

    let me = client.execute(ApiRequest::get("/me")).await?;
    let admin: serde_json::Value = me.json()?;
    println!(
        "GET /me -> {} {} <{}>",
        me.status, admin["name"], admin["email"]
    );
    if let Some(rl) = me.rate_limit {
        println!(
            "rate limit: {} of {} left in this window",
            rl.remaining, rl.limit
        );
    }

    let wrong = unauthenticated.with_access_token(AccessToken::new("not-the-right-token")?);
    match wrong.execute(ApiRequest::get("/me")).await {
        Err(err) if err.is_unauthorized() => println!("with a wrong token: {err}"),
        other => println!("unexpected: {other:?}"),
    }

    match AccessToken::new("pasted with a newline\n") {
        Err(err) => println!("building a bad token: {err}"),
        Ok(_) => println!("unexpected: a token with a newline was accepted"),
    }
    Ok(())
}
