//! Lambda end to end against the sandbox: extract, snapshot, roll back, promote, refuse a
//! wrong ExternalId, and survive a fault at every step of a deploy.

mod common;

use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::Environment;
use common::{assert_error, spawn_app, wait_ready, TestApp};
use serde_json::{json, Value};
use snapdeploy_sandbox::make_zip;
use snapdeploy_sandbox::seed::{DEV, PROD};

/// A fresh snapshot's config, minus what legitimately differs between two captures.
async fn live_config(app: &TestApp, acct: &snapdeploy_sandbox::SeedAccount, name: &str) -> Value {
    let meta = app.snapshot(acct, name).await;
    app.snapshot_doc(meta["key"].as_str().unwrap()).await["config"].clone()
}

#[tokio::test]
async fn extract_lists_every_function_with_versions_and_aliases() {
    let app = spawn_app().await;
    app.register(&DEV).await;
    let (s, body) = app
        .get("/extract/lambda?account_id=111111111111&region=us-east-1")
        .await;
    assert_eq!(s, 200, "{body}");
    let fns = body["resources"].as_array().unwrap();
    let names: Vec<&str> = fns
        .iter()
        .map(|f| f["FunctionName"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "cc-callback-scheduler",
            "cc-customer-lookup",
            "cc-holiday-check",
            "cc-survey-recorder",
            "lex-orders-fulfillment"
        ]
    );
    let lookup = &fns[1];
    assert_eq!(lookup["Runtime"], "python3.12");
    assert_eq!(lookup["MemorySize"], 256);
    assert_eq!(lookup["Versions"], json!(["1", "2"]));
    assert_eq!(
        lookup["Aliases"],
        json!([{"Name": "live", "FunctionVersion": "2"}])
    );
    assert!(lookup["CodeSize"].as_i64().unwrap() > 0);
    assert!(lookup["LastModified"].is_string());
    assert_eq!(fns[2]["PackageType"], "Image");
}

