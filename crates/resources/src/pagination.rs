//! Pagination as [`futures::Stream`]s, for the four styles Intercom uses (facts §g).
//!
//! Every paginated operation `op` gets two extra methods on its tag handle:
//!
//! * `op_pages(..)`: a [`PageStream`] yielding each response page as the typed model;
//! * `op_all(..)`: an [`ItemStream`] yielding the items of every page in order (when the page
//!   type has a top-level list of items).
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
//! use intercom_resources::{contacts::ListParams, IntercomApi};
//!
//! let params = ListParams { per_page: Some(150), ..Default::default() };
//! let mut pages = client.contacts().list_pages(&params);
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
        let Ok(top) = de::DeserializeSeed::deserialize(TopLevel { items_key }, &mut de) else {
            return Self::default();
        };
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
                    n += 1;
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

fn drive<A, P, K, F>(
    client: Client<A>,
    items_key: Option<&'static str>,
    first: K,
    build: F,
    next: NextFn<K>,
) -> PageStream<P>
where
    A: Authenticated,
    P: DeserializeOwned + Send + 'static,
    K: Clone + Send + 'static,
    F: FnMut(K) -> ApiRequest + Send + 'static,
{
    Box::pin(drive_counted(client, items_key, first, build, next).map_ok(|(page, _)| page))
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
    drive(client, items_key, first, build, next_starting_after)
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
    drive(client, items_key, first, build, next_starting_after)
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
    drive(client, items_key, first, build, next)
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
        more.then_some(current + 1)
    }
    drive(client, items_key, first, build, next)
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
    let inner: PageStream<(P, usize)> = drive_counted(client, items_key, first, build, next);
    Box::pin(inner.try_filter_map(|(page, count)| async move { Ok((count > 0).then_some(page)) }))
}

/// Like [`drive`], also yielding each page's item count.
fn drive_counted<A, P, K, F>(
    client: Client<A>,
    items_key: Option<&'static str>,
    first: K,
    build: F,
    next: NextFn<K>,
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
            let raw = match client.execute(request).await {
                Ok(raw) => raw,
                Err(e) => return Some((Err(e), (client, build, None))),
            };
            let page = match raw.json::<P>() {
                Ok(page) => page,
                Err(e) => return Some((Err(e), (client, build, None))),
            };
            let meta = Meta::read(&raw.body, items_key);
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
    use super::Meta;

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
