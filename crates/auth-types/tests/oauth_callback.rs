//! The authorize URL and the OAuth callback: state checks, replay, tampering, `=`-ending codes.

use intercom_auth_types::{
    AuthorizationCode, CallbackError, ClientSecret, CsrfState, MalformedCallback, OAuthApp,
    OAuthAppError, DEFAULT_AUTHORIZE_BASE,
};
use proptest::prelude::*;
use url::{form_urlencoded, Url};

const CLIENT_SECRET: &str = "client-secret-do-not-leak-0123456789";

fn app() -> OAuthApp {
    OAuthApp::new(
        "client-id-1",
        ClientSecret::new(CLIENT_SECRET).expect("valid"),
    )
    .expect("valid app")
}

fn query_param(url: &Url, name: &str) -> Vec<String> {
    url.query_pairs()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
        .collect()
}

/// The state value a fresh authorize URL carries, as the browser would bring it back.
fn issue(app: &OAuthApp) -> (String, CsrfState) {
    let (url, state) = app.authorize_url();
    let sent = query_param(&url, "state");
    assert_eq!(sent.len(), 1);
    (sent[0].clone(), state)
}

/// The code the verified callback yielded, read back from the exchange's form body.
fn exchanged_code(app: &OAuthApp, code: AuthorizationCode) -> String {
    let body = app.token_request(code).form_body();
    let codes: Vec<String> = form_urlencoded::parse(&body)
        .filter(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .collect();
    assert_eq!(codes.len(), 1);
    codes[0].clone()
}

fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[test]
fn authorize_url_has_client_id_state_and_redirect() {
    let app = app().with_redirect_uri("https://example.com/cb?x=1".parse().expect("url"));
    let (url, _state) = app.authorize_url();
    assert_eq!(url.scheme(), "https");
    assert_eq!(url.host_str(), Some("app.intercom.com"));
    assert_eq!(url.path(), "/oauth");
    let names: Vec<String> = url.query_pairs().map(|(k, _)| k.into_owned()).collect();
    assert_eq!(names, ["client_id", "state", "redirect_uri"]);
    assert_eq!(query_param(&url, "client_id"), ["client-id-1"]);
    assert_eq!(
        query_param(&url, "redirect_uri"),
        ["https://example.com/cb?x=1"]
    );
    assert!(url
        .as_str()
        .contains("redirect_uri=https%3A%2F%2Fexample.com%2Fcb%3Fx%3D1"));
}

#[test]
fn authorize_url_without_redirect_and_with_custom_base() {
    let (url, _) = app().authorize_url();
    assert_eq!(query_param(&url, "redirect_uri"), Vec::<String>::new());
    assert!(url.as_str().starts_with(DEFAULT_AUTHORIZE_BASE));

    let app = app()
        .with_authorize_base(
            "http://127.0.0.1:8080/oauth/signup?app_name=x"
                .parse()
                .expect("url"),
        )
        .expect("http base");
    let (url, _) = app.authorize_url();
    assert!(url
        .as_str()
        .starts_with("http://127.0.0.1:8080/oauth/signup?app_name=x&client_id=client-id-1&state="));
    assert_eq!(
        app.clone()
            .with_authorize_base("ftp://x.test/".parse().expect("url"))
            .err(),
        Some(OAuthAppError::InvalidAuthorizeBase)
    );
}

#[test]
fn client_id_is_checked() {
    let secret = ClientSecret::new("s").expect("valid");
    for bad in ["", " id", "id\n", "a b"] {
        assert_eq!(
            OAuthApp::new(bad, secret.clone()).err(),
            Some(OAuthAppError::InvalidClientId),
            "{bad:?}"
        );
    }
}

#[test]
fn states_are_fresh_256_bit_base64url() {
    let app = app();
    let mut seen = std::collections::HashSet::new();
    for _ in 0..1000 {
        let (value, _) = issue(&app);
        assert_eq!(value.len(), 43, "32 bytes of unpadded base64url");
        assert!(value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        assert!(seen.insert(value), "state repeated");
    }
}

#[test]
fn accepts_bare_query_question_mark_path_and_full_url() {
    let app = app();
    for shape in [
        "code=abc123&state={s}",
        "?code=abc123&state={s}",
        "/intercom/callback?state={s}&code=abc123",
        "https://example.com/intercom/callback?code=abc123&state={s}#_=_",
        "  https://example.com/cb?foo=bar&code=abc123&state={s}\n",
    ] {
        let (value, state) = issue(&app);
        let input = shape.replace("{s}", &value);
        let code = state.verify_callback(&input).expect(&input);
        assert_eq!(exchanged_code(&app, code), "abc123", "{shape}");
    }
}

#[test]
fn codes_ending_in_equals_survive_decoding() {
    let app = app();
    for (raw, expected) in [
        ("dG9rOjEyMw==", "dG9rOjEyMw=="),
        ("dG9rOjEyMw%3D%3D", "dG9rOjEyMw=="),
        ("dG9rOjEyMw%3d", "dG9rOjEyMw="),
        ("abc%3D=", "abc=="),
        ("a%2Bb%2Fc%3D", "a+b/c="),
        // `+` is kept literal: a base64 code may hold it, a space never.
        ("a+b/c=", "a+b/c="),
    ] {
        let (value, state) = issue(&app);
        let code = state
            .verify_callback(&format!("code={raw}&state={value}"))
            .unwrap_or_else(|e| panic!("{raw}: {e}"));
        assert_eq!(exchanged_code(&app, code), expected, "{raw}");
    }
}

#[test]
fn state_mismatch_is_rejected() {
    let app = app();
    let (_, state) = issue(&app);
    let (other, _) = issue(&app);
    assert_eq!(
        state
            .verify_callback(&format!("code=abc&state={other}"))
            .err(),
        Some(CallbackError::StateMismatch)
    );
}

#[test]
fn replayed_callback_is_rejected() {
    // A state is consumed by verification (the method takes `self`; reusing it does not
    // compile, see the `CsrfState` doc test). Replaying the same callback against the next
    // login attempt's state fails.
    let app = app();
    let (value, state) = issue(&app);
    let callback = format!("code=abc&state={value}");
    assert!(state.verify_callback(&callback).is_ok());
    let (_, next_state) = issue(&app);
    assert_eq!(
        next_state.verify_callback(&callback).err(),
        Some(CallbackError::StateMismatch)
    );
}

#[test]
fn tampered_callbacks_are_rejected() {
    let app = app();
    let (value, _) = issue(&app);
    let mut tampered_state = value.clone().into_bytes();
    tampered_state[10] = if tampered_state[10] == b'A' {
        b'B'
    } else {
        b'A'
    };
    let tampered_state = String::from_utf8(tampered_state).expect("ascii");
    let cases: Vec<(String, CallbackError)> = vec![
        (
            format!("code=abc&state={tampered_state}"),
            CallbackError::StateMismatch,
        ),
        (
            format!("code=abc&state={}", &value[..42]),
            CallbackError::StateMismatch,
        ),
        (
            format!("code=abc&state={value}x"),
            CallbackError::StateMismatch,
        ),
        (
            format!("code=abc&state={}", value.to_ascii_uppercase()),
            CallbackError::StateMismatch,
        ),
        ("code=abc".to_owned(), CallbackError::MissingState),
        ("code=abc&state=".to_owned(), CallbackError::MissingState),
        ("".to_owned(), CallbackError::MissingState),
        (format!("state={value}"), CallbackError::MissingCode),
        (format!("code=&state={value}"), CallbackError::MissingCode),
        (
            format!("code=abc&state={value}&state=attacker"),
            CallbackError::Malformed(MalformedCallback::DuplicateParameter("state")),
        ),
        (
            format!("code=abc&code=evil&state={value}"),
            CallbackError::Malformed(MalformedCallback::DuplicateParameter("code")),
        ),
        (
            format!("stat%65={value}&code=abc&state=x"),
            CallbackError::Malformed(MalformedCallback::DuplicateParameter("state")),
        ),
        (
            "https://example.com/cb".to_owned(),
            CallbackError::MissingState,
        ),
        (
            format!("https://example.com/cb#code=abc&state={value}"),
            CallbackError::MissingState,
        ),
    ];
    for (input, expected) in cases {
        let state = CsrfState::from_stored(value.as_str()).expect("valid state");
        assert_eq!(
            state.verify_callback(&input).err(),
            Some(expected),
            "{input}"
        );
    }
}

#[test]
fn invalid_code_is_malformed_without_echo() {
    let app = app();
    for bad in ["a%20b", "abc%0A", "a=b", "%C3%A9", "a%26b"] {
        let (value, state) = issue(&app);
        let err = state
            .verify_callback(&format!("code={bad}&state={value}"))
            .expect_err(bad);
        assert!(
            matches!(
                err,
                CallbackError::Malformed(MalformedCallback::InvalidCode(_))
            ),
            "{bad}: {err:?}"
        );
        let text = format!("{err} {err:?}");
        assert!(!text.contains(&value), "state leaked: {text}");
    }
}

#[test]
fn provider_error_is_reported() {
    let app = app();
    let (value, state) = issue(&app);
    let err = state
        .verify_callback(&format!(
            "error=access_denied&error_description=The+user%20declined%0Aevil&state={value}"
        ))
        .expect_err("error callback");
    assert_eq!(
        err,
        CallbackError::ProviderError {
            error: "access_denied".into(),
            description: Some("The user declined\u{FFFD}evil".into()),
        }
    );
    assert!(!err.to_string().contains(&value));

    let (_, state) = issue(&app);
    let long = "x".repeat(1000);
    match state.verify_callback(&format!("error={long}")) {
        Err(CallbackError::ProviderError { error, description }) => {
            assert_eq!(error.chars().count(), 256);
            assert_eq!(description, None);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn from_stored_round_trips_and_refuses_empty() {
    let app = app();
    let (value, state) = issue(&app);
    drop(state);
    let restored = CsrfState::from_stored(value.clone()).expect("valid");
    assert!(restored
        .verify_callback(&format!("code=abc&state={value}"))
        .is_ok());
    assert!(CsrfState::from_stored("").is_err());
    assert!(CsrfState::from_stored("a b").is_err());
}

#[test]
fn errors_never_contain_code_or_state() {
    let app = app();
    let code = "c0deSECRETc0de%3D";
    let (value, state) = issue(&app);
    let (other, _) = issue(&app);
    let err = state
        .verify_callback(&format!("code={code}&state={other}"))
        .expect_err("mismatch");
    let text = format!("{err} {err:?}");
    for secret in ["c0deSECRETc0de", value.as_str(), other.as_str()] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// Any b64token code, percent-encoded the way a form encoder would, comes back intact.
    #[test]
    fn any_b64token_code_round_trips(code in "[A-Za-z0-9._~+/-]{1,100}={0,3}", extra in "[a-z]{0,8}") {
        let app = app();
        let (value, state) = issue(&app);
        let input = format!("https://example.com/cb?{extra}=1&code={}&state={value}", enc(&code));
        let verified = state.verify_callback(&input).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(exchanged_code(&app, verified), code);
    }

    /// Any state other than the issued one is refused.
    #[test]
    fn any_other_state_is_refused(other in "[A-Za-z0-9_-]{1,64}") {
        let app = app();
        let (value, state) = issue(&app);
        prop_assume!(other != value);
        prop_assert_eq!(
            state.verify_callback(&format!("code=abc&state={other}")).err(),
            Some(CallbackError::StateMismatch)
        );
    }
}
