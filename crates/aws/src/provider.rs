//! The seam every service plugs into: list, capture, plan, apply and restore.

use crate::change::{DeployOptions, Progress};
use crate::error::{AwsError, AwsResult};
use crate::hub::Hub;
use crate::limiter::Quota;
use async_trait::async_trait;
use aws_sdk_lambda::error::ProvideErrorMetadata;
use serde_json::{json, Value};
use snapdeploy_core::{
    add_leftovers, leave_out, merge_unmapped, Account, ArnRemapper, BlobRef, ConnectKind,
    FieldChange, FieldOp, Plan, PlanAction, Region, ResourceName, ServiceKind, SnapshotEnvelope,
    SourceRef, StepOutcome, StepStatus, Unmapped,
};
use snapdeploy_store::SnapshotStore;
use std::collections::{BTreeSet, HashMap};
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
    /// What the read observed beyond configuration (`SnapshotEnvelope::observed`).
    pub observed: Value,
}

/// What an apply changed that a restore must undo beyond configuration.
#[derive(Debug, Default, Clone)]
pub struct Applied {
    pub created: bool,
    pub published_version: Option<String>,
    /// Versions created by this apply (deleted again when it is undone).
    pub new_versions: Vec<String>,
    /// Items created inside a Connect instance by this apply, as (kind, id), removed again
    /// when it is undone.
    pub created_items: Vec<(ConnectKind, String)>,
    /// Associations made by this apply, dropped again when it is undone.
    pub associated: Vec<Association>,
}

impl Applied {
    /// Records the version an apply published; `new` when it did not exist before (a
    /// restore deletes it again).
    pub fn published(&mut self, version: String, new: bool) {
        if new {
            self.new_versions.push(version.clone());
        }
        self.published_version = Some(version);
    }
}

/// A Connect instance's association with a resource outside it (by ARN).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Association {
    LambdaFunction(String),
    LexBotAlias(String),
}

#[async_trait]
pub trait Provider: Send + Sync {
    fn service(&self) -> ServiceKind;

    /// Whether a change publishes versions (`DeployOptions::publish`); without them an
    /// unchanged plan leaves nothing to do.
    fn publishes_versions(&self) -> bool {
        true
    }

    /// The field of a listed resource that holds its name in the service's own terms
    /// (`FunctionName`, `BotName`, `InstanceAlias`); extract copies it to `resource_name`.
    fn name_field(&self) -> &'static str;

