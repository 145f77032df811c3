//! HTTP proxies for the [`HyperTransport`](crate::HyperTransport): which requests go through
//! which proxy, and the connector that opens `CONNECT` tunnels (hyper-util's) or, for plain
//! http, forwards through the proxy.
//!
//! The proxy sees only the `CONNECT host:port` line and `Proxy-Authorization`; the API
//! request, its `Authorization` header included, travels inside the TLS session opened
//! through the tunnel with the API host.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::Uri;
use hyper_util::client::legacy::connect::proxy::Tunnel;
use hyper_util::client::legacy::connect::{Connected, Connection, HttpConnector};
use hyper_util::client::proxy::matcher::Matcher;
use hyper_util::rt::TokioIo;
use intercom_auth_types::{ProxyAuthorization, ProxyCredentials};
use tokio::net::TcpStream;
use tower_service::Service;
use zeroize::Zeroizing;

use crate::error::ConfigError;
use crate::transport::BoxError;
use crate::url_text::redact_url_userinfo;

/// The proxy part of a transport's configuration, as given to the builder.
#[derive(Clone, Default)]
pub(crate) struct ProxySettings {
    pub(crate) url: Option<String>,
    pub(crate) no_proxy: Option<String>,
    pub(crate) from_env: bool,
    pub(crate) credentials: Option<ProxyCredentials>,
}

impl fmt::Debug for ProxySettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProxySettings")
            .field("url", &self.url.as_deref().map(redact_url_userinfo))
            .field("no_proxy", &self.no_proxy)
            .field("from_env", &self.from_env)
            .field("credentials", &self.credentials)
            .finish()
    }
}

/// Reads the first of `names` that is set and not empty.
fn env_first(names: &[&str]) -> Option<String> {
    names
        .iter()
        .filter_map(|n| std::env::var(n).ok())
        .find(|v| !v.trim().is_empty())
}

/// A proxy URL without its userinfo, and the credentials that were in it (their `Debug` is
/// redacted).
#[derive(Debug)]
struct ParsedProxy {
    uri: String,
    credentials: Option<ProxyCredentials>,
}

fn invalid(reason: impl Into<String>) -> ConfigError {
    ConfigError::InvalidProxy {
        reason: reason.into(),
    }
}

/// Checks a proxy URL: `http://[user:password@]host[:port][/]`. A URL without a scheme is
/// taken as http, as curl does. The text is never quoted in errors (it may hold a password).
fn parse_proxy_url(raw: &str) -> Result<ParsedProxy, ConfigError> {
    let raw = raw.trim();
    let with_scheme;
    let text = if raw.contains("://") {
        raw
    } else {
        with_scheme = format!("http://{raw}");
        &with_scheme
    };
    let url =
        url::Url::parse(text).map_err(|e| invalid(format!("the proxy URL does not parse: {e}")))?;
    if url.scheme() != "http" {
        return Err(invalid(format!(
            "unsupported proxy scheme `{}`: only http:// proxies are supported (https requests \
             are tunnelled through them with CONNECT, so TLS stays end to end)",
            crate::error::terminal_safe(url.scheme())
        )));
    }
    let host = url
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| invalid("the proxy URL has no host"))?;
    if !matches!(url.path(), "" | "/") || url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("a proxy URL cannot have a path, query or fragment"));
    }
    let port = url.port_or_known_default().unwrap_or(80);
    let credentials = if url.username().is_empty() && url.password().is_none() {
        None
    } else {
        let user = Zeroizing::new(decode(url.username())?);
        let pass = Zeroizing::new(decode(url.password().unwrap_or(""))?);
        Some(
            ProxyCredentials::new(user.as_str(), pass.as_str())
                .map_err(|e| invalid(format!("the proxy URL's credentials: {e}")))?,
        )
    };
    Ok(ParsedProxy {
        uri: format!("http://{host}:{port}"),
        credentials,
    })
}

fn decode(part: &str) -> Result<String, ConfigError> {
    percent_encoding::percent_decode_str(part)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| invalid("the proxy URL's credentials are not valid UTF-8"))
}

/// The resolved routing: which destinations go through which proxy, with which credentials.
pub(crate) struct Route {
    matcher: Matcher,
    auth: Option<ProxyAuthorization>,
}

