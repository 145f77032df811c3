//! How the CLI fails: a message for stderr and a documented exit code.

use std::fmt;

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

/// A failed command.
#[derive(Debug)]
pub struct Failure {
    code: u8,
    message: String,
}

impl Failure {
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
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<Error> for Failure {
    fn from(err: Error) -> Self {
        let code = match &err {
            Error::Api(api) if api.is_unauthorized() => CREDENTIALS,
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
