//! Connect, with Connect's quotas on (2 requests/s, burst 5, per operation per account and
//! region, as its API reference states; or, in the sandbox's `shared` mode, one bucket for
//! every operation, as its older admin guide reads): snapshots of the `acme-large` instance,
//! an extract of two accounts at once, and a promotion of the instance into the empty prod
//! instance.

use crate::{common, Run};
use snapdeploy_aws::engine::{DeployOutcome, DeploySource};
use snapdeploy_aws::{DeployOptions, DeployRequest, Engine, HubConfig, Progress};
use snapdeploy_core::{AccountId, Region, ResourceName, ServiceKind, SnapshotKey, SnapshotMeta};
use snapdeploy_sandbox::seed::{DEV, PROD};
use snapdeploy_sandbox::{ConnectMode, ConnectQuotas, Sandbox, SandboxConfig, Seed};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

pub const QUOTA: f64 = 2.0;
pub const BURST: f64 = 5.0;

fn connect_calls(sb: &Sandbox) -> (u64, u64) {
    common::counted(sb, "connect:")
}

/// Calls answered so far, by Connect operation.
fn by_operation(sb: &Sandbox) -> BTreeMap<String, u64> {
    let c = sb.counters();
    c.as_object()
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| {
            let op = k.strip_prefix("connect:")?;
            let answered = v["calls"].as_u64()? - v["throttled"].as_u64().unwrap_or(0);
            Some((op.to_owned(), answered))
        })
        .collect()
}

/// The least time `calls` answered calls of one bucket take at the quota.
pub fn floor(calls: u64) -> f64 {
    (calls as f64 - BURST).max(0.0) / QUOTA
}

/// A sandbox with the `seed` and Connect throttled in `mode`, serving on a free port.
async fn sandbox(seed: Seed, mode: ConnectMode) -> (Sandbox, String) {
    let sb = Sandbox::seeded(SandboxConfig::default(), seed);
    sb.set_connect_quotas(ConnectQuotas {
        mode,
        ..Default::default()
    });
    let url = format!("http://{}", sb.clone().spawn("127.0.0.1:0").await.unwrap());
    (sb, url)
}

/// Measures `work` by the sandbox's counters: calls answered and throttled, wall time, and
/// the floor the quotas set in `mode` (shared: every call through one bucket; per operation:
/// the busiest operation's bucket).
async fn measured<T>(
    sb: &Sandbox,
    mode: ConnectMode,
    work: impl std::future::Future<Output = T>,
) -> (T, Run) {
    // Once the buckets have refilled on both sides.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let (before, ops_before) = (connect_calls(sb), by_operation(sb));
    crate::reset_peak_rss();
    let started = Instant::now();
    let out = work.await;
    let wall = started.elapsed().as_secs_f64();
    let after = connect_calls(sb);
    let made = after.0 - before.0;
    let floor = match mode {
        ConnectMode::Shared => floor(made),
        ConnectMode::PerOperation => by_operation(sb)
            .into_iter()
            .map(|(op, n)| floor(n - ops_before.get(&op).copied().unwrap_or(0)))
            .fold(0.0, f64::max),
    };
    let run = Run {
        made,
        throttled: after.1 - before.1,
        wall,
        floor,
        peak_rss_mb: crate::peak_rss_mb(),
    };
    (out, run)
}

/// A snapshot of `acme-large` in DEV.
async fn snapshot_large(eng: &Engine, sb: &Sandbox, mode: ConnectMode) -> (SnapshotMeta, Run) {
    measured(sb, mode, async {
        eng.snapshot(
            common::snapshot_request(DEV.account_id, ServiceKind::Connect, "acme-large"),
            &Progress::none(),
        )
        .await
        .unwrap()
    })
    .await
}

/// A day's edits in DEV's `acme-large`, through the SDK: five prompts' descriptions and three
/// routing profiles' descriptions (each moves the item's LastModifiedTime). Made with the
/// sandbox's quotas off: they are not what is measured, and must not fail on a throttle.
async fn edit_large(url: &str, sb: &Sandbox) {
    sb.set_quotas_enabled(false);
    let client = aws_sdk_connect::Client::new(&snapdeploy_testkit::sdk_config(
        url,
        DEV.access_key,
        DEV.secret_key,
        "us-east-1",
    ));
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
    sb.set_quotas_enabled(true);
}

/// How many items of each kind the snapshot holds.
#[derive(Debug, Clone, Copy)]
pub struct Items {
    pub flows: u64,
    pub modules: u64,
    pub queues: u64,
    pub hours: u64,
    pub prompts: u64,
    pub profiles: u64,
    pub quick_connects: u64,
}

impl Items {
    pub fn total(&self) -> u64 {
        self.flows
            + self.modules
            + self.queues
            + self.hours
            + self.prompts
            + self.profiles
            + self.quick_connects
    }

    /// What a List + Describe client needs: ListInstances, one List* page per kind (up to
    /// 1000 per page), one Describe* per item, the per-item calls Search cannot replace
    /// either (routing-profile queues, queue quick connects, prompt audio), and the two
    /// association lists.
    pub fn naive_calls(&self) -> u64 {
        1 + 7 + self.total() + (self.profiles + self.queues + self.prompts) + 2
    }
}

