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
    /// The process's peak resident memory during the run (the sandbox's included: it serves
    /// from the same process), in MB.
    pub peak_rss_mb: f64,
}

impl Run {
    /// Calls answered, throttled, wall, floor and their ratio, as the benchmarks print them.
    pub fn describe(&self) -> String {
        format!(
            "{} calls answered, {} throttled ({:.1}%), wall {:.1} s, quota floor {:.1} s{}, peak RSS {:.0} MB",
            self.made,
            self.throttled,
            100.0 * self.throttled as f64 / (self.made + self.throttled).max(1) as f64,
            self.wall,
            self.floor,
            if self.floor > 0.0 {
                format!(" ({:.2}x)", self.wall / self.floor)
            } else {
                String::new()
            },
            self.peak_rss_mb
        )
    }
}

/// Starts measuring the process's peak resident memory afresh (Linux: `clear_refs` 5 resets
/// VmHWM; elsewhere the peak is the process's since it started).
pub fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// The process's peak resident memory since the last reset, in MB (0 where unknown).
pub fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}
