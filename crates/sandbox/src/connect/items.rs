//! Items of an instance: create, describe, list, search, update, delete; prompt files; tags.

use super::flows::check_flow_content;
use super::model::{summary, Instance, Kind};
use super::routing::{add_profile_queues, quick_connect_ids, sync_profile};
use super::support::{
    err, instance, instance_json, invalid_param, new_id, not_found, now, page, query_num, region,
    required, s, sha, Ctx, Res,
};
use crate::http::{json, json_error, Req};
use crate::state::World;
use axum::response::Response;
use serde_json::{json, Map, Value};
use std::sync::Arc;

pub(super) fn tags(body: &Value) -> Value {
    body.get("Tags")
        .cloned()
        .filter(Value::is_object)
        .unwrap_or(json!({}))
}

/// The audio behind a prompt's S3Uri: a sandbox download URL (as GetPromptFile hands out)
/// is resolved locally; any other location is taken as given, without audio.
pub(super) fn audio_from_uri(w: &World, uri: &str) -> Option<Arc<Vec<u8>>> {
    let token = uri.split("/_sandbox/download/").nth(1)?;
    w.downloads
        .get(token)
        .filter(|d| d.expires > w.clock.now())
        .map(|d| d.bytes.clone())
}

pub(super) fn create(w: &mut World, ctx: &Ctx, kind: Kind, instance_id: &str, body: &Value) -> Res {
    let name = required(body, "Name")?.to_owned();
    if name.len() > 127 {
        return Err(invalid_param("Name must be at most 127 characters"));
    }
    let t = now();
    let id = new_id();
    let arn = ctx.arn(instance_id, kind, &id);
    let (_, _, _, idk, arnk) = kind.keys();
    let mut item = Map::new();
    item.insert(idk.into(), json!(id));
    item.insert(arnk.into(), json!(arn));
    item.insert("Name".into(), json!(name));
    item.insert(
        "Description".into(),
        json!(s(body, "Description").unwrap_or("")),
    );
    item.insert("Tags".into(), tags(body));
    item.insert("LastModifiedTime".into(), json!(t));
    item.insert("LastModifiedRegion".into(), json!(ctx.region));
    let audio = match kind {
        Kind::Prompt => Some(audio_from_uri(w, required(body, "S3Uri")?)),
        _ => None,
    };
    let inst = instance(w, ctx, instance_id)?;
    if inst
        .items
        .get(&kind)
        .is_some_and(|m| m.values().any(|x| x["Name"] == json!(name)))
    {
        return Err(err(
            409,
            "DuplicateResourceException",
            &format!("A {} named {name} already exists", kind.label()),
        ));
    }
    match kind {
        Kind::Flow => {
            let flow_type = required(body, "Type")?;
            let content = required(body, "Content")?;
            let status = s(body, "Status").unwrap_or("PUBLISHED");
            if status != "PUBLISHED" && status != "SAVED" {
                return Err(invalid_param("Status must be PUBLISHED or SAVED"));
            }
            check_flow_content(inst, ctx, content, status == "PUBLISHED")?;
            item.insert("Type".into(), json!(flow_type));
            item.insert("State".into(), json!("ACTIVE"));
            item.insert("Status".into(), json!(status));
            item.insert("Content".into(), json!(content));
            item.insert("FlowContentSha256".into(), json!(sha(content)));
        }
        Kind::Module => {
            let content = required(body, "Content")?;
            check_flow_content(inst, ctx, content, true)?;
            item.insert("Content".into(), json!(content));
            item.insert("State".into(), json!("ACTIVE"));
            item.insert("Status".into(), json!("PUBLISHED"));
            item.insert("FlowModuleContentSha256".into(), json!(sha(content)));
        }
        Kind::Queue => {
            let hours = required(body, "HoursOfOperationId")?;
            if !inst
                .items
                .get(&Kind::Hours)
                .is_some_and(|m| m.contains_key(hours))
            {
                return Err(not_found(&format!("HoursOfOperation {hours} not found")));
            }
            item.insert("HoursOfOperationId".into(), json!(hours));
            item.insert("Status".into(), json!("ENABLED"));
            if let Some(m) = body.get("MaxContacts").filter(|v| !v.is_null()) {
                item.insert("MaxContacts".into(), m.clone());
            }
            if let Some(c) = body.get("OutboundCallerConfig").filter(|v| !v.is_null()) {
                item.insert("OutboundCallerConfig".into(), c.clone());
            }
            let qcs = quick_connect_ids(body, 0)?;
            inst.queue_quick_connects.insert(id.clone(), qcs);
        }
        Kind::Hours => {
            item.insert("TimeZone".into(), json!(required(body, "TimeZone")?));
            let config = body
                .get("Config")
                .and_then(Value::as_array)
                .ok_or_else(|| invalid_param("Config is required"))?;
            item.insert("Config".into(), json!(config));
        }
        Kind::Prompt => {
            if let Some(Some(a)) = audio {
                inst.prompt_audio.insert(id.clone(), a);
            }
        }
        Kind::RoutingProfile => {
            required(body, "Description")?;
            let out_q = required(body, "DefaultOutboundQueueId")?;
            if !inst
                .items
                .get(&Kind::Queue)
                .is_some_and(|m| m.contains_key(out_q))
            {
                return Err(not_found(&format!("Queue {out_q} not found")));
            }
            let mc = body
                .get("MediaConcurrencies")
                .and_then(Value::as_array)
                .ok_or_else(|| invalid_param("MediaConcurrencies is required"))?;
            item.insert("InstanceId".into(), json!(instance_id));
            item.insert("DefaultOutboundQueueId".into(), json!(out_q));
            item.insert("MediaConcurrencies".into(), json!(mc));
            item.insert("NumberOfAssociatedUsers".into(), json!(0));
            let configs = body
                .get("QueueConfigs")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            if configs.len() > 10 {
                return Err(invalid_param("At most 10 QueueConfigs per call"));
            }
            inst.profile_queues.insert(id.clone(), Vec::new());
            add_profile_queues(inst, &id, &configs)?;
        }
        Kind::QuickConnect => {
            let c = body
                .get("QuickConnectConfig")
                .filter(|v| v.is_object())
                .ok_or_else(|| invalid_param("QuickConnectConfig is required"))?;
            item.insert("QuickConnectConfig".into(), c.clone());
        }
    }
    inst.items.entry(kind).or_default().insert(id.clone(), item);
    if kind == Kind::RoutingProfile {
        sync_profile(inst, &id, false);
    }
    let (ik, ak) = kind.created_keys();
    let mut out = json!({ik: id, ak: arn});
    if kind == Kind::Flow {
        out["FlowContentSha256"] = json!(sha(s(body, "Content").unwrap_or("")));
    }
    Ok(json(200, &out))
}

