//! Lex V2 model building (signing name `lex`, REST-JSON, API 2020-08-07): bots, locales with
//! intents, slots and slot types, asynchronous builds, numbered versions (at most 100 per
//! bot), aliases with locale settings and Lambda code hooks, and LexJson export/import
//! through expiring URLs served by the sandbox.
//!
//! A bot version's definition is kept in the shape of the LexJson export, so export and
//! import are a faithful round trip.

use crate::auth::Scope;
use crate::http::{hv, json, json_error, percent_decode, Req};
use crate::state::{Principal, World};
use crate::Sandbox;
use axum::http::Method;
use axum::response::Response;
use rand::Rng;
use serde_json::{json, Value};
use snapdeploy_core::lexjson::{self, locale_name, LexExport, LexLocale};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

type Res = Result<Response, Response>;

/// Lex publishes no model-building TPS; the sandbox enforces 10 calls/s (burst 10) per
/// account + region so that callers must pace and retry as they would against AWS.
pub const LEX_RATE: f64 = 10.0;
pub const MAX_VERSIONS: usize = 100;

#[derive(Default)]
pub struct LexRegion {
    pub bots: BTreeMap<String, Bot>,
}

#[derive(Clone)]
pub struct Locale {
    pub def: LexLocale,
    pub status: String,
    pub ready_at: Instant,
    pub failure: Option<String>,
    pub updated: f64,
}

#[derive(Clone)]
pub struct BotVersion {
    pub description: String,
    pub locales: BTreeMap<String, Locale>,
    pub created: f64,
}

#[derive(Clone)]
pub struct BotAlias {
    pub id: String,
    pub name: String,
    pub version: String,
    pub description: String,
    pub locale_settings: Value,
    pub sentiment: Value,
    pub created: f64,
    pub updated: f64,
}

pub struct Bot {
    pub id: String,
    pub name: String,
    pub description: String,
    pub role_arn: String,
    pub data_privacy: Value,
    pub idle_ttl: i64,
    pub tags: BTreeMap<String, String>,
    pub created: f64,
    pub updated: f64,
    /// "DRAFT" and numbered versions.
    pub versions: BTreeMap<String, BotVersion>,
    pub next_version: u64,
    pub aliases: BTreeMap<String, BotAlias>,
}

pub struct Export {
    pub account: String,
    pub region: String,
    pub bot_id: String,
    pub version: String,
    pub created: f64,
    pub zip: Arc<Vec<u8>>,
}

pub struct Import {
    pub account: String,
    pub region: String,
    pub spec: Value,
    pub merge: String,
    pub status: String,
    pub failure: Vec<String>,
    pub bot_id: Option<String>,
    pub bot_name: String,
    pub created: f64,
    pub ready_at: Instant,
}

fn now() -> f64 {
    chrono::Utc::now().timestamp_millis() as f64 / 1000.0
}

fn new_id() -> String {
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut rng = rand::rng();
    (0..10)
        .map(|_| CHARS[rng.random_range(0..CHARS.len())] as char)
        .collect()
}

fn not_found(msg: &str) -> Response {
    json_error(404, "ResourceNotFoundException", msg)
}
fn validation(msg: &str) -> Response {
    json_error(400, "ValidationException", msg)
}
fn conflict(msg: &str) -> Response {
    json_error(409, "ConflictException", msg)
}
fn precondition(msg: &str) -> Response {
    json_error(412, "PreconditionFailedException", msg)
}

