//! What every service's operation goes through before it runs: it is counted, an injected
//! fault due for it is applied, and it takes a token from its quota (or is throttled).

use crate::auth::Scope;
use crate::http::dropped_connection;
use crate::state::{FaultAction, Principal, Shared, World};
use axum::response::Response;
use std::sync::MutexGuard;

/// One call of an operation, as the prologue sees it.
pub(crate) struct Op<'a> {
    /// `lambda`, `lex`, `connect`, `sts`: the counters' and faults' service name.
    pub service: &'static str,
    pub name: &'a str,
    /// An error in the service's own format (status, code, message).
    pub error: fn(u16, &str, &str) -> Response,
}

/// A quota: its bucket per (account, region), refill rate and burst, and the service's own
/// throttling answer.
pub(crate) struct Quota<'a> {
    pub bucket: &'static str,
    pub rate: f64,
    pub burst: f64,
    pub throttled: fn() -> Response,
    /// Connect: the operation, whose bucket and rate the world's Connect settings decide.
    pub connect_operation: Option<&'a str>,
}

impl Op<'_> {
    fn counter(&self) -> String {
        format!("{}:{}", self.service, self.name)
    }

    /// Counts the call and applies an injected fault if one is due: `Err` is the faulted
    /// answer.
    pub(crate) async fn begin(&self, sh: &Shared) -> Result<(), Response> {
        let counter = self.counter();
        sh.count(&counter, |c| c.calls += 1);
        // Watched before the fault is looked up, so a clearing in between is not missed.
        let mut cleared = sh.on_faults_cleared();
        let action = sh.world().fault_for(self.service, self.name);
        match action {
            FaultAction::None => Ok(()),
            FaultAction::Hold => {
                let _ = cleared.changed().await;
                Ok(())
            }
            FaultAction::Delay(d) => {
                tokio::time::sleep(d).await;
                Ok(())
            }
            FaultAction::Fail {
                delay,
                status,
                code,
                message,
            } => Err(self
                .faulted(sh, delay, (self.error)(status, &code, &message))
                .await),
            FaultAction::Drop(delay) => Err(self.faulted(sh, delay, dropped_connection()).await),
        }
    }

    /// The answer of an injected fault, after its delay, counted as faulted.
    async fn faulted(&self, sh: &Shared, delay: std::time::Duration, answer: Response) -> Response {
        tokio::time::sleep(delay).await;
        sh.count(&self.counter(), |c| c.faulted += 1);
        answer
    }

    /// Locks the world for the call once `quota` has a token for the caller's account and
    /// region (when quotas are on); `Err` is the throttling answer.
    pub(crate) fn admit<'s>(
        &self,
        sh: &'s Shared,
        principal: &Principal,
        scope: &Scope,
        quota: &Quota<'_>,
    ) -> Result<MutexGuard<'s, World>, Response> {
        let mut world = sh.world();
        let now = world.clock.now();
        let (bucket, rate, burst) = match quota.connect_operation {
            Some(op) => {
                let (bucket, r) = world.quotas.connect.bucket(op);
                (bucket, r.rate, r.burst)
            }
            None => (quota.bucket.to_owned(), quota.rate, quota.burst),
        };
        if world.config.quotas_enabled
            && !world.quotas.take(
                &principal.account_id,
                &scope.region,
                &bucket,
                rate,
                burst,
                now,
            )
        {
            drop(world);
            sh.count(&self.counter(), |c| c.throttled += 1);
            return Err((quota.throttled)());
        }
        Ok(world)
    }

    /// `begin`, then `admit`: the whole prologue, for services with nothing to do between.
    pub(crate) async fn serve<'s>(
        &self,
        sh: &'s Shared,
        principal: &Principal,
        scope: &Scope,
        quota: &Quota<'_>,
    ) -> Result<MutexGuard<'s, World>, Response> {
        self.begin(sh).await?;
        self.admit(sh, principal, scope, quota)
    }
}
