//! The benchmarks' short form: each benchmark of docs/benchmarks.md on the `small` seed (the
//! `large` one at a tenth of its size), with the sandbox's quotas on. Their call counts are
//! checked against what the benchmarks say they measure, so a benchmark cannot silently
//! stop measuring it, and nothing is throttled.
//!
//! The client here keeps headroom under the sandbox's quotas (Connect one token under its
//! burst, Lambda at 10/s against 15/s), so that only a first call held up on its way in for
//! half a second could meet an empty bucket: 0 throttled is then certain, not likely. The default pacing itself is tested in `snapdeploy-aws`'s
//! limiter; its throttling figures at full size are the benchmarks'.

use snapdeploy_aws::HubConfig;
use snapdeploy_bench::{connect, lambda};
use snapdeploy_sandbox::{ConnectMode, Seed};

fn headroom() -> HubConfig {
    HubConfig {
        connect_rate: 1.9,
        connect_burst: 4.0,
        lambda_rate: 10.0,
        ..HubConfig::default()
    }
}

#[tokio::test]
async fn lambda_extract_lists_versions_with_the_functions_and_reads_aliases_once_each() {
    let e = lambda::extract(Seed::Small, headroom()).await;
    eprintln!(
        "extract: {} functions ({} versions), {}",
        e.functions,
        e.versions,
        e.run.describe()
    );
    assert_eq!(
        e.functions, 55,
        "the small seed's 50 functions and the demo's 5"
    );
    // ListFunctions with FunctionVersion=ALL (50 a page, versions in the same pages), then
    // one ListAliases per function.
    let pages = (e.functions + e.versions).div_ceil(50) as u64;
    assert_eq!(
        e.run.made,
        pages + e.functions as u64,
        "{}",
        e.run.describe()
    );
    assert!(e.run.made < e.naive);
    assert_eq!(e.run.throttled, 0);
}

#[tokio::test]
async fn lambda_snapshots_store_shared_code_once_and_skip_unchanged_code() {
    let d = lambda::dedup(5, 1, 3).await;
    assert!(
        d.stored_bytes < 2 * d.zip_bytes as u64,
        "one copy of the zip for 5 functions: {} bytes stored",
        d.stored_bytes
    );
    assert_eq!(
        d.repeat_downloads, 0,
        "unchanged code is not downloaded again"
    );
}

#[tokio::test]
async fn connect_snapshots_read_what_search_leaves_out_and_reuse_it_later() {
    let s = connect::snapshots(Seed::Small, headroom(), ConnectMode::PerOperation).await;
    let i = s.items;
    eprintln!(
        "first {}; again {}; edited {}",
        s.first.describe(),
        s.again.describe(),
        s.edited.describe()
    );
    assert_eq!(
        (
            i.flows,
            i.modules,
            i.queues,
            i.hours,
            i.prompts,
            i.profiles,
            i.quick_connects
        ),
        (40, 5, 6, 3, 10, 4, 10)
    );
    // First: ListInstances, one Search page per kind (up to 100 items each), the per-item
    // reads Search leaves out (routing-profile queues, queue quick connects, prompt audio)
    // and the two association lists.
    let first = 1 + 7 + (i.profiles + i.queues + i.prompts) + 2;
    assert_eq!(s.first.made, first, "{}", s.first.describe());
    assert!(s.first.made * 3 < i.naive_calls());
    // Unchanged: prompt audio and routing-profile queues reused; queue quick connects read.
    assert!(s.same_digest);
    assert_eq!(
        s.again.made,
        first - i.profiles - i.prompts,
        "{}",
        s.again.describe()
    );
    // After editing every prompt and all 3 profiles (5 and 3 at most): those read again.
    assert!(s.edits_seen);
    assert_eq!(
        s.edited.made,
        s.again.made + 5.min(i.prompts) + 3.min(i.profiles)
    );
    for r in [s.first, s.again, s.edited] {
        assert_eq!(r.throttled, 0, "{}", r.describe());
        // The reads of different operations run at once, each paced by its own bucket: far
        // less than the time one bucket for all of them would take.
        assert!(
            r.wall < 0.5 * connect::floor(r.made),
            "parallel streams: {}",
            r.describe()
        );
    }
}

/// Connect in the sandbox's shared mode (one bucket for every operation, as Connect's older
/// admin guide reads): the pacer finds out from the first throttles and paces every operation
/// in one bucket from then on, so the snapshots succeed, a few calls at the start are
/// throttled (the streams' first calls, sent at once before anything was known), and the
/// wall time is the shared bucket's floor and a moment for finding out.
#[tokio::test]
async fn connect_snapshots_adapt_to_one_shared_bucket() {
    let s = connect::snapshots(Seed::Small, headroom(), ConnectMode::Shared).await;
    eprintln!(
        "first {}; again {}; edited {}",
        s.first.describe(),
        s.again.describe(),
        s.edited.describe()
    );
    assert!(s.same_digest && s.edits_seen);
    // The pacer is the engine's, per (account, region): what the first snapshot learnt, the
    // next ones know.
    assert!(s.first.throttled <= 6, "{}", s.first.describe());
    for r in [s.again, s.edited] {
        assert_eq!(r.throttled, 0, "{}", r.describe());
    }
    for r in [s.first, s.again, s.edited] {
        assert!(
            r.wall <= 1.15 * r.floor + 1.0,
            "close to the shared floor: {}",
            r.describe()
        );
    }
}

#[tokio::test]
async fn connect_extracts_of_two_accounts_run_at_once() {
    let t = connect::two_accounts(Seed::Small, headroom()).await;
    eprintln!("alone {:?}, together {}", t.alone, t.together.describe());
    assert_eq!(
        t.together.made,
        t.alone[0].1 + t.alone[1].1,
        "the same calls, at once"
    );
    assert_eq!(t.together.throttled, 0);
    // Each account is paced on its own: together is well under one after the other (a
    // lower bound on the speed-up that only parallel reads can reach: each alone is paced).
    assert!(
        t.together.wall < 0.8 * (t.alone[0].0 + t.alone[1].0),
        "alone {:?}, together {}",
        t.alone,
        t.together.describe()
    );
}

#[tokio::test]
async fn connect_promotion_creates_every_item_within_its_call_budget() {
    let d = connect::deploy(Seed::Small, headroom(), ConnectMode::PerOperation).await;
    eprintln!("deploy: {} created, {}", d.created, d.run.describe());
    assert_eq!(d.created, 62, "every item of the small instance");
    assert_eq!(d.run.throttled, 0);
    // One call per item: flows and modules are created with their content (the small
    // instance has no cycle, so no stub), plus the reads around the deploy (a stub and a
    // content write per flow and module would be 37 more).
    assert!(d.run.made <= d.created + 20, "{}", d.run.describe());
}

#[tokio::test]
async fn queued_jobs_spread_over_workers_each_run_once_with_a_bounded_registry_cost() {
    // 30 snapshot jobs, two workers, 20 ms on every GetFunction: every job succeeds, none
    // runs twice, and keeping its record costs a handful of registry calls (create, claim,
    // events, end; a heartbeat only for a job that runs long).
    let r = snapdeploy_bench::jobs::run(30, 2, snapdeploy_bench::jobs::Aws::Latency(20)).await;
    eprintln!("{}", r.describe());
    assert_eq!(r.succeeded, 30);
    assert_eq!(r.rerun, 0);
    assert_eq!(r.throttled, 0);
    assert!(r.writes_per_job <= 6.0, "{}", r.describe());
    assert!(r.reads_per_job <= 3.0, "{}", r.describe());
}
