//! Output: JSON on stdout (pretty on a terminal, compact otherwise), messages on stderr. No
//! character that drives a terminal is printed raw, except the bytes of a non-JSON success
//! body written to a file or a pipe (a download must arrive unchanged).

use std::fmt::Write as _;
use std::io::{IsTerminal, Write};

use http::HeaderMap;
use intercom_sdk::transport::{is_unsafe_for_terminal, terminal_safe_lines};
use intercom_sdk::RawResponse;
use serde::Serialize;

use crate::fail::Failure;

/// `-v` logs requests (debug), `-vv` everything (trace). Tokens never appear: the
/// Authorization header is a sensitive value that prints as `Sensitive`.
pub fn init_tracing(verbose: u8) {
    let filter = match verbose {
        0 => return,
        1 => "intercom_transport=debug,intercom_cli=debug,intercom_sandbox=info",
        _ => "trace",
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_writer(std::io::stderr)
        // Colours only for a terminal: a log file or pipe gets no escape sequences.
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(true)
        .try_init();
}

fn pretty() -> bool {
    std::io::stdout().is_terminal()
}

fn render<T: Serialize + ?Sized>(value: &T) -> Result<String, Failure> {
    let text = if pretty() {
        serde_json::to_string_pretty(value)
    } else {
        serde_json::to_string(value)
    };
    text.map(escape_json)
        .map_err(|e| Failure::usage(format!("could not render JSON: {e}")))
}

/// Rendered JSON with DEL, the C1 controls and the bidirectional formatting characters
/// written as `\uXXXX` escapes. serde_json already escapes the C0 controls; these others can
/// only stand inside strings, where the escape means the same character, so the JSON is
/// unchanged while no character that drives or reorders a terminal is printed raw.
fn escape_json(text: String) -> String {
    let needs = |c: char| u32::from(c) >= 0x7f && is_unsafe_for_terminal(c);
    if !text.chars().any(needs) {
        return text;
    }
    let mut out = String::with_capacity(text.len().saturating_add(16));
    for c in text.chars() {
        if needs(c) {
            // Writing to a String cannot fail; these characters are all in the BMP.
            let _ = write!(out, "\\u{:04x}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    out
}

/// Prints one JSON value and a newline.
pub fn json<T: Serialize + ?Sized>(value: &T) -> Result<(), Failure> {
    let text = render(value)?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}")?;
    Ok(())
}

/// True when the response says its body is JSON (`application/json`, `…+json`).
fn says_json(headers: &HeaderMap) -> bool {
    headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|essence| {
            let essence = essence.trim().to_ascii_lowercase();
            essence == "application/json" || essence.ends_with("+json")
        })
        .unwrap_or(false)
}

/// Prints a successful response's body: re-rendered when it is JSON; an error (exit 1, with
/// an escaped, redacted excerpt on stderr) when it says it is JSON but does not parse; the
/// bytes as they are otherwise (a download), escaped when stdout is a terminal.
pub fn response(response: &RawResponse) -> Result<(), Failure> {
    if response.body.is_empty() {
        return Ok(());
    }
    if says_json(&response.headers) {
        return json(&json_body(response)?);
    }
    match serde_json::from_slice::<serde_json::Value>(&response.body) {
        Ok(value) => json(&value),
        Err(_) if pretty() => text(&response.body),
        Err(_) => {
            let mut out = std::io::stdout().lock();
            out.write_all(&response.body)?;
            Ok(())
        }
    }
}

/// A successful response's body as JSON, or an API failure (exit 1) that says the body is
/// not JSON and shows how it starts (escaped, redacted and short: the transport's excerpt).
pub fn json_body(response: &RawResponse) -> Result<serde_json::Value, Failure> {
    response.json().map_err(|err| match err {
        intercom_sdk::Error::Decode(d) => Failure::api(format!(
            "the server answered {} but its body is not valid JSON ({}); it starts with: {}",
            d.status, d.message, d.excerpt
        )),
        other => other.into(),
    })
}

/// Prints an error response's body: re-rendered when it is JSON, as escaped text otherwise
/// (an error page is for reading, never a download).
pub fn error_body(bytes: &[u8]) -> Result<(), Failure> {
    if bytes.is_empty() {
        return Ok(());
    }
    match serde_json::from_slice::<serde_json::Value>(bytes) {
        Ok(value) => json(&value),
        Err(_) => text(bytes),
    }
}

/// Prints bytes as text: invalid UTF-8 replaced, control characters escaped (line feeds
/// kept), ending with a newline.
fn text(bytes: &[u8]) -> Result<(), Failure> {
    let text = String::from_utf8_lossy(bytes);
    let shown = terminal_safe_lines(&text);
    let mut out = std::io::stdout().lock();
    out.write_all(shown.as_bytes())?;
    if !shown.ends_with('\n') {
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// Writes a JSON array one element at a time, so long listings stream in flat memory.
pub struct ArrayWriter {
    count: u64,
    progress: bool,
}

impl ArrayWriter {
    pub fn start() -> Result<Self, Failure> {
        write!(std::io::stdout().lock(), "[")?;
        Ok(Self {
            count: 0,
            progress: std::io::stderr().is_terminal(),
        })
    }

    pub fn push<T: Serialize>(&mut self, item: &T) -> Result<(), Failure> {
        let text = render(item)?;
        let mut out = std::io::stdout().lock();
        if self.count > 0 {
            write!(out, ",")?;
        }
        if pretty() {
            writeln!(out)?;
        }
        write!(out, "{text}")?;
        self.count = self.count.saturating_add(1);
        if self.progress && self.count.is_multiple_of(50) {
            eprint!("\rfetched {} …", self.count);
        }
        Ok(())
    }

    pub fn finish(self) -> Result<u64, Failure> {
        let mut out = std::io::stdout().lock();
        if pretty() && self.count > 0 {
            writeln!(out)?;
        }
        writeln!(out, "]")?;
        if self.progress {
            eprintln!("\rfetched {} in all", self.count);
        }
        Ok(self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rendered_json_escapes_del_c1_and_bidi_characters() {
        let value = serde_json::json!({ "k\u{9b}": "a\u{1b}[2J\u{7f}\u{9b}1m\u{202e}z\n" });
        let text = render(&value).expect("renders");
        assert!(
            !text.chars().any(|c| c != '\n' && is_unsafe_for_terminal(c)),
            "{text:?}"
        );
        let back: serde_json::Value = serde_json::from_str(&text).expect("still JSON");
        assert_eq!(back, value);
    }

    #[test]
    fn json_content_types() {
        for (value, json) in [
            ("application/json", true),
            ("application/json; charset=utf-8", true),
            ("Application/JSON", true),
            ("application/problem+json", true),
            ("text/plain", false),
            ("application/octet-stream", false),
        ] {
            let mut headers = HeaderMap::new();
            headers.insert(
                http::header::CONTENT_TYPE,
                http::HeaderValue::from_static(value),
            );
            assert_eq!(says_json(&headers), json, "{value}");
        }
        assert!(!says_json(&HeaderMap::new()));
    }
}
