//! Jobs as a client retrying over a flaky network and an operator running replicas see them:
//! an idempotent retry gets the first answer, a queue message delivered twice runs its job
//! once, and two replicas on DynamoDB + SQS (moto's server) share every job.

mod common;

use common::{fast_sandbox, spawn_app, TestApp};
use serde_json::{json, Value};
use snapdeploy_aws::{Engine, Hub, HubConfig};
use snapdeploy_sandbox::seed::DEV;
use snapdeploy_sandbox::{Sandbox, Seed, HUB_ACCESS_KEY, HUB_SECRET_KEY};
use snapdeploy_server::{AppState, JobsConfig, ServerConfig};
use snapdeploy_store::{DynamoAccountStore, LocalSnapshotStore, SqsQueue};
use std::sync::Arc;

async fn post_keyed(app: &TestApp, path: &str, key: &str, body: &Value) -> (u16, Value, bool) {
    let r = app
        .http
        .post(format!("{}{path}", app.base))
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .await
        .unwrap();
    let replayed = r.headers().get("idempotent-replayed").is_some();
    (r.status().as_u16(), r.json().await.unwrap(), replayed)
}

async fn snapshots_of(app: &TestApp, name: &str) -> usize {
    let (_, list) = app
        .get(&format!(
            "/snapshots?account_id={}&service=lambda&resource_name={name}",
            DEV.account_id
        ))
        .await;
    list.as_array().unwrap().len()
}

fn snapshot_body(name: &str) -> Value {
    json!({"account_id": DEV.account_id, "region": "us-east-1", "service": "lambda", "resource_name": name})
}

#[tokio::test]
async fn a_retry_with_the_same_idempotency_key_gets_the_first_answer() {
    let app = spawn_app().await;
    app.register(&DEV).await;
    let body = snapshot_body("cc-customer-lookup");

    // Queued: the retry gets the first job, not a second one.
    let (s, first, replayed) = post_keyed(&app, "/snapshot?background=true", "k-1", &body).await;
    assert_eq!((s, replayed), (202, false), "{first}");
    let (s, again, replayed) = post_keyed(&app, "/snapshot?background=true", "k-1", &body).await;
    assert_eq!((s, replayed), (202, true), "{again}");
    assert_eq!(again["job_id"], first["job_id"]);
    let job = common::job_end(&app, first["status_url"].as_str().unwrap()).await;
    assert_eq!(job["state"], "succeeded", "{job}");
    assert_eq!(snapshots_of(&app, "cc-customer-lookup").await, 1);

    // Inline: the retry gets the first result, and no second snapshot is taken.
    let (s, meta, _) = post_keyed(&app, "/snapshot", "k-2", &body).await;
    assert_eq!(s, 201, "{meta}");
    let (s, replay, replayed) = post_keyed(&app, "/snapshot", "k-2", &body).await;
    assert_eq!((s, replayed), (201, true));
    assert_eq!(replay, meta);
    assert_eq!(snapshots_of(&app, "cc-customer-lookup").await, 2);

    // The same key for another request is refused; a refusal is kept and replayed too.
    let other = snapshot_body("cc-order-status");
    let (s, e, _) = post_keyed(&app, "/snapshot", "k-2", &other).await;
    common::assert_error(s, &e, 422, "idempotency_key_reused");
    let missing = snapshot_body("no-such-function");
    let (s1, e1, _) = post_keyed(&app, "/snapshot", "k-3", &missing).await;
    let (s2, e2, replayed) = post_keyed(&app, "/snapshot", "k-3", &missing).await;
    assert_eq!((s1, s2, replayed), (404, 404, true), "{e1} {e2}");
    assert_eq!(e1, e2);
    let (s, e, _) = post_keyed(&app, "/snapshot", "bad key", &body).await;
    common::assert_error(s, &e, 400, "invalid_request");
    // Without a key, every request runs.
    let (s, _) = app.post("/snapshot", &body).await;
    assert_eq!(s, 201);
    assert_eq!(snapshots_of(&app, "cc-customer-lookup").await, 3);
}

#[tokio::test]
async fn a_job_message_delivered_twice_runs_the_job_once() {
    let app = spawn_app().await;
    app.register(&DEV).await;
    let (s, accepted) = app
        .post(
            "/snapshot?background=true",
            &snapshot_body("cc-customer-lookup"),
        )
        .await;
    assert_eq!(s, 202, "{accepted}");
    let id = accepted["job_id"].as_str().unwrap();
    // The queue hands the same message out again, twice (SQS is at-least-once).
    let queue = app.state.jobs.queue();
    queue.send(id).await.unwrap();
    queue.send(id).await.unwrap();
    let job = common::job_end(&app, accepted["status_url"].as_str().unwrap()).await;
    assert_eq!(job["state"], "succeeded", "{job}");
    // Late copies arrive after the job ended; a job queued after them ending means the
    // worker has taken them all (the queue is first in, first out).
    queue.send(id).await.unwrap();
    let (_, sentinel) = app
        .post(
            "/snapshot?background=true",
            &snapshot_body("cc-order-status"),
        )
        .await;
    common::job_end(&app, sentinel["status_url"].as_str().unwrap()).await;
    let (_, job) = app.get(&format!("/jobs/{id}")).await;
    assert_eq!(job["attempts"], 1, "{job}");
    assert_eq!(snapshots_of(&app, "cc-customer-lookup").await, 1);
}

