//! Connect pacing per operation, adapting to the service's throttles.
//!
//! Connect's API reference sets throttling limits for each API separately (2 requests/s,
//! burst 5, per account and region; some APIs higher); its older admin guide reads as one
//! bucket for every API. SnapDeploy paces each operation in its own token bucket, so
//! independent reads and writes run side by side, and adapts when the service throttles
//! more than that model says:
//!
//! - a throttle (HTTP 429) cuts the operation's rate multiplicatively (×0.7) and empties its
//!   bucket; the rate then recovers additively (2% of the quota a second), never above the
//!   configured quota: the AIMD shape of the AWS SDKs' adaptive retry mode, with a slower
//!   recovery because Connect's quotas are low (the SDK's CUBIC recovery is back above a
//!   2/s quota in under two seconds and throttles again);
//! - throttles of two different operations within two seconds of each other while each is
//!   paced under its own quota show that they share a bucket: from then on every operation
//!   of the (account, region) also draws from one shared bucket at the default quota, itself
//!   cut and recovered the same way. Ten minutes without a throttle drop it again, so a
//!   burst of other callers' load does not pin an account to the slow model for good.
//!
//! The pacing sits at the transport (an HTTP client wrapping the SDK's), so every attempt
//! is paced, the SDK's retries of throttled calls included, and no call site can forget it.
//! The operation's name reaches the transport as a request extension an interceptor sets
//! from the SDK's own operation metadata.

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextMut;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, Metadata};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;
// Tokio's clock (the system's, unless a test pauses it).
use tokio::time::Instant;

/// A token bucket's refill rate (calls a second) and size.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    pub rate: f64,
    pub burst: f64,
}

/// What each operation may do.
#[derive(Debug, Clone, PartialEq)]
pub struct PacingConfig {
    /// Every operation's own bucket unless `operations` names it; also the shared bucket's.
    pub default: Rate,
    /// Raised (or lowered) quotas by operation name (`SearchContactFlows`).
    pub operations: BTreeMap<String, Rate>,
}

/// Connect's metric reads have a higher default quota (5/s, burst 8).
const METRIC_OPERATIONS: &[&str] = &[
    "GetMetricData",
    "GetMetricDataV2",
    "GetCurrentMetricData",
    "GetCurrentUserData",
];

impl PacingConfig {
    /// The quota `operation` is paced at.
    pub fn quota(&self, operation: &str) -> Rate {
        if let Some(r) = self.operations.get(operation) {
            return *r;
        }
        if METRIC_OPERATIONS.contains(&operation) {
            // 5/s, paced 5% under like the default (see HubConfig::connect_rate).
            return Rate {
                rate: 5.0 * self.default.rate / 2.0,
                burst: 8.0,
            };
        }
        self.default
    }
}

/// A throttle cuts the rate to this share of what it was.
const DECREASE: f64 = 0.7;
/// ...and the rate recovers by this share of the quota each second.
const RECOVERY_PER_SECOND: f64 = 0.02;
/// Never slower than this share of the quota.
const FLOOR: f64 = 0.05;
/// Throttles this close together are one event (one cut), as calls already in flight when
/// the service's bucket ran dry are throttled together.
const ONE_EVENT: Duration = Duration::from_secs(1);
/// Two operations throttled this close together share a bucket.
const SHARED_WINDOW: Duration = Duration::from_secs(2);
/// The shared bucket is dropped after this long without a throttle.
const SHARED_EXPIRY: Duration = Duration::from_secs(600);

#[derive(Debug)]
struct Bucket {
    quota: Rate,
    /// The current rate: the quota, or less after throttles.
    rate: f64,
    tokens: f64,
    at: Instant,
    cut_at: Option<Instant>,
}

impl Bucket {
    fn new(quota: Rate, tokens: f64, now: Instant) -> Self {
        Self {
            quota,
            rate: quota.rate,
            tokens,
            at: now,
            cut_at: None,
        }
    }

    fn refill(&mut self, now: Instant) {
        let dt = now.saturating_duration_since(self.at).as_secs_f64();
        self.rate = (self.rate + self.quota.rate * RECOVERY_PER_SECOND * dt).min(self.quota.rate);
        self.tokens = (self.tokens + self.rate * dt).min(self.quota.burst);
        self.at = now;
    }

