//! The engine: extract, snapshot, deploy and rollback over any provider, with the rules
//! every change follows — a verified source, a plan first, a safety snapshot before any
//! write, and the resource put back when a step fails.

use crate::change::{DeployOptions, Progress};
use crate::connect::ConnectProvider;
use crate::error::{AwsError, AwsResult};
use crate::hub::Hub;
use crate::lambda::LambdaProvider;
use crate::lex::LexProvider;
use crate::provider::{Applied, ApplyInput, Captured, Ctx, Provider, Steps};
use serde::Serialize;
use serde_json::Value;
use snapdeploy_core::{
    Account, AccountId, AuditAction, AuditEntry, AuditOutcome, Note, Plan, PlanAction, Region,
    Report, ReportStatus, ResourceName, ServiceKind, SnapshotEnvelope, SnapshotKey, SnapshotMeta,
    SnapshotReason, StepOutcome, StepStatus, VersionSelector,
};
use snapdeploy_store::{
    AccountStore, AuditLog, Lease, LockStore, MemoryAudit, MemoryLocks, SnapshotStore, StoreError,
};
use std::sync::Arc;

pub struct SnapshotRequest {
    pub account_id: AccountId,
    pub region: Region,
    pub service: ServiceKind,
    pub resource_name: ResourceName,
    pub reason: SnapshotReason,
    pub taken_by: String,
    pub note: Option<Note>,
    /// The version to capture where a service has them (Lex: DRAFT by default).
    pub version: Option<VersionSelector>,
    /// Read everything again instead of reusing the previous snapshot's per-item reads of
    /// items AWS reports unchanged (Connect).
    pub full: bool,
}

pub enum DeploySource {
    Key(SnapshotKey),
    Inline(Box<SnapshotEnvelope>),
}

pub struct DeployRequest {
    pub source: DeploySource,
    pub account_id: AccountId,
    pub region: Region,
    /// Defaults to the source's resource name.
    pub resource_name: Option<ResourceName>,
    pub dry_run: bool,
    pub options: DeployOptions,
    pub taken_by: String,
}

pub struct RollbackRequest {
    pub account_id: AccountId,
    pub region: Region,
    pub service: ServiceKind,
    pub resource_name: ResourceName,
    pub snapshot_key: SnapshotKey,
    pub dry_run: bool,
    pub taken_by: String,
    /// Connect: delete items created after the snapshot (otherwise they are only reported).
    pub remove_created: bool,
}

/// The outcome of a deploy: a plan (dry run) or a report.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum DeployOutcome {
    Plan(Box<Plan>),
    Report(Box<Report>),
}

/// A deploy or rollback, as `Engine::change` carries it out.
struct Change {
    source: SnapshotEnvelope,
    account_id: AccountId,
    region: Region,
    target: ResourceName,
    dry_run: bool,
    options: DeployOptions,
    reason: SnapshotReason,
    taken_by: String,
}

/// A change's lease on its resource, renewed in the background every third of its length
/// for as long as it is held, however long the change takes (the `large` promotion takes
/// nine minutes); a lease whose process died lapses within that length.
struct HeldLease {
    lease: Lease,
    locks: Arc<dyn LockStore>,
    /// Dropped with the lease, so a change that is itself dropped half-way (a CLI run
    /// interrupted) does not leave its lease renewed for ever.
    _renewal: AbortOnDrop,
}

impl HeldLease {
    async fn take(
        locks: &Arc<dyn LockStore>,
        key: &str,
        holder: &str,
        ttl: std::time::Duration,
    ) -> AwsResult<Self> {
        let lease = locks.acquire(key, holder, ttl).await?;
        let renewal = {
            let (locks, mut lease) = (locks.clone(), lease.clone());
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(ttl / 3).await;
                    match locks.renew(&lease, ttl).await {
                        Ok(renewed) => lease = renewed,
                        Err(e @ StoreError::Conflict(_)) => {
                            tracing::error!(lock = %lease.key, "{e}");
                            break;
                        }
                        // The registry did not answer: tried again at the next turn.
                        Err(e) => {
                            tracing::warn!(lock = %lease.key, "renewing the change lease: {e}")
                        }
                    }
                }
            })
        };
        Ok(Self {
            lease,
            locks: locks.clone(),
            _renewal: AbortOnDrop(renewal),
        })
    }

    async fn release(self) {
        if let Err(e) = self.locks.release(&self.lease).await {
            // The change itself is done; the lease lapses on its own.
            tracing::warn!(lock = %self.lease.key, "releasing the change lease: {e}");
        }
    }
}

