//! Schema-shaped sample values of the generated models, for the operations the sandbox
//! answers without state.
//!
//! A [`Sampler`] is a `serde` deserializer that answers every request of the type being
//! built with a plausible value: each struct field present (by its serialized name), strings
//! `"example"`, numbers 1, booleans true, one element per list, the first variant of each
//! enum. Optional values and lists stop nesting past a small depth, so recursive models end.
//! The shapes therefore come from our own generated types, never from the spec's text.

use std::fmt;

use serde::de::value::StrDeserializer;
use serde::de::{
    self, DeserializeOwned, DeserializeSeed, EnumAccess, IntoDeserializer, MapAccess, SeqAccess,
    VariantAccess, Visitor,
};
use serde::Serialize;
use serde_json::Value;

/// Nesting depth past which optional values are absent and lists empty.
const SOFT_DEPTH: u8 = 3;
/// Nesting depth past which sampling gives up (a required recursive field).
const HARD_DEPTH: u8 = 24;

/// A sample of `T`, serialized back to JSON (what the sandbox answers); `None` when the type
/// cannot be sampled, in which case callers answer its `Default`.
pub(crate) fn sample_json<T: DeserializeOwned + Serialize + Default>() -> Value {
    let sampled = T::deserialize(Sampler { depth: 0 }).unwrap_or_default();
    serde_json::to_value(&sampled).unwrap_or(Value::Object(Default::default()))
}

#[derive(Debug)]
pub(crate) struct SampleError(String);

impl fmt::Display for SampleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SampleError {}

impl de::Error for SampleError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        SampleError(msg.to_string())
    }
}

/// A visitor's `expecting` text.
struct Expecting<'a, V>(&'a V);

impl<'de, V: Visitor<'de>> fmt::Display for Expecting<'_, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.expecting(f)
    }
}

#[derive(Debug, Clone, Copy)]
struct Sampler {
    depth: u8,
}

impl Sampler {
    fn deeper(self) -> Result<Self, SampleError> {
        if self.depth >= HARD_DEPTH {
            return Err(SampleError("the type nests too deeply to sample".into()));
        }
        Ok(Sampler {
            depth: self.depth.saturating_add(1),
        })
    }

    fn shallow(self) -> bool {
        self.depth >= SOFT_DEPTH
    }
}

macro_rules! ints {
    ($($method:ident => $visit:ident($value:expr)),* $(,)?) => {
        $(fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SampleError> {
            visitor.$visit($value)
        })*
    };
}

impl<'de> de::Deserializer<'de> for Sampler {
    type Error = SampleError;

    /// Self-describing (lenient) types say what they expect; answer in kind.
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SampleError> {
        let expecting = Expecting(&visitor).to_string();
        if expecting.contains("list") {
            self.deserialize_seq(visitor)
        } else if ["Unix seconds", "number", "integer"]
            .iter()
            .any(|w| expecting.contains(w))
        {
            visitor.visit_u64(1)
        } else {
            visitor.visit_str("example")
        }
    }

