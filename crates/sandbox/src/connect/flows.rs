//! Checking flow content as Connect does: valid JSON whose ARNs name items of the instance.

use super::model::{Instance, Kind};
use super::support::Ctx;
use crate::http::{hv, json};
use axum::response::Response;
use serde_json::{json, Value};

/// Checks flow-language content; when publishing, every Connect ARN it names must exist
/// in the instance (as Connect refuses to publish a flow with dangling references).
pub(super) fn check_flow_content(
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

pub(super) fn find_arns(v: &Value, f: &mut impl FnMut(&str)) {
    match v {
        Value::String(s) if s.starts_with("arn:") => f(s),
        Value::Array(a) => a.iter().for_each(|x| find_arns(x, f)),
        Value::Object(m) => m.values().for_each(|x| find_arns(x, f)),
        _ => {}
    }
}
