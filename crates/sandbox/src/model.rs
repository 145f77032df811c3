//! Rendering records in the shapes of the 2.16 schemas (`contact`, `company`, `tag`, …).

use serde_json::{json, Value};

use crate::state::{
    Admin, AppliedTag, Company, Contact, Conversation, DataAttribute, Note, Part, State,
};

const DEFAULT_AVATAR: &str =
    "https://static.intercomassets.com/assets/default-avatars/admins/128.png";

/// `admin` (GET /admins, GET /admins/{id}).
pub(crate) fn admin(a: &Admin) -> Value {
    json!({
        "type": "admin",
        "id": a.id,
        "name": a.name,
        "email": a.email,
        "job_title": a.job_title,
        "away_mode_enabled": false,
        "away_mode_reassign": false,
        "away_status_reason_id": null,
        "has_inbox_seat": true,
        "team_ids": [],
        "avatar": DEFAULT_AVATAR,
    })
}

/// `admin_with_app` (GET /me).
pub(crate) fn me(state: &State, a: &Admin) -> Value {
    json!({
        "type": "admin",
        "id": a.id,
        "name": a.name,
        "email": a.email,
        "job_title": a.job_title,
        "away_mode_enabled": false,
        "away_mode_reassign": false,
        "has_inbox_seat": true,
        "team_ids": [],
        "email_verified": true,
        "avatar": {"type": "avatar", "image_url": DEFAULT_AVATAR},
        "app": {
            "type": "app",
            "id_code": state.app_id,
            "name": "Intercom sandbox",
            "created_at": crate::state::SEED_EPOCH - 365 * 86_400,
            "secure": false,
            "identity_verification": false,
            "timezone": "Etc/UTC",
            "region": "US",
        },
    })
}

fn applied_tag(state: &State, t: &AppliedTag) -> Value {
    let name = state.tag(&t.tag_id).map(|t| t.name.clone());
    json!({
        "type": "tag",
        "id": t.tag_id,
        "name": name,
        "applied_at": t.applied_at,
        "applied_by": {"type": "admin", "id": t.admin_id},
    })
}

/// `contact` (GET/POST/PUT /contacts…, list and search items).
pub(crate) fn contact(state: &State, c: &Contact) -> Value {
    let tags: Vec<Value> = c
        .tags
        .iter()
        .take(10)
        .map(|t| json!({"type": "tag", "id": t.tag_id, "url": format!("/tags/{}", t.tag_id)}))
        .collect();
    let notes: Vec<&Note> = state
        .notes
        .iter()
        .filter(|n| n.contact_id == c.id)
        .collect();
    let note_refs: Vec<Value> = notes
        .iter()
        .take(10)
        .map(|n| json!({"type": "note", "id": n.id, "url": format!("/notes/{}", n.id)}))
        .collect();
    let companies: Vec<Value> = c
        .company_ids
        .iter()
        .take(10)
        .map(|id| json!({"type": "company", "id": id, "url": format!("/companies/{id}")}))
        .collect();
    let email_domain = c
        .email
        .as_deref()
        .and_then(|e| e.rsplit_once('@'))
        .map(|(_, d)| d.to_owned());
    json!({
        "type": "contact",
        "id": c.id,
        "workspace_id": state.app_id,
        "external_id": c.external_id,
        "role": c.role,
        "email": c.email,
        "email_domain": email_domain,
        "phone": c.phone,
        "name": c.name,
        "avatar": c.avatar,
        "owner_id": c.owner_id,
        "social_profiles": {"type": "list", "data": []},
        "has_hard_bounced": false,
        "marked_email_as_spam": false,
        "unsubscribed_from_emails": c.unsubscribed_from_emails,
        "created_at": c.created_at,
        "updated_at": c.updated_at,
        "signed_up_at": c.signed_up_at,
        "last_seen_at": c.last_seen_at,
        "last_replied_at": null,
        "last_contacted_at": null,
        "last_email_opened_at": null,
        "last_email_clicked_at": null,
        "language_override": null,
        "browser": null,
        "browser_version": null,
        "browser_language": null,
        "os": null,
        "location": {
            "type": "location",
            "country": c.country,
            "region": null,
            "city": c.city,
            "country_code": null,
            "continent_code": null,
        },
        "android_app_name": null,
        "android_app_version": null,
        "android_device": null,
        "android_os_version": null,
        "android_sdk_version": null,
        "android_last_seen_at": null,
        "ios_app_name": null,
        "ios_app_version": null,
        "ios_device": null,
        "ios_os_version": null,
        "ios_sdk_version": null,
        "ios_last_seen_at": null,
        "custom_attributes": c.custom_attributes,
        "tags": {
            "type": "list",
            "data": tags,
            "url": format!("/contacts/{}/tags", c.id),
            "total_count": c.tags.len(),
            "has_more": c.tags.len() > 10,
        },
        "notes": {
            "type": "list",
            "data": note_refs,
            "url": format!("/contacts/{}/notes", c.id),
            "total_count": notes.len(),
            "has_more": notes.len() > 10,
        },
        "companies": {
            "type": "list",
            "data": companies,
            "url": format!("/contacts/{}/companies", c.id),
            "total_count": c.company_ids.len(),
            "has_more": c.company_ids.len() > 10,
        },
        "opted_out_subscription_types": {
            "type": "list", "data": [], "url": format!("/contacts/{}/subscriptions", c.id),
            "total_count": 0, "has_more": false,
        },
        "opted_in_subscription_types": {
            "type": "list", "data": [], "url": format!("/contacts/{}/subscriptions", c.id),
            "total_count": 0, "has_more": false,
        },
        "utm_campaign": null,
        "utm_content": null,
        "utm_medium": null,
        "utm_source": null,
        "utm_term": null,
        "referrer": null,
        "enabled_push_messaging": null,
    })
}

