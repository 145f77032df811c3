// A body with required fields cannot be defaulted (that would send them empty).
use intercom_resources::models::CreateTicketBody;

fn main() {
    let _ = CreateTicketBody::default();
}
