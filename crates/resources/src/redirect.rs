//! Operations that answer with a redirect instead of a body.

use http::StatusCode;
use intercom_auth_types::Authenticated;
use intercom_transport::{ApiRequest, Client, Error};

/// A redirect the SDK did not follow, such as the 302 of `GET /calls/{call_id}/recording`,
/// whose `Location` points at a short-lived URL on another host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect {
    /// The status (302 for the call recording; 2xx if the server unexpectedly answered directly).
    pub status: StatusCode,
    /// The `Location` header: where the resource is.
    pub location: Option<String>,
}

/// Sends `request` with redirect-following off and returns the redirect itself.
pub(crate) async fn fetch<A: Authenticated>(
    client: &Client<A>,
    mut request: ApiRequest,
) -> Result<Redirect, Error> {
    request.options_mut().follow_redirects = Some(false);
    match client.execute(request).await {
        Ok(raw) => Ok(Redirect {
            status: raw.status,
            location: raw.location().map(str::to_owned),
        }),
        Err(Error::Redirect { status, location }) => Ok(Redirect { status, location }),
        Err(other) => Err(other),
    }
}
