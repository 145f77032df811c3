//! Looks up response examples in the spec at test time and decodes them.
//!
//! The spec is found as `openapi::path_or_skip` says (`$INTERCOM_OPENAPI_SPEC`, else
//! `../shared/intercom-openapi/api-2.16.json` beside the workspace, else the download of
//! `cargo xtask spec` under `target/`); it is never copied here. Without it each test prints
//! SKIPPED and passes, unless `INTERCOM_RS_REQUIRE_SPEC=1`.

use std::sync::OnceLock;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

#[path = "../../../../tests/support/openapi.rs"]
mod openapi;

/// The parsed spec, or `None` when there is none.
fn spec() -> Option<&'static Value> {
    static SPEC: OnceLock<Option<Value>> = OnceLock::new();
    SPEC.get_or_init(|| {
        let path = openapi::find()?;
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read the spec at {}: {e}", path.display()));
        Some(serde_json::from_str(&text).unwrap_or_else(|e| panic!("cannot parse the spec: {e}")))
    })
    .as_ref()
}

fn pointer_escape(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

/// The example `name` of the `status` response of `method path`.
fn example(
    spec: &'static Value,
    method: &str,
    path: &str,
    status: &str,
    name: &str,
) -> &'static Value {
    let ptr = format!(
        "/paths/{}/{method}/responses/{status}",
        pointer_escape(path)
    );
    let mut response = spec
        .pointer(&ptr)
        .unwrap_or_else(|| panic!("no response at {ptr}"));
    if let Some(r) = response.get("$ref").and_then(Value::as_str) {
        response = spec
            .pointer(r.trim_start_matches('#'))
            .unwrap_or_else(|| panic!("dangling {r}"));
    }
    let mut ex = response
        .pointer(&format!(
            "/content/application~1json/examples/{}",
            pointer_escape(name)
        ))
        .unwrap_or_else(|| panic!("no example {name} at {ptr}"));
    if let Some(r) = ex.get("$ref").and_then(Value::as_str) {
        ex = spec
            .pointer(r.trim_start_matches('#'))
            .unwrap_or_else(|| panic!("dangling {r}"));
    }
    ex.get("value").unwrap_or(&Value::Null)
}

fn decode<T: DeserializeOwned>(value: &Value) -> Result<T, String> {
    serde_path_to_error::deserialize(value.clone())
        .map_err(|e| format!("at `{}`: {}", e.path(), e.inner()))
}

/// Asserts that the example decodes into `T`; that a non-empty example, once `known` has
/// cleared the fields keeping unknown JSON, does not equal `T::default()` (which would mean
/// none of its fields matched the type); and that serializing the decoded value and decoding
/// it again gives the same value (unknown fields included).
pub fn decodes<T: DeserializeOwned + Serialize + Default + PartialEq + std::fmt::Debug>(
    method: &str,
    path: &str,
    status: &str,
    name: &str,
    known: fn(T) -> T,
) {
    let Some(spec) = spec() else {
        openapi::skip();
        return;
    };
    let value = example(spec, method, path, status, name);
    let decoded = match decode::<T>(value) {
        Ok(decoded) => decoded,
        Err(e) => panic!(
            "{} {path} {status} example `{name}` does not decode into {}: {e}",
            method.to_uppercase(),
            std::any::type_name::<T>()
        ),
    };
    let empty = match value {
        Value::Object(o) => o.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Null => true,
        _ => false,
    };
    let written = serde_json::to_value(&decoded).unwrap_or_else(|e| {
        panic!(
            "{} {path} {status} example `{name}`: {e}",
            method.to_uppercase()
        )
    });
    let again = decode::<T>(&written).unwrap_or_else(|e| {
        panic!(
            "{} {path} {status} example `{name}` does not decode after a round trip: {e}",
            method.to_uppercase()
        )
    });
    assert_eq!(
        again,
        decoded,
        "{} {path} {status} example `{name}` changed in a round trip",
        method.to_uppercase()
    );
    assert!(
        empty || known(decoded) != known(T::default()),
        "{} {path} {status} example `{name}` matched none of the fields of {}",
        method.to_uppercase(),
        std::any::type_name::<T>()
    );
}

