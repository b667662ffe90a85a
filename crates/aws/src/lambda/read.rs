//! Reading a function: its configuration, versions, aliases and resource policy.

use crate::error::{AwsError, AwsResult};
use crate::limiter::Quota;
use crate::provider::{is_not_found, paged, str_of, svc, Ctx};
use aws_sdk_lambda::types::FunctionConfiguration;
use aws_sdk_lambda::Client;
use base64::Engine as _;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// Fields that belong to the function's identity or history, not to what a deploy writes.
pub(super) const NOT_APPLIED: &[&str] = &[
    "FunctionName",
    "Versions",
    "Aliases",
    "CodeSize",
    "ConnectInstances",
    "LexBots",
];

/// The canonical, writable configuration of $LATEST, in AWS's field names.
pub(super) fn config_json(c: &FunctionConfiguration) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("FunctionName".into(), json!(c.function_name()));
    let package = c.package_type().map(|p| p.as_str()).unwrap_or("Zip");
    m.insert("PackageType".into(), json!(package));
    if package == "Zip" {
        m.insert("Runtime".into(), json!(c.runtime().map(|r| r.as_str())));
        m.insert("Handler".into(), json!(c.handler()));
    }
    m.insert("Role".into(), json!(c.role()));
    m.insert("Description".into(), json!(c.description().unwrap_or("")));
    m.insert("Timeout".into(), json!(c.timeout()));
    m.insert("MemorySize".into(), json!(c.memory_size()));
    let vars: BTreeMap<&String, &String> = c
        .environment()
        .and_then(|e| e.variables())
        .map(|v| v.iter().collect())
        .unwrap_or_default();
    m.insert("Environment".into(), json!({"Variables": vars}));
    let layers: Vec<&str> = c.layers().iter().filter_map(|l| l.arn()).collect();
    m.insert("Layers".into(), json!(layers));
    let (subnets, sgs) = c
        .vpc_config()
        .map(|v| (v.subnet_ids().to_vec(), v.security_group_ids().to_vec()))
        .unwrap_or_default();
    m.insert(
        "VpcConfig".into(),
        json!({"SubnetIds": subnets, "SecurityGroupIds": sgs}),
    );
    let dlq = c
        .dead_letter_config()
        .and_then(|d| d.target_arn())
        .filter(|s| !s.is_empty());
    m.insert("DeadLetterConfig".into(), json!({"TargetArn": dlq}));
    m.insert(
        "TracingConfig".into(),
        json!({"Mode": c.tracing_config().and_then(|t| t.mode()).map(|m| m.as_str()).unwrap_or("PassThrough")}),
    );
    m.insert(
        "EphemeralStorage".into(),
        json!({"Size": c.ephemeral_storage().map(|e| e.size()).unwrap_or(512)}),
    );
    let arch: Vec<&str> = c.architectures().iter().map(|a| a.as_str()).collect();
    m.insert(
        "Architectures".into(),
        json!(if arch.is_empty() {
            vec!["x86_64"]
        } else {
            arch
        }),
    );
    if let Some(k) = c.kms_key_arn().filter(|k| !k.is_empty()) {
        m.insert("KMSKeyArn".into(), json!(k));
    }
    m.insert("CodeSha256".into(), json!(c.code_sha256()));
    m.insert("CodeSize".into(), json!(c.code_size()));
    m
}

/// Turns a policy statement back into AddPermission's parameters.
pub(super) fn statement_to_permission(st: &Value) -> Value {
    let mut p = Map::new();
    p.insert("StatementId".into(), st["Sid"].clone());
    p.insert("Action".into(), st["Action"].clone());
    let principal = match &st["Principal"] {
        Value::String(s) => s.clone(),
        Value::Object(o) => {
            if let Some(s) = o.get("Service").and_then(Value::as_str) {
                s.to_owned()
            } else if let Some(a) = o.get("AWS").and_then(Value::as_str) {
                // `arn:aws:iam::123456789012:root` is how AWS records a bare account id.
                a.strip_prefix("arn:aws:iam::")
                    .and_then(|r| r.strip_suffix(":root"))
                    .map(String::from)
                    .unwrap_or_else(|| a.to_owned())
            } else {
                "*".into()
            }
        }
        _ => "*".into(),
    };
    p.insert("Principal".into(), json!(principal));
    let cond = &st["Condition"];
    let pick = |op: &str, key: &str| cond.get(op).and_then(|o| o.get(key)).cloned();
    for (name, op, key) in [
        ("SourceArn", "ArnLike", "AWS:SourceArn"),
        ("SourceAccount", "StringEquals", "AWS:SourceAccount"),
        ("PrincipalOrgID", "StringEquals", "aws:PrincipalOrgID"),
        (
            "EventSourceToken",
            "StringEquals",
            "lambda:EventSourceToken",
        ),
        (
            "FunctionUrlAuthType",
            "StringEquals",
            "lambda:FunctionUrlAuthType",
        ),
    ] {
        if let Some(v) = pick(op, key) {
            p.insert(name.into(), v);
        }
    }
    Value::Object(p)
}

pub(super) fn code_sha_of(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(bytes))
}

/// The subset of a configuration that a deploy compares and writes.
pub(super) fn applied_subset(config: &Value, with_aliases: bool) -> Value {
    let mut m = config.as_object().cloned().unwrap_or_default();
    for k in NOT_APPLIED {
        if *k == "Aliases" && with_aliases {
            continue;
        }
        m.remove(*k);
    }
    Value::Object(m)
}

