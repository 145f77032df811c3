// A reply as an admin has no `email`: that field belongs to the contact's alternative.
use intercom_resources::models::{
    AdminReplyConversationRequest, AdminReplyConversationRequestMessageType,
    ReplyConversationRequest,
};

fn main() {
    let reply = AdminReplyConversationRequest::new(AdminReplyConversationRequestMessageType::Comment, "123")
        .with_body("Hello")
        .with_email("jane@example.com");
    let _ = ReplyConversationRequest::from(reply);
}
