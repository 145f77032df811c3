//! Schema-shaped sample values of the generated models, for the operations the sandbox
//! answers without state.
//!
//! A [`Sampler`] is a `serde` deserializer that answers every request of the type being
//! built with a plausible value: each struct field present (by its serialized name), strings
//! `"example"`, numbers 1, booleans true, one element per list, the first variant of each
//! enum, free-form values as objects (their map values as strings), and the few strings the
//! API fixes (a variant's name, a date, a uuid) as it writes them. Optional values and lists
//! stop nesting past a small depth, so recursive models end.
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
    let mut value = sample_at::<T>(0);
    settle(&mut value);
    value
}

/// A sample of `T` nested `depth` levels deep, as JSON.
fn sample_at<T: DeserializeOwned + Serialize + Default>(depth: u8) -> Value {
    let start = Sampler {
        depth,
        owner: "",
        field: None,
    };
    // The first pass notes the fields that are open enums (they ask for "a string" of any
    // scalar); the second leaves them out, so they take their model's default: the first
    // known value when required, absent when optional. A sample taken while another is under
    // way (an extension's base) keeps the outer sample's notes aside.
    let outer = OPEN_ENUM_FIELDS.with(|seen| std::mem::take(&mut *seen.borrow_mut()));
    let _ = T::deserialize(start);
    let sampled = T::deserialize(start).unwrap_or_default();
    OPEN_ENUM_FIELDS.with(|seen| *seen.borrow_mut() = outer);
    serde_json::to_value(&sampled).unwrap_or(Value::Object(Default::default()))
}

/// Samples the base an `allOf` extension holds flattened: serde hands a flattened field's
/// values over untyped, so the base is sampled as a whole and its JSON fields are given to the
/// extension after its own.
struct BaseSample {
    depth: u8,
}

impl intercom_resources::models::WithModel for BaseSample {
    type Output = Vec<(String, Value)>;

    fn with<T: DeserializeOwned + Serialize + Default>(self) -> Vec<(String, Value)> {
        match sample_at::<T>(self.depth) {
            Value::Object(fields) => fields.into_iter().collect(),
            _ => Vec::new(),
        }
    }
}

