use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::jobs::{JobEvent, JobView};
use crate::AppState;
use axum::extract::{FromRequest, FromRequestParts, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use futures::stream::Stream;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use snapdeploy_aws::engine::{DeployOutcome, DeploySource};
use snapdeploy_aws::{DeployOptions, DeployRequest, Progress, RollbackRequest, SnapshotRequest};
use snapdeploy_core::{
    AccountId, AccountView, NewAccount, Region, ResourceName, ServiceKind, SnapshotEnvelope,
    SnapshotKey, SnapshotMeta, SnapshotReason,
};
use std::convert::Infallible;
use std::future::Future;
use utoipa::OpenApi;

/// JSON body extractor whose rejections use the API's error shape.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct ApiJson<T>(pub T);

#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct ApiQuery<T>(pub T);

#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct ApiPath<T>(pub T);

#[derive(OpenApi)]
#[openapi(
    info(
        title = "CloudOps SnapDeploy API",
        description = "Snapshot, promote and roll back Amazon Connect, Lex V2 and Lambda across AWS accounts."
    ),
    paths(
        health,
        ready,
        list_accounts,
        add_account,
        remove_account,
        extract,
        extract_many,
        describe,
        take_snapshot,
        list_snapshots,
        get_snapshot,
        diff,
        deploy,
        rollback,
        get_job,
        job_events,
        audit
    ),
    components(schemas(
        ExtractManyBody,
        ExtractTarget,
        DiffResponse,
        ErrorBody,
        AccountView,
        NewAccount,
        SnapshotMeta,
        SnapshotEnvelope,
        SnapshotBody,
        DeployBody,
        DeploySourceBody,
        DeployTarget,
        DeployOptions,
        RollbackBody,
        JobView,
        JobAccepted,
        ExtractResponse,
        DescribeResponse,
        snapdeploy_core::Plan,
        snapdeploy_core::Report,
        snapdeploy_core::AuditEntry,
        snapdeploy_core::AuditAction
    ))
)]
pub struct ApiDoc;

pub fn router(state: AppState) -> Router {
    let limit = state.config.body_limit;
    let web_dir = state.config.web_dir.clone();
    let api = Router::new()
        .route("/healthz", get(health))
        .route("/readyz", get(ready))
        .route("/openapi.json", get(openapi))
        .route("/accounts", get(list_accounts).post(add_account))
        .route("/accounts/{id}", delete(remove_account))
        .route("/extract/{service}", get(extract).post(extract_many))
        .route("/extract/{service}/{name}", get(describe))
        .route("/snapshot", post(take_snapshot))
        .route("/snapshots", get(list_snapshots))
        .route("/snapshots/{*key}", get(get_snapshot))
        .route("/diff", get(diff))
        .route("/deploy", post(deploy))
        .route("/rollback", post(rollback))
        .route("/jobs/{id}", get(get_job))
        .route("/jobs/{id}/events", get(job_events))
        .route("/audit", get(audit))
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "this route does not accept that method",
            )
        })
        .layer(axum::extract::DefaultBodyLimit::max(limit))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state);
    match web_dir.filter(|d| d.join("index.html").is_file()) {
        Some(dir) => api.fallback_service(
            tower_http::services::ServeDir::new(&dir)
                .fallback(tower_http::services::ServeFile::new(dir.join("index.html"))),
        ),
        None => api.fallback(|| async { ApiError::not_found("no such route") }),
    }
}

#[derive(Serialize, utoipa::ToSchema)]
struct Health {
    status: &'static str,
    mode: String,
    version: &'static str,
}

#[utoipa::path(get, path = "/healthz", responses((status = 200, body = Health)))]
async fn health(State(s): State<AppState>) -> Json<Health> {
    Json(Health {
        status: "ok",
        mode: s.config.mode.clone(),
        version: env!("CARGO_PKG_VERSION"),
    })
}

#[derive(Serialize, utoipa::ToSchema)]
struct Ready {
    /// `ready`, or `not_ready` with the failing check's message.
    status: &'static str,
    /// Each store checked: `ok` or what went wrong.
    checks: std::collections::BTreeMap<&'static str, String>,
}

