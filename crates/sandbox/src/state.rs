//! The in-memory workspace and its deterministic seeding.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Map, Value};

pub(crate) use crate::records::{
    Article, Collection, HelpCenter, Segment, Team, Ticket, TicketState, TicketType,
};

/// Seeded records are dated before this instant (2023-11-14), so they never change with the
/// wall clock.
pub(crate) const SEED_EPOCH: i64 = 1_700_000_000;

/// `SEED_EPOCH` minus `count` steps of `step` seconds (saturating: no seed is that large).
fn before_seed_epoch(count: usize, step: i64) -> i64 {
    let count = i64::try_from(count).unwrap_or(i64::MAX);
    SEED_EPOCH.saturating_sub(count.saturating_mul(step))
}

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
pub(crate) struct Part {
    pub(crate) id: String,
    pub(crate) part_type: String,
    pub(crate) body: Option<String>,
    pub(crate) created_at: i64,
    /// `admin` or `user`.
    pub(crate) author_type: String,
    pub(crate) author_id: String,
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
    pub(crate) data_attributes: Vec<DataAttribute>,
    pub(crate) teams: Vec<Team>,
    pub(crate) segments: Vec<Segment>,
    pub(crate) ticket_states: Vec<TicketState>,
    pub(crate) ticket_types: Vec<TicketType>,
    pub(crate) tickets: Vec<Ticket>,
    pub(crate) help_centers: Vec<HelpCenter>,
    pub(crate) collections: Vec<Collection>,
    pub(crate) articles: Vec<Article>,
    pub(crate) exports: Vec<crate::routes::Export>,
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

const FIRST: &[&str] = &[
    "Ada",
    "Grace",
    "Alan",
    "Barbara",
    "Edsger",
    "Frances",
    "Donald",
    "Margaret",
    "Ken",
    "Radia",
    "Linus",
    "Hedy",
    "Dennis",
    "Katherine",
    "John",
    "Sophie",
];
const LAST: &[&str] = &[
    "Lovelace", "Hopper", "Turing", "Liskov", "Dijkstra", "Allen", "Knuth", "Hamilton", "Thompson",
    "Perlman", "Torvalds", "Lamarr", "Ritchie", "Johnson", "Backus", "Wilson",
];
const COMPANY_WORDS: &[&str] = &[
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Hooli",
    "Vandelay",
    "Stark",
    "Wayne",
    "Tyrell",
    "Cyberdyne",
    "Soylent",
    "Wonka",
];
const INDUSTRIES: &[&str] = &["Software", "Manufacturing", "Retail", "Finance", "Health"];
const PLANS: &[&str] = &["free", "pro", "enterprise"];
const COUNTRIES: &[(&str, &str)] = &[
    ("Ireland", "Dublin"),
    ("United States", "San Francisco"),
    ("United Kingdom", "London"),
    ("Australia", "Sydney"),
    ("Germany", "Berlin"),
];
const TAGS: &[&str] = &["vip", "beta", "churn-risk", "newsletter"];

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

