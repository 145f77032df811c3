// `ticket_type_id` and `contacts` are required: `new` takes both.
use intercom_resources::models::CreateTicketBody;

fn main() {
    let _ = CreateTicketBody::new("1234");
}
