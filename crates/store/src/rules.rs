//! Promotion rules' store: one rule set per (source account, target account) pair, kept
//! with the account registry.

use crate::api::{StoreError, StoreResult};
use async_trait::async_trait;
use snapdeploy_core::{AccountId, RuleSet};
use std::collections::BTreeMap;
use std::sync::Mutex;

#[async_trait]
pub trait RuleStore: Send + Sync {
    async fn get_rules(
        &self,
        source: &AccountId,
        target: &AccountId,
    ) -> StoreResult<Option<RuleSet>>;
    /// Sets a pair's rules, replacing what it had.
    async fn put_rules(&self, rules: &RuleSet) -> StoreResult<()>;
    /// Removes a pair's rules; `NotFound` when it has none.
    async fn delete_rules(&self, source: &AccountId, target: &AccountId) -> StoreResult<()>;
    /// Every pair's rules, ordered by source then target account.
    async fn list_rules(&self) -> StoreResult<Vec<RuleSet>>;
}

pub(crate) fn no_rules(source: &AccountId, target: &AccountId) -> StoreError {
    StoreError::NotFound(format!(
        "there are no promotion rules from account {source} to account {target}"
    ))
}

/// Rules in this process only: for tests and tools that keep nothing.
#[derive(Default)]
pub struct MemoryRules {
    sets: Mutex<BTreeMap<(String, String), RuleSet>>,
}

#[async_trait]
impl RuleStore for MemoryRules {
    async fn get_rules(
        &self,
        source: &AccountId,
        target: &AccountId,
    ) -> StoreResult<Option<RuleSet>> {
        let sets = self.sets.lock().unwrap_or_else(|p| p.into_inner());
        Ok(sets.get(&(source.to_string(), target.to_string())).cloned())
    }

    async fn put_rules(&self, rules: &RuleSet) -> StoreResult<()> {
        let key = (
            rules.source_account_id.to_string(),
            rules.target_account_id.to_string(),
        );
        let mut sets = self.sets.lock().unwrap_or_else(|p| p.into_inner());
        sets.insert(key, rules.clone());
        Ok(())
    }

    async fn delete_rules(&self, source: &AccountId, target: &AccountId) -> StoreResult<()> {
        let mut sets = self.sets.lock().unwrap_or_else(|p| p.into_inner());
        sets.remove(&(source.to_string(), target.to_string()))
            .map(|_| ())
            .ok_or_else(|| no_rules(source, target))
    }

    async fn list_rules(&self) -> StoreResult<Vec<RuleSet>> {
        let sets = self.sets.lock().unwrap_or_else(|p| p.into_inner());
        Ok(sets.values().cloned().collect())
    }
}
