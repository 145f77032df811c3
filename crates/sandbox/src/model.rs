//! Rendering records as the generated 2.16 models of `intercom-resources` (`Contact`,
//! `Company`, `Tag`, …), so the sandbox's responses cannot drift from the client's types.
//!
//! Every success body is built as a `models::*` value and serialized. The models skip `None`
//! fields, so a property Intercom sends as `null` is absent here; the client's lenient decoding
//! treats both the same. The few pieces Intercom sends that the models cannot express are
//! added to the serialized JSON afterwards, each with a comment naming why (see
//! [`with_next_page`] and [`contact_value`]).
//!
//! Why this file is long: the contact and conversation renderings copy between a model and
//! its list or response shape field by field (the generated types share no struct), which
//! takes about half of it; the renderers of newer resources (tickets, articles, teams,
//! exports) live next to their routes.

use intercom_resources::lenient::Timestamp;
use intercom_resources::models;
use serde::Serialize;
use serde_json::Value;

pub(crate) use crate::errors::to_json;
use crate::errors::ErrorReply;
use crate::state::{
    Admin, AppliedTag, Company, Contact, Conversation, DataAttribute, Note, Part, State,
};

const DEFAULT_AVATAR: &str =
    "https://static.intercomassets.com/assets/default-avatars/admins/128.png";

/// Nested lists (`tags`, `notes`, `companies` of a contact) show at most this many items.
const NESTED_LIMIT: usize = 10;

fn s(v: &str) -> Option<String> {
    Some(v.to_owned())
}

fn ts(seconds: i64) -> Option<Timestamp> {
    Some(Timestamp::from_unix(seconds))
}

fn count(n: usize) -> Option<i64> {
    Some(i64::try_from(n).unwrap_or(i64::MAX))
}

/// `admin` (GET /admins, GET /admins/{id}).
pub(crate) fn admin(a: &Admin) -> models::Admin {
    fill!(models::Admin {
        type_: s("admin"),
        id: Some(a.id.clone()),
        name: Some(a.name.clone()),
        email: Some(a.email.clone()),
        job_title: Some(a.job_title.clone()),
        away_mode_enabled: Some(a.away_mode_enabled),
        away_mode_reassign: Some(a.away_mode_reassign),
        has_inbox_seat: Some(true),
        team_ids: Some(Vec::new()),
        avatar: s(DEFAULT_AVATAR),
        ..Default::default()
    })
}

/// `admin.list` (GET /admins).
pub(crate) fn admin_list(state: &State) -> models::AdminList {
    fill!(models::AdminList {
        type_: s("admin.list"),
        admins: Some(state.admins.iter().map(admin).collect()),
    })
}

/// `admin_with_app` (GET /me).
pub(crate) fn me(state: &State, a: &Admin) -> models::AdminWithApp {
    fill!(models::AdminWithApp {
        type_: s("admin"),
        id: Some(a.id.clone()),
        name: Some(a.name.clone()),
        email: Some(a.email.clone()),
        job_title: Some(a.job_title.clone()),
        away_mode_enabled: Some(a.away_mode_enabled),
        away_mode_reassign: Some(a.away_mode_reassign),
        has_inbox_seat: Some(true),
        team_ids: Some(Vec::new()),
        email_verified: Some(true),
        avatar: Some(fill!(models::AdminWithAppAvatar {
            type_: s("avatar"),
            image_url: s(DEFAULT_AVATAR),
        })),
        app: Some(fill!(models::App {
            type_: s("app"),
            id_code: Some(state.app_id.clone()),
            name: s("Intercom sandbox"),
            created_at: ts(crate::state::SEED_EPOCH - 365 * 86_400),
            identity_verification: Some(false),
            timezone: s("Etc/UTC"),
            region: s("US"),
        })),
    })
}

fn addressable(kind: &str, id: &str, url: String) -> models::AddressableList {
    fill!(models::AddressableList {
        type_: s(kind),
        id: Some(id.to_owned()),
        url: Some(url),
    })
}

