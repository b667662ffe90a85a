//! Layers: versions published per account and region, looked up by ARN, and checked to
//! exist when a function names one of its own account's layers, as Lambda does.

use super::support::{invalid, not_found, now_string, validation, Ctx, Res};
use crate::http::{json, Req};
use crate::state::World;
use serde_json::{json, Value};

fn arn_of(ctx: &Ctx, name: &str, version: u64) -> String {
    format!(
        "arn:aws:lambda:{}:{}:layer:{name}:{version}",
        ctx.region, ctx.account
    )
}

fn valid_layer_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 140
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Publishes the next version of a layer (the content itself is not kept: nothing runs).
pub(super) fn publish_layer_version(w: &mut World, ctx: &Ctx, name: &str, body: &Value) -> Res {
    if !valid_layer_name(name) {
        return Err(validation(
            "layerName",
            "Member must satisfy regular expression pattern: [a-zA-Z0-9-_]+",
        ));
    }
    if body.get("Content").is_none() {
        return Err(validation("content", "Member must not be null"));
    }
    let layers = &mut w.lambda_region(&ctx.account, &ctx.region).layers;
    let versions = layers.entry(name.to_owned()).or_default();
    let version = versions.keys().next_back().map_or(1, |v| v + 1);
    let doc = json!({
        "LayerArn": format!("arn:aws:lambda:{}:{}:layer:{name}", ctx.region, ctx.account),
        "LayerVersionArn": arn_of(ctx, name, version),
        "Version": version,
        "Description": body.get("Description").cloned().unwrap_or(json!("")),
        "CreatedDate": now_string(),
        "CompatibleRuntimes": body.get("CompatibleRuntimes").cloned().unwrap_or(json!([])),
        "Content": {"CodeSize": 0},
    });
    versions.insert(version, doc.clone());
    Ok(json(201, &doc))
}

pub(super) fn get_layer_version(w: &mut World, ctx: &Ctx, name: &str, version: &str) -> Res {
    let n: u64 = version
        .parse()
        .map_err(|_| invalid("Version must be a number"))?;
    w.lambda_region(&ctx.account, &ctx.region)
        .layers
        .get(name)
        .and_then(|v| v.get(&n))
        .map(|doc| json(200, doc))
        .ok_or_else(|| not_found(&format!("Layer version {}", arn_of(ctx, name, n))))
}

/// `GET /2018-10-31/layers?find=LayerVersion&Arn=...`: a version of the caller's account.
pub(super) fn get_layer_version_by_arn(w: &mut World, ctx: &Ctx, req: &Req) -> Res {
    let arn = req.query_one("Arn").unwrap_or_default();
    let parts: Vec<&str> = arn.split(':').collect();
    if parts.len() != 8 || parts[5] != "layer" {
        return Err(validation(
            "arn",
            "Member must satisfy regular expression pattern: arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+",
        ));
    }
    if parts[4] != ctx.account || parts[3] != ctx.region {
        return Err(not_found(&format!("Layer version {arn}")));
    }
    get_layer_version(w, ctx, parts[6], parts[7])
}

/// A function may name a layer of its own account and region only if that version exists.
pub(super) fn check_layers(
    w: &mut World,
    ctx: &Ctx,
    body: &Value,
) -> Result<(), axum::response::Response> {
    let own = format!("arn:aws:lambda:{}:{}:layer:", ctx.region, ctx.account);
    let named: Vec<String> = body
        .get("Layers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .filter(|l| l.starts_with(&own))
        .map(String::from)
        .collect();
    let layers = &w.lambda_region(&ctx.account, &ctx.region).layers;
    for arn in named {
        let rest = &arn[own.len()..];
        let (name, version) = rest.rsplit_once(':').unwrap_or((rest, ""));
        let exists = version
            .parse::<u64>()
            .ok()
            .is_some_and(|v| layers.get(name).is_some_and(|l| l.contains_key(&v)));
        if !exists {
            return Err(invalid(&format!("Layer version {arn} does not exist.")));
        }
    }
    Ok(())
}
