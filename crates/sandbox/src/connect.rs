//! Amazon Connect (REST-JSON, API 2017-08-08): instances and, per instance, contact flows and
//! flow modules (SAVED / PUBLISHED, content checked as flow language), queues, hours of
//! operation, prompts with audio (GetPromptFile pre-signed URL; CreatePrompt takes one),
//! routing profiles (queue associations at most 10 per call), quick connects (at most 50 per
//! queue association call), Lambda and Lex V2 associations, the List* and Search* calls, and
//! Connect's default quota of 2 requests/s with a burst of 5 per account + region.

use crate::auth::Scope;
use crate::http::{hv, json, json_error, percent_decode, Req};
use crate::state::{Principal, World};
use crate::Sandbox;
use axum::http::Method;
use axum::response::Response;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::sync::Arc;

type Res = Result<Response, Response>;

pub const CONNECT_RATE: f64 = 2.0;
pub const CONNECT_BURST: f64 = 5.0;

/// The kinds of instance resource that share create / describe / list / search behaviour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Flow,
    Module,
    Queue,
    Hours,
    Prompt,
    RoutingProfile,
    QuickConnect,
}

impl Kind {
    /// (path, summary path, search path, ARN segment)
    fn paths(self) -> (&'static str, &'static str, &'static str, &'static str) {
        match self {
            Kind::Flow => (
                "contact-flows",
                "contact-flows-summary",
                "search-contact-flows",
                "contact-flow",
            ),
            Kind::Module => (
                "contact-flow-modules",
                "contact-flow-modules-summary",
                "search-contact-flow-modules",
                "flow-module",
            ),
            Kind::Queue => ("queues", "queues-summary", "search-queues", "queue"),
            Kind::Hours => (
                "hours-of-operations",
                "hours-of-operations-summary",
                "search-hours-of-operations",
                "operating-hours",
            ),
            Kind::Prompt => ("prompts", "prompts-summary", "search-prompts", "prompt"),
            Kind::RoutingProfile => (
                "routing-profiles",
                "routing-profiles-summary",
                "search-routing-profiles",
                "routing-profile",
            ),
            Kind::QuickConnect => (
                "quick-connects",
                "quick-connects",
                "search-quick-connects",
                "transfer-destination",
            ),
        }
    }

    /// (describe key, list key, search key, id field, arn field)
    fn keys(
        self,
    ) -> (
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
    ) {
        match self {
            Kind::Flow => (
                "ContactFlow",
                "ContactFlowSummaryList",
                "ContactFlows",
                "Id",
                "Arn",
            ),
            Kind::Module => (
                "ContactFlowModule",
                "ContactFlowModulesSummaryList",
                "ContactFlowModules",
                "Id",
                "Arn",
            ),
            Kind::Queue => ("Queue", "QueueSummaryList", "Queues", "QueueId", "QueueArn"),
            Kind::Hours => (
                "HoursOfOperation",
                "HoursOfOperationSummaryList",
                "HoursOfOperations",
                "HoursOfOperationId",
                "HoursOfOperationArn",
            ),
            Kind::Prompt => (
                "Prompt",
                "PromptSummaryList",
                "Prompts",
                "PromptId",
                "PromptARN",
            ),
            Kind::RoutingProfile => (
                "RoutingProfile",
                "RoutingProfileSummaryList",
                "RoutingProfiles",
                "RoutingProfileId",
                "RoutingProfileArn",
            ),
            Kind::QuickConnect => (
                "QuickConnect",
                "QuickConnectSummaryList",
                "QuickConnects",
                "QuickConnectId",
                "QuickConnectARN",
            ),
        }
    }

    /// What Create* answers: (id key, arn key).
    fn created_keys(self) -> (&'static str, &'static str) {
        match self {
            Kind::Flow => ("ContactFlowId", "ContactFlowArn"),
            Kind::Module => ("Id", "Arn"),
            Kind::Queue => ("QueueId", "QueueArn"),
            Kind::Hours => ("HoursOfOperationId", "HoursOfOperationArn"),
            Kind::Prompt => ("PromptId", "PromptARN"),
            Kind::RoutingProfile => ("RoutingProfileId", "RoutingProfileArn"),
            Kind::QuickConnect => ("QuickConnectId", "QuickConnectARN"),
        }
    }

    fn label(self) -> &'static str {
        match self {
            Kind::Flow => "ContactFlow",
            Kind::Module => "ContactFlowModule",
            Kind::Queue => "Queue",
            Kind::Hours => "HoursOfOperation",
            Kind::Prompt => "Prompt",
            Kind::RoutingProfile => "RoutingProfile",
            Kind::QuickConnect => "QuickConnect",
        }
    }

    fn all() -> [Kind; 7] {
        [
            Kind::Flow,
            Kind::Module,
            Kind::Queue,
            Kind::Hours,
            Kind::Prompt,
            Kind::RoutingProfile,
            Kind::QuickConnect,
        ]
    }
}

#[derive(Clone)]
pub struct Instance {
    pub id: String,
    pub alias: String,
    pub created: f64,
    /// Resources by kind, then by id, in the shape Describe* returns them.
    pub items: BTreeMap<Kind, BTreeMap<String, Map<String, Value>>>,
    /// Saved-but-unpublished flow content by flow id.
    pub saved: BTreeMap<String, String>,
    pub prompt_audio: BTreeMap<String, Arc<Vec<u8>>>,
    /// Routing profile id -> queue configs.
    pub profile_queues: BTreeMap<String, Vec<Value>>,
    /// Queue id -> quick connect ids.
    pub queue_quick_connects: BTreeMap<String, Vec<String>>,
    pub lambda_functions: Vec<String>,
    pub lex_bots: Vec<String>,
}

#[derive(Default)]
pub struct ConnectRegion {
    pub instances: BTreeMap<String, Instance>,
}

fn now() -> f64 {
    chrono::Utc::now().timestamp_millis() as f64 / 1000.0
}

fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Connect's error bodies carry `Message` (capital M).
fn err(status: u16, code: &str, message: &str) -> Response {
    let mut r = json(
        status,
        &json!({"Message": message, "message": message, "__type": code}),
    );
    r.headers_mut().insert("x-amzn-errortype", hv(code));
    r
}
fn not_found(m: &str) -> Response {
    err(404, "ResourceNotFoundException", m)
}
fn invalid_param(m: &str) -> Response {
    err(400, "InvalidParameterException", m)
}
fn invalid_request(m: &str) -> Response {
    err(400, "InvalidRequestException", m)
}

pub struct Ctx {
    pub account: String,
    pub region: String,
    pub host: String,
}

impl Ctx {
    fn instance_arn(&self, id: &str) -> String {
        format!(
            "arn:aws:connect:{}:{}:instance/{id}",
            self.region, self.account
        )
    }
    fn arn(&self, instance: &str, kind: Kind, id: &str) -> String {
        format!("{}/{}/{id}", self.instance_arn(instance), kind.paths().3)
    }
}

