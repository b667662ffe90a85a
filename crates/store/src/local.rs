use crate::api::{
    backend, blob_key, check_blob, is_hex_digest, next_millisecond, parse_envelope, SnapshotStore,
    StoreError, StoreResult, DEFAULT_BUCKET_PREFIX,
};
use async_trait::async_trait;
use snapdeploy_core::{
    sha256_hex, AccountId, BlobRef, ResourceName, ServiceKind, SnapshotEnvelope, SnapshotKey,
};
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

/// The embedded snapshot store: `<data>/<bucket prefix><account_id>/<key>`, the S3 layout
/// mirrored on disk.
pub struct LocalSnapshotStore {
    root: PathBuf,
    bucket_prefix: String,
}

impl LocalSnapshotStore {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self::with_prefix(root, DEFAULT_BUCKET_PREFIX)
    }

    pub fn with_prefix(root: impl Into<PathBuf>, bucket_prefix: &str) -> Self {
        Self {
            root: root.into(),
            bucket_prefix: bucket_prefix.into(),
        }
    }

    fn bucket(&self, account: &AccountId) -> PathBuf {
        self.root.join(format!("{}{account}", self.bucket_prefix))
    }

    fn path_of(&self, account: &AccountId, key: &str) -> PathBuf {
        self.bucket(account).join(key)
    }
}

/// Writes `bytes` to `path` only if nothing is there: the bytes go to a temporary file first
/// and are linked into place, so a reader never sees half a file and a writer never
/// replaces one. Returns false when `path` already existed.
async fn write_new(path: &Path, bytes: &[u8]) -> StoreResult<bool> {
    let dir = path.parent().expect("store paths have a parent");
    crate::private::create_private_dir_all_async(dir)
        .await
        .map_err(backend("creating store folder"))?;
    let tmp = dir.join(format!(".tmp-{}-{}", std::process::id(), rand_suffix()));
    tokio::fs::write(&tmp, bytes)
        .await
        .map_err(backend("writing store file"))?;
    let linked = tokio::fs::hard_link(&tmp, path).await;
    let _ = tokio::fs::remove_file(&tmp).await;
    match linked {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(backend("linking store file")(e)),
    }
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
        ^ (std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0))
}

async fn read(path: &Path, what: &str) -> StoreResult<Vec<u8>> {
    match tokio::fs::read(path).await {
        Ok(b) => Ok(b),
        Err(e) if e.kind() == ErrorKind::NotFound => {
            Err(StoreError::NotFound(format!("{what} not found")))
        }
        Err(e) => Err(backend("reading store file")(e)),
    }
}

async fn dir_size(path: PathBuf) -> u64 {
    let mut total = 0;
    let mut stack = vec![path];
    while let Some(dir) = stack.pop() {
        let Ok(mut rd) = tokio::fs::read_dir(&dir).await else {
            continue;
        };
        while let Ok(Some(entry)) = rd.next_entry().await {
            match entry.metadata().await {
                Ok(m) if m.is_dir() => stack.push(entry.path()),
                Ok(m) => total += m.len(),
                Err(_) => {}
            }
        }
    }
    total
}

#[async_trait]
impl SnapshotStore for LocalSnapshotStore {
    async fn put_blob(
        &self,
        account: &AccountId,
        bytes: &[u8],
        media_type: &str,
        role: &str,
    ) -> StoreResult<BlobRef> {
        let sha256 = sha256_hex(bytes);
        let path = self.path_of(account, &blob_key(account, &sha256));
        if tokio::fs::metadata(&path).await.is_err() {
            write_new(&path, bytes).await?;
        }
        Ok(BlobRef {
            sha256,
            size: bytes.len() as u64,
            media_type: media_type.into(),
            role: role.into(),
        })
    }

    async fn get_blob(&self, account: &AccountId, sha256: &str) -> StoreResult<Vec<u8>> {
        if !is_hex_digest(sha256) {
            return Err(StoreError::NotFound(format!("blob {sha256:?} not found")));
        }
        let bytes = read(
            &self.path_of(account, &blob_key(account, sha256)),
            &format!("blob {sha256}"),
        )
        .await?;
        check_blob(sha256, &bytes)?;
        Ok(bytes)
    }

    async fn blob_url(&self, account: &AccountId, sha256: &str) -> StoreResult<String> {
        // Checked first: a URL to a missing or altered blob would fail far from here.
        self.get_blob(account, sha256).await?;
        let path = self.path_of(account, &blob_key(account, sha256));
        let path = std::path::absolute(&path).map_err(backend("resolving the blob's path"))?;
        Ok(format!("file://{}", path.display()))
    }

    async fn put_snapshot(&self, envelope: &mut SnapshotEnvelope) -> StoreResult<SnapshotKey> {
        loop {
            let key = envelope.key();
            let bytes =
                serde_json::to_vec_pretty(envelope).map_err(backend("encoding snapshot"))?;
            if write_new(&self.path_of(&envelope.account_id, key.as_str()), &bytes).await? {
                return Ok(key);
            }
            next_millisecond(envelope);
        }
    }

    async fn get_snapshot(&self, key: &SnapshotKey) -> StoreResult<SnapshotEnvelope> {
        let bytes = read(
            &self.path_of(&key.account_id, key.as_str()),
            &format!("snapshot {key}"),
        )
        .await?;
        parse_envelope(key, &bytes)
    }

    async fn keys(
        &self,
        account: &AccountId,
        service: Option<ServiceKind>,
        resource: Option<&ResourceName>,
    ) -> StoreResult<Vec<SnapshotKey>> {
        let services: Vec<ServiceKind> = service.map_or(ServiceKind::ALL.to_vec(), |s| vec![s]);
        let mut keys = Vec::new();
        for svc in services {
            let svc_dir = self
                .bucket(account)
                .join(account.as_str())
                .join(svc.as_str());
            let names: Vec<String> = match resource {
                Some(r) => vec![r.to_string()],
                None => {
                    let mut names = Vec::new();
                    if let Ok(mut rd) = tokio::fs::read_dir(&svc_dir).await {
                        while let Ok(Some(e)) = rd.next_entry().await {
                            names.push(e.file_name().to_string_lossy().into_owned());
                        }
                    }
                    names
                }
            };
            for name in names {
                let Ok(mut rd) = tokio::fs::read_dir(svc_dir.join(&name)).await else {
                    continue;
                };
                while let Ok(Some(e)) = rd.next_entry().await {
                    let file = e.file_name().to_string_lossy().into_owned();
                    // Files that are not snapshots (temporary files, strays) are not listed.
                    if let Ok(key) = SnapshotKey::parse(&format!("{account}/{svc}/{name}/{file}")) {
                        keys.push(key);
                    }
                }
            }
        }
        Ok(crate::api::newest_keys_first(keys))
    }

    async fn stored_bytes(&self, account: &AccountId) -> StoreResult<u64> {
        Ok(dir_size(self.bucket(account)).await)
    }
}