#[tokio::test]
async fn snapshot_captures_everything_and_rollback_restores_it_exactly() {
    let app = spawn_app().await;
    app.register(&DEV).await;
    let meta = app.snapshot(&DEV, "cc-customer-lookup").await;
    let key = meta["key"].as_str().unwrap().to_owned();
    assert!(key
        .starts_with("111111111111/lambda/cc-customer-lookup/lambda_cc-customer-lookup_snapshot_"));
    let doc = app.snapshot_doc(&key).await;
    let c = &doc["config"];
    assert_eq!(c["Environment"]["Variables"]["TABLE"], "customers-dev");
    assert_eq!(
        c["Layers"],
        json!(["arn:aws:lambda:us-east-1:111111111111:layer:cc-common:3"])
    );
    assert_eq!(
        c["DeadLetterConfig"]["TargetArn"],
        "arn:aws:sqs:us-east-1:111111111111:cc-lambda-dlq"
    );
    assert_eq!(c["TracingConfig"]["Mode"], "Active");
    assert_eq!(c["ReservedConcurrentExecutions"], 10);
    assert_eq!(c["Tags"]["team"], "contact-centre");
    assert_eq!(c["Aliases"][0]["Name"], "live");
    assert_eq!(c["Policy"][0]["Principal"], "connect.amazonaws.com");
    assert_eq!(doc["blobs"][0]["role"], "code");
    // The code zip is stored once as a blob whose digest matches the function's CodeSha256.
    let blob_sha = doc["blobs"][0]["sha256"].as_str().unwrap();
    let blob = std::fs::read(app.data.path().join(format!(
        "snapshots/cloudops-snapshots-111111111111/111111111111/blobs/sha256/{blob_sha}"
    )))
    .unwrap();
    use base64::Engine;
    use sha2::Digest;
    assert_eq!(
        base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(&blob)),
        c["CodeSha256"].as_str().unwrap()
    );

    // An operator changes the function behind SnapDeploy's back.
    let dev = app.lambda_as(&DEV);
    dev.update_function_code()
        .function_name("cc-customer-lookup")
        .zip_file(Blob::new(make_zip(&[(
            "app.py",
            b"def handler(e, c):\n    return 'broken'\n",
        )])))
        .send()
        .await
        .unwrap();
    wait_ready(&dev, "cc-customer-lookup").await;
    dev.update_function_configuration()
        .function_name("cc-customer-lookup")
        .timeout(60)
        .environment(
            Environment::builder()
                .variables("TABLE", "customers-wrong")
                .build(),
        )
        .send()
        .await
        .unwrap();
    wait_ready(&dev, "cc-customer-lookup").await;
    dev.tag_resource()
        .resource("arn:aws:lambda:us-east-1:111111111111:function:cc-customer-lookup")
        .tags("oops", "1")
        .send()
        .await
        .unwrap();
    dev.delete_function_concurrency()
        .function_name("cc-customer-lookup")
        .send()
        .await
        .unwrap();
    assert_ne!(live_config(&app, &DEV, "cc-customer-lookup").await, *c);

    // Dry run first: the plan names the fields that will change back.
    let body = json!({"account_id": "111111111111", "region": "us-east-1", "service": "lambda", "resource_name": "cc-customer-lookup", "snapshot_key": key});
    let mut dry = body.clone();
    dry["dry_run"] = json!(true);
    let (s, plan) = app.post("/rollback", &dry).await;
    assert_eq!(s, 200, "{plan}");
    assert_eq!(plan["action"], "update");
    let paths: Vec<&str> = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["path"].as_str().unwrap())
        .collect();
    for p in [
        "/CodeSha256",
        "/Timeout",
        "/Environment/Variables/TABLE",
        "/Tags/oops",
        "/ReservedConcurrentExecutions",
    ] {
        assert!(paths.contains(&p), "{p} not in {paths:?}");
    }

    let (s, report) = app.post("/rollback", &body).await;
    assert_eq!(s, 200, "{report}");
    assert_eq!(report["status"], "succeeded");
    assert_eq!(report["safety_snapshot"]["reason"], "pre-rollback");
    // The safety snapshot holds the broken state, so the rollback itself can be undone.
    let safety = app
        .snapshot_doc(report["safety_snapshot"]["key"].as_str().unwrap())
        .await;
    assert_eq!(safety["config"]["Timeout"], 60);

    let after = live_config(&app, &DEV, "cc-customer-lookup").await;
    assert_eq!(after["CodeSha256"], c["CodeSha256"]);
    assert_eq!(
        after, *c,
        "configuration after rollback equals the snapshot's"
    );
    assert_eq!(
        snapdeploy_core::digest_of(&after),
        doc["digest"].as_str().unwrap()
    );
}

