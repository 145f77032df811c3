//! A typed query builder for `POST /contacts/search`, `/conversations/search` and
//! `/tickets/search` (facts §h).
//!
//! Over 600 lines because of the typed field enums of three resources and the tree they build;
//! the rules the sandbox shares live in `search/rules.rs` and `search/eval.rs`. About 50 lines
//! are tests.
//!
//! A query is a filter `{field, operator, value}` or a group `{operator: AND|OR, value: [...]}`
//! of filters and groups. Intercom allows at most 2 levels of nested groups and at most 15
//! entries in a group; [`Query::build`] checks both (and a few per-field operator rules for
//! contacts) before anything is sent, returning a [`SearchError`].
//!
//! Field names are typed per resource ([`ContactField`], [`ConversationField`],
//! [`TicketField`]), so a contact field cannot end up in a ticket search; every field enum has
//! a variant for custom attributes and an `Other` escape hatch.
//!
//! ```
//! use intercom_resources::search::{ConversationField, Query, SearchError};
//!
//! let query = Query::and([
//!     Query::eq(ConversationField::State, "open"),
//!     Query::or([
//!         Query::eq(ConversationField::TeamAssigneeId, "42"),
//!         Query::gt(ConversationField::CreatedAt, 1_700_000_000),
//!     ]),
//! ])
//! .build()?;
//! let json = serde_json::to_value(&query).map_err(|_| SearchError::EmptyGroup)?;
//! assert_eq!(json["operator"], "AND");
//! assert_eq!(json["value"][1]["value"][0]["field"], "team_assignee_id");
//!
//! // Three levels of groups are rejected before sending.
//! let deep = Query::and([Query::or([Query::and([Query::eq(ConversationField::Open, true)])])]);
//! assert!(matches!(deep.build(), Err(SearchError::TooDeep { .. })));
//! # Ok::<(), SearchError>(())
//! ```

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserializer};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[doc(hidden)]
pub mod eval;
mod rules;

pub use rules::{
    contact_field_kind, Combinator, FieldKind, Operator, MAX_FILTERS_PER_GROUP, MAX_NESTING,
};

/// Why a query was rejected before sending.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SearchError {
    /// Groups are nested deeper than [`MAX_NESTING`].
    TooDeep {
        /// The nesting found.
        depth: usize,
        /// The limit.
        max: usize,
    },
    /// A group has more than [`MAX_FILTERS_PER_GROUP`] entries.
    TooManyFilters {
        /// The entries in the offending group.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// A group has no entries.
    EmptyGroup,
    /// The field does not support the operator (contacts: see [`FieldKind::allows`]).
    OperatorNotAllowed {
        /// The field.
        field: String,
        /// The operator.
        operator: Operator,
    },
    /// `IN` and `NIN` need a list value.
    ListRequired {
        /// The field.
        field: String,
        /// The operator.
        operator: Operator,
    },
    /// A query being decoded is not a filter or a group.
    Malformed(String),
    /// The field is not one the resource can be searched by (checked by servers, which know
    /// the custom attributes; the client lets any name through).
    UnknownField {
        /// The field.
        field: String,
    },
    /// An operator other than `IN`/`NIN` was given a list or an object.
    SingleValueRequired {
        /// The field.
        field: String,
        /// The operator.
        operator: Operator,
    },
    /// The value does not fit the field's kind (text for a date, `"maybe"` for a boolean).
    WrongValueType {
        /// The field.
        field: String,
    },
}

