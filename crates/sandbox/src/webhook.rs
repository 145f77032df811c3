//! Webhook notifications: Intercom-shaped `notification_event`s for changes made through the
//! API, signed with `X-Hub-Signature` and retried until the endpoint answers 200.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{Method, Request};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use intercom_auth_types::{sign_hub_signature, ClientSecret, HUB_SIGNATURE_HEADER};
use serde_json::{json, Value};
use tokio::net::TcpStream;

/// How long one delivery may take before it counts as failed (Intercom's 5 seconds).
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(5);

/// A webhook subscription: where to post and which topics.
#[derive(Debug, Clone)]
pub(crate) struct Subscription {
    pub(crate) url: url::Url,
    pub(crate) topics: Vec<String>,
}

impl Subscription {
    /// True when `topic` is subscribed: listed exactly, or `*`, or a listed prefix ending in
    /// `.*` (`contact.*`).
    fn wants(&self, topic: &str) -> bool {
        self.topics.iter().any(|t| {
            t == "*"
                || t == topic
                || t.strip_suffix('*')
                    .is_some_and(|prefix| prefix.ends_with('.') && topic.starts_with(prefix))
        })
    }
}

/// Why a webhook URL was refused.
#[derive(Debug)]
pub struct WebhookUrlError(String);

impl fmt::Display for WebhookUrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for WebhookUrlError {}

/// Parses a webhook URL: plain `http` to a loopback host only, like the sandbox itself.
pub(crate) fn parse_url(url: &str) -> Result<url::Url, WebhookUrlError> {
    let parsed = url::Url::parse(url)
        .map_err(|e| WebhookUrlError(format!("webhook URL `{url}` is not a URL: {e}")))?;
    let loopback = match parsed.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    };
    if parsed.scheme() != "http" || !loopback {
        return Err(WebhookUrlError(format!(
            "webhook URL `{url}` must be http:// to a loopback host (127.0.0.1, ::1, localhost)"
        )));
    }
    Ok(parsed)
}

/// Webhook settings of a running sandbox.
pub(crate) struct Webhooks {
    pub(crate) subscriptions: Vec<Subscription>,
    pub(crate) secret: ClientSecret,
    pub(crate) retries: u32,
    pub(crate) backoff: Duration,
    /// Numbers the notifications' ids.
    pub(crate) sent: std::sync::atomic::AtomicU64,
}

impl fmt::Debug for Webhooks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Webhooks")
            .field("subscriptions", &self.subscriptions)
            .field("retries", &self.retries)
            .finish_non_exhaustive()
    }
}

/// The topic a successful API call causes, when it causes one: `(topic, item)`.
pub(crate) fn topic_of(
    method: &Method,
    operation: Option<&str>,
    request: &[u8],
    item: &Value,
) -> Option<String> {
    let role = item.get("role").and_then(Value::as_str).unwrap_or("user");
    let role = if role == "lead" { "lead" } else { "user" };
    let body: Value = serde_json::from_slice(request).unwrap_or(Value::Null);
    let field = |name: &str| body.get(name).and_then(Value::as_str).unwrap_or_default();
    let topic = match (method.as_str(), operation?) {
        ("POST", "/contacts") => format!("contact.{role}.created"),
        ("PUT", "/contacts/{contact_id}") => format!("contact.{role}.updated"),
        ("DELETE", "/contacts/{contact_id}") => "contact.deleted".to_owned(),
        ("POST", "/contacts/{contact_id}/archive") => "contact.archived".to_owned(),
        ("POST", "/contacts/{contact_id}/unarchive") => "contact.unarchived".to_owned(),
        ("POST", "/contacts/{contact_id}/tags") => format!("contact.{role}.tag.created"),
        ("POST", "/companies") => "company.created".to_owned(),
        ("PUT", "/companies/{company_id}") => "company.updated".to_owned(),
        ("DELETE", "/companies/{company_id}") => "company.deleted".to_owned(),
        ("POST", "/conversations") => "conversation.user.created".to_owned(),
        ("POST", "/conversations/{conversation_id}/reply") => match field("type") {
            "admin" => "conversation.admin.replied".to_owned(),
            _ => "conversation.user.replied".to_owned(),
        },
        ("POST", "/conversations/{conversation_id}/parts") => match field("message_type") {
            "close" => "conversation.admin.closed".to_owned(),
            "open" => "conversation.admin.opened".to_owned(),
            "snoozed" => "conversation.admin.snoozed".to_owned(),
            "assignment" => "conversation.admin.assigned".to_owned(),
            _ => "conversation.admin.noted".to_owned(),
        },
        ("POST", "/tickets") => "ticket.created".to_owned(),
        ("PUT", "/tickets/{ticket_id}") => "ticket.state.updated".to_owned(),
        _ => return None,
    };
    Some(topic)
}