    /// The top-level fields of this service's configuration document (what a promotion
    /// rule's `keep_target` path can start with).
    fn document_fields(&self) -> &'static [&'static str];

    /// Every resource of the account/region with summary configuration (extract).
    async fn list(&self, ctx: &Ctx, progress: &Progress) -> AwsResult<Vec<Value>>;

    /// The resource's configuration, `None` when it does not exist. With `store`, binary
    /// parts are saved as blobs (snapshot); without, only their digests are read (plan).
    async fn capture(
        &self,
        ctx: &Ctx,
        name: &ResourceName,
        store: Option<&dyn SnapshotStore>,
    ) -> AwsResult<Option<Captured>> {
        self.capture_since(ctx, name, store, None, false).await
    }

    /// Whether `capture_since` reuses reads of an earlier snapshot; the engine then looks up
    /// the resource's newest one before capturing.
    fn reuses_reads(&self) -> bool {
        false
    }

    /// `capture`, reusing from `previous` (the resource's newest snapshot) the per-item reads
    /// of items AWS reports unchanged since. `for_change` is the read a deploy or rollback
    /// plans from and keeps as its safety snapshot: it reuses only what is provably unchanged.
    /// Services with nothing to reuse ignore both.
    async fn capture_since(
        &self,
        ctx: &Ctx,
        name: &ResourceName,
        store: Option<&dyn SnapshotStore>,
        previous: Option<&SnapshotEnvelope>,
        for_change: bool,
    ) -> AwsResult<Option<Captured>>;

    /// One resource's current configuration for viewing (the explorers' detail pages):
    /// `capture` without blobs, where a service has nothing cheaper.
    async fn describe(&self, ctx: &Ctx, name: &ResourceName) -> AwsResult<Option<Value>> {
        Ok(self.capture(ctx, name, None).await?.map(|c| c.config))
    }

    /// `capture` of a given version (Lex: the bot version to export). Services without
    /// versions to choose from refuse one.
    async fn capture_version(
        &self,
        ctx: &Ctx,
        name: &ResourceName,
        store: Option<&dyn SnapshotStore>,
        version: Option<&str>,
    ) -> AwsResult<Option<Captured>> {
        match version {
            None => self.capture(ctx, name, store).await,
            Some(_) => Err(AwsError::Invalid(format!(
                "{} snapshots capture the current configuration; a version cannot be chosen",
                self.service()
            ))),
        }
    }

    /// Checks that `source` can be applied at all (e.g. its binary parts are what they claim
    /// to be), before anything is planned or changed.
    async fn validate(
        &self,
        _source: &SnapshotEnvelope,
        _store: &dyn SnapshotStore,
    ) -> AwsResult<()> {
        Ok(())
    }

    /// What applying `source` to `target` would change, with references remapped.
    async fn plan(
        &self,
        ctx: &Ctx,
        source: &SnapshotEnvelope,
        target: &ResourceName,
        live: Option<&Captured>,
        options: &DeployOptions,
    ) -> AwsResult<Plan>;

    /// Carries out `input.plan`, recording each step in `run`. `applied` is filled as it
    /// goes, so a failed apply still tells the restore what to undo.
    async fn apply(
        &self,
        ctx: &Ctx,
        input: &ApplyInput<'_>,
        run: &mut Steps<'_>,
        applied: &mut Applied,
    ) -> AwsResult<()>;

    /// Puts the resource back as `safety` recorded it (or removes it when the apply created
    /// it), and undoes what `applied` lists. Returns what could be put back only in part
    /// (Connect: items the failed change deleted, created again with new ids), for the report.
    async fn restore(
        &self,
        ctx: &Ctx,
        name: &ResourceName,
        safety: Option<&SnapshotEnvelope>,
        store: &dyn SnapshotStore,
        applied: &Applied,
    ) -> AwsResult<Vec<String>>;
}

impl Ctx {
    /// Waits for the `quota` bucket of this (account, region).
    pub async fn pace(&self, quota: Quota) {
        let c = &self.hub.config;
        let (rate, burst) = match quota {
            Quota::LambdaGetFunction => (c.lambda_get_function_rate, c.lambda_get_function_rate),
            Quota::Lex => (c.lex_rate, c.lex_rate),
            Quota::LambdaControl => (c.lambda_rate, c.lambda_rate),
        };
        self.hub
            .limiter(
                self.account.account_id.as_str(),
                self.region.as_str(),
                quota,
                rate,
                burst,
            )
            .acquire()
            .await;
    }

    pub async fn lambda(&self) -> AwsResult<aws_sdk_lambda::Client> {
        self.hub.client(&self.account, &self.region).await
    }

    pub async fn connect(&self) -> AwsResult<aws_sdk_connect::Client> {
        self.hub.client(&self.account, &self.region).await
    }

    pub async fn lex(&self) -> AwsResult<aws_sdk_lexmodelsv2::Client> {
        self.hub.client(&self.account, &self.region).await
    }

    /// IAM, SQS and SNS: only to check that what a function names exists in the target.
    pub async fn iam(&self) -> AwsResult<aws_sdk_iam::Client> {
        self.hub.client(&self.account, &self.region).await
    }

    pub async fn sqs(&self) -> AwsResult<aws_sdk_sqs::Client> {
        self.hub.client(&self.account, &self.region).await
    }

    pub async fn sns(&self) -> AwsResult<aws_sdk_sns::Client> {
        self.hub.client(&self.account, &self.region).await
    }
}

pub(crate) fn is_not_found<E: ProvideErrorMetadata>(e: &E) -> bool {
    e.code() == Some("ResourceNotFoundException")
}

pub(crate) fn svc<
    E: std::error::Error + aws_smithy_types::error::metadata::ProvideErrorMetadata,
>(
    context: &str,
) -> impl FnOnce(E) -> AwsError + '_ {
    move |e| AwsError::service(context, e)
}

pub(crate) fn str_of<'a>(v: &'a Value, k: &str) -> Option<&'a str> {
    v.get(k).and_then(Value::as_str)
}

