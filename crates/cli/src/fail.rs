//! How the CLI fails: a message for stderr and a documented exit code.

use std::fmt;

use intercom_sdk::transport::terminal_safe_lines;
use intercom_sdk::Error;

/// An API error (4xx/5xx other than 401).
pub const API: u8 = 1;
/// Bad arguments or input.
pub const USAGE: u8 = 2;
/// Missing or invalid credentials (including a 401 from the API).
pub const CREDENTIALS: u8 = 3;
/// Connect failure, timeout, body limit, refused redirect.
pub const TRANSPORT: u8 = 4;
/// A webhook signature did not verify.
pub const SIGNATURE: u8 = 5;

/// The most of a message that is shown (a server's error text can be long).
const MAX_MESSAGE_BYTES: usize = 4096;

/// A failed command.
#[derive(Debug)]
pub struct Failure {
    code: u8,
    message: String,
}

impl Failure {
    pub fn api(message: impl Into<String>) -> Self {
        Self {
            code: API,
            message: message.into(),
        }
    }

    pub fn usage(message: impl Into<String>) -> Self {
        Self {
            code: USAGE,
            message: message.into(),
        }
    }

    pub fn credentials(message: impl Into<String>) -> Self {
        Self {
            code: CREDENTIALS,
            message: message.into(),
        }
    }

    pub fn signature(message: impl Into<String>) -> Self {
        Self {
            code: SIGNATURE,
            message: message.into(),
        }
    }

    pub fn transport(message: impl Into<String>) -> Self {
        Self {
            code: TRANSPORT,
            message: message.into(),
        }
    }

    pub fn code(&self) -> u8 {
        self.code
    }
}

impl fmt::Display for Failure {
    /// The message made safe for a terminal: its control characters escaped (line feeds
    /// kept, for the CLI's own hints) and at most [`MAX_MESSAGE_BYTES`] of it shown. Every
    /// error text the CLI prints goes through here, whatever its source.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut end = self.message.len().min(MAX_MESSAGE_BYTES);
        while !self.message.is_char_boundary(end) {
            end = end.saturating_sub(1);
        }
        let shown = self.message.get(..end).unwrap_or_default();
        f.write_str(&terminal_safe_lines(shown))?;
        if end < self.message.len() {
            f.write_str("…")?;
        }
        Ok(())
    }
}

impl From<Error> for Failure {
    fn from(err: Error) -> Self {
        let code = match &err {
            Error::Api(api) if api.is_unauthorized() => CREDENTIALS,
            // A 2xx whose body is not the JSON expected is the API's failure too.
            Error::Api(_) | Error::Decode(_) | Error::RateLimitExhausted { .. } => API,
            Error::OAuth(_) => CREDENTIALS,
            Error::InvalidRequest { .. } | Error::Config(_) => USAGE,
            _ => TRANSPORT,
        };
        let mut message = err.to_string();
        if code == CREDENTIALS {
            message.push_str(
                "\nhint: check the token in the environment variable named by --token-env",
            );
        }
        Self { code, message }
    }
}

impl From<std::io::Error> for Failure {
    fn from(err: std::io::Error) -> Self {
        Self::usage(format!("I/O error: {err}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_escaped_and_bounded() {
        let failure = Failure::usage("one\ntwo\r\u{1b}[2J\u{7}\u{9b}");
        assert_eq!(failure.to_string(), "one\ntwo\\r\\u{1b}[2J\\u{7}\\u{9b}");
        let long = Failure::usage("é".repeat(MAX_MESSAGE_BYTES));
        let shown = long.to_string();
        assert!(shown.ends_with('…'));
        assert!(shown.len() <= MAX_MESSAGE_BYTES.saturating_add('…'.len_utf8()));
    }
}