/// Stops a background task when dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

pub struct Engine {
    pub hub: Arc<Hub>,
    pub accounts: Arc<dyn AccountStore>,
    pub snapshots: Arc<dyn SnapshotStore>,
    /// One change per resource at a time (in this process unless `with_locks` shares them).
    pub locks: Arc<dyn LockStore>,
    /// Who changed what (in this process unless `with_audit` keeps it).
    pub audit: Arc<dyn AuditLog>,
}

impl Engine {
    pub fn new(
        hub: Arc<Hub>,
        accounts: Arc<dyn AccountStore>,
        snapshots: Arc<dyn SnapshotStore>,
    ) -> Self {
        Self {
            hub,
            accounts,
            snapshots,
            locks: Arc::new(MemoryLocks::default()),
            audit: Arc::new(MemoryAudit::default()),
        }
    }

    /// The audit trail kept with the account registry (SQLite, DynamoDB).
    pub fn with_audit(mut self, audit: Arc<dyn AuditLog>) -> Self {
        self.audit = audit;
        self
    }

    /// Appends to the audit trail. What it records has already happened, so a failure to
    /// record is logged, not returned.
    async fn record(&self, entry: AuditEntry) {
        if let Err(e) = self.audit.append(&entry).await {
            tracing::error!(action = ?entry.action, account = %entry.account_id, "audit entry not recorded: {e}");
        }
    }

    /// Registers an account, recording who did.
    pub async fn add_account(&self, account: &Account, actor: &str) -> AwsResult<()> {
        self.accounts.insert(account).await?;
        self.hub.forget(account.account_id.as_str()).await;
        self.record(AuditEntry::new(
            actor,
            AuditAction::AccountAdded,
            &account.account_id,
            AuditOutcome::Succeeded,
        ))
        .await;
        Ok(())
    }

    /// Removes an account (its snapshots stay), recording who did.
    pub async fn remove_account(&self, id: &AccountId, actor: &str) -> AwsResult<()> {
        self.accounts.remove(id).await?;
        self.hub.forget(id.as_str()).await;
        self.record(AuditEntry::new(
            actor,
            AuditAction::AccountRemoved,
            id,
            AuditOutcome::Succeeded,
        ))
        .await;
        Ok(())
    }

    /// The newest `limit` audit entries, newest first; of one account when given.
    pub async fn audit_trail(
        &self,
        account: Option<&AccountId>,
        limit: usize,
    ) -> AwsResult<Vec<AuditEntry>> {
        Ok(self.audit.recent(account, limit).await?)
    }

    /// Records how a real deploy or rollback ended (`entry` is `None` for a dry run), and
    /// passes the outcome on.
    async fn record_change(
        &self,
        entry: Option<AuditEntry>,
        outcome: AwsResult<DeployOutcome>,
    ) -> AwsResult<DeployOutcome> {
        let Some(mut entry) = entry else {
            return outcome;
        };
        match &outcome {
            Ok(DeployOutcome::Plan(_)) => return outcome,
            Ok(DeployOutcome::Report(r)) => {
                entry.outcome = r.status.into();
                entry.safety_snapshot = r.safety_snapshot.as_ref().map(|m| m.key.clone());
                entry.error = r.error.clone();
            }
            Err(e) => {
                // Refused: nothing was changed because the request could not be carried out.
                let refused = matches!(
                    e,
                    AwsError::Invalid(_)
                        | AwsError::Conflict(_)
                        | AwsError::NotFound(_)
                        | AwsError::NotSupported(_)
                        | AwsError::Store(
                            StoreError::Conflict(_)
                                | StoreError::NotFound(_)
                                | StoreError::Corrupt(_)
                        )
                );
                entry.outcome = if refused {
                    AuditOutcome::Refused
                } else {
                    AuditOutcome::Failed
                };
                entry.error = Some(e.to_string());
            }
        }
        self.record(entry).await;
        outcome
    }

