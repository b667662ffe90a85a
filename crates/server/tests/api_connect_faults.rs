//! A fault at any write of a Connect deploy or rollback leaves the instance as it was.

mod common;

use common::connect::{
    connect_snapshot, deploy_body, drift, edit_flow, edit_module, instance_id, promote_bot,
    promote_lambda, without_identity,
};
use common::oracle::{assert_same_state, connect_state};
use common::spawn_unpaced;
use serde_json::json;
use snapdeploy_sandbox::seed::{DEV, PROD};

#[tokio::test]
async fn a_fault_at_any_deploy_step_leaves_the_target_as_it_was() {
    let app = spawn_unpaced().await;
    app.register_both().await;
    promote_lambda(&app).await;
    promote_bot(&app).await;
    let (meta, _) = connect_snapshot(&app, &DEV, "acme-dev").await;
    let (before, prod_doc) = connect_snapshot(&app, &PROD, "acme-prod").await;
    let prod = app.connect_as(&PROD);
    let prod_instance = instance_id(&prod_doc["config"]).to_owned();
    let before_sdk = connect_state(&prod, &prod_instance).await;

    // One fault per kind of write a deploy to an empty instance makes, each on a later call
    // than the first where several are made, so earlier writes of the same kind are undone too.
    // Flows are created with their content; the one stub (Main Menu and Support Menu refer
    // to each other) gets its content once the other exists.
    for (op, nth) in [
        ("CreateHoursOfOperation", 2),
        ("CreatePrompt", 2),
        ("AssociateLambdaFunction", 2),
        ("AssociateBot", 1),
        ("CreateContactFlowModule", 2),
        ("CreateContactFlow", 7),
        ("CreateQueue", 3),
        ("CreateRoutingProfile", 2),
        ("CreateQuickConnect", 2),
        ("AssociateQueueQuickConnects", 2),
        ("UpdateContactFlowContent", 1),
    ] {
        app.inject(json!({"service": "connect", "operation": op, "nth": nth, "status": 400, "error_code": "InvalidParameterException", "message": "injected"}))
            .await;
        let (s, b) = app.post("/deploy", &deploy_body(&meta["key"], false)).await;
        app.clear_faults().await;
        common::assert_error(s, &b, 502, "change_failed");
        let report = &b["error"]["details"]["report"];
        assert_eq!(report["status"], "failed_restored", "{op}: {report}");
        // Readable: the service's code and message, not the SDK's debug dump.
        assert!(
            report["error"]
                .as_str()
                .unwrap()
                .ends_with(": InvalidParameterException: injected"),
            "{op}: {report}"
        );
        let (now, _) = connect_snapshot(&app, &PROD, "acme-prod").await;
        assert_eq!(now["digest"], before["digest"], "{op}: prod is as it was");
        let now_sdk = connect_state(&prod, &prod_instance).await;
        assert_same_state(&format!("after a fault at {op}"), &before_sdk, &now_sdk);
    }

    // And on the update path: prod has the instance, dev moved on.
    let (s, report) = app.post("/deploy", &deploy_body(&meta["key"], false)).await;
    assert_eq!(s, 200, "{report}");
    let (deployed, _) = connect_snapshot(&app, &PROD, "acme-prod").await;
    let deployed_sdk = connect_state(&prod, &prod_instance).await;
    let connect = app.connect_as(&DEV);
    let (_, dev) = connect_snapshot(&app, &DEV, "acme-dev").await;
    let dev = &dev["config"];
    let instance = instance_id(dev);
    for flow in ["Survey", "Billing Menu", "VIP Routing"] {
        edit_flow(
            &connect,
            instance,
            &dev["Flows"][flow],
            &format!("{flow} v2"),
        )
        .await;
    }
    connect
        .update_queue_max_contacts()
        .instance_id(instance)
        .queue_id(dev["Queues"]["Support"]["Id"].as_str().unwrap())
        .max_contacts(77)
        .send()
        .await
        .unwrap();
    let module = &dev["Modules"]["Authenticate Caller"];
    edit_module(&connect, instance, module, "Authenticate v2").await;
    let (v2, _) = connect_snapshot(&app, &DEV, "acme-dev").await;
    for (op, nth) in [
        ("UpdateQueueMaxContacts", 1),
        ("UpdateContactFlowModuleContent", 1),
        ("UpdateContactFlowContent", 3),
    ] {
        app.inject(json!({"service": "connect", "operation": op, "nth": nth, "status": 400, "error_code": "InvalidParameterException", "message": "injected"}))
            .await;
        let (s, b) = app.post("/deploy", &deploy_body(&v2["key"], false)).await;
        app.clear_faults().await;
        common::assert_error(s, &b, 502, "change_failed");
        assert_eq!(
            b["error"]["details"]["report"]["status"], "failed_restored",
            "{op}: {b}"
        );
        let (now, _) = connect_snapshot(&app, &PROD, "acme-prod").await;
        assert_eq!(now["digest"], deployed["digest"], "{op}: prod is as it was");
        let now_sdk = connect_state(&prod, &prod_instance).await;
        assert_same_state(&format!("after a fault at {op}"), &deployed_sdk, &now_sdk);
    }
    let (s, report) = app.post("/deploy", &deploy_body(&v2["key"], false)).await;
    assert_eq!(s, 200, "{report}");
    assert_eq!(report["status"], "succeeded");
}

