//! The OAuth code exchange and revocation as sent on the wire, through a recording
//! in-memory transport: exact method, path, headers and form body; typed failures; nothing
//! secret in errors or logs.

use std::sync::Arc;

use http::StatusCode;
use intercom_auth_types::{AuthorizationCode, ClientSecret, ExchangeError, OAuthApp, OAuthToken};
use intercom_test::{MockTransport, Reply};
use intercom_transport::{Client, Error};

const SECRET: &str = "cs-9f8e7d6c5b4a";
const CODE: &str = "c0de+with/slash==";

fn setup(status: StatusCode, body: &'static str) -> (Arc<MockTransport>, Client, OAuthApp) {
    // A recording in-memory transport: the scripted answer, then `200 {}`.
    let recorder = MockTransport::new();
    recorder.push(Reply::status(status.as_u16()).body(body));
    recorder.set_fallback(Reply::status(200).body("{}"));
    let client = Client::builder()
        .base_url("https://api.example.test")
        .transport(recorder.clone())
        .build()
        .expect("valid config");
    let app = OAuthApp::new(
        "client-42",
        ClientSecret::new(SECRET).expect("valid secret"),
    )
    .expect("valid app");
    (recorder, client, app)
}

#[tokio::test]
async fn exchange_sends_exact_form_and_headers_and_returns_token() {
    let (recorder, client, app) = setup(
        StatusCode::OK,
        r#"{"token_type":"Bearer","token":"dG9rOmZyZXNo","access_token":"dG9rOmZyZXNo"}"#,
    );
    let token: OAuthToken = client
        .exchange_code(&app, AuthorizationCode::new(CODE).expect("valid code"))
        .await
        .expect("exchange succeeds");
    assert_eq!(format!("{token:?}"), "OAuthToken([REDACTED])");
    assert_eq!(
        token.authorization().header_value().as_bytes(),
        b"Bearer dG9rOmZyZXNo"
    );

    let seen = recorder.requests();
    assert_eq!(seen.len(), 1);
    let request = &seen[0];
    assert_eq!(request.method, http::Method::POST);
    assert_eq!(
        request.uri.to_string(),
        "https://api.example.test/auth/eagle/token"
    );
    let h = &request.headers;
    assert_eq!(h["content-type"], "application/x-www-form-urlencoded");
    assert_eq!(h["accept"], "application/json");
    assert!(
        h.get("authorization").is_none(),
        "no bearer on the exchange"
    );
    assert_eq!(
        request.body.as_ref(),
        b"code=c0de%2Bwith%2Fslash%3D%3D&client_id=client-42&client_secret=cs-9f8e7d6c5b4a"
    );
}

#[tokio::test]
async fn unauthorized_code_is_typed_and_not_retried() {
    let (recorder, client, app) = setup(
        StatusCode::UNAUTHORIZED,
        r#"{"type":"error.list","request_id":"r-1","errors":[{"code":"unauthorized","message":"Unauthorized Code"}]}"#,
    );
    let err = client
        .exchange_code(&app, AuthorizationCode::new(CODE).expect("valid code"))
        .await
        .expect_err("401");
    assert!(
        matches!(err, Error::OAuth(ExchangeError::UnauthorizedCode { .. })),
        "{err:?}"
    );
    let text = format!("{err} {err:?}");
    assert!(!text.contains(SECRET) && !text.contains("c0de"), "{text}");
    assert_eq!(recorder.requests().len(), 1);
}

#[tokio::test]
async fn non_bearer_token_type_is_refused() {
    let (_, client, app) = setup(
        StatusCode::OK,
        r#"{"token_type":"mac","token":"dG9rOmZyZXNo"}"#,
    );
    let err = client
        .exchange_code(&app, AuthorizationCode::new(CODE).expect("valid code"))
        .await
        .expect_err("mac is not bearer");
    assert!(matches!(err, Error::OAuth(_)), "{err:?}");
    assert!(!format!("{err:?}").contains("dG9rOmZyZXNo"));
}