fn valid_name(n: &str) -> bool {
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

impl Locale {
    pub fn new(def: LexLocale) -> Self {
        Self {
            def,
            status: "NotBuilt".into(),
            ready_at: Instant::now(),
            failure: None,
            updated: now(),
        }
    }

    fn settle(&mut self) {
        if self.status == "Building" && Instant::now() >= self.ready_at {
            // Lex refuses to build an intent without sample utterances (FallbackIntent aside).
            let bad = self.def.intents.iter().find(|(n, i)| {
                n.as_str() != "FallbackIntent"
                    && i["sampleUtterances"]
                        .as_array()
                        .is_none_or(|u| u.is_empty())
            });
            match bad {
                Some((name, _)) => {
                    self.status = "Failed".into();
                    self.failure = Some(format!(
                        "Failed to build the bot locale: intent {name} has no sample utterances."
                    ));
                }
                None => {
                    self.status = "Built".into();
                    self.failure = None;
                }
            }
        }
    }
}

enum Route {
    CreateBot,
    ListBots,
    DescribeBot(String),
    UpdateBot(String),
    DeleteBot(String),
    ListBotLocales(String, String),
    DescribeBotLocale(String, String, String),
    BuildBotLocale(String, String, String),
    CreateBotVersion(String),
    ListBotVersions(String),
    DescribeBotVersion(String, String),
    DeleteBotVersion(String, String),
    CreateBotAlias(String),
    ListBotAliases(String),
    DescribeBotAlias(String, String),
    UpdateBotAlias(String, String),
    DeleteBotAlias(String, String),
    CreateExport,
    DescribeExport(String),
    CreateUploadUrl,
    StartImport,
    DescribeImport(String),
    ListTagsForResource(String),
    TagResource(String),
    UntagResource(String),
    ListIntents(String, String, String),
    DescribeIntent(String, String, String, String),
    ListSlots(String, String, String, String),
    DescribeSlot(String, String, String, String, String),
    ListSlotTypes(String, String, String),
    DescribeSlotType(String, String, String, String),
}

impl Route {
    fn name(&self) -> &'static str {
        use Route::*;
        match self {
            CreateBot => "CreateBot",
            ListBots => "ListBots",
            DescribeBot(_) => "DescribeBot",
            UpdateBot(_) => "UpdateBot",
            DeleteBot(_) => "DeleteBot",
            ListBotLocales(..) => "ListBotLocales",
            DescribeBotLocale(..) => "DescribeBotLocale",
            BuildBotLocale(..) => "BuildBotLocale",
            CreateBotVersion(_) => "CreateBotVersion",
            ListBotVersions(_) => "ListBotVersions",
            DescribeBotVersion(..) => "DescribeBotVersion",
            DeleteBotVersion(..) => "DeleteBotVersion",
            CreateBotAlias(_) => "CreateBotAlias",
            ListBotAliases(_) => "ListBotAliases",
            DescribeBotAlias(..) => "DescribeBotAlias",
            UpdateBotAlias(..) => "UpdateBotAlias",
            DeleteBotAlias(..) => "DeleteBotAlias",
            CreateExport => "CreateExport",
            DescribeExport(_) => "DescribeExport",
            CreateUploadUrl => "CreateUploadUrl",
            StartImport => "StartImport",
            DescribeImport(_) => "DescribeImport",
            ListTagsForResource(_) => "ListTagsForResource",
            TagResource(_) => "TagResource",
            UntagResource(_) => "UntagResource",
            ListIntents(..) => "ListIntents",
            DescribeIntent(..) => "DescribeIntent",
            ListSlots(..) => "ListSlots",
            DescribeSlot(..) => "DescribeSlot",
            ListSlotTypes(..) => "ListSlotTypes",
            DescribeSlotType(..) => "DescribeSlotType",
        }
    }
}

fn route(method: &Method, path: &str) -> Option<Route> {
    let segs: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(percent_decode)
        .collect();
    let s: Vec<&str> = segs.iter().map(String::as_str).collect();
    let o = |x: &str| x.to_owned();
    use Route::*;
    Some(match (method.as_str(), s.as_slice()) {
        ("PUT", ["bots"]) => CreateBot,
        ("POST", ["bots"]) => ListBots,
        ("GET", ["bots", b]) => DescribeBot(o(b)),
        ("PUT", ["bots", b]) => UpdateBot(o(b)),
        ("DELETE", ["bots", b]) => DeleteBot(o(b)),
        ("POST", ["bots", b, "botversions", v, "botlocales"]) => ListBotLocales(o(b), o(v)),
        ("GET", ["bots", b, "botversions", v, "botlocales", l]) => {
            DescribeBotLocale(o(b), o(v), o(l))
        }
        ("POST", ["bots", b, "botversions", v, "botlocales", l]) => {
            BuildBotLocale(o(b), o(v), o(l))
        }
        ("PUT", ["bots", b, "botversions"]) => CreateBotVersion(o(b)),
        ("POST", ["bots", b, "botversions"]) => ListBotVersions(o(b)),
        ("GET", ["bots", b, "botversions", v]) => DescribeBotVersion(o(b), o(v)),
        ("DELETE", ["bots", b, "botversions", v]) => DeleteBotVersion(o(b), o(v)),
        ("PUT", ["bots", b, "botaliases"]) => CreateBotAlias(o(b)),
        ("POST", ["bots", b, "botaliases"]) => ListBotAliases(o(b)),
        ("GET", ["bots", b, "botaliases", a]) => DescribeBotAlias(o(b), o(a)),
        ("PUT", ["bots", b, "botaliases", a]) => UpdateBotAlias(o(b), o(a)),
        ("DELETE", ["bots", b, "botaliases", a]) => DeleteBotAlias(o(b), o(a)),
        ("PUT", ["exports"]) => CreateExport,
        ("GET", ["exports", e]) => DescribeExport(o(e)),
        ("POST", ["createuploadurl"]) => CreateUploadUrl,
        ("PUT", ["imports"]) => StartImport,
        ("GET", ["imports", i]) => DescribeImport(o(i)),
        ("POST", ["bots", b, "botversions", v, "botlocales", l, "intents"]) => {
            ListIntents(o(b), o(v), o(l))
        }
        ("GET", ["bots", b, "botversions", v, "botlocales", l, "intents", i]) => {
            DescribeIntent(o(b), o(v), o(l), o(i))
        }
        ("POST", ["bots", b, "botversions", v, "botlocales", l, "intents", i, "slots"]) => {
            ListSlots(o(b), o(v), o(l), o(i))
        }
        ("GET", ["bots", b, "botversions", v, "botlocales", l, "intents", i, "slots", sl]) => {
            DescribeSlot(o(b), o(v), o(l), o(i), o(sl))
        }
        ("POST", ["bots", b, "botversions", v, "botlocales", l, "slottypes"]) => {
            ListSlotTypes(o(b), o(v), o(l))
        }
        ("GET", ["bots", b, "botversions", v, "botlocales", l, "slottypes", t]) => {
            DescribeSlotType(o(b), o(v), o(l), o(t))
        }
        ("GET", ["tags", arn]) => ListTagsForResource(o(arn)),
        ("POST", ["tags", arn]) => TagResource(o(arn)),
        ("DELETE", ["tags", arn]) => UntagResource(o(arn)),
        _ => return None,
    })
}

