//! OAuth code flow, uninstall, rate limiting and the fault knobs.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use common::{api_error, client, client_with, code, raw};
use http::{HeaderValue, StatusCode};
use intercom_auth_types::{OAuthApp, OAuthToken, FORM_CONTENT_TYPE, TOKEN_PATH};
use intercom_sandbox::{InjectedFailure, Sandbox, SandboxHandle};
use intercom_transport::{ApiRequest, Client, Error};
use serde_json::Value;
use url::Url;

/// Follows `/oauth` and returns the callback URL from the `Location` header.
async fn authorize(sandbox: &SandboxHandle, url: &Url) -> String {
    let target = format!("{}?{}", url.path(), url.query().unwrap_or(""));
    let response = raw(sandbox, "GET", &target, &[], "").await;
    assert_eq!(response.status, 302, "{}", response.body);
    response.header("location").unwrap().to_owned()
}

fn form(pairs: &[(&str, &str)]) -> Vec<u8> {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    s.finish().into_bytes()
}

fn code_of(callback: &str) -> String {
    Url::parse(callback)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned()
}

#[tokio::test]
async fn oauth_code_flow_exchange_and_uninstall() {
    let sandbox = Sandbox::builder()
        .redirect_uri("http://127.0.0.1:9/cb")
        .start()
        .await
        .unwrap();
    let client = client(&sandbox);
    let app = OAuthApp::new(sandbox.client_id(), sandbox.client_secret())
        .unwrap()
        .with_authorize_base(Url::parse(&sandbox.authorize_base()).unwrap())
        .unwrap();

    // Codes are standard base64 and sometimes end in `=`: authorize until one does.
    let mut padded = false;
    let mut token = None;
    for _ in 0..30 {
        let (url, csrf) = app.authorize_url();
        let callback = authorize(&sandbox, &url).await;
        assert!(
            callback.starts_with("http://127.0.0.1:9/cb?code="),
            "{callback}"
        );
        let raw_code = code_of(&callback);
        let code = csrf.verify_callback(&callback).unwrap();
        if !raw_code.ends_with('=') {
            continue;
        }
        padded = true;
        let request = app.token_request(code);
        let body = request.form_body().to_vec();
        let response = client
            .execute(
                ApiRequest::post("/auth/eagle/token")
                    .body(HeaderValue::from_static(FORM_CONTENT_TYPE), body.clone()),
            )
            .await
            .unwrap();
        let json: Value = response.json().unwrap();
        assert_eq!(json["token_type"], "Bearer");
        assert_eq!(json["token"], json["access_token"]);
        token = Some(intercom_auth_types::parse_token_response(200, &response.body).unwrap());

        // The code is single-use.
        let error = api_error(
            client
                .execute(
                    ApiRequest::post("/auth/eagle/token")
                        .body(HeaderValue::from_static(FORM_CONTENT_TYPE), body),
                )
                .await,
        );
        assert_eq!(error.status, StatusCode::UNAUTHORIZED);
        assert_eq!(
            error.errors[0].message.as_deref(),
            Some("Unauthorized Code")
        );
        break;
    }
    assert!(padded, "no code ending in '=' in 30 tries");
    let token: OAuthToken = token.unwrap();

    let oauth = Client::builder()
        .base_url(sandbox.base_url())
        .allow_insecure_loopback(true)
        .max_attempts(1)
        .build()
        .unwrap()
        .with_oauth_token(token);
    let me: Value = oauth.send(ApiRequest::get("/me")).await.unwrap();
    assert_eq!(me["type"], "admin");
    let response = oauth
        .execute(ApiRequest::post(intercom_auth_types::UNINSTALL_PATH))
        .await
        .unwrap();
    assert_eq!(response.status, StatusCode::OK);
    let error = api_error(oauth.send::<Value>(ApiRequest::get("/me")).await);
    assert_eq!(error.status, StatusCode::UNAUTHORIZED);
    // The private token is unaffected.
    client.send::<Value>(ApiRequest::get("/me")).await.unwrap();
    assert_eq!(TOKEN_PATH, "/auth/eagle/token");
}

