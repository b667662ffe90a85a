//! Lambda changes that fail: a fault at each step of a rollback leaves the function as it
//! was; a restore that fails too says so (`failed_not_restored`) with what is left; a
//! failed create is cleaned up. Judged by reading the function through the AWS SDK.

mod common;

use common::oracle::lambda_state;
use common::{assert_error, spawn_app};
use serde_json::{json, Value};
use snapdeploy_sandbox::seed::{DEV, PROD};

const FN: &str = "cc-customer-lookup";

fn fault(operation: &str, times: u32) -> Value {
    json!({"service": "lambda", "operation": operation, "times": times, "status": 400,
           "error_code": "InvalidParameterValueException",
           "message": format!("injected failure of {operation}")})
}

#[tokio::test]
async fn a_fault_at_any_rollback_step_leaves_the_function_as_it_was() {
    let app = spawn_app().await;
    app.register_both().await;
    common::make_prod_lookup_unlike_dev(&app).await;
    let prod = app.lambda_as(&PROD);
    let snapshot = app.snapshot(&PROD, FN).await;
    let at_snapshot = lambda_state(&prod, FN).await;
    let source = app.snapshot(&DEV, FN).await;
    let (s, report) = app
        .post("/deploy", &json!({"source": {"snapshot_key": source["key"]}, "target": {"account_id": "222222222222", "region": "us-east-1"}, "options": {"alias": "live"}}))
        .await;
    assert_eq!(s, 200, "{report}");
    // And a tag added since, which the rollback takes off.
    prod.tag_resource()
        .resource(format!(
            "arn:aws:lambda:us-east-1:222222222222:function:{FN}"
        ))
        .tags("added-later", "yes")
        .send()
        .await
        .unwrap();
    let deployed = lambda_state(&prod, FN).await;
    assert_ne!(deployed, at_snapshot);

    let rollback = json!({"account_id": "222222222222", "region": "us-east-1", "service": "lambda", "resource_name": FN, "snapshot_key": snapshot["key"]});
    for (operation, step) in [
        ("UpdateFunctionCode", "update_code"),
        ("UpdateFunctionConfiguration", "update_configuration"),
        ("TagResource", "tag"),
        ("UntagResource", "untag"),
        ("PutFunctionConcurrency", "concurrency"),
        ("RemovePermission", "resource_policy"),
        ("AddPermission", "resource_policy"),
        ("UpdateAlias", "restore_aliases"),
    ] {
        app.inject(fault(operation, 1)).await;
        let (s, b) = app.post("/rollback", &rollback).await;
        app.clear_faults().await;
        assert_error(s, &b, 502, "change_failed");
        let report = &b["error"]["details"]["report"];
        assert_eq!(report["status"], "failed_restored", "{operation}: {report}");
        assert_eq!(
            common::failed_steps(report),
            [step],
            "{operation}: {report}"
        );
        let now = lambda_state(&prod, FN).await;
        assert_eq!(
            now, deployed,
            "after a failure in {operation} the function is as it was before the rollback"
        );
    }
    let (s, report) = app.post("/rollback", &rollback).await;
    assert_eq!(s, 200, "{report}");
    assert_eq!(report["status"], "succeeded", "{report}");
    let now = lambda_state(&prod, FN).await;
    let strip_versions = |mut v: Value| {
        // Versions are never deleted by a rollback without remove_created.
        v["versions"] = Value::Null;
        v
    };
    assert_eq!(
        strip_versions(now),
        strip_versions(at_snapshot),
        "the rollback restores what the snapshot records"
    );
}

