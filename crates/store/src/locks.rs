//! Leases that keep two changes off one resource at a time. A change holds one for its whole
//! run (read, safety snapshot, apply, restore); a crashed process's lease lapses at its end.

use crate::api::{backend, StoreError, StoreResult};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

/// A held lock: what it locks, the holder, and until when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    pub key: String,
    /// Unique to this lease: only it can end the lease.
    pub token: String,
    pub holder: String,
    pub acquired_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

impl Lease {
    /// The same lease, ending `ttl` after `now`.
    pub(crate) fn extended(&self, ttl: Duration, now: DateTime<Utc>) -> StoreResult<Self> {
        let ttl = chrono::Duration::from_std(ttl).map_err(backend("lease length"))?;
        Ok(Self {
            expires_at: now + ttl,
            ..self.clone()
        })
    }

    pub(crate) fn lost(&self) -> StoreError {
        StoreError::Conflict(format!(
            "the lease on {} lapsed and was taken by another change",
            self.key
        ))
    }

    pub(crate) fn new(
        key: &str,
        holder: &str,
        ttl: Duration,
        now: DateTime<Utc>,
    ) -> StoreResult<Self> {
        let ttl = chrono::Duration::from_std(ttl).map_err(backend("lease length"))?;
        Ok(Self {
            key: key.into(),
            token: token(),
            holder: holder.into(),
            acquired_at: now,
            expires_at: now + ttl,
        })
    }

    /// The refusal a second taker gets, naming who holds the lock and until when.
    pub(crate) fn busy(&self) -> StoreError {
        StoreError::Conflict(format!(
            "{} is being changed by {} since {} (the lease lapses at {} if that change never ends)",
            self.key,
            self.holder,
            self.acquired_at
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            self.expires_at
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        ))
    }
}

pub(crate) fn token() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    // Unique across processes and hosts: time, process, a counter, hashed.
    let seed = format!(
        "{:?}/{}/{}/{}",
        Utc::now(),
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed),
        std::env::var("HOSTNAME").unwrap_or_default()
    );
    snapdeploy_core::sha256_hex(seed.as_bytes())[..32].to_owned()
}

/// Every process judges leases by its own clock's `now`, passed in, so one clock (the
/// system's, or a test's) decides when a lease lapses; hosts' clocks must agree to well
/// within a lease's length.
#[async_trait]
pub trait LockStore: Send + Sync {
    /// Takes `key` for `ttl` on behalf of `holder`; `Conflict`, naming the holder, while a
    /// lease of someone else's holds it at `now`.
    async fn acquire(
        &self,
        key: &str,
        holder: &str,
        ttl: Duration,
        now: DateTime<Utc>,
    ) -> StoreResult<Lease>;
    /// Moves the lease's end to `ttl` after `now`; `Conflict` when it lapsed and another
    /// took it.
    async fn renew(&self, lease: &Lease, ttl: Duration, now: DateTime<Utc>) -> StoreResult<Lease>;
    /// Ends the lease. One that lapsed and was taken by another since is left alone.
    async fn release(&self, lease: &Lease) -> StoreResult<()>;
    /// The lease last taken on `key` and not released, lapsed or not: who is (or was)
    /// changing it, and until when.
    async fn holder(&self, key: &str) -> StoreResult<Option<Lease>>;
}

/// Leases in this process only: for tests and tools that run one process.
#[derive(Default)]
pub struct MemoryLocks {
    held: Mutex<HashMap<String, Lease>>,
}

#[async_trait]
impl LockStore for MemoryLocks {
    async fn acquire(
        &self,
        key: &str,
        holder: &str,
        ttl: Duration,
        now: DateTime<Utc>,
    ) -> StoreResult<Lease> {
        let mut held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(l) = held.get(key).filter(|l| l.expires_at > now) {
            return Err(l.busy());
        }
        let lease = Lease::new(key, holder, ttl, now)?;
        held.insert(key.into(), lease.clone());
        Ok(lease)
    }

    async fn renew(&self, lease: &Lease, ttl: Duration, now: DateTime<Utc>) -> StoreResult<Lease> {
        let mut held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        match held.get_mut(&lease.key) {
            Some(l) if l.token == lease.token => {
                *l = lease.extended(ttl, now)?;
                Ok(l.clone())
            }
            _ => Err(lease.lost()),
        }
    }

    async fn release(&self, lease: &Lease) -> StoreResult<()> {
        let mut held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        if held.get(&lease.key).is_some_and(|l| l.token == lease.token) {
            held.remove(&lease.key);
        }
        Ok(())
    }

    async fn holder(&self, key: &str) -> StoreResult<Option<Lease>> {
        let held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        Ok(held.get(key).cloned())
    }
}
