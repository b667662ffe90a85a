//! Resource policies, reserved concurrency and tags.

use super::model::Function;
use super::support::{
    by_arn, by_arn_mut, conflict, invalid, lookup, lookup_mut, new_revision, not_found, qualified,
    resolve, split_name, string_map, validation, Ctx, Res,
};
use crate::http::{empty, json, Req};
use crate::state::World;
use axum::response::Response;
use serde_json::{json, Map, Value};

pub(super) fn put_concurrency(w: &mut World, ctx: &Ctx, raw: &str, body: &Value) -> Res {
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

pub(super) fn policy_key(func: &Function, q: Option<&str>) -> Result<String, Response> {
    match q {
        None | Some("$LATEST") => Ok(String::new()),
        Some(q) => {
            resolve(func, Some(q))?;
            Ok(q.to_owned())
        }
    }
}

pub(super) fn get_policy(w: &mut World, ctx: &Ctx, req: &Req, raw: &str) -> Res {
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

pub(super) fn add_permission(w: &mut World, ctx: &Ctx, req: &Req, raw: &str, body: &Value) -> Res {
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

pub(super) fn remove_permission(w: &mut World, ctx: &Ctx, req: &Req, raw: &str, sid: &str) -> Res {
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

/// ListTags.
pub(super) fn list_tags(w: &mut World, ctx: &Ctx, arn: String) -> Res {
    let func = by_arn(w, ctx, &arn)?;
    Ok(json(200, &json!({"Tags": func.tags})))
}

/// TagResource.
pub(super) fn tag_resource(w: &mut World, ctx: &Ctx, body: &Value, arn: String) -> Res {
    let tags = string_map(body.get("Tags"))
        .ok_or_else(|| validation("tags", "Member must not be null"))?;
    if tags.len() > 50 {
        return Err(invalid("Number of tags exceeds resource tag limit."));
    }
    let func = by_arn_mut(w, ctx, &arn)?;
    func.tags.extend(tags);
    Ok(empty(204))
}

/// UntagResource.
pub(super) fn untag_resource(w: &mut World, ctx: &Ctx, req: &Req, arn: String) -> Res {
    let keys = req.query_all("tagKeys");
    if keys.is_empty() {
        return Err(validation("tagKeys", "Member must not be null"));
    }
    let func = by_arn_mut(w, ctx, &arn)?;
    for k in keys {
        func.tags.remove(&k);
    }
    Ok(empty(204))
}

/// GetFunctionConcurrency.
pub(super) fn get_function_concurrency(w: &mut World, ctx: &Ctx, f: String) -> Res {
    let func = lookup(w, ctx, &split_name(&f).0)?;
    Ok(json(
        200,
        &match func.reserved {
            Some(n) => json!({"ReservedConcurrentExecutions": n}),
            None => json!({}),
        },
    ))
}

/// DeleteFunctionConcurrency.
pub(super) fn delete_function_concurrency(w: &mut World, ctx: &Ctx, f: String) -> Res {
    lookup_mut(w, ctx, &split_name(&f).0)?.reserved = None;
    Ok(empty(204))
}