#[tokio::test]
async fn promotion_to_prod_rewrites_arns_and_reports_unmappable_ones() {
    let app = spawn_app().await;
    app.register_both().await;
    let meta = app.snapshot(&DEV, "cc-customer-lookup").await;
    let key = meta["key"].as_str().unwrap();
    let deploy = json!({"source": {"snapshot_key": key}, "target": {"account_id": "222222222222", "region": "us-east-1"}, "dry_run": true, "options": {"alias": "live"}});
    let (s, plan) = app.post("/deploy", &deploy).await;
    assert_eq!(s, 200, "{plan}");
    assert_eq!(plan["action"], "update");
    let remapped: Vec<(&str, &str)> = plan["remapped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["path"].as_str().unwrap(), r["to"].as_str().unwrap()))
        .collect();
    for (path, to) in [
        (
            "/Role",
            "arn:aws:iam::222222222222:role/contact-centre-lambda",
        ),
        (
            "/Layers/0",
            "arn:aws:lambda:us-east-1:222222222222:layer:cc-common:3",
        ),
        (
            "/DeadLetterConfig/TargetArn",
            "arn:aws:sqs:us-east-1:222222222222:cc-lambda-dlq",
        ),
        ("/Policy/0/SourceAccount", "222222222222"),
    ] {
        assert!(
            remapped.contains(&(path, to)),
            "{path} -> {to} not in {remapped:?}"
        );
    }
    assert_eq!(plan["unmapped"], json!([]));

    let mut real = deploy.clone();
    real["dry_run"] = json!(false);
    let (s, report) = app.post("/deploy", &real).await;
    assert_eq!(s, 200, "{report}");
    assert_eq!(report["status"], "succeeded");
    assert_eq!(report["safety_snapshot"]["account_id"], "222222222222");
    let version = report["published_version"].as_str().unwrap().to_owned();

    let prod = app.lambda_as(&PROD);
    let got = prod
        .get_function()
        .function_name("cc-customer-lookup")
        .send()
        .await
        .unwrap();
    let conf = got.configuration().unwrap();
    assert_eq!(
        conf.role(),
        Some("arn:aws:iam::222222222222:role/contact-centre-lambda")
    );
    assert_eq!(
        conf.layers()[0].arn(),
        Some("arn:aws:lambda:us-east-1:222222222222:layer:cc-common:3")
    );
    assert_eq!(
        conf.dead_letter_config().unwrap().target_arn(),
        Some("arn:aws:sqs:us-east-1:222222222222:cc-lambda-dlq")
    );
    assert_eq!(
        conf.code_sha256(),
        meta_code_sha(&app, key).await.as_deref()
    );
    let alias = prod
        .get_alias()
        .function_name("cc-customer-lookup")
        .name("live")
        .send()
        .await
        .unwrap();
    assert_eq!(alias.function_version(), Some(version.as_str()));
    let policy = prod
        .get_policy()
        .function_name("cc-customer-lookup")
        .send()
        .await
        .unwrap();
    assert!(
        policy.policy().unwrap().contains(
            "arn:aws:connect:us-east-1:222222222222:instance/prod-0000-4000-8000-000000000001"
        ),
        "the prod instance (found by alias), not dev's id in the prod account"
    );
    assert!(!policy.policy().unwrap().contains("111111111111"));

    // A function that dev does not have in prod is created there.
    let meta = app.snapshot(&DEV, "cc-callback-scheduler").await;
    let (s, report) = app.post("/deploy", &json!({"source": {"snapshot_key": meta["key"]}, "target": {"account_id": "222222222222", "region": "us-east-1"}})).await;
    assert_eq!(s, 200, "{report}");
    assert_eq!(report["plan"]["action"], "create");
    assert!(report.get("safety_snapshot").is_none());
    let created = prod
        .get_function_configuration()
        .function_name("cc-callback-scheduler")
        .send()
        .await
        .unwrap();
    assert_eq!(created.architectures()[0].as_str(), "arm64");

    // A reference into a third account cannot be mapped: the plan lists it and the deploy is
    // refused unless the caller accepts it.
    let dev = app.lambda_as(&DEV);
    dev.update_function_configuration()
        .function_name("cc-survey-recorder")
        .layers("arn:aws:lambda:us-east-1:333333333333:layer:vendor-sdk:7")
        .send()
        .await
        .unwrap();
    wait_ready(&dev, "cc-survey-recorder").await;
    let meta = app.snapshot(&DEV, "cc-survey-recorder").await;
    let body = json!({"source": {"snapshot_key": meta["key"]}, "target": {"account_id": "222222222222", "region": "us-east-1"}});
    let (s, b) = app.post("/deploy", &body).await;
    assert_error(s, &b, 422, "invalid_operation");
    let mut dry = body.clone();
    dry["dry_run"] = json!(true);
    let (_, plan) = app.post("/deploy", &dry).await;
    assert_eq!(plan["unmapped"][0]["path"], "/Layers/0");
    assert_eq!(
        plan["unmapped"][0]["value"],
        "arn:aws:lambda:us-east-1:333333333333:layer:vendor-sdk:7"
    );
    let mut accept = body.clone();
    accept["options"] = json!({"accept_unmapped": true});
    let (s, report) = app.post("/deploy", &accept).await;
    assert_eq!(s, 200, "{report}");
    // The layer, and dev's subnet and security group ids, which only a rule can map.
    let paths: Vec<&str> = report["plan"]["unmapped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        [
            "/Layers/0",
            "/VpcConfig/SubnetIds/0",
            "/VpcConfig/SubnetIds/1",
            "/VpcConfig/SecurityGroupIds/0"
        ]
    );
    // Accepted means left out: prod's function does not get the other account's layer.
    let got = app
        .lambda_as(&PROD)
        .get_function_configuration()
        .function_name("cc-survey-recorder")
        .send()
        .await
        .unwrap();
    assert!(
        !format!("{:?}", got.layers()).contains("333333333333"),
        "{:?}",
        got.layers()
    );
    assert!(
        got.vpc_config().is_none_or(|v| v.subnet_ids().is_empty()),
        "dev's subnets are left out: {:?}",
        got.vpc_config()
    );
}

