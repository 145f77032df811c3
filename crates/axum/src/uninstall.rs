//! `POST /uninstall`: Intercom's uninstall notification, treated as a hint.

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use intercom_app::{who_am_i, IdentityError};
use intercom_transport::Error;
use serde::Deserialize;

use crate::app::PublicApp;
use crate::webhook::read_limited;

#[derive(Deserialize)]
struct Notice {
    app_id: String,
}

/// `POST /uninstall` with `{"app_id": "…"}`.
///
/// The notification is not signed, so it is only a hint: the stored token of that workspace
/// is tried with `GET /me`, and deleted only if Intercom answers 401. A forged notification
/// therefore deletes nothing. The answer is 200 whatever was found (so it tells a forger
/// nothing), 400 for a body that is not such JSON, 413 above the body limit, and 503 when
/// Intercom could not be asked (Intercom retries).
pub async fn uninstall(State(app): State<PublicApp>, request: Request) -> Response {
    let body = match read_limited(request, app.max_body().min(64 * 1024)).await {
        Ok((_, body)) => body,
        Err(rejection) => return rejection.into_response(),
    };
    let Ok(notice) = serde_json::from_slice::<Notice>(&body) else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    // Not a workspace id the store could hold (and nothing to put in a log line).
    if notice.app_id.is_empty()
        || notice.app_id.len() > 255
        || notice.app_id.chars().any(char::is_control)
    {
        return StatusCode::BAD_REQUEST.into_response();
    }
    let clients = app.clients();
    let stored = match clients.store().get(&notice.app_id).await {
        Ok(Some(stored)) => stored,
        Ok(None) => return StatusCode::OK.into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "uninstall notification: token store failed");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    let client = clients.base().with_oauth_token(stored.token.clone());
    let confirmed = match who_am_i(&client).await {
        Err(IdentityError::Api(Error::Api(api))) if api.status == StatusCode::UNAUTHORIZED => true,
        Ok(_) | Err(IdentityError::Api(Error::Api(_))) | Err(IdentityError::Incomplete) => false,
        Err(e) => {
            tracing::warn!(error = %e, "uninstall notification: could not confirm with GET /me");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    if confirmed {
        match clients.store().delete(&notice.app_id).await {
            Ok(_) => {
                clients.forget(&notice.app_id);
                tracing::info!(workspace_id = %notice.app_id, "Intercom app uninstalled; token deleted");
            }
            Err(e) => {
                tracing::warn!(error = %e, "uninstall notification: delete failed");
                return StatusCode::SERVICE_UNAVAILABLE.into_response();
            }
        }
    } else {
        tracing::info!(
            workspace_id = %notice.app_id,
            "uninstall notification not confirmed (the token still works); nothing deleted"
        );
    }
    StatusCode::OK.into_response()
}
