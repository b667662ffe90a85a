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
                "reason": "still names the source account 111111111111: no rule maps this value; add a promotion rule for it, or accept leaving it out"}])
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

    // Accepted, it is left out: prod does not get it, and the report says so.
    let mut accepted = body.clone();
    accepted["options"] = json!({"accept_unmapped": true});
    let (s, report) = app.post("/deploy", &accepted).await;
    assert_eq!(s, 200, "{report}");
    assert_eq!(
        report["left_out"][0]["path"],
        "/Environment/Variables/REPORTS_BUCKET"
    );
    let vars = prod
        .get_function_configuration()
        .function_name("cc-callback-scheduler")
        .send()
        .await
        .unwrap()
        .environment()
        .unwrap()
        .variables()
        .unwrap()
        .clone();
    assert!(!vars.contains_key("REPORTS_BUCKET"), "{vars:?}");
    assert!(vars.contains_key("CALLBACK_QUEUE"), "the rest is written");

    // A rule that says how is applied before the check, and the value no longer blocks.
    let rule = json!({"substitutions": [{"from": "reports-111111111111", "to": "reports-222222222222", "match": "whole"}]});
    let (s, _) = app
        .put("/promotion-rules/111111111111/222222222222", &rule)
        .await;
    assert_eq!(s, 200);
    let (_, plan) = app.post("/deploy", &dry).await;
    assert_eq!(plan["unmapped"], json!([]), "{plan}");
    assert_eq!(
        plan["substitutions"],
        json!([{"path": "/Environment/Variables/REPORTS_BUCKET", "rule": 0,
                "before": "reports-111111111111", "after": "reports-222222222222"}])
    );
    let (s, report) = app.post("/deploy", &body).await;
    assert_eq!(s, 200, "{report}");
    let vars = prod
        .get_function_configuration()
        .function_name("cc-callback-scheduler")
        .send()
        .await
        .unwrap()
        .environment()
        .unwrap()
        .variables()
        .unwrap()
        .clone();
    assert_eq!(vars["REPORTS_BUCKET"], "reports-222222222222");
}

