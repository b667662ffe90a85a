//! Versions and aliases.

use super::model::{alias_json, render, render_version, Alias, Function, Version};
use super::support::{
    check_revision, conflict, in_progress, invalid, lookup, lookup_mut, new_revision, not_found,
    page, split_name, validation, Ctx, Res,
};
use crate::http::{empty, json, json_error, Req};
use crate::state::World;
use axum::response::Response;
use serde_json::{json, Value};

/// Publishes $LATEST unless the newest version already has the same code and configuration,
/// which AWS answers with that version instead of a new one.
pub(super) fn publish(func: &mut Function, description: &str) -> u64 {
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

pub(super) fn publish_version(w: &mut World, ctx: &Ctx, raw: &str, body: &Value) -> Res {
    let now = w.clock.now();
    let func = lookup_mut(w, ctx, &split_name(raw).0)?;
    if func.busy(now) {
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

pub(super) fn list_versions(w: &mut World, ctx: &Ctx, req: &Req, raw: &str) -> Res {
    let now = w.clock.now();
    let func = lookup(w, ctx, &split_name(raw).0)?;
    let mut all = vec![Value::Object(render(func, now))];
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

pub(super) fn valid_alias_name(n: &str) -> bool {
    (1..=128).contains(&n.len())
        && n.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        && !n.chars().all(|c| c.is_ascii_digit())
}

pub(super) fn check_alias_target(
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

pub(super) fn create_alias(w: &mut World, ctx: &Ctx, raw: &str, body: &Value) -> Res {
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

pub(super) fn update_alias(w: &mut World, ctx: &Ctx, raw: &str, name: &str, body: &Value) -> Res {
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

pub(super) fn list_aliases(w: &mut World, ctx: &Ctx, req: &Req, raw: &str) -> Res {
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

/// GetAlias.
pub(super) fn get_alias(w: &mut World, ctx: &Ctx, f: String, a: String) -> Res {
    let func = lookup(w, ctx, &split_name(&f).0)?;
    let alias = func
        .aliases
        .get(&a)
        .ok_or_else(|| not_found(&format!("Cannot find alias arn: {}:{a}", func.arn)))?;
    Ok(json(200, &alias_json(func, &a, alias)))
}

/// DeleteAlias.
pub(super) fn delete_alias(w: &mut World, ctx: &Ctx, f: String, a: String) -> Res {
    let func = lookup_mut(w, ctx, &split_name(&f).0)?;
    func.aliases.remove(&a);
    func.policy.remove(&a);
    Ok(empty(204))
}
