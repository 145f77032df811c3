//! Known-answer vectors computed by an independent implementation (Python's `hmac` and
//! `hashlib`), committed in `tests/data/vectors.json`. Regenerate with
//! `python3 crates/auth-types/tests/data/make_vectors.py > crates/auth-types/tests/data/vectors.json`.

use intercom_auth_types::{
    sign_body_signature, sign_hub_signature, user_hash, verify_body_signature,
    verify_hub_signature, ClientSecret, IdentitySecret, WebhookError,
};
use serde_json::Value;

const VECTORS: &str = include_str!("data/vectors.json");

fn vectors() -> Value {
    serde_json::from_str(VECTORS).expect("vectors.json is valid JSON")
}

fn field<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("missing string field {key}"))
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

#[test]
fn webhook_vectors_match_python() {
    let all = vectors();
    let cases = all["webhooks"].as_array().expect("webhooks array");
    assert_eq!(cases.len(), 36);
    for (i, case) in cases.iter().enumerate() {
        let secret = ClientSecret::new(field(case, "secret")).expect("valid secret");
        let body = unhex(field(case, "body_hex"));
        let hub = field(case, "x_hub_signature");
        let canvas = field(case, "x_body_signature");

        assert_eq!(sign_hub_signature(&secret, &body), hub, "case {i}");
        assert_eq!(sign_body_signature(&secret, &body), canvas, "case {i}");
        assert_eq!(
            verify_hub_signature(&secret, hub, &body),
            Ok(()),
            "case {i}"
        );
        assert_eq!(
            verify_hub_signature(&secret, hub.to_ascii_uppercase(), &body),
            Ok(()),
            "case {i}: upper-case prefix and hex"
        );
        assert_eq!(
            verify_body_signature(&secret, canvas, &body),
            Ok(()),
            "case {i}"
        );
        assert_eq!(
            verify_body_signature(&secret, format!("sha256={canvas}"), &body),
            Ok(()),
            "case {i}: tolerated sha256= prefix"
        );
        // The SHA-256 digest is not a valid X-Hub-Signature and vice versa.
        assert_eq!(
            verify_hub_signature(&secret, format!("sha1={canvas}"), &body),
            Err(WebhookError::BadHex {
                expected_digits: 40
            }),
            "case {i}"
        );
        assert_eq!(
            verify_body_signature(&secret, hub, &body),
            Err(WebhookError::BadHex {
                expected_digits: 64
            }),
            "case {i}"
        );
    }
}

#[test]
fn rfc_vectors_are_present() {
    // RFC 2202 test case 2 (HMAC-SHA1) and RFC 4231 test case 2 (HMAC-SHA256).
    let secret = ClientSecret::new("Jefe").expect("valid");
    let body = b"what do ya want for nothing?";
    assert_eq!(
        sign_hub_signature(&secret, body),
        "sha1=effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"
    );
    assert_eq!(
        sign_body_signature(&secret, body),
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    );
}

#[test]
fn identity_vectors_match_python() {
    let all = vectors();
    let cases = all["identity"].as_array().expect("identity array");
    assert_eq!(cases.len(), 30);
    for (i, case) in cases.iter().enumerate() {
        let secret = IdentitySecret::new(field(case, "secret")).expect("valid secret");
        assert_eq!(
            user_hash(&secret, field(case, "user_id_or_email")),
            field(case, "user_hash"),
            "case {i}"
        );
    }
}
