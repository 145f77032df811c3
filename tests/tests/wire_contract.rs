//! The client's wire contract against the loopback server.

use std::time::Duration;

use http::header::AUTHORIZATION;
use http::StatusCode;
use intercom_auth_types::{AccessToken, OAuthToken};
use intercom_tests::{
    assert_no_token, assert_text_has_no_token, authorize, builder_for, client_for, closed_port_url,
    LoopbackServer, Reply, TEST_TOKEN,
};
use intercom_transport::{
    ApiRequest, Client, ConfigError, Error, ErrorCode, IntercomVersion, RequestOptions,
    DEFAULT_INTERCOM_VERSION, USER_AGENT,
};
use serde_json::json;

#[tokio::test]
async fn get_me_sends_exactly_the_expected_headers() {
    let server = LoopbackServer::start();
    server.push(Reply::json(
        200,
        &json!({ "type": "admin", "id": "1", "email": "a@b.c" }),
    ));
    let client = client_for(&server);

    let me: serde_json::Value = client.send(ApiRequest::get("/me")).await.expect("200");
    assert_eq!(me["email"], "a@b.c");

    let request = server.request(0);
    assert_eq!(request.method, http::Method::GET);
    assert_eq!(request.path_and_query(), "/me");
    assert_eq!(
        request.header("authorization"),
        Some(format!("Bearer {TEST_TOKEN}").as_str())
    );
    assert_eq!(request.header("accept"), Some("application/json"));
    assert_eq!(request.header("intercom-version"), Some("2.16"));
    assert_eq!(request.header("user-agent"), Some("intercom-rs/0.1.0"));
    assert_eq!(USER_AGENT, "intercom-rs/0.1.0");
    assert_eq!(DEFAULT_INTERCOM_VERSION, "2.16");
    assert_eq!(
        request.header("content-type"),
        None,
        "no Content-Type on a GET"
    );
    assert!(request.body.is_empty());
    // Exactly one of each, and nothing unexpected besides what hyper adds (host).
    for name in ["authorization", "accept", "intercom-version", "user-agent"] {
        assert_eq!(request.headers.get_all(name).iter().count(), 1, "{name}");
    }
    let mut names: Vec<_> = request
        .headers
        .keys()
        .map(|n| n.as_str().to_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "accept",
            "authorization",
            "host",
            "intercom-version",
            "user-agent"
        ]
    );
}

#[tokio::test]
async fn json_post_carries_content_type_and_body() {
    let server = LoopbackServer::start();
    server.push(Reply::json(200, &json!({ "id": "c1" })));
    let client = client_for(&server);

    let body = json!({ "role": "user", "email": "x@example.com" });
    let created: serde_json::Value = client
        .send(ApiRequest::post("/contacts").json(&body))
        .await
        .expect("200");
    assert_eq!(created["id"], "c1");

    let request = server.request(0);
    assert_eq!(request.method, http::Method::POST);
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert_eq!(request.json(), body);
    assert_eq!(
        request.header("authorization"),
        Some(format!("Bearer {TEST_TOKEN}").as_str())
    );
    assert_eq!(request.header("accept"), Some("application/json"));
    assert_eq!(request.header("intercom-version"), Some("2.16"));
}

#[tokio::test]
async fn intercom_version_can_be_overridden_per_client_and_per_request() {
    let server = LoopbackServer::start_with_fallback(Reply::ok());
    let client = authorize(
        builder_for(&server).intercom_version(IntercomVersion::new("2.15").expect("valid")),
    );
    client.execute(ApiRequest::get("/me")).await.expect("200");
    let options =
        RequestOptions::new().intercom_version(IntercomVersion::new("Preview").expect("valid"));
    client
        .execute(ApiRequest::get("/me").options(options))
        .await
        .expect("200");
    // A header given in the options cannot smuggle another version or token in.
    let sneaky = RequestOptions::new()
        .header(
            http::HeaderName::from_static("intercom-version"),
            http::HeaderValue::from_static("1.0"),
        )
        .header(
            AUTHORIZATION,
            http::HeaderValue::from_static("Bearer other"),
        )
        .header(
            http::HeaderName::from_static("x-extra"),
            http::HeaderValue::from_static("yes"),
        );
    client
        .execute(ApiRequest::get("/me").options(sneaky))
        .await
        .expect("200");

    let requests = server.requests();
    assert_eq!(requests[0].header("intercom-version"), Some("2.15"));
    assert_eq!(requests[1].header("intercom-version"), Some("Preview"));
    assert_eq!(requests[2].header("intercom-version"), Some("2.15"));
    assert_eq!(
        requests[2].header("authorization"),
        Some(format!("Bearer {TEST_TOKEN}").as_str())
    );
    assert_eq!(
        requests[2].headers.get_all("authorization").iter().count(),
        1
    );
    assert_eq!(requests[2].header("x-extra"), Some("yes"));
    assert!(IntercomVersion::new("").is_err());
    assert!(IntercomVersion::new("2 16").is_err());
}

