//! Lambda's control plane in REST-JSON (API version 2015-03-31), for every operation the
//! product uses, with AWS's validation, error shapes, pagination, asynchronous update status
//! and default quotas.

use crate::auth::Scope;
use crate::http::{empty, hv, json, json_error, percent_decode, Req};
use crate::state::{Principal, World};
use crate::Sandbox;
use axum::http::Method;
use axum::response::Response;
use base64::Engine;
use chrono::Utc;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

type Res = Result<Response, Response>;

#[derive(Default)]
pub struct LambdaRegion {
    pub functions: BTreeMap<String, Function>,
}

#[derive(Clone)]
pub struct Code {
    pub zip: Option<Arc<Vec<u8>>>,
    pub image_uri: Option<String>,
    pub sha256_b64: String,
    pub size: u64,
}

#[derive(Clone)]
pub struct Version {
    pub config: Map<String, Value>,
    pub code: Code,
    pub description: String,
    pub last_modified: String,
    pub revision_id: String,
}

#[derive(Clone)]
pub struct Alias {
    pub version: String,
    pub description: String,
    pub routing: Option<Value>,
    pub revision_id: String,
}

pub struct Function {
    pub name: String,
    pub arn: String,
    /// Writable configuration, in the shape FunctionConfiguration returns it.
    pub config: Map<String, Value>,
    pub code: Code,
    pub last_modified: String,
    pub revision_id: String,
    pub busy_until: Instant,
    pub creating: bool,
    pub versions: BTreeMap<u64, Version>,
    pub next_version: u64,
    pub aliases: BTreeMap<String, Alias>,
    pub tags: BTreeMap<String, String>,
    pub reserved: Option<i64>,
    /// Resource policy statements per qualifier ("" = unqualified).
    pub policy: BTreeMap<String, Vec<Value>>,
}

impl Function {
    fn busy(&self) -> bool {
        Instant::now() < self.busy_until
    }
}

const RUNTIMES: &[&str] = &[
    "nodejs18.x",
    "nodejs20.x",
    "nodejs22.x",
    "nodejs24.x",
    "python3.9",
    "python3.10",
    "python3.11",
    "python3.12",
    "python3.13",
    "python3.14",
    "java11",
    "java17",
    "java21",
    "java25",
    "dotnet8",
    "dotnet10",
    "ruby3.3",
    "ruby3.4",
    "provided.al2",
    "provided.al2023",
];

const RESERVED_ENV: &[&str] = &[
    "_HANDLER",
    "_X_AMZN_TRACE_ID",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
    "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API",
    "LAMBDA_TASK_ROOT",
    "LAMBDA_RUNTIME_DIR",
];

fn not_found(what: &str) -> Response {
    json_error(404, "ResourceNotFoundException", what)
}
fn invalid(msg: &str) -> Response {
    json_error(400, "InvalidParameterValueException", msg)
}
fn validation(field: &str, constraint: &str) -> Response {
    json_error(
        400,
        "ValidationException",
        &format!("1 validation error detected: Value at '{field}' failed to satisfy constraint: {constraint}"),
    )
}
fn conflict(msg: &str) -> Response {
    json_error(409, "ResourceConflictException", msg)
}
fn in_progress(arn: &str) -> Response {
    conflict(&format!(
        "The operation cannot be performed at this time. An update is in progress for resource: {arn}"
    ))
}

fn now_string() -> String {
    Utc::now().format("%Y-%m-%dT%H:%M:%S%.3f+0000").to_string()
}
fn new_revision() -> String {
    uuid::Uuid::new_v4().to_string()
}

enum Route {
    ListFunctions,
    CreateFunction,
    GetFunction(String),
    DeleteFunction(String),
    GetFunctionConfiguration(String),
    UpdateFunctionConfiguration(String),
    UpdateFunctionCode(String),
    ListVersionsByFunction(String),
    PublishVersion(String),
    ListAliases(String),
    CreateAlias(String),
    GetAlias(String, String),
    UpdateAlias(String, String),
    DeleteAlias(String, String),
    GetPolicy(String),
    AddPermission(String),
    RemovePermission(String, String),
    ListTags(String),
    TagResource(String),
    UntagResource(String),
    PutFunctionConcurrency(String),
    GetFunctionConcurrency(String),
    DeleteFunctionConcurrency(String),
}

impl Route {
    fn name(&self) -> &'static str {
        use Route::*;
        match self {
            ListFunctions => "ListFunctions",
            CreateFunction => "CreateFunction",
            GetFunction(_) => "GetFunction",
            DeleteFunction(_) => "DeleteFunction",
            GetFunctionConfiguration(_) => "GetFunctionConfiguration",
            UpdateFunctionConfiguration(_) => "UpdateFunctionConfiguration",
            UpdateFunctionCode(_) => "UpdateFunctionCode",
            ListVersionsByFunction(_) => "ListVersionsByFunction",
            PublishVersion(_) => "PublishVersion",
            ListAliases(_) => "ListAliases",
            CreateAlias(_) => "CreateAlias",
            GetAlias(..) => "GetAlias",
            UpdateAlias(..) => "UpdateAlias",
            DeleteAlias(..) => "DeleteAlias",
            GetPolicy(_) => "GetPolicy",
            AddPermission(_) => "AddPermission",
            RemovePermission(..) => "RemovePermission",
            ListTags(_) => "ListTags",
            TagResource(_) => "TagResource",
            UntagResource(_) => "UntagResource",
            PutFunctionConcurrency(_) => "PutFunctionConcurrency",
            GetFunctionConcurrency(_) => "GetFunctionConcurrency",
            DeleteFunctionConcurrency(_) => "DeleteFunctionConcurrency",
        }
    }

    /// Lambda's default quotas: GetFunction 100/s, GetPolicy 15/s, the rest 15/s.
    fn quota(&self) -> (&'static str, f64) {
        match self {
            Route::GetFunction(_) => ("GetFunction", 100.0),
            Route::GetPolicy(_) => ("GetPolicy", 15.0),
            _ => ("control", 15.0),
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
        ("GET", ["2015-03-31", "functions"]) => ListFunctions,
        ("POST", ["2015-03-31", "functions"]) => CreateFunction,
        ("GET", ["2015-03-31", "functions", f]) => GetFunction(o(f)),
        ("DELETE", ["2015-03-31", "functions", f]) => DeleteFunction(o(f)),
        ("GET", ["2015-03-31", "functions", f, "configuration"]) => GetFunctionConfiguration(o(f)),
        ("PUT", ["2015-03-31", "functions", f, "configuration"]) => {
            UpdateFunctionConfiguration(o(f))
        }
        ("PUT", ["2015-03-31", "functions", f, "code"]) => UpdateFunctionCode(o(f)),
        ("GET", ["2015-03-31", "functions", f, "versions"]) => ListVersionsByFunction(o(f)),
        ("POST", ["2015-03-31", "functions", f, "versions"]) => PublishVersion(o(f)),
        ("GET", ["2015-03-31", "functions", f, "aliases"]) => ListAliases(o(f)),
        ("POST", ["2015-03-31", "functions", f, "aliases"]) => CreateAlias(o(f)),
        ("GET", ["2015-03-31", "functions", f, "aliases", a]) => GetAlias(o(f), o(a)),
        ("PUT", ["2015-03-31", "functions", f, "aliases", a]) => UpdateAlias(o(f), o(a)),
        ("DELETE", ["2015-03-31", "functions", f, "aliases", a]) => DeleteAlias(o(f), o(a)),
        ("GET", ["2015-03-31", "functions", f, "policy"]) => GetPolicy(o(f)),
        ("POST", ["2015-03-31", "functions", f, "policy"]) => AddPermission(o(f)),
        ("DELETE", ["2015-03-31", "functions", f, "policy", sid]) => RemovePermission(o(f), o(sid)),
        ("GET", ["2017-03-31", "tags", arn]) => ListTags(o(arn)),
        ("POST", ["2017-03-31", "tags", arn]) => TagResource(o(arn)),
        ("DELETE", ["2017-03-31", "tags", arn]) => UntagResource(o(arn)),
        ("PUT", ["2017-10-31", "functions", f, "concurrency"]) => PutFunctionConcurrency(o(f)),
        ("DELETE", ["2017-10-31", "functions", f, "concurrency"]) => {
            DeleteFunctionConcurrency(o(f))
        }
        ("GET", ["2019-09-30", "functions", f, "concurrency"]) => GetFunctionConcurrency(o(f)),
        _ => return None,
    })
}

