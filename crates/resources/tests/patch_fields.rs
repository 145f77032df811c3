//! Optional nullable request fields are tri-state: left out, sent as `null`, or sent.

#![cfg(feature = "help_center")]

use intercom_resources::models::UpdateCollectionRequest;
use intercom_resources::Patch;
use serde_json::json;

#[test]
fn a_cleared_field_is_sent_as_an_explicit_null() {
    let absent = UpdateCollectionRequest::new().with_name("Billing");
    assert_eq!(absent.parent_id, Patch::Absent);
    let written = serde_json::to_value(&absent).expect("serializes");
    assert!(written.get("parent_id").is_none(), "{written}");

    let cleared = UpdateCollectionRequest::new().clear_parent_id();
    let written = serde_json::to_value(&cleared).expect("serializes");
    assert_eq!(written, json!({"parent_id": null}));

    let moved = UpdateCollectionRequest::new().with_parent_id("6871118");
    let written = serde_json::to_value(&moved).expect("serializes");
    assert_eq!(written, json!({"parent_id": "6871118"}));
}

#[test]
fn null_and_absent_stay_apart_when_decoding() {
    let cleared: UpdateCollectionRequest =
        serde_json::from_value(json!({"parent_id": null})).expect("decodes");
    assert_eq!(cleared.parent_id, Patch::Null);
    let absent: UpdateCollectionRequest = serde_json::from_value(json!({})).expect("decodes");
    assert_eq!(absent.parent_id, Patch::Absent);
}
