//! Webhooks: signed `notification_event`s for API changes, retried until answered with 200.
#![allow(clippy::unwrap_used)]

mod common;

use std::process::Command;
use std::time::Duration;

use common::client;
use intercom_auth_types::{verify_notification, HUB_SIGNATURE_HEADER};
use intercom_sandbox::{Sandbox, StartError};
use intercom_transport::ApiRequest;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

/// One received delivery: the signature header and the raw body.
struct Delivery {
    signature: String,
    body: Vec<u8>,
}

/// A loopback receiver answering each delivery with the next status of `statuses` (then 200).
async fn receiver(statuses: Vec<u16>) -> (String, mpsc::UnboundedReceiver<Delivery>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hooks", listener.local_addr().unwrap());
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut statuses = statuses.into_iter();
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            let mut raw = Vec::new();
            let mut buf = [0u8; 4096];
            let (head_end, length) = loop {
                let n = stream.read(&mut buf).await.unwrap_or(0);
                if n == 0 {
                    break (0, 0);
                }
                raw.extend_from_slice(&buf[..n]);
                if let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
                    let head = String::from_utf8_lossy(&raw[..end]).to_ascii_lowercase();
                    let length = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:"))
                        .and_then(|v| v.trim().parse::<usize>().ok())
                        .unwrap_or(0);
                    break (end + 4, length);
                }
            };
            while raw.len() < head_end + length {
                let n = stream.read(&mut buf).await.unwrap_or(0);
                if n == 0 {
                    break;
                }
                raw.extend_from_slice(&buf[..n]);
            }
            let head = String::from_utf8_lossy(&raw[..head_end]).into_owned();
            let signature = head
                .lines()
                .find_map(|l| {
                    let (name, value) = l.split_once(':')?;
                    name.eq_ignore_ascii_case(HUB_SIGNATURE_HEADER)
                        .then(|| value.trim().to_owned())
                })
                .unwrap_or_default();
            let status = statuses.next().unwrap_or(200);
            let _ = tx.send(Delivery {
                signature,
                body: raw[head_end..].to_vec(),
            });
            let answer =
                format!("HTTP/1.1 {status} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
            let _ = stream.write_all(answer.as_bytes()).await;
        }
    });
    (url, rx)
}

async fn next(rx: &mut mpsc::UnboundedReceiver<Delivery>) -> Delivery {
    tokio::time::timeout(Duration::from_secs(20), rx.recv())
        .await
        .expect("a delivery within 20 s")
        .expect("the receiver runs")
}

/// HMAC-SHA1 of `body` keyed with `secret`, computed by Python's `hmac` module.
fn python_signature(secret: &str, body: &[u8]) -> Option<String> {
    let dir = std::env::temp_dir().join(format!("sandbox-webhook-{}", std::process::id()));
    std::fs::create_dir_all(&dir).ok()?;
    let file = dir.join("body.json");
    std::fs::write(&file, body).ok()?;
    let output = Command::new("python3")
        .args([
            "-c",
            "import hmac,hashlib,sys; print('sha1='+hmac.new(sys.argv[1].encode(), open(sys.argv[2],'rb').read(), hashlib.sha1).hexdigest())",
            secret,
            file.to_str()?,
        ])
        .output()
        .ok()?;
    let _ = std::fs::remove_dir_all(&dir);
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

#[tokio::test]
async fn api_changes_post_signed_notifications_and_failures_are_retried() {
    // The first delivery gets a 500, the second a 503, the third 200.
    let (url, mut rx) = receiver(vec![500, 503]).await;
    let sandbox = Sandbox::builder()
        .webhook(url, ["contact.*", "conversation.user.created"])
        .webhook_retries(3, Duration::from_millis(20))
        .start()
        .await
        .unwrap();
    let created: Value = client(&sandbox)
        .send(
            ApiRequest::post("/contacts")
                .json(&json!({"role": "lead", "email": "hook@example.com"})),
        )
        .await
        .unwrap();

    let mut attempts = Vec::new();
    for _ in 0..3 {
        attempts.push(next(&mut rx).await);
    }
    let secret = sandbox.client_secret();
    for (n, delivery) in attempts.iter().enumerate() {
        let note = verify_notification(&secret, &delivery.signature, &delivery.body)
            .unwrap_or_else(|e| panic!("attempt {n}: our verifier refused it: {e}"));
        assert_eq!(note.topic, "contact.lead.created");
        assert_eq!(note.kind, "notification_event");
        assert_eq!(note.delivery_attempts, Some(n as u32 + 1));
        let body: Value = serde_json::from_slice(&delivery.body).unwrap();
        assert_eq!(body["data"]["type"], "notification_event_data");
        assert_eq!(body["data"]["item"]["id"], created["id"]);
        assert_eq!(body["data"]["item"]["email"], "hook@example.com");
        match python_signature(sandbox.client_secret_plaintext(), &delivery.body) {
            Some(expected) => assert_eq!(delivery.signature, expected),
            None => println!("SKIPPED the Python hmac cross-check: python3 is not available"),
        }
    }
    let ids: Vec<String> = attempts
        .iter()
        .map(|d| serde_json::from_slice::<Value>(&d.body).unwrap()["id"].to_string())
        .collect();
    assert!(
        ids.windows(2).all(|w| w[0] == w[1]),
        "retries keep the id: {ids:?}"
    );

    // A tampered body fails our verifier.
    let mut tampered = attempts[2].body.clone();
    tampered.push(b' ');
    assert!(verify_notification(&secret, &attempts[2].signature, &tampered).is_err());

    // Unsubscribed topics send nothing: a company upsert, then a subscribed contact delete.
    let _: Value = client(&sandbox)
        .send(ApiRequest::post("/companies").json(&json!({"company_id": "hooks", "name": "Hooks"})))
        .await
        .unwrap();
    let _: Value = client(&sandbox)
        .send(
            ApiRequest::delete("/contacts/{id}")
                .path(format!("/contacts/{}", created["id"].as_str().unwrap())),
        )
        .await
        .unwrap();
    let deleted = next(&mut rx).await;
    let note = verify_notification(&secret, &deleted.signature, &deleted.body).unwrap();
    assert_eq!(
        note.topic, "contact.deleted",
        "no company.created in between"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn webhook_urls_must_be_loopback_http() {
    for url in [
        "https://127.0.0.1/x",
        "http://example.com/hooks",
        "not a url",
    ] {
        let error = Sandbox::builder()
            .webhook(url, ["*"])
            .start()
            .await
            .unwrap_err();
        assert!(matches!(error, StartError::Webhook(_)), "{url}: {error}");
    }
}
