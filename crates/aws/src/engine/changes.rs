//! Deploy and rollback: one change per resource at a time (a lease), a plan first, a safety
//! snapshot before any write, and the resource put back when a step fails.

use super::{DeployOutcome, DeployRequest, DeploySource, Engine, RollbackRequest};
use crate::change::{DeployOptions, Progress};
use crate::error::{AwsError, AwsResult};
use crate::provider::{Applied, ApplyInput, Captured, Ctx, Provider, Steps};
use snapdeploy_core::{
    add_leftovers, AccountId, ArnRemapper, AuditAction, AuditEntry, AuditOutcome, Note, Plan,
    PlanAction, Region, Report, ReportStatus, ResourceName, ResourceRef, ServiceKind,
    SnapshotEnvelope, SnapshotMeta, SnapshotReason, StepOutcome, StepStatus,
};
use snapdeploy_store::{Lease, LockStore, StoreError};
use std::sync::Arc;

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
    /// A deploy applies the (source account, target account) pair's promotion rules; a
    /// rollback restores its snapshot exactly.
    apply_rules: bool,
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
        clock: &snapdeploy_core::Clock,
    ) -> AwsResult<Self> {
        let lease = locks.acquire(key, holder, ttl, clock.now()).await?;
        let renewal = {
            let (locks, mut lease, clock) = (locks.clone(), lease.clone(), clock.clone());
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(ttl / 3).await;
                    match locks.renew(&lease, ttl, clock.now()).await {
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

impl Engine {
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
            Ok(DeployOutcome::Plan(_) | DeployOutcome::Release(_)) => return outcome,
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

    pub async fn deploy(
        &self,
        req: DeployRequest,
        progress: &Progress,
    ) -> AwsResult<DeployOutcome> {
        if req.options.with_dependencies {
            // Each member's deploy and rollback is recorded on its own.
            return Box::pin(self.deploy_release(req, progress)).await;
        }
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
            apply_rules: true,
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
            apply_rules: false,
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
                    &self.hub.config.clock,
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
            apply_rules,
        } = change;
        let (account_id, region) = (&account_id, &region);
        let provider = self.provider(source.service)?;
        check_options(source.service, &options)?;
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
        let (ruled, notes) = if apply_rules {
            self.ruled_source(&source, account_id, live.as_ref())
                .await?
        } else {
            Default::default()
        };
        let source = ruled.unwrap_or(source);
        let mut options = options;
        options.ruled_paths = notes.paths();
        let mut plan = provider
            .plan(&ctx, &source, &target, live.as_ref(), &options)
            .await?;
        notes.into_plan(&mut plan);
        plan.live_digest = live.as_ref().map(|c| snapdeploy_core::digest_of(&c.config));
        flag_leftovers(&mut plan, &source, account_id, region);
        plan.merge_unmapped();
        if dry_run {
            return Ok(DeployOutcome::Plan(Box::new(plan)));
        }
        if !plan.blockers.is_empty() {
            return Err(AwsError::Invalid(plan.blockers.join("; ")));
        }
        if !plan.unmapped.is_empty() && !options.accept_unmapped {
            return Err(AwsError::Invalid(format!(
                "{} reference(s) cannot be mapped to account {account_id} region {region}; review the plan (dry_run) and set options.accept_unmapped to deploy without them",
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
                left_out: vec![],
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
                        ResourceRef {
                            service: source.service,
                            resource_name: target.clone(),
                            account_id: account_id.clone(),
                            region: region.clone(),
                        },
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

        intend(
            progress,
            (source.service, account_id, region, &target),
            &safety,
        )
        .await?;
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
            left_out: vec![],
        };
        if options.accept_unmapped {
            report.left_out = report.plan.unmapped.clone();
        }
        if let Err(e) = result {
            tracing::warn!(resource = %target, "change failed, restoring: {e}");
            progress.report("a step failed: restoring the safety snapshot", 0, 0);
            report.error = Some(e.to_string());
            report.published_version = None;
            report.left_out.clear();
            self.put_back(
                provider,
                &ctx,
                &target,
                safety.as_ref(),
                &applied,
                &mut report,
            )
            .await;
        }
        progress.report(report.status.as_str(), 1, 1);
        Ok(DeployOutcome::Report(Box::new(report)))
    }

    /// Restores the resource after a failed step, from the safety snapshot (or by removing
    /// what the change created), and records how that went in `report`.
    async fn put_back(
        &self,
        provider: &dyn Provider,
        ctx: &Ctx,
        target: &ResourceName,
        safety: Option<&(SnapshotMeta, SnapshotEnvelope)>,
        applied: &Applied,
        report: &mut Report,
    ) {
        match provider
            .restore(
                ctx,
                target,
                safety.map(|(_, env)| env),
                self.snapshots.as_ref(),
                applied,
            )
            .await
        {
            Ok(partly) => {
                report.status = ReportStatus::FailedRestored;
                let mut message = match safety {
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
}

impl Engine {
    /// Puts back a resource that a change whose process died had started writing (as its
    /// job recorded before the first write): rolled back to the change's safety snapshot,
    /// deleting what it created, or, when the resource did not exist before, deleted. Holds
    /// the resource's lease like any change; `Conflict` while the dead change's lease has
    /// not lapsed yet.
    pub async fn restore_interrupted(
        &self,
        intent: &crate::change::WriteIntent,
        actor: &str,
    ) -> AwsResult<String> {
        match &intent.safety_snapshot {
            Some(key) => {
                let snapshot_key = snapdeploy_core::SnapshotKey::parse(key)
                    .map_err(|e| AwsError::Invalid(e.to_string()))?;
                let outcome = self
                    .rollback(
                        RollbackRequest {
                            account_id: intent.account_id.clone(),
                            region: intent.region.clone(),
                            service: intent.service,
                            resource_name: intent.resource_name.clone(),
                            snapshot_key,
                            dry_run: false,
                            taken_by: actor.into(),
                            remove_created: true,
                        },
                        &Progress::none(),
                    )
                    .await?;
                match outcome {
                    DeployOutcome::Report(r) if r.status.failed() => {
                        Err(AwsError::Invalid(r.error.unwrap_or_else(|| {
                            "the rollback to the safety snapshot failed".into()
                        })))
                    }
                    _ => Ok(format!("rolled back to safety snapshot {key}")),
                }
            }
            None => {
                let key = format!(
                    "{} {} in account {} region {}",
                    intent.service, intent.resource_name, intent.account_id, intent.region
                );
                let held = HeldLease::take(
                    &self.locks,
                    &key,
                    actor,
                    self.hub.config.change_lease,
                    &self.hub.config.clock,
                )
                .await?;
                let provider = self.provider(intent.service)?;
                let result = async {
                    let ctx = self.ctx(&intent.account_id, &intent.region).await?;
                    let created = Applied {
                        created: true,
                        ..Applied::default()
                    };
                    provider
                        .restore(
                            &ctx,
                            &intent.resource_name,
                            None,
                            self.snapshots.as_ref(),
                            &created,
                        )
                        .await
                }
                .await;
                held.release().await;
                result?;
                Ok(
                    "it did not exist before the change: deleted what the change had created"
                        .into(),
                )
            }
        }
    }
}

/// Records what a change is about to write before its first write (see `WriteIntent`); a
/// change whose intent cannot be kept writes nothing.
async fn intend(
    progress: &Progress,
    (service, account_id, region, target): (ServiceKind, &AccountId, &Region, &ResourceName),
    safety: &Option<(SnapshotMeta, SnapshotEnvelope)>,
) -> AwsResult<()> {
    let intent = crate::change::WriteIntent {
        service,
        account_id: account_id.clone(),
        region: region.clone(),
        resource_name: target.clone(),
        safety_snapshot: safety.as_ref().map(|(m, _)| m.key.to_string()),
    };
    progress.intend(intent).await.map_err(|e| {
        AwsError::Store(StoreError::Backend(format!(
            "recording what this change is about to write failed, so nothing was written: {e}"
        )))
    })
}

/// Options that do not apply to the service are refused, not ignored.
fn check_options(service: ServiceKind, options: &DeployOptions) -> AwsResult<()> {
    if service != ServiceKind::Connect && options.flows.is_some() {
        return Err(AwsError::Invalid(format!(
            "options.flows applies to Connect instances, not to {service}"
        )));
    }
    Ok(())
}

/// Adds to the plan's unmapped references every value that still names the source account
/// (or, across regions, the source region) after the provider remapped what it knows how
/// to: such a value is refused like an unmapped reference unless the deploy accepts it.
/// A value whose unmappable reference is already listed is not listed twice.
fn flag_leftovers(
    plan: &mut Plan,
    source: &SnapshotEnvelope,
    account: &AccountId,
    region: &Region,
) {
    let remapper = ArnRemapper::new(
        source.account_id.as_str(),
        source.region.as_str(),
        account.as_str(),
        region.as_str(),
    );
    add_leftovers(&mut plan.unmapped, &plan.desired, &remapper);
}
