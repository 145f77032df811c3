//! Property tests for webhook and Canvas Kit signatures: sign-then-verify succeeds; any
//! changed byte of body or signature fails; a missing or wrong prefix fails.

use intercom_auth_types::{
    sign_body_signature, sign_hub_signature, verify_body_signature, verify_hub_signature,
    verify_notification, ClientSecret, WebhookError,
};
use proptest::prelude::*;

/// Secrets as the Developer Hub shows them: visible ASCII.
fn secret() -> impl Strategy<Value = String> {
    "[!-~]{1,80}"
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(any::<u8>(), 0..512)
}

/// Replaces hex digit `i` of `hex` with a digit of a different value.
fn change_digit(hex: &str, i: usize, delta: u8) -> String {
    let mut bytes = hex.as_bytes().to_vec();
    let value = u8::from_str_radix(std::str::from_utf8(&bytes[i..=i]).expect("ascii"), 16)
        .expect("hex digit");
    let new = (value + 1 + delta % 15) % 16;
    bytes[i] = b"0123456789abcdef"[usize::from(new)];
    String::from_utf8(bytes).expect("ascii")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn hub_sign_then_verify(secret in secret(), body in body()) {
        let secret = ClientSecret::new(secret).expect("valid secret");
        let header = sign_hub_signature(&secret, &body);
        prop_assert!(header.starts_with("sha1="));
        prop_assert_eq!(header.len(), 45);
        prop_assert_eq!(verify_hub_signature(&secret, &header, &body), Ok(()));
        prop_assert_eq!(verify_hub_signature(&secret, header.to_ascii_uppercase(), &body), Ok(()));
        prop_assert_eq!(verify_hub_signature(&secret, format!("  {header}\t"), &body), Ok(()));
    }

    #[test]
    fn canvas_sign_then_verify(secret in secret(), body in body()) {
        let secret = ClientSecret::new(secret).expect("valid secret");
        let header = sign_body_signature(&secret, &body);
        prop_assert_eq!(header.len(), 64);
        prop_assert_eq!(verify_body_signature(&secret, &header, &body), Ok(()));
        prop_assert_eq!(verify_body_signature(&secret, header.to_ascii_uppercase(), &body), Ok(()));
    }

    #[test]
    fn any_changed_body_byte_fails(
        secret in secret(),
        body in proptest::collection::vec(any::<u8>(), 1..512),
        index in any::<prop::sample::Index>(),
        flip in 1u8..=255,
    ) {
        let secret = ClientSecret::new(secret).expect("valid secret");
        let hub = sign_hub_signature(&secret, &body);
        let canvas = sign_body_signature(&secret, &body);
        let mut tampered = body.clone();
        let i = index.index(tampered.len());
        tampered[i] ^= flip;
        prop_assert_eq!(verify_hub_signature(&secret, &hub, &tampered), Err(WebhookError::Mismatch));
        prop_assert_eq!(verify_body_signature(&secret, &canvas, &tampered), Err(WebhookError::Mismatch));
        prop_assert!(verify_notification(&secret, &hub, &tampered).is_err());
    }

    #[test]
    fn appended_or_truncated_body_fails(secret in secret(), body in body(), extra in 1u8..=255) {
        let secret = ClientSecret::new(secret).expect("valid secret");
        let hub = sign_hub_signature(&secret, &body);
        let mut longer = body.clone();
        longer.push(extra);
        prop_assert_eq!(verify_hub_signature(&secret, &hub, &longer), Err(WebhookError::Mismatch));
        if !body.is_empty() {
            let shorter = &body[..body.len() - 1];
            prop_assert_eq!(verify_hub_signature(&secret, &hub, shorter), Err(WebhookError::Mismatch));
        }
    }

    #[test]
    fn any_changed_signature_digit_fails(
        secret in secret(),
        body in body(),
        index in any::<prop::sample::Index>(),
        delta in any::<u8>(),
    ) {
        let secret = ClientSecret::new(secret).expect("valid secret");
        let hub = sign_hub_signature(&secret, &body);
        let hex = &hub["sha1=".len()..];
        let tampered = format!("sha1={}", change_digit(hex, index.index(hex.len()), delta));
        prop_assert_eq!(verify_hub_signature(&secret, &tampered, &body), Err(WebhookError::Mismatch));

        let canvas = sign_body_signature(&secret, &body);
        let tampered = change_digit(&canvas, index.index(canvas.len()), delta);
        prop_assert_eq!(verify_body_signature(&secret, &tampered, &body), Err(WebhookError::Mismatch));
    }

    #[test]
    fn any_changed_signature_byte_fails(
        secret in secret(),
        body in body(),
        index in any::<prop::sample::Index>(),
        flip in 1u8..=255,
    ) {
        // Arbitrary byte changes: the result is a wrong digest, bad hex or a broken prefix,
        // never a pass (case changes of a hex letter or the prefix are the only no-ops).
        let secret = ClientSecret::new(secret).expect("valid secret");
        let hub = sign_hub_signature(&secret, &body).into_bytes();
        let mut tampered = hub.clone();
        let i = index.index(tampered.len());
        tampered[i] ^= flip;
        let case_only = tampered[i].is_ascii_alphabetic()
            && tampered[i].eq_ignore_ascii_case(&hub[i]);
        let result = verify_hub_signature(&secret, &tampered, &body);
        if case_only {
            prop_assert_eq!(result, Ok(()));
        } else {
            prop_assert!(result.is_err());
        }
    }

    #[test]
    fn wrong_secret_fails(a in secret(), b in secret(), body in body()) {
        prop_assume!(a != b);
        let a = ClientSecret::new(a).expect("valid secret");
        let b = ClientSecret::new(b).expect("valid secret");
        prop_assert_eq!(
            verify_hub_signature(&b, sign_hub_signature(&a, &body), &body),
            Err(WebhookError::Mismatch)
        );
        prop_assert_eq!(
            verify_body_signature(&b, sign_body_signature(&a, &body), &body),
            Err(WebhookError::Mismatch)
        );
    }

    #[test]
    fn missing_or_wrong_prefix_fails(
        secret in secret(),
        body in body(),
        prefix in "(sha256=|sha=|sha1:|sha1 |sha1==|SHA-1=|md5=|=|)",
    ) {
        let secret = ClientSecret::new(secret).expect("valid secret");
        let hub = sign_hub_signature(&secret, &body);
        let hex = &hub["sha1=".len()..];
        let result = verify_hub_signature(&secret, format!("{prefix}{hex}"), &body);
        prop_assert!(
            matches!(result, Err(WebhookError::MissingPrefix | WebhookError::BadHex { .. })),
            "{:?} accepted or misreported: {:?}", prefix, result
        );
        if prefix.is_empty() {
            prop_assert_eq!(result, Err(WebhookError::MissingPrefix));
        }
    }

    #[test]
    fn canvas_rejects_prefixes_other_than_sha256(
        secret in secret(),
        body in body(),
        prefix in "(sha1=|sha=|sha256:|sha256==|md5=|=)",
    ) {
        let secret = ClientSecret::new(secret).expect("valid secret");
        let canvas = sign_body_signature(&secret, &body);
        let result = verify_body_signature(&secret, format!("{prefix}{canvas}"), &body);
        prop_assert_eq!(result, Err(WebhookError::BadHex { expected_digits: 64 }));
    }
}

#[test]
fn empty_or_blank_header_is_missing() {
    let secret = ClientSecret::new("secret").expect("valid");
    for blank in ["", "   ", "\t"] {
        assert_eq!(
            verify_hub_signature(&secret, blank, b"{}"),
            Err(WebhookError::Missing)
        );
        assert_eq!(
            verify_body_signature(&secret, blank, b"{}"),
            Err(WebhookError::Missing)
        );
    }
    assert_eq!(
        verify_hub_signature(&secret, "sha1=", b"{}"),
        Err(WebhookError::BadHex {
            expected_digits: 40
        })
    );
}

#[test]
fn header_value_bytes_are_accepted() {
    let secret = ClientSecret::new("secret").expect("valid");
    let body = br#"{"a":1}"#;
    let value = http::HeaderValue::from_str(&sign_hub_signature(&secret, body)).expect("ascii");
    assert_eq!(verify_hub_signature(&secret, &value, body), Ok(()));
    assert_eq!(
        verify_hub_signature(&secret, b"sha1=\xff\xfe".as_slice(), body),
        Err(WebhookError::BadHex {
            expected_digits: 40
        })
    );
}
