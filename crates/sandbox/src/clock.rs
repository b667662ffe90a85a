//! The sandbox's time. Real time by default; a test may stop it or move it forward
//! (`PUT /_sandbox/clock`) so that expiries, quota refills and "in progress" states are
//! checked by what the clock says, never by how fast the machine running the test is.

use serde::Serialize;
use std::time::{Duration, Instant};

#[derive(Debug, Default, Clone, Copy)]
pub struct Clock {
    /// Added to the real (or stopped) time: how far a test moved the clock on.
    offset: Duration,
    /// While stopped, the real time it was stopped at.
    stopped_at: Option<Instant>,
}

#[derive(Debug, Serialize)]
pub struct ClockView {
    pub offset_ms: u128,
    pub stopped: bool,
}

impl Clock {
    pub fn now(&self) -> Instant {
        self.stopped_at.unwrap_or_else(Instant::now) + self.offset
    }

    pub fn advance(&mut self, by: Duration) {
        self.offset += by;
    }

    /// Stops the clock at the present moment, or lets it run again from where it stopped
    /// (the time it stood still is not made up for).
    pub fn set_stopped(&mut self, stop: bool) {
        match (stop, self.stopped_at) {
            (true, None) => self.stopped_at = Some(Instant::now()),
            (false, Some(at)) => {
                // Running on from the stopped reading where the offset allows it; the clock
                // never goes backwards.
                self.offset = self.offset.saturating_sub(at.elapsed());
                self.stopped_at = None;
            }
            _ => {}
        }
    }

    pub fn view(&self) -> ClockView {
        ClockView {
            offset_ms: self.offset.as_millis(),
            stopped: self.stopped_at.is_some(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stopped_clock_stands_still_and_moves_only_when_told() {
        let mut c = Clock::default();
        c.set_stopped(true);
        let t = c.now();
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(c.now(), t);
        c.advance(Duration::from_secs(60));
        assert_eq!(c.now(), t + Duration::from_secs(60));
        c.set_stopped(false);
        assert!(c.now() >= t + Duration::from_secs(60) - Duration::from_millis(1));
    }
}
