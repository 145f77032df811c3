//! What a caller (or generated code) describes: an [`ApiRequest`] and its [`RequestOptions`].

use std::borrow::Cow;
use std::fmt::{self, Write as _};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method};
use percent_encoding::{utf8_percent_encode, AsciiSet};

use crate::config::IntercomVersion;

/// RFC 3986's unreserved characters: the one definition behind [`UNRESERVED`] and
/// [`COMPONENT`].
const fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// [`is_unreserved`] as a table (one load per byte: ids are checked on every request).
const UNRESERVED: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = is_unreserved(b as u8);
        b += 1;
    }
    table
};

/// Everything but the unreserved characters is encoded (bytes past ASCII always are).
const COMPONENT: &AsciiSet = &{
    let mut set = AsciiSet::EMPTY;
    let mut b = 0;
    while b < 128 {
        if !is_unreserved(b) {
            set = set.add(b);
        }
        b += 1;
    }
    set
};

/// Percent-encodes one path segment (`/`, `?`, `#`, spaces, … are all encoded).
///
/// The dot segments `.` and `..` are sent as `%2E` and `%2E%2E`: verbatim, a normalising proxy
/// or server would resolve them, so `tags().detach_from_contact("123", "..")` would become
/// `DELETE /contacts/123`. (An empty segment cannot be encoded; the client refuses a path with
/// one before sending, see [`ApiRequest::path`].)
///
/// Borrows `segment` unchanged when nothing in it needs encoding (the usual case for ids), so
/// building a path allocates once ([`ApiRequest::path_params`], or the caller's `format!`).
pub fn encode_path_segment(segment: &str) -> Cow<'_, str> {
    match segment {
        "." => return Cow::Borrowed("%2E"),
        ".." => return Cow::Borrowed("%2E%2E"),
        _ => {}
    }
    if segment.bytes().all(|b| UNRESERVED[usize::from(b)]) {
        return Cow::Borrowed(segment);
    }
    utf8_percent_encode(segment, COMPONENT).into()
}

/// `template` with its `{name}` placeholders replaced, in order, by the encoded `values`.
fn fill_template(template: &str, values: &[&str]) -> Result<String, String> {
    let extra: usize = values.iter().map(|v| v.len()).sum();
    let mut path = String::with_capacity(template.len().saturating_add(extra));
    let mut values = values.iter();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let (before, from_open) = rest.split_at(open);
        let Some(close) = from_open.find('}') else {
            return Err(format!(
                "the path template `{template}` has an unclosed `{{`"
            ));
        };
        let name = &from_open[1..close];
        path.push_str(before);
        match values.next() {
            Some(&"") => {
                return Err(format!(
                    "the path parameter `{name}` of `{template}` is empty"
                ));
            }
            Some(value) => path.push_str(&encode_path_segment(value)),
            None => {
                return Err(format!(
                    "no value was given for the path parameter `{name}` of `{template}`"
                ));
            }
        }
        rest = &from_open[close.saturating_add(1)..];
    }
    if values.next().is_some() {
        return Err(format!(
            "more path values were given than `{template}` has parameters"
        ));
    }
    path.push_str(rest);
    Ok(path)
}

/// Checks a concrete path against its template (`/contacts/{contact_id}`): the same number of
/// segments, and no parameter left empty. `contacts().get("")` would otherwise send
/// `GET /contacts/`, which a server may read as the list endpoint.
pub(crate) fn check_path_params(template: &str, path: &str) -> Result<(), String> {
    // Bytes, not `str::split`: this runs on every request and the byte loop is several times
    // cheaper than the pattern searcher.
    let template_bytes = template.as_bytes();
    if !template_bytes.contains(&b'{') {
        return Ok(());
    }
    let mut concrete = path.as_bytes().split(|&b| b == b'/');
    for expected in template_bytes.split(|&b| b == b'/') {
        let Some(got) = concrete.next() else {
            return Err(format!("the path has fewer segments than `{template}`"));
        };
        if got.is_empty() && expected.first() == Some(&b'{') {
            let name = String::from_utf8_lossy(expected);
            return Err(format!(
                "the path parameter `{}` of `{template}` is empty",
                name.trim_matches(|c| c == '{' || c == '}')
            ));
        }
    }
    match concrete.next() {
        Some(_) => Err(format!("the path has more segments than `{template}`")),
        None => Ok(()),
    }
}

