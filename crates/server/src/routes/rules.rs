//! Promotion rules per (source account, target account) pair.

use super::common::{ApiJson, ApiPath};
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde_json::json;
use snapdeploy_core::{AccountId, PromotionRules, RuleSet};

fn pair(source: &str, target: &str) -> ApiResult<(AccountId, AccountId)> {
    Ok((AccountId::parse(source)?, AccountId::parse(target)?))
}

#[utoipa::path(get, path = "/promotion-rules", responses((status = 200, body = [RuleSet])))]
pub(super) async fn list_rules(State(s): State<AppState>) -> ApiResult<Json<Vec<RuleSet>>> {
    Ok(Json(s.engine.all_rules().await?))
}

#[utoipa::path(get, path = "/promotion-rules/{source_account_id}/{target_account_id}",
    params(("source_account_id" = String, Path), ("target_account_id" = String, Path)),
    responses((status = 200, body = RuleSet), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn get_rules(
    State(s): State<AppState>,
    ApiPath((source, target)): ApiPath<(String, String)>,
) -> ApiResult<Json<RuleSet>> {
    let (source, target) = pair(&source, &target)?;
    Ok(Json(s.engine.rules_of(&source, &target).await?))
}

/// Sets the pair's rules, replacing any it had. Both accounts must be registered.
#[utoipa::path(put, path = "/promotion-rules/{source_account_id}/{target_account_id}",
    params(("source_account_id" = String, Path), ("target_account_id" = String, Path)),
    request_body = PromotionRules,
    responses((status = 200, body = RuleSet), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn put_rules(
    State(s): State<AppState>,
    ApiPath((source, target)): ApiPath<(String, String)>,
    p: Principal,
    ApiJson(rules): ApiJson<PromotionRules>,
) -> ApiResult<Json<RuleSet>> {
    let (source, target) = pair(&source, &target)?;
    if let Err(e) = s.engine.check_rules(&source, &target, &rules).await? {
        return Err(
            ApiError::new(StatusCode::BAD_REQUEST, "invalid_field", e.to_string())
                .with_details(json!({ "field": e.field })),
        );
    }
    let set = s
        .engine
        .set_rules(&source, &target, rules, &p.subject)
        .await?;
    Ok(Json(set))
}

#[utoipa::path(delete, path = "/promotion-rules/{source_account_id}/{target_account_id}",
    params(("source_account_id" = String, Path), ("target_account_id" = String, Path)),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn delete_rules(
    State(s): State<AppState>,
    p: Principal,
    ApiPath((source, target)): ApiPath<(String, String)>,
) -> ApiResult<StatusCode> {
    let (source, target) = pair(&source, &target)?;
    s.engine.remove_rules(&source, &target, &p.subject).await?;
    Ok(StatusCode::NO_CONTENT)
}
