//! The origin rule: a token never leaves the base URL.
//!
//! Everything that decides where a request may go lives here: parsing and vetting the base URL
//! (https, or plain http to a loopback host by explicit opt-in; no credentials, query or
//! fragment), the same-origin check, resolving a `Location`, and the redirect policy (how many
//! hops, never from https to http, which method and body carry over, and whether the
//! `Authorization` header still goes along).

use std::net::IpAddr;

use http::{Method, StatusCode, Uri};
use url::Url;

use crate::error::{ConfigError, Error};

/// At most this many redirects are followed for one attempt.
pub(crate) const MAX_REDIRECTS: u32 = 10;

/// The configured base URL, pre-rendered for cheap joins.
#[derive(Debug)]
pub(crate) struct BaseUrl {
    pub(crate) url: Url,
    /// The URL without its trailing `/`, to which a request's path and query are appended.
    pub(crate) prefix: String,
}

impl BaseUrl {
    /// Parses and vets `raw`: https, or plain http to a loopback host when
    /// `allow_insecure_loopback`; no credentials, query or fragment.
    pub(crate) fn parse(raw: &str, allow_insecure_loopback: bool) -> Result<Self, Error> {
        let url = Url::parse(raw).map_err(|e| ConfigError::InvalidBaseUrl {
            reason: e.to_string(),
        })?;
        if url.cannot_be_a_base() || url.host().is_none() {
            return Err(ConfigError::InvalidBaseUrl {
                reason: "it has no host".into(),
            }
            .into());
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(ConfigError::InvalidBaseUrl {
                reason: "credentials in the URL are not allowed; use a token".into(),
            }
            .into());
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(ConfigError::InvalidBaseUrl {
                reason: "a base URL cannot have a query or fragment".into(),
            }
            .into());
        }
        match url.scheme() {
            "https" => {}
            "http" if is_loopback(&url) && allow_insecure_loopback => {}
            "http" if is_loopback(&url) => return Err(ConfigError::InsecureBaseUrl {
                hint:
                    "plain http is allowed only for loopback hosts with allow_insecure_loopback(true)",
            }
            .into()),
            "http" => {
                return Err(ConfigError::InsecureBaseUrl {
                    hint: "plain http is refused for non-loopback hosts; use https",
                }
                .into())
            }
            other => {
                return Err(ConfigError::InvalidBaseUrl {
                    reason: format!("unsupported scheme `{other}`"),
                }
                .into())
            }
        }
        Ok(Self::new(url))
    }

    fn new(url: Url) -> Self {
        let prefix = url.as_str().trim_end_matches('/').to_owned();
        Self { url, prefix }
    }

    /// True when the base URL is plain http (only ever loopback, by explicit opt-in).
    pub(crate) fn is_plain_http(&self) -> bool {
        self.url.scheme() == "http"
    }

