//! A change of a resource runs to its end, alone: a second change of the same resource
//! waits its turn (409), and neither a caller hanging up nor a server shutdown cuts a
//! change off half-way.

mod common;

use common::assert_error;
use serde_json::json;
use snapdeploy_core::Clock;
use snapdeploy_sandbox::seed::{DEV, PROD};
use snapdeploy_store::{LockStore, SqliteAccountStore};

#[tokio::test]
async fn a_second_change_of_a_resource_being_changed_is_refused_until_the_first_ends() {
    // The first deploy stands in the middle of its change (the sandbox holds its update
    // unanswered) for as long as the test needs. Its 300 ms lease is judged by a manual
    // clock, moved past the lease's first end: only the change's renewals keep it held.
    let clock = Clock::manual();
    let hub = snapdeploy_aws::HubConfig {
        change_lease: std::time::Duration::from_millis(300),
        clock: clock.clone(),
        ..snapdeploy_aws::HubConfig::default()
    };
    let app = common::spawn_app_with_hub(
        common::fast_sandbox(),
        snapdeploy_server::ServerConfig::default(),
        None,
        hub,
    )
    .await;
    app.register_both().await;
    let meta = app.snapshot(&DEV, "cc-customer-lookup").await;
    app.inject(
        json!({"service": "lambda", "operation": "UpdateFunctionConfiguration", "hold": true}),
    )
    .await;
    let body = json!({"source": {"snapshot_key": meta["key"]}, "target": {"account_id": "222222222222", "region": "us-east-1"}});
    let (s, first) = app.post("/deploy?background=true", &body).await;
    assert_eq!(s, 202, "{first}");
    let status_url = first["status_url"].as_str().unwrap().to_owned();
    common::eventually("the first deploy's update is held", || async {
        app.sandbox.held_calls() >= 1
    })
    .await;

    let locks = SqliteAccountStore::open(&app.data.path().join("registry.db")).unwrap();
    let key = "lambda cc-customer-lookup in account 222222222222 region us-east-1";
    let taken = locks
        .holder(key)
        .await
        .unwrap()
        .expect("the first change holds the lease");
    clock.advance(std::time::Duration::from_secs(1));
    assert!(taken.expires_at < clock.now(), "past the lease's first end");
    common::eventually("the running change renews its lease", || async {
        locks
            .holder(key)
            .await
            .unwrap()
            .is_some_and(|l| l.token == taken.token && l.expires_at > clock.now())
    })
    .await;

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
    app.clear_faults().await;
    let view = common::job_end(&app, &status_url).await;
    assert_eq!(view["status"], "succeeded", "{view}");
    assert_eq!(
        locks.holder(key).await.unwrap(),
        None,
        "released at its end"
    );
    let (s, b) = app.post("/rollback", &rollback).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["status"], "succeeded", "{b}");
}

#[tokio::test]
async fn a_client_that_hangs_up_does_not_stop_a_change_half_way() {
    let app = common::spawn_app().await;
    app.register_both().await;
    let meta = app.snapshot(&DEV, "cc-customer-lookup").await;
    let body = json!({"source": {"snapshot_key": meta["key"]}, "target": {"account_id": "222222222222", "region": "us-east-1"}});
    // The caller hangs up while the change stands in the middle (its update held).
    app.inject(
        json!({"service": "lambda", "operation": "UpdateFunctionConfiguration", "hold": true}),
    )
    .await;
    let caller = {
        let (http, url, body) = (
            app.http.clone(),
            format!("{}/deploy", app.base),
            body.clone(),
        );
        tokio::spawn(async move { http.post(url).json(&body).send().await })
    };
    common::eventually("the deploy's update is held", || async {
        app.sandbox.held_calls() >= 1
    })
    .await;
    caller.abort();
    assert!(
        caller.await.unwrap_err().is_cancelled(),
        "the caller hung up"
    );
    app.clear_faults().await;
    // The change goes on to its end (recorded), and lets go of the resource.
    common::eventually("the deploy is on the audit trail", || async {
        let (_, trail) = app.get("/audit?account_id=222222222222&limit=1").await;
        trail[0]["action"] == "deploy"
    })
    .await;
    let (_, trail) = app.get("/audit?account_id=222222222222&limit=1").await;
    assert_eq!(trail[0]["outcome"], "succeeded", "{trail}");
    let (s, again) = app.post("/deploy", &body).await;
    assert_eq!(s, 200, "{again}");
    assert_eq!(
        again["plan"]["action"], "unchanged",
        "prod already has what the first deploy wrote: {again}"
    );
}

#[tokio::test]
async fn a_shutdown_waits_for_a_running_change_to_end() {
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let (app, mut served) = common::spawn_app_until(
        common::fast_sandbox(),
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
    app.inject(
        json!({"service": "lambda", "operation": "UpdateFunctionConfiguration", "hold": true}),
    )
    .await;
    let (s, job) = app.post("/deploy?background=true", &body).await;
    assert_eq!(s, 202, "{job}");
    common::eventually("the deploy's update is held", || async {
        app.sandbox.held_calls() >= 1
    })
    .await;
    // Shut down (as a rollout's SIGTERM would) while the deploy stands in the middle: the
    // server has not returned while the change is held.
    stop.send(()).unwrap();
    let early = tokio::time::timeout(std::time::Duration::from_millis(200), &mut served).await;
    assert!(early.is_err(), "the server stopped with a change running");
    app.sandbox.clear_faults();
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
