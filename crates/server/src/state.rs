//! What every request handler shares: the engine, the job registry and the configuration.

use crate::jobs;
use snapdeploy_aws::Engine;
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
    /// Who the API acts as: recorded on snapshots, leases and the audit trail.
    pub actor: String,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            body_limit: 16 * 1024 * 1024,
            web_dir: None,
            mode: "aws".into(),
            actor: "snapdeploy-api".into(),
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub engine: Arc<Engine>,
    pub jobs: jobs::Jobs,
    pub config: Arc<ServerConfig>,
}

impl AppState {
    pub fn new(engine: Arc<Engine>, config: ServerConfig) -> Self {
        Self {
            engine,
            jobs: jobs::Jobs::default(),
            config: Arc::new(config),
        }
    }
}