#[tokio::test]
async fn a_fault_at_any_rollback_step_leaves_the_instance_as_it_was() {
    let app = spawn_unpaced().await;
    app.register(&DEV).await;
    let (meta, doc) = connect_snapshot(&app, &DEV, "acme-dev").await;
    let dev = &doc["config"];
    let connect = app.connect_as(&DEV);
    let instance = instance_id(dev).to_owned();
    let snapshot_sdk = connect_state(&connect, &instance).await;
    // Since the snapshot: a flow edited, a queue renamed, two queues added.
    drift(&connect, dev, &["Escalations", "Overflow"]).await;
    let (before, before_doc) = connect_snapshot(&app, &DEV, "acme-dev").await;
    let before_sdk = connect_state(&connect, &instance).await;
    let rollback = json!({"account_id": "111111111111", "region": "us-east-1", "service": "connect", "resource_name": "acme-dev", "snapshot_key": meta["key"], "remove_created": true});

    // A fault on each kind of write the rollback makes; the deletes of items created since
    // the snapshot come last, so a fault on the first leaves nothing deleted.
    for (op, nth) in [
        ("UpdateQueueName", 1),
        ("UpdateContactFlowContent", 1),
        ("DeleteQueue", 1),
    ] {
        app.inject(json!({"service": "connect", "operation": op, "nth": nth, "status": 400, "error_code": "InvalidParameterException", "message": "injected"}))
            .await;
        let (s, b) = app.post("/rollback", &rollback).await;
        app.clear_faults().await;
        common::assert_error(s, &b, 502, "change_failed");
        let report = &b["error"]["details"]["report"];
        assert_eq!(report["status"], "failed_restored", "{op}: {report}");
        assert!(
            report["safety_snapshot"]["key"].is_string(),
            "{op}: {report}"
        );
        let restore = report["steps"].as_array().unwrap().last().unwrap().clone();
        assert!(
            !restore["message"].as_str().unwrap().contains("new id"),
            "{op}: nothing was deleted: {restore}"
        );
        let (now, _) = connect_snapshot(&app, &DEV, "acme-dev").await;
        assert_eq!(now["digest"], before["digest"], "{op}: as it was");
        let now_sdk = connect_state(&connect, &instance).await;
        assert_same_state(&format!("after a fault at {op}"), &before_sdk, &now_sdk);
    }

    // A fault after one delete: a deleted queue cannot be brought back with its id, so the
    // restore creates it again from the safety snapshot, same name and settings.
    app.inject(json!({"service": "connect", "operation": "DeleteQueue", "nth": 2, "status": 400, "error_code": "InvalidParameterException", "message": "injected"}))
        .await;
    let (s, b) = app.post("/rollback", &rollback).await;
    app.clear_faults().await;
    common::assert_error(s, &b, 502, "change_failed");
    assert_eq!(
        b["error"]["details"]["report"]["status"], "failed_restored",
        "{b}"
    );
    let restore = b["error"]["details"]["report"]["steps"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        restore
            .ends_with("; queue Escalations had been deleted and was created again with a new id"),
        "the report says what came back with a new id: {restore}"
    );
    let (_, now) = connect_snapshot(&app, &DEV, "acme-dev").await;
    for (name, q) in before_doc["config"]["Queues"].as_object().unwrap() {
        assert_eq!(
            without_identity(&now["config"]["Queues"][name]),
            without_identity(q),
            "{name}"
        );
    }
    assert_eq!(
        now["config"]["Flows"], before_doc["config"]["Flows"],
        "flows are as they were"
    );
    // Read through the SDK, the deleted queue is back by name with everything it had.
    let now_sdk = connect_state(&connect, &instance).await;
    assert_same_state("after a fault at the second delete", &before_sdk, &now_sdk);

    // Without a fault the rollback goes through.
    let (s, report) = app.post("/rollback", &rollback).await;
    assert_eq!(s, 200, "{report}");
    assert_eq!(report["status"], "succeeded", "{report}");
    let (after, _) = connect_snapshot(&app, &DEV, "acme-dev").await;
    assert_eq!(after["digest"], meta["digest"]);
    let after_sdk = connect_state(&connect, &instance).await;
    assert_same_state("after the rollback", &snapshot_sdk, &after_sdk);
}