struct Replica {
    base: String,
    state: AppState,
}

async fn replica(engine: Arc<Engine>, queue: Arc<SqsQueue>, worker: bool) -> Replica {
    let state = AppState::new(
        engine,
        ServerConfig {
            jobs: JobsConfig {
                worker,
                ..JobsConfig::default()
            },
            ..ServerConfig::default()
        },
    )
    .with_queue(queue);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(snapdeploy_server::serve(
        listener,
        state.clone(),
        std::future::pending(),
    ));
    Replica { base, state }
}

#[tokio::test]
async fn replicas_on_dynamodb_and_sqs_share_every_job() {
    let moto = snapdeploy_testkit::start_moto().await;
    let aws = snapdeploy_testkit::sdk_config(&moto.endpoint, "testing", "testing", "us-east-1");
    let sandbox = Sandbox::seeded(fast_sandbox(), Seed::Demo);
    let sb = sandbox.clone().spawn("127.0.0.1:0").await.unwrap();
    let sdk = snapdeploy_testkit::sdk_config(
        &format!("http://{sb}"),
        HUB_ACCESS_KEY,
        HUB_SECRET_KEY,
        "us-east-1",
    );
    let (sqs, url) = snapdeploy_testkit::sqs_queue(&aws, "snapdeploy-jobs").await;
    let queue = Arc::new(SqsQueue::new(sqs, &url));
    let data = tempfile::tempdir().unwrap();
    // Each replica its own process's view: its own engine over the shared registry.
    let engine = || async {
        let registry = Arc::new(
            DynamoAccountStore::connect(aws_sdk_dynamodb::Client::new(&aws), "snapdeploy-accounts")
                .await
                .unwrap(),
        );
        Arc::new(
            Engine::new(
                Hub::new(sdk.clone(), HubConfig::default()),
                registry.clone(),
                Arc::new(LocalSnapshotStore::new(data.path().join("snapshots"))),
            )
            .with_locks(registry.clone())
            .with_records(registry.clone())
            .with_jobs(registry),
        )
    };
    // The API replica takes requests only; the worker replica runs what they queue.
    let api = replica(engine().await, queue.clone(), false).await;
    let worker = replica(engine().await, queue, true).await;
    let http = reqwest::Client::new();
    let r = http
        .post(format!("{}/accounts", api.base))
        .json(&json!({"account_id": DEV.account_id, "name": DEV.name, "role_arn": DEV.role_arn, "external_id": DEV.external_id, "regions": ["us-east-1"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);

    let accepted: Value = http
        .post(format!("{}/snapshot?background=true", api.base))
        .json(&snapshot_body("cc-customer-lookup"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = accepted["job_id"].as_str().unwrap();
    let events =
        snapdeploy_testkit::follow_events(&format!("{}/jobs/{id}/events", api.base), None).await;
    let done = events.last().unwrap();
    assert_eq!(done.event, "done");
    assert_eq!(done.data["state"], "succeeded", "{done:?}");
    assert_eq!(
        done.data["worker"].as_str(),
        Some(worker.state.jobs.worker_id()),
        "run by the worker replica"
    );
    assert_ne!(api.state.jobs.worker_id(), worker.state.jobs.worker_id());
    assert!(events.iter().any(|e| e.event == "progress"), "{events:?}");
    let listed: Value = http
        .get(format!("{}/jobs", worker.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed[0]["id"], id);
}

#[tokio::test]
async fn a_change_estimated_beyond_the_workers_time_limit_is_refused_before_it_is_queued() {
    // Workers that stop after 10 s (AWS Lambda stops at 15 minutes): the promotion of the
    // dev contact centre is estimated from its dry-run plan and refused up front.
    let app = common::spawn_app_with(
        fast_sandbox(),
        ServerConfig {
            jobs: JobsConfig {
                time_limit: Some(std::time::Duration::from_secs(10)),
                ..JobsConfig::default()
            },
            ..ServerConfig::default()
        },
        None,
    )
    .await;
    app.register_both().await;
    let (meta, _) = common::connect::connect_snapshot(&app, &DEV, "acme-dev").await;
    let body = common::connect::deploy_body(&meta["key"], false);
    let (s, e) = app.post("/deploy?background=true", &body).await;
    common::assert_error(s, &e, 422, "job_too_long");
    let message = e["error"]["message"].as_str().unwrap();
    assert!(message.contains("snapdeploy worker"), "{message}");
    let calls = e["error"]["details"]["connect_calls"].as_u64().unwrap();
    let estimated = e["error"]["details"]["estimated_seconds"].as_f64().unwrap();
    assert!(calls > 10 && estimated > 10.0, "{e}");
    // Nothing was queued; its dry run still answers, and a snapshot is not estimated.
    let (_, jobs) = app.get("/jobs").await;
    let kinds: Vec<&str> = jobs
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["snapshot"], "only the inline snapshot above");
    let (s, _) = app
        .post("/deploy", &common::connect::deploy_body(&meta["key"], true))
        .await;
    assert_eq!(s, 200);
    let (s, accepted) = app
        .post(
            "/snapshot?background=true",
            &snapshot_body("cc-customer-lookup"),
        )
        .await;
    assert_eq!(s, 202, "{accepted}");
}
