//! What every Lambda operation shares: its context, errors, lookups and paging.

use super::model::{render, render_version, Function};
use crate::http::{json_error, Req};
use crate::state::World;
use axum::response::Response;
use base64::Engine;
use chrono::Utc;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

pub(super) type Res = Result<Response, Response>;

pub(super) fn not_found(what: &str) -> Response {
    json_error(404, "ResourceNotFoundException", what)
}

pub(super) fn invalid(msg: &str) -> Response {
    json_error(400, "InvalidParameterValueException", msg)
}

pub(super) fn validation(field: &str, constraint: &str) -> Response {
    json_error(
        400,
        "ValidationException",
        &format!("1 validation error detected: Value at '{field}' failed to satisfy constraint: {constraint}"),
    )
}

pub(super) fn conflict(msg: &str) -> Response {
    json_error(409, "ResourceConflictException", msg)
}

pub(super) fn in_progress(arn: &str) -> Response {
    conflict(&format!(
        "The operation cannot be performed at this time. An update is in progress for resource: {arn}"
    ))
}

pub(super) fn now_string() -> String {
    Utc::now().format("%Y-%m-%dT%H:%M:%S%.3f+0000").to_string()
}

pub(super) fn new_revision() -> String {
    uuid::Uuid::new_v4().to_string()
}

pub(super) struct Ctx {
    pub(super) account: String,
    pub(super) region: String,
    pub(super) host: String,
}

impl Ctx {
    pub(super) fn function_arn(&self, name: &str) -> String {
        format!(
            "arn:aws:lambda:{}:{}:function:{name}",
            self.region, self.account
        )
    }
}

/// `name`, `name:qualifier`, a full or partial ARN -> (name, qualifier).
pub(super) fn split_name(raw: &str) -> (String, Option<String>) {
    let tail = raw.split_once("function:").map(|(_, t)| t).unwrap_or(raw);
    match tail.split_once(':') {
        Some((n, q)) => (n.to_owned(), Some(q.to_owned())),
        None => (tail.to_owned(), None),
    }
}

pub(super) fn valid_function_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

pub(super) fn qualified(req: &Req, raw: &str) -> (String, Option<String>) {
    let (name, q) = split_name(raw);
    (name, req.query_one("Qualifier").or(q))
}

pub(super) fn lookup<'a>(
    w: &'a mut World,
    ctx: &Ctx,
    name: &str,
) -> Result<&'a Function, Response> {
    let arn = ctx.function_arn(name);
    w.lambda_region(&ctx.account, &ctx.region)
        .functions
        .get(name)
        .ok_or_else(|| not_found(&format!("Function not found: {arn}")))
}

pub(super) fn lookup_mut<'a>(
    w: &'a mut World,
    ctx: &Ctx,
    name: &str,
) -> Result<&'a mut Function, Response> {
    let arn = ctx.function_arn(name);
    w.lambda_region(&ctx.account, &ctx.region)
        .functions
        .get_mut(name)
        .ok_or_else(|| not_found(&format!("Function not found: {arn}")))
}

pub(super) fn by_arn<'a>(w: &'a mut World, ctx: &Ctx, arn: &str) -> Result<&'a Function, Response> {
    if !arn.starts_with("arn:") {
        return Err(validation(
            "resource",
            "Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*):lambda:.*",
        ));
    }
    lookup(w, ctx, &split_name(arn).0)
}

pub(super) fn by_arn_mut<'a>(
    w: &'a mut World,
    ctx: &Ctx,
    arn: &str,
) -> Result<&'a mut Function, Response> {
    if !arn.starts_with("arn:") {
        return Err(validation(
            "resource",
            "Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*):lambda:.*",
        ));
    }
    lookup_mut(w, ctx, &split_name(arn).0)
}

pub(super) fn string_map(v: Option<&Value>) -> Option<BTreeMap<String, String>> {
    v?.as_object().map(|m| {
        m.iter()
            .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_owned())))
            .collect()
    })
}

pub(super) fn page<T: Clone>(
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
pub(super) fn encode_marker(offset: usize) -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("sandbox-marker:{offset}"))
}

pub(super) fn decode_marker(m: &str) -> Option<usize> {
    let raw = base64::engine::general_purpose::STANDARD.decode(m).ok()?;
    String::from_utf8(raw)
        .ok()?
        .strip_prefix("sandbox-marker:")?
        .parse()
        .ok()
}

pub(super) fn check_revision(func: &Function, body: &Value) -> Result<(), Response> {
    match body.get("RevisionId").and_then(Value::as_str) {
        Some(r) if r != func.revision_id => Err(json_error(
            412,
            "PreconditionFailedException",
            "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id",
        )),
        _ => Ok(()),
    }
}

/// Resolves a qualifier ($LATEST, a version number or an alias) to a configuration.
pub(crate) fn render_qualified(
    func: &Function,
    q: Option<&str>,
    now: std::time::Instant,
) -> Result<Map<String, Value>, Response> {
    match resolve(func, q)? {
        None => Ok(render(func, now)),
        Some(n) => Ok(render_version(func, n, &func.versions[&n])),
    }
}

pub(crate) fn resolve(func: &Function, q: Option<&str>) -> Result<Option<u64>, Response> {
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