/// Per-request overrides of the client's settings. Unset fields use the client's values.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct RequestOptions {
    /// `Intercom-Version` for this request.
    pub intercom_version: Option<IntercomVersion>,
    /// Per-attempt timeout.
    pub attempt_timeout: Option<Duration>,
    /// Total deadline of the call.
    pub total_timeout: Option<Duration>,
    /// Attempts in all (1 disables retries).
    pub max_attempts: Option<u32>,
    /// Retry this request even if its method is POST or PATCH.
    pub retry_non_idempotent: Option<bool>,
    /// Follow redirects for this request.
    pub follow_redirects: Option<bool>,
    /// Response body cap for this request.
    pub max_body_bytes: Option<usize>,
    /// Extra headers. `Authorization`, `Host` and `Intercom-Version` are ignored here.
    pub headers: HeaderMap,
}

impl RequestOptions {
    /// No overrides.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sends this `Intercom-Version`.
    pub fn intercom_version(mut self, version: IntercomVersion) -> Self {
        self.intercom_version = Some(version);
        self
    }

    /// Sets the per-attempt timeout.
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = Some(timeout);
        self
    }

    /// Sets the total deadline.
    pub fn total_timeout(mut self, timeout: Duration) -> Self {
        self.total_timeout = Some(timeout);
        self
    }

    /// Sets the number of attempts (at least 1).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = Some(attempts.max(1));
        self
    }

    /// Allows retrying a POST or PATCH that you know to be safe to repeat.
    pub fn retry_non_idempotent(mut self, retry: bool) -> Self {
        self.retry_non_idempotent = Some(retry);
        self
    }

    /// Follows redirects (see [`ClientBuilder::follow_redirects`](crate::ClientBuilder::follow_redirects)).
    pub fn follow_redirects(mut self, follow: bool) -> Self {
        self.follow_redirects = Some(follow);
        self
    }

    /// Caps the response body.
    pub fn max_body_bytes(mut self, limit: usize) -> Self {
        self.max_body_bytes = Some(limit);
        self
    }

    /// Adds a header.
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.append(name, value);
        self
    }

    /// Whether nothing is overridden (every field unset, no extra header).
    pub fn is_empty(&self) -> bool {
        let Self {
            intercom_version,
            attempt_timeout,
            total_timeout,
            max_attempts,
            retry_non_idempotent,
            follow_redirects,
            max_body_bytes,
            headers,
        } = self;
        intercom_version.is_none()
            && attempt_timeout.is_none()
            && total_timeout.is_none()
            && max_attempts.is_none()
            && retry_non_idempotent.is_none()
            && follow_redirects.is_none()
            && max_body_bytes.is_none()
            && headers.is_empty()
    }

    /// Takes every override that is unset here from `defaults`; a header of `defaults` is
    /// added unless this set already has a header of that name. Used to lay one call's
    /// overrides over those of its handle without cloning the handle's options when the call
    /// has none.
    pub fn fill_from(&mut self, defaults: &RequestOptions) {
        let Self {
            intercom_version,
            attempt_timeout,
            total_timeout,
            max_attempts,
            retry_non_idempotent,
            follow_redirects,
            max_body_bytes,
            headers,
        } = defaults;
        if self.intercom_version.is_none() {
            self.intercom_version.clone_from(intercom_version);
        }
        self.attempt_timeout = self.attempt_timeout.or(*attempt_timeout);
        self.total_timeout = self.total_timeout.or(*total_timeout);
        self.max_attempts = self.max_attempts.or(*max_attempts);
        self.retry_non_idempotent = self.retry_non_idempotent.or(*retry_non_idempotent);
        self.follow_redirects = self.follow_redirects.or(*follow_redirects);
        self.max_body_bytes = self.max_body_bytes.or(*max_body_bytes);
        for name in headers.keys() {
            if !self.headers.contains_key(name) {
                for value in headers.get_all(name) {
                    self.headers.append(name.clone(), value.clone());
                }
            }
        }
    }
}

