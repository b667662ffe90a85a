//! `Idempotency-Key` on POST requests: a client that retries a request it never got an
//! answer to (a timeout, a dropped connection, a pipeline step run again) gets the first
//! request's answer — its job, or its result — instead of running it twice.
//!
//! The key is kept per person (two people's keys never meet) in the registry's records, with
//! a fingerprint of the request: the same key with another request is refused (422). While
//! the first request is still being answered, a retry is told so (409). Answers worth
//! replaying are kept for 24 hours: successes and refusals (4xx). A server error, a conflict
//! with another change (409) or throttling (429) is not kept: a retry runs again.

use crate::auth::Principal;
use crate::error::ApiError;
use crate::state::AppState;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};
use snapdeploy_store::StoreError;

const KIND: &str = "idempotency";
pub const HEADER: &str = "idempotency-key";
const KEEP_HOURS: i64 = 24;

fn check_key(raw: &HeaderValue) -> Result<String, ApiError> {
    raw.to_str()
        .ok()
        .map(str::trim)
        .filter(|k| !k.is_empty() && k.len() <= 255 && k.bytes().all(|b| (0x21..0x7f).contains(&b)))
        .map(String::from)
        .ok_or_else(|| {
            ApiError::bad_request(
                "Idempotency-Key must be 1 to 255 visible ASCII characters (a UUID, say)",
            )
        })
}

fn keeps(status: StatusCode) -> bool {
    (status.is_success() || status.is_client_error())
        && status != StatusCode::CONFLICT
        && status != StatusCode::TOO_MANY_REQUESTS
        && status != StatusCode::REQUEST_TIMEOUT
}

pub async fn idempotency(State(s): State<AppState>, req: Request, next: Next) -> Response {
    if req.method() != Method::POST {
        return next.run(req).await;
    }
    let Some(raw) = req.headers().get(HEADER) else {
        return next.run(req).await;
    };
    let key = match check_key(raw) {
        Ok(k) => k,
        Err(e) => return e.into_response(),
    };
    let subject = req
        .extensions()
        .get::<Principal>()
        .map_or_else(|| "anonymous".to_owned(), |p| p.subject.clone());
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, s.config.body_limit).await {
        Ok(b) => b,
        Err(_) => {
            return ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "the request body is too large",
            )
            .into_response()
        }
    };
    let path = parts
        .uri
        .path_and_query()
        .map_or(parts.uri.path(), |p| p.as_str());
    let fingerprint = snapdeploy_core::sha256_hex(
        [
            parts.method.as_str().as_bytes(),
            b" ",
            path.as_bytes(),
            b"\n",
            &bytes,
        ]
        .concat()
        .as_slice(),
    );
    let id = snapdeploy_core::sha256_hex(format!("{subject}\n{key}").as_bytes());
    let records = s.engine.records.clone();
    let now = s.config.clock.now();

    let stored = match records.get_record(KIND, &id).await {
        Ok(r) => r,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let expected = match stored {
        Some(r) if !expired(&r.doc, now) => {
            if r.doc["fingerprint"] != fingerprint.as_str() {
                return ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "idempotency_key_reused",
                    "this Idempotency-Key was used for another request; use a new key for a new request",
                )
                .into_response();
            }
            if r.doc["state"] == "done" {
                return replay(&r.doc);
            }
            return in_progress();
        }
        Some(r) => r.version,
        None => 0,
    };
    let expires = now + chrono::Duration::hours(KEEP_HOURS);
    let started = json!({"id": id, "state": "in_progress", "fingerprint": fingerprint, "subject": subject, "expires_at": expires});
    let version = match records
        .put_record(KIND, &id, &started, Some(expected))
        .await
    {
        Ok(v) => v,
        Err(StoreError::Conflict(_)) => return in_progress(),
        Err(e) => return ApiError::from(e).into_response(),
    };

    // In a task of its own: a client that hangs up still leaves the answer for its retry.
    let req = Request::from_parts(parts, Body::from(bytes));
    let task = tokio::spawn(async move {
        let response = next.run(req).await;
        let (parts, body) = response.into_parts();
        let bytes = axum::body::to_bytes(body, usize::MAX)
            .await
            .unwrap_or_default();
        if keeps(parts.status) {
            let body: Value = serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
            let done = json!({"id": id, "state": "done", "fingerprint": fingerprint, "subject": subject, "expires_at": expires,
                "status": parts.status.as_u16(), "body": body});
            if let Err(e) = records.put_record(KIND, &id, &done, Some(version)).await {
                tracing::warn!("keeping an idempotent request's answer: {e}");
                let _ = records.delete_record(KIND, &id).await;
            }
        } else if let Err(e) = records.delete_record(KIND, &id).await {
            tracing::warn!("forgetting an idempotency key: {e}");
        }
        Response::from_parts(parts, Body::from(bytes))
    });
    task.await.unwrap_or_else(|e| {
        tracing::error!("an idempotent request's task failed: {e}");
        ApiError::internal().into_response()
    })
}

fn expired(doc: &Value, now: chrono::DateTime<chrono::Utc>) -> bool {
    doc["expires_at"]
        .as_str()
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .is_none_or(|t| t <= now)
}

fn in_progress() -> Response {
    let mut r = ApiError::new(
        StatusCode::CONFLICT,
        "idempotency_key_in_use",
        "a request with this Idempotency-Key is still being answered; retry in a moment",
    )
    .into_response();
    r.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    r
}

fn replay(doc: &Value) -> Response {
    let status = doc["status"]
        .as_u64()
        .and_then(|s| StatusCode::from_u16(s as u16).ok())
        .unwrap_or(StatusCode::OK);
    let mut r = (status, axum::Json(doc["body"].clone())).into_response();
    r.headers_mut()
        .insert("idempotent-replayed", HeaderValue::from_static("true"));
    r
}

/// Forgets the keys whose answers are older than a day.
pub async fn purge(s: &AppState) {
    let now = s.config.clock.now();
    let Ok(all) = s.engine.records.list_records(KIND).await else {
        return;
    };
    for r in all.iter().filter(|r| expired(&r.doc, now)) {
        if let Some(id) = r.doc["id"].as_str() {
            let _ = s.engine.records.delete_record(KIND, id).await;
        }
    }
}
