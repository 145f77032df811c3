//! Authentication, versions, `/me`, admins, 404s, lifecycle and determinism.
#![allow(clippy::unwrap_used)]

mod common;

use common::{api_error, client, code, raw};
use http::StatusCode;
use intercom_auth_types::AccessToken;
use intercom_sandbox::Sandbox;
use intercom_transport::{ApiRequest, Client, IntercomVersion, RequestOptions};
use serde_json::Value;

#[tokio::test]
async fn missing_malformed_and_unknown_tokens_get_401_error_lists() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    for headers in [
        vec![],
        vec![("Authorization", "Basic dG9rOg==")],
        vec![("Authorization", "Bearer")],
        vec![("Authorization", "Bearer not-a-known-token")],
    ] {
        let response = raw(&sandbox, "GET", "/me", &headers, "").await;
        assert_eq!(response.status, 401, "{headers:?}");
        let body = response.json();
        assert_eq!(body["type"], "error.list");
        assert_eq!(body["errors"][0]["code"], "unauthorized");
        assert_eq!(body["errors"][0]["message"], "Access Token Invalid");
        assert!(body["request_id"].is_string());
        assert!(
            response.header("x-ratelimit-limit").is_none(),
            "no rate headers without auth"
        );
    }
    let stranger = Client::builder()
        .base_url(sandbox.base_url())
        .allow_insecure_loopback(true)
        .max_attempts(1)
        .build()
        .unwrap()
        .with_access_token(AccessToken::new("dG9rOnVua25vd24=").unwrap());
    let error = api_error(stranger.send::<Value>(ApiRequest::get("/me")).await);
    assert_eq!(error.status, StatusCode::UNAUTHORIZED);
    assert!(error.is_unauthorized());
}

#[tokio::test]
async fn intercom_version_is_validated() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let client = client(&sandbox);
    for good in ["2.16", "1.0", "2.9", "Preview"] {
        let request = ApiRequest::get("/me")
            .options(RequestOptions::new().intercom_version(IntercomVersion::new(good).unwrap()));
        client.send::<Value>(request).await.unwrap();
    }
    let token = format!("Bearer {}", sandbox.access_token_plaintext());
    let absent = raw(&sandbox, "GET", "/me", &[("Authorization", &token)], "").await;
    assert_eq!(absent.status, 200);
    for bad in ["2.17", "3.0", "Unstable", "latest"] {
        let request = ApiRequest::get("/me")
            .options(RequestOptions::new().intercom_version(IntercomVersion::new(bad).unwrap()));
        let error = api_error(client.send::<Value>(request).await);
        assert_eq!(error.status, StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(code(&error), "intercom_version_invalid");
        assert!(
            error.rate_limit.is_some(),
            "authenticated errors carry rate-limit headers"
        );
    }
}

#[tokio::test]
async fn me_and_admins_have_the_spec_shapes() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let client = client(&sandbox);
    let me: Value = client.send(ApiRequest::get("/me")).await.unwrap();
    assert_eq!(me["type"], "admin");
    assert_eq!(me["app"]["type"], "app");
    assert_eq!(me["app"]["region"], "US");
    assert_eq!(me["email_verified"], true);
    let admins: Value = client.send(ApiRequest::get("/admins")).await.unwrap();
    assert_eq!(admins["type"], "admin.list");
    let list = admins["admins"].as_array().unwrap();
    assert_eq!(list.len(), 3);
    assert_eq!(list[0]["id"], me["id"]);
    let id = list[1]["id"].as_str().unwrap();
    let one: Value = client
        .send(ApiRequest::get("/admins/{id}").path(format!("/admins/{id}")))
        .await
        .unwrap();
    assert_eq!(one["id"], id);
    let error = api_error(
        client
            .send::<Value>(ApiRequest::get("/admins/{id}").path("/admins/1"))
            .await,
    );
    assert_eq!(error.status, StatusCode::NOT_FOUND);
    assert_eq!(code(&error), "admin_not_found");
}

#[tokio::test]
async fn unknown_routes_and_methods_are_404_not_found() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let client = client(&sandbox);
    for request in [
        ApiRequest::get("/nope"),
        ApiRequest::get("/contacts/x/y/z"),
        ApiRequest::delete("/me"),
        ApiRequest::get("/contacts/{id}").path("/contacts/000000000000000000000000"),
        ApiRequest::get("/conversations/{id}").path("/conversations/999999"),
    ] {
        let error = api_error(client.send::<Value>(request).await);
        assert_eq!(error.status, StatusCode::NOT_FOUND);
        assert_eq!(code(&error), "not_found");
        assert_eq!(error.error_type.as_deref(), Some("error.list"));
    }
    let error = api_error(
        client
            .send::<Value>(ApiRequest::get("/companies/{id}").path("/companies/nope"))
            .await,
    );
    assert_eq!(code(&error), "company_not_found");
}

#[tokio::test]
async fn bad_query_strings_get_400_not_a_panic() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let token = format!("Bearer {}", sandbox.access_token_plaintext());
    for target in [
        "/contacts?per_page=abc",
        "/contacts?per_page=0",
        "/contacts?per_page=%FF%FE",
        "/companies?page=-1",
        "/events?type=user",
    ] {
        let response = raw(&sandbox, "GET", target, &[("Authorization", &token)], "").await;
        assert_eq!(response.status, 400, "{target}: {}", response.body);
        assert_eq!(response.json()["type"], "error.list");
    }
    let response = raw(
        &sandbox,
        "GET",
        "/contacts/%FF",
        &[("Authorization", &token)],
        "",
    )
    .await;
    assert_eq!(response.status, 404);
}

#[tokio::test]
async fn same_seed_same_workspace_and_credentials() {
    let a = Sandbox::builder().seed(9).start().await.unwrap();
    let b = Sandbox::builder().seed(9).start().await.unwrap();
    let c = Sandbox::builder().seed(10).start().await.unwrap();
    assert_eq!(a.contact_ids(), b.contact_ids());
    assert_eq!(a.access_token_plaintext(), b.access_token_plaintext());
    assert_eq!(a.client_id(), b.client_id());
    assert_ne!(a.contact_ids(), c.contact_ids());
    let first: Value = client(&a).send(ApiRequest::get("/contacts")).await.unwrap();
    let second: Value = client(&b).send(ApiRequest::get("/contacts")).await.unwrap();
    assert_eq!(first["data"], second["data"]);
    assert!(format!("{a:?}").contains("[REDACTED]"));
    assert!(!format!("{a:?}").contains(a.access_token_plaintext()));
}

#[tokio::test]
async fn shutdown_and_drop_stop_the_server() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let addr = sandbox.addr();
    client(&sandbox)
        .send::<Value>(ApiRequest::get("/me"))
        .await
        .unwrap();
    sandbox.shutdown().await;
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());

    let sandbox = Sandbox::builder().start().await.unwrap();
    let addr = sandbox.addr();
    drop(sandbox);
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}

#[tokio::test]
async fn a_given_port_is_used() {
    let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = probe.local_addr().unwrap().port();
    drop(probe);
    let sandbox = Sandbox::builder().port(port).start().await.unwrap();
    assert_eq!(sandbox.addr().port(), port);
    assert_eq!(sandbox.base_url(), format!("http://127.0.0.1:{port}"));
}
