//! `accept_unmapped` means "deploy without them": a reference the target lacks is left out
//! (an association not made, a code hook not set, a flow saved but not published), never
//! written with a source-account value and never a reason to fail.

mod common;

use common::connect::{connect_snapshot, deploy_body};
use common::{spawn_unpaced, TestApp};
use serde_json::{json, Value};
use snapdeploy_sandbox::seed::{DEV, PROD};

/// Everything prod's sandbox account holds, as text, read past every API.
async fn prod_state(app: &TestApp) -> String {
    app.http
        .get(format!(
            "{}/_sandbox/dump/{}",
            app.sandbox_url, PROD.account_id
        ))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

fn values(list: &Value) -> Vec<&str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|u| u["value"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn accepted_unmapped_references_are_left_out_and_no_source_value_reaches_the_target() {
    let app = spawn_unpaced().await;
    app.register_both().await;
    assert!(
        !prod_state(&app).await.contains(DEV.account_id),
        "prod starts clean"
    );
    let scheduler = "arn:aws:lambda:us-east-1:111111111111:function:cc-callback-scheduler";
    let bot = "arn:aws:lex:us-east-1:111111111111:bot-alias/ORDERSBOT1/LIVEALIAS1";

    // Connect: the flows call a function and a bot prod does not have. Each is listed once,
    // with the other places it is used and what it would have become.
    let (meta, _) = connect_snapshot(&app, &DEV, "acme-dev").await;
    let (s, plan) = app.post("/deploy", &deploy_body(&meta["key"], true)).await;
    assert_eq!(s, 200, "{plan}");
    assert_eq!(
        values(&plan["unmapped"]),
        [scheduler, bot],
        "{}",
        plan["unmapped"]
    );
    let fun = &plan["unmapped"][0];
    assert_eq!(
        fun["would_be"],
        scheduler.replace("111111111111", "222222222222")
    );
    assert_eq!(fun["also_at"], json!(["/LambdaFunctions/0"]));
    let (s, refused) = app.post("/deploy", &deploy_body(&meta["key"], false)).await;
    assert_eq!(s, 422, "{refused}");

    let mut body = deploy_body(&meta["key"], false);
    body["options"] = json!({"accept_unmapped": true});
    let (s, report) = app.post("/deploy", &body).await;
    assert_eq!(s, 200, "{report}");
    assert_eq!(report["status"], "succeeded", "{report}");
    assert_eq!(values(&report["left_out"]), [scheduler, bot]);
    let warnings = report["plan"]["warnings"].to_string();
    assert!(
        warnings.contains("flow After Hours is saved, not published")
            && warnings.contains("flow Orders Bot is saved, not published"),
        "{warnings}"
    );
    // No association with a function or bot prod lacks; those flows are saved, not published.
    let (_, live) = connect_snapshot(&app, &PROD, "acme-prod").await;
    let config = &live["config"];
    assert_eq!(
        config["LambdaFunctions"],
        json!(["arn:aws:lambda:us-east-1:222222222222:function:cc-customer-lookup"]),
        "only the function prod has"
    );
    assert_eq!(config["LexBots"], json!([]));
    assert_eq!(config["Flows"]["After Hours"]["Status"], "SAVED");
    assert_eq!(config["Flows"]["Orders Bot"]["Status"], "SAVED");
    assert_eq!(config["Flows"]["Main Menu"]["Status"], "PUBLISHED");

    // Lex: OrdersBot before the function its code hook calls: the hook is left out, not
    // set, and the alias still moves.
    let meta = app.snapshot_of(&DEV, "lex", "OrdersBot").await;
    let body = json!({"source": {"snapshot_key": meta["key"]}, "target": {"account_id": "222222222222", "region": "us-east-1"}, "options": {"alias": "live", "accept_unmapped": true}});
    let (s, report) = app.post("/deploy", &body).await;
    assert_eq!(s, 200, "{report}");
    assert_eq!(report["status"], "succeeded", "{report}");
    let left: Vec<&Value> = report["left_out"].as_array().unwrap().iter().collect();
    assert_eq!(left.len(), 1, "{}", report["left_out"]);
    assert!(
        left[0]["path"]
            .as_str()
            .unwrap()
            .ends_with("/CodeHook/LambdaArn"),
        "{}",
        left[0]
    );
    assert!(left[0]["would_be"]
        .as_str()
        .unwrap()
        .contains("222222222222:function:lex-orders-fulfillment"));
    let prod_bot = app.snapshot_of(&PROD, "lex", "OrdersBot").await;
    let doc = app.snapshot_doc(prod_bot["key"].as_str().unwrap()).await;
    let live = doc["config"]["Aliases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["Name"] == "live")
        .expect("the live alias moved");
    for (locale, settings) in live["LocaleSettings"].as_object().unwrap() {
        assert!(settings["CodeHook"].is_null(), "{locale}: {settings}");
    }

    // Lambda: the function, whose resource policy names dev's bot; then nothing is left out.
    let meta = app
        .snapshot_of(&DEV, "lambda", "lex-orders-fulfillment")
        .await;
    let body = json!({"source": {"snapshot_key": meta["key"]}, "target": {"account_id": "222222222222", "region": "us-east-1"}, "options": {"accept_unmapped": true}});
    let (s, report) = app.post("/deploy", &body).await;
    assert_eq!(s, 200, "{report}");
    assert_eq!(report["status"], "succeeded", "{report}");

    let state = prod_state(&app).await;
    if let Some(i) = state.find(DEV.account_id) {
        panic!(
            "prod holds the dev account id: …{}…",
            &state[i.saturating_sub(300)..(i + 60).min(state.len())]
        );
    }
}