    ints! {
        deserialize_bool => visit_bool(true),
        deserialize_i8 => visit_i64(1),
        deserialize_i16 => visit_i64(1),
        deserialize_i32 => visit_i64(1),
        deserialize_i64 => visit_i64(1),
        deserialize_u8 => visit_u64(1),
        deserialize_u16 => visit_u64(1),
        deserialize_u32 => visit_u64(1),
        deserialize_u64 => visit_u64(1),
        deserialize_f32 => visit_f64(1.5),
        deserialize_f64 => visit_f64(1.5),
        deserialize_char => visit_char('a'),
        deserialize_str => visit_str("example"),
        deserialize_string => visit_str("example"),
        deserialize_bytes => visit_bytes(b"example"),
        deserialize_byte_buf => visit_bytes(b"example"),
        deserialize_identifier => visit_str("example"),
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SampleError> {
        visitor.visit_unit()
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SampleError> {
        visitor.visit_unit()
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SampleError> {
        if self.shallow() {
            visitor.visit_none()
        } else {
            visitor.visit_some(self.deeper()?)
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, SampleError> {
        visitor.visit_unit()
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, SampleError> {
        visitor.visit_newtype_struct(self.deeper()?)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SampleError> {
        let len = if self.shallow() { 0 } else { 1 };
        visitor.visit_seq(Elements {
            left: len,
            sampler: self.deeper()?,
        })
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, SampleError> {
        visitor.visit_seq(Elements {
            left: len,
            sampler: self.deeper()?,
        })
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, SampleError> {
        self.deserialize_tuple(len, visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SampleError> {
        const KEY: &[&str] = &["example"];
        // A response model keeping unknown fields asks for a map, not a struct: its declared
        // fields come from the models' table, so it is sampled field by field all the same.
        let expecting = Expecting(&visitor).to_string();
        if let Some(fields) = expecting
            .strip_prefix("struct ")
            .and_then(intercom_resources::models::declared_fields)
        {
            return visitor.visit_map(Fields {
                keys: fields,
                next: 0,
                sampler: self.deeper()?,
            });
        }
        let keys: &'static [&'static str] = if self.shallow() { &[] } else { KEY };
        visitor.visit_map(Fields {
            keys,
            next: 0,
            sampler: self.deeper()?,
        })
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, SampleError> {
        visitor.visit_map(Fields {
            keys: fields,
            next: 0,
            sampler: self.deeper()?,
        })
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, SampleError> {
        visitor.visit_enum(Variant {
            name: variants.first().copied().unwrap_or("example"),
            sampler: self.deeper()?,
        })
    }
}

struct Elements {
    left: usize,
    sampler: Sampler,
}

impl<'de> SeqAccess<'de> for Elements {
    type Error = SampleError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, SampleError> {
        if self.left == 0 {
            return Ok(None);
        }
        self.left = self.left.saturating_sub(1);
        seed.deserialize(self.sampler).map(Some)
    }
}

struct Fields {
    keys: &'static [&'static str],
    next: usize,
    sampler: Sampler,
}

impl<'de> MapAccess<'de> for Fields {
    type Error = SampleError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, SampleError> {
        let Some(key) = self.keys.get(self.next) else {
            return Ok(None);
        };
        self.next = self.next.saturating_add(1);
        let key: StrDeserializer<'_, SampleError> = key.into_deserializer();
        seed.deserialize(key).map(Some)
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<T::Value, SampleError> {
        seed.deserialize(self.sampler)
    }
}

struct Variant {
    name: &'static str,
    sampler: Sampler,
}

impl<'de> EnumAccess<'de> for Variant {
    type Error = SampleError;
    type Variant = Sampler;

    fn variant_seed<T: DeserializeSeed<'de>>(
        self,
        seed: T,
    ) -> Result<(T::Value, Sampler), SampleError> {
        let name: StrDeserializer<'_, SampleError> = self.name.into_deserializer();
        seed.deserialize(name).map(|value| (value, self.sampler))
    }
}

impl<'de> VariantAccess<'de> for Sampler {
    type Error = SampleError;

    fn unit_variant(self) -> Result<(), SampleError> {
        Ok(())
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(
        self,
        seed: T,
    ) -> Result<T::Value, SampleError> {
        seed.deserialize(self)
    }

    fn tuple_variant<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, SampleError> {
        de::Deserializer::deserialize_tuple(self, len, visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, SampleError> {
        de::Deserializer::deserialize_struct(self, "", fields, visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use intercom_resources::models;

    #[test]
    fn samples_are_full_shapes_of_the_models() {
        let ticket = sample_json::<models::Ticket>();
        let object = ticket.as_object().expect("an object");
        assert!(object.len() > 5, "{ticket}");
        assert!(object.contains_key("type"), "{ticket}");
        let teams = sample_json::<models::TeamList>();
        assert!(teams["teams"].is_array(), "{teams}");
        for value in [ticket, teams] {
            let decoded: Result<models::Ticket, _> = serde_json::from_value(value);
            assert!(decoded.is_ok());
        }
        // Every key of a sample is a declared field: nothing lands in `extra`.
        let contact = sample_json::<models::Contact>();
        let decoded: models::Contact = serde_json::from_value(contact.clone()).expect("decodes");
        assert!(contact.as_object().expect("an object").len() > 20, "{contact}");
        assert!(decoded.extra.is_empty(), "{:?}", decoded.extra);
    }
}