pub async fn handle(sb: &Sandbox, principal: &Principal, scope: &Scope, req: Req) -> Response {
    let Some(route) = route(&req.method, req.uri.path()) else {
        return json_error(
            404,
            "UnknownOperationException",
            "Unknown operation (sandbox Lambda)",
        );
    };
    let op = route.name();
    let counter = format!("lambda:{op}");
    sb.inner.count(&counter, |c| c.calls += 1);
    if let Some(r) = crate::apply_fault(sb, "lambda", op, json_error).await {
        return r;
    }
    let mut world = sb.inner.world();
    if world.config.quotas_enabled {
        let (bucket, rate) = route.quota();
        if !world
            .quotas
            .take(&principal.account_id, &scope.region, bucket, rate, rate)
        {
            drop(world);
            sb.inner.count(&counter, |c| c.throttled += 1);
            let mut r = json(
                429,
                &json!({"Reason": "CallerRateLimitExceeded", "Type": "User", "message": "Rate exceeded", "retryAfterSeconds": "1"}),
            );
            r.headers_mut()
                .insert("x-amzn-errortype", hv("TooManyRequestsException"));
            r.headers_mut().insert("retry-after", hv("1"));
            return r;
        }
    }
    let ctx = Ctx {
        account: principal.account_id.clone(),
        region: scope.region.clone(),
        host: req.host(),
    };
    let body = match req.json_object() {
        Ok(b) => b,
        Err(e) => return e,
    };
    let result = run(&mut world, &ctx, route, &req, &body);
    result.unwrap_or_else(|e| e)
}

struct Ctx {
    account: String,
    region: String,
    host: String,
}

impl Ctx {
    fn function_arn(&self, name: &str) -> String {
        format!(
            "arn:aws:lambda:{}:{}:function:{name}",
            self.region, self.account
        )
    }
}

/// `name`, `name:qualifier`, a full or partial ARN -> (name, qualifier).
fn split_name(raw: &str) -> (String, Option<String>) {
    let tail = raw.split_once("function:").map(|(_, t)| t).unwrap_or(raw);
    match tail.split_once(':') {
        Some((n, q)) => (n.to_owned(), Some(q.to_owned())),
        None => (tail.to_owned(), None),
    }
}

fn valid_function_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

fn run(w: &mut World, ctx: &Ctx, route: Route, req: &Req, body: &Value) -> Res {
    use Route::*;
    match route {
        ListFunctions => list_functions(w, ctx, req),
        CreateFunction => create_function(w, ctx, body),
        GetFunction(f) => get_function(w, ctx, req, &f),
        DeleteFunction(f) => delete_function(w, ctx, req, &f),
        GetFunctionConfiguration(f) => {
            let (name, q) = qualified(req, &f);
            let func = lookup(w, ctx, &name)?;
            Ok(json(
                200,
                &Value::Object(render_qualified(func, q.as_deref())?),
            ))
        }
        UpdateFunctionConfiguration(f) => update_configuration(w, ctx, &f, body),
        UpdateFunctionCode(f) => update_code(w, ctx, &f, body),
        ListVersionsByFunction(f) => list_versions(w, ctx, req, &f),
        PublishVersion(f) => publish_version(w, ctx, &f, body),
        ListAliases(f) => list_aliases(w, ctx, req, &f),
        CreateAlias(f) => create_alias(w, ctx, &f, body),
        GetAlias(f, a) => {
            let func = lookup(w, ctx, &split_name(&f).0)?;
            let alias = func
                .aliases
                .get(&a)
                .ok_or_else(|| not_found(&format!("Cannot find alias arn: {}:{a}", func.arn)))?;
            Ok(json(200, &alias_json(func, &a, alias)))
        }
        UpdateAlias(f, a) => update_alias(w, ctx, &f, &a, body),
        DeleteAlias(f, a) => {
            let func = lookup_mut(w, ctx, &split_name(&f).0)?;
            func.aliases.remove(&a);
            func.policy.remove(&a);
            Ok(empty(204))
        }
        GetPolicy(f) => get_policy(w, ctx, req, &f),
        AddPermission(f) => add_permission(w, ctx, req, &f, body),
        RemovePermission(f, sid) => remove_permission(w, ctx, req, &f, &sid),
        ListTags(arn) => {
            let func = by_arn(w, ctx, &arn)?;
            Ok(json(200, &json!({"Tags": func.tags})))
        }
        TagResource(arn) => {
            let tags = string_map(body.get("Tags"))
                .ok_or_else(|| validation("tags", "Member must not be null"))?;
            if tags.len() > 50 {
                return Err(invalid("Number of tags exceeds resource tag limit."));
            }
            let func = by_arn_mut(w, ctx, &arn)?;
            func.tags.extend(tags);
            Ok(empty(204))
        }
        UntagResource(arn) => {
            let keys: Vec<String> = req
                .query()
                .into_iter()
                .filter(|(k, _)| k == "tagKeys")
                .map(|(_, v)| v)
                .collect();
            if keys.is_empty() {
                return Err(validation("tagKeys", "Member must not be null"));
            }
            let func = by_arn_mut(w, ctx, &arn)?;
            for k in keys {
                func.tags.remove(&k);
            }
            Ok(empty(204))
        }
        PutFunctionConcurrency(f) => put_concurrency(w, ctx, &f, body),
        GetFunctionConcurrency(f) => {
            let func = lookup(w, ctx, &split_name(&f).0)?;
            Ok(json(
                200,
                &match func.reserved {
                    Some(n) => json!({"ReservedConcurrentExecutions": n}),
                    None => json!({}),
                },
            ))
        }
        DeleteFunctionConcurrency(f) => {
            lookup_mut(w, ctx, &split_name(&f).0)?.reserved = None;
            Ok(empty(204))
        }
    }
}

