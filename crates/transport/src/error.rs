//! The transport crate's error type, and Intercom's API error shapes.
//!
//! Over 600 lines because it holds one error type and the API error shapes it decodes
//! (`ApiError`, `ErrorCode`), with the terminal-safety helpers every `Display` here uses;
//! about 130 lines are tests.

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, StatusCode};

use crate::ratelimit::RateLimit;
use crate::transport::TransportError;

/// Everything that can go wrong with a call. Never holds a token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Intercom (or the server at the base URL) answered with a non-2xx, non-3xx status.
    #[error(transparent)]
    Api(Box<ApiError>),
    /// A deadline passed.
    #[error("request timed out: {phase}")]
    Timeout {
        /// Which deadline.
        phase: TimeoutPhase,
        /// The last rate-limit snapshot seen, if any.
        rate_limit: Option<RateLimit>,
    },
    /// No connection could be made, or it broke before a full response arrived.
    #[error(transparent)]
    Transport(TransportError),
    /// The response body is larger than the configured cap; reading stopped there.
    #[error("response body exceeds the limit of {limit} bytes (status {status})")]
    BodyTooLarge {
        /// The cap in bytes.
        limit: usize,
        /// The response status.
        status: StatusCode,
    },
    /// The server answered with a redirect and following is off (the default).
    #[error("the server redirected ({status}) to {}", TerminalSafe(location.as_deref().unwrap_or("<no Location header>")))]
    Redirect {
        /// The 3xx status.
        status: StatusCode,
        /// The `Location` header, if present and readable.
        location: Option<String>,
    },
    /// A redirect was not followed because following it would be unsafe.
    #[error("redirect refused: {reason}")]
    RedirectRefused {
        /// Why.
        reason: &'static str,
        /// The refused `Location`.
        location: Option<String>,
    },
    /// The rate-limit window is exhausted and resets after the call's deadline.
    #[error("rate limit exhausted ({} of {} left) and the window resets in {wait:?}, after the deadline", rate_limit.remaining, rate_limit.limit)]
    RateLimitExhausted {
        /// The snapshot that said the window is exhausted.
        rate_limit: RateLimit,
        /// How long the wait would have been.
        wait: Duration,
    },
    /// A 2xx body did not decode into the expected type.
    #[error(transparent)]
    Decode(Box<DecodeError>),
    /// The request could not be built (for example its JSON body failed to serialize).
    #[error("invalid request: {reason}")]
    InvalidRequest {
        /// What is wrong.
        reason: String,
    },
    /// The client configuration is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The OAuth code exchange failed (bad code, wrong secret, unexpected answer).
    #[error(transparent)]
    OAuth(#[from] intercom_auth_types::ExchangeError),
}

/// Which deadline a [`Error::Timeout`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TimeoutPhase {
    /// Establishing the connection.
    Connect,
    /// One attempt (response headers and body).
    Attempt,
    /// The whole call, retries and waits included.
    Total,
}

impl fmt::Display for TimeoutPhase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TimeoutPhase::Connect => "connect timeout",
            TimeoutPhase::Attempt => "attempt timeout (waiting for the response or its body)",
            TimeoutPhase::Total => "total deadline of the call",
        })
    }
}

/// An invalid client configuration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The base URL does not parse or has parts a base URL cannot have.
    #[error("invalid base URL: {reason}")]
    InvalidBaseUrl {
        /// What is wrong.
        reason: String,
    },
    /// The base URL is plain http where that is not allowed.
    #[error("insecure base URL: {hint}")]
    InsecureBaseUrl {
        /// What to do instead.
        hint: &'static str,
    },
    /// The region name is not `us`, `eu` or `au`.
    #[error("unknown region `{region}`: expected us, eu or au")]
    UnknownRegion {
        /// The (truncated) name given.
        region: String,
    },
    /// The TLS stack could not be set up (an unreadable PEM file, a bad key, …).
    #[error("TLS setup failed: {reason}")]
    Tls {
        /// What failed.
        reason: String,
    },
    /// The transport would trust no root certificate, so every https request would fail:
    /// no built-in store is compiled in (cargo features `webpki-roots`, `native-roots`), the
    /// chosen store is empty, or [`BuiltInRoots::None`](crate::BuiltInRoots::None) was chosen
    /// without adding a root.
    #[error(
        "no trusted root certificates: enable the `webpki-roots` or `native-roots` feature, \
         or add a CA with add_root_certificates_pem"
    )]
    NoTrustRoots,
    /// The proxy URL or its credentials are not usable.
    #[error("invalid proxy: {reason}")]
    InvalidProxy {
        /// What is wrong (the URL's userinfo is never quoted).
        reason: String,
    },
}

