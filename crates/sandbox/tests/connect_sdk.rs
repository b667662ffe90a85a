//! The sandbox's Connect seen from the official Rust SDK (strict about responses): the demo and
//! large seeds, Search* pages of full objects, prompt audio, publishing rules, throttling.

use aws_sdk_connect::Client;
use snapdeploy_sandbox::seed::{DEV, DEV_INSTANCE, LARGE_INSTANCE, PROD, PROD_INSTANCE};
use snapdeploy_sandbox::{Sandbox, SandboxConfig, Seed};

async fn start(seed: Seed, quotas: bool) -> String {
    let sb = Sandbox::seeded(
        SandboxConfig {
            quotas_enabled: quotas,
            ..SandboxConfig::default()
        },
        seed,
    );
    format!("http://{}", sb.spawn("127.0.0.1:0").await.unwrap())
}

fn connect(url: &str, a: &snapdeploy_sandbox::SeedAccount, retries: bool) -> Client {
    let conf = snapdeploy_testkit::sdk_config(url, a.access_key, a.secret_key, "us-east-1");
    let mut b = aws_sdk_connect::config::Builder::from(&conf);
    if !retries {
        b = b.retry_config(aws_config::retry::RetryConfig::disabled());
    }
    Client::from_conf(b.build())
}

#[tokio::test]
async fn the_demo_contact_centre_is_seeded() {
    let url = start(Seed::Demo, false).await;
    let c = connect(&url, &DEV, true);
    let instances = c.list_instances().send().await.unwrap();
    let summary = &instances.instance_summary_list()[0];
    assert_eq!(
        (summary.id(), summary.instance_alias()),
        (Some(DEV_INSTANCE), Some("acme-dev"))
    );
    assert!(summary.created_time().is_some());

    let flows = c
        .search_contact_flows()
        .instance_id(DEV_INSTANCE)
        .max_results(100)
        .send()
        .await
        .unwrap();
    // 15 of acme-dev and the 8 default flows of every instance.
    assert_eq!(flows.contact_flows().len(), 15 + 8);
    let main = flows
        .contact_flows()
        .iter()
        .find(|f| f.name() == Some("Main Menu"))
        .unwrap();
    let content: serde_json::Value = serde_json::from_str(main.content().unwrap()).unwrap();
    let text = content.to_string();
    for needle in [
        ":function:cc-customer-lookup",
        "/operating-hours/",
        "/prompt/",
        "/contact-flow/",
    ] {
        assert!(text.contains(needle), "Main Menu references {needle}");
    }
    assert_eq!(
        c.search_queues()
            .instance_id(DEV_INSTANCE)
            .send()
            .await
            .unwrap()
            .queues()
            .len(),
        3 + 1
    );
    assert_eq!(
        c.search_hours_of_operations()
            .instance_id(DEV_INSTANCE)
            .send()
            .await
            .unwrap()
            .hours_of_operations()
            .len(),
        2 + 1
    );
    assert_eq!(
        c.search_prompts()
            .instance_id(DEV_INSTANCE)
            .send()
            .await
            .unwrap()
            .prompts()
            .len(),
        3 + 5
    );
    assert_eq!(
        c.search_contact_flow_modules()
            .instance_id(DEV_INSTANCE)
            .send()
            .await
            .unwrap()
            .contact_flow_modules()
            .len(),
        2
    );
    assert_eq!(
        c.search_routing_profiles()
            .instance_id(DEV_INSTANCE)
            .send()
            .await
            .unwrap()
            .routing_profiles()
            .len(),
        2 + 1
    );
    assert_eq!(
        c.search_quick_connects()
            .instance_id(DEV_INSTANCE)
            .send()
            .await
            .unwrap()
            .quick_connects()
            .len(),
        3
    );
    let lambdas = c
        .list_lambda_functions()
        .instance_id(DEV_INSTANCE)
        .send()
        .await
        .unwrap();
    assert_eq!(lambdas.lambda_functions().len(), 2);
    let bots = c
        .list_bots()
        .instance_id(DEV_INSTANCE)
        .lex_version(aws_sdk_connect::types::LexVersion::V2)
        .send()
        .await
        .unwrap();
    assert!(bots.lex_bots()[0]
        .lex_v2_bot()
        .unwrap()
        .alias_arn()
        .unwrap()
        .contains("bot-alias/ORDERSBOT1/"));

    // Prompt audio behind a pre-signed URL.
    let prompt = c
        .search_prompts()
        .instance_id(DEV_INSTANCE)
        .send()
        .await
        .unwrap()
        .prompts()[0]
        .prompt_id()
        .unwrap()
        .to_owned();
    let file = c
        .get_prompt_file()
        .instance_id(DEV_INSTANCE)
        .prompt_id(&prompt)
        .send()
        .await
        .unwrap();
    assert!(file
        .prompt_presigned_url()
        .unwrap()
        .contains("/_sandbox/download/"));

    // Prod has a new instance waiting for a promotion: only what AWS makes in every one.
    let prod = connect(&url, &PROD, true);
    let flows = prod
        .search_contact_flows()
        .instance_id(PROD_INSTANCE)
        .send()
        .await
        .unwrap();
    assert_eq!(flows.contact_flows().len(), 8);
    assert!(flows
        .contact_flows()
        .iter()
        .all(|f| f.name().unwrap().starts_with("Default ")));
}

