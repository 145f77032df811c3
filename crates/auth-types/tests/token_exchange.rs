//! The code-exchange request builder and the token response parser.

use intercom_auth_types::{
    parse_token_response, AuthorizationCode, ClientSecret, ExchangeError, OAuthApp,
    OAuthErrorDetail, TokenError, FORM_CONTENT_TYPE, TOKEN_PATH, UNINSTALL_PATH,
};

const TOKEN: &str = "dG9rOjBiM2YxYzJkLTQ1NjctODlhYi1jZGVmLTAxMjM0NTY3ODlhYg==";

fn app(secret: &str) -> OAuthApp {
    OAuthApp::new("client-id-1", ClientSecret::new(secret).expect("valid")).expect("valid app")
}

#[test]
fn form_body_is_exact() {
    let app = app("c1i3nt-s3cr3t");
    let request = app.token_request(AuthorizationCode::new("abc123==").expect("valid"));
    assert_eq!(request.method(), http::Method::POST);
    assert_eq!(request.path(), "/auth/eagle/token");
    assert_eq!(request.path(), TOKEN_PATH);
    assert_eq!(request.content_type(), "application/x-www-form-urlencoded");
    assert_eq!(request.content_type(), FORM_CONTENT_TYPE);
    assert_eq!(request.client_id(), "client-id-1");
    assert_eq!(
        request.form_body().as_slice(),
        b"code=abc123%3D%3D&client_id=client-id-1&client_secret=c1i3nt-s3cr3t"
    );
    // Building it twice (for a retry) gives the same bytes.
    assert_eq!(request.form_body(), request.form_body());
    assert_eq!(UNINSTALL_PATH, "/auth/uninstall");
}

#[test]
fn form_body_escapes_every_reserved_byte() {
    let app = app("a&b=c+d%e/f?g#h:i");
    let request = app.token_request(AuthorizationCode::new("x+y/z=").expect("valid"));
    assert_eq!(
        request.form_body().as_slice(),
        b"code=x%2By%2Fz%3D&client_id=client-id-1&client_secret=a%26b%3Dc%2Bd%25e%2Ff%3Fg%23h%3Ai"
    );
}