/// Ready to serve: the account registry and the snapshot store both answer (a load balancer's
/// or Kubernetes' readiness probe; `/healthz` only says the process is up).
#[utoipa::path(get, path = "/readyz", responses((status = 200, body = Ready), (status = 503, body = Ready)))]
async fn ready(State(s): State<AppState>) -> Response {
    let mut checks = std::collections::BTreeMap::new();
    let accounts = s.engine.accounts.list().await;
    let snapshots = match &accounts {
        // The snapshot store is asked about a registered account (an empty registry leaves
        // nothing to ask about).
        Ok(list) => match list.first() {
            Some(a) => s
                .engine
                .snapshots
                .list(&a.account_id, None, None)
                .await
                .map(|_| ()),
            None => Ok(()),
        },
        Err(_) => Ok(()),
    };
    checks.insert(
        "accounts",
        accounts
            .as_ref()
            .map(|_| "ok".to_owned())
            .unwrap_or_else(|e| e.to_string()),
    );
    checks.insert(
        "snapshots",
        snapshots
            .as_ref()
            .map(|_| "ok".to_owned())
            .unwrap_or_else(|e| e.to_string()),
    );
    let ok = accounts.is_ok() && snapshots.is_ok();
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        Json(Ready {
            status: if ok { "ready" } else { "not_ready" },
            checks,
        }),
    )
        .into_response()
}

async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

// ---------- accounts ----------

#[utoipa::path(get, path = "/accounts", responses((status = 200, body = [AccountView])))]
async fn list_accounts(State(s): State<AppState>) -> ApiResult<Json<Vec<AccountView>>> {
    let accounts = s.engine.accounts.list().await?;
    Ok(Json(accounts.iter().map(AccountView::from).collect()))
}

#[utoipa::path(post, path = "/accounts", request_body = NewAccount, responses((status = 201, body = AccountView), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn add_account(
    State(s): State<AppState>,
    ApiJson(body): ApiJson<NewAccount>,
) -> ApiResult<(StatusCode, Json<AccountView>)> {
    let account = body.validate()?;
    s.engine.add_account(&account, &taken_by()).await?;
    Ok((StatusCode::CREATED, Json(AccountView::from(&account))))
}

#[utoipa::path(delete, path = "/accounts/{id}", params(("id" = String, Path)), responses((status = 204), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn remove_account(
    State(s): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<StatusCode> {
    let id = AccountId::parse(&id)?;
    s.engine.remove_account(&id, &taken_by()).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---------- background work ----------

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RunMode {
    #[serde(default)]
    background: bool,
}

#[derive(Serialize, utoipa::ToSchema)]
struct JobAccepted {
    job_id: String,
    status_url: String,
    events_url: String,
}

/// Runs `work` inline, or as a job answering 202 at once when `?background=true`.
async fn run<F, Fut>(s: &AppState, kind: &str, mode: RunMode, work: F) -> ApiResult<Response>
where
    F: FnOnce(Progress) -> Fut + Send + 'static,
    Fut: Future<Output = ApiResult<(StatusCode, Value)>> + Send + 'static,
{
    if !mode.background {
        // Its own task even so: a client that hangs up must not cancel a change half-way
        // (its restore would never run); the work finishes and only the answer is lost.
        let (status, body) = tokio::spawn(work(Progress::none())).await.map_err(|e| {
            tracing::error!("the {kind} task failed: {e}");
            ApiError::internal()
        })??;
        return Ok((status, Json(body)).into_response());
    }
    let job = s.jobs.create(kind);
    let progress = job.progress();
    let id = job.view().id;
    tokio::spawn(async move {
        // The work in a task of its own: should it panic, the job still ends (failed), so
        // nothing waits for it for ever (a shutdown waits for running jobs).
        let result = tokio::spawn(work(progress)).await;
        job.finish(match result {
            Ok(Ok((status, body))) if status.is_success() => Ok(body),
            Ok(Ok((_, body))) => Err(body),
            Ok(Err(e)) => Err(json!({"code": e.code, "message": e.message, "details": e.details})),
            Err(e) => {
                tracing::error!("a background job stopped: {e}");
                Err(json!({"code": "internal", "message": "the job stopped unexpectedly; see the server log", "details": {}}))
            }
        });
    });
    Ok((
        StatusCode::ACCEPTED,
        Json(JobAccepted {
            status_url: format!("/jobs/{id}"),
            events_url: format!("/jobs/{id}/events"),
            job_id: id,
        }),
    )
        .into_response())
}

fn to_value<T: Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

// ---------- extract ----------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExtractQuery {
    account_id: String,
    region: String,
    #[serde(default)]
    background: bool,
}

