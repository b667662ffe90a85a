use crate::api::{
    backend, blob_key, check_blob, is_hex_digest, next_millisecond, parse_envelope, SnapshotStore,
    StoreError, StoreResult,
};
use async_trait::async_trait;
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{
    BucketLocationConstraint, BucketVersioningStatus, CreateBucketConfiguration,
    PublicAccessBlockConfiguration, ServerSideEncryption, ServerSideEncryptionByDefault,
    ServerSideEncryptionConfiguration, ServerSideEncryptionRule, VersioningConfiguration,
};
use aws_sdk_s3::Client;
use snapdeploy_core::{
    sha256_hex, AccountId, BlobRef, ResourceName, ServiceKind, SnapshotEnvelope, SnapshotKey,
};
use std::collections::HashSet;
use tokio::sync::Mutex;

/// Snapshots in S3: one bucket per account, `<prefix><account_id>`, created on first use
/// with versioning, default encryption and every public access blocked.
pub struct S3SnapshotStore {
    client: Client,
    bucket_prefix: String,
    ready: Mutex<HashSet<String>>,
}

fn status_of<E, R>(err: &SdkError<E, R>) -> Option<u16>
where
    R: HasStatus,
{
    err.raw_response().map(|r| r.status_code())
}

pub(crate) trait HasStatus {
    fn status_code(&self) -> u16;
}

impl HasStatus for aws_smithy_runtime_api::http::Response {
    fn status_code(&self) -> u16 {
        self.status().as_u16()
    }
}

fn code_of<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> Option<&str> {
    err.as_service_error().and_then(|e| e.code())
}

impl S3SnapshotStore {
    pub fn new(client: Client, bucket_prefix: &str) -> Self {
        Self {
            client,
            bucket_prefix: bucket_prefix.into(),
            ready: Mutex::new(HashSet::new()),
        }
    }

    fn bucket(&self, account: &AccountId) -> String {
        format!("{}{account}", self.bucket_prefix)
    }

    /// Creates the account's bucket when missing and (re)applies its protections once per
    /// process; the calls are idempotent, so a bucket made by hand gets them too.
    async fn ensure_bucket(&self, account: &AccountId) -> StoreResult<String> {
        let bucket = self.bucket(account);
        let mut ready = self.ready.lock().await;
        if ready.contains(&bucket) {
            return Ok(bucket);
        }
        let region = self
            .client
            .config()
            .region()
            .map(|r| r.to_string())
            .unwrap_or_else(|| "us-east-1".into());
        let mut create = self.client.create_bucket().bucket(&bucket);
        if region != "us-east-1" {
            create = create.create_bucket_configuration(
                CreateBucketConfiguration::builder()
                    .location_constraint(BucketLocationConstraint::from(region.as_str()))
                    .build(),
            );
        }
        if let Err(e) = create.send().await {
            if code_of(&e) != Some("BucketAlreadyOwnedByYou") {
                return Err(StoreError::Backend(format!(
                    "creating bucket {bucket}: {}",
                    aws_sdk_s3::error::DisplayErrorContext(&e)
                )));
            }
        }
        self.client
            .put_bucket_versioning()
            .bucket(&bucket)
            .versioning_configuration(
                VersioningConfiguration::builder()
                    .status(BucketVersioningStatus::Enabled)
                    .build(),
            )
            .send()
            .await
            .map_err(backend("enabling bucket versioning"))?;
        let sse = ServerSideEncryptionConfiguration::builder()
            .rules(
                ServerSideEncryptionRule::builder()
                    .apply_server_side_encryption_by_default(
                        ServerSideEncryptionByDefault::builder()
                            .sse_algorithm(ServerSideEncryption::Aes256)
                            .build()
                            .map_err(backend("building encryption rule"))?,
                    )
                    .build(),
            )
            .build()
            .map_err(backend("building encryption rule"))?;
        self.client
            .put_bucket_encryption()
            .bucket(&bucket)
            .server_side_encryption_configuration(sse)
            .send()
            .await
            .map_err(backend("enabling bucket encryption"))?;
        self.client
            .put_public_access_block()
            .bucket(&bucket)
            .public_access_block_configuration(
                PublicAccessBlockConfiguration::builder()
                    .block_public_acls(true)
                    .ignore_public_acls(true)
                    .block_public_policy(true)
                    .restrict_public_buckets(true)
                    .build(),
            )
            .send()
            .await
            .map_err(backend("blocking public access"))?;
        ready.insert(bucket.clone());
        Ok(bucket)
    }

    /// Conditional put: false when the key already exists.
    async fn put_new(
        &self,
        bucket: &str,
        key: &str,
        bytes: Vec<u8>,
        content_type: &str,
    ) -> StoreResult<bool> {
        let res = self
            .client
            .put_object()
            .bucket(bucket)
            .key(key)
            .content_type(content_type)
            .if_none_match("*")
            .body(ByteStream::from(bytes))
            .send()
            .await;
        match res {
            Ok(_) => Ok(true),
            Err(e) if status_of(&e) == Some(412) || code_of(&e) == Some("PreconditionFailed") => {
                Ok(false)
            }
            Err(e) => Err(StoreError::Backend(format!(
                "writing s3://{bucket}/{key}: {}",
                aws_sdk_s3::error::DisplayErrorContext(&e)
            ))),
        }
    }

