//! The audit trail's store: entries appended, read back newest first.

use crate::api::StoreResult;
use async_trait::async_trait;
use snapdeploy_core::{AccountId, AuditEntry};
use std::sync::Mutex;

#[async_trait]
pub trait AuditLog: Send + Sync {
    async fn append(&self, entry: &AuditEntry) -> StoreResult<()>;
    /// The newest `limit` entries, newest first; of one account when `account` is given.
    async fn recent(
        &self,
        account: Option<&AccountId>,
        limit: usize,
    ) -> StoreResult<Vec<AuditEntry>>;
}

/// An audit trail in this process only: for tests and tools that keep nothing.
#[derive(Default)]
pub struct MemoryAudit {
    entries: Mutex<Vec<AuditEntry>>,
}

#[async_trait]
impl AuditLog for MemoryAudit {
    async fn append(&self, entry: &AuditEntry) -> StoreResult<()> {
        self.entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(entry.clone());
        Ok(())
    }

    async fn recent(
        &self,
        account: Option<&AccountId>,
        limit: usize,
    ) -> StoreResult<Vec<AuditEntry>> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        Ok(entries
            .iter()
            .rev()
            .filter(|e| account.is_none_or(|a| &e.account_id == a))
            .take(limit)
            .cloned()
            .collect())
    }
}
