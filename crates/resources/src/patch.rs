//! [`Patch`]: a request field that can be left out, sent as `null`, or sent with a value.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An optional request field the API lets you clear.
///
/// `Option` with `skip_serializing_if` can only leave a field out or send a value; Intercom
/// reads an explicit `null` as "clear this value", so such fields take a `Patch`:
///
/// * [`Patch::Absent`] (the default): the field is not sent, the stored value is unchanged;
/// * [`Patch::Null`]: the field is sent as `null`, clearing the stored value;
/// * [`Patch::Value`]: the field is sent with the value.
///
/// Generated request models skip an `Absent` field when serializing; their `with_x(value)`
/// setter sends a value and `clear_x()` sends `null`.
///
/// ```
/// use intercom_resources::Patch;
///
/// #[derive(serde::Serialize)]
/// struct Body {
///     #[serde(skip_serializing_if = "Patch::is_absent")]
///     name: Patch<String>,
/// }
/// let json = |name| serde_json::to_string(&Body { name }).unwrap();
/// assert_eq!(json(Patch::Absent), "{}");
/// assert_eq!(json(Patch::Null), r#"{"name":null}"#);
/// assert_eq!(json(Patch::Value("Jane".into())), r#"{"name":"Jane"}"#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub enum Patch<T> {
    /// Not sent.
    #[default]
    Absent,
    /// Sent as `null`.
    Null,
    /// Sent with this value.
    Value(T),
}

impl<T> Patch<T> {
    /// Whether the field is left out (used by `skip_serializing_if`).
    pub fn is_absent(&self) -> bool {
        matches!(self, Patch::Absent)
    }

    /// The value, when there is one.
    pub fn as_value(&self) -> Option<&T> {
        match self {
            Patch::Value(v) => Some(v),
            Patch::Absent | Patch::Null => None,
        }
    }
}

impl<T> From<T> for Patch<T> {
    fn from(value: T) -> Self {
        Patch::Value(value)
    }
}

impl<T: Serialize> Serialize for Patch<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            // Only reached when a container does not skip absent fields: `null` is the
            // closest JSON has.
            Patch::Absent | Patch::Null => s.serialize_none(),
            Patch::Value(v) => v.serialize(s),
        }
    }
}

/// A present field decodes to `Null` or `Value`; a missing one is `Absent` through the field's
/// `#[serde(default)]`.
impl<'de, T: Deserialize<'de>> Deserialize<'de> for Patch<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(match Option::<T>::deserialize(d)? {
            Some(v) => Patch::Value(v),
            None => Patch::Null,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Body {
        #[serde(default, skip_serializing_if = "Patch::is_absent")]
        n: Patch<i64>,
    }

    #[test]
    fn absent_null_and_value_round_trip() {
        for (patch, json) in [
            (Patch::Absent, "{}"),
            (Patch::Null, r#"{"n":null}"#),
            (Patch::Value(3), r#"{"n":3}"#),
        ] {
            let body = Body { n: patch };
            assert_eq!(serde_json::to_string(&body).unwrap(), json);
            assert_eq!(serde_json::from_str::<Body>(json).unwrap(), body);
        }
    }
}
