//! Connect deploy, promotion, rollback and failure safety, over real HTTP against the sandbox.

mod common;

use common::connect::{
    connect_snapshot, deploy_body, drift, instance_id, promote_bot, promote_lambda,
    without_identity,
};
use common::oracle::{assert_same_state, connect_state};
use common::spawn_unpaced;
use serde_json::{json, Value};
use snapdeploy_sandbox::seed::{DEV, PROD};
use std::collections::HashMap;

const KINDS: [&str; 7] = [
    "HoursOfOperations",
    "Queues",
    "Prompts",
    "RoutingProfiles",
    "QuickConnects",
    "Modules",
    "Flows",
];

fn strings(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
        Value::Object(m) => m.values().for_each(|x| strings(x, out)),
        _ => {}
    }
}

/// Rewrites every id and ARN inside `v` to what it names in `config` ("queue:Sales",
/// "lex:OrdersBot/live", "lambda:cc-customer-lookup"), so contents of two instances in two
/// accounts can be compared.
fn by_names(config: &Value, v: &Value) -> Value {
    let mut names: HashMap<String, String> = HashMap::new();
    for k in KINDS {
        for (n, item) in config[k].as_object().unwrap() {
            names.insert(item["Id"].as_str().unwrap().into(), format!("{k}:{n}"));
            names.insert(item["Arn"].as_str().unwrap().into(), format!("{k}:{n}"));
        }
    }
    for (arn, n) in config["LexAliases"].as_object().unwrap() {
        names.insert(arn.clone(), format!("lex:{}/{}", n["Bot"], n["Alias"]));
    }
    fn walk(v: &Value, names: &HashMap<String, String>) -> Value {
        match v {
            Value::String(s) => {
                if let Some(n) = names.get(s) {
                    json!(n)
                } else if let Some(f) = s.split(":function:").nth(1) {
                    json!(format!("lambda:{f}"))
                } else {
                    json!(s)
                }
            }
            Value::Array(a) => Value::Array(a.iter().map(|x| walk(x, names)).collect()),
            Value::Object(m) => {
                Value::Object(m.iter().map(|(k, x)| (k.clone(), walk(x, names))).collect())
            }
            other => other.clone(),
        }
    }
    walk(v, &names)
}

