//! Change requests: a deploy or rollback into a protected account waits, with its dry-run
//! plan, for a second person. An approval applies exactly the plan that was approved: the
//! target is read and planned again first, and if anything differs the change is refused.

use super::changes::{ChangeBody, DeployBody, DeploySourceBody, RollbackBody};
use super::common::{check_limit, to_value, ApiJson, ApiPath, ApiQuery, RunMode};
use super::crq::{load, save, update, KIND};
use super::exec::{refuse_if_too_long, run};
use super::work::Work;
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use snapdeploy_core::{
    digest_of, AccountId, AuditAction, AuditEntry, AuditOutcome, ChangeRequest, ChangeState,
};

#[utoipa::path(post, path = "/deploy", request_body = DeployBody, params(("background" = Option<bool>, Query)),
    responses((status = 200, description = "a plan (dry_run) or a report"), (status = 202, description = "a job (`?background=true`), or, into a protected account, a change request waiting for approval", body = ChangeRequested), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody, description = "the resource is being changed by another deploy or rollback"), (status = 422, body = ErrorBody), (status = 502, body = ErrorBody)))]
pub(super) async fn deploy(
    State(s): State<AppState>,
    p: Principal,
    ApiQuery(mode): ApiQuery<RunMode>,
    ApiJson(b): ApiJson<DeployBody>,
) -> ApiResult<Response> {
    submit(&s, &p, mode, ChangeBody::Deploy(b)).await
}

#[utoipa::path(post, path = "/rollback", request_body = RollbackBody, params(("background" = Option<bool>, Query)),
    responses((status = 200, description = "a plan (dry_run) or a report; for a release, the release"), (status = 202, description = "a job (`?background=true`), or, into a protected account, a change request waiting for approval", body = ChangeRequested), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "the resource is being changed by another deploy or rollback"), (status = 422, body = ErrorBody), (status = 502, body = ErrorBody)))]
pub(super) async fn rollback(
    State(s): State<AppState>,
    p: Principal,
    ApiQuery(mode): ApiQuery<RunMode>,
    ApiJson(b): ApiJson<RollbackBody>,
) -> ApiResult<Response> {
    submit(&s, &p, mode, ChangeBody::Rollback(b)).await
}

/// Runs a change, or, into a protected account while approvals are on, asks for one.
async fn submit(
    s: &AppState,
    p: &Principal,
    mode: RunMode,
    body: ChangeBody,
) -> ApiResult<Response> {
    let target = body.target(s).await?;
    p.may_touch(&target)?;
    if let ChangeBody::Deploy(DeployBody {
        source: DeploySourceBody {
            snapshot: Some(_), ..
        },
        ..
    }) = &body
    {
        // A document that never was a snapshot here is a configuration of the caller's
        // own making: only an admin may deploy one.
        p.require(snapdeploy_core::Role::Admin)
            .map_err(|e| ApiError {
                message: format!(
                    "deploying an inline source.snapshot {}",
                    e.message.replacen("this ", "", 1)
                ),
                ..e
            })?;
    }
    if !body.dry_run() && s.approvals_required() {
        let protected = s
            .engine
            .accounts
            .get(&target)
            .await?
            .is_some_and(|a| a.protected);
        if protected {
            return request_change(s, p, body, target).await;
        }
    }
    // Checked now, so a bad request is answered 400 even when it would run as a job.
    body.clone().prepare(&p.subject)?;
    run(s, &p.subject, mode, Work::Change(body)).await
}

#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct ChangeRequested {
    change_request: ChangeRequest,
    status_url: String,
}

/// The plan's digest, without what differs between two plannings of the same change (a
/// release's id and time).
fn plan_digest(plan: &Value) -> String {
    match plan.get("plans") {
        Some(plans) => digest_of(&json!({"order": plan.get("order"), "plans": plans})),
        None => digest_of(plan),
    }
}

