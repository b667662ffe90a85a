//! Promotion you can trust: nothing environment-specific reaches the target unseen.

mod common;

use aws_sdk_lambda::types::Environment;
use common::{assert_error, spawn_app, wait_ready};
use serde_json::json;
use snapdeploy_sandbox::seed::{DEV, PROD};

#[tokio::test]
async fn nothing_environment_specific_crosses_silently() {
    let app = spawn_app().await;
    app.register_both().await;
    let dev = app.lambda_as(&DEV);
    let prod = app.lambda_as(&PROD);
    // The dev queue URL is mapped like an ARN: prod's function gets prod's queue.
    let meta = app.snapshot(&DEV, "cc-callback-scheduler").await;
    let body = json!({"source": {"snapshot_key": meta["key"]}, "target": {"account_id": "222222222222", "region": "us-east-1"}});
    let mut dry = body.clone();
    dry["dry_run"] = json!(true);
    let (s, plan) = app.post("/deploy", &dry).await;
    assert_eq!(s, 200, "{plan}");
    assert_eq!(plan["unmapped"], json!([]), "{plan}");
    assert!(
        plan["remapped"].as_array().unwrap().contains(&json!({
            "path": "/Environment/Variables/CALLBACK_QUEUE",
            "from": "https://sqs.us-east-1.amazonaws.com/111111111111/callbacks",
            "to": "https://sqs.us-east-1.amazonaws.com/222222222222/callbacks"})),
        "{plan}"
    );
    let (s, report) = app.post("/deploy", &body).await;
    assert_eq!(s, 200, "{report}");
    // Read back through the SDK, not the product: no value of prod's function names dev.
    let config = prod
        .get_function_configuration()
        .function_name("cc-callback-scheduler")
        .send()
        .await
        .unwrap();
    assert_eq!(
        config.environment().unwrap().variables().unwrap()["CALLBACK_QUEUE"],
        "https://sqs.us-east-1.amazonaws.com/222222222222/callbacks"
    );
    assert!(
        !format!("{config:?}").contains("111111111111"),
        "{config:?}"
    );

    // A value no rule maps is listed with its path and whole value, and refused until accepted.
    dev.update_function_configuration()
        .function_name("cc-callback-scheduler")
        .environment(
            Environment::builder()
                .variables(
                    "CALLBACK_QUEUE",
                    "https://sqs.us-east-1.amazonaws.com/111111111111/callbacks",
                )
                .variables("REPORTS_BUCKET", "reports-111111111111")
                .build(),
        )
        .send()
        .await
        .unwrap();
    wait_ready(&dev, "cc-callback-scheduler").await;
    let meta = app.snapshot(&DEV, "cc-callback-scheduler").await;
    let body = json!({"source": {"snapshot_key": meta["key"]}, "target": {"account_id": "222222222222", "region": "us-east-1"}});
    let mut dry = body.clone();
    dry["dry_run"] = json!(true);
    let (_, plan) = app.post("/deploy", &dry).await;
    assert_eq!(
        plan["unmapped"],
        json!([{"path": "/Environment/Variables/REPORTS_BUCKET", "value": "reports-111111111111",
                "reason": "still names the source account 111111111111: no rule maps this value; change it, or accept it as it is"}])
    );
    let (s, refused) = app.post("/deploy", &body).await;
    assert_error(s, &refused, 422, "invalid_operation");
    let untouched = prod
        .get_function_configuration()
        .function_name("cc-callback-scheduler")
        .send()
        .await
        .unwrap();
    assert!(untouched
        .environment()
        .unwrap()
        .variables()
        .unwrap()
        .get("REPORTS_BUCKET")
        .is_none());
}