pub(crate) fn string_map(v: &Value) -> HashMap<String, String> {
    v.as_object()
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_owned())))
                .collect()
        })
        .unwrap_or_default()
}

pub(crate) fn string_list(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

/// What an apply works from.
#[derive(Clone, Copy)]
pub struct ApplyInput<'a> {
    pub plan: &'a Plan,
    pub source: &'a SnapshotEnvelope,
    /// The target as just captured (`None` when it does not exist), so apply need not read
    /// it again.
    pub live: Option<&'a Captured>,
    /// Where the source's blobs are read from.
    pub store: &'a dyn SnapshotStore,
    pub options: &'a DeployOptions,
}

/// Runs named steps, recording each outcome and reporting progress.
pub struct Steps<'a> {
    pub steps: &'a mut Vec<StepOutcome>,
    pub progress: &'a Progress,
}

impl Steps<'_> {
    pub async fn step<F>(&mut self, name: &str, f: F) -> AwsResult<()>
    where
        F: std::future::Future<Output = AwsResult<()>>,
    {
        self.progress.report(name, self.steps.len() as u64, 0);
        match f.await {
            Ok(()) => {
                self.steps.push(StepOutcome {
                    step: name.into(),
                    status: StepStatus::Ok,
                    message: None,
                });
                Ok(())
            }
            Err(e) => {
                self.steps.push(StepOutcome {
                    step: name.into(),
                    status: StepStatus::Failed,
                    message: Some(e.to_string()),
                });
                Err(e)
            }
        }
    }
}

/// Brings a resource back to `safety` by planning and applying it as a rollback would
/// (configuration and alias targets, no new version). Providers' `restore` builds on it.
pub(crate) async fn reapply<P: Provider + ?Sized>(
    provider: &P,
    ctx: &Ctx,
    name: &ResourceName,
    safety: &SnapshotEnvelope,
    store: &dyn SnapshotStore,
) -> AwsResult<Plan> {
    let live = provider.capture(ctx, name, None).await?;
    let options = DeployOptions {
        publish: false,
        restore_aliases: true,
        ..DeployOptions::default()
    };
    let plan = provider
        .plan(ctx, safety, name, live.as_ref(), &options)
        .await?;
    let input = ApplyInput {
        plan: &plan,
        source: safety,
        live: live.as_ref(),
        store,
        options: &options,
    };
    let mut steps = Vec::new();
    let mut run = Steps {
        steps: &mut steps,
        progress: &Progress::none(),
    };
    provider
        .apply(ctx, &input, &mut run, &mut Applied::default())
        .await?;
    Ok(plan)
}

/// The bytes behind a pre-signed URL an AWS call handed out (function code, prompt audio);
/// `what` names them in errors.
pub(crate) async fn download(ctx: &Ctx, url: &str, what: &str) -> AwsResult<Vec<u8>> {
    let failed = |e: &dyn std::fmt::Display| AwsError::Service(format!("downloading {what}: {e}"));
    let resp = ctx.hub.http.get(url).send().await.map_err(|e| failed(&e))?;
    if !resp.status().is_success() {
        return Err(failed(&format!("HTTP {}", resp.status())));
    }
    Ok(resp.bytes().await.map_err(|e| failed(&e))?.to_vec())
}

/// Every item of a paginated call. `page` sends one request with the given token and
/// returns that page's items and the next token.
pub(crate) async fn pages<T, F, Fut>(mut page: F) -> AwsResult<Vec<T>>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: std::future::Future<Output = AwsResult<(Vec<T>, Option<String>)>>,
{
    let mut out = Vec::new();
    let mut token = None;
    loop {
        let (items, next) = page(token.take()).await?;
        out.extend(items);
        match next {
            Some(t) => token = Some(t),
            None => return Ok(out),
        }
    }
}

/// `pages`, each request paced in `quota` first.
pub(crate) async fn paged<T, F, Fut>(ctx: &Ctx, quota: Quota, mut page: F) -> AwsResult<Vec<T>>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: std::future::Future<Output = AwsResult<(Vec<T>, Option<String>)>>,
{
    pages(|token| {
        let request = page(token);
        async move {
            ctx.pace(quota).await;
            request.await
        }
    })
    .await
}

