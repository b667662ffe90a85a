//! Writing a bot: create, settings, import and build, versions and aliases.

use super::read::{alias_settings, data_privacy, invalid, wait_for};
use crate::change::DeployOptions;
use crate::error::{AwsError, AwsResult};
use crate::limiter::Quota;
use crate::provider::{str_of, string_map, svc, Applied, Ctx, Steps};
use aws_sdk_lexmodelsv2::types::{
    BotImportSpecification, BotLocaleStatus, BotStatus, BotVersionLocaleDetails,
    ImportResourceSpecification, ImportStatus, MergeStrategy,
};
use aws_sdk_lexmodelsv2::Client;
use futures::StreamExt;
use serde_json::{json, Value};
use snapdeploy_core::SnapshotEnvelope;
use snapdeploy_store::SnapshotStore;
use std::collections::HashMap;

pub(super) async fn import(
    ctx: &Ctx,
    client: &Client,
    name: &str,
    d: &Value,
    zip: Vec<u8>,
) -> AwsResult<()> {
    ctx.pace(Quota::Lex).await;
    let upload = client
        .create_upload_url()
        .send()
        .await
        .map_err(svc("asking for an upload URL"))?;
    let import_id = upload.import_id().unwrap_or_default().to_owned();
    let url = upload
        .upload_url()
        .ok_or_else(|| AwsError::Service("no upload URL".into()))?;
    let resp = ctx
        .hub
        .http
        .put(url)
        .body(zip)
        .send()
        .await
        .map_err(|e| AwsError::Service(format!("uploading the export: {e}")))?;
    if !resp.status().is_success() {
        return Err(AwsError::Service(format!(
            "uploading the export: HTTP {}",
            resp.status()
        )));
    }
    let spec = BotImportSpecification::builder()
        .bot_name(name)
        .set_role_arn(str_of(d, "RoleArn").map(String::from))
        .data_privacy(data_privacy(d)?)
        .idle_session_ttl_in_seconds(d["IdleSessionTTLInSeconds"].as_i64().unwrap_or(300) as i32)
        .build()
        .map_err(invalid("import specification"))?;
    ctx.pace(Quota::Lex).await;
    client
        .start_import()
        .import_id(&import_id)
        .resource_specification(
            ImportResourceSpecification::builder()
                .bot_import_specification(spec)
                .build(),
        )
        .merge_strategy(MergeStrategy::Overwrite)
        .send()
        .await
        .map_err(svc("starting the import"))?;
    wait_for("the import", || async {
        ctx.pace(Quota::Lex).await;
        let i = client
            .describe_import()
            .import_id(&import_id)
            .send()
            .await
            .map_err(svc("reading the import"))?;
        match i.import_status() {
            Some(ImportStatus::Completed) => Ok(Some(())),
            Some(ImportStatus::Failed) => Err(AwsError::Service(format!(
                "the import failed: {}",
                i.failure_reasons().join("; ")
            ))),
            _ => Ok(None),
        }
    })
    .await
}

/// Builds every locale, at most five at a time as Lex allows, and waits for each.
pub(super) async fn build_locales(
    ctx: &Ctx,
    client: &Client,
    bot_id: &str,
    locales: &[String],
) -> AwsResult<()> {
    // Collected first: a closure inside the stream would make this future's type
    // higher-ranked, which the async provider trait cannot prove `Send`.
    let builds: Vec<_> = locales
        .iter()
        .map(|locale| build_locale(ctx, client, bot_id, locale))
        .collect();
    let results: Vec<AwsResult<()>> = futures::stream::iter(builds)
        .buffer_unordered(PARALLEL_BUILDS)
        .collect()
        .await;
    results.into_iter().collect()
}

pub(super) async fn build_locale(
    ctx: &Ctx,
    client: &Client,
    bot_id: &str,
    locale: &str,
) -> AwsResult<()> {
    ctx.pace(Quota::Lex).await;
    client
        .build_bot_locale()
        .bot_id(bot_id)
        .bot_version("DRAFT")
        .locale_id(locale)
        .send()
        .await
        .map_err(svc("starting a locale build"))?;
    wait_for("the locale build", || async {
        ctx.pace(Quota::Lex).await;
        let l = client
            .describe_bot_locale()
            .bot_id(bot_id)
            .bot_version("DRAFT")
            .locale_id(locale)
            .send()
            .await
            .map_err(svc("reading a locale"))?;
        match l.bot_locale_status() {
            Some(BotLocaleStatus::Built) | Some(BotLocaleStatus::ReadyExpressTesting) => {
                Ok(Some(()))
            }
            Some(BotLocaleStatus::Failed) => Err(AwsError::Service(format!(
                "the build of locale {locale} failed: {}",
                l.failure_reasons().join("; ")
            ))),
            _ => Ok(None),
        }
    })
    .await
}

