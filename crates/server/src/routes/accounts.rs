//! The account registry.

use super::common::{ApiJson, ApiPath};
use crate::auth::Principal;
use crate::error::{ApiResult, ErrorBody};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use snapdeploy_core::{AccountId, AccountView, NewAccount};

#[utoipa::path(get, path = "/accounts", responses((status = 200, body = [AccountView])))]
pub(super) async fn list_accounts(
    State(s): State<AppState>,
    p: Principal,
) -> ApiResult<Json<Vec<AccountView>>> {
    let accounts = s.engine.accounts.list().await?;
    Ok(Json(
        accounts
            .iter()
            .filter(|a| p.sees(&a.account_id))
            .map(AccountView::from)
            .collect(),
    ))
}

#[utoipa::path(post, path = "/accounts", request_body = NewAccount, responses((status = 201, body = AccountView), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(super) async fn add_account(
    State(s): State<AppState>,
    p: Principal,
    ApiJson(body): ApiJson<NewAccount>,
) -> ApiResult<(StatusCode, Json<AccountView>)> {
    let account = body.validate()?;
    s.engine.add_account(&account, &p.subject).await?;
    Ok((StatusCode::CREATED, Json(AccountView::from(&account))))
}

#[utoipa::path(delete, path = "/accounts/{id}", params(("id" = String, Path)), responses((status = 204), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn remove_account(
    State(s): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<StatusCode> {
    let id = AccountId::parse(&id)?;
    p.may_touch(&id)?;
    s.engine.remove_account(&id, &p.subject).await?;
    Ok(StatusCode::NO_CONTENT)
}
