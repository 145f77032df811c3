//! [`SpentStates`]: install states already presented to the OAuth callback, so a replayed
//! callback is refused.

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;

use async_trait::async_trait;

use crate::store::{unix_now, StoreError};

/// The install states (the OAuth `state` of each install) already used, each kept until the
/// state could no longer be accepted anyway (its cookie's expiry).
///
/// An install callback spends its state before exchanging the code: the first call for a
/// state answers `true`, every later one `false`. [`MemorySpentStates`] keeps them in one
/// process; [`SqlTokenStore`](crate::SqlTokenStore) keeps them in its database, so every app
/// server sharing that database refuses a state any of them has seen.
#[async_trait]
pub trait SpentStates: fmt::Debug + Send + Sync + 'static {
    /// Records `state` as spent until `expires_at` (Unix seconds). `Ok(true)` if it was not
    /// spent before; `Ok(false)` if it was (a replay), or if the set refuses new entries.
    /// Entries past their expiry may be dropped.
    async fn spend(&self, state: &str, expires_at: i64) -> Result<bool, StoreError>;
}

/// Live entries a [`MemorySpentStates`] holds at most by default.
const DEFAULT_MAX_LIVE: usize = 100_000;

/// [`SpentStates`] in this process's memory: enough for a single app server. Beyond its
/// bound of live entries it refuses new states until old ones expire, so a flood of installs
/// cannot grow memory without limit.
pub struct MemorySpentStates {
    spent: Mutex<HashMap<String, i64>>,
    max_live: usize,
}

impl MemorySpentStates {
    /// An empty set holding at most 100 000 live states.
    pub fn new() -> Self {
        Self::with_capacity_limit(DEFAULT_MAX_LIVE)
    }

    /// An empty set holding at most `max_live` live states.
    pub fn with_capacity_limit(max_live: usize) -> Self {
        Self {
            spent: Mutex::new(HashMap::new()),
            max_live,
        }
    }

    fn spend_at(&self, state: &str, expires_at: i64, now: i64) -> bool {
        let mut spent = self
            .spent
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        spent.retain(|_, expiry| *expiry >= now);
        if spent.contains_key(state) || spent.len() >= self.max_live {
            return false;
        }
        spent.insert(state.to_owned(), expires_at);
        true
    }
}

impl Default for MemorySpentStates {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for MemorySpentStates {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let live = self
            .spent
            .lock()
            .map(|spent| spent.len())
            .unwrap_or_default();
        f.debug_struct("MemorySpentStates")
            .field("live", &live)
            .field("max_live", &self.max_live)
            .finish()
    }
}

#[async_trait]
impl SpentStates for MemorySpentStates {
    async fn spend(&self, state: &str, expires_at: i64) -> Result<bool, StoreError> {
        Ok(self.spend_at(state, expires_at, unix_now()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_state_is_spent_once_until_it_expires() {
        let set = MemorySpentStates::with_capacity_limit(2);
        assert!(set.spend_at("a", 100, 10));
        assert!(!set.spend_at("a", 100, 50), "a replay is refused");
        assert!(set.spend_at("b", 100, 50));
        assert!(!set.spend_at("c", 100, 50), "full: refused");
        // Once both expire they are dropped, and the bound frees up.
        assert!(set.spend_at("c", 300, 101));
        assert!(format!("{set:?}").contains("live: 1"));
    }
}
