//! Amazon Connect: an instance's contents (resource name = instance alias): extract and
//! capture (`capture`), deploy and rollback (`prepare`, `plan`, `apply`, `routing`) and
//! restore (`undo`).
//!
//! The target instance must exist: SnapDeploy copies what is inside an instance, not the
//! instance itself (creating one involves identity, telephony and storage choices that a
//! snapshot does not carry). Items are matched by name — by id first when the snapshot is
//! of the target instance itself, so a rename is undone rather than duplicated — missing
//! ones are created, changed ones updated, unchanged ones left alone.
//!
//! Order: each write starts once everything it names exists (`order.rs`), and writes of
//! different kinds run at the same time: hours, prompts and the Lambda and Lex
//! associations at once; queues, routing profiles (queue configs 10 per call) and quick
//! connects as what they name appears; modules and flows created with their final content
//! in the order their references allow (a stub only where they refer to each other in a
//! cycle), published where the snapshot has them published; queue quick connects (50 per
//! call) once both sides exist; then tags. Every ARN and id inside content is remapped to
//! the target: queues, prompts, hours, flows and modules through the items matched or
//! created, Lambda functions by name in the target account and region (checked to exist),
//! Lex V2 bot aliases by bot and alias name (recorded in the snapshot, looked up in the
//! target).

mod apply;
mod capture;
mod desired;
mod items;
mod order;
mod plan;
mod prepare;
mod read;
mod routing;
mod undo;

use crate::change::{DeployOptions, Progress};
use crate::error::{AwsError, AwsResult};
use crate::provider::{reapply, Applied, ApplyInput, Captured, Ctx, Provider, Steps};
use apply::Run;
use async_trait::async_trait;
pub(crate) use capture::instance_aliases;
use capture::{find_instance, instances, Depth, Reuse};
use plan::not_found_instance;
use prepare::prepare;
use read::read_instance;
use serde_json::{json, Value};
use snapdeploy_core::{Plan, ResourceName, ServiceKind, SnapshotEnvelope, SourceRef};
use snapdeploy_store::SnapshotStore;
use undo::{dissociate, undo_created};

pub struct ConnectProvider;

#[async_trait]
impl Provider for ConnectProvider {
    fn service(&self) -> ServiceKind {
        ServiceKind::Connect
    }

    fn publishes_versions(&self) -> bool {
        false
    }