/// The digest of every live target the plan was made from, in plan order.
fn live_digest(plan: &Value) -> String {
    let lives: Vec<Value> = match plan.get("plans").and_then(Value::as_array) {
        Some(plans) => plans.iter().map(|p| p["live_digest"].clone()).collect(),
        None => vec![plan["live_digest"].clone()],
    };
    digest_of(&Value::Array(lives))
}

fn summary(kind: &str, plan: &Value) -> String {
    let one = |p: &Value| {
        format!(
            "{} {}",
            p["service"].as_str().unwrap_or("?"),
            p["resource_name"].as_str().unwrap_or("?")
        )
    };
    let (what, first) = match plan.get("plans").and_then(Value::as_array) {
        Some(plans) => (
            format!(
                "release of {} ({} resources)",
                plans.first().map(one).unwrap_or_default(),
                plans.len()
            ),
            plans.first().cloned().unwrap_or_default(),
        ),
        None => (one(plan), plan.clone()),
    };
    format!(
        "{kind} {what} in account {} {}",
        first["target_account_id"].as_str().unwrap_or("?"),
        first["target_region"].as_str().unwrap_or("?")
    )
}

async fn plan_of(s: &AppState, body: &ChangeBody, actor: &str) -> ApiResult<Value> {
    let (_, plan) = body
        .clone()
        .with_dry_run(true)
        .execute(s, actor, &snapdeploy_aws::Progress::none())
        .await?;
    Ok(plan)
}

/// Plans the change and files it as a request waiting for approval (202).
pub(super) async fn request_change(
    s: &AppState,
    p: &Principal,
    body: ChangeBody,
    target: AccountId,
) -> ApiResult<Response> {
    let plan = plan_of(s, &body, &p.subject).await?;
    let now = s.config.clock.now();
    let ttl = chrono::Duration::from_std(s.config.auth.approval_ttl)
        .unwrap_or(chrono::Duration::hours(24));
    let first = plan
        .get("plans")
        .and_then(|p| p.get(0))
        .unwrap_or(&plan)
        .clone();
    let cr = ChangeRequest {
        id: format!(
            "chg-{}-{}",
            now.format("%Y%m%dT%H%M%SZ"),
            &uuid::Uuid::new_v4().simple().to_string()[..8]
        ),
        kind: body.kind().into(),
        state: ChangeState::Pending,
        account_id: target,
        region: first["target_region"]
            .as_str()
            .and_then(|r| snapdeploy_core::Region::parse(r).ok()),
        summary: summary(body.kind(), &plan),
        request: serde_json::to_value(&body).map_err(|_| ApiError::internal())?,
        plan_digest: plan_digest(&plan),
        live_digest: live_digest(&plan),
        plan,
        requested_by: p.subject.clone(),
        requested_at: now,
        expires_at: now + ttl,
        decided_by: None,
        decided_at: None,
        comment: None,
        job_id: None,
        result: None,
        error: None,
    };
    s.engine
        .records
        .put_record(KIND, &cr.id, &to_value(&cr), Some(0))
        .await?;
    audit(s, &p.subject, AuditAction::ChangeRequested, &cr, None).await;
    Ok((
        StatusCode::ACCEPTED,
        Json(ChangeRequested {
            status_url: format!("/changes/{}", cr.id),
            change_request: cr,
        }),
    )
        .into_response())
}

async fn audit(
    s: &AppState,
    actor: &str,
    action: AuditAction,
    cr: &ChangeRequest,
    approved_by: Option<&str>,
) {
    let outcome = match action {
        AuditAction::ChangeStale => AuditOutcome::Refused,
        _ => AuditOutcome::Succeeded,
    };
    let mut e = AuditEntry::new(actor, action, &cr.account_id, outcome);
    e.region = cr.region.clone();
    e.resource_name = Some(cr.summary.clone());
    e.change_id = Some(cr.id.clone());
    e.approved_by = approved_by.map(String::from);
    e.error = cr.error.clone();
    s.engine.record(e).await;
}

