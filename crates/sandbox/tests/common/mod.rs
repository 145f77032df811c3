//! Helpers shared by the sandbox tests.
#![allow(dead_code, clippy::unwrap_used)]

use std::time::Duration;

use intercom_sandbox::SandboxHandle;
use intercom_transport::auth::Private;
use intercom_transport::{ApiError, Client, Error, ErrorCode};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A private-token client for `sandbox`, with retries off unless asked.
pub fn client(sandbox: &SandboxHandle) -> Client<Private> {
    client_with(sandbox, 1)
}

pub fn client_with(sandbox: &SandboxHandle, attempts: u32) -> Client<Private> {
    Client::builder()
        .base_url(sandbox.base_url())
        .allow_insecure_loopback(true)
        .max_attempts(attempts)
        .total_timeout(Duration::from_secs(20))
        .build()
        .unwrap()
        .with_access_token(sandbox.access_token())
}

/// The API error of `result`, panicking with context otherwise.
pub fn api_error<T: std::fmt::Debug>(result: Result<T, Error>) -> Box<ApiError> {
    match result {
        Err(Error::Api(e)) => e,
        other => panic!("expected an API error, got {other:?}"),
    }
}

pub fn code(e: &ApiError) -> &str {
    e.code().map(ErrorCode::as_str).unwrap_or("")
}

/// A raw HTTP/1.1 exchange, for requests the typed client cannot make (no token, odd headers).
pub struct RawResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl RawResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap()
    }
}

pub async fn raw(
    sandbox: &SandboxHandle,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> RawResponse {
    let mut stream = TcpStream::connect(sandbox.addr()).await.unwrap();
    let mut request = format!(
        "{method} {target} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n",
        sandbox.addr()
    );
    for (k, v) in headers {
        request.push_str(&format!("{k}: {v}\r\n"));
    }
    request.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes).await.unwrap();
    let text = String::from_utf8(bytes).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let mut lines = head.lines();
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    RawResponse {
        status,
        headers,
        body: body.to_owned(),
    }
}
