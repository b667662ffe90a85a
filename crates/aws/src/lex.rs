//! Lex V2: extract, capture (the LexJson export as a blob, unpacked into a canonical config,
//! plus what the export leaves out: aliases with their locale settings and code hooks, the
//! bot role, tags), plan, apply (import, build, version, alias) and restore.

use crate::change::{DeployOptions, Progress};
use crate::error::{AwsError, AwsResult};
use crate::limiter::Quota;
use crate::provider::{
    is_not_found, paged, reapply, str_of, string_map, svc, Applied, ApplyInput, Captured, Ctx,
    Provider, Steps,
};
use crate::tags::retag;
use async_trait::async_trait;
use aws_sdk_lexmodelsv2::types::{
    BotAliasLocaleSettings, BotAliasSummary, BotExportSpecification, BotImportSpecification,
    BotLocaleStatus, BotStatus, BotSummary, BotVersionLocaleDetails, CodeHookSpecification,
    DataPrivacy, ExportResourceSpecification, ExportStatus, ImportExportFileFormat,
    ImportResourceSpecification, ImportStatus, LambdaCodeHook, MergeStrategy,
};
use aws_sdk_lexmodelsv2::Client;
use futures::StreamExt;
use serde_json::{json, Map, Value};
use snapdeploy_core::{
    diff, lexjson, remap_arns, ArnRemapper, Plan, PlanAction, ResourceName, ServiceKind,
    SnapshotEnvelope, SourceRef,
};
use snapdeploy_store::SnapshotStore;
use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

pub struct LexProvider;

/// AWS's limits: 100 versions per bot, 5 locale builds at once.
pub const MAX_VERSIONS: usize = 100;
const PARALLEL_BUILDS: usize = 5;
/// The alias every bot has, managed by Lex itself.
const TEST_ALIAS_ID: &str = "TSTALIASID";

fn invalid<E: std::fmt::Display>(what: &str) -> impl FnOnce(E) -> AwsError + '_ {
    move |e| AwsError::Invalid(format!("{what}: {e}"))
}

/// Polls `check` until it yields a value, backing off up to 2 s, for at most 10 minutes.
async fn wait_for<T, F, Fut>(what: &str, mut check: F) -> AwsResult<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = AwsResult<Option<T>>>,
{
    let deadline = Instant::now() + Duration::from_secs(600);
    let mut delay = Duration::from_millis(50);
    loop {
        if let Some(v) = check().await? {
            return Ok(v);
        }
        if Instant::now() > deadline {
            return Err(AwsError::Service(format!(
                "{what} did not finish within 10 minutes"
            )));
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(2));
    }
}

struct LiveBot {
    id: String,
}

/// Every bot of the account and region, 100 a page.
async fn list_bots(ctx: &Ctx, client: &Client) -> AwsResult<Vec<BotSummary>> {
    paged(ctx, Quota::Lex, |token| async move {
        let page = client
            .list_bots()
            .set_next_token(token)
            .max_results(100)
            .send()
            .await
            .map_err(svc("listing bots"))?;
        Ok((
            page.bot_summaries().to_vec(),
            page.next_token().map(String::from),
        ))
    })
    .await
}

/// Every alias summary of a bot.
async fn alias_summaries(
    ctx: &Ctx,
    client: &Client,
    bot_id: &str,
) -> AwsResult<Vec<BotAliasSummary>> {
    paged(ctx, Quota::Lex, |token| async move {
        let page = client
            .list_bot_aliases()
            .bot_id(bot_id)
            .set_next_token(token)
            .send()
            .await
            .map_err(svc("listing bot aliases"))?;
        Ok((
            page.bot_alias_summaries().to_vec(),
            page.next_token().map(String::from),
        ))
    })
    .await
}

async fn find_bot(ctx: &Ctx, client: &Client, name: &str) -> AwsResult<Option<LiveBot>> {
    Ok(list_bots(ctx, client)
        .await?
        .into_iter()
        .find(|b| b.bot_name() == Some(name))
        .map(|b| LiveBot {
            id: b.bot_id().unwrap_or_default().to_owned(),
        }))
}

