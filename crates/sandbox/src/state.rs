//! The sandbox's world: accounts, keys, roles, per-service state, faults and counters.

use crate::auth::{refused, Scope};
use crate::clock::Clock;
use crate::connect::model::ConnectRegion;
use crate::lambda::model::LambdaRegion;
use crate::lex::model::{Export, Import, LexRegion};
use crate::quota::Quotas;
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// AWS-like request quotas per account + region; off for fast unit tests.
    pub quotas_enabled: bool,
    /// How long Lambda stays `InProgress` after a create or update, as AWS does for a while.
    pub lambda_update_delay: Duration,
    /// Lifetime of download URLs (GetFunction's Code.Location): 10 minutes, as AWS.
    pub download_ttl: Duration,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            quotas_enabled: true,
            lambda_update_delay: Duration::from_millis(300),
            download_ttl: Duration::from_secs(600),
        }
    }
}

/// Who is calling: the account and identity behind an access key.
#[derive(Debug, Clone)]
pub struct Principal {
    pub account_id: String,
    pub arn: String,
    pub user_id: String,
    pub secret: String,
    pub session_token: Option<String>,
    pub expires: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RoleDef {
    pub arn: String,
    /// Accounts whose principals the role's trust policy allows.
    pub trusted_accounts: Vec<String>,
    /// When set, AssumeRole must carry exactly this ExternalId (sts:ExternalId condition).
    #[serde(default)]
    pub external_id: Option<String>,
    #[serde(default = "default_max_session")]
    pub max_session_seconds: u32,
}

fn default_max_session() -> u32 {
    3600
}

impl RoleDef {
    pub fn account_id(&self) -> &str {
        self.arn.split(':').nth(4).unwrap_or("")
    }
    pub fn name(&self) -> &str {
        self.arn.rsplit('/').next().unwrap_or("")
    }
}

pub struct Download {
    pub bytes: Arc<Vec<u8>>,
    pub content_type: String,
    pub expires: Instant,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Fault {
    /// e.g. `lambda`
    pub service: String,
    /// e.g. `UpdateFunctionCode`
    pub operation: String,
    /// Fires on the nth matching call counted from when the fault was set (1 = the next).
    #[serde(default = "one")]
    pub nth: u32,
    /// How many times it fires (consecutive matching calls from the nth on).
    #[serde(default = "one")]
    pub times: u32,
    #[serde(default = "default_status")]
    pub status: u16,
    #[serde(default = "default_code")]
    pub error_code: String,
    #[serde(default = "default_message")]
    pub message: String,
    /// Added before the call is answered (with or without an error).
    #[serde(default)]
    pub latency_ms: u64,
    /// Drop the connection instead of answering.
    #[serde(default)]
    pub drop_connection: bool,
    /// Only delay; answer normally.
    #[serde(default)]
    pub latency_only: bool,
    /// Hold the call, unanswered, until the faults are cleared (`DELETE /_sandbox/faults`),
    /// then answer it normally: a test sees a change stand in the middle (`fired` counts
    /// the calls held) for as long as it needs, however slow the machine.
    #[serde(default)]
    pub hold: bool,
    #[serde(default)]
    pub seen: u32,
    #[serde(default)]
    pub fired: u32,
}

fn one() -> u32 {
    1
}
fn default_status() -> u16 {
    500
}
fn default_code() -> String {
    "ServiceException".into()
}
fn default_message() -> String {
    "Injected fault (sandbox)".into()
}

pub enum FaultAction {
    None,
    Delay(Duration),
    Fail {
        delay: Duration,
        status: u16,
        code: String,
        message: String,
    },
    Drop(Duration),
    Hold,
}

#[derive(Debug, Default, Clone, Copy, Serialize)]
pub struct Counter {
    pub calls: u64,
    pub throttled: u64,
    pub faulted: u64,
}

pub struct World {
    pub config: SandboxConfig,
    pub keys: HashMap<String, Principal>,
    pub accounts: BTreeSet<String>,
    pub roles: HashMap<String, RoleDef>,
    pub lambda: HashMap<(String, String), LambdaRegion>,
    pub lex: HashMap<(String, String), LexRegion>,
    pub connect: HashMap<(String, String), ConnectRegion>,
    pub lex_exports: HashMap<String, Export>,
    pub lex_imports: HashMap<String, Import>,
    /// Bytes PUT to an upload URL, by import id, until StartImport takes them.
    pub lex_uploads: HashMap<String, Vec<u8>>,
    /// Upload URLs handed out and not yet used: import id -> expiry.
    pub upload_slots: HashMap<String, Instant>,
    pub downloads: HashMap<String, Download>,
    pub faults: Vec<Fault>,
    pub quotas: Quotas,
    pub clock: Clock,
    /// IAM roles by (account, name); SQS queues and SNS topics by (account, region, name).
    pub iam_roles: BTreeSet<(String, String)>,
    pub sqs_queues: BTreeSet<(String, String, String)>,
    pub sns_topics: BTreeSet<(String, String, String)>,
}

impl World {
    pub fn add_account(&mut self, account_id: &str, access_key: &str, secret: &str) {
        self.accounts.insert(account_id.into());
        self.keys.insert(
            access_key.into(),
            Principal {
                account_id: account_id.into(),
                arn: format!("arn:aws:iam::{account_id}:user/sandbox-admin"),
                user_id: format!("AIDA{}", &access_key[access_key.len().min(4)..]),
                secret: secret.into(),
                session_token: None,
                expires: None,
            },
        );
    }

