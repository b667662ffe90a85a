//! The one error type at the HTTP edge: it decides the status code, the client-facing
//! message, and what is logged. Internal details go to the log, never to the client.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{json, Value};
use snapdeploy_aws::AwsError;
use snapdeploy_core::ValidationError;
use snapdeploy_store::StoreError;

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub details: Value,
}

/// `{"error": {"code", "message", "details"}}`: the one shape of every API error.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorInner,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorInner {
    pub code: String,
    pub message: String,
    #[schema(value_type = Object)]
    pub details: Value,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            details: json!({}),
        }
    }
    pub fn with_details(mut self, details: Value) -> Self {
        self.details = details;
        self
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", message)
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }
    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "an internal error occurred; see the server log",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorInner {
                code: self.code.into(),
                message: self.message,
                details: self.details,
            },
        };
        (self.status, axum::Json(body)).into_response()
    }
}

impl From<ValidationError> for ApiError {
    fn from(e: ValidationError) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_field", e.to_string())
            .with_details(json!({"field": e.field}))
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(m) => Self::new(StatusCode::CONFLICT, "conflict", m),
            StoreError::NotFound(m) => Self::not_found(m),
            StoreError::Corrupt(m) => {
                Self::new(StatusCode::UNPROCESSABLE_ENTITY, "snapshot_corrupt", m)
            }
            StoreError::Backend(m) => {
                tracing::error!("store failure: {m}");
                Self::internal()
            }
        }
    }
}

impl From<AwsError> for ApiError {
    fn from(e: AwsError) -> Self {
        match e {
            AwsError::AssumeRole { .. } => {
                Self::new(StatusCode::FORBIDDEN, "assume_role_refused", e.to_string())
            }
            AwsError::NotFound(m) => Self::not_found(m),
            AwsError::Invalid(m) => {
                Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_operation", m)
            }
            AwsError::Conflict(m) => Self::new(StatusCode::CONFLICT, "conflict", m),
            AwsError::NotSupported(m) => Self::new(StatusCode::NOT_IMPLEMENTED, "not_supported", m),
            AwsError::Service(m) => {
                tracing::warn!("AWS error: {m}");
                Self::new(StatusCode::BAD_GATEWAY, "aws_error", m)
            }
            AwsError::Store(s) => s.into(),
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        match r {
            JsonRejection::JsonDataError(e) => match refused_field(&e) {
                Some((field, message)) => Self::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_field",
                    format!("{field}: {message}"),
                )
                .with_details(json!({ "field": field })),
                None => Self::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_body",
                    format!(
                        "the request body does not match the expected shape: {}",
                        body_text(&e.body_text())
                    ),
                ),
            },
            JsonRejection::JsonSyntaxError(e) => Self::new(
                StatusCode::BAD_REQUEST,
                "malformed_json",
                format!(
                    "the request body is not valid JSON: {}",
                    body_text(&e.body_text())
                ),
            ),
            JsonRejection::MissingJsonContentType(_) => Self::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send the body as JSON with Content-Type: application/json",
            ),
            JsonRejection::BytesRejection(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                Self::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "payload_too_large",
                    "the request body is larger than the server accepts",
                )
            }
            JsonRejection::BytesRejection(e) if stalled(&e) => Self::new(
                StatusCode::REQUEST_TIMEOUT,
                "request_timeout",
                "the request body stopped arriving; send it whole without pausing (SNAPDEPLOY_BODY_TIMEOUT_SECONDS)",
            ),
            other => Self::bad_request(format!(
                "the request body could not be read: {}",
                other.body_text()
            )),
        }
    }
}

/// Whether a body could not be read because the client stopped sending it.
fn stalled(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = source {
        if err.is::<tower_http::timeout::TimeoutError>() {
            return true;
        }
        source = err.source();
    }
    false
}

/// A body value refused by a validated type (`AliasName`, `Note`, …) as (path, why): its
/// error reads `<field>: <why>` where `<field>` is the last segment of the path.
fn refused_field(e: &axum::extract::rejection::JsonDataError) -> Option<(String, String)> {
    let mut source = std::error::Error::source(e);
    while let Some(err) = source {
        if let Some(p) = err.downcast_ref::<serde_path_to_error::Error<serde_json::Error>>() {
            let path = p.path().to_string();
            let last = path.rsplit('.').next().unwrap_or_default();
            let inner = p.inner().to_string();
            let why = inner.strip_prefix(&format!("{last}: "))?;
            // serde_json appends where in the text it was; the path says it better.
            let why = why.rsplit_once(" at line ").map_or(why, |(w, _)| w);
            return Some((path, why.to_owned()));
        }
        source = err.source();
    }
    None
}

/// Keeps serde's explanation but not axum's prefix.
fn body_text(s: &str) -> String {
    s.split_once(": ").map(|(_, r)| r).unwrap_or(s).to_owned()
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_query",
            body_text(&r.body_text()),
        )
    }
}

impl From<PathRejection> for ApiError {
    fn from(r: PathRejection) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_path",
            body_text(&r.body_text()),
        )
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