    fn seed(&mut self) {
        let token = self.new_token();
        self.access_token = token.clone();
        // (name, title, number, lowest id): each admin's id is its lowest id plus 0 to 6.
        for (name, title, number, id_base) in [
            ("Sandbox Owner", "Owner", 1, 991_267_000_u64),
            ("Sam Support", "Support Engineer", 2, 991_267_007),
            ("Alex Success", "Customer Success", 3, 991_267_014),
        ] {
            let id = id_base.saturating_add(self.rng.gen_range(0..7)).to_string();
            self.admins.push(Admin {
                id,
                name: name.to_owned(),
                email: format!("admin{number}@sandbox.example.com"),
                job_title: title.to_owned(),
                ..Admin::default()
            });
        }
        let owner = self.admins[0].id.clone();
        self.tokens.insert(
            token,
            TokenInfo {
                admin_id: owner.clone(),
            },
        );
        self.seed_attributes();

        for name in TAGS {
            let id = self.next_numeric_id();
            self.tags.push(Tag {
                id,
                name: (*name).to_owned(),
            });
        }

        // Company `number` (from 1) was created `days_before` days before the seed epoch: the
        // first one `companies` days before, the last one a day before.
        let companies = self.cfg.companies;
        let numbered = (1..=companies).zip((1..=companies).rev());
        for ((number, days_before), word) in numbered.zip(COMPANY_WORDS.iter().cycle()) {
            let id = self.hex_id();
            let created = before_seed_epoch(days_before, 86_400);
            let company = Company {
                id,
                company_id: format!("company-{number}"),
                name: format!("{word} {number}"),
                plan: Some(PLANS[self.rng.gen_range(0..PLANS.len())].to_owned()),
                size: Some(self.rng.gen_range(1..5000)),
                website: Some(format!(
                    "https://{}{number}.example.com",
                    word.to_lowercase()
                )),
                industry: Some(INDUSTRIES[self.rng.gen_range(0..INDUSTRIES.len())].to_owned()),
                monthly_spend: self.rng.gen_range(0..2000),
                session_count: self.rng.gen_range(0..500),
                created_at: created,
                updated_at: created,
                remote_created_at: Some(created),
                custom_attributes: Map::new(),
            };
            self.companies.push(company);
        }

        // Contact `i` (`number` from 1) was created `hours_before` hours before the seed epoch.
        let contacts = self.cfg.contacts;
        let numbered = (0..contacts).zip(1..=contacts).zip((1..=contacts).rev());
        for ((i, number), hours_before) in numbered {
            let seq = self.next_seq();
            let id = self.hex_id();
            let first = FIRST[self.rng.gen_range(0..FIRST.len())];
            let last = LAST[self.rng.gen_range(0..LAST.len())];
            let created = before_seed_epoch(hours_before, 3_600);
            let lead = i % 5 == 4;
            let (country, city) = COUNTRIES[self.rng.gen_range(0..COUNTRIES.len())];
            let mut custom = Map::new();
            custom.insert(
                "plan".into(),
                Value::from(PLANS[self.rng.gen_range(0..PLANS.len())]),
            );
            custom.insert("seats".into(), Value::from(self.rng.gen_range(1..100)));
            custom.insert("paid".into(), Value::from(self.rng.gen_bool(0.5)));
            let mut contact = Contact {
                seq,
                id,
                external_id: (!lead).then(|| format!("user-{number}")),
                role: if lead { "lead" } else { "user" }.to_owned(),
                email: Some(format!(
                    "{}.{}{number}@example.com",
                    first.to_lowercase(),
                    last.to_lowercase(),
                )),
                phone: self.rng.gen_bool(0.5).then(|| format!("+3531{number:07}")),
                name: Some(format!("{first} {last}")),
                created_at: created,
                updated_at: created,
                signed_up_at: (!lead).then_some(created),
                last_seen_at: self
                    .rng
                    .gen_bool(0.7)
                    .then(|| created.saturating_add(self.rng.gen_range(0..86_400))),
                unsubscribed_from_emails: self.rng.gen_bool(0.1),
                custom_attributes: custom,
                country: Some(country.to_owned()),
                city: Some(city.to_owned()),
                ..Contact::default()
            };
            // Round-robin over companies and (for every third contact) tags, when there are any.
            let company = i
                .checked_rem(self.companies.len())
                .and_then(|k| self.companies.get(k));
            if let Some(company) = company {
                contact.company_ids.push(company.id.clone());
            }
            let tag = i
                .checked_rem(self.tags.len())
                .and_then(|k| self.tags.get(k));
            if let Some(tag) = tag.filter(|_| i % 3 == 0) {
                contact.tags.push(AppliedTag {
                    tag_id: tag.id.clone(),
                    applied_at: created,
                    admin_id: owner.clone(),
                });
            }
            self.contacts.push(contact);
        }

        let candidates: Vec<String> = self.contacts.iter().map(|c| c.id.clone()).collect();
        if !candidates.is_empty() {
            // Conversation `i` was started `half_hours_before` half hours before the seed
            // epoch and answered ten minutes later.
            let conversations = self.cfg.conversations;
            let numbered = (0..conversations).zip((1..=conversations).rev());
            for (i, half_hours_before) in numbered {
                let contact_id = candidates[self.rng.gen_range(0..candidates.len())].clone();
                let created = before_seed_epoch(half_hours_before, 1_800);
                let answered = created.saturating_add(600);
                let order = i.saturating_add(1000);
                let admin = self.admins[self.rng.gen_range(0..self.admins.len())]
                    .id
                    .clone();
                let reply_id = self.next_numeric_id();
                let open = self.rng.gen_bool(0.5);
                let seq = self.next_seq();
                let id = self.next_numeric_id();
                let source_id = self.next_numeric_id();
                self.conversations.push(Conversation {
                    seq,
                    id,
                    created_at: created,
                    updated_at: answered,
                    contact_id,
                    source_id,
                    subject: String::new(),
                    body: format!("<p>Hello, I need help with order #{order}</p>"),
                    author_type: "user".into(),
                    author_id: String::new(),
                    delivered_as: "customer_initiated".into(),
                    open,
                    read: !open,
                    waiting_since: None,
                    admin_assignee_id: admin.parse().ok(),
                    parts: vec![Part {
                        id: reply_id,
                        part_type: "comment".into(),
                        body: Some("<p>Thanks for reaching out! Looking into it.</p>".into()),
                        created_at: answered,
                        author_type: "admin".into(),
                        author_id: admin,
                    }],
                    ..Conversation::default()
                });
            }
            for conversation in &mut self.conversations {
                conversation.author_id = conversation.contact_id.clone();
            }
        }
        // Last, so the records above stay what they were before these existed.
        self.seed_records();
    }

