//! Stack promotion: a Connect instance with the Lambda functions and Lex bots its flows and
//! associations use, promoted as one release — functions, then bots (a version and the
//! alias, code hooks remapped), then the instance — and undone as one.

use super::dependencies::Dependencies;
use super::{DeployOutcome, DeployRequest, DeploySource, Engine, RollbackRequest, SnapshotRequest};
use crate::change::{DeployOptions, Progress};
use crate::error::{AwsError, AwsResult};
use crate::provider::Applied;
use snapdeploy_core::{
    release_id, AliasName, AuditAction, AuditEntry, AuditOutcome, Plan, Release, ReleaseMember,
    ReleaseOutcome, ReleaseStatus, Report, ReportStatus, ResourceName, ServiceKind,
    SnapshotEnvelope, SnapshotKey, SnapshotReason,
};
use std::collections::BTreeSet;

/// A member to apply: its release record and the deploy options it is applied with.
struct Step {
    member: ReleaseMember,
    options: DeployOptions,
}

impl Engine {
    /// `POST /deploy` with `with_dependencies`: fresh snapshots of what the instance uses,
    /// one combined plan, then every member in dependency order; a failure at any member
    /// puts back every member already changed.
    pub(super) async fn deploy_release(
        &self,
        req: DeployRequest,
        progress: &Progress,
    ) -> AwsResult<DeployOutcome> {
        let actor = req.taken_by.clone();
        let outcome = self.deploy_release_unrecorded(req, progress).await?;
        self.record_release(&outcome, AuditAction::Release, &actor)
            .await;
        Ok(outcome)
    }

    /// The release's own audit entry (its members have theirs), once it has run.
    async fn record_release(&self, outcome: &DeployOutcome, action: AuditAction, actor: &str) {
        let DeployOutcome::Release(r) = outcome else {
            return;
        };
        let release = &r.release;
        let outcome = match release.status {
            ReleaseStatus::Planned => return,
            ReleaseStatus::Unchanged => AuditOutcome::Unchanged,
            ReleaseStatus::FailedRestored => AuditOutcome::FailedRestored,
            ReleaseStatus::FailedNotRestored => AuditOutcome::FailedNotRestored,
            _ => AuditOutcome::Succeeded,
        };
        let mut entry = AuditEntry::new(actor, action, &release.target_account_id, outcome);
        entry.region = Some(release.target_region.clone());
        entry.service = Some(ServiceKind::Connect);
        entry.resource_name = Some(release.instance.clone());
        entry.snapshot_key = release.members.last().map(|m| m.source_snapshot.clone());
        entry.error = release.members.iter().find_map(|m| m.error.clone());
        entry.release_id = Some(release.release_id.clone());
        self.record(entry).await;
    }

