//! The audit trail: who changed what, where, when, and how it ended.

use crate::ids::{AccountId, Region, ServiceKind};
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
}

/// One thing done to an account or a resource. Dry runs and reads are not recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AuditEntry {
    pub at: DateTime<Utc>,
    /// Who did it (`SNAPDEPLOY_USER`, the OS user of a CLI run, or `snapdeploy-api`).
    pub actor: String,
    pub action: AuditAction,
    pub account_id: AccountId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<Region>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<ServiceKind>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_name: Option<String>,
    /// `succeeded`, `unchanged`, `failed_restored`, `failed_not_restored`, `refused` or
    /// `failed`.
    pub outcome: String,
    /// The snapshot taken, or deployed or rolled back to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot_key: Option<String>,
    /// The safety snapshot a change took first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub safety_snapshot: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl AuditEntry {
    pub fn new(actor: &str, action: AuditAction, account_id: &AccountId, outcome: &str) -> Self {
        Self {
            at: Utc::now(),
            actor: actor.into(),
            action,
            account_id: account_id.clone(),
            region: None,
            service: None,
            resource_name: None,
            outcome: outcome.into(),
            snapshot_key: None,
            safety_snapshot: None,
            error: None,
        }
    }
}
