//! Deterministic seeding of the workspace: admins, tags, companies, contacts, conversations
//! and data attributes from the builder's seed, then the fixed records of `records` (teams,
//! segments, ticket states and types, subscription types).

use rand::Rng;
use serde_json::{Map, Value};

use crate::state::{Admin, TokenInfo};
use crate::state::{
    AppliedTag, Article, Collection, Company, Contact, Conversation, DataAttribute, HelpCenter,
    Part, Segment, State, SubscriptionType, Tag, Team, TicketState, TicketType, Visitor,
    SEED_EPOCH,
};

/// `SEED_EPOCH` minus `count` steps of `step` seconds (saturating: no seed is that large).
fn before_seed_epoch(count: usize, step: i64) -> i64 {
    let count = i64::try_from(count).unwrap_or(i64::MAX);
    SEED_EPOCH.saturating_sub(count.saturating_mul(step))
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
    pub(crate) fn seed(&mut self) {
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
        self.seed_visitors();
    }

    /// Two website visitors, with ids of their own (no draw from the seed's generator, so the
    /// records above do not change).
    fn seed_visitors(&mut self) {
        for (number, name) in [(1_u64, None), (2, Some("Robin Visitor"))] {
            let created_at = before_seed_epoch(usize::try_from(number).unwrap_or(0), 3_600);
            self.visitors.push(Visitor {
                id: format!("{:024x}", 0x0051_7000_u64.saturating_add(number)),
                user_id: format!("00000000-0000-4000-8000-{number:012x}"),
                name: name.map(str::to_owned),
                created_at,
                updated_at: created_at,
                ..Visitor::default()
            });
        }
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