/// The Update* and Disassociate* calls on one item.
pub(super) fn update(
    w: &mut World,
    ctx: &Ctx,
    kind: Kind,
    instance_id: &str,
    id: &str,
    aspect: Option<&str>,
    body: &Value,
) -> Res {
    let audio = match (kind, s(body, "S3Uri")) {
        (Kind::Prompt, Some(uri)) => Some(audio_from_uri(w, uri)),
        _ => None,
    };
    let inst = instance(w, ctx, instance_id)?;
    if !inst.items.get(&kind).is_some_and(|m| m.contains_key(id)) {
        return Err(not_found(&format!("{} {id} not found", kind.label())));
    }
    let exists =
        |inst: &Instance, k: Kind, id: &str| inst.items.get(&k).is_some_and(|m| m.contains_key(id));
    if let Some(name) = s(body, "Name") {
        if inst.items.get(&kind).is_some_and(|m| {
            m.iter()
                .any(|(other, x)| other != id && x["Name"] == json!(name))
        }) {
            return Err(err(
                409,
                "DuplicateResourceException",
                &format!("A {} named {name} already exists", kind.label()),
            ));
        }
    }
    let mut set: Vec<(&str, Value)> = Vec::new();
    match (kind, aspect) {
        (_, Some("name")) | (Kind::Hours, None) | (Kind::Prompt, None) => {
            for k in ["Name", "Description", "TimeZone", "Config"] {
                if let Some(v) = body.get(k).filter(|v| !v.is_null()) {
                    set.push((k, v.clone()));
                }
            }
        }
        (Kind::Queue, Some("hours-of-operation")) => {
            let h = required(body, "HoursOfOperationId")?;
            if !exists(inst, Kind::Hours, h) {
                return Err(not_found(&format!("HoursOfOperation {h} not found")));
            }
            set.push(("HoursOfOperationId", json!(h)));
        }
        (Kind::Queue, Some("max-contacts")) => set.push((
            "MaxContacts",
            body.get("MaxContacts").cloned().unwrap_or(Value::Null),
        )),
        (Kind::Queue, Some("outbound-caller-config")) => set.push((
            "OutboundCallerConfig",
            body.get("OutboundCallerConfig")
                .cloned()
                .ok_or_else(|| invalid_param("OutboundCallerConfig is required"))?,
        )),
        (Kind::Queue, Some("disassociate-quick-connects")) => {
            let ids = quick_connect_ids(body, 1)?;
            inst.queue_quick_connects
                .entry(id.to_owned())
                .or_default()
                .retain(|q| !ids.contains(q));
        }
        (Kind::RoutingProfile, Some("concurrency")) => set.push((
            "MediaConcurrencies",
            body.get("MediaConcurrencies")
                .cloned()
                .ok_or_else(|| invalid_param("MediaConcurrencies is required"))?,
        )),
        (Kind::RoutingProfile, Some("default-outbound-queue")) => {
            let q = required(body, "DefaultOutboundQueueId")?;
            if !exists(inst, Kind::Queue, q) {
                return Err(not_found(&format!("Queue {q} not found")));
            }
            set.push(("DefaultOutboundQueueId", json!(q)));
        }
        (Kind::RoutingProfile, Some("queues")) => {
            let configs = body
                .get("QueueConfigs")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            if configs.is_empty() || configs.len() > 10 {
                return Err(invalid_param(
                    "QueueConfigs must list 1 to 10 queue configs per call",
                ));
            }
            add_profile_queues(inst, id, &configs)?;
        }
        (Kind::RoutingProfile, Some("disassociate-queues")) => {
            let refs = body
                .get("QueueReferences")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            if refs.len() > 10 {
                return Err(invalid_param("At most 10 QueueReferences per call"));
            }
            let list = inst.profile_queues.entry(id.to_owned()).or_default();
            list.retain(|c| {
                !refs
                    .iter()
                    .any(|r| r["QueueId"] == c["QueueId"] && r["Channel"] == c["Channel"])
            });
        }
        (Kind::QuickConnect, Some("config")) => set.push((
            "QuickConnectConfig",
            body.get("QuickConnectConfig")
                .filter(|v| v.is_object())
                .cloned()
                .ok_or_else(|| invalid_param("QuickConnectConfig is required"))?,
        )),
        _ => {
            return Err(json_error(
                404,
                "UnknownOperationException",
                "Unknown operation (sandbox Connect)",
            ))
        }
    }
    if let Some(Some(a)) = audio {
        inst.prompt_audio.insert(id.to_owned(), a);
    }
    let item = inst
        .items
        .get_mut(&kind)
        .and_then(|m| m.get_mut(id))
        .expect("checked above");
    for (k, v) in set {
        item.insert(k.into(), v);
    }
    item.insert("LastModifiedTime".into(), json!(now()));
    if kind == Kind::RoutingProfile {
        sync_profile(inst, id, false);
    }
    Ok(json(200, &json!({})))
}