    async fn deploy_release_unrecorded(
        &self,
        req: DeployRequest,
        progress: &Progress,
    ) -> AwsResult<DeployOutcome> {
        let DeploySource::Key(source_key) = &req.source else {
            return Err(AwsError::Invalid(
                "options.with_dependencies needs source.snapshot_key: the release records the snapshots it deploys".into(),
            ));
        };
        let source_key = source_key.to_string();
        let source = self
            .load_source(DeploySource::Key(SnapshotKey::parse(&source_key)?))
            .await?;
        if source.service != ServiceKind::Connect {
            return Err(AwsError::Invalid(format!(
                "options.with_dependencies promotes a Connect instance with what it uses; this is a {} snapshot",
                source.service
            )));
        }
        let instance = req
            .resource_name
            .clone()
            .unwrap_or_else(|| source.resource_name.clone());
        let (deps, mut steps) = self
            .release_members(&source, &req.options, &req.taken_by, progress)
            .await?;
        let mut instance_options = req.options.clone();
        instance_options.with_dependencies = false;
        steps.push(Step {
            member: member(ServiceKind::Connect, instance.as_str(), source_key, None),
            options: instance_options,
        });
        let mut release = Release {
            release_id: release_id(chrono::Utc::now(), rand::random()),
            source_account_id: source.account_id.clone(),
            source_region: source.region.clone(),
            target_account_id: req.account_id.clone(),
            target_region: req.region.clone(),
            instance: instance.to_string(),
            created_at: chrono::Utc::now(),
            created_by: req.taken_by.clone(),
            status: ReleaseStatus::Planned,
            members: steps.iter().map(|s| s.member.clone()).collect(),
        };
        let order = order_of(&release);

        // One combined plan: each member's, with what the release itself resolves (a
        // function or bot promoted before the member that uses it) no longer unmapped.
        let mut plans = Vec::new();
        // Functions whose policy names a bot the release promotes after them: written first
        // without that statement, then again once the bot is there.
        let mut second_pass = Vec::new();
        let total = steps.len() as u64;
        for (i, step) in steps.iter_mut().enumerate() {
            progress.report(&format!("planning {}", order[i]), i as u64, total);
            let mut plan = self
                .member_plan(&req, &step.member, step.options.clone())
                .await?;
            let resolved = resolve_within_release(&mut plan, &deps, &source);
            if resolved && step.member.service == ServiceKind::Lambda {
                step.options.accept_unmapped = true;
                second_pass.push(i);
            }
            plans.push(plan);
        }
        if req.dry_run {
            return Ok(release_outcome(release, order, plans, vec![]));
        }
        refuse_unless_ready(&plans, &order, &req)?;

        release.status = ReleaseStatus::Running;
        self.releases.put_release(&release).await?;
        let mut reports = Vec::new();
        let instance_at = steps.len() - 1;
        for (i, step) in steps.iter().enumerate() {
            if i == instance_at && !second_pass.is_empty() {
                let done = self
                    .second_pass(
                        &req,
                        &steps,
                        &second_pass,
                        &mut release,
                        &mut reports,
                        progress,
                    )
                    .await;
                if let Err(failed_at) = done {
                    tracing::warn!(member = failed_at, "the release's second pass failed");
                    let restored = self
                        .put_back_members(&mut release, instance_at, true, &req.taken_by)
                        .await;
                    release.status = if restored {
                        ReleaseStatus::FailedRestored
                    } else {
                        ReleaseStatus::FailedNotRestored
                    };
                    self.releases.put_release(&release).await?;
                    return Ok(release_outcome(release, order, plans, reports));
                }
            }
            progress.report(&format!("deploying {}", order[i]), i as u64, total);
            let failed = self
                .apply_member(&req, step, &mut release.members[i], &mut reports, progress)
                .await;
            if failed {
                // What the release created goes again: nothing of it stays half-promoted.
                let restored = self
                    .put_back_members(&mut release, i, true, &req.taken_by)
                    .await;
                release.status =
                    if restored && release.members[i].status != ReleaseStatus::FailedNotRestored {
                        ReleaseStatus::FailedRestored
                    } else {
                        ReleaseStatus::FailedNotRestored
                    };
                self.releases.put_release(&release).await?;
                return Ok(release_outcome(release, order, plans, reports));
            }
            self.releases.put_release(&release).await?;
        }
        release.status = if release
            .members
            .iter()
            .all(|m| m.status == ReleaseStatus::Unchanged)
        {
            ReleaseStatus::Unchanged
        } else {
            ReleaseStatus::Succeeded
        };
        self.releases.put_release(&release).await?;
        progress.report(&format!("release {}", release.status.as_str()), 1, 1);
        Ok(release_outcome(release, order, plans, reports))
    }

    /// Deploys one member, recording its safety snapshot and outcome; true when it failed.
    async fn apply_member(
        &self,
        req: &DeployRequest,
        step: &Step,
        m: &mut ReleaseMember,
        reports: &mut Vec<Report>,
        progress: &Progress,
    ) -> bool {
        let outcome = self
            .deploy_member(req, &step.member, step.options.clone(), false, progress)
            .await;
        match outcome {
            Ok(DeployOutcome::Report(r)) => {
                m.safety_snapshot = r.safety_snapshot.as_ref().map(|s| s.key.clone());
                m.status = member_status(r.status);
                m.error = r.error.clone();
                let failed = r.status.failed();
                reports.push(*r);
                failed
            }
            Ok(_) => false,
            Err(e) => {
                m.status = ReleaseStatus::FailedRestored;
                m.error = Some(e.to_string());
                true
            }
        }
    }

