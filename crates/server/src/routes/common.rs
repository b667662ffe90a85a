//! What every route group shares: extractors that answer in the API's error shape, and
//! running work inline or as a background job.

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use axum::extract::{FromRequest, FromRequestParts};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use snapdeploy_aws::Progress;
use std::future::Future;

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

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RunMode {
    #[serde(default)]
    pub(super) background: bool,
}

#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct JobAccepted {
    job_id: String,
    status_url: String,
    events_url: String,
}

/// Runs `work` inline, or as a job answering 202 at once when `?background=true`.
pub(super) async fn run<F, Fut>(
    s: &AppState,
    kind: &str,
    mode: RunMode,
    work: F,
) -> ApiResult<Response>
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
    let jobs = s.jobs.clone();
    tokio::spawn(async move {
        // The work in a task of its own: should it panic, the job still ends (failed), so
        // nothing waits for it for ever (a shutdown waits for running jobs).
        let result = tokio::spawn(work(progress)).await;
        jobs.finish(&job, match result {
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

pub(super) fn to_value<T: Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// An optional `limit` query parameter: a whole number from 1 to 1000.
pub(super) fn check_limit(raw: Option<&str>) -> ApiResult<Option<usize>> {
    raw.map(|l| {
        l.parse::<usize>()
            .ok()
            .filter(|n| (1..=1000).contains(n))
            .ok_or_else(|| ApiError::bad_request("limit must be a whole number from 1 to 1000"))
    })
    .transpose()
}
