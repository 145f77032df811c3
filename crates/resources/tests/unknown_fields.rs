//! Response models keep JSON fields and enum values they do not declare, and write them back.

#![cfg(all(feature = "contacts", feature = "conversations"))]

use intercom_resources::models::{Contact, Conversation};
use serde_json::json;

#[test]
fn an_unknown_field_survives_decode_and_serialize() {
    let body = json!({
        "type": "contact",
        "id": "c1",
        "email": "jane@example.com",
        "shoe_size": 42,
        "nested_new": {"a": [1, 2, {"b": null}]},
    });
    let contact: Contact = serde_json::from_value(body.clone()).expect("decodes");
    assert_eq!(contact.id.as_deref(), Some("c1"));
    assert_eq!(contact.extra.get("shoe_size"), Some(&json!(42)));
    assert!(
        !contact.extra.contains_key("email"),
        "a declared field is not also kept as unknown"
    );
    let written = serde_json::to_value(&contact).expect("serializes");
    assert_eq!(written["shoe_size"], json!(42));
    assert_eq!(written["nested_new"], body["nested_new"]);
    assert_eq!(written["email"], json!("jane@example.com"));
    let again: Contact = serde_json::from_value(written).expect("decodes again");
    assert_eq!(again, contact);
}

#[test]
fn unknown_fields_of_nested_models_are_kept_at_their_level() {
    let body = json!({
        "type": "conversation",
        "id": "1",
        "new_top": true,
        "source": {"type": "conversation", "id": "s1", "new_inner": "x"},
    });
    let conversation: Conversation = serde_json::from_value(body).expect("decodes");
    assert_eq!(conversation.extra.get("new_top"), Some(&json!(true)));
    assert!(!conversation.extra.contains_key("new_inner"));
    let written = serde_json::to_value(&conversation).expect("serializes");
    assert_eq!(written["source"]["new_inner"], json!("x"));
    assert_eq!(written["new_top"], json!(true));
}

#[test]
fn no_unknown_fields_means_nothing_extra_is_written() {
    let contact: Contact = serde_json::from_value(json!({"id": "c1"})).expect("decodes");
    assert!(contact.extra.is_empty());
    let written = serde_json::to_value(&contact).expect("serializes");
    assert_eq!(written, json!({"id": "c1"}));
}
