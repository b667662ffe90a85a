//! Wall-clock time as the product reads it for leases and credential expiry: the system's,
//! or one a test moves on by hand, so that "this lapses after two minutes" is tested by
//! moving the clock two minutes on rather than by waiting (or by hoping the machine is fast).

use chrono::{DateTime, Utc};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// The system clock, or (`Clock::manual`) a clock that stands still until a test moves it
/// on. Clones share one reading.
#[derive(Clone, Default)]
pub struct Clock {
    /// A manual clock's reading, in milliseconds since the epoch.
    manual_ms: Option<Arc<AtomicI64>>,
}

impl Clock {
    pub fn system() -> Self {
        Self::default()
    }

    /// A clock standing at the present moment, which moves only by `advance`.
    pub fn manual() -> Self {
        Self {
            manual_ms: Some(Arc::new(AtomicI64::new(Utc::now().timestamp_millis()))),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        match &self.manual_ms {
            None => Utc::now(),
            Some(ms) => {
                DateTime::from_timestamp_millis(ms.load(Ordering::SeqCst)).unwrap_or_else(Utc::now)
            }
        }
    }

    /// Moves a manual clock on; the system clock cannot be moved (a no-op).
    pub fn advance(&self, by: Duration) {
        if let Some(ms) = &self.manual_ms {
            ms.fetch_add(
                i64::try_from(by.as_millis()).unwrap_or(i64::MAX),
                Ordering::SeqCst,
            );
        }
    }
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.manual_ms {
            None => f.write_str("Clock::system"),
            Some(_) => write!(f, "Clock::manual({})", self.now()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_stands_still_and_moves_on_for_every_clone() {
        let c = Clock::manual();
        let other = c.clone();
        let before = c.now();
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(c.now(), before);
        c.advance(Duration::from_secs(3600));
        assert_eq!(other.now(), before + chrono::Duration::seconds(3600));
        let sys = Clock::system();
        sys.advance(Duration::from_secs(3600));
        assert!(sys.now() < before + chrono::Duration::seconds(60));
    }
}
