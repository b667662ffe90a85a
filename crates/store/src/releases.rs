//! Releases' store: one record per release, kept with the account registry.

use crate::api::{StoreError, StoreResult};
use async_trait::async_trait;
use snapdeploy_core::Release;
use std::collections::BTreeMap;
use std::sync::Mutex;

#[async_trait]
pub trait ReleaseStore: Send + Sync {
    /// Writes a release record, replacing the one with its id.
    async fn put_release(&self, release: &Release) -> StoreResult<()>;
    async fn get_release(&self, id: &str) -> StoreResult<Option<Release>>;
    /// The newest `limit` releases, newest first.
    async fn list_releases(&self, limit: usize) -> StoreResult<Vec<Release>>;
}

pub(crate) fn decode_release(doc: &str) -> StoreResult<Release> {
    serde_json::from_str(doc).map_err(|e| StoreError::Corrupt(format!("release record: {e}")))
}

/// Newest first (ties by id, which is time-ordered too), at most `limit`.
pub(crate) fn newest_releases(mut all: Vec<Release>, limit: usize) -> Vec<Release> {
    all.sort_by(|a, b| (b.created_at, &b.release_id).cmp(&(a.created_at, &a.release_id)));
    all.truncate(limit);
    all
}

/// Releases in this process only: for tests and tools that keep nothing.
#[derive(Default)]
pub struct MemoryReleases {
    all: Mutex<BTreeMap<String, Release>>,
}

#[async_trait]
impl ReleaseStore for MemoryReleases {
    async fn put_release(&self, release: &Release) -> StoreResult<()> {
        let mut all = self.all.lock().unwrap_or_else(|p| p.into_inner());
        all.insert(release.release_id.clone(), release.clone());
        Ok(())
    }

    async fn get_release(&self, id: &str) -> StoreResult<Option<Release>> {
        let all = self.all.lock().unwrap_or_else(|p| p.into_inner());
        Ok(all.get(id).cloned())
    }

    async fn list_releases(&self, limit: usize) -> StoreResult<Vec<Release>> {
        let all = self.all.lock().unwrap_or_else(|p| p.into_inner());
        Ok(newest_releases(all.values().cloned().collect(), limit))
    }
}