pub async fn handle(sb: &Sandbox, principal: &Principal, scope: &Scope, req: Req) -> Response {
    let Some(route) = route(&req.method, req.uri.path()) else {
        return json_error(
            404,
            "UnknownOperationException",
            "Unknown operation (sandbox Lex V2 models)",
        );
    };
    let op = route.name();
    let counter = format!("lex:{op}");
    sb.inner.count(&counter, |c| c.calls += 1);
    if let Some(r) = crate::apply_fault(sb, "lex", op, json_error).await {
        return r;
    }
    let mut world = sb.inner.world();
    if world.config.quotas_enabled
        && !world.quotas.take(
            &principal.account_id,
            &scope.region,
            "lex",
            LEX_RATE,
            LEX_RATE,
        )
    {
        drop(world);
        sb.inner.count(&counter, |c| c.throttled += 1);
        let mut r = json_error(429, "ThrottlingException", "Rate exceeded");
        r.headers_mut().insert("retry-after", hv("1"));
        return r;
    }
    let body = match req.json_object() {
        Ok(b) => b,
        Err(e) => return e,
    };
    let ctx = Ctx {
        account: principal.account_id.clone(),
        region: scope.region.clone(),
        host: req.host(),
    };
    run(&mut world, &ctx, route, &req, &body).unwrap_or_else(|e| e)
}

struct Ctx {
    account: String,
    region: String,
    host: String,
}

fn region<'a>(w: &'a mut World, ctx: &Ctx) -> &'a mut LexRegion {
    w.lex
        .entry((ctx.account.clone(), ctx.region.clone()))
        .or_default()
}

fn bot<'a>(w: &'a mut World, ctx: &Ctx, id: &str) -> Result<&'a mut Bot, Response> {
    let b = region(w, ctx).bots.get_mut(id).ok_or_else(|| {
        not_found(&format!(
            "Failed to retrieve resource since it does not exist: bot {id}"
        ))
    })?;
    for v in b.versions.values_mut() {
        for l in v.locales.values_mut() {
            l.settle();
        }
    }
    Ok(b)
}

fn locale<'a>(
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
fn element_id(v: &Value) -> String {
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

fn slot_type_id(def: &LexLocale, slot: &Value) -> String {
    let name = slot["slotTypeName"].as_str().unwrap_or("");
    def.slot_types
        .get(name)
        .map(element_id)
        .unwrap_or_else(|| name.to_owned())
}

fn slot_priorities(intent: &Value) -> Value {
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

fn str_field<'a>(body: &'a Value, k: &str) -> Option<&'a str> {
    body.get(k).and_then(Value::as_str)
}