/// Sends `item` under `topic` to every subscription that wants it, each in its own task.
pub(crate) fn notify(
    webhooks: &Arc<Webhooks>,
    app_id: &str,
    created_at: i64,
    topic: &str,
    item: Value,
) {
    for subscription in webhooks.subscriptions.iter().filter(|s| s.wants(topic)) {
        let n = webhooks
            .sent
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let id = format!("notif_{n:08x}-0000-4000-8000-5a4db0c5e7e1");
        let envelope = json!({
            "type": "notification_event",
            "app_id": app_id,
            "id": id,
            "topic": topic,
            "created_at": created_at,
            "first_sent_at": created_at,
            "delivery_status": "pending",
            "delivery_attempts": 1,
            "delivered_at": 0,
            "links": {},
            "self": null,
            "data": {"type": "notification_event_data", "item": item},
        });
        let webhooks = Arc::clone(webhooks);
        let url = subscription.url.clone();
        tokio::spawn(async move { deliver(&webhooks, &url, envelope).await });
    }
}

/// Posts `envelope` until an attempt gets 200, at most `1 + retries` times, with doubling
/// pauses; `delivery_attempts` counts the attempts and each body is signed as sent.
async fn deliver(webhooks: &Webhooks, url: &url::Url, mut envelope: Value) {
    let mut pause = webhooks.backoff;
    for attempt in 1..=webhooks.retries.saturating_add(1) {
        envelope["delivery_attempts"] = json!(attempt);
        let body = Bytes::from(envelope.to_string());
        let signature = sign_hub_signature(&webhooks.secret, &body);
        let sent = tokio::time::timeout(ATTEMPT_TIMEOUT, post(url, body, &signature)).await;
        match sent {
            Ok(Ok(200)) => return,
            Ok(Ok(status)) => tracing::debug!(status, "sandbox webhook refused"),
            Ok(Err(error)) => tracing::debug!(%error, "sandbox webhook failed"),
            Err(_) => tracing::debug!("sandbox webhook timed out"),
        }
        tokio::time::sleep(pause).await;
        pause = pause.saturating_mul(2);
    }
}

/// One HTTP/1.1 POST; the status it got.
async fn post(
    url: &url::Url,
    body: Bytes,
    signature: &str,
) -> Result<u16, Box<dyn std::error::Error + Send + Sync>> {
    let host = url.host_str().ok_or("no host")?;
    let port = url.port_or_known_default().ok_or("no port")?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let stream = TcpStream::connect((host, port)).await?;
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(connection);
    let target = match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_owned(),
    };
    let authority = match url.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.to_owned(),
    };
    let request = Request::post(target)
        .header(http::header::HOST, authority)
        .header(http::header::CONTENT_TYPE, "application/json")
        .header(http::header::USER_AGENT, "intercom-sandbox-webhooks")
        .header(HUB_SIGNATURE_HEADER, signature)
        .body(Full::new(body))?;
    let response = sender.send_request(request).await?;
    let status = response.status().as_u16();
    let _ = response.into_body().collect().await;
    Ok(status)
}
