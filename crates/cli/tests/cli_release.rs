//! A pipeline promotes a contact centre with its dependencies as one release, and rolls
//! the release back as one.

mod common;

use common::Cli;
use snapdeploy_sandbox::seed::PROD;

#[tokio::test]
async fn a_pipeline_promotes_an_instance_with_its_dependencies_and_rolls_the_release_back() {
    let cli = Cli::new().await;
    cli.add_dev_and_prod().await;
    let meta = cli.snapshot_dev(&["connect", "acme-dev"]).await;
    let key = meta["key"].as_str().unwrap();
    let deploy = [
        "deploy",
        "--snapshot-key",
        key,
        "--account-id",
        PROD.account_id,
        "--region",
        "us-east-1",
        "--resource-name",
        "acme-prod",
        "--with-dependencies",
    ];
    let mut dry = deploy.to_vec();
    dry.push("--dry-run");
    let plan = cli
        .json_with(&dry, &[("SNAPDEPLOY_CONNECT_RATE", "500")])
        .await;
    assert_eq!(
        plan["order"].as_array().unwrap().len(),
        5,
        "{}",
        plan["order"]
    );
    assert_eq!(plan["release"]["status"], "planned");

    // The sandbox runs without quotas here: no need to pace Connect calls as for AWS.
    let unpaced = [
        ("SNAPDEPLOY_CONNECT_RATE", "500"),
        ("SNAPDEPLOY_CONNECT_BURST", "500"),
    ];
    let done = cli.json_with(&deploy, &unpaced).await;
    assert_eq!(
        done["release"]["status"], "succeeded",
        "{}",
        done["release"]
    );
    let id = done["release"]["release_id"].as_str().unwrap().to_owned();
    let listed = cli.json(&["releases"]).await;
    assert_eq!(listed[0]["release_id"], id.as_str());
    assert_eq!(listed[0]["created_by"], "ci-pipeline");

    let human = cli.run(&["releases"]).await;
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(
        text.contains(&id) && text.contains("lex OrdersBot"),
        "{text}"
    );

    let back = cli
        .json_with(&["rollback-release", &id, "--remove-created"], &unpaced)
        .await;
    assert_eq!(back["release"]["status"], "rolled_back", "{back}");
    let fns = cli
        .json(&[
            "extract",
            "lambda",
            "--account-id",
            PROD.account_id,
            "--region",
            "us-east-1",
        ])
        .await;
    assert_eq!(
        fns.as_array().unwrap().len(),
        1,
        "only prod's own function is left"
    );
    // Rolled back once: a second time is refused, with a non-zero exit.
    let again = cli.run(&["rollback-release", &id]).await;
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already rolled back"));
}

/// A change that failed and was put back exits 2 (not 0, not 1): for one resource, and for a
/// release whose last member failed.
#[tokio::test]
async fn a_change_that_failed_and_was_restored_exits_2() {
    let cli = Cli::new().await;
    cli.add_dev_and_prod().await;
    let meta = cli.snapshot_dev(&["lambda", "cc-customer-lookup"]).await;
    cli.inject(serde_json::json!({"service": "lambda", "operation": "UpdateFunctionConfiguration", "status": 400, "error_code": "InvalidParameterValueException", "message": "injected"})).await;
    let key = meta["key"].as_str().unwrap();
    let out = cli
        .run(&[
            "deploy",
            "--snapshot-key",
            key,
            "--account-id",
            PROD.account_id,
            "--region",
            "us-east-1",
        ])
        .await;
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_eq!(out.status.code(), Some(2), "{stdout}{stderr}");
    assert!(stdout.contains("status: failed_restored"), "{stdout}");
    assert!(stderr.contains("injected"), "{stderr}");

    let meta = cli.snapshot_dev(&["connect", "acme-dev"]).await;
    cli.inject(serde_json::json!({"service": "connect", "operation": "CreateQueue", "status": 400, "error_code": "InvalidParameterException", "message": "injected"})).await;
    let out = cli
        .run_with(
            &[
                "--json",
                "deploy",
                "--snapshot-key",
                meta["key"].as_str().unwrap(),
                "--account-id",
                PROD.account_id,
                "--region",
                "us-east-1",
                "--resource-name",
                "acme-prod",
                "--with-dependencies",
            ],
            &[
                ("SNAPDEPLOY_CONNECT_RATE", "500"),
                ("SNAPDEPLOY_CONNECT_BURST", "500"),
            ],
        )
        .await;
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let release: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(release["release"]["status"], "failed_restored", "{release}");
}