fn qualified(req: &Req, raw: &str) -> (String, Option<String>) {
    let (name, q) = split_name(raw);
    (name, req.query_one("Qualifier").or(q))
}

fn lookup<'a>(w: &'a mut World, ctx: &Ctx, name: &str) -> Result<&'a Function, Response> {
    let arn = ctx.function_arn(name);
    w.lambda_region(&ctx.account, &ctx.region)
        .functions
        .get(name)
        .ok_or_else(|| not_found(&format!("Function not found: {arn}")))
}

fn lookup_mut<'a>(w: &'a mut World, ctx: &Ctx, name: &str) -> Result<&'a mut Function, Response> {
    let arn = ctx.function_arn(name);
    w.lambda_region(&ctx.account, &ctx.region)
        .functions
        .get_mut(name)
        .ok_or_else(|| not_found(&format!("Function not found: {arn}")))
}

fn by_arn<'a>(w: &'a mut World, ctx: &Ctx, arn: &str) -> Result<&'a Function, Response> {
    if !arn.starts_with("arn:") {
        return Err(validation(
            "resource",
            "Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*):lambda:.*",
        ));
    }
    lookup(w, ctx, &split_name(arn).0)
}

fn by_arn_mut<'a>(w: &'a mut World, ctx: &Ctx, arn: &str) -> Result<&'a mut Function, Response> {
    if !arn.starts_with("arn:") {
        return Err(validation(
            "resource",
            "Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*):lambda:.*",
        ));
    }
    lookup_mut(w, ctx, &split_name(arn).0)
}

fn string_map(v: Option<&Value>) -> Option<BTreeMap<String, String>> {
    v?.as_object().map(|m| {
        m.iter()
            .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_owned())))
            .collect()
    })
}

/// The FunctionConfiguration of $LATEST.
fn render(func: &Function) -> Map<String, Value> {
    let mut m = func.config.clone();
    m.insert("FunctionName".into(), json!(func.name));
    m.insert("FunctionArn".into(), json!(func.arn));
    m.insert("CodeSha256".into(), json!(func.code.sha256_b64));
    m.insert("CodeSize".into(), json!(func.code.size));
    m.insert("LastModified".into(), json!(func.last_modified));
    m.insert("Version".into(), json!("$LATEST"));
    m.insert("RevisionId".into(), json!(func.revision_id));
    let busy = func.busy();
    m.insert(
        "State".into(),
        json!(if busy && func.creating {
            "Pending"
        } else {
            "Active"
        }),
    );
    if busy && func.creating {
        m.insert(
            "StateReason".into(),
            json!("The function is being created."),
        );
        m.insert("StateReasonCode".into(), json!("Creating"));
    }
    m.insert(
        "LastUpdateStatus".into(),
        json!(if busy { "InProgress" } else { "Successful" }),
    );
    m.insert(
        "LoggingConfig".into(),
        json!({"LogFormat": "Text", "LogGroup": format!("/aws/lambda/{}", func.name)}),
    );
    m.insert(
        "SnapStart".into(),
        json!({"ApplyOn": "None", "OptimizationStatus": "Off"}),
    );
    m
}

fn render_version(func: &Function, n: u64, v: &Version) -> Map<String, Value> {
    let mut m = v.config.clone();
    m.insert("FunctionName".into(), json!(func.name));
    m.insert("FunctionArn".into(), json!(format!("{}:{n}", func.arn)));
    m.insert("CodeSha256".into(), json!(v.code.sha256_b64));
    m.insert("CodeSize".into(), json!(v.code.size));
    m.insert("LastModified".into(), json!(v.last_modified));
    m.insert("Version".into(), json!(n.to_string()));
    m.insert("Description".into(), json!(v.description));
    m.insert("RevisionId".into(), json!(v.revision_id));
    m.insert("State".into(), json!("Active"));
    m.insert("LastUpdateStatus".into(), json!("Successful"));
    m
}

/// Resolves a qualifier ($LATEST, a version number or an alias) to a configuration.
fn render_qualified(func: &Function, q: Option<&str>) -> Result<Map<String, Value>, Response> {
    match resolve(func, q)? {
        None => Ok(render(func)),
        Some(n) => Ok(render_version(func, n, &func.versions[&n])),
    }
}

fn resolve(func: &Function, q: Option<&str>) -> Result<Option<u64>, Response> {
    let nf = || {
        not_found(&format!(
            "Function not found: {}:{}",
            func.arn,
            q.unwrap_or("")
        ))
    };
    match q {
        None | Some("$LATEST") => Ok(None),
        Some(q) => {
            if let Ok(n) = q.parse::<u64>() {
                return func
                    .versions
                    .contains_key(&n)
                    .then_some(Some(n))
                    .ok_or_else(nf);
            }
            let alias = func.aliases.get(q).ok_or_else(nf)?;
            match alias.version.parse::<u64>() {
                Ok(n) => Ok(Some(n)),
                Err(_) => Ok(None),
            }
        }
    }
}

fn code_of(func: &Function, n: Option<u64>) -> &Code {
    match n {
        None => &func.code,
        Some(n) => &func.versions[&n].code,
    }
}