#[tokio::test]
async fn oauth_client_sends_its_own_bearer_token() {
    let server = LoopbackServer::start_with_fallback(Reply::ok());
    let base = builder_for(&server).build().expect("config");
    let oauth = base.with_oauth_token(OAuthToken::new("oauth-tok3n").expect("valid"));
    oauth.execute(ApiRequest::get("/me")).await.expect("200");
    assert_eq!(
        server.request(0).header("authorization"),
        Some("Bearer oauth-tok3n")
    );
}

#[tokio::test]
async fn unauthorized_error_list_becomes_typed_api_error() {
    let server = LoopbackServer::start();
    server.push(
        Reply::error_list(
            401,
            "12a938a3-314e-4939-b773-5cd45738bd21",
            "unauthorized",
            "Access Token Invalid",
        )
        .header("www-authenticate", "Basic realm=\"intercom.io\""),
    );
    let client = client_for(&server);

    let err = client
        .execute(ApiRequest::get("/me"))
        .await
        .expect_err("401");
    let Error::Api(api) = &err else {
        panic!("expected Error::Api, got {err:?}");
    };
    assert_eq!(api.status, StatusCode::UNAUTHORIZED);
    assert_eq!(api.error_type.as_deref(), Some("error.list"));
    assert_eq!(
        api.request_id.as_deref(),
        Some("12a938a3-314e-4939-b773-5cd45738bd21")
    );
    assert_eq!(api.code(), Some(&ErrorCode::Unauthorized));
    assert_eq!(
        api.errors[0].message.as_deref(),
        Some("Access Token Invalid")
    );
    assert!(err.is_unauthorized());
    assert_eq!(
        err.request_id(),
        Some("12a938a3-314e-4939-b773-5cd45738bd21")
    );
    assert!(err.to_string().contains("unauthorized"), "{err}");
    assert!(err.to_string().contains("12a938a3"), "{err}");
    assert_eq!(server.request_count(), 1, "401 is not retried");
    assert_no_token(&err);
}

#[tokio::test]
async fn non_json_502_becomes_typed_error_not_panic() {
    let server = LoopbackServer::start();
    let html = "<html><body><h1>502 Bad Gateway</h1></body></html>";
    server.set_fallback(
        Reply::status(502)
            .header("content-type", "text/html")
            .body(html),
    );
    let client = client_for(&server);

    let err = client
        .execute(ApiRequest::get("/me"))
        .await
        .expect_err("502");
    let api = err.api().expect("an API error");
    assert_eq!(api.status, StatusCode::BAD_GATEWAY);
    assert!(api.errors.is_empty());
    assert_eq!(api.error_type, None);
    assert_eq!(api.message.as_deref(), Some("Bad Gateway"));
    assert_eq!(&api.body[..], html.as_bytes());
    assert!(api.is_server_error());
    // 502 is retryable: the default 3 attempts were made.
    assert_eq!(server.request_count(), 3);

    // Decoding into a type through `send` does not panic either.
    let err = client
        .send::<serde_json::Value>(ApiRequest::get("/me"))
        .await
        .expect_err("502");
    assert_eq!(err.status(), Some(StatusCode::BAD_GATEWAY));
}

#[tokio::test]
async fn the_three_other_error_shapes_parse() {
    let server = LoopbackServer::start();
    server.push_all([
        Reply::json(
            400,
            &json!({ "type": "error", "request_id": "r-1", "message": "ruleset_id is required" }),
        ),
        Reply::json(
            422,
            &json!({ "error_key": "sms_failed", "message": "SMS failed" }),
        ),
        Reply::json(
            422,
            &json!({ "errors": { "rating": "Rating isn't an option" } }),
        ),
    ]);
    let client = client_for(&server);

    let err = client
        .execute(ApiRequest::get("/messages/status"))
        .await
        .expect_err("400");
    let api = err.api().expect("api");
    assert_eq!(api.error_type.as_deref(), Some("error"));
    assert_eq!(api.request_id.as_deref(), Some("r-1"));
    assert_eq!(api.message.as_deref(), Some("ruleset_id is required"));
    assert!(err.to_string().contains("ruleset_id is required"), "{err}");

    let err = client
        .execute(ApiRequest::get("/phone_call_redirects"))
        .await
        .expect_err("422");
    let api = err.api().expect("api");
    assert_eq!(api.code(), Some(&ErrorCode::Other("sms_failed".into())));
    assert_eq!(api.message.as_deref(), Some("SMS failed"));

    let err = client
        .execute(ApiRequest::get("/fin/csat"))
        .await
        .expect_err("422");
    let api = err.api().expect("api");
    assert_eq!(api.errors.len(), 1);
    assert_eq!(api.errors[0].field.as_deref(), Some("rating"));
    assert_eq!(
        api.errors[0].message.as_deref(),
        Some("Rating isn't an option")
    );
}