/// Asserts that the example, which contradicts its schema (`defect`), still fails to decode
/// (or matches none of the type's fields); when that changes, the spec was fixed and the
/// override should go.
pub fn spec_defect<T: DeserializeOwned + Default + PartialEq>(
    method: &str,
    path: &str,
    status: &str,
    name: &str,
    defect: &str,
    known: fn(T) -> T,
) {
    let Some(spec) = spec() else {
        openapi::skip();
        return;
    };
    let value = example(spec, method, path, status, name);
    if decode::<T>(value).is_ok_and(|decoded| known(decoded) != known(T::default())) {
        panic!(
            "{} {path} {status} example `{name}` now decodes; remove its override ({defect}) \
             from xtask/src/codegen/overrides.rs",
            method.to_uppercase()
        );
    }
}

/// The request example `name` of `method path`.
fn request_example(spec: &'static Value, method: &str, path: &str, name: &str) -> &'static Value {
    let ptr = format!(
        "/paths/{}/{method}/requestBody/content/application~1json/examples/{}",
        pointer_escape(path),
        pointer_escape(name)
    );
    let mut ex = spec
        .pointer(&ptr)
        .unwrap_or_else(|| panic!("no request example at {ptr}"));
    if let Some(r) = ex.get("$ref").and_then(Value::as_str) {
        ex = spec
            .pointer(r.trim_start_matches('#'))
            .unwrap_or_else(|| panic!("dangling {r}"));
    }
    ex.get("value").unwrap_or(&Value::Null)
}

/// The value as compared after a round trip, recursively: `null` members of objects left out
/// (a request type writes an optional field it does not hold as absent, which the API reads as
/// `null`), integers written as strings (ids the spec declares as strings, which its examples
/// often give as numbers, are sent as the strings the types hold) and whole-second timestamps
/// without the `.000` the timestamp type writes.
fn normalized(value: &Value) -> Value {
    match value {
        Value::Object(o) => Value::Object(
            o.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), normalized(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(normalized).collect()),
        Value::Number(n) if n.is_i64() || n.is_u64() => Value::String(n.to_string()),
        Value::String(s) if s.len() == 24 && s.ends_with(".000Z") => {
            Value::String(format!("{}Z", &s[..19]))
        }
        other => other.clone(),
    }
}

/// Asserts that the request example decodes into the body type `T` (for a `oneOf` body, into
/// the alternative it was written for: the alternatives reject fields they do not declare and
/// discriminators of other alternatives) and that serializing it gives the example back, up
/// to `null` members (left out when the field is optional; an explicit `null` is kept where
/// the field can be cleared).
pub fn request_round_trips<T: DeserializeOwned + Serialize + std::fmt::Debug>(
    method: &str,
    path: &str,
    name: &str,
) {
    let Some(spec) = spec() else {
        openapi::skip();
        return;
    };
    let value = request_example(spec, method, path, name);
    let decoded = match decode::<T>(value) {
        Ok(decoded) => decoded,
        Err(e) => panic!(
            "{} {path} request example `{name}` does not decode into {}: {e}",
            method.to_uppercase(),
            std::any::type_name::<T>()
        ),
    };
    let written = serde_json::to_value(&decoded).unwrap_or_else(|e| {
        panic!(
            "{} {path} request example `{name}`: {e}",
            method.to_uppercase()
        )
    });
    assert_eq!(
        normalized(&written),
        normalized(value),
        "{} {path} request example `{name}` is written back differently from {decoded:?}",
        method.to_uppercase()
    );
}

/// Asserts that the request example, which contradicts its schema (`defect`), still fails to
/// decode into `T` or is written back differently; when that changes, the spec was fixed and
/// the override should go.
pub fn request_spec_defect<T: DeserializeOwned + Serialize>(
    method: &str,
    path: &str,
    name: &str,
    defect: &str,
) {
    let Some(spec) = spec() else {
        openapi::skip();
        return;
    };
    let value = request_example(spec, method, path, name);
    let same = decode::<T>(value).is_ok_and(|decoded| {
        serde_json::to_value(&decoded).is_ok_and(|w| normalized(&w) == normalized(value))
    });
    if same {
        panic!(
            "{} {path} request example `{name}` now decodes; remove its override ({defect}) \
             from xtask/src/codegen/examples.rs",
            method.to_uppercase()
        );
    }
}
