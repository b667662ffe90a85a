//! SnapDeploy's benchmarks against the sandbox, in one place for the two ways they run: in
//! full by the `bench_lambda`, `bench_connect` and `bench_jobs` binaries (the figures in
//! docs/benchmarks.md), and in short (the `small` seed) by this crate's tests, which check
//! their call counts, so a benchmark that stops measuring what it says fails the suite.

pub mod common;
pub mod connect;
pub mod jobs;
pub mod lambda;

/// One measured run: calls the sandbox answered and throttled, wall time, and the floor the
/// quota sets for that many calls.
#[derive(Debug, Clone, Copy)]
pub struct Run {
    pub made: u64,
    pub throttled: u64,
    pub wall: f64,
    pub floor: f64,
}

impl Run {
    /// Calls answered, throttled, wall, floor and their ratio, as the benchmarks print them.
    pub fn describe(&self) -> String {
        format!(
            "{} calls answered, {} throttled, wall {:.1} s, quota floor {:.1} s ({:.2}x)",
            self.made,
            self.throttled,
            self.wall,
            self.floor,
            self.wall / self.floor.max(f64::EPSILON)
        )
    }
}
