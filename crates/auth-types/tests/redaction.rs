//! Secrets never appear in `Debug` output or error text.

use intercom_auth_types::{
    sign_hub_signature, verify_body_signature, verify_hub_signature, verify_notification,
    AuthorizationCode, ClientSecret, CsrfState, IdentitySecret, OAuthApp, SecretError,
};
use proptest::prelude::*;

#[test]
fn debug_is_exactly_redacted() {
    let secret = ClientSecret::new("topsecret").expect("valid");
    assert_eq!(format!("{secret:?}"), "ClientSecret([REDACTED])");
    assert_eq!(format!("{:#?}", secret.clone()), "ClientSecret([REDACTED])");
    let identity = IdentitySecret::new("topsecret").expect("valid");
    assert_eq!(format!("{identity:?}"), "IdentitySecret([REDACTED])");
    let code = AuthorizationCode::new("topsecret=").expect("valid");
    assert_eq!(format!("{code:?}"), "AuthorizationCode([REDACTED])");
    let state = CsrfState::from_stored("topsecret").expect("valid");
    assert_eq!(format!("{state:?}"), "CsrfState([REDACTED])");
}

#[test]
fn app_and_request_debug_show_only_public_fields() {
    let app = OAuthApp::new(
        "client-id-1",
        ClientSecret::new("topsecret").expect("valid"),
    )
    .expect("valid app");
    let (_, state) = app.authorize_url();
    let text = format!("{app:?} {state:?}");
    assert!(text.contains("client-id-1"));
    assert!(text.contains("ClientSecret([REDACTED])"));
    assert!(!text.contains("topsecret"));
    let request = app.token_request(AuthorizationCode::new("codevalue").expect("valid"));
    let text = format!("{request:?} {request:#?}");
    assert!(text.contains("AuthorizationCode([REDACTED])"));
    assert!(
        !text.contains("topsecret") && !text.contains("codevalue"),
        "{text}"
    );
}

#[test]
fn secret_errors_name_the_kind_not_the_value() {
    let err = ClientSecret::new("secret-with-newline\n").expect_err("newline");
    assert!(matches!(err, SecretError::Forbidden { position: 19, .. }));
    assert!(!err.to_string().contains("secret-with"));
    assert_eq!(
        ClientSecret::new("").err(),
        Some(SecretError::Empty {
            kind: "client secret"
        })
    );
    assert!(matches!(
        IdentitySecret::new("x".repeat(5000)),
        Err(SecretError::TooLong { len: 5000, .. })
    ));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn secrets_never_in_debug(secret in "[!-~]{12,64}") {
        let client = ClientSecret::new(secret.clone()).expect("valid");
        let identity = IdentitySecret::new(secret.clone()).expect("valid");
        let app = OAuthApp::new("id", client.clone()).expect("valid app");
        let text = format!("{client:?} {identity:?} {app:?} {app:#?}");
        prop_assert!(!text.contains(&secret));
    }

    #[test]
    fn codes_and_states_never_in_debug(value in "[A-Za-z0-9._~+/-]{12,64}={0,2}") {
        let code = AuthorizationCode::new(value.clone()).expect("valid");
        let state = CsrfState::from_stored(value.clone()).expect("valid");
        let app = OAuthApp::new("id", ClientSecret::new("s").expect("valid")).expect("valid app");
        let request = app.token_request(code);
        let text = format!("{state:?} {request:?}");
        prop_assert!(!text.contains(&value));
    }

    #[test]
    fn secrets_never_in_webhook_errors(
        secret in "[!-~]{12,64}",
        body in proptest::collection::vec(any::<u8>(), 0..64),
        header in "[ -~]{0,70}",
    ) {
        let client = ClientSecret::new(secret.clone()).expect("valid");
        let good = sign_hub_signature(&client, &body);
        let results = [
            verify_hub_signature(&client, &header, &body),
            verify_body_signature(&client, &header, &body),
            verify_notification(&client, &good, &body).map(|_| ()),
            verify_hub_signature(&client, &good, b"tampered"),
        ];
        for result in results {
            if let Err(e) = result {
                let text = format!("{e} {e:?}");
                prop_assert!(!text.contains(&secret));
                // Nor the expected signature, which would let a caller forge this body.
                prop_assert!(!text.contains(&good["sha1=".len()..]));
            }
        }
    }

    #[test]
    fn secrets_never_in_construction_errors(
        prefix in "[!-~]{12,32}",
        bad in "[ \t\r\n\u{0}\u{7f}\u{e9}]",
        suffix in "[!-~]{0,16}",
    ) {
        let input = format!("{prefix}{bad}{suffix}");
        for err in [
            ClientSecret::new(input.clone()).err().map(|e| format!("{e} {e:?}")),
            IdentitySecret::new(input.clone()).err().map(|e| format!("{e} {e:?}")),
            AuthorizationCode::new(input.clone()).err().map(|e| format!("{e} {e:?}")),
            CsrfState::from_stored(input.clone()).err().map(|e| format!("{e} {e:?}")),
        ] {
            let text = err.expect("rejected");
            prop_assert!(!text.contains(&prefix));
        }
    }
}
