//! A release: a contact centre promoted as one — the Lambda functions and Lex bots an
//! instance's flows use, then the instance — with each member's snapshots and outcome, so
//! it can be undone as one.

use crate::ids::{AccountId, Region, ServiceKind};
use crate::plan::{Plan, Report};
use serde::{Deserialize, Serialize};

/// How a release (or one of its members) stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReleaseStatus {
    /// Planned only (a dry run) or not reached.
    Planned,
    Running,
    Succeeded,
    Unchanged,
    /// A member failed; every member already changed was put back.
    FailedRestored,
    /// A member failed and putting something back failed too.
    FailedNotRestored,
    /// Rolled back as one (`POST /rollback {"release_id"}`).
    RolledBack,
}

impl ReleaseStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Planned => "planned",
            Self::Running => "running",
            Self::Succeeded => "succeeded",
            Self::Unchanged => "unchanged",
            Self::FailedRestored => "failed_restored",
            Self::FailedNotRestored => "failed_not_restored",
            Self::RolledBack => "rolled_back",
        }
    }

    pub fn failed(self) -> bool {
        matches!(self, Self::FailedRestored | Self::FailedNotRestored)
    }
}

/// One resource of a release, in the order it is applied.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReleaseMember {
    pub service: ServiceKind,
    /// Its name in the target (and in the source: members keep their names).
    pub resource_name: String,
    /// The fresh snapshot of the source the release deploys.
    pub source_snapshot: String,
    /// Lex: the alias moved to the new version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
    /// What the member's deploy overwrote (none: the release created it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub safety_snapshot: Option<String>,
    pub status: ReleaseStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// What its rollback did, once the release is rolled back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollback: Option<String>,
}

/// The stored record of a release.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Release {
    pub release_id: String,
    #[schema(value_type = String)]
    pub source_account_id: AccountId,
    #[schema(value_type = String)]
    pub source_region: Region,
    #[schema(value_type = String)]
    pub target_account_id: AccountId,
    #[schema(value_type = String)]
    pub target_region: Region,
    /// The Connect instance (its alias in the target).
    pub instance: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub created_by: String,
    pub status: ReleaseStatus,
    pub members: Vec<ReleaseMember>,
}

/// What `POST /deploy` with `with_dependencies` answers: the release with each member's
/// plan (a dry run) or report.
#[derive(Debug, Clone, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ReleaseOutcome {
    pub release: Release,
    /// The members in apply order, as `<service> <name>`.
    pub order: Vec<String>,
    /// Each member's plan (dry run) or report, in apply order; a member not reached has
    /// neither.
    pub plans: Vec<Plan>,
    pub reports: Vec<Report>,
}

/// A new release id: time-ordered and unique (`rel-20261201T101500Z-1a2b3c4d`).
pub fn release_id(now: chrono::DateTime<chrono::Utc>, entropy: u32) -> String {
    format!("rel-{}-{entropy:08x}", now.format("%Y%m%dT%H%M%SZ"))
}