impl fmt::Debug for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Route")
            .field("matcher", &self.matcher)
            .field("auth", &self.auth)
            .finish()
    }
}

impl Route {
    /// The proxy for `dst`, if it goes through one.
    pub(crate) fn proxy_for(&self, dst: &Uri) -> Option<Uri> {
        self.matcher.intercept(dst).map(|i| i.uri().clone())
    }

    /// `Proxy-Authorization` for a plain-http request forwarded through a proxy.
    pub(crate) fn forward_auth(&self, dst: &Uri) -> Option<&ProxyAuthorization> {
        if dst.scheme() == Some(&http::uri::Scheme::HTTP) && self.proxy_for(dst).is_some() {
            self.auth.as_ref()
        } else {
            None
        }
    }
}

impl ProxySettings {
    /// Resolves the settings (reading the environment when asked): `None` when no proxy applies.
    ///
    /// An explicit [`url`](Self::url) serves every scheme. From the environment, https
    /// requests use `HTTPS_PROXY` (or `https_proxy`), then `ALL_PROXY` (`all_proxy`); plain
    /// http requests (only ever loopback) use `ALL_PROXY`. `HTTP_PROXY` is not read: the API
    /// is https, and under CGI that variable can be set by a request header.
    pub(crate) fn resolve(&self) -> Result<Option<Arc<Route>>, ConfigError> {
        let (https, http) = match &self.url {
            Some(url) => (Some(url.clone()), Some(url.clone())),
            None if self.from_env => {
                let all = env_first(&["ALL_PROXY", "all_proxy"]);
                let https = env_first(&["HTTPS_PROXY", "https_proxy"]).or_else(|| all.clone());
                (https, all)
            }
            None => (None, None),
        };
        let https = https.as_deref().map(parse_proxy_url).transpose()?;
        let http = http.as_deref().map(parse_proxy_url).transpose()?;
        if https.is_none() && http.is_none() {
            return Ok(None);
        }
        let no_proxy = match &self.no_proxy {
            Some(list) => list.clone(),
            None if self.from_env => env_first(&["NO_PROXY", "no_proxy"]).unwrap_or_default(),
            None => String::new(),
        };
        let credentials = self.credentials.clone().or_else(|| {
            https
                .as_ref()
                .and_then(|p| p.credentials.clone())
                .or_else(|| http.as_ref().and_then(|p| p.credentials.clone()))
        });
        let mut builder = Matcher::builder().no(no_proxy);
        if let Some(p) = &https {
            builder = builder.https(p.uri.clone());
        }
        if let Some(p) = &http {
            builder = builder.http(p.uri.clone());
        }
        Ok(Some(Arc::new(Route {
            matcher: builder.build(),
            auth: credentials.map(|c| c.proxy_authorization()),
        })))
    }
}

/// A TCP connection, direct, tunnelled or to a forwarding proxy.
#[derive(Debug)]
pub(crate) struct Stream {
    io: TokioIo<TcpStream>,
    forwarded: bool,
}

impl Connection for Stream {
    fn connected(&self) -> Connected {
        let connected = self.io.connected();
        // A forwarding proxy needs the absolute URI in the request line.
        if self.forwarded {
            connected.proxy(true)
        } else {
            connected
        }
    }
}

impl hyper::rt::Read for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: hyper::rt::ReadBufCursor<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_read(cx, buf)
    }
}

impl hyper::rt::Write for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write_vectored(cx, bufs)
    }
}

/// A proxy refused or broke the `CONNECT` tunnel (hyper-util's error, which it does not name
/// publicly, is the source).
#[derive(Debug, thiserror::Error)]
#[error("the proxy did not open a tunnel ({0})")]
pub(crate) struct ProxyTunnelError(BoxError);

/// Hands an already open connection to [`Tunnel`] once, so that failing to reach the proxy
/// (a plain connect error) and the proxy refusing the tunnel are told apart.
struct Opened(Option<TokioIo<TcpStream>>);

impl Service<Uri> for Opened {
    type Response = TokioIo<TcpStream>;
    type Error = std::io::Error;
    type Future = std::future::Ready<Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: Uri) -> Self::Future {
        std::future::ready(
            self.0
                .take()
                .ok_or_else(|| std::io::Error::other("the proxy connection was already used")),
        )
    }
}

