//! Reading a bot: its summary, versions, aliases and export.

use crate::error::{AwsError, AwsResult};
use crate::limiter::Quota;
use crate::provider::{is_not_found, paged, str_of, svc, Ctx};
use aws_sdk_lexmodelsv2::types::{
    BotAliasLocaleSettings, BotAliasSummary, BotExportSpecification, BotSummary,
    CodeHookSpecification, DataPrivacy, ExportResourceSpecification, ExportStatus,
    ImportExportFileFormat, LambdaCodeHook,
};
use aws_sdk_lexmodelsv2::Client;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

pub(super) fn invalid<E: std::fmt::Display>(what: &str) -> impl FnOnce(E) -> AwsError + '_ {
    move |e| AwsError::Invalid(format!("{what}: {e}"))
}

/// Polls `check` until it yields a value, backing off up to 2 s, for at most 10 minutes.
pub(super) async fn wait_for<T, F, Fut>(what: &str, mut check: F) -> AwsResult<T>
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

pub(crate) struct LiveBot {
    pub(crate) id: String,
}

/// Every bot of the account and region, 100 a page.
pub(super) async fn list_bots(ctx: &Ctx, client: &Client) -> AwsResult<Vec<BotSummary>> {
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
pub(super) async fn alias_summaries(
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

pub(crate) async fn find_bot(ctx: &Ctx, client: &Client, name: &str) -> AwsResult<Option<LiveBot>> {
    Ok(list_bots(ctx, client)
        .await?
        .into_iter()
        .find(|b| b.bot_name() == Some(name))
        .map(|b| LiveBot {
            id: b.bot_id().unwrap_or_default().to_owned(),
        }))
}

/// The name of the bot with this id (`None` when it is gone).
pub(crate) async fn bot_name(
    ctx: &Ctx,
    client: &Client,
    bot_id: &str,
) -> AwsResult<Option<String>> {
    ctx.pace(Quota::Lex).await;
    match client.describe_bot().bot_id(bot_id).send().await {
        Ok(b) => Ok(b.bot_name().map(String::from)),
        Err(e) if e.as_service_error().is_some_and(is_not_found) => Ok(None),
        Err(e) => Err(AwsError::service("reading a bot", e)),
    }
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
    match find_bot(ctx, client, bot).await? {
        Some(b) => alias_arn_of(ctx, client, &b.id, alias).await,
        None => Ok(None),
    }
}

/// The ARN of the alias named `alias` of the bot with id `bot_id`.
pub(crate) async fn alias_arn_of(
    ctx: &Ctx,
    client: &Client,
    bot_id: &str,
    alias: &str,
) -> AwsResult<Option<String>> {
    Ok(alias_summaries(ctx, client, bot_id)
        .await?
        .iter()
        .find(|a| a.bot_alias_name() == Some(alias))
        .and_then(|a| a.bot_alias_id())
        .map(|id| {
            format!(
                "arn:aws:lex:{}:{}:bot-alias/{bot_id}/{id}",
                ctx.region, ctx.account.account_id
            )
        }))
}

pub(super) async fn list_versions(
    ctx: &Ctx,
    client: &Client,
    bot_id: &str,
) -> AwsResult<Vec<Value>> {
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
pub(super) async fn list_aliases(
    ctx: &Ctx,
    client: &Client,
    bot_id: &str,
) -> AwsResult<Vec<(String, Value)>> {
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

pub(super) async fn export(
    ctx: &Ctx,
    client: &Client,
    bot_id: &str,
    version: &str,
) -> AwsResult<Vec<u8>> {
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
pub(super) fn applied_subset(config: &Value, with_versions: bool) -> Value {
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
pub(super) fn definition_summary(current: &Value, desired: &Value) -> Value {
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

pub(super) fn alias_settings(spec: &Value) -> AwsResult<HashMap<String, BotAliasLocaleSettings>> {
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

pub(super) fn data_privacy(d: &Value) -> AwsResult<DataPrivacy> {
    Ok(DataPrivacy::builder()
        .child_directed(d["DataPrivacy"]["childDirected"].as_bool().unwrap_or(false))
        .build())
}

/// The alias every bot has, managed by Lex itself.
const TEST_ALIAS_ID: &str = "TSTALIASID";