impl fmt::Display for SearchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooDeep { depth, max } => write!(
                f,
                "search query nests {depth} levels of groups; Intercom accepts at most {max}"
            ),
            Self::TooManyFilters { count, max } => write!(
                f,
                "a search group has {count} entries; Intercom accepts at most {max} per AND/OR group"
            ),
            Self::EmptyGroup => f.write_str("a search group has no entries"),
            Self::OperatorNotAllowed { field, operator } => {
                write!(f, "field `{field}` does not support operator `{operator}`")
            }
            Self::ListRequired { field, operator } => {
                write!(f, "operator `{operator}` on `{field}` needs a list value")
            }
            Self::Malformed(why) => write!(f, "malformed search query: {why}"),
            Self::UnknownField { field } => {
                write!(f, "`{field}` is not a field you can search by")
            }
            Self::SingleValueRequired { field, operator } => {
                write!(f, "operator `{operator}` on `{field}` needs a single value")
            }
            Self::WrongValueType { field } => {
                write!(f, "the value for `{field}` has the wrong type")
            }
        }
    }
}

impl std::error::Error for SearchError {}

/// A searchable resource: [`Contacts`], [`Conversations`] or [`Tickets`].
pub trait Resource: sealed::Sealed {
    /// Checks a field/operator pair against the resource's rules.
    fn check(field: &str, operator: Operator) -> Result<(), SearchError> {
        let _ = (field, operator);
        Ok(())
    }
}

/// A field name of a [`Resource`].
pub trait SearchField {
    /// The resource the field belongs to.
    type Resource: Resource;
    /// The name as sent (`created_at`, `custom_attributes.plan`, `source.author.email`).
    fn name(&self) -> Cow<'_, str>;
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::Contacts {}
    impl Sealed for super::Conversations {}
    impl Sealed for super::Tickets {}
}

/// Marker for `POST /contacts/search`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Contacts;

/// Marker for `POST /conversations/search`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Conversations;

/// Marker for `POST /tickets/search`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tickets;

impl Resource for Contacts {
    /// Date fields and `tag_id` take only the operators of their [`FieldKind`]; other fields
    /// are left to the server (the sandbox applies every kind's rules).
    fn check(field: &str, operator: Operator) -> Result<(), SearchError> {
        let kind = match contact_field_kind(field) {
            Some(FieldKind::Date) => FieldKind::Date,
            _ if field == "tag_id" => FieldKind::Tag,
            _ => return Ok(()),
        };
        if kind.allows(operator) {
            Ok(())
        } else {
            Err(SearchError::OperatorNotAllowed {
                field: field.to_owned(),
                operator,
            })
        }
    }
}
impl Resource for Conversations {}
impl Resource for Tickets {}

macro_rules! fields {
    (
        $(#[$meta:meta])* $name:ident for $res:ident, custom $custom:ident = $prefix:literal;
        $($variant:ident = $value:literal,)*
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $(#[doc = concat!("`", $value, "`")] $variant,)*
            #[doc = concat!("`", $prefix, "<name>`")]
            $custom(String),
            /// Any other field, by name.
            Other(String),
        }

        impl SearchField for $name {
            type Resource = $res;
            fn name(&self) -> Cow<'_, str> {
                match self {
                    $(Self::$variant => Cow::Borrowed($value),)*
                    Self::$custom(name) => Cow::Owned(format!("{}{}", $prefix, name)),
                    Self::Other(name) => Cow::Borrowed(name),
                }
            }
        }
    };
}

fields! {
    /// Searchable contact fields.
    ContactField for Contacts, custom CustomAttribute = "custom_attributes.";
    Id = "id",
    Role = "role",
    Name = "name",
    Email = "email",
    EmailDomain = "email_domain",
    Phone = "phone",
    FormattedPhone = "formatted_phone",
    ExternalId = "external_id",
    OwnerId = "owner_id",
    CreatedAt = "created_at",
    UpdatedAt = "updated_at",
    SignedUpAt = "signed_up_at",
    LastSeenAt = "last_seen_at",
    LastContactedAt = "last_contacted_at",
    LastRepliedAt = "last_replied_at",
    LastEmailOpenedAt = "last_email_opened_at",
    LastEmailClickedAt = "last_email_clicked_at",
    SegmentId = "segment_id",
    TagId = "tag_id",
    LanguageOverride = "language_override",
    Browser = "browser",
    Os = "os",
    LocationCountry = "location.country",
    LocationRegion = "location.region",
    LocationCity = "location.city",
    UnsubscribedFromEmails = "unsubscribed_from_emails",
    MarkedEmailAsSpam = "marked_email_as_spam",
    HasHardBounced = "has_hard_bounced",
}

