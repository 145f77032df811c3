//! The client and the in-process sandbox that commands send their requests to, built from
//! the global options.

use std::time::Duration;

use intercom_sandbox::{Sandbox, SandboxHandle};
use intercom_sdk::auth::ProxyCredentials;
use intercom_sdk::transport::{ClientBuilder, ClientIdentity};
use intercom_sdk::{AccessToken, Client, IntercomVersion, Private, Region};

use crate::cli::{Global, RegionArg, MAX_SECS};
use crate::env;
use crate::fail::Failure;
/// Where commands send requests: the configured client, and the sandbox when one was started.
pub struct Context {
    pub unauthenticated: Client,
    pub sandbox: Option<SandboxHandle>,
}

impl Context {
    pub async fn new(global: &Global) -> Result<Self, Failure> {
        let sandbox = if global.sandbox {
            Some(start_sandbox(0, 1, None).await?)
        } else {
            None
        };
        let unauthenticated = build_client(global, sandbox.as_ref().map(SandboxHandle::base_url))?;
        Ok(Self {
            unauthenticated,
            sandbox,
        })
    }

    /// A client with the access token: the sandbox's, or the one in the environment.
    pub fn private(&self, global: &Global) -> Result<Client<Private>, Failure> {
        let token = match &self.sandbox {
            Some(sandbox) => sandbox.access_token(),
            None => AccessToken::from_env_var(env::checked_name("--token-env", &global.token_env)?)
                .map_err(|e| Failure::credentials(e.to_string()))?,
        };
        Ok(self.unauthenticated.with_access_token(token))
    }
}

pub async fn start_sandbox(
    port: u16,
    seed: u64,
    redirect_uri: Option<String>,
) -> Result<SandboxHandle, Failure> {
    let mut builder = Sandbox::builder().port(port).seed(seed);
    if let Some(uri) = redirect_uri {
        builder = builder.redirect_uri(uri);
    }
    builder
        .start()
        .await
        .map_err(|e| Failure::transport(format!("could not start the sandbox: {e}")))
}

pub fn build_client(global: &Global, sandbox_url: Option<&str>) -> Result<Client, Failure> {
    let version = IntercomVersion::new(&global.intercom_version)
        .map_err(|e| Failure::usage(e.to_string()))?;
    let region = match global.region {
        RegionArg::Us => Region::Us,
        RegionArg::Eu => Region::Eu,
        RegionArg::Au => Region::Au,
    };
    let mut builder = Client::builder()
        .region(region)
        .intercom_version(version)
        // clap keeps `--timeout` within 1..=MAX_SECS, so the deadline is representable.
        .total_timeout(Duration::from_secs(global.timeout.clamp(1, MAX_SECS)))
        .max_attempts(global.max_retries.saturating_add(1));
    if let Some(url) = sandbox_url {
        // The in-process sandbox is reached directly, whatever the proxy variables say.
        builder = builder.base_url(url).allow_insecure_loopback(true);
        for flag in ignored_with_sandbox(global) {
            eprintln!(
                "warning: {flag} is ignored with --sandbox (the in-process sandbox is plain http \
                 on 127.0.0.1); for TLS run `intercom sandbox --tls` and pass its base_url with \
                 --base-url and its CA with --ca-cert"
            );
        }
    } else {
        if let Some(url) = &global.base_url {
            builder = builder
                .base_url(url)
                .allow_insecure_loopback(global.allow_insecure_loopback);
        }
        builder = network_options(builder, global)?;
    }
    Ok(builder.build()?)
}

/// The network options given that the in-process sandbox does not use.
fn ignored_with_sandbox(global: &Global) -> Vec<&'static str> {
    [
        (global.ca_cert.is_some(), "--ca-cert"),
        (global.client_cert.is_some(), "--client-cert"),
        (global.proxy.is_some(), "--proxy"),
    ]
    .into_iter()
    .filter_map(|(given, flag)| given.then_some(flag))
    .collect()
}

/// Proxy, trust and client identity from the global options and the proxy variables.
fn network_options(mut builder: ClientBuilder, global: &Global) -> Result<ClientBuilder, Failure> {
    builder = builder.proxy_from_env(true);
    if let Some(url) = &global.proxy {
        if url
            .split_once("://")
            .map_or(url.as_str(), |(_, rest)| rest)
            .split(['/', '?', '#'])
            .next()
            .is_some_and(|authority| authority.contains('@'))
        {
            return Err(Failure::usage(
                "--proxy must not contain credentials (they would show in the process list); \
                 use --proxy-user with --proxy-password-env, or HTTPS_PROXY",
            ));
        }
        builder = builder.proxy(url);
    }
    if let Some(list) = &global.no_proxy {
        builder = builder.no_proxy(list);
    }
    if let Some(user) = &global.proxy_user {
        // Moved into the credentials, which wipe it.
        let password = env::read("--proxy-password-env", &global.proxy_password_env)?;
        let credentials = ProxyCredentials::new(user.as_str(), password)
            .map_err(|e| Failure::usage(format!("--proxy-user: {e}")))?;
        builder = builder.proxy_credentials(credentials);
    }
    if let Some(path) = &global.ca_cert {
        builder = builder.add_root_certificates_pem_file(path);
    }
    if let (Some(cert), Some(key)) = (&global.client_cert, &global.client_key) {
        let identity =
            ClientIdentity::from_pem_files(cert, key).map_err(|e| Failure::usage(e.to_string()))?;
        builder = builder.client_identity(identity);
    }
    Ok(builder)
}