/// The demo's first complaint: promoting cc-customer-lookup wrote `TABLE=customers-dev` and
/// `STAGE=dev` into prod. With the pair's rules, prod reads its own table and keeps its stage.
#[tokio::test]
async fn promotion_rules_rewrite_and_keep_values_per_account_pair() {
    let app = spawn_app().await;
    app.register_both().await;
    let prod = app.lambda_as(&PROD);
    let path = "/promotion-rules/111111111111/222222222222";
    let (s, none) = app.get(path).await;
    assert_error(s, &none, 404, "not_found");

    // Bad rules are refused, naming the rule; nothing is stored.
    for (rules, field) in [
        (
            json!({"substitutions": [{"from": "", "to": "x"}]}),
            "substitutions[0].from",
        ),
        (
            json!({"keep_target": ["lambda:/Environment/Variables/STAGE", "lambda:/Enviroment/Variables/STAGE"]}),
            "keep_target[1]",
        ),
        (json!({"keep_target": ["s3:/Bucket"]}), "keep_target[0]"),
    ] {
        let (s, e) = app.put(path, &rules).await;
        assert_error(s, &e, 400, "invalid_field");
        assert_eq!(e["error"]["details"]["field"], field, "{e}");
    }
    let (s, e) = app
        .put(path, &json!({"substitutions": [], "keep": []}))
        .await;
    assert_error(s, &e, 400, "invalid_body");
    let (s, e) = app
        .put("/promotion-rules/111111111111/333333333333", &json!({}))
        .await;
    assert_error(s, &e, 404, "not_found");
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("333333333333"),
        "{e}"
    );
    assert_eq!(app.get(path).await.0, 404);

    let rules = json!({
        "substitutions": [{"from": "customers-dev", "to": "customers-prod", "match": "whole"}],
        "keep_target": ["lambda:/Environment/Variables/STAGE"]
    });
    let (s, set) = app.put(path, &rules).await;
    assert_eq!(s, 200, "{set}");
    assert_eq!(set["updated_by"], "snapdeploy-api");
    let (_, got) = app.get(path).await;
    assert_eq!(got["substitutions"][0]["match"], "whole");
    assert_eq!(got["keep_target"], rules["keep_target"]);
    let (_, all) = app.get("/promotion-rules").await;
    assert_eq!(all.as_array().unwrap().len(), 1);

    let meta = app.snapshot(&DEV, "cc-customer-lookup").await;
    let body = json!({"source": {"snapshot_key": meta["key"]}, "target": {"account_id": "222222222222", "region": "us-east-1"}});
    let mut dry = body.clone();
    dry["dry_run"] = json!(true);
    let (s, plan) = app.post("/deploy", &dry).await;
    assert_eq!(s, 200, "{plan}");
    assert_eq!(
        plan["substitutions"],
        json!([{"path": "/Environment/Variables/TABLE", "rule": 0, "before": "customers-dev", "after": "customers-prod"}])
    );
    assert_eq!(
        plan["kept"],
        json!([{"path": "/Environment/Variables/STAGE", "rule": "lambda:/Environment/Variables/STAGE",
                "source_value": "dev", "target_value": "prod"}])
    );
    assert_eq!(
        plan["desired"]["Environment"]["Variables"],
        json!({"TABLE": "customers-prod", "STAGE": "prod"})
    );
    let (s, report) = app.post("/deploy", &body).await;
    assert_eq!(s, 200, "{report}");
    assert_eq!(report["status"], "succeeded", "{report}");
    let vars = prod
        .get_function_configuration()
        .function_name("cc-customer-lookup")
        .send()
        .await
        .unwrap()
        .environment()
        .unwrap()
        .variables()
        .unwrap()
        .clone();
    assert_eq!(vars["TABLE"], "customers-prod");
    assert_eq!(vars["STAGE"], "prod");

    // Who changed the rules is on the target's audit trail.
    let (_, trail) = app.get("/audit?account_id=222222222222").await;
    assert!(
        trail
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "rules-set"
                && e["actor"] == "snapdeploy-api"
                && e["resource_name"] == "promotion rules from account 111111111111"),
        "{trail}"
    );

    // Removed: the plan would carry dev's values again, and says nothing was substituted.
    assert_eq!(app.delete(path).await.0, 204);
    let (s, e) = app.delete(path).await;
    assert_error(s, &e, 404, "not_found");
    let (_, plan) = app.post("/deploy", &dry).await;
    assert_eq!(plan["substitutions"], json!([]));
    assert_eq!(
        plan["desired"]["Environment"]["Variables"]["TABLE"],
        "customers-dev"
    );
}

/// A layer version of the source's own account is remapped to the target's: it must exist
/// there, or it is unmapped (once, with what it would have become) until it is published.
#[tokio::test]
async fn a_layer_version_the_target_lacks_is_unmapped_until_published_there() {
    let app = spawn_app().await;
    app.register_both().await;
    let dev = app.lambda_as(&DEV);
    let prod = app.lambda_as(&PROD);
    let zip = |c: &aws_sdk_lambda::Client| {
        c.publish_layer_version()
            .layer_name("cc-common")
            .content(
                aws_sdk_lambda::types::LayerVersionContentInput::builder()
                    .zip_file(aws_sdk_lambda::primitives::Blob::new(b"PK".to_vec()))
                    .build(),
            )
            .send()
    };
    let v4 = zip(&dev).await.unwrap();
    assert_eq!(v4.version(), 4);
    dev.update_function_configuration()
        .function_name("cc-customer-lookup")
        .layers(v4.layer_version_arn().unwrap())
        .send()
        .await
        .unwrap();
    wait_ready(&dev, "cc-customer-lookup").await;
    let meta = app.snapshot(&DEV, "cc-customer-lookup").await;
    let dry = json!({"source": {"snapshot_key": meta["key"]}, "target": {"account_id": "222222222222", "region": "us-east-1"}, "dry_run": true});
    let (s, plan) = app.post("/deploy", &dry).await;
    assert_eq!(s, 200, "{plan}");
    assert_eq!(
        plan["unmapped"],
        json!([{"path": "/Layers/0", "value": "arn:aws:lambda:us-east-1:111111111111:layer:cc-common:4",
                "would_be": "arn:aws:lambda:us-east-1:222222222222:layer:cc-common:4",
                "reason": "no such layer version in account 222222222222 region us-east-1; publish it there first"}])
    );
    // Published in prod, it maps.
    assert_eq!(zip(&prod).await.unwrap().version(), 4);
    let (_, plan) = app.post("/deploy", &dry).await;
    assert_eq!(plan["unmapped"], json!([]), "{plan}");
}

