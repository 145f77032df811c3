//! The transport crate's error type, and Intercom's API error shapes.

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
    #[error("the server redirected ({status}) to {}", location.as_deref().unwrap_or("<no Location header>"))]
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
    /// The TLS stack could not be set up.
    #[error("TLS setup failed: {reason}")]
    Tls {
        /// What failed.
        reason: String,
    },
}

/// A body that could not be decoded into the expected type.
#[derive(Debug, thiserror::Error)]
#[error("could not decode the {status} response as {target} at `{path}`: {message}; body starts with: {excerpt}")]
pub struct DecodeError {
    /// The response status.
    pub status: StatusCode,
    /// The Rust type being decoded.
    pub target: &'static str,
    /// Where in the JSON decoding failed (serde path, e.g. `data[3].created_at`).
    pub path: String,
    /// serde's message.
    pub message: String,
    /// The first bytes of the body (at most 200, lossily decoded).
    pub excerpt: String,
}

/// The first `max` bytes of `body` as text, for error messages.
pub(crate) fn excerpt(body: &[u8], max: usize) -> String {
    let cut = body.len().min(max);
    let mut text = String::from_utf8_lossy(&body[..cut]).into_owned();
    if body.len() > max {
        text.push('…');
    }
    text
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
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
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
                let start = link.find('<')? + 1;
                let end = link[start..].find('>')? + start;
                let target = &link[start..end];
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
                    write!(f, ": {message}")?;
                }
                if let Some(field) = &first.field {
                    write!(f, " (field `{field}`)")?;
                }
                if self.errors.len() > 1 {
                    write!(f, " (and {} more)", self.errors.len() - 1)?;
                }
            }
            None => {
                if let Some(message) = &self.message {
                    write!(f, ": {message}")?;
                }
            }
        }
        if let Some(id) = &self.request_id {
            write!(f, " [request_id {id}]")?;
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
