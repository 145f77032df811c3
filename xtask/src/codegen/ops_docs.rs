//! The documentation of each generated operation method, written from facts about the
//! operation (method, path, operationId, inputs, pagination style, result), never from the
//! spec's prose.

use std::fmt::Write as _;

use super::naming::{field_ident, words};
use super::ops::{Op, QTy, Resp};
use super::overrides::Style;
use super::schema::Ty;

const DOCS_BASE: &str =
    "https://developers.intercom.com/docs/references/2.16/rest-api/api.intercom.io";

/// A type as the docs show it: a link for a named model, code otherwise.
fn shown(ty: &Ty) -> String {
    match ty {
        Ty::Named(n) => format!("[`{n}`](models::{n})"),
        other => format!("`{}`", other.rust("")),
    }
}

fn query_type(ty: &QTy) -> String {
    match ty {
        QTy::Str => "text".into(),
        QTy::Named(n) => format!("[`{n}`](models::{n})"),
        QTy::List(_) => format!("list `{}` (sent comma-separated)", ty.rust()),
        other => format!("`{}`", other.rust()),
    }
}

/// The result as the docs show it.
pub fn result(op: &Op) -> String {
    match &op.resp {
        Resp::Json(t) => shown(t),
        Resp::Unit => "`()` (the answer has no body to read)".into(),
        Resp::Text => "`String` (a `text/plain` answer)".into(),
        Resp::Bytes => "`bytes::Bytes` (the raw download)".into(),
        Resp::Redirect => {
            "[`Redirect`](crate::Redirect) (the redirect itself; it is not followed)".into()
        }
    }
}

/// The pagination line: the style, what it sends and reads, and the stream methods.
fn pagination(op: &Op) -> String {
    let Some(pg) = op.paging else {
        return "none".into();
    };
    let how = match pg.style {
        Style::Cursor => {
            "cursor: query `starting_after`, the next one read from `pages.next.starting_after`"
        }
        Style::NextCursor => "cursor: query `cursor`, the next one read from `next_cursor` while `has_more`",
        Style::Scroll => "scroll: query `scroll_param`, until a page comes back empty",
        Style::Pages => "page numbers: query `page` from 1 up to `total_pages`",
        Style::Search => {
            "cursor in the body: `pagination.starting_after`, the next one read from `pages.next.starting_after`"
        }
    };
    let name = &op.name;
    let on_call = match (pg.style, pg.items.is_some()) {
        (Style::Search, _) => "",
        (_, true) => " (or `.pages()` and `.all()` on the returned call)",
        (_, false) => " (or `.pages()` on the returned call)",
    };
    let streams = if pg.items.is_some() {
        format!(
            "[`Self::{name}_pages`] streams every page, [`Self::{name}_all`] every item{on_call}"
        )
    } else {
        format!("[`Self::{name}_pages`] streams every page{on_call}")
    };
    format!("{how}; {streams}")
}

/// The doc comment of the method `op.name` on the tag handle.
pub fn method_doc(out: &mut String, op: &Op) {
    let _ = writeln!(out, "/// `{} {}`", op.method.to_uppercase(), op.path);
    let _ = writeln!(out, "///");
    if op.real_op_id {
        let _ = writeln!(out, "/// * operationId: `{}`", op.op_id);
    } else {
        let _ = writeln!(
            out,
            "/// * operationId: none in the spec (called `{}` here)",
            op.op_id
        );
    }
    let mut required = Vec::new();
    for p in &op.path_params {
        required.push(format!("path `{}` (`{}`)", p.json, p.ident));
    }
    if let Some(b) = &op.body {
        required.push(format!("JSON body {} (`body`)", shown(b)));
    }
    for q in op.required_query() {
        required.push(format!("query `{}` ({})", q.json, query_type(&q.ty)));
    }
    let _ = writeln!(
        out,
        "/// * Required (the arguments): {}",
        if required.is_empty() {
            "nothing".into()
        } else {
            required.join(", ")
        }
    );
    let mut optional = Vec::new();
    for q in op.optional_query() {
        match &q.ty {
            QTy::Flatten(names) => {
                for n in names {
                    optional.push(format!(
                        "`{}` as `.{}_{}(..)` (one of the `{}` alternatives)",
                        n,
                        q.ident,
                        field_ident(n),
                        q.json
                    ));
                }
            }
            t => optional.push(format!(
                "`{}` as `.{}(..)`, {}",
                q.json,
                q.ident,
                query_type(t)
            )),
        }
    }
    let _ = writeln!(
        out,
        "/// * Optional query parameters (setters of the returned call): {}",
        if optional.is_empty() {
            "none".into()
        } else {
            optional.join("; ")
        }
    );
    let _ = writeln!(out, "/// * Pagination: {}", pagination(op));
    let _ = writeln!(
        out,
        "/// * Returns: {} on `.await`; `.with_response().await` adds status, headers and rate limit",
        result(op)
    );
    let slug = words(&op.tag).join("-");
    if op.real_op_id {
        let _ = writeln!(
            out,
            "/// * [API reference]({DOCS_BASE}/{slug}/{})",
            op.op_id.to_lowercase()
        );
    } else {
        let _ = writeln!(out, "/// * [API reference]({DOCS_BASE}/{slug})");
    }
}
