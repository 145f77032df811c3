//! The code exchange: the `POST /auth/eagle/token` request and the parsing of its answer.

use secrecy::ExposeSecret;
use serde::{Deserialize, Deserializer};
use subtle::ConstantTimeEq;
use url::form_urlencoded;
use zeroize::Zeroizing;

use super::{
    provider_text, AuthorizationCode, ClientSecret, OAuthApp, FORM_CONTENT_TYPE, TOKEN_PATH,
};
use crate::{OAuthToken, TokenError};

/// The code-exchange request: `POST` [`TOKEN_PATH`] on the REST API base URL with the
/// form-urlencoded body `code=…&client_id=…&client_secret=…`.
///
/// Built by [`OAuthApp::token_request`]; this crate performs no I/O, the transport sends it
/// (with `Accept: application/json`) and passes the answer to [`parse_token_response`].
/// `Debug` shows the client id only.
#[derive(Debug)]
pub struct TokenRequest {
    client_id: String,
    client_secret: ClientSecret,
    code: AuthorizationCode,
}

impl OAuthApp {
    /// The code-exchange request for `code`, which it consumes (a code is single-use).
    pub fn token_request(&self, code: AuthorizationCode) -> TokenRequest {
        TokenRequest {
            client_id: self.client_id.clone(),
            client_secret: self.client_secret.clone(),
            code,
        }
    }
}

impl TokenRequest {
    /// `POST`.
    pub fn method(&self) -> http::Method {
        http::Method::POST
    }

    /// [`TOKEN_PATH`], to join to the REST API base URL.
    pub fn path(&self) -> &'static str {
        TOKEN_PATH
    }

    /// [`FORM_CONTENT_TYPE`].
    pub fn content_type(&self) -> &'static str {
        FORM_CONTENT_TYPE
    }

    /// The client id sent in the body.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The request body: `code=…&client_id=…&client_secret=…`, each value form-urlencoded
    /// (so a code's trailing `=` travels as `%3D` and `+` as `%2B`).
    ///
    /// The body holds the code and the client secret. It is returned in a zeroizing buffer,
    /// built without reallocating; a copy the transport makes (for example into `Bytes`) is
    /// not zeroized, so build it right before sending and drop it right after. It may be built
    /// again for a retry, but a code is accepted only once.
    pub fn form_body(&self) -> Zeroizing<Vec<u8>> {
        encode_token_form(&self.client_id, &self.client_secret, &self.code)
    }
}

/// Exposure site: writes the authorization code and the client secret into the form body of
/// the code exchange.
pub(crate) fn encode_token_form(
    client_id: &str,
    client_secret: &ClientSecret,
    code: &AuthorizationCode,
) -> Zeroizing<Vec<u8>> {
    let fields: [(&str, &str); 3] = [
        ("code", code.secret.expose_secret()),
        ("client_id", client_id),
        ("client_secret", client_secret.secret().expose_secret()),
    ];
    // Worst case every byte becomes `%XX`; reserving it up front means the buffer never
    // reallocates and so leaves no stray copy behind.
    let capacity = fields
        .iter()
        .map(|(name, value)| {
            name.len()
                .saturating_add(2)
                .saturating_add(value.len().saturating_mul(3))
        })
        .fold(0usize, usize::saturating_add);
    let mut body = Zeroizing::new(Vec::with_capacity(capacity));
    for (i, (name, value)) in fields.iter().enumerate() {
        if i > 0 {
            body.push(b'&');
        }
        body.extend_from_slice(name.as_bytes());
        body.push(b'=');
        for chunk in form_urlencoded::byte_serialize(value.as_bytes()) {
            body.extend_from_slice(chunk.as_bytes());
        }
    }
    body
}

/// One entry of an `error.list` body returned by the token endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct OAuthErrorDetail {
    /// The error code (`code`, or the legacy `type`), e.g. `unauthorized`.
    pub code: String,
    /// The human-readable message, e.g. `Unauthorized Code`.
    pub message: Option<String>,
    /// The offending field, if named.
    pub field: Option<String>,
}

