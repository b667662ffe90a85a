//! The engine: extract, snapshot, deploy and rollback over any provider, with the rules
//! every change follows — a verified source, a plan first, a safety snapshot before any
//! write, and the resource put back when a step fails.

mod changes;
mod dependencies;
mod release;
mod rules;
mod snapshots;

use crate::change::{DeployOptions, Progress};
use crate::connect::ConnectProvider;
use crate::error::{AwsError, AwsResult};
use crate::hub::Hub;
use crate::lambda::LambdaProvider;
use crate::lex::LexProvider;
use crate::provider::{Ctx, Provider};
use serde::Serialize;
use serde_json::Value;
use snapdeploy_core::{
    Account, AccountId, AuditAction, AuditEntry, AuditOutcome, Note, Plan, Region, Report,
    ResourceName, ServiceKind, SnapshotEnvelope, SnapshotKey, SnapshotReason, VersionSelector,
};
use snapdeploy_store::{
    AccountStore, AuditLog, LockStore, MemoryAudit, MemoryLocks, MemoryRecords, MemoryReleases,
    MemoryRules, RecordStore, ReleaseStore, RuleStore, SnapshotStore,
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

/// The outcome of a deploy: a plan (dry run) or a report; of a release (an instance with
/// what it uses), the release with its members' plans or reports.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
#[serde(untagged)]
pub enum DeployOutcome {
    Plan(Box<Plan>),
    Report(Box<Report>),
    Release(Box<snapdeploy_core::ReleaseOutcome>),
}

pub struct Engine {
    pub hub: Arc<Hub>,
    pub accounts: Arc<dyn AccountStore>,
    pub snapshots: Arc<dyn SnapshotStore>,
    /// One change per resource at a time (in this process unless `with_locks` shares them).
    pub locks: Arc<dyn LockStore>,
    /// Who changed what (in this process unless `with_audit` keeps it).
    pub audit: Arc<dyn AuditLog>,
    /// Promotion rules per (source, target) account pair (in this process unless
    /// `with_rules` keeps them).
    pub rules: Arc<dyn RuleStore>,
    /// Releases: instances promoted with what they use (in this process unless
    /// `with_releases` keeps them).
    pub releases: Arc<dyn ReleaseStore>,
    /// API tokens and change requests (in this process unless `with_records` keeps them).
    pub records: Arc<dyn RecordStore>,
    /// Job records (in this process unless `with_jobs` keeps them with the registry, where
    /// every replica and worker sees them).
    pub jobs: Arc<dyn snapdeploy_store::JobStore>,
}

/// The change request an approved change runs for: every audit entry the change records
/// names it and its approver beside the requester (the entry's actor).
#[derive(Debug, Clone)]
pub struct Approval {
    pub change_id: String,
    pub approved_by: String,
}

tokio::task_local! {
    static APPROVAL: Approval;
}

/// Runs `work` (a change) as approved by `approval`.
pub async fn with_approval<F: std::future::Future>(approval: Approval, work: F) -> F::Output {
    APPROVAL.scope(approval, work).await
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
            rules: Arc::new(MemoryRules::default()),
            releases: Arc::new(MemoryReleases::default()),
            records: Arc::new(MemoryRecords::default()),
            jobs: Arc::new(snapdeploy_store::MemoryJobs::default()),
        }
    }

    /// Job records kept with the account registry (SQLite, DynamoDB).
    pub fn with_jobs(mut self, jobs: Arc<dyn snapdeploy_store::JobStore>) -> Self {
        self.jobs = jobs;
        self
    }

    /// Tokens and change requests kept with the account registry (SQLite, DynamoDB).
    pub fn with_records(mut self, records: Arc<dyn RecordStore>) -> Self {
        self.records = records;
        self
    }

    /// The audit trail kept with the account registry (SQLite, DynamoDB).
    pub fn with_audit(mut self, audit: Arc<dyn AuditLog>) -> Self {
        self.audit = audit;
        self
    }

    /// The promotion rules kept with the account registry (SQLite, DynamoDB).
    pub fn with_rules(mut self, rules: Arc<dyn RuleStore>) -> Self {
        self.rules = rules;
        self
    }

    /// The releases kept with the account registry (SQLite, DynamoDB).
    pub fn with_releases(mut self, releases: Arc<dyn ReleaseStore>) -> Self {
        self.releases = releases;
        self
    }

    /// Appends to the audit trail. What it records has already happened, so a failure to
    /// record is logged, not returned.
    pub async fn record(&self, mut entry: AuditEntry) {
        if entry.change_id.is_none() {
            let _ = APPROVAL.try_with(|a| {
                entry.change_id = Some(a.change_id.clone());
                entry.approved_by = Some(a.approved_by.clone());
            });
        }
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

    /// Leases shared with every process using the same registry (SQLite file, DynamoDB).
    pub fn with_locks(mut self, locks: Arc<dyn LockStore>) -> Self {
        self.locks = locks;
        self
    }

    pub(super) fn provider(&self, service: ServiceKind) -> AwsResult<&'static dyn Provider> {
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

    pub(super) async fn ctx(&self, id: &AccountId, region: &Region) -> AwsResult<Ctx> {
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
        let mut items = provider.list(&ctx, progress).await?;
        // One name field for every service: the value `/snapshot` takes as resource_name.
        for item in &mut items {
            if let Some(name) = item.get(provider.name_field()).cloned() {
                item["resource_name"] = name;
            }
        }
        Ok(items)
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
}
