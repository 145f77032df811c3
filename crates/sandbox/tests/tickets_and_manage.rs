//! Stateful conversation management (manage, tags, contacts), tickets with their types and
//! states, teams, segments and away mode: round trips through the HTTP API, decoded with the
//! generated models.
#![allow(clippy::unwrap_used)]

mod common;

use common::{api_error, client, code};
use http::StatusCode;
use intercom_resources::models;
use intercom_sandbox::Sandbox;
use intercom_transport::auth::Private;
use intercom_transport::{ApiRequest, Client};
use serde_json::{json, Value};

fn path(template: &'static str, id: &str) -> String {
    template.replacen("{id}", id, 1)
}

/// The id of the workspace's first admin.
async fn first_admin(client: &Client<Private>) -> String {
    let admins: models::AdminList = client.send(ApiRequest::get("/admins")).await.unwrap();
    admins.admins.unwrap()[0].id.clone().unwrap()
}

/// The id of the first contact of `GET /contacts`.
async fn first_contact(client: &Client<Private>) -> String {
    let contacts: Value = client.send(ApiRequest::get("/contacts")).await.unwrap();
    contacts["data"][0]["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn conversations_are_managed_tagged_and_shared() {
    let sandbox = Sandbox::builder()
        .contacts(5)
        .conversations(3)
        .start()
        .await
        .unwrap();
    let client = client(&sandbox);
    let admin = first_admin(&client).await;
    let list: Value = client
        .send(ApiRequest::get("/conversations"))
        .await
        .unwrap();
    let id = list["conversations"][0]["id"].as_str().unwrap().to_owned();
    let parts = path("/conversations/{id}/parts", &id);
    let manage = |body: Value| {
        ApiRequest::post("/conversations/{id}/parts")
            .path(parts.clone())
            .json(&body)
    };

    let closed: models::Conversation = client
        .send(manage(
            json!({"message_type": "close", "type": "admin", "admin_id": admin, "body": "Done"}),
        ))
        .await
        .unwrap();
    assert_eq!(closed.open, Some(false));
    assert_eq!(closed.state, Some(models::ConversationState::Closed));
    let last = closed
        .conversation_parts
        .unwrap()
        .conversation_parts
        .unwrap();
    assert_eq!(last.last().unwrap().part_type.as_deref(), Some("close"));

    let until = 4_000_000_000_i64;
    let snoozed: models::Conversation = client
        .send(manage(
            json!({"message_type": "snoozed", "admin_id": admin, "snoozed_until": until}),
        ))
        .await
        .unwrap();
    assert_eq!(snoozed.state, Some(models::ConversationState::Snoozed));
    assert_eq!(snoozed.snoozed_until.map(|t| t.unix_seconds()), Some(until));

    let opened: models::Conversation = client
        .send(manage(json!({"message_type": "open", "admin_id": admin})))
        .await
        .unwrap();
    assert_eq!(opened.state, Some(models::ConversationState::Open));
    assert!(opened.snoozed_until.is_none());

    let teams: models::TeamList = client.send(ApiRequest::get("/teams")).await.unwrap();
    let team = teams.teams.unwrap()[0].id.clone().unwrap();
    let assigned: models::Conversation = client
        .send(manage(json!({"message_type": "assignment", "type": "admin", "admin_id": admin, "assignee_id": team})))
        .await
        .unwrap();
    assert_eq!(assigned.team_assignee_id.as_deref(), Some(team.as_str()));
    let e = api_error(
        client
            .send::<Value>(manage(
                json!({"message_type": "assignment", "admin_id": admin, "assignee_id": "42"}),
            ))
            .await,
    );
    assert_eq!(
        (e.status, code(&e)),
        (StatusCode::NOT_FOUND, "assignee_not_found")
    );
    let e = api_error(
        client
            .send::<Value>(manage(
                json!({"message_type": "snoozed", "admin_id": admin}),
            ))
            .await,
    );
    assert_eq!(
        (e.status, code(&e)),
        (StatusCode::BAD_REQUEST, "parameter_not_found")
    );

    // Tags attach and detach; the conversation shows them.
    let tags: models::TagList = client.send(ApiRequest::get("/tags")).await.unwrap();
    let tag = tags.data.unwrap()[0].clone();
    let tag_id = tag.id.clone().unwrap();
    let attached: models::Tag = client
        .send(
            ApiRequest::post("/conversations/{id}/tags")
                .path(path("/conversations/{id}/tags", &id))
                .json(&json!({"id": tag_id, "admin_id": admin})),
        )
        .await
        .unwrap();
    assert_eq!(attached.name, tag.name);
    let get = || ApiRequest::get("/conversations/{id}").path(path("/conversations/{id}", &id));
    let got: models::Conversation = client.send(get()).await.unwrap();
    let shown: Vec<_> = got.tags.unwrap().tags.unwrap();
    assert_eq!(shown.len(), 1);
    assert_eq!(shown[0].id.as_deref(), Some(tag_id.as_str()));
    let untag = || {
        ApiRequest::delete("/conversations/{id}/tags/{tag_id}")
            .path(format!("/conversations/{id}/tags/{tag_id}"))
            .json(&json!({"admin_id": admin}))
    };
    let _: models::Tag = client.send(untag()).await.unwrap();
    let e = api_error(client.send::<Value>(untag()).await);
    assert_eq!(
        (e.status, code(&e)),
        (StatusCode::NOT_FOUND, "tag_not_found")
    );
    let got: models::Conversation = client.send(get()).await.unwrap();
    assert!(got.tags.unwrap().tags.unwrap().is_empty());

    // Contacts join and leave; the last one cannot leave.
    let contacts: Value = client.send(ApiRequest::get("/contacts")).await.unwrap();
    let first = got.contacts.unwrap().contacts.unwrap()[0]
        .id
        .clone()
        .unwrap();
    let other = contacts["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .find(|c| *c != first)
        .unwrap();
    let joined: models::Conversation = client
        .send(
            ApiRequest::post("/conversations/{id}/customers")
                .path(path("/conversations/{id}/customers", &id))
                .json(&json!({"admin_id": admin, "customer": {"intercom_user_id": other}})),
        )
        .await
        .unwrap();
    assert_eq!(joined.contacts.unwrap().contacts.unwrap().len(), 2);
    let leave = |who: &str| {
        ApiRequest::delete("/conversations/{id}/customers/{contact_id}")
            .path(format!("/conversations/{id}/customers/{who}"))
            .json(&json!({"admin_id": admin}))
    };
    let left: models::Conversation = client.send(leave(&first)).await.unwrap();
    let remaining = left.contacts.unwrap().contacts.unwrap();
    assert_eq!(remaining.len(), 1);
    assert_eq!(remaining[0].id.as_deref(), Some(other.as_str()));
    let e = api_error(client.send::<Value>(leave(&other)).await);
    assert_eq!(e.status, StatusCode::BAD_REQUEST);

    // Unknown conversations are Intercom-shaped 404s.
    let e = api_error(
        client
            .send::<Value>(
                ApiRequest::post("/conversations/{id}/parts")
                    .path("/conversations/999999999/parts")
                    .json(&json!({"message_type": "open", "admin_id": admin})),
            )
            .await,
    );
    assert_eq!(
        (e.status, code(&e)),
        (StatusCode::NOT_FOUND, "conversation_not_found")
    );

    // The changes survive a snapshot round trip.
    let snapshot = sandbox.snapshot();
    let again = Sandbox::builder().fixtures(snapshot).start().await.unwrap();
    let restored: models::Conversation = common::client(&again).send(get()).await.unwrap();
    assert_eq!(restored.team_assignee_id.as_deref(), Some(team.as_str()));
    assert_eq!(restored.contacts.unwrap().contacts.unwrap().len(), 1);
}

#[tokio::test]
async fn tickets_round_trip_with_types_states_and_search() {
    let sandbox = Sandbox::builder().contacts(5).start().await.unwrap();
    let client = client(&sandbox);
    let admin = first_admin(&client).await;
    let contact = first_contact(&client).await;

    // Ticket types: seeded one, create, update, get.
    let types: models::TicketTypeList =
        client.send(ApiRequest::get("/ticket_types")).await.unwrap();
    assert_eq!(types.data.as_ref().unwrap().len(), 1);
    let created: models::TicketType = client
        .send(
            ApiRequest::post("/ticket_types")
                .json(&json!({"name": "Refund", "category": "Back-office"})),
        )
        .await
        .unwrap();
    let type_id = created.id.clone().unwrap();
    assert_eq!(
        created.category,
        Some(models::CreateTicketTypeRequestCategory::BackOffice)
    );
    let updated: models::TicketType = client
        .send(
            ApiRequest::put("/ticket_types/{ticket_type_id}")
                .path(format!("/ticket_types/{type_id}"))
                .json(&json!({"description": "Money back"})),
        )
        .await
        .unwrap();
    assert_eq!(updated.description.as_deref(), Some("Money back"));
    let e = api_error(
        client
            .send::<Value>(ApiRequest::post("/ticket_types").json(&json!({"name": "Refund"})))
            .await,
    );
    assert_eq!(e.status, StatusCode::BAD_REQUEST);
    let types: models::TicketTypeList =
        client.send(ApiRequest::get("/ticket_types")).await.unwrap();
    assert_eq!(types.data.unwrap().len(), 2);

    // Ticket states.
    let states: models::TicketStateList = client
        .send(ApiRequest::get("/ticket_states"))
        .await
        .unwrap();
    let states = states.data.unwrap();
    let resolved = states
        .iter()
        .find(|s| s.category == Some(models::TicketStateCategory::Resolved))
        .unwrap()
        .id
        .clone()
        .unwrap();

    // Create, get, update, reply, tag, search, delete.
    let e = api_error(
        client
            .send::<Value>(
                ApiRequest::post("/tickets")
                    .json(&json!({"ticket_type_id": "1", "contacts": [{"id": contact}]})),
            )
            .await,
    );
    assert_eq!(
        (e.status, code(&e)),
        (StatusCode::BAD_REQUEST, "invalid_ticket_type")
    );
    let ticket: models::Ticket = client
        .send(ApiRequest::post("/tickets").json(&json!({
            "ticket_type_id": type_id,
            "contacts": [{"id": contact}],
            "ticket_attributes": {"_default_title_": "Refund please"}
        })))
        .await
        .unwrap();
    let id = ticket.id.clone().unwrap();
    assert_eq!(ticket.open, Some(true));
    assert_eq!(
        ticket.ticket_state.unwrap().category,
        Some(models::TicketStateCategory::Submitted)
    );
    let other: models::Ticket = client
        .send(
            ApiRequest::post("/tickets")
                .json(&json!({"ticket_type_id": type_id, "contacts": [{"id": contact}]})),
        )
        .await
        .unwrap();
    let get = |id: &str| ApiRequest::get("/tickets/{ticket_id}").path(format!("/tickets/{id}"));
    let fetched: models::Ticket = client.send(get(&id)).await.unwrap();
    assert_eq!(
        fetched.ticket_attributes.unwrap()["_default_title_"],
        "Refund please"
    );

    let changed: models::Ticket = client
        .send(
            ApiRequest::put("/tickets/{ticket_id}")
                .path(format!("/tickets/{id}"))
                .json(&json!({"ticket_state_id": resolved, "open": false, "admin_id": admin, "assignee_id": admin})),
        )
        .await
        .unwrap();
    assert_eq!(changed.open, Some(false));
    assert_eq!(
        changed.ticket_state.unwrap().id.as_deref(),
        Some(resolved.as_str())
    );
    assert_eq!(changed.admin_assignee_id.as_deref(), Some(admin.as_str()));
    assert!(changed.previous_ticket_state_id.is_some());
    let e = api_error(
        client
            .send::<Value>(
                ApiRequest::put("/tickets/{ticket_id}")
                    .path(format!("/tickets/{id}"))
                    .json(&json!({"ticket_state_id": "nope"})),
            )
            .await,
    );
    assert_eq!(
        (e.status, code(&e)),
        (StatusCode::BAD_REQUEST, "ticket_state_id_invalid")
    );

    let reply: models::TicketReply = client
        .send(
            ApiRequest::post("/tickets/{ticket_id}/reply")
                .path(format!("/tickets/{id}/reply"))
                .json(&json!({"message_type": "note", "type": "admin", "admin_id": admin, "body": "Refunded"})),
        )
        .await
        .unwrap();
    assert_eq!(reply.part_type, Some(models::TicketReplyPartType::Note));
    let fetched: models::Ticket = client.send(get(&id)).await.unwrap();
    let parts = fetched.ticket_parts.unwrap().ticket_parts.unwrap();
    assert_eq!(parts.last().unwrap().id, reply.id);

    let tags: models::TagList = client.send(ApiRequest::get("/tags")).await.unwrap();
    let tag_id = tags.data.unwrap()[0].id.clone().unwrap();
    let _: models::Tag = client
        .send(
            ApiRequest::post("/tickets/{ticket_id}/tags")
                .path(format!("/tickets/{id}/tags"))
                .json(&json!({"id": tag_id, "admin_id": admin})),
        )
        .await
        .unwrap();

    let search = |query: Value, per_page: u64, after: Option<&str>| {
        ApiRequest::post("/tickets/search").json(&json!({
            "query": query,
            "pagination": {"per_page": per_page, "starting_after": after}
        }))
    };
    let open_ones: models::TicketList = client
        .send(search(
            json!({"field": "open", "operator": "=", "value": true}),
            20,
            None,
        ))
        .await
        .unwrap();
    let found: Vec<_> = open_ones
        .tickets
        .unwrap()
        .into_iter()
        .map(|t| t.id)
        .collect();
    assert_eq!(found, vec![other.id.clone()]);
    let first_page: Value = client
        .send(search(json!({"operator": "AND", "value": [{"field": "contact_ids", "operator": "=", "value": contact}]}), 1, None))
        .await
        .unwrap();
    assert_eq!(first_page["type"], "ticket.list");
    assert_eq!(first_page["total_count"], 2);
    let cursor = first_page["pages"]["next"]["starting_after"]
        .as_str()
        .unwrap();
    let second: models::TicketList = client
        .send(search(
            json!({"field": "contact_ids", "operator": "=", "value": contact}),
            1,
            Some(cursor),
        ))
        .await
        .unwrap();
    assert_eq!(second.tickets.unwrap()[0].id, other.id);
    assert!(second.pages.unwrap().next.is_none());
    let e = api_error(
        client
            .send::<Value>(search(
                json!({"field": "nonsense", "operator": "=", "value": 1}),
                5,
                None,
            ))
            .await,
    );
    assert_eq!(e.status, StatusCode::BAD_REQUEST);

    let snapshot = sandbox.snapshot();
    assert_eq!(snapshot["tickets"].as_array().unwrap().len(), 2);

    let deleted: models::TicketDeleted = client
        .send(ApiRequest::delete("/tickets/{ticket_id}").path(format!("/tickets/{id}")))
        .await
        .unwrap();
    assert_eq!(deleted.deleted, Some(true));
    let e = api_error(client.send::<Value>(get(&id)).await);
    assert_eq!(
        (e.status, code(&e)),
        (StatusCode::NOT_FOUND, "ticket_not_found")
    );

    // A snapshot taken before the delete brings the ticket back.
    let again = Sandbox::builder().fixtures(snapshot).start().await.unwrap();
    let restored: models::Ticket = common::client(&again).send(get(&id)).await.unwrap();
    assert_eq!(restored.open, Some(false));
}

#[tokio::test]
async fn teams_segments_and_away_mode() {
    let sandbox = Sandbox::builder().contacts(10).start().await.unwrap();
    let client = client(&sandbox);
    let teams: models::TeamList = client.send(ApiRequest::get("/teams")).await.unwrap();
    let teams = teams.teams.unwrap();
    assert_eq!(teams.len(), 2);
    let team: models::Team = client
        .send(
            ApiRequest::get("/teams/{team_id}")
                .path(format!("/teams/{}", teams[0].id.as_deref().unwrap())),
        )
        .await
        .unwrap();
    assert_eq!(team.name, teams[0].name);
    let e = api_error(
        client
            .send::<Value>(ApiRequest::get("/teams/{team_id}").path("/teams/1"))
            .await,
    );
    assert_eq!(
        (e.status, code(&e)),
        (StatusCode::NOT_FOUND, "team_not_found")
    );

    let segments: models::SegmentList = client
        .send(ApiRequest::get("/segments").query("include_count", "true"))
        .await
        .unwrap();
    let segments = segments.segments.unwrap();
    let counts: i64 = segments[..2].iter().map(|s| s.count.unwrap()).sum();
    assert_eq!(counts, 10, "users and leads add up to everyone");
    assert_eq!(segments[2].count, Some(10));
    let one: models::Segment = client
        .send(
            ApiRequest::get("/segments/{segment_id}")
                .path(format!("/segments/{}", segments[0].id.as_deref().unwrap())),
        )
        .await
        .unwrap();
    assert_eq!(one.name, segments[0].name);

    let admins: models::AdminList = client.send(ApiRequest::get("/admins")).await.unwrap();
    let admin = admins.admins.unwrap()[1].id.clone().unwrap();
    let away = |body: Value| {
        ApiRequest::put("/admins/{admin_id}/away")
            .path(format!("/admins/{admin}/away"))
            .json(&body)
    };
    let set: models::Admin = client
        .send(away(
            json!({"away_mode_enabled": true, "away_mode_reassign": true}),
        ))
        .await
        .unwrap();
    assert_eq!(set.away_mode_enabled, Some(true));
    let got: models::Admin = client
        .send(ApiRequest::get("/admins/{admin_id}").path(format!("/admins/{admin}")))
        .await
        .unwrap();
    assert_eq!(
        (got.away_mode_enabled, got.away_mode_reassign),
        (Some(true), Some(true))
    );
    let e = api_error(
        client
            .send::<Value>(away(json!({"away_mode_enabled": false})))
            .await,
    );
    assert_eq!(
        (e.status, code(&e)),
        (StatusCode::BAD_REQUEST, "parameter_not_found")
    );
}

#[tokio::test]
async fn articles_collections_and_help_centers() {
    let sandbox = Sandbox::builder().contacts(1).start().await.unwrap();
    let client = client(&sandbox);
    let admin = first_admin(&client).await;

    let centers: models::HelpCenterList = client
        .send(ApiRequest::get("/help_center/help_centers"))
        .await
        .unwrap();
    let center = centers.data.unwrap()[0].clone();
    let center_id = center.id.clone().unwrap();
    assert_eq!(center.default, Some(true));
    let got: models::HelpCenter = client
        .send(
            ApiRequest::get("/help_center/help_centers/{help_center_id}")
                .path(format!("/help_center/help_centers/{center_id}")),
        )
        .await
        .unwrap();
    assert_eq!(got.identifier, center.identifier);

    let collection: models::Collection = client
        .send(ApiRequest::post("/help_center/collections").json(&json!({"name": "Billing"})))
        .await
        .unwrap();
    let collection_id = collection.id.clone().unwrap();
    assert_eq!(
        collection.help_center_id.as_deref(),
        Some(center_id.as_str())
    );
    let renamed: models::Collection = client
        .send(
            ApiRequest::put("/help_center/collections/{collection_id}")
                .path(format!("/help_center/collections/{collection_id}"))
                .json(&json!({"name": "Billing and plans"})),
        )
        .await
        .unwrap();
    assert_eq!(renamed.name.as_deref(), Some("Billing and plans"));
    let page: models::CollectionList = client
        .send(
            ApiRequest::get("/help_center/collections")
                .query("per_page", 1)
                .query("page", 2),
        )
        .await
        .unwrap();
    assert_eq!(page.total_count, Some(2));
    assert_eq!(
        page.data.unwrap()[0].id.as_deref(),
        Some(collection_id.as_str())
    );

    let e = api_error(
        client
            .send::<Value>(ApiRequest::post("/articles").json(&json!({"title": "No author"})))
            .await,
    );
    assert_eq!(
        (e.status, code(&e)),
        (StatusCode::BAD_REQUEST, "parameter_not_found")
    );
    let created: models::Article = client
        .send(ApiRequest::post("/articles").json(&json!({
            "title": "Refunds",
            "author_id": admin.parse::<i64>().unwrap(),
            "body": "<p>How refunds work</p>",
            "parent_id": collection_id,
        })))
        .await
        .unwrap();
    let id = created.id.clone().unwrap();
    assert_eq!(created.state, Some(models::ArticleState::Draft));
    assert_eq!(created.parent_ids, Some(vec![collection_id.clone()]));
    let published: models::Article = client
        .send(
            ApiRequest::put("/articles/{article_id}")
                .path(format!("/articles/{id}"))
                .json(&json!({"state": "published"})),
        )
        .await
        .unwrap();
    assert_eq!(published.state, Some(models::ArticleState::Published));
    let list: models::ArticleList = client.send(ApiRequest::get("/articles")).await.unwrap();
    assert_eq!(list.total_count, Some(2));
    assert!(list
        .data
        .unwrap()
        .iter()
        .any(|a| a.id.as_deref() == Some(id.as_str())));

    // Deleting the collection orphans its article; deleting the article removes it.
    let gone: models::DeletedCollectionObject = client
        .send(
            ApiRequest::delete("/help_center/collections/{collection_id}")
                .path(format!("/help_center/collections/{collection_id}")),
        )
        .await
        .unwrap();
    assert_eq!(gone.deleted, Some(true));
    let get = || ApiRequest::get("/articles/{article_id}").path(format!("/articles/{id}"));
    let orphan: models::Article = client.send(get()).await.unwrap();
    assert_eq!(orphan.parent_ids, Some(Vec::new()));
    let snapshot = sandbox.snapshot();
    assert_eq!(snapshot["articles"].as_array().unwrap().len(), 2);
    let deleted: models::DeletedArticleObject = client
        .send(ApiRequest::delete("/articles/{article_id}").path(format!("/articles/{id}")))
        .await
        .unwrap();
    assert_eq!(deleted.deleted, Some(true));
    let e = api_error(client.send::<Value>(get()).await);
    assert_eq!(
        (e.status, code(&e)),
        (StatusCode::NOT_FOUND, "article_not_found")
    );
    let again = Sandbox::builder().fixtures(snapshot).start().await.unwrap();
    let restored: models::Article = common::client(&again).send(get()).await.unwrap();
    assert_eq!(restored.title.as_deref(), Some("Refunds"));
}

#[tokio::test]
async fn messages_start_conversations_and_exports_complete() {
    let sandbox = Sandbox::builder()
        .contacts(3)
        .conversations(0)
        .start()
        .await
        .unwrap();
    let client = client(&sandbox);
    let admin = first_admin(&client).await;
    let contact = first_contact(&client).await;

    let message: models::Message = client
        .send(ApiRequest::post("/messages").json(&json!({
            "message_type": "email",
            "subject": "Your invoice",
            "body": "It is attached",
            "from": {"type": "admin", "id": admin},
            "to": {"type": "user", "id": contact},
            "created_at": 1_600_000_000
        })))
        .await
        .unwrap();
    assert_eq!(message.type_, "admin_message");
    assert_eq!(message.message_type, models::MessageMessageType::Email);
    let conversation_id = message.conversation_id.clone().unwrap();
    let conversation: models::Conversation = client
        .send(
            ApiRequest::get("/conversations/{id}")
                .path(format!("/conversations/{conversation_id}")),
        )
        .await
        .unwrap();
    let source = conversation.source.unwrap();
    assert_eq!(source.delivered_as.as_deref(), Some("admin_initiated"));
    assert_eq!(source.subject.as_deref(), Some("Your invoice"));
    let e = api_error(
        client
            .send::<Value>(ApiRequest::post("/messages").json(&json!({
                "message_type": "email", "body": "no subject",
                "from": {"type": "admin", "id": admin}, "to": {"type": "user", "id": contact}
            })))
            .await,
    );
    assert_eq!(
        (e.status, code(&e)),
        (StatusCode::BAD_REQUEST, "parameter_not_found")
    );

    // An export moves pending → in_progress → completed as it is polled, then downloads.
    let job: models::DataExport = client
        .send(ApiRequest::post("/export/content/data").json(&json!({
            "created_at_after": 1_500_000_000, "created_at_before": 1_700_000_000
        })))
        .await
        .unwrap();
    assert_eq!(job.status, Some(models::DataExportStatus::Pending));
    let id = job.job_identifier.unwrap();
    let status = || {
        ApiRequest::get("/export/content/data/{job_identifier}")
            .path(format!("/export/content/data/{id}"))
    };
    let mut seen = Vec::new();
    loop {
        let raw: Value = client.send(status()).await.unwrap();
        let job: models::DataExport = serde_json::from_value(raw.clone()).unwrap();
        seen.push(job.status.clone().unwrap());
        if job.status == Some(models::DataExportStatus::Completed) {
            assert!(raw["download_expires_at"].is_string(), "{raw}");
            assert!(job.download_url.is_some());
            break;
        }
        assert!(seen.len() < 5, "the export never completes: {seen:?}");
    }
    assert_eq!(
        seen,
        [
            models::DataExportStatus::InProgress,
            models::DataExportStatus::Completed
        ]
    );
    let csv: String = client
        .send(
            ApiRequest::get("/download/content/data/{job_identifier}")
                .path(format!("/download/content/data/{id}")),
        )
        .await
        .unwrap();
    assert!(csv.contains(&conversation_id), "{csv}");

    // A canceled job cannot be downloaded; an unknown one is 404 job_not_found.
    let other: models::DataExport = client
        .send(ApiRequest::post("/export/content/data").json(&json!({
            "created_at_after": 1, "created_at_before": 2
        })))
        .await
        .unwrap();
    let other_id = other.job_identifier.unwrap();
    let canceled: models::DataExport = client
        .send(
            ApiRequest::post("/export/cancel/{job_identifier}")
                .path(format!("/export/cancel/{other_id}")),
        )
        .await
        .unwrap();
    assert_eq!(canceled.status, Some(models::DataExportStatus::Canceled));
    let e = api_error(
        client
            .send::<Value>(
                ApiRequest::get("/download/content/data/{job_identifier}")
                    .path(format!("/download/content/data/{other_id}")),
            )
            .await,
    );
    assert_eq!(
        (e.status, code(&e)),
        (StatusCode::NOT_FOUND, "job_not_found")
    );
}

#[tokio::test]
async fn contacts_choose_subscription_types() {
    let sandbox = Sandbox::builder().contacts(2).start().await.unwrap();
    let client = client(&sandbox);
    let types: models::SubscriptionTypeList = client
        .send(ApiRequest::get("/subscription_types"))
        .await
        .unwrap();
    let types = types.data.unwrap();
    assert_eq!(types.len(), 2);
    let type_id = types[1].id.clone().unwrap();
    let contact = first_contact(&client).await;
    let listed = || {
        ApiRequest::get("/contacts/{contact_id}/subscriptions")
            .path(format!("/contacts/{contact}/subscriptions"))
    };
    let none: models::SubscriptionTypeList = client.send(listed()).await.unwrap();
    assert!(none.data.unwrap().is_empty());
    let chosen: models::SubscriptionType = client
        .send(
            ApiRequest::post("/contacts/{contact_id}/subscriptions")
                .path(format!("/contacts/{contact}/subscriptions"))
                .json(&json!({"id": type_id, "consent_type": "opt_in"})),
        )
        .await
        .unwrap();
    assert_eq!(chosen.id.as_deref(), Some(type_id.as_str()));
    let one: models::SubscriptionTypeList = client.send(listed()).await.unwrap();
    assert_eq!(one.data.unwrap().len(), 1);
    let snapshot = sandbox.snapshot();
    let remove = || {
        ApiRequest::delete("/contacts/{contact_id}/subscriptions/{subscription_id}")
            .path(format!("/contacts/{contact}/subscriptions/{type_id}"))
    };
    let _: models::SubscriptionType = client.send(remove()).await.unwrap();
    let e = api_error(client.send::<Value>(remove()).await);
    assert_eq!(e.status, StatusCode::NOT_FOUND);
    let again = Sandbox::builder().fixtures(snapshot).start().await.unwrap();
    let kept: models::SubscriptionTypeList = common::client(&again).send(listed()).await.unwrap();
    assert_eq!(kept.data.unwrap().len(), 1);
}
