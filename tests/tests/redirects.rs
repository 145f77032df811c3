//! Redirects are a typed outcome by default; when followed, the token never leaves
//! the base URL's origin and https→http is refused.

use http::{Method, StatusCode};
use intercom_tests::{
    authorize, builder_for, client_for, mock_builder, LoopbackServer, MockTransport, Reply,
    MOCK_BASE_URL, TEST_TOKEN,
};
use intercom_transport::{ApiRequest, Error, RequestOptions};

fn following(server: &LoopbackServer) -> intercom_transport::Client<intercom_auth_types::Private> {
    authorize(builder_for(server).follow_redirects(true))
}

#[tokio::test]
async fn redirects_are_not_followed_by_default() {
    for status in [301, 302, 303, 307, 308] {
        let server = LoopbackServer::start();
        server.push(Reply::redirect(
            status,
            "https://signed.example/rec.mp3?sig=abc",
        ));
        let client = client_for(&server);
        let err = client
            .execute(ApiRequest::get("/calls/{id}/recording").path("/calls/1/recording"))
            .await
            .expect_err("a redirect");
        let Error::Redirect {
            status: got,
            location,
        } = &err
        else {
            panic!("expected Error::Redirect, got {err:?}");
        };
        assert_eq!(got.as_u16(), status);
        assert_eq!(
            location.as_deref(),
            Some("https://signed.example/rec.mp3?sig=abc")
        );
        assert_eq!(err.status().map(|s| s.as_u16()), Some(status));
        assert_eq!(
            server.request_count(),
            1,
            "{status}: not followed, not retried"
        );
    }

    let server = LoopbackServer::start();
    server.push(Reply::status(302));
    let err = client_for(&server)
        .execute(ApiRequest::get("/x"))
        .await
        .expect_err("a redirect");
    assert!(
        matches!(err, Error::Redirect { location: None, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("no Location"), "{err}");
}

#[tokio::test]
async fn same_origin_redirect_is_followed_with_authorization() {
    let server = LoopbackServer::start();
    server.push(Reply::redirect(302, "/recordings/1.mp3"));
    server.push(
        Reply::status(200)
            .header("content-type", "audio/mpeg")
            .body(&b"ID3 audio"[..]),
    );
    let client = following(&server);
    let response = client
        .execute(ApiRequest::get("/calls/{id}/recording").path("/calls/1/recording"))
        .await
        .expect("followed");
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(&response.body[..], b"ID3 audio");
    assert_eq!(response.attempts, 1, "a followed redirect is not a retry");
    let requests = server.requests();
    assert_eq!(requests[1].path_and_query(), "/recordings/1.mp3");
    assert_eq!(server.saw_authorization(), [true, true]);
}

#[tokio::test]
async fn following_can_be_enabled_per_request() {
    let server = LoopbackServer::start();
    server.push(Reply::redirect(307, "/b"));
    server.push(Reply::ok());
    let client = client_for(&server);
    let follow = RequestOptions::new().follow_redirects(true);
    client
        .execute(ApiRequest::get("/a").options(follow))
        .await
        .expect("followed");
    assert_eq!(server.request_count(), 2);

    // And disabled per request on a following client.
    let server = LoopbackServer::start();
    server.push(Reply::redirect(302, "/b"));
    let no_follow = RequestOptions::new().follow_redirects(false);
    let err = following(&server)
        .execute(ApiRequest::get("/a").options(no_follow))
        .await
        .expect_err("not followed");
    assert!(matches!(err, Error::Redirect { .. }), "{err:?}");
}

#[tokio::test]
async fn authorization_is_dropped_for_a_hop_to_another_port() {
    let api = LoopbackServer::start();
    let storage = LoopbackServer::start_with_fallback(Reply::text(200, "signed content"));
    api.push(Reply::redirect(
        302,
        &storage.url_for("/signed/rec.mp3?X-Amz-Signature=abc"),
    ));
    let client = following(&api);
    let response = client
        .execute(ApiRequest::get("/calls/{id}/recording").path("/calls/1/recording"))
        .await
        .expect("followed");
    assert_eq!(response.text(), "signed content");
    assert_eq!(api.saw_authorization(), [true]);
    assert_eq!(
        storage.saw_authorization(),
        [false],
        "the token must not reach another origin"
    );
    let hop = storage.request(0);
    assert_eq!(hop.path_and_query(), "/signed/rec.mp3?X-Amz-Signature=abc");
    for (name, value) in hop.headers.iter() {
        assert!(
            !value
                .as_bytes()
                .windows(TEST_TOKEN.len())
                .any(|w| w == TEST_TOKEN.as_bytes()),
            "token in header {name}"
        );
    }
    assert_eq!(hop.header("accept"), Some("application/json"));
}

#[tokio::test]
async fn authorization_is_dropped_for_a_hop_to_another_host_on_the_same_port() {
    let server = LoopbackServer::start();
    let other_host = format!("http://localhost:{}/elsewhere", server.addr().port());
    server.push(Reply::redirect(302, &other_host));
    server.push(Reply::ok());
    following(&server)
        .execute(ApiRequest::get("/a"))
        .await
        .expect("followed");
    assert_eq!(server.saw_authorization(), [true, false]);
    assert_eq!(server.request(1).path_and_query(), "/elsewhere");
}

#[tokio::test]
async fn authorization_is_not_restored_after_leaving_the_origin() {
    let api = LoopbackServer::start();
    let other = LoopbackServer::start();
    api.push(Reply::redirect(302, &other.url_for("/bounce")));
    other.push(Reply::redirect(302, &api.url_for("/back")));
    api.push(Reply::ok());
    following(&api)
        .execute(ApiRequest::get("/start"))
        .await
        .expect("followed");
    assert_eq!(other.saw_authorization(), [false]);
    assert_eq!(api.saw_authorization(), [true, false]);
}

#[tokio::test(start_paused = true)]
async fn https_to_http_is_refused() {
    let mock = MockTransport::new();
    mock.push(Reply::redirect(302, "http://api.intercom.test/plain"));
    mock.push(Reply::ok());
    let client = authorize(mock_builder(&mock).follow_redirects(true));
    let err = client
        .execute(ApiRequest::get("/a"))
        .await
        .expect_err("refused");
    let Error::RedirectRefused { reason, location } = &err else {
        panic!("expected RedirectRefused, got {err:?}");
    };
    assert!(reason.contains("https to http"), "{reason}");
    assert_eq!(location.as_deref(), Some("http://api.intercom.test/plain"));
    assert_eq!(mock.request_count(), 1, "the http hop was never sent");
}

#[tokio::test(start_paused = true)]
async fn https_hops_keep_auth_only_on_the_base_origin() {
    let mock = MockTransport::new();
    mock.push(Reply::redirect(302, "/v2/moved"));
    mock.push(Reply::redirect(
        302,
        "https://storage.example.com/rec?sig=1",
    ));
    mock.push(Reply::ok());
    let client = authorize(mock_builder(&mock).follow_redirects(true));
    client
        .execute(ApiRequest::get("/a"))
        .await
        .expect("followed");
    let requests = mock.requests();
    assert_eq!(requests[0].uri.to_string(), format!("{MOCK_BASE_URL}/a"));
    assert_eq!(
        requests[1].uri.to_string(),
        format!("{MOCK_BASE_URL}/v2/moved")
    );
    assert_eq!(
        requests[2].uri.to_string(),
        "https://storage.example.com/rec?sig=1"
    );
    let auth: Vec<bool> = requests
        .iter()
        .map(|r| r.headers.contains_key("authorization"))
        .collect();
    assert_eq!(auth, [true, true, false]);
}

#[tokio::test]
async fn endless_redirect_loops_are_refused() {
    let server = LoopbackServer::start();
    server.set_fallback(Reply::redirect(302, "/loop"));
    let err = following(&server)
        .execute(ApiRequest::get("/loop"))
        .await
        .expect_err("a loop");
    assert!(
        matches!(&err, Error::RedirectRefused { reason, .. } if reason.contains("too many")),
        "{err:?}"
    );
    assert_eq!(server.request_count(), 11, "the first request and 10 hops");
}

#[tokio::test]
async fn unusable_locations_are_refused() {
    let server = LoopbackServer::start();
    server.push(Reply::redirect(302, "ftp://files.example/x"));
    server.push(Reply::status(302));
    let client = following(&server);
    for _ in 0..2 {
        let err = client
            .execute(ApiRequest::get("/a"))
            .await
            .expect_err("refused");
        assert!(matches!(err, Error::RedirectRefused { .. }), "{err:?}");
    }
    assert_eq!(server.request_count(), 2);
}

#[tokio::test]
async fn see_other_turns_a_post_into_a_bodiless_get_and_307_keeps_it() {
    let server = LoopbackServer::start();
    let body = serde_json::json!({ "a": 1 });
    server.push(Reply::redirect(303, "/result"));
    server.push(Reply::ok());
    server.push(Reply::redirect(307, "/again"));
    server.push(Reply::ok());
    let client = following(&server);
    client
        .execute(ApiRequest::post("/jobs").json(&body))
        .await
        .expect("303 followed");
    client
        .execute(ApiRequest::post("/jobs").json(&body))
        .await
        .expect("307 followed");
    let r = server.requests();
    assert_eq!(r[1].method, Method::GET);
    assert!(r[1].body.is_empty());
    assert_eq!(r[1].header("content-type"), None);
    assert_eq!(r[3].method, Method::POST);
    assert_eq!(r[3].json(), body);
    assert_eq!(r[3].header("content-type"), Some("application/json"));
}
