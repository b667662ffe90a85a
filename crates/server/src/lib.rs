//! The SnapDeploy HTTP API: the routes, jobs with progress events, the OpenAPI document,
//! and the built web app.

pub mod auth;
pub mod error;
pub mod http;
pub mod idempotency;
pub mod jobs;
pub mod oidc;
mod routes;
mod state;

pub use auth::Principal;
pub use http::HttpConfig;
pub use jobs::{JobsConfig, SharedRunner};

/// What runs this application's jobs, for a worker that is handed them (a Lambda function).
pub fn runner(state: &AppState) -> SharedRunner {
    routes::runner(state)
}
pub use oidc::{OidcConfig, RoleGrant};
pub use routes::{openapi_document, ApiDoc};
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
/// The accept loop is the server's own rather than `axum::serve`, which sets no timer and
/// so no header timeout: a client trickling headers (or holding an idle connection) would
/// keep its connection forever. Here headers (and idle keep-alive) and bodies have
/// deadlines, and at most `max_connections` are served at once.
///
/// A shutdown (a Kubernetes rollout's SIGTERM, say) takes no new connections, lets those in
/// flight finish their requests, and then waits for running jobs: a deploy or rollback cut
/// off half-way would leave its resource half-changed, with no restore.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use axum::extract::ConnectInfo;
    use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
    use hyper_util::server::conn::auto::Builder;
    use tower::ServiceExt;

    let jobs = state.jobs.clone();
    let worker = jobs.config().worker.then(|| {
        tokio::spawn({
            let (jobs, runner) = (jobs.clone(), routes::runner(&state));
            async move { jobs.work(runner).await }
        })
    });
    let limits = state.config.http.clone();
    let app = router(state);
    let permits = std::sync::Arc::new(tokio::sync::Semaphore::new(limits.max_connections.max(1)));
    // Every connection task holds a receiver: `closing` tells them to finish, and the
    // sender's `closed()` tells when the last one has.
    let (closing, _) = tokio::sync::watch::channel(false);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            p = permits.clone().acquire_owned() => p.expect("the semaphore is never closed"),
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors, say: wait a moment rather than spin.
                    tracing::warn!("accepting a connection failed: {e}");
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        // The peer's address lets demo-only routes answer loopback callers alone.
        let service = app
            .clone()
            .map_request(move |req: hyper::Request<hyper::body::Incoming>| {
                let mut req = req.map(axum::body::Body::new);
                req.extensions_mut().insert(ConnectInfo(peer));
                req
            });
        let service = hyper_util::service::TowerToHyperService::new(service);
        let mut close = closing.subscribe();
        let header_timeout = limits.header_timeout;
        tokio::spawn(async move {
            // Held until the connection ends: one slot of `max_connections`.
            let _permit = permit;
            // Until its first byte hyper cannot tell HTTP/1 from HTTP/2 and applies no
            // deadline, so a connection that never speaks is closed here.
            let mut first = [0u8; 1];
            match tokio::time::timeout(header_timeout, stream.peek(&mut first)).await {
                Ok(Ok(n)) if n > 0 => {}
                _ => return,
            }
            let mut builder = Builder::new(TokioExecutor::new());
            builder
                .http1()
                .timer(TokioTimer::new())
                .header_read_timeout(header_timeout);
            builder
                .http2()
                .timer(TokioTimer::new())
                .keep_alive_interval(header_timeout)
                .keep_alive_timeout(header_timeout);
            let conn = builder.serve_connection_with_upgrades(TokioIo::new(stream), service);
            let mut conn = std::pin::pin!(conn);
            tokio::select! {
                r = conn.as_mut() => {
                    if let Err(e) = r {
                        tracing::debug!("connection from {peer} ended: {e}");
                    }
                }
                _ = close.changed() => {
                    conn.as_mut().graceful_shutdown();
                    if let Err(e) = conn.await {
                        tracing::debug!("connection from {peer} ended: {e}");
                    }
                }
            }
        });
    }
    drop(listener);
    jobs.stop();
    closing.send_replace(true);
    closing.closed().await;
    if let Some(w) = worker {
        let _ = w.await;
    }
    wait_for_jobs(&jobs).await;
    Ok(())
}

/// Runs jobs only (`snapdeploy worker`): takes them from the queue until `shutdown`
/// resolves, then lets the running ones finish.
pub async fn work(state: AppState, shutdown: impl Future<Output = ()> + Send + 'static) {
    let jobs = state.jobs.clone();
    let worker = tokio::spawn({
        let (jobs, runner) = (jobs.clone(), routes::runner(&state));
        async move { jobs.work(runner).await }
    });
    shutdown.await;
    jobs.stop();
    let _ = worker.await;
    wait_for_jobs(&jobs).await;
}

async fn wait_for_jobs(jobs: &jobs::Jobs) {
    loop {
        let running = jobs.running();
        if running == 0 {
            return;
        }
        tracing::info!(running, "stopping once the running jobs end");
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
}
