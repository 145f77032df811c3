//! `oauth_callback`: the OAuth callback parser with its CSRF-state check, and the token
//! endpoint's answer.

use intercom_auth_types::{
    parse_token_response, CallbackError, ClientSecret, CsrfState, ExchangeError, OAuthApp,
};
use serde_json::Value;

use crate::script::split_once;

/// The `b64token` alphabet (RFC 6750) without the trailing `=`.
const B64TOKEN: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/";

/// Reads `data` as `stored state \n callback` and checks:
///
/// * `CsrfState::from_stored(state).verify_callback(callback)` never panics; its errors have no
///   control characters, stay short, and never quote the stored state (except inside a
///   provider's own `error` text, which is the caller's input);
/// * a callback built from a fresh authorize URL's state and a code made from the input (in a
///   bare query, `?query`, a request target with a fragment, a full URL; with `+` literal or
///   percent-encoded) verifies; the same callback against another state is a `StateMismatch`;
/// * `parse_token_response` on the callback bytes as a body (status picked by the first byte)
///   yields a token only for a 2xx status, prints it redacted, and its errors never quote the
///   token the body carries.
pub fn oauth_callback(data: &[u8]) {
    let (stored, callback) = split_once(data, b"\n").unwrap_or((data, b""));
    let stored = String::from_utf8_lossy(stored);
    let callback_text = String::from_utf8_lossy(callback);

    if let Ok(state) = CsrfState::from_stored(stored.as_ref()) {
        assert_eq!(format!("{state:?}"), "CsrfState([REDACTED])");
        match state.verify_callback(&callback_text) {
            Ok(code) => {
                assert_eq!(format!("{code:?}"), "AuthorizationCode([REDACTED])");
                assert!(
                    callback_text.contains("code") && callback_text.contains("state"),
                    "a callback without code or state verified: {callback_text:?}"
                );
            }
            Err(e) => check_callback_error(&e, &stored),
        }
    } else if let Err(e) = CsrfState::from_stored(stored.as_ref()) {
        let _ = e.to_string();
    }

    round_trip(data, callback);
    token_response(data, callback);
}

fn check_callback_error(error: &CallbackError, stored: &str) {
    let shown = error.to_string();
    assert!(
        !shown.chars().any(char::is_control),
        "a callback error has control characters: {shown:?}"
    );
    assert!(
        shown.len() <= 2_500,
        "a callback error of {} bytes",
        shown.len()
    );
    if !matches!(error, CallbackError::ProviderError { .. }) && stored.len() >= 8 {
        assert!(
            !shown.contains(stored),
            "a callback error quotes the stored state: {shown}"
        );
    }
}

/// A valid callback for a fresh state always verifies, whatever form it comes in.
fn round_trip(data: &[u8], material: &[u8]) {
    let secret = match ClientSecret::new("fuzz-client-secret") {
        Ok(secret) => secret,
        Err(e) => panic!("harness: invalid secret: {e}"),
    };
    let app = match OAuthApp::new("fuzz-client-id", secret) {
        Ok(app) => app,
        Err(e) => panic!("harness: invalid app: {e}"),
    };
    let (url, state) = app.authorize_url();
    let Some(value) = url
        .query_pairs()
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.into_owned())
    else {
        panic!("the authorize URL {url} has no state");
    };
    let mut code: String = material
        .iter()
        .take(200)
        .map(|&b| char::from(B64TOKEN[usize::from(b) % B64TOKEN.len()]))
        .collect();
    if code.is_empty() {
        code.push('A');
    }
    let pick = data.first().copied().unwrap_or(0);
    for _ in 0..(pick >> 6) {
        code.push('=');
    }
    let encoded = if pick & 0x08 != 0 {
        url::form_urlencoded::byte_serialize(code.as_bytes()).collect::<String>()
    } else {
        code.clone()
    };
    let callback = match pick % 5 {
        0 => format!("code={encoded}&state={value}"),
        1 => format!("?state={value}&code={encoded}"),
        2 => format!("/callback?code={encoded}&state={value}#{code}"),
        3 => format!("https://app.example/cb?code={encoded}&x=%FF&state={value}"),
        _ => format!("  code={encoded}&state={value}&scope=read  "),
    };
    if let Err(e) = state.verify_callback(&callback) {
        panic!("a valid callback {callback:?} was refused: {e}");
    }
    // The same callback for another login attempt.
    let mut other = value.clone();
    let last = if other.pop() == Some('A') { 'B' } else { 'A' };
    other.push(last);
    match CsrfState::from_stored(other) {
        Ok(other) => assert_eq!(
            other.verify_callback(&callback).map(drop),
            Err(CallbackError::StateMismatch),
            "a callback verified against another state"
        ),
        Err(e) => panic!("a fresh state altered by one letter is invalid: {e}"),
    }
}

/// The token endpoint's answer: a token only for 2xx, never quoted.
fn token_response(data: &[u8], body: &[u8]) {
    let statuses = [200u16, 201, 400, 401, 500];
    let status = statuses[usize::from(data.first().copied().unwrap_or(0)) % statuses.len()];
    let result = parse_token_response(status, body);
    let parsed = serde_json::from_slice::<Value>(body).ok();
    let token = parsed.as_ref().and_then(|v| {
        v.get("token")
            .or_else(|| v.get("access_token"))
            .and_then(Value::as_str)
            .map(str::to_owned)
    });
    match result {
        Ok(parsed) => {
            assert!((200..300).contains(&status), "a token from HTTP {status}");
            assert_eq!(format!("{parsed:?}"), "OAuthToken([REDACTED])");
        }
        Err(e) => {
            let shown = format!("{e} {e:?}");
            if let Some(token) = token.filter(|t| t.len() >= 12) {
                // Only when the body holds the token nowhere else (an error message may
                // legitimately repeat a string the server put in it).
                let mut occurrences = 0;
                if let Some(v) = &parsed {
                    count_in(v, &token, &mut occurrences);
                }
                if occurrences == 1 {
                    assert!(!shown.contains(&token), "an exchange error shows the token");
                }
            }
            if let ExchangeError::InvalidJson { status: s, .. }
            | ExchangeError::UnexpectedStatus { status: s } = e
            {
                assert_eq!(s, status);
            }
        }
    }
}

/// How many strings (keys and values) of `value` contain `needle`.
fn count_in(value: &Value, needle: &str, count: &mut usize) {
    match value {
        Value::String(s) => *count += usize::from(s.contains(needle)),
        Value::Array(items) => items.iter().for_each(|v| count_in(v, needle, count)),
        Value::Object(map) => {
            for (k, v) in map {
                *count += usize::from(k.contains(needle));
                count_in(v, needle, count);
            }
        }
        _ => {}
    }
}
