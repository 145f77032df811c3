//! The SDK's typed API (`IntercomApi` on a `Client<Private>`) against the sandbox:
//! paging, search, typed errors, retries on injected faults and rate-limit waits.
//!
//! Requests are counted by a `MockTransport` spy wrapped around the real hyper transport,
//! so "no extra empty page" and "retried twice" are exact, and cross-checked against the
//! sandbox's `X-RateLimit-Remaining` where the window allows.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::TryStreamExt;
use http::{Method, StatusCode};
use intercom_sandbox::{Sandbox, SandboxHandle};
use intercom_sdk::resources::models::{
    ContactSearchRequest, CreateContactRequest, CreateContactRequestEmail, StartingAfterPaging,
};
use intercom_sdk::resources::search::{Combinator, ContactField, Operator, Query, SearchError};
use intercom_sdk::resources::{companies, contacts, IntercomApi};
use intercom_sdk::transport::{HyperTransport, Transport};
use intercom_sdk::{Client, Error, ErrorCode, Private, RetryConfig};
use intercom_tests::{fast_retry, unix_now, MockTransport};

/// Every request the client puts on the wire: a `MockTransport` spy in front of the real
/// hyper transport.
fn spy() -> Arc<MockTransport> {
    MockTransport::passthrough(Arc::new(HyperTransport::new().unwrap()))
}

/// What the tests ask of the wire.
trait Wire {
    fn count(&self) -> usize;
    fn sent(&self) -> Vec<(Method, String)>;
    fn reset(&self);
}

impl Wire for MockTransport {
    fn count(&self) -> usize {
        self.request_count()
    }

    fn sent(&self) -> Vec<(Method, String)> {
        self.requests()
            .into_iter()
            .map(|r| (r.method.clone(), r.path().to_owned()))
            .collect()
    }

    fn reset(&self) {
        self.clear_requests();
    }
}

fn client(
    sandbox: &SandboxHandle,
    wire: &Arc<MockTransport>,
    retry: RetryConfig,
) -> Client<Private> {
    let transport: Arc<dyn Transport> = wire.clone();
    Client::builder()
        .base_url(sandbox.base_url())
        .allow_insecure_loopback(true)
        .jitter_seed(1)
        .retry(retry)
        .transport(transport)
        .build()
        .unwrap()
        .with_access_token(sandbox.access_token())
}

fn new_contact(email: &str, role: &str, name: &str) -> CreateContactRequest {
    CreateContactRequestEmail::new(email)
        .with_role(role)
        .with_name(name)
        .into()
}

fn api_code(error: &Error) -> ErrorCode {
    error
        .api()
        .and_then(|e| e.code().cloned())
        .unwrap_or_else(|| panic!("expected an API error with a code, got {error:?}"))
}

/// Requests of the current window spent between two snapshots, when both are in one window.
fn spent_in_window(
    before: Option<intercom_sdk::RateLimit>,
    after: Option<intercom_sdk::RateLimit>,
) -> Option<u64> {
    let (before, after) = (before?, after?);
    (before.reset == after.reset).then(|| before.remaining - after.remaining)
}

#[tokio::test]
async fn contacts_page_through_seeded_and_created_without_an_empty_page() {
    let sandbox = Sandbox::builder().contacts(37).start().await.unwrap();
    let wire = spy();
    let client = client(&sandbox, &wire, fast_retry());
    for i in 0..8 {
        client
            .contacts()
            .create(&new_contact(
                &format!("paged{i}@typed.test"),
                "user",
                "Paged",
            ))
            .await
            .unwrap();
    }
    let expected: Vec<String> = sandbox.contact_ids();
    assert_eq!(expected.len(), 45, "37 seeded + 8 created");

    // 45 = 5 × 9 exactly (the case where a naive pager asks for an empty 6th page) and
    // 45 = 4 × 10 + 5.
    for (per_page, pages) in [(9, 5), (10, 5), (150, 1)] {
        wire.reset();
        let before = client.rate_limit();
        let params = contacts::ListParams {
            per_page: Some(per_page),
            ..Default::default()
        };
        let got: Vec<_> = client
            .contacts()
            .list_pages(&params)
            .try_collect()
            .await
            .unwrap();
        assert_eq!(got.len(), pages, "per_page {per_page}");
        assert!(
            got.iter()
                .all(|p| !p.data.as_deref().unwrap_or(&[]).is_empty()),
            "per_page {per_page}: no page is empty"
        );
        assert_eq!(got[0].total_count, Some(45));
        assert_eq!(
            wire.count(),
            pages,
            "per_page {per_page}: one request per page"
        );
        if let Some(spent) = spent_in_window(before, client.rate_limit()) {
            assert_eq!(spent, pages as u64, "the sandbox counted the same requests");
        }

        wire.reset();
        let ids: Vec<String> = client
            .contacts()
            .list_all(&params)
            .map_ok(|c| c.id.unwrap())
            .try_collect()
            .await
            .unwrap();
        assert_eq!(
            ids, expected,
            "per_page {per_page}: every contact once, in order"
        );
        assert_eq!(wire.count(), pages);
    }
    assert!(wire
        .sent()
        .iter()
        .all(|(m, p)| *m == Method::GET && p == "/contacts"));
}

