//! The SnapDeploy HTTP API: the routes, jobs with progress events, the OpenAPI document,
//! and the built web app.

pub mod auth;
pub mod error;
pub mod jobs;
mod routes;
mod state;

pub use auth::Principal;
pub use routes::ApiDoc;
pub use state::{AppState, AuthConfig, AuthMode, ServerConfig};

use axum::Router;
use std::future::Future;
use tokio::net::TcpListener;

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
    // The peer's address lets demo-only routes answer loopback callers alone.
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
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
