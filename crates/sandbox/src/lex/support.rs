//! What every Lex operation shares: its context, errors, lookups and paging.

use super::model::{Bot, LexRegion, Locale};
use crate::http::json_error;
use crate::state::World;
use axum::response::Response;
use rand::Rng;
use serde_json::{json, Value};
use snapdeploy_core::lexjson::LexLocale;

pub(super) type Res = Result<Response, Response>;

/// Lex publishes no model-building TPS; the sandbox enforces 10 calls/s (burst 10) per
/// account + region so that callers must pace and retry as they would against AWS.
pub const LEX_RATE: f64 = 10.0;

pub(super) fn new_id() -> String {
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut rng = rand::rng();
    (0..10)
        .map(|_| CHARS[rng.random_range(0..CHARS.len())] as char)
        .collect()
}

pub(super) fn not_found(msg: &str) -> Response {
    json_error(404, "ResourceNotFoundException", msg)
}

pub(super) fn validation(msg: &str) -> Response {
    json_error(400, "ValidationException", msg)
}

pub(super) fn conflict(msg: &str) -> Response {
    json_error(409, "ConflictException", msg)
}

pub(super) fn precondition(msg: &str) -> Response {
    json_error(412, "PreconditionFailedException", msg)
}

pub(super) fn valid_name(n: &str) -> bool {
    // ^([0-9a-zA-Z][_-]?){1,100}$
    let b = n.as_bytes();
    if b.is_empty() || b.len() > 100 || !b[0].is_ascii_alphanumeric() {
        return false;
    }
    let mut prev_sep = false;
    for &c in &b[1..] {
        if c.is_ascii_alphanumeric() {
            prev_sep = false;
        } else if (c == b'_' || c == b'-') && !prev_sep {
            prev_sep = true;
        } else {
            return false;
        }
    }
    true
}

pub(super) struct Ctx {
    pub(super) account: String,
    pub(super) region: String,
    pub(super) host: String,
}

/// The account's Lex state in the region, without what finished deleting.
pub(super) fn region<'a>(w: &'a mut World, ctx: &Ctx) -> &'a mut LexRegion {
    let now = w.clock.now();
    let r = w
        .lex
        .entry((ctx.account.clone(), ctx.region.clone()))
        .or_default();
    r.bots.retain(|_, b| !b.life.gone(now));
    for b in r.bots.values_mut() {
        b.versions.retain(|_, v| !v.life.gone(now));
        b.aliases.retain(|_, a| !a.life.gone(now));
    }
    r
}

/// A bot that may be changed: not being created or deleted, as AWS refuses.
pub(super) fn available_bot<'a>(
    w: &'a mut World,
    ctx: &Ctx,
    id: &str,
) -> Result<&'a mut Bot, Response> {
    let now = w.clock.now();
    let b = bot(w, ctx, id)?;
    match b.life.status(now, "Creating") {
        "Available" => Ok(b),
        status => Err(precondition(&format!(
            "Bot {id} is in {status} status. Wait until it is Available and try again."
        ))),
    }
}

pub(super) fn bot<'a>(w: &'a mut World, ctx: &Ctx, id: &str) -> Result<&'a mut Bot, Response> {
    let now = w.clock.now();
    let b = region(w, ctx).bots.get_mut(id).ok_or_else(|| {
        not_found(&format!(
            "Failed to retrieve resource since it does not exist: bot {id}"
        ))
    })?;
    for v in b.versions.values_mut() {
        for l in v.locales.values_mut() {
            l.settle(now);
        }
    }
    Ok(b)
}

pub(super) fn locale<'a>(
    w: &'a mut World,
    ctx: &Ctx,
    bot_id: &str,
    version: &str,
    locale_id: &str,
) -> Result<&'a Locale, Response> {
    let b = bot(w, ctx, bot_id)?;
    b.versions
        .get(version)
        .and_then(|v| v.locales.get(locale_id))
        .ok_or_else(|| {
            not_found(&format!(
                "locale {locale_id} of bot {bot_id} version {version} does not exist"
            ))
        })
}

/// The id of an intent, slot or slot type: its export `identifier`, or one derived from its
/// name when an imported file has none (stable, 10 characters like Lex's).
pub(super) fn element_id(v: &Value) -> String {
    if let Some(id) = v.get("identifier").and_then(Value::as_str) {
        return id.to_owned();
    }
    let name: String = v["name"]
        .as_str()
        .unwrap_or("")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    format!("{name:0<10}").chars().take(10).collect()
}

pub(super) fn slot_type_id(def: &LexLocale, slot: &Value) -> String {
    let name = slot["slotTypeName"].as_str().unwrap_or("");
    def.slot_types
        .get(name)
        .map(element_id)
        .unwrap_or_else(|| name.to_owned())
}

pub(super) fn slot_priorities(intent: &Value) -> Value {
    let slots = intent["slots"].as_object();
    json!(intent["slotPriorities"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            let id = slots
                .and_then(|m| m.get(p["slotName"].as_str().unwrap_or("")))
                .map(element_id)
                .unwrap_or_default();
            json!({"priority": p["priority"], "slotId": id})
        })
        .collect::<Vec<_>>())
}

pub(super) fn str_field<'a>(body: &'a Value, k: &str) -> Option<&'a str> {
    body.get(k).and_then(Value::as_str)
}

pub(super) fn page(
    items: Vec<Value>,
    body: &Value,
) -> Result<(Vec<Value>, Option<String>), Response> {
    let max = match body.get("maxResults") {
        None | Some(Value::Null) => 100,
        Some(v) => match v.as_u64() {
            Some(n) if (1..=1000).contains(&n) => n as usize,
            _ => return Err(validation("1 validation error detected: Value at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 1000")),
        },
    };
    let start = match str_field(body, "nextToken") {
        None => 0,
        Some(t) => t
            .strip_prefix("sandbox-token-")
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| validation("The nextToken is not valid"))?,
    };
    let end = (start + max).min(items.len());
    let next = (end < items.len()).then(|| format!("sandbox-token-{end}"));
    Ok((
        items
            .get(start..end)
            .map(|s| s.to_vec())
            .unwrap_or_default(),
        next,
    ))
}