/// The bot and alias names behind an alias id (`None` when either is gone).
pub(crate) async fn alias_names(
    ctx: &Ctx,
    client: &Client,
    bot_id: &str,
    alias_id: &str,
) -> AwsResult<Option<(String, String)>> {
    ctx.pace(Quota::Lex).await;
    let bot = match client.describe_bot().bot_id(bot_id).send().await {
        Ok(b) => b,
        Err(e) if e.as_service_error().is_some_and(is_not_found) => return Ok(None),
        Err(e) => return Err(AwsError::service("reading a bot", e)),
    };
    ctx.pace(Quota::Lex).await;
    let alias = match client
        .describe_bot_alias()
        .bot_id(bot_id)
        .bot_alias_id(alias_id)
        .send()
        .await
    {
        Ok(a) => a,
        Err(e) if e.as_service_error().is_some_and(is_not_found) => return Ok(None),
        Err(e) => return Err(AwsError::service("reading a bot alias", e)),
    };
    Ok(Some((
        bot.bot_name().unwrap_or_default().to_owned(),
        alias.bot_alias_name().unwrap_or_default().to_owned(),
    )))
}

/// The ARN of the alias named `alias` of the bot named `bot` in this account and region.
pub(crate) async fn alias_arn(
    ctx: &Ctx,
    client: &Client,
    bot: &str,
    alias: &str,
) -> AwsResult<Option<String>> {
    let Some(b) = find_bot(ctx, client, bot).await? else {
        return Ok(None);
    };
    Ok(alias_summaries(ctx, client, &b.id)
        .await?
        .iter()
        .find(|a| a.bot_alias_name() == Some(alias))
        .and_then(|a| a.bot_alias_id())
        .map(|id| {
            format!(
                "arn:aws:lex:{}:{}:bot-alias/{}/{id}",
                ctx.region, ctx.account.account_id, b.id
            )
        }))
}

async fn list_versions(ctx: &Ctx, client: &Client, bot_id: &str) -> AwsResult<Vec<Value>> {
    let mut out = paged(ctx, Quota::Lex, |token| async move {
        let page = client
            .list_bot_versions()
            .bot_id(bot_id)
            .set_next_token(token)
            .send()
            .await
            .map_err(svc("listing bot versions"))?;
        let versions = page
            .bot_version_summaries()
            .iter()
            .filter(|v| v.bot_version() != Some("DRAFT"))
            .map(|v| json!({"Version": v.bot_version(), "Description": v.description().unwrap_or("")}))
            .collect();
        Ok((versions, page.next_token().map(String::from)))
    })
    .await?;
    out.sort_by_key(|v| {
        v["Version"]
            .as_str()
            .and_then(|s| s.parse::<u64>().ok())
            .unwrap_or(0)
    });
    Ok(out)
}

/// Aliases with their locale settings (the export leaves them out), by name; the test alias
/// Lex manages itself is not part of the configuration.
async fn list_aliases(ctx: &Ctx, client: &Client, bot_id: &str) -> AwsResult<Vec<(String, Value)>> {
    let ids: Vec<String> = alias_summaries(ctx, client, bot_id)
        .await?
        .iter()
        .filter_map(|a| a.bot_alias_id())
        .filter(|id| *id != TEST_ALIAS_ID)
        .map(String::from)
        .collect();
    let mut out = Vec::new();
    for id in ids {
        ctx.pace(Quota::Lex).await;
        let a = client
            .describe_bot_alias()
            .bot_id(bot_id)
            .bot_alias_id(&id)
            .send()
            .await
            .map_err(svc("reading a bot alias"))?;
        let settings: BTreeMap<&String, Value> = a
            .bot_alias_locale_settings()
            .map(|m| {
                m.iter()
                    .map(|(locale, s)| {
                        let hook = s.code_hook_specification().and_then(|c| c.lambda_code_hook()).map(|h| json!({"LambdaArn": h.lambda_arn(), "InterfaceVersion": h.code_hook_interface_version()}));
                        (locale, json!({"Enabled": s.enabled(), "CodeHook": hook}))
                    })
                    .collect()
            })
            .unwrap_or_default();
        out.push((id, json!({"Name": a.bot_alias_name(), "Version": a.bot_version(), "Description": a.description().unwrap_or(""), "LocaleSettings": settings})));
    }
    out.sort_by(|a, b| str_of(&a.1, "Name").cmp(&str_of(&b.1, "Name")));
    Ok(out)
}