fn with_state(mut cr: ChangeRequest, now: chrono::DateTime<chrono::Utc>) -> ChangeRequest {
    cr.state = cr.state_at(now);
    cr
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ListQuery {
    state: Option<String>,
    limit: Option<String>,
}

#[utoipa::path(get, path = "/changes", params(("state" = Option<String>, Query, description = "pending, running, executed, failed, rejected, expired or stale"), ("limit" = Option<usize>, Query, minimum = 1, maximum = 1000)),
    responses((status = 200, body = [ChangeRequest], description = "newest first"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub(super) async fn list_changes(
    State(s): State<AppState>,
    p: Principal,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<Vec<ChangeRequest>>> {
    let limit = check_limit(q.limit.as_deref())?.unwrap_or(100);
    let state = q
        .state
        .map(|st| {
            serde_json::from_value::<ChangeState>(json!(st)).map_err(|_| {
                ApiError::bad_request(
                    "state: pending, running, executed, failed, rejected, expired or stale",
                )
            })
        })
        .transpose()?;
    let now = s.config.clock.now();
    let mut all: Vec<ChangeRequest> = s
        .engine
        .records
        .list_records(KIND)
        .await?
        .into_iter()
        .filter_map(|r| serde_json::from_value(r.doc).ok())
        .map(|cr| with_state(cr, now))
        .filter(|cr: &ChangeRequest| p.sees(&cr.account_id))
        .filter(|cr| state.is_none_or(|st| cr.state == st))
        .collect();
    all.sort_by_key(|c| std::cmp::Reverse(c.requested_at));
    all.truncate(limit);
    Ok(Json(all))
}

#[utoipa::path(get, path = "/changes/{id}", params(("id" = String, Path)),
    responses((status = 200, body = ChangeRequest), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn get_change(
    State(s): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<ChangeRequest>> {
    let (_, cr) = load(&s, &id).await?;
    p.may_touch(&cr.account_id)?;
    Ok(Json(with_state(cr, s.config.clock.now())))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct Decision {
    /// Optional to approve; required to reject (say why).
    comment: Option<String>,
}

/// A pending request someone other than its requester may decide.
fn decidable(
    p: &Principal,
    cr: &ChangeRequest,
    now: chrono::DateTime<chrono::Utc>,
) -> ApiResult<()> {
    p.may_touch(&cr.account_id)?;
    if cr.requested_by == p.subject {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "self_approval",
            format!(
                "{} requested change {}; another approver must decide it",
                p.subject, cr.id
            ),
        ));
    }
    match cr.state_at(now) {
        ChangeState::Pending => Ok(()),
        ChangeState::Expired => Err(ApiError::new(
            StatusCode::CONFLICT,
            "change_expired",
            format!(
                "change request {} expired at {}; request the change again",
                cr.id, cr.expires_at
            ),
        )),
        other => Err(ApiError::new(
            StatusCode::CONFLICT,
            "already_decided",
            format!(
                "change request {} is {}{}",
                cr.id,
                other.as_str(),
                cr.decided_by
                    .as_ref()
                    .map(|d| format!(" (decided by {d})"))
                    .unwrap_or_default()
            ),
        )),
    }
}

/// The optional JSON body of a decision (an empty body is no comment).
fn decision(body: &[u8]) -> ApiResult<Option<Decision>> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    serde_json::from_slice(body).map(Some).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_body",
            format!("the body must be {{\"comment\": \"…\"}}: {e}"),
        )
    })
}

fn comment_of(d: Option<Decision>) -> ApiResult<Option<String>> {
    let c = d.and_then(|d| d.comment).map(|c| c.trim().to_owned());
    if c.as_ref().is_some_and(|c| c.chars().count() > 1000) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_field",
            "comment: at most 1000 characters",
        )
        .with_details(json!({"field": "comment"})));
    }
    Ok(c.filter(|c| !c.is_empty()))
}