fields! {
    /// Searchable conversation fields.
    ConversationField for Conversations, custom CustomAttribute = "custom_attributes.";
    Id = "id",
    CreatedAt = "created_at",
    UpdatedAt = "updated_at",
    SourceType = "source.type",
    SourceId = "source.id",
    SourceDeliveredAs = "source.delivered_as",
    SourceSubject = "source.subject",
    SourceBody = "source.body",
    SourceAuthorId = "source.author.id",
    SourceAuthorType = "source.author.type",
    SourceAuthorName = "source.author.name",
    SourceAuthorEmail = "source.author.email",
    SourceUrl = "source.url",
    ContactIds = "contact_ids",
    TeammateIds = "teammate_ids",
    AdminAssigneeId = "admin_assignee_id",
    TeamAssigneeId = "team_assignee_id",
    ChannelInitiated = "channel_initiated",
    Open = "open",
    Read = "read",
    State = "state",
    WaitingSince = "waiting_since",
    SnoozedUntil = "snoozed_until",
    TagIds = "tag_ids",
    Priority = "priority",
    ConversationRatingScore = "conversation_rating.score",
    AiAgentParticipated = "ai_agent_participated",
}

fields! {
    /// Searchable ticket fields.
    TicketField for Tickets, custom TicketAttribute = "ticket_attribute.";
    Id = "id",
    CreatedAt = "created_at",
    UpdatedAt = "updated_at",
    Title = "title",
    Description = "description",
    Category = "category",
    TicketTypeId = "ticket_type_id",
    ContactIds = "contact_ids",
    TeammateIds = "teammate_ids",
    AdminAssigneeId = "admin_assignee_id",
    TeamAssigneeId = "team_assignee_id",
    Open = "open",
    State = "state",
    SnoozedUntil = "snoozed_until",
}

#[derive(Debug, Clone, PartialEq)]
enum Node {
    Filter {
        field: String,
        operator: Operator,
        value: Value,
    },
    Group {
        operator: Combinator,
        value: Vec<Node>,
    },
}

impl Node {
    fn validate(
        &self,
        check: fn(&str, Operator) -> Result<(), SearchError>,
    ) -> Result<usize, SearchError> {
        match self {
            Node::Filter {
                field,
                operator,
                value,
            } => {
                if operator.takes_list() && !value.is_array() {
                    return Err(SearchError::ListRequired {
                        field: field.clone(),
                        operator: *operator,
                    });
                }
                check(field, *operator)?;
                Ok(0)
            }
            Node::Group { value, .. } => {
                if value.is_empty() {
                    return Err(SearchError::EmptyGroup);
                }
                if value.len() > MAX_FILTERS_PER_GROUP {
                    return Err(SearchError::TooManyFilters {
                        count: value.len(),
                        max: MAX_FILTERS_PER_GROUP,
                    });
                }
                let mut deepest = 0;
                for child in value {
                    deepest = deepest.max(child.validate(check)?);
                }
                let depth = deepest.saturating_add(1);
                if depth > MAX_NESTING {
                    return Err(SearchError::TooDeep {
                        depth,
                        max: MAX_NESTING,
                    });
                }
                Ok(depth)
            }
        }
    }

