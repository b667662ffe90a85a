//! Change requests as the registry keeps them: read, written over the version read, moved on.

use super::common::to_value;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use axum::http::StatusCode;
use snapdeploy_core::ChangeRequest;
use snapdeploy_store::StoreError;

/// The record kind of change requests.
pub(super) const KIND: &str = "change";

pub(super) async fn load(s: &AppState, id: &str) -> ApiResult<(u64, ChangeRequest)> {
    let r = s
        .engine
        .records
        .get_record(KIND, id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("there is no change request {id}")))?;
    let cr = serde_json::from_value(r.doc).map_err(|e| {
        tracing::error!("change request {id} is unreadable: {e}");
        ApiError::internal()
    })?;
    Ok((r.version, cr))
}

/// Writes `cr` over the version read; `Conflict` when someone else decided meanwhile.
pub(super) async fn save(s: &AppState, version: u64, cr: &ChangeRequest) -> ApiResult<()> {
    match s
        .engine
        .records
        .put_record(KIND, &cr.id, &to_value(cr), Some(version))
        .await
    {
        Err(StoreError::Conflict(_)) => Err(ApiError::new(
            StatusCode::CONFLICT,
            "already_decided",
            format!(
                "change request {} was decided by someone else meanwhile",
                cr.id
            ),
        )),
        other => other.map(drop).map_err(Into::into),
    }
}

/// Moves a request on, reading it again when another writer got there first.
pub(super) async fn update(s: &AppState, id: &str, f: impl Fn(&mut ChangeRequest)) {
    for _ in 0..5 {
        let Ok((version, mut cr)) = load(s, id).await else {
            return;
        };
        f(&mut cr);
        match s
            .engine
            .records
            .put_record(KIND, id, &to_value(&cr), Some(version))
            .await
        {
            Err(StoreError::Conflict(_)) => continue,
            Err(e) => tracing::error!("change request {id} not updated: {e}"),
            Ok(_) => {}
        }
        return;
    }
}
