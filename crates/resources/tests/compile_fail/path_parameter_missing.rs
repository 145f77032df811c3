// `GET /contacts/{contact_id}` needs its `contact_id`.
use intercom_auth_types::Private;
use intercom_resources::IntercomApi;
use intercom_transport::Client;

async fn call(client: Client<Private>) {
    let _ = client.contacts().get().await;
}

fn main() {
    drop(call);
}
