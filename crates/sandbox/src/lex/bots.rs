//! Bots and their locales (DRAFT), builds and tags.

use super::model::{bot_json, now, Bot, BotAlias, BotVersion, Lifecycle};
use super::support::{
    available_bot, bot, conflict, new_id, not_found, page, precondition, region, str_field,
    valid_name, validation, Ctx, Res,
};
use crate::http::{json, Req};
use crate::state::World;
use axum::response::Response;
use serde_json::{json, Value};
use snapdeploy_core::lexjson::locale_name;
use std::collections::BTreeMap;

pub(super) fn validate_bot_fields(body: &Value, creating: bool) -> Result<(), Response> {
    if creating || body.get("botName").is_some() {
        let name = str_field(body, "botName").unwrap_or("");
        if !valid_name(name) {
            return Err(validation("1 validation error detected: Value at 'botName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^([0-9a-zA-Z][_-]?){1,100}$"));
        }
    }
    let role = str_field(body, "roleArn").unwrap_or("");
    if !(role.starts_with("arn:aws:iam::") && role.contains(":role/")) {
        return Err(validation("1 validation error detected: Value at 'roleArn' failed to satisfy constraint: Member must satisfy regular expression pattern: ^arn:aws[a-zA-Z-]*:iam::[0-9]{12}:role/.*$"));
    }
    if body
        .get("dataPrivacy")
        .and_then(|d| d.get("childDirected"))
        .and_then(Value::as_bool)
        .is_none()
    {
        return Err(validation("1 validation error detected: Value null at 'dataPrivacy' failed to satisfy constraint: Member must not be null"));
    }
    match body.get("idleSessionTTLInSeconds").and_then(Value::as_i64) {
        Some(t) if (60..=86400).contains(&t) => Ok(()),
        _ => Err(validation("1 validation error detected: Value at 'idleSessionTTLInSeconds' failed to satisfy constraint: Member must have value between 60 and 86400")),
    }
}

pub(super) fn new_bot(id: String, body: &Value, name: &str) -> Bot {
    let t = now();
    let mut versions = BTreeMap::new();
    versions.insert(
        "DRAFT".to_owned(),
        BotVersion {
            description: String::new(),
            locales: BTreeMap::new(),
            created: t,
            life: Lifecycle::default(),
        },
    );
    let mut aliases = BTreeMap::new();
    // Every bot gets the test alias on DRAFT, as in AWS.
    aliases.insert(
        "TSTALIASID".to_owned(),
        BotAlias {
            id: "TSTALIASID".into(),
            name: "TestBotAlias".into(),
            version: "DRAFT".into(),
            description: "test bot alias".into(),
            locale_settings: Value::Null,
            sentiment: Value::Null,
            created: t,
            updated: t,
            life: Lifecycle::default(),
        },
    );
    Bot {
        id,
        name: name.into(),
        description: str_field(body, "description").unwrap_or("").into(),
        role_arn: str_field(body, "roleArn").unwrap_or("").into(),
        data_privacy: body
            .get("dataPrivacy")
            .cloned()
            .unwrap_or(json!({"childDirected": false})),
        idle_ttl: body
            .get("idleSessionTTLInSeconds")
            .and_then(Value::as_i64)
            .unwrap_or(300),
        tags: body
            .get("botTags")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_owned()))
                    .collect()
            })
            .unwrap_or_default(),
        created: t,
        updated: t,
        versions,
        next_version: 1,
        aliases,
        life: Lifecycle::default(),
    }
}

/// CreateBot.
pub(super) fn create_bot(w: &mut World, ctx: &Ctx, body: &Value) -> Res {
    validate_bot_fields(body, true)?;
    let name = str_field(body, "botName").unwrap_or_default().to_owned();
    if region(w, ctx).bots.values().any(|b| b.name == name) {
        return Err(precondition(&format!(
            "Failed to create bot {name}: a bot with that name already exists."
        )));
    }
    let mut b = new_bot(new_id(), body, &name);
    b.life = Lifecycle::pending(w.clock.now() + w.config.lambda_update_delay);
    let out = bot_json(&b, "Creating");
    region(w, ctx).bots.insert(b.id.clone(), b);
    Ok(json(202, &out))
}

/// ListBots.
pub(super) fn list_bots(w: &mut World, ctx: &Ctx, body: &Value) -> Res {
    let now = w.clock.now();
    let bots: Vec<Value> = region(w, ctx)
        .bots
        .values()
        .map(|b| {
            let latest = b.versions.keys().filter_map(|v| v.parse::<u64>().ok()).max().map(|n| n.to_string());
            json!({"botId": b.id, "botName": b.name, "description": b.description, "botStatus": b.life.status(now, "Creating"),
                   "latestBotVersion": latest, "lastUpdatedDateTime": b.updated, "botType": "Bot"})
        })
        .collect();
    let mut bots = bots;
    bots.sort_by(|a, b| a["botName"].as_str().cmp(&b["botName"].as_str()));
    let (items, next) = page(bots, body)?;
    Ok(json(
        200,
        &json!({"botSummaries": items, "nextToken": next}),
    ))
}

/// DescribeBot.
pub(super) fn describe_bot(w: &mut World, ctx: &Ctx, id: String) -> Res {
    let now = w.clock.now();
    let b = bot(w, ctx, &id)?;
    Ok(json(200, &bot_json(b, b.life.status(now, "Creating"))))
}