/// `contact_reference` plus one flag (`contact_deleted`, `contact_archived`, …).
pub(crate) fn contact_reference(c: &Contact, flag: &str, value: bool) -> Value {
    let mut reference = json!({
        "type": "contact",
        "id": c.id,
        "external_id": c.external_id,
    });
    if let Some(map) = reference.as_object_mut() {
        map.insert(flag.to_owned(), Value::Bool(value));
    }
    reference
}

/// `company`.
pub(crate) fn company(state: &State, c: &Company) -> Value {
    let user_count = state
        .contacts
        .iter()
        .filter(|p| p.company_ids.contains(&c.id))
        .count();
    let plan = match &c.plan {
        Some(name) => json!({"type": "plan", "id": format!("plan-{name}"), "name": name}),
        None => json!({}),
    };
    json!({
        "type": "company",
        "id": c.id,
        "company_id": c.company_id,
        "app_id": state.app_id,
        "name": c.name,
        "remote_created_at": c.remote_created_at,
        "created_at": c.created_at,
        "updated_at": c.updated_at,
        "last_request_at": null,
        "size": c.size,
        "website": c.website,
        "industry": c.industry,
        "monthly_spend": c.monthly_spend,
        "session_count": c.session_count,
        "user_count": user_count,
        "tags": {"type": "tag.list", "tags": []},
        "segments": {"type": "segment.list", "segments": []},
        "plan": plan,
        "custom_attributes": c.custom_attributes,
    })
}

/// `tag` (without `applied_*`).
pub(crate) fn tag(id: &str, name: &str) -> Value {
    json!({"type": "tag", "id": id, "name": name})
}

/// `tag` as attached to a contact.
pub(crate) fn contact_tag(state: &State, t: &AppliedTag) -> Value {
    applied_tag(state, t)
}

fn author(state: &State, kind: &str, id: &str) -> Value {
    if kind == "admin" {
        let a = state.admin(id);
        json!({
            "type": "admin",
            "id": id,
            "name": a.map(|a| a.name.clone()),
            "email": a.map(|a| a.email.clone()),
        })
    } else {
        let c = state.contacts.iter().find(|c| c.id == id);
        json!({
            "type": if c.is_some_and(|c| c.role == "lead") { "lead" } else { "user" },
            "id": id,
            "name": c.and_then(|c| c.name.clone()),
            "email": c.and_then(|c| c.email.clone()),
        })
    }
}

fn part(state: &State, p: &Part) -> Value {
    json!({
        "type": "conversation_part",
        "id": p.id,
        "part_type": p.part_type,
        "body": p.body,
        "created_at": p.created_at,
        "updated_at": p.created_at,
        "notified_at": p.created_at,
        "assigned_to": null,
        "author": author(state, &p.author_type, &p.author_id),
        "attachments": [],
        "external_id": null,
        "redacted": false,
    })
}