/// Across regions (us-east-1 → eu-west-2, same account): ARNs and queue URLs move to the
/// target region, a layer must exist there, and any other value naming the source region is
/// flagged until a rule says how; the function written in eu-west-2 names no us-east-1.
#[tokio::test]
async fn a_cross_region_promotion_leaves_nothing_naming_the_source_region() {
    let app = spawn_app().await;
    let (s, b) = app
        .post(
            "/accounts",
            &json!({"account_id": DEV.account_id, "name": DEV.name, "role_arn": DEV.role_arn,
            "external_id": DEV.external_id, "regions": ["us-east-1", "eu-west-2"]}),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    let dev = app.lambda_as(&DEV);
    dev.update_function_configuration()
        .function_name("cc-callback-scheduler")
        .environment(
            Environment::builder()
                .variables(
                    "CALLBACK_QUEUE",
                    "https://sqs.us-east-1.amazonaws.com/111111111111/callbacks",
                )
                .variables("ARCHIVE", "s3://archive-us-east-1/calls")
                .build(),
        )
        .layers("arn:aws:lambda:us-east-1:111111111111:layer:cc-common:3")
        .send()
        .await
        .unwrap();
    wait_ready(&dev, "cc-callback-scheduler").await;
    let meta = app.snapshot(&DEV, "cc-callback-scheduler").await;
    let body = json!({"source": {"snapshot_key": meta["key"]}, "target": {"account_id": "111111111111", "region": "eu-west-2"}});
    let mut dry = body.clone();
    dry["dry_run"] = json!(true);
    let (s, plan) = app.post("/deploy", &dry).await;
    assert_eq!(s, 200, "{plan}");
    let unmapped: Vec<(&str, &str)> = plan["unmapped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| (u["path"].as_str().unwrap(), u["value"].as_str().unwrap()))
        .collect();
    assert_eq!(
        unmapped,
        [
            (
                "/Layers/0",
                "arn:aws:lambda:us-east-1:111111111111:layer:cc-common:3"
            ),
            (
                "/Environment/Variables/ARCHIVE",
                "s3://archive-us-east-1/calls"
            ),
        ],
        "{plan}"
    );
    assert!(plan["unmapped"][1]["reason"]
        .as_str()
        .unwrap()
        .starts_with("still names the source region us-east-1"));
    let (s, refused) = app.post("/deploy", &body).await;
    assert_error(s, &refused, 422, "invalid_operation");

    // The layer published in eu-west-2 and a rule for the archive: nothing is left.
    let eu = aws_sdk_lambda::Client::new(&snapdeploy_testkit::sdk_config(
        &app.sandbox_url,
        DEV.access_key,
        DEV.secret_key,
        "eu-west-2",
    ));
    for _ in 0..3 {
        eu.publish_layer_version()
            .layer_name("cc-common")
            .content(
                aws_sdk_lambda::types::LayerVersionContentInput::builder()
                    .zip_file(aws_sdk_lambda::primitives::Blob::new(b"PK".to_vec()))
                    .build(),
            )
            .send()
            .await
            .unwrap();
    }
    let rule = json!({"substitutions": [{"from": "archive-us-east-1", "to": "archive-eu-west-2"}]});
    let (s, _) = app
        .put("/promotion-rules/111111111111/111111111111", &rule)
        .await;
    assert_eq!(s, 200);
    let (_, plan) = app.post("/deploy", &dry).await;
    assert_eq!(plan["unmapped"], json!([]), "{plan}");
    let (s, report) = app.post("/deploy", &body).await;
    assert_eq!(s, 200, "{report}");
    let written = eu
        .get_function_configuration()
        .function_name("cc-callback-scheduler")
        .send()
        .await
        .unwrap();
    let vars = written.environment().unwrap().variables().unwrap();
    assert_eq!(
        vars["CALLBACK_QUEUE"],
        "https://sqs.eu-west-2.amazonaws.com/111111111111/callbacks"
    );
    assert_eq!(vars["ARCHIVE"], "s3://archive-eu-west-2/calls");
    assert!(!format!("{written:?}").contains("us-east-1"), "{written:?}");
}

/// The execution role and the dead-letter queue or topic a function names in its own
/// account must exist in the target under the same name, or the plan says which does not.
#[tokio::test]
async fn a_role_or_dead_letter_target_the_target_lacks_is_unmapped_until_created_there() {
    let app = spawn_app().await;
    app.register_both().await;
    let dev = app.lambda_as(&DEV);
    dev.update_function_configuration()
        .function_name("cc-callback-scheduler")
        .role("arn:aws:iam::111111111111:role/callbacks-role")
        .dead_letter_config(
            aws_sdk_lambda::types::DeadLetterConfig::builder()
                .target_arn("arn:aws:sqs:us-east-1:111111111111:callbacks-dlq")
                .build(),
        )
        .send()
        .await
        .unwrap();
    wait_ready(&dev, "cc-callback-scheduler").await;
    let meta = app.snapshot(&DEV, "cc-callback-scheduler").await;
    let dry = json!({"source": {"snapshot_key": meta["key"]}, "target": {"account_id": "222222222222", "region": "us-east-1"}, "dry_run": true});
    let (s, plan) = app.post("/deploy", &dry).await;
    assert_eq!(s, 200, "{plan}");
    let found: Vec<(&str, &str)> = plan["unmapped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| (u["path"].as_str().unwrap(), u["would_be"].as_str().unwrap()))
        .collect();
    assert_eq!(
        found,
        [
            ("/Role", "arn:aws:iam::222222222222:role/callbacks-role"),
            (
                "/DeadLetterConfig/TargetArn",
                "arn:aws:sqs:us-east-1:222222222222:callbacks-dlq"
            ),
        ],
        "{plan}"
    );

    // Created in prod (through the SDK, as an operator would), they map.
    let conf = snapdeploy_testkit::sdk_config(
        &app.sandbox_url,
        PROD.access_key,
        PROD.secret_key,
        "us-east-1",
    );
    aws_sdk_iam::Client::new(&conf)
        .create_role()
        .role_name("callbacks-role")
        .assume_role_policy_document("{}")
        .send()
        .await
        .unwrap();
    aws_sdk_sqs::Client::new(&conf)
        .create_queue()
        .queue_name("callbacks-dlq")
        .send()
        .await
        .unwrap();
    let (_, plan) = app.post("/deploy", &dry).await;
    assert_eq!(plan["unmapped"], json!([]), "{plan}");

    // A topic as the dead-letter target: checked the same way.
    dev.update_function_configuration()
        .function_name("cc-callback-scheduler")
        .dead_letter_config(
            aws_sdk_lambda::types::DeadLetterConfig::builder()
                .target_arn("arn:aws:sns:us-east-1:111111111111:callbacks-failed")
                .build(),
        )
        .send()
        .await
        .unwrap();
    wait_ready(&dev, "cc-callback-scheduler").await;
    let meta = app.snapshot(&DEV, "cc-callback-scheduler").await;
    let mut dry = dry.clone();
    dry["source"]["snapshot_key"] = meta["key"].clone();
    let (_, plan) = app.post("/deploy", &dry).await;
    assert_eq!(
        plan["unmapped"][0]["path"], "/DeadLetterConfig/TargetArn",
        "{plan}"
    );
    aws_sdk_sns::Client::new(&conf)
        .create_topic()
        .name("callbacks-failed")
        .send()
        .await
        .unwrap();
    let (_, plan) = app.post("/deploy", &dry).await;
    assert_eq!(plan["unmapped"], json!([]), "{plan}");

    // Asynchronous-invocation destinations are captured, remapped and checked the same way.
    dev.put_function_event_invoke_config()
        .function_name("cc-callback-scheduler")
        .maximum_retry_attempts(1)
        .destination_config(
            aws_sdk_lambda::types::DestinationConfig::builder()
                .on_success(
                    aws_sdk_lambda::types::OnSuccess::builder()
                        .destination(
                            "arn:aws:lambda:us-east-1:111111111111:function:cc-customer-lookup",
                        )
                        .build(),
                )
                .on_failure(
                    aws_sdk_lambda::types::OnFailure::builder()
                        .destination("arn:aws:sqs:us-east-1:111111111111:async-failures")
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    let meta = app.snapshot(&DEV, "cc-callback-scheduler").await;
    dry["source"]["snapshot_key"] = meta["key"].clone();
    let (_, plan) = app.post("/deploy", &dry).await;
    assert_eq!(
        plan["unmapped"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["path"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["/EventInvokeConfig/DestinationConfig/OnFailure/Destination"],
        "{plan}"
    );
    aws_sdk_sqs::Client::new(&conf)
        .create_queue()
        .queue_name("async-failures")
        .send()
        .await
        .unwrap();
    let mut real = dry.clone();
    real["dry_run"] = json!(false);
    let (s, report) = app.post("/deploy", &real).await;
    assert_eq!(s, 200, "{report}");
    assert_eq!(report["plan"]["unmapped"], json!([]), "{report}");
    let written = app
        .lambda_as(&PROD)
        .get_function_event_invoke_config()
        .function_name("cc-callback-scheduler")
        .send()
        .await
        .unwrap();
    let dc = written.destination_config().unwrap();
    assert_eq!(
        dc.on_success().unwrap().destination(),
        Some("arn:aws:lambda:us-east-1:222222222222:function:cc-customer-lookup")
    );
    assert_eq!(
        dc.on_failure().unwrap().destination(),
        Some("arn:aws:sqs:us-east-1:222222222222:async-failures")
    );
    assert_eq!(written.maximum_retry_attempts(), Some(1));
}

/// Subnet and security group ids belong to one account and never name it: across accounts
/// each is unmapped until a rule names the target's (or keeps the target's VPC config).
#[tokio::test]
async fn vpc_ids_cross_accounts_only_by_a_rule() {
    let app = spawn_app().await;
    app.register_both().await;
    let dev = app.lambda_as(&DEV);
    dev.update_function_configuration()
        .function_name("cc-callback-scheduler")
        .vpc_config(
            aws_sdk_lambda::types::VpcConfig::builder()
                .subnet_ids("subnet-0dev1")
                .security_group_ids("sg-0dev1")
                .build(),
        )
        .send()
        .await
        .unwrap();
    wait_ready(&dev, "cc-callback-scheduler").await;
    let meta = app.snapshot(&DEV, "cc-callback-scheduler").await;
    let dry = json!({"source": {"snapshot_key": meta["key"]}, "target": {"account_id": "222222222222", "region": "us-east-1"}, "dry_run": true});
    let (s, plan) = app.post("/deploy", &dry).await;
    assert_eq!(s, 200, "{plan}");
    let paths: Vec<&str> = plan["unmapped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        ["/VpcConfig/SubnetIds/0", "/VpcConfig/SecurityGroupIds/0"],
        "{plan}"
    );
    let rule = json!({"substitutions": [{"from": "subnet-0dev1", "to": "subnet-0prod1", "match": "whole"},
                                        {"from": "sg-0dev1", "to": "sg-0prod1", "match": "whole"}]});
    let (s, _) = app
        .put("/promotion-rules/111111111111/222222222222", &rule)
        .await;
    assert_eq!(s, 200);
    let (_, plan) = app.post("/deploy", &dry).await;
    assert_eq!(plan["unmapped"], json!([]), "{plan}");
    assert_eq!(
        plan["desired"]["VpcConfig"],
        json!({"SubnetIds": ["subnet-0prod1"], "SecurityGroupIds": ["sg-0prod1"]})
    );
}
