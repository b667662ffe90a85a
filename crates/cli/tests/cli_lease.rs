//! A change whose process dies keeps its resource locked only until its lease lapses; then
//! the next change takes the resource over. The process is killed (SIGKILL: no clean-up
//! runs) while the sandbox holds its update unanswered, so it dies mid-change every time.

mod common;

use common::Cli;
use snapdeploy_sandbox::seed::PROD;
use snapdeploy_store::{LockStore, SqliteAccountStore};
use std::time::Duration;

const KEY: &str = "lambda cc-customer-lookup in account 222222222222 region us-east-1";

#[tokio::test]
async fn a_dead_processs_lease_lapses_and_the_next_change_takes_the_resource_over() {
    let cli = Cli::new().await;
    cli.add_dev_and_prod().await;
    let meta = cli.snapshot_dev(&["lambda", "cc-customer-lookup"]).await;
    let key = meta["key"].as_str().unwrap().to_owned();
    let deploy = [
        "deploy",
        "--snapshot-key",
        &key,
        "--account-id",
        PROD.account_id,
        "--region",
        "us-east-1",
    ];
    let lease = [("SNAPDEPLOY_CHANGE_LEASE_SECONDS", "3")];
    cli.inject(serde_json::json!({"service": "lambda", "operation": "UpdateFunctionConfiguration", "hold": true}))
        .await;
    let mut first = cli.command(&deploy).envs(lease).spawn().unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while cli.sandbox.held_calls() == 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the deploy never reached its update"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    first.kill().await.unwrap();

    // The dead process's lease is still there, naming it, until its end.
    let registry = SqliteAccountStore::open(&cli.data.path().join("store/registry.db")).unwrap();
    let left = registry
        .holder(KEY)
        .await
        .unwrap()
        .expect("the dead change's lease");
    assert_eq!(left.holder, "ci-pipeline");
    let just_before = left.expires_at - chrono::Duration::milliseconds(1);
    let busy = registry
        .acquire(KEY, "probe", Duration::from_secs(3), just_before)
        .await
        .unwrap_err();
    assert!(
        busy.to_string().contains("being changed by ci-pipeline"),
        "{busy}"
    );

    // The next deploy is refused while the lease holds and goes through once it lapsed.
    let mut refusals = 0;
    loop {
        let out = cli.run_with(&deploy, &lease).await;
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        if out.status.success() {
            break;
        }
        assert!(
            stderr.contains("is being changed by ci-pipeline"),
            "refused only because of the lease: {stderr}"
        );
        assert!(
            chrono::Utc::now() < left.expires_at + chrono::Duration::seconds(30),
            "still refused long after the lease's end: {stderr}"
        );
        refusals += 1;
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        chrono::Utc::now() >= left.expires_at,
        "taken over only after the lease's end"
    );
    let after = registry.holder(KEY).await.unwrap();
    assert_eq!(
        after, None,
        "the change that took over released the resource"
    );
    cli.sandbox.clear_faults();
    eprintln!("refused {refusals} time(s) before the lease lapsed");
}