async fn meta_code_sha(app: &TestApp, key: &str) -> Option<String> {
    app.snapshot_doc(key).await["config"]["CodeSha256"]
        .as_str()
        .map(String::from)
}

#[tokio::test]
async fn a_wrong_external_id_is_refused_naming_the_account() {
    let app = spawn_app().await;
    let (s, b) = app
        .post("/accounts", &json!({"account_id": "111111111111", "name": "dev", "role_arn": DEV.role_arn, "external_id": "not-the-right-one", "regions": ["us-east-1"]}))
        .await;
    assert_eq!(s, 201, "{b}");
    let (s, b) = app
        .get("/extract/lambda?account_id=111111111111&region=us-east-1")
        .await;
    assert_error(s, &b, 403, "assume_role_refused");
    let msg = b["error"]["message"].as_str().unwrap();
    assert!(
        msg.contains("111111111111") && msg.contains("AssumeRole"),
        "{msg}"
    );
    assert!(
        !msg.contains("not-the-right-one"),
        "the ExternalId must not leak: {msg}"
    );
}

#[tokio::test]
async fn a_fault_at_any_deploy_step_leaves_the_function_as_it_was() {
    let app = spawn_app().await;
    app.register_both().await;
    common::make_prod_lookup_unlike_dev(&app).await;
    let source = app.snapshot(&DEV, "cc-customer-lookup").await;
    let before = live_config(&app, &PROD, "cc-customer-lookup").await;

    let steps = [
        ("UpdateFunctionCode", "update_code"),
        ("UpdateFunctionConfiguration", "update_configuration"),
        ("TagResource", "tag"),
        ("UntagResource", "untag"),
        ("PutFunctionConcurrency", "concurrency"),
        ("RemovePermission", "resource_policy"),
        ("AddPermission", "resource_policy"),
        ("PublishVersion", "publish_version"),
        ("UpdateAlias", "move_alias"),
    ];
    for (operation, step) in steps {
        app.inject(json!({"service": "lambda", "operation": operation, "status": 400, "error_code": "InvalidParameterValueException", "message": format!("injected failure of {operation}")})).await;
        let (s, b) = app
            .post("/deploy", &json!({"source": {"snapshot_key": source["key"]}, "target": {"account_id": "222222222222", "region": "us-east-1"}, "options": {"alias": "live"}}))
            .await;
        assert_error(s, &b, 502, "change_failed");
        let report = &b["error"]["details"]["report"];
        assert_eq!(report["status"], "failed_restored", "{operation}: {report}");
        let failed = common::failed_steps(report);
        assert_eq!(failed, [step], "{operation}: {report}");
        assert!(
            report["error"].as_str().unwrap().contains(operation),
            "{report}"
        );
        assert!(b["error"]["message"].as_str().unwrap().contains("restored"));
        app.clear_faults().await;
        let now = live_config(&app, &PROD, "cc-customer-lookup").await;
        assert_eq!(
            now, before,
            "after a failure in {operation} the function must be as it was"
        );
    }

    // With no fault the same deploy goes through.
    let (s, report) = app
        .post("/deploy", &json!({"source": {"snapshot_key": source["key"]}, "target": {"account_id": "222222222222", "region": "us-east-1"}, "options": {"alias": "live"}}))
        .await;
    assert_eq!(s, 200, "{report}");
}

#[tokio::test]
async fn a_tampered_snapshot_is_refused_for_deploy_and_rollback() {
    let app = spawn_app().await;
    app.register_both().await;
    let meta = app.snapshot(&DEV, "cc-callback-scheduler").await;
    let key = meta["key"].as_str().unwrap();
    let path = app
        .data
        .path()
        .join("snapshots/cloudops-snapshots-111111111111")
        .join(key);
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("\"Timeout\": 15", "\"Timeout\": 900");
    std::fs::write(&path, text).unwrap();
    let (s, b) = app.post("/deploy", &json!({"source": {"snapshot_key": key}, "target": {"account_id": "222222222222", "region": "us-east-1"}})).await;
    assert_error(s, &b, 422, "snapshot_corrupt");
    let (s, b) = app.post("/rollback", &json!({"account_id": "111111111111", "region": "us-east-1", "service": "lambda", "resource_name": "cc-callback-scheduler", "snapshot_key": key})).await;
    assert_error(s, &b, 422, "snapshot_corrupt");
}