#[tokio::test]
async fn publishing_a_flow_with_a_dangling_reference_is_refused() {
    let url = start(Seed::Accounts, false).await;
    let c = connect(&url, &DEV, false);
    let dangling = format!(
        "arn:aws:connect:us-east-1:111111111111:instance/{DEV_INSTANCE}/queue/no-such-queue"
    );
    let content = snapdeploy_sandbox::seed::flow_content(&[(
        "UpdateContactTargetQueue",
        serde_json::json!({"QueueId": dangling}),
    )]);
    let err = c
        .create_contact_flow()
        .instance_id(DEV_INSTANCE)
        .name("Broken")
        .r#type(aws_sdk_connect::types::ContactFlowType::ContactFlow)
        .content(&content)
        .send()
        .await
        .unwrap_err();
    assert!(err.into_service_error().is_invalid_contact_flow_exception());
    // Saved (not published) it is accepted, as Connect accepts drafts.
    c.create_contact_flow()
        .instance_id(DEV_INSTANCE)
        .name("Draft")
        .r#type(aws_sdk_connect::types::ContactFlowType::ContactFlow)
        .status(aws_sdk_connect::types::ContactFlowStatus::Saved)
        .content(&content)
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn the_large_instance_is_paged_100_at_a_time_under_throttling() {
    let url = start(Seed::Large, false).await;
    let c = connect(&url, &DEV, true);
    let mut flows = 0;
    let mut pages = 0;
    let mut token = None;
    loop {
        let page = c
            .search_contact_flows()
            .instance_id(LARGE_INSTANCE)
            .max_results(100)
            .set_next_token(token.take())
            .send()
            .await
            .unwrap();
        assert!(page.contact_flows().len() <= 100);
        flows += page.contact_flows().len();
        pages += 1;
        match page.next_token() {
            Some(t) => token = Some(t.to_owned()),
            None => break,
        }
    }
    assert_eq!((flows, pages), (320 + 8, 4));
    let rps = c
        .search_routing_profiles()
        .instance_id(LARGE_INSTANCE)
        .send()
        .await
        .unwrap();
    assert_eq!(rps.routing_profiles().len(), 30 + 1);
    let first = rps
        .routing_profiles()
        .iter()
        .find(|r| r.name() == Some("Profile 00"))
        .unwrap();
    assert_eq!(first.number_of_associated_queues(), Some(12));
    let qcs = c
        .list_quick_connects()
        .instance_id(LARGE_INSTANCE)
        .max_results(1000)
        .send()
        .await
        .unwrap();
    assert_eq!(qcs.quick_connect_summary_list().len(), 100);

    // 2 requests/s with a burst of 5: a quick burst of 10 calls gets 429s.
    let quota_url = start(Seed::Accounts, true).await;
    let strict = connect(&quota_url, &DEV, false);
    let mut throttled = 0;
    // Concurrent, so the burst is spent before any token comes back, however slow the machine.
    let calls: Vec<_> = (0..10)
        .map(|_| {
            let c = strict.clone();
            tokio::spawn(async move { c.search_queues().instance_id(DEV_INSTANCE).send().await })
        })
        .collect();
    for call in calls {
        if let Err(e) = call.await.unwrap() {
            assert_eq!(e.raw_response().map(|r| r.status().as_u16()), Some(429));
            assert!(e.into_service_error().is_throttling_exception());
            throttled += 1;
        }
    }
    assert!(throttled >= 4, "{throttled} of 10 throttled");
}

/// Connect throttles each operation separately by default (its API reference), or, switched
/// by `/_sandbox/quotas`, with one bucket per account + region (the older admin guide). The
/// sandbox's clock is stopped, so no token comes back while the test runs.
#[tokio::test]
async fn connect_quotas_are_per_operation_or_one_shared_bucket() {
    let url = start(Seed::Demo, true).await;
    let http = reqwest::Client::new();
    let control = |path: &str| format!("{url}/_sandbox/{path}");
    let put = |path: &'static str, body: serde_json::Value| {
        let req = http.put(control(path)).json(&body);
        async move { req.send().await.unwrap() }
    };
    let get = |path: &'static str| {
        let req = http.get(control(path));
        async move {
            req.send()
                .await
                .unwrap()
                .json::<serde_json::Value>()
                .await
                .unwrap()
        }
    };
    assert_eq!(
        put("clock", serde_json::json!({"stopped": true}))
            .await
            .status(),
        200
    );
    let c = connect(&url, &DEV, false);
    let queues = || c.search_queues().instance_id(DEV_INSTANCE).send();
    let profiles = || c.search_routing_profiles().instance_id(DEV_INSTANCE).send();
    macro_rules! throttled {
        ($call:expr) => {
            match $call.await {
                Ok(_) => false,
                Err(e) => e.raw_response().map(|r| r.status().as_u16()) == Some(429),
            }
        };
    }

    // Per operation (the default): each operation has its own burst of 5.
    let quotas = get("quotas").await;
    assert_eq!(quotas["connect"]["mode"], "per_operation", "{quotas}");
    for _ in 0..5 {
        assert!(!throttled!(queues()));
        assert!(!throttled!(profiles()));
    }
    assert!(throttled!(queues()), "a 6th SearchQueues is over its burst");
    assert!(throttled!(profiles()));

    // One shared bucket: five calls of any operations spend it.
    let r = put("quotas", serde_json::json!({"connect": {"mode": "shared"}})).await;
    assert_eq!(r.status(), 200);
    for i in 0..5 {
        let ok = if i % 2 == 0 {
            !throttled!(queues())
        } else {
            !throttled!(profiles())
        };
        assert!(ok, "call {i} is within the shared burst");
    }
    assert!(throttled!(profiles()), "the shared bucket is spent");
    let counters = get("counters").await;
    assert!(
        counters["connect:SearchRoutingProfiles"]["throttled"]
            .as_u64()
            .unwrap()
            >= 2,
        "{counters}"
    );

    // A rate per operation.
    let r = put(
        "quotas",
        serde_json::json!({"connect": {"rates": {"SearchQueues": {"rate": 1, "burst": 2}}}}),
    )
    .await;
    assert_eq!(r.status(), 200);
    assert!(!throttled!(queues()));
    assert!(!throttled!(queues()));
    assert!(throttled!(queues()), "SearchQueues' burst is 2 now");
    assert!(!throttled!(profiles()), "the others keep theirs");

    // Nonsense is refused, and changes nothing.
    let r = put(
        "quotas",
        serde_json::json!({"connect": {"rates": {"SearchQueues": {"rate": 0, "burst": 2}}}}),
    )
    .await;
    assert_eq!(r.status(), 400);
    let r = put(
        "quotas",
        serde_json::json!({"connect": {"mode": "sometimes"}}),
    )
    .await;
    assert_eq!(r.status(), 400);
    let quotas = get("quotas").await;
    assert_eq!(
        quotas["connect"]["rates"]["SearchQueues"]["burst"], 2.0,
        "{quotas}"
    );
}
