// The admin alternative's `type` is always "admin": it cannot be set to a contact's "user".
use intercom_resources::models::{
    AdminReplyConversationRequest, AdminReplyConversationRequestMessageType,
};

fn main() {
    let mut reply =
        AdminReplyConversationRequest::new(AdminReplyConversationRequestMessageType::Note, "123");
    reply.type_ = "user".into();
}
