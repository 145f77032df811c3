//! `constant!`: a field whose value is fixed by the schema (a discriminator such as
//! `"type": "admin"`), typed so it cannot hold anything else.
//!
//! The generated marker is a unit struct: building a request sets it by itself, serializing
//! writes the one value, and deserializing accepts only that value (so an untagged enum of
//! alternatives decodes into the alternative whose discriminators match).

/// Defines a unit struct standing for one fixed string value.
macro_rules! constant {
    ($(#[$meta:meta])* pub struct $name:ident = $value:literal;) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
        pub struct $name;

        impl $name {
            /// The value written for this field.
            pub const VALUE: &'static str = $value;
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str($value)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(deserializer)?;
                if text == $value {
                    Ok($name)
                } else {
                    Err(serde::de::Error::invalid_value(
                        serde::de::Unexpected::Str(&text),
                        &$value,
                    ))
                }
            }
        }
    };
}
pub(crate) use constant;

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    constant! {
        /// A test marker.
        pub struct Admin = "admin";
    }

    #[test]
    fn writes_and_accepts_only_its_value() {
        assert_eq!(serde_json::to_string(&Admin).unwrap(), r#""admin""#);
        assert_eq!(serde_json::from_str::<Admin>(r#""admin""#).unwrap(), Admin);
        let err = serde_json::from_str::<Admin>(r#""user""#).unwrap_err();
        assert!(err.to_string().contains("expected admin"), "{err}");
        assert!(serde_json::from_str::<Admin>("1").is_err());
        assert_eq!(Admin::VALUE, "admin");
    }
}
