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
use snapdeploy_core::{
    AccountId, Region, ReleaseStatus, ReportStatus, ResourceName, ServiceKind, SnapshotKey,
};

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

/// What a user must know when a restore failed: why, and how to put the resource back.
fn not_restored(r: &snapdeploy_core::Report) -> String {
    let why = r.restore_error.clone().unwrap_or_default();
    match &r.safety_snapshot {
        Some(safety) => format!(
            "restoring the resource failed too ({why}): it may be half-changed; roll it back to safety snapshot {} once the cause is fixed",
            safety.key
        ),
        None => format!(
            "restoring the resource failed too ({why}): what this deploy created is still there; deploy again or delete it"
        ),
    }
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
                    "the resource was restored from the safety snapshot".to_owned()
                } else {
                    not_restored(&r)
                }
            ),
        )
        .with_details(json!({"report": to_value(&r)}))),
        DeployOutcome::Report(r) => Ok((StatusCode::OK, to_value(&r))),
        DeployOutcome::Release(r) if r.release.status.failed() => {
            let failed = r.release.members.iter().find(|m| m.error.is_some());
            Err(ApiError::new(
                StatusCode::BAD_GATEWAY,
                "change_failed",
                format!(
                    "release {}: {}; {}",
                    r.release.release_id,
                    failed
                        .map(|m| format!(
                            "{} {}: {}",
                            m.service,
                            m.resource_name,
                            m.error.clone().unwrap_or_default()
                        ))
                        .unwrap_or_default(),
                    if r.release.status == ReleaseStatus::FailedRestored {
                        "every member already changed was put back"
                    } else {
                        "putting some members back failed too"
                    }
                ),
            )
            .with_details(json!({"release": to_value(&r)})))
        }
        DeployOutcome::Release(r) => Ok((StatusCode::OK, to_value(&r))),
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
    /// One resource back to one of its snapshots: account_id, region, service,
    /// resource_name and snapshot_key.
    account_id: Option<String>,
    region: Option<String>,
    service: Option<String>,
    resource_name: Option<String>,
    snapshot_key: Option<String>,
    /// Or a whole release back, every member to its safety snapshot, last first (and what
    /// it created deleted when `remove_created`).
    release_id: Option<String>,
    #[serde(default)]
    dry_run: bool,
    #[serde(default)]
    remove_created: bool,
}

/// A field the rollback needs, or a 400 naming it.
fn needed(v: Option<String>, field: &str) -> ApiResult<String> {
    v.ok_or_else(|| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_field",
            format!("{field}: required (or give release_id alone to roll back a release)"),
        )
        .with_details(json!({ "field": field }))
    })
}

#[utoipa::path(post, path = "/rollback", request_body = RollbackBody, params(("background" = Option<bool>, Query)),
    responses((status = 200, description = "a plan (dry_run) or a report; for a release, the release"), (status = 202, body = JobAccepted), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "the resource is being changed by another deploy or rollback"), (status = 422, body = ErrorBody), (status = 502, body = ErrorBody)))]
pub(super) async fn rollback(
    State(s): State<AppState>,
    ApiQuery(mode): ApiQuery<RunMode>,
    ApiJson(b): ApiJson<RollbackBody>,
) -> ApiResult<Response> {
    let engine = s.engine.clone();
    if let Some(id) = b.release_id {
        let single = [
            &b.account_id,
            &b.region,
            &b.service,
            &b.resource_name,
            &b.snapshot_key,
        ];
        if single.iter().any(|f| f.is_some()) {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_body",
                "give release_id alone, or a resource and snapshot_key without it",
            ));
        }
        let (remove_created, dry_run) = (b.remove_created, b.dry_run);
        let actor = s.config.actor.clone();
        return run(&s, "rollback", mode, move |progress| async move {
            outcome_response(
                engine
                    .rollback_release(&id, remove_created, dry_run, &actor, &progress)
                    .await?,
            )
        })
        .await;
    }
    let req = RollbackRequest {
        account_id: AccountId::parse(&needed(b.account_id, "account_id")?)?,
        region: Region::parse(&needed(b.region, "region")?)?,
        service: ServiceKind::parse(&needed(b.service, "service")?)?,
        resource_name: ResourceName::parse(&needed(b.resource_name, "resource_name")?)?,
        snapshot_key: SnapshotKey::parse(&needed(b.snapshot_key, "snapshot_key")?)?,
        dry_run: b.dry_run,
        taken_by: s.config.actor.clone(),
        remove_created: b.remove_created,
    };
    run(&s, "rollback", mode, move |progress| async move {
        outcome_response(engine.rollback(req, &progress).await?)
    })
    .await
}