/// Deletes the oldest versions beyond `keep`, never one an alias uses; then checks the limit.
pub(super) async fn prune_versions(
    ctx: &Ctx,
    client: &Client,
    bot_id: &str,
    versions: &[String],
    in_use: &[String],
    keep: Option<usize>,
) -> AwsResult<()> {
    let mut remaining = versions.len();
    if let Some(keep) = keep {
        let limit = keep.min(MAX_VERSIONS - 1);
        for v in versions {
            if remaining <= limit {
                break;
            }
            if in_use.contains(v) {
                continue;
            }
            ctx.pace(Quota::Lex).await;
            client
                .delete_bot_version()
                .bot_id(bot_id)
                .bot_version(v)
                .send()
                .await
                .map_err(svc("pruning an old version"))?;
            remaining -= 1;
        }
    }
    if remaining >= MAX_VERSIONS {
        return Err(AwsError::Invalid(format!("the bot already has {remaining} versions, Lex's limit of {MAX_VERSIONS}: set options.keep_versions to prune old ones")));
    }
    Ok(())
}

pub(super) async fn create_version(
    ctx: &Ctx,
    client: &Client,
    bot_id: &str,
    locales: &[String],
    note: Option<&str>,
) -> AwsResult<String> {
    let mut spec = HashMap::new();
    for l in locales {
        spec.insert(
            l.clone(),
            BotVersionLocaleDetails::builder()
                .source_bot_version("DRAFT")
                .build()
                .map_err(invalid("version specification"))?,
        );
    }
    ctx.pace(Quota::Lex).await;
    let out = client
        .create_bot_version()
        .bot_id(bot_id)
        .set_bot_version_locale_specification(Some(spec))
        .set_description(note.map(String::from))
        .send()
        .await
        .map_err(svc("creating a bot version"))?;
    let version = out.bot_version().unwrap_or_default().to_owned();
    wait_for("the bot version", || async {
        ctx.pace(Quota::Lex).await;
        let v = client
            .describe_bot_version()
            .bot_id(bot_id)
            .bot_version(&version)
            .send()
            .await
            .map_err(svc("reading the bot version"))?;
        match v.bot_status() {
            Some(BotStatus::Available) => Ok(Some(())),
            Some(BotStatus::Failed) => Err(AwsError::Service(format!(
                "version {version} failed: {}",
                v.failure_reasons().join("; ")
            ))),
            _ => Ok(None),
        }
    })
    .await?;
    Ok(version)
}

pub(super) async fn point_alias(
    ctx: &Ctx,
    client: &Client,
    bot_id: &str,
    spec: &Value,
    version: &str,
    live: &[(String, Value)],
) -> AwsResult<()> {
    let name = str_of(spec, "Name").unwrap_or_default();
    let settings = if spec.get("LocaleSettings").is_some() {
        Some(alias_settings(spec)?)
    } else {
        None
    };
    ctx.pace(Quota::Lex).await;
    match live.iter().find(|(_, a)| str_of(a, "Name") == Some(name)) {
        Some((id, current)) => {
            let settings = match settings {
                Some(s) => Some(s),
                None => Some(alias_settings(current)?),
            };
            client
                .update_bot_alias()
                .bot_id(bot_id)
                .bot_alias_id(id)
                .bot_alias_name(name)
                .bot_version(version)
                .description(
                    str_of(spec, "Description")
                        .or(str_of(current, "Description"))
                        .unwrap_or(""),
                )
                .set_bot_alias_locale_settings(settings)
                .send()
                .await
                .map_err(svc("moving the alias"))?;
        }
        None => {
            client
                .create_bot_alias()
                .bot_id(bot_id)
                .bot_alias_name(name)
                .bot_version(version)
                .description(str_of(spec, "Description").unwrap_or(""))
                .set_bot_alias_locale_settings(settings)
                .send()
                .await
                .map_err(svc("creating the alias"))?;
        }
    }
    Ok(())
}

