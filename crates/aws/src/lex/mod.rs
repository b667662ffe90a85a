//! Lex V2: extract, capture (the LexJson export as a blob, unpacked into a canonical config,
//! plus what the export leaves out: aliases with their locale settings and code hooks, the
//! bot role, tags), plan, apply (import, build, version, alias) and restore.

mod apply;
pub(crate) mod read;

use crate::change::{DeployOptions, Progress};
use crate::error::{AwsError, AwsResult};
use crate::limiter::Quota;
use crate::provider::{
    extra_versions, is_not_found, missing_lambdas, not_in_source, reapply, settle_unmapped, str_of,
    svc, Applied, ApplyInput, Captured, Ctx, Provider, Steps,
};
use crate::tags::retag;
use apply::{alias_moves, point_alias, BotWriter, LiveVersions, MAX_VERSIONS};
use async_trait::async_trait;
use read::{
    applied_subset, definition_summary, export, find_bot, list_aliases, list_bots, list_versions,
};
use serde_json::{json, Value};
use snapdeploy_core::{
    diff, lexjson, remap_arns, ArnRemapper, Plan, PlanAction, ResourceName, ServiceKind,
    SnapshotEnvelope, SourceRef, Unmapped,
};
use snapdeploy_store::SnapshotStore;
use std::collections::{BTreeMap, BTreeSet};

pub struct LexProvider;

#[async_trait]
impl Provider for LexProvider {
    fn service(&self) -> ServiceKind {
        ServiceKind::Lex
    }

