//! A rollback brings back items deleted since the snapshot (with new ids, by name), judged
//! by reading the instance back through the AWS SDK, not by SnapDeploy's own capture.

mod common;

use common::connect::{connect_snapshot, instance_id};
use common::oracle::{assert_same_state, connect_state};
use common::spawn_unpaced;
use serde_json::{json, Value};
use snapdeploy_sandbox::seed::DEV;

fn first_id(config: &Value, kind: &str) -> (String, String) {
    let (name, item) = config[kind].as_object().unwrap().iter().next().unwrap();
    (name.clone(), item["Id"].as_str().unwrap().to_owned())
}

#[tokio::test]
async fn a_rollback_brings_back_what_was_deleted_since_the_snapshot() {
    let app = spawn_unpaced().await;
    app.register(&DEV).await;
    let (meta, doc) = connect_snapshot(&app, &DEV, "acme-dev").await;
    let config = &doc["config"];
    let connect = app.connect_as(&DEV);
    let instance = instance_id(config).to_owned();
    let snapshot_sdk = connect_state(&connect, &instance).await;

    // In the console since the snapshot: a prompt, a quick connect, a flow module and a
    // flow deleted, and a queue tagged.
    let (prompt, prompt_id) = first_id(config, "Prompts");
    let (quick, quick_id) = first_id(config, "QuickConnects");
    let (module, module_id) = first_id(config, "Modules");
    connect
        .delete_prompt()
        .instance_id(&instance)
        .prompt_id(&prompt_id)
        .send()
        .await
        .unwrap();
    connect
        .delete_quick_connect()
        .instance_id(&instance)
        .quick_connect_id(&quick_id)
        .send()
        .await
        .unwrap();
    connect
        .delete_contact_flow_module()
        .instance_id(&instance)
        .contact_flow_module_id(&module_id)
        .send()
        .await
        .unwrap();
    let survey = config["Flows"]["Survey"]["Id"].as_str().unwrap();
    connect
        .delete_contact_flow()
        .instance_id(&instance)
        .contact_flow_id(survey)
        .send()
        .await
        .unwrap();
    let sales = connect
        .describe_queue()
        .instance_id(&instance)
        .queue_id(config["Queues"]["Sales"]["Id"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    connect
        .tag_resource()
        .resource_arn(sales.queue().unwrap().queue_arn().unwrap())
        .tags("team", "console")
        .send()
        .await
        .unwrap();
    let deleted_sdk = connect_state(&connect, &instance).await;
    assert_eq!(
        deleted_sdk["queue/Sales"]["tags"],
        json!({"team": "console"})
    );
    for key in [
        format!("prompt/{prompt}"),
        format!("quick-connect/{quick}"),
        format!("module/{module}"),
        "flow/Survey".to_owned(),
    ] {
        assert!(!deleted_sdk.contains_key(&key), "{key} is gone");
    }

    let rollback = json!({"account_id": "111111111111", "region": "us-east-1", "service": "connect", "resource_name": "acme-dev", "snapshot_key": meta["key"]});
    let (s, report) = app.post("/rollback", &rollback).await;
    assert_eq!(s, 200, "{report}");
    assert_eq!(report["status"], "succeeded", "{report}");
    let after_sdk = connect_state(&connect, &instance).await;
    assert_same_state(
        "after rolling back the deletions",
        &snapshot_sdk,
        &after_sdk,
    );
}