async fn export(ctx: &Ctx, client: &Client, bot_id: &str, version: &str) -> AwsResult<Vec<u8>> {
    ctx.pace(Quota::Lex).await;
    let spec = ExportResourceSpecification::builder()
        .bot_export_specification(
            BotExportSpecification::builder()
                .bot_id(bot_id)
                .bot_version(version)
                .build()
                .map_err(invalid("export specification"))?,
        )
        .build();
    let started = client
        .create_export()
        .resource_specification(spec)
        .file_format(ImportExportFileFormat::LexJson)
        .send()
        .await
        .map_err(svc("starting the export"))?;
    let export_id = started.export_id().unwrap_or_default().to_owned();
    let url: String = wait_for("the export", || async {
        ctx.pace(Quota::Lex).await;
        let d = client
            .describe_export()
            .export_id(&export_id)
            .send()
            .await
            .map_err(svc("reading the export"))?;
        match d.export_status() {
            Some(ExportStatus::Completed) => {
                Ok(Some(d.download_url().map(String::from).ok_or_else(
                    || AwsError::Service("the export has no download URL".into()),
                )?))
            }
            Some(ExportStatus::Failed) => Err(AwsError::Service(format!(
                "the export failed: {}",
                d.failure_reasons().join("; ")
            ))),
            _ => Ok(None),
        }
    })
    .await?;
    let resp = ctx
        .hub
        .http
        .get(&url)
        .send()
        .await
        .map_err(|e| AwsError::Service(format!("downloading the export: {e}")))?;
    if !resp.status().is_success() {
        return Err(AwsError::Service(format!(
            "downloading the export: HTTP {}",
            resp.status()
        )));
    }
    Ok(resp
        .bytes()
        .await
        .map_err(|e| AwsError::Service(format!("downloading the export: {e}")))?
        .to_vec())
}

/// The subset a deploy compares and writes; alias → version pairs only where they apply.
fn applied_subset(config: &Value, with_versions: bool) -> Value {
    let mut m = config.as_object().cloned().unwrap_or_default();
    m.remove("Versions");
    m.remove("BotName");
    if let Some(aliases) = m.get_mut("Aliases").and_then(Value::as_array_mut) {
        for a in aliases.iter_mut() {
            if !with_versions {
                if let Some(o) = a.as_object_mut() {
                    o.remove("Version");
                }
            }
        }
    }
    Value::Object(m)
}

/// Per locale: intents, slots and slot types added, changed or removed.
fn definition_summary(current: &Value, desired: &Value) -> Value {
    let mut out = Map::new();
    let empty = json!({});
    let none = Map::new();
    let locales: std::collections::BTreeSet<&String> = current
        .as_object()
        .unwrap_or(&none)
        .keys()
        .chain(desired.as_object().unwrap_or(&none).keys())
        .collect();
    for l in locales {
        let cur = current.get(l).unwrap_or(&empty);
        let want = desired.get(l).unwrap_or(&empty);
        let section = |kind: &str| {
            let a = cur
                .get(kind)
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            let b = want
                .get(kind)
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            let added: Vec<&String> = b.keys().filter(|k| !a.contains_key(*k)).collect();
            let removed: Vec<&String> = a.keys().filter(|k| !b.contains_key(*k)).collect();
            let changed: Vec<&String> = b
                .keys()
                .filter(|k| a.get(*k).is_some_and(|v| v != &b[*k]))
                .collect();
            json!({"added": added, "changed": changed, "removed": removed})
        };
        let slots = {
            let collect = |side: &Value| -> BTreeMap<String, Value> {
                side.get("intents")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                    .flat_map(|(i, v)| {
                        v["slots"]
                            .as_object()
                            .into_iter()
                            .flatten()
                            .map(move |(s, sv)| (format!("{i}.{s}"), sv.clone()))
                    })
                    .collect()
            };
            let (a, b) = (collect(cur), collect(want));
            json!({
                "added": b.keys().filter(|k| !a.contains_key(*k)).collect::<Vec<_>>(),
                "changed": b.keys().filter(|k| a.get(*k).is_some_and(|v| v != &b[*k])).collect::<Vec<_>>(),
                "removed": a.keys().filter(|k| !b.contains_key(*k)).collect::<Vec<_>>(),
            })
        };
        out.insert(l.clone(), json!({"intents": section("intents"), "slot_types": section("slotTypes"), "slots": slots}));
    }
    Value::Object(out)
}

