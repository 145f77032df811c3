//! The authenticated REST routes: the dispatch table, stateful handlers first, then the
//! stateless answers of [`stateless`] for every other operation of the API.

mod articles;
mod attributes;
mod companies;
mod contacts;
mod conversation_actions;
mod conversations;
mod events;
mod messages;
mod paging;
mod stateless;
mod subscriptions;
mod tags;
mod teams;
mod ticket_search;
mod ticket_types;
mod tickets;
mod visitors;

use articles::*;
use attributes::*;
use companies::*;
use contacts::*;
use conversation_actions::*;
use conversations::*;
use events::*;
use messages::*;
use paging::*;
use subscriptions::*;
use tags::*;
use teams::*;
use ticket_search::*;
use ticket_types::*;
use tickets::*;
use visitors::*;

pub(crate) use stateless::OPERATIONS;

/// The operations a stateful handler holds, as (method, path template), in the order of
/// [`OPERATIONS`]; a unit test routes every operation to check it.
pub(crate) const STATEFUL: &[(&str, &str)] = &[
    ("GET", "/admins"),
    ("GET", "/admins/{admin_id}"),
    ("PUT", "/admins/{admin_id}/away"),
    ("GET", "/articles"),
    ("POST", "/articles"),
    ("DELETE", "/articles/{article_id}"),
    ("GET", "/articles/{article_id}"),
    ("PUT", "/articles/{article_id}"),
    ("GET", "/companies"),
    ("POST", "/companies"),
    ("POST", "/companies/list"),
    ("GET", "/companies/scroll"),
    ("GET", "/companies/{company_id}"),
    ("GET", "/contacts"),
    ("POST", "/contacts"),
    ("POST", "/contacts/search"),
    ("DELETE", "/contacts/{contact_id}"),
    ("GET", "/contacts/{contact_id}"),
    ("PUT", "/contacts/{contact_id}"),
    ("POST", "/contacts/{contact_id}/archive"),
    ("GET", "/contacts/{contact_id}/notes"),
    ("POST", "/contacts/{contact_id}/notes"),
    ("GET", "/contacts/{contact_id}/subscriptions"),
    ("POST", "/contacts/{contact_id}/subscriptions"),
    (
        "DELETE",
        "/contacts/{contact_id}/subscriptions/{subscription_id}",
    ),
    ("GET", "/contacts/{contact_id}/tags"),
    ("POST", "/contacts/{contact_id}/tags"),
    ("DELETE", "/contacts/{contact_id}/tags/{tag_id}"),
    ("POST", "/contacts/{contact_id}/unarchive"),
    ("GET", "/conversations"),
    ("POST", "/conversations"),
    ("GET", "/conversations/{conversation_id}"),
    ("POST", "/conversations/{conversation_id}/customers"),
    (
        "DELETE",
        "/conversations/{conversation_id}/customers/{contact_id}",
    ),
    ("POST", "/conversations/{conversation_id}/parts"),
    ("POST", "/conversations/{conversation_id}/reply"),
    ("POST", "/conversations/{conversation_id}/tags"),
    ("DELETE", "/conversations/{conversation_id}/tags/{tag_id}"),
    ("GET", "/data_attributes"),
    ("POST", "/data_attributes"),
    ("GET", "/download/content/data/{job_identifier}"),
    ("GET", "/events"),
    ("POST", "/events"),
    ("POST", "/events/summaries"),
    ("POST", "/export/cancel/{job_identifier}"),
    ("POST", "/export/content/data"),
    ("GET", "/export/content/data/{job_identifier}"),
    ("GET", "/help_center/collections"),
    ("POST", "/help_center/collections"),
    ("DELETE", "/help_center/collections/{collection_id}"),
    ("GET", "/help_center/collections/{collection_id}"),
    ("PUT", "/help_center/collections/{collection_id}"),
    ("GET", "/help_center/help_centers"),
    ("GET", "/help_center/help_centers/{help_center_id}"),
    ("GET", "/jobs/status/{job_id}"),
    ("GET", "/me"),
    ("POST", "/messages"),
    ("GET", "/segments"),
    ("GET", "/segments/{segment_id}"),
    ("GET", "/subscription_types"),
    ("GET", "/tags"),
    ("POST", "/tags"),
    ("GET", "/teams"),
    ("GET", "/teams/{team_id}"),
    ("GET", "/ticket_states"),
    ("GET", "/ticket_types"),
    ("POST", "/ticket_types"),
    ("GET", "/ticket_types/{ticket_type_id}"),
    ("PUT", "/ticket_types/{ticket_type_id}"),
    ("POST", "/tickets"),
    ("POST", "/tickets/enqueue"),
    ("POST", "/tickets/search"),
    ("DELETE", "/tickets/{ticket_id}"),
    ("GET", "/tickets/{ticket_id}"),
    ("PUT", "/tickets/{ticket_id}"),
    ("POST", "/tickets/{ticket_id}/reply"),
    ("POST", "/tickets/{ticket_id}/tags"),
    ("DELETE", "/tickets/{ticket_id}/tags/{tag_id}"),
    ("GET", "/visitors"),
    ("PUT", "/visitors"),
    ("POST", "/visitors/convert"),
];

