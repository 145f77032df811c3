//! Extractors that verify Intercom's signatures on the raw body before anything is parsed.

use axum::body::Body;
use axum::extract::{FromRef, FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use intercom_auth_types::{
    verify_body_signature, verify_notification, Notification, BODY_SIGNATURE_HEADER,
    HUB_SIGNATURE_HEADER,
};
use serde::de::DeserializeOwned;

use crate::app::PublicApp;

/// A webhook notification whose `X-Hub-Signature` (HMAC-SHA1 of the raw body, keyed with the
/// client secret) matched, with its `data.item` decoded as `T`.
///
/// Rejections ([`WebhookRejection`]): a body over [`PublicApp::max_body`] is 413; a missing
/// or wrong signature is a bare 401 (no detail for a forger); a signed body whose item is not
/// a `T` is 422. Intercom retries deliveries that do not get a 2xx, and may deliver a
/// notification more than once: deduplicate on `notification.id`.
#[derive(Debug, Clone)]
pub struct VerifiedWebhook<T = serde_json::Value> {
    /// The verified envelope: topic, workspace (`app_id`), id, timestamps.
    pub notification: Notification,
    /// `data.item`, decoded.
    pub item: T,
}

/// Why a webhook or Canvas Kit request was refused. The response carries no detail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum WebhookRejection {
    /// The body is larger than the limit (413).
    TooLarge,
    /// The body could not be read (400).
    Unreadable,
    /// The signature header is missing or does not match (401).
    BadSignature,
    /// The signed body does not have the expected shape (422).
    Unexpected,
}

/// The Canvas Kit rejection is the same as the webhook one.
pub type CanvasRejection = WebhookRejection;

impl IntoResponse for WebhookRejection {
    fn into_response(self) -> Response {
        let status = match self {
            Self::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Unreadable => StatusCode::BAD_REQUEST,
            Self::BadSignature => StatusCode::UNAUTHORIZED,
            Self::Unexpected => StatusCode::UNPROCESSABLE_ENTITY,
        };
        status.into_response()
    }
}

/// Reads at most `limit` bytes of the body; checks `Content-Length` first.
pub(crate) async fn read_limited(
    request: Request,
    limit: usize,
) -> Result<(http::request::Parts, Bytes), WebhookRejection> {
    let (parts, body) = request.into_parts();
    let declared = parts
        .headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > u64::try_from(limit).unwrap_or(u64::MAX)) {
        return Err(WebhookRejection::TooLarge);
    }
    match axum::body::to_bytes(Body::new(body), limit).await {
        Ok(bytes) => Ok((parts, bytes)),
        Err(e) => {
            let too_large = std::error::Error::source(&e)
                .is_some_and(|s| s.is::<http_body_util::LengthLimitError>());
            Err(if too_large {
                WebhookRejection::TooLarge
            } else {
                WebhookRejection::Unreadable
            })
        }
    }
}

impl<S, T> FromRequest<S> for VerifiedWebhook<T>
where
    S: Send + Sync,
    PublicApp: FromRef<S>,
    T: DeserializeOwned + Send,
{
    type Rejection = WebhookRejection;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let app = PublicApp::from_ref(state);
        let (parts, body) = read_limited(request, app.max_body()).await?;
        let signature = parts
            .headers
            .get(HUB_SIGNATURE_HEADER)
            .map(|v| v.as_bytes())
            .unwrap_or_default();
        let notification = verify_notification(app.client_secret(), signature, &body)
            .map_err(|_| WebhookRejection::BadSignature)?;
        let item = notification
            .item_as::<T>()
            .map_err(|_| WebhookRejection::Unexpected)?;
        Ok(Self { notification, item })
    }
}

/// A Canvas Kit request whose `X-Body-Signature` (HMAC-SHA256 of the raw body, keyed with the
/// client secret) matched, decoded as `T`. Same rejections as [`VerifiedWebhook`].
#[derive(Debug, Clone)]
pub struct VerifiedCanvas<T = serde_json::Value>(pub T);

impl<S, T> FromRequest<S> for VerifiedCanvas<T>
where
    S: Send + Sync,
    PublicApp: FromRef<S>,
    T: DeserializeOwned + Send,
{
    type Rejection = CanvasRejection;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let app = PublicApp::from_ref(state);
        let (parts, body) = read_limited(request, app.max_body()).await?;
        let signature = parts
            .headers
            .get(BODY_SIGNATURE_HEADER)
            .map(|v| v.as_bytes())
            .unwrap_or_default();
        verify_body_signature(app.client_secret(), signature, &body)
            .map_err(|_| WebhookRejection::BadSignature)?;
        serde_json::from_slice(&body)
            .map(Self)
            .map_err(|_| WebhookRejection::Unexpected)
    }
}
