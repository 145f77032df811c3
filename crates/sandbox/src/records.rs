//! Records of the workspace beyond people and conversations: teams, segments, tickets with
//! their types and states, help centers, collections and articles, and their deterministic
//! seeding.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::state::{Part, State, SEED_EPOCH};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct Team {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) admin_ids: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct Segment {
    pub(crate) id: String,
    pub(crate) name: String,
    /// `contact` or `user`.
    pub(crate) person_type: String,
    /// Members: contacts whose `role` is this (`None`: every contact).
    pub(crate) role: Option<String>,
    pub(crate) created_at: i64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct TicketState {
    pub(crate) id: String,
    /// `submitted`, `in_progress`, `waiting_on_customer` or `resolved`.
    pub(crate) category: String,
    pub(crate) internal_label: String,
    pub(crate) external_label: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct TicketType {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) description: String,
    pub(crate) icon: String,
    /// `Customer`, `Back-office` or `Tracker`.
    pub(crate) category: String,
    pub(crate) archived: bool,
    pub(crate) created_at: i64,
    pub(crate) updated_at: i64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct Ticket {
    /// List order; renumbered on load, so not saved.
    #[serde(skip)]
    pub(crate) seq: u64,
    pub(crate) id: String,
    /// The number shown to people (`ticket_id`).
    pub(crate) ticket_number: String,
    pub(crate) ticket_type_id: String,
    pub(crate) state_id: String,
    pub(crate) previous_state_id: Option<String>,
    pub(crate) contact_ids: Vec<String>,
    pub(crate) attributes: Map<String, Value>,
    pub(crate) open: bool,
    pub(crate) is_shared: bool,
    pub(crate) admin_assignee_id: Option<i64>,
    pub(crate) team_assignee_id: Option<i64>,
    pub(crate) snoozed_until: Option<i64>,
    pub(crate) tag_ids: Vec<String>,
    pub(crate) created_at: i64,
    pub(crate) updated_at: i64,
    pub(crate) parts: Vec<Part>,
}

impl State {
    /// Teams, segments, ticket states and a ticket type, the same for every seed.
    pub(crate) fn seed_records(&mut self) {
        let admins: Vec<String> = self.admins.iter().map(|a| a.id.clone()).collect();
        for (name, members) in [("Support", &admins[..]), ("Success", &admins[2..])] {
            let id = self.next_numeric_id();
            self.teams.push(Team {
                id,
                name: name.into(),
                admin_ids: members.to_vec(),
            });
        }
        for (name, person_type, role) in [
            ("All users", "user", Some("user")),
            ("All leads", "contact", Some("lead")),
            ("Everyone", "contact", None),
        ] {
            let id = self.hex_id();
            self.segments.push(Segment {
                id,
                name: name.into(),
                person_type: person_type.into(),
                role: role.map(str::to_owned),
                created_at: SEED_EPOCH - 60 * 86_400,
            });
        }
        for (category, internal, external) in [
            ("submitted", "Submitted", "Submitted"),
            ("in_progress", "In progress", "In progress"),
            (
                "waiting_on_customer",
                "Waiting on customer",
                "Awaiting your reply",
            ),
            ("resolved", "Resolved", "Resolved"),
        ] {
            let id = self.next_numeric_id();
            self.ticket_states.push(TicketState {
                id,
                category: category.into(),
                internal_label: internal.into(),
                external_label: external.into(),
            });
        }
        let id = self.next_numeric_id();
        self.ticket_types.push(TicketType {
            id,
            name: "Bug report".into(),
            description: "Something does not work as it should".into(),
            icon: "🐞".into(),
            category: "Customer".into(),
            archived: false,
            created_at: SEED_EPOCH - 30 * 86_400,
            updated_at: SEED_EPOCH - 30 * 86_400,
        });
        let help_center = self.next_numeric_id();
        self.help_centers.push(HelpCenter {
            id: help_center.clone(),
            identifier: "sandbox".into(),
            display_name: "Sandbox Help".into(),
            created_at: SEED_EPOCH - 90 * 86_400,
        });
        let collection = self.next_numeric_id();
        self.collections.push(Collection {
            id: collection.clone(),
            name: "Getting started".into(),
            description: "The first steps".into(),
            help_center_id: Some(help_center),
            order: 1,
            created_at: SEED_EPOCH - 90 * 86_400,
            updated_at: SEED_EPOCH - 90 * 86_400,
            ..Collection::default()
        });
        let id = self.next_numeric_id();
        let author_id = self
            .admins
            .first()
            .map(|a| a.id.clone())
            .unwrap_or_default();
        self.articles.push(Article {
            id,
            title: "Welcome".into(),
            description: "What the sandbox workspace holds".into(),
            body: "<p>Seeded data for tests.</p>".into(),
            author_id,
            state: "published".into(),
            parent_id: Some(collection),
            created_at: SEED_EPOCH - 80 * 86_400,
            updated_at: SEED_EPOCH - 80 * 86_400,
        });
        self.seed_subscription_types();
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct HelpCenter {
    pub(crate) id: String,
    pub(crate) identifier: String,
    pub(crate) display_name: String,
    pub(crate) created_at: i64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct Collection {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) description: String,
    pub(crate) icon: String,
    pub(crate) help_center_id: Option<String>,
    pub(crate) parent_id: Option<String>,
    pub(crate) order: i64,
    pub(crate) created_at: i64,
    pub(crate) updated_at: i64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct Article {
    pub(crate) id: String,
    pub(crate) title: String,
    pub(crate) description: String,
    pub(crate) body: String,
    pub(crate) author_id: String,
    /// `published` or `draft`.
    pub(crate) state: String,
    /// The collection (or section) it sits in.
    pub(crate) parent_id: Option<String>,
    pub(crate) created_at: i64,
    pub(crate) updated_at: i64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct SubscriptionType {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) description: String,
    /// `opt_in` or `opt_out`.
    pub(crate) consent_type: String,
    /// `email` and/or `sms_message`.
    pub(crate) content_types: Vec<String>,
}

/// A contact's explicit choice about one subscription type.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct ContactSubscription {
    pub(crate) contact_id: String,
    pub(crate) subscription_type_id: String,
    /// `opt_in` or `opt_out`.
    pub(crate) consent: String,
}

impl State {
    /// Two subscription types, the same for every seed.
    pub(crate) fn seed_subscription_types(&mut self) {
        for (name, description, consent, content) in [
            (
                "Newsletter",
                "News about the product, monthly",
                "opt_out",
                &["email"][..],
            ),
            (
                "Product updates",
                "Release notes and changes",
                "opt_in",
                &["email", "sms_message"][..],
            ),
        ] {
            let id = self.next_numeric_id();
            self.subscription_types.push(SubscriptionType {
                id,
                name: name.into(),
                description: description.into(),
                consent_type: consent.into(),
                content_types: content.iter().map(|c| (*c).to_owned()).collect(),
            });
        }
    }
}
