//! Request quotas per account + region, as token buckets (AWS's default rates).

use std::collections::HashMap;
use std::time::Instant;

#[derive(Default)]
pub struct Quotas {
    buckets: HashMap<(String, String, &'static str), Bucket>,
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
        name: &'static str,
        rate: f64,
        burst: f64,
        now: Instant,
    ) -> bool {
        let b = self
            .buckets
            .entry((account.into(), region.into(), name))
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