/// Where a request's concrete path comes from.
#[derive(Clone, Debug)]
pub(crate) enum Path {
    /// None set: the template is the path (for templates without parameters).
    Template,
    /// Set by [`ApiRequest::path`]: checked against the template before sending.
    Given(String),
    /// Filled from the template by [`ApiRequest::path_params`], checked while it was built.
    Filled(String),
    /// Why [`ApiRequest::path_params`] could not fill the template; reported on execute.
    Invalid(String),
}

/// One API call, described without sending it: method, path template and concrete path,
/// query, body and options. Building is pure; [`Client::execute`](crate::Client::execute)
/// sends it.
///
/// Only a path can be given, never a host: requests always go to the client's base URL.
#[derive(Clone)]
pub struct ApiRequest {
    pub(crate) method: Method,
    pub(crate) template: &'static str,
    pub(crate) path: Path,
    pub(crate) query: String,
    pub(crate) body: Result<Option<Bytes>, String>,
    pub(crate) content_type: Option<HeaderValue>,
    pub(crate) accept: HeaderValue,
    pub(crate) options: RequestOptions,
    pub(crate) redact_bodies: bool,
}

impl fmt::Debug for ApiRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiRequest")
            .field("method", &self.method)
            .field("path", &self.path_and_query())
            .field(
                "body_bytes",
                &self
                    .body
                    .as_ref()
                    .ok()
                    .and_then(|b| b.as_ref().map(Bytes::len)),
            )
            .finish_non_exhaustive()
    }
}

impl ApiRequest {
    /// A request for `template`, a path like `/contacts/{contact_id}` (used as the concrete
    /// path until [`path`](Self::path) sets one, and in tracing spans).
    pub fn new(method: Method, template: &'static str) -> Self {
        Self {
            method,
            template,
            path: Path::Template,
            query: String::new(),
            body: Ok(None),
            content_type: None,
            accept: HeaderValue::from_static("application/json"),
            options: RequestOptions::default(),
            redact_bodies: false,
        }
    }

    /// `GET template`.
    pub fn get(template: &'static str) -> Self {
        Self::new(Method::GET, template)
    }

    /// `POST template`.
    pub fn post(template: &'static str) -> Self {
        Self::new(Method::POST, template)
    }

    /// `PUT template`.
    pub fn put(template: &'static str) -> Self {
        Self::new(Method::PUT, template)
    }

    /// `DELETE template`.
    pub fn delete(template: &'static str) -> Self {
        Self::new(Method::DELETE, template)
    }