#[tokio::test]
async fn typed_search_with_and_or_and_limits_checked_before_sending() {
    let sandbox = Sandbox::builder().contacts(10).start().await.unwrap();
    let wire = spy();
    let client = client(&sandbox, &wire, fast_retry());
    let mut ids = std::collections::HashMap::new();
    for (email, role, name) in [
        ("ada@typed.test", "user", "Ada"),
        ("bob@typed.test", "lead", "Bob"),
        ("cy@typed.test", "user", "Cy"),
        ("dee@other.test", "lead", "Dee"),
    ] {
        let created = client
            .contacts()
            .create(&new_contact(email, role, name))
            .await
            .unwrap();
        assert_eq!(created.email.as_deref(), Some(email));
        ids.insert(name, created.contact.id.unwrap());
    }
    let search = |query: Query<_>, per_page: i64| {
        ContactSearchRequest::new(query.build().unwrap())
            .with_pagination(StartingAfterPaging::new().with_per_page(per_page))
    };
    let typed = || Query::filter(ContactField::Email, Operator::EndsWith, "@typed.test");

    let cases = [
        // AND: typed.test leads.
        (
            Query::and([typed(), Query::eq(ContactField::Role, "lead")]),
            vec!["Bob"],
        ),
        // OR of two exact emails.
        (
            Query::or([
                Query::eq(ContactField::Email, "ada@typed.test"),
                Query::eq(ContactField::Email, "dee@other.test"),
            ]),
            vec!["Ada", "Dee"],
        ),
        // Two levels: (lead OR name = Ada) AND typed.test.
        (
            Query::and([
                Query::or([
                    Query::eq(ContactField::Role, "lead"),
                    Query::eq(ContactField::Name, "Ada"),
                ]),
                typed(),
            ]),
            vec!["Ada", "Bob"],
        ),
    ];
    for (query, names) in cases {
        let want: HashSet<String> = names.iter().map(|n| ids[n].clone()).collect();
        // One result per page: paging must stop after the last hit, with no empty page.
        wire.reset();
        let found: HashSet<String> = client
            .contacts()
            .search_all(&search(query, 1), &Default::default())
            .map_ok(|c| c.id.unwrap())
            .try_collect()
            .await
            .unwrap();
        assert_eq!(found, want, "{names:?}");
        assert_eq!(wire.count(), names.len(), "{names:?}: one request per hit");
    }

    // The limits are enforced by the builder, before anything is sent.
    wire.reset();
    let too_deep = Query::and([
        typed(),
        Query::or([Query::and([typed(), typed()]), typed()]),
    ])
    .build();
    assert!(
        matches!(too_deep, Err(SearchError::TooDeep { depth: 3, max: 2 })),
        "{too_deep:?}"
    );
    let too_many = Query::group(Combinator::Or, (0..16).map(|_| typed())).build();
    assert!(
        matches!(
            too_many,
            Err(SearchError::TooManyFilters { count: 16, max: 15 })
        ),
        "{too_many:?}"
    );
    let bad_operator = Query::filter(ContactField::CreatedAt, Operator::Contains, 1).build();
    assert!(
        matches!(bad_operator, Err(SearchError::OperatorNotAllowed { .. })),
        "{bad_operator:?}"
    );
    assert_eq!(wire.count(), 0, "nothing was sent for rejected queries");
}

