//! The tenant pool: one [`Client<OAuth>`] per installed workspace, built from the stored token.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex};

use http::StatusCode;
use intercom_auth_types::OAuth;
use intercom_transport::{ApiRequest, Client, Error, RawResponse};
use serde::de::DeserializeOwned;

use crate::store::{StoreError, TokenStore};

/// Why a tenant's client could not be had, or its call failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TenantError {
    /// No token is stored for the workspace (never installed, or uninstalled).
    #[error("workspace `{workspace_id}` has no stored token (the app is not installed there)")]
    NotInstalled {
        /// The workspace.
        workspace_id: String,
    },
    /// Intercom refused the workspace's token (401): it was revoked or the app uninstalled.
    /// The store marks it; the workspace must install the app again.
    #[error("Intercom refused the token of workspace `{workspace_id}` (401): the app was uninstalled or the token revoked; the workspace must install the app again")]
    Revoked {
        /// The workspace.
        workspace_id: String,
    },
    /// The token store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The API call failed for another reason.
    #[error(transparent)]
    Api(Error),
}

/// Each workspace's client and the store revision it was built from.
type Cache = HashMap<String, (i64, Client<OAuth>)>;

/// Builds a client for each installed workspace from a [`TokenStore`].
///
/// Every tenant's client is derived from one base client, so all share its transport
/// (connection pool) and settings, while each token keeps its own rate limiter: one
/// workspace exhausting its window never slows another. Clients are cached per workspace and
/// rebuilt when the stored row changes (reinstall, key rotation).
#[derive(Clone)]
pub struct Clients {
    base: Client,
    store: Arc<dyn TokenStore>,
    cache: Arc<Mutex<Cache>>,
}

impl fmt::Debug for Clients {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cached = self.cache.lock().map(|c| c.len()).unwrap_or(0);
        f.debug_struct("Clients")
            .field("base_url", &self.base.base_url().as_str())
            .field("store", &self.store)
            .field("cached", &cached)
            .finish()
    }
}

impl Clients {
    /// A pool deriving tenants from `base` (configure its base URL, timeouts and transport
    /// once) and reading tokens from `store`.
    pub fn new(base: Client, store: Arc<dyn TokenStore>) -> Self {
        Self {
            base,
            store,
            cache: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// The unauthenticated base client every tenant is derived from (for the code exchange).
    pub fn base(&self) -> &Client {
        &self.base
    }

    /// The token store.
    pub fn store(&self) -> &Arc<dyn TokenStore> {
        &self.store
    }

    /// The client of `workspace_id`, from its stored token.
    ///
    /// Fails with [`TenantError::NotInstalled`] when nothing is stored and
    /// [`TenantError::Revoked`] when Intercom already refused the stored token.
    pub async fn for_workspace(&self, workspace_id: &str) -> Result<Tenant, TenantError> {
        let stored =
            self.store
                .get(workspace_id)
                .await?
                .ok_or_else(|| TenantError::NotInstalled {
                    workspace_id: workspace_id.to_owned(),
                })?;
        if stored.is_revoked() {
            self.forget(workspace_id);
            return Err(TenantError::Revoked {
                workspace_id: workspace_id.to_owned(),
            });
        }
        let client = {
            let mut cache = self
                .cache
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            match cache.get(workspace_id) {
                Some((revision, client)) if *revision == stored.revision => client.clone(),
                _ => {
                    let client = self.base.with_oauth_token(stored.token.clone());
                    cache.insert(workspace_id.to_owned(), (stored.revision, client.clone()));
                    client
                }
            }
        };
        Ok(Tenant {
            workspace_id: workspace_id.to_owned(),
            revision: stored.revision,
            client,
            pool: self.clone(),
        })
    }

    /// Drops the cached client of `workspace_id` (the next call rebuilds it from the store).
    pub fn forget(&self, workspace_id: &str) {
        if let Ok(mut cache) = self.cache.lock() {
            cache.remove(workspace_id);
        }
    }
}

/// One workspace's client, with the bookkeeping that turns a 401 into a revoked token.
#[derive(Clone)]
pub struct Tenant {
    workspace_id: String,
    revision: i64,
    client: Client<OAuth>,
    pool: Clients,
}

impl fmt::Debug for Tenant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tenant")
            .field("workspace_id", &self.workspace_id)
            .field("revision", &self.revision)
            .field("client", &self.client)
            .finish_non_exhaustive()
    }
}

impl Tenant {
    /// The workspace.
    pub fn workspace_id(&self) -> &str {
        &self.workspace_id
    }

    /// The workspace's client. Calls made on it directly skip the 401 bookkeeping; wrap them
    /// in [`call`](Self::call) to keep it.
    pub fn client(&self) -> &Client<OAuth> {
        &self.client
    }

    /// Sends `request` and decodes the answer; a 401 marks the token revoked.
    pub async fn send<T: DeserializeOwned>(&self, request: ApiRequest) -> Result<T, TenantError> {
        let result = self.client.send(request).await;
        self.check(result).await
    }

    /// Sends `request` and returns the raw answer; a 401 marks the token revoked.
    pub async fn execute(&self, request: ApiRequest) -> Result<RawResponse, TenantError> {
        let result = self.client.execute(request).await;
        self.check(result).await
    }

    /// Runs any call on a clone of the client (for example a typed resource operation),
    /// marking the token revoked if it ends in a 401.
    pub async fn call<T, F, Fut>(&self, f: F) -> Result<T, TenantError>
    where
        F: FnOnce(Client<OAuth>) -> Fut,
        Fut: Future<Output = Result<T, Error>>,
    {
        let result = f(self.client.clone()).await;
        self.check(result).await
    }

    /// Maps a call's result: a 401 marks this token revoked in the store (if the row was not
    /// rewritten since) and becomes [`TenantError::Revoked`].
    pub async fn check<T>(&self, result: Result<T, Error>) -> Result<T, TenantError> {
        match result {
            Ok(value) => Ok(value),
            Err(Error::Api(api)) if api.status == StatusCode::UNAUTHORIZED => {
                self.pool
                    .store
                    .mark_revoked(&self.workspace_id, self.revision)
                    .await?;
                self.pool.forget(&self.workspace_id);
                tracing::warn!(
                    workspace_id = %self.workspace_id,
                    "Intercom refused the workspace's token (401); marked revoked"
                );
                Err(TenantError::Revoked {
                    workspace_id: self.workspace_id.clone(),
                })
            }
            Err(other) => Err(TenantError::Api(other)),
        }
    }
}