/// The item an ARN names, in any instance of the caller's account and region.
pub(super) fn item_by_arn<'a>(
    w: &'a mut World,
    ctx: &Ctx,
    arn: &str,
) -> Result<&'a mut Map<String, Value>, Response> {
    let region = region(w, ctx);
    for inst in region.instances.values_mut() {
        for (kind, items) in inst.items.iter_mut() {
            let arn_key = kind.keys().4;
            if let Some(item) = items.values_mut().find(|x| x[arn_key] == json!(arn)) {
                return Ok(item);
            }
        }
    }
    Err(not_found(&format!("Resource {arn} not found")))
}

/// ListInstances.
pub(super) fn list_instances(w: &mut World, ctx: &Ctx, req: &Req) -> Res {
    let items: Vec<Value> = region(w, ctx)
        .instances
        .values()
        .map(|i| instance_json(ctx, i))
        .collect();
    let (items, next) = page(
        items,
        query_num(req, "maxResults")?,
        10,
        req.query_one("nextToken").as_deref(),
    )?;
    Ok(json(
        200,
        &json!({"InstanceSummaryList": items, "NextToken": next}),
    ))
}

/// DescribeInstance.
pub(super) fn describe_instance(w: &mut World, ctx: &Ctx, i: String) -> Res {
    let inst = instance(w, ctx, &i)?.clone();
    let mut d = instance_json(ctx, &inst);
    d["InstanceStatus"] = json!("ACTIVE");
    Ok(json(200, &json!({"Instance": d})))
}