/// `contact` (list and search items).
pub(crate) fn contact(state: &State, c: &Contact) -> models::Contact {
    let tags: Vec<models::AddressableList> = c
        .tags
        .iter()
        .take(NESTED_LIMIT)
        .map(|t| addressable("tag", &t.tag_id, format!("/tags/{}", t.tag_id)))
        .collect();
    let notes: Vec<&Note> = state
        .notes
        .iter()
        .filter(|n| n.contact_id == c.id)
        .collect();
    let note_refs: Vec<models::AddressableList> = notes
        .iter()
        .take(NESTED_LIMIT)
        .map(|n| addressable("note", &n.id, format!("/notes/{}", n.id)))
        .collect();
    let companies: Vec<models::CompanyData> = c
        .company_ids
        .iter()
        .take(NESTED_LIMIT)
        .map(|id| {
            fill!(models::CompanyData {
                type_: s("company"),
                id: Some(id.clone()),
                url: Some(format!("/companies/{id}")),
            })
        })
        .collect();
    let email_domain = c
        .email
        .as_deref()
        .and_then(|e| e.rsplit_once('@'))
        .map(|(_, d)| d.to_owned());
    fill!(models::Contact {
        type_: s("contact"),
        id: Some(c.id.clone()),
        workspace_id: Some(state.app_id.clone()),
        external_id: c.external_id.clone(),
        role: Some(c.role.clone()),
        email: c.email.clone(),
        email_domain: email_domain,
        phone: c.phone.clone(),
        name: c.name.clone(),
        avatar: c.avatar.as_ref().map(|url| fill!(models::ContactAvatar {
            type_: s("avatar"),
            image_url: Some(url.clone()),
        })),
        // The 2.16 schema declares `owner_id` a string.
        owner_id: c.owner_id.map(|id| id.to_string()),
        social_profiles: Some(fill!(models::ContactSocialProfiles {
            data: Some(Vec::new()),
        })),
        has_hard_bounced: Some(false),
        marked_email_as_spam: Some(false),
        unsubscribed_from_emails: Some(c.unsubscribed_from_emails),
        created_at: ts(c.created_at),
        updated_at: ts(c.updated_at),
        signed_up_at: c.signed_up_at.and_then(ts),
        last_seen_at: c.last_seen_at.and_then(ts),
        location: Some(fill!(models::ContactLocation {
            type_: s("location"),
            country: c.country.clone(),
            region: None,
            city: c.city.clone(),
        })),
        custom_attributes: Some(Value::Object(c.custom_attributes.clone())),
        tags: Some(fill!(models::ContactTags {
            data: Some(tags),
            url: Some(format!("/contacts/{}/tags", c.id)),
            total_count: count(c.tags.len()),
            has_more: Some(c.tags.len() > NESTED_LIMIT),
        })),
        notes: Some(fill!(models::ContactNotes {
            data: Some(note_refs),
            url: Some(format!("/contacts/{}/notes", c.id)),
            total_count: count(notes.len()),
            has_more: Some(notes.len() > NESTED_LIMIT),
        })),
        companies: Some(fill!(models::ContactCompanies {
            data: Some(companies),
            url: Some(format!("/contacts/{}/companies", c.id)),
            total_count: count(c.company_ids.len()),
            has_more: Some(c.company_ids.len() > NESTED_LIMIT),
        })),
        ..Default::default()
    })
}

/// `contact` as JSON, with what Intercom sends beyond the model: the nested lists
/// (`tags`, `notes`, `companies`, `social_profiles`) carry `"type": "list"`, which the 2.16
/// schemas of those inline objects do not declare.
pub(crate) fn contact_value(model: &models::Contact) -> Result<Value, ErrorReply> {
    let mut value = to_json(model)?;
    add_list_types(&mut value);
    Ok(value)
}

/// See [`contact_value`].
fn add_list_types(contact: &mut Value) {
    for key in ["tags", "notes", "companies", "social_profiles"] {
        if let Some(map) = contact.get_mut(key).and_then(Value::as_object_mut) {
            map.insert("type".into(), Value::from("list"));
        }
    }
}

/// `contact_list` (GET /contacts, POST /contacts/search), with `pages.next.page` (see
/// [`with_next_page`]) and the nested lists' `type` (see [`contact_value`]).
pub(crate) fn contact_list(list: &models::ContactList) -> Result<Value, ErrorReply> {
    let mut value = with_next_page(list)?;
    if let Some(items) = value.get_mut("data").and_then(Value::as_array_mut) {
        items.iter_mut().for_each(add_list_types);
    }
    Ok(value)
}

/// `contact` as returned by get, create and update (`CreateContactResponse`: the `contact`
/// it extends, plus `enabled_push_messaging`).
pub(crate) fn contact_response(state: &State, c: &Contact) -> Result<Value, ErrorReply> {
    let response = fill!(models::ContactResponse {
        contact: contact(state, c),
        enabled_push_messaging: None,
    });
    let mut value = to_json(&response)?;
    add_list_types(&mut value);
    Ok(value)
}

