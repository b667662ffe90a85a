//! The HTTP routes, one module per group; this one wires them up and documents them.

mod accounts;
mod audit;
mod changes;
mod common;
mod contract;
mod crq;
mod exec;
mod extract;
mod health;
mod jobs;
mod releases;
mod requests;
mod rules;
mod snapshots;
mod tokens;
mod work;

pub(crate) use exec::runner;

use crate::error::{ApiError, ErrorBody};
use crate::jobs::JobView;
use crate::state::AppState;
use axum::http::StatusCode;
use axum::routing::{delete, get, get_service, post};
use axum::Router;
use snapdeploy_aws::DeployOptions;
use snapdeploy_core::{AccountView, NewAccount, SnapshotEnvelope, SnapshotMeta};
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "CloudOps SnapDeploy API",
        description = "Snapshot, promote and roll back Amazon Connect, Lex V2 and Lambda across AWS accounts."
    ),
    paths(
        health::health,
        health::ready,
        health::demo_users,
        accounts::list_accounts,
        accounts::add_account,
        accounts::remove_account,
        extract::extract,
        extract::extract_many,
        extract::describe,
        snapshots::take_snapshot,
        snapshots::list_snapshots,
        snapshots::get_snapshot,
        snapshots::diff,
        requests::deploy,
        requests::rollback,
        jobs::list_jobs,
        jobs::get_job,
        jobs::job_events,
        audit::audit,
        rules::list_rules,
        rules::get_rules,
        rules::put_rules,
        rules::delete_rules,
        releases::list_releases,
        releases::get_release,
        tokens::me,
        tokens::create_token,
        tokens::list_tokens,
        tokens::revoke_token,
        requests::list_changes,
        requests::get_change,
        requests::approve,
        requests::reject
    ),
    components(schemas(
        extract::ExtractManyBody,
        extract::ExtractTarget,
        snapshots::DiffResponse,
        ErrorBody,
        AccountView,
        NewAccount,
        SnapshotMeta,
        SnapshotEnvelope,
        work::SnapshotBody,
        changes::DeployBody,
        changes::DeploySourceBody,
        changes::DeployTarget,
        DeployOptions,
        changes::RollbackBody,
        JobView,
        common::JobAccepted,
        work::ExtractResponse,
        extract::DescribeResponse,
        snapdeploy_core::Plan,
        snapdeploy_core::Report,
        snapdeploy_core::AuditEntry,
        snapdeploy_core::AuditAction,
        snapdeploy_core::PromotionRules,
        snapdeploy_core::RuleSet,
        snapdeploy_core::Substitution,
        snapdeploy_core::MatchMode,
        snapdeploy_core::Substituted,
        snapdeploy_core::Kept,
        snapdeploy_core::Release,
        snapdeploy_core::ReleaseMember,
        snapdeploy_core::ReleaseStatus,
        snapdeploy_core::ReleaseOutcome,
        snapdeploy_core::Role,
        snapdeploy_core::TokenView,
        snapdeploy_core::ChangeRequest,
        snapdeploy_core::ChangeState,
        crate::auth::Principal,
        tokens::Me,
        tokens::NewToken,
        tokens::CreatedToken,
        requests::ChangeRequested,
        requests::Decision,
        requests::Approved
    )),
    modifiers(&BearerAuth),
    security(("bearer" = []))
)]
pub struct ApiDoc;

/// Declares the bearer scheme every route but the health checks needs.
struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An API token (`sdt_…`) from POST /tokens or `snapdeploy tokens create`",
                    ))
                    .build(),
            ),
        );
    }
}