#[test]
fn accepts_token_access_token_or_both() {
    for body in [
        format!(r#"{{"token_type":"Bearer","token":"{TOKEN}","access_token":"{TOKEN}"}}"#),
        format!(r#"{{"token_type":"bearer","token":"{TOKEN}"}}"#),
        format!(r#"{{"token_type":"BEARER","access_token":"{TOKEN}"}}"#),
        format!(r#"{{"access_token":"{TOKEN}","scope":null,"extra":[1,2]}}"#),
        format!(r#"{{"token":"{}"}}"#, TOKEN.replace('=', "\\u003d")),
    ] {
        let token = parse_token_response(200, body.as_bytes()).expect(&body);
        assert_eq!(format!("{token:?}"), "OAuthToken([REDACTED])");
        let header = token.authorization();
        assert_eq!(
            header.header_value().to_str().expect("ascii"),
            format!("Bearer {TOKEN}")
        );
    }
}

#[test]
fn rejects_other_token_types() {
    let body = format!(r#"{{"token_type":"mac","token":"{TOKEN}"}}"#);
    assert_eq!(
        parse_token_response(200, body.as_bytes()).err(),
        Some(ExchangeError::UnsupportedTokenType {
            token_type: "mac".into()
        })
    );
    // A token_type that is not a short identifier is not echoed.
    let body = format!(r#"{{"token_type":"{TOKEN}","token":"{TOKEN}"}}"#);
    let err = parse_token_response(200, body.as_bytes()).expect_err("not bearer");
    assert_eq!(
        err,
        ExchangeError::UnsupportedTokenType {
            token_type: "<unprintable>".into()
        }
    );
}

#[test]
fn missing_ambiguous_and_invalid_tokens() {
    assert_eq!(
        parse_token_response(200, br#"{"token_type":"Bearer"}"#).err(),
        Some(ExchangeError::MissingToken)
    );
    assert_eq!(
        parse_token_response(200, br#"{"token":null}"#).err(),
        Some(ExchangeError::MissingToken)
    );
    let body = format!(r#"{{"token":"{TOKEN}","access_token":"other"}}"#);
    assert_eq!(
        parse_token_response(200, body.as_bytes()).err(),
        Some(ExchangeError::AmbiguousToken)
    );
    assert!(matches!(
        parse_token_response(200, br#"{"token":"has space"}"#),
        Err(ExchangeError::InvalidToken(TokenError::Forbidden { .. }))
    ));
    assert!(matches!(
        parse_token_response(200, br#"{"token":""}"#),
        Err(ExchangeError::InvalidToken(TokenError::Empty { .. }))
    ));
}

#[test]
fn unauthorized_code_explains_the_usual_causes() {
    let body = br#"{"type":"error.list","request_id":"req-1","errors":[{"code":"unauthorized","message":"Unauthorized Code"}]}"#;
    let err = parse_token_response(401, body).expect_err("401");
    assert_eq!(
        err,
        ExchangeError::UnauthorizedCode {
            request_id: Some("req-1".into())
        }
    );
    let text = err.to_string();
    for needle in [
        "401",
        "Unauthorized Code",
        "'='",
        "already exchanged",
        "5 minutes",
        "req-1",
    ] {
        assert!(text.contains(needle), "{needle} missing from: {text}");
    }
}

#[test]
fn other_error_lists_are_typed() {
    let body = br#"{"type":"error.list","request_id":null,"errors":[{"code":"unauthorized","message":"Access Token Invalid"},{"type":"legacy_code"}]}"#;
    match parse_token_response(401, body) {
        Err(ExchangeError::Api {
            status: 401,
            request_id: None,
            errors,
        }) => {
            let fields: Vec<(&str, Option<&str>, Option<&str>)> = errors
                .iter()
                .map(|e: &OAuthErrorDetail| {
                    (e.code.as_str(), e.message.as_deref(), e.field.as_deref())
                })
                .collect();
            assert_eq!(
                fields,
                [
                    ("unauthorized", Some("Access Token Invalid"), None),
                    ("legacy_code", None, None),
                ]
            );
        }
        other => panic!("{other:?}"),
    }
    // An error list with a 200 status is still an error.
    let body = br#"{"type":"error.list","errors":[{"code":"parameter_invalid","message":"bad","field":"code"}]}"#;
    let err = parse_token_response(200, body).expect_err("error list");
    assert!(matches!(err, ExchangeError::Api { status: 200, .. }));
    assert_eq!(
        err.to_string(),
        "the token endpoint answered HTTP 200: parameter_invalid: bad"
    );
}

#[test]
fn unreadable_bodies_are_not_quoted() {
    let secret = "client-secret-echoed-by-proxy";
    let echoed = format!("<html>code=abc&client_secret={secret}</html>");
    let err = parse_token_response(502, echoed.as_bytes()).expect_err("502");
    assert_eq!(err, ExchangeError::UnexpectedStatus { status: 502 });
    assert!(!format!("{err} {err:?}").contains(secret));

    assert_eq!(
        parse_token_response(500, br#"{"message":"oops"}"#).err(),
        Some(ExchangeError::UnexpectedStatus { status: 500 })
    );

    let truncated = format!(r#"{{"token_type":"Bearer","token":"{TOKEN}"#);
    let err = parse_token_response(200, truncated.as_bytes()).expect_err("truncated");
    assert!(matches!(
        err,
        ExchangeError::InvalidJson { status: 200, .. }
    ));
    assert!(!format!("{err} {err:?}").contains(&TOKEN[..20]));

    // A token of the wrong JSON type: serde_json would quote it; we do not.
    let err = parse_token_response(200, br#"{"token":123456789}"#).expect_err("number");
    assert!(!format!("{err} {err:?}").contains("123456789"));
}

#[test]
fn no_error_or_debug_prints_the_token() {
    let bodies = [
        format!(r#"{{"token_type":"mac","token":"{TOKEN}"}}"#),
        format!(r#"{{"token":"{TOKEN}","access_token":"{TOKEN}x"}}"#),
        format!(r#"{{"token":"{TOKEN} "}}"#),
        format!(r#"{{"token":["{TOKEN}"]}}"#),
        format!(r#"{{"token":"{TOKEN}","token_type":7}}"#),
    ];
    for body in bodies {
        let err = parse_token_response(200, body.as_bytes()).expect_err(&body);
        let text = format!("{err} {err:?}");
        assert!(!text.contains(&TOKEN[..12]), "{text}");
    }
}
