//! The seam every service plugs into: list, capture, plan, apply and restore.

use crate::engine::{DeployOptions, Progress};
use crate::error::AwsResult;
use crate::hub::Hub;
use async_trait::async_trait;
use serde_json::Value;
use snapdeploy_core::{
    Account, BlobRef, Plan, Region, ResourceName, ServiceKind, SnapshotEnvelope, SourceRef,
    StepOutcome,
};
use snapdeploy_store::SnapshotStore;
use std::sync::Arc;

/// Where a provider works: one account and region, reached through the hub.
#[derive(Clone)]
pub struct Ctx {
    pub hub: Arc<Hub>,
    pub account: Account,
    pub region: Region,
}

/// A resource's state as read from AWS.
#[derive(Debug, Clone)]
pub struct Captured {
    pub config: Value,
    pub blobs: Vec<BlobRef>,
    pub source: SourceRef,
}

/// What an apply changed that a restore must undo beyond configuration.
#[derive(Debug, Default, Clone)]
pub struct Applied {
    pub created: bool,
    pub published_version: Option<String>,
    /// Versions created by this apply (deleted again when it is undone).
    pub new_versions: Vec<String>,
}

#[async_trait]
pub trait Provider: Send + Sync {
    fn service(&self) -> ServiceKind;

    /// Every resource of the account/region with summary configuration (extract).
    async fn list(&self, ctx: &Ctx, progress: &Progress) -> AwsResult<Vec<Value>>;

    /// The resource's configuration, `None` when it does not exist. With `store`, binary
    /// parts are saved as blobs (snapshot); without, only their digests are read (plan).
    async fn capture(
        &self,
        ctx: &Ctx,
        name: &ResourceName,
        store: Option<&dyn SnapshotStore>,
    ) -> AwsResult<Option<Captured>>;

    /// What applying `source` to `target` would change, with references remapped.
    async fn plan(
        &self,
        ctx: &Ctx,
        source: &SnapshotEnvelope,
        target: &ResourceName,
        live: Option<&Captured>,
        options: &DeployOptions,
    ) -> AwsResult<Plan>;

    /// Carries out `plan`, recording each step in `steps`. `applied` is filled as it goes,
    /// so a failed apply still tells the restore what to undo.
    #[allow(clippy::too_many_arguments)]
    async fn apply(
        &self,
        ctx: &Ctx,
        plan: &Plan,
        source: &SnapshotEnvelope,
        store: &dyn SnapshotStore,
        options: &DeployOptions,
        progress: &Progress,
        steps: &mut Vec<StepOutcome>,
        applied: &mut Applied,
    ) -> AwsResult<()>;

    /// Puts the resource back as `safety` recorded it (or removes it when the apply created
    /// it), and undoes what `applied` lists.
    async fn restore(
        &self,
        ctx: &Ctx,
        name: &ResourceName,
        safety: Option<&SnapshotEnvelope>,
        store: &dyn SnapshotStore,
        applied: &Applied,
    ) -> AwsResult<()>;
}
