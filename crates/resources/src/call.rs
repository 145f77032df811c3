//! [`Call`]: the request builder every operation returns.
//!
//! One generic type serves all operations. An operation's required inputs (path parameters,
//! body, required query parameters) are arguments of its method on the tag handle, so a call
//! missing one does not compile; its optional query parameters are setters that the generated
//! code adds to `Call<'_, A, {Op}Params>`; the per-request options (timeouts, attempts,
//! `Intercom-Version`, headers) are setters here, shared by all.
//!
//! ```no_run
//! # async fn demo(client: intercom_transport::Client<intercom_auth_types::Private>)
//! # -> Result<(), intercom_transport::Error> {
//! use std::time::Duration;
//! use intercom_resources::IntercomApi;
//!
//! // `.await` gives the decoded value…
//! let contact = client.contacts().get("5f9e").include_merge_history(true).await?;
//! // …`.with_response().await` the value with status, headers and rate-limit snapshot.
//! let response = client
//!     .contacts()
//!     .get("5f9e")
//!     .total_timeout(Duration::from_secs(5))
//!     .with_response()
//!     .await?;
//! println!("{:?} {} {:?}", contact.id, response.status, response.request_id());
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::future::{Future, IntoFuture};
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::FutureExt as _;
use http::{HeaderName, HeaderValue};
use intercom_auth_types::{AuthState, Authenticated};
use intercom_transport::{
    ApiRequest, Client, Error, IntercomVersion, RawResponse, RequestOptions, Response,
};
use serde::de::DeserializeOwned;

/// The future of an awaited [`Call`] (boxed: the transport's future has no nameable type).
pub type CallFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, Error>> + Send + 'a>>;

/// What a [`Call`] needs to know about its operation: how its optional inputs join the
/// request, and how the answer is read. Implemented by the generated `{Op}Params` structs and
/// by the markers [`Json`], [`Empty`], [`Text`], [`Binary`] and [`Redirected`] (operations
/// without optional query parameters).
pub trait Operation {
    /// What the call resolves to.
    type Output: Send + 'static;

    /// Adds the optional inputs (query parameters) to `request`.
    fn apply(self, request: ApiRequest) -> ApiRequest;

    /// Reads a successful answer.
    fn decode(raw: &RawResponse) -> Result<Self::Output, Error>;

    /// Turns some errors into answers (the redirect an operation answers with). By default
    /// every error stays one.
    fn recover(error: Error) -> Result<Self::Output, Error> {
        Err(error)
    }
}

/// An operation answering with a JSON body decoded into `T`, without optional query
/// parameters.
pub struct Json<T>(PhantomData<fn() -> T>);

/// An operation answering with no body worth reading (`()`), without optional query
/// parameters.
#[derive(Debug, Clone, Copy, Default)]
pub struct Empty;

/// An operation answering with `text/plain` (a `String`), without optional query parameters.
#[derive(Debug, Clone, Copy, Default)]
pub struct Text;

/// An operation answering with raw bytes (a download), without optional query parameters.
#[derive(Debug, Clone, Copy, Default)]
pub struct Binary;

/// An operation answering with a redirect, which is returned and not followed (see
/// [`Redirect`](crate::Redirect)), without optional query parameters.
#[derive(Debug, Clone, Copy, Default)]
pub struct Redirected;

impl<T> Json<T> {
    /// The marker.
    pub fn new() -> Self {
        Json(PhantomData)
    }
}

impl<T> Default for Json<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> Clone for Json<T> {
    fn clone(&self) -> Self {
        Self::new()
    }
}

impl<T> fmt::Debug for Json<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Json<{}>", std::any::type_name::<T>())
    }
}

impl<T: DeserializeOwned + Send + 'static> Operation for Json<T> {
    type Output = T;
    fn apply(self, request: ApiRequest) -> ApiRequest {
        request
    }
    fn decode(raw: &RawResponse) -> Result<T, Error> {
        raw.json()
    }
}

impl Operation for Empty {
    type Output = ();
    fn apply(self, request: ApiRequest) -> ApiRequest {
        request
    }
    fn decode(_: &RawResponse) -> Result<(), Error> {
        Ok(())
    }
}

impl Operation for Text {
    type Output = String;
    fn apply(self, request: ApiRequest) -> ApiRequest {
        request.accept("text/plain")
    }
    fn decode(raw: &RawResponse) -> Result<String, Error> {
        Ok(raw.text())
    }
}

impl Operation for Binary {
    type Output = Bytes;
    fn apply(self, request: ApiRequest) -> ApiRequest {
        request.accept("application/octet-stream")
    }
    fn decode(raw: &RawResponse) -> Result<Bytes, Error> {
        Ok(raw.body.clone())
    }
}

impl Operation for Redirected {
    type Output = crate::Redirect;
    fn apply(self, mut request: ApiRequest) -> ApiRequest {
        request.options_mut().follow_redirects = Some(false);
        request
    }
    fn decode(raw: &RawResponse) -> Result<crate::Redirect, Error> {
        Ok(crate::redirect::from_raw(raw))
    }
    fn recover(error: Error) -> Result<crate::Redirect, Error> {
        crate::redirect::from_error(error)
    }
}

