//! Exact rollback: after a rollback with `remove_created`, nothing differs from the snapshot.

mod common;

use common::{spawn_unpaced, wait_ready};
use serde_json::json;
use snapdeploy_sandbox::seed::{DEV, PROD};

#[tokio::test]
async fn a_lambda_rollback_with_remove_created_leaves_no_difference_to_the_snapshot() {
    let app = spawn_unpaced().await;
    app.register_both().await;
    let before = app.snapshot(&PROD, "cc-customer-lookup").await;
    let meta = app.snapshot(&DEV, "cc-customer-lookup").await;
    // A deploy that publishes a version and moves `live` to it, and an alias made by hand.
    let (s, report) = app
        .post("/deploy", &json!({"source": {"snapshot_key": meta["key"]}, "target": {"account_id": "222222222222", "region": "us-east-1"}, "options": {"alias": "live"}}))
        .await;
    assert_eq!(s, 200, "{report}");
    let prod = app.lambda_as(&PROD);
    wait_ready(&prod, "cc-customer-lookup").await;
    prod.create_alias()
        .function_name("cc-customer-lookup")
        .name("canary")
        .function_version(report["published_version"].as_str().unwrap())
        .send()
        .await
        .unwrap();

    let rollback = json!({"account_id": "222222222222", "region": "us-east-1", "service": "lambda", "resource_name": "cc-customer-lookup", "snapshot_key": before["key"], "dry_run": true});
    let (s, plan) = app.post("/rollback", &rollback).await;
    assert_eq!(s, 200, "{plan}");
    let listed: Vec<String> = plan["summary"]["not_in_source"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{} {}",
                e["kind"].as_str().unwrap(),
                e["name"].as_str().unwrap()
            )
        })
        .collect();
    let version = report["published_version"].as_str().unwrap();
    assert_eq!(
        listed,
        ["alias canary".to_owned(), format!("version {version}")]
    );

    // Without remove_created they stay (and the diff says so); with it, nothing differs.
    let mut real = rollback.clone();
    real["dry_run"] = json!(false);
    let (s, report) = app.post("/rollback", &real).await;
    assert_eq!(s, 200, "{report}");
    let diff_path = format!("/diff?from={}&to=live", before["key"].as_str().unwrap());
    let (_, diff) = app.get(&diff_path).await;
    assert_ne!(diff["changes"], json!([]), "{diff}");
    real["remove_created"] = json!(true);
    let (s, report) = app.post("/rollback", &real).await;
    assert_eq!(s, 200, "{report}");
    assert_eq!(report["status"], "succeeded", "{report}");
    let (_, diff) = app.get(&diff_path).await;
    assert_eq!(diff["changes"], json!([]), "{diff}");
}

#[tokio::test]
async fn a_lex_rollback_with_remove_created_leaves_no_difference_to_the_snapshot() {
    use aws_sdk_lexmodelsv2::types::BotVersionLocaleDetails;
    let app = spawn_unpaced().await;
    app.register_both().await;
    let before = app.snapshot_of(&DEV, "lex", "OrdersBot").await;
    let doc = app.snapshot_doc(before["key"].as_str().unwrap()).await;
    let bot_id = doc["source"]["id"].as_str().unwrap().to_owned();
    // Someone publishes a version and points a new alias at it, by hand.
    let lex = app.lex_as(&DEV);
    let locales: Vec<String> = doc["config"]["Definition"]["locales"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    let mut create = lex.create_bot_version().bot_id(&bot_id);
    for l in &locales {
        create = create.bot_version_locale_specification(
            l,
            BotVersionLocaleDetails::builder()
                .source_bot_version("DRAFT")
                .build()
                .unwrap(),
        );
    }
    let version = create
        .send()
        .await
        .unwrap()
        .bot_version()
        .unwrap()
        .to_owned();
    common::eventually("the new version is Available", || async {
        let v = lex
            .describe_bot_version()
            .bot_id(&bot_id)
            .bot_version(&version)
            .send()
            .await
            .unwrap();
        v.bot_status().map(|s| s.as_str()) == Some("Available")
    })
    .await;
    lex.create_bot_alias()
        .bot_id(&bot_id)
        .bot_alias_name("canary")
        .bot_version(&version)
        .send()
        .await
        .unwrap();

    let rollback = json!({"account_id": "111111111111", "region": "us-east-1", "service": "lex", "resource_name": "OrdersBot", "snapshot_key": before["key"], "dry_run": true});
    let (s, plan) = app.post("/rollback", &rollback).await;
    assert_eq!(s, 200, "{plan}");
    let listed: Vec<String> = plan["summary"]["not_in_source"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{} {}",
                e["kind"].as_str().unwrap(),
                e["name"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        listed,
        ["alias canary".to_owned(), format!("version {version}")]
    );
    let mut real = rollback.clone();
    real["dry_run"] = json!(false);
    real["remove_created"] = json!(true);
    let (s, report) = app.post("/rollback", &real).await;
    assert_eq!(s, 200, "{report}");
    assert_eq!(report["status"], "succeeded", "{report}");
    let (_, diff) = app
        .get(&format!(
            "/diff?from={}&to=live",
            before["key"].as_str().unwrap()
        ))
        .await;
    assert_eq!(diff["changes"], json!([]), "{diff}");
}
