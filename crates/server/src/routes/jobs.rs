//! Following a background job: its state and its progress events.

use super::common::ApiPath;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::jobs::{JobEvent, JobView};
use crate::state::AppState;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::Json;
use futures::stream::Stream;
use std::convert::Infallible;
use std::future::Future;

#[utoipa::path(get, path = "/jobs/{id}", params(("id" = String, Path)), responses((status = 200, body = JobView), (status = 404, body = ErrorBody)))]
pub(super) async fn get_job(
    State(s): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<JobView>> {
    let job = s
        .jobs
        .get(&id)
        .ok_or_else(|| ApiError::not_found(s.jobs.not_found_message(&id)))?;
    Ok(Json(job.view()))
}

#[utoipa::path(get, path = "/jobs/{id}/events", params(("id" = String, Path)),
    responses((status = 200, description = "text/event-stream: `progress` events, then one `done` event with the job"), (status = 404, body = ErrorBody)))]
pub(super) async fn job_events(
    State(s): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    let job = s
        .jobs
        .get(&id)
        .ok_or_else(|| ApiError::not_found(s.jobs.not_found_message(&id)))?;
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
