//! Who is asking, and whether they may: authentication (API tokens; or nobody at all on a
//! loopback address) and the role each route needs, checked in one place for every route.

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
pub use crate::state::{AuthConfig, AuthMode};
use axum::extract::{FromRequestParts, MatchedPath, Request, State};
use axum::http::request::Parts;
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use rand::RngCore;
use serde::Serialize;
use snapdeploy_core::{
    sha256_hex, AccountId, AuditAction, AuditEntry, AuditOutcome, Role, TokenRecord, TokenView,
};
use std::sync::Arc;

/// The person (or pipeline) behind a request.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Principal {
    /// Recorded as the actor on snapshots, leases, change requests and the audit trail.
    pub subject: String,
    pub role: Role,
    /// The accounts they may touch; empty: every account.
    #[schema(value_type = Vec<String>)]
    pub accounts: Vec<AccountId>,
    /// How they signed in: `token`, `oidc` or `none`.
    pub via: &'static str,
}

impl Principal {
    /// 403 unless their role allows `needed`.
    pub fn require(&self, needed: Role) -> ApiResult<()> {
        if self.role.allows(needed) {
            return Ok(());
        }
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!(
                "this needs the {needed} role; {} has the {} role",
                self.subject, self.role
            ),
        ))
    }

    /// 403 unless their scope includes `account`.
    pub fn may_touch(&self, account: &AccountId) -> ApiResult<()> {
        if self.sees(account) {
            return Ok(());
        }
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!("{} may not use account {account}", self.subject),
        ))
    }

    pub fn sees(&self, account: &AccountId) -> bool {
        self.accounts.is_empty() || self.accounts.contains(account)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Principal>()
            .cloned()
            .ok_or_else(unauthenticated)
    }
}

pub(crate) fn unauthenticated() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
        "sign in: send Authorization: Bearer <token>",
    )
}

/// The role each route needs; `None`: the route is public. Every route of the router is
/// listed (a test walks them all); one missing here needs `admin`, so a route added
/// without a thought for its role is closed, not open.
pub fn required_role(method: &Method, path: &str) -> Option<Role> {
    use Role::*;
    let read = method == Method::GET || method == Method::HEAD;
    Some(match path {
        // The demo's sign-in-as list answers loopback callers of a demo server only.
        "/healthz" | "/readyz" | "/demo/users" => return None,
        "/openapi.json" | "/me" | "/snapshots" | "/snapshots/{*key}" | "/diff" | "/audit"
        | "/releases" | "/releases/{id}" | "/jobs" | "/jobs/{id}" | "/jobs/{id}/events"
        | "/changes" | "/changes/{id}"
            if read =>
        {
            Viewer
        }
        "/accounts"
        | "/promotion-rules"
        | "/promotion-rules/{source_account_id}/{target_account_id}"
            if read =>
        {
            Viewer
        }
        // Extraction only reads the accounts, whatever the method.
        "/extract/{service}" | "/extract/{service}/{name}" => Viewer,
        "/snapshot" | "/deploy" | "/rollback" => Operator,
        "/changes/{id}/approve" | "/changes/{id}/reject" => Approver,
        _ => Admin,
    })
}

/// Authenticates every routed request and checks its role; what is not routed (the web
/// app's files, 404s) passes untouched.
pub async fn authenticate(State(s): State<AppState>, mut req: Request, next: Next) -> Response {
    let path = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned());
    let Some(needed) = path.and_then(|p| required_role(req.method(), &p)) else {
        return next.run(req).await;
    };
    let principal = match who(&s, req.headers()).await {
        Ok(p) => p,
        Err(e) => return challenge(e),
    };
    if let Err(e) = principal.require(needed) {
        return e.into_response();
    }
    req.extensions_mut().insert(principal);
    next.run(req).await
}

/// A 401 with the header that says how to authenticate.
fn challenge(e: ApiError) -> Response {
    let mut r = e.into_response();
    if r.status() == StatusCode::UNAUTHORIZED {
        r.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            header::HeaderValue::from_static("Bearer realm=\"snapdeploy\""),
        );
    }
    r
}

async fn who(s: &AppState, headers: &axum::http::HeaderMap) -> ApiResult<Principal> {
    if s.config.auth.mode == AuthMode::None {
        return Ok(Principal {
            subject: s.config.actor.clone(),
            role: Role::Admin,
            accounts: vec![],
            via: "none",
        });
    }
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(unauthenticated)?;
    match &s.oidc {
        // API tokens (pipelines, the CLI) work beside the issuer's JWTs.
        Some(oidc) if !bearer.starts_with("sdt_") => {
            let who = oidc.verify(bearer).await?;
            Ok(Principal {
                subject: who.subject,
                role: who.role,
                accounts: who.accounts,
                via: "oidc",
            })
        }
        _ => Tokens::new(s).verify(bearer).await,
    }
}

/// Who a token belongs to, or why it is refused.
pub async fn principal_of(s: &AppState, token: &str) -> ApiResult<Principal> {
    Tokens::new(s).verify(token).await
}

/// API tokens: `sdt_<id>_<secret>`, 256 random bits of secret; the registry keeps the
/// SHA-256 of the whole token under its id, never the token.
pub struct Tokens<'a> {
    s: &'a AppState,
}

pub(crate) const TOKEN_KIND: &str = "token";

