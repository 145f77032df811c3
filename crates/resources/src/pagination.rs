//! Pagination as [`futures::Stream`]s, for the four styles Intercom uses (facts §g).
//!
//! Over 600 lines because the streams, the one-pass `Tee` deserializer and the per-style
//! paging metadata share private types; about 90 lines are tests.
//!
//! Every paginated operation `op` gets two extra methods on its tag handle, and (except the
//! searches, paginated in the body) the same two on the call its method returns:
//!
//! * `op_pages(..)` / `.pages()`: a [`PageStream`] yielding each response page as the typed
//!   model;
//! * `op_all(..)` / `.all()`: an [`ItemStream`] yielding the items of every page in order (when
//!   the page type has a top-level list of items).
//!
//! | style | request | next page | stops when |
//! |---|---|---|---|
//! | cursor | query `per_page`, `starting_after` | `pages.next.starting_after` | no next cursor |
//! | search | body `pagination: {per_page, starting_after}` | `pages.next.starting_after` | no next cursor |
//! | next cursor | query `per_page`, `cursor` | `next_cursor` | `has_more` false or no cursor |
//! | pages | query `page`, `per_page` | `page + 1` | `page >= total_pages` (or no `next` when `total_pages` is absent) |
//! | scroll | query `scroll_param` | `scroll_param` | a page with no items |
//!
//! A stream never sends a request it knows will come back empty: it stops as soon as the
//! response says there is nothing more (the scroll style alone can only know by asking).
//! `per_page` and all other parameters are sent unchanged on every page. A stream stops after
//! its first error (yielding it), and also if the server hands back the cursor it was just
//! given, so a misbehaving server cannot make it loop forever.
//!
//! ```no_run
//! # async fn demo(client: intercom_transport::Client<intercom_auth_types::Private>)
//! # -> Result<(), intercom_transport::Error> {
//! use futures::TryStreamExt;
//! use intercom_resources::IntercomApi;
//!
//! let mut pages = client.contacts().list().per_page(150).pages();
//! while let Some(page) = pages.try_next().await? {
//!     println!("{} contacts on this page", page.data.map_or(0, |d| d.len()));
//! }
//! # Ok(())
//! # }
//! ```

use std::pin::Pin;

use futures::{Stream, TryStreamExt as _};
use intercom_auth_types::Authenticated;
use intercom_transport::{ApiRequest, Client, Error};
use serde::de::DeserializeOwned;
use serde::{de, Deserialize};
use serde_json::Value;

/// A stream of response pages.
pub type PageStream<P> = Pin<Box<dyn Stream<Item = Result<P, Error>> + Send + 'static>>;

/// A stream of the items of every page, in order.
pub type ItemStream<T> = Pin<Box<dyn Stream<Item = Result<T, Error>> + Send + 'static>>;

/// A response page whose items can be taken out (implemented for the generated page types).
pub trait Page {
    /// The item type.
    type Item;
    /// The items of this page.
    fn into_items(self) -> Vec<Self::Item>;
}

/// What a page says about the next one, read from the raw JSON so that every page shape works
/// (`pages` objects with cursor or link `next`, top-level `page`/`total_pages`, `next_cursor`,
/// `scroll_param`).
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct Meta {
    starting_after: Option<String>,
    next_cursor: Option<String>,
    has_more: Option<bool>,
    page: Option<i64>,
    total_pages: Option<i64>,
    has_next: bool,
    scroll_param: Option<String>,
    item_count: Option<usize>,
}

