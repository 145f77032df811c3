//! The two clients under test: a raw hyper-util pooled client and the SDK's `Client<Private>`,
//! each doing the same work (`GET /contacts/{id}` decoded into the generated model, or walking
//! `GET /contacts` pages of 150 into the item type).

use std::error::Error as StdError;
use std::future::Future;
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures::TryStreamExt as _;
use http::header::{ACCEPT, AUTHORIZATION, USER_AGENT as USER_AGENT_HEADER};
use http::{HeaderName, HeaderValue, Request, Uri};
use http_body_util::{BodyExt as _, Empty};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use intercom_auth_types::{AccessToken, Private};
use intercom_resources::contacts::ListParams;
use intercom_resources::models::{ContactList, ContactResponse};
use intercom_resources::IntercomApi as _;
use intercom_transport::{Client, HttpVersion, RequestOptions, USER_AGENT};

use crate::fixture;

/// A boxed error for the harness.
pub type BoxError = Box<dyn StdError + Send + Sync>;

/// The token both clients send (any RFC 6750 token; the canned server does not check it).
pub const TOKEN: &str = "dG9rOmJlbmNoLXRva2VuLWZvci1sb29wYmFjazoxOjA=";

/// The header that tells the canned server how many contacts `GET /contacts` has.
pub const TOTAL_HEADER: &str = "x-bench-total";

/// Which client to drive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    /// hyper-util's pooled client, body collected, `serde_json::from_slice` into the model.
    Raw,
    /// The same raw client decoding into a plain `#[derive(Deserialize)]` struct of the same
    /// fields ([`crate::plain::PlainContact`]): the cost of lenient decoding shows separately.
    RawPlain,
    /// `Client<Private>` and the generated operations.
    Sdk,
}

impl std::str::FromStr for Which {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "raw" => Ok(Which::Raw),
            "raw-plain" => Ok(Which::RawPlain),
            "sdk" => Ok(Which::Sdk),
            other => Err(format!("unknown client `{other}` (raw|raw-plain|sdk)")),
        }
    }
}

/// The raw comparator: hyper-util's legacy pooled client over plain TCP.
#[derive(Debug, Clone)]
pub struct RawClient {
    inner: hyper_util::client::legacy::Client<HttpConnector, Empty<Bytes>>,
    base: Arc<str>,
    authorization: HeaderValue,
}

impl RawClient {
    /// A pooled client for `base` (`http://127.0.0.1:port`).
    pub fn new(base: &str) -> Self {
        let mut http = HttpConnector::new();
        http.set_nodelay(true);
        let inner = hyper_util::client::legacy::Client::builder(TokioExecutor::new()).build(http);
        // Cannot fail: TOKEN is a constant of visible ASCII, which every HeaderValue accepts.
        let mut authorization =
            HeaderValue::from_str(&format!("Bearer {TOKEN}")).expect("a valid header value");
        authorization.set_sensitive(true);
        Self {
            inner,
            base: base.trim_end_matches('/').into(),
            authorization,
        }
    }

    async fn get_bytes(&self, path_and_query: &str, total: Option<u64>) -> Result<Bytes, BoxError> {
        let uri: Uri = format!("{}{path_and_query}", self.base).parse()?;
        let mut builder = Request::get(uri)
            .header(ACCEPT, HeaderValue::from_static("application/json"))
            .header(AUTHORIZATION, self.authorization.clone())
            // The SDK's headers, so the two send the same request.
            .header(USER_AGENT_HEADER, HeaderValue::from_static(USER_AGENT))
            .header(
                HeaderName::from_static("intercom-version"),
                HeaderValue::from_static("2.16"),
            );
        if let Some(total) = total {
            builder = builder.header(TOTAL_HEADER, total);
        }
        let response = self.inner.request(builder.body(Empty::new())?).await?;
        let status = response.status();
        let body = response.into_body().collect().await?.to_bytes();
        if !status.is_success() {
            return Err(format!("HTTP {status}").into());
        }
        Ok(body)
    }

