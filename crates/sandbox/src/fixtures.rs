//! Fixtures: a workspace's data as JSON, loaded at start and exported by `snapshot()`.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::state::{
    Admin, Article, Collection, Company, Contact, ContactSubscription, Conversation, DataAttribute,
    Event, EventSummary, HelpCenter, Note, Segment, State, SubscriptionType, Tag, Team, Ticket,
    TicketState, TicketType, Visitor,
};

/// The data a sandbox holds, as it is saved and loaded. Every list is optional in a
/// fixture file; a list given replaces the seeded one (admins are added to the seeded ones,
/// so the sandbox's own token keeps its admin).
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct Dataset {
    version: u32,
    admins: Option<Vec<Admin>>,
    contacts: Option<Vec<Contact>>,
    companies: Option<Vec<Company>>,
    tags: Option<Vec<Tag>>,
    conversations: Option<Vec<Conversation>>,
    notes: Option<Vec<Note>>,
    events: Option<Vec<Event>>,
    event_summaries: Option<Vec<EventSummary>>,
    data_attributes: Option<Vec<DataAttribute>>,
    teams: Option<Vec<Team>>,
    segments: Option<Vec<Segment>>,
    ticket_states: Option<Vec<TicketState>>,
    ticket_types: Option<Vec<TicketType>>,
    tickets: Option<Vec<Ticket>>,
    help_centers: Option<Vec<HelpCenter>>,
    collections: Option<Vec<Collection>>,
    articles: Option<Vec<Article>>,
    subscription_types: Option<Vec<SubscriptionType>>,
    contact_subscriptions: Option<Vec<ContactSubscription>>,
    visitors: Option<Vec<Visitor>>,
}

/// The fixture format's version, written by [`SandboxHandle::snapshot`](crate::SandboxHandle::snapshot).
pub const FIXTURES_VERSION: u32 = 1;

/// Where fixtures come from: a JSON file or a JSON value (see
/// [`SandboxBuilder::fixtures`](crate::SandboxBuilder::fixtures)).
#[derive(Debug, Clone)]
pub enum Fixtures {
    /// A JSON file, read when the sandbox starts.
    File(PathBuf),
    /// A JSON value, for example a previous [`snapshot`](crate::SandboxHandle::snapshot).
    Value(Value),
}

impl From<Value> for Fixtures {
    fn from(value: Value) -> Self {
        Fixtures::Value(value)
    }
}

impl From<PathBuf> for Fixtures {
    fn from(path: PathBuf) -> Self {
        Fixtures::File(path)
    }
}

impl From<&Path> for Fixtures {
    fn from(path: &Path) -> Self {
        Fixtures::File(path.to_owned())
    }
}

impl From<&str> for Fixtures {
    /// A path.
    fn from(path: &str) -> Self {
        Fixtures::File(PathBuf::from(path))
    }
}

/// Why fixtures could not be loaded.
#[derive(Debug)]
pub struct FixturesError(String);

impl fmt::Display for FixturesError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for FixturesError {}

impl Fixtures {
    pub(crate) fn load(&self) -> Result<Dataset, FixturesError> {
        let value = match self {
            Fixtures::Value(v) => v.clone(),
            Fixtures::File(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| {
                    FixturesError(format!("cannot read fixtures {}: {e}", path.display()))
                })?;
                serde_json::from_str(&text).map_err(|e| {
                    FixturesError(format!("fixtures {} are not JSON: {e}", path.display()))
                })?
            }
        };
        let dataset: Dataset = serde_path_to_error::deserialize(value).map_err(|e| {
            FixturesError(format!(
                "fixtures do not match the sandbox's format at `{}`: {}",
                e.path(),
                e.inner()
            ))
        })?;
        if dataset.version > FIXTURES_VERSION {
            return Err(FixturesError(format!(
                "fixtures version {} is newer than this sandbox's ({FIXTURES_VERSION})",
                dataset.version
            )));
        }
        Ok(dataset)
    }
}