    pub fn lambda_region(&mut self, account: &str, region: &str) -> &mut LambdaRegion {
        self.lambda
            .entry((account.into(), region.into()))
            .or_default()
    }

    /// Registers bytes behind an expiring URL served by the sandbox; returns the path.
    pub fn add_download(&mut self, bytes: Arc<Vec<u8>>, content_type: &str) -> String {
        let now = self.clock.now();
        self.downloads.retain(|_, d| d.expires > now);
        let token = uuid::Uuid::new_v4().simple().to_string();
        self.downloads.insert(
            token.clone(),
            Download {
                bytes,
                content_type: content_type.into(),
                expires: now + self.config.download_ttl,
            },
        );
        format!("/_sandbox/download/{token}")
    }

    /// An upload URL (a pre-signed PUT, as CreateUploadUrl hands out) for `id`.
    pub fn add_upload(&mut self, id: &str) -> String {
        let now = self.clock.now();
        self.upload_slots.retain(|_, exp| *exp > now);
        self.upload_slots
            .insert(id.into(), now + self.config.download_ttl);
        format!("/_sandbox/upload/{id}")
    }

    /// Decides what an injected fault does to this call, if any.
    pub fn fault_for(&mut self, service: &str, operation: &str) -> FaultAction {
        for f in self.faults.iter_mut() {
            if f.service != service || f.operation != operation || f.fired >= f.times {
                continue;
            }
            f.seen += 1;
            if f.seen < f.nth {
                continue;
            }
            f.fired += 1;
            let delay = Duration::from_millis(f.latency_ms);
            return if f.hold {
                FaultAction::Hold
            } else if f.drop_connection {
                FaultAction::Drop(delay)
            } else if f.latency_only {
                FaultAction::Delay(delay)
            } else {
                FaultAction::Fail {
                    delay,
                    status: f.status,
                    code: f.error_code.clone(),
                    message: f.message.clone(),
                }
            };
        }
        FaultAction::None
    }
}

pub struct Shared {
    world: Mutex<World>,
    counters: Mutex<BTreeMap<String, Counter>>,
    /// Bumped each time the faults are cleared: what held calls wait for.
    cleared: tokio::sync::watch::Sender<u64>,
}

impl Shared {
    pub fn new(config: SandboxConfig) -> Self {
        Self {
            world: Mutex::new(World {
                config,
                keys: HashMap::new(),
                accounts: BTreeSet::new(),
                roles: HashMap::new(),
                lambda: HashMap::new(),
                lex: HashMap::new(),
                connect: HashMap::new(),
                lex_exports: HashMap::new(),
                lex_imports: HashMap::new(),
                lex_uploads: HashMap::new(),
                upload_slots: HashMap::new(),
                downloads: HashMap::new(),
                faults: Vec::new(),
                quotas: Quotas::default(),
                clock: Clock::default(),
                iam_roles: BTreeSet::new(),
                sqs_queues: BTreeSet::new(),
                sns_topics: BTreeSet::new(),
            }),
            counters: Mutex::new(BTreeMap::new()),
            cleared: tokio::sync::watch::Sender::new(0),
        }
    }

    /// Clears every fault and lets the calls they hold go on.
    pub fn clear_faults(&self) {
        self.world().faults.clear();
        self.cleared.send_modify(|n| *n += 1);
    }

    /// What a held call waits on: changes once the faults are next cleared.
    pub fn on_faults_cleared(&self) -> tokio::sync::watch::Receiver<u64> {
        self.cleared.subscribe()
    }

    /// The world, locked. Handlers hold it only while they compute, never across an await.
    /// Registers an account and its long-term access key.
    pub fn add_account(&self, account_id: &str, access_key: &str, secret: &str) {
        self.world().add_account(account_id, access_key, secret);
    }

    /// Registers a role that principals of its trusted accounts may assume.
    pub fn add_role(&self, role: RoleDef) {
        self.world().roles.insert(role.arn.clone(), role);
    }

    pub fn world(&self) -> MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn count(&self, op: &str, f: impl FnOnce(&mut Counter)) {
        let mut c = self.counters.lock().unwrap_or_else(|p| p.into_inner());
        f(c.entry(op.into()).or_default());
    }

    pub fn counters_json(&self) -> serde_json::Value {
        let c = self.counters.lock().unwrap_or_else(|p| p.into_inner());
        serde_json::to_value(&*c).unwrap_or_default()
    }

    pub fn reset_counters(&self) {
        self.counters
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }

    pub fn authenticate(&self, scope: &Scope, headers: &HeaderMap) -> Result<Principal, Response> {
        let world = self.world();
        let invalid = || {
            let code = if scope.service == "sts" {
                "InvalidClientTokenId"
            } else {
                "UnrecognizedClientException"
            };
            refused(
                &scope.service,
                code,
                "The security token included in the request is invalid.",
            )
        };
        let p = world.keys.get(&scope.access_key).ok_or_else(invalid)?;
        if let Some(token) = &p.session_token {
            let sent = headers
                .get("x-amz-security-token")
                .and_then(|v| v.to_str().ok());
            if sent != Some(token.as_str()) {
                return Err(invalid());
            }
            if p.expires.is_some_and(|e| e <= Utc::now()) {
                return Err(refused(
                    &scope.service,
                    "ExpiredTokenException",
                    "The security token included in the request is expired",
                ));
            }
        }
        Ok(p.clone())
    }
}
