//! Decoding of `allOf` extensions in one pass: a response model that extends another holds
//! its base flattened (`ContactResponse` over `Contact`); its generated `Deserialize` calls
//! [`deserialize`], which hands the object's map to the base through [`OwnFirst`], taking the
//! extension's own fields out of the stream as they come by ([`Extension::own_field`], the
//! one generated part). A derived `Deserialize` with
//! `#[serde(flatten)]` would buffer the whole object first, and the base, which keeps unknown
//! fields in a flattened map of its own, would buffer it again.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, Visitor};
use serde::Deserialize;

/// What the generator writes for each extension; [`deserialize`] does the rest.
pub(crate) trait Extension: Default {
    /// The type this extends, held flattened.
    type Base;
    /// What the visitor expects (`struct Name`, as a derived visitor says).
    const EXPECTING: &'static str;
    /// Stores the decoded base.
    fn set_base(&mut self, base: Self::Base);
    /// Decodes the value of `key` into its own field when `key` is one (`true`), or leaves
    /// the entry to the base (`false`).
    fn own_field<'de, A: MapAccess<'de>>(
        &mut self,
        key: &str,
        map: &mut A,
    ) -> Result<bool, A::Error>;
}

/// The `Deserialize` of every extension: the object's map goes to the base's `Deserialize`
/// through [`OwnFirst`], which hands the extension's own keys to [`Extension::own_field`].
pub(crate) fn deserialize<'de, X, D>(deserializer: D) -> Result<X, D::Error>
where
    X: Extension,
    X::Base: Deserialize<'de>,
    D: Deserializer<'de>,
{
    deserializer.deserialize_map(ExtensionVisitor(PhantomData))
}

struct ExtensionVisitor<X>(PhantomData<X>);

impl<'de, X> Visitor<'de> for ExtensionVisitor<X>
where
    X: Extension,
    X::Base: Deserialize<'de>,
{
    type Value = X;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(X::EXPECTING)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<X, A::Error> {
        let mut out = X::default();
        let base = X::Base::deserialize(de::value::MapAccessDeserializer::new(OwnFirst::new(
            map,
            |key: &str, map: &mut A| out.own_field(key, map),
        )))?;
        out.set_base(base);
        Ok(out)
    }
}

/// A map whose entries are offered to `own` first: `own(key, map)` decodes the value of a key
/// it declares (and returns `true`), or leaves the entry alone (`false`), which then goes to
/// whoever reads this map: the base's `Deserialize`, which keeps it as a field of its own or
/// in its unknown-field map.
pub(crate) struct OwnFirst<A, F> {
    map: A,
    own: F,
}

impl<A, F> OwnFirst<A, F> {
    pub(crate) fn new(map: A, own: F) -> Self {
        Self { map, own }
    }
}

impl<'de, A, F> MapAccess<'de> for OwnFirst<A, F>
where
    A: MapAccess<'de>,
    F: FnMut(&str, &mut A) -> Result<bool, A::Error>,
{
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        while let Some(key) = self.map.next_key_seed(KeySeed)? {
            if (self.own)(key.as_str(), &mut self.map)? {
                continue;
            }
            return match key {
                Key::Borrowed(k) => seed.deserialize(de::value::BorrowedStrDeserializer::new(k)),
                Key::Owned(k) => seed.deserialize(k.into_deserializer()),
            }
            .map(Some);
        }
        Ok(None)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        self.map.next_value_seed(seed)
    }

    fn size_hint(&self) -> Option<usize> {
        self.map.size_hint()
    }
}

/// A key as the map gives it: borrowed from the input when it can be (no allocation).
enum Key<'de> {
    Borrowed(&'de str),
    Owned(String),
}

impl Key<'_> {
    fn as_str(&self) -> &str {
        match self {
            Key::Borrowed(k) => k,
            Key::Owned(k) => k,
        }
    }
}

struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Key<'de>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Key<'de>, D::Error> {
        deserializer.deserialize_str(KeyVisitor)
    }
}

struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = Key<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
        Ok(Key::Borrowed(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
        Ok(Key::Owned(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Key<'de>, E> {
        Ok(Key::Owned(v))
    }
}