enum Route {
    ListInstances,
    DescribeInstance(String),
    Create(Kind, String),
    Describe(Kind, String, String),
    List(Kind, String),
    Search(Kind),
    Delete(Kind, String, String),
    UpdateContent(Kind, String, String),
    UpdateMetadata(Kind, String, String),
    GetPromptFile(String, String),
    AssociateRoutingProfileQueues(String, String),
    ListRoutingProfileQueues(String, String),
    AssociateQueueQuickConnects(String, String),
    ListQueueQuickConnects(String, String),
    AssociateLambdaFunction(String),
    ListLambdaFunctions(String),
    AssociateBot(String),
    ListBots(String),
    /// Update* calls: (kind, instance, id, aspect) — `aspect` is the last path segment of
    /// UpdateQueueName (`name`), UpdateRoutingProfileQueues (`queues`), … or none.
    Update(Kind, String, String, Option<String>),
    TagResource(String),
    UntagResource(String),
    DisassociateLambdaFunction(String),
    DisassociateBot(String),
}

impl Route {
    fn name(&self) -> String {
        use Route::*;
        let k = |k: &Kind| k.label();
        match self {
            ListInstances => "ListInstances".into(),
            DescribeInstance(_) => "DescribeInstance".into(),
            Create(kd, _) => format!("Create{}", k(kd)),
            Describe(kd, ..) => format!("Describe{}", k(kd)),
            List(Kind::Flow, _) => "ListContactFlows".into(),
            List(Kind::Module, _) => "ListContactFlowModules".into(),
            List(Kind::Hours, _) => "ListHoursOfOperations".into(),
            List(kd, _) => format!("List{}s", k(kd)),
            Search(Kind::Hours) => "SearchHoursOfOperations".into(),
            Search(Kind::Flow) => "SearchContactFlows".into(),
            Search(Kind::Module) => "SearchContactFlowModules".into(),
            Search(kd) => format!("Search{}s", k(kd)),
            Delete(kd, ..) => format!("Delete{}", k(kd)),
            UpdateContent(kd, ..) => format!("Update{}Content", k(kd)),
            UpdateMetadata(kd, ..) => format!("Update{}Metadata", k(kd)),
            GetPromptFile(..) => "GetPromptFile".into(),
            AssociateRoutingProfileQueues(..) => "AssociateRoutingProfileQueues".into(),
            ListRoutingProfileQueues(..) => "ListRoutingProfileQueues".into(),
            AssociateQueueQuickConnects(..) => "AssociateQueueQuickConnects".into(),
            ListQueueQuickConnects(..) => "ListQueueQuickConnects".into(),
            AssociateLambdaFunction(_) => "AssociateLambdaFunction".into(),
            ListLambdaFunctions(_) => "ListLambdaFunctions".into(),
            AssociateBot(_) => "AssociateBot".into(),
            ListBots(_) => "ListBots".into(),
            Update(kd, _, _, aspect) => match (kd, aspect.as_deref()) {
                (Kind::Queue, Some("disassociate-quick-connects")) => {
                    "DisassociateQueueQuickConnects".into()
                }
                (Kind::RoutingProfile, Some("disassociate-queues")) => {
                    "DisassociateRoutingProfileQueues".into()
                }
                (_, None) => format!("Update{}", k(kd)),
                (_, Some(a)) => {
                    let camel: String = a
                        .split('-')
                        .map(|w| {
                            let mut c = w.chars();
                            c.next()
                                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                                .unwrap_or_default()
                        })
                        .collect();
                    format!("Update{}{}", k(kd), camel)
                }
            },
            TagResource(_) => "TagResource".into(),
            UntagResource(_) => "UntagResource".into(),
            DisassociateLambdaFunction(_) => "DisassociateLambdaFunction".into(),
            DisassociateBot(_) => "DisassociateBot".into(),
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
    let by_path = |p: &str| Kind::all().into_iter().find(|k| k.paths().0 == p);
    let by_summary = |p: &str| Kind::all().into_iter().find(|k| k.paths().1 == p);
    let by_search = |p: &str| Kind::all().into_iter().find(|k| k.paths().2 == p);
    Some(match (method.as_str(), s.as_slice()) {
        ("GET", ["instance"]) => ListInstances,
        ("GET", ["instance", i]) => DescribeInstance(o(i)),
        ("PUT", ["instance", i, "lambda-function"]) => AssociateLambdaFunction(o(i)),
        ("GET", ["instance", i, "lambda-functions"]) => ListLambdaFunctions(o(i)),
        ("PUT", ["instance", i, "bot"]) => AssociateBot(o(i)),
        ("POST", ["instance", i, "bot"]) => DisassociateBot(o(i)),
        ("DELETE", ["instance", i, "lambda-function"]) => DisassociateLambdaFunction(o(i)),
        ("POST", ["tags", arn]) => TagResource(o(arn)),
        ("DELETE", ["tags", arn]) => UntagResource(o(arn)),
        ("GET", ["instance", i, "bots"]) => ListBots(o(i)),
        ("GET", ["prompts", i, p, "file"]) => GetPromptFile(o(i), o(p)),
        ("POST", ["routing-profiles", i, r, "associate-queues"]) => {
            AssociateRoutingProfileQueues(o(i), o(r))
        }
        ("GET", ["routing-profiles", i, r, "queues"]) => ListRoutingProfileQueues(o(i), o(r)),
        ("POST", ["queues", i, q, "associate-quick-connects"]) => {
            AssociateQueueQuickConnects(o(i), o(q))
        }
        ("GET", ["queues", i, q, "quick-connects"]) => ListQueueQuickConnects(o(i), o(q)),
        ("POST", [p, i, id, "content"]) if by_path(p).is_some() => {
            UpdateContent(by_path(p)?, o(i), o(id))
        }
        ("POST", [p, i, id, "metadata"]) if by_path(p).is_some() => {
            UpdateMetadata(by_path(p)?, o(i), o(id))
        }
        ("POST", [p, i, id, aspect]) if by_path(p).is_some() => {
            Update(by_path(p)?, o(i), o(id), Some(o(aspect)))
        }
        ("POST", [p, i, id]) if by_path(p).is_some() => Update(by_path(p)?, o(i), o(id), None),
        // ListQuickConnects shares its path with the resource path.
        ("GET", ["quick-connects", i]) => List(Kind::QuickConnect, o(i)),
        ("PUT", [p, i]) if by_path(p).is_some() => Create(by_path(p)?, o(i)),
        ("GET", [p, i, id]) if by_path(p).is_some() => Describe(by_path(p)?, o(i), o(id)),
        ("DELETE", [p, i, id]) if by_path(p).is_some() => Delete(by_path(p)?, o(i), o(id)),
        ("GET", [p, i]) if by_summary(p).is_some() => List(by_summary(p)?, o(i)),
        ("POST", [p]) if by_search(p).is_some() => Search(by_search(p)?),
        _ => return None,
    })
}

pub async fn handle(sb: &Sandbox, principal: &Principal, scope: &Scope, req: Req) -> Response {
    let Some(route) = route(&req.method, req.uri.path()) else {
        return json_error(
            404,
            "UnknownOperationException",
            "Unknown operation (sandbox Connect)",
        );
    };
    let op = route.name();
    let counter = format!("connect:{op}");
    sb.inner.count(&counter, |c| c.calls += 1);
    if let Some(r) = crate::apply_fault(sb, "connect", &op, err).await {
        return r;
    }
    let mut body = match req.json_object() {
        Ok(b) => b,
        Err(e) => return e,
    };
    let local_audio = match local_prompt_audio(&body).await {
        Ok(a) => a,
        Err(e) => return e,
    };
    let mut world = sb.inner.world();
    if world.config.quotas_enabled
        && !world.quotas.take(
            &principal.account_id,
            &scope.region,
            "connect",
            CONNECT_RATE,
            CONNECT_BURST,
        )
    {
        drop(world);
        sb.inner.count(&counter, |c| c.throttled += 1);
        return err(429, "ThrottlingException", "Rate exceeded");
    }
    if let Some(bytes) = local_audio {
        // From here on the audio is what any other S3Uri the sandbox serves would be.
        body["S3Uri"] = json!(world.add_download(Arc::new(bytes), "audio/wav"));
    }
    let ctx = Ctx {
        account: principal.account_id.clone(),
        region: scope.region.clone(),
        host: req.host(),
    };
    run(&mut world, &ctx, route, &req, &body).unwrap_or_else(|e| e)
}

/// Prompt audio given as a `file://` URL of a SnapDeploy blob (what its folder store hands
/// out in demo mode, where the real service would get a pre-signed S3 URL). Only files laid
/// out as blobs (`.../blobs/sha256/<hex>`) whose bytes hash to their name are read, so the
/// sandbox cannot be used to read other files.
async fn local_prompt_audio(body: &Value) -> Result<Option<Vec<u8>>, Response> {
    let Some(path) = s(body, "S3Uri").and_then(|u| u.strip_prefix("file://")) else {
        return Ok(None);
    };
    let refused = || invalid_param("S3Uri: a file:// URL must name a SnapDeploy blob");
    let digest = path
        .rsplit_once("/blobs/sha256/")
        .map(|(_, d)| d)
        .filter(|d| d.len() == 64 && d.bytes().all(|b| b.is_ascii_hexdigit()))
        .ok_or_else(refused)?;
    let bytes = tokio::fs::read(path).await.map_err(|_| refused())?;
    if hex::encode(Sha256::digest(&bytes)) != digest {
        return Err(refused());
    }
    Ok(Some(bytes))
}

fn region<'a>(w: &'a mut World, ctx: &Ctx) -> &'a mut ConnectRegion {
    w.connect
        .entry((ctx.account.clone(), ctx.region.clone()))
        .or_default()
}

