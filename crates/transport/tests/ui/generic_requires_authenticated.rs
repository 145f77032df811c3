// Code generic over the auth state requires `Authenticated`; handing it an unauthenticated
// client names the missing token (the trait's `#[diagnostic::on_unimplemented]` message).
use intercom_transport::auth::Authenticated;
use intercom_transport::{ApiRequest, Client, Error, RawResponse};

async fn fetch_me<A: Authenticated>(client: &Client<A>) -> Result<RawResponse, Error> {
    client.execute(ApiRequest::get("/me")).await
}

fn main() {
    let client = Client::builder().build().expect("config");
    let _future = fetch_me(&client);
}
