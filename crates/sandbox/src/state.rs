//! The in-memory workspace: its records, counters and lookups (seeding is in `seed`).

use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Map, Value};

pub(crate) use crate::records::{
    Article, Collection, ContactSubscription, Export, HelpCenter, Job, Part, Segment,
    SubscriptionType, Team, Ticket, TicketState, TicketType, Visitor,
};

/// Seeded records are dated before this instant (2023-11-14), so they never change with the
/// wall clock.
pub(crate) const SEED_EPOCH: i64 = 1_700_000_000;

pub(crate) fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct Admin {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) email: String,
    pub(crate) job_title: String,
    pub(crate) away_mode_enabled: bool,
    pub(crate) away_mode_reassign: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct AppliedTag {
    pub(crate) tag_id: String,
    pub(crate) applied_at: i64,
    pub(crate) admin_id: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct Contact {
    /// List order; renumbered on load, so not saved.
    #[serde(skip)]
    pub(crate) seq: u64,
    pub(crate) id: String,
    pub(crate) external_id: Option<String>,
    pub(crate) role: String,
    pub(crate) email: Option<String>,
    pub(crate) phone: Option<String>,
    pub(crate) name: Option<String>,
    pub(crate) avatar: Option<String>,
    pub(crate) owner_id: Option<i64>,
    pub(crate) created_at: i64,
    pub(crate) updated_at: i64,
    pub(crate) signed_up_at: Option<i64>,
    pub(crate) last_seen_at: Option<i64>,
    pub(crate) unsubscribed_from_emails: bool,
    pub(crate) custom_attributes: Map<String, Value>,
    pub(crate) tags: Vec<AppliedTag>,
    pub(crate) company_ids: Vec<String>,
    pub(crate) archived: bool,
    pub(crate) merged_into: Option<String>,
    pub(crate) country: Option<String>,
    pub(crate) city: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct Company {
    pub(crate) id: String,
    pub(crate) company_id: String,
    pub(crate) name: String,
    pub(crate) plan: Option<String>,
    pub(crate) size: Option<i64>,
    pub(crate) website: Option<String>,
    pub(crate) industry: Option<String>,
    pub(crate) monthly_spend: i64,
    pub(crate) session_count: i64,
    pub(crate) created_at: i64,
    pub(crate) updated_at: i64,
    pub(crate) remote_created_at: Option<i64>,
    pub(crate) custom_attributes: Map<String, Value>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct Tag {
    pub(crate) id: String,
    pub(crate) name: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct Conversation {
    /// List order; renumbered on load, so not saved.
    #[serde(skip)]
    pub(crate) seq: u64,
    pub(crate) id: String,
    pub(crate) created_at: i64,
    pub(crate) updated_at: i64,
    pub(crate) contact_id: String,
    pub(crate) source_id: String,
    pub(crate) subject: String,
    pub(crate) body: String,
    /// (`user` | `admin`, id) of the first message's author.
    pub(crate) author_type: String,
    pub(crate) author_id: String,
    pub(crate) delivered_as: String,
    pub(crate) open: bool,
    pub(crate) read: bool,
    pub(crate) waiting_since: Option<i64>,
    pub(crate) admin_assignee_id: Option<i64>,
    pub(crate) parts: Vec<Part>,
    /// Set while the conversation is snoozed (it stays open).
    pub(crate) snoozed_until: Option<i64>,
    pub(crate) team_assignee_id: Option<i64>,
    /// Tags attached to the conversation, by id.
    pub(crate) tag_ids: Vec<String>,
    /// Contacts added after the first one (`contact_id`).
    pub(crate) other_contact_ids: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct Note {
    pub(crate) id: String,
    pub(crate) contact_id: String,
    pub(crate) created_at: i64,
    pub(crate) admin_id: String,
    pub(crate) body: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct Event {
    pub(crate) name: String,
    pub(crate) contact_id: String,
    pub(crate) created_at: i64,
}

/// Aggregated counts of one event for one contact, from `POST /events/summaries` (the
/// submissions for a contact and event name are merged into one record).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct EventSummary {
    pub(crate) name: String,
    pub(crate) contact_id: String,
    pub(crate) count: u64,
    pub(crate) first: i64,
    pub(crate) last: i64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct DataAttribute {
    pub(crate) id: Option<i64>,
    pub(crate) model: String,
    pub(crate) name: String,
    pub(crate) full_name: String,
    pub(crate) label: String,
    pub(crate) description: String,
    pub(crate) data_type: String,
    pub(crate) api_writable: bool,
    pub(crate) messenger_writable: bool,
    pub(crate) custom: bool,
    pub(crate) options: Vec<String>,
    pub(crate) admin_id: Option<String>,
    pub(crate) created_at: Option<i64>,
}

/// Who a token belongs to.
#[derive(Debug, Clone)]
pub(crate) struct TokenInfo {
    pub(crate) admin_id: String,
}

#[derive(Debug)]
pub(crate) struct PendingCode {
    pub(crate) issued: Instant,
}

#[derive(Debug)]
pub(crate) struct Scroll {
    pub(crate) param: String,
    pub(crate) offset: usize,
    pub(crate) last_used: Instant,
}

/// How long an unused scroll stays open (facts §g4).
pub(crate) const SCROLL_TTL: Duration = Duration::from_secs(60);

/// Builder options the state needs.
pub(crate) struct Config {
    pub(crate) seed: u64,
    pub(crate) contacts: usize,
    pub(crate) companies: usize,
    pub(crate) conversations: usize,
    pub(crate) rate_limit: u64,
    pub(crate) rate_window_secs: u64,
    pub(crate) client_id: String,
    pub(crate) client_secret: String,
    pub(crate) redirect_uris: Vec<String>,
    pub(crate) code_ttl: Duration,
    /// `/oauth` shows an Approve/Deny form instead of approving at once.
    pub(crate) consent_form: bool,
}

/// The whole workspace. Lives behind one mutex that is never held across an `.await`.
pub(crate) struct State {
    pub(crate) cfg: Config,
    pub(crate) rng: StdRng,
    pub(crate) app_id: String,
    pub(crate) admins: Vec<Admin>,
    pub(crate) contacts: Vec<Contact>,
    pub(crate) companies: Vec<Company>,
    pub(crate) tags: Vec<Tag>,
    pub(crate) conversations: Vec<Conversation>,
    pub(crate) notes: Vec<Note>,
    pub(crate) events: Vec<Event>,
    pub(crate) event_summaries: Vec<EventSummary>,
    pub(crate) data_attributes: Vec<DataAttribute>,
    pub(crate) teams: Vec<Team>,
    pub(crate) segments: Vec<Segment>,
    pub(crate) ticket_states: Vec<TicketState>,
    pub(crate) ticket_types: Vec<TicketType>,
    pub(crate) tickets: Vec<Ticket>,
    pub(crate) help_centers: Vec<HelpCenter>,
    pub(crate) collections: Vec<Collection>,
    pub(crate) articles: Vec<Article>,
    pub(crate) exports: Vec<Export>,
    pub(crate) subscription_types: Vec<SubscriptionType>,
    pub(crate) contact_subscriptions: Vec<ContactSubscription>,
    pub(crate) visitors: Vec<Visitor>,
    pub(crate) jobs: Vec<Job>,
    pub(crate) tokens: HashMap<String, TokenInfo>,
    pub(crate) codes: HashMap<String, PendingCode>,
    pub(crate) scroll: Option<Scroll>,
    /// (window start in Unix seconds, requests counted in it), per token.
    pub(crate) windows: HashMap<String, (u64, u64)>,
    pub(crate) access_token: String,
    pub(crate) next_seq: u64,
    pub(crate) next_id: u64,
    pub(crate) next_request: u64,
}

impl State {
    pub(crate) fn seeded(cfg: Config) -> Self {
        let mut rng = StdRng::seed_from_u64(cfg.seed);
        let app_id = format!("sandbox{:08x}", rng.gen::<u32>());
        let mut state = State {
            rng,
            app_id,
            admins: Vec::new(),
            contacts: Vec::new(),
            companies: Vec::new(),
            tags: Vec::new(),
            conversations: Vec::new(),
            notes: Vec::new(),
            events: Vec::new(),
            event_summaries: Vec::new(),
            data_attributes: Vec::new(),
            teams: Vec::new(),
            segments: Vec::new(),
            ticket_states: Vec::new(),
            ticket_types: Vec::new(),
            tickets: Vec::new(),
            help_centers: Vec::new(),
            collections: Vec::new(),
            articles: Vec::new(),
            exports: Vec::new(),
            subscription_types: Vec::new(),
            contact_subscriptions: Vec::new(),
            visitors: Vec::new(),
            jobs: Vec::new(),
            tokens: HashMap::new(),
            codes: HashMap::new(),
            scroll: None,
            windows: HashMap::new(),
            access_token: String::new(),
            next_seq: 1,
            next_id: 100,
            next_request: 1,
            cfg,
        };
        state.seed();
        state
    }

    // The counters below grow by one per record or request, so they cannot get near their
    // limits; they saturate rather than wrap all the same.

    pub(crate) fn next_seq(&mut self) -> u64 {
        let seq = self.next_seq;
        self.next_seq = seq.saturating_add(1);
        seq
    }

    pub(crate) fn next_int_id(&mut self) -> i64 {
        let id = i64::try_from(self.next_id).unwrap_or(i64::MAX);
        self.next_id = self.next_id.saturating_add(1);
        id
    }

    pub(crate) fn next_numeric_id(&mut self) -> String {
        self.next_int_id().to_string()
    }

    /// A 24-hex-digit id, like Intercom's contact and company ids.
    pub(crate) fn hex_id(&mut self) -> String {
        let a: u64 = self.rng.gen::<u64>() >> 16;
        let b: u64 = self.rng.gen::<u64>() >> 16;
        format!("{a:012x}{b:012x}")
    }

    /// A fresh bearer token: standard base64 of `tok:` plus random bytes (may end in `=`).
    pub(crate) fn new_token(&mut self) -> String {
        let mut bytes = b"tok:".to_vec();
        let extra = self.rng.gen_range(30..33);
        bytes.extend((0..extra).map(|_| self.rng.gen::<u8>()));
        STANDARD.encode(bytes)
    }

    /// A fresh authorization code: standard base64 of 31 to 33 random bytes, so it ends in
    /// `==`, `=` or nothing, and may hold `+` and `/`.
    pub(crate) fn new_code(&mut self) -> String {
        let len = self.rng.gen_range(31..34);
        let bytes: Vec<u8> = (0..len).map(|_| self.rng.gen::<u8>()).collect();
        STANDARD.encode(bytes)
    }

    /// A UUID-shaped request id.
    pub(crate) fn request_id(&mut self) -> String {
        let n = self.next_request;
        self.next_request = n.saturating_add(1);
        // Derived from the counter only, so requests never shift the seeded id sequence.
        let mix = n.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 16;
        format!("{:08x}-0000-4000-8000-{mix:012x}", n & 0xffff_ffff)
    }

    pub(crate) fn admin(&self, id: &str) -> Option<&Admin> {
        self.admins.iter().find(|a| a.id == id)
    }

    pub(crate) fn contact_index(&self, id: &str) -> Option<usize> {
        self.contacts.iter().position(|c| c.id == id)
    }

    pub(crate) fn tag(&self, id: &str) -> Option<&Tag> {
        self.tags.iter().find(|t| t.id == id)
    }

    /// Contacts that show up in lists and searches: not archived, not merged.
    pub(crate) fn listed_contacts(&self) -> impl Iterator<Item = &Contact> {
        self.contacts
            .iter()
            .filter(|c| !c.archived && c.merged_into.is_none())
    }

    /// Follows merges from `id` to the surviving contact (at most 3 hops, as Intercom does).
    pub(crate) fn canonical(&self, id: &str) -> Option<String> {
        let mut current = id.to_owned();
        for _ in 0..3 {
            let next = self
                .contacts
                .iter()
                .find(|c| c.id == current)?
                .merged_into
                .clone()?;
            current = next;
            if self
                .contacts
                .iter()
                .find(|c| c.id == current)
                .is_some_and(|c| c.merged_into.is_none())
            {
                return Some(current);
            }
        }
        Some(current)
    }
}

// The sandbox's credentials are generated test data, but they are handled like real ones:
// no derived Debug prints them (checked by `cargo xtask audit`).
impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("seed", &self.seed)
            .field("contacts", &self.contacts)
            .field("client_id", &self.client_id)
            .field("client_secret", &"[REDACTED]")
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("State")
            .field("cfg", &self.cfg)
            .field("contacts", &self.contacts.len())
            .field("tokens", &"[REDACTED]")
            .finish_non_exhaustive()
    }
}