fn page<T: Clone>(
    items: &[T],
    req: &Req,
    max_default: usize,
) -> Result<(Vec<T>, Option<String>), Response> {
    let max = match req.query_one("MaxItems") {
        None => max_default,
        Some(s) => match s.parse::<usize>() {
            Ok(n) if (1..=10000).contains(&n) => n.min(max_default),
            _ => {
                return Err(validation(
                    "maxItems",
                    "Member must have value between 1 and 10000",
                ))
            }
        },
    };
    let start = match req.query_one("Marker") {
        None => 0,
        Some(m) => decode_marker(&m).ok_or_else(|| invalid("Invalid Marker"))?,
    };
    let end = (start + max).min(items.len());
    let slice = items
        .get(start..end)
        .map(|s| s.to_vec())
        .unwrap_or_default();
    let next = (end < items.len()).then(|| encode_marker(end));
    Ok((slice, next))
}

/// Opaque pagination tokens, as AWS's are.
fn encode_marker(offset: usize) -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("sandbox-marker:{offset}"))
}
fn decode_marker(m: &str) -> Option<usize> {
    let raw = base64::engine::general_purpose::STANDARD.decode(m).ok()?;
    String::from_utf8(raw)
        .ok()?
        .strip_prefix("sandbox-marker:")?
        .parse()
        .ok()
}

fn list_functions(w: &mut World, ctx: &Ctx, req: &Req) -> Res {
    // FunctionVersion=ALL lists every published version after each $LATEST, as AWS does.
    let all_versions = match req.query_one("FunctionVersion").as_deref() {
        None => false,
        Some("ALL") => true,
        Some(_) => {
            return Err(validation(
                "functionVersion",
                "Member must satisfy enum value set: [ALL]",
            ))
        }
    };
    let all: Vec<Value> = w
        .lambda_region(&ctx.account, &ctx.region)
        .functions
        .values()
        .flat_map(|f| {
            let mut items = vec![Value::Object(render(f))];
            if all_versions {
                items.extend(
                    f.versions
                        .iter()
                        .map(|(n, v)| Value::Object(render_version(f, *n, v))),
                );
            }
            items
        })
        .collect();
    let (items, next) = page(&all, req, 50)?;
    let mut out = json!({"Functions": items});
    if let Some(n) = next {
        out["NextMarker"] = json!(n);
    }
    Ok(json(200, &out))
}

/// Validates the writable configuration fields present in `body` and merges them into `config`.
fn apply_config(
    ctx: &Ctx,
    config: &mut Map<String, Value>,
    body: &Value,
    creating: bool,
) -> Result<(), Response> {
    let get = |k: &str| body.get(k).filter(|v| !v.is_null());
    if let Some(v) = get("Role") {
        let role = v.as_str().unwrap_or("");
        let parts: Vec<&str> = role.splitn(6, ':').collect();
        let pattern_ok = parts.len() == 6
            && parts[0] == "arn"
            && parts[2] == "iam"
            && parts[4].len() == 12
            && parts[5].starts_with("role/");
        if !pattern_ok {
            return Err(validation("role", "Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+"));
        }
        // An execution role must live in the function's own account.
        if parts[4] != ctx.account {
            return Err(invalid(
                "The role defined for the function cannot be assumed by Lambda.",
            ));
        }
        config.insert("Role".into(), json!(role));
    }
    if let Some(v) = get("Runtime") {
        let r = v.as_str().unwrap_or("");
        if !RUNTIMES.contains(&r) {
            return Err(invalid(&format!("Value {r} at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: {RUNTIMES:?}")));
        }
        config.insert("Runtime".into(), json!(r));
    }
    if let Some(v) = get("Handler") {
        let h = v.as_str().unwrap_or("");
        if h.len() > 128 {
            return Err(validation(
                "handler",
                "Member must have length less than or equal to 128",
            ));
        }
        config.insert("Handler".into(), json!(h));
    }
    if let Some(v) = get("Description") {
        let d = v.as_str().unwrap_or("");
        if d.len() > 256 {
            return Err(validation(
                "description",
                "Member must have length less than or equal to 256",
            ));
        }
        config.insert("Description".into(), json!(d));
    }
    if let Some(v) = get("Timeout") {
        match v.as_i64() {
            Some(t) if t < 1 => {
                return Err(validation(
                    "timeout",
                    "Member must have value greater than or equal to 1",
                ))
            }
            Some(t) if t > 900 => {
                return Err(invalid(&format!(
                    "{t} is not a valid timeout. Timeout must be between 1 and 900 seconds."
                )))
            }
            Some(t) => {
                config.insert("Timeout".into(), json!(t));
            }
            None => {
                return Err(json_error(
                    400,
                    "SerializationException",
                    "Timeout must be a number",
                ))
            }
        }
    }
    if let Some(v) = get("MemorySize") {
        match v.as_i64() {
            Some(m) if (128..=10240).contains(&m) => {
                config.insert("MemorySize".into(), json!(m));
            }
            _ => {
                return Err(validation(
                    "memorySize",
                    "Member must have value between 128 and 10240",
                ))
            }
        }
    }
    if let Some(v) = get("EphemeralStorage") {
        match v.get("Size").and_then(Value::as_i64) {
            Some(s) if (512..=10240).contains(&s) => {
                config.insert("EphemeralStorage".into(), json!({"Size": s}));
            }
            _ => {
                return Err(validation(
                    "ephemeralStorage.size",
                    "Member must have value between 512 and 10240",
                ))
            }
        }
    }
    if let Some(v) = get("Environment") {
        let vars = string_map(v.get("Variables")).unwrap_or_default();
        let size: usize = vars.iter().map(|(k, v)| k.len() + v.len()).sum();
        if size > 4096 {
            return Err(invalid("Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit."));
        }
        for k in vars.keys() {
            let ok = k.len() >= 2
                && k.starts_with(|c: char| c.is_ascii_alphabetic())
                && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !ok {
                return Err(validation("environment.variables", "Map keys must satisfy constraint: [Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]"));
            }
            if RESERVED_ENV.contains(&k.as_str()) {
                return Err(invalid(&format!("Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: {k}")));
            }
        }
        config.insert("Environment".into(), json!({"Variables": vars}));
    }
    if let Some(v) = get("Layers") {
        let layers: Vec<&str> = v
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if layers.len() > 5 {
            return Err(invalid("Cannot reference more than 5 layers."));
        }
        for l in &layers {
            let parts: Vec<&str> = l.split(':').collect();
            if parts.len() != 8
                || parts[0] != "arn"
                || parts[2] != "lambda"
                || parts[5] != "layer"
                || parts[7].parse::<u64>().is_err()
            {
                return Err(validation("layers", "Member must satisfy constraint: [Member must satisfy regular expression pattern: arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+]"));
            }
        }
        let rendered: Vec<Value> = layers
            .iter()
            .map(|l| json!({"Arn": l, "CodeSize": 0}))
            .collect();
        if rendered.is_empty() {
            config.remove("Layers");
        } else {
            config.insert("Layers".into(), json!(rendered));
        }
    }
    if let Some(v) = get("VpcConfig") {
        let subnets = v.get("SubnetIds").cloned().unwrap_or(json!([]));
        let sgs = v.get("SecurityGroupIds").cloned().unwrap_or(json!([]));
        let has_vpc = subnets.as_array().is_some_and(|a| !a.is_empty());
        if subnets.as_array().map_or(0, Vec::len) > 16 || sgs.as_array().map_or(0, Vec::len) > 5 {
            return Err(validation(
                "vpcConfig",
                "Member must have at most 16 subnets and 5 security groups",
            ));
        }
        let mut vpc = json!({"SubnetIds": subnets, "SecurityGroupIds": sgs});
        if has_vpc {
            vpc["VpcId"] = json!("vpc-0sandbox0000000");
            vpc["Ipv6AllowedForDualStack"] = json!(v
                .get("Ipv6AllowedForDualStack")
                .and_then(Value::as_bool)
                .unwrap_or(false));
        }
        config.insert("VpcConfig".into(), vpc);
    }
    if let Some(v) = get("DeadLetterConfig") {
        let target = v.get("TargetArn").and_then(Value::as_str).unwrap_or("");
        if !target.is_empty()
            && !(target.starts_with("arn:")
                && (target.contains(":sqs:") || target.contains(":sns:")))
        {
            return Err(invalid(
                "The provided target ARN is not a valid SQS queue or SNS topic ARN.",
            ));
        }
        if target.is_empty() {
            config.remove("DeadLetterConfig");
        } else {
            config.insert("DeadLetterConfig".into(), json!({"TargetArn": target}));
        }
    }
    if let Some(v) = get("TracingConfig") {
        let mode = v
            .get("Mode")
            .and_then(Value::as_str)
            .unwrap_or("PassThrough");
        if mode != "Active" && mode != "PassThrough" {
            return Err(validation(
                "tracingConfig.mode",
                "Member must satisfy enum value set: [Active, PassThrough]",
            ));
        }
        config.insert("TracingConfig".into(), json!({"Mode": mode}));
    }
    if let Some(v) = get("KMSKeyArn") {
        // An empty KMSKeyArn puts the function back on the default (AWS-managed) key.
        match v.as_str() {
            Some("") => {
                config.remove("KMSKeyArn");
            }
            _ => {
                config.insert("KMSKeyArn".into(), v.clone());
            }
        }
    }
    if creating {
        config.entry("Description").or_insert(json!(""));
        config.entry("Timeout").or_insert(json!(3));
        config.entry("MemorySize").or_insert(json!(128));
        config
            .entry("TracingConfig")
            .or_insert(json!({"Mode": "PassThrough"}));
        config
            .entry("EphemeralStorage")
            .or_insert(json!({"Size": 512}));
    }
    Ok(())
}

