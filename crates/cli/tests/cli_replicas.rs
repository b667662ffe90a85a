//! Several `snapdeploy serve` processes on one registry (one SQLite file), as replicas
//! behind a load balancer: a job started on one is followed to its end through the other,
//! and a replica killed with SIGKILL half-way through a deploy is recovered by the other,
//! which puts the target back exactly as it was.

mod common;

use common::{lookup_snapshot, Cli, Replica};
use serde_json::{json, Value};
use snapdeploy_sandbox::seed::PROD;
use snapdeploy_testkit::follow_events;
use std::time::Duration;

async fn job_end(replica: &Replica, id: &str) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    loop {
        let (s, job) = replica.get(&format!("/jobs/{id}")).await;
        assert_eq!(s, 200, "{job}");
        if job["state"] != "queued" && job["state"] != "running" {
            return job;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the job never ended: {job}\n{}",
            replica.log()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_job_started_on_one_replica_is_followed_to_its_end_through_the_other() {
    let cli = Cli::new().await;
    cli.add_dev_and_prod().await;
    let a = Replica::start(&cli, &[]).await;
    let b = Replica::start(&cli, &[]).await;
    // The snapshot stands in the middle of its reads until the test lets it go on.
    cli.inject(json!({"service": "lambda", "operation": "GetFunction", "hold": true}))
        .await;
    let (s, accepted) = a
        .post("/snapshot?background=true", &lookup_snapshot())
        .await;
    assert_eq!(s, 202, "{accepted}");
    let id = accepted["job_id"].as_str().unwrap().to_owned();
    cli.wait_held(&a.log()).await;
    // B knows the job A runs, and streams it live: it is still running when the stream opens.
    let (s, seen) = b.get(&format!("/jobs/{id}")).await;
    assert_eq!(s, 200, "{seen}");
    assert_eq!(seen["state"], "running");
    let url = format!("{}/jobs/{id}/events", b.url);
    let stream = tokio::spawn(async move { follow_events(&url, None).await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    cli.sandbox.clear_faults();
    let events = stream.await.unwrap();
    let done = events.last().unwrap();
    assert_eq!(done.event, "done");
    assert_eq!(done.data["state"], "succeeded", "{done:?}");
    assert_eq!(done.data["result"]["resource_name"], "cc-customer-lookup");
    let progress: Vec<u64> = events
        .iter()
        .filter(|e| e.event == "progress")
        .map(|e| e.id.expect("every progress event has its number"))
        .collect();
    assert!(!progress.is_empty(), "{events:?}");
    assert_eq!(progress, (1..=progress.len() as u64).collect::<Vec<_>>());

    // Resumed after event 1 (a reconnecting browser's Last-Event-ID), from the other replica.
    let resumed = follow_events(&format!("{}/jobs/{id}/events", a.url), Some(1)).await;
    let ids: Vec<u64> = resumed.iter().filter_map(|e| e.id).collect();
    assert_eq!(ids, progress[1..].to_vec());
    assert_eq!(resumed.last().unwrap().event, "done");

    // Both list it, run by A's worker.
    let (_, listed) = b.get("/jobs?state=succeeded&limit=10").await;
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0]["id"], id.as_str());
    let worker = listed[0]["worker"].as_str().unwrap();
    assert!(
        worker.contains(&format!("/{}/", a.child.id().unwrap())),
        "run by A: {worker}"
    );
    let (s, bad) = a.get("/jobs?state=sleeping").await;
    assert_eq!(s, 400, "{bad}");

    // The CLI reads the same records from the registry.
    let listed = cli.json(&["jobs", "--state", "succeeded"]).await;
    assert_eq!(listed[0]["id"], id.as_str(), "{listed}");
    let shown = cli.json(&["jobs", &id]).await;
    assert_eq!(shown["state"], "succeeded");
    assert_eq!(
        shown["events"].as_array().unwrap().len(),
        progress.len(),
        "{shown}"
    );
    let out = cli.run(&["jobs", "--state", "sleeping"]).await;
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--state must be one of"));
}

#[tokio::test]
async fn a_replica_killed_mid_deploy_is_recovered_by_another_and_the_target_restored() {
    let cli = Cli::new().await;
    cli.add_dev_and_prod().await;
    let a = Replica::start(&cli, &[]).await;
    let b = Replica::start(&cli, &[]).await;
    let (s, meta) = b.post("/snapshot", &lookup_snapshot()).await;
    assert_eq!(s, 201, "{meta}");
    let describe = format!(
        "/extract/lambda/cc-customer-lookup?account_id={}&region=us-east-1",
        PROD.account_id
    );
    let (_, before) = b.get(&describe).await;
    let before = before["config"].clone();
    assert!(before.is_object(), "{before}");

    // The deploy writes the code, then stands at its configuration update: killed there.
    cli.inject(
        json!({"service": "lambda", "operation": "UpdateFunctionConfiguration", "hold": true}),
    )
    .await;
    let (s, accepted) = a
        .post(
            "/deploy?background=true",
            &json!({"source": {"snapshot_key": meta["key"]}, "target": {"account_id": PROD.account_id, "region": "us-east-1"}}),
        )
        .await;
    assert_eq!(s, 202, "{accepted}");
    let id = accepted["job_id"].as_str().unwrap().to_owned();
    cli.wait_held(&a.log()).await;
    let (_, half) = b.get(&describe).await;
    assert_ne!(half["config"], before, "the code was already written");
    let mut a = a;
    a.child.start_kill().unwrap();
    a.child.wait().await.unwrap();
    // The held update is let go after its caller died (AWS would finish it too).
    cli.sandbox.clear_faults();

    let job = job_end(&b, &id).await;
    assert_eq!(job["state"], "interrupted", "{job}\n{}", b.log());
    assert_eq!(job["attempts"], 2);
    let worker = job["worker"].as_str().unwrap();
    assert!(
        worker.contains(&format!("/{}/", b.child.id().unwrap())),
        "taken over by B: {worker}"
    );
    let restored = job["result"]["restored"].as_array().unwrap();
    assert_eq!(restored.len(), 1, "{job}");
    assert!(
        restored[0]["restored"]
            .as_str()
            .unwrap()
            .starts_with("rolled back to safety snapshot"),
        "{job}"
    );
    let (_, after) = b.get(&describe).await;
    assert_eq!(
        snapdeploy_core::digest_of(&after["config"]),
        snapdeploy_core::digest_of(&before),
        "the target is exactly as before the deploy"
    );
    // Nothing stays locked: the next deploy goes through.
    let (s, report) = b
        .post(
            "/deploy",
            &json!({"source": {"snapshot_key": meta["key"]}, "target": {"account_id": PROD.account_id, "region": "us-east-1"}}),
        )
        .await;
    assert_eq!(s, 200, "{report}");
    assert_eq!(report["status"], "succeeded");
}

#[tokio::test]
async fn an_api_replica_and_a_worker_process_share_one_registry_and_the_worker_stops_gracefully() {
    let cli = Cli::new().await;
    cli.add_dev_and_prod().await;
    let api = Replica::start(&cli, &["--no-worker"]).await;
    let mut worker = cli
        .command(&["worker"])
        .env("SNAPDEPLOY_CHANGE_LEASE_SECONDS", "3")
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    cli.inject(json!({"service": "lambda", "operation": "GetFunction", "hold": true}))
        .await;
    let body = lookup_snapshot();
    let (s, first) = api.post("/snapshot?background=true", &body).await;
    assert_eq!(s, 202, "{first}");
    cli.wait_held("the worker process never took the job").await;
    // SIGTERM (a rollout): the running job finishes, nothing new is taken, the process exits.
    let pid = worker.id().unwrap().to_string();
    let term = tokio::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .await
        .unwrap();
    assert!(term.success());
    // Asked for after the signal: left queued for another worker.
    let (_, second) = api.post("/snapshot?background=true", &body).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    cli.sandbox.clear_faults();
    let status = tokio::time::timeout(Duration::from_secs(60), worker.wait())
        .await
        .expect("the worker stops once its job ends")
        .unwrap();
    assert!(status.success(), "{status:?}");
    let done = job_end(&api, first["job_id"].as_str().unwrap()).await;
    assert_eq!(done["state"], "succeeded", "{done}");
    let (_, left) = api
        .get(&format!("/jobs/{}", second["job_id"].as_str().unwrap()))
        .await;
    assert_eq!(left["state"], "queued", "handed back, not taken: {left}");
}

#[tokio::test]
async fn serve_replicas_on_dynamodb_s3_and_sqs_share_every_job() {
    let cli = Cli::new().await;
    let moto = snapdeploy_testkit::start_moto().await;
    let aws = snapdeploy_testkit::sdk_config(&moto.endpoint, "testing", "testing", "us-east-1");
    let (_, queue) = snapdeploy_testkit::sqs_queue(&aws, "snapdeploy-jobs").await;
    // The AWS store on moto; STS, Lambda and Connect still the sandbox.
    let env = [
        ("SNAPDEPLOY_STORE", "aws"),
        ("AWS_ENDPOINT_URL_DYNAMODB", moto.endpoint.as_str()),
        ("AWS_ENDPOINT_URL_S3", moto.endpoint.as_str()),
        ("AWS_ENDPOINT_URL_SQS", moto.endpoint.as_str()),
        ("SNAPDEPLOY_S3_FORCE_PATH_STYLE", "true"),
        ("SNAPDEPLOY_JOB_QUEUE_URL", queue.as_str()),
    ];
    cli.add_dev_and_prod_with(&env).await;
    let api = Replica::start_with(&cli, &["--no-worker"], &env).await;
    let worker = Replica::start_with(&cli, &[], &env).await;
    let (s, accepted) = api
        .post("/snapshot?background=true", &lookup_snapshot())
        .await;
    assert_eq!(s, 202, "{accepted}");
    let id = accepted["job_id"].as_str().unwrap().to_owned();
    let events = follow_events(&format!("{}/jobs/{id}/events", api.url), None).await;
    let done = events.last().unwrap();
    assert_eq!(
        done.data["state"],
        "succeeded",
        "{done:?}\n{}",
        worker.log()
    );
    let ran_by = done.data["worker"].as_str().unwrap();
    assert!(
        ran_by.contains(&format!("/{}/", worker.child.id().unwrap())),
        "run by the worker replica through SQS: {ran_by}"
    );
    let (_, listed) = worker.get("/jobs?state=succeeded").await;
    assert_eq!(listed[0]["id"], id.as_str());
}
