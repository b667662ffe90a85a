//! What every request handler shares: the engine, the job registry and the configuration.

use crate::jobs;
use snapdeploy_aws::Engine;
use snapdeploy_core::Clock;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Largest request body accepted, in bytes.
    pub body_limit: usize,
    /// The built web app (`web/dist`), served from the same origin when present.
    pub web_dir: Option<PathBuf>,
    /// `demo` when running against the sandbox; shown by /healthz and the UI.
    pub mode: String,
    /// Who requests act as when nobody signs in (`auth` mode `none`).
    pub actor: String,
    pub auth: AuthConfig,
    /// Demo mode's users and their tokens (user name → token), offered by the web app's
    /// "sign in as"; empty elsewhere.
    pub demo_users: std::collections::BTreeMap<String, String>,
    /// What token and change-request expiry are judged by (tests move a manual one on).
    pub clock: Clock,
    /// Security headers, CORS, the `Host` check, timeouts and the connection cap.
    pub http: crate::http::HttpConfig,
    /// How long finished jobs are kept for their callers to read.
    pub jobs: jobs::JobsConfig,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            body_limit: 16 * 1024 * 1024,
            web_dir: None,
            mode: "aws".into(),
            actor: "snapdeploy-api".into(),
            auth: AuthConfig::default(),
            demo_users: Default::default(),
            clock: Clock::system(),
            http: Default::default(),
            jobs: Default::default(),
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub engine: Arc<Engine>,
    pub jobs: jobs::Jobs,
    pub config: Arc<ServerConfig>,
    /// Checks bearer JWTs in `oidc` mode (and caches the issuer's keys).
    pub oidc: Option<Arc<crate::oidc::OidcVerifier>>,
}

impl AppState {
    pub fn new(engine: Arc<Engine>, config: ServerConfig) -> Self {
        let jobs = jobs::Jobs::new(
            engine.jobs.clone(),
            Arc::new(snapdeploy_store::MemoryQueue::default()),
            config.jobs,
            config.clock.clone(),
            engine.hub.config.clock.clone(),
            engine.hub.config.change_lease,
        );
        Self {
            engine,
            jobs,
            oidc: config
                .auth
                .oidc
                .clone()
                .filter(|_| config.auth.mode == AuthMode::Oidc)
                .map(|o| Arc::new(crate::oidc::OidcVerifier::new(o, config.clock.clone()))),
            config: Arc::new(config),
        }
    }

    /// The same state, its jobs sent through `queue` (SQS in `aws` store mode).
    pub fn with_queue(mut self, queue: Arc<dyn snapdeploy_store::JobQueue>) -> Self {
        self.jobs = jobs::Jobs::new(
            self.engine.jobs.clone(),
            queue,
            self.config.jobs,
            self.config.clock.clone(),
            self.engine.hub.config.clock.clone(),
            self.engine.hub.config.change_lease,
        );
        self
    }

    /// Whether changes to protected accounts wait for a second person. Without sign-in
    /// there is no second person to tell apart, so only when people sign in.
    pub fn approvals_required(&self) -> bool {
        self.config.auth.mode != AuthMode::None
    }
}

/// How requests are authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMode {
    /// Nobody signs in; every request acts as the configured actor, with every role. Only
    /// for a server on a loopback address (`serve` refuses otherwise).
    None,
    /// API tokens created by an admin (`POST /tokens`, `snapdeploy tokens create`).
    Tokens,
    /// Bearer JWTs from an OpenID Connect issuer; API tokens are accepted too (pipelines).
    Oidc,
}

impl AuthMode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Tokens => "tokens",
            Self::Oidc => "oidc",
        }
    }
}

/// The authentication settings of a server.
#[derive(Debug, Clone)]
pub struct AuthConfig {
    pub mode: AuthMode,
    /// How long a change request waits for an approver.
    pub approval_ttl: std::time::Duration,
    /// The issuer trusted in `oidc` mode.
    pub oidc: Option<crate::oidc::OidcConfig>,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            mode: AuthMode::None,
            approval_ttl: std::time::Duration::from_secs(24 * 3600),
            oidc: None,
        }
    }
}
