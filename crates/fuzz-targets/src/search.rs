//! `search`: the search query builder and its validation (`crates/resources/src/search.rs`).

use intercom_resources::search::{
    Combinator, ContactField, Contacts, ConversationField, Conversations, Operator, Query,
    SearchError, SearchField, SearchQuery, TicketField, Tickets, MAX_FILTERS_PER_GROUP,
    MAX_NESTING,
};
use serde_json::{json, Value};

/// Field names worth trying: the ones with operator rules, nested and custom ones.
const FIELDS: [&str; 10] = [
    "created_at",
    "last_seen_at",
    "tag_id",
    "email",
    "role",
    "custom_attributes.plan",
    "source.author.email",
    "ticket_attribute.priority",
    "id",
    "",
];

/// The contact fields that take `=`, `<` and `>` only.
const CONTACT_DATES: [&str; 10] = [
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

/// Builds a query tree for one of the three resources from `data`, validates it with
/// `Query::build` and compares the verdict with an independent model of the documented rules
/// (at most 2 levels of groups, at most 15 entries per group, no empty group, list values for
/// `IN`/`NIN`, contact date fields with `=`/`<`/`>` only, `tag_id` with `=`/`!=` only; the
/// first violation in document order is reported). A built query serialises to the tree it
/// was built from and decodes back to itself. The bytes left over are decoded as a
/// `SearchQuery` JSON document, and what decodes re-encodes and decodes to the same query.
pub fn search(data: &[u8]) {
    let mut reader = Reader { data };
    let resource = reader.byte() % 3;
    let mut budget = 200;
    let tree = Node::generate(&mut reader, 0, &mut budget);
    match resource {
        0 => check::<Contacts, _>(&tree, ContactField::Other, true),
        1 => check::<Conversations, _>(&tree, ConversationField::Other, false),
        _ => check::<Tickets, _>(&tree, TicketField::Other, false),
    }
    // Field names of the typed variants.
    let _ = (
        ContactField::CustomAttribute(reader.string()).name(),
        TicketField::TicketAttribute(reader.string()).name(),
        ConversationField::SourceAuthorEmail.name(),
    );
    decode(reader.data);
}

/// Our own description of a query.
#[derive(Debug, Clone)]
enum Node {
    Filter {
        field: String,
        operator: Operator,
        value: Value,
    },
    Group {
        combinator: Combinator,
        entries: Vec<Node>,
    },
}

/// What our model expects `build` to say.
#[derive(Debug, PartialEq)]
enum Verdict {
    Depth(usize),
    TooDeep(usize),
    TooMany(usize),
    Empty,
    NotAllowed(String, Operator),
    ListRequired(String, Operator),
}

impl Node {
    fn generate(reader: &mut Reader<'_>, depth: usize, budget: &mut usize) -> Node {
        *budget = budget.saturating_sub(1);
        let pick = reader.byte();
        if pick.is_multiple_of(4) && depth < MAX_NESTING + 2 && *budget > 0 {
            let combinator = if pick & 0x10 == 0 {
                Combinator::And
            } else {
                Combinator::Or
            };
            let count = usize::from(reader.byte()) % (MAX_FILTERS_PER_GROUP + 3);
            let mut entries = Vec::new();
            for _ in 0..count {
                if *budget == 0 {
                    break;
                }
                entries.push(Node::generate(reader, depth + 1, budget));
            }
            return Node::Group {
                combinator,
                entries,
            };
        }
        let field = match reader.byte() {
            b if usize::from(b) < FIELDS.len() * 20 => FIELDS[usize::from(b) % FIELDS.len()].into(),
            _ => reader.string(),
        };
        let operator = Operator::ALL[usize::from(reader.byte()) % Operator::ALL.len()];
        let value = reader.value(0);
        Node::Filter {
            field,
            operator,
            value,
        }
    }

    /// The documented rules, applied in document order.
    fn verdict(&self, contacts: bool) -> Verdict {
        match self {
            Node::Filter {
                field,
                operator,
                value,
            } => {
                if matches!(operator, Operator::In | Operator::Nin) && !value.is_array() {
                    return Verdict::ListRequired(field.clone(), *operator);
                }
                if contacts {
                    let allowed = if CONTACT_DATES.contains(&field.as_str()) {
                        matches!(operator, Operator::Eq | Operator::Lt | Operator::Gt)
                    } else if field == "tag_id" {
                        matches!(operator, Operator::Eq | Operator::Ne)
                    } else {
                        true
                    };
                    if !allowed {
                        return Verdict::NotAllowed(field.clone(), *operator);
                    }
                }
                Verdict::Depth(0)
            }
            Node::Group { entries, .. } => {
                if entries.is_empty() {
                    return Verdict::Empty;
                }
                if entries.len() > MAX_FILTERS_PER_GROUP {
                    return Verdict::TooMany(entries.len());
                }
                let mut deepest = 0;
                for entry in entries {
                    match entry.verdict(contacts) {
                        Verdict::Depth(d) => deepest = deepest.max(d),
                        other => return other,
                    }
                }
                if deepest + 1 > MAX_NESTING {
                    Verdict::TooDeep(deepest + 1)
                } else {
                    Verdict::Depth(deepest + 1)
                }
            }
        }
    }

    /// The JSON Intercom expects for this node.
    fn json(&self) -> Value {
        match self {
            Node::Filter {
                field,
                operator,
                value,
            } => json!({"field": field, "operator": operator.as_str(), "value": value}),
            Node::Group {
                combinator,
                entries,
            } => json!({
                "operator": combinator.as_str(),
                "value": entries.iter().map(Node::json).collect::<Vec<_>>(),
            }),
        }
    }
}

fn query<R, F>(node: &Node, field: fn(String) -> F) -> Query<R>
where
    R: intercom_resources::search::Resource,
    F: SearchField<Resource = R>,
{
    match node {
        Node::Filter {
            field: name,
            operator,
            value,
        } => Query::filter(field(name.clone()), *operator, value.clone()),
        Node::Group {
            combinator,
            entries,
        } => Query::group(*combinator, entries.iter().map(|e| query(e, field))),
    }
}

fn check<R, F>(tree: &Node, field: fn(String) -> F, contacts: bool)
where
    R: intercom_resources::search::Resource,
    F: SearchField<Resource = R>,
{
    let built = query::<R, F>(tree, field).build();
    match (tree.verdict(contacts), built) {
        (Verdict::Depth(_), Ok(q)) => {
            let value = match serde_json::to_value(&q) {
                Ok(value) => value,
                Err(e) => panic!("a built query does not serialise: {e}"),
            };
            assert_eq!(value, tree.json(), "the query serialises to another tree");
            match serde_json::from_value::<SearchQuery>(value) {
                Ok(back) => assert_eq!(back, q, "a built query decodes to another query"),
                Err(e) => panic!("a built query does not decode: {e}"),
            }
        }
        (expected, Err(e)) => {
            let got = match &e {
                SearchError::TooDeep { depth, .. } => Verdict::TooDeep(*depth),
                SearchError::TooManyFilters { count, .. } => Verdict::TooMany(*count),
                SearchError::EmptyGroup => Verdict::Empty,
                SearchError::OperatorNotAllowed { field, operator } => {
                    Verdict::NotAllowed(field.clone(), *operator)
                }
                SearchError::ListRequired { field, operator } => {
                    Verdict::ListRequired(field.clone(), *operator)
                }
                other => panic!("build gave an unexpected error: {other:?}"),
            };
            assert_eq!(got, expected, "build said {e}");
            assert!(!e.to_string().is_empty());
        }
        (expected, Ok(q)) => panic!("expected {expected:?}, but the query was built: {q:?}"),
    }
}

/// Bytes as a `SearchQuery` document: whatever decodes round-trips.
fn decode(bytes: &[u8]) {
    let Ok(query) = serde_json::from_slice::<SearchQuery>(bytes) else {
        return;
    };
    let text = match serde_json::to_vec(&query) {
        Ok(text) => text,
        Err(e) => panic!("a decoded query does not serialise: {e}"),
    };
    let again = match serde_json::from_slice::<SearchQuery>(&text) {
        Ok(again) => again,
        Err(e) => panic!(
            "a decoded query does not decode again from {:?}: {e}",
            String::from_utf8_lossy(&text)
        ),
    };
    // serde_json's default float parsing may be one unit in the last place off, so queries
    // holding fractions are compared by their shape only.
    let has_float = serde_json::to_value(&query).is_ok_and(|v| has_float(&v));
    if !has_float {
        assert_eq!(again, query, "a query changed on a JSON round trip");
    }
}

fn has_float(value: &Value) -> bool {
    match value {
        Value::Number(n) => n.is_f64(),
        Value::Array(items) => items.iter().any(has_float),
        Value::Object(map) => map.values().any(has_float),
        _ => false,
    }
}

/// Reads structure from fuzz bytes; past the end every read is zero.
struct Reader<'a> {
    data: &'a [u8],
}

