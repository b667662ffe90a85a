//! Who am I, and API tokens: created by an admin, shown once, listed and revoked.

use super::common::{ApiJson, ApiPath};
use crate::auth::{issue_token, list_token_views, revoke, Principal};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::json;
use snapdeploy_core::{AccountId, Role, TokenView};

#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct Me {
    #[serde(flatten)]
    principal: Principal,
    /// The server's authentication mode: `none` or `tokens`.
    auth: &'static str,
    /// Whether changes to protected accounts wait for a second person's approval.
    approvals: bool,
}

#[utoipa::path(get, path = "/me", responses((status = 200, body = Me), (status = 401, body = ErrorBody)))]
pub(super) async fn me(State(s): State<AppState>, p: Principal) -> Json<Me> {
    Json(Me {
        principal: p,
        auth: s.config.auth.mode.as_str(),
        approvals: s.approvals_required(),
    })
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct NewToken {
    /// Who or what uses it (`ci-pipeline`, `alice@example.com`): its requests are recorded
    /// under this name. 1 to 64 letters, digits or `.-_@`.
    name: String,
    role: Role,
    /// Limit it to these accounts (default: every account).
    #[serde(default)]
    accounts: Vec<String>,
    /// Days until it expires, 1 to 3650 (default: never).
    expires_in_days: Option<u32>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct CreatedToken {
    /// The token itself, shown this once: the registry keeps only its hash.
    token: String,
    #[serde(flatten)]
    view: TokenView,
}

fn check_name(name: &str) -> ApiResult<()> {
    let ok = (1..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-_@".contains(c));
    if ok {
        return Ok(());
    }
    Err(ApiError::new(
        StatusCode::BAD_REQUEST,
        "invalid_field",
        "name: 1 to 64 letters, digits or . - _ @",
    )
    .with_details(json!({"field": "name"})))
}

#[utoipa::path(post, path = "/tokens", request_body = NewToken,
    responses((status = 201, body = CreatedToken), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(super) async fn create_token(
    State(s): State<AppState>,
    p: Principal,
    ApiJson(b): ApiJson<NewToken>,
) -> ApiResult<(StatusCode, Json<CreatedToken>)> {
    check_name(&b.name)?;
    let accounts = b
        .accounts
        .iter()
        .map(|a| AccountId::parse(a))
        .collect::<Result<Vec<_>, _>>()?;
    let days = b
        .expires_in_days
        .map(|d| {
            (1..=3650).contains(&d).then_some(d).ok_or_else(|| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_field",
                    "expires_in_days: a whole number from 1 to 3650",
                )
                .with_details(json!({"field": "expires_in_days"}))
            })
        })
        .transpose()?;
    let (record, token) = issue_token(&s, &p.subject, &b.name, b.role, accounts, days).await?;
    let view = record.view(s.config.clock.now());
    Ok((StatusCode::CREATED, Json(CreatedToken { token, view })))
}

#[utoipa::path(get, path = "/tokens",
    responses((status = 200, body = [TokenView]), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(super) async fn list_tokens(State(s): State<AppState>) -> ApiResult<Json<Vec<TokenView>>> {
    Ok(Json(list_token_views(&s).await?))
}

#[utoipa::path(delete, path = "/tokens/{id}", params(("id" = String, Path)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn revoke_token(
    State(s): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<StatusCode> {
    revoke(&s, &p.subject, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