/// A body that could not be decoded into the expected type.
///
/// `Display` shows the path and serde's message with their control characters escaped (see
/// [`terminal_safe`]); the excerpt is escaped, redacted and short when it is made.
#[derive(Debug, thiserror::Error)]
#[error(
    "could not decode the {status} response as {target} at `{}`: {}; body starts with: {}",
    TerminalSafe(path),
    TerminalSafe(message),
    TerminalSafe(excerpt)
)]
pub struct DecodeError {
    /// The response status.
    pub status: StatusCode,
    /// The Rust type being decoded.
    pub target: &'static str,
    /// Where in the JSON decoding failed (serde path, e.g. `data[3].created_at`).
    pub path: String,
    /// serde's message.
    pub message: String,
    /// The start of the body as text, safe to show: lossily decoded, the values of
    /// `Bearer` credentials and of `"…token…"`, `"…secret…"` and `"…password…"` keys replaced
    /// by `[REDACTED]`, control characters escaped as by [`terminal_safe`], and at most 200
    /// bytes long (then ending with `…`).
    pub excerpt: String,
}

/// The start of `body` as text that is safe to show (see [`DecodeError::excerpt`]): at most
/// `max` bytes, plus `…` when anything was left out.
pub(crate) fn excerpt(body: &[u8], max: usize) -> String {
    let mut complete = body.len() <= max;
    let cut = if complete {
        body
    } else {
        without_split_char(body.get(..max).unwrap_or(body))
    };
    let text = redact(&String::from_utf8_lossy(cut));
    let mut out = String::with_capacity(text.len().min(max));
    let mut piece = String::new();
    for c in text.chars() {
        piece.clear();
        push_escaped(&mut piece, c, false);
        if out.len().saturating_add(piece.len()) > max {
            complete = false;
            break;
        }
        out.push_str(&piece);
    }
    if !complete {
        out.push('…');
    }
    out
}

/// `bytes` without a UTF-8 sequence that the end of `bytes` cuts short (it would show as
/// U+FFFD although the body holds a valid character there).
fn without_split_char(bytes: &[u8]) -> &[u8] {
    for back in 1..=bytes.len().min(3) {
        let Some(start) = bytes.len().checked_sub(back) else {
            break;
        };
        let Some(&byte) = bytes.get(start) else {
            break;
        };
        if byte & 0xC0 != 0x80 {
            // A leading byte: how long its sequence should be.
            let needed = match byte {
                0xF0.. => 4,
                0xE0.. => 3,
                0xC0.. => 2,
                _ => 1,
            };
            return if needed > back {
                bytes.get(..start).unwrap_or(bytes)
            } else {
                bytes
            };
        }
    }
    bytes
}

/// The marker that replaces a redacted value.
const REDACTED: &str = "[REDACTED]";

/// `text` with the values that look like credentials replaced by [`REDACTED`]: what follows
/// `Bearer ` (any case), and the string value of a JSON key whose name holds `token`, `secret`
/// or `password` (any case). A heuristic over text that may be truncated or not JSON at all,
/// so it never fails; a value cut off by the end of the text is redacted up to that end.
fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some((before, value_start)) = next_secret(rest) {
        out.push_str(before);
        out.push_str(REDACTED);
        rest = value_start;
    }
    out.push_str(rest);
    out
}

