//! Deploy and rollback.

use super::common::to_value;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use snapdeploy_aws::engine::{DeployOutcome, DeploySource};
use snapdeploy_aws::{DeployOptions, DeployRequest, RollbackRequest};
use snapdeploy_core::{
    AccountId, Region, ReleaseStatus, ReportStatus, ResourceName, ServiceKind, SnapshotKey,
};

#[derive(Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct DeploySourceBody {
    snapshot_key: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub(super) snapshot: Option<Value>,
}

#[derive(Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct DeployTarget {
    account_id: String,
    region: String,
    /// Defaults to the source's resource name.
    resource_name: Option<String>,
}

#[derive(Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct DeployBody {
    pub(super) source: DeploySourceBody,
    target: DeployTarget,
    #[serde(default)]
    dry_run: bool,
    #[serde(default)]
    options: Option<DeployOptions>,
}

/// What a user must know when a restore failed: why, and how to put the resource back.
fn not_restored(r: &snapdeploy_core::Report) -> String {
    let why = r.restore_error.clone().unwrap_or_default();
    match &r.safety_snapshot {
        Some(safety) => format!(
            "restoring the resource failed too ({why}): it may be half-changed; roll it back to safety snapshot {} once the cause is fixed",
            safety.key
        ),
        None => format!(
            "restoring the resource failed too ({why}): what this deploy created is still there; deploy again or delete it"
        ),
    }
}

/// A report whose change failed is answered 502 with the report in `details`.
fn outcome_response(outcome: DeployOutcome) -> ApiResult<(StatusCode, Value)> {
    match outcome {
        DeployOutcome::Plan(p) => Ok((StatusCode::OK, to_value(&p))),
        DeployOutcome::Report(r) if r.status.failed() => Err(ApiError::new(
            StatusCode::BAD_GATEWAY,
            "change_failed",
            format!(
                "{}; {}",
                r.error.clone().unwrap_or_default(),
                if r.status == ReportStatus::FailedRestored {
                    "the resource was restored from the safety snapshot".to_owned()
                } else {
                    not_restored(&r)
                }
            ),
        )
        .with_details(json!({"report": to_value(&r)}))),
        DeployOutcome::Report(r) => Ok((StatusCode::OK, to_value(&r))),
        DeployOutcome::Release(r) if r.release.status.failed() => {
            let failed = r.release.members.iter().find(|m| m.error.is_some());
            Err(ApiError::new(
                StatusCode::BAD_GATEWAY,
                "change_failed",
                format!(
                    "release {}: {}; {}",
                    r.release.release_id,
                    failed
                        .map(|m| format!(
                            "{} {}: {}",
                            m.service,
                            m.resource_name,
                            m.error.clone().unwrap_or_default()
                        ))
                        .unwrap_or_default(),
                    if r.release.status == ReleaseStatus::FailedRestored {
                        "every member already changed was put back"
                    } else {
                        "putting some members back failed too"
                    }
                ),
            )
            .with_details(json!({"release": to_value(&r)})))
        }
        DeployOutcome::Release(r) => Ok((StatusCode::OK, to_value(&r))),
    }
}

fn deploy_request(b: DeployBody, actor: &str) -> ApiResult<DeployRequest> {
    let source = match (b.source.snapshot_key, b.source.snapshot) {
        (Some(k), None) => DeploySource::Key(SnapshotKey::parse(&k)?),
        (None, Some(doc)) => {
            DeploySource::Inline(Box::new(serde_json::from_value(doc).map_err(|e| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_body",
                    format!("source.snapshot is not a snapshot document: {e}"),
                )
            })?))
        }
        _ => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_body",
                "source: give exactly one of snapshot_key or snapshot",
            ))
        }
    };
    Ok(DeployRequest {
        source,
        account_id: AccountId::parse(&b.target.account_id)?,
        region: Region::parse(&b.target.region)?,
        resource_name: b
            .target
            .resource_name
            .as_deref()
            .map(ResourceName::parse)
            .transpose()?,
        dry_run: b.dry_run,
        options: b.options.unwrap_or_default(),
        taken_by: actor.to_owned(),
    })
}

/// A deploy or a rollback, as asked for: what a change request keeps and runs again.
#[derive(Clone, Serialize, Deserialize)]
#[serde(tag = "kind", content = "body", rename_all = "lowercase")]
pub(crate) enum ChangeBody {
    Deploy(DeployBody),
    Rollback(RollbackBody),
}