/// Why [`parse_token_response`] did not yield a token.
///
/// No variant holds any part of the response body except Intercom's error codes, messages and
/// request id; a body that cannot be read is never quoted, since it might hold the token (or,
/// from a misbehaving proxy, an echo of the request with the client secret).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ExchangeError {
    /// HTTP 401 "Unauthorized Code": Intercom refused the authorization code.
    #[error(
        "Intercom refused the authorization code (HTTP 401 \"Unauthorized Code\"{}). This usually \
         means the code was mangled between the callback and the exchange (a trailing '=' \
         dropped, '%3D' left undecoded, or '+' turned into a space), was already exchanged \
         once, or is older than about 5 minutes; send the user through the authorize URL again",
        request_suffix(request_id)
    )]
    UnauthorizedCode {
        /// Intercom's request id, for support.
        request_id: Option<String>,
    },
    /// Another `error.list` answer (or an `error.list` body with a 2xx status).
    #[error(
        "the token endpoint answered HTTP {status}: {}{}",
        first_error(errors),
        request_suffix(request_id)
    )]
    Api {
        /// The HTTP status.
        status: u16,
        /// Intercom's request id, for support.
        request_id: Option<String>,
        /// The errors listed, in order.
        errors: Vec<OAuthErrorDetail>,
    },
    /// A non-2xx status whose body is not JSON (for example a proxy's HTML page).
    #[error("the token endpoint answered HTTP {status} with a body that is not an Intercom error (not shown)")]
    UnexpectedStatus {
        /// The HTTP status.
        status: u16,
    },
    /// A 2xx status whose body is not the expected JSON object.
    #[error(
        "the token response is not the expected JSON object (error at line {line}, column \
         {column}; the body is not shown because it may hold the token)"
    )]
    InvalidJson {
        /// The HTTP status.
        status: u16,
        /// Line of the JSON error (1-based).
        line: usize,
        /// Column of the JSON error (1-based).
        column: usize,
    },
    /// The response has neither `token` nor `access_token`.
    #[error("the token response has neither `token` nor `access_token`")]
    MissingToken,
    /// `token` and `access_token` are both present but differ.
    #[error("the token response's `token` and `access_token` differ; refusing to pick one")]
    AmbiguousToken,
    /// `token_type` is present and is not `Bearer` (compared case-insensitively).
    #[error("the token response's token_type is {token_type:?}, not \"Bearer\"")]
    UnsupportedTokenType {
        /// The `token_type` received, when it is a short identifier; `"<unprintable>"`
        /// otherwise.
        token_type: String,
    },
    /// The token is not a valid bearer token.
    #[error("the token in the response is invalid: {0}")]
    InvalidToken(TokenError),
}

fn request_suffix(request_id: &Option<String>) -> String {
    match request_id {
        Some(id) => format!(", request id {id}"),
        None => String::new(),
    }
}

fn first_error(errors: &[OAuthErrorDetail]) -> String {
    match errors.first() {
        Some(OAuthErrorDetail {
            code,
            message: Some(message),
            ..
        }) => format!("{code}: {message}"),
        Some(detail) => detail.code.clone(),
        None => "an empty error list".to_owned(),
    }
}

/// The token endpoint's answer, success or `error.list`. Token strings live in zeroizing
/// buffers from the moment they are deserialized.
#[derive(Deserialize)]
struct TokenResponseBody {
    #[serde(default, deserialize_with = "zeroizing_string")]
    token: Option<Zeroizing<String>>,
    #[serde(default, deserialize_with = "zeroizing_string")]
    access_token: Option<Zeroizing<String>>,
    #[serde(default)]
    token_type: Option<String>,
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    request_id: Option<String>,
    #[serde(default)]
    errors: Option<serde_json::Value>,
}

fn zeroizing_string<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Zeroizing<String>>, D::Error> {
    Ok(Option::<String>::deserialize(deserializer)?.map(Zeroizing::new))
}

