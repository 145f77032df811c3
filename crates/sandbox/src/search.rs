//! The search query language of `POST /contacts/search` (facts §h).

use std::cmp::Ordering;

use serde_json::Value;

use crate::errors::ErrorReply;
use crate::state::{Contact, State};

/// At most this many filters in one AND/OR group.
pub(crate) const MAX_GROUP_FILTERS: usize = 15;
/// At most this many levels of groups (`(1 OR 2) AND (3 OR 4)` is two).
pub(crate) const MAX_NESTING: usize = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Date,
    Tag,
    Bool,
    Number,
    Text,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Eq,
    Ne,
    In,
    Nin,
    Lt,
    Le,
    Gt,
    Ge,
    Contains,
    NotContains,
    StartsWith,
    EndsWith,
}

impl Op {
    fn parse(op: &str) -> Option<Self> {
        Some(match op {
            "=" => Self::Eq,
            "!=" => Self::Ne,
            "IN" => Self::In,
            "NIN" => Self::Nin,
            "<" => Self::Lt,
            "<=" => Self::Le,
            ">" => Self::Gt,
            ">=" => Self::Ge,
            "~" => Self::Contains,
            "!~" => Self::NotContains,
            "^" => Self::StartsWith,
            "$" => Self::EndsWith,
            _ => return None,
        })
    }

    fn allowed_for(self, kind: Kind) -> bool {
        use Op::*;
        match kind {
            Kind::Date => matches!(self, Eq | Lt | Gt),
            Kind::Tag => matches!(self, Eq | Ne),
            Kind::Bool => matches!(self, Eq | Ne | In | Nin),
            Kind::Number => matches!(self, Eq | Ne | In | Nin | Lt | Le | Gt | Ge),
            Kind::Text => matches!(
                self,
                Eq | Ne | In | Nin | Contains | NotContains | StartsWith | EndsWith
            ),
        }
    }
}

/// A filter value, normalized for its field's kind.
#[derive(Debug, Clone)]
pub(crate) enum Scalar {
    Null,
    Num(f64),
    Bool(bool),
    Text(String),
}

/// A parsed, validated query.
#[derive(Debug, Clone)]
pub(crate) enum Node {
    Leaf {
        field: String,
        kind: Kind,
        op: Op,
        values: Vec<Scalar>,
    },
    Group {
        and: bool,
        children: Vec<Node>,
    },
}

const DATE_FIELDS: &[&str] = &[
    "created_at",
    "updated_at",
    "signed_up_at",
    "last_seen_at",
    "last_contacted_at",
    "last_replied_at",
    "last_email_opened_at",
    "last_email_clicked_at",
    "ios_last_seen_at",
    "android_last_seen_at",
];
const BOOL_FIELDS: &[&str] = &[
    "has_hard_bounced",
    "marked_email_as_spam",
    "unsubscribed_from_emails",
];
const TEXT_FIELDS: &[&str] = &[
    "id",
    "role",
    "name",
    "email",
    "email_domain",
    "phone",
    "external_id",
    "language_override",
    "browser",
    "browser_version",
    "browser_language",
    "os",
    "owner_id",
    "ios_app_name",
    "ios_app_version",
    "ios_device",
    "ios_os_version",
    "ios_sdk_version",
    "android_app_name",
    "android_app_version",
    "android_device",
    "android_os_version",
    "android_sdk_version",
    "location.country",
    "location.region",
    "location.city",
    "location.country_code",
    "location.continent_code",
];

fn kind_of(state: &State, field: &str) -> Option<Kind> {
    if DATE_FIELDS.contains(&field) {
        return Some(Kind::Date);
    }
    if field == "tag_id" || field == "segment_id" {
        return Some(Kind::Tag);
    }
    if BOOL_FIELDS.contains(&field) {
        return Some(Kind::Bool);
    }
    if TEXT_FIELDS.contains(&field) {
        return Some(Kind::Text);
    }
    let name = field.strip_prefix("custom_attributes.")?;
    let attribute = state
        .data_attributes
        .iter()
        .find(|a| a.custom && a.model == "contact" && a.name == name)?;
    Some(match attribute.data_type.as_str() {
        "integer" | "float" => Kind::Number,
        "boolean" => Kind::Bool,
        "date" | "datetime" => Kind::Date,
        _ => Kind::Text,
    })
}