#[tokio::test]
async fn revoke_posts_uninstall_with_the_token_being_revoked() {
    let (recorder, client, _) = setup(StatusCode::OK, "{}");
    let tenant = client.with_oauth_token(OAuthToken::new("dG9rOnRlbmFudA").expect("valid"));
    tenant.revoke_token().await.expect("uninstalled");
    let seen = recorder.requests();
    assert_eq!(seen[0].method, http::Method::POST);
    assert_eq!(seen[0].uri.path(), "/auth/uninstall");
    assert_eq!(seen[0].headers["authorization"], "Bearer dG9rOnRlbmFudA");
    assert!(seen[0].headers["authorization"].is_sensitive());
}

/// Collects everything a TRACE subscriber writes.
/// Where this test's thread writes its formatted `tracing` output while it captures.
///
/// The subscriber is global and filters by thread: a per-thread default subscriber races with
/// the other tests of this binary (a callsite they hit first can be cached as "never" for
/// everyone), and then the test sees no events at all.
mod capture {
    use std::cell::RefCell;
    use std::sync::{Arc, Mutex, OnceLock};

    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::Layer;

    type Buffer = Arc<Mutex<Vec<u8>>>;

    thread_local! {
        static ACTIVE: RefCell<Option<Buffer>> = const { RefCell::new(None) };
    }

    struct Writer(Option<Buffer>);

    impl std::io::Write for Writer {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if let Some(sink) = &self.0 {
                sink.lock().expect("not poisoned").extend_from_slice(buf);
            }
            Ok(buf.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// Captures everything this thread emits, down to TRACE, until `finish`.
    pub fn start() -> Buffer {
        static INSTALLED: OnceLock<()> = OnceLock::new();
        INSTALLED.get_or_init(|| {
            // Dynamic, so asked on every event: `filter_fn` would cache its first answer.
            let capturing = tracing_subscriber::filter::dynamic_filter_fn(|_, _| {
                ACTIVE.with(|a| a.borrow().is_some())
            });
            let layer = tracing_subscriber::fmt::layer()
                .with_ansi(false)
                .with_writer(|| Writer(ACTIVE.with(|a| a.borrow().clone())))
                .with_filter(capturing);
            tracing::subscriber::set_global_default(tracing_subscriber::registry().with(layer))
                .expect("the only global subscriber");
        });
        let buffer = Buffer::default();
        ACTIVE.with(|a| *a.borrow_mut() = Some(Arc::clone(&buffer)));
        buffer
    }

    /// Stops capturing and returns what was written.
    pub fn finish(buffer: &Buffer) -> String {
        ACTIVE.with(|a| a.borrow_mut().take());
        String::from_utf8_lossy(&buffer.lock().expect("not poisoned")).into_owned()
    }
}

#[tokio::test]
async fn exchange_never_logs_the_form_or_the_token_even_at_trace() {
    let captured = capture::start();

    let (_, client, app) = setup(
        StatusCode::OK,
        r#"{"token_type":"Bearer","token":"dG9rOnNlY3JldC10b2tlbg","access_token":"dG9rOnNlY3JldC10b2tlbg"}"#,
    );
    client
        .exchange_code(&app, AuthorizationCode::new(CODE).expect("valid code"))
        .await
        .expect("exchange succeeds");
    let logs = capture::finish(&captured);
    // The exchange was traced (so this test can fail)...
    assert!(logs.contains("/auth/eagle/token"), "{logs}");
    assert!(logs.contains("redacted"), "{logs}");
    // ...but neither the form (code, client secret) nor the token appears.
    for secret in [SECRET, "c0de", "dG9rOnNlY3JldC10b2tlbg"] {
        assert!(!logs.contains(secret), "{secret} leaked into:\n{logs}");
    }
}

#[tokio::test]
async fn a_request_can_name_only_a_path_on_the_base_url() {
    let (recorder, client, _) = setup(StatusCode::OK, "{}");
    let client = client.with_oauth_token(OAuthToken::new("dG9rOnRlbmFudA").expect("valid"));
    for path in ["//evil.example/steal", "https://evil.example/steal", "evil"] {
        let err = client
            .execute(intercom_transport::ApiRequest::dynamic(
                http::Method::GET,
                path,
            ))
            .await
            .expect_err("refused");
        assert!(
            matches!(err, Error::InvalidRequest { .. }),
            "{path}: {err:?}"
        );
    }
    assert!(recorder.requests().is_empty());
}