pub struct Snapshots {
    pub items: Items,
    pub first: Run,
    pub again: Run,
    /// The unchanged instance's second snapshot has the first one's digest.
    pub same_digest: bool,
    pub edited: Run,
    /// The snapshot after the edits has another digest.
    pub edits_seen: bool,
}

/// The first snapshot of `acme-large` (a full read), the next one of the unchanged instance,
/// and one after a day's edits to 5 prompts and 3 routing profiles, with Connect throttled
/// in `mode`.
pub async fn snapshots(seed: Seed, hub: HubConfig, mode: ConnectMode) -> Snapshots {
    let dir = tempfile::tempdir().unwrap();
    let (sb, url) = sandbox(seed, mode).await;
    let eng = common::engine(&url, &dir.path().join("one"), &[&DEV], hub).await;
    let (first_meta, first) = snapshot_large(&eng, &sb, mode).await;
    let key = SnapshotKey::parse(&first_meta.key).unwrap();
    let doc = eng.snapshots.get_snapshot(&key).await.unwrap();
    let count = |k: &str| doc.config[k].as_object().map_or(0, |m| m.len()) as u64;
    let items = Items {
        flows: count("Flows"),
        modules: count("Modules"),
        queues: count("Queues"),
        hours: count("HoursOfOperations"),
        prompts: count("Prompts"),
        profiles: count("RoutingProfiles"),
        quick_connects: count("QuickConnects"),
    };
    let (again_meta, again) = snapshot_large(&eng, &sb, mode).await;
    edit_large(&url, &sb).await;
    let (edited_meta, edited) = snapshot_large(&eng, &sb, mode).await;
    Snapshots {
        items,
        first,
        again,
        same_digest: again_meta.digest == first_meta.digest,
        edited,
        edits_seen: edited_meta.digest != first_meta.digest,
    }
}

pub struct TwoAccounts {
    /// Each account alone: wall time and calls.
    pub alone: [(f64, u64); 2],
    /// Both at once.
    pub together: Run,
}

/// Extracts of DEV and PROD one after the other, then both at once (each (account, region)
/// is its own throttle domain, so the two run in parallel).
pub async fn two_accounts(seed: Seed, hub: HubConfig) -> TwoAccounts {
    let dir = tempfile::tempdir().unwrap();
    let region = Region::parse("us-east-1").unwrap();
    // Against the strictest reading of the quota (one bucket for every operation).
    let (sb, url) = sandbox(seed, ConnectMode::Shared).await;
    let eng = common::engine(&url, &dir.path().join("two"), &[&DEV, &PROD], hub).await;
    let dev = (AccountId::parse(DEV.account_id).unwrap(), region.clone());
    let prod = (AccountId::parse(PROD.account_id).unwrap(), region);
    let mut alone = [(0.0, 0); 2];
    for (i, pair) in [&dev, &prod].into_iter().enumerate() {
        tokio::time::sleep(Duration::from_secs(3)).await;
        let before = connect_calls(&sb).0;
        let started = Instant::now();
        eng.extract(&pair.0, &pair.1, ServiceKind::Connect, &Progress::none())
            .await
            .unwrap();
        alone[i] = (
            started.elapsed().as_secs_f64(),
            connect_calls(&sb).0 - before,
        );
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    let before = connect_calls(&sb);
    let started = Instant::now();
    let results = eng
        .extract_many(&[dev, prod], ServiceKind::Connect, &Progress::none())
        .await;
    let wall = started.elapsed().as_secs_f64();
    assert!(results.iter().all(|r| r.is_ok()));
    let after = connect_calls(&sb);
    let made = after.0 - before.0;
    TwoAccounts {
        alone,
        together: Run {
            made,
            throttled: after.1 - before.1,
            wall,
            // Two throttle domains: each pays its own floor, at the same time.
            floor: floor(made / 2),
            peak_rss_mb: crate::peak_rss_mb(),
        },
    }
}

pub struct Deploy {
    pub created: u64,
    pub run: Run,
}

/// Promotion of DEV's `acme-large` into PROD's empty `acme-prod`, with Connect throttled in
/// `mode`.
pub async fn deploy(seed: Seed, hub: HubConfig, mode: ConnectMode) -> Deploy {
    let dir = tempfile::tempdir().unwrap();
    let (sb, url) = sandbox(seed, mode).await;
    let eng = common::engine(&url, &dir.path().join("deploy"), &[&DEV, &PROD], hub).await;
    let (source, _) = snapshot_large(&eng, &sb, mode).await;
    let (outcome, run) = measured(&sb, mode, async {
        eng.deploy(
            DeployRequest {
                source: DeploySource::Key(SnapshotKey::parse(&source.key).unwrap()),
                account_id: AccountId::parse(PROD.account_id).unwrap(),
                region: Region::parse("us-east-1").unwrap(),
                resource_name: Some(ResourceName::parse("acme-prod").unwrap()),
                dry_run: false,
                options: DeployOptions::default(),
                taken_by: "bench".into(),
            },
            &Progress::none(),
        )
        .await
        .unwrap()
    })
    .await;
    let DeployOutcome::Report(report) = outcome else {
        panic!("a deploy answers a report")
    };
    assert_eq!(
        report.status,
        snapdeploy_core::ReportStatus::Succeeded,
        "{:?}",
        report.error
    );
    Deploy {
        created: report.plan.summary["counts"]["create"]
            .as_u64()
            .unwrap_or(0),
        run,
    }
}
