//! Connect benchmarks against the sandbox with Connect's quota on (2 requests/s, burst 5, per
//! account and region), for docs/benchmarks.md:
//!
//! 1. snapshots of the `large` instance: calls made, calls throttled, wall time, the floor the
//!    quota sets, and the calls a List + Describe-per-item client needs for the same content;
//!    for the first snapshot (a full read), the next one of the unchanged instance, and one
//!    after edits to a few items (reads of unchanged items reused from the previous one);
//! 2. extract of two accounts at once: each (account, region) is its own throttle domain, so
//!    the two run in parallel and take about as long as one;
//! 3. with `deploy`: promotion of the large instance into the empty prod instance (about nine
//!    minutes at the quota).
//!
//! `cargo run -p snapdeploy-aws --example bench_connect [-- deploy]`

mod common;

use snapdeploy_aws::engine::{DeployOutcome, DeploySource};
use snapdeploy_aws::{DeployOptions, DeployRequest, Engine, Progress};
use snapdeploy_core::{AccountId, Region, ResourceName, ServiceKind, SnapshotMeta};
use snapdeploy_sandbox::seed::{DEV, PROD};
use snapdeploy_sandbox::{Sandbox, SandboxConfig, Seed};
use std::time::{Duration, Instant};

const QUOTA: f64 = 2.0;
const BURST: f64 = 5.0;

fn connect_calls(sb: &Sandbox) -> (u64, u64) {
    common::counted(sb, "connect:")
}

fn floor(calls: u64) -> f64 {
    (calls as f64 - BURST).max(0.0) / QUOTA
}

/// A snapshot of `acme-large` in DEV, after the quota's burst has refilled: its metadata,
/// the Connect calls answered and throttled, and the wall time.
async fn snapshot_large(eng: &Engine, sb: &Sandbox) -> (SnapshotMeta, u64, u64, f64) {
    tokio::time::sleep(Duration::from_secs(3)).await;
    let before = connect_calls(sb);
    let started = Instant::now();
    let meta = eng
        .snapshot(
            common::snapshot_request(DEV.account_id, ServiceKind::Connect, "acme-large"),
            &Progress::none(),
        )
        .await
        .unwrap();
    let wall = started.elapsed().as_secs_f64();
    let after = connect_calls(sb);
    (meta, after.0 - before.0, after.1 - before.1, wall)
}

