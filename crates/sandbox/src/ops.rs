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
    pub(crate) async fn begin(&self, sh: &Shared, principal: &Principal) -> Result<(), Response> {
        let counter = self.counter();
        record_product_call(&counter, principal);
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
        self.begin(sh, principal).await?;
        self.admit(sh, principal, scope, quota)
    }
}

/// With `SNAPDEPLOY_SANDBOX_OPS_LOG=<folder>`, every operation called by SnapDeploy itself (a
/// session of the role it assumes, named `snapdeploy`; a test's own setup calls are not) is
/// written once per process to `<folder>/ops-<pid>.txt`. After the test suite their union
/// is the set of AWS operations the product calls in a managed account, which the
/// target-account IAM policy must grant exactly (`scripts/check-iam-policy`).
fn record_product_call(op: &str, principal: &Principal) {
    use std::collections::HashSet;
    use std::io::Write;
    use std::sync::{Mutex, OnceLock};
    static LOG: OnceLock<Option<(std::path::PathBuf, Mutex<HashSet<String>>)>> = OnceLock::new();
    let Some((dir, seen)) = LOG.get_or_init(|| {
        let dir = std::env::var_os("SNAPDEPLOY_SANDBOX_OPS_LOG")?;
        Some((dir.into(), Mutex::default()))
    }) else {
        return;
    };
    let session = principal.arn.contains(":assumed-role/")
        && principal.arn.rsplit('/').next() == Some("snapdeploy");
    if !session
        || !seen
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(op.to_owned())
    {
        return;
    }
    let _ = std::fs::create_dir_all(dir);
    let path = dir.join(format!("ops-{}.txt", std::process::id()));
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
    {
        // One write per line: the sandboxes of one process share the file.
        let _ = f.write_all(format!("{op}\n").as_bytes());
    }
}
