//! A change of a resource runs to its end, alone: a second change of the same resource
//! waits its turn (409), and neither a caller hanging up nor a server shutdown cuts a
//! change off half-way.

mod common;

use common::assert_error;
use serde_json::{json, Value};
use snapdeploy_sandbox::seed::{DEV, PROD};

#[tokio::test]
async fn a_second_change_of_a_resource_being_changed_is_refused_until_the_first_ends() {
    // Updates take 1.5 s to settle, so the first deploy is still running when the second
    // one arrives; its 300 ms lease stays held only because the change keeps renewing it.
    let sb = snapdeploy_sandbox::SandboxConfig {
        lambda_update_delay: std::time::Duration::from_millis(1500),
        ..common::fast_sandbox()
    };
    let hub = snapdeploy_aws::HubConfig {
        change_lease: std::time::Duration::from_millis(300),
        ..snapdeploy_aws::HubConfig::default()
    };
    let app =
        common::spawn_app_with_hub(sb, snapdeploy_server::ServerConfig::default(), None, hub).await;
    app.register_both().await;
    let meta = app.snapshot(&DEV, "cc-customer-lookup").await;
    let body = json!({"source": {"snapshot_key": meta["key"]}, "target": {"account_id": "222222222222", "region": "us-east-1"}});
    let (s, first) = app.post("/deploy?background=true", &body).await;
    assert_eq!(s, 202, "{first}");
    let status_url = first["status_url"].as_str().unwrap().to_owned();
    // The lease is taken before planning starts.
    for _ in 0..200 {
        let view = app.get(&status_url).await.1;
        if view["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["message"] == "planning")
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }

    // Well past the lease's first end.
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    let (s, b) = app.post("/deploy", &body).await;
    assert_error(s, &b, 409, "conflict");
    let message = b["error"]["message"].as_str().unwrap();
    assert!(
        message.starts_with("lambda cc-customer-lookup in account 222222222222 region us-east-1 is being changed by"),
        "{message}"
    );
    let rollback = json!({"account_id": "222222222222", "region": "us-east-1", "service": "lambda", "resource_name": "cc-customer-lookup", "snapshot_key": app.snapshot(&PROD, "cc-customer-lookup").await["key"]});
    let (s, b) = app.post("/rollback", &rollback).await;
    assert_error(s, &b, 409, "conflict");
    // A dry run only reads, and another resource is free.
    let mut dry = body.clone();
    dry["dry_run"] = json!(true);
    let (s, plan) = app.post("/deploy", &dry).await;
    assert_eq!(s, 200, "{plan}");
    let other = app.snapshot(&DEV, "cc-callback-scheduler").await;
    let (s, report) = app
        .post("/deploy", &json!({"source": {"snapshot_key": other["key"]}, "target": {"account_id": "222222222222", "region": "us-east-1"}}))
        .await;
    assert_eq!(s, 200, "{report}");

    // Once the first change ends, the resource can be changed again.
    let mut view = app.get(&status_url).await.1;
    for _ in 0..600 {
        if view["status"] != "running" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        view = app.get(&status_url).await.1;
    }
    assert_eq!(view["status"], "succeeded", "{view}");
    let (s, b) = app.post("/rollback", &rollback).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["status"], "succeeded", "{b}");
}

#[tokio::test]
async fn a_client_that_hangs_up_does_not_stop_a_change_half_way() {
    let sb = snapdeploy_sandbox::SandboxConfig {
        lambda_update_delay: std::time::Duration::from_millis(1000),
        ..common::fast_sandbox()
    };
    let app = common::spawn_app_with(sb, snapdeploy_server::ServerConfig::default(), None).await;
    app.register_both().await;
    let meta = app.snapshot(&DEV, "cc-customer-lookup").await;
    let body = json!({"source": {"snapshot_key": meta["key"]}, "target": {"account_id": "222222222222", "region": "us-east-1"}});
    // The caller gives up after 300 ms, in the middle of the change.
    let impatient = reqwest::Client::builder()
        .timeout(std::time::Duration::from_millis(300))
        .build()
        .unwrap();
    let gave_up = impatient
        .post(format!("{}/deploy", app.base))
        .json(&body)
        .send()
        .await;
    assert!(gave_up.is_err(), "the caller timed out");
    // The change goes on to its end (recorded), and lets go of the resource.
    let mut entry = Value::Null;
    for _ in 0..200 {
        let (_, trail) = app.get("/audit?account_id=222222222222&limit=1").await;
        if trail[0]["action"] == "deploy" {
            entry = trail[0].clone();
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(entry["outcome"], "succeeded", "{entry}");
    let (s, again) = app.post("/deploy", &body).await;
    assert_eq!(s, 200, "{again}");
    assert_eq!(
        again["plan"]["action"], "unchanged",
        "prod already has what the first deploy wrote: {again}"
    );
}

#[tokio::test]
async fn a_shutdown_waits_for_a_running_change_to_end() {
    let sb = snapdeploy_sandbox::SandboxConfig {
        lambda_update_delay: std::time::Duration::from_millis(1000),
        ..common::fast_sandbox()
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let (app, served) = common::spawn_app_until(
        sb,
        snapdeploy_server::ServerConfig::default(),
        None,
        snapdeploy_aws::HubConfig::default(),
        async {
            let _ = stopped.await;
        },
    )
    .await;
    app.register_both().await;
    let meta = app.snapshot(&DEV, "cc-customer-lookup").await;
    let body = json!({"source": {"snapshot_key": meta["key"]}, "target": {"account_id": "222222222222", "region": "us-east-1"}});
    let (s, job) = app.post("/deploy?background=true", &body).await;
    assert_eq!(s, 202, "{job}");
    // Shut down (as a rollout's SIGTERM would) while the deploy is running.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    stop.send(()).unwrap();
    served.await.unwrap().unwrap();
    // The server returned only after the change ended: prod has what the deploy wrote.
    let live = app
        .lambda_as(&PROD)
        .get_function_configuration()
        .function_name("cc-customer-lookup")
        .send()
        .await
        .unwrap();
    assert_eq!(
        live.environment()
            .and_then(|e| e.variables())
            .and_then(|v| v.get("STAGE"))
            .map(String::as_str),
        Some("dev"),
        "the deploy ran to its end"
    );
    assert_eq!(
        live.last_update_status(),
        Some(&aws_sdk_lambda::types::LastUpdateStatus::Successful)
    );
}