/// Replaces the seeded data with `dataset`'s lists.
pub(crate) fn apply(state: &mut State, dataset: Dataset) {
    if let Some(admins) = dataset.admins {
        for admin in admins {
            if state.admin(&admin.id).is_none() {
                state.admins.push(admin);
            }
        }
    }
    if let Some(mut contacts) = dataset.contacts {
        for contact in &mut contacts {
            contact.seq = state.next_seq();
            if contact.id.is_empty() {
                contact.id = state.hex_id();
            }
        }
        state.contacts = contacts;
    }
    if let Some(mut companies) = dataset.companies {
        for company in &mut companies {
            if company.id.is_empty() {
                company.id = state.hex_id();
            }
        }
        state.companies = companies;
    }
    if let Some(tags) = dataset.tags {
        state.tags = tags;
    }
    if let Some(mut conversations) = dataset.conversations {
        for conversation in &mut conversations {
            conversation.seq = state.next_seq();
            if conversation.id.is_empty() {
                conversation.id = state.next_numeric_id();
            }
        }
        state.conversations = conversations;
    }
    if let Some(notes) = dataset.notes {
        state.notes = notes;
    }
    if let Some(events) = dataset.events {
        state.events = events;
    }
    if let Some(summaries) = dataset.event_summaries {
        state.event_summaries = summaries;
    }
    if let Some(attributes) = dataset.data_attributes {
        state.data_attributes = attributes;
    }
    if let Some(teams) = dataset.teams {
        state.teams = teams;
    }
    if let Some(segments) = dataset.segments {
        state.segments = segments;
    }
    if let Some(ticket_states) = dataset.ticket_states {
        state.ticket_states = ticket_states;
    }
    if let Some(ticket_types) = dataset.ticket_types {
        state.ticket_types = ticket_types;
    }
    if let Some(mut tickets) = dataset.tickets {
        for ticket in &mut tickets {
            ticket.seq = state.next_seq();
            if ticket.id.is_empty() {
                ticket.id = state.next_numeric_id();
            }
        }
        state.tickets = tickets;
    }
    if let Some(help_centers) = dataset.help_centers {
        state.help_centers = help_centers;
    }
    if let Some(collections) = dataset.collections {
        state.collections = collections;
    }
    if let Some(articles) = dataset.articles {
        state.articles = articles;
    }
    if let Some(types) = dataset.subscription_types {
        state.subscription_types = types;
    }
    if let Some(subscriptions) = dataset.contact_subscriptions {
        state.contact_subscriptions = subscriptions;
    }
    if let Some(visitors) = dataset.visitors {
        state.visitors = visitors;
    }
    // Numeric ids handed out later stay clear of the loaded ones.
    let highest = state
        .conversations
        .iter()
        .map(|c| c.id.as_str())
        .chain(state.tags.iter().map(|t| t.id.as_str()))
        .chain(state.notes.iter().map(|n| n.id.as_str()))
        .chain(state.teams.iter().map(|t| t.id.as_str()))
        .chain(state.ticket_states.iter().map(|t| t.id.as_str()))
        .chain(state.ticket_types.iter().map(|t| t.id.as_str()))
        .chain(state.tickets.iter().map(|t| t.id.as_str()))
        .chain(state.help_centers.iter().map(|t| t.id.as_str()))
        .chain(state.collections.iter().map(|t| t.id.as_str()))
        .chain(state.articles.iter().map(|t| t.id.as_str()))
        .chain(state.subscription_types.iter().map(|t| t.id.as_str()))
        .chain(
            state
                .conversations
                .iter()
                .flat_map(|c| c.parts.iter().map(|p| p.id.as_str())),
        )
        .filter_map(|id| id.parse::<u64>().ok())
        .max()
        .unwrap_or(0);
    state.next_id = state.next_id.max(highest.saturating_add(1));
}

/// The current data, in the fixture format.
pub(crate) fn snapshot(state: &State) -> Value {
    let dataset = Dataset {
        version: FIXTURES_VERSION,
        admins: Some(state.admins.clone()),
        contacts: Some(state.contacts.clone()),
        companies: Some(state.companies.clone()),
        tags: Some(state.tags.clone()),
        conversations: Some(state.conversations.clone()),
        notes: Some(state.notes.clone()),
        events: Some(state.events.clone()),
        event_summaries: Some(state.event_summaries.clone()),
        data_attributes: Some(state.data_attributes.clone()),
        teams: Some(state.teams.clone()),
        segments: Some(state.segments.clone()),
        ticket_states: Some(state.ticket_states.clone()),
        ticket_types: Some(state.ticket_types.clone()),
        tickets: Some(state.tickets.clone()),
        help_centers: Some(state.help_centers.clone()),
        collections: Some(state.collections.clone()),
        articles: Some(state.articles.clone()),
        subscription_types: Some(state.subscription_types.clone()),
        contact_subscriptions: Some(state.contact_subscriptions.clone()),
        visitors: Some(state.visitors.clone()),
    };
    serde_json::to_value(&dataset).unwrap_or(Value::Null)
}
