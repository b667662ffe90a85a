//! The SnapDeploy HTTP API: the routes, jobs with progress events, the OpenAPI document,
//! and the built web app.

pub mod error;
pub mod jobs;
mod routes;

pub use routes::ApiDoc;

use axum::Router;
use snapdeploy_aws::Engine;
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::net::TcpListener;

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

pub fn router(state: AppState) -> Router {
    routes::router(state)
}

/// Serves the API on an already bound listener until `shutdown` resolves, so callers (and
/// tests, with port 0) know the address before the first request.
///
/// A shutdown (a Kubernetes rollout's SIGTERM, say) takes no new requests, answers those in
/// flight, and then waits for running jobs: a deploy or rollback cut off half-way would
/// leave its resource half-changed, with no restore.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let jobs = state.jobs.clone();
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await?;
    loop {
        let running = jobs.running();
        if running == 0 {
            return Ok(());
        }
        tracing::info!(running, "shutting down once the running jobs end");
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
}