#[tokio::test]
async fn long_work_runs_as_a_job_with_progress_events() {
    let app = spawn_app().await;
    app.register(&DEV).await;
    let (s, accepted) = app
        .get("/extract/lambda?account_id=111111111111&region=us-east-1&background=true")
        .await;
    assert_eq!(s, 202, "{accepted}");
    let events_url = format!("{}{}", app.base, accepted["events_url"].as_str().unwrap());
    let text = app
        .http
        .get(events_url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains("event: progress"), "{text}");
    let done = text
        .split("event: done\ndata: ")
        .nth(1)
        .expect("a done event")
        .lines()
        .next()
        .unwrap();
    let job: Value = serde_json::from_str(done).unwrap();
    assert_eq!(job["status"], "succeeded");
    assert_eq!(job["result"]["resources"].as_array().unwrap().len(), 5);
    let (s, view) = app.get(accepted["status_url"].as_str().unwrap()).await;
    assert_eq!((s, &view["status"]), (200, &json!("succeeded")));
    assert!(view["events"].as_array().unwrap().len() >= 5);
    let (s, b) = app.get("/jobs/nope").await;
    assert_error(s, &b, 404, "not_found");
}

#[tokio::test]
async fn image_functions_keep_their_image_uri() {
    let app = spawn_app().await;
    app.register_both().await;
    let meta = app.snapshot(&DEV, "cc-holiday-check").await;
    let doc = app.snapshot_doc(meta["key"].as_str().unwrap()).await;
    assert_eq!(doc["config"]["PackageType"], "Image");
    assert_eq!(
        doc["config"]["ImageUri"],
        "111111111111.dkr.ecr.us-east-1.amazonaws.com/holiday-check:1.4"
    );
    assert_eq!(
        doc["blobs"],
        json!([]),
        "an image is referenced, not copied"
    );
    // The image lives in the dev account's registry: that is environment-specific, so the
    // deploy is refused until accepted, and the plan says where and what.
    let body = json!({"source": {"snapshot_key": meta["key"]}, "target": {"account_id": "222222222222", "region": "us-east-1"}});
    let (s, refused) = app.post("/deploy", &body).await;
    assert_error(s, &refused, 422, "invalid_operation");
    let mut dry = body.clone();
    dry["dry_run"] = json!(true);
    let (_, plan) = app.post("/deploy", &dry).await;
    assert_eq!(
        plan["unmapped"],
        json!([{"path": "/ImageUri", "value": "111111111111.dkr.ecr.us-east-1.amazonaws.com/holiday-check:1.4",
                "reason": "still names the source account 111111111111: no rule maps this value; add a promotion rule for it, or accept leaving it out"}])
    );
    // An image cannot be left out of a new function: accepting is not enough.
    let mut accepted = body.clone();
    accepted["options"] = json!({"accept_unmapped": true});
    let (s, refused) = app.post("/deploy", &accepted).await;
    assert_error(s, &refused, 422, "invalid_operation");
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("the image URI cannot be left out of a new function"),
        "{refused}"
    );
    // A promotion rule says where prod's image is: prod's own registry.
    let rule = json!({"substitutions": [{"from": "111111111111.dkr.ecr.", "to": "222222222222.dkr.ecr."}]});
    let (s, set) = app
        .put("/promotion-rules/111111111111/222222222222", &rule)
        .await;
    assert_eq!(s, 200, "{set}");
    let (s, report) = app.post("/deploy", &body).await;
    assert_eq!(s, 200, "{report}");
    let got = app
        .lambda_as(&PROD)
        .get_function()
        .function_name("cc-holiday-check")
        .send()
        .await
        .unwrap();
    assert_eq!(
        got.code().unwrap().image_uri(),
        Some("222222222222.dkr.ecr.us-east-1.amazonaws.com/holiday-check:1.4")
    );
}