/// Describe.
pub(super) fn describe(w: &mut World, ctx: &Ctx, kind: Kind, i: String, id: String) -> Res {
    let (id, saved) = match id.strip_suffix(":$SAVED") {
        Some(base) => (base.to_owned(), true),
        None => (id, false),
    };
    let inst = instance(w, ctx, &i)?;
    let mut item = inst
        .items
        .get(&kind)
        .and_then(|m| m.get(&id))
        .cloned()
        .ok_or_else(|| not_found(&format!("{} {id} not found", kind.label())))?;
    if saved {
        if let Some(c) = inst.saved.get(&id) {
            item.insert("Content".into(), json!(c));
            item.insert("Status".into(), json!("SAVED"));
        }
    }
    // As AWS documents: DescribeRoutingProfile leaves AssociatedQueueIds out; only
    // SearchRoutingProfiles carries it.
    item.remove("AssociatedQueueIds");
    Ok(json(200, &json!({kind.keys().0: item})))
}

/// List.
pub(super) fn list(w: &mut World, ctx: &Ctx, req: &Req, kind: Kind, i: String) -> Res {
    let max = query_num(req, "maxResults")?;
    let inst = instance(w, ctx, &i)?;
    let items: Vec<Value> = inst
        .items
        .get(&kind)
        .map(|m| m.values().map(|x| summary(kind, x)).collect())
        .unwrap_or_default();
    // Every Connect List* call takes MaxResults up to 1000.
    let limit = 1000;
    let (items, next) = page(items, max, limit, req.query_one("nextToken").as_deref())?;
    Ok(json(200, &json!({kind.keys().1: items, "NextToken": next})))
}

/// Search.
pub(super) fn search(w: &mut World, ctx: &Ctx, body: &Value, kind: Kind) -> Res {
    let i = required(body, "InstanceId")?.to_owned();
    let inst = instance(w, ctx, &i)?;
    let all: Vec<Value> = inst
        .items
        .get(&kind)
        .map(|m| m.values().map(|x| Value::Object(x.clone())).collect())
        .unwrap_or_default();
    let total = all.len();
    let (items, next) = page(
        all,
        body.get("MaxResults").and_then(Value::as_i64),
        100,
        s(body, "NextToken"),
    )?;
    Ok(json(
        200,
        &json!({kind.keys().2: items, "NextToken": next, "ApproximateTotalCount": total}),
    ))
}

/// Delete.
pub(super) fn delete(w: &mut World, ctx: &Ctx, kind: Kind, i: String, id: String) -> Res {
    let inst = instance(w, ctx, &i)?;
    if inst.defaults.contains(&id) {
        return Err(err(
            400,
            "InvalidRequestException",
            &format!(
                "{} {id} is one of the instance's defaults and cannot be deleted",
                kind.label()
            ),
        ));
    }
    inst.items
        .get_mut(&kind)
        .and_then(|m| m.remove(&id))
        .ok_or_else(|| not_found(&format!("{} {id} not found", kind.label())))?;
    inst.saved.remove(&id);
    Ok(json(200, &json!({})))
}

