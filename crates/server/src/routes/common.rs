//! What every route group shares: extractors that answer in the API's error shape, and
//! running work inline or as a background job.

use crate::error::{ApiError, ApiResult};
use axum::extract::{FromRequest, FromRequestParts};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// JSON body extractor whose rejections use the API's error shape.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct ApiJson<T>(pub T);

#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct ApiQuery<T>(pub T);

#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct ApiPath<T>(pub T);

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RunMode {
    #[serde(default)]
    pub(super) background: bool,
}

#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct JobAccepted {
    job_id: String,
    status_url: String,
    events_url: String,
}

impl JobAccepted {
    pub(super) fn of(id: &str) -> Self {
        Self {
            status_url: format!("/jobs/{id}"),
            events_url: format!("/jobs/{id}/events"),
            job_id: id.into(),
        }
    }
}

pub(super) fn to_value<T: Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// An optional `limit` query parameter: a whole number from 1 to 1000.
pub(super) fn check_limit(raw: Option<&str>) -> ApiResult<Option<usize>> {
    raw.map(|l| {
        l.parse::<usize>()
            .ok()
            .filter(|n| (1..=1000).contains(n))
            .ok_or_else(|| ApiError::bad_request("limit must be a whole number from 1 to 1000"))
    })
    .transpose()
}
