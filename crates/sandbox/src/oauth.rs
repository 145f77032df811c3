//! The OAuth endpoints: `/oauth` (the authorize page: approves at once, or shows a consent
//! form with Approve and Deny buttons that posts to `/oauth/consent`) and
//! `/auth/eagle/token`.

use std::time::Instant;

use http::StatusCode;
use serde_json::{json, Value};
use url::form_urlencoded;

use crate::errors::{ErrorReply, Outcome, Reply};
use crate::http_util::Query;
use crate::state::{PendingCode, State, TokenInfo};

/// Checks `client_id` and picks the redirect URI: the one given, if registered, else the first
/// registered one.
fn checked_redirect(state: &State, params: &Query) -> Result<String, ErrorReply> {
    match params.get("client_id") {
        Some(id) if id == state.cfg.client_id => {}
        Some(_) => {
            return Err(ErrorReply::invalid("Unknown client_id").with_field("client_id"));
        }
        None => return Err(ErrorReply::missing("client_id")),
    }
    match params.get("redirect_uri") {
        Some(uri) if state.cfg.redirect_uris.iter().any(|r| r == uri) => Ok(uri.to_owned()),
        Some(_) => Err(ErrorReply::invalid(
            "redirect_uri is not one of the app's registered redirect URLs",
        )
        .with_field("redirect_uri")),
        None => state
            .cfg
            .redirect_uris
            .first()
            .cloned()
            .ok_or_else(|| ErrorReply::missing("redirect_uri")),
    }
}

/// `redirect` with `params` appended to its query.
fn with_params(redirect: &str, params: &[(&str, &str)]) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (name, value) in params {
        query.append_pair(name, value);
    }
    let separator = if redirect.contains('?') { '&' } else { '?' };
    format!("{redirect}{separator}{}", query.finish())
}

/// Issues a code and returns the redirect URI carrying it (and the state, when given).
fn approve(state: &mut State, redirect: &str, csrf: Option<&str>) -> String {
    let code = state.new_code();
    state.codes.insert(
        code.clone(),
        PendingCode {
            issued: Instant::now(),
        },
    );
    let mut params = vec![("code", code.as_str())];
    if let Some(csrf) = csrf {
        params.push(("state", csrf));
    }
    with_params(redirect, &params)
}

/// `GET /oauth?client_id&state&redirect_uri`: approves at once and redirects with a code, or,
/// with the consent form on, shows a page asking the admin to approve or deny.
pub(crate) fn authorize(state: &mut State, query: &Query) -> Outcome {
    let redirect = checked_redirect(state, query)?;
    if state.cfg.consent_form {
        return Ok(Reply::html(consent_page(
            &state.cfg.client_id,
            &redirect,
            query.get("state"),
        )));
    }
    Ok(Reply::redirect(approve(
        state,
        &redirect,
        query.get("state"),
    )))
}

/// The consent form: the request's parameters travel in hidden fields, and the button
/// pressed says what the admin decided.
fn consent_page(client_id: &str, redirect: &str, csrf: Option<&str>) -> String {
    let hidden = |name: &str, value: &str| {
        format!(
            "<input type=\"hidden\" name=\"{name}\" value=\"{}\">",
            escape(value)
        )
    };
    let mut fields = vec![
        hidden("client_id", client_id),
        hidden("redirect_uri", redirect),
    ];
    if let Some(csrf) = csrf {
        fields.push(hidden("state", csrf));
    }
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>Authorize app</title></head>\n<body><h1>Authorize app</h1>\n\
         <p>The app <code>{app}</code> asks for access to this sandbox workspace. \
         It will be sent back to <code>{to}</code>.</p>\n\
         <form method=\"post\" action=\"/oauth/consent\">{fields}\n\
         <button type=\"submit\" id=\"approve\" name=\"decision\" value=\"approve\">Approve</button>\n\
         <button type=\"submit\" id=\"deny\" name=\"decision\" value=\"deny\">Deny</button>\n\
         </form></body></html>\n",
        app = escape(client_id),
        to = escape(redirect),
        fields = fields.concat(),
    )
}

/// Escapes text for an HTML element or a quoted attribute.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// `POST /oauth/consent` (form-encoded `client_id`, `redirect_uri`, `state`, `decision`):
/// the consent form's answer. `approve` redirects (303) with a code and the state; `deny`
/// with `error=access_denied` and the state. Anything else is a 400.
pub(crate) fn consent(state: &mut State, body: &[u8]) -> Outcome {
    let form = Query::parse(Some(&String::from_utf8_lossy(body)));
    let redirect = checked_redirect(state, &form)?;
    let csrf = form.get("state");
    let location = match form.get("decision") {
        Some("approve") => approve(state, &redirect, csrf),
        Some("deny") => {
            let mut params = vec![("error", "access_denied")];
            if let Some(csrf) = csrf {
                params.push(("state", csrf));
            }
            with_params(&redirect, &params)
        }
        Some(_) => {
            return Err(
                ErrorReply::invalid("decision must be approve or deny").with_field("decision")
            )
        }
        None => return Err(ErrorReply::missing("decision")),
    };
    Ok(Reply::see_other(location))
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
