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
    pub(crate) fn read(body: &[u8], items_key: Option<&str>) -> Self {
        let Ok(v) = serde_json::from_slice::<Value>(body) else {
            return Self::default();
        };
        let pages = v.get("pages").filter(|p| p.is_object());
        let next = pages.and_then(|p| p.get("next"));
        Meta {
            starting_after: next.and_then(|n| non_empty(n.get("starting_after"))),
            next_cursor: non_empty(v.get("next_cursor")),
            has_more: v.get("has_more").and_then(Value::as_bool),
            page: int(pages.and_then(|p| p.get("page"))).or_else(|| int(v.get("page"))),
            total_pages: int(pages.and_then(|p| p.get("total_pages")))
                .or_else(|| int(v.get("total_pages"))),
            has_next: next.is_some_and(|n| match n {
                Value::Null => false,
                Value::String(s) => !s.is_empty(),
                Value::Object(o) => !o.is_empty(),
                _ => true,
            }),
            scroll_param: non_empty(v.get("scroll_param")),
            item_count: items_key
                .and_then(|k| v.get(k))
                .and_then(Value::as_array)
                .map(Vec::len),
        }
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
