//! tower interop: the [`HyperTransport`] as a `tower::Service`, and any such service (a stack
//! of tower middleware, for example) as a [`Transport`].

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::task::{Context, Poll};

use bytes::Bytes;
use tower_service::Service;

use crate::hyper_transport::HyperTransport;
use crate::transport::{Body, BoxError, Transport, TransportError, TransportErrorKind};

/// The future of [`HyperTransport`]'s `Service` implementation.
pub type ServiceFuture =
    Pin<Box<dyn Future<Output = Result<http::Response<Body>, TransportError>> + Send>>;

impl Service<http::Request<Bytes>> for HyperTransport {
    type Response = http::Response<Body>;
    type Error = TransportError;
    type Future = ServiceFuture;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), TransportError>> {
        // The pool takes any number of requests.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<Bytes>) -> ServiceFuture {
        let transport = self.clone();
        Box::pin(async move { transport.send(request).await })
    }
}

/// Any `tower::Service` over `http::Request<Bytes>` used as the client's [`Transport`], so
/// tower middleware (concurrency limits, tracing, metrics) can sit under the pipeline:
/// typically layers around a [`HyperTransport`].
///
/// Each request is sent on a clone of the service, after `poll_ready`. An error that is a
/// [`TransportError`] keeps its kind (so a connect failure is still retried); any other error
/// becomes [`TransportErrorKind::Other`].
///
/// ```no_run
/// # fn demo() -> Result<(), intercom_transport::Error> {
/// use std::sync::Arc;
/// use intercom_transport::{Client, HyperTransport, ServiceTransport};
///
/// let stack = HyperTransport::new()?; // wrap it in tower layers here
/// let client = Client::builder()
///     .transport(Arc::new(ServiceTransport::new(stack)))
///     .build()?;
/// # let _ = client; Ok(()) }
/// ```
pub struct ServiceTransport<S> {
    service: Mutex<S>,
}

impl<S> ServiceTransport<S> {
    /// Wraps `service`.
    pub fn new(service: S) -> Self {
        Self {
            service: Mutex::new(service),
        }
    }
}

impl<S> fmt::Debug for ServiceTransport<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ServiceTransport(..)")
    }
}

fn to_transport_error(error: impl Into<BoxError>) -> TransportError {
    let boxed: BoxError = error.into();
    match boxed.downcast::<TransportError>() {
        Ok(own) => *own,
        Err(other) => TransportError::new(TransportErrorKind::Other, other),
    }
}

#[async_trait::async_trait]
impl<S, B> Transport for ServiceTransport<S>
where
    S: Service<http::Request<Bytes>, Response = http::Response<B>> + Clone + Send + 'static,
    S::Error: Into<BoxError>,
    S::Future: Send,
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    async fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<Body>, TransportError> {
        let mut service = match self.service.lock() {
            Ok(guard) => guard.clone(),
            // A panic while cloning poisoned the lock; the service itself is still usable.
            Err(poisoned) => poisoned.into_inner().clone(),
        };
        std::future::poll_fn(|cx| service.poll_ready(cx))
            .await
            .map_err(to_transport_error)?;
        let response = service.call(request).await.map_err(to_transport_error)?;
        Ok(response.map(Body::new))
    }
}