/// Fields the API writes as strings where the generated model reads a timestamp: the
/// sample's number becomes its decimal text.
fn settle(value: &mut Value) {
    match value {
        Value::Object(fields) => {
            for (name, field) in fields.iter_mut() {
                if name == "download_expires_at" && field.is_number() {
                    *field = Value::String(field.to_string());
                } else {
                    settle(field);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(settle),
        _ => {}
    }
}

thread_local! {
    /// (struct, field) pairs whose value is an open enum, noted while sampling.
    static OPEN_ENUM_FIELDS: std::cell::RefCell<std::collections::HashSet<(&'static str, &'static str)>> =
        std::cell::RefCell::new(std::collections::HashSet::new());
}

/// What the open enums' deserializer expects (`intercom_resources::lenient::enum_string`).
const OPEN_ENUM_EXPECTING: &str = "a string";

/// What `serde_json::Value`'s deserializer expects.
const ANY_JSON_EXPECTING: &str = "any valid JSON value";

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
    /// The struct whose field is being sampled (its Rust name).
    owner: &'static str,
    /// The field being sampled, when it is a struct's.
    field: Option<&'static str>,
}

impl Sampler {
    fn deeper(self) -> Result<Self, SampleError> {
        if self.depth >= HARD_DEPTH {
            return Err(SampleError("the type nests too deeply to sample".into()));
        }
        Ok(Sampler {
            depth: self.depth.saturating_add(1),
            ..self
        })
    }

    fn shallow(self) -> bool {
        self.depth >= SOFT_DEPTH
    }

    /// A string fitting the field: the object's `type` constant, a URL for `*url` fields,
    /// an address for `email`, else `"example"`.
    fn text(self) -> String {
        if let Some(fixed) = self.field.and_then(|f| fixed_text(self.owner, f)) {
            return fixed.to_owned();
        }
        match self.field {
            Some("type") => type_constant(self.owner),
            Some(f) if f.ends_with("url") => "https://example.com/sample".into(),
            Some("email") => "someone@example.com".into(),
            _ => "example".into(),
        }
    }
}

/// Strings the API gives a field whatever the object, where the generated model only says
/// "a string": (struct, field) pairs first, then field names alone.
fn fixed_text(owner: &str, field: &str) -> Option<&'static str> {
    let by_owner = match (owner, field) {
        // Which variant of an attribute or search result this is.
        ("ConversationAttribute", "data_type") => Some("string"),
        ("ContentSearchResult", "type") => Some("content_snippet"),
        ("HandlingEvent", "type") => Some("paused"),
        ("TeammateReference", "type") => Some("admin"),
        // Bases of `allOf` extensions, whose `type` is the extension's object's.
        ("ContactReference", "type") => Some("contact"),
        ("ArticleListItem", "type") => Some("article"),
        ("TagBasic", "type") => Some("tag"),
        ("WhatsappMessageStatusListEventsItem", "type") => Some("broadcast_outbound"),
        _ => None,
    };
    by_owner.or(match field {
        "exception_date" => Some("2026-01-02"),
        "request_id" => Some("00000000-0000-4000-8000-000000000001"),
        _ => None,
    })
}

/// The `type` value of the model named `owner`: Intercom writes an object's type as its
/// name in snake case and most list wrappers as `list`; the exceptions are listed.
fn type_constant(owner: &str) -> String {
    let special = match owner {
        "Jobs" => "job",
        "NewsItem" => "news-item",
        "PhoneSwitch" => "phone_call_redirect",
        "DataConnectorExecutionResult" => "data_connector.execution",
        "CursorPages" => "pages",
        "PaginatedResponse" => "list",
        "AdminList" => "admin.list",
        "TeamList" => "team.list",
        "SegmentList" => "segment.list",
        "TicketList" => "ticket.list",
        "ConversationList" => "conversation.list",
        "ActivityLogList" => "activity_log.list",
        "SideConversationList" => "side_conversation.list",
        "OfficeHoursScheduleList" => "office_hours_schedule.list",
        "TeamMetricList" => "team_metric.list",
        "CompanyAttachedContacts"
        | "CompanyAttachedSegments"
        | "ContactAttachedCompanies"
        | "ContactSegments"
        | "ContentSearchResponse"
        | "InternalArticleSearchResponse" => "list",
        _ if owner.ends_with("List") => "list",
        _ if owner.ends_with("Pages") => "pages",
        _ => "",
    };
    if !special.is_empty() {
        return special.to_owned();
    }
    let mut snake = String::new();
    for (i, c) in owner.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                snake.push('_');
            }
            snake.push(c.to_ascii_lowercase());
        } else {
            snake.push(c);
        }
    }
    snake
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
        if expecting == OPEN_ENUM_EXPECTING {
            if let Some(field) = self.field {
                OPEN_ENUM_FIELDS.with(|seen| seen.borrow_mut().insert((self.owner, field)));
            }
        }
        if expecting == ANY_JSON_EXPECTING && self.field.is_some() {
            // Free-form fields (`serde_json::Value`) are objects in the API's answers; the
            // values of free-form maps are strings (below).
            visitor.visit_map(Fields {
                map: true,
                keys: &[],
                next: 0,
                sampler: self.deeper()?,
                base: Vec::new(),
                value: None,
            })
        } else if self
            .field
            .is_some_and(|f| fixed_text(self.owner, f).is_some())
        {
            visitor.visit_string(self.text())
        } else if expecting.contains("list") {
            self.deserialize_seq(visitor)
        } else if ["Unix seconds", "number", "integer"]
            .iter()
            .any(|w| expecting.contains(w))
        {
            visitor.visit_u64(1)
        } else if self
            .field
            .is_some_and(|f| f.ends_with("url") || f == "email" || f == "type")
        {
            visitor.visit_string(self.text())
        } else {
            visitor.visit_str("example")
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SampleError> {
        visitor.visit_string(self.text())
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SampleError> {
        visitor.visit_string(self.text())
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
        // A fixed string says which variant an object is, so it is given at any depth.
        let fixed = self
            .field
            .is_some_and(|f| fixed_text(self.owner, f).is_some());
        if self.shallow() && !fixed {
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
        if let Some((name, fields)) = expecting
            .strip_prefix("struct ")
            .and_then(intercom_resources::models::declared_fields)
        {
            let sampler = Sampler {
                owner: name,
                field: None,
                ..self.deeper()?
            };
            // The base's fields sit at the extension's level.
            let mut base =
                intercom_resources::models::flattened_base(name, BaseSample { depth: self.depth })
                    .unwrap_or_default();
            base.reverse();
            return visitor.visit_map(Fields {
                map: false,
                keys: fields,
                next: 0,
                sampler,
                base,
                value: None,
            });
        }
        let keys: &'static [&'static str] = if self.shallow() { &[] } else { KEY };
        // A map's values belong to no struct field.
        visitor.visit_map(Fields {
            map: true,
            keys,
            next: 0,
            sampler: Sampler {
                owner: "",
                field: None,
                ..self.deeper()?
            },
            base: Vec::new(),
            value: None,
        })
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, SampleError> {
        visitor.visit_map(Fields {
            map: false,
            keys: fields,
            next: 0,
            sampler: Sampler {
                owner: name,
                field: None,
                ..self.deeper()?
            },
            base: Vec::new(),
            value: None,
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
    /// Whether these are a free-form map's keys rather than a struct's fields.
    map: bool,
    keys: &'static [&'static str],
    next: usize,
    sampler: Sampler,
    /// A flattened base's sampled fields, given after `keys` (last first).
    base: Vec<(String, Value)>,
    /// The value of the base field whose key was given last.
    value: Option<Value>,
}

impl<'de> MapAccess<'de> for Fields {
    type Error = SampleError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, SampleError> {
        let owner = self.sampler.owner;
        let open_enum = |key: &&'static str| {
            fixed_text(owner, key).is_none()
                && OPEN_ENUM_FIELDS.with(|seen| seen.borrow().contains(&(owner, *key)))
        };
        while self.keys.get(self.next).is_some_and(open_enum) {
            self.next = self.next.saturating_add(1);
        }
        let Some(key) = self.keys.get(self.next) else {
            let Some((key, value)) = self.base.pop() else {
                return Ok(None);
            };
            self.value = Some(value);
            let key: de::value::StringDeserializer<SampleError> = key.into_deserializer();
            return seed.deserialize(key).map(Some);
        };
        self.next = self.next.saturating_add(1);
        if !self.map {
            self.sampler.field = Some(key);
        }
        let key: StrDeserializer<'_, SampleError> = key.into_deserializer();
        seed.deserialize(key).map(Some)
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<T::Value, SampleError> {
        match self.value.take() {
            Some(value) => seed.deserialize(value).map_err(de::Error::custom),
            None => seed.deserialize(self.sampler),
        }
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
        assert!(
            contact.as_object().expect("an object").len() > 20,
            "{contact}"
        );
        assert!(decoded.extra.is_empty(), "{:?}", decoded.extra);
    }

    #[test]
    fn extensions_are_sampled_with_their_flattened_base() {
        let response = sample_json::<models::ContactResponse>();
        let contact = sample_json::<models::Contact>();
        let object = response.as_object().expect("an object");
        // Every field of the base, plus the extension's own.
        for (key, value) in contact.as_object().expect("an object") {
            assert_eq!(object.get(key), Some(value), "{key} in {response}");
        }
        assert!(object.contains_key("enabled_push_messaging"), "{response}");
        let decoded: models::ContactResponse =
            serde_json::from_value(response.clone()).expect("decodes");
        assert!(decoded.extra.is_empty(), "{:?}", decoded.extra);
        assert_eq!(decoded.email.as_deref(), contact["email"].as_str());
        // Another extension, with its own field beside the base's.
        let article = sample_json::<models::Article>();
        assert!(article.get("statistics").is_some(), "{article}");
        assert!(article.get("title").is_some(), "{article}");
        assert_eq!(article["type"], "article", "{article}");
        let blocked = sample_json::<models::ContactBlocked>();
        assert_eq!(blocked["type"], "contact", "{blocked}");
        assert_eq!(blocked["blocked"], true, "{blocked}");
    }
}
