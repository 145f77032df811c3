//! What each command does.

use std::time::Duration;

use futures::StreamExt;
use intercom_sandbox::Sandbox;
use intercom_sdk::auth::{user_hash, verify_notification, ClientSecret, IdentitySecret};
use intercom_sdk::resources::contacts::SearchParams;
use intercom_sdk::resources::models::ContactSearchRequest;
use intercom_sdk::resources::IntercomApi;
use intercom_sdk::transport::{terminal_safe, ApiRequest};
use intercom_sdk::RequestOptions;

use crate::cli::{ApiArgs, Cli, Command, ContactsCommand, Global, SandboxArgs, WebhookCommand};
use crate::fail::Failure;
use crate::setup::Context;
use crate::{env, login, output};

pub async fn run(cli: Cli) -> Result<(), Failure> {
    let global = &cli.global;
    match cli.command {
        Command::Sandbox(args) => serve_sandbox(args, global.verbose).await,
        Command::UserHash(args) => {
            let secret = IdentitySecret::new(env::read("--secret-env", &args.secret_env)?)
                .map_err(|e| Failure::credentials(format!("{}: {e}", args.secret_env)))?;
            output::json(&user_hash(&secret, &args.id))
        }
        Command::Webhook(WebhookCommand::Verify {
            secret_env,
            signature,
            file,
        }) => {
            let secret = ClientSecret::new(env::read("--secret-env", &secret_env)?)
                .map_err(|e| Failure::credentials(format!("{secret_env}: {e}")))?;
            let body = read_input(&file).await?;
            let notification = verify_notification(&secret, signature.as_bytes(), &body)
                .map_err(|e| Failure::signature(e.to_string()))?;
            eprintln!("signature ok");
            output::json(&serde_json::json!({
                "type": notification.kind,
                "app_id": notification.app_id,
                "id": notification.id,
                "topic": notification.topic,
                "created_at": notification.created_at,
                "delivery_attempts": notification.delivery_attempts,
                "first_sent_at": notification.first_sent_at,
                "item": notification.item,
            }))
        }
        Command::Oauth(command) => login::run(global, command).await,
        Command::Me => {
            let ctx = Context::new(global).await?;
            let me = ctx.private(global)?.execute(ApiRequest::get("/me")).await?;
            output::json(&output::json_body(&me)?)
        }
        Command::Api(args) => api(global, args).await,
        Command::Contacts(command) => contacts(global, command).await,
    }
}

async fn read_input(file: &str) -> Result<Vec<u8>, Failure> {
    use tokio::io::AsyncReadExt;
    let mut body = Vec::new();
    if file == "-" {
        tokio::io::stdin().read_to_end(&mut body).await?;
    } else {
        body = tokio::fs::read(file)
            .await
            .map_err(|e| Failure::usage(format!("cannot read {file}: {e}")))?;
    }
    Ok(body)
}

/// `KEY=VALUE` → (key, typed JSON value).
fn field(spec: &str, typed: bool) -> Result<(String, serde_json::Value), Failure> {
    let (key, value) = spec
        .split_once('=')
        .ok_or_else(|| Failure::usage(format!("field `{spec}` is not KEY=VALUE")))?;
    if key.is_empty() {
        return Err(Failure::usage(format!("field `{spec}` has an empty key")));
    }
    let value = match serde_json::from_str::<serde_json::Value>(value) {
        Ok(
            v @ (serde_json::Value::Number(_)
            | serde_json::Value::Bool(_)
            | serde_json::Value::Null),
        ) if typed => v,
        _ => serde_json::Value::String(value.to_owned()),
    };
    Ok((key.to_owned(), value))
}