#[utoipa::path(post, path = "/changes/{id}/reject", params(("id" = String, Path)), request_body = Decision,
    responses((status = 200, body = ChangeRequest), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(super) async fn reject(
    State(s): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<String>,
    body: axum::body::Bytes,
) -> ApiResult<Json<ChangeRequest>> {
    let comment = comment_of(decision(&body)?)?.ok_or_else(|| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_field",
            "comment: required to reject (say why)",
        )
        .with_details(json!({"field": "comment"}))
    })?;
    let (version, mut cr) = load(&s, &id).await?;
    let now = s.config.clock.now();
    decidable(&p, &cr, now)?;
    cr.state = ChangeState::Rejected;
    cr.decided_by = Some(p.subject.clone());
    cr.decided_at = Some(now);
    cr.comment = Some(comment);
    save(&s, version, &cr).await?;
    audit(&s, &p.subject, AuditAction::ChangeRejected, &cr, None).await;
    Ok(Json(cr))
}

#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct Approved {
    change_request: ChangeRequest,
    job_id: String,
    status_url: String,
    events_url: String,
}

#[utoipa::path(post, path = "/changes/{id}/approve", params(("id" = String, Path)), request_body = Option<Decision>,
    responses((status = 202, body = Approved, description = "approved: the change runs as a job"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "expired, already decided, or stale: the target or the plan changed since it was planned")))]
pub(super) async fn approve(
    State(s): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<String>,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    let comment = comment_of(decision(&body)?)?;
    let (version, mut cr) = load(&s, &id).await?;
    decidable(&p, &cr, s.config.clock.now())?;
    let change: ChangeBody = serde_json::from_value(cr.request.clone()).map_err(|e| {
        tracing::error!("change request {id} has an unreadable request: {e}");
        ApiError::internal()
    })?;
    // Exactly what was approved, or nothing: plan again from the live target now.
    let now_plan = plan_of(&s, &change, &cr.requested_by).await?;
    let (plan_now, live_now) = (plan_digest(&now_plan), live_digest(&now_plan));
    // Refused while the request still waits, before it is marked running.
    refuse_if_too_long(&s, &now_plan)?;
    let now = s.config.clock.now();
    cr.decided_by = Some(p.subject.clone());
    cr.decided_at = Some(now);
    cr.comment = comment;
    if plan_now != cr.plan_digest || live_now != cr.live_digest {
        let what = if live_now != cr.live_digest {
            "the target changed since the plan was made (edited outside SnapDeploy?)"
        } else {
            "the plan would differ now"
        };
        cr.state = ChangeState::Stale;
        cr.error = Some(format!("{what}; request the change again"));
        save(&s, version, &cr).await?;
        audit(&s, &p.subject, AuditAction::ChangeStale, &cr, None).await;
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "change_stale",
            format!("change request {id} was not applied: {what}; request the change again"),
        )
        .with_details(json!({
            "planned": {"plan_digest": cr.plan_digest, "live_digest": cr.live_digest},
            "now": {"plan_digest": plan_now, "live_digest": live_now, "plan": now_plan},
        })));
    }
    cr.state = ChangeState::Running;
    save(&s, version, &cr).await?;
    audit(
        &s,
        &p.subject,
        AuditAction::ChangeApproved,
        &cr,
        Some(&p.subject),
    )
    .await;

    let cr_id = cr.id.clone();
    let work = Work::ApprovedChange {
        change_id: id.clone(),
        approved_by: p.subject.clone(),
        change,
    };
    let job_id = s
        .jobs
        .submit(work.kind(), to_value(&work), &cr.requested_by)
        .await?;
    update(&s, &cr_id, |c| c.job_id = Some(job_id.clone())).await;
    let (_, cr) = load(&s, &cr_id).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(Approved {
            change_request: cr,
            status_url: format!("/jobs/{job_id}"),
            events_url: format!("/jobs/{job_id}/events"),
            job_id,
        }),
    )
        .into_response())
}