/// `contact_reference`: what the deleted, archived and unarchived answers extend.
fn contact_reference(c: &Contact) -> models::ContactReference {
    fill!(models::ContactReference {
        type_: s("contact"),
        id: Some(c.id.clone()),
        external_id: c.external_id.clone(),
    })
}

/// `contact_deleted` (DELETE /contacts/{id}).
pub(crate) fn contact_deleted(c: &Contact) -> models::ContactDeleted {
    fill!(models::ContactDeleted {
        contact_reference: contact_reference(c),
        deleted: Some(true),
    })
}

/// `contact_archived` / `contact_unarchived` (POST /contacts/{id}/(un)archive): the two
/// schemas have the same fields.
pub(crate) fn contact_archived(c: &Contact) -> Result<Value, ErrorReply> {
    if c.archived {
        to_json(&fill!(models::ContactArchived {
            contact_reference: contact_reference(c),
            archived: Some(true),
        }))
    } else {
        to_json(&fill!(models::ContactUnarchived {
            contact_reference: contact_reference(c),
            archived: Some(false),
        }))
    }
}

/// `company`.
pub(crate) fn company(state: &State, c: &Company) -> models::Company {
    let user_count = state
        .contacts
        .iter()
        .filter(|p| p.company_ids.contains(&c.id))
        .count();
    fill!(models::Company {
        type_: s("company"),
        id: Some(c.id.clone()),
        company_id: Some(c.company_id.clone()),
        app_id: Some(state.app_id.clone()),
        name: Some(c.name.clone()),
        remote_created_at: c.remote_created_at.and_then(ts),
        created_at: ts(c.created_at),
        updated_at: ts(c.updated_at),
        size: c.size,
        website: c.website.clone(),
        industry: c.industry.clone(),
        monthly_spend: Some(c.monthly_spend),
        session_count: Some(c.session_count),
        user_count: count(user_count),
        tags: Some(fill!(models::CompanyTags {
            type_: s("tag.list"),
            tags: Some(Vec::new()),
        })),
        segments: Some(fill!(models::CompanySegments {
            type_: s("segment.list"),
            segments: Some(Vec::new()),
        })),
        plan: c.plan.as_ref().map(|name| fill!(models::CompanyPlan {
            type_: s("plan"),
            id: Some(format!("plan-{name}")),
            name: Some(name.clone()),
        })),
        custom_attributes: Some(c.custom_attributes.clone()),
        ..Default::default()
    })
}

/// `tag` without `applied_*` (GET /tags, GET /contacts/{id}/tags).
pub(crate) fn tag(id: &str, name: &str) -> models::Tag {
    fill!(models::Tag {
        type_: s("tag"),
        id: s(id),
        name: s(name),
        ..Default::default()
    })
}

/// `tag_list`.
pub(crate) fn tag_list(tags: Vec<models::Tag>) -> models::TagList {
    fill!(models::TagList {
        type_: s("list"),
        data: Some(tags),
    })
}

/// `tag` as attached to a contact, with `applied_at` and `applied_by`.
pub(crate) fn contact_tag(state: &State, t: &AppliedTag) -> models::Tag {
    fill!(models::Tag {
        type_: s("tag"),
        id: Some(t.tag_id.clone()),
        name: state.tag(&t.tag_id).map(|t| t.name.clone()),
        applied_at: ts(t.applied_at),
        applied_by: Some(fill!(models::Reference {
            type_: s("admin"),
            id: Some(t.admin_id.clone()),
        })),
    })
}

/// (type, id, name, email) of a message author.
fn author(state: &State, kind: &str, id: &str) -> (String, Option<String>, Option<String>) {
    if kind == "admin" {
        let a = state.admin(id);
        (
            "admin".into(),
            a.map(|a| a.name.clone()),
            a.map(|a| a.email.clone()),
        )
    } else {
        let c = state.contacts.iter().find(|c| c.id == id);
        let kind = if c.is_some_and(|c| c.role == "lead") {
            "lead"
        } else {
            "user"
        };
        (
            kind.into(),
            c.and_then(|c| c.name.clone()),
            c.and_then(|c| c.email.clone()),
        )
    }
}

fn part(state: &State, p: &Part) -> models::ConversationPart {
    let (kind, name, email) = author(state, &p.author_type, &p.author_id);
    fill!(models::ConversationPart {
        type_: s("conversation_part"),
        id: Some(p.id.clone()),
        part_type: Some(p.part_type.clone()),
        body: p.body.clone(),
        created_at: ts(p.created_at),
        updated_at: ts(p.created_at),
        notified_at: ts(p.created_at),
        author: Some(fill!(models::ConversationPartAuthor {
            type_: Some(kind),
            id: Some(p.author_id.clone()),
            name: name,
            email: email,
            ..Default::default()
        })),
        attachments: Some(Vec::new()),
        redacted: Some(false),
        ..Default::default()
    })
}