async fn api(global: &Global, args: ApiArgs) -> Result<(), Failure> {
    let method: http::Method = args
        .method
        .to_ascii_uppercase()
        .parse()
        .map_err(|_| Failure::usage(format!("`{}` is not an HTTP method", args.method)))?;
    if !args.path.starts_with('/') {
        return Err(Failure::usage("the path must start with '/', e.g. /me"));
    }
    let mut fields = Vec::new();
    for spec in &args.fields {
        fields.push(field(spec, true)?);
    }
    for spec in &args.raw_fields {
        fields.push(field(spec, false)?);
    }
    let mut request = ApiRequest::dynamic(method.clone(), args.path.clone());
    let body_method = !matches!(
        method,
        http::Method::GET | http::Method::DELETE | http::Method::HEAD
    );
    if let Some(input) = &args.input {
        let bytes = read_input(input).await?;
        let mut body: serde_json::Value = serde_json::from_slice(&bytes)
            .map_err(|e| Failure::usage(format!("--input is not JSON: {e}")))?;
        if let Some(map) = body.as_object_mut() {
            map.extend(fields.drain(..));
        } else if !fields.is_empty() {
            return Err(Failure::usage(
                "--field needs the --input body to be a JSON object",
            ));
        }
        request = request.json(&body);
    } else if body_method && !fields.is_empty() {
        let body: serde_json::Map<String, serde_json::Value> = fields.drain(..).collect();
        request = request.json(&body);
    }
    for (key, value) in fields {
        request = match value {
            serde_json::Value::String(s) => request.query(&key, s),
            other => request.query(&key, other),
        };
    }
    request = request.options(RequestOptions::new().follow_redirects(args.follow_redirects));

    let ctx = Context::new(global).await?;
    match ctx.private(global)?.execute(request).await {
        Ok(response) => output::response(&response),
        Err(intercom_sdk::Error::Api(api)) => {
            // Like `gh api`: the error body goes to stdout for scripts, the summary to stderr.
            output::error_body(&api.body)?;
            Err(intercom_sdk::Error::Api(api).into())
        }
        Err(other) => Err(other.into()),
    }
}

async fn contacts(global: &Global, command: ContactsCommand) -> Result<(), Failure> {
    let ctx = Context::new(global).await?;
    let client = ctx.private(global)?;
    match command {
        ContactsCommand::Get { id } => {
            let contact = client.contacts().get(&id).await?;
            output::json(&contact)
        }
        ContactsCommand::List { all, per_page } => {
            let mut list = client.contacts().list();
            if let Some(n) = per_page {
                list = list.per_page(i64::from(n));
            }
            if !all {
                return output::json(&list.await?);
            }
            let mut out = output::ArrayWriter::start()?;
            let mut stream = list.all();
            while let Some(contact) = stream.next().await {
                out.push(&contact?)?;
            }
            out.finish()?;
            Ok(())
        }
        ContactsCommand::Search { query, per_page } => {
            let query: serde_json::Value = serde_json::from_str(&query)
                .map_err(|e| Failure::usage(format!("--query is not JSON: {e}")))?;
            let mut body = serde_json::json!({ "query": query });
            if let Some(n) = per_page {
                body["pagination"] = serde_json::json!({ "per_page": n });
            }
            let body: ContactSearchRequest = serde_json::from_value(body)
                .map_err(|e| Failure::usage(format!("--query is not a search query: {e}")))?;
            let mut out = output::ArrayWriter::start()?;
            let mut stream = client
                .contacts()
                .search_all(&body, &SearchParams::default());
            while let Some(contact) = stream.next().await {
                out.push(&contact?)?;
            }
            out.finish()?;
            Ok(())
        }
    }
}