fn non_empty(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn int(v: Option<&Value>) -> Option<i64> {
    match v? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

impl Meta {
    /// Reads the paging fields in one pass over the body, skipping the items themselves
    /// (they are only counted), so a page is not parsed twice into a full JSON tree.
    pub(crate) fn read(body: &[u8], items_key: Option<&str>) -> Self {
        let mut de = serde_json::Deserializer::from_slice(body);
        match de::DeserializeSeed::deserialize(TopLevel { items_key }, &mut de) {
            Ok(top) => Self::from_fields(&top),
            Err(_) => Self::default(),
        }
    }

    fn from_fields(top: &TopLevelFields) -> Self {
        let pages = top.pages.as_ref().filter(|p| p.is_object());
        let next = pages.and_then(|p| p.get("next"));
        Meta {
            starting_after: next.and_then(|n| non_empty(n.get("starting_after"))),
            next_cursor: non_empty(top.next_cursor.as_ref()),
            has_more: top.has_more.as_ref().and_then(Value::as_bool),
            page: int(pages.and_then(|p| p.get("page"))).or_else(|| int(top.page.as_ref())),
            total_pages: int(pages.and_then(|p| p.get("total_pages")))
                .or_else(|| int(top.total_pages.as_ref())),
            has_next: next.is_some_and(|n| match n {
                Value::Null => false,
                Value::String(s) => !s.is_empty(),
                Value::Object(o) => !o.is_empty(),
                _ => true,
            }),
            scroll_param: non_empty(top.scroll_param.as_ref()),
            item_count: top.item_count,
        }
    }
}

/// The top-level fields [`Meta::read`] looks at; everything else is skipped unparsed.
#[derive(Default)]
struct TopLevelFields {
    pages: Option<Value>,
    next_cursor: Option<Value>,
    has_more: Option<Value>,
    page: Option<Value>,
    total_pages: Option<Value>,
    scroll_param: Option<Value>,
    item_count: Option<usize>,
}

/// Deserializes a page's top-level object into [`TopLevelFields`], counting the items under
/// `items_key` without building them.
struct TopLevel<'k> {
    items_key: Option<&'k str>,
}

impl<'de> de::DeserializeSeed<'de> for TopLevel<'_> {
    type Value = TopLevelFields;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> de::Visitor<'de> for TopLevel<'_> {
    type Value = TopLevelFields;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<M: de::MapAccess<'de>>(self, mut map: M) -> Result<Self::Value, M::Error> {
        let mut out = TopLevelFields::default();
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match key.as_ref() {
                "pages" => out.pages = Some(map.next_value()?),
                "next_cursor" => out.next_cursor = Some(map.next_value()?),
                "has_more" => out.has_more = Some(map.next_value()?),
                "page" => out.page = Some(map.next_value()?),
                "total_pages" => out.total_pages = Some(map.next_value()?),
                "scroll_param" => out.scroll_param = Some(map.next_value()?),
                k if Some(k) == self.items_key => {
                    out.item_count = map.next_value::<CountItems>()?.0;
                }
                _ => {
                    map.next_value::<de::IgnoredAny>()?;
                }
            }
        }
        Ok(out)
    }
}

/// Decodes a page into `P` and reads its top-level paging fields in the same pass (the
/// item count is not taken: styles that need it use [`Meta::read`]).
///
/// `P` sees exactly what it would see decoding `body` directly, except that the values of the
/// few paging keys reach it through a `serde_json::Value` (they are small).
fn decode_with_meta<P: DeserializeOwned>(body: &[u8]) -> serde_json::Result<(P, Meta)> {
    let mut fields = TopLevelFields::default();
    let mut de = serde_json::Deserializer::from_slice(body);
    let page = P::deserialize(Tee {
        inner: &mut de,
        fields: &mut fields,
    })?;
    de.end()?;
    Ok((page, Meta::from_fields(&fields)))
}

/// A deserializer for the page's top level that copies the paging fields aside.
struct Tee<'f, D> {
    inner: D,
    fields: &'f mut TopLevelFields,
}

/// Everything that is not a map at the top level goes straight to serde_json.
macro_rules! forward_untouched {
    ($($method:ident)*) => {$(
        fn $method<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
            self.inner.$method(visitor)
        }
    )*};
}

impl<'de, D: de::Deserializer<'de>> de::Deserializer<'de> for Tee<'_, D> {
    type Error = D::Error;