#[tokio::test]
async fn companies_numbered_pages_and_scroll_stream() {
    let sandbox = Sandbox::builder()
        .companies(120)
        .contacts(5)
        .start()
        .await
        .unwrap();
    let wire = spy();
    let client = client(&sandbox, &wire, fast_retry());

    // `GET /companies` (find) and `POST /companies/list` (list): numbered pages.
    let find = companies::FindParams {
        per_page: Some(40),
        ..Default::default()
    };
    let list = companies::ListParams {
        per_page: Some(40),
        ..Default::default()
    };
    let paged = [
        client.companies().find_pages(&find),
        client.companies().list_pages(&list),
    ];
    let mut listed: Vec<String> = Vec::new();
    for (stream, (method, path)) in paged.into_iter().zip([
        (Method::GET, "/companies"),
        (Method::POST, "/companies/list"),
    ]) {
        wire.reset();
        let pages: Vec<_> = stream.try_collect().await.unwrap();
        let numbers: Vec<Option<i64>> = pages
            .iter()
            .map(|p| p.pages.as_ref().and_then(|p| p.page))
            .collect();
        assert_eq!(numbers, [Some(1), Some(2), Some(3)], "{path}");
        assert_eq!(wire.count(), 3, "{path}: 120 = 3 × 40, so no 4th request");
        assert!(wire.sent().iter().all(|s| s.0 == method && s.1 == path));
        let ids: Vec<String> = pages
            .into_iter()
            .flat_map(|p| p.data.unwrap_or_default())
            .map(|c| c.id.unwrap())
            .collect();
        assert_eq!(ids.len(), 120, "{path}");
        if !listed.is_empty() {
            assert_eq!(
                ids, listed,
                "both list the same companies in the same order"
            );
        }
        listed = ids;
    }
    wire.reset();
    let all: Vec<String> = client
        .companies()
        .list_all(&list)
        .map_ok(|c| c.id.unwrap())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all, listed);
    assert_eq!(wire.count(), 3);

    // Scroll: 50 + 50 + 20, then the empty page that ends a scroll (only asking can tell).
    wire.reset();
    let scroll_pages: Vec<_> = client
        .companies()
        .scroll_pages(&Default::default())
        .try_collect()
        .await
        .unwrap();
    let sizes: Vec<usize> = scroll_pages
        .iter()
        .map(|p| p.data.as_ref().map_or(0, Vec::len))
        .collect();
    assert_eq!(sizes, [50, 50, 20], "the empty last page is not yielded");
    assert_eq!(wire.count(), 4);
    let params: Vec<Option<String>> = scroll_pages
        .iter()
        .map(|p| p.scroll_param.clone())
        .collect();
    assert!(params.iter().all(|p| p.is_some() && *p == params[0]));

    // The finished scroll is closed, so a new one may start at once.
    let scrolled: HashSet<String> = client
        .companies()
        .scroll_all(&companies::ScrollParams::default())
        .map_ok(|c| c.id.unwrap())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(scrolled, listed.into_iter().collect::<HashSet<_>>());
}

#[tokio::test]
async fn typed_errors_not_found_conflict_and_merged() {
    let sandbox = Sandbox::builder().contacts(5).start().await.unwrap();
    let wire = spy();
    let client = client(&sandbox, &wire, fast_retry());

    // 404 with Intercom's request id (the body's, which the sandbox also sends as a header).
    let error = client
        .contacts()
        .get("000000000000000000000000")
        .await
        .unwrap_err();
    assert!(error.is_not_found(), "{error:?}");
    assert_eq!(error.status(), Some(StatusCode::NOT_FOUND));
    assert_eq!(api_code(&error), ErrorCode::NotFound);
    let request_id = error.request_id().expect("a request id").to_owned();
    assert!(!request_id.is_empty());
    let header = error.api().unwrap().headers.get("x-request-id").unwrap();
    assert_eq!(header.to_str().unwrap(), request_id);
    assert_eq!(wire.count(), 1, "a 404 is not retried");

    // 409 on a duplicate email (case-insensitive), and the original is untouched.
    let first = client
        .contacts()
        .create(&new_contact("dup@typed.test", "user", "First"))
        .await
        .unwrap();
    let error = client
        .contacts()
        .create(&new_contact("DUP@typed.test", "user", "Second"))
        .await
        .unwrap_err();
    assert!(error.api().unwrap().is_conflict(), "{error:?}");
    assert_eq!(api_code(&error), ErrorCode::Conflict);
    let first_id = first.contact.id.unwrap();
    let still = client.contacts().get(&first_id).await.unwrap();
    assert_eq!(still.name.as_deref(), Some("First"));

    // 410 for a merged contact, pointing at the canonical one.
    let lead = client
        .contacts()
        .create(&new_contact("lead@typed.test", "lead", "Lead"))
        .await
        .unwrap()
        .contact
        .id
        .unwrap();
    assert!(sandbox.merge_contact(&lead, &first_id));
    let error = client.contacts().get(&lead).await.unwrap_err();
    let api = error.api().expect("an API error");
    assert_eq!(api.status, StatusCode::GONE);
    assert_eq!(api.code(), Some(&ErrorCode::ContactMerged));
    assert_eq!(
        api.canonical_contact_id().as_deref(),
        Some(first_id.as_str())
    );
    assert!(api.request_id.is_some());
    let canonical = client
        .contacts()
        .get(&api.canonical_contact_id().unwrap())
        .await
        .unwrap();
    assert_eq!(canonical.email.as_deref(), Some("dup@typed.test"));
}