async fn serve_sandbox(args: SandboxArgs, verbose: u8) -> Result<(), Failure> {
    // Listen for Ctrl-C before the sandbox serves: `ctrl_c` installs its handler when first
    // polled, and an interrupt arriving before that (a quick Ctrl-C, a script's `kill -INT`
    // right after the first answer) would end the process without saving its data.
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    if let Some(done) = futures::FutureExt::now_or_never(ctrl_c.as_mut()) {
        done?;
    }
    let mut builder = Sandbox::builder().port(args.port).seed(args.seed);
    if let Some(path) = &args.fixtures {
        builder = builder.fixtures(path.as_path());
    }
    if args.tls {
        builder = builder.tls();
    }
    let sandbox = builder.start().await.map_err(|e| match e {
        // A port that cannot be bound is a transport failure; bad fixtures are usage.
        intercom_sandbox::StartError::Bind(_) => {
            Failure::transport(format!("could not start the sandbox: {e}"))
        }
        _ => Failure::usage(format!("could not start the sandbox: {e}")),
    })?;
    let ca_file = match sandbox.ca_pem() {
        Some(pem) => Some(write_ca(
            pem,
            args.ca_out.as_deref(),
            sandbox.addr().port(),
        )?),
        None => None,
    };
    // Sandbox credentials are generated test data, not secrets: printing them is the point.
    let mut info = serde_json::json!({
        "base_url": sandbox.base_url(),
        "access_token": sandbox.access_token_plaintext(),
        "client_id": sandbox.client_id(),
        "client_secret": sandbox.client_secret_plaintext(),
        "authorize_url": sandbox.authorize_base(),
        "redirect_uri": sandbox.redirect_uri(),
    });
    if let Some((path, _)) = &ca_file {
        info["ca_cert"] = serde_json::Value::String(path.display().to_string());
    }
    output::json(&info)?;
    eprintln!(
        "sandbox serving at {} (these credentials are local test data); Ctrl-C to stop",
        sandbox.base_url()
    );
    if let Some((path, _)) = &ca_file {
        eprintln!(
            "the sandbox's CA certificate is in {}: trust it with --ca-cert",
            terminal_safe(&path.display().to_string())
        );
    }
    if verbose == 0 {
        ctrl_c.await?;
    } else {
        let mut next = 0;
        loop {
            tokio::select! {
                done = &mut ctrl_c => { done?; break; }
                _ = tokio::time::sleep(Duration::from_millis(100)) => {
                    for entry in sandbox.requests_since(next) {
                        next = entry.seq.saturating_add(1);
                        eprintln!("{}", journal_line(&entry, verbose));
                    }
                }
            }
        }
    }
    if let Some(path) = &args.save {
        sandbox.save_snapshot(path).map_err(|e| {
            Failure::usage(format!(
                "could not save the sandbox's data to {}: {e}",
                terminal_safe(&path.display().to_string())
            ))
        })?;
        eprintln!(
            "sandbox data saved to {}",
            terminal_safe(&path.display().to_string())
        );
    }
    sandbox.shutdown().await;
    if let Some((path, true)) = &ca_file {
        let _ = std::fs::remove_file(path);
    }
    Ok(())
}

/// Writes the sandbox's CA to `chosen`, or to a new file in the temporary directory. Returns
/// the path and whether it is the temporary file (removed when the sandbox stops).
fn write_ca(
    pem: &str,
    chosen: Option<&std::path::Path>,
    port: u16,
) -> Result<(std::path::PathBuf, bool), Failure> {
    use std::io::Write as _;
    let (path, temporary) = match chosen {
        Some(path) => (path.to_path_buf(), false),
        None => (
            std::env::temp_dir().join(format!(
                "intercom-sandbox-ca-{}-{port}.pem",
                std::process::id()
            )),
            true,
        ),
    };
    let shown = || terminal_safe(&path.display().to_string()).into_owned();
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if temporary {
        // A new file only: never write through a link someone left in a shared directory.
        options.create_new(true);
    } else {
        options.create(true).truncate(true);
    }
    options
        .open(&path)
        .and_then(|mut file| file.write_all(pem.as_bytes()))
        .map_err(|e| Failure::usage(format!("could not write the CA to {}: {e}", shown())))?;
    Ok((path, temporary))
}

/// One journal entry for stderr: `METHOD /path?query -> status` and the body on one line,
/// then (with `-vv`) the headers one per line; control characters are escaped so a request cannot drive the
/// terminal. `Authorization` is already redacted by the sandbox.
fn journal_line(entry: &intercom_sandbox::ReceivedRequest, verbose: u8) -> String {
    let mut line = format!("sandbox: {}", terminal_safe(&entry.summary()));
    if !entry.body.is_empty() {
        line.push_str("  ");
        line.push_str(&terminal_safe(&entry.body_text()));
    }
    if verbose > 1 {
        for (name, value) in &entry.headers {
            line.push_str(&format!(
                "\n  {}: {}",
                terminal_safe(name),
                terminal_safe(value)
            ));
        }
    }
    line
}
