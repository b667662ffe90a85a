//! Carrying out `Work`: inline or as a job, by this process or any worker, as the person who
//! asked; and what a worker taking over an interrupted job restores.

use super::common::{to_value, JobAccepted, RunMode};
use super::work::{extract_many_results, snapshot_request, ExtractResponse, Work};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::Value;
use snapdeploy_aws::engine::{with_approval, Approval};
use snapdeploy_aws::{AwsError, Progress, WriteIntent};
use snapdeploy_core::ChangeState;
use snapdeploy_store::StoreError;
use std::time::Duration;

/// Runs `work` as `requester`: inline (answered when it ends), or queued as a job answering
/// 202 at once when `?background=true`. Inline work that writes is recorded as a job too, so
/// that should this process die half-way another worker restores what it wrote.
pub(super) async fn run(
    s: &AppState,
    requester: &str,
    mode: RunMode,
    work: Work,
) -> ApiResult<Response> {
    if !mode.background {
        let (status, body) = if work.reads_only() {
            let (state, requester) = (s.clone(), requester.to_owned());
            tokio::spawn(async move { execute(&state, work, &requester, &Progress::none()).await })
                .await
                .map_err(|e| {
                    tracing::error!("a request's task failed: {e}");
                    ApiError::internal()
                })??
        } else {
            let kind = work.kind();
            s.jobs
                .run_here(&runner(s), kind, to_value(&work), requester)
                .await?
        };
        return Ok((status, Json(body)).into_response());
    }
    check_time_limit(s, &work, requester).await?;
    let id = s
        .jobs
        .submit(work.kind(), to_value(&work), requester)
        .await?;
    Ok((StatusCode::ACCEPTED, Json(JobAccepted::of(&id))).into_response())
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
            super::crq::update(s, &change_id, |cr| {
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

/// Refuses, before it is queued, a change estimated to run longer than the workers may
/// (`SNAPDEPLOY_JOB_TIME_LIMIT_SECONDS`: Lambda functions stop at 15 minutes). Snapshots and
/// extracts take minutes at most and are not estimated.
pub(super) async fn check_time_limit(s: &AppState, work: &Work, requester: &str) -> ApiResult<()> {
    // No limit, no dry run.
    if s.config.jobs.time_limit.is_none() {
        return Ok(());
    }
    // An approval checks the plan it has just made (`refuse_if_too_long`).
    let Work::Change(change) = work else {
        return Ok(());
    };
    if change.dry_run() {
        return Ok(());
    }
    let (_, plan) = change
        .clone()
        .with_dry_run(true)
        .execute(s, requester, &Progress::none())
        .await?;
    refuse_if_too_long(s, &plan)
}

/// `check_time_limit` for a change whose dry-run plan is at hand.
pub(super) fn refuse_if_too_long(s: &AppState, plan: &Value) -> ApiResult<()> {
    let Some(limit) = s.config.jobs.time_limit else {
        return Ok(());
    };
    let rate = s.engine.hub.config.connect_rate;
    let (seconds, connect_calls) = estimate(plan, rate);
    if seconds <= limit.as_secs_f64() {
        return Ok(());
    }
    Err(ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "job_too_long",
        format!(
            "this change is estimated at about {} minutes ({connect_calls} Connect calls, each kind paced at {rate}/s), longer than this server's workers may run ({} minutes, SNAPDEPLOY_JOB_TIME_LIMIT_SECONDS; AWS Lambda stops a function at 15): run it where a long-lived worker takes jobs (`snapdeploy worker`, or the CLI without a server), or split it (options.flows)",
            (seconds / 60.0).ceil(),
            limit.as_secs() / 60
        ),
    )
    .with_details(serde_json::json!({"estimated_seconds": seconds.round(), "limit_seconds": limit.as_secs(), "connect_calls": connect_calls})))
}

/// Roughly how long applying a plan (or each member plan of a release) takes: Connect calls
/// (one per item created, with its final content; two per item updated; a few to read),
/// each kind a stream paced per operation at the configured rate, so the kind with the most
/// calls sets the time; a minute per Lambda function changed (update, wait, publish), two
/// per Lex bot (locale builds, version). (seconds, Connect calls).
pub(crate) fn estimate(plan: &Value, connect_rate: f64) -> (f64, u64) {
    fn walk(v: &Value, f: &mut impl FnMut(&serde_json::Map<String, Value>)) {
        match v {
            Value::Object(o) => {
                f(o);
                o.values().for_each(|c| walk(c, f));
            }
            Value::Array(a) => a.iter().for_each(|c| walk(c, f)),
            _ => {}
        }
    }
    let (mut seconds, mut calls) = (0.0, 0u64);
    walk(plan, &mut |o| {
        let is_plan = o.contains_key("desired") && o.contains_key("action");
        if !is_plan || o["action"] == "unchanged" {
            return;
        }
        match o["service"].as_str() {
            Some("connect") => {
                let mut per_kind: std::collections::HashMap<&str, u64> = Default::default();
                for i in o["summary"]["items"].as_array().into_iter().flatten() {
                    let c = match i["action"].as_str() {
                        Some("create") => 1,
                        Some("update") => 2,
                        _ => 0,
                    };
                    *per_kind
                        .entry(i["kind"].as_str().unwrap_or(""))
                        .or_default() += c;
                }
                let busiest = per_kind.values().max().copied().unwrap_or(0);
                calls += per_kind.values().sum::<u64>() + 10;
                seconds += (busiest + 10) as f64 / connect_rate.max(0.01);
            }
            Some("lex") => seconds += 120.0,
            _ => seconds += 60.0,
        }
    });
    (seconds, calls)
}

/// The application as the job machinery's runner: requests are `Work`.
struct AppRunner(AppState);

#[async_trait::async_trait]
impl crate::jobs::Runner for AppRunner {
    async fn run(
        &self,
        request: Value,
        requester: &str,
        progress: &Progress,
    ) -> ApiResult<(StatusCode, Value)> {
        let work: Work = serde_json::from_value(request).map_err(|e| {
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                format!("the job's request cannot be read by this version of SnapDeploy: {e}"),
            )
        })?;
        execute(&self.0, work, requester, progress).await
    }

    async fn restore(
        &self,
        intent: &WriteIntent,
        job_id: &str,
        timeout: Duration,
    ) -> Result<String, String> {
        restore_interrupted(&self.0, intent, job_id, timeout).await
    }

    async fn housekeeping(&self) {
        crate::idempotency::purge(&self.0).await;
    }
}

/// What runs this application's jobs.
pub(crate) fn runner(s: &AppState) -> crate::jobs::SharedRunner {
    std::sync::Arc::new(AppRunner(s.clone()))
}
