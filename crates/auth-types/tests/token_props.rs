//! Properties of the bearer token types: valid tokens become exactly
//! `Bearer <token>`, sensitive and redacted; anything with a forbidden byte is refused without
//! being echoed. 1,000 cases per property unless `PROPTEST_CASES` says otherwise.

use intercom_auth_types::{AccessToken, OAuthToken, TokenError};
use proptest::prelude::*;

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    ProptestConfig::with_cases(cases)
}

/// RFC 6750 b64token: 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
fn valid_token() -> impl Strategy<Value = String> {
    "[A-Za-z0-9._~+/-]{1,200}={0,3}"
}

/// A valid token with one forbidden byte spliced in somewhere.
fn invalid_token() -> impl Strategy<Value = String> {
    let forbidden = prop_oneof![
        Just('\r'),
        Just('\n'),
        Just('\0'),
        Just(' '),
        Just('\t'),
        Just('\x7f'),
        Just('"'),
        Just(':'),
        Just('%'),
        Just(','),
        Just('é'),
        Just('€'),
        (0x01u8..0x1f).prop_map(char::from),
    ];
    (
        "[A-Za-z0-9._~+/-]{0,100}",
        forbidden,
        "[A-Za-z0-9._~+/-]{0,100}",
    )
        .prop_map(|(a, bad, b)| format!("{a}{bad}{b}"))
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn header_is_exactly_bearer_plus_token_and_sensitive(token in valid_token()) {
        let access = AccessToken::new(token.clone()).expect("valid by construction");
        let oauth = OAuthToken::new(token.clone()).expect("valid by construction");
        for auth in [access.authorization(), oauth.authorization()] {
            let value = auth.header_value();
            let expected = format!("Bearer {token}");
            prop_assert_eq!(value.as_bytes(), expected.as_bytes());
            prop_assert!(value.is_sensitive());
            // Exact strings: no part of the token can be in them.
            prop_assert_eq!(format!("{value:?}"), "Sensitive");
            prop_assert_eq!(format!("{auth:?}"), "Authorization([REDACTED])");
        }
    }

    #[test]
    fn token_debug_is_constant(token in valid_token()) {
        let access = AccessToken::new(token.clone()).expect("valid by construction");
        let oauth = OAuthToken::new(token).expect("valid by construction");
        prop_assert_eq!(format!("{access:?}"), "AccessToken([REDACTED])");
        prop_assert_eq!(format!("{access:#?}"), "AccessToken([REDACTED])");
        prop_assert_eq!(format!("{oauth:?}"), "OAuthToken([REDACTED])");
    }

    #[test]
    fn forbidden_bytes_are_rejected_without_echo(token in invalid_token()) {
        let err = AccessToken::new(token.clone()).expect_err("has a forbidden byte");
        let is_forbidden = matches!(err, TokenError::Forbidden { .. });
        prop_assert!(is_forbidden);
        let err = OAuthToken::new(token.clone()).expect_err("has a forbidden byte");
        let shown = format!("{err} {err:?}");
        // The message must contain none of the input's distinctive runs.
        for part in token.split(|c: char| !c.is_ascii_alphanumeric()).filter(|p| p.len() >= 6) {
            prop_assert!(!shown.contains(part), "error text {shown:?} echoes {part:?}");
        }
    }

    #[test]
    fn padding_must_come_last(body in "[A-Za-z0-9]{1,50}", tail in "[A-Za-z0-9]{1,10}") {
        let misplaced = format!("{}=={}", body, tail);
        let trailing = format!("{}==", body);
        prop_assert!(AccessToken::new(misplaced).is_err());
        prop_assert!(AccessToken::new(trailing).is_ok());
    }
}