    /// Deploys again the functions whose policies name bots the release has now promoted
    /// (their statements were left out the first time), without publishing a version. Err:
    /// the index of the member that failed (its error recorded).
    async fn second_pass(
        &self,
        req: &DeployRequest,
        steps: &[Step],
        members: &[usize],
        release: &mut Release,
        reports: &mut Vec<Report>,
        progress: &Progress,
    ) -> Result<(), usize> {
        for &i in members {
            let step = &steps[i];
            let options = DeployOptions {
                publish: false,
                accept_unmapped: req.options.accept_unmapped,
                ..step.options.clone()
            };
            progress.report(
                &format!("completing {}", release.members[i].resource_name),
                0,
                0,
            );
            let outcome = self
                .deploy_member(req, &step.member, options, false, progress)
                .await;
            let error = match outcome {
                Ok(DeployOutcome::Report(r)) => {
                    let error = r
                        .status
                        .failed()
                        .then(|| r.error.clone().unwrap_or_default());
                    reports.push(*r);
                    error
                }
                Ok(_) => None,
                Err(e) => Some(e.to_string()),
            };
            if let Some(e) = error {
                release.members[i].error =
                    Some(format!("adding what names the promoted bots: {e}"));
                return Err(i);
            }
        }
        Ok(())
    }

    /// The functions and bots the instance uses, each freshly snapshotted in the source, in
    /// apply order (functions, then bots).
    async fn release_members(
        &self,
        source: &SnapshotEnvelope,
        options: &DeployOptions,
        taken_by: &str,
        progress: &Progress,
    ) -> AwsResult<(Dependencies, Vec<Step>)> {
        let mut deps = Dependencies::of_instance(source);
        let fresh = |service, name: &str| {
            let name = ResourceName::parse(name).map_err(|e| AwsError::Invalid(e.to_string()));
            async move {
                let meta = self
                    .snapshot(
                        SnapshotRequest {
                            account_id: source.account_id.clone(),
                            region: source.region.clone(),
                            service,
                            resource_name: name?,
                            reason: SnapshotReason::Release,
                            taken_by: taken_by.to_owned(),
                            note: None,
                            version: None,
                            full: false,
                        },
                        progress,
                    )
                    .await?;
                AwsResult::Ok(meta.key)
            }
        };
        let mut bots = Vec::new();
        let by_bot: BTreeSet<(String, String)> = deps.aliases.values().cloned().collect();
        for (bot, alias) in by_bot {
            let key = fresh(ServiceKind::Lex, &bot).await?;
            let env = self
                .load_source(DeploySource::Key(SnapshotKey::parse(&key)?))
                .await?;
            deps.add_hooks(&env, &alias);
            deps.bot_ids.insert(env.source.id.clone());
            let mut o = member_options(options);
            o.alias = Some(AliasName::parse(&alias).map_err(|e| AwsError::Invalid(e.to_string()))?);
            o.keep_versions = options.keep_versions;
            bots.push(Step {
                member: member(ServiceKind::Lex, &bot, key, Some(alias)),
                options: o,
            });
        }
        let mut steps = Vec::new();
        for f in deps.functions.clone() {
            let key = fresh(ServiceKind::Lambda, &f).await?;
            steps.push(Step {
                member: member(ServiceKind::Lambda, &f, key, None),
                options: member_options(options),
            });
        }
        steps.extend(bots);
        Ok((deps, steps))
    }

    /// A member's deploy (or, `dry_run`, its plan) into the release's target.
    async fn deploy_member(
        &self,
        req: &DeployRequest,
        m: &ReleaseMember,
        options: DeployOptions,
        dry_run: bool,
        progress: &Progress,
    ) -> AwsResult<DeployOutcome> {
        self.deploy(
            DeployRequest {
                source: DeploySource::Key(SnapshotKey::parse(&m.source_snapshot)?),
                account_id: req.account_id.clone(),
                region: req.region.clone(),
                resource_name: Some(ResourceName::parse(&m.resource_name)?),
                dry_run,
                options,
                taken_by: req.taken_by.clone(),
            },
            progress,
        )
        .await
    }

    async fn member_plan(
        &self,
        req: &DeployRequest,
        m: &ReleaseMember,
        options: DeployOptions,
    ) -> AwsResult<Plan> {
        match self
            .deploy_member(req, m, options, true, &Progress::none())
            .await?
        {
            DeployOutcome::Plan(p) => Ok(*p),
            _ => Err(AwsError::Invalid("a dry run answered with a report".into())),
        }
    }