pub(super) async fn list_versions(ctx: &Ctx, client: &Client, name: &str) -> AwsResult<Vec<Value>> {
    paged(ctx, Quota::LambdaControl, |marker| async move {
        let page = client
            .list_versions_by_function()
            .function_name(name)
            .set_marker(marker)
            .send()
            .await
            .map_err(svc("listing versions"))?;
        let versions = page
            .versions()
            .iter()
            .filter(|v| v.version() != Some("$LATEST"))
            .map(|v| {
                json!({
                    "Version": v.version(),
                    "Description": v.description().unwrap_or(""),
                    "CodeSha256": v.code_sha256(),
                })
            })
            .collect();
        Ok((versions, page.next_marker().map(String::from)))
    })
    .await
}

pub(super) async fn list_aliases(ctx: &Ctx, client: &Client, name: &str) -> AwsResult<Vec<Value>> {
    paged(ctx, Quota::LambdaControl, |marker| async move {
        let page = client
            .list_aliases()
            .function_name(name)
            .set_marker(marker)
            .send()
            .await
            .map_err(svc("listing aliases"))?;
        let aliases = page
            .aliases()
            .iter()
            .map(|a| {
                let routing = a
                    .routing_config()
                    .and_then(|r| r.additional_version_weights())
                    .map(|w| {
                        let sorted: BTreeMap<&String, &f64> = w.iter().collect();
                        json!({"AdditionalVersionWeights": sorted})
                    });
                json!({
                    "Name": a.name(),
                    "FunctionVersion": a.function_version(),
                    "Description": a.description().unwrap_or(""),
                    "RoutingConfig": routing,
                })
            })
            .collect();
        Ok((aliases, page.next_marker().map(String::from)))
    })
    .await
}

pub(super) async fn get_policy(ctx: &Ctx, client: &Client, name: &str) -> AwsResult<Vec<Value>> {
    ctx.pace(Quota::LambdaControl).await;
    let out = match client.get_policy().function_name(name).send().await {
        Ok(o) => o,
        Err(e) if e.as_service_error().is_some_and(is_not_found) => return Ok(Vec::new()),
        Err(e) => return Err(AwsError::service("reading the resource policy", e)),
    };
    let doc: Value = serde_json::from_str(out.policy().unwrap_or("{}"))
        .map_err(|e| AwsError::Service(format!("the resource policy is not JSON: {e}")))?;
    let mut statements: Vec<Value> = doc["Statement"]
        .as_array()
        .map(|s| s.iter().map(statement_to_permission).collect())
        .unwrap_or_default();
    statements.sort_by(|a, b| str_of(a, "StatementId").cmp(&str_of(b, "StatementId")));
    Ok(statements)
}

/// The function's asynchronous-invocation settings and destinations, as
/// PutFunctionEventInvokeConfig takes them; `None` when it has none.
pub(super) async fn get_event_invoke(
    ctx: &Ctx,
    client: &Client,
    name: &str,
) -> AwsResult<Option<Value>> {
    ctx.pace(Quota::LambdaControl).await;
    let out = match client
        .get_function_event_invoke_config()
        .function_name(name)
        .send()
        .await
    {
        Ok(o) => o,
        Err(e) if e.as_service_error().is_some_and(is_not_found) => return Ok(None),
        Err(e) => {
            return Err(AwsError::service(
                "reading the asynchronous invocation settings",
                e,
            ))
        }
    };
    let dest = |d: Option<&str>| json!({"Destination": d});
    let dc = out.destination_config();
    Ok(Some(json!({
        "MaximumRetryAttempts": out.maximum_retry_attempts(),
        "MaximumEventAgeInSeconds": out.maximum_event_age_in_seconds(),
        "DestinationConfig": {
            "OnSuccess": dest(dc.and_then(|c| c.on_success()).and_then(|d| d.destination())),
            "OnFailure": dest(dc.and_then(|c| c.on_failure()).and_then(|d| d.destination())),
        },
    })))
}

/// The layers `desired` names in the target account and region that do not exist there
/// (a remapped layer of the source's own account that was never published in the target).
pub(super) async fn missing_layers(
    ctx: &Ctx,
    desired: &Value,
    remapper: &snapdeploy_core::ArnRemapper,
) -> AwsResult<Vec<snapdeploy_core::Unmapped>> {
    let local = format!(
        "arn:aws:lambda:{}:{}:layer:",
        ctx.region, ctx.account.account_id
    );
    let client = ctx.lambda().await?;
    let mut out = Vec::new();
    let layers = desired["Layers"].as_array().cloned().unwrap_or_default();
    for (i, l) in layers.iter().enumerate() {
        let Some(arn) = l.as_str().filter(|a| a.starts_with(&local)) else {
            continue;
        };
        ctx.pace(Quota::LambdaControl).await;
        match client.get_layer_version_by_arn().arn(arn).send().await {
            Ok(_) => {}
            Err(e) if e.as_service_error().is_some_and(is_not_found) => {
                out.push(snapdeploy_core::Unmapped::missing(
                    format!("/Layers/{i}"),
                    remapper,
                    arn,
                    format!(
                        "no such layer version in account {} region {}; publish it there first",
                        ctx.account.account_id, ctx.region
                    ),
                ));
            }
            Err(e) => return Err(AwsError::service("checking a layer", e)),
        }
    }
    Ok(out)
}
