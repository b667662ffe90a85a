//! Lex V2 end to end against the sandbox: extract, export-based snapshots, promotion with
//! code hooks remapped, rollback by alias and by re-import, bad exports refused, failed builds.

mod common;

use common::{assert_error, spawn_app, TestApp};
use serde_json::{json, Value};
use snapdeploy_core::{lexjson, AccountId};
use snapdeploy_sandbox::seed::{DEV, PROD};
use snapdeploy_store::{LocalSnapshotStore, SnapshotStore};

fn lex_as(app: &TestApp, a: &snapdeploy_sandbox::SeedAccount) -> aws_sdk_lexmodelsv2::Client {
    aws_sdk_lexmodelsv2::Client::new(&snapdeploy_testkit::sdk_config(
        &app.sandbox_url,
        a.access_key,
        a.secret_key,
        "us-east-1",
    ))
}

async fn snapshot_bot(app: &TestApp, acct: &snapdeploy_sandbox::SeedAccount) -> (String, Value) {
    let (s, meta) = app.post("/snapshot", &json!({"account_id": acct.account_id, "region": "us-east-1", "service": "lex", "resource_name": "OrdersBot"})).await;
    assert_eq!(s, 201, "{meta}");
    let key = meta["key"].as_str().unwrap().to_owned();
    let doc = app.snapshot_doc(&key).await;
    (key, doc)
}

async fn alias_version(lex: &aws_sdk_lexmodelsv2::Client, bot_id: &str, name: &str) -> String {
    let aliases = lex.list_bot_aliases().bot_id(bot_id).send().await.unwrap();
    let a = aliases
        .bot_alias_summaries()
        .iter()
        .find(|a| a.bot_alias_name() == Some(name))
        .unwrap_or_else(|| panic!("no alias {name}"));
    a.bot_version().unwrap().to_owned()
}

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

/// Stores `export` as a blob and returns an inline snapshot document that carries it.
async fn inline_with_export(app: &TestApp, doc: &Value, export: &lexjson::LexExport) -> Value {
    let store = LocalSnapshotStore::new(app.data.path().join("snapshots"));
    let zip = lexjson::build("OrdersBot", export);
    let blob = store
        .put_blob(
            &AccountId::parse("111111111111").unwrap(),
            &zip,
            "application/zip",
            "export",
        )
        .await
        .unwrap();
    let mut inline = doc.clone();
    inline["config"]["Definition"] = lexjson::to_config(export);
    inline["blobs"] = json!([blob]);
    // An inline document carries the digest of its own config, as the API requires.
    inline["digest"] = json!(snapdeploy_core::digest_of(&inline["config"]));
    inline
}

async fn export_of(app: &TestApp, doc: &Value) -> lexjson::LexExport {
    let store = LocalSnapshotStore::new(app.data.path().join("snapshots"));
    let sha = doc["blobs"][0]["sha256"].as_str().unwrap();
    lexjson::parse(
        &store
            .get_blob(&AccountId::parse("111111111111").unwrap(), sha)
            .await
            .unwrap(),
    )
    .unwrap()
}

