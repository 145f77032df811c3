//! Every operation of the API, called through the SDK's generated typed calls against the
//! sandbox: each must answer with a response that decodes into the operation's generated type
//! (or the redirect / text / no body it declares). The calls are the ones the resources'
//! conformance test sends to `prism mock` (`crates/resources/tests/operation_cases`), with
//! path ids and body references replaced by ids the sandbox holds. Request bodies come from
//! the spec at run time, so without it the test prints SKIPPED (and fails when
//! `INTERCOM_RS_REQUIRE_SPEC=1`).
#![allow(clippy::unwrap_used)]

mod common;

#[path = "../../resources/tests/operation_cases/mod.rs"]
mod operation_cases;

use http::Method;
use intercom_sandbox::Sandbox;
use intercom_transport::auth::Private;
use intercom_transport::{ApiRequest, Client};
use operation_cases::{openapi, Decoded, Failure, Overrides, OPERATIONS};
use serde_json::{json, Value};

/// The seeded visitors' `user_id`s.
const FIRST_VISITOR: &str = "00000000-0000-4000-8000-000000000001";
const SECOND_VISITOR: &str = "00000000-0000-4000-8000-000000000002";

/// The id of record `index` of `collection` in the sandbox's snapshot.
fn id(snapshot: &Value, collection: &str, index: usize) -> String {
    match &snapshot[collection][index]["id"] {
        Value::String(s) => s.clone(),
        Value::Null => panic!("the sandbox holds no {collection}[{index}]"),
        other => other.to_string(),
    }
}

/// Records the seed does not make, or not two of: tickets, articles and collections.
/// Returns two content export jobs (one pending, one completed) and an enqueued ticket job.
async fn seed_more(client: &Client<Private>, snapshot: &Value) -> Vec<String> {
    let contact = id(snapshot, "contacts", 0);
    let admin = id(snapshot, "admins", 0);
    let ticket_type = id(snapshot, "ticket_types", 0);
    let mut posts = vec![
        ("/help_center/collections", json!({"name": "Spare"})),
        (
            "/articles",
            json!({"title": "Spare", "author_id": admin.parse::<i64>().unwrap()}),
        ),
    ];
    // Looked up by the name and company_id the spec's example sends.
    posts.push((
        "/companies",
        json!({"name": "my company", "company_id": "12345"}),
    ));
    for _ in 0..2 {
        posts.push((
            "/tickets",
            json!({"ticket_type_id": ticket_type, "contacts": [{"id": contact}]}),
        ));
    }
    let mut jobs = Vec::new();
    for (path, body) in posts {
        client
            .execute(ApiRequest::new(Method::POST, path).json(&body))
            .await
            .unwrap_or_else(|e| panic!("POST {path}: {e}"));
    }
    for _ in 0..2 {
        let job = client
            .execute(ApiRequest::new(Method::POST, "/export/content/data").json(
                &json!({"created_at_after": 1_700_000_000, "created_at_before": 1_800_000_000}),
            ))
            .await
            .unwrap();
        let job: Value = serde_json::from_slice(&job.body).unwrap();
        jobs.push(job["job_identifier"].as_str().unwrap().to_owned());
    }
    let ticket_job = client
        .execute(
            ApiRequest::new(Method::POST, "/tickets/enqueue")
                .json(&json!({"ticket_type_id": ticket_type, "contacts": [{"id": contact}]})),
        )
        .await
        .unwrap();
    let ticket_job: Value = serde_json::from_slice(&ticket_job.body).unwrap();
    jobs.push(ticket_job["id"].as_str().unwrap().to_owned());
    // Polled until completed, so it can be downloaded.
    for _ in 0..3 {
        let path = format!("/export/content/data/{}", jobs[1]);
        client
            .execute(
                ApiRequest::new(Method::GET, "/export/content/data/{job_identifier}").path(path),
            )
            .await
            .unwrap();
    }
    jobs
}

