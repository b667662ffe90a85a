//! Releases: instances promoted with the functions and bots they use.

use super::common::{check_limit, ApiPath, ApiQuery};
use crate::error::{ApiResult, ErrorBody};
use crate::state::AppState;
use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use snapdeploy_core::Release;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ReleasesQuery {
    limit: Option<String>,
}

#[utoipa::path(get, path = "/releases", params(("limit" = Option<usize>, Query, description = "at most this many, 1 to 1000 (default 100)")),
    responses((status = 200, body = [Release], description = "releases, newest first"), (status = 400, body = ErrorBody)))]
pub(super) async fn list_releases(
    State(s): State<AppState>,
    ApiQuery(q): ApiQuery<ReleasesQuery>,
) -> ApiResult<Json<Vec<Release>>> {
    let limit = check_limit(q.limit.as_deref())?.unwrap_or(100);
    Ok(Json(s.engine.recent_releases(limit).await?))
}

#[utoipa::path(get, path = "/releases/{id}", params(("id" = String, Path)),
    responses((status = 200, body = Release), (status = 404, body = ErrorBody)))]
pub(super) async fn get_release(
    State(s): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<Release>> {
    Ok(Json(s.engine.release(&id).await?))
}
