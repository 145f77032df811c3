// Calling a sending method on a `Client<Unauthenticated>` does not compile.
use intercom_transport::{ApiRequest, Client};

fn main() {
    let client = Client::builder().build().expect("config");
    let _response = client.execute(ApiRequest::get("/me"));
}
