//! The OAuth flow over a real loopback socket: the exchange's exact form body and
//! headers, state mismatch, a replayed state and a tampered callback.

use intercom_auth_types::{
    AuthorizationCode, CallbackError, ClientSecret, CsrfState, OAuthApp, OAuthToken,
};
use intercom_tests::{builder_for, LoopbackServer, Reply};
use intercom_transport::Error;

const CLIENT_SECRET: &str = "cs-LoopbackSecret-77";

fn app() -> OAuthApp {
    OAuthApp::new(
        "client-loopback",
        ClientSecret::new(CLIENT_SECRET).expect("valid secret"),
    )
    .expect("valid app")
}

/// The `state` value of an authorize URL (what the provider echoes back).
fn state_in(url: &url::Url) -> String {
    url.query_pairs()
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.into_owned())
        .expect("the authorize URL carries a state")
}

#[tokio::test]
async fn exchange_posts_the_exact_form_to_the_base_url_without_a_bearer() {
    let server = LoopbackServer::start();
    server.push(Reply::raw_json(
        200,
        r#"{"token_type":"Bearer","token":"dG9rOmxvb3BiYWNr","access_token":"dG9rOmxvb3BiYWNr"}"#,
    ));
    let client = builder_for(&server).build().expect("valid config");
    let app = app();
    let (url, state) = app.authorize_url();
    // The provider redirects back with a code ending in '=' (percent-encoded) and the state.
    let callback = format!(
        "/callback?code=YWJj%2Bde%2Ff%3D%3D&state={}",
        state_in(&url)
    );
    let code = state.verify_callback(&callback).expect("state matches");
    let token: OAuthToken = client.exchange_code(&app, code).await.expect("exchanged");
    assert_eq!(
        token.authorization().header_value().as_bytes(),
        b"Bearer dG9rOmxvb3BiYWNr"
    );

    let seen = server.request(0);
    assert_eq!(seen.method, http::Method::POST);
    assert_eq!(seen.path_and_query(), "/auth/eagle/token");
    assert_eq!(
        seen.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(seen.header("accept"), Some("application/json"));
    assert!(
        !seen.has_authorization(),
        "the exchange carries no bearer token"
    );
    assert_eq!(
        seen.body.as_ref(),
        format!("code=YWJj%2Bde%2Ff%3D%3D&client_id=client-loopback&client_secret={CLIENT_SECRET}")
            .as_bytes()
    );
}

#[tokio::test]
async fn unauthorized_code_over_the_wire_is_a_typed_error() {
    let server = LoopbackServer::start();
    server.push(Reply::error_list(
        401,
        "req-oauth-1",
        "unauthorized",
        "Unauthorized Code",
    ));
    let client = builder_for(&server).build().expect("valid config");
    let err = client
        .exchange_code(&app(), AuthorizationCode::new("c0de").expect("valid"))
        .await
        .expect_err("401");
    assert!(matches!(err, Error::OAuth(_)), "{err:?}");
    assert!(err.to_string().contains("Unauthorized Code") || err.to_string().contains("code"));
    assert_eq!(
        server.request_count(),
        1,
        "a code is single-use: never retried"
    );
}

#[test]
fn state_mismatch_replay_and_tampering_are_rejected() {
    let app = app();
    let (url, state) = app.authorize_url();
    let good = state_in(&url);

    // Another flow's state.
    let (other_url, _) = app.authorize_url();
    let err = state
        .verify_callback(&format!("?code=abc&state={}", state_in(&other_url)))
        .expect_err("mismatch");
    assert!(matches!(err, CallbackError::StateMismatch), "{err:?}");

    // The state was consumed by the failed check; a stored copy restores it for one more try,
    // and a tampered callback (state altered by one character) is refused.
    let restored = CsrfState::from_stored(good.clone()).expect("valid state");
    let mut tampered = good.clone();
    let last = tampered.pop().expect("non-empty");
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    let err = restored
        .verify_callback(&format!("?code=abc&state={tampered}"))
        .expect_err("tampered");
    assert!(matches!(err, CallbackError::StateMismatch), "{err:?}");

    // A genuine callback succeeds once; replaying it needs the state again, which was moved
    // into the first check (`verify_callback` takes `self`), so a replay is only possible by
    // restoring a stored state, and then the code is still single-use at the server.
    let (url, state) = app.authorize_url();
    let callback = format!("https://app.example/cb?code=abc&state={}", state_in(&url));
    assert!(state.verify_callback(&callback).is_ok());

    // A callback missing its state, or carrying a provider error, never yields a code.
    let (_, state) = app.authorize_url();
    assert!(matches!(
        state.verify_callback("?code=abc"),
        Err(CallbackError::MissingState)
    ));
    let (url, state) = app.authorize_url();
    let err = state
        .verify_callback(&format!("?error=access_denied&state={}", state_in(&url)))
        .expect_err("denied");
    assert!(
        matches!(err, CallbackError::ProviderError { .. }),
        "{err:?}"
    );
}