#[test]
fn plain_http_is_refused_unless_loopback_and_opted_in() {
    let refused = |url: &str, opt_in: bool| {
        Client::builder()
            .base_url(url)
            .allow_insecure_loopback(opt_in)
            .build()
            .expect_err(url)
    };
    for url in [
        "http://api.intercom.io",
        "http://10.0.0.1:8080",
        "http://example.com",
    ] {
        for opt_in in [false, true] {
            assert!(
                matches!(
                    refused(url, opt_in),
                    Error::Config(ConfigError::InsecureBaseUrl { .. })
                ),
                "{url} opt_in={opt_in}"
            );
        }
    }
    for url in ["http://127.0.0.1:9", "http://localhost:9", "http://[::1]:9"] {
        let err = refused(url, false);
        assert!(
            matches!(err, Error::Config(ConfigError::InsecureBaseUrl { .. })),
            "{url}: {err:?}"
        );
        assert!(err.to_string().contains("allow_insecure_loopback"), "{err}");
        Client::builder()
            .base_url(url)
            .allow_insecure_loopback(true)
            .build()
            .unwrap_or_else(|e| panic!("{url} with opt-in: {e}"));
    }
    // https anywhere is fine; nonsense is refused with a typed error.
    Client::builder()
        .base_url("https://proxy.example.com/intercom")
        .build()
        .expect("https");
    for url in [
        "ftp://x",
        "not a url",
        "https://user:pw@x.com",
        "https://x.com/?q=1",
    ] {
        assert!(
            matches!(
                Client::builder().base_url(url).build(),
                Err(Error::Config(ConfigError::InvalidBaseUrl { .. }))
            ),
            "{url}"
        );
    }
}

#[tokio::test]
async fn the_token_never_appears_in_errors_or_debug_output() {
    let server = LoopbackServer::start();
    server.push_all([
        Reply::error_list(401, "r", "unauthorized", "Access Token Invalid"),
        Reply::text(502, "bad gateway"),
        Reply::raw_json(200, "{\"oops\": "),
        Reply::redirect(302, "https://elsewhere.example/x"),
        Reply::ok().delay(Duration::from_millis(400)),
    ]);
    let client = authorize(builder_for(&server).max_attempts(1));
    let mut errors = Vec::new();
    errors.push(
        client
            .execute(ApiRequest::get("/a"))
            .await
            .expect_err("401"),
    );
    errors.push(
        client
            .execute(ApiRequest::get("/b"))
            .await
            .expect_err("502"),
    );
    errors.push(
        client
            .send::<serde_json::Value>(ApiRequest::get("/c"))
            .await
            .expect_err("decode"),
    );
    errors.push(
        client
            .execute(ApiRequest::get("/d"))
            .await
            .expect_err("redirect"),
    );
    let timeout = RequestOptions::new().attempt_timeout(Duration::from_millis(50));
    errors.push(
        client
            .execute(ApiRequest::get("/e").options(timeout))
            .await
            .expect_err("timeout"),
    );
    let closed = authorize(intercom_tests::builder_for_url(&closed_port_url()).max_attempts(1));
    errors.push(
        closed
            .execute(ApiRequest::get("/f"))
            .await
            .expect_err("connect"),
    );
    let kinds: Vec<_> = errors
        .iter()
        .map(|e| match e {
            Error::Api(_) => "api",
            Error::Decode(_) => "decode",
            Error::Redirect { .. } => "redirect",
            Error::Timeout { .. } => "timeout",
            Error::Transport(_) => "transport",
            _ => "other",
        })
        .collect();
    assert_eq!(
        kinds,
        ["api", "api", "decode", "redirect", "timeout", "transport"]
    );
    for err in &errors {
        assert_no_token(err);
    }
    // Nor in the client's or the token's Debug.
    assert_text_has_no_token(&format!("{client:?}"));
    assert_text_has_no_token(&format!("{client:#?}"));
    let token = AccessToken::new(TEST_TOKEN).expect("valid");
    assert_eq!(format!("{token:?}"), "AccessToken([REDACTED])");
    assert_text_has_no_token(&format!("{:?}", token.authorization()));
}
