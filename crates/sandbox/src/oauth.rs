//! The OAuth endpoints: `/oauth` (auto-approving authorize page) and `/auth/eagle/token`.

use std::time::Instant;

use http::StatusCode;
use serde_json::{json, Value};
use url::form_urlencoded;

use crate::errors::{ErrorReply, Outcome, Reply};
use crate::http_util::Query;
use crate::state::{PendingCode, State, TokenInfo};

/// `GET /oauth?client_id&state&redirect_uri`: approves at once and redirects with a code.
pub(crate) fn authorize(state: &mut State, query: &Query) -> Outcome {
    match query.get("client_id") {
        Some(id) if id == state.cfg.client_id => {}
        Some(_) => {
            return Err(ErrorReply::invalid("Unknown client_id").with_field("client_id"));
        }
        None => return Err(ErrorReply::missing("client_id")),
    }
    let redirect = match query.get("redirect_uri") {
        Some(uri) if state.cfg.redirect_uris.iter().any(|r| r == uri) => uri.to_owned(),
        Some(_) => {
            return Err(ErrorReply::invalid(
                "redirect_uri is not one of the app's registered redirect URLs",
            )
            .with_field("redirect_uri"))
        }
        None => match state.cfg.redirect_uris.first() {
            Some(uri) => uri.clone(),
            None => return Err(ErrorReply::missing("redirect_uri")),
        },
    };
    let code = state.new_code();
    state.codes.insert(
        code.clone(),
        PendingCode {
            issued: Instant::now(),
        },
    );
    let mut params = form_urlencoded::Serializer::new(String::new());
    params.append_pair("code", &code);
    if let Some(csrf) = query.get("state") {
        params.append_pair("state", csrf);
    }
    let separator = if redirect.contains('?') { '&' } else { '?' };
    Ok(Reply::redirect(format!(
        "{redirect}{separator}{}",
        params.finish()
    )))
}

fn unauthorized_code() -> ErrorReply {
    ErrorReply::new(
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        "Unauthorized Code",
    )
}

/// `POST /auth/eagle/token` with `code`, `client_id` and `client_secret`, form-encoded (or
/// JSON).
pub(crate) fn token(state: &mut State, content_type: Option<&str>, body: &[u8]) -> Outcome {
    let is_json = content_type.is_some_and(|c| c.trim_start().starts_with("application/json"));
    let field = |name: &str| -> Option<String> {
        if is_json {
            let value: Value = serde_json::from_slice(body).ok()?;
            value.get(name)?.as_str().map(str::to_owned)
        } else {
            form_urlencoded::parse(body)
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.into_owned())
        }
    };
    let (Some(code), Some(client_id), Some(secret)) =
        (field("code"), field("client_id"), field("client_secret"))
    else {
        return Err(unauthorized_code());
    };
    if client_id != state.cfg.client_id || secret != state.cfg.client_secret {
        return Err(unauthorized_code());
    }
    let pending = state.codes.remove(&code).ok_or_else(unauthorized_code)?;
    if pending.issued.elapsed() > state.cfg.code_ttl {
        return Err(unauthorized_code());
    }
    let token = state.new_token();
    let owner = state
        .admins
        .first()
        .map(|a| a.id.clone())
        .unwrap_or_default();
    state
        .tokens
        .insert(token.clone(), TokenInfo { admin_id: owner });
    // The token endpoint is not in the 2.16 description, so no generated model describes
    // its answer.
    Ok(Reply::json(json!({
        "token_type": "Bearer",
        "token": token,
        "access_token": token,
    })))
}
