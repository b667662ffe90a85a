//! Deploy and rollback.

use super::common::{run, to_value, ApiJson, ApiQuery, JobAccepted, RunMode};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{json, Value};
use snapdeploy_aws::engine::{DeployOutcome, DeploySource};
use snapdeploy_aws::{DeployOptions, DeployRequest, RollbackRequest};
use snapdeploy_core::{AccountId, Region, ReportStatus, ResourceName, ServiceKind, SnapshotKey};

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct DeploySourceBody {
    snapshot_key: Option<String>,
    #[schema(value_type = Option<Object>)]
    snapshot: Option<Value>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct DeployTarget {
    account_id: String,
    region: String,
    /// Defaults to the source's resource name.
    resource_name: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct DeployBody {
    source: DeploySourceBody,
    target: DeployTarget,
    #[serde(default)]
    dry_run: bool,
    #[serde(default)]
    options: Option<DeployOptions>,
}

/// A report whose change failed is answered 502 with the report in `details`.
fn outcome_response(outcome: DeployOutcome) -> ApiResult<(StatusCode, Value)> {
    match outcome {
        DeployOutcome::Plan(p) => Ok((StatusCode::OK, to_value(&p))),
        DeployOutcome::Report(r) if r.status.failed() => Err(ApiError::new(
            StatusCode::BAD_GATEWAY,
            "change_failed",
            format!(
                "{}; {}",
                r.error.clone().unwrap_or_default(),
                if r.status == ReportStatus::FailedRestored {
                    "the resource was restored from the safety snapshot"
                } else {
                    "restoring the resource failed too"
                }
            ),
        )
        .with_details(json!({"report": to_value(&r)}))),
        DeployOutcome::Report(r) => Ok((StatusCode::OK, to_value(&r))),
    }
}

#[utoipa::path(post, path = "/deploy", request_body = DeployBody, params(("background" = Option<bool>, Query)),
    responses((status = 200, description = "a plan (dry_run) or a report"), (status = 202, body = JobAccepted), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody, description = "the resource is being changed by another deploy or rollback"), (status = 422, body = ErrorBody), (status = 502, body = ErrorBody)))]
pub(super) async fn deploy(
    State(s): State<AppState>,
    ApiQuery(mode): ApiQuery<RunMode>,
    ApiJson(b): ApiJson<DeployBody>,
) -> ApiResult<Response> {
    let source = match (b.source.snapshot_key, b.source.snapshot) {
        (Some(k), None) => DeploySource::Key(SnapshotKey::parse(&k)?),
        (None, Some(doc)) => {
            DeploySource::Inline(Box::new(serde_json::from_value(doc).map_err(|e| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_body",
                    format!("source.snapshot is not a snapshot document: {e}"),
                )
            })?))
        }
        _ => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_body",
                "source: give exactly one of snapshot_key or snapshot",
            ))
        }
    };
    let req = DeployRequest {
        source,
        account_id: AccountId::parse(&b.target.account_id)?,
        region: Region::parse(&b.target.region)?,
        resource_name: b
            .target
            .resource_name
            .as_deref()
            .map(ResourceName::parse)
            .transpose()?,
        dry_run: b.dry_run,
        options: b.options.unwrap_or_default(),
        taken_by: s.config.actor.clone(),
    };
    let engine = s.engine.clone();
    run(&s, "deploy", mode, move |progress| async move {
        outcome_response(engine.deploy(req, &progress).await?)
    })
    .await
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct RollbackBody {
    account_id: String,
    region: String,
    service: String,
    resource_name: String,
    snapshot_key: String,
    #[serde(default)]
    dry_run: bool,
    /// Connect: delete items created after the snapshot (by default they are only listed
    /// in the plan's `summary.not_in_source`).
    #[serde(default)]
    remove_created: bool,
}

#[utoipa::path(post, path = "/rollback", request_body = RollbackBody, params(("background" = Option<bool>, Query)),
    responses((status = 200, description = "a plan (dry_run) or a report"), (status = 202, body = JobAccepted), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody, description = "the resource is being changed by another deploy or rollback"), (status = 422, body = ErrorBody), (status = 502, body = ErrorBody)))]
pub(super) async fn rollback(
    State(s): State<AppState>,
    ApiQuery(mode): ApiQuery<RunMode>,
    ApiJson(b): ApiJson<RollbackBody>,
) -> ApiResult<Response> {
    let req = RollbackRequest {
        account_id: AccountId::parse(&b.account_id)?,
        region: Region::parse(&b.region)?,
        service: ServiceKind::parse(&b.service)?,
        resource_name: ResourceName::parse(&b.resource_name)?,
        snapshot_key: SnapshotKey::parse(&b.snapshot_key)?,
        dry_run: b.dry_run,
        taken_by: s.config.actor.clone(),
        remove_created: b.remove_created,
    };
    let engine = s.engine.clone();
    run(&s, "rollback", mode, move |progress| async move {
        outcome_response(engine.rollback(req, &progress).await?)
    })
    .await
}