#[derive(Serialize, utoipa::ToSchema)]
struct ExtractResponse {
    service: ServiceKind,
    account_id: String,
    region: String,
    #[schema(value_type = Vec<Object>)]
    resources: Vec<Value>,
}

#[utoipa::path(get, path = "/extract/{service}", params(("service" = String, Path, description = "lambda, lex or connect"), ("account_id" = String, Query), ("region" = String, Query), ("background" = Option<bool>, Query)),
    responses((status = 200, body = ExtractResponse), (status = 202, body = JobAccepted), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 501, body = ErrorBody)))]
async fn extract(
    State(s): State<AppState>,
    ApiPath(service): ApiPath<String>,
    ApiQuery(q): ApiQuery<ExtractQuery>,
) -> ApiResult<Response> {
    let service = ServiceKind::parse(&service)?;
    let account_id = AccountId::parse(&q.account_id)?;
    let region = Region::parse(&q.region)?;
    let engine = s.engine.clone();
    run(
        &s,
        "extract",
        RunMode {
            background: q.background,
        },
        move |progress| async move {
            let resources = engine
                .extract(&account_id, &region, service, &progress)
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
        },
    )
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DescribeQuery {
    account_id: String,
    region: String,
}

#[derive(Serialize, utoipa::ToSchema)]
struct DescribeResponse {
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
async fn describe(
    State(s): State<AppState>,
    ApiPath((service, name)): ApiPath<(String, String)>,
    ApiQuery(q): ApiQuery<DescribeQuery>,
) -> ApiResult<Json<DescribeResponse>> {
    let service = ServiceKind::parse(&service)?;
    let name = ResourceName::parse(&name)?;
    let account_id = AccountId::parse(&q.account_id)?;
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
pub struct ExtractTarget {
    account_id: String,
    region: String,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtractManyBody {
    /// (account, region) pairs; each is its own throttle domain, so they run in parallel.
    targets: Vec<ExtractTarget>,
}

#[utoipa::path(post, path = "/extract/{service}", request_body = ExtractManyBody, params(("service" = String, Path), ("background" = Option<bool>, Query)),
    responses((status = 200, description = "`{service, results: [{account_id, region, resources} or {account_id, region, error}]}`"), (status = 202, body = JobAccepted), (status = 400, body = ErrorBody), (status = 501, body = ErrorBody)))]
async fn extract_many(
    State(s): State<AppState>,
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
    let engine = s.engine.clone();
    run(&s, "extract", mode, move |progress| async move {
        let outcomes = engine.extract_many(&targets, service, &progress).await;
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
        Ok((StatusCode::OK, json!({"service": service, "results": results})))
    })
    .await
}

// ---------- snapshots ----------

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SnapshotBody {
    account_id: String,
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

fn taken_by() -> String {
    std::env::var("SNAPDEPLOY_USER")
        .ok()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| "snapdeploy-api".into())
}

#[utoipa::path(post, path = "/snapshot", request_body = SnapshotBody, params(("background" = Option<bool>, Query)),
    responses((status = 201, body = SnapshotMeta), (status = 202, body = JobAccepted), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn take_snapshot(
    State(s): State<AppState>,
    ApiQuery(mode): ApiQuery<RunMode>,
    ApiJson(b): ApiJson<SnapshotBody>,
) -> ApiResult<Response> {
    let req = SnapshotRequest {
        account_id: AccountId::parse(&b.account_id)?,
        region: Region::parse(&b.region)?,
        service: ServiceKind::parse(&b.service)?,
        resource_name: ResourceName::parse(&b.resource_name)?,
        reason: SnapshotReason::Manual,
        taken_by: taken_by(),
        note: check_note(b.note)?,
        version: check_version(b.version)?,
        full: b.full,
    };
    let engine = s.engine.clone();
    run(&s, "snapshot", mode, move |progress| async move {
        let meta = engine.snapshot(req, &progress).await?;
        Ok((StatusCode::CREATED, to_value(&meta)))
    })
    .await
}

fn check_version(version: Option<String>) -> ApiResult<Option<String>> {
    match version {
        Some(v)
            if !(v == "DRAFT"
                || (1..=5).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_digit())) =>
        {
            Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_field",
                "version: DRAFT or a version number",
            )
            .with_details(json!({"field": "version"})))
        }
        other => Ok(other),
    }
}