/// `conversation` with its parts (GET /conversations/{id}, POST …/reply).
pub(crate) fn conversation(state: &State, c: &Conversation) -> models::Conversation {
    let (kind, name, email) = author(state, &c.author_type, &c.author_id);
    let state_name = match (c.open, c.snoozed_until) {
        (false, _) => "closed",
        (true, Some(_)) => "snoozed",
        (true, None) => "open",
    };
    let contacts = std::iter::once(&c.contact_id)
        .chain(&c.other_contact_ids)
        .map(|id| {
            let external_id = state
                .contacts
                .iter()
                .find(|p| p.id == *id)
                .and_then(|p| p.external_id.clone());
            fill!(models::ContactReference {
                type_: s("contact"),
                id: Some(id.clone()),
                external_id: external_id,
            })
        })
        .collect();
    let tags = c
        .tag_ids
        .iter()
        .filter_map(|id| state.tag(id))
        .map(|t| tag(&t.id, &t.name))
        .collect();
    fill!(models::Conversation {
        type_: s("conversation"),
        id: Some(c.id.clone()),
        created_at: ts(c.created_at),
        updated_at: ts(c.updated_at),
        waiting_since: c.waiting_since.and_then(ts),
        open: Some(c.open),
        state: Some(models::ConversationState::from(state_name)),
        read: Some(c.read),
        priority: Some(models::ConversationPriority::None),
        admin_assignee_id: c.admin_assignee_id.map(|id| id.to_string()),
        team_assignee_id: c.team_assignee_id.map(|id| id.to_string()),
        snoozed_until: c.snoozed_until.and_then(ts),
        tags: Some(fill!(models::Tags {
            type_: s("tag.list"),
            tags: Some(tags),
        })),
        source: Some(fill!(models::ConversationSource {
            type_: s("conversation"),
            id: Some(c.source_id.clone()),
            delivered_as: Some(c.delivered_as.clone()),
            subject: Some(c.subject.clone()),
            body: Some(c.body.clone()),
            author: Some(fill!(models::ConversationSourceAuthor {
                type_: Some(kind),
                id: Some(c.author_id.clone()),
                name: name,
                email: email,
            })),
            attachments: Some(Vec::new()),
            redacted: Some(false),
            ..Default::default()
        })),
        contacts: Some(fill!(models::ConversationContacts {
            type_: s("contact.list"),
            contacts: Some(contacts),
        })),
        teammates: Some(fill!(models::ConversationTeammates {
            type_: s("admin.list"),
            teammates: Some(Vec::new()),
        })),
        custom_attributes: Some(models::CustomAttributes::new()),
        linked_objects: Some(fill!(models::LinkedObjectList {
            type_: s("list"),
            data: Some(Vec::new()),
            total_count: Some(0),
            has_more: Some(false),
        })),
        ai_agent_participated: Some(false),
        conversation_parts: Some(fill!(models::ConversationParts {
            type_: s("conversation_part.list"),
            conversation_parts: Some(c.parts.iter().map(|p| part(state, p)).collect()),
            total_count: count(c.parts.len()),
        })),
        ..Default::default()
    })
}

/// `conversation_list_item` (GET /conversations): the conversation without its parts.
/// Destructured field by field, like [`contact_response`].
pub(crate) fn conversation_item(state: &State, c: &Conversation) -> models::ConversationListItem {
    let models::Conversation {
        admin_assignee_id,
        ai_agent,
        ai_agent_participated,
        channel,
        company,
        contacts,
        conversation_parts: _,
        conversation_rating,
        created_at,
        custom_attributes,
        external_references,
        first_contact_reply,
        id,
        linked_objects,
        monitor_evaluations,
        open,
        priority,
        read,
        sales_agent,
        sales_agent_participated,
        scorecards,
        sla_applied,
        snoozed_until,
        source,
        state: conversation_state,
        statistics,
        tags,
        team_assignee_id,
        teammates,
        title,
        type_,
        updated_at,
        waiting_since,
        extra,
        ..
    } = conversation(state, c);
    fill!(models::ConversationListItem {
        admin_assignee_id: admin_assignee_id,
        ai_agent: ai_agent,
        ai_agent_participated: ai_agent_participated,
        channel: channel,
        company: company,
        contacts: contacts,
        conversation_rating: conversation_rating,
        created_at: created_at,
        custom_attributes: custom_attributes,
        external_references: external_references,
        first_contact_reply: first_contact_reply,
        id: id,
        linked_objects: linked_objects,
        monitor_evaluations: monitor_evaluations,
        open: open,
        priority: priority,
        read: read,
        sales_agent: sales_agent,
        sales_agent_participated: sales_agent_participated,
        scorecards: scorecards,
        sla_applied: sla_applied,
        snoozed_until: snoozed_until,
        source: source,
        state: conversation_state,
        statistics: statistics,
        tags: tags,
        team_assignee_id: team_assignee_id,
        teammates: teammates,
        title: title,
        type_: type_,
        updated_at: updated_at,
        waiting_since: waiting_since,
        extra: extra,
    })
}