fn decode_code(code: &Value) -> Result<Code, Response> {
    if let Some(uri) = code.get("ImageUri").and_then(Value::as_str) {
        let digest = hex::encode(Sha256::digest(uri.as_bytes()));
        return Ok(Code {
            zip: None,
            image_uri: Some(uri.into()),
            sha256_b64: digest,
            size: 0,
        });
    }
    if code.get("S3Bucket").is_some() {
        return Err(invalid(
            "The sandbox accepts code as ZipFile or ImageUri, not from S3.",
        ));
    }
    let Some(b64) = code.get("ZipFile").and_then(Value::as_str) else {
        return Err(invalid("Please provide a source for function code."));
    };
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .map_err(|_| json_error(400, "SerializationException", "ZipFile is not valid base64"))?;
    if !(bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06")) {
        return Err(invalid(
            "Could not unzip uploaded file. Please check your file, then try to upload again.",
        ));
    }
    Ok(Code {
        sha256_b64: base64::engine::general_purpose::STANDARD.encode(Sha256::digest(&bytes)),
        size: bytes.len() as u64,
        zip: Some(Arc::new(bytes)),
        image_uri: None,
    })
}

fn create_function(w: &mut World, ctx: &Ctx, body: &Value) -> Res {
    let name = body
        .get("FunctionName")
        .and_then(Value::as_str)
        .unwrap_or("");
    if name.is_empty() {
        return Err(validation("functionName", "Member must not be null"));
    }
    let (name, _) = split_name(name);
    if !valid_function_name(&name) {
        return Err(validation("functionName", "Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?"));
    }
    if body.get("Role").is_none() {
        return Err(validation("role", "Member must not be null"));
    }
    let package_type = body
        .get("PackageType")
        .and_then(Value::as_str)
        .unwrap_or("Zip");
    if package_type != "Zip" && package_type != "Image" {
        return Err(validation(
            "packageType",
            "Member must satisfy enum value set: [Zip, Image]",
        ));
    }
    if package_type == "Zip" && (body.get("Runtime").is_none() || body.get("Handler").is_none()) {
        return Err(invalid("Runtime and Handler are mandatory parameters for functions created with deployment packages."));
    }
    let code = decode_code(body.get("Code").unwrap_or(&Value::Null))?;
    if (package_type == "Image") != code.image_uri.is_some() {
        return Err(invalid(
            "Please provide ImageUri when the PackageType is Image, and a ZipFile otherwise.",
        ));
    }
    let arch = architectures(body)?;
    if w.lambda_region(&ctx.account, &ctx.region)
        .functions
        .contains_key(&name)
    {
        return Err(conflict(&format!("Function already exist: {name}")));
    }
    let mut config = Map::new();
    apply_config(ctx, &mut config, body, true)?;
    config.insert("PackageType".into(), json!(package_type));
    config.insert(
        "Architectures".into(),
        json!([arch.unwrap_or_else(|| "x86_64".into())]),
    );
    let tags = string_map(body.get("Tags")).unwrap_or_default();
    let delay = w.config.lambda_update_delay;
    let mut func = Function {
        arn: ctx.function_arn(&name),
        name: name.clone(),
        config,
        code,
        last_modified: now_string(),
        revision_id: new_revision(),
        busy_until: Instant::now() + delay,
        creating: true,
        versions: BTreeMap::new(),
        next_version: 1,
        aliases: BTreeMap::new(),
        tags,
        reserved: None,
        policy: BTreeMap::new(),
    };
    let out = if body.get("Publish").and_then(Value::as_bool) == Some(true) {
        let n = publish(&mut func, "");
        render_version(&func, n, &func.versions[&n])
    } else {
        render(&func)
    };
    w.lambda_region(&ctx.account, &ctx.region)
        .functions
        .insert(name, func);
    Ok(json(201, &Value::Object(out)))
}

