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
    /// How to sign in: `tokens`, `oidc`, or `none` (nobody signs in).
    auth: &'static str,
    /// In `oidc` mode, where the web app sends people to sign in.
    #[serde(skip_serializing_if = "Option::is_none")]
    oidc: Option<OidcSignIn>,
}

/// What a browser needs for the authorization-code + PKCE sign-in.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct OidcSignIn {
    issuer: String,
    client_id: String,
}

#[utoipa::path(get, path = "/healthz", responses((status = 200, body = Health)))]
pub(super) async fn health(State(s): State<AppState>) -> Json<Health> {
    Json(Health {
        status: "ok",
        mode: s.config.mode.clone(),
        version: env!("CARGO_PKG_VERSION"),
        auth: s.config.auth.mode.as_str(),
        oidc: s.oidc.as_ref().map(|o| OidcSignIn {
            issuer: o.config().issuer.clone(),
            client_id: o.config().client_id.clone(),
        }),
    })
}

/// Demo mode's users (`admin`, `approver`, `operator`, `viewer`) and their tokens, for the
/// web app's "sign in as": only on a demo server (against the sandbox, never AWS), and
/// only to a caller on the same machine.
#[utoipa::path(get, path = "/demo/users", responses((status = 200, description = "user name → token"), (status = 404, body = crate::error::ErrorBody)))]
pub(super) async fn demo_users(
    State(s): State<AppState>,
    extensions: axum::http::Extensions,
) -> Result<Json<std::collections::BTreeMap<String, String>>, crate::error::ApiError> {
    let local = extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .is_some_and(|p| p.0.ip().is_loopback());
    if s.config.mode != "demo" || s.config.demo_users.is_empty() || !local {
        return Err(crate::error::ApiError::not_found("no such route"));
    }
    Ok(Json(s.config.demo_users.clone()))
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