    /// Leases shared with every process using the same registry (SQLite file, DynamoDB).
    pub fn with_locks(mut self, locks: Arc<dyn LockStore>) -> Self {
        self.locks = locks;
        self
    }

    fn provider(&self, service: ServiceKind) -> AwsResult<&'static dyn Provider> {
        match service {
            ServiceKind::Lambda => Ok(&LambdaProvider),
            ServiceKind::Lex => Ok(&LexProvider),
            ServiceKind::Connect => Ok(&ConnectProvider),
        }
    }

    pub async fn account(&self, id: &AccountId) -> AwsResult<Account> {
        self.accounts
            .get(id)
            .await?
            .ok_or_else(|| AwsError::NotFound(format!("account {id} is not registered")))
    }

    async fn ctx(&self, id: &AccountId, region: &Region) -> AwsResult<Ctx> {
        let account = self.account(id).await?;
        if !account.regions.is_empty() && !account.regions.contains(region) {
            return Err(AwsError::Invalid(format!(
                "region {region} is not one of account {id}'s registered regions ({})",
                account
                    .regions
                    .iter()
                    .map(|r| r.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        Ok(Ctx {
            hub: self.hub.clone(),
            account,
            region: region.clone(),
        })
    }

    pub async fn extract(
        &self,
        id: &AccountId,
        region: &Region,
        service: ServiceKind,
        progress: &Progress,
    ) -> AwsResult<Vec<Value>> {
        let provider = self.provider(service)?;
        let ctx = self.ctx(id, region).await?;
        provider.list(&ctx, progress).await
    }

    /// One resource's current configuration (an explorer's detail view).
    pub async fn describe(
        &self,
        id: &AccountId,
        region: &Region,
        service: ServiceKind,
        name: &ResourceName,
    ) -> AwsResult<Value> {
        let provider = self.provider(service)?;
        let ctx = self.ctx(id, region).await?;
        provider.describe(&ctx, name).await?.ok_or_else(|| {
            AwsError::NotFound(format!(
                "{service} {name} not found in account {id} region {region}"
            ))
        })
    }

    /// Extracts several (account, region) pairs at once. Each pair is its own throttle domain
    /// (its own limiter), so pairs run in parallel while calls inside one stay paced; one
    /// pair's failure does not hide the others' results.
    pub async fn extract_many(
        &self,
        targets: &[(AccountId, Region)],
        service: ServiceKind,
        progress: &Progress,
    ) -> Vec<AwsResult<Vec<Value>>> {
        let runs = targets
            .iter()
            .map(|(account, region)| self.extract(account, region, service, progress));
        futures::future::join_all(runs).await
    }

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
                req.service,
                req.resource_name,
                req.account_id,
                req.region,
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
    async fn previous(
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
    #[allow(clippy::too_many_arguments)]
    async fn store_capture(
        &self,
        captured: Captured,
        service: ServiceKind,
        resource_name: ResourceName,
        account_id: AccountId,
        region: Region,
        taken_by: String,
        reason: SnapshotReason,
        note: Option<String>,
    ) -> AwsResult<(SnapshotMeta, SnapshotEnvelope)> {
        let mut env = SnapshotEnvelope::new(
            service,
            resource_name,
            account_id,
            region,
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
    async fn load_source(&self, source: DeploySource) -> AwsResult<SnapshotEnvelope> {
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
                // An inline document is the caller's own (possibly edited) configuration:
                // its digest is recomputed rather than trusted.
                env.config = snapdeploy_core::canonicalize(&env.config);
                env.digest = snapdeploy_core::digest_of(&env.config);
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

    pub async fn deploy(
        &self,
        req: DeployRequest,
        progress: &Progress,
    ) -> AwsResult<DeployOutcome> {
        let entry = (!req.dry_run).then(|| {
            let (key, service, name) = match &req.source {
                DeploySource::Key(k) => (Some(k.to_string()), k.service, &k.resource_name),
                DeploySource::Inline(env) => (None, env.service, &env.resource_name),
            };
            let mut e = AuditEntry::new(
                &req.taken_by,
                AuditAction::Deploy,
                &req.account_id,
                AuditOutcome::Failed,
            );
            e.region = Some(req.region.clone());
            e.service = Some(service);
            e.resource_name = Some(req.resource_name.as_ref().unwrap_or(name).to_string());
            e.snapshot_key = key;
            e
        });
        let outcome = self.deploy_unrecorded(req, progress).await;
        self.record_change(entry, outcome).await
    }

    async fn deploy_unrecorded(
        &self,
        req: DeployRequest,
        progress: &Progress,
    ) -> AwsResult<DeployOutcome> {
        let source = self.load_source(req.source).await?;
        let target = req
            .resource_name
            .unwrap_or_else(|| source.resource_name.clone());
        let change = Change {
            source,
            account_id: req.account_id,
            region: req.region,
            target,
            dry_run: req.dry_run,
            options: req.options,
            reason: SnapshotReason::PreDeploy,
            taken_by: req.taken_by,
        };
        self.change(change, progress).await
    }

    pub async fn rollback(
        &self,
        req: RollbackRequest,
        progress: &Progress,
    ) -> AwsResult<DeployOutcome> {
        let entry = (!req.dry_run).then(|| {
            let mut e = AuditEntry::new(
                &req.taken_by,
                AuditAction::Rollback,
                &req.account_id,
                AuditOutcome::Failed,
            );
            e.region = Some(req.region.clone());
            e.service = Some(req.service);
            e.resource_name = Some(req.resource_name.to_string());
            e.snapshot_key = Some(req.snapshot_key.to_string());
            e
        });
        let outcome = self.rollback_unrecorded(req, progress).await;
        self.record_change(entry, outcome).await
    }

    async fn rollback_unrecorded(
        &self,
        req: RollbackRequest,
        progress: &Progress,
    ) -> AwsResult<DeployOutcome> {
        let k = &req.snapshot_key;
        if k.account_id != req.account_id
            || k.service != req.service
            || k.resource_name != req.resource_name
        {
            return Err(AwsError::Invalid(format!(
                "snapshot {k} is not a snapshot of {} {} in account {}",
                req.service, req.resource_name, req.account_id
            )));
        }
        let source = self
            .load_source(DeploySource::Key(req.snapshot_key.clone()))
            .await?;
        if source.region != req.region {
            return Err(AwsError::Invalid(format!(
                "snapshot {k} was taken in {}, not {}",
                source.region, req.region
            )));
        }
        let options = DeployOptions {
            publish: false,
            restore_aliases: true,
            accept_unmapped: true,
            remove_extra: req.remove_created,
            note: Note::parse(&format!("rollback to {k}")).ok(),
            ..DeployOptions::default()
        };
        let change = Change {
            source,
            account_id: req.account_id,
            region: req.region,
            target: req.resource_name,
            dry_run: req.dry_run,
            options,
            reason: SnapshotReason::PreRollback,
            taken_by: req.taken_by,
        };
        self.change(change, progress).await
    }

    /// A deploy or rollback: a dry run only reads; a real change holds the resource's lease
    /// from its read to its report, so a second change of the same resource is refused (409,
    /// naming who holds it) instead of interleaving with it and undoing it on a restore.
    async fn change(&self, change: Change, progress: &Progress) -> AwsResult<DeployOutcome> {
        let held = if change.dry_run {
            None
        } else {
            let key = format!(
                "{} {} in account {} region {}",
                change.source.service, change.target, change.account_id, change.region
            );
            Some(
                HeldLease::take(
                    &self.locks,
                    &key,
                    &change.taken_by,
                    self.hub.config.change_lease,
                )
                .await?,
            )
        };
        let outcome = self.change_held(change, progress).await;
        if let Some(held) = held {
            held.release().await;
        }
        outcome
    }

    async fn change_held(&self, change: Change, progress: &Progress) -> AwsResult<DeployOutcome> {
        let Change {
            source,
            account_id,
            region,
            target,
            dry_run,
            options,
            reason,
            taken_by,
        } = change;
        let (account_id, region) = (&account_id, &region);
        let provider = self.provider(source.service)?;
        if source.service != ServiceKind::Connect
            && (options.flows.is_some() || options.remove_extra)
        {
            return Err(AwsError::Invalid(format!(
                "options.flows and options.remove_extra apply to Connect instances, not to {}",
                source.service
            )));
        }
        let ctx = self.ctx(account_id, region).await?;
        provider.validate(&source, self.snapshots.as_ref()).await?;
        progress.report("planning", 0, 0);
        // One read of the target serves the plan, the safety snapshot and the apply. A real
        // change stores its binary parts (content-addressed, so nothing twice) as it reads; a
        // dry run stores nothing.
        let store = (!dry_run).then_some(self.snapshots.as_ref());
        let previous = self.previous(provider, account_id, region, &target).await;
        let live = provider
            .capture_since(&ctx, &target, store, previous.as_ref(), true)
            .await?;
        let plan = provider
            .plan(&ctx, &source, &target, live.as_ref(), &options)
            .await?;
        if dry_run {
            return Ok(DeployOutcome::Plan(Box::new(plan)));
        }
        if !plan.blockers.is_empty() {
            return Err(AwsError::Invalid(plan.blockers.join("; ")));
        }
        if !plan.unmapped.is_empty() && !options.accept_unmapped {
            return Err(AwsError::Invalid(format!(
                "{} reference(s) cannot be mapped to account {account_id} region {region}; review the plan (dry_run) and set options.accept_unmapped to deploy anyway",
                plan.unmapped.len()
            )));
        }
        let publishes = options.publish && provider.publishes_versions();
        if plan.action == PlanAction::Unchanged && options.alias.is_none() && !publishes {
            return Ok(DeployOutcome::Report(Box::new(Report {
                status: ReportStatus::Unchanged,
                plan,
                steps: vec![],
                safety_snapshot: None,
                error: None,
                restore_error: None,
                published_version: None,
            })));
        }

        // The safety snapshot: what this change overwrites (the read the plan was made
        // from), so it can always be undone; `apply` works from the same view.
        let safety = match live {
            None => None,
            Some(captured) => {
                progress.report("taking the safety snapshot", 0, 0);
                let (meta, env) = self
                    .store_capture(
                        captured,
                        source.service,
                        target.clone(),
                        account_id.clone(),
                        region.clone(),
                        taken_by.clone(),
                        reason,
                        options.note.as_deref().map(String::from),
                    )
                    .await?;
                Some((meta, env))
            }
        };
        let current = safety.as_ref().map(|(_, env)| Captured {
            config: env.config.clone(),
            blobs: env.blobs.clone(),
            source: env.source.clone(),
            observed: env.observed.clone(),
        });

        let mut steps: Vec<StepOutcome> = Vec::new();
        let mut applied = Applied::default();
        let input = ApplyInput {
            plan: &plan,
            source: &source,
            live: current.as_ref(),
            store: self.snapshots.as_ref(),
            options: &options,
        };
        let mut run = Steps {
            steps: &mut steps,
            progress,
        };
        let result = provider.apply(&ctx, &input, &mut run, &mut applied).await;
        let mut report = Report {
            status: ReportStatus::Succeeded,
            plan,
            steps,
            safety_snapshot: safety.as_ref().map(|(m, _)| m.clone()),
            error: None,
            restore_error: None,
            published_version: applied.published_version.clone(),
        };
        if let Err(e) = result {
            tracing::warn!(resource = %target, "change failed, restoring: {e}");
            progress.report("a step failed: restoring the safety snapshot", 0, 0);
            report.error = Some(e.to_string());
            report.published_version = None;
            match provider
                .restore(
                    &ctx,
                    &target,
                    safety.as_ref().map(|(_, env)| env),
                    self.snapshots.as_ref(),
                    &applied,
                )
                .await
            {
                Ok(partly) => {
                    report.status = ReportStatus::FailedRestored;
                    let mut message = match &safety {
                        Some((m, _)) => format!("restored from safety snapshot {}", m.key),
                        None => "removed the resource this deploy had created".into(),
                    };
                    for p in partly {
                        message.push_str("; ");
                        message.push_str(&p);
                    }
                    report.steps.push(StepOutcome {
                        step: "restore".into(),
                        status: StepStatus::Ok,
                        message: Some(message),
                    });
                }
                Err(re) => {
                    report.status = ReportStatus::FailedNotRestored;
                    report.restore_error = Some(re.to_string());
                    report.steps.push(StepOutcome {
                        step: "restore".into(),
                        status: StepStatus::Failed,
                        message: Some(re.to_string()),
                    });
                }
            }
        }
        progress.report(report.status.as_str(), 1, 1);
        Ok(DeployOutcome::Report(Box::new(report)))
    }
}