/// UpdateBot.
pub(super) fn update_bot(w: &mut World, ctx: &Ctx, body: &Value, id: String) -> Res {
    validate_bot_fields(body, true)?;
    let b = available_bot(w, ctx, &id)?;
    b.name = str_field(body, "botName").unwrap_or(&b.name).to_owned();
    b.description = str_field(body, "description").unwrap_or("").to_owned();
    b.role_arn = str_field(body, "roleArn").unwrap_or(&b.role_arn).to_owned();
    b.data_privacy = body["dataPrivacy"].clone();
    b.idle_ttl = body["idleSessionTTLInSeconds"]
        .as_i64()
        .unwrap_or(b.idle_ttl);
    b.updated = now();
    Ok(json(202, &bot_json(b, "Available")))
}

/// DeleteBot.
pub(super) fn delete_bot(w: &mut World, ctx: &Ctx, id: String) -> Res {
    let until = w.clock.now() + w.config.lambda_update_delay;
    bot(w, ctx, &id)?.life.delete(until);
    Ok(json(202, &json!({"botId": id, "botStatus": "Deleting"})))
}

/// ListBotLocales.
pub(super) fn list_bot_locales(
    w: &mut World,
    ctx: &Ctx,
    body: &Value,
    id: String,
    v: String,
) -> Res {
    let b = bot(w, ctx, &id)?;
    let ver = b
        .versions
        .get(&v)
        .ok_or_else(|| not_found(&format!("bot {id} version {v} does not exist")))?;
    let items: Vec<Value> = ver
        .locales
        .iter()
        .map(|(lid, l)| json!({"localeId": lid, "localeName": locale_name(lid), "description": l.def.meta.get("description"), "botLocaleStatus": l.status, "lastUpdatedDateTime": l.updated}))
        .collect();
    let (items, next) = page(items, body)?;
    Ok(json(
        200,
        &json!({"botId": id, "botVersion": v, "botLocaleSummaries": items, "nextToken": next}),
    ))
}

/// DescribeBotLocale.
pub(super) fn describe_bot_locale(
    w: &mut World,
    ctx: &Ctx,
    id: String,
    v: String,
    lid: String,
) -> Res {
    let b = bot(w, ctx, &id)?;
    let l = b
        .versions
        .get(&v)
        .and_then(|ver| ver.locales.get(&lid))
        .ok_or_else(|| {
            not_found(&format!(
                "locale {lid} of bot {id} version {v} does not exist"
            ))
        })?;
    let mut out = json!({
        "botId": id, "botVersion": v, "localeId": lid, "localeName": locale_name(&lid),
        "description": l.def.meta.get("description"), "nluIntentConfidenceThreshold": l.def.meta.get("nluConfidenceThreshold"),
        "voiceSettings": l.def.meta.get("voiceSettings"), "intentsCount": l.def.intents.len(), "slotTypesCount": l.def.slot_types.len(),
        "botLocaleStatus": l.status, "creationDateTime": l.updated, "lastUpdatedDateTime": l.updated,
    });
    if let Some(f) = &l.failure {
        out["failureReasons"] = json!([f]);
    }
    Ok(json(200, &out))
}

/// BuildBotLocale.
pub(super) fn build_bot_locale(
    w: &mut World,
    ctx: &Ctx,
    id: String,
    v: String,
    lid: String,
) -> Res {
    if v != "DRAFT" {
        return Err(validation("Only the DRAFT version can be built"));
    }
    let ready_at = w.clock.now() + w.config.lambda_update_delay;
    let b = available_bot(w, ctx, &id)?;
    let l = b
        .versions
        .get_mut("DRAFT")
        .and_then(|d| d.locales.get_mut(&lid))
        .ok_or_else(|| not_found(&format!("locale {lid} of bot {id} does not exist")))?;
    if l.status == "Building" {
        return Err(conflict("The bot locale is already being built."));
    }
    l.status = "Building".into();
    l.ready_at = ready_at;
    l.updated = now();
    Ok(json(
        202,
        &json!({"botId": id, "botVersion": "DRAFT", "localeId": lid, "botLocaleStatus": "Building", "lastBuildSubmittedDateTime": now()}),
    ))
}

/// ListTagsForResource.
pub(super) fn list_tags_for_resource(w: &mut World, ctx: &Ctx, arn: String) -> Res {
    let id = arn.rsplit('/').next().unwrap_or("").to_owned();
    let b = bot(w, ctx, &id)?;
    Ok(json(200, &json!({"tags": b.tags})))
}

/// TagResource.
pub(super) fn tag_resource(w: &mut World, ctx: &Ctx, body: &Value, arn: String) -> Res {
    let id = arn.rsplit('/').next().unwrap_or("").to_owned();
    let tags = body
        .get("tags")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let b = bot(w, ctx, &id)?;
    for (k, v) in tags {
        b.tags.insert(k, v.as_str().unwrap_or_default().to_owned());
    }
    Ok(json(200, &json!({})))
}

/// UntagResource.
pub(super) fn untag_resource(w: &mut World, ctx: &Ctx, req: &Req, arn: String) -> Res {
    let id = arn.rsplit('/').next().unwrap_or("").to_owned();
    let keys = req.query_all("tagKeys");
    if keys.is_empty() {
        return Err(validation("1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: Member must not be null"));
    }
    let b = bot(w, ctx, &id)?;
    for k in keys {
        b.tags.remove(&k);
    }
    Ok(json(200, &json!({})))
}
