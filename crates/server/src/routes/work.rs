//! What a job does, as data: a route checks a request and turns it into `Work`, which any
//! worker (this process, another replica, a Lambda function) reads back from the job record
//! and carries out as the person who asked.

use super::changes::ChangeBody;
use super::common::to_value;
use super::extract::{extract_many_results, ExtractResponse};
use super::snapshots::{snapshot_request, SnapshotBody};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use snapdeploy_aws::engine::{with_approval, Approval};
use snapdeploy_aws::{AwsError, Progress, WriteIntent};
use snapdeploy_core::{AccountId, ChangeState, Region, ServiceKind};
use snapdeploy_store::StoreError;
use std::time::Duration;

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

/// Carries out `work` as `requester`; the answer a plain request gets.
pub(crate) async fn execute(
    s: &AppState,
    work: Work,
    requester: &str,
    progress: &Progress,
) -> ApiResult<(StatusCode, Value)> {
    match work {
        Work::Snapshot(b) => {
            let meta = s
                .engine
                .snapshot(snapshot_request(&b, requester)?, progress)
                .await?;
            Ok((StatusCode::CREATED, to_value(&meta)))
        }
        Work::Extract {
            service,
            account_id,
            region,
        } => {
            let resources = s
                .engine
                .extract(&account_id, &region, service, progress)
                .await?;
            Ok((
                StatusCode::OK,
                to_value(&ExtractResponse {
                    service,
                    account_id: account_id.to_string(),
                    region: region.to_string(),
                    resources,
                }),
            ))
        }
        Work::ExtractMany { service, targets } => {
            let outcomes = s.engine.extract_many(&targets, service, progress).await;
            Ok((
                StatusCode::OK,
                extract_many_results(service, &targets, outcomes),
            ))
        }
        Work::Change(change) => change.execute(s, requester, progress).await,
        Work::ApprovedChange {
            change_id,
            approved_by,
            change,
        } => {
            let approval = Approval {
                change_id: change_id.clone(),
                approved_by,
            };
            let result = with_approval(
                approval,
                change.with_dry_run(false).execute(s, requester, progress),
            )
            .await;
            let (ok, value, error) = match &result {
                Ok((_, v)) => (true, Some(v.clone()), None),
                Err(e) => (
                    false,
                    e.details
                        .get("report")
                        .or(e.details.get("release"))
                        .cloned(),
                    Some(e.message.clone()),
                ),
            };
            super::requests::update(s, &change_id, |cr| {
                cr.state = if ok {
                    ChangeState::Executed
                } else {
                    ChangeState::Failed
                };
                cr.result = value.clone();
                cr.error = error.clone();
            })
            .await;
            result
        }
    }
}

/// Puts back what an interrupted job had started writing to one resource; what was done,
/// or why not. Waits (up to twice the timeout) for the dead change's lease to lapse.
pub(crate) async fn restore_interrupted(
    s: &AppState,
    intent: &WriteIntent,
    job_id: &str,
    timeout: Duration,
) -> Result<String, String> {
    let actor = format!("snapdeploy (restoring after job {job_id} was interrupted)");
    let deadline = tokio::time::Instant::now() + timeout * 2;
    loop {
        match s.engine.restore_interrupted(intent, &actor).await {
            Ok(done) => return Ok(done),
            Err(AwsError::Store(StoreError::Conflict(m)))
                if tokio::time::Instant::now() < deadline =>
            {
                tracing::info!(job = %job_id, "waiting for the interrupted change's lease: {m}");
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            Err(e) => return Err(ApiError::from(e).message),
        }
    }
}