fn architectures(body: &Value) -> Result<Option<String>, Response> {
    let Some(a) = body.get("Architectures").and_then(Value::as_array) else {
        return Ok(None);
    };
    match a.as_slice() {
        [Value::String(s)] if s == "x86_64" || s == "arm64" => Ok(Some(s.clone())),
        _ => Err(validation(
            "architectures",
            "Member must have length 1 and satisfy enum value set: [x86_64, arm64]",
        )),
    }
}

fn check_revision(func: &Function, body: &Value) -> Result<(), Response> {
    match body.get("RevisionId").and_then(Value::as_str) {
        Some(r) if r != func.revision_id => Err(json_error(
            412,
            "PreconditionFailedException",
            "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id",
        )),
        _ => Ok(()),
    }
}

fn touch(func: &mut Function, delay: std::time::Duration) {
    func.last_modified = now_string();
    func.revision_id = new_revision();
    func.busy_until = Instant::now() + delay;
    func.creating = false;
}

fn update_configuration(w: &mut World, ctx: &Ctx, raw: &str, body: &Value) -> Res {
    let delay = w.config.lambda_update_delay;
    let reserved = ["FunctionName"];
    let _ = reserved;
    let func = lookup_mut(w, ctx, &split_name(raw).0)?;
    if func.busy() {
        return Err(in_progress(&func.arn));
    }
    check_revision(func, body)?;
    let mut config = func.config.clone();
    apply_config(ctx, &mut config, body, false)?;
    func.config = config;
    touch(func, delay);
    Ok(json(200, &Value::Object(render(func))))
}

fn update_code(w: &mut World, ctx: &Ctx, raw: &str, body: &Value) -> Res {
    let delay = w.config.lambda_update_delay;
    let func = lookup_mut(w, ctx, &split_name(raw).0)?;
    if func.busy() {
        return Err(in_progress(&func.arn));
    }
    check_revision(func, body)?;
    let code = decode_code(body)?;
    let is_image = func.config.get("PackageType").and_then(Value::as_str) == Some("Image");
    if is_image != code.image_uri.is_some() {
        return Err(invalid("Please don't provide ImageUri when updating a function with packageType Zip, or ZipFile for packageType Image."));
    }
    if let Some(a) = architectures(body)? {
        func.config.insert("Architectures".into(), json!([a]));
    }
    func.code = code;
    touch(func, delay);
    if body.get("Publish").and_then(Value::as_bool) == Some(true) {
        let n = publish(func, "");
        return Ok(json(
            200,
            &Value::Object(render_version(func, n, &func.versions[&n])),
        ));
    }
    Ok(json(200, &Value::Object(render(func))))
}

/// Publishes $LATEST unless the newest version already has the same code and configuration,
/// which AWS answers with that version instead of a new one.
fn publish(func: &mut Function, description: &str) -> u64 {
    if let Some((&n, v)) = func.versions.iter().next_back() {
        if v.code.sha256_b64 == func.code.sha256_b64 && v.config == func.config {
            return n;
        }
    }
    let n = func.next_version;
    func.next_version += 1;
    func.versions.insert(
        n,
        Version {
            config: func.config.clone(),
            code: func.code.clone(),
            description: description.into(),
            last_modified: func.last_modified.clone(),
            revision_id: new_revision(),
        },
    );
    n
}

fn publish_version(w: &mut World, ctx: &Ctx, raw: &str, body: &Value) -> Res {
    let func = lookup_mut(w, ctx, &split_name(raw).0)?;
    if func.busy() {
        return Err(in_progress(&func.arn));
    }
    check_revision(func, body)?;
    if let Some(sha) = body.get("CodeSha256").and_then(Value::as_str) {
        if sha != func.code.sha256_b64 {
            return Err(invalid(&format!(
                "CodeSHA256 ({sha}) is different from current CodeSHA256 in $LATEST ({}). Please try again with the CodeSHA256 in $LATEST.",
                func.code.sha256_b64
            )));
        }
    }
    let desc = body
        .get("Description")
        .and_then(Value::as_str)
        .unwrap_or("");
    let n = publish(func, desc);
    Ok(json(
        201,
        &Value::Object(render_version(func, n, &func.versions[&n])),
    ))
}

fn get_function(w: &mut World, ctx: &Ctx, req: &Req, raw: &str) -> Res {
    let (name, q) = qualified(req, raw);
    let host = ctx.host.clone();
    let func = lookup(w, ctx, &name)?;
    let n = resolve(func, q.as_deref())?;
    let config = render_qualified(func, q.as_deref())?;
    let code = code_of(func, n).clone();
    let tags = func.tags.clone();
    let reserved = func.reserved;
    let code_json = match (&code.zip, &code.image_uri) {
        (Some(zip), _) => {
            let path = w.add_download(zip.clone(), "application/zip");
            json!({"RepositoryType": "S3", "Location": format!("http://{host}{path}")})
        }
        (None, Some(uri)) => {
            json!({"RepositoryType": "ECR", "ImageUri": uri, "ResolvedImageUri": format!("{}@sha256:{}", uri.split(':').next().unwrap_or(uri), code.sha256_b64)})
        }
        _ => json!({}),
    };
    let mut out = json!({"Configuration": config, "Code": code_json, "Tags": tags});
    if let Some(r) = reserved {
        out["Concurrency"] = json!({"ReservedConcurrentExecutions": r});
    }
    Ok(json(200, &out))
}

fn delete_function(w: &mut World, ctx: &Ctx, req: &Req, raw: &str) -> Res {
    let (name, q) = qualified(req, raw);
    let func = lookup_mut(w, ctx, &name)?;
    match q.as_deref() {
        None | Some("$LATEST") => {
            w.lambda_region(&ctx.account, &ctx.region)
                .functions
                .remove(&name);
        }
        Some(v) => {
            let n: u64 = v.parse().map_err(|_| {
                invalid(
                    "Deletion of aliases is not supported with DeleteFunction; use DeleteAlias.",
                )
            })?;
            if let Some((a, _)) = func.aliases.iter().find(|(_, al)| al.version == v) {
                return Err(conflict(&format!(
                    "Unable to delete version because the following aliases reference it: [{a}]"
                )));
            }
            if func.versions.remove(&n).is_none() {
                return Err(not_found(&format!("Function not found: {}:{n}", func.arn)));
            }
        }
    }
    Ok(empty(204))
}

