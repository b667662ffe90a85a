//! Connect extract and snapshot against the sandbox, with and without its 2 requests/s quota.

mod common;

use common::{fast_sandbox, spawn_app, spawn_app_with_hub};
use serde_json::{json, Value};
use snapdeploy_aws::HubConfig;
use snapdeploy_sandbox::seed::DEV;
use snapdeploy_sandbox::SandboxConfig;
use snapdeploy_server::ServerConfig;

fn has_key(v: &Value, key: &str) -> bool {
    match v {
        Value::Object(m) => m.contains_key(key) || m.values().any(|x| has_key(x, key)),
        Value::Array(a) => a.iter().any(|x| has_key(x, key)),
        _ => false,
    }
}

#[tokio::test]
async fn extract_lists_instances_and_their_contents() {
    let app = spawn_app().await;
    app.register(&DEV).await;
    let (s, body) = app
        .get("/extract/connect?account_id=111111111111&region=us-east-1")
        .await;
    assert_eq!(s, 200, "{body}");
    let inst = &body["resources"][0];
    assert_eq!(inst["InstanceAlias"], "acme-dev");
    // acme-dev's items and the defaults every instance starts with.
    assert_eq!(inst["Flows"].as_array().unwrap().len(), 15 + 8);
    assert_eq!(
        inst["Queues"],
        json!(["BasicQueue", "Billing", "Sales", "Support"])
    );
    assert_eq!(
        inst["Modules"],
        json!(["Authenticate Caller", "Log Contact"])
    );
    assert_eq!(inst["HoursOfOperations"].as_array().unwrap().len(), 2 + 1);
    assert_eq!(inst["Prompts"].as_array().unwrap().len(), 3 + 5);
    assert_eq!(inst["RoutingProfiles"].as_array().unwrap().len(), 2 + 1);
    assert_eq!(inst["QuickConnects"].as_array().unwrap().len(), 3);
    assert_eq!(inst["LambdaFunctions"].as_array().unwrap().len(), 2);
    assert_eq!(inst["LexBots"].as_array().unwrap().len(), 1);
}

