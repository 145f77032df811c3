//! `GET /install` and `GET /callback`: the OAuth install flow.

use std::time::{SystemTime, UNIX_EPOCH};

use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use intercom_app::{who_am_i, InstallMetadata};
use intercom_auth_types::{CallbackError, CsrfState};
use url::form_urlencoded;

use crate::app::{AfterInstall, PublicApp, STATE_COOKIE_TTL};
use crate::page::page;

/// The text signed into the state cookie: a version label, the state and its expiry.
fn signed_text(state: &str, expires: u64) -> String {
    format!("intercom-axum install state v1|{state}|{expires}")
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn cookie_header(app: &PublicApp, value: &str, max_age: u64) -> Option<HeaderValue> {
    let secure = if app.inner.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}",
        app.inner.cookie_name
    ))
    .ok()
}

/// `GET /install`: redirects (303) to Intercom's authorize page with a fresh 256-bit state,
/// and binds that state to this browser with a signed, `HttpOnly`, `SameSite=Lax` cookie
/// (`Secure` and `__Host-` unless turned off for loopback http) valid for
/// [`STATE_COOKIE_TTL`].
pub async fn install(State(app): State<PublicApp>) -> Response {
    let (url, _state) = app.oauth().authorize_url();
    let Some(state) = url
        .query_pairs()
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.into_owned())
    else {
        return page(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Installation unavailable",
            "The authorize URL could not be built.",
        );
    };
    let expires = unix_now().saturating_add(STATE_COOKIE_TTL.as_secs());
    let tag = app
        .inner
        .cookie_key
        .sign(signed_text(&state, expires).as_bytes());
    let (Some(cookie), Ok(location)) = (
        cookie_header(
            &app,
            &format!("{state}.{expires}.{tag}"),
            STATE_COOKIE_TTL.as_secs(),
        ),
        HeaderValue::from_str(url.as_str()),
    ) else {
        return page(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Installation unavailable",
            "The install redirect could not be built.",
        );
    };
    let mut response = StatusCode::SEE_OTHER.into_response();
    let headers = response.headers_mut();
    headers.insert(header::LOCATION, location);
    headers.insert(header::SET_COOKIE, cookie);
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Why a callback failed; each gets its own page, and none stores anything.
#[derive(Debug)]
enum Failure {
    Denied(String),
    NoSession,
    BadSession,
    Replayed,
    StateMismatch,
    BadCallback(String),
    Exchange(String),
    Identity(String),
    Store(String),
}

impl Failure {
    fn status(&self) -> StatusCode {
        match self {
            Self::Denied(_) => StatusCode::FORBIDDEN,
            Self::NoSession
            | Self::BadSession
            | Self::Replayed
            | Self::StateMismatch
            | Self::BadCallback(_) => StatusCode::BAD_REQUEST,
            Self::Exchange(_) | Self::Identity(_) => StatusCode::BAD_GATEWAY,
            Self::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn title(&self) -> &'static str {
        match self {
            Self::Denied(_) => "Installation cancelled",
            Self::NoSession => "Installation session missing",
            Self::BadSession => "Installation session expired or invalid",
            Self::Replayed => "Installation link already used",
            Self::StateMismatch => "Installation request does not match",
            Self::BadCallback(_) => "Invalid installation callback",
            Self::Exchange(_) => "Intercom did not confirm the installation",
            Self::Identity(_) => "Intercom did not identify the workspace",
            Self::Store(_) => "The installation could not be saved",
        }
    }

    fn detail(&self) -> String {
        match self {
            Self::Denied(why) => format!("Access was not granted ({why}). Nothing was installed."),
            Self::NoSession => "This browser has no installation in progress (the install cookie is missing). Start from the install link in this browser.".into(),
            Self::BadSession => "The installation cookie is invalid or older than ten minutes.".into(),
            Self::Replayed => "This installation callback was already used; a callback is accepted once.".into(),
            Self::StateMismatch => "The callback does not belong to the installation started in this browser (state mismatch). Nothing was stored.".into(),
            Self::BadCallback(why) => format!("{why}. Nothing was stored."),
            Self::Exchange(why) => format!("The authorization code could not be exchanged for a token: {why}. Nothing was stored."),
            Self::Identity(why) => format!("GET /me failed: {why}. Nothing was stored."),
            Self::Store(why) => format!("{why}."),
        }
    }
}

/// Reads and verifies the state cookie: `<state>.<expires>.<hex tag>`.
fn session_state(app: &PublicApp, headers: &HeaderMap, now: u64) -> Result<(String, u64), Failure> {
    let prefix = format!("{}=", app.inner.cookie_name);
    let value = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .map(str::trim)
        .find_map(|c| c.strip_prefix(prefix.as_str()))
        .ok_or(Failure::NoSession)?;
    let mut parts = value.split('.');
    let (Some(state), Some(expires), Some(tag), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Failure::BadSession);
    };
    let expires: u64 = expires.parse().map_err(|_| Failure::BadSession)?;
    if !app
        .inner
        .cookie_key
        .verify(signed_text(state, expires).as_bytes(), tag)
        || expires < now
    {
        return Err(Failure::BadSession);
    }
    Ok((state.to_owned(), expires))
}

