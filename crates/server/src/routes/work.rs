//! What a job does, as data: a route checks a request and turns it into `Work`, which any
//! worker (this process, another replica, a Lambda function) reads back from the job record
//! and carries out as the person who asked.

use super::changes::ChangeBody;
use crate::error::{ApiError, ApiResult};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use snapdeploy_aws::SnapshotRequest;
use snapdeploy_core::{
    AccountId, Note, Region, ResourceName, ServiceKind, SnapshotReason, VersionSelector,
};

#[derive(Clone, Serialize, Deserialize)]
#[serde(tag = "type", content = "request", rename_all = "snake_case")]
pub(crate) enum Work {
    Snapshot(SnapshotBody),
    Extract {
        service: ServiceKind,
        account_id: AccountId,
        region: Region,
    },
    ExtractMany {
        service: ServiceKind,
        targets: Vec<(AccountId, Region)>,
    },
    Change(ChangeBody),
    /// A change request's change, approved: applied as its requester, the audit naming the
    /// approver, the change request moved on with its outcome.
    ApprovedChange {
        change_id: String,
        approved_by: String,
        change: ChangeBody,
    },
}

impl Work {
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Self::Snapshot(_) => "snapshot",
            Self::Extract { .. } | Self::ExtractMany { .. } => "extract",
            Self::Change(c) | Self::ApprovedChange { change: c, .. } => c.kind(),
        }
    }

    /// Work that only reads: answered inline without a job record.
    pub(crate) fn reads_only(&self) -> bool {
        match self {
            Self::Extract { .. } | Self::ExtractMany { .. } => true,
            Self::Change(c) => c.dry_run(),
            Self::Snapshot(_) | Self::ApprovedChange { .. } => false,
        }
    }
}

#[derive(Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SnapshotBody {
    pub(super) account_id: String,
    region: String,
    service: String,
    resource_name: String,
    /// Why the snapshot is taken; shown in listings.
    note: Option<String>,
    /// Lex: the bot version to export (`DRAFT` by default).
    version: Option<String>,
    /// Connect: read every item again instead of reusing the previous snapshot's reads of
    /// prompts and routing-profile queues whose `LastModifiedTime` has not moved.
    #[serde(default)]
    full: bool,
}

/// The engine's request for a snapshot `actor` asked for.
pub(super) fn snapshot_request(b: &SnapshotBody, actor: &str) -> ApiResult<SnapshotRequest> {
    Ok(SnapshotRequest {
        account_id: AccountId::parse(&b.account_id)?,
        region: Region::parse(&b.region)?,
        service: ServiceKind::parse(&b.service)?,
        resource_name: ResourceName::parse(&b.resource_name)?,
        reason: SnapshotReason::Manual,
        taken_by: actor.into(),
        note: b.note.as_deref().map(Note::parse).transpose()?,
        version: b
            .version
            .as_deref()
            .map(VersionSelector::parse)
            .transpose()?,
        full: b.full,
    })
}

#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct ExtractResponse {
    pub(super) service: ServiceKind,
    pub(super) account_id: String,
    pub(super) region: String,
    #[schema(value_type = Vec<Object>)]
    pub(super) resources: Vec<Value>,
}

/// `{service, results: [...]}`: each target's resources, or its error.
pub(super) fn extract_many_results(
    service: ServiceKind,
    targets: &[(AccountId, Region)],
    outcomes: Vec<Result<Vec<Value>, snapdeploy_aws::AwsError>>,
) -> Value {
    let results: Vec<Value> = targets
        .iter()
        .zip(outcomes)
        .map(|((account, region), r)| match r {
            Ok(resources) => json!({"account_id": account, "region": region, "resources": resources}),
            Err(e) => {
                let e = ApiError::from(e);
                json!({"account_id": account, "region": region, "error": {"code": e.code, "message": e.message}})
            }
        })
        .collect();
    json!({"service": service, "results": results})
}