/// Finds the next credential value in `text`: returns the text up to the value (kept) and the
/// text after it.
fn next_secret(text: &str) -> Option<(&str, &str)> {
    let bearer = find_bearer(text);
    let keyed = find_secret_key_value(text);
    let (start, end) = match (bearer, keyed) {
        (Some(b), Some(k)) => b.min(k),
        (b, k) => b.or(k)?,
    };
    Some((text.get(..start)?, text.get(end..)?))
}

/// The byte range of the credential after the first `Bearer ` in `text`.
fn find_bearer(text: &str) -> Option<(usize, usize)> {
    const WORD: &str = "bearer ";
    let lower = text.to_ascii_lowercase();
    let mut from = 0;
    while let Some(found) = lower.get(from..)?.find(WORD) {
        let start = from.checked_add(found)?.checked_add(WORD.len())?;
        let value = text.get(start..)?;
        let len = value
            .find(|c: char| !is_b64token_char(c))
            .unwrap_or(value.len());
        if len > 0 {
            return Some((start, start.checked_add(len)?));
        }
        from = start;
    }
    None
}

/// The characters of an RFC 6750 `b64token` (with its `=` padding).
fn is_b64token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~' | '+' | '/' | '=')
}

/// The byte range of the first string value whose key names a secret, in `"key": "value"`
/// text (the closing quote is kept; an unterminated value runs to the end of `text`).
fn find_secret_key_value(text: &str) -> Option<(usize, usize)> {
    let mut from = 0usize;
    loop {
        // The key: a quoted run without quotes or backslashes.
        let open = from.checked_add(text.get(from..)?.find('"')?)?;
        let key_start = open.checked_add(1)?;
        let key_len = text.get(key_start..)?.find('"')?;
        let key_end = key_start.checked_add(key_len)?;
        let key = text.get(key_start..key_end)?.to_ascii_lowercase();
        let after = text.get(key_end.checked_add(1)?..)?;
        let colon = after.trim_start();
        if ["token", "secret", "password"]
            .iter()
            .any(|w| key.contains(w))
        {
            if let Some(value) = colon.strip_prefix(':').map(str::trim_start) {
                if let Some(body) = value.strip_prefix('"') {
                    let start = text.len().checked_sub(body.len())?;
                    let len = string_len(body);
                    if len > 0 {
                        return Some((start, start.checked_add(len)?));
                    }
                }
            }
        }
        from = key_end;
    }
}

/// The length of a JSON string's contents up to its closing quote (or the end of `text`),
/// stepping over backslash escapes.
fn string_len(text: &str) -> usize {
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => return i,
            _ => {}
        }
    }
    text.len()
}

/// True for the characters that [`terminal_safe`] escapes: control characters (C0, DEL and
/// C1), which a terminal may obey (clear the screen, set the title, ring the bell, move the
/// cursor), and the Unicode bidirectional formatting characters, which reorder what is shown.
pub fn is_unsafe_for_terminal(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
        )
}

/// `text` made safe to show on a terminal: each character of [`is_unsafe_for_terminal`] is
/// written as an escape (`\n`, `\r`, `\t`, or `\u{1b}` and the like), so text from a server
/// can neither drive the terminal nor start a line of its own. Borrowed when nothing needs
/// escaping.
///
/// ```
/// use intercom_transport::terminal_safe;
/// assert_eq!(terminal_safe("a\u{1b}[2Jb\u{7}\n"), r"a\u{1b}[2Jb\u{7}\n");
/// assert_eq!(terminal_safe("plain"), "plain");
/// ```
pub fn terminal_safe(text: &str) -> Cow<'_, str> {
    escape(text, false)
}

/// Like [`terminal_safe`], but line feeds are kept as they are: for text of several lines
/// whose line structure is meant to be shown (a carriage return is still escaped, so a line
/// cannot be overwritten).
pub fn terminal_safe_lines(text: &str) -> Cow<'_, str> {
    escape(text, true)
}