pub fn router(state: AppState) -> Router {
    let limit = state.config.body_limit;
    let web_dir = state.config.web_dir.clone();
    let http = state.config.http.clone();
    let connect: Vec<String> = state
        .config
        .auth
        .oidc
        .iter()
        .filter_map(|o| crate::http::origin_of(&o.issuer))
        .collect();
    let api = Router::new()
        .route("/healthz", get(health::health))
        .route("/readyz", get(health::ready))
        .route("/openapi.json", get(openapi))
        .route(
            "/accounts",
            get(accounts::list_accounts).post(accounts::add_account),
        )
        .route("/accounts/{id}", delete(accounts::remove_account))
        .route(
            "/extract/{service}",
            get(extract::extract).post(extract::extract_many),
        )
        .route("/extract/{service}/{name}", get(extract::describe))
        .route("/snapshot", post(snapshots::take_snapshot))
        .route("/snapshots", get(snapshots::list_snapshots))
        .route("/snapshots/{*key}", get(snapshots::get_snapshot))
        .route("/diff", get(snapshots::diff))
        .route("/deploy", post(requests::deploy))
        .route("/rollback", post(requests::rollback))
        .route("/jobs", get(jobs::list_jobs))
        .route("/jobs/{id}", get(jobs::get_job))
        .route("/jobs/{id}/events", get(jobs::job_events))
        .route("/audit", get(audit::audit))
        .route("/releases", get(releases::list_releases))
        .route("/releases/{id}", get(releases::get_release))
        .route("/demo/users", get(health::demo_users))
        .route("/me", get(tokens::me))
        .route(
            "/tokens",
            get(tokens::list_tokens).post(tokens::create_token),
        )
        .route("/tokens/{id}", delete(tokens::revoke_token))
        .route("/changes", get(requests::list_changes))
        .route("/changes/{id}", get(requests::get_change))
        .route("/changes/{id}/approve", post(requests::approve))
        .route("/changes/{id}/reject", post(requests::reject))
        .route("/promotion-rules", get(rules::list_rules))
        .route(
            "/promotion-rules/{source_account_id}/{target_account_id}",
            get(rules::get_rules)
                .put(rules::put_rules)
                .delete(rules::delete_rules),
        )
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "this route does not accept that method",
            )
        })
        // A POST with an Idempotency-Key is answered once (after sign-in: keys are per person).
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::idempotency::idempotency,
        ))
        // Every routed request is authenticated and its role checked before its handler.
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::auth::authenticate,
        ))
        .layer(axum::extract::DefaultBodyLimit::max(limit))
        .with_state(state);
    let app = match web_dir.filter(|d| d.join("index.html").is_file()) {
        // The web app's pages live under /app/ (a reload there gets index.html, the app
        // routes itself); its files are served as they are; any other path is an API path
        // that does not exist and answers 404 JSON, never the app's HTML.
        Some(dir) => {
            let index = get_service(tower_http::services::ServeFile::new(dir.join("index.html")));
            api.route(
                "/",
                get(|| async { axum::response::Redirect::temporary("/app/") }),
            )
            .route_service("/app", index.clone())
            .route_service("/app/", index.clone())
            .route_service("/app/{*page}", index)
            .fallback_service(
                tower_http::services::ServeDir::new(&dir)
                    .append_index_html_on_directories(false)
                    .fallback(axum::handler::HandlerWithoutStateExt::into_service(
                        no_route,
                    )),
            )
        }
        None => api.fallback(no_route),
    };
    let mut app = app.layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
        http.body_timeout,
    ));
    if let Some(cors) = crate::http::cors(&http.allowed_origins) {
        app = app.layer(cors);
    }
    app.layer(axum::middleware::from_fn_with_state(
        std::sync::Arc::new(http.allowed_hosts.clone()),
        crate::http::check_host,
    ))
    .layer(axum::middleware::from_fn_with_state(
        crate::http::content_security_policy(&connect),
        crate::http::security_headers,
    ))
    .layer(tower_http::trace::TraceLayer::new_for_http())
}

async fn no_route(uri: axum::http::Uri) -> ApiError {
    ApiError::not_found(format!(
        "no such route: {}; the API's routes are listed at /openapi.json, the web app is at /app/",
        uri.path()
    ))
}

/// The served document: utoipa's, completed with what every route shares.
pub fn openapi_document() -> serde_json::Value {
    let mut doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or_default();
    contract::complete(&mut doc);
    doc
}

async fn openapi() -> axum::Json<serde_json::Value> {
    axum::Json(openapi_document())
}
