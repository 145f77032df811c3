//! `POST /contacts/search` (facts §h) on the resources crate's search rules: the query is read
//! and checked by [`SearchQuery::from_json`], matched by [`Matcher`] with the kinds of the
//! standard contact fields plus the workspace's custom attributes; only the sort order of the
//! answer is the sandbox's own.

use std::cmp::Ordering;

use intercom_resources::search::eval::{lookup, Matcher};
use intercom_resources::search::{contact_field_kind, FieldKind, SearchError, SearchQuery};
use serde_json::Value;

use crate::errors::ErrorReply;
use crate::state::{Contact, State};

/// The longest error message echoed back (field names come from the client).
const MAX_MESSAGE: usize = 200;

/// A parsed, checked query.
#[derive(Debug, Clone)]
pub(crate) struct Search(Matcher);

/// The kind of a contact field: a standard one, or a custom attribute of the workspace.
fn kind_of(state: &State, field: &str) -> Option<FieldKind> {
    if let Some(kind) = contact_field_kind(field) {
        return Some(kind);
    }
    let name = field.strip_prefix("custom_attributes.")?;
    let attribute = state
        .data_attributes
        .iter()
        .find(|a| a.custom && a.model == "contact" && a.name == name)?;
    Some(FieldKind::of_data_type(&attribute.data_type))
}

fn reply(error: SearchError) -> ErrorReply {
    let message: String = error.to_string().chars().take(MAX_MESSAGE).collect();
    let reply = ErrorReply::invalid(message);
    match error {
        SearchError::UnknownField { field } => {
            reply.with_field(field.chars().take(64).collect::<String>())
        }
        _ => reply,
    }
}

/// Parses and validates the `query` of a search body.
pub(crate) fn parse(state: &State, query: &Value) -> Result<Search, ErrorReply> {
    let query = SearchQuery::from_json(query).map_err(reply)?;
    Matcher::compile(&query, &|field| kind_of(state, field))
        .map(Search)
        .map_err(reply)
}

impl Search {
    /// Whether `contact` (rendered as `doc`) matches.
    pub(crate) fn matches(&self, contact: &Contact, doc: &Value) -> bool {
        self.0.matches(doc, &|field, id| {
            field == "tag_id" && contact.tags.iter().any(|t| t.tag_id == id)
        })
    }
}

/// Orders two rendered contacts by `field` (nulls last).
pub(crate) fn compare_by(field: &str, a: &Value, b: &Value) -> Ordering {
    match (lookup(a, field), lookup(b, field)) {
        (Value::Null, Value::Null) => Ordering::Equal,
        (Value::Null, _) => Ordering::Greater,
        (_, Value::Null) => Ordering::Less,
        (Value::Number(m), Value::Number(n)) => m
            .as_f64()
            .partial_cmp(&n.as_f64())
            .unwrap_or(Ordering::Equal),
        (Value::String(m), Value::String(n)) => m.cmp(n),
        (Value::Bool(m), Value::Bool(n)) => m.cmp(n),
        _ => Ordering::Equal,
    }
}
