//! Bot versions and aliases.

use super::model::{alias_json, now, BotAlias, BotVersion, Lifecycle};
use super::support::{
    available_bot, bot, conflict, new_id, not_found, page, precondition, str_field, valid_name,
    validation, Ctx, Res,
};
use crate::http::{json, json_error};
use crate::state::World;
use axum::response::Response;
use serde_json::{json, Value};
use std::collections::BTreeMap;

pub const MAX_VERSIONS: usize = 100;

pub(super) fn check_alias_settings(body: &Value) -> Result<Value, Response> {
    let settings = body
        .get("botAliasLocaleSettings")
        .cloned()
        .unwrap_or(Value::Null);
    if let Some(m) = settings.as_object() {
        for (lid, s) in m {
            if s.get("enabled").and_then(Value::as_bool).is_none() {
                return Err(validation(&format!("1 validation error detected: Value null at 'botAliasLocaleSettings.{lid}.member.enabled' failed to satisfy constraint: Member must not be null")));
            }
            if let Some(hook) = s.get("codeHookSpecification") {
                let arn = hook["lambdaCodeHook"]["lambdaARN"].as_str().unwrap_or("");
                let version = hook["lambdaCodeHook"]["codeHookInterfaceVersion"]
                    .as_str()
                    .unwrap_or("");
                if !arn.starts_with("arn:aws:lambda:")
                    || !arn.contains(":function:")
                    || version.is_empty()
                {
                    return Err(validation("1 validation error detected: Value at 'botAliasLocaleSettings.member.codeHookSpecification.lambdaCodeHook' failed to satisfy constraint: lambdaARN must be a Lambda function ARN and codeHookInterfaceVersion must be set"));
                }
            }
        }
    }
    Ok(settings)
}

/// CreateBotVersion.
pub(super) fn create_bot_version(w: &mut World, ctx: &Ctx, body: &Value, id: String) -> Res {
    let spec = body.get("botVersionLocaleSpecification").and_then(Value::as_object).cloned().ok_or_else(|| validation("1 validation error detected: Value null at 'botVersionLocaleSpecification' failed to satisfy constraint: Member must not be null"))?;
    let ready_at = w.clock.now() + w.config.lambda_update_delay;
    let b = available_bot(w, ctx, &id)?;
    // `versions` holds DRAFT besides the numbered ones.
    if b.versions.len() > MAX_VERSIONS {
        return Err(json_error(402, "ServiceQuotaExceededException", &format!("You have reached the maximum of {MAX_VERSIONS} versions for bot {id}. Delete a version and try again.")));
    }
    let mut locales = BTreeMap::new();
    for (lid, s) in &spec {
        let source = s
            .get("sourceBotVersion")
            .and_then(Value::as_str)
            .unwrap_or("DRAFT");
        let l = b
            .versions
            .get(source)
            .and_then(|v| v.locales.get(lid))
            .ok_or_else(|| {
                not_found(&format!("locale {lid} does not exist in version {source}"))
            })?;
        if l.status != "Built" {
            return Err(precondition(&format!("Failed to create a version: locale {lid} of bot {id} is not built. Build the locale and try again.")));
        }
        locales.insert(lid.clone(), l.clone());
    }
    let n = b.next_version.to_string();
    b.next_version += 1;
    let created = now();
    b.versions.insert(
        n.clone(),
        BotVersion {
            description: str_field(body, "description").unwrap_or("").into(),
            locales,
            created,
            life: Lifecycle::pending(ready_at),
        },
    );
    Ok(json(
        202,
        &json!({"botId": id, "botVersion": n, "description": str_field(body, "description"), "botVersionLocaleSpecification": spec, "botStatus": "Versioning", "creationDateTime": created}),
    ))
}

/// ListBotVersions.
pub(super) fn list_bot_versions(w: &mut World, ctx: &Ctx, body: &Value, id: String) -> Res {
    let at = w.clock.now();
    let b = bot(w, ctx, &id)?;
    let mut items: Vec<(u64, Value)> = b
        .versions
        .iter()
        .map(|(v, ver)| (v.parse::<u64>().unwrap_or(0), json!({"botName": b.name, "botVersion": v, "description": ver.description, "botStatus": ver.life.status(at, "Versioning"), "creationDateTime": ver.created})))
        .collect();
    items.sort_by_key(|(n, _)| *n);
    let (items, next) = page(items.into_iter().map(|(_, v)| v).collect(), body)?;
    Ok(json(
        200,
        &json!({"botId": id, "botVersionSummaries": items, "nextToken": next}),
    ))
}

/// DescribeBotVersion.
pub(super) fn describe_bot_version(w: &mut World, ctx: &Ctx, id: String, v: String) -> Res {
    let at = w.clock.now();
    let b = bot(w, ctx, &id)?;
    let ver = b
        .versions
        .get(&v)
        .filter(|_| v != "DRAFT")
        .ok_or_else(|| not_found(&format!("bot {id} version {v} does not exist")))?;
    Ok(json(
        200,
        &json!({"botId": id, "botName": b.name, "botVersion": v, "description": ver.description, "roleArn": b.role_arn,
        "dataPrivacy": b.data_privacy, "idleSessionTTLInSeconds": b.idle_ttl, "botStatus": ver.life.status(at, "Versioning"), "creationDateTime": ver.created, "botType": "Bot"}),
    ))
}