    fn deserialize_any<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.inner.deserialize_any(TeeVisitor {
            inner: visitor,
            fields: self.fields,
        })
    }

    fn deserialize_map<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.inner.deserialize_map(TeeVisitor {
            inner: visitor,
            fields: self.fields,
        })
    }

    fn deserialize_struct<V: de::Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.inner.deserialize_struct(
            name,
            fields,
            TeeVisitor {
                inner: visitor,
                fields: self.fields,
            },
        )
    }

    forward_untouched! {
        deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_f32
        deserialize_f64 deserialize_char deserialize_str deserialize_string deserialize_bytes
        deserialize_byte_buf deserialize_option deserialize_unit deserialize_seq
        deserialize_identifier deserialize_ignored_any
    }

    fn deserialize_unit_struct<V: de::Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.inner.deserialize_unit_struct(name, visitor)
    }

    fn deserialize_newtype_struct<V: de::Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.inner.deserialize_newtype_struct(name, visitor)
    }

    fn deserialize_tuple<V: de::Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.inner.deserialize_tuple(len, visitor)
    }

    fn deserialize_tuple_struct<V: de::Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.inner.deserialize_tuple_struct(name, len, visitor)
    }

    fn deserialize_enum<V: de::Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.inner.deserialize_enum(name, variants, visitor)
    }
}

/// Hands the top-level map to `P`'s visitor through [`TeeMap`].
struct TeeVisitor<'f, V> {
    inner: V,
    fields: &'f mut TopLevelFields,
}

impl<'de, V: de::Visitor<'de>> de::Visitor<'de> for TeeVisitor<'_, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.inner.expecting(f)
    }

    fn visit_map<M: de::MapAccess<'de>>(self, map: M) -> Result<V::Value, M::Error> {
        self.inner.visit_map(TeeMap {
            inner: map,
            fields: self.fields,
            current: None,
        })
    }
}

/// Which paging field the value about to be read belongs to.
#[derive(Clone, Copy)]
enum Field {
    Pages,
    NextCursor,
    HasMore,
    Page,
    TotalPages,
    ScrollParam,
}

impl Field {
    fn of(key: &str) -> Option<Self> {
        Some(match key {
            "pages" => Self::Pages,
            "next_cursor" => Self::NextCursor,
            "has_more" => Self::HasMore,
            "page" => Self::Page,
            "total_pages" => Self::TotalPages,
            "scroll_param" => Self::ScrollParam,
            _ => return None,
        })
    }
}

/// The top-level map as `P` reads it, with the paging values copied aside on the way.
struct TeeMap<'f, M> {
    inner: M,
    fields: &'f mut TopLevelFields,
    current: Option<Field>,
}

impl<'de, M: de::MapAccess<'de>> de::MapAccess<'de> for TeeMap<'_, M> {
    type Error = M::Error;

    fn next_key_seed<K: de::DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, M::Error> {
        let Some(key) = self.inner.next_key::<std::borrow::Cow<'de, str>>()? else {
            return Ok(None);
        };
        self.current = Field::of(&key);
        seed.deserialize(de::value::CowStrDeserializer::new(key))
            .map(Some)
    }

    fn next_value_seed<S: de::DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<S::Value, M::Error> {
        let Some(field) = self.current.take() else {
            return self.inner.next_value_seed(seed);
        };
        let value: Value = self.inner.next_value()?;
        let slot = match field {
            Field::Pages => &mut self.fields.pages,
            Field::NextCursor => &mut self.fields.next_cursor,
            Field::HasMore => &mut self.fields.has_more,
            Field::Page => &mut self.fields.page,
            Field::TotalPages => &mut self.fields.total_pages,
            Field::ScrollParam => &mut self.fields.scroll_param,
        };
        *slot = Some(value.clone());
        seed.deserialize(value).map_err(de::Error::custom)
    }

    fn size_hint(&self) -> Option<usize> {
        self.inner.size_hint()
    }
}

/// The length of a JSON array (its elements skipped), or `None` for anything else.
struct CountItems(Option<usize>);

