//! Typed API errors (status, open code enum, request id, predicates, raw body),
//! 410 `contact_merged`, decode errors with serde path and excerpt, raw access.

use http::StatusCode;
use intercom_tests::{authorize, builder_for, client_for, LoopbackServer, Reply};
use intercom_transport::{ApiRequest, Error, ErrorCode};
use serde::Deserialize;
use serde_json::json;

async fn api_error(reply: Reply) -> Error {
    let server = LoopbackServer::start();
    server.push(reply);
    authorize(builder_for(&server).max_attempts(1))
        .execute(ApiRequest::get("/x"))
        .await
        .expect_err("an error status")
}

#[tokio::test]
async fn error_list_keeps_every_error_with_fields_and_the_raw_body() {
    let body = json!({
        "type": "error.list",
        "request_id": "req-1",
        "errors": [
            { "code": "parameter_invalid", "message": "Email is invalid", "field": "email" },
            { "code": "parameter_not_found", "message": "Role missing", "field": null },
        ],
    });
    let err = api_error(Reply::json(400, &body)).await;
    let api = err.api().expect("api");
    assert_eq!(api.status, StatusCode::BAD_REQUEST);
    assert_eq!(api.errors.len(), 2);
    assert_eq!(api.errors[0].code, ErrorCode::ParameterInvalid);
    assert_eq!(api.errors[0].field.as_deref(), Some("email"));
    assert_eq!(api.errors[1].code, ErrorCode::ParameterNotFound);
    assert_eq!(api.errors[1].field, None);
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&api.body).expect("raw body kept"),
        body
    );
    assert_eq!(
        api.headers.get("content-type").map(|v| v.as_bytes()),
        Some(&b"application/json"[..])
    );
    let text = err.to_string();
    for part in [
        "400",
        "parameter_invalid",
        "Email is invalid",
        "email",
        "and 1 more",
        "req-1",
    ] {
        assert!(text.contains(part), "{part} missing from {text}");
    }
}

#[tokio::test]
async fn codes_are_an_open_enum() {
    for (wire, code) in [
        ("unauthorized", ErrorCode::Unauthorized),
        ("token_revoked", ErrorCode::TokenRevoked),
        ("api_plan_restricted", ErrorCode::ApiPlanRestricted),
        ("rate_limit_exceeded", ErrorCode::RateLimitExceeded),
        ("contact_merged", ErrorCode::ContactMerged),
        ("scroll_exists", ErrorCode::ScrollExists),
        (
            "tag_has_dependent_objects",
            ErrorCode::Other("tag_has_dependent_objects".into()),
        ),
    ] {
        assert_eq!(ErrorCode::parse(wire), code);
        assert_eq!(code.as_str(), wire);
        assert_eq!(code.to_string(), wire);
    }
    let err = api_error(Reply::error_list(400, "r", "invalid_merge", "nope")).await;
    assert_eq!(
        err.api().and_then(|a| a.code()),
        Some(&ErrorCode::Other("invalid_merge".into()))
    );
}

#[tokio::test]
async fn legacy_errors_with_the_code_in_type_parse() {
    let err = api_error(Reply::json(
        401,
        &json!({ "type": "error.list", "errors": [{ "type": "token_not_found", "message": "Unauthorized" }] }),
    ))
    .await;
    assert_eq!(
        err.api().and_then(|a| a.code()),
        Some(&ErrorCode::TokenNotFound)
    );
    assert!(err.is_unauthorized());
}

#[tokio::test]
async fn predicates_match_status_and_codes() {
    type Predicate = dyn Fn(&Error) -> bool;
    let cases: Vec<(Reply, &Predicate, &str)> = vec![
        (
            Reply::error_list(401, "r", "unauthorized", "x"),
            &|e| e.is_unauthorized(),
            "401",
        ),
        (
            Reply::error_list(403, "r", "token_suspended", "x"),
            &|e| e.is_unauthorized(),
            "token code",
        ),
        (
            Reply::error_list(404, "r", "not_found", "x"),
            &|e| e.is_not_found(),
            "404",
        ),
        (
            Reply::error_list(429, "r", "rate_limit_exceeded", "x"),
            &|e| e.is_rate_limited(),
            "429",
        ),
        (
            Reply::error_list(400, "r", "rate_limit_exceeded", "5 pending exports"),
            &|e| e.is_rate_limited(),
            "code without 429",
        ),
        (
            Reply::error_list(403, "r", "api_plan_restricted", "x"),
            &|e| e.api().is_some_and(|a| a.is_forbidden()),
            "403",
        ),
        (
            Reply::error_list(409, "r", "conflict", "x"),
            &|e| e.api().is_some_and(|a| a.is_conflict()),
            "409",
        ),
        (
            Reply::status(503),
            &|e| e.api().is_some_and(|a| a.is_server_error()),
            "5xx",
        ),
    ];
    for (reply, predicate, name) in cases {
        let err = api_error(reply).await;
        assert!(predicate(&err), "{name}: {err:?}");
    }
    let err = api_error(Reply::error_list(404, "r", "not_found", "x")).await;
    assert!(!err.is_unauthorized() && !err.is_rate_limited() && !err.is_timeout());
}

#[tokio::test]
async fn request_id_falls_back_to_the_header() {
    let err = api_error(
        Reply::json(
            500,
            &json!({ "type": "error.list", "request_id": null, "errors": [] }),
        )
        .header("x-request-id", "hdr-123"),
    )
    .await;
    assert_eq!(err.request_id(), Some("hdr-123"));
    let err = api_error(Reply::text(502, "<html>").header("x-request-id", "hdr-9")).await;
    assert_eq!(err.request_id(), Some("hdr-9"));
}

