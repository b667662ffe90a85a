//! A local AWS-compatible endpoint for demo mode and tests.
//!
//! The official SDKs talk to it unchanged: one listener, requests routed by the SigV4
//! credential scope's service, the account chosen by the access key. Each service is a
//! module speaking that service's own protocol; adding one is adding a module and a line in
//! `dispatch`. It says "sandbox" wherever a person could mistake it for AWS.

// Handlers answer errors as ready AWS-shaped responses; boxing them would only add noise.
#![allow(clippy::result_large_err)]

mod auth;
mod clock;
mod connect;
mod control;
mod http;
mod lambda;
mod lex;
mod ops;
mod quota;
mod resources;
pub mod seed;
mod state;
mod sts;
mod zipfile;

pub use quota::{ConnectMode, ConnectQuotas, Rate};
pub use seed::{Seed, SeedAccount, HUB_ACCESS_KEY, HUB_ACCOUNT, HUB_SECRET_KEY};
pub use state::{Principal, RoleDef, SandboxConfig};
pub use zipfile::make_zip;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, Uri};
use axum::response::Response;
use axum::Router;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;

/// The sandbox: shared state behind one router.
#[derive(Clone)]
pub struct Sandbox {
    pub(crate) inner: Arc<state::Shared>,
}

impl Sandbox {
    pub fn new(config: SandboxConfig) -> Self {
        Self {
            inner: Arc::new(state::Shared::new(config)),
        }
    }

    /// A sandbox with `seed` loaded.
    pub fn seeded(config: SandboxConfig, seed: Seed) -> Self {
        let sb = Self::new(config);
        seed::load(&sb.inner, seed);
        sb
    }

    pub fn router(&self) -> Router {
        // Lambda takes zips of up to 50 MB inline (base64 inflates them by a third).
        Router::new()
            .fallback(entry)
            .layer(axum::extract::DefaultBodyLimit::max(100 * 1024 * 1024))
            .with_state(self.clone())
    }

    /// Serves until `shutdown` resolves.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        axum::serve(
            listener,
            self.router()
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await
    }

    /// Binds `addr` and serves in a background task; returns the bound address.
    pub async fn spawn(self, addr: &str) -> std::io::Result<SocketAddr> {
        let listener = TcpListener::bind(addr).await?;
        let local = listener.local_addr()?;
        tokio::spawn(async move {
            if let Err(e) = self.serve(listener, std::future::pending()).await {
                tracing::error!("sandbox stopped: {e}");
            }
        });
        Ok(local)
    }

    /// Registers an account and its long-term access key.
    pub fn add_account(&self, account_id: &str, access_key: &str, secret: &str) {
        self.inner.add_account(account_id, access_key, secret);
    }

    /// Registers a role that principals of `trusted_accounts` may assume.
    pub fn add_role(&self, role: RoleDef) {
        self.inner.add_role(role);
    }

    /// Calls counted per `service:Operation`, throttled ones included.
    pub fn counters(&self) -> serde_json::Value {
        self.inner.counters_json()
    }

    /// Stops the sandbox's clock (true) or lets it run again (false).
    pub fn stop_clock(&self, stop: bool) {
        self.inner.world().clock.set_stopped(stop);
    }

    /// Moves the sandbox's clock on: expiries, quota refills and "in progress" states see
    /// the time pass at once.
    pub fn advance_clock(&self, by: std::time::Duration) {
        self.inner.world().clock.advance(by);
    }

    /// How many calls the `hold` faults are holding (or held) so far.
    pub fn held_calls(&self) -> u32 {
        self.inner
            .world()
            .faults
            .iter()
            .filter(|f| f.hold)
            .map(|f| f.fired)
            .sum()
    }

    /// Clears every fault and lets the calls they hold go on.
    pub fn clear_faults(&self) {
        self.inner.clear_faults();
    }

    pub fn set_quotas_enabled(&self, on: bool) {
        self.inner.world().config.quotas_enabled = on;
    }

    /// How Connect is throttled (as `PUT /_sandbox/quotas` with `connect`); buckets refill.
    pub fn set_connect_quotas(&self, connect: ConnectQuotas) {
        let mut w = self.inner.world();
        w.quotas.connect = connect;
        w.quotas.clear();
    }
}

async fn entry(
    State(sb): State<Sandbox>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let req = http::Req {
        method,
        uri,
        headers,
        body,
    };
    if req.uri.path().starts_with("/_sandbox/") || req.uri.path() == "/_sandbox" {
        return control::handle(&sb.inner, req).await;
    }
    dispatch(&sb, req).await
}

async fn dispatch(sb: &Sandbox, req: http::Req) -> Response {
    let scope = match auth::scope(&req.headers) {
        Ok(s) => s,
        Err(e) => return e,
    };
    let principal = match sb.inner.authenticate(&scope, &req.headers) {
        Ok(p) => p,
        Err(e) => return e,
    };
    if let Err(e) = auth::verify(&req, &scope, &principal.secret) {
        return e;
    }
    match scope.service.as_str() {
        "sts" => sts::handle(&sb.inner, &principal, &scope, req).await,
        "lambda" => lambda::handle(&sb.inner, &principal, &scope, req).await,
        "lex" => lex::handle(&sb.inner, &principal, &scope, req).await,
        "connect" => connect::handle(&sb.inner, &principal, &scope, req).await,
        "iam" => resources::iam(&sb.inner, &principal, req).await,
        "sqs" => resources::sqs(&sb.inner, &principal, &scope, req).await,
        "sns" => resources::sns(&sb.inner, &principal, &scope, req).await,
        other => http::json_error(
            400,
            "UnknownServiceException",
            &format!("The SnapDeploy sandbox does not implement the '{other}' service"),
        ),
    }
}