    fn seed_attributes(&mut self) {
        let standard: &[(&str, &str, &str, &str, bool)] = &[
            ("contact", "name", "Name", "string", true),
            ("contact", "email", "Email", "string", true),
            ("contact", "phone", "Phone", "string", true),
            ("contact", "external_id", "User ID", "string", true),
            ("contact", "role", "Role", "string", false),
            ("contact", "created_at", "Signed up", "date", false),
            ("contact", "signed_up_at", "Signed up at", "date", true),
            ("contact", "last_seen_at", "Last seen", "date", true),
            (
                "contact",
                "unsubscribed_from_emails",
                "Unsubscribed from emails",
                "boolean",
                true,
            ),
            ("company", "name", "Company name", "string", true),
            ("company", "company_id", "Company ID", "string", false),
            ("company", "plan.name", "Plan", "string", false),
            ("company", "monthly_spend", "Monthly Spend", "float", true),
            ("company", "size", "Company size", "integer", true),
            ("company", "industry", "Company industry", "string", true),
            ("company", "user_count", "People", "integer", false),
        ];
        for (model, full_name, label, data_type, writable) in standard {
            let name = full_name.rsplit('.').next().unwrap_or(full_name);
            self.data_attributes.push(DataAttribute {
                id: None,
                model: (*model).to_owned(),
                name: name.to_owned(),
                full_name: (*full_name).to_owned(),
                label: (*label).to_owned(),
                description: format!("The {}", label.to_lowercase()),
                data_type: (*data_type).to_owned(),
                api_writable: *writable,
                messenger_writable: false,
                custom: false,
                options: Vec::new(),
                admin_id: None,
                created_at: None,
            });
        }
        let owner = self.admins.first().map(|a| a.id.clone());
        for (name, data_type) in [
            ("plan", "string"),
            ("seats", "integer"),
            ("paid", "boolean"),
        ] {
            let id = self.next_int_id();
            self.data_attributes.push(DataAttribute {
                id: Some(id),
                model: "contact".into(),
                name: name.into(),
                full_name: format!("custom_attributes.{name}"),
                label: name.into(),
                description: String::new(),
                data_type: data_type.into(),
                api_writable: true,
                messenger_writable: false,
                custom: true,
                options: Vec::new(),
                admin_id: owner.clone(),
                created_at: Some(SEED_EPOCH - 30 * 86_400),
            });
        }
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
