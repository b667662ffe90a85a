//! Stack promotion: an instance with the functions and bots it uses, as one release, and
//! the release rolled back as one — the demo's dev → prod journey end to end.

mod common;

use common::connect::{connect_snapshot, deploy_body};
use common::{assert_error, spawn_unpaced, TestApp};
use serde_json::{json, Value};
use snapdeploy_sandbox::seed::{DEV, PROD};

const ORDER: [&str; 5] = [
    "lambda cc-callback-scheduler",
    "lambda cc-customer-lookup",
    "lambda lex-orders-fulfillment",
    "lex OrdersBot",
    "connect acme-prod",
];

fn with_dependencies(key: &Value, dry_run: bool) -> Value {
    let mut body = deploy_body(key, dry_run);
    body["options"] = json!({"with_dependencies": true});
    body
}

async fn diff_to_live(app: &TestApp, key: &Value) -> Value {
    let (s, diff) = app
        .get(&format!("/diff?from={}&to=live", key.as_str().unwrap()))
        .await;
    assert_eq!(s, 200, "{diff}");
    diff["changes"].clone()
}

async fn prod_functions(app: &TestApp) -> Vec<String> {
    let (_, list) = app
        .get("/extract/lambda?account_id=222222222222&region=us-east-1")
        .await;
    let mut names: Vec<String> = list["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["resource_name"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    names
}

/// The demo scenario: promote acme-dev into acme-prod with its dependencies and the pair's
/// rules; prod reads its own table, keeps its stage, and calls its own queue; then the
/// release is rolled back and prod is exactly as it was.
#[tokio::test]
async fn an_instance_promoted_with_its_dependencies_is_one_release_undone_as_one() {
    let app = spawn_unpaced().await;
    app.register_both().await;
    let rules = json!({
        "substitutions": [{"from": "customers-dev", "to": "customers-prod", "match": "whole"}],
        "keep_target": ["lambda:/Environment/Variables/STAGE", "lambda:/Tags/stage"]
    });
    let (s, _) = app
        .put("/promotion-rules/111111111111/222222222222", &rules)
        .await;
    assert_eq!(s, 200);
    let (before, _) = connect_snapshot(&app, &PROD, "acme-prod").await;
    let lookup_before = app.snapshot(&PROD, "cc-customer-lookup").await;
    assert_eq!(prod_functions(&app).await, ["cc-customer-lookup"]);
    let (meta, _) = connect_snapshot(&app, &DEV, "acme-dev").await;

    // One combined plan, in dependency order, with nothing unmapped.
    let (s, plan) = app
        .post("/deploy", &with_dependencies(&meta["key"], true))
        .await;
    assert_eq!(s, 200, "{plan}");
    assert_eq!(plan["order"], json!(ORDER), "{}", plan["order"]);
    assert_eq!(plan["release"]["status"], "planned");
    for (i, p) in plan["plans"].as_array().unwrap().iter().enumerate() {
        assert_eq!(p["unmapped"], json!([]), "{}: {}", ORDER[i], p["unmapped"]);
    }
    let lookup_plan = &plan["plans"][1];
    assert_eq!(
        lookup_plan["desired"]["Environment"]["Variables"],
        json!({"TABLE": "customers-prod", "STAGE": "prod"})
    );

    let (s, done) = app
        .post("/deploy", &with_dependencies(&meta["key"], false))
        .await;
    assert_eq!(s, 200, "{done}");
    let release = &done["release"];
    assert_eq!(release["status"], "succeeded", "{release}");
    let id = release["release_id"].as_str().unwrap();
    let statuses: Vec<&str> = release["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["succeeded"; 5], "{release}");
    let (_, listed) = app.get("/releases").await;
    assert_eq!(listed[0]["release_id"], id);
    let (s, got) = app.get(&format!("/releases/{id}")).await;
    assert_eq!(s, 200);
    assert!(
        got["members"][1]["safety_snapshot"].as_str().is_some(),
        "prod had cc-customer-lookup"
    );
    assert!(
        got["members"][0]["safety_snapshot"].is_null(),
        "cc-callback-scheduler was created"
    );

    // Read back through the SDK: prod's own table, stage and queue.
    let prod = app.lambda_as(&PROD);
    let env = |name: &'static str| {
        let prod = prod.clone();
        async move {
            prod.get_function_configuration()
                .function_name(name)
                .send()
                .await
                .unwrap()
                .environment()
                .unwrap()
                .variables()
                .unwrap()
                .clone()
        }
    };
    let lookup = env("cc-customer-lookup").await;
    assert_eq!(lookup["TABLE"], "customers-prod");
    assert_eq!(lookup["STAGE"], "prod");
    let scheduler = env("cc-callback-scheduler").await;
    assert_eq!(
        scheduler["CALLBACK_QUEUE"],
        "https://sqs.us-east-1.amazonaws.com/222222222222/callbacks"
    );
    // The fulfillment function lets prod's bot invoke it, not dev's (ids differ).
    let (_, bots) = app
        .get("/extract/lex?account_id=222222222222&region=us-east-1")
        .await;
    let prod_bot = bots["resources"][0]["BotId"].as_str().unwrap().to_owned();
    let policy = prod
        .get_policy()
        .function_name("lex-orders-fulfillment")
        .send()
        .await
        .unwrap();
    let text = policy.policy().unwrap();
    assert!(
        text.contains(&format!(
            "arn:aws:lex:us-east-1:222222222222:bot-alias/{prod_bot}/*"
        )),
        "{text}"
    );
    let (_, live) = connect_snapshot(&app, &PROD, "acme-prod").await;
    assert_eq!(live["config"]["Flows"]["Orders Bot"]["Status"], "PUBLISHED");
    assert_eq!(live["config"]["LexBots"].as_array().unwrap().len(), 1);
    let dump = app
        .http
        .get(format!("{}/_sandbox/dump/222222222222", app.sandbox_url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!dump.contains(DEV.account_id), "prod names the dev account");

    // Rolled back as one: prod is what it was, and what the release created is gone.
    let (s, plan) = app
        .post(
            "/rollback",
            &json!({"release_id": id, "remove_created": true, "dry_run": true}),
        )
        .await;
    assert_eq!(s, 200, "{plan}");
    let (s, back) = app
        .post(
            "/rollback",
            &json!({"release_id": id, "remove_created": true}),
        )
        .await;
    assert_eq!(s, 200, "{back}");
    assert_eq!(back["release"]["status"], "rolled_back", "{back}");
    assert_eq!(diff_to_live(&app, &before["key"]).await, json!([]));
    assert_eq!(diff_to_live(&app, &lookup_before["key"]).await, json!([]));
    assert_eq!(prod_functions(&app).await, ["cc-customer-lookup"]);
    let (_, bots) = app
        .get("/extract/lex?account_id=222222222222&region=us-east-1")
        .await;
    assert_eq!(bots["resources"], json!([]), "{bots}");
    let (s, again) = app.post("/rollback", &json!({"release_id": id})).await;
    assert_error(s, &again, 422, "invalid_operation");

    // The release and its rollback are on prod's trail, besides each member's own entries.
    let (_, trail) = app.get("/audit?account_id=222222222222").await;
    let of_release: Vec<String> = trail
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["release_id"] == id)
        .map(|e| {
            format!(
                "{} {} {}",
                e["action"].as_str().unwrap(),
                e["resource_name"].as_str().unwrap(),
                e["outcome"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        of_release,
        [
            "release-rollback acme-prod succeeded",
            "release acme-prod succeeded"
        ]
    );
}

/// A failure at the last member puts back every member already changed.
#[tokio::test]
async fn a_failure_at_any_member_puts_back_every_member_already_changed() {
    let app = spawn_unpaced().await;
    app.register_both().await;
    let lookup_before = app.snapshot(&PROD, "cc-customer-lookup").await;
    let (meta, _) = connect_snapshot(&app, &DEV, "acme-dev").await;
    app.inject(json!({"service": "connect", "operation": "CreateQueue", "status": 400, "error_code": "InvalidParameterException", "message": "injected"}))
        .await;
    let (s, failed) = app
        .post("/deploy", &with_dependencies(&meta["key"], false))
        .await;
    assert_error(s, &failed, 502, "change_failed");
    let release = &failed["error"]["details"]["release"]["release"];
    assert_eq!(release["status"], "failed_restored", "{release}");
    let members = release["members"].as_array().unwrap();
    assert_eq!(members[4]["status"], "failed_restored");
    for m in &members[..4] {
        assert_eq!(m["status"], "rolled_back", "{m}");
    }
    app.clear_faults().await;
    assert_eq!(prod_functions(&app).await, ["cc-customer-lookup"]);
    assert_eq!(diff_to_live(&app, &lookup_before["key"]).await, json!([]));
    let (_, bots) = app
        .get("/extract/lex?account_id=222222222222&region=us-east-1")
        .await;
    assert_eq!(bots["resources"], json!([]), "{bots}");
    let (_, stored) = app
        .get(&format!(
            "/releases/{}",
            release["release_id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(stored["status"], "failed_restored");
}