fn list_versions(w: &mut World, ctx: &Ctx, req: &Req, raw: &str) -> Res {
    let func = lookup(w, ctx, &split_name(raw).0)?;
    let mut all = vec![Value::Object(render(func))];
    all.extend(
        func.versions
            .iter()
            .map(|(n, v)| Value::Object(render_version(func, *n, v))),
    );
    let (items, next) = page(&all, req, 50)?;
    let mut out = json!({"Versions": items});
    if let Some(n) = next {
        out["NextMarker"] = json!(n);
    }
    Ok(json(200, &out))
}

fn alias_json(func: &Function, name: &str, a: &Alias) -> Value {
    let mut v = json!({
        "AliasArn": format!("{}:{name}", func.arn),
        "Name": name,
        "FunctionVersion": a.version,
        "Description": a.description,
        "RevisionId": a.revision_id,
    });
    if let Some(r) = &a.routing {
        v["RoutingConfig"] = r.clone();
    }
    v
}

fn valid_alias_name(n: &str) -> bool {
    (1..=128).contains(&n.len())
        && n.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        && !n.chars().all(|c| c.is_ascii_digit())
}

fn check_alias_target(
    func: &Function,
    version: &str,
    routing: Option<&Value>,
) -> Result<(), Response> {
    if version != "$LATEST" {
        let ok = version
            .parse::<u64>()
            .ok()
            .is_some_and(|n| func.versions.contains_key(&n));
        if !ok {
            return Err(not_found(&format!(
                "Function not found: {}:{version}",
                func.arn
            )));
        }
    }
    if let Some(weights) = routing
        .and_then(|r| r.get("AdditionalVersionWeights"))
        .and_then(Value::as_object)
    {
        for (v, wgt) in weights {
            let w = wgt.as_f64().unwrap_or(-1.0);
            if !(0.0..=1.0).contains(&w) {
                return Err(validation(
                    "routingConfig.additionalVersionWeights",
                    "Map value must be between 0.0 and 1.0",
                ));
            }
            if v.parse::<u64>()
                .ok()
                .is_none_or(|n| !func.versions.contains_key(&n))
            {
                return Err(invalid(&format!(
                    "Version {v} of function {} does not exist",
                    func.name
                )));
            }
        }
    }
    Ok(())
}

fn create_alias(w: &mut World, ctx: &Ctx, raw: &str, body: &Value) -> Res {
    let name = body.get("Name").and_then(Value::as_str).unwrap_or("");
    if !valid_alias_name(name) {
        return Err(validation(
            "name",
            "Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)",
        ));
    }
    let Some(version) = body.get("FunctionVersion").and_then(Value::as_str) else {
        return Err(validation("functionVersion", "Member must not be null"));
    };
    let func = lookup_mut(w, ctx, &split_name(raw).0)?;
    if func.aliases.contains_key(name) {
        return Err(conflict(&format!(
            "Alias already exists: {}:{name}",
            func.arn
        )));
    }
    let routing = body.get("RoutingConfig").filter(|v| !v.is_null());
    check_alias_target(func, version, routing)?;
    let alias = Alias {
        version: version.into(),
        description: body
            .get("Description")
            .and_then(Value::as_str)
            .unwrap_or("")
            .into(),
        routing: routing.cloned(),
        revision_id: new_revision(),
    };
    let out = alias_json(func, name, &alias);
    func.aliases.insert(name.into(), alias);
    Ok(json(201, &out))
}

fn update_alias(w: &mut World, ctx: &Ctx, raw: &str, name: &str, body: &Value) -> Res {
    let func = lookup_mut(w, ctx, &split_name(raw).0)?;
    let Some(existing) = func.aliases.get(name).cloned() else {
        return Err(not_found(&format!("Alias not found: {}:{name}", func.arn)));
    };
    if let Some(r) = body.get("RevisionId").and_then(Value::as_str) {
        if r != existing.revision_id {
            return Err(json_error(
                412,
                "PreconditionFailedException",
                "The Revision Id provided does not match the latest Revision Id.",
            ));
        }
    }
    let version = body
        .get("FunctionVersion")
        .and_then(Value::as_str)
        .unwrap_or(&existing.version)
        .to_owned();
    let routing = match body.get("RoutingConfig") {
        Some(Value::Null) | None => existing.routing.clone(),
        Some(r) => Some(r.clone()),
    };
    check_alias_target(func, &version, routing.as_ref())?;
    let alias = Alias {
        version,
        description: body
            .get("Description")
            .and_then(Value::as_str)
            .map(String::from)
            .unwrap_or(existing.description),
        routing,
        revision_id: new_revision(),
    };
    let out = alias_json(func, name, &alias);
    func.aliases.insert(name.into(), alias);
    Ok(json(200, &out))
}

fn list_aliases(w: &mut World, ctx: &Ctx, req: &Req, raw: &str) -> Res {
    let func = lookup(w, ctx, &split_name(raw).0)?;
    let filter = req.query_one("FunctionVersion");
    let all: Vec<Value> = func
        .aliases
        .iter()
        .filter(|(_, a)| filter.as_ref().is_none_or(|v| *v == a.version))
        .map(|(n, a)| alias_json(func, n, a))
        .collect();
    let (items, next) = page(&all, req, 50)?;
    let mut out = json!({"Aliases": items});
    if let Some(n) = next {
        out["NextMarker"] = json!(n);
    }
    Ok(json(200, &out))
}

fn put_concurrency(w: &mut World, ctx: &Ctx, raw: &str, body: &Value) -> Res {
    let Some(n) = body
        .get("ReservedConcurrentExecutions")
        .and_then(Value::as_i64)
    else {
        return Err(validation(
            "reservedConcurrentExecutions",
            "Member must not be null",
        ));
    };
    if n < 0 {
        return Err(validation(
            "reservedConcurrentExecutions",
            "Member must have value greater than or equal to 0",
        ));
    }
    let name = split_name(raw).0;
    lookup(w, ctx, &name)?;
    // The account limit is 1000 and at least 100 must stay unreserved.
    let others: i64 = w
        .lambda_region(&ctx.account, &ctx.region)
        .functions
        .values()
        .filter(|f| f.name != name)
        .filter_map(|f| f.reserved)
        .sum();
    if others + n > 900 {
        return Err(invalid("Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [100]."));
    }
    lookup_mut(w, ctx, &name)?.reserved = Some(n);
    Ok(json(200, &json!({"ReservedConcurrentExecutions": n})))
}

