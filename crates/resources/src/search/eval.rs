//! Evaluates a [`SearchQuery`] against a JSON record the way Intercom does, for servers that
//! answer searches (the sandbox). Not part of the client API.
//!
//! [`Matcher::compile`] checks every field's kind (from the caller, who knows the custom
//! attributes) against its operator and normalizes each value for that kind; [`Matcher::matches`]
//! then compares dates by calendar day (UTC), text case-insensitively, and leaves tag membership
//! to the caller.

use std::cmp::Ordering;

use serde_json::Value;

use super::{Combinator, FieldKind, Node, Operator, SearchError, SearchQuery};

/// A filter value, normalized for its field's kind.
#[derive(Debug, Clone, PartialEq)]
enum Scalar {
    Null,
    Num(f64),
    Bool(bool),
    Text(String),
}

#[derive(Debug, Clone, PartialEq)]
enum Test {
    Leaf {
        field: String,
        kind: FieldKind,
        operator: Operator,
        values: Vec<Scalar>,
    },
    Group {
        all: bool,
        children: Vec<Test>,
    },
}

/// A query ready to be matched against records.
#[derive(Debug, Clone, PartialEq)]
pub struct Matcher(Test);

impl Matcher {
    /// Checks `query` against the field kinds `kind_of` gives (`None`: not a searchable field)
    /// and normalizes its values.
    pub fn compile(
        query: &SearchQuery,
        kind_of: &dyn Fn(&str) -> Option<FieldKind>,
    ) -> Result<Self, SearchError> {
        compile(&query.0, kind_of).map(Matcher)
    }

    /// Whether `record` matches. `has_tag(field, id)` answers the tag-kind fields (`tag_id`,
    /// `segment_id`); every other field is looked up in `record` by its dotted path.
    pub fn matches(&self, record: &Value, has_tag: &dyn Fn(&str, &str) -> bool) -> bool {
        self.0.matches(record, has_tag)
    }
}

fn compile(node: &Node, kind_of: &dyn Fn(&str) -> Option<FieldKind>) -> Result<Test, SearchError> {
    match node {
        Node::Group { operator, value } => Ok(Test::Group {
            all: *operator == Combinator::And,
            children: value
                .iter()
                .map(|child| compile(child, kind_of))
                .collect::<Result<_, _>>()?,
        }),
        Node::Filter {
            field,
            operator,
            value,
        } => {
            let kind = kind_of(field).ok_or_else(|| SearchError::UnknownField {
                field: field.clone(),
            })?;
            if !kind.allows(*operator) {
                return Err(SearchError::OperatorNotAllowed {
                    field: field.clone(),
                    operator: *operator,
                });
            }
            let values = match value {
                Value::Array(items) if operator.takes_list() => items
                    .iter()
                    .map(|v| scalar(kind, field, v))
                    .collect::<Result<_, _>>()?,
                _ if operator.takes_list() => {
                    return Err(SearchError::ListRequired {
                        field: field.clone(),
                        operator: *operator,
                    })
                }
                Value::Array(_) | Value::Object(_) => {
                    return Err(SearchError::SingleValueRequired {
                        field: field.clone(),
                        operator: *operator,
                    })
                }
                single => vec![scalar(kind, field, single)?],
            };
            Ok(Test::Leaf {
                field: field.clone(),
                kind,
                operator: *operator,
                values,
            })
        }
    }
}

fn scalar(kind: FieldKind, field: &str, value: &Value) -> Result<Scalar, SearchError> {
    let bad = || SearchError::WrongValueType {
        field: field.to_owned(),
    };
    Ok(match (kind, value) {
        (_, Value::Null) => Scalar::Null,
        (FieldKind::Date | FieldKind::Number, Value::Number(n)) => {
            Scalar::Num(n.as_f64().ok_or_else(bad)?)
        }
        (FieldKind::Date | FieldKind::Number, Value::String(s)) => {
            Scalar::Num(s.trim().parse::<f64>().map_err(|_| bad())?)
        }
        (FieldKind::Bool, Value::Bool(b)) => Scalar::Bool(*b),
        (FieldKind::Bool, Value::String(s)) => match s.as_str() {
            "true" => Scalar::Bool(true),
            "false" => Scalar::Bool(false),
            _ => return Err(bad()),
        },
        (FieldKind::Text | FieldKind::Tag, Value::String(s)) => Scalar::Text(s.clone()),
        (FieldKind::Text | FieldKind::Tag, Value::Number(n)) => Scalar::Text(n.to_string()),
        _ => return Err(bad()),
    })
}

/// The value at a dotted path (`location.city`), `null` where any step is missing.
pub fn lookup<'a>(record: &'a Value, path: &str) -> &'a Value {
    path.split('.').fold(record, |current, part| {
        current.get(part).unwrap_or(&Value::Null)
    })
}

const DAY: f64 = 86_400.0;

fn day(ts: f64) -> f64 {
    (ts / DAY).floor()
}

