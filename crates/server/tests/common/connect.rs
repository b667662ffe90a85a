//! Helpers of the Connect deploy and rollback tests: promoting what an instance calls,
//! snapshots over HTTP, console-style edits, and comparing items without their identity.

use super::TestApp;
use serde_json::{json, Value};
use snapdeploy_sandbox::seed::DEV;

pub fn without_identity(item: &Value) -> Value {
    let mut v = item.clone();
    let m = v.as_object_mut().unwrap();
    m.remove("Id");
    m.remove("Arn");
    v
}

pub async fn connect_snapshot(
    app: &TestApp,
    a: &snapdeploy_sandbox::SeedAccount,
    alias: &str,
) -> (Value, Value) {
    let meta = app.snapshot_of(a, "connect", alias).await;
    let doc = app.snapshot_doc(meta["key"].as_str().unwrap()).await;
    (meta, doc)
}

/// Promotes the Lambda function only dev has, as a team would before the flows calling it.
pub async fn promote_lambda(app: &TestApp) {
    let meta = app
        .snapshot_of(&DEV, "lambda", "cc-callback-scheduler")
        .await;
    let (s, report) = app
        .post("/deploy", &json!({"source": {"snapshot_key": meta["key"]}, "target": {"account_id": "222222222222", "region": "us-east-1"}}))
        .await;
    assert_eq!(s, 200, "{report}");
    assert_eq!(report["status"], "succeeded", "{report}");
}

/// Promotes OrdersBot to prod with a `live` alias, as a team would before the flows that use
/// it, after the function its code hooks call (a bot is refused while that is missing).
pub async fn promote_bot(app: &TestApp) {
    let hook = app
        .snapshot_of(&DEV, "lambda", "lex-orders-fulfillment")
        .await;
    // Its policy names the bot, not in prod yet: that statement is left out (a release
    // adds it once the bot is there).
    let (s, report) = app
        .post("/deploy", &json!({"source": {"snapshot_key": hook["key"]}, "target": {"account_id": "222222222222", "region": "us-east-1"}, "options": {"accept_unmapped": true}}))
        .await;
    assert_eq!(s, 200, "{report}");
    let meta = app.snapshot_of(&DEV, "lex", "OrdersBot").await;
    let (s, report) = app
        .post("/deploy", &json!({"source": {"snapshot_key": meta["key"]}, "target": {"account_id": "222222222222", "region": "us-east-1"}, "options": {"alias": "live"}}))
        .await;
    assert_eq!(s, 200, "{report}");
    assert_eq!(report["status"], "succeeded", "{report}");
}

/// Publishes new words for a flow's first block, as someone editing it in the console would.
pub async fn edit_flow(
    connect: &aws_sdk_connect::Client,
    instance: &str,
    flow: &Value,
    text: &str,
) {
    connect
        .update_contact_flow_content()
        .instance_id(instance)
        .contact_flow_id(flow["Id"].as_str().unwrap())
        .content(new_words(flow, text))
        .send()
        .await
        .unwrap();
}

/// The same for a flow module.
pub async fn edit_module(
    connect: &aws_sdk_connect::Client,
    instance: &str,
    module: &Value,
    text: &str,
) {
    connect
        .update_contact_flow_module_content()
        .instance_id(instance)
        .contact_flow_module_id(module["Id"].as_str().unwrap())
        .content(new_words(module, text))
        .send()
        .await
        .unwrap();
}

/// An item's content with `text` as its first block's parameters.
fn new_words(item: &Value, text: &str) -> String {
    let mut content = item["Content"].clone();
    content["Actions"][0]["Parameters"] = json!({ "Text": text });
    content.to_string()
}

/// The instance id of a captured instance's configuration.
pub fn instance_id(config: &Value) -> &str {
    config["InstanceArn"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
}

/// What happens to an instance after its snapshot, in the console: Survey edited, the
/// Billing queue renamed "Billing (old)", and `new_queues` added.
pub async fn drift(connect: &aws_sdk_connect::Client, config: &Value, new_queues: &[&str]) {
    let instance = instance_id(config);
    edit_flow(
        connect,
        instance,
        &config["Flows"]["Survey"],
        "edited in the console",
    )
    .await;
    connect
        .update_queue_name()
        .instance_id(instance)
        .queue_id(config["Queues"]["Billing"]["Id"].as_str().unwrap())
        .name("Billing (old)")
        .send()
        .await
        .unwrap();
    for name in new_queues {
        connect
            .create_queue()
            .instance_id(instance)
            .name(*name)
            .hours_of_operation_id(config["HoursOfOperations"]["24x7"]["Id"].as_str().unwrap())
            .send()
            .await
            .unwrap();
    }
}

pub fn deploy_body(key: &Value, dry_run: bool) -> Value {
    json!({"source": {"snapshot_key": key}, "target": {"account_id": "222222222222", "region": "us-east-1", "resource_name": "acme-prod"}, "dry_run": dry_run})
}