impl Reader<'_> {
    fn byte(&mut self) -> u8 {
        match self.data.split_first() {
            Some((&b, rest)) => {
                self.data = rest;
                b
            }
            None => 0,
        }
    }

    fn string(&mut self) -> String {
        let len = usize::from(self.byte() % 24).min(self.data.len());
        let (text, rest) = self.data.split_at(len);
        self.data = rest;
        String::from_utf8_lossy(text).into_owned()
    }

    fn value(&mut self, depth: usize) -> Value {
        match self.byte() % 8 {
            0 => Value::Null,
            1 => Value::Bool(self.byte() & 1 == 1),
            2 => json!(i64::from_le_bytes([
                self.byte(),
                self.byte(),
                self.byte(),
                self.byte(),
                self.byte(),
                self.byte(),
                self.byte(),
                self.byte(),
            ])),
            3 => json!(u64::MAX - u64::from(self.byte())),
            // Quarters are exact in binary and in decimal, so they round-trip through JSON.
            4 => json!(f64::from(i16::from_le_bytes([self.byte(), self.byte()])) / 4.0),
            5 if depth < 2 => {
                let count = usize::from(self.byte() % 5);
                Value::Array((0..count).map(|_| self.value(depth + 1)).collect())
            }
            _ => Value::String(self.string()),
        }
    }
}