#[tokio::test]
async fn retries_on_injected_faults() {
    let sandbox = Sandbox::builder().contacts(3).start().await.unwrap();
    let wire = spy();
    let client = client(&sandbox, &wire, fast_retry());
    let id = sandbox.contact_ids()[0].clone();

    // Two 503s, then the GET succeeds on its third attempt.
    sandbox.faults().fail_next(2, 503);
    let contact = client.contacts().get(&id).await.unwrap();
    assert_eq!(contact.id.as_deref(), Some(id.as_str()));
    assert_eq!(wire.count(), 3);
    assert_eq!(sandbox.faults().pending(), (0, 0));

    // Three 503s exhaust the three attempts: the last error comes back, typed.
    wire.reset();
    sandbox.faults().fail_next(3, 503);
    let error = client.contacts().get(&id).await.unwrap_err();
    assert_eq!(error.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
    assert_eq!(api_code(&error), ErrorCode::parse("service_unavailable"));
    assert_eq!(wire.count(), 3);

    // A POST is not retried by default: the 503 comes straight back and nothing is created.
    wire.reset();
    sandbox.faults().fail_next(1, 503);
    let error = client
        .contacts()
        .create(&new_contact("once@typed.test", "user", "Once"))
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
    assert_eq!(wire.count(), 1);
    assert_eq!(sandbox.contact_ids().len(), 3);

    // A dropped connection: the GET is retried on a new one; the POST (which reached the
    // server) is not.
    wire.reset();
    sandbox.faults().drop_next_connections(1);
    client.contacts().get(&id).await.unwrap();
    assert_eq!(wire.count(), 2);
    wire.reset();
    sandbox.faults().drop_next_connections(1);
    let error = client
        .contacts()
        .create(&new_contact("dropped@typed.test", "user", "Dropped"))
        .await
        .unwrap_err();
    assert!(error.is_transport(), "{error:?}");
    assert_eq!(wire.count(), 1);
    assert_eq!(sandbox.faults().pending(), (0, 0));
    assert_eq!(sandbox.contact_ids().len(), 3);
}

#[tokio::test]
async fn rate_limit_waits_for_the_window_instead_of_a_429() {
    const BUDGET: u64 = 3;
    let sandbox = Sandbox::builder()
        .contacts(2)
        .rate_limit(BUDGET)
        .start()
        .await
        .unwrap();
    // The sandbox's windows are the wall clock's 10-second slots. Start well inside one, so
    // exhausting it and probing it with a second client happen in the same window.
    let into_window = Duration::from_millis(
        (std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis()
            % 10_000) as u64,
    );
    if into_window > Duration::from_millis(8_000) {
        tokio::time::sleep(Duration::from_secs(10) - into_window + Duration::from_millis(50)).await;
    }
    // No retries, so a 429 would surface instead of being waited out by the retry loop.
    let wire = spy();
    let client = client(&sandbox, &wire, RetryConfig::disabled());

    let mut spent = 0;
    while client.rate_limit().is_none_or(|rl| rl.remaining > 0) {
        client.admins().me().await.unwrap();
        spent += 1;
        assert!(spent <= 2 * BUDGET, "the window never ran out");
    }
    let exhausted = client.rate_limit().unwrap();
    assert_eq!(
        exhausted.limit, BUDGET,
        "the client reflects X-RateLimit-Limit"
    );
    assert_eq!(exhausted.remaining, 0);
    assert!(exhausted.reset > unix_now().saturating_sub(1));

    // A client that has not seen the headers sends and gets the 429, with the snapshot.
    let other_wire = spy();
    let other = self::client(&sandbox, &other_wire, RetryConfig::disabled());
    let error = other.admins().me().await.unwrap_err();
    assert!(error.is_rate_limited(), "{error:?}");
    assert_eq!(error.status(), Some(StatusCode::TOO_MANY_REQUESTS));
    assert_eq!(api_code(&error), ErrorCode::RateLimitExceeded);
    let snapshot = error.rate_limit().expect("the 429 carries the rate limit");
    assert_eq!(
        (snapshot.limit, snapshot.remaining, snapshot.reset),
        (BUDGET, 0, exhausted.reset)
    );

    // The client that saw `remaining: 0` waits for the reset and then succeeds.
    let started = Instant::now();
    let wait = Duration::from_secs(exhausted.reset.saturating_sub(unix_now()));
    wire.reset();
    let me = client.admins().me().await.unwrap();
    assert!(me.id.is_some());
    let waited = started.elapsed();
    assert_eq!(wire.count(), 1, "one request, after the wait");
    assert!(
        waited + Duration::from_secs(1) >= wait,
        "waited {waited:?}, the window had {wait:?} left"
    );
    assert!(waited < Duration::from_secs(11), "waited {waited:?}");
    let fresh = client.rate_limit().unwrap();
    assert!(fresh.reset > exhausted.reset, "a new window");
    assert_eq!(fresh.remaining, BUDGET - 1);
}
