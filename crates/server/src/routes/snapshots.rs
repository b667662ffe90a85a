//! Taking, listing and reading snapshots, and what changed between two.

use super::common::{check_limit, ApiJson, ApiPath, ApiQuery, JobAccepted, RunMode};
use super::exec::run;
use super::work::{snapshot_request, SnapshotBody, Work};
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::state::AppState;
use axum::extract::State;
use axum::response::Response;
use axum::Json;
use serde::{Deserialize, Serialize};
use snapdeploy_core::{
    AccountId, ResourceName, ServiceKind, SnapshotEnvelope, SnapshotKey, SnapshotMeta,
};

#[utoipa::path(post, path = "/snapshot", request_body = SnapshotBody, params(("background" = Option<bool>, Query)),
    responses((status = 201, body = SnapshotMeta), (status = 202, body = JobAccepted), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn take_snapshot(
    State(s): State<AppState>,
    p: Principal,
    ApiQuery(mode): ApiQuery<RunMode>,
    ApiJson(b): ApiJson<SnapshotBody>,
) -> ApiResult<Response> {
    p.may_touch(&AccountId::parse(&b.account_id)?)?;
    // Checked now, so a bad request is answered 400 even when it would run as a job.
    snapshot_request(&b, &p.subject)?;
    run(&s, &p.subject, mode, Work::Snapshot(b)).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SnapshotsQuery {
    account_id: String,
    service: Option<String>,
    resource_name: Option<String>,
    limit: Option<String>,
}

#[utoipa::path(get, path = "/snapshots", params(("account_id" = String, Query), ("service" = Option<String>, Query), ("resource_name" = Option<String>, Query), ("limit" = Option<usize>, Query, description = "only the newest this many, 1 to 1000 (all by default)")),
    responses((status = 200, body = [SnapshotMeta]), (status = 400, body = ErrorBody)))]
pub(super) async fn list_snapshots(
    State(s): State<AppState>,
    p: Principal,
    ApiQuery(q): ApiQuery<SnapshotsQuery>,
) -> ApiResult<Json<Vec<SnapshotMeta>>> {
    let account = AccountId::parse(&q.account_id)?;
    p.may_touch(&account)?;
    let service = q.service.as_deref().map(ServiceKind::parse).transpose()?;
    let resource = q
        .resource_name
        .as_deref()
        .map(ResourceName::parse)
        .transpose()?;
    if resource.is_some() && service.is_none() {
        return Err(ApiError::bad_request("resource_name needs service as well"));
    }
    let limit = check_limit(q.limit.as_deref())?;
    Ok(Json(
        s.engine
            .snapshots
            .list_newest(&account, service, resource.as_ref(), limit)
            .await?,
    ))
}

#[utoipa::path(get, path = "/snapshots/{key}", params(("key" = String, Path, description = "the snapshot key, slashes included")),
    responses((status = 200, body = SnapshotEnvelope), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn get_snapshot(
    State(s): State<AppState>,
    p: Principal,
    ApiPath(key): ApiPath<String>,
) -> ApiResult<Json<SnapshotEnvelope>> {
    let key = SnapshotKey::parse(&key)?;
    p.may_touch(&key.account_id)?;
    Ok(Json(s.engine.snapshots.get_verified(&key).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct DiffQuery {
    from: String,
    /// Another snapshot key, or `live` for the resource as it is now.
    to: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct DiffResponse {
    from: SnapshotMeta,
    /// The other snapshot's key, or `live`.
    to: String,
    changes: Vec<snapdeploy_core::FieldChange>,
}

#[utoipa::path(get, path = "/diff", params(("from" = String, Query, description = "a snapshot key"), ("to" = String, Query, description = "another snapshot key, or `live`")),
    responses((status = 200, body = DiffResponse), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn diff(
    State(s): State<AppState>,
    p: Principal,
    ApiQuery(q): ApiQuery<DiffQuery>,
) -> ApiResult<Json<DiffResponse>> {
    let from = SnapshotKey::parse(&q.from)?;
    let to = match q.to.as_str() {
        "live" => None,
        other => Some(SnapshotKey::parse(other)?),
    };
    p.may_touch(&from.account_id)?;
    if let Some(to) = &to {
        p.may_touch(&to.account_id)?;
    }
    let (env, changes) = s.engine.diff(&from, to.as_ref()).await?;
    Ok(Json(DiffResponse {
        from: env.meta(&from),
        to: q.to,
        changes,
    }))
}