fn escape(text: &str, keep_newlines: bool) -> Cow<'_, str> {
    let needs = |c: char| is_unsafe_for_terminal(c) && !(keep_newlines && c == '\n');
    if !text.chars().any(needs) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len().saturating_add(16));
    for c in text.chars() {
        push_escaped(&mut out, c, keep_newlines);
    }
    Cow::Owned(out)
}

fn push_escaped(out: &mut String, c: char, keep_newlines: bool) {
    use std::fmt::Write as _;
    match c {
        '\n' if keep_newlines => out.push('\n'),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if is_unsafe_for_terminal(c) => {
            // Writing to a String cannot fail.
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        }
        c => out.push(c),
    }
}

/// Displays a string with [`terminal_safe`] escaping, without allocating when it is clean.
struct TerminalSafe<'a>(&'a str);

impl fmt::Display for TerminalSafe<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&terminal_safe(self.0))
    }
}

/// An error code from Intercom's `error.list`. Open: unknown codes are kept in
/// [`ErrorCode::Other`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCode {
    /// `unauthorized`: the token is missing or invalid.
    Unauthorized,
    /// `token_unauthorized`: the token lacks access (often a missing scope).
    TokenUnauthorized,
    /// `token_not_found`.
    TokenNotFound,
    /// `token_revoked`.
    TokenRevoked,
    /// `token_suspended`: the app is suspended.
    TokenSuspended,
    /// `token_blocked`.
    TokenBlocked,
    /// `token_expired`.
    TokenExpired,
    /// `missing_authorization`.
    MissingAuthorization,
    /// `forbidden`: usually a missing OAuth scope.
    Forbidden,
    /// `api_plan_restricted`: the workspace's plan lacks the feature.
    ApiPlanRestricted,
    /// `not_found`.
    NotFound,
    /// `parameter_invalid`.
    ParameterInvalid,
    /// `parameter_not_found`.
    ParameterNotFound,
    /// `bad_request`.
    BadRequest,
    /// `intercom_version_invalid`.
    IntercomVersionInvalid,
    /// `rate_limit_exceeded`.
    RateLimitExceeded,
    /// `conflict`.
    Conflict,
    /// `resource_conflict`.
    ResourceConflict,
    /// `contact_merged` (410; see [`ApiError::canonical_contact_id`]).
    ContactMerged,
    /// `validation_error`.
    ValidationError,
    /// `data_invalid`.
    DataInvalid,
    /// `server_error`.
    ServerError,
    /// `scroll_exists`: another scroll is open for this app.
    ScrollExists,
    /// `client_error` (for example an invalid `starting_after` cursor).
    ClientError,
    /// Any other code, kept verbatim.
    Other(String),
}

impl ErrorCode {
    /// Maps a wire code to a variant.
    pub fn parse(code: &str) -> Self {
        match code {
            "unauthorized" => Self::Unauthorized,
            "token_unauthorized" => Self::TokenUnauthorized,
            "token_not_found" => Self::TokenNotFound,
            "token_revoked" => Self::TokenRevoked,
            "token_suspended" => Self::TokenSuspended,
            "token_blocked" => Self::TokenBlocked,
            "token_expired" => Self::TokenExpired,
            "missing_authorization" => Self::MissingAuthorization,
            "forbidden" => Self::Forbidden,
            "api_plan_restricted" => Self::ApiPlanRestricted,
            "not_found" => Self::NotFound,
            "parameter_invalid" => Self::ParameterInvalid,
            "parameter_not_found" => Self::ParameterNotFound,
            "bad_request" => Self::BadRequest,
            "intercom_version_invalid" => Self::IntercomVersionInvalid,
            "rate_limit_exceeded" => Self::RateLimitExceeded,
            "conflict" => Self::Conflict,
            "resource_conflict" => Self::ResourceConflict,
            "contact_merged" => Self::ContactMerged,
            "validation_error" => Self::ValidationError,
            "data_invalid" => Self::DataInvalid,
            "server_error" => Self::ServerError,
            "scroll_exists" => Self::ScrollExists,
            "client_error" => Self::ClientError,
            other => Self::Other(other.to_owned()),
        }
    }