impl Test {
    fn matches(&self, record: &Value, has_tag: &dyn Fn(&str, &str) -> bool) -> bool {
        match self {
            Test::Group {
                all: true,
                children,
            } => children.iter().all(|c| c.matches(record, has_tag)),
            Test::Group {
                all: false,
                children,
            } => children.iter().any(|c| c.matches(record, has_tag)),
            Test::Leaf {
                field,
                kind: FieldKind::Tag,
                operator,
                values,
            } => {
                let any = values.iter().any(|v| match v {
                    Scalar::Text(id) => has_tag(field, id),
                    _ => false,
                });
                if *operator == Operator::Eq {
                    any
                } else {
                    !any
                }
            }
            Test::Leaf {
                field,
                kind,
                operator,
                values,
            } => leaf(*kind, *operator, lookup(record, field), values),
        }
    }
}

fn equals(kind: FieldKind, actual: &Value, wanted: &Scalar) -> bool {
    match wanted {
        Scalar::Null => actual.is_null(),
        Scalar::Num(n) => match actual.as_f64() {
            Some(a) if kind == FieldKind::Date => day(a) == day(*n),
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

fn leaf(kind: FieldKind, operator: Operator, actual: &Value, values: &[Scalar]) -> bool {
    let first = values.first().unwrap_or(&Scalar::Null);
    let text = |f: &dyn Fn(&str, &str) -> bool| match (actual.as_str(), first) {
        (Some(a), Scalar::Text(t)) => f(&a.to_lowercase(), &t.to_lowercase()),
        _ => false,
    };
    let compare = || -> Option<Ordering> {
        let (Some(a), Scalar::Num(n)) = (actual.as_f64(), first) else {
            return None;
        };
        if kind == FieldKind::Date {
            day(a).partial_cmp(&day(*n))
        } else {
            a.partial_cmp(n)
        }
    };
    match operator {
        Operator::Eq => equals(kind, actual, first),
        Operator::Ne => !equals(kind, actual, first),
        Operator::In => values.iter().any(|v| equals(kind, actual, v)),
        Operator::Nin => !values.iter().any(|v| equals(kind, actual, v)),
        Operator::Lt => compare() == Some(Ordering::Less),
        Operator::Le => matches!(compare(), Some(Ordering::Less | Ordering::Equal)),
        Operator::Gt => compare() == Some(Ordering::Greater),
        Operator::Ge => matches!(compare(), Some(Ordering::Greater | Ordering::Equal)),
        Operator::Contains => text(&|a, t| a.contains(t)),
        Operator::NotContains => !text(&|a, t| a.contains(t)),
        Operator::StartsWith => text(&|a, t| a.starts_with(t)),
        Operator::EndsWith => text(&|a, t| a.ends_with(t)),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::search::contact_field_kind;

    fn matcher(query: Value) -> Result<Matcher, SearchError> {
        let query = SearchQuery::from_json(&query)?;
        Matcher::compile(&query, &contact_field_kind)
    }

    #[test]
    fn dates_by_day_text_without_case_and_tags_by_caller() -> Result<(), SearchError> {
        let record = json!({"created_at": 86_400 * 3 + 5, "email": "Ada@Example.test", "location": {"city": "Oslo"}});
        let no_tags = |_: &str, _: &str| false;
        let tag_7 = |field: &str, id: &str| field == "tag_id" && id == "7";
        let q = |v: Value| {
            matcher(v).map(|m| (m.matches(&record, &no_tags), m.matches(&record, &tag_7)))
        };
        assert_eq!(
            q(json!({"field": "created_at", "operator": "=", "value": 86_400 * 3 + 999}))?,
            (true, true)
        );
        assert_eq!(
            q(json!({"field": "created_at", "operator": ">", "value": 86_400 * 3}))?,
            (false, false)
        );
        assert_eq!(
            q(json!({"field": "email", "operator": "$", "value": "@EXAMPLE.test"}))?,
            (true, true)
        );
        assert_eq!(
            q(json!({"field": "location.city", "operator": "IN", "value": ["oslo", "bergen"]}))?,
            (true, true)
        );
        assert_eq!(
            q(json!({"field": "tag_id", "operator": "=", "value": "7"}))?,
            (false, true)
        );
        assert_eq!(
            q(json!({"field": "tag_id", "operator": "!=", "value": "7"}))?,
            (true, false)
        );
        assert_eq!(
            q(json!({"operator": "OR", "value": [
                {"field": "name", "operator": "=", "value": null},
                {"field": "email", "operator": "=", "value": "nobody"},
            ]}))?,
            (true, true)
        );
        Ok(())
    }

    #[test]
    fn kinds_operators_and_values_are_checked() {
        let err = |v: Value| matcher(v).err();
        assert!(matches!(
            err(json!({"field": "nope", "operator": "=", "value": 1})),
            Some(SearchError::UnknownField { .. })
        ));
        assert!(matches!(
            err(json!({"field": "created_at", "operator": ">=", "value": 1})),
            Some(SearchError::OperatorNotAllowed { .. })
        ));
        assert!(matches!(
            err(json!({"field": "email", "operator": "IN", "value": "a"})),
            Some(SearchError::ListRequired { .. })
        ));
        assert!(matches!(
            err(json!({"field": "email", "operator": "=", "value": ["a"]})),
            Some(SearchError::SingleValueRequired { .. })
        ));
        assert!(matches!(
            err(json!({"field": "created_at", "operator": "<", "value": "yesterday"})),
            Some(SearchError::WrongValueType { .. })
        ));
        assert!(matches!(
            err(json!({"operator": "XOR", "value": []})),
            Some(SearchError::Malformed(_))
        ));
    }
}