/// `conversation_list_item` (GET /conversations) or `conversation` with its parts.
pub(crate) fn conversation(state: &State, c: &Conversation, with_parts: bool) -> Value {
    let external_id = state
        .contacts
        .iter()
        .find(|p| p.id == c.contact_id)
        .and_then(|p| p.external_id.clone());
    let mut value = json!({
        "type": "conversation",
        "id": c.id,
        "title": null,
        "created_at": c.created_at,
        "updated_at": c.updated_at,
        "waiting_since": c.waiting_since,
        "snoozed_until": null,
        "open": c.open,
        "state": if c.open { "open" } else { "closed" },
        "read": c.read,
        "priority": "not_priority",
        "admin_assignee_id": c.admin_assignee_id,
        "team_assignee_id": null,
        "tags": {"type": "tag.list", "tags": []},
        "conversation_rating": null,
        "source": {
            "type": "conversation",
            "id": c.source_id,
            "delivered_as": c.delivered_as,
            "subject": c.subject,
            "body": c.body,
            "author": author(state, &c.author_type, &c.author_id),
            "attachments": [],
            "url": null,
            "redacted": false,
        },
        "contacts": {
            "type": "contact.list",
            "contacts": [{"type": "contact", "id": c.contact_id, "external_id": external_id}],
        },
        "teammates": {"type": "admin.list", "admins": []},
        "custom_attributes": {},
        "first_contact_reply": null,
        "sla_applied": null,
        "statistics": null,
        "linked_objects": {"type": "list", "data": [], "total_count": 0, "has_more": false},
        "ai_agent_participated": false,
        "ai_agent": null,
    });
    if with_parts {
        let parts: Vec<Value> = c.parts.iter().map(|p| part(state, p)).collect();
        if let Some(map) = value.as_object_mut() {
            map.insert("topics".into(), json!({}));
            map.insert("ticket".into(), Value::Null);
            map.insert(
                "conversation_parts".into(),
                json!({
                    "type": "conversation_part.list",
                    "conversation_parts": parts,
                    "total_count": c.parts.len(),
                }),
            );
        }
    }
    value
}

/// `note`.
pub(crate) fn note(state: &State, n: &Note) -> Value {
    let a = state.admin(&n.admin_id);
    json!({
        "type": "note",
        "id": n.id,
        "created_at": n.created_at,
        "contact": {"type": "contact", "id": n.contact_id},
        "author": {
            "type": "admin",
            "id": n.admin_id,
            "name": a.map(|a| a.name.clone()),
            "email": a.map(|a| a.email.clone()),
            "away_mode_enabled": false,
            "away_mode_reassign": false,
        },
        "body": n.body,
    })
}

/// `data_attribute`.
pub(crate) fn data_attribute(d: &DataAttribute) -> Value {
    let mut value = json!({
        "type": "data_attribute",
        "model": d.model,
        "name": d.name,
        "full_name": d.full_name,
        "label": d.label,
        "description": d.description,
        "data_type": d.data_type,
        "api_writable": d.api_writable,
        "ui_writable": !d.custom,
        "messenger_writable": d.messenger_writable,
        "custom": d.custom,
        "archived": false,
    });
    if let Some(map) = value.as_object_mut() {
        if let Some(id) = d.id {
            map.insert("id".into(), Value::from(id));
        }
        if !d.options.is_empty() {
            map.insert("options".into(), json!(d.options));
        }
        if let Some(admin) = &d.admin_id {
            map.insert("admin_id".into(), Value::from(admin.clone()));
        }
        if let Some(at) = d.created_at {
            map.insert("created_at".into(), Value::from(at));
            map.insert("updated_at".into(), Value::from(at));
        }
    }
    value
}

/// `cursor_pages` for page `page` of `total_pages`, with `next` when a cursor is given.
pub(crate) fn cursor_pages(
    page: u64,
    per_page: u64,
    total_pages: u64,
    next: Option<String>,
) -> Value {
    let mut pages = json!({
        "type": "pages",
        "page": page,
        "per_page": per_page,
        "total_pages": total_pages,
    });
    if let (Some(cursor), Some(map)) = (next, pages.as_object_mut()) {
        map.insert(
            "next".into(),
            json!({"page": page + 1, "per_page": per_page, "starting_after": cursor}),
        );
    }
    pages
}