/// The path template of the API operation `method path` is, when it is one.
pub(crate) fn operation(method: &Method, path: &str) -> Option<&'static str> {
    let segments: Option<Vec<String>> = path
        .trim_start_matches('/')
        .split('/')
        .map(decode_segment)
        .collect();
    let segments = segments?;
    let s: Vec<&str> = segments.iter().map(String::as_str).collect();
    stateless::find(method, &s).map(|(template, _)| template)
}

use std::time::Instant;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use http::{Method, StatusCode};
use intercom_resources::models;
use serde_json::{json, Map, Value};

use crate::errors::{ErrorReply, Outcome, Reply};
use crate::http_util::{
    decode_segment, json_object, opt_bool, opt_i64, opt_id, opt_object, opt_str, req_id, req_str,
    type_error, Query,
};
use crate::model;
use crate::search;
use crate::state::{
    now, AppliedTag, Company, Contact, Conversation, DataAttribute, Event, EventSummary, Note,
    Part, Scroll, State, Tag, SCROLL_TTL,
};
use intercom_resources::lenient::Timestamp;

/// Largest `per_page` any endpoint accepts (facts §g1).
const MAX_PER_PAGE: u64 = 150;
/// Companies per scroll page.
const SCROLL_PAGE: usize = 50;

/// One authenticated request.
pub(crate) struct Request<'a> {
    pub(crate) method: &'a Method,
    pub(crate) path: &'a str,
    pub(crate) query: Query,
    pub(crate) body: &'a [u8],
    pub(crate) admin_id: String,
    pub(crate) token: &'a str,
}

/// Dispatches an authenticated request.
pub(crate) fn route(state: &mut State, req: &Request<'_>) -> Outcome {
    let mut segments = Vec::new();
    for raw in req.path.trim_start_matches('/').split('/') {
        segments.push(decode_segment(raw).ok_or_else(ErrorReply::not_found)?);
    }
    if segments.last().is_some_and(String::is_empty) && segments.len() > 1 {
        segments.pop();
    }
    let s: Vec<&str> = segments.iter().map(String::as_str).collect();
    stateful(state, req, &s).unwrap_or_else(|| {
        stateless::answer(req.method, &s).unwrap_or_else(|| Err(ErrorReply::not_found()))
    })
}

