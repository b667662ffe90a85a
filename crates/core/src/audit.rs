//! The audit trail: who changed what, where, when, and how it ended.

use crate::ids::{AccountId, Region, ServiceKind};
use crate::plan::ReportStatus;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum AuditAction {
    AccountAdded,
    AccountRemoved,
    Snapshot,
    Deploy,
    Rollback,
    /// A (source, target) pair's promotion rules set or replaced; recorded on the target.
    RulesSet,
    RulesRemoved,
    /// An instance promoted with its dependencies as one release (members recorded too).
    Release,
    /// A release rolled back as one.
    ReleaseRollback,
    /// A deploy or rollback into a protected account asked for, waiting for approval.
    ChangeRequested,
    ChangeApproved,
    ChangeRejected,
    /// An approved change refused because the target or the plan changed since planned.
    ChangeStale,
    TokenCreated,
    TokenRevoked,
}

/// How a recorded action ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AuditOutcome {
    Succeeded,
    Unchanged,
    FailedRestored,
    FailedNotRestored,
    /// Refused before anything was changed (bad input, unmapped references, a held lease).
    Refused,
    /// Failed before anything was changed.
    Failed,
}

impl From<ReportStatus> for AuditOutcome {
    fn from(s: ReportStatus) -> Self {
        match s {
            ReportStatus::Succeeded => Self::Succeeded,
            ReportStatus::Unchanged => Self::Unchanged,
            ReportStatus::FailedRestored => Self::FailedRestored,
            ReportStatus::FailedNotRestored => Self::FailedNotRestored,
        }
    }
}

impl AuditOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Succeeded => "succeeded",
            Self::Unchanged => "unchanged",
            Self::FailedRestored => "failed_restored",
            Self::FailedNotRestored => "failed_not_restored",
            Self::Refused => "refused",
            Self::Failed => "failed",
        }
    }
}

impl std::fmt::Display for AuditOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One thing done to an account or a resource. Dry runs and reads are not recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AuditEntry {
    pub at: DateTime<Utc>,
    /// Who did it: the signed-in person or token of an API request, or the user of a CLI run.
    pub actor: String,
    pub action: AuditAction,
    pub account_id: AccountId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<Region>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<ServiceKind>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_name: Option<String>,
    pub outcome: AuditOutcome,
    /// The snapshot taken, or deployed or rolled back to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot_key: Option<String>,
    /// The safety snapshot a change took first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub safety_snapshot: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The release the entry is about (`release`, `release-rollback`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release_id: Option<String>,
    /// The change request the entry is about, and who approved it (a change into a
    /// protected account carries both people: `actor` asked, `approved_by` approved).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved_by: Option<String>,
}

impl AuditEntry {
    pub fn new(
        actor: &str,
        action: AuditAction,
        account_id: &AccountId,
        outcome: AuditOutcome,
    ) -> Self {
        Self {
            at: Utc::now(),
            actor: actor.into(),
            action,
            account_id: account_id.clone(),
            region: None,
            service: None,
            resource_name: None,
            outcome,
            snapshot_key: None,
            safety_snapshot: None,
            error: None,
            release_id: None,
            change_id: None,
            approved_by: None,
        }
    }
}
