//! Functions: create, read, update configuration and code, delete, list.

use super::model::{code_of, render, render_version, Code, Function, RESERVED_ENV, RUNTIMES};
use super::support::{
    check_revision, conflict, in_progress, invalid, lookup, lookup_mut, new_revision, not_found,
    now_string, page, qualified, render_qualified, resolve, split_name, string_map,
    valid_function_name, validation, Ctx, Res,
};
use super::versions::publish;
use crate::http::{empty, json, json_error, Req};
use crate::state::World;
use axum::response::Response;
use base64::Engine;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

pub(super) fn list_functions(w: &mut World, ctx: &Ctx, req: &Req) -> Res {
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
    let now = w.clock.now();
    let all: Vec<Value> = w
        .lambda_region(&ctx.account, &ctx.region)
        .functions
        .values()
        .flat_map(|f| {
            let mut items = vec![Value::Object(render(f, now))];
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
pub(super) fn apply_config(
    ctx: &Ctx,
    config: &mut Map<String, Value>,
    body: &Value,
    creating: bool,
) -> Result<(), Response> {
    apply_runtime_settings(ctx, config, body)?;
    apply_environment_and_layers(config, body)?;
    apply_network_and_tracing(config, body)?;
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

/// Role, runtime, handler, description, timeout, memory and ephemeral storage.
fn apply_runtime_settings(
    ctx: &Ctx,
    config: &mut Map<String, Value>,
    body: &Value,
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
    Ok(())
}

/// Environment variables and layers.
fn apply_environment_and_layers(
    config: &mut Map<String, Value>,
    body: &Value,
) -> Result<(), Response> {
    let get = |k: &str| body.get(k).filter(|v| !v.is_null());
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
    Ok(())
}

/// VPC, dead-letter queue, tracing and KMS key.
fn apply_network_and_tracing(
    config: &mut Map<String, Value>,
    body: &Value,
) -> Result<(), Response> {
    let get = |k: &str| body.get(k).filter(|v| !v.is_null());
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
    Ok(())
}

pub(super) fn decode_code(code: &Value) -> Result<Code, Response> {
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

pub(super) fn create_function(w: &mut World, ctx: &Ctx, body: &Value) -> Res {
    super::layers::check_layers(w, ctx, body)?;
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
        busy_until: w.clock.now() + delay,
        creating: true,
        versions: BTreeMap::new(),
        next_version: 1,
        aliases: BTreeMap::new(),
        tags,
        reserved: None,
        policy: BTreeMap::new(),
        event_invoke: None,
    };
    let out = if body.get("Publish").and_then(Value::as_bool) == Some(true) {
        let n = publish(&mut func, "");
        render_version(&func, n, &func.versions[&n])
    } else {
        render(&func, w.clock.now())
    };
    w.lambda_region(&ctx.account, &ctx.region)
        .functions
        .insert(name, func);
    Ok(json(201, &Value::Object(out)))
}

pub(super) fn architectures(body: &Value) -> Result<Option<String>, Response> {
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

pub(super) fn touch(func: &mut Function, until: Instant) {
    func.last_modified = now_string();
    func.revision_id = new_revision();
    func.busy_until = until;
    func.creating = false;
}

pub(super) fn update_configuration(w: &mut World, ctx: &Ctx, raw: &str, body: &Value) -> Res {
    let delay = w.config.lambda_update_delay;
    let reserved = ["FunctionName"];
    let _ = reserved;
    super::layers::check_layers(w, ctx, body)?;
    let now = w.clock.now();
    let func = lookup_mut(w, ctx, &split_name(raw).0)?;
    if func.busy(now) {
        return Err(in_progress(&func.arn));
    }
    check_revision(func, body)?;
    let mut config = func.config.clone();
    apply_config(ctx, &mut config, body, false)?;
    func.config = config;
    touch(func, now + delay);
    Ok(json(200, &Value::Object(render(func, now))))
}

pub(super) fn update_code(w: &mut World, ctx: &Ctx, raw: &str, body: &Value) -> Res {
    let (now, delay) = (w.clock.now(), w.config.lambda_update_delay);
    let func = lookup_mut(w, ctx, &split_name(raw).0)?;
    if func.busy(now) {
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
    touch(func, now + delay);
    if body.get("Publish").and_then(Value::as_bool) == Some(true) {
        let n = publish(func, "");
        return Ok(json(
            200,
            &Value::Object(render_version(func, n, &func.versions[&n])),
        ));
    }
    Ok(json(200, &Value::Object(render(func, now))))
}

pub(super) fn get_function(w: &mut World, ctx: &Ctx, req: &Req, raw: &str) -> Res {
    let (name, q) = qualified(req, raw);
    let (host, now) = (ctx.host.clone(), w.clock.now());
    let func = lookup(w, ctx, &name)?;
    let n = resolve(func, q.as_deref())?;
    let config = render_qualified(func, q.as_deref(), now)?;
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

pub(super) fn delete_function(w: &mut World, ctx: &Ctx, req: &Req, raw: &str) -> Res {
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

/// GetFunctionConfiguration.
pub(super) fn get_function_configuration(w: &mut World, ctx: &Ctx, req: &Req, f: String) -> Res {
    let (name, q) = qualified(req, &f);
    let now = w.clock.now();
    let func = lookup(w, ctx, &name)?;
    Ok(json(
        200,
        &Value::Object(render_qualified(func, q.as_deref(), now)?),
    ))
}