/// Tags to set (new or changed) and tag keys to remove, to go from `have` to `want`.
pub(crate) fn tag_changes(want: &Value, have: &Value) -> (HashMap<String, String>, Vec<String>) {
    let (want, have) = (string_map(want), string_map(have));
    let remove = have
        .keys()
        .filter(|k| !want.contains_key(*k))
        .cloned()
        .collect();
    let add = want
        .into_iter()
        .filter(|(k, v)| have.get(k) != Some(v))
        .collect();
    (add, remove)
}

/// Which of `lambdas` (target ARNs, possibly qualified by a version or alias) are in the
/// target account and region but do not exist there.
pub(crate) async fn missing_lambdas(
    ctx: &Ctx,
    lambdas: &BTreeSet<String>,
) -> AwsResult<BTreeSet<String>> {
    let mut missing = BTreeSet::new();
    if lambdas.is_empty() {
        return Ok(missing);
    }
    let client = ctx.lambda().await?;
    let local = format!(
        "arn:aws:lambda:{}:{}:function:",
        ctx.region, ctx.account.account_id
    );
    for arn in lambdas.iter().filter(|a| a.starts_with(&local)) {
        ctx.pace(Quota::LambdaGetFunction).await;
        if let Err(e) = client.get_function().function_name(arn).send().await {
            if e.as_service_error().is_some_and(is_not_found) {
                missing.insert(arn.clone());
            } else {
                return Err(AwsError::service("checking a Lambda function", e));
            }
        }
    }
    Ok(missing)
}

/// After a provider's own remapping and checks: adds every value that still names the
/// source account or region, lists each reference once, and — when the deploy accepts
/// unmapped references — leaves each one out of `desired` (the target keeps what it has
/// there, or gets nothing; `unit` names the value a reference's path belongs to, such as
/// the policy statement holding a condition), so no source value is written.
pub(crate) fn settle_unmapped(
    desired: &mut Value,
    current: Option<&Value>,
    unmapped: Vec<Unmapped>,
    base: &ArnRemapper,
    accept: bool,
    unit: impl Fn(&str) -> String,
) -> Vec<Unmapped> {
    let mut all = unmapped;
    add_leftovers(&mut all, desired, base);
    let all = merge_unmapped(all);
    if accept {
        let pointers: Vec<String> = all
            .iter()
            .flat_map(|u| std::iter::once(&u.path).chain(&u.also_at))
            .map(|p| unit(p))
            .collect();
        leave_out(desired, current, &pointers);
    }
    all
}

/// The versions and aliases `live` has and the snapshot does not, as
/// `{"kind", "name", "list"}` (aliases first: a version an alias points to cannot go).
pub(crate) fn not_in_source(snapshot: &Value, live: &Value) -> Vec<Value> {
    let names = |doc: &Value, list: &str, field: &str| -> Vec<String> {
        doc[list]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|x| str_of(x, field).map(String::from))
            .collect()
    };
    let mut out = Vec::new();
    for (list, field, kind) in [
        ("Aliases", "Name", "alias"),
        ("Versions", "Version", "version"),
    ] {
        let known = names(snapshot, list, field);
        for n in names(live, list, field) {
            if !known.contains(&n) {
                out.push(json!({"kind": kind, "name": n, "list": list}));
            }
        }
    }
    out
}

/// Lists the extra versions and aliases in the plan's summary and, when they are to be
/// removed, as changes (so a plan with only those to do is not `unchanged`).
pub(crate) fn extra_versions(
    extra: Vec<Value>,
    remove: bool,
    action: &mut PlanAction,
    changes: &mut Vec<FieldChange>,
) -> Value {
    if extra.is_empty() {
        return Value::Null;
    }
    if remove {
        for e in &extra {
            changes.push(FieldChange {
                path: format!(
                    "/{}/{}",
                    e["list"].as_str().unwrap_or_default(),
                    e["name"].as_str().unwrap_or_default()
                ),
                op: FieldOp::Remove,
                from: Some(e["name"].clone()),
                to: None,
            });
        }
        if *action == PlanAction::Unchanged {
            *action = PlanAction::Update;
        }
    }
    json!({"not_in_source": extra, "remove_not_in_source": remove})
}
