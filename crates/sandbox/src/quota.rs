//! Request quotas per account + region, as token buckets (AWS's default rates).
//!
//! Connect's API reference ("Best practices for using Amazon Connect APIs") sets throttling
//! limits for each API separately: by default every operation has its own bucket per
//! account + region (2 req/s, burst 5; the metric-data reads 5/8). The older admin guide
//! reads as one shared bucket; `/_sandbox/quotas` switches to that, and sets rates per
//! operation, so clients can be tested against either model.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

#[derive(Default)]
pub struct Quotas {
    buckets: HashMap<(String, String, String), Bucket>,
    pub connect: ConnectQuotas,
}

/// How Connect is throttled.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConnectQuotas {
    /// `per_operation` (the default, as Connect's API reference states) or `shared` (one
    /// bucket per account + region for every operation).
    #[serde(default)]
    pub mode: ConnectMode,
    /// Rates set per operation (`{"SearchQueues": {"rate": 1, "burst": 2}}`); in shared mode
    /// `"*"` sets the shared bucket's.
    #[serde(default)]
    pub rates: BTreeMap<String, Rate>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConnectMode {
    #[default]
    PerOperation,
    Shared,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rate {
    pub rate: f64,
    pub burst: f64,
}

/// Connect's default: 2 requests/s with a burst of 5.
pub const CONNECT_DEFAULT: Rate = Rate {
    rate: 2.0,
    burst: 5.0,
};
/// The metric-data reads have a higher default: 5 requests/s with a burst of 8.
pub const CONNECT_METRICS: Rate = Rate {
    rate: 5.0,
    burst: 8.0,
};
const METRIC_OPERATIONS: &[&str] = &[
    "GetMetricData",
    "GetMetricDataV2",
    "GetCurrentMetricData",
    "GetCurrentUserData",
];

impl ConnectQuotas {
    /// The bucket a Connect `operation` draws from, and its rate.
    pub fn bucket(&self, operation: &str) -> (String, Rate) {
        match self.mode {
            ConnectMode::Shared => (
                "connect".into(),
                self.rates.get("*").copied().unwrap_or(CONNECT_DEFAULT),
            ),
            ConnectMode::PerOperation => {
                let default = if METRIC_OPERATIONS.contains(&operation) {
                    CONNECT_METRICS
                } else {
                    CONNECT_DEFAULT
                };
                (
                    format!("connect:{operation}"),
                    self.rates.get(operation).copied().unwrap_or(default),
                )
            }
        }
    }

    /// Refuses rates no bucket can have.
    pub fn check(&self) -> Result<(), String> {
        for (op, r) in &self.rates {
            if !(r.rate > 0.0 && r.rate <= 10_000.0 && r.burst >= 1.0 && r.burst <= 10_000.0) {
                return Err(format!(
                    "rates.{op}: rate must be above 0 and at most 10000, burst 1 to 10000"
                ));
            }
        }
        Ok(())
    }
}

struct Bucket {
    tokens: f64,
    last: Instant,
}

impl Quotas {
    /// Takes one token from the bucket `name` of (account, region); false when empty.
    pub fn take(
        &mut self,
        account: &str,
        region: &str,
        name: &str,
        rate: f64,
        burst: f64,
        now: Instant,
    ) -> bool {
        let b = self
            .buckets
            .entry((account.into(), region.into(), name.to_owned()))
            .or_insert(Bucket {
                tokens: burst,
                last: now,
            });
        b.tokens = (b.tokens + now.duration_since(b.last).as_secs_f64() * rate).min(burst);
        b.last = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    pub fn clear(&mut self) {
        self.buckets.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connect_buckets_per_operation_with_the_metric_reads_higher_or_one_shared() {
        let mut q = ConnectQuotas::default();
        assert_eq!(
            q.bucket("SearchQueues"),
            ("connect:SearchQueues".into(), CONNECT_DEFAULT)
        );
        assert_eq!(
            q.bucket("GetMetricDataV2"),
            ("connect:GetMetricDataV2".into(), CONNECT_METRICS)
        );
        q.rates.insert(
            "SearchQueues".into(),
            Rate {
                rate: 1.0,
                burst: 2.0,
            },
        );
        assert_eq!(
            q.bucket("SearchQueues").1,
            Rate {
                rate: 1.0,
                burst: 2.0
            }
        );
        q.mode = ConnectMode::Shared;
        assert_eq!(
            q.bucket("SearchQueues"),
            ("connect".into(), CONNECT_DEFAULT)
        );
        assert_eq!(q.bucket("GetMetricDataV2").0, "connect");
        q.rates.insert(
            "*".into(),
            Rate {
                rate: 3.0,
                burst: 6.0,
            },
        );
        assert_eq!(
            q.bucket("ListQueues").1,
            Rate {
                rate: 3.0,
                burst: 6.0
            }
        );
        q.rates.insert(
            "X".into(),
            Rate {
                rate: 0.0,
                burst: 6.0,
            },
        );
        assert!(q.check().is_err());
    }
}
