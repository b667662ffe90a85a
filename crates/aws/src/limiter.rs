//! Client-side pacing per (account, region, bucket), so SnapDeploy stays under AWS's quotas
//! instead of spending its time in throttling retries.

use std::time::{Duration, Instant};

/// The quota a call is paced in, per (account, region): one bucket per quota AWS publishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Quota {
    /// Lambda control-plane calls other than GetFunction (AWS: 15/s).
    LambdaControl,
    /// Lambda GetFunction (AWS: 100/s).
    LambdaGetFunction,
    /// Lex V2 model building.
    Lex,
    /// Amazon Connect.
    Connect,
}
use tokio::sync::Mutex;

#[derive(Debug)]
pub struct RateLimiter {
    rate: f64,
    burst: f64,
    state: Mutex<(f64, Instant)>,
}

impl RateLimiter {
    pub fn new(rate: f64, burst: f64) -> Self {
        Self {
            rate,
            burst,
            state: Mutex::new((burst, Instant::now())),
        }
    }

    /// Waits until a call may be made.
    pub async fn acquire(&self) {
        loop {
            let wait = {
                let mut s = self.state.lock().await;
                let now = Instant::now();
                s.0 = (s.0 + now.duration_since(s.1).as_secs_f64() * self.rate).min(self.burst);
                s.1 = now;
                if s.0 >= 1.0 {
                    s.0 -= 1.0;
                    return;
                }
                Duration::from_secs_f64((1.0 - s.0) / self.rate)
            };
            tokio::time::sleep(wait).await;
        }
    }
}