impl<'de> Deserialize<'de> for CountItems {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> de::Visitor<'de> for V {
            type Value = CountItems;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("any JSON value")
            }

            fn visit_seq<S: de::SeqAccess<'de>>(self, mut seq: S) -> Result<CountItems, S::Error> {
                let mut n = 0usize;
                while seq.next_element::<de::IgnoredAny>()?.is_some() {
                    n = n.saturating_add(1);
                }
                Ok(CountItems(Some(n)))
            }

            fn visit_map<M: de::MapAccess<'de>>(self, mut map: M) -> Result<CountItems, M::Error> {
                while map
                    .next_entry::<de::IgnoredAny, de::IgnoredAny>()?
                    .is_some()
                {}
                Ok(CountItems(None))
            }

            fn visit_unit<E>(self) -> Result<CountItems, E> {
                Ok(CountItems(None))
            }

            fn visit_none<E>(self) -> Result<CountItems, E> {
                Ok(CountItems(None))
            }

            fn visit_bool<E>(self, _: bool) -> Result<CountItems, E> {
                Ok(CountItems(None))
            }

            fn visit_i64<E>(self, _: i64) -> Result<CountItems, E> {
                Ok(CountItems(None))
            }

            fn visit_u64<E>(self, _: u64) -> Result<CountItems, E> {
                Ok(CountItems(None))
            }

            fn visit_f64<E>(self, _: f64) -> Result<CountItems, E> {
                Ok(CountItems(None))
            }

            fn visit_str<E>(self, _: &str) -> Result<CountItems, E> {
                Ok(CountItems(None))
            }
        }
        d.deserialize_any(V)
    }
}

/// How to go from one page to the next: the next key, or `None` to stop.
type NextFn<K> = fn(&Meta, &K) -> Option<K>;

// `count_items`: whether `next` (or the caller) needs the page's item count, which only the
// two-pass decode provides; styles that do not get the one-pass decode.

fn drive<A, P, K, F>(
    client: Client<A>,
    items_key: Option<&'static str>,
    first: K,
    build: F,
    next: NextFn<K>,
    count_items: bool,
) -> PageStream<P>
where
    A: Authenticated,
    P: DeserializeOwned + Send + 'static,
    K: Clone + Send + 'static,
    F: FnMut(K) -> ApiRequest + Send + 'static,
{
    Box::pin(
        drive_counted(client, items_key, first, build, next, count_items).map_ok(|(page, _)| page),
    )
}

fn next_starting_after(meta: &Meta, current: &Option<String>) -> Option<Option<String>> {
    let next = meta.starting_after.clone()?;
    (current.as_deref() != Some(next.as_str())).then_some(Some(next))
}

/// Cursor style: query `starting_after`, next cursor in `pages.next.starting_after`.
/// `build` receives the cursor to send (`None` for the first page unless `first` is set).
pub(crate) fn cursor<A, P, F>(
    client: Client<A>,
    items_key: Option<&'static str>,
    first: Option<String>,
    build: F,
) -> PageStream<P>
where
    A: Authenticated,
    P: DeserializeOwned + Send + 'static,
    F: FnMut(Option<String>) -> ApiRequest + Send + 'static,
{
    drive(client, items_key, first, build, next_starting_after, false)
}

/// Search style: like [`cursor`], with the cursor in the body's `pagination`.
pub(crate) fn search<A, P, F>(
    client: Client<A>,
    items_key: Option<&'static str>,
    first: Option<String>,
    build: F,
) -> PageStream<P>
where
    A: Authenticated,
    P: DeserializeOwned + Send + 'static,
    F: FnMut(Option<String>) -> ApiRequest + Send + 'static,
{
    drive(client, items_key, first, build, next_starting_after, false)
}

/// `next_cursor` + `has_more` style (contact merge history).
pub(crate) fn next_cursor<A, P, F>(
    client: Client<A>,
    items_key: Option<&'static str>,
    first: Option<String>,
    build: F,
) -> PageStream<P>
where
    A: Authenticated,
    P: DeserializeOwned + Send + 'static,
    F: FnMut(Option<String>) -> ApiRequest + Send + 'static,
{
    fn next(meta: &Meta, current: &Option<String>) -> Option<Option<String>> {
        if meta.has_more == Some(false) {
            return None;
        }
        let next = meta.next_cursor.clone()?;
        (current.as_deref() != Some(next.as_str())).then_some(Some(next))
    }
    drive(client, items_key, first, build, next, false)
}

