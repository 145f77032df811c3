//! Who a token belongs to (`GET /me`), and "Log in with Intercom".

use intercom_auth_types::Authenticated;
use intercom_transport::{ApiRequest, Client, Error};
use serde::Deserialize;

/// The admin and workspace behind a token, from `GET /me`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AdminIdentity {
    /// The admin's id.
    pub admin_id: String,
    /// The admin's email, when given.
    pub email: Option<String>,
    /// The admin's name, when given.
    pub name: Option<String>,
    /// Whether Intercom verified the email (`email_verified: true`); absent counts as false.
    pub email_verified: bool,
    /// The workspace (`app.id_code`), the key of the token store.
    pub workspace_id: String,
    /// The workspace's region (`app.region`), when given.
    pub region: Option<String>,
}

/// Why the identity could not be had or was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IdentityError {
    /// `GET /me` failed.
    #[error("GET /me failed: {0}")]
    Api(#[from] Error),
    /// `/me` has no admin id or no `app.id_code`.
    #[error("GET /me did not name the admin and the workspace (`id`, `app.id_code`)")]
    Incomplete,
    /// The admin's email is not verified, so it cannot identify them.
    #[error("the Intercom admin's email is not verified; refusing to log them in by it")]
    UnverifiedEmail,
}

#[derive(Deserialize)]
struct Me {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    email_verified: Option<bool>,
    #[serde(default)]
    app: Option<MeApp>,
}

#[derive(Deserialize)]
struct MeApp {
    #[serde(default)]
    id_code: Option<String>,
    #[serde(default)]
    region: Option<String>,
}

/// `GET /me` with `client`'s token: the admin and the workspace it belongs to.
pub async fn who_am_i<A: Authenticated>(
    client: &Client<A>,
) -> Result<AdminIdentity, IdentityError> {
    let me: Me = client.send(ApiRequest::get("/me")).await?;
    let app = me.app.ok_or(IdentityError::Incomplete)?;
    match (me.id, app.id_code) {
        (Some(admin_id), Some(workspace_id))
            if !admin_id.is_empty() && !workspace_id.is_empty() =>
        {
            Ok(AdminIdentity {
                admin_id,
                email: me.email,
                name: me.name,
                email_verified: me.email_verified == Some(true),
                workspace_id,
                region: app.region,
            })
        }
        _ => Err(IdentityError::Incomplete),
    }
}

/// "Log in with Intercom": the identity behind `client`'s token, refused with
/// [`IdentityError::UnverifiedEmail`] unless `/me` says `email_verified: true` (an unverified
/// email could be anyone's).
pub async fn log_in_with_intercom<A: Authenticated>(
    client: &Client<A>,
) -> Result<AdminIdentity, IdentityError> {
    let identity = who_am_i(client).await?;
    if identity.email_verified {
        Ok(identity)
    } else {
        Err(IdentityError::UnverifiedEmail)
    }
}
