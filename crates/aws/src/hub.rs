//! The hub: the process's own credentials (the SDK's default chain), from which every
//! registered account is reached through STS AssumeRole with its ExternalId.

use crate::error::{AwsError, AwsResult};
use crate::limiter::{Quota, RateLimiter};
use crate::pacing::{NameOperations, PacedClient, Pacer, PacingConfig, Rate};
use aws_config::SdkConfig;
use aws_credential_types::provider::{self, error::CredentialsError, ProvideCredentials};
use aws_credential_types::Credentials;
use aws_sdk_sts::error::ProvideErrorMetadata;
use snapdeploy_core::{Account, Region};
use std::any::{Any, TypeId};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use tokio::sync::Mutex;

/// Temporary credentials are renewed this long before they expire (default).
pub const REFRESH_BEFORE_EXPIRY: Duration = Duration::from_secs(5 * 60);
pub const SESSION_NAME: &str = "snapdeploy";

#[derive(Debug, Clone)]
pub struct HubConfig {
    /// Calls per second per (account, region) for Lambda control-plane calls (AWS: 15).
    pub lambda_rate: f64,
    /// GetFunction calls per second per (account, region) (AWS: 100).
    pub lambda_get_function_rate: f64,
    /// Lex V2 model-building calls per second per (account, region). AWS publishes no
    /// figure; 10 keeps clear of the throttling users report.
    pub lex_rate: f64,
    /// Connect calls per second of each operation per (account, region), shared by every
    /// instance and caller there (AWS: 2, burst 5). Paced 5% under the quota: at exactly 2/s
    /// the service's bucket has no slack, so any jitter in latency gets a call throttled.
    /// Throttles slow it down further (see `pacing`).
    pub connect_rate: f64,
    pub connect_burst: f64,
    /// Connect operations whose quota AWS has raised (or that must go slower), by name.
    pub connect_operations: BTreeMap<String, Rate>,
    /// How old the last full read behind a capture may be before a capture reads everything
    /// again instead of reusing per-item reads of unchanged items (zero: never reuse). Bounds
    /// how long a change AWS did not record in an item's `LastModifiedTime` can go unseen.
    pub reuse_max_age: Duration,
    /// How long a change's lease on its resource lasts between renewals: a running change
    /// renews it every third of this, so a change whose process died blocks the resource
    /// this long at most.
    pub change_lease: Duration,
    /// Requested lifetime of role sessions.
    pub session_seconds: i32,
    /// Cached role credentials are renewed this long before they expire.
    pub refresh_before: Duration,
    /// What credential expiry and change leases are judged by: the system clock, or a
    /// test's manual one.
    pub clock: snapdeploy_core::Clock,
}

impl Default for HubConfig {
    fn default() -> Self {
        Self {
            lambda_rate: 15.0,
            lambda_get_function_rate: 100.0,
            lex_rate: 10.0,
            connect_rate: 1.9,
            connect_burst: 5.0,
            connect_operations: BTreeMap::new(),
            reuse_max_age: Duration::from_secs(24 * 3600),
            change_lease: Duration::from_secs(120),
            session_seconds: 3600,
            refresh_before: REFRESH_BEFORE_EXPIRY,
            clock: snapdeploy_core::Clock::system(),
        }
    }
}

#[derive(Clone)]
struct Cached {
    creds: Credentials,
    /// The key the credentials were minted for: a re-registered account with another role
    /// or ExternalId must not reuse them.
    fingerprint: String,
}

/// (account, region, quota)
type LimiterKey = (String, String, Quota);

/// An SDK client the hub builds per (account, region) and caches.
pub trait ServiceClient: Clone + Send + Sync + 'static {
    /// Whether calls are paced per operation at the transport (see `pacing`).
    const PACED: bool = false;
    /// Built from the hub's base configuration (endpoints, timeouts) for one region, with
    /// the account's credentials (and, when `PACED`, the (account, region)'s pacer).
    fn build(
        base: &SdkConfig,
        region: aws_config::Region,
        creds: AccountCredentials,
        pacer: Option<Arc<Pacer>>,
    ) -> Self;
}

/// Lex model building and Lambda's control plane throttle, and our own pacing cannot see
/// other callers' load (other workers of this product among them: three workers each pacing
/// at Lambda's quota failed 125 of 200 jobs with standard retries, docs/benchmarks.md
/// "Jobs"). The SDK's adaptive mode slows a client down when it is throttled and speeds it
/// up slowly again; and throttled calls get more attempts than the default three.
fn throttled_service_retries() -> aws_config::retry::RetryConfig {
    aws_config::retry::RetryConfig::adaptive().with_max_attempts(8)
}

