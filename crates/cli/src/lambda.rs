//! SnapDeploy as AWS Lambda functions (Stage 3): the API through `lambda_http` (a function
//! URL, its responses streamed so job progress reaches the browser as it happens) and the
//! worker through the job queue's SQS events. One binary: Lambda starts it as `bootstrap`
//! with no arguments, and the function's handler setting says which part it is.

use crate::config::{Config, StoreKind};
use crate::setup::{job_queue, server_config};
use anyhow::{bail, Result};
use snapdeploy_server::AppState;

/// The command a Lambda function runs: `None` outside Lambda or when arguments were given;
/// inside, `_HANDLER` (the function's `Handler`) is `api` or `worker`.
pub(crate) fn lambda_command() -> Result<Option<Vec<String>>> {
    if std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_none() || std::env::args_os().len() > 1 {
        return Ok(None);
    }
    let handler = std::env::var("_HANDLER").unwrap_or_default();
    let args: &[&str] = match handler.as_str() {
        "api" => &["snapdeploy", "serve", "--no-worker"],
        "worker" => &["snapdeploy", "worker"],
        other => bail!(
            "started by AWS Lambda with the handler {other:?}: set the function's Handler to api (the HTTP API) or worker (the job queue's consumer)"
        ),
    };
    Ok(Some(args.iter().map(|a| (*a).to_owned()).collect()))
}

/// The API as a Lambda function behind a function URL (payload 2.0) in streaming mode.
/// Jobs never run here: an invocation is frozen once its response is sent, so every job
/// goes to the queue and the worker function runs it.
pub(crate) async fn api(
    config: &Config,
    engine: std::sync::Arc<snapdeploy_aws::Engine>,
) -> Result<i32> {
    match (config.store.clone(), &config.job_queue_url) {
        (StoreKind::Aws, None) => bail!(
            "the API as a Lambda function needs SNAPDEPLOY_JOB_QUEUE_URL: its jobs run in the worker function, which reads that queue"
        ),
        (StoreKind::Embedded, _) => tracing::warn!(
            "SNAPDEPLOY_STORE=embedded inside AWS Lambda: the registry lives in this execution environment's {} and is lost with it; use SNAPDEPLOY_STORE=aws",
            config.data_dir.display()
        ),
        _ => {}
    }
    let mut config = config.clone();
    config.worker = false;
    let allowed_hosts = config.allowed_hosts.clone().unwrap_or_default();
    let state = AppState::new(
        engine.clone(),
        server_config(&config, "aws", allowed_hosts, Default::default()),
    )
    .with_queue(job_queue(&config, &engine));
    tracing::info!("SnapDeploy API running as a Lambda function");
    lambda_http::run_with_streaming_response(snapdeploy_server::router(state))
        .await
        .map_err(|e| anyhow::anyhow!("the Lambda runtime stopped: {e}"))?;
    Ok(0)
}

/// The worker as a Lambda function: each SQS record names a job, run to its end within the
/// invocation (the API refuses up front a job estimated beyond the function's time limit,
/// `SNAPDEPLOY_JOB_TIME_LIMIT_SECONDS`). A record whose job could not be claimed (the
/// registry did not answer) is reported as a batch item failure, so SQS delivers it again.
/// Any other event (a schedule) only looks for lost jobs: a job whose function died is
/// taken over and its writes put back.
pub(crate) async fn worker(state: AppState) -> Result<i32> {
    tracing::info!(worker = %state.jobs.worker_id(), "SnapDeploy worker running as a Lambda function");
    let handler = lambda_runtime::service_fn(
        move |event: lambda_runtime::LambdaEvent<serde_json::Value>| {
            let state = state.clone();
            async move { invocation(state, event.payload).await }
        },
    );
    lambda_runtime::run(handler)
        .await
        .map_err(|e| anyhow::anyhow!("the Lambda runtime stopped: {e}"))?;
    Ok(0)
}

async fn invocation(
    state: AppState,
    payload: serde_json::Value,
) -> Result<serde_json::Value, lambda_runtime::Error> {
    use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
    let mut response = SqsBatchResponse::default();
    if payload.get("Records").is_some() {
        let sqs: SqsEvent = serde_json::from_value(payload)?;
        let runs = sqs.records.into_iter().map(|r| {
            let state = state.clone();
            async move {
                let Some(job) = r
                    .body
                    .as_deref()
                    .and_then(snapdeploy_store::job_id_of_message)
                else {
                    tracing::warn!(message = ?r.message_id, "a queue message that names no job was dropped");
                    return None;
                };
                match state.jobs.run_delivered(&snapdeploy_server::runner(&state), &job).await {
                    Ok(()) => None,
                    Err(e) => {
                        tracing::warn!(%job, "the job's message goes back to the queue: {e}");
                        r.message_id
                    }
                }
            }
        });
        for id in futures::future::join_all(runs).await.into_iter().flatten() {
            let mut failure = BatchItemFailure::default();
            failure.item_identifier = id;
            response.batch_item_failures.push(failure);
        }
    }
    if let Err(e) = state
        .jobs
        .sweep_once(&snapdeploy_server::runner(&state))
        .await
    {
        tracing::warn!("looking for lost jobs: {}", e.message);
    }
    Ok(serde_json::to_value(response)?)
}