fn check_note(note: Option<String>) -> ApiResult<Option<String>> {
    match note {
        Some(n) if n.chars().count() > 500 || n.chars().any(|c| c.is_control() && c != '\n') => {
            Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_field",
                "note: at most 500 characters, no control characters",
            )
            .with_details(json!({"field": "note"})))
        }
        other => Ok(other),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SnapshotsQuery {
    account_id: String,
    service: Option<String>,
    resource_name: Option<String>,
    limit: Option<String>,
}

/// An optional `limit` query parameter: a whole number from 1 to 1000.
fn check_limit(raw: Option<&str>) -> ApiResult<Option<usize>> {
    raw.map(|l| {
        l.parse::<usize>()
            .ok()
            .filter(|n| (1..=1000).contains(n))
            .ok_or_else(|| ApiError::bad_request("limit must be a whole number from 1 to 1000"))
    })
    .transpose()
}

#[utoipa::path(get, path = "/snapshots", params(("account_id" = String, Query), ("service" = Option<String>, Query), ("resource_name" = Option<String>, Query), ("limit" = Option<usize>, Query, description = "only the newest this many, 1 to 1000 (all by default)")),
    responses((status = 200, body = [SnapshotMeta]), (status = 400, body = ErrorBody)))]
async fn list_snapshots(
    State(s): State<AppState>,
    ApiQuery(q): ApiQuery<SnapshotsQuery>,
) -> ApiResult<Json<Vec<SnapshotMeta>>> {
    let account = AccountId::parse(&q.account_id)?;
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AuditQuery {
    account_id: Option<String>,
    limit: Option<String>,
}

#[utoipa::path(get, path = "/audit", params(("account_id" = Option<String>, Query, description = "only this account's entries"), ("limit" = Option<usize>, Query, description = "at most this many, 1 to 1000 (default 100)")),
    responses((status = 200, body = [snapdeploy_core::AuditEntry], description = "who changed what, newest first: accounts added and removed, snapshots, deploys and rollbacks (not dry runs), with how each ended"), (status = 400, body = ErrorBody)))]