fn policy_key(func: &Function, q: Option<&str>) -> Result<String, Response> {
    match q {
        None | Some("$LATEST") => Ok(String::new()),
        Some(q) => {
            resolve(func, Some(q))?;
            Ok(q.to_owned())
        }
    }
}

fn get_policy(w: &mut World, ctx: &Ctx, req: &Req, raw: &str) -> Res {
    let (name, q) = qualified(req, raw);
    let func = lookup(w, ctx, &name)?;
    let key = policy_key(func, q.as_deref())?;
    let statements = func
        .policy
        .get(&key)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| not_found("The resource you requested does not exist."))?;
    let doc = json!({"Version": "2012-10-17", "Id": "default", "Statement": statements});
    Ok(json(
        200,
        &json!({"Policy": doc.to_string(), "RevisionId": func.revision_id}),
    ))
}

fn add_permission(w: &mut World, ctx: &Ctx, req: &Req, raw: &str, body: &Value) -> Res {
    let s = |k: &str| body.get(k).and_then(Value::as_str).map(String::from);
    let sid = s("StatementId").unwrap_or_default();
    if !(1..=100).contains(&sid.len())
        || !sid
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    {
        return Err(validation(
            "statementId",
            "Member must satisfy regular expression pattern: ([a-zA-Z0-9-_.]+)",
        ));
    }
    let action = s("Action").unwrap_or_default();
    if !(action == "*"
        || action == "lambda:*"
        || action
            .strip_prefix("lambda:")
            .is_some_and(|a| !a.is_empty() && a.chars().all(|c| c.is_ascii_alphabetic())))
    {
        return Err(validation(
            "action",
            "Member must satisfy regular expression pattern: (lambda:[*]|lambda:[a-zA-Z]+|[*])",
        ));
    }
    let Some(principal) = s("Principal") else {
        return Err(validation("principal", "Member must not be null"));
    };
    let (name, q) = qualified(req, raw);
    let func = lookup_mut(w, ctx, &name)?;
    let key = policy_key(func, q.as_deref())?;
    if func
        .policy
        .get(&key)
        .is_some_and(|st| st.iter().any(|x| x["Sid"] == json!(sid)))
    {
        return Err(conflict(&format!("The statement id ({sid}) provided already exists. Please provide a new statement id, or remove the existing statement.")));
    }
    let principal_json = if principal == "*" {
        json!("*")
    } else if principal.ends_with(".amazonaws.com") {
        json!({"Service": principal})
    } else if principal.len() == 12 && principal.chars().all(|c| c.is_ascii_digit()) {
        json!({"AWS": format!("arn:aws:iam::{principal}:root")})
    } else {
        json!({"AWS": principal})
    };
    let resource = if key.is_empty() {
        func.arn.clone()
    } else {
        format!("{}:{key}", func.arn)
    };
    let mut cond = Map::new();
    if let Some(a) = s("SourceArn") {
        cond.insert("ArnLike".into(), json!({"AWS:SourceArn": a}));
    }
    let mut equals = Map::new();
    if let Some(a) = s("SourceAccount") {
        equals.insert("AWS:SourceAccount".into(), json!(a));
    }
    if let Some(o) = s("PrincipalOrgID") {
        equals.insert("aws:PrincipalOrgID".into(), json!(o));
    }
    if let Some(t) = s("EventSourceToken") {
        equals.insert("lambda:EventSourceToken".into(), json!(t));
    }
    if let Some(t) = s("FunctionUrlAuthType") {
        equals.insert("lambda:FunctionUrlAuthType".into(), json!(t));
    }
    if !equals.is_empty() {
        cond.insert("StringEquals".into(), Value::Object(equals));
    }
    let mut st = json!({"Sid": sid, "Effect": "Allow", "Principal": principal_json, "Action": action, "Resource": resource});
    if !cond.is_empty() {
        st["Condition"] = Value::Object(cond);
    }
    func.policy.entry(key).or_default().push(st.clone());
    func.revision_id = new_revision();
    Ok(json(201, &json!({"Statement": st.to_string()})))
}

fn remove_permission(w: &mut World, ctx: &Ctx, req: &Req, raw: &str, sid: &str) -> Res {
    let (name, q) = qualified(req, raw);
    let func = lookup_mut(w, ctx, &name)?;
    let key = policy_key(func, q.as_deref())?;
    let list = func.policy.entry(key).or_default();
    let before = list.len();
    list.retain(|s| s["Sid"] != json!(sid));
    if list.len() == before {
        return Err(not_found(&format!(
            "Statement {sid} is not found in resource policy."
        )));
    }
    func.revision_id = new_revision();
    Ok(empty(204))
}

/// Creates a function directly, for seed data: no HTTP, no quotas.
#[allow(clippy::too_many_arguments)]
pub fn seed_function(
    w: &mut World,
    account: &str,
    region: &str,
    name: &str,
    body: Value,
) -> Result<(), String> {
    let ctx = Ctx {
        account: account.into(),
        region: region.into(),
        host: String::new(),
    };
    let saved = w.config.lambda_update_delay;
    w.config.lambda_update_delay = std::time::Duration::ZERO;
    let mut body = body;
    body["FunctionName"] = json!(name);
    let r = create_function(w, &ctx, &body)
        .map(|_| ())
        .map_err(|_| format!("seeding {name} failed"));
    w.config.lambda_update_delay = saved;
    r
}

/// Seed helpers: publish a version and point an alias at it.
pub fn seed_publish(
    w: &mut World,
    account: &str,
    region: &str,
    name: &str,
    alias: Option<&str>,
) -> Option<u64> {
    let func = w.lambda_region(account, region).functions.get_mut(name)?;
    let n = publish(func, "seeded");
    if let Some(a) = alias {
        func.aliases.insert(
            a.into(),
            Alias {
                version: n.to_string(),
                description: String::new(),
                routing: None,
                revision_id: new_revision(),
            },
        );
    }
    Some(n)
}

pub fn seed_update(
    w: &mut World,
    account: &str,
    region: &str,
    name: &str,
    f: impl FnOnce(&mut Function),
) {
    if let Some(func) = w.lambda_region(account, region).functions.get_mut(name) {
        f(func);
        func.revision_id = new_revision();
    }
}

pub fn seed_permission(w: &mut World, account: &str, region: &str, name: &str, body: Value) {
    let ctx = Ctx {
        account: account.into(),
        region: region.into(),
        host: String::new(),
    };
    let req = Req {
        method: Method::POST,
        uri: "/".parse().expect("static uri"),
        headers: Default::default(),
        body: Default::default(),
    };
    let _ = add_permission(w, &ctx, &req, name, &body);
}
