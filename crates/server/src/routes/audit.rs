//! The audit trail.

use super::common::{check_limit, ApiQuery};
use crate::auth::Principal;
use crate::error::{ApiResult, ErrorBody};
use crate::state::AppState;
use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use snapdeploy_core::AccountId;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct AuditQuery {
    account_id: Option<String>,
    limit: Option<String>,
}

#[utoipa::path(get, path = "/audit", params(("account_id" = Option<String>, Query, description = "only this account's entries"), ("limit" = Option<usize>, Query, description = "at most this many, 1 to 1000 (default 100)")),
    responses((status = 200, body = [snapdeploy_core::AuditEntry], description = "who changed what, newest first: accounts added and removed, snapshots, deploys and rollbacks (not dry runs), with how each ended"), (status = 400, body = ErrorBody)))]
pub(super) async fn audit(
    State(s): State<AppState>,
    p: Principal,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> ApiResult<Json<Vec<snapdeploy_core::AuditEntry>>> {
    let account = q.account_id.as_deref().map(AccountId::parse).transpose()?;
    let limit = check_limit(q.limit.as_deref())?.unwrap_or(100);
    if let Some(a) = &account {
        p.may_touch(a)?;
    }
    let mut entries = s.engine.audit_trail(account.as_ref(), limit).await?;
    entries.retain(|e| p.sees(&e.account_id));
    Ok(Json(entries))
}