#[tokio::test]
async fn dev_instance_is_promoted_to_an_empty_prod_instance_with_every_reference_remapped() {
    let app = spawn_unpaced().await;
    app.register_both().await;
    let (meta, dev) = connect_snapshot(&app, &DEV, "acme-dev").await;
    let dev = &dev["config"];
    let key = &meta["key"];

    // Without the bot and one of the Lambda functions in prod, the flows using them cannot
    // be mapped: the plan says so and the deploy is refused.
    let (s, plan) = app.post("/deploy", &deploy_body(key, true)).await;
    assert_eq!(s, 200, "{plan}");
    let unmapped = plan["unmapped"].as_array().unwrap();
    assert!(
        !unmapped.is_empty()
            && unmapped.iter().all(|u| {
                let v = u["value"].as_str().unwrap();
                v.starts_with("arn:aws:lex:") || v.ends_with(":function:cc-callback-scheduler")
            }),
        "{unmapped:?}"
    );
    assert!(unmapped.iter().any(|u| u["reason"]
        .as_str()
        .unwrap()
        .contains("no Lambda function of this name in account 222222222222")));
    assert!(unmapped.iter().any(|u| u["reason"]
        .as_str()
        .unwrap()
        .contains("bot OrdersBot has no alias live")));
    let (s, refused) = app.post("/deploy", &deploy_body(key, false)).await;
    assert_eq!(s, 422, "{refused}");

    promote_lambda(&app).await;
    promote_bot(&app).await;
    let (s, plan) = app.post("/deploy", &deploy_body(key, true)).await;
    assert_eq!(s, 200, "{plan}");
    assert_eq!(plan["action"], "update", "{plan}");
    assert_eq!(plan["unmapped"], json!([]), "{plan}");
    // Both instances have the defaults AWS makes in every instance: those match by name and
    // are unchanged (their references remapped to prod's defaults); everything else is new.
    let (items, defaults): (Vec<&Value>, Vec<&Value>) = plan["summary"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .partition(|i| i["action"] == "create");
    assert_eq!(items.len(), 2 + 3 + 3 + 2 + 3 + 2 + 15);
    assert_eq!(defaults.len(), 1 + 1 + 5 + 1 + 8, "{defaults:?}");
    assert!(
        defaults.iter().all(|i| i["action"] == "unchanged"),
        "{defaults:?}"
    );
    // The dependency order.
    let kinds: Vec<&str> = items.iter().map(|i| i["kind"].as_str().unwrap()).collect();
    let mut dedup = kinds.clone();
    dedup.dedup();
    assert_eq!(
        dedup,
        [
            "hours of operation",
            "queue",
            "prompt",
            "routing profile",
            "quick connect",
            "flow module",
            "flow"
        ]
    );
    assert_eq!(
        plan["summary"]["associate"]["LambdaFunctions"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        plan["summary"]["associate"]["LexBots"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    let calls = |op: &str| {
        app.sandbox.counters()[format!("connect:{op}")]["calls"]
            .as_u64()
            .unwrap_or(0)
    };
    let content_writes_before = calls("UpdateContactFlowContent");
    let (s, report) = app.post("/deploy", &deploy_body(key, false)).await;
    assert_eq!(s, 200, "{report}");
    assert_eq!(report["status"], "succeeded", "{report}");
    // Flows and modules are created with their final content, in the order their references
    // allow; only Main Menu and Support Menu refer to each other, so one of them alone is
    // created as a stub and gets its content once the other exists.
    let step = report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|s| {
            s["step"]
                .as_str()
                .filter(|s| s.starts_with("create and update items"))
        })
        .unwrap_or_else(|| panic!("{report}"));
    assert!(step.ends_with("1 stub to break cycles)"), "{step}");
    assert_eq!(calls("UpdateContactFlowContent") - content_writes_before, 1);
    assert_eq!(calls("UpdateContactFlowModuleContent"), 0);

    let (_, prod) = connect_snapshot(&app, &PROD, "acme-prod").await;
    let prod = &prod["config"];
    let prod_instance = prod["InstanceArn"].as_str().unwrap();
    for k in KINDS {
        let d = dev[k].as_object().unwrap();
        let p = prod[k].as_object().unwrap();
        assert_eq!(
            d.keys().collect::<Vec<_>>(),
            p.keys().collect::<Vec<_>>(),
            "{k}"
        );
        for (name, item) in d {
            assert_eq!(
                by_names(prod, &without_identity(&p[name])),
                by_names(dev, &without_identity(item)),
                "{k} {name} in prod equals its dev source after remapping"
            );
        }
    }
    // Every ARN inside prod content points into prod.
    for k in ["Flows", "Modules"] {
        for item in prod[k].as_object().unwrap().values() {
            let mut all = Vec::new();
            strings(&item["Content"], &mut all);
            for s in all.iter().filter(|s| s.starts_with("arn:")) {
                assert!(s.contains(":222222222222:"), "{s}");
                if s.starts_with("arn:aws:connect:") {
                    assert!(s.starts_with(prod_instance), "{s}");
                }
            }
            assert!(
                !all.iter().any(|s| dev[k]
                    .as_object()
                    .unwrap()
                    .values()
                    .any(|d| d["Id"] == json!(s))),
                "no bare dev id is left"
            );
        }
    }
    // Lex link (Lex issue point 7): the prod alias ARN, and the bot associated in prod.
    let lex: Vec<&String> = prod["LexAliases"].as_object().unwrap().keys().collect();
    assert_eq!(lex.len(), 1);
    assert!(lex[0].starts_with("arn:aws:lex:us-east-1:222222222222:bot-alias/"));
    assert_eq!(prod["LexBots"], json!([lex[0]]));
    assert_eq!(
        prod["Flows"]["Orders Bot"]["Content"]["Actions"][0]["Parameters"]["LexV2Bot"]["AliasArn"],
        json!(lex[0])
    );
    assert_eq!(
        prod["LexAliases"][lex[0]],
        json!({"Bot": "OrdersBot", "Alias": "live"})
    );
    let lambdas: Vec<String> = prod["LambdaFunctions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        lambdas,
        [
            "arn:aws:lambda:us-east-1:222222222222:function:cc-callback-scheduler",
            "arn:aws:lambda:us-east-1:222222222222:function:cc-customer-lookup"
        ]
    );

    // The same deploy again changes nothing.
    let (s, plan) = app.post("/deploy", &deploy_body(key, true)).await;
    assert_eq!(s, 200, "{plan}");
    assert_eq!(plan["action"], "unchanged", "{plan}");
    assert_eq!(plan["changes"], json!([]));
    let (s, report) = app.post("/deploy", &deploy_body(key, false)).await;
    assert_eq!(s, 200, "{report}");
    assert_eq!(report["status"], "unchanged");
}

#[tokio::test]
async fn a_selective_deploy_takes_the_chosen_flows_and_exactly_what_they_need() {
    let app = spawn_unpaced().await;
    app.register_both().await;
    let (meta, _) = connect_snapshot(&app, &DEV, "acme-dev").await;
    let mut body = deploy_body(&meta["key"], true);
    body["options"] = json!({"flows": ["Support Menu"]});
    let (s, plan) = app.post("/deploy", &body).await;
    assert_eq!(s, 200, "{plan}");
    let mut items: Vec<String> = plan["summary"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            format!(
                "{}:{}",
                i["kind"].as_str().unwrap(),
                i["name"].as_str().unwrap()
            )
        })
        .collect();
    items.sort();
    // Support Menu -> Authenticate Caller (module, calls a Lambda), Support queue (24x7
    // hours, its quick connects and their queues, hours and transfer flows), Hold Music,
    // Main Menu (and everything Main Menu reaches).
    for needed in [
        "flow:Support Menu",
        "flow module:Authenticate Caller",
        "queue:Support",
        "hours of operation:24x7",
        "prompt:Hold Music",
        "flow:Main Menu",
        "flow:Orders Bot",
        "flow module:Log Contact",
        "quick connect:QC Sales",
    ] {
        assert!(items.contains(&needed.to_owned()), "{needed} in {items:?}");
    }
    for not_needed in [
        "flow:Survey",
        "flow:Customer Queue",
        "routing profile:Front Desk",
    ] {
        assert!(
            !items.contains(&not_needed.to_owned()),
            "{not_needed} in {items:?}"
        );
    }
    assert_eq!(plan["summary"]["selective"], true);

    body["options"] = json!({"flows": ["No Such Flow"]});
    let (s, b) = app.post("/deploy", &body).await;
    common::assert_error(s, &b, 422, "invalid_operation");
}

#[tokio::test]
async fn rollback_restores_the_snapshot_and_reports_what_was_created_after_it() {
    let app = spawn_unpaced().await;
    app.register(&DEV).await;
    let (meta, doc) = connect_snapshot(&app, &DEV, "acme-dev").await;
    let dev = &doc["config"];
    let connect = app.connect_as(&DEV);
    let instance = instance_id(dev);
    let snapshot_sdk = connect_state(&connect, instance).await;

    // Someone edits a flow, renames a queue and adds one.
    drift(&connect, dev, &["Escalations"]).await;

    let rollback = json!({"account_id": "111111111111", "region": "us-east-1", "service": "connect", "resource_name": "acme-dev", "snapshot_key": meta["key"], "dry_run": true});
    let (s, plan) = app.post("/rollback", &rollback).await;
    assert_eq!(s, 200, "{plan}");
    let updates: Vec<&Value> = plan["summary"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["action"] != "unchanged")
        .collect();
    assert_eq!(
        updates,
        [
            &json!({"kind": "queue", "name": "Billing", "action": "update"}),
            &json!({"kind": "flow", "name": "Survey", "action": "update"})
        ],
        "the rename is undone, not duplicated"
    );
    assert_eq!(
        plan["summary"]["not_in_source"],
        json!([{"kind": "queue", "name": "Escalations"}])
    );

    let mut real = rollback.clone();
    real["dry_run"] = json!(false);
    let (s, report) = app.post("/rollback", &real).await;
    assert_eq!(s, 200, "{report}");
    assert_eq!(report["status"], "succeeded", "{report}");
    assert!(report["safety_snapshot"]["key"].is_string());
    let (_, after) = connect_snapshot(&app, &DEV, "acme-dev").await;
    assert_eq!(after["config"]["Flows"]["Survey"], dev["Flows"]["Survey"]);
    assert_eq!(
        after["config"]["Queues"]["Billing"],
        dev["Queues"]["Billing"]
    );
    assert!(
        after["config"]["Queues"]["Escalations"].is_object(),
        "kept unless asked"
    );

    // Asked to remove it: the instance is the snapshot again, digest for digest.
    real["remove_created"] = json!(true);
    let (s, report) = app.post("/rollback", &real).await;
    assert_eq!(s, 200, "{report}");
    assert_eq!(report["status"], "succeeded", "{report}");
    let (after, _) = connect_snapshot(&app, &DEV, "acme-dev").await;
    assert_eq!(after["digest"], meta["digest"]);
    let after_sdk = connect_state(&connect, instance).await;
    assert_same_state("after the rollback", &snapshot_sdk, &after_sdk);

    // A rename back that would collide with a newer item of that name is refused up front.
    connect
        .update_queue_name()
        .instance_id(instance)
        .queue_id(dev["Queues"]["Billing"]["Id"].as_str().unwrap())
        .name("Billing (old)")
        .send()
        .await
        .unwrap();
    connect
        .create_queue()
        .instance_id(instance)
        .name("Billing")
        .hours_of_operation_id(dev["HoursOfOperations"]["24x7"]["Id"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    let (s, plan) = app.post("/rollback", &rollback).await;
    assert_eq!(s, 200, "{plan}");
    assert!(
        plan["blockers"][0]
            .as_str()
            .unwrap()
            .contains("another queue is now called Billing"),
        "{plan}"
    );
    let (s, refused) = app.post("/rollback", &real).await;
    common::assert_error(s, &refused, 422, "invalid_operation");
}

#[tokio::test]
async fn calls_are_chunked_to_connects_per_call_limits() {
    use aws_sdk_connect::types::{
        Channel, MediaConcurrency, PhoneNumberQuickConnectConfig, QuickConnectConfig,
        QuickConnectType, RoutingProfileQueueConfig, RoutingProfileQueueReference,
    };
    let app = spawn_unpaced().await;
    app.register_both().await;
    promote_lambda(&app).await;
    promote_bot(&app).await;
    let (_, doc) = connect_snapshot(&app, &DEV, "acme-dev").await;
    let dev = &doc["config"];
    let instance = instance_id(dev);
    let connect = app.connect_as(&DEV);
    let hours = dev["HoursOfOperations"]["24x7"]["Id"].as_str().unwrap();

    // A routing profile with 12 queues (Connect takes 10 per call) ...
    let mut configs = Vec::new();
    for i in 0..12 {
        let q = connect
            .create_queue()
            .instance_id(instance)
            .name(format!("Overflow {i:02}"))
            .hours_of_operation_id(hours)
            .send()
            .await
            .unwrap();
        configs.push(
            RoutingProfileQueueConfig::builder()
                .queue_reference(
                    RoutingProfileQueueReference::builder()
                        .queue_id(q.queue_id().unwrap())
                        .channel(Channel::Voice)
                        .build()
                        .unwrap(),
                )
                .priority(i + 1)
                .delay(0)
                .build()
                .unwrap(),
        );
    }
    let rp = connect
        .create_routing_profile()
        .instance_id(instance)
        .name("Overflow Team")
        .description("twelve queues")
        .default_outbound_queue_id(dev["Queues"]["Sales"]["Id"].as_str().unwrap())
        .media_concurrencies(
            MediaConcurrency::builder()
                .channel(Channel::Voice)
                .concurrency(1)
                .build()
                .unwrap(),
        )
        .set_queue_configs(Some(configs[..10].to_vec()))
        .send()
        .await
        .unwrap();
    connect
        .associate_routing_profile_queues()
        .instance_id(instance)
        .routing_profile_id(rp.routing_profile_id().unwrap())
        .set_queue_configs(Some(configs[10..].to_vec()))
        .send()
        .await
        .unwrap();
    // ... and a queue with 58 quick connects (Connect takes 50 per call).
    let mut qcs = Vec::new();
    for i in 0..55 {
        let qc = connect
            .create_quick_connect()
            .instance_id(instance)
            .name(format!("Phone {i:02}"))
            .quick_connect_config(
                QuickConnectConfig::builder()
                    .quick_connect_type(QuickConnectType::PhoneNumber)
                    .phone_config(
                        PhoneNumberQuickConnectConfig::builder()
                            .phone_number(format!("+1555000{i:04}"))
                            .build()
                            .unwrap(),
                    )
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
        qcs.push(qc.quick_connect_id().unwrap().to_owned());
    }
    for chunk in qcs.chunks(50) {
        connect
            .associate_queue_quick_connects()
            .instance_id(instance)
            .queue_id(dev["Queues"]["Sales"]["Id"].as_str().unwrap())
            .set_quick_connect_ids(Some(chunk.to_vec()))
            .send()
            .await
            .unwrap();
    }

    let (meta, doc) = connect_snapshot(&app, &DEV, "acme-dev").await;
    assert_eq!(
        doc["config"]["Queues"]["Sales"]["QuickConnects"]
            .as_array()
            .unwrap()
            .len(),
        58
    );
    let (s, report) = app.post("/deploy", &deploy_body(&meta["key"], false)).await;
    assert_eq!(s, 200, "{report}");
    assert_eq!(report["status"], "succeeded", "{report}");
    let (_, prod) = connect_snapshot(&app, &PROD, "acme-prod").await;
    let prod = &prod["config"];
    assert_eq!(
        prod["RoutingProfiles"]["Overflow Team"]["Queues"]
            .as_array()
            .unwrap()
            .len(),
        12
    );
    assert_eq!(
        prod["Queues"]["Sales"]["QuickConnects"],
        doc["config"]["Queues"]["Sales"]["QuickConnects"]
    );
    let counters = app.sandbox.counters();
    assert!(
        counters["connect:AssociateQueueQuickConnects"]["calls"]
            .as_u64()
            .unwrap()
            >= 2 + 2,
        "two calls in dev, at least two in prod for Sales' 58: {counters}"
    );
}

#[tokio::test]
async fn a_rollback_that_removes_what_was_created_leaves_no_difference_to_the_snapshot() {
    let app = spawn_unpaced().await;
    app.register_both().await;
    let (before, prod_doc) = connect_snapshot(&app, &PROD, "acme-prod").await;
    let prod = app.connect_as(&PROD);
    let prod_instance = instance_id(&prod_doc["config"]).to_owned();
    let before_sdk = connect_state(&prod, &prod_instance).await;
    promote_lambda(&app).await;
    promote_bot(&app).await;
    let (meta, _) = connect_snapshot(&app, &DEV, "acme-dev").await;
    let (s, report) = app.post("/deploy", &deploy_body(&meta["key"], false)).await;
    assert_eq!(s, 200, "{report}");

    // The associations the deploy made are listed by name, like its items.
    let rollback = json!({"account_id": "222222222222", "region": "us-east-1", "service": "connect", "resource_name": "acme-prod", "snapshot_key": before["key"], "dry_run": true});
    let (s, plan) = app.post("/rollback", &rollback).await;
    assert_eq!(s, 200, "{plan}");
    let kinds: Vec<&str> = plan["summary"]["not_in_source"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"Lambda function association"), "{kinds:?}");
    assert!(kinds.contains(&"Lex bot association"), "{kinds:?}");

    // Removing what was created: live is the snapshot again, associations included.
    let mut real = rollback.clone();
    real["dry_run"] = json!(false);
    real["remove_created"] = json!(true);
    let (s, report) = app.post("/rollback", &real).await;
    assert_eq!(s, 200, "{report}");
    assert_eq!(report["status"], "succeeded", "{report}");
    let (s, diff) = app
        .get(&format!(
            "/diff?from={}&to=live",
            before["key"].as_str().unwrap()
        ))
        .await;
    assert_eq!(s, 200, "{diff}");
    assert_eq!(diff["changes"], json!([]), "{diff}");
    let after_sdk = connect_state(&prod, &prod_instance).await;
    assert_same_state("after the rollback", &before_sdk, &after_sdk);
}
