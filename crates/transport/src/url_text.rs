//! URLs as text that is safe to print: the one home for hiding a URL's userinfo.

use std::borrow::Cow;

/// `url` with the userinfo of its authority (`user:password@`) replaced by `[REDACTED]@`, for
/// Debug output, errors and logs: `redis://:secret@host:6379/0` prints as
/// `redis://[REDACTED]@host:6379/0`.
///
/// Works on any text, parsed or not (a URL that failed to parse is printed in the error that
/// says so): the authority is what follows the first `://` up to the next `/`, `?` or `#`, and
/// its userinfo is everything up to the last `@` in it. Text without userinfo is borrowed.
pub fn redact_url_userinfo(url: &str) -> Cow<'_, str> {
    let Some((scheme, rest)) = url.split_once("://") else {
        return Cow::Borrowed(url);
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rfind('@') {
        Some(at) => {
            let host = authority.get(at..).unwrap_or_default();
            Cow::Owned(format!("{scheme}://[REDACTED]{host}{tail}"))
        }
        None => Cow::Borrowed(url),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn userinfo_is_hidden_and_the_rest_kept() {
        for (raw, shown) in [
            (
                "redis://:secret@host:6379/0",
                "redis://[REDACTED]@host:6379/0",
            ),
            ("redis://user:pa@ss@host", "redis://[REDACTED]@host"),
            ("http://u:p@proxy:3128", "http://[REDACTED]@proxy:3128"),
            ("rediss://tok@h?x=a@b", "rediss://[REDACTED]@h?x=a@b"),
            ("https://api.intercom.io/me", "https://api.intercom.io/me"),
            ("https://h/p@q", "https://h/p@q"),
            ("not a url", "not a url"),
            ("x://@", "x://[REDACTED]@"),
        ] {
            assert_eq!(redact_url_userinfo(raw), shown, "{raw}");
        }
    }
}