    /// `GET /contacts/{id}`, decoded like the SDK's `contacts().get(id)`.
    pub async fn get_contact(&self, id: &str) -> Result<ContactResponse, BoxError> {
        let body = self.get_bytes(&format!("/contacts/{id}"), None).await?;
        Ok(serde_json::from_slice(&body)?)
    }

    /// `GET /contacts/{id}` decoded into the plain-derive struct.
    pub async fn get_contact_plain(
        &self,
        id: &str,
    ) -> Result<crate::plain::PlainContact, BoxError> {
        let body = self.get_bytes(&format!("/contacts/{id}"), None).await?;
        Ok(serde_json::from_slice(&body)?)
    }

    /// Walks every contact in pages of `per_page`; returns how many it saw.
    pub async fn walk(&self, total: u64, per_page: u64) -> Result<u64, BoxError> {
        let mut seen = 0u64;
        let mut cursor: Option<String> = None;
        loop {
            let path = match &cursor {
                None => format!("/contacts?per_page={per_page}"),
                Some(c) => format!(
                    "/contacts?per_page={per_page}&starting_after={}",
                    c.replace('=', "%3D")
                ),
            };
            let body = self.get_bytes(&path, Some(total)).await?;
            let page: ContactList = serde_json::from_slice(&body)?;
            let next = page
                .pages
                .and_then(|p| p.next)
                .and_then(|n| n.starting_after);
            for contact in page.data.unwrap_or_default() {
                black_box(&contact);
                seen += 1;
            }
            match next {
                Some(n) if cursor.as_deref() != Some(n.as_str()) => cursor = Some(n),
                _ => return Ok(seen),
            }
        }
    }
}

/// The SDK client, configured as a user would for a loopback base URL.
pub fn sdk_client(base: &str) -> Result<Client<Private>, BoxError> {
    sdk_client_with(base, None, HttpVersion::Auto)
}

/// The SDK client for an https base URL served with a certificate of the CA in `ca_pem`
/// (trusted as an added root; verification stays on), speaking `version`.
pub fn sdk_client_with(
    base: &str,
    ca_pem: Option<&[u8]>,
    version: HttpVersion,
) -> Result<Client<Private>, BoxError> {
    let mut builder = Client::builder()
        .base_url(base)
        .allow_insecure_loopback(true)
        .http_version(version);
    if let Some(pem) = ca_pem {
        builder = builder.add_root_certificates_pem(pem);
    }
    Ok(builder.build()?.with_access_token(AccessToken::new(TOKEN)?))
}

/// `client.contacts().get(id)`.
pub async fn sdk_get_contact(
    client: &Client<Private>,
    id: &str,
) -> Result<ContactResponse, BoxError> {
    Ok(client.contacts().get(id).await?)
}

/// Walks every contact with `list_all` (the item stream); returns how many it saw.
pub async fn sdk_walk(
    client: &Client<Private>,
    total: u64,
    per_page: u64,
) -> Result<u64, BoxError> {
    let options = RequestOptions::new().header(
        HeaderName::from_static(TOTAL_HEADER),
        HeaderValue::from(total),
    );
    let params = ListParams {
        per_page: Some(per_page as i64),
        ..Default::default()
    };
    let mut items = client.contacts().with_options(options).list_all(&params);
    let mut seen = 0u64;
    while let Some(contact) = items.try_next().await? {
        black_box(&contact);
        seen += 1;
    }
    Ok(seen)
}

/// Runs `op(i)` for `i in 0..n` with `concurrency` requests in flight; returns the wall time.
pub async fn drive<F, Fut>(n: u64, concurrency: usize, op: F) -> Result<Duration, BoxError>
where
    F: Fn(u64) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<(), BoxError>> + Send + 'static,
{
    let next = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(concurrency);
    for _ in 0..concurrency.max(1) {
        let next = Arc::clone(&next);
        let op = op.clone();
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    return Ok::<(), BoxError>(());
                }
                op(i).await?;
            }
        }));
    }
    for task in tasks {
        task.await??;
    }
    Ok(started.elapsed())
}

/// The id of request `i` (cycling over a million contacts).
pub fn id_for(i: u64) -> String {
    let mut id = String::with_capacity(24);
    fixture::contact_id(i % 1_000_000, &mut id);
    id
}
