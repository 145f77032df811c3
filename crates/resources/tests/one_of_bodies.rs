//! `oneOf` request bodies are enums of their alternatives: each writes its own discriminators,
//! and a value decodes into the alternative it was written from.

#![cfg(feature = "conversations")]
#![allow(clippy::unwrap_used)]

use intercom_resources::models::{
    AdminReplyConversationRequest, AdminReplyConversationRequestMessageType,
    ContactReplyConversationRequest, ContactReplyEmailRequest, ReplyConversationRequest,
};
use serde_json::json;

#[test]
fn each_alternative_writes_its_own_discriminators() {
    let admin: ReplyConversationRequest =
        AdminReplyConversationRequest::new(AdminReplyConversationRequestMessageType::Note, "42")
            .with_body("internal")
            .into();
    assert_eq!(
        serde_json::to_value(&admin).unwrap(),
        json!({"admin_id": "42", "body": "internal", "message_type": "note", "type": "admin"})
    );
    let contact =
        ReplyConversationRequest::from(ContactReplyEmailRequest::new("thanks", "ada@example.com"));
    assert_eq!(
        serde_json::to_value(&contact).unwrap(),
        json!({"body": "thanks", "email": "ada@example.com", "message_type": "comment", "type": "user"})
    );
}

#[test]
fn decoding_picks_the_alternative_the_value_was_written_from() {
    let admin: ReplyConversationRequest = serde_json::from_value(
        json!({"type": "admin", "admin_id": "7", "message_type": "comment", "body": "hi"}),
    )
    .unwrap();
    assert!(
        matches!(admin, ReplyConversationRequest::Admin(_)),
        "{admin:?}"
    );
    let contact: ReplyConversationRequest = serde_json::from_value(
        json!({"type": "user", "email": "ada@example.com", "message_type": "comment", "body": "hi"}),
    )
    .unwrap();
    assert!(
        matches!(
            contact,
            ReplyConversationRequest::Contact(ContactReplyConversationRequest::Email(_))
        ),
        "{contact:?}"
    );
    // A contact's discriminator with an admin's field matches no alternative.
    let mixed = serde_json::from_value::<ReplyConversationRequest>(
        json!({"type": "user", "admin_id": "7", "message_type": "comment", "body": "hi"}),
    );
    assert!(mixed.is_err(), "{mixed:?}");
    // An admin reply without its required `admin_id` is refused, not defaulted.
    let missing = serde_json::from_value::<ReplyConversationRequest>(
        json!({"type": "admin", "message_type": "comment"}),
    );
    assert!(missing.is_err(), "{missing:?}");
}
