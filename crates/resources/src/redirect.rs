//! Operations that answer with a redirect instead of a body.

use http::StatusCode;
use intercom_transport::{Error, RawResponse};

/// A redirect the SDK did not follow, such as the 302 of `GET /calls/{call_id}/recording`,
/// whose `Location` points at a short-lived URL on another host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect {
    /// The status (302 for the call recording; 2xx if the server unexpectedly answered directly).
    pub status: StatusCode,
    /// The `Location` header: where the resource is.
    pub location: Option<String>,
}

/// The redirect (or direct answer) `raw` describes.
pub(crate) fn from_raw(raw: &RawResponse) -> Redirect {
    Redirect {
        status: raw.status,
        location: raw.location().map(str::to_owned),
    }
}

/// A redirect not followed is the answer; any other error stays one.
pub(crate) fn from_error(error: Error) -> Result<Redirect, Error> {
    match error {
        Error::Redirect { status, location } => Ok(Redirect { status, location }),
        other => Err(other),
    }
}
