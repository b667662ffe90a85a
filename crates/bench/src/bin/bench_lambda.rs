//! Lambda benchmarks against the sandbox (docs/benchmarks.md):
//!
//! 1. extract 500+ functions with Lambda's default quotas on: calls made, calls throttled,
//!    wall time, and the floor the quota sets;
//! 2. 50 snapshots of functions that share one 10 MB zip: bytes stored (the zip once), and
//!    20 more snapshots of one unchanged function: code downloads.
//!
//! `cargo run -p snapdeploy-bench --bin bench_lambda`

use snapdeploy_aws::HubConfig;
use snapdeploy_bench::lambda;
use snapdeploy_sandbox::Seed;

#[tokio::main]
async fn main() {
    let e = lambda::extract(Seed::Large, HubConfig::default()).await;
    println!(
        "extract: {} functions, {}, a list + versions + aliases client makes {} calls",
        e.functions,
        e.run.describe(),
        e.naive
    );
    let d = lambda::dedup(50, 10, 20).await;
    let mb = |b: f64| b / 1e6;
    println!(
        "snapshots: {} functions sharing one {:.1} MB zip: {:.2} MB stored (naive {:.1} MB), {:.1} s",
        d.functions,
        mb(d.zip_bytes as f64),
        mb(d.stored_bytes as f64),
        mb((d.functions * d.zip_bytes) as f64),
        d.wall
    );
    println!(
        "{} more snapshots of one unchanged function: {} code download(s) ({:.1} MB) instead of {} ({:.1} MB), {:.1} s",
        d.repeats,
        d.repeat_downloads,
        mb(d.repeat_downloads as f64 * d.zip_bytes as f64),
        d.repeats,
        mb((d.repeats * d.zip_bytes) as f64),
        d.repeat_wall
    );
}
