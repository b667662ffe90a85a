//! Inventory: every resource of a service, one resource, or several accounts at once.

use super::common::{ApiJson, ApiPath, ApiQuery, JobAccepted, RunMode};
use super::exec::run;
use super::work::{ExtractResponse, Work};
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use snapdeploy_core::{AccountId, Region, ResourceName, ServiceKind};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ExtractQuery {
    account_id: String,
    region: String,
    #[serde(default)]
    background: bool,
}

#[utoipa::path(get, path = "/extract/{service}", params(("service" = String, Path, description = "lambda, lex or connect"), ("account_id" = String, Query), ("region" = String, Query), ("background" = Option<bool>, Query)),
    responses((status = 200, body = ExtractResponse), (status = 202, body = JobAccepted), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 501, body = ErrorBody)))]
pub(super) async fn extract(
    State(s): State<AppState>,
    p: Principal,
    ApiPath(service): ApiPath<String>,
    ApiQuery(q): ApiQuery<ExtractQuery>,
) -> ApiResult<Response> {
    let service = ServiceKind::parse(&service)?;
    let account_id = AccountId::parse(&q.account_id)?;
    p.may_touch(&account_id)?;
    let region = Region::parse(&q.region)?;
    run(
        &s,
        &p.subject,
        RunMode {
            background: q.background,
        },
        Work::Extract {
            service,
            account_id,
            region,
        },
    )
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct DescribeQuery {
    account_id: String,
    region: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct DescribeResponse {
    service: ServiceKind,
    account_id: String,
    region: String,
    resource_name: String,
    /// The resource's current configuration, as a snapshot would record it.
    #[schema(value_type = Object)]
    config: Value,
}

#[utoipa::path(get, path = "/extract/{service}/{name}", params(("service" = String, Path), ("name" = String, Path), ("account_id" = String, Query), ("region" = String, Query)),
    responses((status = 200, body = DescribeResponse), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn describe(
    State(s): State<AppState>,
    p: Principal,
    ApiPath((service, name)): ApiPath<(String, String)>,
    ApiQuery(q): ApiQuery<DescribeQuery>,
) -> ApiResult<Json<DescribeResponse>> {
    let service = ServiceKind::parse(&service)?;
    let name = ResourceName::parse(&name)?;
    let account_id = AccountId::parse(&q.account_id)?;
    p.may_touch(&account_id)?;
    let region = Region::parse(&q.region)?;
    let config = s
        .engine
        .describe(&account_id, &region, service, &name)
        .await?;
    Ok(Json(DescribeResponse {
        service,
        account_id: account_id.to_string(),
        region: region.to_string(),
        resource_name: name.to_string(),
        config,
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct ExtractTarget {
    account_id: String,
    region: String,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct ExtractManyBody {
    /// (account, region) pairs; each is its own throttle domain, so they run in parallel.
    targets: Vec<ExtractTarget>,
}

#[utoipa::path(post, path = "/extract/{service}", request_body = ExtractManyBody, params(("service" = String, Path), ("background" = Option<bool>, Query)),
    responses((status = 200, description = "`{service, results: [{account_id, region, resources} or {account_id, region, error}]}`"), (status = 202, body = JobAccepted), (status = 400, body = ErrorBody), (status = 501, body = ErrorBody)))]
pub(super) async fn extract_many(
    State(s): State<AppState>,
    p: Principal,
    ApiPath(service): ApiPath<String>,
    ApiQuery(mode): ApiQuery<RunMode>,
    ApiJson(body): ApiJson<ExtractManyBody>,
) -> ApiResult<Response> {
    let service = ServiceKind::parse(&service)?;
    if body.targets.is_empty() || body.targets.len() > 50 {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_field",
            "targets: list 1 to 50 (account_id, region) pairs",
        )
        .with_details(json!({"field": "targets"})));
    }
    let targets = body
        .targets
        .iter()
        .map(|t| Ok((AccountId::parse(&t.account_id)?, Region::parse(&t.region)?)))
        .collect::<ApiResult<Vec<_>>>()?;
    for (account, _) in &targets {
        p.may_touch(account)?;
    }
    run(&s, &p.subject, mode, Work::ExtractMany { service, targets }).await
}