/// Connect adapts in its own pacer, per operation (the SDK's adaptive limiter is one bucket
/// per service and region for the whole process: one account's throttles would slow every
/// other account's calls); the SDK retries throttled calls, each attempt paced again.
fn paced_service_retries() -> aws_config::retry::RetryConfig {
    aws_config::retry::RetryConfig::standard().with_max_attempts(8)
}

/// `ServiceClient` for SDK clients built the same way: the base configuration, the region,
/// the account's credentials, and (for services that throttle often) more retries.
macro_rules! service_client {
    ($retries:expr; $($krate:ident),+) => {$(
        impl ServiceClient for $krate::Client {
            fn build(base: &SdkConfig, region: aws_config::Region, creds: AccountCredentials, _: Option<Arc<Pacer>>) -> Self {
                let builder = $krate::config::Builder::from(base);
                let builder = match $retries {
                    Some(retries) => builder.retry_config(retries),
                    None => builder,
                };
                Self::from_conf(builder.region(region).credentials_provider(creds).build())
            }
        }
    )+};
}

service_client!(None; aws_sdk_iam, aws_sdk_sqs, aws_sdk_sns);
service_client!(Some(throttled_service_retries()); aws_sdk_lambda, aws_sdk_lexmodelsv2);

impl ServiceClient for aws_sdk_connect::Client {
    const PACED: bool = true;
    fn build(
        base: &SdkConfig,
        region: aws_config::Region,
        creds: AccountCredentials,
        pacer: Option<Arc<Pacer>>,
    ) -> Self {
        let mut b = aws_sdk_connect::config::Builder::from(base)
            .retry_config(paced_service_retries())
            .region(region)
            .credentials_provider(creds);
        if let Some(pacer) = pacer {
            b = b
                .http_client(PacedClient::new(base.http_client(), pacer))
                .interceptor(NameOperations);
        }
        Self::from_conf(b.build())
    }
}

/// (account, region, client type) -> client
type ClientKey = (String, String, TypeId);

pub struct Hub {
    base: SdkConfig,
    sts: aws_sdk_sts::Client,
    pub config: HubConfig,
    creds: Mutex<HashMap<String, Cached>>,
    clients: std::sync::Mutex<HashMap<ClientKey, Box<dyn Any + Send + Sync>>>,
    limiters: std::sync::Mutex<HashMap<LimiterKey, Arc<RateLimiter>>>,
    pacers: std::sync::Mutex<HashMap<(String, String), Arc<Pacer>>>,
    pub http: reqwest::Client,
}

impl Hub {
    /// The hub's own SDK settings (region, endpoint, credentials): what its own resources
    /// (the job queue) are reached with.
    pub fn sdk_config(&self) -> &SdkConfig {
        &self.base
    }
}

impl std::fmt::Debug for Hub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hub").finish_non_exhaustive()
    }
}

fn fingerprint(a: &Account) -> String {
    format!(
        "{}|{}",
        a.role_arn,
        a.external_id.as_ref().map(|e| e.as_str()).unwrap_or("")
    )
}

