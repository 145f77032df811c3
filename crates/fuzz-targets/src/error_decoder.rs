//! `error_decoder`: a non-2xx answer (status, headers, body) becomes a typed `ApiError`.

use std::collections::VecDeque;
use std::time::Duration;

use http::header::{LOCATION, RETRY_AFTER};
use http::StatusCode;
use intercom_transport::{Error, RateLimit};
use serde_json::Value;

use crate::script::{parse_reply, run, split_once, Config, Outcome, Reply, Step};

/// Decodes `data` as one answer (the first line holds the status, then headers, an empty line
/// and the body, as in the `pipeline` script format), sends one GET through a client whose
/// transport gives that answer, and checks the error against the answer:
///
/// * a 4xx/5xx (or any status that is neither 2xx nor a followed 3xx) is `Error::Api` with
///   the same status, headers and body (none for 204 and 304), the rate limit parsed from
///   the headers, `Retry-After` in seconds when it is a number;
/// * `request_id` is the body's, else the `X-Request-Id` header;
/// * every `errors[]` item of an `error.list` body is kept, in order, with its code verbatim;
/// * a message is always found unless the status has no canonical reason;
/// * a 3xx with following off is `Error::Redirect` carrying the `Location` header;
/// * `Display` starts with the status and, like `Debug`, never shows the token.
pub fn error_decoder(data: &[u8]) {
    let (line, rest) = split_once(data, b"\n").unwrap_or((data, b""));
    let (Step::Reply(reply), _) = parse_reply(&String::from_utf8_lossy(line), rest) else {
        return;
    };
    let config = Config {
        attempts: 1,
        wait_limit: false,
        ..Config::default()
    };
    let outcome = run(&config, VecDeque::from([Step::Reply(reply.clone())]), data);
    let Ok(outcomes) = outcome.outcomes else {
        panic!("the default configuration did not build");
    };
    let Some(Outcome::Raw(result)) = outcomes.into_iter().next() else {
        panic!("one raw call was made, but no outcome came back");
    };
    let status = reply.status;
    match result {
        Ok(raw) => {
            assert!(
                status.is_success(),
                "a {status} answer was returned as success"
            );
            if !reply.body_error {
                assert_eq!(
                    raw.body,
                    expected_body(&reply),
                    "the body changed on its way"
                );
            }
        }
        // `run` has checked it as any error; now against the answer.
        Err(Error::Api(api)) => check_api_error(&reply, &api),
        Err(Error::Redirect {
            status: got,
            location,
        }) => {
            assert_eq!(got, status);
            assert!(status.is_redirection() && status != StatusCode::NOT_MODIFIED);
            let expected = reply
                .headers
                .get(LOCATION)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            assert_eq!(location, expected, "the redirect lost its Location");
        }
        Err(e @ (Error::Transport(_) | Error::Timeout { .. })) => {
            assert!(
                reply.body_error,
                "a complete answer failed as a transport error: {e}"
            );
        }
        Err(e) => panic!("a {status} answer gave an unexpected error: {e:?}"),
    }
}

/// The body the client keeps: none for 204 and 304, which have none by definition (RFC 9110),
/// whatever a server sends after them.
fn expected_body(reply: &Reply) -> Vec<u8> {
    if matches!(
        reply.status,
        StatusCode::NO_CONTENT | StatusCode::NOT_MODIFIED
    ) {
        Vec::new()
    } else {
        reply.body()
    }
}

fn check_api_error(reply: &Reply, api: &intercom_transport::ApiError) {
    let status = reply.status;
    assert_eq!(api.status, status, "the status changed");
    assert_eq!(api.headers, reply.headers, "the headers changed");
    assert_eq!(api.body, expected_body(reply), "the body changed");
    assert_eq!(api.rate_limit, RateLimit::from_headers(&reply.headers));
    if let Some(secs) = reply
        .headers
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
    {
        assert_eq!(api.retry_after, Some(Duration::from_secs(secs)));
    }
    let shown = api.to_string();
    assert!(
        shown.starts_with(&format!("Intercom API error {status}")),
        "Display does not start with the status: {shown}"
    );

    let body: Option<serde_json::Map<String, Value>> =
        match serde_json::from_slice::<Value>(&api.body) {
            Ok(Value::Object(map)) => Some(map),
            _ => None,
        };
    let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
    let header_id = || {
        reply
            .headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let expected_id = body
        .as_ref()
        .and_then(|b| text(b.get("request_id")))
        .or_else(header_id);
    assert_eq!(
        api.request_id, expected_id,
        "the request id is not the answer's"
    );

    if let Some(Value::Array(items)) = body.as_ref().and_then(|b| b.get("errors")) {
        assert!(
            api.errors.len() >= items.len(),
            "{} errors listed, {} kept",
            items.len(),
            api.errors.len()
        );
        for (item, kept) in items.iter().zip(&api.errors) {
            let code = text(item.get("code"))
                .or_else(|| text(item.get("type")))
                .unwrap_or_default();
            assert_eq!(kept.code.as_str(), code, "an error code changed");
            assert_eq!(kept.message, text(item.get("message")));
            assert_eq!(kept.field, text(item.get("field")));
        }
    }
    if api.errors.is_empty() && api.message.is_none() {
        assert!(
            status.canonical_reason().is_none(),
            "no message although {status} has a reason phrase"
        );
    }
}
