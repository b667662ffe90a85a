//! Layers (versions published per account and region, looked up by ARN, checked to exist
//! when a function names one of its own account's, as Lambda does) and asynchronous-invocation settings.

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

/// `GET/PUT/DELETE /2019-09-25/functions/{f}/event-invoke-config`: retries, event age and
/// destinations for asynchronous invocations, as the function's unqualified config.
pub(super) fn event_invoke_config(
    w: &mut World,
    ctx: &Ctx,
    method: &str,
    name: &str,
    body: &Value,
) -> Res {
    let func = super::support::lookup_mut(w, ctx, &super::support::split_name(name).0)?;
    let missing = || {
        not_found(&format!(
            "The function {} doesn't have an EventInvokeConfig",
            func.arn
        ))
    };
    match method {
        "GET" => func
            .event_invoke
            .clone()
            .map(|c| json(200, &c))
            .ok_or_else(missing),
        "DELETE" => match func.event_invoke.take() {
            Some(_) => Ok(crate::http::empty(204)),
            None => Err(missing()),
        },
        _ => {
            if let Some(n) = body.get("MaximumRetryAttempts").and_then(Value::as_i64) {
                if !(0..=2).contains(&n) {
                    return Err(validation(
                        "maximumRetryAttempts",
                        "Member must have value less than or equal to 2",
                    ));
                }
            }
            if let Some(n) = body.get("MaximumEventAgeInSeconds").and_then(Value::as_i64) {
                if !(60..=21600).contains(&n) {
                    return Err(validation(
                        "maximumEventAgeInSeconds",
                        "Member must have value between 60 and 21600",
                    ));
                }
            }
            let doc = json!({
                "FunctionArn": func.arn,
                "MaximumRetryAttempts": body.get("MaximumRetryAttempts").cloned().unwrap_or(json!(2)),
                "MaximumEventAgeInSeconds": body.get("MaximumEventAgeInSeconds").cloned().unwrap_or(json!(21600)),
                "DestinationConfig": body.get("DestinationConfig").cloned().unwrap_or(json!({"OnSuccess": {}, "OnFailure": {}})),
                "LastModified": 1_764_547_200.0,
            });
            func.event_invoke = Some(doc.clone());
            Ok(json(200, &doc))
        }
    }
}
