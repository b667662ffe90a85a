//! What every route shares, written into the OpenAPI document once rather than on each of 32
//! annotations: who may call it (public routes need no bearer), the statuses the edge answers
//! for any route (401 and 403 from sign-in and roles; 413 and 415 for a JSON body), and the
//! shapes of the identifiers the core types accept (account ids, regions, services, `limit`).
//! Clients generated from the document, and schemathesis, then know what the server refuses.

use crate::auth::required_role;
use axum::http::Method;
use serde_json::{json, Map, Value};
use snapdeploy_core::{Role, KNOWN_REGIONS};

const ACCOUNT_FIELDS: &[&str] = &["account_id", "source_account_id", "target_account_id"];
const REGION_FIELDS: &[&str] = &["region", "source_region", "target_region"];

/// Completes utoipa's document with what every route shares.
pub(super) fn complete(doc: &mut Value) {
    for (path, item) in doc["paths"].as_object_mut().into_iter().flatten() {
        for (method, op) in item.as_object_mut().into_iter().flatten() {
            let Ok(m) = Method::from_bytes(method.to_uppercase().as_bytes()) else {
                continue;
            };
            if let Some(op) = op.as_object_mut() {
                operation(path, &m, op);
            }
        }
    }
    for schema in doc["components"]["schemas"]
        .as_object_mut()
        .into_iter()
        .flatten()
    {
        constrain_properties(schema.1);
    }
}

fn error_response(description: &str) -> Value {
    json!({"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}})
}

fn operation(path: &str, method: &Method, op: &mut Map<String, Value>) {
    let role = required_role(method, path);
    let has_body = op.contains_key("requestBody");
    if role.is_none() {
        op.insert("security".into(), json!([]));
    }
    let responses = op
        .entry("responses")
        .or_insert_with(|| json!({}))
        .as_object_mut()
        .expect("responses is an object");
    let mut add = |status: &str, description: &str| {
        responses
            .entry(status.to_owned())
            .or_insert_with(|| error_response(description));
    };
    match role {
        None => {}
        Some(role) => {
            add("401", "no credentials, or credentials that are wrong, expired or revoked (`WWW-Authenticate: Bearer`)");
            // Refused by role, or by a token's or group's account scope. A viewer's reads of
            // what has no account are never refused.
            let unscoped_read = role == Role::Viewer
                && matches!(path, "/me" | "/accounts" | "/promotion-rules" | "/releases");
            if !unscoped_read {
                add(
                    "403",
                    "the signed-in person's role, or their account scope, does not allow this",
                );
            }
        }
    }
    // Routes that reach an account in AWS: the account or region may not allow it, and AWS
    // itself may refuse or fail.
    if matches!(
        path,
        "/extract/{service}"
            | "/extract/{service}/{name}"
            | "/snapshot"
            | "/deploy"
            | "/rollback"
            | "/changes/{id}/approve"
    ) {
        add("422", "the request is well-formed but cannot be done as asked (e.g. the region is not one of the account's registered regions, or the plan has blockers)");
        add("502", "AWS refused or failed (its message is in `message`)");
    }
    if has_body {
        add(
            "400",
            "the body is not valid JSON of this shape, or a field is invalid",
        );
        add("413", "the body is larger than the server accepts");
        add("415", "the body is not `Content-Type: application/json`");
    }
    // Routes that can queue a job (`?background=true`, an approval).
    if matches!(
        path,
        "/extract/{service}" | "/snapshot" | "/deploy" | "/rollback" | "/changes/{id}/approve"
    ) {
        add("503", "the job could not be queued; nothing was started");
    }
    // Every signed-in POST takes an Idempotency-Key (see `crate::idempotency`).
    if *method == Method::POST && role.is_some() {
        add(
            "400",
            "the body, a field, or the Idempotency-Key is invalid",
        );
        add(
            "409",
            "a request with this Idempotency-Key is still being answered (`Retry-After`)",
        );
        add("422", "this Idempotency-Key was used for another request");
        op.entry("parameters")
            .or_insert_with(|| json!([]))
            .as_array_mut()
            .expect("parameters is an array")
            .push(json!({
                "name": "Idempotency-Key",
                "in": "header",
                "required": false,
                "description": "Answer a retry of this request with the first answer (its job or result) for 24 hours instead of running it again; per signed-in person.",
                "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$"}
            }));
    }
    for p in op
        .get_mut("parameters")
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
    {
        let name = p["name"].as_str().unwrap_or_default().to_owned();
        if let Some(schema) = p.get_mut("schema") {
            constrain(&name, schema);
        }
    }
}

/// A field or parameter named like an identifier gets that identifier's shape.
fn constrain(name: &str, schema: &mut Value) {
    let Some(s) = schema.as_object_mut() else {
        return;
    };
    let nullable = match s.get("type") {
        Some(Value::String(t)) => t == "null",
        Some(Value::Array(ts)) => ts.iter().any(|t| t == "null"),
        _ => false,
    };
    let is_string = match s.get("type") {
        Some(Value::String(t)) => t == "string",
        Some(Value::Array(ts)) => ts.iter().any(|t| t == "string"),
        _ => false,
    };
    let with_null = |mut values: Vec<Value>| {
        if nullable {
            values.push(Value::Null);
        }
        Value::Array(values)
    };
    if ACCOUNT_FIELDS.contains(&name) && is_string {
        s.insert("pattern".into(), json!("^[0-9]{12}$"));
    } else if REGION_FIELDS.contains(&name) && is_string {
        s.insert(
            "enum".into(),
            with_null(KNOWN_REGIONS.iter().map(|r| json!(r)).collect()),
        );
    } else if name == "service" && is_string {
        s.insert(
            "enum".into(),
            with_null(vec![json!("lambda"), json!("lex"), json!("connect")]),
        );
    } else if name == "limit" {
        s.insert("minimum".into(), json!(1));
        s.insert("maximum".into(), json!(1000));
    }
}

fn constrain_properties(schema: &mut Value) {
    if let Some(props) = schema.get_mut("properties").and_then(Value::as_object_mut) {
        for (name, prop) in props.iter_mut() {
            constrain(name, prop);
        }
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        for s in schema
            .get_mut(key)
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
        {
            constrain_properties(s);
        }
    }
}