impl Hub {
    pub fn new(base: SdkConfig, config: HubConfig) -> Arc<Self> {
        Arc::new(Self {
            sts: aws_sdk_sts::Client::new(&base),
            base,
            config,
            creds: Mutex::new(HashMap::new()),
            clients: std::sync::Mutex::new(HashMap::new()),
            limiters: std::sync::Mutex::new(HashMap::new()),
            pacers: std::sync::Mutex::new(HashMap::new()),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(300))
                .build()
                .expect("HTTP client"),
        })
    }

    pub fn base_config(&self) -> &SdkConfig {
        &self.base
    }

    /// Credentials for `account`: cached until five minutes before they expire, then renewed
    /// with AssumeRole (role ARN, ExternalId, a session name naming the product).
    pub async fn credentials(&self, account: &Account) -> AwsResult<Credentials> {
        let mut cache = self.creds.lock().await;
        let fp = fingerprint(account);
        if let Some(c) = cache.get(account.account_id.as_str()) {
            let fresh = c.creds.expiry().is_some_and(|e| {
                e > SystemTime::from(self.config.clock.now()) + self.config.refresh_before
            });
            if fresh && c.fingerprint == fp {
                return Ok(c.creds.clone());
            }
        }
        let out = self
            .sts
            .assume_role()
            .role_arn(account.role_arn.as_str())
            .role_session_name(SESSION_NAME)
            .set_external_id(account.external_id.as_ref().map(|e| e.to_string()))
            .duration_seconds(self.config.session_seconds)
            .send()
            .await
            .map_err(|e| AwsError::AssumeRole {
                account: account.account_id.to_string(),
                role_arn: account.role_arn.to_string(),
                message: e
                    .as_service_error()
                    .and_then(|s| s.message().map(String::from))
                    .unwrap_or_else(|| {
                        aws_smithy_types::error::display::DisplayErrorContext(&e).to_string()
                    }),
            })?;
        let c = out.credentials().ok_or_else(|| AwsError::AssumeRole {
            account: account.account_id.to_string(),
            role_arn: account.role_arn.to_string(),
            message: "STS returned no credentials".into(),
        })?;
        let expiry = SystemTime::try_from(*c.expiration()).unwrap_or_else(|_| SystemTime::now());
        let creds = Credentials::new(
            c.access_key_id(),
            c.secret_access_key(),
            Some(c.session_token().to_owned()),
            Some(expiry),
            "snapdeploy-assume-role",
        );
        tracing::info!(account = %account.account_id, "assumed role");
        cache.insert(
            account.account_id.to_string(),
            Cached {
                creds: creds.clone(),
                fingerprint: fp,
            },
        );
        Ok(creds)
    }

    /// Drops what is cached for an account (after it is removed or re-registered).
    pub async fn forget(&self, account_id: &str) {
        self.creds.lock().await.remove(account_id);
        let mut clients = self.clients.lock().unwrap_or_else(|p| p.into_inner());
        clients.retain(|(a, _, _), _| a != account_id);
    }

    fn provider(self: &Arc<Self>, account: &Account) -> AccountCredentials {
        AccountCredentials {
            hub: Arc::downgrade(self),
            account: account.clone(),
        }
    }

    /// The `C` client for (account, region), built once and reused. Credentials are checked
    /// first so that a refused AssumeRole surfaces as a clear error naming the account.
    pub async fn client<C: ServiceClient>(
        self: &Arc<Self>,
        account: &Account,
        region: &Region,
    ) -> AwsResult<C> {
        self.credentials(account).await?;
        let key = (
            account.account_id.to_string(),
            region.to_string(),
            TypeId::of::<C>(),
        );
        let mut clients = self.clients.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(c) = clients.get(&key).and_then(|c| c.downcast_ref::<C>()) {
            return Ok(c.clone());
        }
        let pacer = C::PACED.then(|| self.pacer(account.account_id.as_str(), region.as_str()));
        let region = aws_config::Region::new(region.to_string());
        let client = C::build(&self.base, region, self.provider(account), pacer);
        clients.insert(key, Box::new(client.clone()));
        Ok(client)
    }

    pub async fn lambda(
        self: &Arc<Self>,
        account: &Account,
        region: &Region,
    ) -> AwsResult<aws_sdk_lambda::Client> {
        self.client(account, region).await
    }

    /// How many SDK clients are cached (one per account, region and service).
    pub fn cached_clients(&self) -> usize {
        self.clients.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// Connect's pacer for (account, region): what its quotas allow, learnt from throttles.
    pub fn pacer(&self, account: &str, region: &str) -> Arc<Pacer> {
        let mut p = self.pacers.lock().unwrap_or_else(|p| p.into_inner());
        p.entry((account.into(), region.into()))
            .or_insert_with(|| {
                Arc::new(Pacer::new(PacingConfig {
                    default: Rate {
                        rate: self.config.connect_rate,
                        burst: self.config.connect_burst.max(1.0),
                    },
                    operations: self.config.connect_operations.clone(),
                }))
            })
            .clone()
    }

    /// The limiter of one quota of (account, region).
    pub fn limiter(
        &self,
        account: &str,
        region: &str,
        quota: Quota,
        rate: f64,
        burst: f64,
    ) -> Arc<RateLimiter> {
        let mut l = self.limiters.lock().unwrap_or_else(|p| p.into_inner());
        l.entry((account.into(), region.into(), quota))
            .or_insert_with(|| Arc::new(RateLimiter::new(rate, burst.max(1.0))))
            .clone()
    }
}

/// The SDK's view of an account's credentials: served from the hub's cache. The expiry the
/// SDK sees is moved five minutes earlier so that its own identity cache comes back to the
/// hub exactly when the hub wants to renew.
#[derive(Debug)]
pub struct AccountCredentials {
    hub: std::sync::Weak<Hub>,
    account: Account,
}

impl ProvideCredentials for AccountCredentials {
    fn provide_credentials<'a>(&'a self) -> provider::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        provider::future::ProvideCredentials::new(async move {
            let hub = self
                .hub
                .upgrade()
                .ok_or_else(|| CredentialsError::not_loaded("the hub was shut down"))?;
            let mut creds = hub
                .credentials(&self.account)
                .await
                .map_err(CredentialsError::provider_error)?;
            if let Some(e) = creds.expiry() {
                *creds.expiry_mut() = Some(e - hub.config.refresh_before);
            }
            Ok(creds)
        })
    }
}