fn instance<'a>(w: &'a mut World, ctx: &Ctx, id: &str) -> Result<&'a mut Instance, Response> {
    region(w, ctx)
        .instances
        .get_mut(id)
        .ok_or_else(|| not_found(&format!("Instance {id} not found")))
}

/// Pages of at most `max` (1..=limit, default 100), with opaque tokens.
fn page(
    items: Vec<Value>,
    max: Option<i64>,
    limit: i64,
    token: Option<&str>,
) -> Result<(Vec<Value>, Option<String>), Response> {
    let max = match max {
        None => 100.min(limit) as usize,
        Some(n) if (1..=limit).contains(&n) => n as usize,
        Some(_) => {
            return Err(invalid_param(&format!(
                "MaxResults must be between 1 and {limit}"
            )))
        }
    };
    let start = match token {
        None => 0,
        Some(t) => t
            .strip_prefix("sandbox-connect-")
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| invalid_param("The NextToken is not valid"))?,
    };
    let end = (start + max).min(items.len());
    Ok((
        items
            .get(start..end)
            .map(|s| s.to_vec())
            .unwrap_or_default(),
        (end < items.len()).then(|| format!("sandbox-connect-{end}")),
    ))
}

fn query_num(req: &Req, key: &str) -> Result<Option<i64>, Response> {
    match req.query_one(key) {
        None => Ok(None),
        Some(v) => v
            .parse()
            .map(Some)
            .map_err(|_| invalid_param(&format!("{key} must be a number"))),
    }
}

fn s<'a>(body: &'a Value, k: &str) -> Option<&'a str> {
    body.get(k).and_then(Value::as_str)
}

fn required<'a>(body: &'a Value, k: &str) -> Result<&'a str, Response> {
    s(body, k)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| invalid_param(&format!("{k} is required")))
}