/// Parses and validates the `query` of a search body.
pub(crate) fn parse(state: &State, query: &Value) -> Result<Node, ErrorReply> {
    parse_node(state, query, 0)
}

fn parse_node(state: &State, node: &Value, depth: usize) -> Result<Node, ErrorReply> {
    let Value::Object(map) = node else {
        return Err(ErrorReply::invalid("query must be an object"));
    };
    if map.contains_key("field") {
        return parse_leaf(state, map);
    }
    let operator = map.get("operator").and_then(Value::as_str);
    let and = match operator {
        Some("AND") => true,
        Some("OR") => false,
        Some(other) => {
            return Err(ErrorReply::invalid(format!(
                "'{}' is not a valid operator for a group of filters; use AND or OR",
                truncate(other)
            )))
        }
        None => {
            return Err(ErrorReply::invalid(
                "each query object needs a field or an operator",
            ))
        }
    };
    let Some(depth) = depth.checked_add(1).filter(|d| *d <= MAX_NESTING) else {
        return Err(ErrorReply::invalid(format!(
            "Search queries can be nested at most {MAX_NESTING} levels deep"
        )));
    };
    let Some(Value::Array(items)) = map.get("value") else {
        return Err(ErrorReply::invalid(
            "the value of an AND or OR group must be an array of filters",
        ));
    };
    if items.is_empty() {
        return Err(ErrorReply::invalid(
            "an AND or OR group needs at least one filter",
        ));
    }
    if items.len() > MAX_GROUP_FILTERS {
        return Err(ErrorReply::invalid(format!(
            "An AND or OR group can hold at most {MAX_GROUP_FILTERS} filters; this one has {}",
            items.len()
        )));
    }
    let children = items
        .iter()
        .map(|item| parse_node(state, item, depth))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Node::Group { and, children })
}

fn truncate(s: &str) -> String {
    s.chars().take(64).collect()
}

fn parse_leaf(state: &State, map: &serde_json::Map<String, Value>) -> Result<Node, ErrorReply> {
    let Some(field) = map.get("field").and_then(Value::as_str) else {
        return Err(ErrorReply::invalid("field must be a string"));
    };
    let Some(kind) = kind_of(state, field) else {
        return Err(ErrorReply::invalid(format!(
            "'{}' is not a field you can search contacts by",
            truncate(field)
        ))
        .with_field(truncate(field)));
    };
    let op_text = map.get("operator").and_then(Value::as_str).unwrap_or("");
    let Some(op) = Op::parse(op_text) else {
        return Err(ErrorReply::invalid(format!(
            "'{}' is not a valid operator; use one of = != IN NIN < <= > >= ~ !~ ^ $",
            truncate(op_text)
        )));
    };
    if !op.allowed_for(kind) {
        return Err(ErrorReply::invalid(format!(
            "The operator '{op_text}' is not supported for the field '{}'",
            truncate(field)
        )));
    }
    let raw = map.get("value").unwrap_or(&Value::Null);
    let values = match (op, raw) {
        (Op::In | Op::Nin, Value::Array(items)) => items
            .iter()
            .map(|v| scalar(kind, field, v))
            .collect::<Result<Vec<_>, _>>()?,
        (Op::In | Op::Nin, _) => {
            return Err(ErrorReply::invalid(format!(
                "The operator '{op_text}' needs an array value"
            )))
        }
        (_, Value::Array(_) | Value::Object(_)) => {
            return Err(ErrorReply::invalid(format!(
                "The operator '{op_text}' needs a single value"
            )))
        }
        (_, v) => vec![scalar(kind, field, v)?],
    };
    Ok(Node::Leaf {
        field: field.to_owned(),
        kind,
        op,
        values,
    })
}

