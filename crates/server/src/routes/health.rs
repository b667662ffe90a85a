//! Liveness, readiness and the OpenAPI document.

use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct Health {
    status: &'static str,
    mode: String,
    version: &'static str,
}

#[utoipa::path(get, path = "/healthz", responses((status = 200, body = Health)))]
pub(super) async fn health(State(s): State<AppState>) -> Json<Health> {
    Json(Health {
        status: "ok",
        mode: s.config.mode.clone(),
        version: env!("CARGO_PKG_VERSION"),
    })
}

#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct Ready {
    /// `ready`, or `not_ready` with the failing check's message.
    status: &'static str,
    /// Each store checked: `ok` or what went wrong.
    checks: std::collections::BTreeMap<&'static str, String>,
}

/// Ready to serve: the account registry and the snapshot store both answer (a load balancer's
/// or Kubernetes' readiness probe; `/healthz` only says the process is up).
#[utoipa::path(get, path = "/readyz", responses((status = 200, body = Ready), (status = 503, body = Ready)))]
pub(super) async fn ready(State(s): State<AppState>) -> Response {
    let mut checks = std::collections::BTreeMap::new();
    let accounts = s.engine.accounts.list().await;
    let snapshots = match &accounts {
        // The snapshot store is asked about a registered account (an empty registry leaves
        // nothing to ask about).
        Ok(list) => match list.first() {
            Some(a) => s
                .engine
                .snapshots
                .list(&a.account_id, None, None)
                .await
                .map(|_| ()),
            None => Ok(()),
        },
        Err(_) => Ok(()),
    };
    checks.insert(
        "accounts",
        accounts
            .as_ref()
            .map(|_| "ok".to_owned())
            .unwrap_or_else(|e| e.to_string()),
    );
    checks.insert(
        "snapshots",
        snapshots
            .as_ref()
            .map(|_| "ok".to_owned())
            .unwrap_or_else(|e| e.to_string()),
    );
    let ok = accounts.is_ok() && snapshots.is_ok();
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        Json(Ready {
            status: if ok { "ready" } else { "not_ready" },
            checks,
        }),
    )
        .into_response()
}