fn sha(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// Checks flow-language content; when publishing, every Connect ARN it names must exist
/// in the instance (as Connect refuses to publish a flow with dangling references).
pub fn check_flow_content(
    inst: &Instance,
    ctx: &Ctx,
    content: &str,
    publish: bool,
) -> Result<(), Response> {
    let problem = |m: String| {
        let mut r = json(
            400,
            &json!({"problems": [{"message": m}], "__type": "InvalidContactFlowException"}),
        );
        r.headers_mut()
            .insert("x-amzn-errortype", hv("InvalidContactFlowException"));
        r
    };
    let doc: Value = serde_json::from_str(content)
        .map_err(|e| problem(format!("Content is not valid JSON: {e}")))?;
    let actions = doc
        .get("Actions")
        .and_then(Value::as_array)
        .ok_or_else(|| problem("Content must have an Actions array".into()))?;
    if doc.get("Version").and_then(Value::as_str).is_none() {
        return Err(problem("Content must have a Version".into()));
    }
    let ids: Vec<&str> = actions
        .iter()
        .filter_map(|a| a.get("Identifier").and_then(Value::as_str))
        .collect();
    if ids.len() != actions.len() {
        return Err(problem("Every action needs an Identifier".into()));
    }
    if let Some(start) = doc.get("StartAction").and_then(Value::as_str) {
        if !ids.contains(&start) {
            return Err(problem(format!(
                "StartAction {start} is not an action of this flow"
            )));
        }
    }
    if !publish {
        return Ok(());
    }
    let prefix = format!("{}/", ctx.instance_arn(&inst.id));
    let mut dangling = Vec::new();
    find_arns(&doc, &mut |arn: &str| {
        if let Some(rest) = arn.strip_prefix(&prefix) {
            let mut parts = rest.splitn(2, '/');
            let (seg, id) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
            let exists = Kind::all()
                .into_iter()
                .find(|k| k.paths().3 == seg)
                .is_some_and(|k| inst.items.get(&k).is_some_and(|m| m.contains_key(id)));
            if !exists {
                dangling.push(arn.to_owned());
            }
        } else if arn.starts_with("arn:aws:connect:") && arn.contains(":instance/") {
            dangling.push(arn.to_owned());
        }
    });
    if !dangling.is_empty() {
        return Err(problem(format!(
            "Content references resources that do not exist in this instance: {}",
            dangling.join(", ")
        )));
    }
    Ok(())
}

fn find_arns(v: &Value, f: &mut impl FnMut(&str)) {
    match v {
        Value::String(s) if s.starts_with("arn:") => f(s),
        Value::Array(a) => a.iter().for_each(|x| find_arns(x, f)),
        Value::Object(m) => m.values().for_each(|x| find_arns(x, f)),
        _ => {}
    }
}

/// `QuickConnectIds` of a request: at least `min`, at most 50 per call, as Connect allows.
fn quick_connect_ids(body: &Value, min: usize) -> Result<Vec<String>, Response> {
    let ids: Vec<String> = body
        .get("QuickConnectIds")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    if ids.len() < min || ids.len() > 50 {
        return Err(invalid_param(&format!(
            "QuickConnectIds must list {min} to 50 quick connects per call"
        )));
    }
    Ok(ids)
}

fn tags(body: &Value) -> Value {
    body.get("Tags")
        .cloned()
        .filter(Value::is_object)
        .unwrap_or(json!({}))
}

fn summary(kind: Kind, item: &Map<String, Value>) -> Value {
    let (_, _, _, idk, arnk) = kind.keys();
    let mut out = json!({"Id": item[idk], "Arn": item[arnk], "Name": item["Name"]});
    match kind {
        Kind::Flow => {
            out["ContactFlowType"] = item["Type"].clone();
            out["ContactFlowState"] = item["State"].clone();
            out["ContactFlowStatus"] = item["Status"].clone();
        }
        Kind::Module => out["State"] = item["State"].clone(),
        Kind::Queue => {
            out["QueueType"] = json!("STANDARD");
            out["LastModifiedTime"] = item["LastModifiedTime"].clone();
            out["LastModifiedRegion"] = item["LastModifiedRegion"].clone();
        }
        Kind::QuickConnect => {
            out["QuickConnectType"] = item["QuickConnectConfig"]["QuickConnectType"].clone();
            out["LastModifiedTime"] = item["LastModifiedTime"].clone();
            out["LastModifiedRegion"] = item["LastModifiedRegion"].clone();
        }
        _ => {
            out["LastModifiedTime"] = item["LastModifiedTime"].clone();
            out["LastModifiedRegion"] = item["LastModifiedRegion"].clone();
        }
    }
    out
}

/// The audio behind a prompt's S3Uri: a sandbox download URL (as GetPromptFile hands out)
/// is resolved locally; any other location is taken as given, without audio.
fn audio_from_uri(w: &World, uri: &str) -> Option<Arc<Vec<u8>>> {
    let token = uri.split("/_sandbox/download/").nth(1)?;
    w.downloads
        .get(token)
        .filter(|d| d.expires > std::time::Instant::now())
        .map(|d| d.bytes.clone())
}

fn create(w: &mut World, ctx: &Ctx, kind: Kind, instance_id: &str, body: &Value) -> Res {
    let name = required(body, "Name")?.to_owned();
    if name.len() > 127 {
        return Err(invalid_param("Name must be at most 127 characters"));
    }
    let t = now();
    let id = new_id();
    let arn = ctx.arn(instance_id, kind, &id);
    let (_, _, _, idk, arnk) = kind.keys();
    let mut item = Map::new();
    item.insert(idk.into(), json!(id));
    item.insert(arnk.into(), json!(arn));
    item.insert("Name".into(), json!(name));
    item.insert(
        "Description".into(),
        json!(s(body, "Description").unwrap_or("")),
    );
    item.insert("Tags".into(), tags(body));
    item.insert("LastModifiedTime".into(), json!(t));
    item.insert("LastModifiedRegion".into(), json!(ctx.region));
    let audio = match kind {
        Kind::Prompt => Some(audio_from_uri(w, required(body, "S3Uri")?)),
        _ => None,
    };
    let inst = instance(w, ctx, instance_id)?;
    if inst
        .items
        .get(&kind)
        .is_some_and(|m| m.values().any(|x| x["Name"] == json!(name)))
    {
        return Err(err(
            409,
            "DuplicateResourceException",
            &format!("A {} named {name} already exists", kind.label()),
        ));
    }
    match kind {
        Kind::Flow => {
            let flow_type = required(body, "Type")?;
            let content = required(body, "Content")?;
            let status = s(body, "Status").unwrap_or("PUBLISHED");
            if status != "PUBLISHED" && status != "SAVED" {
                return Err(invalid_param("Status must be PUBLISHED or SAVED"));
            }
            check_flow_content(inst, ctx, content, status == "PUBLISHED")?;
            item.insert("Type".into(), json!(flow_type));
            item.insert("State".into(), json!("ACTIVE"));
            item.insert("Status".into(), json!(status));
            item.insert("Content".into(), json!(content));
            item.insert("FlowContentSha256".into(), json!(sha(content)));
        }
        Kind::Module => {
            let content = required(body, "Content")?;
            check_flow_content(inst, ctx, content, true)?;
            item.insert("Content".into(), json!(content));
            item.insert("State".into(), json!("ACTIVE"));
            item.insert("Status".into(), json!("PUBLISHED"));
            item.insert("FlowModuleContentSha256".into(), json!(sha(content)));
        }
        Kind::Queue => {
            let hours = required(body, "HoursOfOperationId")?;
            if !inst
                .items
                .get(&Kind::Hours)
                .is_some_and(|m| m.contains_key(hours))
            {
                return Err(not_found(&format!("HoursOfOperation {hours} not found")));
            }
            item.insert("HoursOfOperationId".into(), json!(hours));
            item.insert("Status".into(), json!("ENABLED"));
            if let Some(m) = body.get("MaxContacts").filter(|v| !v.is_null()) {
                item.insert("MaxContacts".into(), m.clone());
            }
            if let Some(c) = body.get("OutboundCallerConfig").filter(|v| !v.is_null()) {
                item.insert("OutboundCallerConfig".into(), c.clone());
            }
            let qcs = quick_connect_ids(body, 0)?;
            inst.queue_quick_connects.insert(id.clone(), qcs);
        }
        Kind::Hours => {
            item.insert("TimeZone".into(), json!(required(body, "TimeZone")?));
            let config = body
                .get("Config")
                .and_then(Value::as_array)
                .ok_or_else(|| invalid_param("Config is required"))?;
            item.insert("Config".into(), json!(config));
        }
        Kind::Prompt => {
            if let Some(Some(a)) = audio {
                inst.prompt_audio.insert(id.clone(), a);
            }
        }
        Kind::RoutingProfile => {
            required(body, "Description")?;
            let out_q = required(body, "DefaultOutboundQueueId")?;
            if !inst
                .items
                .get(&Kind::Queue)
                .is_some_and(|m| m.contains_key(out_q))
            {
                return Err(not_found(&format!("Queue {out_q} not found")));
            }
            let mc = body
                .get("MediaConcurrencies")
                .and_then(Value::as_array)
                .ok_or_else(|| invalid_param("MediaConcurrencies is required"))?;
            item.insert("InstanceId".into(), json!(instance_id));
            item.insert("DefaultOutboundQueueId".into(), json!(out_q));
            item.insert("MediaConcurrencies".into(), json!(mc));
            item.insert("NumberOfAssociatedUsers".into(), json!(0));
            let configs = body
                .get("QueueConfigs")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            if configs.len() > 10 {
                return Err(invalid_param("At most 10 QueueConfigs per call"));
            }
            inst.profile_queues.insert(id.clone(), Vec::new());
            add_profile_queues(inst, &id, &configs)?;
        }
        Kind::QuickConnect => {
            let c = body
                .get("QuickConnectConfig")
                .filter(|v| v.is_object())
                .ok_or_else(|| invalid_param("QuickConnectConfig is required"))?;
            item.insert("QuickConnectConfig".into(), c.clone());
        }
    }
    inst.items.entry(kind).or_default().insert(id.clone(), item);
    if kind == Kind::RoutingProfile {
        sync_profile(inst, &id, false);
    }
    let (ik, ak) = kind.created_keys();
    let mut out = json!({ik: id, ak: arn});
    if kind == Kind::Flow {
        out["FlowContentSha256"] = json!(sha(s(body, "Content").unwrap_or("")));
    }
    Ok(json(200, &out))
}

/// A routing profile's association fields as AWS reports them (the number of queue configs
/// and the distinct queue ids), and its `LastModifiedTime` moved when `touched`.
fn sync_profile(inst: &mut Instance, profile: &str, touched: bool) {
    let configs = inst
        .profile_queues
        .get(profile)
        .cloned()
        .unwrap_or_default();
    let mut ids: Vec<&str> = configs
        .iter()
        .filter_map(|c| c["QueueId"].as_str())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    if let Some(p) = inst
        .items
        .get_mut(&Kind::RoutingProfile)
        .and_then(|m| m.get_mut(profile))
    {
        p.insert("NumberOfAssociatedQueues".into(), json!(configs.len()));
        p.insert("AssociatedQueueIds".into(), json!(ids));
        if touched {
            p.insert("LastModifiedTime".into(), json!(now()));
        }
    }
}

fn add_profile_queues(
    inst: &mut Instance,
    profile: &str,
    configs: &[Value],
) -> Result<(), Response> {
    for c in configs {
        let q = c["QueueReference"]["QueueId"].as_str().unwrap_or("");
        let channel = c["QueueReference"]["Channel"].as_str().unwrap_or("VOICE");
        if !inst
            .items
            .get(&Kind::Queue)
            .is_some_and(|m| m.contains_key(q))
        {
            return Err(not_found(&format!("Queue {q} not found")));
        }
        let list = inst.profile_queues.entry(profile.to_owned()).or_default();
        list.retain(|x| !(x["QueueId"] == json!(q) && x["Channel"] == json!(channel)));
        list.push(json!({"QueueId": q, "Channel": channel, "Priority": c.get("Priority").cloned().unwrap_or(json!(1)), "Delay": c.get("Delay").cloned().unwrap_or(json!(0))}));
    }
    Ok(())
}

fn run(w: &mut World, ctx: &Ctx, route: Route, req: &Req, body: &Value) -> Res {
    use Route::*;
    match route {
        ListInstances => {
            let items: Vec<Value> = region(w, ctx)
                .instances
                .values()
                .map(|i| instance_json(ctx, i))
                .collect();
            let (items, next) = page(
                items,
                query_num(req, "maxResults")?,
                10,
                req.query_one("nextToken").as_deref(),
            )?;
            Ok(json(
                200,
                &json!({"InstanceSummaryList": items, "NextToken": next}),
            ))
        }
        DescribeInstance(i) => {
            let inst = instance(w, ctx, &i)?.clone();
            let mut d = instance_json(ctx, &inst);
            d["InstanceStatus"] = json!("ACTIVE");
            Ok(json(200, &json!({"Instance": d})))
        }
        Create(kind, i) => create(w, ctx, kind, &i, body),
        Describe(kind, i, id) => {
            let (id, saved) = match id.strip_suffix(":$SAVED") {
                Some(base) => (base.to_owned(), true),
                None => (id, false),
            };
            let inst = instance(w, ctx, &i)?;
            let mut item = inst
                .items
                .get(&kind)
                .and_then(|m| m.get(&id))
                .cloned()
                .ok_or_else(|| not_found(&format!("{} {id} not found", kind.label())))?;
            if saved {
                if let Some(c) = inst.saved.get(&id) {
                    item.insert("Content".into(), json!(c));
                    item.insert("Status".into(), json!("SAVED"));
                }
            }
            // As AWS documents: DescribeRoutingProfile leaves AssociatedQueueIds out; only
            // SearchRoutingProfiles carries it.
            item.remove("AssociatedQueueIds");
            Ok(json(200, &json!({kind.keys().0: item})))
        }
        List(kind, i) => {
            let max = query_num(req, "maxResults")?;
            let inst = instance(w, ctx, &i)?;
            let items: Vec<Value> = inst
                .items
                .get(&kind)
                .map(|m| m.values().map(|x| summary(kind, x)).collect())
                .unwrap_or_default();
            // Every Connect List* call takes MaxResults up to 1000.
            let limit = 1000;
            let (items, next) = page(items, max, limit, req.query_one("nextToken").as_deref())?;
            Ok(json(200, &json!({kind.keys().1: items, "NextToken": next})))
        }
        Search(kind) => {
            let i = required(body, "InstanceId")?.to_owned();
            let inst = instance(w, ctx, &i)?;
            let all: Vec<Value> = inst
                .items
                .get(&kind)
                .map(|m| m.values().map(|x| Value::Object(x.clone())).collect())
                .unwrap_or_default();
            let total = all.len();
            let (items, next) = page(
                all,
                body.get("MaxResults").and_then(Value::as_i64),
                100,
                s(body, "NextToken"),
            )?;
            Ok(json(
                200,
                &json!({kind.keys().2: items, "NextToken": next, "ApproximateTotalCount": total}),
            ))
        }
        Delete(kind, i, id) => {
            let inst = instance(w, ctx, &i)?;
            inst.items
                .get_mut(&kind)
                .and_then(|m| m.remove(&id))
                .ok_or_else(|| not_found(&format!("{} {id} not found", kind.label())))?;
            inst.saved.remove(&id);
            Ok(json(200, &json!({})))
        }
        UpdateContent(kind, i, id) => {
            let content = required(body, "Content")?.to_owned();
            let (id, save_only) = match id.strip_suffix(":$SAVED") {
                Some(base) => (base.to_owned(), true),
                None => (id, false),
            };
            let inst = instance(w, ctx, &i)?;
            if !inst.items.get(&kind).is_some_and(|m| m.contains_key(&id)) {
                return Err(not_found(&format!("{} {id} not found", kind.label())));
            }
            check_flow_content(inst, ctx, &content, !save_only)?;
            // A flow never published has only its saved content: saving replaces it.
            let never_published = inst.items[&kind][&id]["Status"] == json!("SAVED");
            if save_only && !never_published {
                inst.saved.insert(id, content);
            } else if save_only {
                let item = inst
                    .items
                    .get_mut(&kind)
                    .and_then(|m| m.get_mut(&id))
                    .expect("checked above");
                item.insert("Content".into(), json!(content));
                item.insert("FlowContentSha256".into(), json!(sha(&content)));
                item.insert("LastModifiedTime".into(), json!(now()));
            } else {
                let item = inst
                    .items
                    .get_mut(&kind)
                    .and_then(|m| m.get_mut(&id))
                    .expect("checked above");
                item.insert("Content".into(), json!(content));
                item.insert("Status".into(), json!("PUBLISHED"));
                item.insert(
                    if kind == Kind::Flow {
                        "FlowContentSha256"
                    } else {
                        "FlowModuleContentSha256"
                    }
                    .into(),
                    json!(sha(&content)),
                );
                item.insert("LastModifiedTime".into(), json!(now()));
                inst.saved.remove(&id);
            }
            Ok(json(200, &json!({})))
        }
        UpdateMetadata(kind, i, id) => {
            let inst = instance(w, ctx, &i)?;
            let item = inst
                .items
                .get_mut(&kind)
                .and_then(|m| m.get_mut(&id))
                .ok_or_else(|| not_found(&format!("{} {id} not found", kind.label())))?;
            for k in ["Name", "Description"] {
                if let Some(v) = s(body, k) {
                    item.insert(k.into(), json!(v));
                }
            }
            if let Some(state) = s(body, "ContactFlowState").or(s(body, "State")) {
                if state != "ACTIVE" && state != "ARCHIVED" {
                    return Err(invalid_param("State must be ACTIVE or ARCHIVED"));
                }
                item.insert("State".into(), json!(state));
            }
            Ok(json(200, &json!({})))
        }
        GetPromptFile(i, p) => {
            let inst = instance(w, ctx, &i)?;
            let item = inst
                .items
                .get(&Kind::Prompt)
                .and_then(|m| m.get(&p))
                .cloned()
                .ok_or_else(|| not_found(&format!("Prompt {p} not found")))?;
            let audio = inst.prompt_audio.get(&p).cloned().unwrap_or_default();
            let path = w.add_download(audio, "audio/wav");
            Ok(json(
                200,
                &json!({"PromptPresignedUrl": format!("http://{}{path}", ctx.host), "LastModifiedTime": item["LastModifiedTime"], "LastModifiedRegion": item["LastModifiedRegion"]}),
            ))
        }
        AssociateRoutingProfileQueues(i, r) => {
            let configs = body
                .get("QueueConfigs")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            if configs.len() > 10 {
                return Err(invalid_param(
                    "At most 10 QueueConfigs can be associated per call",
                ));
            }
            let inst = instance(w, ctx, &i)?;
            if !inst
                .items
                .get(&Kind::RoutingProfile)
                .is_some_and(|m| m.contains_key(&r))
            {
                return Err(not_found(&format!("RoutingProfile {r} not found")));
            }
            add_profile_queues(inst, &r, &configs)?;
            sync_profile(inst, &r, true);
            Ok(json(200, &json!({})))
        }
        ListRoutingProfileQueues(i, r) => {
            let max = query_num(req, "maxResults")?;
            let inst = instance(w, ctx, &i)?;
            let list = inst
                .profile_queues
                .get(&r)
                .cloned()
                .ok_or_else(|| not_found(&format!("RoutingProfile {r} not found")))?;
            let queues = inst.items.get(&Kind::Queue).cloned().unwrap_or_default();
            let items: Vec<Value> = list
                .iter()
                .map(|c| {
                    let q = queues.get(c["QueueId"].as_str().unwrap_or("")).cloned().unwrap_or_default();
                    json!({"QueueId": c["QueueId"], "QueueArn": q.get("QueueArn"), "QueueName": q.get("Name"), "Priority": c["Priority"], "Delay": c["Delay"], "Channel": c["Channel"]})
                })
                .collect();
            let (items, next) = page(items, max, 100, req.query_one("nextToken").as_deref())?;
            Ok(json(
                200,
                &json!({"RoutingProfileQueueConfigSummaryList": items, "NextToken": next}),
            ))
        }
        AssociateQueueQuickConnects(i, q) => {
            let ids = quick_connect_ids(body, 1)?;
            let inst = instance(w, ctx, &i)?;
            if !inst
                .items
                .get(&Kind::Queue)
                .is_some_and(|m| m.contains_key(&q))
            {
                return Err(not_found(&format!("Queue {q} not found")));
            }
            for id in &ids {
                if !inst
                    .items
                    .get(&Kind::QuickConnect)
                    .is_some_and(|m| m.contains_key(id))
                {
                    return Err(not_found(&format!("QuickConnect {id} not found")));
                }
            }
            let list = inst.queue_quick_connects.entry(q.clone()).or_default();
            for id in ids {
                if !list.contains(&id) {
                    list.push(id);
                }
            }
            if let Some(item) = inst.items.get_mut(&Kind::Queue).and_then(|m| m.get_mut(&q)) {
                item.insert("LastModifiedTime".into(), json!(now()));
            }
            Ok(json(200, &json!({})))
        }
        ListQueueQuickConnects(i, q) => {
            let max = query_num(req, "maxResults")?;
            let inst = instance(w, ctx, &i)?;
            let ids = inst
                .queue_quick_connects
                .get(&q)
                .cloned()
                .ok_or_else(|| not_found(&format!("Queue {q} not found")))?;
            let qcs = inst
                .items
                .get(&Kind::QuickConnect)
                .cloned()
                .unwrap_or_default();
            let items: Vec<Value> = ids
                .iter()
                .filter_map(|id| qcs.get(id))
                .map(|x| summary(Kind::QuickConnect, x))
                .collect();
            let (items, next) = page(items, max, 100, req.query_one("nextToken").as_deref())?;
            Ok(json(
                200,
                &json!({"QuickConnectSummaryList": items, "NextToken": next}),
            ))
        }
        AssociateLambdaFunction(i) => {
            let arn = required(body, "FunctionArn")?.to_owned();
            if !arn.starts_with("arn:aws:lambda:") || !arn.contains(":function:") {
                return Err(invalid_param("FunctionArn must be a Lambda function ARN"));
            }
            let exists = {
                let parts: Vec<&str> = arn.split(':').collect();
                let (region_name, account, name) = (
                    parts.get(3).copied().unwrap_or(""),
                    parts.get(4).copied().unwrap_or(""),
                    parts.get(6).copied().unwrap_or(""),
                );
                w.lambda
                    .get(&(account.to_owned(), region_name.to_owned()))
                    .is_some_and(|r| r.functions.contains_key(name))
            };
            if !exists {
                return Err(invalid_request(&format!("Function {arn} does not exist")));
            }
            let inst = instance(w, ctx, &i)?;
            if inst.lambda_functions.contains(&arn) {
                return Err(err(
                    409,
                    "ResourceConflictException",
                    "The function is already associated",
                ));
            }
            inst.lambda_functions.push(arn);
            Ok(json(200, &json!({})))
        }
        ListLambdaFunctions(i) => {
            let max = query_num(req, "maxResults")?;
            let inst = instance(w, ctx, &i)?;
            let items: Vec<Value> = inst.lambda_functions.iter().map(|a| json!(a)).collect();
            let (items, next) = page(items, max, 25, req.query_one("nextToken").as_deref())?;
            Ok(json(
                200,
                &json!({"LambdaFunctions": items, "NextToken": next}),
            ))
        }
        AssociateBot(i) => {
            let alias = body["LexV2Bot"]["AliasArn"]
                .as_str()
                .ok_or_else(|| invalid_param("LexV2Bot.AliasArn is required"))?
                .to_owned();
            if !alias.starts_with("arn:aws:lex:") || !alias.contains(":bot-alias/") {
                return Err(invalid_param("AliasArn must be a Lex V2 bot alias ARN"));
            }
            let inst = instance(w, ctx, &i)?;
            if inst.lex_bots.contains(&alias) {
                return Err(err(
                    409,
                    "ResourceConflictException",
                    "The bot is already associated",
                ));
            }
            inst.lex_bots.push(alias);
            Ok(json(200, &json!({})))
        }
        Update(kind, i, id, aspect) => update(w, ctx, kind, &i, &id, aspect.as_deref(), body),
        TagResource(arn) => {
            let tags = body
                .get("tags")
                .and_then(Value::as_object)
                .cloned()
                .ok_or_else(|| invalid_param("tags is required"))?;
            let item = item_by_arn(w, ctx, &arn)?;
            let current = item.entry("Tags").or_insert(json!({}));
            for (k, v) in tags {
                current[k] = v;
            }
            Ok(json(200, &json!({})))
        }
        UntagResource(arn) => {
            let keys: Vec<String> = req
                .query()
                .into_iter()
                .filter(|(k, _)| k == "tagKeys")
                .map(|(_, v)| v)
                .collect();
            if keys.is_empty() {
                return Err(invalid_param("tagKeys is required"));
            }
            let item = item_by_arn(w, ctx, &arn)?;
            if let Some(t) = item.get_mut("Tags").and_then(Value::as_object_mut) {
                for k in keys {
                    t.remove(&k);
                }
            }
            Ok(json(200, &json!({})))
        }
        DisassociateLambdaFunction(i) => {
            let arn = req
                .query_one("functionArn")
                .ok_or_else(|| invalid_param("FunctionArn is required"))?;
            let inst = instance(w, ctx, &i)?;
            let before = inst.lambda_functions.len();
            inst.lambda_functions.retain(|a| *a != arn);
            if inst.lambda_functions.len() == before {
                return Err(not_found(&format!("Function {arn} is not associated")));
            }
            Ok(json(200, &json!({})))
        }
        DisassociateBot(i) => {
            let alias = body["LexV2Bot"]["AliasArn"]
                .as_str()
                .ok_or_else(|| invalid_param("LexV2Bot.AliasArn is required"))?
                .to_owned();
            let inst = instance(w, ctx, &i)?;
            let before = inst.lex_bots.len();
            inst.lex_bots.retain(|a| *a != alias);
            if inst.lex_bots.len() == before {
                return Err(not_found(&format!("Bot alias {alias} is not associated")));
            }
            Ok(json(200, &json!({})))
        }
        ListBots(i) => {
            if req.query_one("lexVersion").as_deref() != Some("V2")
                && req.query_one("lexVersion").as_deref() != Some("V1")
            {
                return Err(invalid_param("LexVersion is required: V1 or V2"));
            }
            let max = query_num(req, "maxResults")?;
            let inst = instance(w, ctx, &i)?;
            let items: Vec<Value> = if req.query_one("lexVersion").as_deref() == Some("V2") {
                inst.lex_bots
                    .iter()
                    .map(|a| json!({"LexV2Bot": {"AliasArn": a}}))
                    .collect()
            } else {
                vec![]
            };
            let (items, next) = page(items, max, 25, req.query_one("nextToken").as_deref())?;
            Ok(json(200, &json!({"LexBots": items, "NextToken": next})))
        }
    }
}

/// The Update* and Disassociate* calls on one item.
fn update(
    w: &mut World,
    ctx: &Ctx,
    kind: Kind,
    instance_id: &str,
    id: &str,
    aspect: Option<&str>,
    body: &Value,
) -> Res {
    let audio = match (kind, s(body, "S3Uri")) {
        (Kind::Prompt, Some(uri)) => Some(audio_from_uri(w, uri)),
        _ => None,
    };
    let inst = instance(w, ctx, instance_id)?;
    if !inst.items.get(&kind).is_some_and(|m| m.contains_key(id)) {
        return Err(not_found(&format!("{} {id} not found", kind.label())));
    }
    let exists =
        |inst: &Instance, k: Kind, id: &str| inst.items.get(&k).is_some_and(|m| m.contains_key(id));
    if let Some(name) = s(body, "Name") {
        if inst.items.get(&kind).is_some_and(|m| {
            m.iter()
                .any(|(other, x)| other != id && x["Name"] == json!(name))
        }) {
            return Err(err(
                409,
                "DuplicateResourceException",
                &format!("A {} named {name} already exists", kind.label()),
            ));
        }
    }
    let mut set: Vec<(&str, Value)> = Vec::new();
    match (kind, aspect) {
        (_, Some("name")) | (Kind::Hours, None) | (Kind::Prompt, None) => {
            for k in ["Name", "Description", "TimeZone", "Config"] {
                if let Some(v) = body.get(k).filter(|v| !v.is_null()) {
                    set.push((k, v.clone()));
                }
            }
        }
        (Kind::Queue, Some("hours-of-operation")) => {
            let h = required(body, "HoursOfOperationId")?;
            if !exists(inst, Kind::Hours, h) {
                return Err(not_found(&format!("HoursOfOperation {h} not found")));
            }
            set.push(("HoursOfOperationId", json!(h)));
        }
        (Kind::Queue, Some("max-contacts")) => set.push((
            "MaxContacts",
            body.get("MaxContacts").cloned().unwrap_or(Value::Null),
        )),
        (Kind::Queue, Some("outbound-caller-config")) => set.push((
            "OutboundCallerConfig",
            body.get("OutboundCallerConfig")
                .cloned()
                .ok_or_else(|| invalid_param("OutboundCallerConfig is required"))?,
        )),
        (Kind::Queue, Some("disassociate-quick-connects")) => {
            let ids = quick_connect_ids(body, 1)?;
            inst.queue_quick_connects
                .entry(id.to_owned())
                .or_default()
                .retain(|q| !ids.contains(q));
        }
        (Kind::RoutingProfile, Some("concurrency")) => set.push((
            "MediaConcurrencies",
            body.get("MediaConcurrencies")
                .cloned()
                .ok_or_else(|| invalid_param("MediaConcurrencies is required"))?,
        )),
        (Kind::RoutingProfile, Some("default-outbound-queue")) => {
            let q = required(body, "DefaultOutboundQueueId")?;
            if !exists(inst, Kind::Queue, q) {
                return Err(not_found(&format!("Queue {q} not found")));
            }
            set.push(("DefaultOutboundQueueId", json!(q)));
        }
        (Kind::RoutingProfile, Some("queues")) => {
            let configs = body
                .get("QueueConfigs")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            if configs.is_empty() || configs.len() > 10 {
                return Err(invalid_param(
                    "QueueConfigs must list 1 to 10 queue configs per call",
                ));
            }
            add_profile_queues(inst, id, &configs)?;
        }
        (Kind::RoutingProfile, Some("disassociate-queues")) => {
            let refs = body
                .get("QueueReferences")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            if refs.len() > 10 {
                return Err(invalid_param("At most 10 QueueReferences per call"));
            }
            let list = inst.profile_queues.entry(id.to_owned()).or_default();
            list.retain(|c| {
                !refs
                    .iter()
                    .any(|r| r["QueueId"] == c["QueueId"] && r["Channel"] == c["Channel"])
            });
        }
        (Kind::QuickConnect, Some("config")) => set.push((
            "QuickConnectConfig",
            body.get("QuickConnectConfig")
                .filter(|v| v.is_object())
                .cloned()
                .ok_or_else(|| invalid_param("QuickConnectConfig is required"))?,
        )),
        _ => {
            return Err(json_error(
                404,
                "UnknownOperationException",
                "Unknown operation (sandbox Connect)",
            ))
        }
    }
    if let Some(Some(a)) = audio {
        inst.prompt_audio.insert(id.to_owned(), a);
    }
    let item = inst
        .items
        .get_mut(&kind)
        .and_then(|m| m.get_mut(id))
        .expect("checked above");
    for (k, v) in set {
        item.insert(k.into(), v);
    }
    item.insert("LastModifiedTime".into(), json!(now()));
    if kind == Kind::RoutingProfile {
        sync_profile(inst, id, false);
    }
    Ok(json(200, &json!({})))
}

/// The item an ARN names, in any instance of the caller's account and region.
fn item_by_arn<'a>(
    w: &'a mut World,
    ctx: &Ctx,
    arn: &str,
) -> Result<&'a mut Map<String, Value>, Response> {
    let region = region(w, ctx);
    for inst in region.instances.values_mut() {
        for (kind, items) in inst.items.iter_mut() {
            let arn_key = kind.keys().4;
            if let Some(item) = items.values_mut().find(|x| x[arn_key] == json!(arn)) {
                return Ok(item);
            }
        }
    }
    Err(not_found(&format!("Resource {arn} not found")))
}

