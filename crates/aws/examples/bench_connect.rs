//! Connect benchmarks against the sandbox with Connect's quota on (2 requests/s, burst 5, per
//! account and region), for docs/benchmarks.md:
//!
//! 1. snapshot of the `large` instance: calls made, calls throttled, wall time, the floor the
//!    quota sets, and the calls a List + Describe-per-item client needs for the same content;
//! 2. extract of two accounts at once: each (account, region) is its own throttle domain, so
//!    the two run in parallel and take about as long as one;
//! 3. with `deploy`: promotion of the large instance into the empty prod instance (about nine
//!    minutes at the quota).
//!
//! `cargo run -p snapdeploy-aws --example bench_connect [-- deploy]`

mod common;

use snapdeploy_aws::engine::{DeployOutcome, DeploySource};
use snapdeploy_aws::{DeployOptions, DeployRequest, Progress, SnapshotRequest};
use snapdeploy_core::{AccountId, Region, ResourceName, ServiceKind, SnapshotReason};
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

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let region = Region::parse("us-east-1").unwrap();

    // 1. Snapshot of the large instance.
    let sb = Sandbox::seeded(SandboxConfig::default(), Seed::Large);
    let url = format!("http://{}", sb.clone().spawn("127.0.0.1:0").await.unwrap());
    let eng = common::engine(&url, &dir.path().join("one"), &[&DEV]).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let started = Instant::now();
    let meta = eng
        .snapshot(
            SnapshotRequest {
                account_id: AccountId::parse(DEV.account_id).unwrap(),
                region: region.clone(),
                service: ServiceKind::Connect,
                resource_name: ResourceName::parse("acme-large").unwrap(),
                reason: SnapshotReason::Manual,
                taken_by: "bench".into(),
                note: None,
                version: None,
            },
            &Progress::none(),
        )
        .await
        .unwrap();
    let wall = started.elapsed().as_secs_f64();
    let (made, throttled) = connect_calls(&sb);
    let key = snapdeploy_core::SnapshotKey::parse(&meta.key).unwrap();
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
        "snapshot of acme-large ({flows} flows, {modules} modules, {queues} queues, {hours} hours, {prompts} prompts, {profiles} routing profiles, {qcs} quick connects): \
         {made} calls answered, {throttled} throttled, wall {wall:.1} s, quota floor {:.1} s ({:.2}x); a List + Describe client needs {naive} calls ({:.1}x as many)",
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
    tokio::time::sleep(Duration::from_secs(3)).await;
    let source = eng
        .snapshot(
            SnapshotRequest {
                account_id: AccountId::parse(DEV.account_id).unwrap(),
                region: region.clone(),
                service: ServiceKind::Connect,
                resource_name: ResourceName::parse("acme-large").unwrap(),
                reason: SnapshotReason::Manual,
                taken_by: "bench".into(),
                note: None,
                version: None,
            },
            &Progress::none(),
        )
        .await
        .unwrap();
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
    assert_eq!(report.status, "succeeded", "{:?}", report.error);
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