    /// A member back to `safety` (or, `dry_run`, the plan of that).
    async fn rollback_member(
        &self,
        release: &Release,
        m: &ReleaseMember,
        safety: &str,
        remove_created: bool,
        dry_run: bool,
        actor: &str,
    ) -> AwsResult<DeployOutcome> {
        self.rollback(
            RollbackRequest {
                account_id: release.target_account_id.clone(),
                region: release.target_region.clone(),
                service: m.service,
                resource_name: ResourceName::parse(&m.resource_name)?,
                snapshot_key: SnapshotKey::parse(safety)?,
                dry_run,
                taken_by: actor.to_owned(),
                remove_created,
            },
            &Progress::none(),
        )
        .await
    }

    /// Puts back, last first, the members before `upto` that the release changed: each to
    /// its safety snapshot, or (created by the release) removed when `remove_created`. True
    /// when every one was put back.
    async fn put_back_members(
        &self,
        release: &mut Release,
        upto: usize,
        remove_created: bool,
        actor: &str,
    ) -> bool {
        let mut all = true;
        for i in (0..upto).rev() {
            let m = release.members[i].clone();
            if m.status != ReleaseStatus::Succeeded {
                continue;
            }
            let result = self.undo_member(release, &m, remove_created, actor).await;
            let done = &mut release.members[i];
            match result {
                Ok(message) => {
                    done.rollback = Some(message);
                    done.status = ReleaseStatus::RolledBack;
                }
                Err(e) => {
                    all = false;
                    done.rollback = Some(format!("could not be put back: {e}"));
                    done.status = ReleaseStatus::FailedNotRestored;
                }
            }
        }
        all
    }

    async fn undo_member(
        &self,
        release: &Release,
        m: &ReleaseMember,
        remove_created: bool,
        actor: &str,
    ) -> AwsResult<String> {
        let name =
            ResourceName::parse(&m.resource_name).map_err(|e| AwsError::Invalid(e.to_string()))?;
        match &m.safety_snapshot {
            Some(key) => {
                let outcome = self
                    .rollback_member(release, m, key, remove_created, false, actor)
                    .await?;
                match outcome {
                    DeployOutcome::Report(r) if r.status.failed() => Err(AwsError::Invalid(
                        r.error.unwrap_or_else(|| "the rollback failed".into()),
                    )),
                    _ => Ok(format!("rolled back to {key}")),
                }
            }
            None if remove_created => {
                let provider = self.provider(m.service)?;
                let ctx = self
                    .ctx(&release.target_account_id, &release.target_region)
                    .await?;
                let created = Applied {
                    created: true,
                    ..Applied::default()
                };
                provider
                    .restore(&ctx, &name, None, self.snapshots.as_ref(), &created)
                    .await?;
                Ok("created by the release: deleted".into())
            }
            None => Ok("created by the release: kept (remove_created deletes it)".into()),
        }
    }

    /// `POST /rollback {"release_id"}`: every member back to its safety snapshot, last
    /// first; what the release created is deleted when `remove_created` is set.
    pub async fn rollback_release(
        &self,
        id: &str,
        remove_created: bool,
        dry_run: bool,
        taken_by: &str,
        progress: &Progress,
    ) -> AwsResult<DeployOutcome> {
        let outcome = self
            .rollback_release_unrecorded(id, remove_created, dry_run, taken_by, progress)
            .await?;
        if !dry_run {
            self.record_release(&outcome, AuditAction::ReleaseRollback, taken_by)
                .await;
        }
        Ok(outcome)
    }

