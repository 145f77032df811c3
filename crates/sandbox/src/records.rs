//! Records of the workspace beyond people and conversations: teams, segments, tickets with
//! their types and states, help centers, collections and articles, conversation parts and export jobs. Plain data:
//! this module imports nothing from the crate (seeding them is in `seed`).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

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

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct Part {
    pub(crate) id: String,
    pub(crate) part_type: String,
    pub(crate) body: Option<String>,
    pub(crate) created_at: i64,
    /// `admin` or `user`.
    pub(crate) author_type: String,
    pub(crate) author_id: String,
}

/// A content data export job. Jobs live only as long as the sandbox (not in fixtures).
#[derive(Debug, Clone)]
pub(crate) struct Export {
    pub(crate) id: String,
    pub(crate) after: i64,
    pub(crate) before: i64,
    /// `pending`, `in_progress`, `completed` or `canceled`.
    pub(crate) status: &'static str,
}

/// An anonymous visitor of the workspace's website, until converted into a contact.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct Visitor {
    pub(crate) id: String,
    pub(crate) user_id: String,
    pub(crate) name: Option<String>,
    pub(crate) email: Option<String>,
    pub(crate) custom_attributes: Map<String, Value>,
    pub(crate) created_at: i64,
    pub(crate) updated_at: i64,
}

/// An enqueued job (`POST /tickets/enqueue`): the request it runs and what came of it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Job {
    pub(crate) id: String,
    /// `pending`, `success` or `failed`.
    pub(crate) status: &'static str,
    /// The enqueued request's body, run when the job's status is first asked for.
    pub(crate) body: Vec<u8>,
    pub(crate) resource_id: Option<String>,
}
