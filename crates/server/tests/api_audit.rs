//! The audit trail over HTTP: who changed what, newest first, with how each change ended.

mod common;

use common::{assert_error, spawn_unpaced};
use serde_json::{json, Value};
use snapdeploy_sandbox::seed::DEV;

fn deploy_body(key: &Value, dry_run: bool) -> Value {
    json!({"source": {"snapshot_key": key}, "target": {"account_id": "222222222222", "region": "us-east-1"}, "dry_run": dry_run})
}

#[tokio::test]
async fn every_change_is_recorded_with_who_what_and_how_it_ended() {
    let app = spawn_unpaced().await;
    app.register_both().await;
    let (s, b) = app
        .post("/accounts", &json!({"account_id": "333333333333", "name": "scratch", "role_arn": "arn:aws:iam::333333333333:role/SnapDeployAccess", "regions": ["us-east-1"]}))
        .await;
    assert_eq!(s, 201, "{b}");
    let (s, _) = app.delete("/accounts/333333333333").await;
    assert_eq!(s, 204);

    let meta = app.snapshot(&DEV, "cc-customer-lookup").await;
    let key = &meta["key"];
    // A dry run only reads: not recorded.
    let (s, _) = app.post("/deploy", &deploy_body(key, true)).await;
    assert_eq!(s, 200);
    let (s, ok) = app.post("/deploy", &deploy_body(key, false)).await;
    assert_eq!(s, 200, "{ok}");
    // A failed change, put back.
    let changed = app.snapshot(&DEV, "cc-customer-lookup").await;
    app.lambda_as(&DEV)
        .update_function_configuration()
        .function_name("cc-customer-lookup")
        .timeout(20)
        .send()
        .await
        .unwrap();
    let changed_again = app.snapshot(&DEV, "cc-customer-lookup").await;
    assert_ne!(changed_again["digest"], changed["digest"]);
    app.inject(json!({"service": "lambda", "operation": "UpdateFunctionConfiguration", "status": 400, "error_code": "InvalidParameterValueException", "message": "injected"}))
        .await;
    let (s, failed) = app
        .post("/deploy", &deploy_body(&changed_again["key"], false))
        .await;
    app.clear_faults().await;
    assert_error(s, &failed, 502, "change_failed");
    // A refused one: the snapshot names another resource than the rollback asks for.
    let (s, refused) = app
        .post("/rollback", &json!({"account_id": "222222222222", "region": "us-east-1", "service": "lambda", "resource_name": "cc-customer-lookup", "snapshot_key": "222222222222/lambda/cc-customer-lookup/lambda_cc-customer-lookup_snapshot_20260101T000000.000Z.json"}))
        .await;
    assert_error(s, &refused, 404, "not_found");
    let prod_before = ok["safety_snapshot"]["key"].clone();
    let (s, rolled) = app
        .post("/rollback", &json!({"account_id": "222222222222", "region": "us-east-1", "service": "lambda", "resource_name": "cc-customer-lookup", "snapshot_key": prod_before}))
        .await;
    assert_eq!(s, 200, "{rolled}");

    let (s, all) = app.get("/audit").await;
    assert_eq!(s, 200, "{all}");
    let row = |e: &Value| {
        format!(
            "{} {} {} {}",
            e["action"].as_str().unwrap(),
            e["account_id"].as_str().unwrap(),
            e["resource_name"].as_str().unwrap_or("-"),
            e["outcome"].as_str().unwrap()
        )
    };
    let rows: Vec<String> = all.as_array().unwrap().iter().map(row).collect();
    assert_eq!(
        rows,
        [
            "rollback 222222222222 cc-customer-lookup succeeded",
            "rollback 222222222222 cc-customer-lookup refused",
            "deploy 222222222222 cc-customer-lookup failed_restored",
            "snapshot 111111111111 cc-customer-lookup succeeded",
            "snapshot 111111111111 cc-customer-lookup succeeded",
            "deploy 222222222222 cc-customer-lookup succeeded",
            "snapshot 111111111111 cc-customer-lookup succeeded",
            "account-removed 333333333333 - succeeded",
            "account-added 333333333333 - succeeded",
            "account-added 222222222222 - succeeded",
            "account-added 111111111111 - succeeded",
        ],
        "newest first, dry runs left out"
    );
    let entries = all.as_array().unwrap();
    assert!(entries.iter().all(|e| e["actor"] == "snapdeploy-api"));
    let deploy = &entries[5];
    assert_eq!(deploy["snapshot_key"], *key);
    assert_eq!(deploy["safety_snapshot"], prod_before);
    assert_eq!(
        (&deploy["service"], &deploy["region"]),
        (&json!("lambda"), &json!("us-east-1"))
    );
    let failed = &entries[2];
    assert!(
        failed["error"]
            .as_str()
            .unwrap()
            .ends_with("InvalidParameterValueException: injected"),
        "{failed}"
    );
    assert!(failed["safety_snapshot"].is_string());
    assert!(
        entries[1]["error"].as_str().unwrap().contains("not found"),
        "{}",
        entries[1]
    );
    assert_eq!(entries[6]["snapshot_key"], *key);

    // One account's, and fewer.
    let (s, prod) = app.get("/audit?account_id=222222222222&limit=2").await;
    assert_eq!(s, 200, "{prod}");
    let rows: Vec<String> = prod.as_array().unwrap().iter().map(row).collect();
    assert_eq!(
        rows,
        [
            "rollback 222222222222 cc-customer-lookup succeeded",
            "rollback 222222222222 cc-customer-lookup refused"
        ]
    );
    for bad in [
        "/audit?limit=0",
        "/audit?limit=1001",
        "/audit?limit=ten",
        "/audit?account_id=12",
    ] {
        let (s, b) = app.get(bad).await;
        assert_eq!(s, 400, "{bad}: {b}");
    }
    let (s, b) = app.get("/audit?since=yesterday").await;
    assert_eq!(s, 400, "unknown parameters are refused: {b}");
}