#[tokio::test]
async fn contact_merged_exposes_the_canonical_id_from_link() {
    let body = json!({
        "type": "error.list",
        "errors": [{ "code": "contact_merged", "message": "Contact has been merged" }],
    });
    let err = api_error(Reply::json(410, &body).header(
        "link",
        "</contacts/5ba682d23d7cf92bef87bfd4>; rel=\"canonical\"",
    ))
    .await;
    let api = err.api().expect("api");
    assert_eq!(api.status, StatusCode::GONE);
    assert_eq!(api.code(), Some(&ErrorCode::ContactMerged));
    assert_eq!(api.request_id, None, "the 410 example has no request_id");
    assert_eq!(
        api.canonical_contact_id().as_deref(),
        Some("5ba682d23d7cf92bef87bfd4")
    );

    // Several links, the canonical one not first, absolute URL.
    let err = api_error(
        Reply::json(410, &body)
            .header(
                "link",
                "<https://api.intercom.io/contacts/a1>; rel=\"alternate\"",
            )
            .header(
                "link",
                "<https://api.intercom.io/contacts/b2>; rel=\"canonical\"",
            ),
    )
    .await;
    assert_eq!(
        err.api().and_then(|a| a.canonical_contact_id()).as_deref(),
        Some("b2")
    );

    // Without the header, or on another status, there is none.
    let err = api_error(Reply::json(410, &body)).await;
    assert_eq!(err.api().and_then(|a| a.canonical_contact_id()), None);
    let err =
        api_error(Reply::json(404, &json!({})).header("link", "</contacts/x>; rel=\"canonical\""))
            .await;
    assert_eq!(err.api().and_then(|a| a.canonical_contact_id()), None);
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct ContactList {
    #[serde(rename = "type")]
    kind: String,
    data: Vec<Contact>,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct Contact {
    id: String,
    created_at: i64,
}

async fn decode_error(body: &'static str) -> intercom_transport::DecodeError {
    let server = LoopbackServer::start();
    server.push(Reply::raw_json(200, body));
    let err = client_for(&server)
        .send::<ContactList>(ApiRequest::get("/contacts"))
        .await
        .expect_err("does not decode");
    match err {
        Error::Decode(d) => *d,
        other => panic!("expected Error::Decode, got {other:?}"),
    }
}

#[tokio::test]
async fn decode_errors_carry_the_serde_path_and_an_excerpt() {
    let body =
        r#"{"type":"list","data":[{"id":"1","created_at":1},{"id":"2","created_at":"yesterday"}]}"#;
    let d = decode_error(body).await;
    assert_eq!(d.status, StatusCode::OK);
    assert_eq!(d.path, "data[1].created_at");
    assert!(d.target.contains("ContactList"), "{}", d.target);
    assert!(d.message.contains("invalid type"), "{}", d.message);
    assert_eq!(d.excerpt, body);
    let text = d.to_string();
    assert!(
        text.contains("data[1].created_at") && text.contains("\"yesterday\""),
        "{text}"
    );
}

#[tokio::test]
async fn truncated_invalid_and_trailing_json_are_decode_errors() {
    let d = decode_error(r#"{"type":"list","data":[{"id":"1","#).await;
    assert!(d.path.starts_with("data[0]"), "{}", d.path);
    assert!(d.message.contains("EOF"), "{}", d.message);
    assert_eq!(d.excerpt, r#"{"type":"list","data":[{"id":"1","#);

    let d = decode_error("<html>oops</html>").await;
    assert_eq!(d.excerpt, "<html>oops</html>");

    let d = decode_error(r#"{"type":"list","data":[]} trailing"#).await;
    assert!(d.message.contains("trailing"), "{}", d.message);
}

#[tokio::test]
async fn the_excerpt_is_short() {
    let long: &'static str = Box::leak(
        format!("{{\"type\":\"list\",\"data\":\"{}\"}}", "z".repeat(5000)).into_boxed_str(),
    );
    let d = decode_error(long).await;
    assert!(
        d.excerpt.len() <= 200 + '…'.len_utf8(),
        "{}",
        d.excerpt.len()
    );
    assert!(d.excerpt.ends_with('…'));
    assert!(d.excerpt.starts_with("{\"type\":\"list\""));
}

#[tokio::test]
async fn raw_access_returns_status_headers_and_bytes() {
    let server = LoopbackServer::start();
    server.push(
        Reply::raw_json(200, r#"{"type":"admin","id":"7"}"#)
            .header("x-request-id", "rid-7")
            .rate_limit(100, 99, 1),
    );
    server.push(Reply::raw_json(201, r#"{"type":"admin","id":"8"}"#));
    server.push(Reply::status(204));
    let client = client_for(&server);

    let raw = client.execute(ApiRequest::get("/me")).await.expect("200");
    assert_eq!(raw.status, StatusCode::OK);
    assert_eq!(raw.request_id(), Some("rid-7"));
    assert_eq!(raw.text(), r#"{"type":"admin","id":"7"}"#);
    assert_eq!(raw.json::<serde_json::Value>().expect("json")["id"], "7");
    assert_eq!(raw.rate_limit.map(|r| r.limit), Some(100));

    let typed = client
        .send_with_response::<serde_json::Value>(ApiRequest::get("/me"))
        .await
        .expect("201");
    assert_eq!(typed.status, StatusCode::CREATED);
    assert_eq!(typed.value["id"], "8");
    assert_eq!(&typed.body[..], br#"{"type":"admin","id":"8"}"#);
    assert_eq!(
        typed.headers.get("content-type").map(|v| v.as_bytes()),
        Some(&b"application/json"[..])
    );

    // An empty 204 decodes into `()`.
    let () = client
        .send(ApiRequest::delete("/tags/1"))
        .await
        .expect("204");
}