/// The answer of the stateful handler that holds `method path` (split into decoded
/// segments), or `None` when the operation is answered by [`stateless`].
fn stateful(state: &mut State, req: &Request<'_>, s: &[&str]) -> Option<Outcome> {
    let m = req.method;
    Some(match (m, s) {
        (&Method::GET, ["me"]) => me(state, req),
        (&Method::GET, ["admins"]) => Reply::model(&model::admin_list(state)),
        (&Method::GET, ["admins", id]) if !id.starts_with("activity_log") => {
            match state.admin(id) {
                Some(a) => Reply::model(&model::admin(a)),
                None => Err(ErrorReply::new(
                    StatusCode::NOT_FOUND,
                    "admin_not_found",
                    "Admin not found",
                )),
            }
        }
        (&Method::GET, ["contacts"]) => list_contacts(state, req),
        (&Method::POST, ["contacts"]) => create_contact(state, req),
        (&Method::POST, ["contacts", "search"]) => search_contacts(state, req),
        (&Method::GET, ["contacts", id]) => get_contact(state, id),
        (&Method::PUT, ["contacts", id]) => update_contact(state, req, id),
        (&Method::DELETE, ["contacts", id]) => delete_contact(state, id),
        (&Method::POST, ["contacts", id, "archive"]) => set_archived(state, id, true),
        (&Method::POST, ["contacts", id, "unarchive"]) => set_archived(state, id, false),
        (&Method::GET, ["contacts", id, "tags"]) => contact_tags(state, id),
        (&Method::POST, ["contacts", id, "tags"]) => tag_contact(state, req, id),
        (&Method::DELETE, ["contacts", id, "tags", tag_id]) => untag_contact(state, id, tag_id),
        (&Method::POST, ["contacts", id, "notes"]) => create_note(state, req, id),
        (&Method::GET, ["contacts", id, "notes"]) => list_notes(state, req, id),
        (&Method::GET, ["companies"]) => list_companies(state, req),
        (&Method::POST, ["companies"]) => upsert_company(state, req),
        (&Method::POST, ["companies", "list"]) => all_companies(state, req),
        (&Method::GET, ["companies", "scroll"]) => scroll_companies(state, req),
        (&Method::GET, ["companies", id]) => match state.companies.iter().find(|c| c.id == *id) {
            Some(c) => Reply::model(&model::company(state, c)),
            None => Err(company_not_found()),
        },
        (&Method::GET, ["tags"]) => Reply::model(&model::tag_list(
            state
                .tags
                .iter()
                .map(|t| model::tag(&t.id, &t.name))
                .collect(),
        )),
        (&Method::POST, ["tags"]) => create_tag(state, req),
        (&Method::GET, ["conversations"]) => list_conversations(state, req),
        (&Method::POST, ["conversations"]) => create_conversation(state, req),
        (&Method::GET, ["conversations", id]) if !matches!(*id, "attributes" | "deleted") => {
            match state.conversations.iter().find(|c| c.id == *id) {
                Some(c) => Reply::model(&model::conversation(state, c)),
                None => Err(ErrorReply::not_found()),
            }
        }
        (&Method::POST, ["conversations", id, "reply"]) => reply(state, req, id),
        (&Method::POST, ["conversations", id, "parts"]) => manage_conversation(state, req, id),
        (&Method::POST, ["conversations", id, "tags"]) => tag_conversation(state, req, id),
        (&Method::DELETE, ["conversations", id, "tags", tag_id]) => {
            untag_conversation(state, req, id, tag_id)
        }
        (&Method::POST, ["conversations", id, "customers"]) => attach_contact(state, req, id),
        (&Method::DELETE, ["conversations", id, "customers", contact_id]) => {
            detach_contact(state, req, id, contact_id)
        }
        (&Method::POST, ["tickets"]) => create_ticket(state, req),
        (&Method::POST, ["tickets", "enqueue"]) => enqueue_ticket(state, req),
        (&Method::GET, ["jobs", "status", id]) => job_status(state, req, id),
        (&Method::GET, ["visitors"]) => get_visitor(state, req),
        (&Method::PUT, ["visitors"]) => update_visitor(state, req),
        (&Method::POST, ["visitors", "convert"]) => convert_visitor(state, req),
        (&Method::POST, ["tickets", "search"]) => search_tickets(state, req),
        (&Method::GET, ["tickets", id]) => get_ticket(state, id),
        (&Method::PUT, ["tickets", id]) => update_ticket(state, req, id),
        (&Method::DELETE, ["tickets", id]) => delete_ticket(state, id),
        (&Method::POST, ["tickets", id, "reply"]) => reply_ticket(state, req, id),
        (&Method::POST, ["tickets", id, "tags"]) => tag_ticket(state, req, id),
        (&Method::DELETE, ["tickets", id, "tags", tag_id]) => untag_ticket(state, req, id, tag_id),
        (&Method::GET, ["ticket_types"]) => list_ticket_types(state),
        (&Method::POST, ["ticket_types"]) => create_ticket_type(state, req),
        (&Method::GET, ["ticket_types", id]) => get_ticket_type(state, id),
        (&Method::PUT, ["ticket_types", id]) => update_ticket_type(state, req, id),
        (&Method::GET, ["ticket_states"]) => list_ticket_states(state),
        (&Method::GET, ["teams"]) => list_teams(state),
        (&Method::GET, ["teams", id]) => get_team(state, id),
        (&Method::GET, ["segments"]) => list_segments(state, req),
        (&Method::GET, ["segments", id]) => get_segment(state, id),
        (&Method::PUT, ["admins", id, "away"]) => set_away(state, req, id),
        (&Method::GET, ["subscription_types"]) => list_subscription_types(state),
        (&Method::GET, ["contacts", id, "subscriptions"]) => contact_subscriptions(state, id),
        (&Method::POST, ["contacts", id, "subscriptions"]) => subscribe_contact(state, req, id),
        (&Method::DELETE, ["contacts", id, "subscriptions", sub]) => {
            unsubscribe_contact(state, id, sub)
        }
        (&Method::POST, ["messages"]) => create_message(state, req),
        (&Method::POST, ["export", "content", "data"]) => create_export(state, req),
        (&Method::GET, ["export", "content", "data", id]) => export_status(state, id),
        (&Method::POST, ["export", "cancel", id]) => cancel_export(state, id),
        (&Method::GET, ["download", "content", "data", id]) => download_export(state, id),
        (&Method::GET, ["articles"]) => list_articles(state, req),
        (&Method::POST, ["articles"]) => create_article(state, req),
        (&Method::GET, ["articles", id]) if *id != "search" => get_article(state, id),
        (&Method::PUT, ["articles", id]) => update_article(state, req, id),
        (&Method::DELETE, ["articles", id]) => delete_article(state, id),
        (&Method::GET, ["help_center", "help_centers"]) => list_help_centers(state),
        (&Method::GET, ["help_center", "help_centers", id]) => get_help_center(state, id),
        (&Method::GET, ["help_center", "collections"]) => list_collections(state, req),
        (&Method::POST, ["help_center", "collections"]) => create_collection(state, req),
        (&Method::GET, ["help_center", "collections", id]) => get_collection(state, id),
        (&Method::PUT, ["help_center", "collections", id]) => update_collection(state, req, id),
        (&Method::DELETE, ["help_center", "collections", id]) => delete_collection(state, id),
        (&Method::POST, ["events"]) => create_event(state, req),
        (&Method::GET, ["events"]) => list_events(state, req),
        (&Method::POST, ["events", "summaries"]) => create_event_summaries(state, req),
        (&Method::GET, ["data_attributes"]) => list_attributes(state, req),
        (&Method::POST, ["data_attributes"]) => create_attribute(state, req),
        (&Method::POST, ["auth", "uninstall"]) => {
            state.tokens.remove(req.token);
            state.windows.remove(req.token);
            // `POST /auth/uninstall` is not in the 2.16 description, so no model describes
            // its (empty) answer.
            Ok(Reply::json(json!({})))
        }
        _ => return None,
    })
}