    /// How long until a token is there (zero: now).
    fn wait(&self) -> Duration {
        if self.tokens >= 1.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64((1.0 - self.tokens) / self.rate)
        }
    }

    /// A throttle: the service's bucket is empty, and the rate is cut once per event.
    fn throttled(&mut self, now: Instant) {
        self.refill(now);
        self.tokens = self.tokens.min(0.0);
        if self
            .cut_at
            .is_some_and(|t| now.saturating_duration_since(t) < ONE_EVENT)
        {
            return;
        }
        self.rate = (self.rate * DECREASE).max(self.quota.rate * FLOOR);
        self.cut_at = Some(now);
    }
}

#[derive(Debug, Default)]
struct State {
    operations: HashMap<String, Bucket>,
    shared: Option<Bucket>,
    last_throttle: Option<(String, Instant)>,
    stats: PacerStats,
}

/// What a pacer has seen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PacerStats {
    pub calls: u64,
    pub throttled: u64,
}

/// The pacing of one service in one (account, region).
#[derive(Debug)]
pub struct Pacer {
    config: PacingConfig,
    state: Mutex<State>,
}

impl Pacer {
    pub fn new(config: PacingConfig) -> Self {
        Self {
            config,
            state: Mutex::new(State::default()),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// `operation`'s own bucket, made (with `tokens`) when first needed, refilled to `now`.
    fn own<'s>(
        &self,
        s: &'s mut State,
        operation: &str,
        tokens: f64,
        now: Instant,
    ) -> &'s mut Bucket {
        let quota = self.config.quota(operation);
        let b = s
            .operations
            .entry(operation.to_owned())
            .or_insert_with(|| Bucket::new(quota, tokens.min(quota.burst), now));
        b.refill(now);
        b
    }

    /// Takes a token for `operation` now, or says how long to wait before asking again.
    pub fn try_acquire(&self, operation: &str, now: Instant) -> Result<(), Duration> {
        let mut s = self.state();
        let s = &mut *s;
        let quiet = s
            .last_throttle
            .as_ref()
            .is_none_or(|(_, t)| now.saturating_duration_since(*t) > SHARED_EXPIRY);
        if s.shared.is_some() && quiet {
            tracing::info!("Connect: no throttle for ten minutes, operations paced apart again");
            s.shared = None;
        }
        let mut wait = self.own(s, operation, f64::INFINITY, now).wait();
        if let Some(shared) = s.shared.as_mut() {
            shared.refill(now);
            wait = wait.max(shared.wait());
        }
        if !wait.is_zero() {
            return Err(wait);
        }
        self.own(s, operation, f64::INFINITY, now).tokens -= 1.0;
        if let Some(shared) = s.shared.as_mut() {
            shared.tokens -= 1.0;
        }
        s.stats.calls += 1;
        Ok(())
    }

    /// Waits until `operation` may be called.
    pub async fn acquire(&self, operation: &str) {
        while let Err(wait) = self.try_acquire(operation, Instant::now()) {
            tokio::time::sleep(wait).await;
        }
    }

    /// The service throttled a call of `operation`.
    pub fn throttled(&self, operation: &str, now: Instant) {
        let mut s = self.state();
        let s = &mut *s;
        s.stats.throttled += 1;
        if let Some(shared) = s.shared.as_mut() {
            // The shared bucket ran dry, not the operation's own: only it is cut.
            shared.throttled(now);
        } else {
            let other_recently = s.last_throttle.as_ref().is_some_and(|(op, t)| {
                op != operation && now.saturating_duration_since(*t) < SHARED_WINDOW
            });
            if other_recently {
                tracing::warn!(
                    operation,
                    "Connect throttles several operations at once: pacing them in one shared bucket"
                );
                // Empty, as the service's is; the calls of this event already in flight
                // were sent before the shared bucket paced them, so they do not cut it.
                let mut shared = Bucket::new(self.config.default, 0.0, now);
                shared.cut_at = Some(now);
                s.shared = Some(shared);
            } else {
                self.own(s, operation, 0.0, now).throttled(now);
            }
        }
        s.last_throttle = Some((operation.to_owned(), now));
    }