#[tokio::test]
async fn token_exchange_refuses_wrong_secret_unknown_and_expired_codes() {
    let sandbox = Sandbox::builder()
        .oauth_code_ttl(Duration::from_millis(200))
        .start()
        .await
        .unwrap();
    let client = client(&sandbox);
    let authorize_target = format!("/oauth?client_id={}&state=xyz", sandbox.client_id());
    let location = raw(&sandbox, "GET", &authorize_target, &[], "")
        .await
        .header("location")
        .unwrap()
        .to_owned();
    assert!(location.starts_with(intercom_sandbox::DEFAULT_REDIRECT_URI));
    assert!(location.ends_with("&state=xyz"));
    let code = code_of(&location);
    let exchange = |code: &str, secret: &str| {
        ApiRequest::post("/auth/eagle/token").body(
            HeaderValue::from_static(FORM_CONTENT_TYPE),
            form(&[
                ("code", code),
                ("client_id", sandbox.client_id()),
                ("client_secret", secret),
            ]),
        )
    };
    for request in [
        exchange(&code, "wrong-secret"),
        exchange("bm90LWEtY29kZQ==", sandbox.client_secret_plaintext()),
        ApiRequest::post("/auth/eagle/token")
            .body(HeaderValue::from_static(FORM_CONTENT_TYPE), "garbage"),
    ] {
        let error = api_error(client.execute(request).await);
        assert_eq!(error.status, StatusCode::UNAUTHORIZED);
        assert_eq!(code_str(&error), "unauthorized");
        assert_eq!(
            error.errors[0].message.as_deref(),
            Some("Unauthorized Code")
        );
    }
    // A wrong secret did not burn the code, but waiting past the TTL does.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let error = api_error(
        client
            .execute(exchange(&code, sandbox.client_secret_plaintext()))
            .await,
    );
    assert_eq!(
        error.errors[0].message.as_deref(),
        Some("Unauthorized Code")
    );

    for target in [
        "/oauth?client_id=someone-else".to_owned(),
        format!(
            "/oauth?client_id={}&redirect_uri=https%3A%2F%2Fevil.example%2F",
            sandbox.client_id()
        ),
    ] {
        let response = raw(&sandbox, "GET", &target, &[], "").await;
        assert_eq!(response.status, 400, "{target}");
        assert!(response.header("location").is_none());
    }
}

fn code_str(e: &intercom_transport::ApiError) -> &str {
    code(e)
}

#[tokio::test]
async fn rate_limit_headers_and_429() {
    let sandbox = Sandbox::builder().rate_limit(3).start().await.unwrap();
    let mut limited = None;
    for _ in 0..7 {
        // A fresh client each time, so the client-side limiter never holds a request back.
        match client(&sandbox).execute(ApiRequest::get("/me")).await {
            Ok(response) => {
                let rate = response.rate_limit.unwrap();
                assert_eq!(rate.limit, 3);
                assert!(rate.remaining < 3);
            }
            Err(error) => {
                limited = Some(api_error::<()>(Err(error)));
                break;
            }
        }
    }
    let error = limited.expect("a 429 within 7 requests at 3 per window");
    assert_eq!(error.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(error.is_rate_limited());
    assert_eq!(code(&error), "rate_limit_exceeded");
    assert_eq!(
        error.errors[0].message.as_deref(),
        Some("Exceeded rate limit of 3 in 10_seconds")
    );
    let rate = error.rate_limit.unwrap();
    assert_eq!((rate.limit, rate.remaining), (3, 0));
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert_eq!(rate.reset % 10, 0);
    assert!(
        rate.reset > now && rate.reset <= now + 10,
        "reset {} now {now}",
        rate.reset
    );
}

#[tokio::test]
async fn fail_next_n_with_status_and_retry_after() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let client = client(&sandbox);
    sandbox.faults().fail_next(2, 503);
    assert_eq!(sandbox.faults().pending(), (2, 0));
    for _ in 0..2 {
        let error = api_error(client.send::<Value>(ApiRequest::get("/me")).await);
        assert_eq!(error.status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(code(&error), "service_unavailable");
        assert_eq!(error.error_type.as_deref(), Some("error.list"));
        assert!(error.retry_after.is_none());
    }
    client.send::<Value>(ApiRequest::get("/me")).await.unwrap();

    sandbox.faults().fail_next_with(
        1,
        InjectedFailure::status(429)
            .retry_after(Duration::from_secs(2))
            .message("slow down"),
    );
    let error = api_error(client.send::<Value>(ApiRequest::get("/me")).await);
    assert_eq!(error.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(error.retry_after, Some(Duration::from_secs(2)));
    assert_eq!(error.errors[0].message.as_deref(), Some("slow down"));

    // With retries on, an idempotent request gets through an injected 500.
    sandbox.faults().fail_next(1, 500);
    let response = client_with(&sandbox, 3)
        .execute(ApiRequest::get("/me"))
        .await
        .unwrap();
    assert_eq!(response.attempts, 2);
}

#[tokio::test]
async fn latency_is_added_to_every_response() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let client = client(&sandbox);
    sandbox.faults().set_latency(Duration::from_millis(250));
    let started = Instant::now();
    client.send::<Value>(ApiRequest::get("/me")).await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(250));
    let impatient = Client::builder()
        .base_url(sandbox.base_url())
        .allow_insecure_loopback(true)
        .max_attempts(1)
        .attempt_timeout(Duration::from_millis(50))
        .build()
        .unwrap()
        .with_access_token(sandbox.access_token());
    let error = impatient
        .send::<Value>(ApiRequest::get("/me"))
        .await
        .unwrap_err();
    assert!(error.is_timeout(), "{error:?}");
    sandbox.faults().set_latency(Duration::ZERO);
    let started = Instant::now();
    client.send::<Value>(ApiRequest::get("/me")).await.unwrap();
    assert!(started.elapsed() < Duration::from_millis(250));
}

