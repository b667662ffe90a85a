//! Promotion rules as a pipeline sets them with the CLI.

mod common;

use common::Cli;
use snapdeploy_sandbox::seed::{DEV, PROD};

#[tokio::test]
async fn a_pipeline_sets_promotion_rules_and_its_deploys_follow_them() {
    let cli = Cli::new().await;
    cli.add_dev_and_prod().await;
    let (dev, prod) = (DEV.account_id, PROD.account_id);
    // A rule that can never match is refused, naming it; nothing is stored.
    let out = cli
        .run(&[
            "rules",
            "set",
            dev,
            prod,
            "--keep",
            "lambda:/Enviroment/Variables/STAGE",
        ])
        .await;
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("keep_target[0]") && err.contains("can never match"),
        "{err}"
    );
    let out = cli.run(&["rules", "show", dev, prod]).await;
    assert!(!out.status.success(), "no rules yet");

    let set = cli
        .json(&[
            "rules",
            "set",
            dev,
            prod,
            "--substitute-whole",
            "customers-dev=customers-prod",
            "--keep",
            "lambda:/Environment/Variables/STAGE",
        ])
        .await;
    assert_eq!(set["updated_by"], "ci-pipeline");
    assert_eq!(set["substitutions"][0]["match"], "whole");
    let human = cli.run(&["rules", "list"]).await;
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(
        text.contains("substitute \"customers-dev\" -> \"customers-prod\" (whole values)")
            && text.contains("keep the target's lambda:/Environment/Variables/STAGE"),
        "{text}"
    );

    let meta = cli.snapshot_dev(&["lambda", "cc-customer-lookup"]).await;
    let key = meta["key"].as_str().unwrap();
    let deploy = [
        "deploy",
        "--snapshot-key",
        key,
        "--account-id",
        prod,
        "--region",
        "us-east-1",
    ];
    let mut dry = deploy.to_vec();
    dry.push("--dry-run");
    let plan = cli.json(&dry).await;
    assert_eq!(
        plan["desired"]["Environment"]["Variables"],
        serde_json::json!({"TABLE": "customers-prod", "STAGE": "prod"})
    );
    assert_eq!(plan["kept"][0]["source_value"], "dev");

    let out = cli.run(&["rules", "remove", dev, prod]).await;
    assert!(out.status.success());
    let plan = cli.json(&dry).await;
    assert_eq!(
        plan["desired"]["Environment"]["Variables"]["TABLE"],
        "customers-dev"
    );
}
