//! The quickstart: README's first command (`cargo run -p intercom-sdk --example quickstart`).
//!
//! With no `INTERCOM_ACCESS_TOKEN` set, it starts the sandbox (a local Intercom stand-in) in
//! this process and walks through: a private-token client, `GET /me`, creating contacts,
//! paging and searching them, a typed error for a bad id, and the OAuth flow (authorize URL,
//! callback, code exchange, a call with the OAuth token, revocation).
//!
//! With `INTERCOM_ACCESS_TOKEN` set, it makes read-only calls against the real API instead.

use futures::{StreamExt, TryStreamExt};
use intercom_sandbox::Sandbox;
use intercom_sdk::auth::OAuthApp;
use intercom_sdk::prelude::*;
use intercom_sdk::resources::models::{ContactSearchRequest, CreateContactRequestEmail};
use intercom_sdk::resources::search::{ContactField, Query};
use intercom_sdk::resources::IntercomApi;
use intercom_sdk::Authenticated;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

#[tokio::main]
async fn main() -> Result<()> {
    if std::env::var_os("INTERCOM_ACCESS_TOKEN").is_some() {
        return real_api_read_only().await;
    }

    step("Start the sandbox (a local, seeded Intercom stand-in)");
    let sandbox = Sandbox::builder().seed(42).contacts(40).start().await?;
    println!("  listening at {}", sandbox.base_url());

    step("Build a Client<Private> with the sandbox's access token");
    let base = Client::builder()
        .base_url(sandbox.base_url())
        .allow_insecure_loopback(true) // plain http is refused unless loopback + opt-in
        .build()?;
    let client = base.with_access_token(sandbox.access_token());
    println!("  {client:?}");

    who_am_i(&client).await?;

    step("Create three contacts");
    for (name, email) in [
        ("Ada Lovelace", "ada@analytical.example"),
        ("Grace Hopper", "grace@cobol.example"),
        ("Alan Turing", "alan@bombe.example"),
    ] {
        let created = client
            .contacts()
            .create(
                &CreateContactRequestEmail::new(email)
                    .with_role("user")
                    .with_name(name)
                    .into(),
            )
            .await?
            .contact;
        println!(
            "  created {} <{}> as {}",
            created.name.unwrap_or_default(),
            created.email.unwrap_or_default(),
            created.id.unwrap_or_default()
        );
    }

    step("Page through every contact (cursor pagination, 15 per page)");
    let pages: Vec<_> = client
        .contacts()
        .list()
        .per_page(15)
        .pages()
        .try_collect()
        .await?;
    let total: usize = pages
        .iter()
        .map(|p| p.data.as_ref().map_or(0, Vec::len))
        .sum();
    println!(
        "  {} pages, {total} contacts, no empty extra request",
        pages.len()
    );

    step("Search: email ends with .example AND role = user (checked before sending)");
    let query = Query::and([
        Query::filter(
            ContactField::Email,
            intercom_sdk::resources::search::Operator::EndsWith,
            ".example",
        ),
        Query::eq(ContactField::Role, "user"),
    ])
    .build()?;
    let request = ContactSearchRequest::new(query);
    let mut found = client.contacts().search_all(&request, &Default::default());
    while let Some(contact) = found.next().await {
        let contact = contact?;
        println!(
            "  match: {} <{}>",
            contact.name.unwrap_or_default(),
            contact.email.unwrap_or_default()
        );
    }

    step("A typed error for a contact that does not exist");
    match client.contacts().get("does-not-exist").await {
        Err(err) if err.is_not_found() => println!(
            "  {err}\n  is_not_found() = true, request_id = {:?}",
            err.request_id()
        ),
        other => println!("  unexpected: {other:?}"),
    }

    oauth_flow(&sandbox, &base).await?;

    if let Some(rl) = client.rate_limit() {
        step("Rate limit seen on the last response");
        println!(
            "  {} of {} requests left in this 10-second window",
            rl.remaining, rl.limit
        );
    }
    sandbox.shutdown().await;
    println!("\ndone.");
    Ok(())
}

fn step(title: &str) {
    println!("\n== {title}");
}

async fn who_am_i<A: Authenticated>(client: &Client<A>) -> Result<()> {
    step("GET /me");
    let me = client.admins().me().await?;
    let app = me.app.as_ref();
    println!(
        "  {} <{}> in workspace {:?} ({})",
        me.name.clone().unwrap_or_default(),
        me.email.clone().unwrap_or_default(),
        app.and_then(|a| a.name.clone()).unwrap_or_default(),
        app.and_then(|a| a.region.clone()).unwrap_or_default(),
    );
    Ok(())
}

async fn oauth_flow(sandbox: &intercom_sandbox::SandboxHandle, base: &Client) -> Result<()> {
    step("OAuth: authorize URL with a fresh CSRF state");
    let app = OAuthApp::new(sandbox.client_id(), sandbox.client_secret())?
        .with_redirect_uri(sandbox.redirect_uri().parse()?)
        .with_authorize_base(sandbox.authorize_base().parse()?)?;
    let (url, state) = app.authorize_url();
    println!("  send the user to: {url}");

    // The sandbox approves at once and redirects to the callback; a real app receives that
    // request on its redirect URI. Here we read the redirect ourselves (it is not followed).
    let browser = base.with_access_token(sandbox.access_token());
    let path = format!("{}?{}", url.path(), url.query().unwrap_or_default());
    let callback = match browser
        .execute(ApiRequest::dynamic(http::Method::GET, path))
        .await
    {
        Err(Error::Redirect {
            location: Some(location),
            ..
        }) => location,
        other => return Err(format!("expected a redirect, got {other:?}").into()),
    };
    println!(
        "  callback received: {}",
        callback.split('?').next().unwrap_or_default()
    );

    let code = state.verify_callback(&callback)?; // constant-time state check
    let token = base.exchange_code(&app, code).await?;
    println!("  code exchanged: {token:?}");

    let tenant = base.with_oauth_token(token);
    who_am_i(&tenant).await?;

    step("OAuth: revoke the token (uninstalls the app from that workspace)");
    tenant.revoke_token().await?;
    match tenant.admins().me().await {
        Err(err) if err.is_unauthorized() => println!("  after revocation: {err}"),
        other => println!("  unexpected: {other:?}"),
    }
    Ok(())
}

async fn real_api_read_only() -> Result<()> {
    let client = Client::builder()
        .build()?
        .with_access_token(AccessToken::from_env()?);
    println!(
        "INTERCOM_ACCESS_TOKEN is set: read-only calls against {}",
        client.base_url()
    );
    who_am_i(&client).await?;
    let page = client.contacts().list().per_page(5).await?;
    println!(
        "  first page: {} contacts of {:?}",
        page.data.as_ref().map_or(0, Vec::len),
        page.total_count
    );
    Ok(())
}
