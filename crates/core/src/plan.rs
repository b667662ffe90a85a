//! Deploy plans and reports, shared by every provider.

use crate::diff::FieldChange;
use crate::remap::{Remapped, Unmapped};
use crate::rules::{Kept, Substituted};
use crate::snapshot::SnapshotMeta;
use serde::Serialize;
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum PlanAction {
    Create,
    Update,
    Unchanged,
}

/// What a deploy would do, computed without changing anything.
#[derive(Debug, Clone, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Plan {
    pub service: crate::ids::ServiceKind,
    pub resource_name: String,
    pub target_account_id: String,
    pub target_region: String,
    pub action: PlanAction,
    /// Field-level differences between the live target and what would be applied.
    pub changes: Vec<FieldChange>,
    pub remapped: Vec<Remapped>,
    pub unmapped: Vec<Unmapped>,
    pub warnings: Vec<String>,
    /// Values the pair's promotion rules rewrote (before remapping).
    pub substitutions: Vec<Substituted>,
    /// Values the pair's promotion rules kept as the target has them.
    pub kept: Vec<Kept>,
    /// Reasons the plan cannot be applied as asked (a deploy is refused while any remain).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub blockers: Vec<String>,
    /// A service-specific overview (Lex: intents, slots and slot types added, changed or
    /// removed per locale).
    #[serde(default, skip_serializing_if = "Value::is_null")]
    #[schema(value_type = Object)]
    pub summary: Value,
    /// The configuration that would be applied, after remapping.
    #[schema(value_type = Object)]
    pub desired: Value,
    /// `sha256:` digest of the live target the plan was made from (none: it does not
    /// exist yet). An approved change is applied only while this still holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub live_digest: Option<String>,
}

impl Plan {
    /// Lists each unmappable reference once: the same value (or the same missing target
    /// value) found at several places is one entry naming the other places in `also_at`.
    pub fn merge_unmapped(&mut self) {
        self.unmapped = merge_unmapped(std::mem::take(&mut self.unmapped));
    }
}

/// Each unmappable reference once: the same value (or the same missing target value) found
/// at several places is one entry naming the other places in `also_at`.
pub fn merge_unmapped(all: Vec<Unmapped>) -> Vec<Unmapped> {
    let key = |x: &Unmapped| x.would_be.clone().unwrap_or_else(|| x.value.clone());
    let mut merged: Vec<Unmapped> = Vec::new();
    for u in all {
        match merged.iter_mut().find(|m| key(m) == key(&u)) {
            Some(first) => {
                first.also_at.push(u.path);
                first.also_at.extend(u.also_at);
            }
            None => merged.push(u),
        }
    }
    merged
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum StepStatus {
    Ok,
    Failed,
}

impl std::fmt::Display for StepStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Ok => "ok",
            Self::Failed => "failed",
        })
    }
}

#[derive(Debug, Clone, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct StepOutcome {
    pub step: String,
    pub status: StepStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// How a deploy or rollback ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReportStatus {
    Succeeded,
    /// There was nothing to change.
    Unchanged,
    /// A step failed and the resource was put back.
    FailedRestored,
    /// A step failed and putting it back failed too.
    FailedNotRestored,
}

impl ReportStatus {
    pub fn failed(self) -> bool {
        matches!(self, Self::FailedRestored | Self::FailedNotRestored)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Succeeded => "succeeded",
            Self::Unchanged => "unchanged",
            Self::FailedRestored => "failed_restored",
            Self::FailedNotRestored => "failed_not_restored",
        }
    }
}

impl std::fmt::Display for ReportStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a deploy or rollback did.
#[derive(Debug, Clone, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Report {
    pub status: ReportStatus,
    pub plan: Plan,
    pub steps: Vec<StepOutcome>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub safety_snapshot: Option<SnapshotMeta>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restore_error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published_version: Option<String>,
    /// References that could not be mapped and were left out, as the deploy accepted
    /// (`options.accept_unmapped`): none of them was written.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub left_out: Vec<Unmapped>,
}