/// One API call, ready to send: `.await` it for the value, or
/// [`.with_response()`](Call::with_response) for the value with the response's metadata.
///
/// Returned by every operation method (`client.contacts().get(id)`). The setters for optional
/// query parameters are listed per operation below; the per-request options are common to
/// all. Options set here are laid over the handle's (`.with_options(..)` on the tag handle);
/// when neither sets any, nothing is cloned.
#[must_use = "a call does nothing until it is awaited"]
pub struct Call<'a, A: AuthState, O> {
    client: &'a Client<A>,
    defaults: Option<Arc<RequestOptions>>,
    request: ApiRequest,
    pub(crate) op: O,
}

impl<A: AuthState, O: fmt::Debug> fmt::Debug for Call<'_, A, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Call")
            .field("request", &self.request)
            .field("op", &self.op)
            .field("handle_options", &self.defaults)
            .finish_non_exhaustive()
    }
}

impl<'a, A: Authenticated, O: Operation> Call<'a, A, O> {
    pub(crate) fn new(
        client: &'a Client<A>,
        defaults: Option<Arc<RequestOptions>>,
        request: ApiRequest,
        op: O,
    ) -> Self {
        Self {
            client,
            defaults,
            request,
            op,
        }
    }

    /// Replaces this call's options (the handle's still fill in what these leave unset).
    pub fn options(mut self, options: RequestOptions) -> Self {
        *self.request.options_mut() = options;
        self
    }

    /// Sends this `Intercom-Version`.
    pub fn intercom_version(mut self, version: IntercomVersion) -> Self {
        self.request.options_mut().intercom_version = Some(version);
        self
    }

    /// Sets the per-attempt timeout.
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.request.options_mut().attempt_timeout = Some(timeout);
        self
    }

    /// Sets the total deadline of the call, retries included.
    pub fn total_timeout(mut self, timeout: Duration) -> Self {
        self.request.options_mut().total_timeout = Some(timeout);
        self
    }

    /// Sets the number of attempts (at least 1; 1 disables retries).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.request.options_mut().max_attempts = Some(attempts.max(1));
        self
    }

    /// Allows retrying this call even if it is a POST or PATCH (when you know repeating it
    /// is harmless).
    pub fn retry_non_idempotent(mut self, retry: bool) -> Self {
        self.request.options_mut().retry_non_idempotent = Some(retry);
        self
    }

    /// Follows redirects for this call.
    pub fn follow_redirects(mut self, follow: bool) -> Self {
        self.request.options_mut().follow_redirects = Some(follow);
        self
    }

    /// Caps the response body of this call.
    pub fn max_body_bytes(mut self, limit: usize) -> Self {
        self.request.options_mut().max_body_bytes = Some(limit);
        self
    }

    /// Adds a header (`Authorization`, `Host` and `Intercom-Version` are ignored here).
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.request.options_mut().headers.append(name, value);
        self
    }

    /// The client, the request without its optional inputs (the handle's options laid
    /// under the call's), and the optional inputs: what a page stream repeats per page.
    pub(crate) fn into_parts(self) -> (Client<A>, ApiRequest, O) {
        let request = with_defaults(self.request, self.defaults.as_deref());
        (self.client.clone(), request, self.op)
    }

    /// The request this call sends, with its query parameters and the handle's options.
    pub fn into_request(self) -> ApiRequest {
        with_defaults(self.op.apply(self.request), self.defaults.as_deref())
    }

    /// Resolves to the value together with status, headers, rate-limit snapshot and body
    /// ([`Response::request_id`], [`Response::rate_limit`]). An operation answering with a
    /// redirect gives [`Error::Redirect`] here (its plain `.await` returns the redirect).
    pub fn with_response(self) -> WithResponse<'a, A, O> {
        WithResponse(self)
    }
}

/// `request` with the handle's options filling in what the call left unset.
pub(crate) fn with_defaults(
    mut request: ApiRequest,
    defaults: Option<&RequestOptions>,
) -> ApiRequest {
    if let Some(defaults) = defaults {
        request.options_mut().fill_from(defaults);
    }
    request
}

impl<'a, A: Authenticated, O: Operation> IntoFuture for Call<'a, A, O> {
    type Output = Result<O::Output, Error>;
    type IntoFuture = CallFuture<'a, O::Output>;

    fn into_future(self) -> Self::IntoFuture {
        let client = self.client;
        let request = self.into_request();
        // `map` rather than an `async` block: the block would keep its own copy of the
        // request beside the one `execute` holds, and copy it once more when awaiting.
        Box::pin(client.execute(request).map(|result| match result {
            Ok(mut raw) => {
                // Free the headers before decoding, so the decoder can reuse their memory.
                drop(std::mem::take(&mut raw.headers));
                O::decode(&raw)
            }
            Err(e) => O::recover(e),
        }))
    }
}

/// A [`Call`] that resolves to a [`Response`]: see [`Call::with_response`].
#[must_use = "a call does nothing until it is awaited"]
pub struct WithResponse<'a, A: AuthState, O>(Call<'a, A, O>);

impl<A: AuthState, O: fmt::Debug> fmt::Debug for WithResponse<'_, A, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("WithResponse").field(&self.0).finish()
    }
}

impl<'a, A: Authenticated, O: Operation> IntoFuture for WithResponse<'a, A, O> {
    type Output = Result<Response<O::Output>, Error>;
    type IntoFuture = CallFuture<'a, Response<O::Output>>;

    fn into_future(self) -> Self::IntoFuture {
        let client = self.0.client;
        let request = self.0.into_request();
        Box::pin(client.execute(request).map(|result| {
            let raw = result?;
            let value = O::decode(&raw)?;
            Ok(raw.with_value(value))
        }))
    }
}
