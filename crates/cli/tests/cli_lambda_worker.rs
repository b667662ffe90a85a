//! `snapdeploy worker` inside AWS Lambda: the same binary, started by Lambda with
//! `AWS_LAMBDA_RUNTIME_API`, takes SQS events from the runtime API and runs the jobs they
//! name. The runtime API here is a stand-in speaking its protocol (next invocation,
//! response); the API replica runs no jobs (`--no-worker`), so only the function can.

mod common;

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::routing::{get, post};
use common::{lookup_snapshot, Cli, Replica};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;

/// The invocations to hand out, and where the function's answers go.
#[derive(Clone)]
struct Runtime {
    events: Arc<Mutex<Vec<Value>>>,
    answers: mpsc::UnboundedSender<(String, Value)>,
}

async fn next(State(rt): State<Runtime>) -> (HeaderMap, String) {
    let event = loop {
        if let Some(e) = rt.events.lock().unwrap().pop() {
            break e;
        }
        // No more invocations: the function waits here, as it would in Lambda.
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let mut h = HeaderMap::new();
    let id = event["Records"][0]["messageId"]
        .as_str()
        .unwrap_or("scheduled")
        .to_owned();
    h.insert("lambda-runtime-aws-request-id", id.parse().unwrap());
    let deadline = chrono::Utc::now().timestamp_millis() + 900_000;
    h.insert(
        "lambda-runtime-deadline-ms",
        deadline.to_string().parse().unwrap(),
    );
    h.insert(
        "lambda-runtime-invoked-function-arn",
        "arn:aws:lambda:us-east-1:123456789012:function:snapdeploy-worker"
            .parse()
            .unwrap(),
    );
    (h, event.to_string())
}

async fn response(
    State(rt): State<Runtime>,
    Path(id): Path<String>,
    body: String,
) -> axum::http::StatusCode {
    let v = serde_json::from_str(&body).unwrap_or(Value::String(body));
    rt.answers.send((id, v)).unwrap();
    axum::http::StatusCode::ACCEPTED
}

fn sqs_event(message_id: &str, body: &str) -> Value {
    json!({"Records": [{
        "messageId": message_id,
        "receiptHandle": "handle",
        "body": body,
        "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1764800000000", "SenderId": "AIDA", "ApproximateFirstReceiveTimestamp": "1764800000000"},
        "messageAttributes": {},
        "md5OfBody": "",
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:snapdeploy-jobs",
        "awsRegion": "us-east-1"
    }]})
}

#[tokio::test]
async fn the_worker_runs_as_a_lambda_function_on_sqs_events() {
    let cli = Cli::new().await;
    cli.add_dev_and_prod().await;
    let api = Replica::start(&cli, &["--no-worker"]).await;
    let (s, accepted) = api
        .post("/snapshot?background=true", &lookup_snapshot())
        .await;
    assert_eq!(s, 202, "{accepted}");
    let id = accepted["job_id"].as_str().unwrap().to_owned();
    let (_, queued) = api.get(&format!("/jobs/{id}")).await;
    assert_eq!(queued["state"], "queued", "the API replica runs no jobs");

    // Three invocations, handed out last first: the job's message, the same message again
    // (SQS delivers at least once), and one naming no job.
    let message = json!({"job_id": id}).to_string();
    let events = vec![
        sqs_event("m-3", "not a job"),
        sqs_event("m-2", &message),
        sqs_event("m-1", &message),
    ];
    let (tx, mut answers) = mpsc::unbounded_channel();
    let rt = Runtime {
        events: Arc::new(Mutex::new(events)),
        answers: tx,
    };
    let app = axum::Router::new()
        .route("/2018-06-01/runtime/invocation/next", get(next))
        .route(
            "/2018-06-01/runtime/invocation/{id}/response",
            post(response),
        )
        .route("/2018-06-01/runtime/invocation/{id}/error", post(response))
        .with_state(rt);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let runtime_api = listener.local_addr().unwrap().to_string();
    tokio::spawn(async move { axum::serve(listener, app).await });

    // Started as Lambda starts a custom runtime: `bootstrap` with no arguments; the function's
    // handler setting says which part of SnapDeploy it is.
    let mut function = cli
        .command(&[])
        .env("_HANDLER", "worker")
        .env("AWS_LAMBDA_RUNTIME_API", &runtime_api)
        .env("AWS_LAMBDA_FUNCTION_NAME", "snapdeploy-worker")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut answered = Vec::new();
    for _ in 0..3 {
        let a = tokio::time::timeout(Duration::from_secs(120), answers.recv())
            .await
            .expect("the function answers each invocation")
            .unwrap();
        answered.push(a);
    }
    function.kill().await.unwrap();
    for (id, answer) in &answered {
        assert_eq!(
            answer,
            &json!({"batchItemFailures": []}),
            "invocation {id}: nothing goes back to the queue"
        );
    }
    let (_, job) = api.get(&format!("/jobs/{id}")).await;
    assert_eq!(job["state"], "succeeded", "{job}");
    assert_eq!(job["attempts"], 1, "the second delivery ran nothing: {job}");
    assert_eq!(job["result"]["resource_name"], "cc-customer-lookup");
}

#[tokio::test]
async fn a_lambda_function_with_an_unknown_handler_says_which_handlers_exist() {
    let cli = Cli::new().await;
    let out = cli
        .command(&[])
        .env("_HANDLER", "bootstrap")
        // Never reached: the handler is refused before the runtime is asked for anything.
        .env("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9")
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("the handler \"bootstrap\"")
            && stderr.contains("api (the HTTP API) or worker"),
        "{stderr}"
    );
}