    fn from_json(v: &Value) -> Result<Node, SearchError> {
        let bad = |why: &str| SearchError::Malformed(why.to_owned());
        let op = v
            .get("operator")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("missing `operator`"))?;
        match (op, v.get("field")) {
            ("AND" | "OR", None) => {
                let items = v
                    .get("value")
                    .and_then(Value::as_array)
                    .ok_or_else(|| bad("a group's `value` must be a list"))?;
                Ok(Node::Group {
                    operator: Combinator::parse(op).unwrap_or(Combinator::And),
                    value: items
                        .iter()
                        .map(Node::from_json)
                        .collect::<Result<_, _>>()?,
                })
            }
            (_, Some(field)) => Ok(Node::Filter {
                field: field
                    .as_str()
                    .ok_or_else(|| bad("`field` must be a string"))?
                    .to_owned(),
                operator: Operator::parse(op).ok_or_else(|| bad("unknown operator"))?,
                value: v.get("value").cloned().unwrap_or(Value::Null),
            }),
            _ => Err(bad("neither a filter nor a group")),
        }
    }
}

impl Serialize for Node {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Node::Filter {
                field,
                operator,
                value,
            } => {
                let mut m = s.serialize_map(Some(3))?;
                m.serialize_entry("field", field)?;
                m.serialize_entry("operator", operator.as_str())?;
                m.serialize_entry("value", value)?;
                m.end()
            }
            Node::Group { operator, value } => {
                let mut m = s.serialize_map(Some(2))?;
                m.serialize_entry("operator", operator.as_str())?;
                m.serialize_entry("value", value)?;
                m.end()
            }
        }
    }
}

/// A query under construction for resource `R`; [`build`](Query::build) validates it.
#[derive(Debug, Clone, PartialEq)]
pub struct Query<R> {
    node: Node,
    resource: PhantomData<fn() -> R>,
}

impl<R: Resource> Query<R> {
    fn new(node: Node) -> Self {
        Self {
            node,
            resource: PhantomData,
        }
    }

    /// A filter `{field, operator, value}`.
    pub fn filter<F>(field: F, operator: Operator, value: impl Into<Value>) -> Self
    where
        F: SearchField<Resource = R>,
    {
        Self::new(Node::Filter {
            field: field.name().into_owned(),
            operator,
            value: value.into(),
        })
    }

    /// `field = value`.
    pub fn eq<F: SearchField<Resource = R>>(field: F, value: impl Into<Value>) -> Self {
        Self::filter(field, Operator::Eq, value)
    }

    /// `field != value`.
    pub fn ne<F: SearchField<Resource = R>>(field: F, value: impl Into<Value>) -> Self {
        Self::filter(field, Operator::Ne, value)
    }

    /// `field > value` (for dates: from the next day on, in the workspace's time zone).
    pub fn gt<F: SearchField<Resource = R>>(field: F, value: impl Into<Value>) -> Self {
        Self::filter(field, Operator::Gt, value)
    }

    /// `field < value` (for dates: before that day).
    pub fn lt<F: SearchField<Resource = R>>(field: F, value: impl Into<Value>) -> Self {
        Self::filter(field, Operator::Lt, value)
    }

    /// `field ~ value` (contains).
    pub fn contains<F: SearchField<Resource = R>>(field: F, value: impl Into<Value>) -> Self {
        Self::filter(field, Operator::Contains, value)
    }

    /// `field IN [values]`.
    pub fn any_of<F, V>(field: F, values: impl IntoIterator<Item = V>) -> Self
    where
        F: SearchField<Resource = R>,
        V: Into<Value>,
    {
        let list: Vec<Value> = values.into_iter().map(Into::into).collect();
        Self::filter(field, Operator::In, list)
    }

    /// `field NIN [values]`.
    pub fn none_of<F, V>(field: F, values: impl IntoIterator<Item = V>) -> Self
    where
        F: SearchField<Resource = R>,
        V: Into<Value>,
    {
        let list: Vec<Value> = values.into_iter().map(Into::into).collect();
        Self::filter(field, Operator::Nin, list)
    }

    /// A group whose entries must all match.
    pub fn and(entries: impl IntoIterator<Item = Query<R>>) -> Self {
        Self::group(Combinator::And, entries)
    }