/// Numbered pages: query `page`, stop at `total_pages` (or, without it, when `next` is absent).
pub(crate) fn pages<A, P, F>(
    client: Client<A>,
    items_key: Option<&'static str>,
    first: i64,
    build: F,
) -> PageStream<P>
where
    A: Authenticated,
    P: DeserializeOwned + Send + 'static,
    F: FnMut(i64) -> ApiRequest + Send + 'static,
{
    fn next(meta: &Meta, requested: &i64) -> Option<i64> {
        if meta.item_count == Some(0) {
            return None;
        }
        let current = meta.page.unwrap_or(*requested).max(*requested);
        let more = match meta.total_pages {
            Some(total) => current < total,
            None => meta.has_next,
        };
        // `checked_add`: a server claiming page `i64::MAX` ends the stream instead of
        // overflowing (a panic in debug builds, a page loop that never ends in release).
        more.then(|| current.checked_add(1)).flatten()
    }
    drive(client, items_key, first, build, next, true)
}

/// Scroll style: query `scroll_param`; the stream ends at the first page without items (which
/// is not yielded).
pub(crate) fn scroll<A, P, F>(
    client: Client<A>,
    items_key: Option<&'static str>,
    first: Option<String>,
    build: F,
) -> PageStream<P>
where
    A: Authenticated,
    P: DeserializeOwned + Send + 'static,
    F: FnMut(Option<String>) -> ApiRequest + Send + 'static,
{
    fn next(meta: &Meta, _current: &Option<String>) -> Option<Option<String>> {
        if meta.item_count.unwrap_or(0) == 0 {
            return None;
        }
        meta.scroll_param.clone().map(Some)
    }
    let inner: PageStream<(P, usize)> = drive_counted(client, items_key, first, build, next, true);
    Box::pin(inner.try_filter_map(|(page, count)| async move { Ok((count > 0).then_some(page)) }))
}

/// Like [`drive`], also yielding each page's item count.
fn drive_counted<A, P, K, F>(
    client: Client<A>,
    items_key: Option<&'static str>,
    first: K,
    build: F,
    next: NextFn<K>,
    count_items: bool,
) -> PageStream<(P, usize)>
where
    A: Authenticated,
    P: DeserializeOwned + Send + 'static,
    K: Clone + Send + 'static,
    F: FnMut(K) -> ApiRequest + Send + 'static,
{
    let state = (client, build, Some(first));
    Box::pin(futures::stream::unfold(
        state,
        move |(client, mut build, key)| async move {
            let key = key?;
            let request = build(key.clone());
            let mut raw = match client.execute(request).await {
                Ok(raw) => raw,
                Err(e) => return Some((Err(e), (client, build, None))),
            };
            // Free the headers before decoding, so the decoder can reuse their memory.
            drop(std::mem::take(&mut raw.headers));
            // One pass when the style does not need the item count; otherwise (and whenever
            // the one-pass decode fails, so errors read as they always did) decode, then
            // read the paging fields in a second, skimming pass.
            let one_pass = if count_items {
                None
            } else {
                decode_with_meta::<P>(&raw.body).ok()
            };
            let (page, meta) = match one_pass {
                Some(both) => both,
                None => match raw.json::<P>() {
                    Ok(page) => (page, Meta::read(&raw.body, items_key)),
                    Err(e) => return Some((Err(e), (client, build, None))),
                },
            };
            let next_key = next(&meta, &key);
            let count = meta.item_count.unwrap_or(0);
            Some((Ok((page, count)), (client, build, next_key)))
        },
    ))
}