/// The bot's versions and aliases as the apply found them.
pub(super) struct LiveVersions {
    pub(super) versions: Vec<String>,
    pub(super) aliases: Vec<(String, Value)>,
}

/// The writes of one apply to one bot.
pub(super) struct BotWriter<'a> {
    pub(super) ctx: &'a Ctx,
    pub(super) client: Client,
    pub(super) name: &'a str,
}

impl BotWriter<'_> {
    /// Creates the bot and waits until it is available; returns its id.
    pub(super) async fn create(
        &self,
        run: &mut Steps<'_>,
        d: &Value,
        applied: &mut Applied,
    ) -> AwsResult<String> {
        let (ctx, client, name) = (self.ctx, &self.client, self.name);
        let mut id = String::new();
        run.step("create_bot", async {
            ctx.pace(Quota::Lex).await;
            let out = client
                .create_bot()
                .bot_name(name)
                .description(str_of(d, "Description").unwrap_or(""))
                .set_role_arn(str_of(d, "RoleArn").map(String::from))
                .data_privacy(data_privacy(d)?)
                .idle_session_ttl_in_seconds(
                    d["IdleSessionTTLInSeconds"].as_i64().unwrap_or(300) as i32
                )
                .set_bot_tags(Some(string_map(&d["Tags"])))
                .send()
                .await
                .map_err(svc("creating the bot"))?;
            id = out.bot_id().unwrap_or_default().to_owned();
            applied.created = true;
            let client = &client;
            let id = &id;
            wait_for("the bot creation", || async move {
                ctx.pace(Quota::Lex).await;
                let b = client
                    .describe_bot()
                    .bot_id(id)
                    .send()
                    .await
                    .map_err(svc("reading the bot"))?;
                Ok((b.bot_status() == Some(&BotStatus::Available)).then_some(()))
            })
            .await
        })
        .await?;
        Ok(id)
    }

    /// The bot's own settings (description, role, data privacy, session TTL), where they differ.
    pub(super) async fn update_settings(
        &self,
        run: &mut Steps<'_>,
        bot_id: &str,
        d: &Value,
        live_config: &Value,
    ) -> AwsResult<()> {
        let (ctx, client, name) = (self.ctx, &self.client, self.name);
        let settings_keys = [
            "Description",
            "RoleArn",
            "DataPrivacy",
            "IdleSessionTTLInSeconds",
        ];
        if settings_keys
            .iter()
            .any(|k| live_config.get(*k) != d.get(*k))
        {
            run.step("update_bot", async {
                ctx.pace(Quota::Lex).await;
                client
                    .update_bot()
                    .bot_id(bot_id)
                    .bot_name(name)
                    .description(str_of(d, "Description").unwrap_or(""))
                    .set_role_arn(str_of(d, "RoleArn").map(String::from))
                    .data_privacy(data_privacy(d)?)
                    .idle_session_ttl_in_seconds(
                        d["IdleSessionTTLInSeconds"].as_i64().unwrap_or(300) as i32,
                    )
                    .send()
                    .await
                    .map_err(svc("updating the bot"))?;
                Ok(())
            })
            .await?;
        }
        Ok(())
    }

    /// Imports the snapshot's export over the DRAFT and builds its locales.
    pub(super) async fn import_definition(
        &self,
        run: &mut Steps<'_>,
        bot_id: &str,
        d: &Value,
        source: &SnapshotEnvelope,
        store: &dyn SnapshotStore,
    ) -> AwsResult<()> {
        let (ctx, client, name) = (self.ctx, &self.client, self.name);
        let blob = source
            .blob("export")
            .ok_or_else(|| AwsError::Invalid("the snapshot has no Lex export".into()))?;
        let zip = store.get_blob(&source.account_id, &blob.sha256).await?;
        run.step("import", async { import(ctx, client, name, d, zip).await })
            .await?;
        let locales: Vec<String> = d["Definition"]["locales"]
            .as_object()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        run.step("build", async {
            build_locales(ctx, client, bot_id, &locales).await
        })
        .await?;
        Ok(())
    }

    /// A new bot version, after pruning the oldest ones beyond `keep_versions`.
    pub(super) async fn create_version(
        &self,
        run: &mut Steps<'_>,
        bot_id: &str,
        d: &Value,
        live: &LiveVersions,
        options: &DeployOptions,
        applied: &mut Applied,
    ) -> AwsResult<()> {
        let ctx = self.ctx;
        let client = &self.client;
        let locales: Vec<String> = d["Definition"]["locales"]
            .as_object()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        let in_use: Vec<String> = live
            .aliases
            .iter()
            .filter_map(|(_, a)| str_of(a, "Version").map(String::from))
            .collect();
        run.step("create_version", async {
            prune_versions(
                ctx,
                client,
                bot_id,
                &live.versions,
                &in_use,
                options.keep_versions,
            )
            .await?;
            let v = create_version(ctx, client, bot_id, &locales, options.note.as_deref()).await?;
            applied.published(v, true);
            Ok(())
        })
        .await?;
        Ok(())
    }
}