fn me(state: &State, req: &Request<'_>) -> Outcome {
    let admin = state
        .admin(&req.admin_id)
        .ok_or_else(ErrorReply::unauthorized)?;
    Reply::model(&model::me(state, admin))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The operations a stateful handler holds, found by routing each one (its path
    /// parameters filled with `1`) through a fresh workspace.
    fn probed_stateful() -> Vec<(&'static str, &'static str)> {
        let mut found = Vec::new();
        for (name, template, _) in OPERATIONS {
            let mut state = State::seeded(crate::state::Config {
                seed: 1,
                contacts: 1,
                companies: 1,
                conversations: 1,
                rate_limit: 1000,
                rate_window_secs: 10,
                client_id: "id".into(),
                client_secret: "secret".into(),
                redirect_uris: Vec::new(),
                code_ttl: std::time::Duration::from_secs(60),
                consent_form: false,
            });
            let segments: Vec<&str> = template
                .trim_start_matches('/')
                .split('/')
                .map(|p| if p.starts_with('{') { "1" } else { p })
                .collect();
            let Ok(method) = Method::from_bytes(name.as_bytes()) else {
                panic!("{name} is no method");
            };
            let req = Request {
                method: &method,
                path: template,
                query: Query::default(),
                body: b"{}",
                admin_id: String::new(),
                token: "",
            };
            if stateful(&mut state, &req, &segments).is_some() {
                found.push((*name, *template));
            }
        }
        found
    }

    #[test]
    fn the_stateful_list_is_what_the_routes_hold() {
        let probed = probed_stateful();
        let listed: Vec<(&str, &str)> = STATEFUL.to_vec();
        assert_eq!(
            listed, probed,
            "STATEFUL differs from what `stateful` holds"
        );
    }

    #[test]
    fn iso_dates() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00.000+00:00");
        assert_eq!(iso8601(1_389_913_941), "2014-01-16T23:12:21.000+00:00");
    }

    #[test]
    fn iso_dates_at_the_ends_of_i64() {
        // Event timestamps come from request bodies: every i64 must format without overflow.
        assert_eq!(iso8601(i64::MAX), "292277026596-12-04T15:30:07.000+00:00");
        assert_eq!(iso8601(i64::MIN), "-292277022657-01-27T08:29:52.000+00:00");
        assert_eq!(iso8601(-1), "1969-12-31T23:59:59.000+00:00");
    }

    #[test]
    fn paging_helpers_saturate() {
        assert_eq!(saturating_usize(u64::MAX), usize::MAX);
        assert_eq!(page_len(u64::MAX, 7), 7);
        assert_eq!(page_len(3, 7), 3);
        assert_eq!(next_cursor::<u8>(Some(9), &[], 1), None);
        let next = next_cursor(Some(9), &[1], u64::MAX);
        assert_eq!(
            next.and_then(|c| decode_cursor(&c).ok()),
            Some((9, u64::MAX))
        );
    }

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        assert_eq!(decode_cursor(&encode_cursor(12, 3)).ok(), Some((12, 3)));
        assert!(decode_cursor("not base64!").is_err());
        assert!(decode_cursor(&STANDARD.encode("{}")).is_err());
        assert!(decode_cursor(&STANDARD.encode("[1,0]")).is_err());
    }
}