/// Ids the sandbox holds in place of the spec's example ids: path values by operation and
/// parameter, and merge patches of request bodies that name other records. Deleting
/// operations get records no other case uses, since cases run in operationId order.
fn overrides(snapshot: &Value, jobs: &[String]) -> Overrides {
    let contact = id(snapshot, "contacts", 0);
    let other_contact = id(snapshot, "contacts", 1);
    let doomed_contact = id(snapshot, "contacts", 2);
    let company = id(snapshot, "companies", 0);
    let conversation = id(snapshot, "conversations", 0);
    let admin = id(snapshot, "admins", 0);
    let tag = id(snapshot, "tags", 0);
    let ticket = id(snapshot, "tickets", 0);
    let doomed_ticket = id(snapshot, "tickets", 1);
    let ticket_type = id(snapshot, "ticket_types", 0);
    let article = id(snapshot, "articles", 0);
    let doomed_article = id(snapshot, "articles", 1);
    let collection = id(snapshot, "collections", 0);
    let doomed_collection = id(snapshot, "collections", 1);
    let help_center = id(snapshot, "help_centers", 0);
    let segment = id(snapshot, "segments", 0);
    let team = id(snapshot, "teams", 0);
    let subscription = id(snapshot, "subscription_types", 0);
    let ticket_state = id(snapshot, "ticket_states", 1);
    // A contact the cases before `lisDataEvents` leave alone (the first three are theirs).
    let user_id = snapshot["contacts"]
        .as_array()
        .and_then(|all| all.iter().skip(3).find_map(|c| c["external_id"].as_str()))
        .unwrap()
        .to_owned();
    let paths: &[(&str, &str, &str)] = &[
        ("ArchiveContact", "contact_id", &contact),
        ("cancelDataExport", "job_identifier", &jobs[0]),
        ("getDataExport", "job_identifier", &jobs[1]),
        ("downloadDataExport", "job_identifier", &jobs[1]),
        ("lisDataEvents", "type", "user"),
        ("jobsStatus", "job_id", &jobs[2]),
        ("retrieveVisitorWithUserId", "user_id", SECOND_VISITOR),
        ("lisDataEvents", "filter.user_id", &user_id),
        ("DeleteContact", "contact_id", &doomed_contact),
        ("RetrieveACompanyById", "company_id", &company),
        ("ShowContact", "contact_id", &contact),
        ("UnarchiveContact", "contact_id", &contact),
        ("UpdateContact", "contact_id", &contact),
        (
            "attachContactToConversation",
            "conversation_id",
            &conversation,
        ),
        ("attachSubscriptionTypeToContact", "contact_id", &contact),
        ("attachTagToContact", "contact_id", &contact),
        ("attachTagToConversation", "conversation_id", &conversation),
        ("attachTagToTicket", "ticket_id", &ticket),
        ("createNote", "contact_id", &contact),
        ("deleteArticle", "article_id", &doomed_article),
        ("deleteCollection", "collection_id", &doomed_collection),
        ("deleteTicket", "ticket_id", &doomed_ticket),
        (
            "detachContactFromConversation",
            "conversation_id",
            &conversation,
        ),
        (
            "detachContactFromConversation",
            "contact_id",
            &other_contact,
        ),
        ("detachSubscriptionTypeToContact", "contact_id", &contact),
        (
            "detachSubscriptionTypeToContact",
            "subscription_id",
            &subscription,
        ),
        ("detachTagFromContact", "contact_id", &contact),
        ("detachTagFromContact", "tag_id", &tag),
        (
            "detachTagFromConversation",
            "conversation_id",
            &conversation,
        ),
        ("detachTagFromConversation", "tag_id", &tag),
        ("detachTagFromTicket", "ticket_id", &ticket),
        ("detachTagFromTicket", "tag_id", &tag),
        ("getTicket", "ticket_id", &ticket),
        ("getTicketType", "ticket_type_id", &ticket_type),
        ("listNotes", "contact_id", &contact),
        ("listSubscriptionsForAContact", "contact_id", &contact),
        ("listTagsForAContact", "contact_id", &contact),
        ("manageConversation", "conversation_id", &conversation),
        ("replyConversation", "conversation_id", &conversation),
        ("replyTicket", "ticket_id", &ticket),
        ("retrieveAdmin", "admin_id", &admin),
        ("retrieveArticle", "article_id", &article),
        ("retrieveCollection", "collection_id", &collection),
        ("retrieveHelpCenter", "help_center_id", &help_center),
        ("retrieveSegment", "segment_id", &segment),
        ("retrieveTeam", "team_id", &team),
        ("setAwayAdmin", "admin_id", &admin),
        ("updateArticle", "article_id", &article),
        ("updateCollection", "collection_id", &collection),
        ("updateTicket", "ticket_id", &ticket),
        ("updateTicketType", "ticket_type_id", &ticket_type),
    ];
    let bodies: Vec<(&str, Value)> = vec![
        (
            "attachContactToConversation",
            json!({"admin_id": admin, "customer": {"intercom_user_id": other_contact}}),
        ),
        ("attachTagToContact", json!({"id": tag})),
        (
            "attachTagToConversation",
            json!({"id": tag, "admin_id": admin}),
        ),
        ("attachTagToTicket", json!({"id": tag, "admin_id": admin})),
        (
            "attachSubscriptionTypeToContact",
            json!({"id": subscription}),
        ),
        ("createArticle", json!({"author_id": admin})),
        ("createNote", json!({"admin_id": admin})),
        (
            "convertVisitor",
            json!({"visitor": {"user_id": FIRST_VISITOR}, "user": {"id": null, "user_id": "sdk-run-converted"}}),
        ),
        (
            "updateVisitor",
            json!({"user_id": SECOND_VISITOR, "id": null}),
        ),
        ("createConversation", json!({"from": {"id": contact}})),
        (
            "createDataEvent",
            json!({"id": contact, "user_id": null, "email": null}),
        ),
        (
            "createTicket",
            json!({"ticket_type_id": ticket_type, "contacts": [{"id": contact}]}),
        ),
        (
            "dataEventSummaries",
            json!({"user_id": user_id, "event_summaries": {"event_name": "invited-friend", "count": 1}}),
        ),
        ("detachContactFromConversation", json!({"admin_id": admin})),
        ("detachTagFromConversation", json!({"admin_id": admin})),
        ("detachTagFromTicket", json!({"admin_id": admin})),
        (
            "manageConversation",
            json!({"admin_id": admin, "assignee_id": admin}),
        ),
        ("replyConversation", json!({"intercom_user_id": contact})),
        (
            "replyTicket",
            json!({"admin_id": admin, "intercom_user_id": null, "email": null}),
        ),
        (
            "createMessage",
            json!({"from": {"id": admin}, "to": {"type": "user", "id": contact}, "cc": null, "bcc": null}),
        ),
        (
            "UpdateContact",
            json!({"email": "updated-by-the-sdk-run@example.com", "external_id": "sdk-run-update"}),
        ),
        (
            "updateTicket",
            json!({"ticket_state_id": ticket_state, "admin_id": admin, "assignee_id": admin}),
        ),
    ];
    Overrides {
        paths: paths
            .iter()
            .map(|(op, name, value)| ((op.to_string(), name.to_string()), value.to_string()))
            .collect(),
        bodies: bodies
            .into_iter()
            .map(|(op, v)| (op.to_owned(), v))
            .collect(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_answers_through_the_sdk() {
    if openapi::path_or_skip().is_none() {
        return;
    }
    let sandbox = Sandbox::builder().start().await.unwrap();
    let client = common::client(&sandbox);
    let jobs = seed_more(&client, &sandbox.snapshot()).await;
    operation_cases::set_overrides(overrides(&sandbox.snapshot(), &jobs));
    let cases = operation_cases::cases();
    assert_eq!(cases.len(), OPERATIONS, "one case per operation");

    let mut answered = 0;
    let mut failures = Vec::new();
    for case in &cases {
        let result = (case.call)(client.clone(), intercom_transport::RequestOptions::new()).await;
        let verdict = match result {
            Ok(Decoded::Redirect(status)) if !status.is_redirection() => {
                Err(format!("expected a redirect, got {status}"))
            }
            Ok(_) => Ok(()),
            Err(Failure::Body(e)) => Err(e),
            Err(Failure::Api(e)) => Err(e.to_string()),
        };
        match verdict {
            Ok(()) => answered += 1,
            Err(e) => failures.push(format!("{} {} {}: {e}", case.op, case.method, case.path)),
        }
    }
    println!("sandbox: {answered}/{OPERATIONS} operations answered");
    assert!(
        failures.is_empty(),
        "{} operations did not answer with their generated type:\n  {}",
        failures.len(),
        failures.join("\n  ")
    );
    sandbox.shutdown().await;
}
