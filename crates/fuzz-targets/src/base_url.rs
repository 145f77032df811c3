//! `base_url`: base-URL validation and redirect resolution (`Location` headers).

use std::net::IpAddr;

use intercom_transport::Error;

use crate::script::{parse_steps, run, split_once, Config};

/// Reads `data` as a base URL (first line), a configuration line (second; see `script.rs`;
/// redirects are followed unless it says `follow=0`) and scripted answers, typically
/// redirects with hostile `Location` headers. Checks:
///
/// * the builder accepts exactly the well-formed base URLs: https with a host, or http on a
///   loopback host when `loopback=1`; never credentials, a query or a fragment; a refusal is
///   a `Config` error;
/// * the path of a request never changes the host: the first request goes to the base URL;
/// * across any chain of redirects the token goes only to the base URL's origin and an https
///   base never leads to a plain-http request (the checks shared with `pipeline`).
pub fn base_url(data: &[u8]) {
    let (base, rest) = split_once(data, b"\n").unwrap_or((data, b""));
    let (line, steps) = split_once(rest, b"\n").unwrap_or((rest, b""));
    let mut config = Config::parse(line);
    config.follow = !line.windows(8).any(|w| w == b"follow=0");
    config.base = String::from_utf8_lossy(base).into_owned();
    let expected = well_formed(&config.base, config.loopback);
    let run = run(&config, parse_steps(steps), data);
    match (&run.base, &run.outcomes) {
        (Some(base), _) => {
            assert!(
                expected.is_some(),
                "the base URL {:?} was accepted as {base}",
                config.base
            );
            assert_eq!(base.username(), "", "a base URL kept credentials");
            assert!(base.password().is_none(), "a base URL kept a password");
            assert!(base.query().is_none() && base.fragment().is_none());
            match base.scheme() {
                "https" => {}
                "http" => assert!(
                    config.loopback && is_loopback(base),
                    "plain http accepted for {base}"
                ),
                other => panic!("scheme {other} accepted for a base URL"),
            }
        }
        (None, Err(e)) => {
            assert!(
                matches!(e, Error::Config(_)),
                "a base URL was refused with a non-configuration error: {e:?}"
            );
            assert!(
                expected.is_none(),
                "the well-formed base URL {:?} was refused: {e}",
                config.base
            );
        }
        (None, Ok(_)) => panic!("calls ran without a client"),
    }
}

/// Our own reading of the rules: `Some(url)` when `raw` should be accepted.
fn well_formed(raw: &str, loopback: bool) -> Option<url::Url> {
    let url = url::Url::parse(raw).ok()?;
    let ok = url.host().is_some()
        && !url.cannot_be_a_base()
        && url.username().is_empty()
        && url.password().is_none()
        && url.query().is_none()
        && url.fragment().is_none()
        && match url.scheme() {
            "https" => true,
            "http" => loopback && is_loopback(&url),
            _ => false,
        };
    ok.then_some(url)
}

fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}