/// A new token: its record (to store) and the token itself (to show once).
pub fn mint(
    name: &str,
    role: Role,
    accounts: Vec<AccountId>,
    expires_at: Option<chrono::DateTime<chrono::Utc>>,
    created_by: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> (TokenRecord, String) {
    let mut id = [0u8; 8];
    let mut secret = [0u8; 32];
    rand::rng().fill_bytes(&mut id);
    rand::rng().fill_bytes(&mut secret);
    let id = hex::encode(id);
    let token = format!(
        "sdt_{id}_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret)
    );
    let record = TokenRecord {
        id,
        name: name.into(),
        role,
        accounts,
        created_at: now,
        created_by: created_by.into(),
        expires_at,
        last_used_at: None,
        hash: sha256_hex(token.as_bytes()),
    };
    (record, token)
}

/// How often a token's last-used time is written: once a minute is enough to tell an
/// unused token, and spares the registry a write on every request.
const LAST_USED_EVERY: chrono::Duration = chrono::Duration::seconds(60);

impl<'a> Tokens<'a> {
    pub fn new(s: &'a AppState) -> Self {
        Self { s }
    }

    async fn verify(&self, token: &str) -> ApiResult<Principal> {
        let bad = || {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "the token is not valid (unknown, revoked or malformed); ask an admin for a new one",
            )
        };
        let id = token
            .strip_prefix("sdt_")
            .and_then(|rest| rest.split_once('_'))
            .map(|(id, _)| id)
            .filter(|id| id.len() == 16 && id.bytes().all(|b| b.is_ascii_hexdigit()))
            .ok_or_else(bad)?;
        let records = &self.s.engine.records;
        let stored = records.get_record(TOKEN_KIND, id).await?.ok_or_else(bad)?;
        let record: TokenRecord = serde_json::from_value(stored.doc).map_err(|e| {
            tracing::error!("token record {id} is unreadable: {e}");
            ApiError::internal()
        })?;
        // Both sides are digests, so comparing them leaks nothing about the token.
        if record.hash != sha256_hex(token.as_bytes()) {
            return Err(bad());
        }
        let now = self.s.config.clock.now();
        if let Some(end) = record.expires_at.filter(|e| *e <= now) {
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "token_expired",
                format!(
                    "the token {} expired at {end}; ask an admin for a new one",
                    record.name
                ),
            ));
        }
        if record
            .last_used_at
            .is_none_or(|t| now - t >= LAST_USED_EVERY)
        {
            let mut used = record.clone();
            used.last_used_at = Some(now);
            let records: Arc<dyn snapdeploy_store::RecordStore> = records.clone();
            let version = stored.version;
            // Best effort, off the request's path: a lost race means another request
            // wrote a last-used time just now.
            tokio::spawn(async move {
                let doc = serde_json::to_value(&used).unwrap_or_default();
                let _ = records
                    .put_record(TOKEN_KIND, &used.id, &doc, Some(version))
                    .await;
            });
        }
        Ok(Principal {
            subject: record.name,
            role: record.role,
            accounts: record.accounts,
            via: "token",
        })
    }
}

/// Creates and stores a token (names are unique among live tokens), recording who did.
pub async fn issue_token(
    s: &AppState,
    actor: &str,
    name: &str,
    role: Role,
    accounts: Vec<AccountId>,
    days: Option<u32>,
) -> ApiResult<(TokenRecord, String)> {
    let now = s.config.clock.now();
    if all_tokens(s).await?.iter().any(|t| t.name == name) {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "conflict",
            format!("a token named {name} exists; revoke it first or choose another name"),
        ));
    }
    let expires = days.map(|d| now + chrono::Duration::days(i64::from(d)));
    let (record, token) = mint(name, role, accounts, expires, actor, now);
    let doc = serde_json::to_value(&record).map_err(|_| ApiError::internal())?;
    s.engine
        .records
        .put_record(TOKEN_KIND, &record.id, &doc, Some(0))
        .await?;
    audit_token(s, actor, AuditAction::TokenCreated, &record).await;
    Ok((record, token))
}

async fn audit_token(s: &AppState, actor: &str, action: AuditAction, t: &TokenRecord) {
    // Tokens belong to no account; the trail files them under the hub's placeholder.
    let Ok(hub) = AccountId::parse("000000000000") else {
        return;
    };
    let mut e = AuditEntry::new(actor, action, &hub, AuditOutcome::Succeeded);
    e.resource_name = Some(format!("token {} ({}, {})", t.id, t.name, t.role));
    s.engine.record(e).await;
}

async fn all_tokens(s: &AppState) -> ApiResult<Vec<TokenRecord>> {
    let records = s.engine.records.list_records(TOKEN_KIND).await?;
    Ok(records
        .into_iter()
        .filter_map(|r| serde_json::from_value(r.doc).ok())
        .collect())
}

/// Every token, by name (never the tokens themselves).
pub async fn list_token_views(s: &AppState) -> ApiResult<Vec<TokenView>> {
    let now = s.config.clock.now();
    let mut all: Vec<TokenView> = all_tokens(s).await?.iter().map(|t| t.view(now)).collect();
    all.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(all)
}

/// Revokes a token at once: its next request is refused.
pub async fn revoke(s: &AppState, actor: &str, id: &str) -> ApiResult<()> {
    let Some(stored) = s.engine.records.get_record(TOKEN_KIND, id).await? else {
        return Err(ApiError::not_found(format!("there is no token {id}")));
    };
    s.engine.records.delete_record(TOKEN_KIND, id).await?;
    if let Ok(t) = serde_json::from_value::<TokenRecord>(stored.doc) {
        audit_token(s, actor, AuditAction::TokenRevoked, &t).await;
    }
    Ok(())
}