#[tokio::test]
async fn dropped_connections_close_without_a_response() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    sandbox.faults().drop_next_connections(1);
    let error = client(&sandbox)
        .send::<Value>(ApiRequest::get("/me"))
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Transport(_)), "{error:?}");
    assert_eq!(sandbox.faults().pending(), (0, 0));
    client(&sandbox)
        .send::<Value>(ApiRequest::get("/me"))
        .await
        .unwrap();

    sandbox.faults().drop_next_connections(1);
    let response = client_with(&sandbox, 3)
        .execute(ApiRequest::get("/me"))
        .await
        .unwrap();
    assert_eq!(response.attempts, 2);

    sandbox.faults().drop_next_connections(3);
    sandbox.faults().reset();
    assert_eq!(sandbox.faults().pending(), (0, 0));
}

#[tokio::test]
async fn consent_form_approves_or_denies() {
    let sandbox = Sandbox::builder()
        .redirect_uri("http://127.0.0.1:9/cb")
        .consent_form(true)
        .start()
        .await
        .unwrap();
    let target = format!("/oauth?client_id={}&state=s%3C1%3E", sandbox.client_id());
    let page = raw(&sandbox, "GET", &target, &[], "").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.header("location").is_none(), "no code before consent");
    assert!(page
        .header("content-type")
        .unwrap()
        .starts_with("text/html"));
    // The state travels escaped in a hidden field.
    assert!(
        page.body.contains(r#"name="state" value="s&lt;1&gt;""#),
        "{}",
        page.body
    );
    assert!(page.body.contains(r#"value="approve""#) && page.body.contains(r#"value="deny""#));

    let post = |decision: &'static str, state: String| {
        let body = form(&[
            ("client_id", sandbox.client_id()),
            ("redirect_uri", "http://127.0.0.1:9/cb"),
            ("state", &state),
            ("decision", decision),
        ]);
        let sandbox = &sandbox;
        async move {
            raw(
                sandbox,
                "POST",
                "/oauth/consent",
                &[("Content-Type", "application/x-www-form-urlencoded")],
                std::str::from_utf8(&body).unwrap(),
            )
            .await
        }
    };
    let app = OAuthApp::new(sandbox.client_id(), sandbox.client_secret()).unwrap();
    let (url, csrf) = app.authorize_url();
    let state = url
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .into_owned();
    let approved = post("approve", state).await;
    assert_eq!(approved.status, 303, "{}", approved.body);
    let location = approved.header("location").unwrap();
    assert!(
        location.starts_with("http://127.0.0.1:9/cb?code="),
        "{location}"
    );
    // The approved code carries the state back and exchanges for a working token.
    let code = csrf.verify_callback(location).unwrap();
    let token = client(&sandbox).exchange_code(&app, code).await.unwrap();
    assert!(client(&sandbox)
        .with_oauth_token(token)
        .send::<Value>(ApiRequest::get("/me"))
        .await
        .is_ok());

    let denied = post("deny", "s<1>".to_owned()).await;
    assert_eq!(denied.status, 303, "{}", denied.body);
    assert_eq!(
        denied.header("location").unwrap(),
        "http://127.0.0.1:9/cb?error=access_denied&state=s%3C1%3E"
    );

    let other = post("maybe", String::new()).await;
    assert_eq!(other.status, 400);
    assert!(other.header("location").is_none());
    // A redirect URI that is not registered is refused on the post too.
    let forged = form(&[
        ("client_id", sandbox.client_id()),
        ("redirect_uri", "https://evil.example/"),
        ("decision", "approve"),
    ]);
    let response = raw(
        &sandbox,
        "POST",
        "/oauth/consent",
        &[],
        std::str::from_utf8(&forged).unwrap(),
    )
    .await;
    assert_eq!(response.status, 400);
    assert!(response.header("location").is_none());
}
