//! Queued jobs across workers (docs/benchmarks.md): 200 snapshot jobs taken from one queue
//! by one worker and by three, with Lambda's quotas on (each worker pacing itself) and with
//! the quotas off but 100 ms on every GetFunction; wall time, and the job records' registry
//! reads and writes per job.
//!
//! `cargo run -p snapdeploy-bench --bin bench_jobs`

use snapdeploy_bench::jobs::{run, Aws};

#[tokio::main]
async fn main() {
    for aws in [Aws::Latency(100), Aws::Quotas] {
        for workers in [1, 3] {
            let r = run(200, workers, aws).await;
            println!("{aws:?}: {}", r.describe());
        }
    }
}
