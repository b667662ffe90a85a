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
