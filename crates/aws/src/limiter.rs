//! Client-side pacing per (account, region, bucket), so SnapDeploy stays under AWS's quotas
//! instead of spending its time in throttling retries.

use std::time::Duration;
// Tokio's clock (the system's, unless a test pauses it).
use tokio::time::Instant;

/// The quota a call is paced in, per (account, region): one bucket per quota AWS publishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Quota {
    /// Lambda control-plane calls other than GetFunction (AWS: 15/s).
    LambdaControl,
    /// Lambda GetFunction (AWS: 100/s).
    LambdaGetFunction,
    /// Lex V2 model building.
    Lex,
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A limiter, by a paused clock: a burst of 5, then 1.9 calls a second.
    #[tokio::test(start_paused = true)]
    async fn a_burst_of_5_then_1_9_a_second() {
        let l = RateLimiter::new(1.9, 5.0);
        let t0 = Instant::now();
        for _ in 0..5 {
            l.acquire().await;
        }
        assert_eq!(t0.elapsed(), Duration::ZERO, "the burst goes at once");
        for _ in 0..19 {
            l.acquire().await;
        }
        let took = t0.elapsed().as_secs_f64();
        assert!(
            (took - 10.0).abs() < 0.01,
            "19 calls at 1.9/s take 10 s: {took}"
        );
        // Idle time refills no more than the burst.
        tokio::time::advance(Duration::from_secs(60)).await;
        let t1 = Instant::now();
        for _ in 0..6 {
            l.acquire().await;
        }
        let took = t1.elapsed().as_secs_f64();
        assert!(
            (took - 1.0 / 1.9).abs() < 0.01,
            "5 at once, the 6th after 1/1.9 s: {took}"
        );
    }
}
