//! Intercom's search rules, the one copy shared by the client-side [`Query`](super::Query)
//! checks and the sandbox's server-side search: the operators, the group limits, and the kind of
//! every standard contact field with the operators each kind takes (facts §h).

use std::fmt;

/// The most levels of nested groups Intercom accepts ("max 2 nested filters").
pub const MAX_NESTING: usize = 2;

/// The most entries (filters or groups) Intercom accepts in one AND/OR group.
pub const MAX_FILTERS_PER_GROUP: usize = 15;

/// A filter operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Operator {
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `IN` (the value is a list)
    In,
    /// `NIN` (the value is a list)
    Nin,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `~` (contains)
    Contains,
    /// `!~` (does not contain)
    NotContains,
    /// `^` (starts with)
    StartsWith,
    /// `$` (ends with)
    EndsWith,
}

impl Operator {
    /// Every operator, in the order Intercom documents them.
    pub const ALL: [Operator; 12] = [
        Operator::Eq,
        Operator::Ne,
        Operator::In,
        Operator::Nin,
        Operator::Lt,
        Operator::Le,
        Operator::Gt,
        Operator::Ge,
        Operator::Contains,
        Operator::NotContains,
        Operator::StartsWith,
        Operator::EndsWith,
    ];
}

impl Operator {
    /// The operator as sent.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Eq => "=",
            Self::Ne => "!=",
            Self::In => "IN",
            Self::Nin => "NIN",
            Self::Lt => "<",
            Self::Le => "<=",
            Self::Gt => ">",
            Self::Ge => ">=",
            Self::Contains => "~",
            Self::NotContains => "!~",
            Self::StartsWith => "^",
            Self::EndsWith => "$",
        }
    }

    /// The operator sent as `s` (`"="`, `"IN"`, `"!~"`, …), if it is one.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|op| op.as_str() == s)
    }

    /// Whether the operator takes a list value (`IN`, `NIN`).
    pub const fn takes_list(self) -> bool {
        matches!(self, Self::In | Self::Nin)
    }
}

impl fmt::Display for Operator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a group combines its entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Combinator {
    /// `AND`
    And,
    /// `OR`
    Or,
}

impl Combinator {
    /// The combinator as sent.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::And => "AND",
            Self::Or => "OR",
        }
    }

    /// The combinator sent as `s` (`"AND"`, `"OR"`), if it is one.
    pub fn parse(s: &str) -> Option<Self> {
        [Self::And, Self::Or].into_iter().find(|c| c.as_str() == s)
    }
}

/// What kind of value a contact field holds, which decides the operators it takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FieldKind {
    /// A Unix timestamp, matched by calendar day: `=`, `<`, `>`.
    Date,
    /// `tag_id` and `segment_id`: `=`, `!=`.
    Tag,
    /// A boolean: `=`, `!=`, `IN`, `NIN`.
    Bool,
    /// A number: `=`, `!=`, `IN`, `NIN`, `<`, `<=`, `>`, `>=`.
    Number,
    /// Text: `=`, `!=`, `IN`, `NIN`, `~`, `!~`, `^`, `$`.
    Text,
}

impl FieldKind {
    /// Whether a field of this kind takes `operator`.
    pub const fn allows(self, operator: Operator) -> bool {
        use Operator::*;
        match self {
            Self::Date => matches!(operator, Eq | Lt | Gt),
            Self::Tag => matches!(operator, Eq | Ne),
            Self::Bool => matches!(operator, Eq | Ne | In | Nin),
            Self::Number => matches!(operator, Eq | Ne | In | Nin | Lt | Le | Gt | Ge),
            Self::Text => matches!(
                operator,
                Eq | Ne | In | Nin | Contains | NotContains | StartsWith | EndsWith
            ),
        }
    }

    /// The kind of a custom data attribute of type `data_type` (`integer`, `float`, `boolean`,
    /// `date`, `datetime`; anything else is text).
    pub fn of_data_type(data_type: &str) -> Self {
        match data_type {
            "integer" | "float" => Self::Number,
            "boolean" => Self::Bool,
            "date" | "datetime" => Self::Date,
            _ => Self::Text,
        }
    }
}