    /// True when `uri` has the base URL's scheme, host and port.
    pub(crate) fn same_origin(&self, uri: &Uri) -> bool {
        let scheme_ok = uri.scheme_str() == Some(self.url.scheme());
        let host_ok = match (uri.host(), self.url.host_str()) {
            (Some(a), Some(b)) => a
                .trim_matches(['[', ']'])
                .eq_ignore_ascii_case(b.trim_matches(['[', ']'])),
            _ => false,
        };
        let default_port = match uri.scheme_str() {
            Some("https") => Some(443),
            Some("http") => Some(80),
            _ => None,
        };
        let port = uri.port_u16().or(default_port);
        scheme_ok && host_ok && port == self.url.port_or_known_default()
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

/// Resolves a `Location` against the current URI; only http and https targets resolve.
pub(crate) fn resolve(current: &Uri, location: &str) -> Option<Uri> {
    let base = Url::parse(&current.to_string()).ok()?;
    let next = base.join(location).ok()?;
    match next.scheme() {
        "http" | "https" => next.as_str().parse().ok(),
        _ => None,
    }
}

/// The next hop of a redirect that may be followed.
#[derive(Debug)]
pub(crate) struct Hop {
    /// Where the next request goes.
    pub(crate) uri: Uri,
    /// The next request is a bodyless GET (303, or 301/302 after a POST).
    pub(crate) to_get: bool,
    /// Whether the next request may carry `Authorization`: only on the base URL's origin, and
    /// never again once a hop left it (`sent_auth` false).
    pub(crate) send_auth: bool,
}

/// The redirect policy for one hop: `status` with `location` answered `method uri`, after
/// `hops` redirects already followed in this attempt (this one included). Either the next hop,
/// or why the redirect is refused.
pub(crate) fn follow(
    base: &BaseUrl,
    uri: &Uri,
    method: &Method,
    status: StatusCode,
    location: Option<&str>,
    hops: u32,
    sent_auth: bool,
) -> Result<Hop, &'static str> {
    if hops > MAX_REDIRECTS {
        return Err("too many redirects");
    }
    let Some(target) = location else {
        return Err("the redirect has no readable Location header");
    };
    let Some(next) = resolve(uri, target) else {
        return Err("the Location header is not a valid URL");
    };
    if uri.scheme_str() == Some("https") && next.scheme_str() != Some("https") {
        return Err("a redirect from https to http is never followed");
    }
    let to_get = status == StatusCode::SEE_OTHER
        || (matches!(status.as_u16(), 301 | 302) && *method == Method::POST);
    Ok(Hop {
        send_auth: sent_auth && base.same_origin(&next),
        uri: next,
        to_get,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn base(raw: &str) -> BaseUrl {
        BaseUrl::parse(raw, true).unwrap()
    }

    fn uri(s: &str) -> Uri {
        s.parse().unwrap()
    }

    #[test]
    fn https_is_accepted_and_plain_http_only_for_loopback_by_opt_in() {
        assert!(BaseUrl::parse("https://api.intercom.io", false).is_ok());
        assert!(BaseUrl::parse("http://127.0.0.1:8080", true).is_ok());
        assert!(BaseUrl::parse("http://[::1]:8080", true).is_ok());
        assert!(BaseUrl::parse("http://localhost:8080", true).is_ok());
        for (raw, allow) in [
            ("http://127.0.0.1:8080", false),
            ("http://api.intercom.io", true),
            ("http://10.0.0.1", true),
        ] {
            let err = BaseUrl::parse(raw, allow).unwrap_err();
            assert!(
                matches!(err, Error::Config(ConfigError::InsecureBaseUrl { .. })),
                "{raw}: {err:?}"
            );
        }
    }

    #[test]
    fn credentials_query_fragment_hostless_and_other_schemes_are_refused() {
        for raw in [
            "https://user:pw@api.intercom.io",
            "https://api.intercom.io/?a=1",
            "https://api.intercom.io/#x",
            "mailto:someone@example.com",
            "ftp://api.intercom.io",
            "not a url",
        ] {
            let err = BaseUrl::parse(raw, true).unwrap_err();
            assert!(
                matches!(err, Error::Config(ConfigError::InvalidBaseUrl { .. })),
                "{raw}: {err:?}"
            );
        }
    }

    #[test]
    fn the_prefix_drops_the_trailing_slash() {
        assert_eq!(
            base("https://api.intercom.io/").prefix,
            "https://api.intercom.io"
        );
        assert_eq!(
            base("https://example.com/v2/").prefix,
            "https://example.com/v2"
        );
    }

    #[test]
    fn same_origin_compares_scheme_host_and_port() {
        let b = base("https://api.intercom.io");
        assert!(b.same_origin(&uri("https://api.intercom.io/contacts")));
        assert!(b.same_origin(&uri("https://API.intercom.io:443/contacts")));
        assert!(!b.same_origin(&uri("http://api.intercom.io/contacts")));
        assert!(!b.same_origin(&uri("https://api.intercom.io:8443/contacts")));
        assert!(!b.same_origin(&uri("https://evil.example/contacts")));
        assert!(!b.same_origin(&uri("https://api.intercom.io.evil.example/")));
        let v6 = base("http://[::1]:9000");
        assert!(v6.same_origin(&uri("http://[::1]:9000/x")));
        assert!(!v6.same_origin(&uri("http://[::1]:9001/x")));
    }

    #[test]
    fn a_location_resolves_against_the_current_uri() {
        let here = uri("https://api.intercom.io/contacts/1?x=1");
        assert_eq!(
            resolve(&here, "/contacts/2").unwrap(),
            uri("https://api.intercom.io/contacts/2")
        );
        assert_eq!(
            resolve(&here, "2").unwrap(),
            uri("https://api.intercom.io/contacts/2")
        );
        assert_eq!(
            resolve(&here, "https://other.example/a").unwrap(),
            uri("https://other.example/a")
        );
        assert!(resolve(&here, "javascript:alert(1)").is_none());
        assert!(resolve(&here, "file:///etc/passwd").is_none());
    }

    #[test]
    fn the_token_stays_on_the_base_origin_and_never_returns() {
        let b = base("https://api.intercom.io");
        let here = uri("https://api.intercom.io/a");
        let same = follow(
            &b,
            &here,
            &Method::GET,
            StatusCode::FOUND,
            Some("/b"),
            1,
            true,
        );
        assert!(same.unwrap().send_auth);
        let away = follow(
            &b,
            &here,
            &Method::GET,
            StatusCode::FOUND,
            Some("https://cdn.example/b"),
            1,
            true,
        )
        .unwrap();
        assert!(!away.send_auth);
        // Back on the base origin after leaving it: still no token.
        let back = follow(
            &b,
            &away.uri,
            &Method::GET,
            StatusCode::FOUND,
            Some("https://api.intercom.io/c"),
            2,
            away.send_auth,
        )
        .unwrap();
        assert!(!back.send_auth);
    }

    #[test]
    fn downgrades_missing_or_bad_locations_and_long_chains_are_refused() {
        let b = base("https://api.intercom.io");
        let here = uri("https://api.intercom.io/a");
        let get = Method::GET;
        let found = StatusCode::FOUND;
        assert_eq!(
            follow(
                &b,
                &here,
                &get,
                found,
                Some("http://api.intercom.io/b"),
                1,
                true
            )
            .unwrap_err(),
            "a redirect from https to http is never followed"
        );
        assert_eq!(
            follow(&b, &here, &get, found, None, 1, true).unwrap_err(),
            "the redirect has no readable Location header"
        );
        assert_eq!(
            follow(&b, &here, &get, found, Some("ftp://x/"), 1, true).unwrap_err(),
            "the Location header is not a valid URL"
        );
        assert!(follow(&b, &here, &get, found, Some("/b"), MAX_REDIRECTS, true).is_ok());
        assert_eq!(
            follow(&b, &here, &get, found, Some("/b"), MAX_REDIRECTS + 1, true).unwrap_err(),
            "too many redirects"
        );
    }

    #[test]
    fn see_other_and_a_moved_post_become_a_bodyless_get() {
        let b = base("https://api.intercom.io");
        let here = uri("https://api.intercom.io/a");
        let hop = |method: Method, status: u16| {
            follow(
                &b,
                &here,
                &method,
                StatusCode::from_u16(status).unwrap(),
                Some("/b"),
                1,
                true,
            )
            .unwrap()
            .to_get
        };
        assert!(hop(Method::POST, 303));
        assert!(hop(Method::PUT, 303));
        assert!(hop(Method::POST, 301));
        assert!(hop(Method::POST, 302));
        assert!(!hop(Method::PUT, 302));
        assert!(!hop(Method::POST, 307));
        assert!(!hop(Method::POST, 308));
        assert!(!hop(Method::GET, 301));
    }
}