    /// Whether every operation also draws from one shared bucket now.
    pub fn is_shared(&self) -> bool {
        self.state().shared.is_some()
    }

    /// The current rate of `operation`'s own bucket.
    pub fn rate(&self, operation: &str, now: Instant) -> f64 {
        let mut s = self.state();
        self.own(&mut s, operation, f64::INFINITY, now).rate
    }

    pub fn stats(&self) -> PacerStats {
        self.state().stats
    }
}

/// The operation a request belongs to, as the SDK names it.
#[derive(Debug, Clone)]
struct Operation(String);

/// Puts the operation's name on each attempt's request, for the transport.
#[derive(Debug)]
pub struct NameOperations;

impl Intercept for NameOperations {
    fn name(&self) -> &'static str {
        "snapdeploy::NameOperations"
    }

    fn modify_before_transmit(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(m) = cfg.load::<Metadata>() {
            let name = m.name().to_owned();
            context.request_mut().add_extension(Operation(name));
        }
        Ok(())
    }
}

/// An HTTP client that paces each request by its operation.
#[derive(Debug, Clone)]
pub struct PacedClient {
    inner: SharedHttpClient,
    pacer: Arc<Pacer>,
}

impl PacedClient {
    /// Wraps `inner`, or the SDK's default HTTPS client (rustls, proxy settings from the
    /// environment) when the configuration names none.
    pub fn new(inner: Option<SharedHttpClient>, pacer: Arc<Pacer>) -> Self {
        let inner = inner.unwrap_or_else(default_https_client);
        Self { inner, pacer }
    }
}

fn default_https_client() -> SharedHttpClient {
    use aws_smithy_http_client::{proxy::ProxyConfig, tls, Builder, ConnectorBuilder};
    Builder::new().build_with_connector_fn(|settings, components| {
        let mut b = ConnectorBuilder::default().tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::AwsLc,
        ));
        b.set_connector_settings(settings.cloned());
        if let Some(c) = components {
            b.set_sleep_impl(c.sleep_impl());
        }
        b.set_proxy_config(Some(ProxyConfig::from_env()));
        b.build()
    })
}

impl HttpClient for PacedClient {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(PacedConnector {
            inner: self.inner.http_connector(settings, components),
            pacer: self.pacer.clone(),
        })
    }
}

#[derive(Debug)]
struct PacedConnector {
    inner: SharedHttpConnector,
    pacer: Arc<Pacer>,
}

