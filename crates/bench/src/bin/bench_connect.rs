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
//! `cargo run -p snapdeploy-bench --bin bench_connect [-- deploy]`

use snapdeploy_aws::HubConfig;
use snapdeploy_bench::connect;
use snapdeploy_sandbox::Seed;

#[tokio::main]
async fn main() {
    let s = connect::snapshots(Seed::Large, HubConfig::default()).await;
    let i = s.items;
    let naive = i.naive_calls();
    println!(
        "first snapshot of acme-large ({} flows, {} modules, {} queues, {} hours, {} prompts, {} routing profiles, {} quick connects): {}; a List + Describe client needs {naive} calls ({:.1}x as many)",
        i.flows, i.modules, i.queues, i.hours, i.prompts, i.profiles, i.quick_connects,
        s.first.describe(),
        naive as f64 / s.first.made as f64
    );
    assert!(s.same_digest, "an unchanged instance");
    println!(
        "next snapshot, unchanged instance: {}; the List + Describe client's {naive} calls are {:.1}x as many",
        s.again.describe(),
        naive as f64 / s.again.made as f64
    );
    assert!(s.edits_seen, "the edits are seen");
    println!(
        "next snapshot after editing 5 prompts and 3 routing profiles: {}; {:.1}x fewer than List + Describe",
        s.edited.describe(),
        naive as f64 / s.edited.made as f64
    );

    let t = connect::two_accounts(Seed::Large, HubConfig::default()).await;
    let sequential = t.alone[0].0 + t.alone[1].0;
    println!(
        "extract of 2 accounts x 1 region: alone {:.1} s ({} calls) and {:.1} s ({} calls), one after the other {sequential:.1} s; \
         together {:.1} s ({} calls, {} throttled): {:.2}x faster",
        t.alone[0].0, t.alone[0].1, t.alone[1].0, t.alone[1].1,
        t.together.wall, t.together.made, t.together.throttled,
        sequential / t.together.wall
    );

    if std::env::args().nth(1).as_deref() != Some("deploy") {
        return;
    }
    let d = connect::deploy(Seed::Large, HubConfig::default()).await;
    println!(
        "deploy of acme-large into the empty acme-prod: {} items created, {}",
        d.created,
        d.run.describe()
    );
}