/// Switches the sandbox's Connect quota to one bucket per account + region for every
/// operation (its default is a bucket per operation, as Connect's API reference states).
async fn one_connect_bucket(app: &common::TestApp) {
    let r = app
        .http
        .put(format!("{}/_sandbox/quotas", app.sandbox_url))
        .json(&json!({"connect": {"mode": "shared"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
}

#[tokio::test]
async fn snapshot_captures_the_instance_canonically_under_throttling() {
    // Quotas on: 2 requests/s, burst 5, one bucket for every operation. The client here paces
    // at twice that, as when other callers share the account's quota, so calls are throttled; the retries
    // absorb it and no error reaches the caller.
    let sb = SandboxConfig {
        quotas_enabled: true,
        ..fast_sandbox()
    };
    let hub = HubConfig {
        connect_rate: 4.0,
        connect_burst: 8.0,
        ..HubConfig::default()
    };
    let app = spawn_app_with_hub(sb, ServerConfig::default(), None, hub).await;
    one_connect_bucket(&app).await;
    app.register(&DEV).await;
    let body = json!({"account_id": "111111111111", "region": "us-east-1", "service": "connect", "resource_name": "acme-dev"});
    let (s, meta) = app.post("/snapshot", &body).await;
    assert_eq!(s, 201, "{meta}");
    let doc = app.snapshot_doc(meta["key"].as_str().unwrap()).await;
    let c = &doc["config"];
    assert_eq!(
        c["Queues"]["Sales"]["HoursOfOperation"], "Business Hours",
        "references by name"
    );
    assert_eq!(
        c["RoutingProfiles"]["Front Desk"]["Queues"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        c["RoutingProfiles"]["Front Desk"]["DefaultOutboundQueue"],
        "Sales"
    );
    assert_eq!(
        c["QuickConnects"]["QC Sales"]["Config"]["Queue"],
        json!({"Queue": "Sales", "Flow": "Transfer to Sales"})
    );
    assert_eq!(
        c["Queues"]["Support"]["QuickConnects"],
        json!(["QC Billing", "QC Sales", "QC Support"])
    );
    let main = &c["Flows"]["Main Menu"];
    assert_eq!(main["Status"], "PUBLISHED");
    assert!(
        main["Content"]["Actions"].is_array(),
        "flow content is parsed JSON"
    );
    // Read-only fields are not part of what would be sent back.
    for read_only in [
        "LastModifiedTime",
        "LastModifiedRegion",
        "FlowContentSha256",
        "NumberOfAssociatedQueues",
        "NumberOfAssociatedUsers",
    ] {
        assert!(!has_key(c, read_only), "{read_only} must not be captured");
    }
    // Prompt audio is stored as blobs.
    let audio: Vec<&Value> = doc["blobs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["media_type"] == "audio/wav")
        .collect();
    assert_eq!(audio.len(), 3 + 5);
    assert_eq!(
        c["Prompts"]["Welcome"]["Audio"],
        audio
            .iter()
            .find(|b| b["role"] == "prompt:Welcome")
            .unwrap()["sha256"]
    );

    // An unchanged instance snapshots to the same digest.
    let (s, again) = app.post("/snapshot", &body).await;
    assert_eq!(s, 201, "{again}");
    assert_eq!(again["digest"], meta["digest"]);

    let counters = app.sandbox.counters();
    let throttled: u64 = counters
        .as_object()
        .unwrap()
        .iter()
        .filter(|(k, _)| k.starts_with("connect:"))
        .map(|(_, v)| v["throttled"].as_u64().unwrap())
        .sum();
    let calls: u64 = counters
        .as_object()
        .unwrap()
        .iter()
        .filter(|(k, _)| k.starts_with("connect:"))
        .map(|(_, v)| v["calls"].as_u64().unwrap())
        .sum();
    assert!(calls > 10, "{counters}");
    assert!(throttled > 0, "the sandbox throttled: {counters}");
}

/// Connect calls (answered, throttled) the sandbox has counted.
fn connect_counts(app: &common::TestApp) -> (u64, u64) {
    let counters = app.sandbox.counters();
    counters
        .as_object()
        .unwrap()
        .iter()
        .filter(|(k, _)| k.starts_with("connect:"))
        .fold((0, 0), |(c, t), (_, v)| {
            let (calls, throttled) = (
                v["calls"].as_u64().unwrap(),
                v["throttled"].as_u64().unwrap(),
            );
            (c + calls - throttled, t + throttled)
        })
}

/// The default pacing (1.9 calls/s of each operation per account + region, burst 5; its
/// rates are tested on a paused clock in `pacing`) against Connect's default quotas (2/s,
/// burst 5, per operation): a snapshot reads its kinds side by side and the sandbox
/// throttles none of its calls (at most one, delayed on its way in). Then against one bucket
/// for every operation (the older admin guide's reading): only the first calls, sent side by
/// side before anything was known, are throttled; the pacer then paces every operation in
/// one bucket and the next snapshot is not throttled at all.
#[tokio::test]
async fn the_default_pacing_keeps_snapshots_under_connects_quotas() {
    let sb = SandboxConfig {
        quotas_enabled: true,
        ..fast_sandbox()
    };
    let app = spawn_app_with_hub(sb, ServerConfig::default(), None, HubConfig::default()).await;
    assert_eq!(HubConfig::default().connect_rate, 1.9);
    app.register(&DEV).await;
    let body = json!({"account_id": "111111111111", "region": "us-east-1", "service": "connect", "resource_name": "acme-dev"});
    let (s, meta) = app.post("/snapshot", &body).await;
    assert_eq!(s, 201, "{meta}");
    let (calls, throttled) = connect_counts(&app);
    assert!(calls > 10, "{calls}");
    assert!(
        throttled <= 1,
        "per operation: {throttled} of {calls} throttled"
    );

    one_connect_bucket(&app).await;
    let before = connect_counts(&app);
    let (s, meta) = app.post("/snapshot", &body).await;
    assert_eq!(s, 201, "{meta}");
    let after = connect_counts(&app);
    let throttled = after.1 - before.1;
    // The first fan-out: 7 searches and 2 association lists against a burst of 5.
    assert!(throttled <= 6, "shared, first: {throttled} throttled");
    let before = after;
    let started = std::time::Instant::now();
    let (s, meta) = app.post("/snapshot", &body).await;
    let took = started.elapsed().as_secs_f64();
    assert_eq!(s, 201, "{meta}");
    let after = connect_counts(&app);
    let calls = after.0 - before.0;
    assert!(after.1 - before.1 <= 1, "shared, known: {:?}", after);
    // Paced in one bucket now: no faster than 1.9/s after the burst (a lower bound: a slower
    // machine only makes it slower).
    let floor = calls.saturating_sub(5) as f64 / 1.9;
    assert!(
        took >= floor * 0.97,
        "{calls} calls in {took:.1} s: faster than 1.9/s after the burst ({floor:.1} s)"
    );
}

#[tokio::test]
async fn several_accounts_are_extracted_in_one_call() {
    let app = spawn_app().await;
    app.register_both().await;
    let body = json!({"targets": [
        {"account_id": "111111111111", "region": "us-east-1"},
        {"account_id": "222222222222", "region": "us-east-1"},
        {"account_id": "333333333333", "region": "us-east-1"},
    ]});
    let (s, out) = app.post("/extract/connect", &body).await;
    assert_eq!(s, 200, "{out}");
    let results = out["results"].as_array().unwrap();
    assert_eq!(results[0]["resources"][0]["InstanceAlias"], "acme-dev");
    assert_eq!(results[1]["resources"][0]["InstanceAlias"], "acme-prod");
    // An instance nothing was deployed to has what AWS makes in every instance.
    let names: Vec<&Value> = results[1]["resources"][0]["Flows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| &f["Name"])
        .collect();
    assert_eq!(
        json!(names),
        json!([
            "Default agent hold",
            "Default agent transfer",
            "Default agent whisper",
            "Default customer hold",
            "Default customer queue",
            "Default customer whisper",
            "Default outbound",
            "Default queue transfer"
        ])
    );
    assert_eq!(
        results[2]["error"]["code"], "not_found",
        "one failing pair does not hide the others"
    );
    let (s, b) = app.post("/extract/connect", &json!({"targets": []})).await;
    common::assert_error(s, &b, 400, "invalid_field");
    let (s, b) = app
        .post(
            "/extract/connect",
            &json!({"targets": [{"account_id": "1", "region": "us-east-1"}]}),
        )
        .await;
    common::assert_error(s, &b, 400, "invalid_field");
}

/// The accounts are read at the same time, not one after another: while the sandbox holds
/// the first account's first call unanswered, the other account's calls still arrive.
#[tokio::test]
async fn several_accounts_are_extracted_in_parallel() {
    let app = spawn_app().await;
    app.register_both().await;
    app.inject(json!({"service": "lambda", "operation": "ListFunctions", "hold": true}))
        .await;
    let body = json!({"targets": [
        {"account_id": "111111111111", "region": "us-east-1"},
        {"account_id": "222222222222", "region": "us-east-1"},
    ]});
    let extract = {
        let (http, url) = (app.http.clone(), format!("{}/extract/lambda", app.base));
        tokio::spawn(async move { http.post(url).json(&body).send().await.unwrap().status() })
    };
    let listed = || {
        app.sandbox.counters()["lambda:ListFunctions"]["calls"]
            .as_u64()
            .unwrap_or(0)
    };
    common::eventually(
        "the second account is read while the first is held",
        || async { app.sandbox.held_calls() == 1 && listed() >= 2 },
    )
    .await;
    assert!(!extract.is_finished(), "the held call holds the extraction");
    app.clear_faults().await;
    assert_eq!(extract.await.unwrap(), 200);
}

#[tokio::test]
async fn one_resource_is_described_for_the_explorers() {
    let app = spawn_app().await;
    app.register(&DEV).await;
    let (s, b) = app
        .get("/extract/connect/acme-dev?account_id=111111111111&region=us-east-1")
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["resource_name"], "acme-dev");
    let main = &b["config"]["Flows"]["Main Menu"];
    assert!(
        main["Content"]["Actions"].as_array().unwrap().len() > 3,
        "{main}"
    );
    assert!(
        b["config"]["Prompts"]["Welcome"]["Audio"].is_null(),
        "no audio downloads for a view"
    );
    let (s, b) = app
        .get("/extract/lambda/cc-customer-lookup?account_id=111111111111&region=us-east-1")
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["config"]["Runtime"], "python3.12");
    let (s, b) = app
        .get("/extract/connect/no-such?account_id=111111111111&region=us-east-1")
        .await;
    common::assert_error(s, &b, 404, "not_found");
    let (s, b) = app
        .get("/extract/connect/acme-dev?account_id=1&region=us-east-1")
        .await;
    common::assert_error(s, &b, 400, "invalid_field");
}

#[tokio::test]
async fn a_role_without_lex_access_still_gets_its_connect_snapshot() {
    let app = spawn_app().await;
    app.register(&DEV).await;
    app.inject(json!({"service": "lex", "operation": "DescribeBot", "status": 403, "error_code": "AccessDeniedException", "message": "not allowed", "times": 10}))
        .await;
    let meta = app
        .post("/snapshot", &json!({"account_id": "111111111111", "region": "us-east-1", "service": "connect", "resource_name": "acme-dev"}))
        .await;
    assert_eq!(meta.0, 201, "{}", meta.1);
    let doc = app.snapshot_doc(meta.1["key"].as_str().unwrap()).await;
    assert_eq!(
        doc["config"]["LexAliases"],
        json!({}),
        "names unknown, nothing else lost"
    );
    assert_eq!(doc["config"]["LexBots"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_later_snapshot_reuses_reads_of_unchanged_items_and_sees_changed_ones() {
    let app = common::spawn_unpaced().await;
    app.register(&DEV).await;
    let body = json!({"account_id": "111111111111", "region": "us-east-1", "service": "connect", "resource_name": "acme-dev"});
    let calls = |op: &str| {
        app.sandbox.counters()[format!("connect:{op}")]["calls"]
            .as_u64()
            .unwrap_or(0)
    };
    let snapshot = |body: Value| {
        let app = &app;
        async move {
            let (s, meta) = app.post("/snapshot", &body).await;
            assert_eq!(s, 201, "{meta}");
            let mut doc = app.snapshot_doc(meta["key"].as_str().unwrap()).await;
            doc["key"] = meta["key"].clone();
            doc
        }
    };

    // First snapshot: every prompt's audio and every profile's queues are read.
    let first = snapshot(body.clone()).await;
    assert_eq!(calls("GetPromptFile"), 3 + 5);
    assert_eq!(calls("ListRoutingProfileQueues"), 2 + 1);
    assert!(first["observed"]["FullReadAt"].is_string(), "{first}");

    // Unchanged instance: nothing of that is read again, and the document is the same.
    let qcs_before = calls("ListQueueQuickConnects");
    let second = snapshot(body.clone()).await;
    assert_eq!(second["digest"], first["digest"]);
    assert_eq!(
        second["blobs"], first["blobs"],
        "the audio blobs are listed again"
    );
    assert_eq!(calls("GetPromptFile"), 3 + 5, "no audio read again");
    assert_eq!(
        calls("ListRoutingProfileQueues"),
        2 + 1,
        "no profile queues read again"
    );
    assert_eq!(
        calls("ListQueueQuickConnects"),
        qcs_before + 3 + 1,
        "queue quick connects are always read"
    );
    assert_eq!(
        second["observed"]["FullReadAt"], first["observed"]["FullReadAt"],
        "as fresh as the full read behind it"
    );

    // The read behind a change (its plan, and the safety snapshot a restore writes back)
    // reuses only what is provably unchanged: prompt audio, not profile queues.
    let (audio_reads, profile_reads) = (calls("GetPromptFile"), calls("ListRoutingProfileQueues"));
    let (s, plan) = app
        .post("/deploy", &json!({"source": {"snapshot_key": second["key"]}, "target": {"account_id": "111111111111", "region": "us-east-1", "resource_name": "acme-dev"}, "dry_run": true}))
        .await;
    assert_eq!(s, 200, "{plan}");
    assert_eq!(plan["action"], "unchanged", "{plan}");
    assert_eq!(calls("GetPromptFile"), audio_reads);
    assert_eq!(calls("ListRoutingProfileQueues"), profile_reads + 2 + 1);

    // Changes: Welcome gets Hold Music's audio, a priority changes in Front Desk, and the
    // Billing queue (in Billing Team, which itself is not touched) is renamed.
    let connect = app.connect_as(&DEV);
    let inst = connect.list_instances().send().await.unwrap();
    let inst = inst
        .instance_summary_list()
        .iter()
        .find(|i| i.instance_alias() == Some("acme-dev"))
        .unwrap()
        .id()
        .unwrap()
        .to_owned();
    let prompts = connect
        .search_prompts()
        .instance_id(&inst)
        .send()
        .await
        .unwrap();
    let prompt_id = |name: &str| {
        prompts
            .prompts()
            .iter()
            .find(|p| p.name() == Some(name))
            .unwrap()
            .prompt_id()
            .unwrap()
            .to_owned()
    };
    let hold_music = connect
        .get_prompt_file()
        .instance_id(&inst)
        .prompt_id(prompt_id("Hold Music"))
        .send()
        .await
        .unwrap();
    connect
        .update_prompt()
        .instance_id(&inst)
        .prompt_id(prompt_id("Welcome"))
        .s3_uri(hold_music.prompt_presigned_url().unwrap())
        .send()
        .await
        .unwrap();
    let queues = connect
        .search_queues()
        .instance_id(&inst)
        .send()
        .await
        .unwrap();
    let queue_id = |name: &str| {
        queues
            .queues()
            .iter()
            .find(|q| q.name() == Some(name))
            .unwrap()
            .queue_id()
            .unwrap()
            .to_owned()
    };
    let profiles = connect
        .search_routing_profiles()
        .instance_id(&inst)
        .send()
        .await
        .unwrap();
    let front = profiles
        .routing_profiles()
        .iter()
        .find(|p| p.name() == Some("Front Desk"))
        .unwrap();
    use aws_sdk_connect::types::{
        Channel, RoutingProfileQueueConfig, RoutingProfileQueueReference,
    };
    connect
        .update_routing_profile_queues()
        .instance_id(&inst)
        .routing_profile_id(front.routing_profile_id().unwrap())
        .queue_configs(
            RoutingProfileQueueConfig::builder()
                .queue_reference(
                    RoutingProfileQueueReference::builder()
                        .queue_id(queue_id("Support"))
                        .channel(Channel::Voice)
                        .build()
                        .unwrap(),
                )
                .priority(5)
                .delay(30)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    connect
        .update_queue_name()
        .instance_id(&inst)
        .queue_id(queue_id("Billing"))
        .name("Billing and Payments")
        .send()
        .await
        .unwrap();

    let (audio_reads, profile_reads) = (calls("GetPromptFile"), calls("ListRoutingProfileQueues"));
    let third = snapshot(body.clone()).await;
    assert_eq!(
        calls("GetPromptFile"),
        audio_reads + 1,
        "only Welcome's audio"
    );
    assert_eq!(
        calls("ListRoutingProfileQueues"),
        profile_reads + 1,
        "only Front Desk's queues"
    );
    let c = &third["config"];
    assert_eq!(
        c["Prompts"]["Welcome"]["Audio"],
        first["config"]["Prompts"]["Hold Music"]["Audio"]
    );
    let support = c["RoutingProfiles"]["Front Desk"]["Queues"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["Queue"] == "Support")
        .unwrap()
        .clone();
    assert_eq!(
        (support["Priority"].clone(), support["Delay"].clone()),
        (json!(5), json!(30))
    );
    assert_eq!(
        c["RoutingProfiles"]["Billing Team"]["Queues"][0]["Queue"], "Billing and Payments",
        "a reused profile names its queues as they are now"
    );

    // A full read of the same state gives the same document.
    let mut full = body.clone();
    full["full"] = json!(true);
    let audio_reads = calls("GetPromptFile");
    let full = snapshot(full).await;
    assert_eq!(calls("GetPromptFile"), audio_reads + 3 + 5);
    assert_eq!(full["digest"], third["digest"]);
    assert_ne!(
        full["observed"]["FullReadAt"],
        first["observed"]["FullReadAt"]
    );
}

#[tokio::test]
async fn every_extracted_item_names_what_snapshot_takes() {
    let app = common::spawn_unpaced().await;
    app.register_both().await;
    for (service, own_field) in [
        ("lambda", "FunctionName"),
        ("lex", "BotName"),
        ("connect", "InstanceAlias"),
    ] {
        let (s, b) = app
            .get(&format!(
                "/extract/{service}?account_id=111111111111&region=us-east-1"
            ))
            .await;
        assert_eq!(s, 200, "{b}");
        let items = b["resources"].as_array().unwrap();
        assert!(!items.is_empty(), "{service}");
        for item in items {
            assert_eq!(item["resource_name"], item[own_field], "{service}: {item}");
        }
        // The name is what /snapshot takes, as it is.
        let name = items[0]["resource_name"].as_str().unwrap();
        let (s, meta) = app
            .post(
                "/snapshot",
                &json!({"account_id": "111111111111", "region": "us-east-1", "service": service, "resource_name": name}),
            )
            .await;
        assert_eq!(s, 201, "{service} {name}: {meta}");
        assert_eq!(meta["resource_name"], name);
    }
}