fn scalar(kind: Kind, field: &str, value: &Value) -> Result<Scalar, ErrorReply> {
    let bad = || {
        ErrorReply::invalid(format!(
            "The value for '{}' has the wrong type",
            truncate(field)
        ))
    };
    Ok(match (kind, value) {
        (_, Value::Null) => Scalar::Null,
        (Kind::Date | Kind::Number, Value::Number(n)) => Scalar::Num(n.as_f64().ok_or_else(bad)?),
        (Kind::Date | Kind::Number, Value::String(s)) => {
            Scalar::Num(s.trim().parse::<f64>().map_err(|_| bad())?)
        }
        (Kind::Bool, Value::Bool(b)) => Scalar::Bool(*b),
        (Kind::Bool, Value::String(s)) => match s.as_str() {
            "true" => Scalar::Bool(true),
            "false" => Scalar::Bool(false),
            _ => return Err(bad()),
        },
        (Kind::Text | Kind::Tag, Value::String(s)) => Scalar::Text(s.clone()),
        (Kind::Text | Kind::Tag, Value::Number(n)) => Scalar::Text(n.to_string()),
        _ => return Err(bad()),
    })
}

fn lookup<'a>(doc: &'a Value, path: &str) -> &'a Value {
    let mut current = doc;
    for part in path.split('.') {
        current = current.get(part).unwrap_or(&Value::Null);
    }
    current
}

const DAY: f64 = 86_400.0;

fn day(ts: f64) -> f64 {
    (ts / DAY).floor()
}

impl Node {
    /// Whether `contact` (rendered as `doc`) matches.
    pub(crate) fn matches(&self, contact: &Contact, doc: &Value) -> bool {
        match self {
            Node::Group {
                and: true,
                children,
            } => children.iter().all(|c| c.matches(contact, doc)),
            Node::Group {
                and: false,
                children,
            } => children.iter().any(|c| c.matches(contact, doc)),
            Node::Leaf {
                field,
                kind,
                op,
                values,
            } => {
                if *kind == Kind::Tag {
                    let has = |v: &Scalar| match v {
                        Scalar::Text(id) if field == "tag_id" => {
                            contact.tags.iter().any(|t| &t.tag_id == id)
                        }
                        _ => false,
                    };
                    let any = values.iter().any(has);
                    return if *op == Op::Eq { any } else { !any };
                }
                let actual = lookup(doc, field);
                leaf(*kind, *op, actual, values)
            }
        }
    }
}

fn equals(kind: Kind, actual: &Value, wanted: &Scalar) -> bool {
    match wanted {
        Scalar::Null => actual.is_null(),
        Scalar::Num(n) => match actual.as_f64() {
            Some(a) if kind == Kind::Date => day(a) == day(*n),
            Some(a) => a == *n,
            None => false,
        },
        Scalar::Bool(b) => actual.as_bool() == Some(*b),
        Scalar::Text(t) => match actual {
            Value::String(a) => a.eq_ignore_ascii_case(t),
            Value::Number(n) => n.to_string() == *t,
            _ => false,
        },
    }
}

fn leaf(kind: Kind, op: Op, actual: &Value, values: &[Scalar]) -> bool {
    let first = values.first().unwrap_or(&Scalar::Null);
    let text = |f: &dyn Fn(&str, &str) -> bool| match (actual.as_str(), first) {
        (Some(a), Scalar::Text(t)) => f(&a.to_lowercase(), &t.to_lowercase()),
        _ => false,
    };
    let compare = || -> Option<Ordering> {
        let (Some(a), Scalar::Num(n)) = (actual.as_f64(), first) else {
            return None;
        };
        if kind == Kind::Date {
            day(a).partial_cmp(&day(*n))
        } else {
            a.partial_cmp(n)
        }
    };
    match op {
        Op::Eq => equals(kind, actual, first),
        Op::Ne => !equals(kind, actual, first),
        Op::In => values.iter().any(|v| equals(kind, actual, v)),
        Op::Nin => !values.iter().any(|v| equals(kind, actual, v)),
        Op::Lt => compare() == Some(Ordering::Less),
        Op::Le => matches!(compare(), Some(Ordering::Less | Ordering::Equal)),
        Op::Gt => compare() == Some(Ordering::Greater),
        Op::Ge => matches!(compare(), Some(Ordering::Greater | Ordering::Equal)),
        Op::Contains => text(&|a, t| a.contains(t)),
        Op::NotContains => !text(&|a, t| a.contains(t)),
        Op::StartsWith => text(&|a, t| a.starts_with(t)),
        Op::EndsWith => text(&|a, t| a.ends_with(t)),
    }
}

/// Orders two rendered contacts by `field` (nulls last).
pub(crate) fn compare_by(field: &str, a: &Value, b: &Value) -> Ordering {
    let (x, y) = (lookup(a, field), lookup(b, field));
    match (x, y) {
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