fn alias_settings(spec: &Value) -> AwsResult<HashMap<String, BotAliasLocaleSettings>> {
    let mut out = HashMap::new();
    for (locale, s) in spec["LocaleSettings"].as_object().into_iter().flatten() {
        let mut b =
            BotAliasLocaleSettings::builder().enabled(s["Enabled"].as_bool().unwrap_or(true));
        if let Some(arn) = str_of(&s["CodeHook"], "LambdaArn") {
            let hook = LambdaCodeHook::builder()
                .lambda_arn(arn)
                .code_hook_interface_version(
                    str_of(&s["CodeHook"], "InterfaceVersion").unwrap_or("1.0"),
                )
                .build()
                .map_err(invalid("code hook"))?;
            b = b.code_hook_specification(
                CodeHookSpecification::builder()
                    .lambda_code_hook(hook)
                    .build(),
            );
        }
        out.insert(locale.clone(), b.build());
    }
    Ok(out)
}

fn data_privacy(d: &Value) -> AwsResult<DataPrivacy> {
    Ok(DataPrivacy::builder()
        .child_directed(d["DataPrivacy"]["childDirected"].as_bool().unwrap_or(false))
        .build())
}

#[async_trait]
impl Provider for LexProvider {
    fn service(&self) -> ServiceKind {
        ServiceKind::Lex
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
            let keep = options.alias.as_deref();
            if let Some(a) = desired.get_mut("Aliases").and_then(Value::as_array_mut) {
                a.retain(|x| keep.is_some_and(|k| str_of(x, "Name") == Some(k)));
            }
        }
        let remapper = ArnRemapper::new(
            source.account_id.as_str(),
            source.region.as_str(),
            ctx.account.account_id.as_str(),
            ctx.region.as_str(),
        );
        let result = remap_arns(&mut desired, &remapper);
        let (action, changes, summary) = match live {
            None => (
                PlanAction::Create,
                diff(&json!({}), &desired),
                definition_summary(&json!({}), &desired["Definition"]["locales"]),
            ),
            Some(l) => {
                let mut current = applied_subset(&l.config, with_versions);
                if !with_versions {
                    let keep = options.alias.as_deref();
                    if let Some(a) = current.get_mut("Aliases").and_then(Value::as_array_mut) {
                        a.retain(|x| keep.is_some_and(|k| str_of(x, "Name") == Some(k)));
                    }
                }
                let changes = diff(&current, &desired);
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
            unmapped: result.unmapped,
            warnings: Vec::new(),
            blockers,
            summary,
            desired,
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
        let client = ctx.lex().await?;
        let name = plan.resource_name.as_str();
        let d = &plan.desired;
        // The bot's id is the captured source id.
        let live = live.map(|c| (c.source.id.clone(), c.config.clone()));
        let (bot_id, live_config) = match live {
            Some(x) => x,
            None => {
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
                            d["IdleSessionTTLInSeconds"].as_i64().unwrap_or(300) as i32,
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
                (id, json!({}))
            }
        };

        let settings_keys = [
            "Description",
            "RoleArn",
            "DataPrivacy",
            "IdleSessionTTLInSeconds",
        ];
        if !applied.created
            && settings_keys
                .iter()
                .any(|k| live_config.get(*k) != d.get(*k))
        {
            run.step("update_bot", async {
                ctx.pace(Quota::Lex).await;
                client
                    .update_bot()
                    .bot_id(&bot_id)
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
        let bot_arn = format!(
            "arn:aws:lex:{}:{}:bot/{bot_id}",
            ctx.region, ctx.account.account_id
        );
        let tags = (&d["Tags"], &live_config["Tags"]);
        retag(ctx, &client, run, &bot_arn, tags, applied.created).await?;

        let definition_changed = live_config.get("Definition") != d.get("Definition");
        if definition_changed {
            let blob = source
                .blob("export")
                .ok_or_else(|| AwsError::Invalid("the snapshot has no Lex export".into()))?;
            let zip = store.get_blob(&source.account_id, &blob.sha256).await?;
            run.step("import", async { import(ctx, &client, name, d, zip).await })
                .await?;
            let locales: Vec<String> = d["Definition"]["locales"]
                .as_object()
                .map(|m| m.keys().cloned().collect())
                .unwrap_or_default();
            run.step("build", async {
                build_locales(ctx, &client, &bot_id, &locales).await
            })
            .await?;
        }

        let live_versions: Vec<String> = live_config["Versions"]
            .as_array()
            .map(|v| {
                v.iter()
                    .filter_map(|x| str_of(x, "Version").map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        let live_aliases: Vec<(String, Value)> = if applied.created {
            vec![]
        } else {
            list_aliases(ctx, &client, &bot_id).await?
        };
        let wanted_aliases: Vec<Value> = d["Aliases"].as_array().cloned().unwrap_or_default();
        let missing_version = wanted_aliases.iter().any(|a| {
            str_of(a, "Version")
                .is_some_and(|v| v != "DRAFT" && !live_versions.iter().any(|x| x == v))
        });
        let need_version = (options.publish && (definition_changed || live_versions.is_empty()))
            || (options.restore_aliases && missing_version);
        if need_version {
            let locales: Vec<String> = d["Definition"]["locales"]
                .as_object()
                .map(|m| m.keys().cloned().collect())
                .unwrap_or_default();
            let in_use: Vec<String> = live_aliases
                .iter()
                .filter_map(|(_, a)| str_of(a, "Version").map(String::from))
                .collect();
            run.step("create_version", async {
                prune_versions(
                    ctx,
                    &client,
                    &bot_id,
                    &live_versions,
                    &in_use,
                    options.keep_versions,
                )
                .await?;
                let v = create_version(ctx, &client, &bot_id, &locales, options.note.as_deref())
                    .await?;
                applied.new_versions.push(v.clone());
                applied.published_version = Some(v);
                Ok(())
            })
            .await?;
        }

        // Aliases last, so a failed import or build never moves one.
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
            for a in &wanted_aliases {
                let v = str_of(a, "Version").unwrap_or("DRAFT");
                let v = if v == "DRAFT" || live_versions.iter().any(|x| x == v) {
                    v.to_owned()
                } else {
                    applied
                        .published_version
                        .clone()
                        .unwrap_or_else(|| "DRAFT".into())
                };
                let current = live_aliases
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
        if !moves.is_empty() {
            run.step("move_alias", async {
                for (spec, version) in &moves {
                    point_alias(ctx, &client, &bot_id, spec, version, &live_aliases).await?;
                }
                Ok(())
            })
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

async fn import(ctx: &Ctx, client: &Client, name: &str, d: &Value, zip: Vec<u8>) -> AwsResult<()> {
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
async fn build_locales(
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

async fn build_locale(ctx: &Ctx, client: &Client, bot_id: &str, locale: &str) -> AwsResult<()> {
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
async fn prune_versions(
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

async fn create_version(
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

async fn point_alias(
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