fn instance_json(ctx: &Ctx, i: &Instance) -> Value {
    json!({"Id": i.id, "Arn": ctx.instance_arn(&i.id), "IdentityManagementType": "CONNECT_MANAGED", "InstanceAlias": i.alias,
           "CreatedTime": i.created, "ServiceRole": format!("arn:aws:iam::{}:role/aws-service-role/connect.amazonaws.com/AWSServiceRoleForAmazonConnect", ctx.account),
           "InstanceStatus": "ACTIVE", "InboundCallsEnabled": true, "OutboundCallsEnabled": true, "InstanceAccessUrl": format!("https://{}.my.connect.aws", i.alias)})
}

/// Seeds an empty instance with a fixed id.
pub fn seed_instance(w: &mut World, account: &str, region_name: &str, id: &str, alias: &str) {
    let ctx = Ctx {
        account: account.into(),
        region: region_name.into(),
        host: String::new(),
    };
    region(w, &ctx).instances.insert(
        id.into(),
        Instance {
            id: id.into(),
            alias: alias.into(),
            created: now(),
            items: BTreeMap::new(),
            saved: BTreeMap::new(),
            prompt_audio: BTreeMap::new(),
            profile_queues: BTreeMap::new(),
            queue_quick_connects: BTreeMap::new(),
            lambda_functions: vec![],
            lex_bots: vec![],
        },
    );
}