    async fn rollback_release_unrecorded(
        &self,
        id: &str,
        remove_created: bool,
        dry_run: bool,
        taken_by: &str,
        progress: &Progress,
    ) -> AwsResult<DeployOutcome> {
        let mut release = self.release(id).await?;
        if release.status == ReleaseStatus::RolledBack {
            return Err(AwsError::Invalid(format!(
                "release {id} is already rolled back"
            )));
        }
        let order = order_of(&release);
        if dry_run {
            let mut plans = Vec::new();
            for m in release
                .members
                .iter()
                .rev()
                .filter(|m| m.status == ReleaseStatus::Succeeded)
            {
                if let Some(key) = &m.safety_snapshot {
                    let outcome = self
                        .rollback_member(&release, m, key, remove_created, true, taken_by)
                        .await?;
                    if let DeployOutcome::Plan(p) = outcome {
                        plans.push(*p);
                    }
                }
            }
            return Ok(release_outcome(release, order, plans, vec![]));
        }
        progress.report(&format!("rolling back release {id}"), 0, 0);
        let upto = release.members.len();
        let all = self
            .put_back_members(&mut release, upto, remove_created, taken_by)
            .await;
        release.status = if all {
            ReleaseStatus::RolledBack
        } else {
            ReleaseStatus::FailedNotRestored
        };
        self.releases.put_release(&release).await?;
        Ok(release_outcome(release, order, vec![], vec![]))
    }

    pub async fn release(&self, id: &str) -> AwsResult<Release> {
        self.releases
            .get_release(id)
            .await?
            .ok_or_else(|| AwsError::NotFound(format!("release {id} not found")))
    }

    pub async fn recent_releases(&self, limit: usize) -> AwsResult<Vec<Release>> {
        Ok(self.releases.list_releases(limit).await?)
    }
}

/// A release is refused, before anything is written, while a member has blockers or (not
/// accepted) unmapped references.
fn refuse_unless_ready(plans: &[Plan], order: &[String], req: &DeployRequest) -> AwsResult<()> {
    let blockers: Vec<String> = plans
        .iter()
        .zip(order)
        .flat_map(|(p, o)| p.blockers.iter().map(move |b| format!("{o}: {b}")))
        .collect();
    if !blockers.is_empty() {
        return Err(AwsError::Invalid(blockers.join("; ")));
    }
    let unmapped: usize = plans.iter().map(|p| p.unmapped.len()).sum();
    if unmapped > 0 && !req.options.accept_unmapped {
        return Err(AwsError::Invalid(format!(
            "{unmapped} reference(s) of the release cannot be mapped to account {} region {}; review the plan (dry_run) and set options.accept_unmapped to deploy without them",
            req.account_id, req.region
        )));
    }
    Ok(())
}

fn member(service: ServiceKind, name: &str, key: String, alias: Option<String>) -> ReleaseMember {
    ReleaseMember {
        service,
        resource_name: name.to_owned(),
        source_snapshot: key,
        alias,
        safety_snapshot: None,
        status: ReleaseStatus::Planned,
        error: None,
        rollback: None,
    }
}

/// A function's or bot's options in a release: the release's choices that apply to it.
fn member_options(release: &DeployOptions) -> DeployOptions {
    DeployOptions {
        accept_unmapped: release.accept_unmapped,
        note: release.note.clone(),
        ..DeployOptions::default()
    }
}

fn member_status(s: ReportStatus) -> ReleaseStatus {
    match s {
        ReportStatus::Succeeded => ReleaseStatus::Succeeded,
        ReportStatus::Unchanged => ReleaseStatus::Unchanged,
        ReportStatus::FailedRestored => ReleaseStatus::FailedRestored,
        ReportStatus::FailedNotRestored => ReleaseStatus::FailedNotRestored,
    }
}

fn order_of(release: &Release) -> Vec<String> {
    release
        .members
        .iter()
        .map(|m| format!("{} {}", m.service, m.resource_name))
        .collect()
}

/// Unmapped references another member resolves become notes; true when there were any.
fn resolve_within_release(plan: &mut Plan, deps: &Dependencies, source: &SnapshotEnvelope) -> bool {
    let (resolved, left): (Vec<_>, Vec<_>) = std::mem::take(&mut plan.unmapped)
        .into_iter()
        .partition(|u| deps.resolves(source, &u.value));
    plan.unmapped = left;
    let any = !resolved.is_empty();
    for u in resolved {
        plan.warnings.push(format!(
            "{} is promoted by this release",
            u.would_be.as_deref().unwrap_or(&u.value)
        ));
    }
    any
}

fn release_outcome(
    release: Release,
    order: Vec<String>,
    plans: Vec<Plan>,
    reports: Vec<Report>,
) -> DeployOutcome {
    DeployOutcome::Release(Box::new(ReleaseOutcome {
        release,
        order,
        plans,
        reports,
    }))
}