/// Reads the token endpoint's answer.
///
/// A 2xx status with `{"token_type":"Bearer","token":"…","access_token":"…"}` yields the
/// [`OAuthToken`]. `token` and `access_token` are both accepted (when both are present they
/// must be equal), `token_type` may be absent but otherwise must be `Bearer` in any case, and
/// the token must be a valid `b64token`. Any `error.list` body, or a non-2xx status, is an
/// error; a 401 whose message is "Unauthorized Code" is [`ExchangeError::UnauthorizedCode`],
/// whose message explains the usual causes.
///
/// JSON errors report only a line and column, never the body's content; the token strings are
/// held in zeroizing buffers until the returned [`OAuthToken`] takes its own copy.
pub fn parse_token_response(status: u16, body: &[u8]) -> Result<OAuthToken, ExchangeError> {
    let success = (200..300).contains(&status);
    let parsed: TokenResponseBody = match serde_json::from_slice(body) {
        Ok(parsed) => parsed,
        Err(e) if success => {
            return Err(ExchangeError::InvalidJson {
                status,
                line: e.line(),
                column: e.column(),
            })
        }
        Err(_) => return Err(ExchangeError::UnexpectedStatus { status }),
    };
    let is_error_list = parsed.kind.as_deref() == Some("error.list")
        || parsed
            .errors
            .as_ref()
            .is_some_and(|e| e.as_array().is_some_and(|a| !a.is_empty()));
    if !success || is_error_list {
        return Err(api_error(status, parsed));
    }
    if let Some(token_type) = &parsed.token_type {
        if !token_type.eq_ignore_ascii_case("bearer") {
            return Err(ExchangeError::UnsupportedTokenType {
                token_type: label(token_type),
            });
        }
    }
    let token = match (&parsed.token, &parsed.access_token) {
        (Some(a), Some(b)) => {
            if !bool::from(a.as_bytes().ct_eq(b.as_bytes())) {
                return Err(ExchangeError::AmbiguousToken);
            }
            a
        }
        (Some(t), None) | (None, Some(t)) => t,
        (None, None) => return Err(ExchangeError::MissingToken),
    };
    OAuthToken::new(token.as_str()).map_err(ExchangeError::InvalidToken)
}

/// The error for a non-2xx answer or an `error.list` body.
fn api_error(status: u16, parsed: TokenResponseBody) -> ExchangeError {
    let request_id = parsed.request_id.as_deref().map(provider_text);
    let errors: Vec<OAuthErrorDetail> = parsed
        .errors
        .as_ref()
        .and_then(serde_json::Value::as_array)
        .map(|items| items.iter().filter_map(error_detail).collect())
        .unwrap_or_default();
    if errors.is_empty() && parsed.kind.as_deref() != Some("error.list") {
        return ExchangeError::UnexpectedStatus { status };
    }
    let unauthorized_code = status == 401
        && errors.iter().any(|e| {
            e.message
                .as_deref()
                .is_some_and(|m| m.trim().eq_ignore_ascii_case("unauthorized code"))
        });
    if unauthorized_code {
        ExchangeError::UnauthorizedCode { request_id }
    } else {
        ExchangeError::Api {
            status,
            request_id,
            errors,
        }
    }
}

fn error_detail(item: &serde_json::Value) -> Option<OAuthErrorDetail> {
    let text = |key: &str| item.get(key).and_then(serde_json::Value::as_str);
    let code = text("code").or_else(|| text("type"))?;
    Some(OAuthErrorDetail {
        code: provider_text(code),
        message: text("message").map(provider_text),
        field: text("field").map(provider_text),
    })
}

/// A `token_type` short and plain enough to quote; anything else is not echoed.
fn label(value: &str) -> String {
    if !value.is_empty()
        && value.len() <= 32
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'))
    {
        value.to_owned()
    } else {
        "<unprintable>".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_body_never_reallocates() {
        let secret = ClientSecret::new("s+/=%&".repeat(50)).expect("valid");
        let code = AuthorizationCode::new("c+/".repeat(100) + "==").expect("valid");
        let body = encode_token_form("id", &secret, &code);
        let reserved = (4 + 2 + 3 * 302) + (9 + 2 + 3 * 2) + (13 + 2 + 3 * 300);
        assert_eq!(body.capacity(), reserved);
    }
}