/// Creates a resource in a seeded instance through the same code path as the API; returns
/// its id, or the error text.
pub fn seed_create(
    w: &mut World,
    account: &str,
    region_name: &str,
    instance_id: &str,
    kind: Kind,
    body: Value,
) -> Result<String, String> {
    let ctx = Ctx {
        account: account.into(),
        region: region_name.into(),
        host: String::new(),
    };
    let saved = w.config.quotas_enabled;
    let r = create(w, &ctx, kind, instance_id, &body);
    w.config.quotas_enabled = saved;
    match r {
        Ok(_) => {
            let inst = instance(w, &ctx, instance_id).map_err(|_| "no instance".to_owned())?;
            let (_, _, _, idk, _) = kind.keys();
            inst.items
                .get(&kind)
                .and_then(|m| m.values().find(|x| x["Name"] == body["Name"]))
                .and_then(|x| x[idk].as_str().map(String::from))
                .ok_or_else(|| "created item not found".into())
        }
        Err(_) => Err(format!("seeding {} {} failed", kind.label(), body["Name"])),
    }
}

/// Seed helpers for associations.
#[allow(clippy::too_many_arguments)]
pub fn seed_associate(
    w: &mut World,
    account: &str,
    region_name: &str,
    instance_id: &str,
    lambda: Vec<String>,
    bots: Vec<String>,
    profile_queues: Vec<(String, Vec<Value>)>,
    queue_qcs: Vec<(String, Vec<String>)>,
) {
    let ctx = Ctx {
        account: account.into(),
        region: region_name.into(),
        host: String::new(),
    };
    if let Ok(inst) = instance(w, &ctx, instance_id) {
        inst.lambda_functions.extend(lambda);
        inst.lex_bots.extend(bots);
        for (p, configs) in profile_queues {
            let _ = add_profile_queues(inst, &p, &configs);
            sync_profile(inst, &p, false);
        }
        for (q, ids) in queue_qcs {
            inst.queue_quick_connects.entry(q).or_default().extend(ids);
        }
    }
}

pub fn set_prompt_audio(
    w: &mut World,
    account: &str,
    region_name: &str,
    instance_id: &str,
    prompt_id: &str,
    audio: Vec<u8>,
) {
    let ctx = Ctx {
        account: account.into(),
        region: region_name.into(),
        host: String::new(),
    };
    if let Ok(inst) = instance(w, &ctx, instance_id) {
        inst.prompt_audio.insert(prompt_id.into(), Arc::new(audio));
    }
}