async fn audit(
    State(s): State<AppState>,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> ApiResult<Json<Vec<snapdeploy_core::AuditEntry>>> {
    let account = q.account_id.as_deref().map(AccountId::parse).transpose()?;
    let limit = check_limit(q.limit.as_deref())?.unwrap_or(100);
    Ok(Json(s.engine.audit_trail(account.as_ref(), limit).await?))
}

#[utoipa::path(get, path = "/snapshots/{key}", params(("key" = String, Path, description = "the snapshot key, slashes included")),
    responses((status = 200, body = SnapshotEnvelope), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn get_snapshot(
    State(s): State<AppState>,
    ApiPath(key): ApiPath<String>,
) -> ApiResult<Json<SnapshotEnvelope>> {
    let key = SnapshotKey::parse(&key)?;
    Ok(Json(s.engine.snapshots.get_verified(&key).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DiffQuery {
    from: String,
    /// Another snapshot key, or `live` for the resource as it is now.
    to: String,
}

#[derive(Serialize, utoipa::ToSchema)]
struct DiffResponse {
    from: SnapshotMeta,
    /// The other snapshot's key, or `live`.
    to: String,
    changes: Vec<snapdeploy_core::FieldChange>,
}

#[utoipa::path(get, path = "/diff", params(("from" = String, Query, description = "a snapshot key"), ("to" = String, Query, description = "another snapshot key, or `live`")),
    responses((status = 200, body = DiffResponse), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn diff(
    State(s): State<AppState>,
    ApiQuery(q): ApiQuery<DiffQuery>,
) -> ApiResult<Json<DiffResponse>> {
    let from = SnapshotKey::parse(&q.from)?;
    let to = match q.to.as_str() {
        "live" => None,
        other => Some(SnapshotKey::parse(other)?),
    };
    let (env, changes) = s.engine.diff(&from, to.as_ref()).await?;
    Ok(Json(DiffResponse {
        from: env.meta(&from),
        to: q.to,
        changes,
    }))
}

// ---------- deploy / rollback ----------

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeploySourceBody {
    snapshot_key: Option<String>,
    #[schema(value_type = Option<Object>)]
    snapshot: Option<Value>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeployTarget {
    account_id: String,
    region: String,
    /// Defaults to the source's resource name.
    resource_name: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeployBody {
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
        DeployOutcome::Report(r) if r.status.starts_with("failed") => Err(ApiError::new(
            StatusCode::BAD_GATEWAY,
            "change_failed",
            format!(
                "{}; {}",
                r.error.clone().unwrap_or_default(),
                if r.status == "failed_restored" {
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
async fn deploy(
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
        taken_by: taken_by(),
    };
    if let Some(a) = &req.options.alias {
        let ok = (1..=128).contains(&a.len())
            && a.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            && !a.chars().all(|c| c.is_ascii_digit());
        if !ok {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_field",
                "options.alias: 1-128 letters, digits, '-' or '_', not only digits",
            )
            .with_details(json!({"field": "options.alias"})));
        }
    }
    let engine = s.engine.clone();
    run(&s, "deploy", mode, move |progress| async move {
        outcome_response(engine.deploy(req, &progress).await?)
    })
    .await
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RollbackBody {
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
async fn rollback(
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
        taken_by: taken_by(),
        remove_created: b.remove_created,
    };
    let engine = s.engine.clone();
    run(&s, "rollback", mode, move |progress| async move {
        outcome_response(engine.rollback(req, &progress).await?)
    })
    .await
}

// ---------- jobs ----------

#[utoipa::path(get, path = "/jobs/{id}", params(("id" = String, Path)), responses((status = 200, body = JobView), (status = 404, body = ErrorBody)))]
async fn get_job(
    State(s): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<JobView>> {
    let job = s
        .jobs
        .get(&id)
        .ok_or_else(|| ApiError::not_found(format!("job {id} not found")))?;
    Ok(Json(job.view()))
}

#[utoipa::path(get, path = "/jobs/{id}/events", params(("id" = String, Path)),
    responses((status = 200, description = "text/event-stream: `progress` events, then one `done` event with the job"), (status = 404, body = ErrorBody)))]
async fn job_events(
    State(s): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    let job = s
        .jobs
        .get(&id)
        .ok_or_else(|| ApiError::not_found(format!("job {id} not found")))?;
    let (view, mut rx) = job.subscribe();
    let stream = async_stream(move |tx| async move {
        for e in &view.events {
            let _ = tx
                .send(
                    Event::default()
                        .event("progress")
                        .json_data(e)
                        .unwrap_or_default(),
                )
                .await;
        }
        if view.status != crate::jobs::JobStatus::Running {
            let _ = tx
                .send(
                    Event::default()
                        .event("done")
                        .json_data(&view)
                        .unwrap_or_default(),
                )
                .await;
            return;
        }
        loop {
            match rx.recv().await {
                Ok(JobEvent::Progress(e)) => {
                    let _ = tx
                        .send(
                            Event::default()
                                .event("progress")
                                .json_data(&e)
                                .unwrap_or_default(),
                        )
                        .await;
                }
                Ok(JobEvent::Done(v)) => {
                    let _ = tx
                        .send(
                            Event::default()
                                .event("done")
                                .json_data(&v)
                                .unwrap_or_default(),
                        )
                        .await;
                    return;
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(_) => {
                    let _ = tx
                        .send(
                            Event::default()
                                .event("done")
                                .json_data(job.view())
                                .unwrap_or_default(),
                        )
                        .await;
                    return;
                }
            }
        }
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

/// A stream fed by a task through a channel.
fn async_stream<F, Fut>(f: F) -> impl Stream<Item = Result<Event, Infallible>>
where
    F: FnOnce(tokio::sync::mpsc::Sender<Event>) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let (tx, rx) = tokio::sync::mpsc::channel(64);
    tokio::spawn(f(tx));
    futures::stream::unfold(
        rx,
        |mut rx| async move { rx.recv().await.map(|e| (Ok(e), rx)) },
    )
}