    /// A group of which at least one entry must match.
    pub fn or(entries: impl IntoIterator<Item = Query<R>>) -> Self {
        Self::group(Combinator::Or, entries)
    }

    /// A group combining `entries` with `operator`.
    pub fn group(operator: Combinator, entries: impl IntoIterator<Item = Query<R>>) -> Self {
        Self::new(Node::Group {
            operator,
            value: entries.into_iter().map(|q| q.node).collect(),
        })
    }

    /// Validates the query: at most [`MAX_NESTING`] levels of groups, at most
    /// [`MAX_FILTERS_PER_GROUP`] entries per group, no empty group, list values for `IN`/`NIN`
    /// and the resource's operator rules.
    pub fn build(self) -> Result<SearchQuery, SearchError> {
        self.node.validate(R::check)?;
        Ok(SearchQuery(self.node))
    }
}

impl<R: Resource> TryFrom<Query<R>> for SearchQuery {
    type Error = SearchError;
    fn try_from(q: Query<R>) -> Result<Self, Self::Error> {
        q.build()
    }
}

/// A validated search query, the `query` of a search request body.
///
/// Built with [`Query::build`]. Its `Default` (needed by the generated request structs) is an
/// empty `AND` group, which Intercom rejects; always set a real query.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchQuery(Node);

impl Default for SearchQuery {
    fn default() -> Self {
        SearchQuery(Node::Group {
            operator: Combinator::And,
            value: Vec::new(),
        })
    }
}

impl Serialize for SearchQuery {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl SearchQuery {
    /// Reads a query from its JSON form, checking its shape and Intercom's group limits (not
    /// any resource's field rules), for servers that answer searches.
    #[doc(hidden)]
    pub fn from_json(v: &Value) -> Result<Self, SearchError> {
        let node = Node::from_json(v)?;
        node.validate(|_, _| Ok(()))?;
        Ok(SearchQuery(node))
    }
}

impl<'de> Deserialize<'de> for SearchQuery {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        SearchQuery::from_json(&v).map_err(de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits() {
        let sixteen: Vec<_> = (0..16).map(|i| Query::eq(TicketField::Title, i)).collect();
        assert_eq!(
            Query::or(sixteen).build(),
            Err(SearchError::TooManyFilters { count: 16, max: 15 })
        );
        let fifteen: Vec<_> = (0..15).map(|i| Query::eq(TicketField::Title, i)).collect();
        assert!(Query::or(fifteen).build().is_ok());
        let two = Query::and([
            Query::or([
                Query::eq(TicketField::Open, true),
                Query::eq(TicketField::State, "x"),
            ]),
            Query::or([Query::eq(TicketField::Open, false)]),
        ]);
        assert!(two.build().is_ok());
        assert_eq!(
            Query::<Tickets>::and([]).build(),
            Err(SearchError::EmptyGroup)
        );
        assert!(matches!(
            Query::filter(ContactField::CreatedAt, Operator::Ge, 1).build(),
            Err(SearchError::OperatorNotAllowed { .. })
        ));
        assert!(matches!(
            Query::filter(ContactField::Email, Operator::In, "a").build(),
            Err(SearchError::ListRequired { .. })
        ));
    }

    #[test]
    fn round_trip() -> Result<(), serde_json::Error> {
        let q = Query::and([
            Query::eq(ContactField::CustomAttribute("plan".into()), "pro"),
            Query::any_of(ContactField::Role, ["user", "lead"]),
        ])
        .build();
        let Ok(q) = q else {
            panic!("valid query rejected")
        };
        let json = serde_json::to_value(&q)?;
        assert_eq!(json["value"][0]["field"], "custom_attributes.plan");
        assert_eq!(json["value"][1]["operator"], "IN");
        let back: SearchQuery = serde_json::from_value(json)?;
        assert_eq!(back, q);
        Ok(())
    }
}