#[tokio::test]
async fn a_restore_that_fails_too_says_what_is_left_and_a_later_rollback_puts_it_back() {
    let app = spawn_app().await;
    app.register_both().await;
    let prod = app.lambda_as(&PROD);
    let before = lambda_state(&prod, FN).await;
    let source = app.snapshot(&DEV, FN).await;
    // The configuration update fails; the code update before it went through, and putting
    // the code back (the second code update) fails too.
    app.inject(fault("UpdateFunctionConfiguration", 1)).await;
    app.inject(
        json!({"service": "lambda", "operation": "UpdateFunctionCode", "nth": 2, "status": 400,
                      "error_code": "InvalidParameterValueException",
                      "message": "injected failure of the restore's UpdateFunctionCode"}),
    )
    .await;
    let (s, b) = app
        .post("/deploy", &json!({"source": {"snapshot_key": source["key"]}, "target": {"account_id": "222222222222", "region": "us-east-1"}}))
        .await;
    app.clear_faults().await;
    assert_error(s, &b, 502, "change_failed");
    let report = &b["error"]["details"]["report"];
    assert_eq!(report["status"], "failed_not_restored", "{report}");
    let message = b["error"]["message"].as_str().unwrap();
    // What is left, in the report: the steps that went through, the step that failed,
    // why the restore failed, and the safety snapshot to roll back to.
    let steps: Vec<(&str, &str)> = report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["step"].as_str().unwrap(), s["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        steps,
        [
            ("update_code", "ok"),
            ("update_configuration", "failed"),
            ("restore", "failed")
        ],
        "{report}"
    );
    assert!(
        report["restore_error"]
            .as_str()
            .unwrap()
            .contains("injected failure of the restore's UpdateFunctionCode"),
        "{report}"
    );
    let safety = report["safety_snapshot"]["key"].as_str().unwrap();
    assert!(
        message.contains("restoring the resource failed too")
            && message.contains(&format!("roll it back to safety snapshot {safety}")),
        "the message says how to put it back: {message}"
    );
    let (_, trail) = app.get("/audit?account_id=222222222222&limit=1").await;
    assert_eq!(trail[0]["outcome"], "failed_not_restored", "{trail}");
    // Prod is half-changed (dev's code, prod's configuration), as the report says ...
    let half = lambda_state(&prod, FN).await;
    assert_ne!(half, before);
    // ... and rolling back to the safety snapshot once AWS answers again puts it back.
    let (s, back) = app
        .post("/rollback", &json!({"account_id": "222222222222", "region": "us-east-1", "service": "lambda", "resource_name": FN, "snapshot_key": safety}))
        .await;
    assert_eq!(s, 200, "{back}");
    let mut now = lambda_state(&prod, FN).await;
    now["versions"] = Value::Null;
    let mut expected = before.clone();
    expected["versions"] = Value::Null;
    assert_eq!(now, expected);
}

#[tokio::test]
async fn a_failed_create_is_cleaned_up_and_a_failed_clean_up_names_what_is_left() {
    let app = spawn_app().await;
    app.register_both().await;
    let prod = app.lambda_as(&PROD);
    let source = app.snapshot(&DEV, "cc-callback-scheduler").await;
    let deploy = json!({"source": {"snapshot_key": source["key"]}, "target": {"account_id": "222222222222", "region": "us-east-1"}, "options": {"alias": "live"}});
    let exists = || async {
        match prod
            .get_function()
            .function_name("cc-callback-scheduler")
            .send()
            .await
        {
            Ok(_) => true,
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_resource_not_found_exception()) =>
            {
                false
            }
            Err(e) => panic!("{e:?}"),
        }
    };
    assert!(!exists().await, "prod has no such function yet");

    // The function is created, then publishing fails: the clean-up deletes it.
    app.inject(fault("PublishVersion", 1)).await;
    let (s, b) = app.post("/deploy", &deploy).await;
    app.clear_faults().await;
    assert_error(s, &b, 502, "change_failed");
    let report = &b["error"]["details"]["report"];
    assert_eq!(report["status"], "failed_restored", "{report}");
    let restore = report["steps"].as_array().unwrap().last().unwrap();
    assert_eq!(restore["step"], "restore", "{report}");
    assert!(
        restore["message"]
            .as_str()
            .unwrap()
            .contains("removed the resource this deploy had created"),
        "{report}"
    );
    assert!(!exists().await, "the created function is gone again");

    // The clean-up fails too: the report says so, and the function is what is left.
    app.inject(fault("PublishVersion", 1)).await;
    app.inject(fault("DeleteFunction", 1)).await;
    let (s, b) = app.post("/deploy", &deploy).await;
    app.clear_faults().await;
    assert_error(s, &b, 502, "change_failed");
    let report = &b["error"]["details"]["report"];
    assert_eq!(report["status"], "failed_not_restored", "{report}");
    assert!(
        report["restore_error"]
            .as_str()
            .unwrap()
            .contains("injected failure of DeleteFunction"),
        "{report}"
    );
    assert!(
        b["error"]["message"]
            .as_str()
            .unwrap()
            .contains("what this deploy created is still there"),
        "{b}"
    );
    assert!(exists().await, "left behind, as the report says");
    // Deploying again completes it.
    let (s, done) = app.post("/deploy", &deploy).await;
    assert_eq!(s, 200, "{done}");
    assert_eq!(done["status"], "succeeded", "{done}");
}
