//! The README's "Test your own code" examples, kept compiling and passing.
#![allow(clippy::unwrap_used)]

// README example 1 (the sandbox): code under test creates a contact and tags it.
use intercom_sandbox::Sandbox;
use intercom_sdk::prelude::*;
use serde_json::{json, Value};

async fn onboard(client: &Client<Private>, email: &str) -> Result<String, Error> {
    let contact: Value = client
        .send(ApiRequest::post("/contacts").json(&json!({"role": "user", "email": email})))
        .await?;
    Ok(contact["id"].as_str().unwrap_or_default().to_owned())
}

#[tokio::test]
async fn onboarding_creates_one_contact() {
    let sandbox = Sandbox::builder().contacts(0).start().await.unwrap();
    let client = Client::builder()
        .base_url(sandbox.base_url())
        .allow_insecure_loopback(true)
        .build()
        .unwrap()
        .with_access_token(sandbox.access_token());

    let id = onboard(&client, "ada@example.com").await.unwrap();

    let sent = sandbox.requests();
    assert_eq!(sent.len(), 1);
    assert_eq!(
        (sent[0].method.as_str(), sent[0].path.as_str()),
        ("POST", "/contacts")
    );
    assert_eq!(sent[0].json().unwrap()["email"], "ada@example.com");
    assert_eq!(sandbox.snapshot()["contacts"][0]["id"], id.as_str());
}

// README example 2 (MockTransport): the same code, with a scripted answer and a retry.
mod with_mock {
    use super::onboard;
    use intercom_sdk::prelude::*;
    use intercom_test::{Expect, MockTransport, Reply};
    use serde_json::json;

    #[tokio::test(start_paused = true)]
    async fn onboarding_survives_a_503() {
        let mock = MockTransport::new();
        mock.expect(
            Expect::post("/contacts")
                .json_includes(json!({"email": "ada@example.com"}))
                .replies([Reply::status(503), Reply::json(200, &json!({"id": "c-1"}))]),
        );
        let client = Client::builder()
            .base_url("https://api.intercom.test")
            .transport(mock.clone())
            .retry_non_idempotent(true)
            .build()
            .unwrap()
            .with_access_token(AccessToken::new("test-token").unwrap());

        assert_eq!(onboard(&client, "ada@example.com").await.unwrap(), "c-1");
        mock.assert_all_met(); // fails the test if the POST did not come twice
    }
}
