//! `POST /events/summaries`: submitted counts merge with the tracked events in
//! `GET /events?summary=true`, bad input is a typed error, and snapshots carry the summaries.
#![allow(clippy::unwrap_used)]

mod common;

use common::{api_error, client, code};
use http::StatusCode;
use intercom_sandbox::Sandbox;
use intercom_transport::auth::Private;
use intercom_transport::{ApiRequest, Client};
use serde_json::{json, Value};

/// The summary of `name` in `GET /events` for the contact whose external id is `user_id`.
async fn listed(client: &Client<Private>, user_id: &str, name: &str) -> Value {
    let summary: Value = client
        .send(
            ApiRequest::get("/events")
                .query("type", "user")
                .query("user_id", user_id)
                .query("summary", "true"),
        )
        .await
        .unwrap();
    assert_eq!(summary["type"], "event.summary");
    summary["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == name)
        .cloned()
        .unwrap_or(Value::Null)
}

#[tokio::test]
async fn summaries_merge_with_tracked_events_and_survive_a_snapshot() {
    let sandbox = Sandbox::builder().contacts(6).start().await.unwrap();
    let client = client(&sandbox);
    let contacts: Value = client.send(ApiRequest::get("/contacts")).await.unwrap();
    let user_id = contacts["data"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|c| c["external_id"].as_str())
        .expect("a seeded user has an external id")
        .to_owned();

    let raw = client
        .execute(ApiRequest::post("/events/summaries").json(&json!({
            "user_id": user_id,
            "event_summaries": {
                "event_name": "invited-friend", "count": 5,
                "first": 1_600_000_000, "last": 1_650_000_000,
            },
        })))
        .await
        .unwrap();
    assert_eq!(raw.status, StatusCode::OK);
    // One tracked event of the same name, later than the summary's last.
    let raw = client
        .execute(ApiRequest::post("/events").json(&json!({
            "event_name": "invited-friend", "created_at": 1_700_000_000, "user_id": user_id,
        })))
        .await
        .unwrap();
    assert_eq!(raw.status, StatusCode::ACCEPTED);

    let merged = listed(&client, &user_id, "invited-friend").await;
    assert_eq!(merged["count"], 6, "5 submitted plus 1 tracked");
    assert_eq!(merged["first"], "2020-09-13T12:26:40.000+00:00");
    assert_eq!(merged["last"], "2023-11-14T22:13:20.000+00:00");

    // A second submission (as a list) adds to the first.
    client
        .execute(ApiRequest::post("/events/summaries").json(&json!({
            "user_id": user_id,
            "event_summaries": [{"event_name": "invited-friend", "count": 1, "first": 1_500_000_000}],
        })))
        .await
        .unwrap();
    let merged = listed(&client, &user_id, "invited-friend").await;
    assert_eq!(merged["count"], 7);
    assert_eq!(merged["first"], "2017-07-14T02:40:00.000+00:00");

    // Unknown user: 404, nothing stored.
    let error = api_error(
        client
            .send::<Value>(ApiRequest::post("/events/summaries").json(&json!({
                "user_id": "nobody",
                "event_summaries": {"event_name": "x", "count": 1},
            })))
            .await,
    );
    assert_eq!(error.status, StatusCode::NOT_FOUND);

    // Bad entries: typed 400s, and nothing of the request is stored.
    for (body, want) in [
        (
            json!({"user_id": user_id, "event_summaries": {"event_name": "invited-friend", "count": -1}}),
            "parameter_invalid",
        ),
        (
            json!({"user_id": user_id, "event_summaries": {"count": 1}}),
            "parameter_not_found",
        ),
        (
            json!({"user_id": user_id, "event_summaries": [
                {"event_name": "invited-friend", "count": 2},
                {"event_name": "invited-friend", "count": -3},
            ]}),
            "parameter_invalid",
        ),
        (
            json!({"user_id": user_id, "event_summaries": {
                "event_name": "invited-friend", "count": 1, "first": 20, "last": 10,
            }}),
            "parameter_invalid",
        ),
        (
            json!({"user_id": user_id, "event_summaries": {"event_name": "x", "count": i64::MIN}}),
            "parameter_invalid",
        ),
        (
            json!({"user_id": user_id, "event_summaries": "invited-friend"}),
            "parameter_invalid",
        ),
        (json!({"user_id": user_id}), "parameter_not_found"),
        (
            json!({"event_summaries": {"event_name": "x", "count": 1}}),
            "parameter_not_found",
        ),
    ] {
        let error = api_error(
            client
                .send::<Value>(ApiRequest::post("/events/summaries").json(&body))
                .await,
        );
        assert_eq!(error.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(code(&error), want, "{body}");
    }
    assert_eq!(
        listed(&client, &user_id, "invited-friend").await["count"],
        7,
        "rejected requests store nothing"
    );

    // Counts saturate instead of overflowing.
    for _ in 0..2 {
        client
            .execute(ApiRequest::post("/events/summaries").json(&json!({
                "user_id": user_id,
                "event_summaries": {"event_name": "huge", "count": i64::MAX, "first": 1, "last": 2},
            })))
            .await
            .unwrap();
    }
    assert_eq!(listed(&client, &user_id, "huge").await["count"], i64::MAX);

    // Snapshot → fixtures: the summaries come back.
    let snapshot = sandbox.snapshot();
    assert!(snapshot["event_summaries"]
        .as_array()
        .is_some_and(|s| !s.is_empty()));
    sandbox.shutdown().await;
    let again = Sandbox::builder()
        .fixtures(snapshot.clone())
        .start()
        .await
        .unwrap();
    let client = common::client(&again);
    let merged = listed(&client, &user_id, "invited-friend").await;
    assert_eq!(merged["count"], 7);
    assert_eq!(merged["first"], "2017-07-14T02:40:00.000+00:00");
    assert_eq!(merged["last"], "2023-11-14T22:13:20.000+00:00");
    assert_eq!(again.snapshot(), snapshot);
    again.shutdown().await;

    // A fixture file from before summaries existed still loads.
    let old = Sandbox::builder()
        .fixtures(json!({"version": 1, "events": []}))
        .start()
        .await
        .unwrap();
    assert_eq!(old.snapshot()["event_summaries"], json!([]));
    old.shutdown().await;
}
