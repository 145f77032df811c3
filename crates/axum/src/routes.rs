//! The routes a public app mounts. They sit apart from [`PublicApp`]'s definition so the
//! handlers can depend on it without it depending on them.

use axum::routing::{get, post};
use axum::Router;

use crate::app::PublicApp;

impl PublicApp {
    /// `GET /install`, `GET /callback` and `POST /uninstall`, to nest where the app's
    /// settings point (the redirect URL and the uninstall URL).
    pub fn routes() -> Router<PublicApp> {
        Router::new()
            .route("/install", get(crate::install::install))
            .route("/callback", get(crate::install::callback))
            .route("/uninstall", post(crate::uninstall::uninstall))
    }
}