impl HttpConnector for PacedConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let (inner, pacer) = (self.inner.clone(), self.pacer.clone());
        HttpConnectorFuture::new(async move {
            let op = request
                .extension::<Operation>()
                .map_or_else(|| "?".to_owned(), |o| o.0.clone());
            pacer.acquire(&op).await;
            let response = inner.call(request).await?;
            if response.status().as_u16() == 429 {
                pacer.throttled(&op, Instant::now());
            }
            Ok(response)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn connect() -> PacingConfig {
        PacingConfig {
            default: Rate {
                rate: 1.9,
                burst: 5.0,
            },
            operations: BTreeMap::from([(
                "SearchQueues".to_owned(),
                Rate {
                    rate: 10.0,
                    burst: 10.0,
                },
            )]),
        }
    }

    async fn calls(p: &Pacer, op: &str, n: usize) {
        for _ in 0..n {
            p.acquire(op).await;
        }
    }

    /// Each operation has its own bucket: two operations side by side take as long as one.
    #[tokio::test(start_paused = true)]
    async fn each_operation_is_paced_in_its_own_bucket() {
        let p = Pacer::new(connect());
        let t0 = Instant::now();
        tokio::join!(
            calls(&p, "GetPromptFile", 24),
            calls(&p, "ListQueueQuickConnects", 24)
        );
        let took = t0.elapsed().as_secs_f64();
        assert!(
            (took - 10.0).abs() < 0.01,
            "5 at once, 19 at 1.9/s, both operations at the same time: {took}"
        );
        // A raised quota is its own.
        let t1 = Instant::now();
        calls(&p, "SearchQueues", 20).await;
        let took = t1.elapsed().as_secs_f64();
        assert!((took - 1.0).abs() < 0.01, "10 at once, 10 at 10/s: {took}");
        // Metric reads have Connect's higher default (5/s paced 5% under, burst 8).
        let t2 = Instant::now();
        calls(&p, "GetMetricDataV2", 8 + 19).await;
        let took = t2.elapsed().as_secs_f64();
        assert!((took - 4.0).abs() < 0.01, "8 at once, 19 at 4.75/s: {took}");
    }

    /// A throttle cuts the operation's rate by 0.7 and empties its bucket; the rate comes
    /// back by 2% of the quota a second, and never passes the quota.
    #[tokio::test(start_paused = true)]
    async fn a_throttle_cuts_the_rate_which_recovers_slowly() {
        let p = Pacer::new(connect());
        let op = "CreateQueue";
        calls(&p, op, 5).await;
        let t0 = Instant::now();
        p.throttled(op, t0);
        assert!((p.rate(op, t0) - 1.33).abs() < 1e-9);
        // Throttles of calls in flight in the same second are one event.
        tokio::time::advance(Duration::from_millis(300)).await;
        p.throttled(op, Instant::now());
        let recovered = 1.33 + 0.3 * 0.038;
        assert!((p.rate(op, Instant::now()) - recovered).abs() < 1e-9);
        assert!(!p.is_shared(), "one operation throttled is its own bucket");
        // The next call waits for a whole token at the cut rate.
        calls(&p, op, 1).await;
        let took = t0.elapsed().as_secs_f64();
        assert!(
            (1.0..1.1).contains(&took),
            "0.3 s, then 1 token at about 1.34/s: {took}"
        );
        // 10 s later: 1.33 + 10 × 0.038 = 1.71.
        let at = t0 + Duration::from_secs(10);
        assert!((p.rate(op, at) - (1.33 + 0.38)).abs() < 1e-9);
        let later = t0 + Duration::from_secs(60);
        assert_eq!(p.rate(op, later), 1.9, "back to the quota, not above");
        // Another event, later on, cuts again.
        p.throttled(op, later);
        assert!((p.rate(op, later) - 1.33).abs() < 1e-9);
    }

    /// Throttles of two operations close together: one shared bucket at the default quota
    /// for every operation, empty to begin with, dropped after ten quiet minutes.
    #[tokio::test(start_paused = true)]
    async fn two_operations_throttled_together_share_one_bucket() {
        let p = Pacer::new(connect());
        calls(&p, "SearchQueues", 1).await;
        let t0 = Instant::now();
        p.throttled("SearchQueues", t0);
        p.throttled("SearchPrompts", t0 + Duration::from_millis(100));
        assert!(p.is_shared());
        // Three operations side by side now go at 1.9/s in all, not 1.9/s each.
        let t1 = Instant::now();
        tokio::join!(
            calls(&p, "GetPromptFile", 10),
            calls(&p, "ListQueueQuickConnects", 10),
            calls(&p, "SearchContactFlows", 10)
        );
        let took = t1.elapsed().as_secs_f64();
        assert!(
            (took - 30.0 / 1.9).abs() < 0.1,
            "30 calls at 1.9/s from an empty bucket: {took}"
        );
        // A throttle now cuts the shared bucket.
        let t2 = Instant::now();
        p.throttled("GetPromptFile", t2);
        let t3 = Instant::now();
        calls(&p, "ListRoutingProfileQueues", 1).await;
        assert!(
            t3.elapsed().as_secs_f64() > 0.7,
            "the shared bucket is empty and at 1.33/s"
        );
        tokio::time::advance(SHARED_EXPIRY + Duration::from_secs(1)).await;
        calls(&p, "ListRoutingProfileQueues", 1).await;
        assert!(!p.is_shared(), "ten minutes without a throttle");
        assert_eq!(
            p.stats(),
            PacerStats {
                calls: 33,
                throttled: 3
            }
        );
    }
}
