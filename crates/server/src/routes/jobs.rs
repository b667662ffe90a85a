//! Following a job: its record, its progress events (a stream that resumes where it left off,
//! from any replica), and the list of jobs.

use super::common::{check_limit, ApiPath, ApiQuery};
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::jobs::JobView;
use crate::state::AppState;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::Json;
use futures::stream::Stream;
use serde::Deserialize;
use snapdeploy_core::Role;
use snapdeploy_store::JobState;
use std::convert::Infallible;
use std::time::Duration;

#[utoipa::path(get, path = "/jobs/{id}", params(("id" = String, Path)), responses((status = 200, body = JobView), (status = 404, body = ErrorBody)))]
pub(super) async fn get_job(
    State(s): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<JobView>> {
    s.jobs
        .view(&id)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found(s.jobs.not_found_message(&id)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct JobsQuery {
    state: Option<String>,
    limit: Option<String>,
}

#[utoipa::path(get, path = "/jobs", params(("state" = Option<String>, Query, description = "queued, running, succeeded, failed, failed_restored or interrupted"), ("limit" = Option<usize>, Query, description = "at most this many, 1 to 1000 (100 by default)")),
    responses((status = 200, body = [JobView], description = "newest first, without their events; an admin sees every job, others their own"), (status = 400, body = ErrorBody)))]
pub(super) async fn list_jobs(
    State(s): State<AppState>,
    p: Principal,
    ApiQuery(q): ApiQuery<JobsQuery>,
) -> ApiResult<Json<Vec<JobView>>> {
    let state = q
        .state
        .as_deref()
        .map(|v| {
            JobState::parse(v).ok_or_else(|| {
                ApiError::bad_request(
                    "state must be one of queued, running, succeeded, failed, failed_restored, interrupted",
                )
            })
        })
        .transpose()?;
    let limit = check_limit(q.limit.as_deref())?.unwrap_or(100);
    let everyone = p.require(Role::Admin).is_ok();
    // Others' jobs are filtered out after reading, so read enough to fill the page.
    let read = if everyone { limit } else { 1000 };
    let jobs = s.jobs.list(state, read).await?;
    Ok(Json(
        jobs.iter()
            .filter(|j| everyone || j.requester == p.subject)
            .take(limit)
            .map(|j| JobView::of(j, None))
            .collect(),
    ))
}

/// `Last-Event-ID`: the number of the last event the client has (sent as each event's id).
fn last_event_id(headers: &HeaderMap) -> ApiResult<u64> {
    match headers.get("last-event-id") {
        None => Ok(0),
        Some(v) => v
            .to_str()
            .ok()
            .and_then(|v| v.trim().parse().ok())
            .ok_or_else(|| ApiError::bad_request("Last-Event-ID must be an event number")),
    }
}

#[utoipa::path(get, path = "/jobs/{id}/events", params(("id" = String, Path), ("Last-Event-ID" = Option<u64>, Header, description = "resume after this event")),
    responses((status = 200, description = "text/event-stream: `progress` events (each with its number as id), then one `done` event with the job"), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn job_events(
    State(s): State<AppState>,
    ApiPath(id): ApiPath<String>,
    headers: HeaderMap,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    let mut after = last_event_id(&headers)?;
    if s.jobs.get(&id).await?.is_none() {
        return Err(ApiError::not_found(s.jobs.not_found_message(&id)));
    }
    let (tx, rx) = tokio::sync::mpsc::channel::<Event>(64);
    tokio::spawn(async move {
        // Another replica's job shows up by polling the registry; one running here wakes the
        // stream as soon as its events are stored.
        let mut changes = s.jobs.changes();
        loop {
            let job = match s.jobs.get(&id).await {
                Ok(Some(j)) => j.job,
                Ok(None) => return,
                Err(e) => {
                    tracing::warn!(job = %id, "following a job: {}", e.message);
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            };
            // Read after the state: a job seen finished has stored every event by then.
            let events = s.jobs.events(&id, after).await.unwrap_or_default();
            for (n, e) in events {
                after = n;
                let event = Event::default()
                    .event("progress")
                    .id(n.to_string())
                    .json_data(&e)
                    .unwrap_or_default();
                if tx.send(event).await.is_err() {
                    return;
                }
            }
            if job.state.is_finished() {
                let view = match s.jobs.view(&id).await {
                    Ok(Some(v)) => v,
                    _ => JobView::of(&job, None),
                };
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
            tokio::select! {
                _ = changes.changed() => {}
                _ = tokio::time::sleep(Duration::from_millis(500)) => {}
                _ = tx.closed() => return,
            }
        }
    });
    let stream =
        futures::stream::unfold(
            rx,
            |mut rx| async move { rx.recv().await.map(|e| (Ok(e), rx)) },
        );
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}