    fn name_field(&self) -> &'static str {
        "InstanceAlias"
    }

    fn document_fields(&self) -> &'static [&'static str] {
        &[
            "InstanceAlias",
            "InstanceArn",
            "HoursOfOperations",
            "Prompts",
            "Queues",
            "RoutingProfiles",
            "QuickConnects",
            "Modules",
            "Flows",
            "LambdaFunctions",
            "LexBots",
            "LexAliases",
        ]
    }

    async fn list(&self, ctx: &Ctx, progress: &Progress) -> AwsResult<Vec<Value>> {
        let client = ctx.connect().await?;
        let all = instances(&client).await?;
        let mut out = Vec::new();
        for inst in &all {
            let (config, ..) =
                read_instance(ctx, &client, inst, Depth::Summary, None, progress).await?;
            let names = |k: &str| {
                json!(config[k]
                    .as_object()
                    .map(|m| m.keys().cloned().collect::<Vec<_>>())
                    .unwrap_or_default())
            };
            let flows: Vec<Value> = config["Flows"].as_object().into_iter().flatten().map(|(n, f)| json!({"Name": n, "Type": f["Type"], "Status": f["Status"], "State": f["State"]})).collect();
            out.push(json!({
                "InstanceAlias": inst.alias, "InstanceId": inst.id, "Arn": inst.arn,
                "Flows": flows, "Modules": names("Modules"), "Queues": names("Queues"), "HoursOfOperations": names("HoursOfOperations"),
                "Prompts": names("Prompts"), "RoutingProfiles": names("RoutingProfiles"), "QuickConnects": names("QuickConnects"),
                "LambdaFunctions": config["LambdaFunctions"], "LexBots": config["LexBots"],
            }));
        }
        Ok(out)
    }

    /// Everything but prompt audio and Lex names: one Search page per 100 items.
    async fn describe(&self, ctx: &Ctx, name: &ResourceName) -> AwsResult<Option<Value>> {
        let client = ctx.connect().await?;
        let Some(inst) = find_instance(&client, name.as_str()).await? else {
            return Ok(None);
        };
        let (config, ..) =
            read_instance(ctx, &client, &inst, Depth::Summary, None, &Progress::none()).await?;
        Ok(Some(config))
    }

    fn reuses_reads(&self) -> bool {
        true
    }

    async fn capture_since(
        &self,
        ctx: &Ctx,
        name: &ResourceName,
        store: Option<&dyn SnapshotStore>,
        previous: Option<&SnapshotEnvelope>,
        for_change: bool,
    ) -> AwsResult<Option<Captured>> {
        let client = ctx.connect().await?;
        let Some(inst) = find_instance(&client, name.as_str()).await? else {
            return Ok(None);
        };
        let depth = match store {
            Some(s) => Depth::Store(s),
            None => Depth::Compare,
        };
        let reuse = Reuse::from(previous, &inst.id, ctx.hub.config.reuse_max_age, for_change);
        let (config, blobs, observed) = read_instance(
            ctx,
            &client,
            &inst,
            depth,
            reuse.as_ref(),
            &Progress::none(),
        )
        .await?;
        Ok(Some(Captured {
            config,
            blobs,
            source: SourceRef {
                arn: inst.arn.clone(),
                id: inst.id.clone(),
            },
            observed,
        }))
    }

    async fn plan(
        &self,
        ctx: &Ctx,
        source: &SnapshotEnvelope,
        target: &ResourceName,
        live: Option<&Captured>,
        options: &DeployOptions,
    ) -> AwsResult<Plan> {
        plan::plan(ctx, source, target, live.map(|c| &c.config), options).await
    }

    /// Every item written in dependency order as parallel streams (`order.rs`), then tags,
    /// and (when asked) removal of extra items and associations.
    async fn apply(
        &self,
        ctx: &Ctx,
        input: &ApplyInput<'_>,
        run: &mut Steps<'_>,
        applied: &mut Applied,
    ) -> AwsResult<()> {
        let target = ResourceName::parse(&input.plan.resource_name)
            .map_err(|e| AwsError::Invalid(e.to_string()))?;
        let live = input.live.ok_or_else(|| not_found_instance(ctx, &target))?;
        let p = prepare(ctx, input.source, &live.config, input.options).await?;
        let r = Run {
            client: ctx.connect().await?,
            store: input.store,
            source: input.source,
            options: input.options,
            applied: Default::default(),
        };
        let g = order::graph(&p)?;
        let progress = run.progress;
        let stubs = match g.stubs.len() {
            1 => "1 stub".to_owned(),
            n => format!("{n} stubs"),
        };
        let step = format!(
            "create and update items ({} steps in dependency order, one stream per kind; {stubs} to break cycles)",
            g.tasks.len()
        );
        let wrote = run.step(&step, r.write_all(&p, &g, progress)).await;
        // What was created or associated is undone by a restore, whether or not all went.
        let made = std::mem::take(&mut *r.ledger());
        applied.created_items.extend(made.created_items);
        applied.associated.extend(made.associated);
        wrote?;
        run.step("tags", r.tags(&p)).await?;
        if r.options.remove_extra && !p.extra.is_empty() {
            run.step("remove items not in the snapshot", r.remove_extra(&p))
                .await?;
        }
        let extra_associations = p.extra_associations();
        if r.options.remove_extra && !extra_associations.is_empty() {
            let drop = dissociate(&r.client, &p.tgt_instance_id, &extra_associations);
            run.step("drop associations not in the snapshot", drop)
                .await?;
        }
        Ok(())
    }

    /// Puts back what the failed change updated (by re-applying the safety snapshot, which
    /// matches items by id), then deletes what it created and drops the associations it made.
    /// Items the change had deleted are created again, with new ids: AWS cannot undelete.
    async fn restore(
        &self,
        ctx: &Ctx,
        name: &ResourceName,
        safety: Option<&SnapshotEnvelope>,
        store: &dyn SnapshotStore,
        applied: &Applied,
    ) -> AwsResult<Vec<String>> {
        let safety = safety.ok_or_else(|| {
            AwsError::Invalid("a Connect change always has a safety snapshot to restore".into())
        })?;
        let plan = reapply(self, ctx, name, safety, store).await?;
        undo_created(ctx, &safety.source.id, applied).await?;
        Ok(plan.summary["items"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|i| i["action"] == "create")
            .map(|i| {
                format!(
                    "{} {} had been deleted and was created again with a new id",
                    i["kind"].as_str().unwrap_or_default(),
                    i["name"].as_str().unwrap_or_default()
                )
            })
            .collect())
    }
}
