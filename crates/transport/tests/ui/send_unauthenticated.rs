// `send` (typed decode) is just as unavailable without a token.
use intercom_transport::{ApiRequest, Client};

fn main() {
    let client = Client::builder().build().expect("config");
    let _value = client.send::<serde_json::Value>(ApiRequest::get("/me"));
}