/// The standard searchable contact fields and their kinds (custom attributes are
/// `custom_attributes.<name>`, of the kind of their data type).
const CONTACT_FIELDS: &[(&str, FieldKind)] = &[
    ("created_at", FieldKind::Date),
    ("updated_at", FieldKind::Date),
    ("signed_up_at", FieldKind::Date),
    ("last_seen_at", FieldKind::Date),
    ("last_contacted_at", FieldKind::Date),
    ("last_replied_at", FieldKind::Date),
    ("last_email_opened_at", FieldKind::Date),
    ("last_email_clicked_at", FieldKind::Date),
    ("ios_last_seen_at", FieldKind::Date),
    ("android_last_seen_at", FieldKind::Date),
    ("tag_id", FieldKind::Tag),
    ("segment_id", FieldKind::Tag),
    ("has_hard_bounced", FieldKind::Bool),
    ("marked_email_as_spam", FieldKind::Bool),
    ("unsubscribed_from_emails", FieldKind::Bool),
    ("id", FieldKind::Text),
    ("role", FieldKind::Text),
    ("name", FieldKind::Text),
    ("email", FieldKind::Text),
    ("email_domain", FieldKind::Text),
    ("phone", FieldKind::Text),
    ("formatted_phone", FieldKind::Text),
    ("external_id", FieldKind::Text),
    ("language_override", FieldKind::Text),
    ("browser", FieldKind::Text),
    ("browser_version", FieldKind::Text),
    ("browser_language", FieldKind::Text),
    ("os", FieldKind::Text),
    ("owner_id", FieldKind::Text),
    ("ios_app_name", FieldKind::Text),
    ("ios_app_version", FieldKind::Text),
    ("ios_device", FieldKind::Text),
    ("ios_os_version", FieldKind::Text),
    ("ios_sdk_version", FieldKind::Text),
    ("android_app_name", FieldKind::Text),
    ("android_app_version", FieldKind::Text),
    ("android_device", FieldKind::Text),
    ("android_os_version", FieldKind::Text),
    ("android_sdk_version", FieldKind::Text),
    ("location.country", FieldKind::Text),
    ("location.region", FieldKind::Text),
    ("location.city", FieldKind::Text),
    ("location.country_code", FieldKind::Text),
    ("location.continent_code", FieldKind::Text),
];

/// The kind of a standard contact field; `None` for custom attributes and unknown names.
pub fn contact_field_kind(field: &str) -> Option<FieldKind> {
    CONTACT_FIELDS
        .iter()
        .find(|(name, _)| *name == field)
        .map(|(_, kind)| *kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operators_round_trip_and_unknown_ones_are_none() {
        for op in Operator::ALL {
            assert_eq!(Operator::parse(op.as_str()), Some(op));
        }
        assert_eq!(Operator::parse("LIKE"), None);
        assert_eq!(Combinator::parse("OR"), Some(Combinator::Or));
        assert_eq!(Combinator::parse("XOR"), None);
    }

    #[test]
    fn kinds_decide_operators() {
        let allowed = |kind: FieldKind| -> Vec<&str> {
            Operator::ALL
                .into_iter()
                .filter(|op| kind.allows(*op))
                .map(Operator::as_str)
                .collect()
        };
        assert_eq!(allowed(FieldKind::Date), ["=", "<", ">"]);
        assert_eq!(allowed(FieldKind::Tag), ["=", "!="]);
        assert_eq!(allowed(FieldKind::Bool), ["=", "!=", "IN", "NIN"]);
        assert_eq!(
            allowed(FieldKind::Number),
            ["=", "!=", "IN", "NIN", "<", "<=", ">", ">="]
        );
        assert_eq!(
            allowed(FieldKind::Text),
            ["=", "!=", "IN", "NIN", "~", "!~", "^", "$"]
        );
        assert_eq!(contact_field_kind("last_seen_at"), Some(FieldKind::Date));
        assert_eq!(contact_field_kind("custom_attributes.plan"), None);
        assert_eq!(FieldKind::of_data_type("float"), FieldKind::Number);
        assert_eq!(FieldKind::of_data_type("string"), FieldKind::Text);
    }
}