/// `GET /callback`: checks the state against the browser's cookie (constant time), refuses a
/// replay, exchanges the code, reads `/me` for the workspace, stores the token sealed, and
/// redirects to the success page or Intercom's App Store status page. Every failure shows a
/// page (or the App Store failure redirect) and stores nothing. The cookie is cleared in
/// every case.
pub async fn callback(
    State(app): State<PublicApp>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let query = query.unwrap_or_default();
    let outcome = complete(&app, &headers, &query).await;
    let mut response = match (&outcome, &app.inner.after_install) {
        (Ok(()), AfterInstall::Page(location)) => redirect(location),
        (Ok(()), AfterInstall::AppStore(base)) => {
            let mut url = base.clone();
            url.query_pairs_mut().append_pair("install_success", "true");
            redirect(url.as_str())
        }
        (Err(failure), AfterInstall::Page(_)) => {
            page(failure.status(), failure.title(), &failure.detail())
        }
        (Err(failure), AfterInstall::AppStore(base)) => {
            let mut url = base.clone();
            url.query_pairs_mut()
                .append_pair("install_success", "false")
                .append_pair("error_message", failure.title());
            redirect(url.as_str())
        }
    };
    if let Err(failure) = &outcome {
        tracing::info!(
            reason = failure.title(),
            "Intercom install callback refused"
        );
    }
    if let Some(clear) = cookie_header(&app, "", 0) {
        response.headers_mut().insert(header::SET_COOKIE, clear);
    }
    response
}

fn redirect(location: &str) -> Response {
    match HeaderValue::from_str(location) {
        Ok(value) => {
            let mut response = StatusCode::SEE_OTHER.into_response();
            response.headers_mut().insert(header::LOCATION, value);
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(_) => page(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Installation finished",
            "The configured page could not be redirected to.",
        ),
    }
}

fn provider_error(query: &str) -> Option<String> {
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "error")
        .map(|(_, v)| v.chars().filter(|c| !c.is_control()).take(100).collect())
}

async fn complete(app: &PublicApp, headers: &HeaderMap, query: &str) -> Result<(), Failure> {
    let now = unix_now();
    let session = session_state(app, headers, now);
    // A denied consent is reported as such even when the session is gone.
    if let Some(error) = provider_error(query) {
        if let Ok((state, expires)) = &session {
            // Spent so the state cannot be used again; the page says "denied" either way.
            if let Err(error) = app.spend_state(state, *expires).await {
                tracing::warn!(%error, "could not record a spent install state");
            }
        }
        return Err(Failure::Denied(error));
    }
    let (state, expires) = session?;
    let expected = CsrfState::from_stored(state.as_str()).map_err(|_| Failure::BadSession)?;
    let code = match expected.verify_callback(query) {
        Ok(code) => code,
        Err(CallbackError::StateMismatch | CallbackError::MissingState) => {
            return Err(Failure::StateMismatch)
        }
        Err(CallbackError::ProviderError { error, .. }) => return Err(Failure::Denied(error)),
        Err(other) => return Err(Failure::BadCallback(other.to_string())),
    };
    // The state matched: spend it, so the same callback cannot be replayed.
    match app.spend_state(&state, expires).await {
        Ok(true) => {}
        Ok(false) => return Err(Failure::Replayed),
        Err(e) => return Err(Failure::Store(e.to_string())),
    }
    let clients = app.clients();
    let token = clients
        .base()
        .exchange_code(app.oauth(), code)
        .await
        .map_err(|e| Failure::Exchange(e.to_string()))?;
    let identity = who_am_i(&clients.base().with_oauth_token(token.clone()))
        .await
        .map_err(|e| Failure::Identity(e.to_string()))?;
    let metadata = InstallMetadata::now(Some(identity.admin_id), identity.region);
    clients
        .store()
        .put(&identity.workspace_id, &token, &metadata)
        .await
        .map_err(|e| Failure::Store(e.to_string()))?;
    clients.forget(&identity.workspace_id);
    tracing::info!(workspace_id = %identity.workspace_id, "Intercom app installed");
    Ok(())
}