#[tokio::test]
async fn extract_lists_bots_with_locales_versions_and_aliases() {
    let app = spawn_app().await;
    app.register(&DEV).await;
    let (s, body) = app
        .get("/extract/lex?account_id=111111111111&region=us-east-1")
        .await;
    assert_eq!(s, 200, "{body}");
    let bot = &body["resources"][0];
    assert_eq!(bot["BotName"], "OrdersBot");
    let locales: Vec<(&str, &str)> = bot["Locales"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["LocaleId"].as_str().unwrap(),
                l["BuildStatus"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(locales, [("en_US", "Built"), ("es_US", "Built")]);
    assert_eq!(bot["Versions"], json!(["1", "2"]));
    let aliases: Vec<(&str, &str)> = bot["Aliases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["Name"].as_str().unwrap(), a["Version"].as_str().unwrap()))
        .collect();
    assert_eq!(aliases, [("live", "2"), ("test", "1")]);
}

#[tokio::test]
async fn snapshot_promote_and_roll_back_a_bot() {
    let app = spawn_app().await;
    app.register_both().await;
    let (key, doc) = snapshot_bot(&app, &DEV).await;
    let c = &doc["config"];
    assert_eq!(doc["blobs"][0]["role"], "export");
    assert_eq!(
        c["Definition"]["locales"]["en_US"]["intents"]["OrderPizza"]["slots"]["Size"]
            ["slotTypeName"],
        "PizzaSize"
    );
    assert!(c["Definition"]["locales"]["es_US"]["slotTypes"]["PizzaType"].is_object());
    assert!(c["RoleArn"]
        .as_str()
        .unwrap()
        .starts_with("arn:aws:iam::111111111111:role/"));
    let live = c["Aliases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["Name"] == "live")
        .unwrap();
    assert_eq!(live["Version"], "2");
    assert_eq!(
        live["LocaleSettings"]["en_US"]["CodeHook"]["LambdaArn"],
        "arn:aws:lambda:us-east-1:111111111111:function:lex-orders-fulfillment"
    );
    // Two snapshots of an unchanged bot have the same digest.
    let (_, again) = snapshot_bot(&app, &DEV).await;
    assert_eq!(again["digest"], doc["digest"]);

    // Promotion: plan first.
    let deploy = json!({"source": {"snapshot_key": key}, "target": {"account_id": "222222222222", "region": "us-east-1"}, "dry_run": true, "options": {"alias": "live"}});
    let (s, plan) = app.post("/deploy", &deploy).await;
    assert_eq!(s, 200, "{plan}");
    assert_eq!(plan["action"], "create");
    assert_eq!(
        plan["summary"]["en_US"]["intents"]["added"],
        json!(["CheckOrderStatus", "FallbackIntent", "OrderPizza"])
    );
    assert_eq!(
        plan["summary"]["es_US"]["slot_types"]["added"],
        json!(["PizzaSize", "PizzaType"])
    );
    let remapped: Vec<&str> = plan["remapped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["to"].as_str().unwrap())
        .collect();
    assert!(
        remapped.contains(&"arn:aws:lambda:us-east-1:222222222222:function:lex-orders-fulfillment"),
        "{remapped:?}"
    );
    assert!(
        remapped
            .iter()
            .any(|r| r.starts_with("arn:aws:iam::222222222222:role/")),
        "{remapped:?}"
    );

    // Its code hook's function is not in prod yet: the plan says so, and it goes first.
    assert_eq!(plan["unmapped"].as_array().unwrap().len(), 1, "{plan}");
    assert!(plan["unmapped"][0]["reason"]
        .as_str()
        .unwrap()
        .starts_with("code hook:"));
    let hook = app
        .snapshot_of(&DEV, "lambda", "lex-orders-fulfillment")
        .await;
    // Its policy names the bot, not in prod yet: that statement is left out for now.
    let (s, r) = app
        .post("/deploy", &json!({"source": {"snapshot_key": hook["key"]}, "target": {"account_id": "222222222222", "region": "us-east-1"}, "options": {"accept_unmapped": true}}))
        .await;
    assert_eq!(s, 200, "{r}");
    assert!(
        r["left_out"][0]["reason"]
            .as_str()
            .unwrap()
            .starts_with("bot OrdersBot is not in account 222222222222"),
        "{r}"
    );

    let mut real = deploy.clone();
    real["dry_run"] = json!(false);
    let (s, report) = app.post("/deploy", &real).await;
    assert_eq!(s, 200, "{report}");
    assert_eq!(report["status"], "succeeded");
    let steps: Vec<&str> = report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["step"].as_str().unwrap())
        .collect();
    assert_eq!(
        steps,
        [
            "create_bot",
            "import",
            "build",
            "create_version",
            "move_alias"
        ]
    );
    assert_eq!(report["published_version"], "1");

    let prod = lex_as(&app, &PROD);
    let prod_bot = bot_id(&prod).await;
    let bot = prod.describe_bot().bot_id(&prod_bot).send().await.unwrap();
    assert!(bot
        .role_arn()
        .unwrap()
        .starts_with("arn:aws:iam::222222222222:role/"));
    for locale in ["en_US", "es_US"] {
        let l = prod
            .describe_bot_locale()
            .bot_id(&prod_bot)
            .bot_version("DRAFT")
            .locale_id(locale)
            .send()
            .await
            .unwrap();
        assert_eq!(l.bot_locale_status().unwrap().as_str(), "Built");
    }
    let aliases = prod
        .list_bot_aliases()
        .bot_id(&prod_bot)
        .send()
        .await
        .unwrap();
    let live_id = aliases
        .bot_alias_summaries()
        .iter()
        .find(|a| a.bot_alias_name() == Some("live"))
        .unwrap()
        .bot_alias_id()
        .unwrap()
        .to_owned();
    let alias = prod
        .describe_bot_alias()
        .bot_id(&prod_bot)
        .bot_alias_id(&live_id)
        .send()
        .await
        .unwrap();
    assert_eq!(alias.bot_version(), Some("1"));
    let hook = alias.bot_alias_locale_settings().unwrap()["en_US"]
        .code_hook_specification()
        .unwrap()
        .lambda_code_hook()
        .unwrap()
        .lambda_arn()
        .to_owned();
    assert_eq!(
        hook,
        "arn:aws:lambda:us-east-1:222222222222:function:lex-orders-fulfillment"
    );
    // The promoted definition equals the source's.
    let (_, prod_doc) = snapshot_bot(&app, &PROD).await;
    assert_eq!(prod_doc["config"]["Definition"], c["Definition"]);

    // Rollback by alias: the snapshot's version still exists, so only the alias moves.
    let dev = lex_as(&app, &DEV);
    let dev_bot = bot_id(&dev).await;
    dev.update_bot_alias()
        .bot_id(&dev_bot)
        .bot_alias_id("LIVEALIAS1")
        .bot_alias_name("live")
        .bot_version("1")
        .send()
        .await
        .unwrap();
    let (s, report) = app.post("/rollback", &json!({"account_id": "111111111111", "region": "us-east-1", "service": "lex", "resource_name": "OrdersBot", "snapshot_key": key})).await;
    assert_eq!(s, 200, "{report}");
    let steps: Vec<&str> = report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["step"].as_str().unwrap())
        .collect();
    assert_eq!(steps, ["move_alias"], "fast path: re-point only");
    assert_eq!(report["safety_snapshot"]["reason"], "pre-rollback");
    assert_eq!(alias_version(&dev, &dev_bot, "live").await, "2");
    let alias = dev
        .describe_bot_alias()
        .bot_id(&dev_bot)
        .bot_alias_id("LIVEALIAS1")
        .send()
        .await
        .unwrap();
    assert!(
        alias.bot_alias_locale_settings().unwrap()["en_US"]
            .code_hook_specification()
            .is_some(),
        "code hooks restored with the alias"
    );

    // Rollback by re-import: the draft changed and version 2 is gone.
    let mut changed = export_of(&app, &doc).await;
    changed
        .locales
        .get_mut("en_US")
        .unwrap()
        .intents
        .remove("CheckOrderStatus");
    common::console_import(
        &dev,
        lexjson::build("OrdersBot", &changed),
        "OrdersBot",
        c["RoleArn"].as_str().unwrap(),
        aws_sdk_lexmodelsv2::types::MergeStrategy::Overwrite,
        None,
    )
    .await;
    dev.update_bot_alias()
        .bot_id(&dev_bot)
        .bot_alias_id("LIVEALIAS1")
        .bot_alias_name("live")
        .bot_version("1")
        .send()
        .await
        .unwrap();
    dev.delete_bot_version()
        .bot_id(&dev_bot)
        .bot_version("2")
        .send()
        .await
        .unwrap();
    let (s, report) = app.post("/rollback", &json!({"account_id": "111111111111", "region": "us-east-1", "service": "lex", "resource_name": "OrdersBot", "snapshot_key": key})).await;
    assert_eq!(s, 200, "{report}");
    let steps: Vec<&str> = report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["step"].as_str().unwrap())
        .collect();
    assert_eq!(steps, ["import", "build", "create_version", "move_alias"]);
    let new_version = report["published_version"].as_str().unwrap();
    assert_eq!(alias_version(&dev, &dev_bot, "live").await, new_version);
    let (_, after) = snapshot_bot(&app, &DEV).await;
    assert_eq!(after["config"]["Definition"], c["Definition"]);
}

#[tokio::test]
async fn a_zip_that_is_not_a_lex_export_is_refused_and_nothing_changes() {
    let app = spawn_app().await;
    app.register_both().await;
    let (_, doc) = snapshot_bot(&app, &DEV).await;
    let store = LocalSnapshotStore::new(app.data.path().join("snapshots"));
    let bad = store
        .put_blob(
            &AccountId::parse("111111111111").unwrap(),
            b"PK\x03\x04 definitely not a lex export",
            "application/zip",
            "export",
        )
        .await
        .unwrap();
    let mut inline = doc.clone();
    inline["blobs"] = json!([bad]);
    let (s, b) = app.post("/deploy", &json!({"source": {"snapshot": inline}, "target": {"account_id": "222222222222", "region": "us-east-1"}})).await;
    assert_error(s, &b, 422, "invalid_operation");
    assert!(
        b["error"]["message"]
            .as_str()
            .unwrap()
            .contains("not a valid Lex export"),
        "{b}"
    );
    let prod = lex_as(&app, &PROD);
    assert!(
        prod.list_bots()
            .send()
            .await
            .unwrap()
            .bot_summaries()
            .is_empty(),
        "nothing was created"
    );
}

#[tokio::test]
async fn a_failed_build_leaves_the_alias_where_it_was() {
    let app = spawn_app().await;
    app.register(&DEV).await;
    let (_, doc) = snapshot_bot(&app, &DEV).await;
    // An intent without sample utterances: the import succeeds, the build fails.
    let mut broken = export_of(&app, &doc).await;
    broken
        .locales
        .get_mut("en_US")
        .unwrap()
        .intents
        .get_mut("OrderPizza")
        .unwrap()["sampleUtterances"] = json!([]);
    let inline = inline_with_export(&app, &doc, &broken).await;
    let (s, b) = app.post("/deploy", &json!({"source": {"snapshot": inline}, "target": {"account_id": "111111111111", "region": "us-east-1"}, "options": {"alias": "live"}})).await;
    assert_error(s, &b, 502, "change_failed");
    let report = &b["error"]["details"]["report"];
    assert_eq!(report["status"], "failed_restored", "{report}");
    let failed = common::failed_steps(report);
    assert_eq!(failed, ["build"]);
    assert!(
        report["error"].as_str().unwrap().contains("OrderPizza"),
        "{report}"
    );
    let dev = lex_as(&app, &DEV);
    assert_eq!(
        alias_version(&dev, &bot_id(&dev).await, "live").await,
        "2",
        "the alias did not move"
    );
    let (_, after) = snapshot_bot(&app, &DEV).await;
    assert_eq!(
        after["config"]["Definition"], doc["config"]["Definition"],
        "the draft was restored"
    );
    assert_eq!(
        after["config"]["Versions"], doc["config"]["Versions"],
        "no version was left behind"
    );
}

#[tokio::test]
async fn a_failed_import_leaves_the_alias_where_it_was() {
    let app = spawn_app().await;
    app.register(&DEV).await;
    let (_, doc) = snapshot_bot(&app, &DEV).await;
    let mut changed = export_of(&app, &doc).await;
    changed
        .locales
        .get_mut("en_US")
        .unwrap()
        .intents
        .remove("CheckOrderStatus");
    let inline = inline_with_export(&app, &doc, &changed).await;
    app.inject(json!({"service": "lex", "operation": "StartImport", "status": 400, "error_code": "ValidationException", "message": "injected import failure"})).await;
    let (s, b) = app.post("/deploy", &json!({"source": {"snapshot": inline}, "target": {"account_id": "111111111111", "region": "us-east-1"}, "options": {"alias": "live"}})).await;
    assert_error(s, &b, 502, "change_failed");
    let report = &b["error"]["details"]["report"];
    assert_eq!(report["status"], "failed_restored", "{report}");
    assert!(report["error"]
        .as_str()
        .unwrap()
        .contains("injected import failure"));
    let dev = lex_as(&app, &DEV);
    assert_eq!(alias_version(&dev, &bot_id(&dev).await, "live").await, "2");
    let (_, after) = snapshot_bot(&app, &DEV).await;
    assert_eq!(after["config"]["Definition"], doc["config"]["Definition"]);
}

#[tokio::test]
async fn the_version_limit_is_checked_and_pruning_spares_alias_versions() {
    let app = spawn_app().await;
    app.register(&DEV).await;
    let dev = lex_as(&app, &DEV);
    let id = bot_id(&dev).await;
    // Fill the bot up to Lex's limit of 100 versions (it has 1 and 2; the aliases use both).
    for _ in 3..=100 {
        dev.create_bot_version()
            .bot_id(&id)
            .bot_version_locale_specification(
                "en_US",
                aws_sdk_lexmodelsv2::types::BotVersionLocaleDetails::builder()
                    .source_bot_version("DRAFT")
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
    }
    let err = dev
        .create_bot_version()
        .bot_id(&id)
        .bot_version_locale_specification(
            "en_US",
            aws_sdk_lexmodelsv2::types::BotVersionLocaleDetails::builder()
                .source_bot_version("DRAFT")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap_err();
    assert!(
        err.into_service_error()
            .is_service_quota_exceeded_exception(),
        "the sandbox enforces the limit too"
    );

    let (_, doc) = snapshot_bot(&app, &DEV).await;
    let mut changed = export_of(&app, &doc).await;
    changed
        .locales
        .get_mut("en_US")
        .unwrap()
        .intents
        .get_mut("OrderPizza")
        .unwrap()["sampleUtterances"]
        .as_array_mut()
        .unwrap()
        .push(json!({"utterance": "pizza please"}));
    let inline = inline_with_export(&app, &doc, &changed).await;
    let body = json!({"source": {"snapshot": inline}, "target": {"account_id": "111111111111", "region": "us-east-1"}, "options": {"alias": "live"}});
    let (s, b) = app.post("/deploy", &body).await;
    assert_error(s, &b, 422, "invalid_operation");
    assert!(
        b["error"]["message"]
            .as_str()
            .unwrap()
            .contains("keep_versions"),
        "{b}"
    );

    let mut prune = body.clone();
    prune["options"]["keep_versions"] = json!(10);
    let (s, report) = app.post("/deploy", &prune).await;
    assert_eq!(s, 200, "{report}");
    let versions: Vec<String> = dev
        .list_bot_versions()
        .bot_id(&id)
        .max_results(1000)
        .send()
        .await
        .unwrap()
        .bot_version_summaries()
        .iter()
        .filter_map(|v| v.bot_version())
        .filter(|v| *v != "DRAFT")
        .map(String::from)
        .collect();
    assert_eq!(
        versions.len(),
        11,
        "pruned to 10, then one created: {versions:?}"
    );
    for kept in ["1", "2", "101"] {
        assert!(
            versions.iter().any(|v| v == kept),
            "{kept} missing from {versions:?}"
        );
    }
    assert_eq!(alias_version(&dev, &id, "live").await, "101");
    assert_eq!(alias_version(&dev, &id, "test").await, "1");
}

#[tokio::test]
async fn a_chosen_version_can_be_snapshotted() {
    let app = spawn_app().await;
    app.register(&DEV).await;
    let (s, meta) = app.post("/snapshot", &json!({"account_id": "111111111111", "region": "us-east-1", "service": "lex", "resource_name": "OrdersBot", "version": "1"})).await;
    assert_eq!(s, 201, "{meta}");
    let doc = app.snapshot_doc(meta["key"].as_str().unwrap()).await;
    assert_eq!(doc["config"]["ExportedVersion"], "1");
    let locales: Vec<&String> = doc["config"]["Definition"]["locales"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(locales, ["en_US"], "version 1 is English only");
    let (s, b) = app.post("/snapshot", &json!({"account_id": "111111111111", "region": "us-east-1", "service": "lex", "resource_name": "OrdersBot", "version": "latest"})).await;
    assert_error(s, &b, 400, "invalid_field");
    let (s, b) = app.post("/snapshot", &json!({"account_id": "111111111111", "region": "us-east-1", "service": "lambda", "resource_name": "cc-survey-recorder", "version": "1"})).await;
    assert_error(s, &b, 422, "invalid_operation");
}

#[tokio::test]
async fn rollback_removes_tags_added_since_the_snapshot() {
    let app = spawn_app().await;
    app.register(&DEV).await;
    let (key, _) = snapshot_bot(&app, &DEV).await;
    let dev = lex_as(&app, &DEV);
    let arn = format!(
        "arn:aws:lex:us-east-1:111111111111:bot/{}",
        bot_id(&dev).await
    );
    dev.tag_resource()
        .resource_arn(&arn)
        .tags("oops", "1")
        .send()
        .await
        .unwrap();
    let (s, report) = app.post("/rollback", &json!({"account_id": "111111111111", "region": "us-east-1", "service": "lex", "resource_name": "OrdersBot", "snapshot_key": key})).await;
    assert_eq!(s, 200, "{report}");
    let steps: Vec<&str> = report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["step"].as_str().unwrap())
        .collect();
    assert_eq!(steps, ["untag"]);
    let tags = dev
        .list_tags_for_resource()
        .resource_arn(&arn)
        .send()
        .await
        .unwrap();
    assert!(!tags.tags().unwrap().contains_key("oops"));
}

#[tokio::test]
async fn a_code_hook_whose_function_is_missing_in_the_target_is_unmapped_once() {
    let app = spawn_app().await;
    app.register_both().await;
    // Prod has no lex-orders-fulfillment: the demo's dev has it, prod never got it.
    let meta = app.snapshot_of(&DEV, "lex", "OrdersBot").await;
    let body = json!({"source": {"snapshot_key": meta["key"]}, "target": {"account_id": "222222222222", "region": "us-east-1"}, "options": {"alias": "live"}});
    let mut dry = body.clone();
    dry["dry_run"] = json!(true);
    let (s, plan) = app.post("/deploy", &dry).await;
    assert_eq!(s, 200, "{plan}");
    let hooks: Vec<&Value> = plan["unmapped"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["reason"].as_str().unwrap().starts_with("code hook:"))
        .collect();
    assert_eq!(hooks.len(), 1, "{plan}");
    // The source value, and what it would have become.
    let value = hooks[0]["value"].as_str().unwrap();
    assert!(
        value.starts_with("arn:aws:lambda:us-east-1:111111111111:function:lex-orders-fulfillment"),
        "{value}"
    );
    let would_be = hooks[0]["would_be"].as_str().unwrap();
    assert_eq!(would_be, value.replace("111111111111", "222222222222"));
    assert!(hooks[0]["path"]
        .as_str()
        .unwrap()
        .starts_with("/Aliases/0/LocaleSettings/"));
    let (s, refused) = app.post("/deploy", &body).await;
    assert_error(s, &refused, 422, "invalid_operation");
}