/// DeleteBotVersion.
pub(super) fn delete_bot_version(w: &mut World, ctx: &Ctx, id: String, v: String) -> Res {
    let until = w.clock.now() + w.config.lambda_update_delay;
    let b = available_bot(w, ctx, &id)?;
    if v == "DRAFT" || !b.versions.contains_key(&v) {
        return Err(not_found(&format!("bot {id} version {v} does not exist")));
    }
    if let Some(a) = b.aliases.values().find(|a| a.version == v) {
        return Err(precondition(&format!(
            "Version {v} is used by alias {}; point the alias elsewhere first.",
            a.name
        )));
    }
    if let Some(ver) = b.versions.get_mut(&v) {
        ver.life.delete(until);
    }
    Ok(json(
        202,
        &json!({"botId": id, "botVersion": v, "botStatus": "Deleting"}),
    ))
}

/// CreateBotAlias.
pub(super) fn create_bot_alias(w: &mut World, ctx: &Ctx, body: &Value, id: String) -> Res {
    let name = str_field(body, "botAliasName").unwrap_or("");
    if !valid_name(name) {
        return Err(validation("1 validation error detected: Value at 'botAliasName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^([0-9a-zA-Z][_-]?){1,100}$"));
    }
    let version = str_field(body, "botVersion").unwrap_or("DRAFT").to_owned();
    let settings = check_alias_settings(body)?;
    let at = w.clock.now();
    let ready_at = at + w.config.lambda_update_delay;
    let b = available_bot(w, ctx, &id)?;
    if b.aliases.values().any(|a| a.name == name) {
        return Err(conflict(&format!(
            "An alias named {name} already exists for bot {id}."
        )));
    }
    usable_version(b, &id, &version, at)?;
    let t = now();
    let alias = BotAlias {
        id: new_id(),
        name: name.into(),
        version,
        description: str_field(body, "description").unwrap_or("").into(),
        locale_settings: settings,
        sentiment: body
            .get("sentimentAnalysisSettings")
            .cloned()
            .unwrap_or(Value::Null),
        created: t,
        updated: t,
        life: Lifecycle::pending(ready_at),
    };
    let out = alias_json(&id, &alias, "Creating");
    b.aliases.insert(alias.id.clone(), alias);
    Ok(json(202, &out))
}

/// ListBotAliases.
pub(super) fn list_bot_aliases(w: &mut World, ctx: &Ctx, body: &Value, id: String) -> Res {
    let at = w.clock.now();
    let b = bot(w, ctx, &id)?;
    let items: Vec<Value> = b.aliases.values().map(|a| json!({"botAliasId": a.id, "botAliasName": a.name, "description": a.description, "botVersion": a.version, "botAliasStatus": a.life.status(at, "Creating"), "creationDateTime": a.created, "lastUpdatedDateTime": a.updated})).collect();
    let (items, next) = page(items, body)?;
    Ok(json(
        200,
        &json!({"botId": id, "botAliasSummaries": items, "nextToken": next}),
    ))
}

/// DescribeBotAlias.
pub(super) fn describe_bot_alias(w: &mut World, ctx: &Ctx, id: String, a: String) -> Res {
    let at = w.clock.now();
    let b = bot(w, ctx, &id)?;
    let alias = b
        .aliases
        .get(&a)
        .ok_or_else(|| not_found(&format!("alias {a} of bot {id} does not exist")))?;
    Ok(json(
        200,
        &alias_json(&id, alias, alias.life.status(at, "Creating")),
    ))
}

/// UpdateBotAlias.
pub(super) fn update_bot_alias(
    w: &mut World,
    ctx: &Ctx,
    body: &Value,
    id: String,
    a: String,
) -> Res {
    let name = str_field(body, "botAliasName").unwrap_or("");
    if !valid_name(name) {
        return Err(validation("1 validation error detected: Value at 'botAliasName' failed to satisfy constraint: Member must not be null"));
    }
    let settings = check_alias_settings(body)?;
    let at = w.clock.now();
    let b = available_bot(w, ctx, &id)?;
    let version = str_field(body, "botVersion").unwrap_or("DRAFT").to_owned();
    usable_version(b, &id, &version, at)?;
    let alias = b
        .aliases
        .get_mut(&a)
        .ok_or_else(|| not_found(&format!("alias {a} of bot {id} does not exist")))?;
    alias.name = name.into();
    alias.version = version;
    alias.description = str_field(body, "description").unwrap_or("").into();
    alias.locale_settings = settings;
    alias.sentiment = body
        .get("sentimentAnalysisSettings")
        .cloned()
        .unwrap_or(Value::Null);
    alias.updated = now();
    let out = alias_json(&id, alias, "Available");
    Ok(json(202, &out))
}

/// DeleteBotAlias.
pub(super) fn delete_bot_alias(w: &mut World, ctx: &Ctx, id: String, a: String) -> Res {
    let until = w.clock.now() + w.config.lambda_update_delay;
    let b = available_bot(w, ctx, &id)?;
    b.aliases
        .get_mut(&a)
        .ok_or_else(|| not_found(&format!("alias {a} of bot {id} does not exist")))?
        .life
        .delete(until);
    Ok(json(
        202,
        &json!({"botAliasId": a, "botId": id, "botAliasStatus": "Deleting"}),
    ))
}

/// An alias may point at a version that exists and is Available (not still being made, not
/// being deleted).
fn usable_version(
    b: &super::model::Bot,
    id: &str,
    version: &str,
    now: std::time::Instant,
) -> Result<(), Response> {
    let v = b
        .versions
        .get(version)
        .ok_or_else(|| not_found(&format!("bot {id} version {version} does not exist")))?;
    match v.life.status(now, "Versioning") {
        "Available" => Ok(()),
        status => Err(precondition(&format!(
            "Bot {id} version {version} is in {status} status. Wait until it is Available and try again."
        ))),
    }
}