/// The items of every page of `pages`, in order.
pub(crate) fn items<P>(pages: PageStream<P>) -> ItemStream<P::Item>
where
    P: Page + Send + 'static,
    P::Item: Send + 'static,
{
    Box::pin(
        pages
            .map_ok(|page| futures::stream::iter(page.into_items().into_iter().map(Ok)))
            .try_flatten(),
    )
}

#[cfg(test)]
mod tests {
    use super::{decode_with_meta, Meta};
    use crate::generated::models::{ContactList, ConversationList};
    use serde::Deserialize;

    /// The one-pass decode gives what decoding and then `Meta::read` give (bar the count).
    fn same_as_two_passes<P: serde::de::DeserializeOwned + std::fmt::Debug>(body: &[u8]) {
        let (page, meta) = decode_with_meta::<P>(body).expect("decodes in one pass");
        let direct: P = serde_json::from_slice(body).expect("decodes directly");
        assert_eq!(format!("{page:?}"), format!("{direct:?}"));
        let mut expected = Meta::read(body, None);
        expected.item_count = None;
        assert_eq!(meta, expected);
    }

    #[test]
    fn one_pass_decode_matches_two_passes() {
        same_as_two_passes::<ContactList>(
            br#"{"type":"list","data":[{"type":"contact","id":"c1","email":"a@example.com"}],
                "total_count":2,"pages":{"type":"pages","page":1,"per_page":1,"total_pages":2,
                "next":{"page":2,"starting_after":"WzE3MTk0OTM3NTcwMDAsImMxIiwyXQ=="}}}"#,
        );
        same_as_two_passes::<ContactList>(
            br#"{"pages":{"next":null,"page":2,"total_pages":2},"data":[],"type":"list"}"#,
        );
        same_as_two_passes::<ConversationList>(
            br#"{"type":"conversation.list","conversations":[],"total_count":0,
                "pages":{"type":"pages","page":1,"per_page":20,"total_pages":0}}"#,
        );
        // Keys the page type does not know, escaped keys and nested `pages` keys all pass.
        same_as_two_passes::<ContactList>(
            br#"{"unknown":{"pages":1},"data":[],"scroll_param":"s","has_more":false}"#,
        );

        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Merge {
            next_cursor: Option<String>,
            has_more: bool,
            data: Vec<u32>,
        }
        same_as_two_passes::<Merge>(br#"{"next_cursor":"c2","has_more":true,"data":[1,2]}"#);
    }

    #[test]
    fn one_pass_decode_fails_where_a_direct_decode_fails() {
        for bad in [
            &br#"{"data":"not a list"}"#[..],
            br#"{"pages":{"page":"one"}} trailing"#,
            br#"[1,2]"#,
            br#"{"data":[]"#,
        ] {
            assert!(serde_json::from_slice::<ContactList>(bad).is_err());
            assert!(decode_with_meta::<ContactList>(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn reads_every_page_shape() {
        let cursor = br#"{"pages":{"page":1,"per_page":"5","total_pages":4,"next":{"page":2,"starting_after":"abc"}},"data":[1]}"#;
        let m = Meta::read(cursor, Some("data"));
        assert_eq!(m.starting_after.as_deref(), Some("abc"));
        assert_eq!(
            (m.page, m.total_pages, m.item_count),
            (Some(1), Some(4), Some(1))
        );

        let last = br#"{"pages":{"page":4,"total_pages":4,"next":null},"data":[]}"#;
        let m = Meta::read(last, Some("data"));
        assert_eq!(m.starting_after, None);
        assert!(!m.has_next);

        let link = br#"{"pages":{"page":1,"next":"https://api.intercom.io/x?page=2"}}"#;
        assert!(Meta::read(link, None).has_next);

        let top = br#"{"page":2,"total_pages":3,"data":[]}"#;
        let m = Meta::read(top, Some("data"));
        assert_eq!((m.page, m.total_pages), (Some(2), Some(3)));

        let merge = br#"{"next_cursor":"c2","has_more":true,"data":[]}"#;
        let m = Meta::read(merge, Some("data"));
        assert_eq!(
            (m.next_cursor.as_deref(), m.has_more),
            (Some("c2"), Some(true))
        );
    }
}