/// `note`.
pub(crate) fn note(state: &State, n: &Note) -> models::Note {
    let a = state.admin(&n.admin_id);
    fill!(models::Note {
        type_: s("note"),
        id: Some(n.id.clone()),
        created_at: ts(n.created_at),
        contact: Some(fill!(models::NoteContact {
            type_: s("contact"),
            id: Some(n.contact_id.clone()),
        })),
        author: Some(fill!(models::Admin {
            type_: s("admin"),
            id: Some(n.admin_id.clone()),
            name: a.map(|a| a.name.clone()),
            email: a.map(|a| a.email.clone()),
            away_mode_enabled: Some(false),
            away_mode_reassign: Some(false),
            ..Default::default()
        })),
        body: Some(n.body.clone()),
        ..Default::default()
    })
}

/// `data_attribute`.
pub(crate) fn data_attribute(d: &DataAttribute) -> models::DataAttribute {
    fill!(models::DataAttribute {
        type_: s("data_attribute"),
        // Written as an integer, as the schema declares.
        id: d.id.map(|id| id.to_string()),
        model: Some(models::DataAttributeModel::from(d.model.as_str())),
        name: Some(d.name.clone()),
        full_name: Some(d.full_name.clone()),
        label: Some(d.label.clone()),
        description: Some(d.description.clone()),
        data_type: Some(models::DataAttributeDataType::from(d.data_type.as_str())),
        options: (!d.options.is_empty()).then(|| d.options.clone()),
        api_writable: Some(d.api_writable),
        ui_writable: Some(!d.custom),
        messenger_writable: Some(d.messenger_writable),
        custom: Some(d.custom),
        archived: Some(false),
        admin_id: d.admin_id.clone(),
        created_at: d.created_at.and_then(ts),
        updated_at: d.created_at.and_then(ts),
    })
}

/// `cursor_pages` for page `page` of `total_pages`, with `next` when a cursor is given.
pub(crate) fn cursor_pages(
    page: u64,
    per_page: u64,
    total_pages: u64,
    next: Option<String>,
) -> models::CursorPages {
    let int = |n: u64| Some(i64::try_from(n).unwrap_or(i64::MAX));
    fill!(models::CursorPages {
        type_: s("pages"),
        page: int(page),
        per_page: int(per_page),
        total_pages: int(total_pages),
        next: next.map(|cursor| fill!(models::StartingAfterPaging {
            per_page: int(per_page),
            starting_after: Some(cursor),
        })),
    })
}

/// Numbered `pages`: `next` (without a cursor) on every page but the last.
pub(crate) fn numbered_pages(page: u64, per_page: u64, total_pages: u64) -> models::CursorPages {
    let mut pages = cursor_pages(page, per_page, total_pages, None);
    if page < total_pages {
        pages.next = Some(fill!(models::StartingAfterPaging {
            per_page: pages.per_page,
            starting_after: None,
        }));
    }
    pages
}

/// Serializes a list whose `pages` is a `cursor_pages`, adding `pages.next.page`: Intercom
/// sends the next page's number there (facts §g1: `"next":{"page":2,"starting_after":…}`),
/// but the 2.16 `starting_after_paging` schema, and so the model, has no `page`.
pub(crate) fn with_next_page<T: Serialize>(list: &T) -> Result<Value, ErrorReply> {
    let mut value = to_json(list)?;
    if let Some(pages) = value.get_mut("pages").and_then(Value::as_object_mut) {
        let page = pages.get("page").and_then(Value::as_u64);
        if let (Some(page), Some(next)) =
            (page, pages.get_mut("next").and_then(Value::as_object_mut))
        {
            next.insert("page".into(), Value::from(page.saturating_add(1)));
        }
    }
    Ok(value)
}