/// UpdateContent.
pub(super) fn update_content(
    w: &mut World,
    ctx: &Ctx,
    body: &Value,
    kind: Kind,
    i: String,
    id: String,
) -> Res {
    let content = required(body, "Content")?.to_owned();
    let (id, save_only) = match id.strip_suffix(":$SAVED") {
        Some(base) => (base.to_owned(), true),
        None => (id, false),
    };
    let inst = instance(w, ctx, &i)?;
    if !inst.items.get(&kind).is_some_and(|m| m.contains_key(&id)) {
        return Err(not_found(&format!("{} {id} not found", kind.label())));
    }
    check_flow_content(inst, ctx, &content, !save_only)?;
    // A flow never published has only its saved content: saving replaces it.
    let never_published = inst.items[&kind][&id]["Status"] == json!("SAVED");
    if save_only && !never_published {
        inst.saved.insert(id, content);
        return Ok(json(200, &json!({})));
    }
    let item = inst
        .items
        .get_mut(&kind)
        .and_then(|m| m.get_mut(&id))
        .expect("checked above");
    let sha_key = if save_only || kind == Kind::Flow {
        "FlowContentSha256"
    } else {
        "FlowModuleContentSha256"
    };
    item.insert("Content".into(), json!(content));
    if !save_only {
        item.insert("Status".into(), json!("PUBLISHED"));
    }
    item.insert(sha_key.into(), json!(sha(&content)));
    item.insert("LastModifiedTime".into(), json!(now()));
    if !save_only {
        inst.saved.remove(&id);
    }
    Ok(json(200, &json!({})))
}

/// UpdateMetadata.
pub(super) fn update_metadata(
    w: &mut World,
    ctx: &Ctx,
    body: &Value,
    kind: Kind,
    i: String,
    id: String,
) -> Res {
    let inst = instance(w, ctx, &i)?;
    let item = inst
        .items
        .get_mut(&kind)
        .and_then(|m| m.get_mut(&id))
        .ok_or_else(|| not_found(&format!("{} {id} not found", kind.label())))?;
    for k in ["Name", "Description"] {
        if let Some(v) = s(body, k) {
            item.insert(k.into(), json!(v));
        }
    }
    if let Some(state) = s(body, "ContactFlowState").or(s(body, "State")) {
        if state != "ACTIVE" && state != "ARCHIVED" {
            return Err(invalid_param("State must be ACTIVE or ARCHIVED"));
        }
        item.insert("State".into(), json!(state));
    }
    Ok(json(200, &json!({})))
}

/// GetPromptFile.
pub(super) fn get_prompt_file(w: &mut World, ctx: &Ctx, i: String, p: String) -> Res {
    let inst = instance(w, ctx, &i)?;
    let item = inst
        .items
        .get(&Kind::Prompt)
        .and_then(|m| m.get(&p))
        .cloned()
        .ok_or_else(|| not_found(&format!("Prompt {p} not found")))?;
    let audio = inst.prompt_audio.get(&p).cloned().unwrap_or_default();
    let path = w.add_download(audio, "audio/wav");
    Ok(json(
        200,
        &json!({"PromptPresignedUrl": format!("http://{}{path}", ctx.host), "LastModifiedTime": item["LastModifiedTime"], "LastModifiedRegion": item["LastModifiedRegion"]}),
    ))
}

/// TagResource.
pub(super) fn tag_resource(w: &mut World, ctx: &Ctx, body: &Value, arn: String) -> Res {
    let tags = body
        .get("tags")
        .and_then(Value::as_object)
        .cloned()
        .ok_or_else(|| invalid_param("tags is required"))?;
    let item = item_by_arn(w, ctx, &arn)?;
    let current = item.entry("Tags").or_insert(json!({}));
    for (k, v) in tags {
        current[k] = v;
    }
    Ok(json(200, &json!({})))
}

/// UntagResource.
pub(super) fn untag_resource(w: &mut World, ctx: &Ctx, req: &Req, arn: String) -> Res {
    let keys = req.query_all("tagKeys");
    if keys.is_empty() {
        return Err(invalid_param("tagKeys is required"));
    }
    let item = item_by_arn(w, ctx, &arn)?;
    if let Some(t) = item.get_mut("Tags").and_then(Value::as_object_mut) {
        for k in keys {
            t.remove(&k);
        }
    }
    Ok(json(200, &json!({})))
}
