//! Paging shared by the stateful list routes: cursors, page sizes, numbered pages.

use super::*;

/// A cursor is base64 of `[position, page]`, like Intercom's opaque `WzE3…` cursors.
pub(super) fn encode_cursor(position: u64, page: u64) -> String {
    STANDARD.encode(format!("[{position},{page}]"))
}

pub(super) fn decode_cursor(cursor: &str) -> Result<(u64, u64), ErrorReply> {
    let invalid = || {
        ErrorReply::new(
            StatusCode::BAD_REQUEST,
            "client_error",
            "Invalid starting_after param, it should be the value returned in the previous response's pages.next.starting_after",
        )
        .with_field("starting_after")
    };
    let bytes = STANDARD.decode(cursor.trim()).map_err(|_| invalid())?;
    let values: Vec<u64> = serde_json::from_slice(&bytes).map_err(|_| invalid())?;
    match values.as_slice() {
        [position, page] if *page >= 1 => Ok((*position, *page)),
        _ => Err(invalid()),
    }
}

pub(super) fn total_pages(total: usize, per_page: u64) -> u64 {
    (total as u64).div_ceil(per_page)
}

/// `n` as a `usize`, `usize::MAX` when it does not fit (a count or offset that large only
/// ever means "past the end").
pub(super) fn saturating_usize(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

/// How many of `available` items a page of `per_page` shows.
pub(super) fn page_len(per_page: u64, available: usize) -> usize {
    saturating_usize(per_page).min(available)
}

/// The cursor to the page after `page` when `more` items follow the last one shown, whose
/// `seq` is `last`. A cursor's page number comes from the client and is only reported back,
/// so it saturates rather than overflows: a forged `u64::MAX` stays `u64::MAX` (and
/// `pages.page` says `i64::MAX`, see [`model::cursor_pages`]).
pub(super) fn next_cursor<T>(last: Option<u64>, more: &[T], page: u64) -> Option<String> {
    if more.is_empty() {
        return None;
    }
    last.map(|seq| encode_cursor(seq, page.saturating_add(1)))
}

/// One page of `items` with numbered `pages` (`next` is absent on the last page).
pub(super) fn numbered<T>(
    items: impl Iterator<Item = T>,
    total: usize,
    page: u64,
    per_page: u64,
) -> (Vec<T>, models::CursorPages) {
    // Pages count from 1 and may be as large as a client likes: a page past the end (or past
    // `usize`) is empty.
    let skip = page.saturating_sub(1).saturating_mul(per_page);
    let data: Vec<T> = items
        .skip(saturating_usize(skip))
        .take(saturating_usize(per_page))
        .collect();
    let pages = model::numbered_pages(page, per_page, total_pages(total, per_page));
    (data, pages)
}