#[tokio::test]
async fn diff_between_snapshots_and_against_live() {
    let app = spawn_app().await;
    app.register(&DEV).await;
    let first = app.snapshot(&DEV, "cc-survey-recorder").await;
    let dev = app.lambda_as(&DEV);
    dev.update_function_configuration()
        .function_name("cc-survey-recorder")
        .timeout(42)
        .send()
        .await
        .unwrap();
    wait_ready(&dev, "cc-survey-recorder").await;
    let key = first["key"].as_str().unwrap();
    let (s, live) = app.get(&format!("/diff?from={key}&to=live")).await;
    assert_eq!(s, 200, "{live}");
    assert_eq!(
        live["changes"],
        json!([{"path": "/Timeout", "op": "change", "from": 3, "to": 42}])
    );
    let second = app.snapshot(&DEV, "cc-survey-recorder").await;
    let (s, between) = app
        .get(&format!(
            "/diff?from={key}&to={}",
            second["key"].as_str().unwrap()
        ))
        .await;
    assert_eq!(s, 200, "{between}");
    assert_eq!(between["changes"], live["changes"]);
    let (s, same) = app.get(&format!("/diff?from={key}&to={key}")).await;
    assert_eq!((s, same["changes"].clone()), (200, json!([])));
    let (s, b) = app.get(&format!("/diff?from={key}&to=yesterday")).await;
    assert_error(s, &b, 400, "invalid_field");
}

#[tokio::test]
async fn unchanged_code_is_not_downloaded_again() {
    let app = spawn_app().await;
    app.register(&DEV).await;
    let downloads = || {
        app.sandbox.counters()["sandbox:download"]["calls"]
            .as_u64()
            .unwrap_or(0)
    };
    let first = app.snapshot(&DEV, "cc-customer-lookup").await;
    assert_eq!(downloads(), 1);
    // Same CodeSha256, same bytes: the stored blob is listed again.
    let again = app.snapshot(&DEV, "cc-customer-lookup").await;
    assert_eq!(downloads(), 1, "the code was not downloaded again");
    assert_eq!(again["digest"], first["digest"]);
    let doc = |m: &Value| {
        let key = m["key"].as_str().unwrap().to_owned();
        let app = &app;
        async move { app.snapshot_doc(&key).await }
    };
    assert_eq!(doc(&again).await["blobs"], doc(&first).await["blobs"]);

    // New code: downloaded and stored.
    let dev = app.lambda_as(&DEV);
    dev.update_function_code()
        .function_name("cc-customer-lookup")
        .zip_file(Blob::new(make_zip(&[(
            "app.py",
            b"def handler(e, c):\n    return 'v2'\n",
        )])))
        .send()
        .await
        .unwrap();
    wait_ready(&dev, "cc-customer-lookup").await;
    let changed = app.snapshot(&DEV, "cc-customer-lookup").await;
    assert_eq!(downloads(), 2);
    let changed_doc = doc(&changed).await;
    assert_ne!(changed_doc["blobs"], doc(&first).await["blobs"]);
    assert_ne!(changed["digest"], first["digest"]);
}

#[tokio::test]
async fn the_newest_few_snapshots_are_listed_on_request() {
    let app = common::spawn_unpaced().await;
    app.register(&DEV).await;
    for _ in 0..3 {
        app.snapshot(&DEV, "cc-customer-lookup").await;
    }
    app.snapshot(&DEV, "cc-holiday-check").await;
    let base = "/snapshots?account_id=111111111111&service=lambda&resource_name=cc-customer-lookup";
    let (s, all) = app.get(base).await;
    assert_eq!(s, 200, "{all}");
    assert_eq!(all.as_array().unwrap().len(), 3);
    let (s, two) = app.get(&format!("{base}&limit=2")).await;
    assert_eq!(s, 200, "{two}");
    assert_eq!(
        two.as_array().unwrap()[..],
        all.as_array().unwrap()[..2],
        "the newest two"
    );
    let (s, one) = app.get("/snapshots?account_id=111111111111&limit=1").await;
    assert_eq!(s, 200, "{one}");
    assert_eq!(
        one[0]["resource_name"], "cc-holiday-check",
        "the account's newest"
    );
    for bad in ["0", "1001", "many"] {
        let (s, b) = app.get(&format!("{base}&limit={bad}")).await;
        assert_error(s, &b, 400, "invalid_request");
    }
}
