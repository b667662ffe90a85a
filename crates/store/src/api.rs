//! What every backend implements: the stores' traits, their error, and the layout helpers
//! the snapshot stores share.

use async_trait::async_trait;
use snapdeploy_core::{
    sha256_hex, Account, AccountId, BlobRef, ResourceName, ServiceKind, SnapshotEnvelope,
    SnapshotKey, SnapshotMeta,
};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    NotFound(String),
    /// Stored bytes that fail verification (digest mismatch, unparsable document).
    #[error("{0}")]
    Corrupt(String),
    /// The backend failed; the message is for logs, not for clients.
    #[error("{0}")]
    Backend(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

pub fn backend<E: std::fmt::Display>(context: &str) -> impl FnOnce(E) -> StoreError + '_ {
    move |e| StoreError::Backend(format!("{context}: {e}"))
}

#[async_trait]
pub trait AccountStore: Send + Sync {
    /// Registers an account; `Conflict` when the id is already registered.
    async fn insert(&self, account: &Account) -> StoreResult<()>;
    async fn get(&self, id: &AccountId) -> StoreResult<Option<Account>>;
    /// All accounts, ordered by account id.
    async fn list(&self) -> StoreResult<Vec<Account>>;
    /// Removes an account; `NotFound` when it is not registered. Its snapshots stay.
    async fn remove(&self, id: &AccountId) -> StoreResult<()>;
}

/// The default bucket prefix: `cloudops-snapshots-<account_id>` buckets.
pub const DEFAULT_BUCKET_PREFIX: &str = "cloudops-snapshots-";

#[async_trait]
pub trait SnapshotStore: Send + Sync {
    /// Stores `bytes` once under `<account_id>/blobs/sha256/<hex>`; storing the same bytes
    /// again writes nothing.
    async fn put_blob(
        &self,
        account: &AccountId,
        bytes: &[u8],
        media_type: &str,
        role: &str,
    ) -> StoreResult<BlobRef>;
    /// The blob's bytes, refused as `Corrupt` when they no longer hash to `sha256`.
    async fn get_blob(&self, account: &AccountId, sha256: &str) -> StoreResult<Vec<u8>>;
    /// A URL a service can fetch the blob from for a while (S3: a pre-signed GET valid 15
    /// minutes; folder: a `file://` URL, which only the local sandbox follows). Connect
    /// takes prompt audio this way.
    async fn blob_url(&self, account: &AccountId, sha256: &str) -> StoreResult<String>;
    /// Writes a new snapshot, never overwriting one: when the key is taken the timestamp
    /// moves on by a millisecond and the write is tried again.
    async fn put_snapshot(&self, envelope: &mut SnapshotEnvelope) -> StoreResult<SnapshotKey>;
    /// The stored document, whatever its state (see `get_verified`).
    async fn get_snapshot(&self, key: &SnapshotKey) -> StoreResult<SnapshotEnvelope>;
    /// Keys of an account's snapshots, newest first, optionally narrowed to a service and
    /// resource, read from the listing alone (no document is read).
    async fn keys(
        &self,
        account: &AccountId,
        service: Option<ServiceKind>,
        resource: Option<&ResourceName>,
    ) -> StoreResult<Vec<SnapshotKey>>;
    /// Total bytes stored for an account (snapshots and blobs): what benchmarks report.
    async fn stored_bytes(&self, account: &AccountId) -> StoreResult<u64>;

    /// Snapshots of an account, newest first, optionally narrowed to a service and resource.
    async fn list(
        &self,
        account: &AccountId,
        service: Option<ServiceKind>,
        resource: Option<&ResourceName>,
    ) -> StoreResult<Vec<SnapshotMeta>> {
        self.list_newest(account, service, resource, None).await
    }

    /// `list`, of the newest `limit` only: the keys give the order, so only those documents
    /// are read (for their metadata). Unreadable documents are left out, and logged.
    async fn list_newest(
        &self,
        account: &AccountId,
        service: Option<ServiceKind>,
        resource: Option<&ResourceName>,
        limit: Option<usize>,
    ) -> StoreResult<Vec<SnapshotMeta>> {
        let keys = self.keys(account, service, resource).await?;
        let mut metas = Vec::new();
        for key in keys.iter().take(limit.unwrap_or(usize::MAX)) {
            match self.get_snapshot(key).await {
                Ok(env) => metas.push(env.meta(key)),
                Err(StoreError::Corrupt(msg)) => {
                    tracing::warn!(%key, "unreadable snapshot left out of listing: {msg}")
                }
                Err(e) => return Err(e),
            }
        }
        Ok(metas)
    }

    /// The document, refused as `Corrupt` when its digest does not verify or it is filed
    /// under a key that does not match its content.
    async fn get_verified(&self, key: &SnapshotKey) -> StoreResult<SnapshotEnvelope> {
        let env = self.get_snapshot(key).await?;
        env.verify()
            .map_err(|e| StoreError::Corrupt(format!("snapshot {key}: {e}")))?;
        if env.account_id != key.account_id
            || env.service != key.service
            || env.resource_name != key.resource_name
        {
            return Err(StoreError::Corrupt(format!(
                "snapshot {key}: its content names another resource"
            )));
        }
        Ok(env)
    }
}

pub(crate) fn blob_key(account: &AccountId, sha256: &str) -> String {
    format!("{account}/blobs/sha256/{sha256}")
}

pub(crate) fn parse_envelope(key: &SnapshotKey, bytes: &[u8]) -> StoreResult<SnapshotEnvelope> {
    serde_json::from_slice(bytes)
        .map_err(|e| StoreError::Corrupt(format!("snapshot {key} is not a valid document: {e}")))
}

pub(crate) fn check_blob(sha256: &str, bytes: &[u8]) -> StoreResult<()> {
    let actual = sha256_hex(bytes);
    if actual == sha256 {
        Ok(())
    } else {
        Err(StoreError::Corrupt(format!(
            "blob {sha256} fails verification (content hashes to {actual})"
        )))
    }
}

pub(crate) fn is_hex_digest(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

/// Sorts keys newest first, the order every listing promises (ties: by key, descending).
pub(crate) fn newest_keys_first(mut keys: Vec<SnapshotKey>) -> Vec<SnapshotKey> {
    keys.sort_by(|a, b| {
        b.taken_at
            .cmp(&a.taken_at)
            .then_with(|| b.as_str().cmp(a.as_str()))
    });
    keys
}

/// Bumps the timestamp of an envelope whose key was taken.
pub(crate) fn next_millisecond(env: &mut SnapshotEnvelope) {
    env.taken_at += chrono::Duration::milliseconds(1);
}
