//! Phase 2, authorize: the headers of one hop of one attempt, `Authorization` included only
//! when the origin rule allows it (the caller passes `None` otherwise).

use http::header::{HeaderName, ACCEPT, AUTHORIZATION, CONTENT_TYPE, HOST, USER_AGENT};
use http::{HeaderMap, HeaderValue};

use crate::client::Shared;
use crate::request::ApiRequest;

const INTERCOM_VERSION: HeaderName = HeaderName::from_static("intercom-version");

/// The headers of one hop, built afresh each time (cheaper than building once and cloning for
/// every attempt, since almost every call makes exactly one).
pub(super) fn headers(
    shared: &Shared,
    request: &ApiRequest,
    authorization: Option<&HeaderValue>,
    with_body: bool,
) -> HeaderMap {
    let mut headers = HeaderMap::with_capacity(request.options.headers.len().saturating_add(6));
    for (name, value) in &request.options.headers {
        if name != AUTHORIZATION && name != HOST && name != INTERCOM_VERSION {
            headers.append(name.clone(), value.clone());
        }
    }
    headers.insert(ACCEPT, request.accept.clone());
    headers.insert(USER_AGENT, shared.user_agent.clone());
    let version = request
        .options
        .intercom_version
        .as_ref()
        .unwrap_or(&shared.version);
    headers.insert(INTERCOM_VERSION, version.header().clone());
    if let (Some(ct), true) = (&request.content_type, with_body) {
        headers.insert(CONTENT_TYPE, ct.clone());
    }
    // The one header carrying the token: built once in auth-types, sensitive.
    if let Some(value) = authorization {
        headers.insert(AUTHORIZATION, value.clone());
    }
    headers
}
