//! The typed notification envelope returned by `verify_notification`.

use intercom_auth_types::{sign_hub_signature, verify_notification, ClientSecret, WebhookError};
use serde::Deserialize;

const TICKET_CREATED: &[u8] = br#"{"type":"notification_event","app_id":"abc123","id":"notif_c2441832-0000-4000-8000-000000000001",
 "topic":"ticket.created","created_at":1715937890,"first_sent_at":1715937891,
 "delivery_status":"pending","delivery_attempts":1,"delivered_at":0,"links":{},"self":null,
 "data":{"type":"notification_event_data","item":{"type":"ticket","id":"5","title":"Printer on fire"}}}"#;

fn secret() -> ClientSecret {
    ClientSecret::new("3c6ea8e2-5b31-4f2e-9d8a-0c1b2a3d4e5f").expect("valid")
}

#[derive(Debug, Deserialize, PartialEq)]
struct Ticket {
    id: String,
    title: String,
}

#[test]
fn envelope_fields_are_typed() {
    let secret = secret();
    let sig = sign_hub_signature(&secret, TICKET_CREATED);
    let n = verify_notification(&secret, &sig, TICKET_CREATED).expect("valid notification");
    assert_eq!(n.kind, "notification_event");
    assert_eq!(n.app_id, "abc123");
    assert_eq!(n.id, "notif_c2441832-0000-4000-8000-000000000001");
    assert_eq!(n.topic, "ticket.created");
    assert_eq!(n.created_at, 1_715_937_890);
    assert_eq!(n.first_sent_at, Some(1_715_937_891));
    assert_eq!(n.delivery_attempts, Some(1));
    assert_eq!(n.item["type"], "ticket");
    assert_eq!(
        n.item_as::<Ticket>().expect("ticket"),
        Ticket {
            id: "5".into(),
            title: "Printer on fire".into()
        }
    );
    assert!(n.item_as::<u32>().is_err());
}

#[test]
fn signature_is_over_raw_bytes_not_reserialized_json() {
    // Same JSON value, different bytes: the signature of one does not verify the other.
    let secret = secret();
    let compact: serde_json::Value = serde_json::from_slice(TICKET_CREATED).expect("json");
    let reserialized = serde_json::to_vec(&compact).expect("json");
    assert_ne!(reserialized.as_slice(), TICKET_CREATED);
    let sig = sign_hub_signature(&secret, TICKET_CREATED);
    assert_eq!(
        verify_notification(&secret, &sig, &reserialized),
        Err(WebhookError::Mismatch)
    );
}

#[test]
fn optional_fields_and_missing_item() {
    let secret = secret();
    let body =
        br#"{"type":"notification_event","app_id":"a","id":"n","topic":"ping","created_at":1}"#;
    let n = verify_notification(&secret, sign_hub_signature(&secret, body), body).expect("ok");
    assert_eq!(n.delivery_attempts, None);
    assert_eq!(n.first_sent_at, None);
    assert!(n.item.is_null());
}

#[test]
fn signed_non_envelope_is_invalid_json() {
    let secret = secret();
    for body in [&b"not json"[..], br#"{"app_id":"abc123"}"#, b"[]"] {
        let sig = sign_hub_signature(&secret, body);
        assert!(matches!(
            verify_notification(&secret, &sig, body),
            Err(WebhookError::InvalidJson { .. })
        ));
    }
}

#[test]
fn body_is_not_parsed_before_the_signature_matches() {
    let secret = secret();
    // Invalid JSON with a bad signature reports the signature, not the JSON.
    assert_eq!(
        verify_notification(&secret, format!("sha1={}", "0".repeat(40)), b"not json"),
        Err(WebhookError::Mismatch)
    );
}