    /// The wire form of the code.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Unauthorized => "unauthorized",
            Self::TokenUnauthorized => "token_unauthorized",
            Self::TokenNotFound => "token_not_found",
            Self::TokenRevoked => "token_revoked",
            Self::TokenSuspended => "token_suspended",
            Self::TokenBlocked => "token_blocked",
            Self::TokenExpired => "token_expired",
            Self::MissingAuthorization => "missing_authorization",
            Self::Forbidden => "forbidden",
            Self::ApiPlanRestricted => "api_plan_restricted",
            Self::NotFound => "not_found",
            Self::ParameterInvalid => "parameter_invalid",
            Self::ParameterNotFound => "parameter_not_found",
            Self::BadRequest => "bad_request",
            Self::IntercomVersionInvalid => "intercom_version_invalid",
            Self::RateLimitExceeded => "rate_limit_exceeded",
            Self::Conflict => "conflict",
            Self::ResourceConflict => "resource_conflict",
            Self::ContactMerged => "contact_merged",
            Self::ValidationError => "validation_error",
            Self::DataInvalid => "data_invalid",
            Self::ServerError => "server_error",
            Self::ScrollExists => "scroll_exists",
            Self::ClientError => "client_error",
            Self::Other(s) => s,
        }
    }

    /// True for the codes that mean the token is missing, invalid or not allowed.
    pub fn is_auth(&self) -> bool {
        matches!(
            self,
            Self::Unauthorized
                | Self::TokenUnauthorized
                | Self::TokenNotFound
                | Self::TokenRevoked
                | Self::TokenSuspended
                | Self::TokenBlocked
                | Self::TokenExpired
                | Self::MissingAuthorization
        )
    }
}

impl fmt::Display for ErrorCode {
    /// The wire form, with control characters escaped (an unknown code is the server's text).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        TerminalSafe(self.as_str()).fmt(f)
    }
}

/// One entry of an `error.list`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorItem {
    /// The error code.
    pub code: ErrorCode,
    /// The human-readable message, if any.
    pub message: Option<String>,
    /// The offending field or parameter, if any.
    pub field: Option<String>,
}

/// A non-success answer from the API, with everything needed to act on it.
///
/// The fields hold the server's text as sent; `Display` escapes its control characters (see
/// [`terminal_safe`]) and keeps the error on one line.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The body's `type` (`error.list`, `error`, …), when it has one.
    pub error_type: Option<String>,
    /// Intercom's `request_id` from the body, else the `X-Request-Id` header.
    pub request_id: Option<String>,
    /// The parsed errors. Empty when the body is not an error list; see [`ApiError::message`].
    pub errors: Vec<ErrorItem>,
    /// A message found outside `errors[]` (the `{"type":"error","message":…}`,
    /// `{"error_key":…,"message":…}` and `{"errors":{"field":"…"}}` shapes), or the status
    /// text when the body is not JSON.
    pub message: Option<String>,
    /// Rate-limit headers of this response.
    pub rate_limit: Option<RateLimit>,
    /// `Retry-After`, when the server sent one.
    pub retry_after: Option<Duration>,
    /// Response headers.
    pub headers: HeaderMap,
    /// The raw body.
    pub body: Bytes,
}

impl ApiError {
    pub(crate) fn from_response(
        status: StatusCode,
        headers: HeaderMap,
        body: Bytes,
        rate_limit: Option<RateLimit>,
        retry_after: Option<Duration>,
    ) -> Self {
        let mut error = ApiError {
            status,
            error_type: None,
            request_id: None,
            errors: Vec::new(),
            message: None,
            rate_limit,
            retry_after,
            headers,
            body,
        };
        error.parse_body();
        if error.request_id.is_none() {
            error.request_id = error
                .headers
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
        }
        if error.errors.is_empty() && error.message.is_none() {
            error.message = status.canonical_reason().map(str::to_owned);
        }
        error
    }