/// Connects directly, through a `CONNECT` tunnel (https) or to a forwarding proxy (http).
#[derive(Debug, Clone)]
pub(crate) struct ProxyConnector {
    pub(crate) http: HttpConnector,
    pub(crate) route: Option<Arc<Route>>,
}

type Connecting = Pin<Box<dyn Future<Output = Result<Stream, BoxError>> + Send>>;

impl Service<Uri> for ProxyConnector {
    type Response = Stream;
    type Error = BoxError;
    type Future = Connecting;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.http.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, dst: Uri) -> Connecting {
        let mut http = self.http.clone();
        let proxy = self.route.as_ref().and_then(|r| {
            r.proxy_for(&dst)
                .map(|p| (p, r.auth.as_ref().map(|a| a.header_value().clone())))
        });
        match proxy {
            None => Box::pin(async move {
                let io = http.call(dst).await?;
                Ok(Stream {
                    io,
                    forwarded: false,
                })
            }),
            Some((proxy, auth)) if dst.scheme() == Some(&http::uri::Scheme::HTTPS) => {
                Box::pin(async move {
                    let io = http.call(proxy.clone()).await?;
                    let mut tunnel = Tunnel::new(proxy, Opened(Some(io)));
                    if let Some(auth) = auth {
                        tunnel = tunnel.with_auth(auth);
                    }
                    let io = tunnel
                        .call(dst)
                        .await
                        .map_err(|e| ProxyTunnelError(Box::new(e)))?;
                    Ok(Stream {
                        io,
                        forwarded: false,
                    })
                })
            }
            Some((proxy, _)) => Box::pin(async move {
                let io = http.call(proxy).await?;
                Ok(Stream {
                    io,
                    forwarded: true,
                })
            }),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn proxy_urls_are_checked_and_their_credentials_taken_out() {
        let p = parse_proxy_url("http://alice:s%3Acret@proxy.example:3128/").unwrap();
        assert_eq!(p.uri, "http://proxy.example:3128");
        assert_eq!(p.credentials.unwrap().username(), "alice");
        let p = parse_proxy_url("proxy.example:8080").unwrap();
        assert_eq!(p.uri, "http://proxy.example:8080");
        assert!(p.credentials.is_none());
        assert_eq!(
            parse_proxy_url("http://[::1]").unwrap().uri,
            "http://[::1]:80"
        );
        for bad in [
            "socks5://proxy:1080",
            "https://proxy:443",
            "http://proxy/path",
            "http://proxy?x=1",
            "http://:pw@proxy",
            "http://",
        ] {
            let err = parse_proxy_url(bad).unwrap_err();
            assert!(
                matches!(err, ConfigError::InvalidProxy { .. }),
                "{bad}: {err}"
            );
        }
        let err = parse_proxy_url("ftp://bob:hunter2@proxy").unwrap_err();
        assert!(!err.to_string().contains("hunter2"));
    }

    #[test]
    fn settings_debug_hides_the_password() {
        let s = ProxySettings {
            url: Some("http://bob:hunter2@proxy:3128".into()),
            ..ProxySettings::default()
        };
        let shown = format!("{s:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("proxy:3128"));
    }

    #[test]
    fn no_proxy_bypasses_and_credentials_stay_for_the_proxy() {
        let s = ProxySettings {
            url: Some("http://bob:pw@proxy.example:3128".into()),
            no_proxy: Some("internal.example, 10.0.0.0/8".into()),
            ..ProxySettings::default()
        };
        let route = s.resolve().unwrap().unwrap();
        let api: Uri = "https://api.intercom.io/me".parse().unwrap();
        assert_eq!(
            route.proxy_for(&api).unwrap().to_string(),
            "http://proxy.example:3128/"
        );
        assert!(
            route.forward_auth(&api).is_none(),
            "https gets it in CONNECT only"
        );
        let inside: Uri = "https://a.internal.example/".parse().unwrap();
        assert!(route.proxy_for(&inside).is_none());
        let ip: Uri = "https://10.1.2.3/".parse().unwrap();
        assert!(route.proxy_for(&ip).is_none());
        let plain: Uri = "http://127.0.0.1:1/".parse().unwrap();
        assert!(route.forward_auth(&plain).is_some());
    }

    #[test]
    fn nothing_configured_means_direct() {
        assert!(ProxySettings::default().resolve().unwrap().is_none());
    }
}