impl ChangeBody {
    pub(super) fn kind(&self) -> &'static str {
        match self {
            Self::Deploy(_) => "deploy",
            Self::Rollback(_) => "rollback",
        }
    }

    pub(super) fn dry_run(&self) -> bool {
        match self {
            Self::Deploy(b) => b.dry_run,
            Self::Rollback(b) => b.dry_run,
        }
    }

    /// The same change as a dry run (`true`) or for real.
    pub(super) fn with_dry_run(mut self, dry_run: bool) -> Self {
        match &mut self {
            Self::Deploy(b) => b.dry_run = dry_run,
            Self::Rollback(b) => b.dry_run = dry_run,
        }
        self
    }

    /// The account the change writes to.
    pub(super) async fn target(&self, s: &AppState) -> ApiResult<AccountId> {
        match self {
            Self::Deploy(b) => Ok(AccountId::parse(&b.target.account_id)?),
            Self::Rollback(RollbackBody {
                release_id: Some(id),
                ..
            }) => {
                let release = s
                    .engine
                    .releases
                    .get_release(id)
                    .await?
                    .ok_or_else(|| ApiError::not_found(format!("there is no release {id}")))?;
                Ok(release.target_account_id)
            }
            Self::Rollback(b) => Ok(AccountId::parse(&needed(
                b.account_id.clone(),
                "account_id",
            )?)?),
        }
    }

    /// Runs the change (or its dry run) as `actor`.
    pub(super) async fn execute(
        self,
        s: &AppState,
        actor: &str,
        progress: &snapdeploy_aws::Progress,
    ) -> ApiResult<(StatusCode, Value)> {
        let engine = &s.engine;
        let outcome = match self {
            Self::Deploy(b) => engine.deploy(deploy_request(b, actor)?, progress).await,
            Self::Rollback(b) => match rollback_request(b, actor)? {
                Rollback::Release {
                    id,
                    remove_created,
                    dry_run,
                } => {
                    engine
                        .rollback_release(&id, remove_created, dry_run, actor, progress)
                        .await
                }
                Rollback::One(req) => engine.rollback(req, progress).await,
            },
        };
        outcome_response(outcome?)
    }
}

impl ChangeBody {
    pub(super) fn prepare(self, actor: &str) -> ApiResult<()> {
        match self {
            Self::Deploy(b) => deploy_request(b, actor).map(drop),
            Self::Rollback(b) => rollback_request(b, actor).map(drop),
        }
    }
}

#[derive(Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RollbackBody {
    /// One resource back to one of its snapshots: account_id, region, service,
    /// resource_name and snapshot_key.
    account_id: Option<String>,
    region: Option<String>,
    service: Option<String>,
    resource_name: Option<String>,
    snapshot_key: Option<String>,
    /// Or a whole release back, every member to its safety snapshot, last first (and what
    /// it created deleted when `remove_created`).
    release_id: Option<String>,
    #[serde(default)]
    dry_run: bool,
    #[serde(default)]
    remove_created: bool,
}

/// A field the rollback needs, or a 400 naming it.
fn needed(v: Option<String>, field: &str) -> ApiResult<String> {
    v.ok_or_else(|| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_field",
            format!("{field}: required (or give release_id alone to roll back a release)"),
        )
        .with_details(json!({ "field": field }))
    })
}

enum Rollback {
    Release {
        id: String,
        remove_created: bool,
        dry_run: bool,
    },
    One(RollbackRequest),
}

fn rollback_request(b: RollbackBody, actor: &str) -> ApiResult<Rollback> {
    if let Some(id) = b.release_id {
        let single = [
            &b.account_id,
            &b.region,
            &b.service,
            &b.resource_name,
            &b.snapshot_key,
        ];
        if single.iter().any(|f| f.is_some()) {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_body",
                "give release_id alone, or a resource and snapshot_key without it",
            ));
        }
        return Ok(Rollback::Release {
            id,
            remove_created: b.remove_created,
            dry_run: b.dry_run,
        });
    }
    Ok(Rollback::One(RollbackRequest {
        account_id: AccountId::parse(&needed(b.account_id, "account_id")?)?,
        region: Region::parse(&needed(b.region, "region")?)?,
        service: ServiceKind::parse(&needed(b.service, "service")?)?,
        resource_name: ResourceName::parse(&needed(b.resource_name, "resource_name")?)?,
        snapshot_key: SnapshotKey::parse(&needed(b.snapshot_key, "snapshot_key")?)?,
        dry_run: b.dry_run,
        taken_by: actor.to_owned(),
        remove_created: b.remove_created,
    }))
}