fn page(items: Vec<Value>, body: &Value) -> Result<(Vec<Value>, Option<String>), Response> {
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

fn validate_bot_fields(body: &Value, creating: bool) -> Result<(), Response> {
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

fn bot_json(b: &Bot, status: &str) -> Value {
    json!({
        "botId": b.id, "botName": b.name, "description": b.description, "roleArn": b.role_arn,
        "dataPrivacy": b.data_privacy, "idleSessionTTLInSeconds": b.idle_ttl, "botStatus": status,
        "botType": "Bot", "creationDateTime": b.created, "lastUpdatedDateTime": b.updated,
    })
}

fn run(w: &mut World, ctx: &Ctx, route: Route, req: &Req, body: &Value) -> Res {
    use Route::*;
    match route {
        CreateBot => {
            validate_bot_fields(body, true)?;
            let name = str_field(body, "botName").unwrap_or_default().to_owned();
            if region(w, ctx).bots.values().any(|b| b.name == name) {
                return Err(precondition(&format!(
                    "Failed to create bot {name}: a bot with that name already exists."
                )));
            }
            let b = new_bot(new_id(), body, &name);
            let out = bot_json(&b, "Creating");
            region(w, ctx).bots.insert(b.id.clone(), b);
            Ok(json(202, &out))
        }
        ListBots => {
            let bots: Vec<Value> = region(w, ctx)
                .bots
                .values()
                .map(|b| {
                    let latest = b.versions.keys().filter_map(|v| v.parse::<u64>().ok()).max().map(|n| n.to_string());
                    json!({"botId": b.id, "botName": b.name, "description": b.description, "botStatus": "Available",
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
        DescribeBot(id) => {
            let b = bot(w, ctx, &id)?;
            Ok(json(200, &bot_json(b, "Available")))
        }
        UpdateBot(id) => {
            validate_bot_fields(body, true)?;
            let b = bot(w, ctx, &id)?;
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
        DeleteBot(id) => {
            bot(w, ctx, &id)?;
            region(w, ctx).bots.remove(&id);
            Ok(json(202, &json!({"botId": id, "botStatus": "Deleting"})))
        }
        ListBotLocales(id, v) => {
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
        DescribeBotLocale(id, v, lid) => {
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
        BuildBotLocale(id, v, lid) => {
            if v != "DRAFT" {
                return Err(validation("Only the DRAFT version can be built"));
            }
            let delay = w.config.lambda_update_delay;
            let b = bot(w, ctx, &id)?;
            let l = b
                .versions
                .get_mut("DRAFT")
                .and_then(|d| d.locales.get_mut(&lid))
                .ok_or_else(|| not_found(&format!("locale {lid} of bot {id} does not exist")))?;
            if l.status == "Building" {
                return Err(conflict("The bot locale is already being built."));
            }
            l.status = "Building".into();
            l.ready_at = Instant::now() + delay;
            l.updated = now();
            Ok(json(
                202,
                &json!({"botId": id, "botVersion": "DRAFT", "localeId": lid, "botLocaleStatus": "Building", "lastBuildSubmittedDateTime": now()}),
            ))
        }
        CreateBotVersion(id) => {
            let spec = body.get("botVersionLocaleSpecification").and_then(Value::as_object).cloned().ok_or_else(|| validation("1 validation error detected: Value null at 'botVersionLocaleSpecification' failed to satisfy constraint: Member must not be null"))?;
            let b = bot(w, ctx, &id)?;
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
                },
            );
            Ok(json(
                202,
                &json!({"botId": id, "botVersion": n, "description": str_field(body, "description"), "botVersionLocaleSpecification": spec, "botStatus": "Versioning", "creationDateTime": created}),
            ))
        }
        ListBotVersions(id) => {
            let b = bot(w, ctx, &id)?;
            let mut items: Vec<(u64, Value)> = b
                .versions
                .iter()
                .map(|(v, ver)| (v.parse::<u64>().unwrap_or(0), json!({"botName": b.name, "botVersion": v, "description": ver.description, "botStatus": "Available", "creationDateTime": ver.created})))
                .collect();
            items.sort_by_key(|(n, _)| *n);
            let (items, next) = page(items.into_iter().map(|(_, v)| v).collect(), body)?;
            Ok(json(
                200,
                &json!({"botId": id, "botVersionSummaries": items, "nextToken": next}),
            ))
        }
        DescribeBotVersion(id, v) => {
            let b = bot(w, ctx, &id)?;
            let ver = b
                .versions
                .get(&v)
                .filter(|_| v != "DRAFT")
                .ok_or_else(|| not_found(&format!("bot {id} version {v} does not exist")))?;
            Ok(json(
                200,
                &json!({"botId": id, "botName": b.name, "botVersion": v, "description": ver.description, "roleArn": b.role_arn,
                "dataPrivacy": b.data_privacy, "idleSessionTTLInSeconds": b.idle_ttl, "botStatus": "Available", "creationDateTime": ver.created, "botType": "Bot"}),
            ))
        }
        DeleteBotVersion(id, v) => {
            let b = bot(w, ctx, &id)?;
            if v == "DRAFT" || !b.versions.contains_key(&v) {
                return Err(not_found(&format!("bot {id} version {v} does not exist")));
            }
            if let Some(a) = b.aliases.values().find(|a| a.version == v) {
                return Err(precondition(&format!(
                    "Version {v} is used by alias {}; point the alias elsewhere first.",
                    a.name
                )));
            }
            b.versions.remove(&v);
            Ok(json(
                202,
                &json!({"botId": id, "botVersion": v, "botStatus": "Deleting"}),
            ))
        }
        CreateBotAlias(id) => {
            let name = str_field(body, "botAliasName").unwrap_or("");
            if !valid_name(name) {
                return Err(validation("1 validation error detected: Value at 'botAliasName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^([0-9a-zA-Z][_-]?){1,100}$"));
            }
            let version = str_field(body, "botVersion").unwrap_or("DRAFT").to_owned();
            let settings = check_alias_settings(body)?;
            let b = bot(w, ctx, &id)?;
            if b.aliases.values().any(|a| a.name == name) {
                return Err(conflict(&format!(
                    "An alias named {name} already exists for bot {id}."
                )));
            }
            if !b.versions.contains_key(&version) {
                return Err(not_found(&format!(
                    "bot {id} version {version} does not exist"
                )));
            }
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
            };
            let out = alias_json(&id, &alias, "Creating");
            b.aliases.insert(alias.id.clone(), alias);
            Ok(json(202, &out))
        }
        ListBotAliases(id) => {
            let b = bot(w, ctx, &id)?;
            let items: Vec<Value> = b.aliases.values().map(|a| json!({"botAliasId": a.id, "botAliasName": a.name, "description": a.description, "botVersion": a.version, "botAliasStatus": "Available", "creationDateTime": a.created, "lastUpdatedDateTime": a.updated})).collect();
            let (items, next) = page(items, body)?;
            Ok(json(
                200,
                &json!({"botId": id, "botAliasSummaries": items, "nextToken": next}),
            ))
        }
        DescribeBotAlias(id, a) => {
            let b = bot(w, ctx, &id)?;
            let alias = b
                .aliases
                .get(&a)
                .ok_or_else(|| not_found(&format!("alias {a} of bot {id} does not exist")))?;
            Ok(json(200, &alias_json(&id, alias, "Available")))
        }
        UpdateBotAlias(id, a) => {
            let name = str_field(body, "botAliasName").unwrap_or("");
            if !valid_name(name) {
                return Err(validation("1 validation error detected: Value at 'botAliasName' failed to satisfy constraint: Member must not be null"));
            }
            let settings = check_alias_settings(body)?;
            let b = bot(w, ctx, &id)?;
            let version = str_field(body, "botVersion").unwrap_or("DRAFT").to_owned();
            if !b.versions.contains_key(&version) {
                return Err(not_found(&format!(
                    "bot {id} version {version} does not exist"
                )));
            }
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
        DeleteBotAlias(id, a) => {
            let b = bot(w, ctx, &id)?;
            b.aliases
                .remove(&a)
                .ok_or_else(|| not_found(&format!("alias {a} of bot {id} does not exist")))?;
            Ok(json(
                202,
                &json!({"botAliasId": a, "botId": id, "botAliasStatus": "Deleting"}),
            ))
        }
        ListIntents(b, v, l) => {
            let loc = locale(w, ctx, &b, &v, &l)?;
            let items: Vec<Value> = loc.def.intents.values().map(|i| json!({"intentId": element_id(i), "intentName": i["name"], "description": i.get("description"), "parentIntentSignature": i.get("parentIntentSignature"), "lastUpdatedDateTime": loc.updated})).collect();
            let (items, next) = page(items, body)?;
            Ok(json(
                200,
                &json!({"botId": b, "botVersion": v, "localeId": l, "intentSummaries": items, "nextToken": next}),
            ))
        }
        DescribeIntent(b, v, l, i) => {
            let loc = locale(w, ctx, &b, &v, &l)?;
            let intent = loc
                .def
                .intents
                .values()
                .find(|x| element_id(x) == i)
                .ok_or_else(|| not_found(&format!("intent {i} does not exist")))?;
            Ok(json(
                200,
                &json!({"intentId": i, "intentName": intent["name"], "description": intent.get("description"), "parentIntentSignature": intent.get("parentIntentSignature"),
                "sampleUtterances": intent.get("sampleUtterances"), "fulfillmentCodeHook": intent.get("fulfillmentCodeHook"), "dialogCodeHook": intent.get("dialogCodeHook"),
                "slotPriorities": slot_priorities(intent), "botId": b, "botVersion": v, "localeId": l, "creationDateTime": loc.updated, "lastUpdatedDateTime": loc.updated}),
            ))
        }
        ListSlots(b, v, l, i) => {
            let loc = locale(w, ctx, &b, &v, &l)?;
            let intent = loc
                .def
                .intents
                .values()
                .find(|x| element_id(x) == i)
                .ok_or_else(|| not_found(&format!("intent {i} does not exist")))?;
            let items: Vec<Value> = intent["slots"].as_object().into_iter().flatten().map(|(_, sl)| json!({"slotId": element_id(sl), "slotName": sl["name"], "description": sl.get("description"),
                "slotConstraint": sl["valueElicitationSetting"].get("slotConstraint"), "slotTypeId": slot_type_id(&loc.def, sl), "lastUpdatedDateTime": loc.updated})).collect();
            let (items, next) = page(items, body)?;
            Ok(json(
                200,
                &json!({"botId": b, "botVersion": v, "localeId": l, "intentId": i, "slotSummaries": items, "nextToken": next}),
            ))
        }
        DescribeSlot(b, v, l, i, sid) => {
            let loc = locale(w, ctx, &b, &v, &l)?;
            let intent = loc
                .def
                .intents
                .values()
                .find(|x| element_id(x) == i)
                .ok_or_else(|| not_found(&format!("intent {i} does not exist")))?;
            let sl = intent["slots"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(_, s)| s)
                .find(|s| element_id(s) == sid)
                .ok_or_else(|| not_found(&format!("slot {sid} does not exist")))?;
            Ok(json(
                200,
                &json!({"slotId": sid, "slotName": sl["name"], "description": sl.get("description"), "slotTypeId": slot_type_id(&loc.def, sl),
                "valueElicitationSetting": sl.get("valueElicitationSetting"), "botId": b, "botVersion": v, "localeId": l, "intentId": i, "creationDateTime": loc.updated, "lastUpdatedDateTime": loc.updated}),
            ))
        }
        ListSlotTypes(b, v, l) => {
            let loc = locale(w, ctx, &b, &v, &l)?;
            let items: Vec<Value> = loc.def.slot_types.values().map(|t| json!({"slotTypeId": element_id(t), "slotTypeName": t["name"], "description": t.get("description"), "slotTypeCategory": "Custom", "lastUpdatedDateTime": loc.updated})).collect();
            let (items, next) = page(items, body)?;
            Ok(json(
                200,
                &json!({"botId": b, "botVersion": v, "localeId": l, "slotTypeSummaries": items, "nextToken": next}),
            ))
        }
        DescribeSlotType(b, v, l, t) => {
            let loc = locale(w, ctx, &b, &v, &l)?;
            let st = loc
                .def
                .slot_types
                .values()
                .find(|x| element_id(x) == t)
                .ok_or_else(|| not_found(&format!("slot type {t} does not exist")))?;
            Ok(json(
                200,
                &json!({"slotTypeId": t, "slotTypeName": st["name"], "description": st.get("description"), "slotTypeValues": st.get("slotTypeValues"),
                "valueSelectionSetting": st.get("valueSelectionSetting"), "botId": b, "botVersion": v, "localeId": l, "creationDateTime": loc.updated, "lastUpdatedDateTime": loc.updated}),
            ))
        }
        CreateExport => create_export(w, ctx, body),
        DescribeExport(e) => {
            let ex = w
                .lex_exports
                .get(&e)
                .filter(|x| x.account == ctx.account && x.region == ctx.region)
                .ok_or_else(|| not_found(&format!("export {e} does not exist")))?;
            let (zip, bot_id, version, created) = (
                ex.zip.clone(),
                ex.bot_id.clone(),
                ex.version.clone(),
                ex.created,
            );
            let path = w.add_download(zip, "application/zip");
            Ok(json(
                200,
                &json!({"exportId": e, "resourceSpecification": {"botExportSpecification": {"botId": bot_id, "botVersion": version}},
                "fileFormat": "LexJson", "exportStatus": "Completed", "downloadUrl": format!("http://{}{path}", ctx.host), "creationDateTime": created, "lastUpdatedDateTime": created}),
            ))
        }
        CreateUploadUrl => {
            let id = new_id();
            let path = w.add_upload(&id);
            Ok(json(
                200,
                &json!({"importId": id, "uploadUrl": format!("http://{}{path}", ctx.host)}),
            ))
        }
        StartImport => start_import(w, ctx, body),
        DescribeImport(i) => {
            settle_import(w, &i);
            let im = w
                .lex_imports
                .get(&i)
                .filter(|x| x.account == ctx.account && x.region == ctx.region)
                .ok_or_else(|| not_found(&format!("import {i} does not exist")))?;
            Ok(json(
                200,
                &json!({"importId": i, "resourceSpecification": im.spec, "importedResourceId": im.bot_id, "importedResourceName": im.bot_name,
                "mergeStrategy": im.merge, "importStatus": im.status, "failureReasons": im.failure, "creationDateTime": im.created, "lastUpdatedDateTime": im.created}),
            ))
        }
        ListTagsForResource(arn) => {
            let id = arn.rsplit('/').next().unwrap_or("").to_owned();
            let b = bot(w, ctx, &id)?;
            Ok(json(200, &json!({"tags": b.tags})))
        }
        TagResource(arn) => {
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
        UntagResource(arn) => {
            let id = arn.rsplit('/').next().unwrap_or("").to_owned();
            let keys: Vec<String> = req
                .query()
                .into_iter()
                .filter(|(k, _)| k == "tagKeys")
                .map(|(_, v)| v)
                .collect();
            if keys.is_empty() {
                return Err(validation("1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: Member must not be null"));
            }
            let b = bot(w, ctx, &id)?;
            for k in keys {
                b.tags.remove(&k);
            }
            Ok(json(200, &json!({})))
        }
    }
}

fn new_bot(id: String, body: &Value, name: &str) -> Bot {
    let t = now();
    let mut versions = BTreeMap::new();
    versions.insert(
        "DRAFT".to_owned(),
        BotVersion {
            description: String::new(),
            locales: BTreeMap::new(),
            created: t,
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
    }
}

fn check_alias_settings(body: &Value) -> Result<Value, Response> {
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

fn alias_json(bot_id: &str, a: &BotAlias, status: &str) -> Value {
    json!({"botAliasId": a.id, "botAliasName": a.name, "description": a.description, "botVersion": a.version,
           "botAliasLocaleSettings": a.locale_settings, "sentimentAnalysisSettings": a.sentiment,
           "botAliasStatus": status, "botId": bot_id, "creationDateTime": a.created, "lastUpdatedDateTime": a.updated})
}

// ---------- LexJson export and import ----------

/// The LexJson zip of one bot version.
fn export_zip(b: &Bot, version: &str) -> Option<Vec<u8>> {
    let ver = b.versions.get(version)?;
    let export = LexExport {
        bot: json!({"name": b.name, "version": version, "description": b.description, "identifier": b.id,
                    "dataPrivacy": b.data_privacy, "idleSessionTTLInSeconds": b.idle_ttl}),
        locales: ver
            .locales
            .iter()
            .map(|(id, l)| (id.clone(), l.def.clone()))
            .collect(),
    };
    Some(lexjson::build(&b.name, &export))
}

fn create_export(w: &mut World, ctx: &Ctx, body: &Value) -> Res {
    if str_field(body, "fileFormat") != Some("LexJson") {
        return Err(validation(
            "The sandbox exports bots in the LexJson file format only",
        ));
    }
    let spec = &body["resourceSpecification"]["botExportSpecification"];
    let (Some(id), Some(version)) = (str_field(spec, "botId"), str_field(spec, "botVersion"))
    else {
        return Err(validation("1 validation error detected: Value null at 'resourceSpecification.botExportSpecification' failed to satisfy constraint: Member must not be null"));
    };
    let b = bot(w, ctx, id)?;
    let zip = export_zip(b, version)
        .ok_or_else(|| not_found(&format!("bot {id} version {version} does not exist")))?;
    let export_id = new_id();
    let created = now();
    w.lex_exports.insert(
        export_id.clone(),
        Export {
            account: ctx.account.clone(),
            region: ctx.region.clone(),
            bot_id: id.into(),
            version: version.into(),
            created,
            zip: Arc::new(zip),
        },
    );
    Ok(json(
        202,
        &json!({"exportId": export_id, "resourceSpecification": body["resourceSpecification"], "fileFormat": "LexJson", "exportStatus": "InProgress", "creationDateTime": created}),
    ))
}

fn start_import(w: &mut World, ctx: &Ctx, body: &Value) -> Res {
    let id = str_field(body, "importId").unwrap_or("").to_owned();
    let merge = str_field(body, "mergeStrategy").unwrap_or("");
    if !["Overwrite", "FailOnConflict", "Append"].contains(&merge) {
        return Err(validation("1 validation error detected: Value at 'mergeStrategy' failed to satisfy constraint: Member must satisfy enum value set: [Overwrite, FailOnConflict, Append]"));
    }
    let spec = body["resourceSpecification"]["botImportSpecification"].clone();
    validate_bot_fields(
        &json!({"botName": spec["botName"], "roleArn": spec["roleArn"], "dataPrivacy": spec["dataPrivacy"], "idleSessionTTLInSeconds": spec.get("idleSessionTTLInSeconds").cloned().unwrap_or(json!(300))}),
        true,
    )?;
    let bytes = w.lex_uploads.remove(&id).ok_or_else(|| {
        not_found(&format!(
            "no upload for import {id}: PUT the zip to the upload URL first"
        ))
    })?;
    let delay = w.config.lambda_update_delay;
    let bot_name = str_field(&spec, "botName").unwrap_or_default().to_owned();
    let created = now();
    let mut import = Import {
        account: ctx.account.clone(),
        region: ctx.region.clone(),
        spec: body["resourceSpecification"].clone(),
        merge: merge.into(),
        status: "InProgress".into(),
        failure: vec![],
        bot_id: None,
        bot_name: bot_name.clone(),
        created,
        ready_at: Instant::now() + delay,
    };
    // The work happens now; DescribeImport reports it once the delay has passed.
    match lexjson::parse(&bytes) {
        Err(e) => {
            import.failure = vec![format!(
                "The import file is not a valid LexJson export: {e}"
            )]
        }
        Ok(parsed) => {
            let existing = region(w, ctx)
                .bots
                .values()
                .find(|b| b.name == bot_name)
                .map(|b| b.id.clone());
            if existing.is_some() && merge == "FailOnConflict" {
                import.failure = vec![format!("bot {bot_name} already exists")];
            } else {
                let bot_id = match existing {
                    Some(id) => id,
                    None => {
                        let b = new_bot(
                            new_id(),
                            &json!({"roleArn": spec["roleArn"], "dataPrivacy": spec["dataPrivacy"], "idleSessionTTLInSeconds": spec["idleSessionTTLInSeconds"], "botTags": spec["botTags"], "description": parsed.bot["description"]}),
                            &bot_name,
                        );
                        let id = b.id.clone();
                        region(w, ctx).bots.insert(id.clone(), b);
                        id
                    }
                };
                let b = region(w, ctx)
                    .bots
                    .get_mut(&bot_id)
                    .expect("inserted above");
                b.role_arn = str_field(&spec, "roleArn")
                    .unwrap_or(&b.role_arn)
                    .to_owned();
                b.description = parsed.bot["description"].as_str().unwrap_or("").to_owned();
                if let Some(t) = parsed.bot["idleSessionTTLInSeconds"].as_i64() {
                    b.idle_ttl = t;
                }
                b.updated = now();
                let draft = b.versions.get_mut("DRAFT").expect("every bot has a DRAFT");
                // Overwrite replaces the draft's locales with the imported ones; all need a build.
                draft.locales = parsed
                    .locales
                    .into_iter()
                    .map(|(id, def)| (id, Locale::new(def)))
                    .collect();
                import.bot_id = Some(bot_id);
            }
        }
    }
    let out = json!({"importId": id, "resourceSpecification": import.spec, "mergeStrategy": merge, "importStatus": "InProgress", "creationDateTime": created});
    w.lex_imports.insert(id, import);
    Ok(json(202, &out))
}

fn settle_import(w: &mut World, id: &str) {
    if let Some(im) = w.lex_imports.get_mut(id) {
        if im.status == "InProgress" && Instant::now() >= im.ready_at {
            im.status = if im.failure.is_empty() {
                "Completed"
            } else {
                "Failed"
            }
            .into();
        }
    }
}

/// Seeds a bot with its DRAFT locales, built, plus versions and aliases; returns its id.
pub fn seed_bot(
    w: &mut World,
    account: &str,
    region_name: &str,
    id: &str,
    name: &str,
    role_arn: &str,
    locales: BTreeMap<String, Locale>,
) -> String {
    let ctx = Ctx {
        account: account.into(),
        region: region_name.into(),
        host: String::new(),
    };
    let mut b = new_bot(
        id.into(),
        &json!({"roleArn": role_arn, "dataPrivacy": {"childDirected": false}, "idleSessionTTLInSeconds": 300, "description": "Takes and tracks orders over voice and chat"}),
        name,
    );
    let mut locales = locales;
    for l in locales.values_mut() {
        l.status = "Built".into();
    }
    b.versions.get_mut("DRAFT").expect("draft").locales = locales;
    let id = b.id.clone();
    region(w, &ctx).bots.insert(id.clone(), b);
    id
}

pub fn seed_version(
    w: &mut World,
    account: &str,
    region_name: &str,
    bot_id: &str,
    description: &str,
) -> Option<String> {
    let b = w
        .lex
        .get_mut(&(account.into(), region_name.into()))?
        .bots
        .get_mut(bot_id)?;
    let draft = b.versions.get("DRAFT")?.clone();
    let n = b.next_version.to_string();
    b.next_version += 1;
    b.versions.insert(
        n.clone(),
        BotVersion {
            description: description.into(),
            locales: draft.locales,
            created: now(),
        },
    );
    Some(n)
}

#[allow(clippy::too_many_arguments)]
pub fn seed_alias(
    w: &mut World,
    account: &str,
    region_name: &str,
    bot_id: &str,
    alias_id: &str,
    name: &str,
    version: &str,
    locale_settings: Value,
) {
    if let Some(b) = w
        .lex
        .get_mut(&(account.into(), region_name.into()))
        .and_then(|r| r.bots.get_mut(bot_id))
    {
        let t = now();
        let id = alias_id.to_owned();
        b.aliases.insert(
            id.clone(),
            BotAlias {
                id,
                name: name.into(),
                version: version.into(),
                description: String::new(),
                locale_settings,
                sentiment: Value::Null,
                created: t,
                updated: t,
            },
        );
    }
}
