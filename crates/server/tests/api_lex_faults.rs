//! A fault at each step of a Lex rollback leaves the bot as it was; without one the bot is
//! what the snapshot records. Judged by reading the bot through the AWS SDK (settings, an
//! export of its draft, aliases, versions, tags), not through SnapDeploy's capture.

mod common;

use aws_sdk_lexmodelsv2::types::{DataPrivacy, MergeStrategy};
use common::oracle::lex_state;
use common::{assert_error, spawn_app, TestApp};
use serde_json::{json, Value};
use snapdeploy_core::{lexjson, AccountId};
use snapdeploy_sandbox::seed::DEV;
use snapdeploy_store::{LocalSnapshotStore, SnapshotStore};

async fn bot_id(lex: &aws_sdk_lexmodelsv2::Client) -> String {
    let bots = lex.list_bots().send().await.unwrap();
    bots.bot_summaries()
        .iter()
        .find(|b| b.bot_name() == Some("OrdersBot"))
        .expect("OrdersBot")
        .bot_id()
        .unwrap()
        .to_owned()
}

/// In the console since the snapshot: the draft replaced by an import without
/// CheckOrderStatus, the description edited, the live alias moved to version 1 and version 2
/// deleted, and a tag added.
async fn drift(app: &TestApp, lex: &aws_sdk_lexmodelsv2::Client, bot: &str, doc: &Value) {
    let role = doc["config"]["RoleArn"].as_str().unwrap();
    let privacy = DataPrivacy::builder().child_directed(false).build();
    let store = LocalSnapshotStore::new(app.data.path().join("snapshots"));
    let sha = doc["blobs"][0]["sha256"].as_str().unwrap();
    let blob = store
        .get_blob(&AccountId::parse("111111111111").unwrap(), sha)
        .await
        .unwrap();
    let mut changed = lexjson::parse(&blob).unwrap();
    changed
        .locales
        .get_mut("en_US")
        .unwrap()
        .intents
        .remove("CheckOrderStatus");
    common::console_import(
        lex,
        lexjson::build("OrdersBot", &changed),
        "OrdersBot",
        role,
        MergeStrategy::Overwrite,
        None,
    )
    .await;
    lex.update_bot()
        .bot_id(bot)
        .bot_name("OrdersBot")
        .description("edited in the console")
        .role_arn(role)
        .data_privacy(privacy.clone())
        .idle_session_ttl_in_seconds(
            doc["config"]["IdleSessionTTLInSeconds"].as_i64().unwrap() as i32
        )
        .send()
        .await
        .unwrap();
    lex.update_bot_alias()
        .bot_id(bot)
        .bot_alias_id("LIVEALIAS1")
        .bot_alias_name("live")
        .bot_version("1")
        .send()
        .await
        .unwrap();
    lex.delete_bot_version()
        .bot_id(bot)
        .bot_version("2")
        .send()
        .await
        .unwrap();
    lex.tag_resource()
        .resource_arn(format!("arn:aws:lex:us-east-1:111111111111:bot/{bot}"))
        .tags("added-later", "yes")
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn a_fault_at_any_rollback_step_leaves_the_bot_as_it_was() {
    let app = spawn_app().await;
    app.register(&DEV).await;
    let (s, meta) = app.post("/snapshot", &json!({"account_id": "111111111111", "region": "us-east-1", "service": "lex", "resource_name": "OrdersBot"})).await;
    assert_eq!(s, 201, "{meta}");
    let doc = app.snapshot_doc(meta["key"].as_str().unwrap()).await;
    let lex = app.lex_as(&DEV);
    let bot = bot_id(&lex).await;
    let at_snapshot = lex_state(&lex, DEV.account_id, &bot).await;
    drift(&app, &lex, &bot, &doc).await;
    let drifted = lex_state(&lex, DEV.account_id, &bot).await;
    assert_ne!(drifted, at_snapshot);

    let rollback = json!({"account_id": "111111111111", "region": "us-east-1", "service": "lex", "resource_name": "OrdersBot", "snapshot_key": meta["key"]});
    for (operation, step) in [
        ("UpdateBot", "update_bot"),
        ("StartImport", "import"),
        ("BuildBotLocale", "build"),
        ("CreateBotVersion", "create_version"),
        ("UpdateBotAlias", "move_alias"),
    ] {
        app.inject(json!({"service": "lex", "operation": operation, "status": 400, "error_code": "ValidationException", "message": format!("injected failure of {operation}")}))
            .await;
        let (s, b) = app.post("/rollback", &rollback).await;
        app.clear_faults().await;
        assert_error(s, &b, 502, "change_failed");
        let report = &b["error"]["details"]["report"];
        assert_eq!(report["status"], "failed_restored", "{operation}: {report}");
        let failed = common::failed_steps(report);
        assert_eq!(failed, [step], "{operation}: {report}");
        let mut now = lex_state(&lex, DEV.account_id, &bot).await;
        // A restore cannot take back a version number it published (AWS never reuses one).
        now["versions"] = drifted["versions"].clone();
        assert_eq!(
            now, drifted,
            "after a failure in {operation} the bot is as it was"
        );
    }
    let (s, report) = app.post("/rollback", &rollback).await;
    assert_eq!(s, 200, "{report}");
    let mut now = lex_state(&lex, DEV.account_id, &bot).await;
    let mut expected = at_snapshot.clone();
    // Version 2 was deleted in the console: the rollback published the snapshot's draft as
    // a new version and points live at it.
    let published = report["published_version"].as_str().unwrap();
    expected["aliases"]["live"]["version"] = json!(published);
    now["versions"] = Value::Null;
    expected["versions"] = Value::Null;
    assert_eq!(
        now, expected,
        "the rollback restores what the snapshot records"
    );
}
