//! Snapshots: taking one (and the lookup of the previous one it may reuse reads from),
//! the source of a deploy, and what changed between two.

use super::{DeploySource, Engine, SnapshotRequest};
use crate::change::Progress;
use crate::error::{AwsError, AwsResult};
use crate::provider::{Captured, Provider};
use snapdeploy_core::{
    AccountId, AuditAction, AuditEntry, AuditOutcome, Region, ResourceName, ResourceRef,
    SnapshotEnvelope, SnapshotKey, SnapshotMeta, SnapshotReason,
};

impl Engine {
    pub async fn snapshot(
        &self,
        req: SnapshotRequest,
        progress: &Progress,
    ) -> AwsResult<SnapshotMeta> {
        let mut entry = AuditEntry::new(
            &req.taken_by,
            AuditAction::Snapshot,
            &req.account_id,
            AuditOutcome::Succeeded,
        );
        entry.region = Some(req.region.clone());
        entry.service = Some(req.service);
        entry.resource_name = Some(req.resource_name.to_string());
        let result = self.snapshot_unrecorded(req, progress).await;
        match &result {
            Ok(meta) => entry.snapshot_key = Some(meta.key.clone()),
            Err(e) => {
                entry.outcome = AuditOutcome::Failed;
                entry.error = Some(e.to_string());
            }
        }
        self.record(entry).await;
        result
    }

    async fn snapshot_unrecorded(
        &self,
        req: SnapshotRequest,
        progress: &Progress,
    ) -> AwsResult<SnapshotMeta> {
        let provider = self.provider(req.service)?;
        let ctx = self.ctx(&req.account_id, &req.region).await?;
        progress.report("capturing", 0, 0);
        let previous = if req.full || req.version.is_some() {
            None
        } else {
            self.previous(provider, &req.account_id, &req.region, &req.resource_name)
                .await
        };
        let store = Some(self.snapshots.as_ref());
        let captured = match &previous {
            Some(prev) => {
                provider
                    .capture_since(&ctx, &req.resource_name, store, Some(prev), false)
                    .await
            }
            None => {
                provider
                    .capture_version(&ctx, &req.resource_name, store, req.version.as_deref())
                    .await
            }
        }?
        .ok_or_else(|| {
            AwsError::NotFound(format!(
                "{} {} not found in account {} region {}",
                req.service, req.resource_name, req.account_id, req.region
            ))
        })?;
        let (meta, _) = self
            .store_capture(
                captured,
                ResourceRef {
                    service: req.service,
                    resource_name: req.resource_name,
                    account_id: req.account_id,
                    region: req.region,
                },
                req.taken_by,
                req.reason,
                req.note.as_deref().map(String::from),
            )
            .await?;
        progress.report("stored", 1, 1);
        Ok(meta)
    }

    /// The resource's newest snapshot in this region, for a capture to reuse reads from, when
    /// the provider reuses any. Best effort: a listing or document that cannot be read
    /// means a full read, never a failed one.
    pub(super) async fn previous(
        &self,
        provider: &dyn Provider,
        account_id: &AccountId,
        region: &Region,
        name: &ResourceName,
    ) -> Option<SnapshotEnvelope> {
        if !provider.reuses_reads() {
            return None;
        }
        // Keys only (a listing with metadata reads every document, megabytes each for a
        // large Connect instance); then documents newest first until one is of this region,
        // looking a few deep, as a resource lives in one region almost always.
        let keys = self
            .snapshots
            .keys(account_id, Some(provider.service()), Some(name))
            .await
            .ok()?;
        for key in keys.iter().take(5) {
            if let Ok(env) = self.snapshots.get_verified(key).await {
                if &env.region == region {
                    return Some(env);
                }
            }
        }
        None
    }

    /// Writes a capture as a snapshot; returns its metadata and the stored envelope.
    pub(super) async fn store_capture(
        &self,
        captured: Captured,
        of: ResourceRef,
        taken_by: String,
        reason: SnapshotReason,
        note: Option<String>,
    ) -> AwsResult<(SnapshotMeta, SnapshotEnvelope)> {
        let mut env = SnapshotEnvelope::new(
            of,
            taken_by,
            reason,
            captured.source,
            captured.config,
            captured.blobs,
        );
        env.note = note;
        env.observed = captured.observed;
        let key = self.snapshots.put_snapshot(&mut env).await?;
        Ok((env.meta(&key), env))
    }

    /// Loads a stored snapshot for deploy or rollback: refused when it fails verification.
    pub(super) async fn load_source(&self, source: DeploySource) -> AwsResult<SnapshotEnvelope> {
        match source {
            DeploySource::Key(k) => Ok(self.snapshots.get_verified(&k).await?),
            DeploySource::Inline(env) => {
                let mut env = *env;
                if env.format != snapdeploy_core::FORMAT_V1 {
                    return Err(AwsError::Invalid(format!(
                        "unsupported snapshot format {:?}",
                        env.format
                    )));
                }
                // An inline document must carry the digest of its own content: recomputed
                // and compared, so an edited (or tampered) document is refused, not deployed.
                env.config = snapdeploy_core::canonicalize(&env.config);
                let actual = snapdeploy_core::digest_of(&env.config);
                if actual != env.digest {
                    return Err(AwsError::Invalid(format!(
                        "the inline snapshot's digest {:?} does not match its config (which hashes to {actual}); deploy a stored snapshot, or send the digest of the config you mean",
                        env.digest
                    )));
                }
                Ok(env)
            }
        }
    }

    /// Field-level differences between a stored snapshot and another one, or the live
    /// resource it was taken of (`to = None`).
    pub async fn diff(
        &self,
        from: &SnapshotKey,
        to: Option<&SnapshotKey>,
    ) -> AwsResult<(SnapshotEnvelope, Vec<snapdeploy_core::FieldChange>)> {
        let a = self.snapshots.get_verified(from).await?;
        let b = match to {
            Some(k) => {
                let b = self.snapshots.get_verified(k).await?;
                if b.service != a.service {
                    return Err(AwsError::Invalid(format!(
                        "cannot compare a {} snapshot with a {} one",
                        a.service, b.service
                    )));
                }
                b.config
            }
            None => {
                let provider = self.provider(a.service)?;
                let ctx = self.ctx(&a.account_id, &a.region).await?;
                let live = provider
                    .capture(&ctx, &a.resource_name, None)
                    .await?
                    .ok_or_else(|| {
                        AwsError::NotFound(format!(
                            "{} {} no longer exists in account {} region {}",
                            a.service, a.resource_name, a.account_id, a.region
                        ))
                    })?;
                snapdeploy_core::canonicalize(&live.config)
            }
        };
        let changes = snapdeploy_core::diff(&a.config, &b);
        Ok((a, changes))
    }
}
