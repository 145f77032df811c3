//! Reading query strings and bodies without trusting them.

use serde_json::{Map, Value};
use url::form_urlencoded;

use crate::errors::ErrorReply;

/// Decoded query parameters, in order.
#[derive(Debug, Default)]
pub(crate) struct Query(Vec<(String, String)>);

impl Query {
    pub(crate) fn parse(query: Option<&str>) -> Self {
        Self(
            form_urlencoded::parse(query.unwrap_or("").as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    /// The first value of `name`.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A positive integer parameter, `default` when absent; 400 when not a positive integer.
    /// Values above `max` are clamped to `max`.
    pub(crate) fn positive(&self, name: &str, default: u64, max: u64) -> Result<u64, ErrorReply> {
        match self.get(name) {
            None | Some("") => Ok(default),
            Some(raw) => match raw.trim().parse::<u64>() {
                Ok(0) | Err(_) => Err(ErrorReply::invalid(format!(
                    "{name} must be a positive integer"
                ))
                .with_field(name)),
                Ok(n) => Ok(n.min(max)),
            },
        }
    }
}

/// Parses a JSON object body. An empty body is an empty object.
pub(crate) fn json_object(body: &[u8]) -> Result<Map<String, Value>, ErrorReply> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ErrorReply::invalid(
            "The request body must be a JSON object",
        )),
        Err(_) => Err(ErrorReply::invalid(
            "There was a problem in the JSON you submitted: the body is not valid JSON",
        )),
    }
}

/// An optional string field; 400 when present with another type. `null` counts as absent.
pub(crate) fn opt_str(
    body: &Map<String, Value>,
    field: &str,
) -> Result<Option<String>, ErrorReply> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(type_error(field, "a string")),
    }
}

/// A required, non-empty string field.
pub(crate) fn req_str(body: &Map<String, Value>, field: &str) -> Result<String, ErrorReply> {
    match opt_str(body, field)? {
        Some(s) if !s.trim().is_empty() => Ok(s),
        _ => Err(ErrorReply::missing(field)),
    }
}

/// An optional id field: a string, or an integer (Intercom's admin ids are numbers in some
/// request schemas and strings in others, and it takes both).
pub(crate) fn opt_id(body: &Map<String, Value>, field: &str) -> Result<Option<String>, ErrorReply> {
    match body.get(field) {
        Some(Value::Number(n)) if n.is_i64() || n.is_u64() => Ok(Some(n.to_string())),
        Some(Value::Number(_)) => Err(type_error(field, "a string")),
        _ => opt_str(body, field),
    }
}

/// A required, non-empty id field (see [`opt_id`]).
pub(crate) fn req_id(body: &Map<String, Value>, field: &str) -> Result<String, ErrorReply> {
    match opt_id(body, field)? {
        Some(s) if !s.trim().is_empty() => Ok(s),
        _ => Err(ErrorReply::missing(field)),
    }
}

/// An optional integer field (a numeric string is accepted, as Intercom does for timestamps).
pub(crate) fn opt_i64(body: &Map<String, Value>, field: &str) -> Result<Option<i64>, ErrorReply> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_i64()
            .or_else(|| n.as_f64().map(|f| f as i64))
            .map(Some)
            .ok_or_else(|| type_error(field, "an integer")),
        Some(Value::String(s)) => s
            .trim()
            .parse::<i64>()
            .map(Some)
            .map_err(|_| type_error(field, "an integer")),
        Some(_) => Err(type_error(field, "an integer")),
    }
}

/// An optional boolean field.
pub(crate) fn opt_bool(body: &Map<String, Value>, field: &str) -> Result<Option<bool>, ErrorReply> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(type_error(field, "a boolean")),
    }
}

/// An optional object field.
pub(crate) fn opt_object<'a>(
    body: &'a Map<String, Value>,
    field: &str,
) -> Result<Option<&'a Map<String, Value>>, ErrorReply> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(map)) => Ok(Some(map)),
        Some(_) => Err(type_error(field, "an object")),
    }
}

pub(crate) fn type_error(field: &str, expected: &str) -> ErrorReply {
    ErrorReply::invalid(format!("{field} must be {expected}")).with_field(field)
}

/// Decodes one percent-encoded path segment; `None` when it is not valid UTF-8.
pub(crate) fn decode_segment(segment: &str) -> Option<String> {
    let mut out = Vec::with_capacity(segment.len());
    let mut rest = segment.as_bytes();
    while let Some((&byte, tail)) = rest.split_first() {
        if byte == b'%' {
            if let Some((hex, after)) = tail.split_at_checked(2) {
                let decoded = std::str::from_utf8(hex)
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                if let Some(decoded) = decoded {
                    out.push(decoded);
                    rest = after;
                    continue;
                }
            }
        }
        out.push(byte);
        rest = tail;
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_decode_escapes_and_keep_incomplete_ones() {
        assert_eq!(decode_segment("abc").as_deref(), Some("abc"));
        assert_eq!(decode_segment("%41%2e%2E").as_deref(), Some("A.."));
        assert_eq!(decode_segment("caf%C3%A9").as_deref(), Some("café"));
        // Escapes cut short at the end, or not hex, are kept as they are.
        for kept in ["%", "%4", "a%", "%zz", "%%41"] {
            let expected = kept.replace("%%41", "%A");
            assert_eq!(decode_segment(kept), Some(expected), "{kept}");
        }
        assert_eq!(decode_segment("%FF"), None);
        assert_eq!(decode_segment("%C3%"), None);
    }
}