    fn parse_body(&mut self) {
        let Ok(serde_json::Value::Object(map)) =
            serde_json::from_slice::<serde_json::Value>(&self.body)
        else {
            return;
        };
        let text = |v: Option<&serde_json::Value>| v.and_then(|v| v.as_str()).map(str::to_owned);
        self.error_type = text(map.get("type"));
        self.request_id = text(map.get("request_id"));
        match map.get("errors") {
            Some(serde_json::Value::Array(items)) => {
                for item in items {
                    // Legacy responses put the code in `type`.
                    let code = text(item.get("code")).or_else(|| text(item.get("type")));
                    self.errors.push(ErrorItem {
                        code: ErrorCode::parse(code.as_deref().unwrap_or("")),
                        message: text(item.get("message")),
                        field: text(item.get("field")),
                    });
                }
            }
            Some(serde_json::Value::Object(fields)) => {
                // `{"errors":{"rating":"Rating isn't an option"}}` (POST /fin/csat).
                for (field, message) in fields {
                    self.errors.push(ErrorItem {
                        code: ErrorCode::Other("field_error".into()),
                        message: message.as_str().map(str::to_owned),
                        field: Some(field.clone()),
                    });
                }
            }
            _ => {}
        }
        self.message = text(map.get("message"));
        if let Some(key) = text(map.get("error_key")) {
            self.errors.push(ErrorItem {
                code: ErrorCode::parse(&key),
                message: self.message.clone(),
                field: None,
            });
        }
    }

    /// The first error's code.
    pub fn code(&self) -> Option<&ErrorCode> {
        self.errors.first().map(|e| &e.code)
    }

    /// True for 429 or `rate_limit_exceeded`.
    pub fn is_rate_limited(&self) -> bool {
        self.status == StatusCode::TOO_MANY_REQUESTS
            || self.has_code(|c| *c == ErrorCode::RateLimitExceeded)
    }

    /// True for 401 or any token error code.
    pub fn is_unauthorized(&self) -> bool {
        self.status == StatusCode::UNAUTHORIZED || self.has_code(ErrorCode::is_auth)
    }

    /// True for 403 (missing scope or plan restriction).
    pub fn is_forbidden(&self) -> bool {
        self.status == StatusCode::FORBIDDEN
    }

    /// True for 404.
    pub fn is_not_found(&self) -> bool {
        self.status == StatusCode::NOT_FOUND
    }

    /// True for 409.
    pub fn is_conflict(&self) -> bool {
        self.status == StatusCode::CONFLICT
    }

    /// True for 5xx.
    pub fn is_server_error(&self) -> bool {
        self.status.is_server_error()
    }

    fn has_code(&self, pred: impl Fn(&ErrorCode) -> bool) -> bool {
        self.errors.iter().any(|e| pred(&e.code))
    }

