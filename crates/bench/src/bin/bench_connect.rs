//! Connect benchmarks against the sandbox with Connect's quotas on, for docs/benchmarks.md,
//! side by side in the sandbox's two modes: `per_operation` (2 requests/s, burst 5, for each
//! operation per account and region, as Connect's API reference states) and `shared` (one
//! such bucket for every operation, as its older admin guide reads):
//!
//! 1. snapshots of the `large` instance: calls made, calls throttled, wall time, the floor the
//!    quotas set, and the calls a List + Describe-per-item client needs for the same content;
//!    for the first snapshot (a full read), the next one of the unchanged instance, and one
//!    after edits to a few items (reads of unchanged items reused from the previous one);
//! 2. extract of two accounts at once (shared mode): each (account, region) is its own
//!    throttle domain, so the two run in parallel and take about as long as one;
//! 3. with `deploy`: promotion of the large instance into the empty prod instance.
//!
//! Each figure carries the process's peak resident memory during it (the sandbox's
//! included: it serves from the same process).
//!
//! `cargo run --release -p snapdeploy-bench --bin bench_connect [-- deploy]`

use snapdeploy_aws::HubConfig;
use snapdeploy_bench::connect;
use snapdeploy_sandbox::{ConnectMode, Seed};

#[tokio::main]
async fn main() {
    let modes = [ConnectMode::PerOperation, ConnectMode::Shared];
    for mode in modes {
        println!("## Connect throttled {mode:?}");
        let s = connect::snapshots(Seed::Large, HubConfig::default(), mode).await;
        let i = s.items;
        let naive = i.naive_calls();
        println!(
            "first snapshot of acme-large ({} flows, {} modules, {} queues, {} hours, {} prompts, {} routing profiles, {} quick connects): {}; a List + Describe client needs {naive} calls ({:.1}x as many)",
            i.flows, i.modules, i.queues, i.hours, i.prompts, i.profiles, i.quick_connects,
            s.first.describe(),
            naive as f64 / s.first.made as f64
        );
        assert!(s.same_digest, "an unchanged instance");
        println!("next snapshot, unchanged instance: {}", s.again.describe());
        assert!(s.edits_seen, "the edits are seen");
        println!(
            "next snapshot after editing 5 prompts and 3 routing profiles: {}",
            s.edited.describe()
        );
    }

    let t = connect::two_accounts(Seed::Large, HubConfig::default()).await;
    let sequential = t.alone[0].0 + t.alone[1].0;
    println!(
        "extract of 2 accounts x 1 region (shared mode): alone {:.1} s ({} calls) and {:.1} s ({} calls), one after the other {sequential:.1} s; \
         together {:.1} s ({} calls, {} throttled): {:.2}x faster",
        t.alone[0].0, t.alone[0].1, t.alone[1].0, t.alone[1].1,
        t.together.wall, t.together.made, t.together.throttled,
        sequential / t.together.wall
    );

    if std::env::args().nth(1).as_deref() != Some("deploy") {
        return;
    }
    for mode in modes {
        let d = connect::deploy(Seed::Large, HubConfig::default(), mode).await;
        println!(
            "deploy of acme-large into the empty acme-prod ({mode:?}): {} items created, {}",
            d.created,
            d.run.describe()
        );
    }
}