    fn name_field(&self) -> &'static str {
        "BotName"
    }

    fn document_fields(&self) -> &'static [&'static str] {
        &[
            "BotName",
            "Description",
            "RoleArn",
            "DataPrivacy",
            "IdleSessionTTLInSeconds",
            "Definition",
            "ExportedVersion",
            "Tags",
            "Versions",
            "Aliases",
        ]
    }

    async fn list(&self, ctx: &Ctx, progress: &Progress) -> AwsResult<Vec<Value>> {
        let client = ctx.lex().await?;
        let bots = list_bots(ctx, &client).await?;
        let total = bots.len() as u64;
        let mut out = Vec::new();
        for (n, b) in bots.iter().enumerate() {
            let id = b.bot_id().unwrap_or_default();
            ctx.pace(Quota::Lex).await;
            let locales = client
                .list_bot_locales()
                .bot_id(id)
                .bot_version("DRAFT")
                .send()
                .await
                .map_err(svc("listing bot locales"))?;
            let versions = list_versions(ctx, &client, id).await?;
            let aliases = list_aliases(ctx, &client, id).await?;
            progress.report(b.bot_name().unwrap_or_default(), n as u64 + 1, total);
            out.push(json!({
                "BotName": b.bot_name(), "BotId": id, "Description": b.description(),
                "BotStatus": b.bot_status().map(|s| s.as_str()), "LatestVersion": b.latest_bot_version(),
                "Locales": locales.bot_locale_summaries().iter().map(|l| json!({"LocaleId": l.locale_id(), "LocaleName": l.locale_name(), "BuildStatus": l.bot_locale_status().map(|s| s.as_str())})).collect::<Vec<_>>(),
                "Versions": versions.iter().map(|v| &v["Version"]).collect::<Vec<_>>(),
                "Aliases": aliases.iter().map(|(id, a)| json!({"Name": a["Name"], "AliasId": id, "Version": a["Version"]})).collect::<Vec<_>>(),
            }));
        }
        Ok(out)
    }

    /// Exports are not reused: the DRAFT is exported whole each time.
    async fn capture_since(
        &self,
        ctx: &Ctx,
        name: &ResourceName,
        store: Option<&dyn SnapshotStore>,
        _previous: Option<&SnapshotEnvelope>,
        _for_change: bool,
    ) -> AwsResult<Option<Captured>> {
        self.capture_version(ctx, name, store, None).await
    }

    async fn capture_version(
        &self,
        ctx: &Ctx,
        name: &ResourceName,
        store: Option<&dyn SnapshotStore>,
        version: Option<&str>,
    ) -> AwsResult<Option<Captured>> {
        let version = version.unwrap_or("DRAFT");
        let client = ctx.lex().await?;
        let Some(bot) = find_bot(ctx, &client, name.as_str()).await? else {
            return Ok(None);
        };
        ctx.pace(Quota::Lex).await;
        let d = client
            .describe_bot()
            .bot_id(&bot.id)
            .send()
            .await
            .map_err(svc("reading the bot"))?;
        let arn = format!(
            "arn:aws:lex:{}:{}:bot/{}",
            ctx.region, ctx.account.account_id, bot.id
        );
        ctx.pace(Quota::Lex).await;
        let tags = client
            .list_tags_for_resource()
            .resource_arn(&arn)
            .send()
            .await
            .map_err(svc("reading bot tags"))?;
        let tags: BTreeMap<&String, &String> =
            tags.tags().map(|t| t.iter().collect()).unwrap_or_default();
        let zip = export(ctx, &client, &bot.id, version).await?;
        let parsed = lexjson::parse(&zip)
            .map_err(|e| AwsError::Service(format!("the bot's export is not readable: {e}")))?;
        let versions = list_versions(ctx, &client, &bot.id).await?;
        let aliases: Vec<Value> = list_aliases(ctx, &client, &bot.id)
            .await?
            .into_iter()
            .map(|(_, a)| a)
            .collect();
        let config = json!({
            "BotName": name.as_str(),
            "Description": d.description().unwrap_or(""),
            "RoleArn": d.role_arn(),
            "DataPrivacy": {"childDirected": d.data_privacy().map(|p| p.child_directed()).unwrap_or(false)},
            "IdleSessionTTLInSeconds": d.idle_session_ttl_in_seconds(),
            "Tags": tags,
            "ExportedVersion": version,
            "Definition": lexjson::to_config(&parsed),
            "Versions": versions,
            "Aliases": aliases,
        });
        let mut blobs = Vec::new();
        if let Some(store) = store {
            blobs.push(
                store
                    .put_blob(&ctx.account.account_id, &zip, "application/zip", "export")
                    .await?,
            );
        }
        Ok(Some(Captured {
            config,
            blobs,
            source: SourceRef { arn, id: bot.id },
            observed: Value::Null,
        }))
    }

    async fn validate(
        &self,
        source: &SnapshotEnvelope,
        store: &dyn SnapshotStore,
    ) -> AwsResult<()> {
        let blob = source
            .blob("export")
            .ok_or_else(|| AwsError::Invalid("the snapshot has no Lex export".into()))?;
        let bytes = store.get_blob(&source.account_id, &blob.sha256).await?;
        let parsed = lexjson::parse(&bytes).map_err(|e| {
            AwsError::Invalid(format!(
                "the snapshot's export is not a valid Lex export: {e}"
            ))
        })?;
        if lexjson::to_config(&parsed) != source.config["Definition"] {
            return Err(AwsError::Invalid(
                "the snapshot's export does not match its Definition".into(),
            ));
        }
        Ok(())
    }

    async fn plan(
        &self,
        ctx: &Ctx,
        source: &SnapshotEnvelope,
        target: &ResourceName,
        live: Option<&Captured>,
        options: &DeployOptions,
    ) -> AwsResult<Plan> {
        let same_place = source.account_id == ctx.account.account_id && source.region == ctx.region;
        let with_versions = options.restore_aliases && same_place;
        let mut desired = applied_subset(&source.config, with_versions);
        if !with_versions {
            // A promotion moves one alias (options.alias), taking its settings from the source.
            only_alias(&mut desired, options.alias.as_deref());
        }
        let remapper = ArnRemapper::new(
            source.account_id.as_str(),
            source.region.as_str(),
            ctx.account.account_id.as_str(),
            ctx.region.as_str(),
        );
        let mut result = remap_arns(&mut desired, &remapper);
        // Each code hook must find its function (and version or alias) in the target.
        let hooks = code_hooks(&desired);
        let arns: BTreeSet<String> = hooks.iter().map(|(_, a)| a.clone()).collect();
        let missing = missing_lambdas(ctx, &arns).await?;
        for (path, arn) in hooks {
            if missing.contains(&arn) {
                result.unmapped.push(Unmapped::missing(
                    path,
                    &remapper,
                    &arn,
                    format!(
                        "code hook: no such Lambda function (or version or alias) in account {} region {}; promote the function there first",
                        ctx.account.account_id, ctx.region
                    ),
                ));
            }
        }
        let current = live.map(|l| {
            let mut current = applied_subset(&l.config, with_versions);
            if !with_versions {
                only_alias(&mut current, options.alias.as_deref());
            }
            current
        });
        let unmapped = settle_unmapped(
            &mut desired,
            current.as_ref(),
            result.unmapped,
            &remapper,
            options.accept_unmapped,
            // A code hook goes whole: the alias's locale then calls no function.
            |path| match path.find("/CodeHook/") {
                Some(i) => path[..i + "/CodeHook".len()].to_owned(),
                None => path.to_owned(),
            },
        );
        let (mut action, mut changes, mut summary) = match &current {
            None => (
                PlanAction::Create,
                diff(&json!({}), &desired),
                definition_summary(&json!({}), &desired["Definition"]["locales"]),
            ),
            Some(current) => {
                let changes = diff(current, &desired);
                let action = if changes.is_empty() {
                    PlanAction::Unchanged
                } else {
                    PlanAction::Update
                };
                (
                    action,
                    changes,
                    definition_summary(
                        &current["Definition"]["locales"],
                        &desired["Definition"]["locales"],
                    ),
                )
            }
        };
        // Back where the snapshot was taken: versions and aliases made since are listed,
        // and removed when asked (a rollback's remove_created).
        if let Some(l) = live.filter(|_| same_place) {
            let extra = not_in_source(&source.config, &l.config);
            let listed = extra_versions(extra, options.remove_extra, &mut action, &mut changes);
            if let (Some(s), Some(l)) = (summary.as_object_mut(), listed.as_object()) {
                s.extend(l.clone());
            }
        }
        let mut blockers = Vec::new();
        let versions = live
            .and_then(|l| l.config["Versions"].as_array())
            .map_or(0, Vec::len);
        let definition_changes =
            live.is_none_or(|l| l.config["Definition"] != desired["Definition"]);
        if options.publish
            && definition_changes
            && versions >= MAX_VERSIONS
            && options.keep_versions.is_none()
        {
            blockers.push(format!("the bot has {versions} versions, Lex's limit: set options.keep_versions to prune old ones (never one an alias uses)"));
        }
        Ok(Plan {
            service: ServiceKind::Lex,
            resource_name: target.to_string(),
            target_account_id: ctx.account.account_id.to_string(),
            target_region: ctx.region.to_string(),
            action,
            changes,
            remapped: result.remapped,
            unmapped,
            warnings: Vec::new(),
            substitutions: vec![],
            kept: vec![],
            blockers,
            summary,
            desired,
            live_digest: None,
        })
    }

    async fn apply(
        &self,
        ctx: &Ctx,
        input: &ApplyInput<'_>,
        run: &mut Steps<'_>,
        applied: &mut Applied,
    ) -> AwsResult<()> {
        let ApplyInput {
            plan,
            source,
            live,
            store,
            options,
        } = *input;
        let w = BotWriter {
            ctx,
            client: ctx.lex().await?,
            name: plan.resource_name.as_str(),
        };
        let d = &plan.desired;
        // The bot's id is the captured source id.
        let (bot_id, live_config) = match live {
            Some(c) => (c.source.id.clone(), c.config.clone()),
            None => (w.create(run, d, applied).await?, json!({})),
        };
        if !applied.created {
            w.update_settings(run, &bot_id, d, &live_config).await?;
        }
        let bot_arn = format!(
            "arn:aws:lex:{}:{}:bot/{bot_id}",
            ctx.region, ctx.account.account_id
        );
        let tags = (&d["Tags"], &live_config["Tags"]);
        retag(ctx, &w.client, run, &bot_arn, tags, applied.created).await?;

        let definition_changed = live_config.get("Definition") != d.get("Definition");
        if definition_changed {
            w.import_definition(run, &bot_id, d, source, store).await?;
        }

        let live = LiveVersions {
            versions: live_config["Versions"]
                .as_array()
                .map(|v| {
                    v.iter()
                        .filter_map(|x| str_of(x, "Version").map(String::from))
                        .collect()
                })
                .unwrap_or_default(),
            aliases: if applied.created {
                vec![]
            } else {
                list_aliases(ctx, &w.client, &bot_id).await?
            },
        };
        let wanted_aliases: Vec<Value> = d["Aliases"].as_array().cloned().unwrap_or_default();
        let missing_version = wanted_aliases.iter().any(|a| {
            str_of(a, "Version")
                .is_some_and(|v| v != "DRAFT" && !live.versions.iter().any(|x| x == v))
        });
        let need_version = (options.publish && (definition_changed || live.versions.is_empty()))
            || (options.restore_aliases && missing_version);
        if need_version {
            w.create_version(run, &bot_id, d, &live, options, applied)
                .await?;
        }

        // Aliases last, so a failed import or build never moves one.
        let moves = alias_moves(&wanted_aliases, &live, options, applied);
        if !moves.is_empty() {
            run.step("move_alias", async {
                for (spec, version) in &moves {
                    point_alias(ctx, &w.client, &bot_id, spec, version, &live.aliases).await?;
                }
                Ok(())
            })
            .await?;
        }
        if options.remove_extra {
            w.remove_not_in_source(run, &bot_id, &plan.summary, &live.aliases)
                .await?;
        }
        Ok(())
    }

    async fn restore(
        &self,
        ctx: &Ctx,
        name: &ResourceName,
        safety: Option<&SnapshotEnvelope>,
        store: &dyn SnapshotStore,
        applied: &Applied,
    ) -> AwsResult<Vec<String>> {
        let client = ctx.lex().await?;
        let Some(bot) = find_bot(ctx, &client, name.as_str()).await? else {
            return Ok(vec![]);
        };
        let Some(safety) = safety.filter(|_| !applied.created) else {
            ctx.pace(Quota::Lex).await;
            client
                .delete_bot()
                .bot_id(&bot.id)
                .skip_resource_in_use_check(true)
                .send()
                .await
                .map_err(svc("removing the half-created bot"))?;
            return Ok(vec![]);
        };
        reapply(self, ctx, name, safety, store).await?;
        for v in &applied.new_versions {
            ctx.pace(Quota::Lex).await;
            if let Err(e) = client
                .delete_bot_version()
                .bot_id(&bot.id)
                .bot_version(v)
                .skip_resource_in_use_check(false)
                .send()
                .await
            {
                if !e.as_service_error().is_some_and(is_not_found) {
                    return Err(AwsError::service(
                        "deleting the version the failed deploy created",
                        e,
                    ));
                }
            }
        }
        Ok(vec![])
    }
}

/// Keeps only the alias a promotion moves (none when it moves none) in a bot's config.
fn only_alias(config: &mut Value, keep: Option<&str>) {
    if let Some(a) = config.get_mut("Aliases").and_then(Value::as_array_mut) {
        a.retain(|x| keep.is_some_and(|k| str_of(x, "Name") == Some(k)));
    }
}

/// Every alias code hook's Lambda ARN, with its path.
fn code_hooks(config: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (i, alias) in config["Aliases"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        for (locale, s) in alias["LocaleSettings"].as_object().into_iter().flatten() {
            if let Some(arn) = str_of(&s["CodeHook"], "LambdaArn") {
                out.push((
                    format!("/Aliases/{i}/LocaleSettings/{locale}/CodeHook/LambdaArn"),
                    arn.to_owned(),
                ));
            }
        }
    }
    out
}