/// A day's edits in DEV's `acme-large`, through the SDK: five prompts' descriptions and three
/// routing profiles' descriptions (each moves the item's LastModifiedTime).
async fn edit_large(url: &str) {
    let client = aws_sdk_connect::Client::new(&snapdeploy_testkit::sdk_config(
        url,
        DEV.access_key,
        DEV.secret_key,
        "us-east-1",
    ));
    tokio::time::sleep(Duration::from_secs(3)).await;
    let instances = client.list_instances().send().await.unwrap();
    let inst = instances
        .instance_summary_list()
        .iter()
        .find(|i| i.instance_alias() == Some("acme-large"))
        .and_then(|i| i.id())
        .unwrap()
        .to_owned();
    let prompts = client
        .search_prompts()
        .instance_id(&inst)
        .max_results(100)
        .send()
        .await
        .unwrap();
    for p in prompts.prompts().iter().take(5) {
        client
            .update_prompt()
            .instance_id(&inst)
            .prompt_id(p.prompt_id().unwrap())
            .description("re-recorded")
            .send()
            .await
            .unwrap();
    }
    let profiles = client
        .search_routing_profiles()
        .instance_id(&inst)
        .max_results(100)
        .send()
        .await
        .unwrap();
    for rp in profiles.routing_profiles().iter().take(3) {
        client
            .update_routing_profile_name()
            .instance_id(&inst)
            .routing_profile_id(rp.routing_profile_id().unwrap())
            .description("after-hours staffing")
            .send()
            .await
            .unwrap();
    }
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let region = Region::parse("us-east-1").unwrap();

    // 1. Snapshots of the large instance: the first (a full read), the next one of the
    // unchanged instance, and one after a day's edits to 5 prompts and 3 routing profiles
    // (each of those re-reads its audio or queues; the rest is reused).
    let sb = Sandbox::seeded(SandboxConfig::default(), Seed::Large);
    let url = format!("http://{}", sb.clone().spawn("127.0.0.1:0").await.unwrap());
    let eng = common::engine(&url, &dir.path().join("one"), &[&DEV]).await;
    let (first, made, throttled, wall) = snapshot_large(&eng, &sb).await;
    let key = snapdeploy_core::SnapshotKey::parse(&first.key).unwrap();
    let doc = eng.snapshots.get_snapshot(&key).await.unwrap();
    let count = |k: &str| doc.config[k].as_object().map_or(0, |m| m.len()) as u64;
    let (flows, modules, queues, hours, prompts, profiles, qcs) = (
        count("Flows"),
        count("Modules"),
        count("Queues"),
        count("HoursOfOperations"),
        count("Prompts"),
        count("RoutingProfiles"),
        count("QuickConnects"),
    );
    // A List + Describe client: ListInstances, one List* page per kind (up to 1000 per page),
    // one Describe* per item, and the same per-item calls Search cannot replace (routing
    // profile queues, queue quick connects, prompt audio), plus the two association lists.
    let items = flows + modules + queues + hours + prompts + profiles + qcs;
    let naive = 1 + 7 + items + (profiles + queues + prompts) + 2;
    println!(
        "first snapshot of acme-large ({flows} flows, {modules} modules, {queues} queues, {hours} hours, {prompts} prompts, {profiles} routing profiles, {qcs} quick connects): \
         {made} calls answered, {throttled} throttled, wall {wall:.1} s, quota floor {:.1} s ({:.2}x); a List + Describe client needs {naive} calls ({:.1}x as many)",
        floor(made),
        wall / floor(made),
        naive as f64 / made as f64
    );
    let (again, made, throttled, wall) = snapshot_large(&eng, &sb).await;
    assert_eq!(again.digest, first.digest, "an unchanged instance");
    println!(
        "next snapshot, unchanged instance: {made} calls answered, {throttled} throttled, wall {wall:.1} s, quota floor {:.1} s ({:.2}x); the List + Describe client's {naive} calls are {:.1}x as many",
        floor(made),
        wall / floor(made),
        naive as f64 / made as f64
    );
    edit_large(&url).await;
    let (edited, made, throttled, wall) = snapshot_large(&eng, &sb).await;
    assert_ne!(edited.digest, first.digest, "the edits are seen");
    println!(
        "next snapshot after editing 5 prompts and 3 routing profiles: {made} calls answered, {throttled} throttled, wall {wall:.1} s, quota floor {:.1} s ({:.2}x); {:.1}x fewer than List + Describe",
        floor(made),
        wall / floor(made),
        naive as f64 / made as f64
    );

    // 2. Two accounts, each its own throttle domain: alone, then together.
    let sb = Sandbox::seeded(SandboxConfig::default(), Seed::Large);
    let url = format!("http://{}", sb.clone().spawn("127.0.0.1:0").await.unwrap());
    let eng = common::engine(&url, &dir.path().join("two"), &[&DEV, &PROD]).await;
    let dev = (AccountId::parse(DEV.account_id).unwrap(), region.clone());
    let prod = (AccountId::parse(PROD.account_id).unwrap(), region.clone());
    let mut alone = Vec::new();
    for pair in [&dev, &prod] {
        tokio::time::sleep(Duration::from_secs(3)).await;
        let before = connect_calls(&sb).0;
        let started = Instant::now();
        eng.extract(&pair.0, &pair.1, ServiceKind::Connect, &Progress::none())
            .await
            .unwrap();
        alone.push((
            started.elapsed().as_secs_f64(),
            connect_calls(&sb).0 - before,
        ));
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    let before = connect_calls(&sb);
    let started = Instant::now();
    let results = eng
        .extract_many(&[dev, prod], ServiceKind::Connect, &Progress::none())
        .await;
    let together = started.elapsed().as_secs_f64();
    assert!(results.iter().all(|r| r.is_ok()));
    let after = connect_calls(&sb);
    let sequential: f64 = alone.iter().map(|a| a.0).sum();
    println!(
        "extract of 2 accounts x 1 region: alone {:.1} s ({} calls) and {:.1} s ({} calls), one after the other {sequential:.1} s; \
         together {together:.1} s ({} calls, {} throttled): {:.2}x faster",
        alone[0].0,
        alone[0].1,
        alone[1].0,
        alone[1].1,
        after.0 - before.0,
        after.1 - before.1,
        sequential / together
    );

    if std::env::args().nth(1).as_deref() != Some("deploy") {
        return;
    }

    // 3. Promotion of the large instance into the empty prod instance.
    let (source, ..) = snapshot_large(&eng, &sb).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let before = connect_calls(&sb);
    let started = Instant::now();
    let outcome = eng
        .deploy(
            DeployRequest {
                source: DeploySource::Key(
                    snapdeploy_core::SnapshotKey::parse(&source.key).unwrap(),
                ),
                account_id: AccountId::parse(PROD.account_id).unwrap(),
                region: region.clone(),
                resource_name: Some(ResourceName::parse("acme-prod").unwrap()),
                dry_run: false,
                options: DeployOptions::default(),
                taken_by: "bench".into(),
            },
            &Progress::none(),
        )
        .await
        .unwrap();
    let wall = started.elapsed().as_secs_f64();
    let DeployOutcome::Report(report) = outcome else {
        panic!("a deploy answers a report")
    };
    assert_eq!(
        report.status,
        snapdeploy_core::ReportStatus::Succeeded,
        "{:?}",
        report.error
    );
    let after = connect_calls(&sb);
    let made = after.0 - before.0;
    println!(
        "deploy of acme-large into the empty acme-prod: {} items created, {made} calls answered, {} throttled, wall {wall:.1} s, quota floor {:.1} s ({:.2}x)",
        report.plan.summary["counts"]["create"],
        after.1 - before.1,
        floor(made),
        wall / floor(made)
    );
}