    /// The concrete path, already percent-encoded (see [`encode_path_segment`]). It must start
    /// with `/`.
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.path = Path::Given(path.into());
        self
    }

    /// The concrete path from the template: each `{name}` in turn replaced by the next of
    /// `values`, percent-encoded as one segment (see [`encode_path_segment`]).
    ///
    /// An empty value, or a count of values that differs from the template's parameters, makes
    /// [`Client::execute`](crate::Client::execute) fail with
    /// [`Error::InvalidRequest`](crate::Error::InvalidRequest) before anything is sent:
    /// `contacts().get("")` would otherwise send `GET /contacts/`, which a server may read as
    /// the list endpoint. Generated operations build their paths this way.
    pub fn path_params(mut self, values: &[&str]) -> Self {
        self.path = match fill_template(self.template, values) {
            Ok(path) => Path::Filled(path),
            Err(reason) => Path::Invalid(reason),
        };
        self
    }

    /// A dynamic path, for callers such as a CLI's `api` command that take paths at run time.
    /// The path is used as given (it must start with `/` and be encoded) and reported in
    /// tracing as `<dynamic>`.
    pub fn dynamic(method: Method, path: impl Into<String>) -> Self {
        Self::new(method, "<dynamic>").path(path)
    }

    /// Appends a query parameter; name and value are percent-encoded.
    pub fn query(mut self, name: &str, value: impl fmt::Display) -> Self {
        self.query
            .push(if self.query.is_empty() { '?' } else { '&' });
        self.query.extend(utf8_percent_encode(name, COMPONENT));
        self.query.push('=');
        let mut raw = String::new();
        // Writing to a String cannot fail.
        let _ = write!(raw, "{value}");
        self.query.extend(utf8_percent_encode(&raw, COMPONENT));
        self
    }

    /// Appends a query parameter when `value` is `Some`.
    pub fn query_opt<V: fmt::Display>(self, name: &str, value: Option<V>) -> Self {
        match value {
            Some(v) => self.query(name, v),
            None => self,
        }
    }

    /// Sets a JSON body (and `Content-Type: application/json`). A serialization error is
    /// reported when the request is sent.
    pub fn json<B: serde::Serialize + ?Sized>(mut self, body: &B) -> Self {
        self.body = serde_json::to_vec(body)
            .map(|v| Some(Bytes::from(v)))
            .map_err(|e| format!("the JSON body could not be serialized: {e}"));
        self.content_type = Some(HeaderValue::from_static("application/json"));
        self
    }

    /// Sets a raw body with its content type.
    pub fn body(mut self, content_type: HeaderValue, body: impl Into<Bytes>) -> Self {
        self.body = Ok(Some(body.into()));
        self.content_type = Some(content_type);
        self
    }

    /// Sets `Accept` (default `application/json`).
    pub fn accept(mut self, media_type: &'static str) -> Self {
        self.accept = HeaderValue::from_static(media_type);
        self
    }

    /// Sets per-request options.
    pub fn options(mut self, options: RequestOptions) -> Self {
        self.options = options;
        self
    }

    /// Never log this request's or its response's body, even at TRACE (for bodies that hold
    /// secrets, such as the OAuth code exchange).
    pub fn redact_bodies(mut self) -> Self {
        self.redact_bodies = true;
        self
    }

    /// Changes per-request options in place.
    pub fn options_mut(&mut self) -> &mut RequestOptions {
        &mut self.options
    }

    /// The method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The path template.
    pub fn template(&self) -> &'static str {
        self.template
    }

    /// The concrete path followed by the encoded query string.
    pub fn path_and_query(&self) -> String {
        let path = match &self.path {
            Path::Given(path) | Path::Filled(path) => path,
            Path::Template | Path::Invalid(_) => self.template,
        };
        format!("{path}{}", self.query)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression: dot segments went out verbatim.
    #[test]
    fn dot_segments_are_encoded_and_empty_parameters_refused() {
        assert_eq!(encode_path_segment("."), "%2E");
        assert_eq!(encode_path_segment(".."), "%2E%2E");
        assert_eq!(encode_path_segment("..."), "...");
        assert_eq!(encode_path_segment(".a"), ".a");
        let t = "/contacts/{contact_id}/tags/{tag_id}";
        assert_eq!(check_path_params(t, "/contacts/1/tags/%2E%2E"), Ok(()));
        assert!(check_path_params(t, "/contacts/1/tags/")
            .expect_err("empty")
            .contains("`tag_id`"));
        assert!(check_path_params(t, "/contacts//tags/2").is_err());
        assert!(check_path_params(t, "/contacts/1/tags/2/x").is_err());
        assert!(check_path_params(t, "/contacts/1/tags").is_err());
        assert_eq!(
            check_path_params("/me", "/me/"),
            Ok(()),
            "untemplated paths are free"
        );
    }

    #[test]
    fn the_encoded_set_is_everything_but_the_unreserved_characters() {
        const EXPECTED: &AsciiSet = &percent_encoding::NON_ALPHANUMERIC
            .remove(b'-')
            .remove(b'.')
            .remove(b'_')
            .remove(b'~');
        for b in 0u8..128 {
            let text = char::from(b).to_string();
            let ours = utf8_percent_encode(&text, COMPONENT).to_string();
            assert_eq!(
                ours,
                utf8_percent_encode(&text, EXPECTED).to_string(),
                "{b}"
            );
            assert_eq!(UNRESERVED[usize::from(b)], ours == text, "{b}");
        }
        assert!(!UNRESERVED[200], "bytes past ASCII are never unreserved");
    }

    #[test]
    fn path_params_fill_the_template_or_record_why_not() {
        let t = "/contacts/{contact_id}/tags/{tag_id}";
        let r = ApiRequest::delete(t).path_params(&["a b", ".."]);
        assert_eq!(r.path_and_query(), "/contacts/a%20b/tags/%2E%2E");
        assert!(matches!(r.path, Path::Filled(_)));
        let refused = |values: &[&str]| match ApiRequest::delete(t).path_params(values).path {
            Path::Invalid(reason) => reason,
            other => panic!("{values:?} gave {other:?}"),
        };
        assert!(refused(&["1", ""]).contains("`tag_id` of"));
        assert!(refused(&["", "2"]).contains("`contact_id` of"));
        assert!(refused(&["1"]).contains("no value was given for the path parameter `tag_id`"));
        assert!(refused(&["1", "2", "3"]).contains("more"));
        let unclosed = ApiRequest::get("/a/{id").path_params(&["1"]);
        assert!(matches!(unclosed.path, Path::Invalid(r) if r.contains("unclosed")));
        assert_eq!(
            ApiRequest::get("/me").path_params(&[]).path_and_query(),
            "/me"
        );
        // A later `path` replaces a filled one, and is checked again.
        let replaced = ApiRequest::get(t).path_params(&["1", "2"]).path("/x");
        assert!(matches!(replaced.path, Path::Given(_)));
    }

    #[test]
    fn call_overrides_win_over_handle_defaults() {
        let defaults = RequestOptions::new()
            .max_attempts(5)
            .total_timeout(Duration::from_secs(9))
            .header(
                HeaderName::from_static("x-a"),
                HeaderValue::from_static("handle"),
            )
            .header(
                HeaderName::from_static("x-b"),
                HeaderValue::from_static("handle"),
            );
        assert!(RequestOptions::new().is_empty());
        assert!(!defaults.is_empty());
        let mut call = RequestOptions::new().max_attempts(1).header(
            HeaderName::from_static("x-a"),
            HeaderValue::from_static("call"),
        );
        call.fill_from(&defaults);
        assert_eq!(call.max_attempts, Some(1));
        assert_eq!(call.total_timeout, Some(Duration::from_secs(9)));
        assert_eq!(call.attempt_timeout, None);
        let a: Vec<_> = call.headers.get_all("x-a").iter().collect();
        assert_eq!(a, [HeaderValue::from_static("call")]);
        assert_eq!(call.headers["x-b"], "handle");
    }

    #[test]
    fn segments_and_queries_are_encoded() {
        assert_eq!(encode_path_segment("a b/c?d#e%"), "a%20b%2Fc%3Fd%23e%25");
        assert_eq!(encode_path_segment("5f9e-._~"), "5f9e-._~");
        let r = ApiRequest::get("/contacts")
            .query("per_page", 50)
            .query("starting_after", "WzE=+/")
            .query_opt::<u32>("page", None);
        assert_eq!(
            r.path_and_query(),
            "/contacts?per_page=50&starting_after=WzE%3D%2B%2F"
        );
    }
}
