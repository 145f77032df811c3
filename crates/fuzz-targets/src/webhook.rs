//! `webhook`: the `X-Hub-Signature` (webhook notifications) and `X-Body-Signature` (Canvas
//! Kit) verifiers.

use intercom_auth_types::{
    sign_body_signature, sign_hub_signature, verify_body_signature, verify_hub_signature,
    verify_notification, ClientSecret, WebhookError,
};
use serde_json::Value;

use crate::script::split_once;

/// Reads `data` as `secret \n signature \n body` (a missing or unusable secret is replaced by a
/// fixed one) and checks both verifiers against an independent reading of the rules:
///
/// * a signature verifies exactly when, trimmed of ASCII whitespace and stripped of its prefix
///   (`sha1=` required for `X-Hub-Signature`, in any case; `sha256=` optional for
///   `X-Body-Signature`), its hex digits in either case are the HMAC of the body;
/// * what `sign_*` produces verifies, also in upper case and padded with spaces; the same
///   signature with one digit changed is a `Mismatch`;
/// * `verify_notification` succeeds only on a correct signature, and then returns the
///   envelope's `id` and `topic` as the body has them;
/// * no error message contains the expected signature.
pub fn webhook(data: &[u8]) {
    let (secret, rest) = split_once(data, b"\n").unwrap_or((data, b""));
    let (signature, body) = split_once(rest, b"\n").unwrap_or((rest, b""));
    let secret = match ClientSecret::new(String::from_utf8_lossy(secret)) {
        Ok(secret) => secret,
        Err(e) => {
            let _ = e.to_string();
            match ClientSecret::new("fuzz-client-secret") {
                Ok(secret) => secret,
                Err(e) => panic!("harness: the fallback secret is invalid: {e}"),
            }
        }
    };

    let hub = sign_hub_signature(&secret, body);
    let Some(hub_hex) = hub.strip_prefix("sha1=") else {
        panic!("sign_hub_signature gave {hub:?}, without `sha1=`");
    };
    assert_eq!(hub_hex.len(), 40, "not 40 hex digits: {hub}");
    let canvas = sign_body_signature(&secret, body);
    assert_eq!(canvas.len(), 64, "not 64 hex digits: {canvas}");

    // The fuzzed signature, against our reading of the rules.
    let trimmed = signature.trim_ascii();
    let hub_ok = strip_prefix_ignore_case(trimmed, b"sha1=")
        .is_some_and(|hex| hex.eq_ignore_ascii_case(hub_hex.as_bytes()));
    let result = verify_hub_signature(&secret, signature, body);
    assert_eq!(
        result.is_ok(),
        hub_ok,
        "X-Hub-Signature {:?}: {result:?}",
        String::from_utf8_lossy(signature)
    );
    check_message(result, &[hub_hex, &canvas]);
    let canvas_hex = strip_prefix_ignore_case(trimmed, b"sha256=").unwrap_or(trimmed);
    let canvas_ok = canvas_hex.eq_ignore_ascii_case(canvas.as_bytes());
    let result = verify_body_signature(&secret, signature, body);
    assert_eq!(
        result.is_ok(),
        canvas_ok,
        "X-Body-Signature {:?}: {result:?}",
        String::from_utf8_lossy(signature)
    );
    check_message(result, &[hub_hex, &canvas]);

    // What Intercom would send verifies, in every spelling the docs allow.
    for good in [
        hub.clone(),
        format!("SHA1={}", hub_hex.to_ascii_uppercase()),
        format!(" \t{hub}\r\n"),
    ] {
        let result = verify_hub_signature(&secret, &good, body);
        assert!(result.is_ok(), "{good:?} was refused: {result:?}");
    }
    for good in [
        canvas.clone(),
        canvas.to_ascii_uppercase(),
        format!("sha256={canvas}"),
        format!(" {canvas} "),
    ] {
        let result = verify_body_signature(&secret, &good, body);
        assert!(result.is_ok(), "{good:?} was refused: {result:?}");
    }
    // One digit off is a mismatch. The digit to change is picked by the body's length.
    let flip = |hex: &str| -> String {
        let at = body.len() % hex.len();
        hex.char_indices()
            .map(|(i, c)| match (i == at, c) {
                (true, '0') => '1',
                (true, _) => '0',
                (false, c) => c,
            })
            .collect()
    };
    assert_eq!(
        verify_hub_signature(&secret, format!("sha1={}", flip(hub_hex)), body),
        Err(WebhookError::Mismatch)
    );
    assert_eq!(
        verify_body_signature(&secret, flip(&canvas), body),
        Err(WebhookError::Mismatch)
    );

    // The envelope is read only once the signature matched.
    match verify_notification(&secret, signature, body) {
        Ok(notification) => {
            assert!(hub_ok, "a notification was accepted with a wrong signature");
            let value: Value = match serde_json::from_slice(body) {
                Ok(value) => value,
                Err(e) => panic!("a notification was read from invalid JSON: {e}"),
            };
            assert_eq!(value["id"].as_str(), Some(notification.id.as_str()));
            assert_eq!(value["topic"].as_str(), Some(notification.topic.as_str()));
            let _ = notification.item_as::<Value>();
        }
        Err(e) => {
            let invalid_json = matches!(e, WebhookError::InvalidJson { .. });
            assert_eq!(
                invalid_json, hub_ok,
                "a correctly signed notification failed as {e:?}"
            );
            check_message(Err(e), &[hub_hex, &canvas]);
        }
    }
    match verify_notification(&secret, &hub, body) {
        Ok(_) => {}
        Err(WebhookError::InvalidJson { line, column }) => {
            assert!(
                line >= 1 && column <= body.len() + 1,
                "line {line} column {column}"
            );
        }
        Err(e) => panic!("a correct signature failed as {e:?}"),
    }
}

fn strip_prefix_ignore_case<'a>(value: &'a [u8], prefix: &[u8]) -> Option<&'a [u8]> {
    let head = value.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &value[prefix.len()..])
}

/// An error's message never reveals an expected signature.
fn check_message(result: Result<(), WebhookError>, secrets: &[&str]) {
    if let Err(e) = result {
        let shown = format!("{e} {e:?}");
        for secret in secrets {
            assert!(
                !shown.contains(secret),
                "an error shows a signature: {shown}"
            );
        }
    }
}