/// The aliases to move, with their versions: the one a deploy names (to the version it
/// published), and on a rollback every alias the snapshot records that differs now.
impl BotWriter<'_> {
    /// Deletes the aliases, then the versions, the snapshot does not have (listed in the
    /// plan's `summary.not_in_source`).
    pub(super) async fn remove_not_in_source(
        &self,
        run: &mut Steps<'_>,
        bot_id: &str,
        summary: &Value,
        aliases: &[(String, Value)],
    ) -> AwsResult<()> {
        let extra: Vec<Value> = summary["not_in_source"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if extra.is_empty() {
            return Ok(());
        }
        let (ctx, client) = (self.ctx, &self.client);
        run.step("remove versions and aliases not in the snapshot", async {
            for e in &extra {
                let n = e["name"].as_str().unwrap_or_default();
                ctx.pace(Quota::Lex).await;
                if e["kind"] == "alias" {
                    let Some((id, _)) = aliases.iter().find(|(_, a)| str_of(a, "Name") == Some(n))
                    else {
                        continue;
                    };
                    client
                        .delete_bot_alias()
                        .bot_id(bot_id)
                        .bot_alias_id(id)
                        .skip_resource_in_use_check(true)
                        .send()
                        .await
                        .map_err(svc("deleting a bot alias"))?;
                    // An alias is `Deleting` for a while, and until it is gone the version
                    // it points at cannot be deleted.
                    wait_for("the alias deletion", || async {
                        ctx.pace(Quota::Lex).await;
                        match client
                            .describe_bot_alias()
                            .bot_id(bot_id)
                            .bot_alias_id(id)
                            .send()
                            .await
                        {
                            Ok(_) => Ok(None),
                            Err(e)
                                if e.as_service_error()
                                    .is_some_and(|s| s.is_resource_not_found_exception()) =>
                            {
                                Ok(Some(()))
                            }
                            Err(e) => Err(svc("reading a bot alias")(e)),
                        }
                    })
                    .await?;
                } else {
                    client
                        .delete_bot_version()
                        .bot_id(bot_id)
                        .bot_version(n)
                        .skip_resource_in_use_check(true)
                        .send()
                        .await
                        .map_err(svc("deleting a bot version"))?;
                }
            }
            Ok(())
        })
        .await
    }
}

pub(super) fn alias_moves(
    wanted_aliases: &[Value],
    live: &LiveVersions,
    options: &DeployOptions,
    applied: &Applied,
) -> Vec<(Value, String)> {
    let mut moves: Vec<(Value, String)> = Vec::new();
    if let (Some(alias), Some(v)) = (&options.alias, applied.published_version.clone()) {
        let spec = wanted_aliases
            .iter()
            .find(|a| str_of(a, "Name") == Some(alias))
            .cloned()
            .unwrap_or_else(|| json!({"Name": alias}));
        moves.push((spec, v));
    }
    if options.restore_aliases {
        for a in wanted_aliases {
            let v = str_of(a, "Version").unwrap_or("DRAFT");
            let v = if v == "DRAFT" || live.versions.iter().any(|x| x == v) {
                v.to_owned()
            } else {
                applied
                    .published_version
                    .clone()
                    .unwrap_or_else(|| "DRAFT".into())
            };
            let current = live
                .aliases
                .iter()
                .find(|(_, x)| str_of(x, "Name") == str_of(a, "Name"))
                .map(|(_, x)| x);
            let mut target = a.clone();
            target["Version"] = json!(v);
            if current != Some(&target) {
                moves.push((a.clone(), v));
            }
        }
    }
    moves
}

/// AWS's limits: 100 versions per bot, 5 locale builds at once.
pub const MAX_VERSIONS: usize = 100;

const PARALLEL_BUILDS: usize = 5;
