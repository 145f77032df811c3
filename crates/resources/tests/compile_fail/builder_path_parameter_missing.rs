// A builder's setters do not make up for a missing path parameter: `contact_id` is an argument
// of `get`, not a setter.
use intercom_auth_types::Private;
use intercom_resources::IntercomApi;
use intercom_transport::Client;

async fn call(client: Client<Private>) {
    let _ = client.contacts().get().include_merge_history(true).await;
}

fn main() {
    drop(call);
}