    async fn get_bytes(&self, bucket: &str, key: &str, what: &str) -> StoreResult<Vec<u8>> {
        match self
            .client
            .get_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await
        {
            Ok(out) => Ok(out
                .body
                .collect()
                .await
                .map_err(backend("reading object body"))?
                .into_bytes()
                .to_vec()),
            Err(e)
                if matches!(code_of(&e), Some("NoSuchKey" | "NoSuchBucket"))
                    || status_of(&e) == Some(404) =>
            {
                Err(StoreError::NotFound(format!("{what} not found")))
            }
            Err(e) => Err(StoreError::Backend(format!(
                "reading s3://{bucket}/{key}: {}",
                aws_sdk_s3::error::DisplayErrorContext(&e)
            ))),
        }
    }

    /// Every (key, size) under `prefix`; an absent bucket holds nothing.
    async fn list_keys(&self, bucket: &str, prefix: &str) -> StoreResult<Vec<(String, u64)>> {
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let res = self
                .client
                .list_objects_v2()
                .bucket(bucket)
                .prefix(prefix)
                .set_continuation_token(token.take())
                .send()
                .await;
            let page = match res {
                Ok(p) => p,
                Err(e) if code_of(&e) == Some("NoSuchBucket") || status_of(&e) == Some(404) => {
                    return Ok(out)
                }
                Err(e) => {
                    return Err(StoreError::Backend(format!(
                        "listing s3://{bucket}/{prefix}: {}",
                        aws_sdk_s3::error::DisplayErrorContext(&e)
                    )))
                }
            };
            for obj in page.contents() {
                if let Some(k) = obj.key() {
                    out.push((k.to_owned(), obj.size().unwrap_or(0).max(0) as u64));
                }
            }
            match page.next_continuation_token() {
                Some(t) if page.is_truncated() == Some(true) => token = Some(t.to_owned()),
                _ => return Ok(out),
            }
        }
    }
}

#[async_trait]
impl SnapshotStore for S3SnapshotStore {
    async fn put_blob(
        &self,
        account: &AccountId,
        bytes: &[u8],
        media_type: &str,
        role: &str,
    ) -> StoreResult<BlobRef> {
        let bucket = self.ensure_bucket(account).await?;
        let sha256 = sha256_hex(bytes);
        let key = blob_key(account, &sha256);
        // A conditional put that loses simply means the blob is already stored once.
        self.put_new(&bucket, &key, bytes.to_vec(), media_type)
            .await?;
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
        let bytes = self
            .get_bytes(
                &self.bucket(account),
                &blob_key(account, sha256),
                &format!("blob {sha256}"),
            )
            .await?;
        check_blob(sha256, &bytes)?;
        Ok(bytes)
    }

    async fn blob_url(&self, account: &AccountId, sha256: &str) -> StoreResult<String> {
        self.get_blob(account, sha256).await?;
        let config = aws_sdk_s3::presigning::PresigningConfig::expires_in(
            std::time::Duration::from_secs(15 * 60),
        )
        .map_err(backend("pre-signing a blob URL"))?;
        let req = self
            .client
            .get_object()
            .bucket(self.bucket(account))
            .key(blob_key(account, sha256))
            .presigned(config)
            .await
            .map_err(backend("pre-signing a blob URL"))?;
        Ok(req.uri().to_owned())
    }

    async fn put_snapshot(&self, envelope: &mut SnapshotEnvelope) -> StoreResult<SnapshotKey> {
        let bucket = self.ensure_bucket(&envelope.account_id).await?;
        loop {
            let key = envelope.key();
            let bytes =
                serde_json::to_vec_pretty(envelope).map_err(backend("encoding snapshot"))?;
            if self
                .put_new(&bucket, key.as_str(), bytes, "application/json")
                .await?
            {
                return Ok(key);
            }
            next_millisecond(envelope);
        }
    }

    async fn get_snapshot(&self, key: &SnapshotKey) -> StoreResult<SnapshotEnvelope> {
        let bytes = self
            .get_bytes(
                &self.bucket(&key.account_id),
                key.as_str(),
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
        let prefix = match (service, resource) {
            (Some(s), Some(r)) => SnapshotKey::prefix(account, s, r),
            (Some(s), None) => format!("{account}/{s}/"),
            _ => format!("{account}/"),
        };
        let listed = self.list_keys(&self.bucket(account), &prefix).await?;
        // Blobs and strays under the prefix are not snapshot keys; a resource asked for
        // without its service is matched here.
        Ok(crate::api::newest_keys_first(
            listed
                .iter()
                .filter_map(|(raw, _)| SnapshotKey::parse(raw).ok())
                .filter(|k| resource.is_none_or(|r| *r == k.resource_name))
                .collect(),
        ))
    }

    async fn stored_bytes(&self, account: &AccountId) -> StoreResult<u64> {
        let keys = self.list_keys(&self.bucket(account), "").await?;
        Ok(keys.iter().map(|(_, size)| size).sum())
    }
}