    /// For a 410 `contact_merged`, the id of the contact this one was merged into, read from
    /// the `Link: </contacts/{id}>; rel="canonical"` header.
    pub fn canonical_contact_id(&self) -> Option<String> {
        if self.status != StatusCode::GONE {
            return None;
        }
        self.headers
            .get_all(http::header::LINK)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .find(|link| link.contains("rel=\"canonical\"") || link.contains("rel=canonical"))
            .and_then(|link| {
                let (_, rest) = link.split_once('<')?;
                let (target, _) = rest.split_once('>')?;
                let id = target.trim_end_matches('/').rsplit('/').next()?;
                (!id.is_empty()).then(|| id.to_owned())
            })
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Intercom API error {}", self.status)?;
        match self.errors.first() {
            Some(first) => {
                write!(f, ": {}", first.code)?;
                if let Some(message) = &first.message {
                    write!(f, ": {}", TerminalSafe(message))?;
                }
                if let Some(field) = &first.field {
                    write!(f, " (field `{}`)", TerminalSafe(field))?;
                }
                if let Some(more) = self.errors.len().checked_sub(1).filter(|n| *n > 0) {
                    write!(f, " (and {more} more)")?;
                }
            }
            None => {
                if let Some(message) = &self.message {
                    write!(f, ": {}", TerminalSafe(message))?;
                }
            }
        }
        if let Some(id) = &self.request_id {
            write!(f, " [request_id {}]", TerminalSafe(id))?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

impl Error {
    /// The API error, when this is one.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e) => Some(e),
            _ => None,
        }
    }

    /// The HTTP status, when a response arrived.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api(e) => Some(e.status),
            Error::BodyTooLarge { status, .. } | Error::Redirect { status, .. } => Some(*status),
            Error::Decode(e) => Some(e.status),
            _ => None,
        }
    }

    /// The request id Intercom assigned, when known.
    pub fn request_id(&self) -> Option<&str> {
        self.api().and_then(|e| e.request_id.as_deref())
    }

    /// The latest rate-limit snapshot attached to this error.
    pub fn rate_limit(&self) -> Option<&RateLimit> {
        match self {
            Error::Api(e) => e.rate_limit.as_ref(),
            Error::Timeout { rate_limit, .. } => rate_limit.as_ref(),
            Error::RateLimitExhausted { rate_limit, .. } => Some(rate_limit),
            _ => None,
        }
    }

    /// True for a 429 / `rate_limit_exceeded`, or when the limiter gave up before the deadline.
    pub fn is_rate_limited(&self) -> bool {
        match self {
            Error::Api(e) => e.is_rate_limited(),
            Error::RateLimitExhausted { .. } => true,
            _ => false,
        }
    }

    /// True for 401 or a token error code.
    pub fn is_unauthorized(&self) -> bool {
        self.api().is_some_and(ApiError::is_unauthorized)
    }

    /// True for 404.
    pub fn is_not_found(&self) -> bool {
        self.api().is_some_and(ApiError::is_not_found)
    }

    /// True for any timeout.
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Timeout { .. })
    }

    /// True when the failure is below HTTP (connect, I/O, TLS, timeout).
    pub fn is_transport(&self) -> bool {
        matches!(self, Error::Transport(_) | Error::Timeout { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_safe_escapes_every_control_and_bidi_character() {
        assert!(matches!(terminal_safe("plain text, ü ✓"), Cow::Borrowed(_)));
        assert_eq!(
            terminal_safe("\u{1b}[2J\u{1b}[31mred\u{7}\u{1b}]0;title\u{7}"),
            r"\u{1b}[2J\u{1b}[31mred\u{7}\u{1b}]0;title\u{7}"
        );
        assert_eq!(terminal_safe("a\nb\rc\td\0"), r"a\nb\rc\td\u{0}");
        // DEL, a C1 control (8-bit CSI) and a right-to-left override.
        assert_eq!(
            terminal_safe("x\u{7f}\u{9b}1m\u{202e}y"),
            r"x\u{7f}\u{9b}1m\u{202e}y"
        );
        for c in (0u32..=0x10ffff).filter_map(char::from_u32) {
            let shown = terminal_safe_lines(c.encode_utf8(&mut [0; 4])).into_owned();
            assert_eq!(
                shown.chars().any(is_unsafe_for_terminal),
                c == '\n',
                "{c:?} shown as {shown:?}"
            );
        }
    }

    #[test]
    fn terminal_safe_lines_keeps_line_feeds_only() {
        assert!(matches!(terminal_safe_lines("one\ntwo"), Cow::Borrowed(_)));
        assert_eq!(
            terminal_safe_lines("one\r\ntwo\u{1b}[1A\n"),
            "one\\r\ntwo\\u{1b}[1A\n"
        );
    }

    fn api_error(body: &str) -> ApiError {
        ApiError::from_response(
            StatusCode::BAD_REQUEST,
            HeaderMap::new(),
            Bytes::from(body.to_owned()),
            None,
            None,
        )
    }

    #[test]
    fn api_error_display_escapes_the_servers_text() {
        let error = api_error(
            r#"{"type":"error.list","request_id":"r\u001b[2J","errors":[{"code":"bad\u0007code","message":"\u001b[2J\u001b[31mred\r\nerror: fake","field":"f\u009b1m"}]}"#,
        );
        // The fields keep what the server sent…
        assert_eq!(
            error.errors[0].message.as_deref(),
            Some("\u{1b}[2J\u{1b}[31mred\r\nerror: fake")
        );
        // …and Display shows it escaped, on one line.
        let text = error.to_string();
        assert_eq!(
            text,
            r"Intercom API error 400 Bad Request: bad\u{7}code: \u{1b}[2J\u{1b}[31mred\r\nerror: fake (field `f\u{9b}1m`) [request_id r\u{1b}[2J]"
        );
        let error = api_error(r#"{"type":"error","message":"gone\u0007\u001b]0;x\u0007"}"#);
        assert_eq!(
            error.to_string(),
            r"Intercom API error 400 Bad Request: gone\u{7}\u{1b}]0;x\u{7}"
        );
    }

    #[test]
    fn decode_error_display_and_excerpt_are_escaped() {
        let body = b"{\"type\":\"admin\x1b[2J\x07\x9b";
        let error = DecodeError {
            status: StatusCode::OK,
            target: "Admin",
            path: "da\u{1b}ta".into(),
            message: "invalid type: string \"\u{1b}[31m\"".into(),
            excerpt: excerpt(body, 200),
        };
        assert_eq!(error.excerpt, "{\"type\":\"admin\\u{1b}[2J\\u{7}\u{fffd}");
        let text = error.to_string();
        assert!(!text.chars().any(is_unsafe_for_terminal), "{text:?}");
        assert!(text.contains(r#"at `da\u{1b}ta`: invalid type: string "\u{1b}[31m""#));
    }

    #[test]
    fn excerpt_is_bounded_after_escaping() {
        let body = vec![0x1bu8; 500];
        let text = excerpt(&body, 200);
        assert!(text.len() <= 200 + '…'.len_utf8(), "{}", text.len());
        assert!(text.starts_with(r"\u{1b}\u{1b}") && text.ends_with('…'));
        assert_eq!(excerpt(b"short", 200), "short");
        assert_eq!(excerpt(b"exactly", 7), "exactly");
        assert_eq!(excerpt(b"exactly!", 7), "exactly…");
        // A multi-byte character cut at the limit is left out, not shown as U+FFFD…
        assert_eq!(excerpt("aé".as_bytes(), 2), "a…");
        assert_eq!(excerpt("a✓b".as_bytes(), 3), "a…");
        assert_eq!(excerpt("a✓b".as_bytes(), 4), "a✓…");
        // …while invalid bytes inside the excerpt still are.
        assert_eq!(excerpt(b"a\xffb", 200), "a\u{fffd}b");
    }

    #[test]
    fn excerpt_redacts_credentials() {
        let cases = [
            (
                r#"{"access_token":"dG9rOnNlY3JldA==","token_type":"Bearer"}"#,
                r#"{"access_token":"[REDACTED]","token_type":"[REDACTED]"}"#,
            ),
            (
                r#"{"client_secret" : "s3cr\"et", "id":"7"}"#,
                r#"{"client_secret" : "[REDACTED]", "id":"7"}"#,
            ),
            (
                "GET /me HTTP/1.1\r\nauthorization: Bearer dG9rOjEyMw==\r\n",
                r"GET /me HTTP/1.1\r\nauthorization: Bearer [REDACTED]\r\n",
            ),
            (r#"{"Password":"hunter2"#, r#"{"Password":"[REDACTED]"#),
            (
                r#"{"type":"admin","id":"6657"}"#,
                r#"{"type":"admin","id":"6657"}"#,
            ),
            (
                r#"{"note":"my token","x":"y"}"#,
                r#"{"note":"my token","x":"y"}"#,
            ),
            ("bearer ", "bearer "),
        ];
        for (body, shown) in cases {
            assert_eq!(excerpt(body.as_bytes(), 200), shown, "{body}");
        }
    }
}
