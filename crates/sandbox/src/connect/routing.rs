//! Routing-profile queues and queue quick connects.

use super::model::{summary, Instance, Kind};
use super::support::{instance, invalid_param, not_found, now, page, query_num, Ctx, Res};
use crate::http::{json, Req};
use crate::state::World;
use axum::response::Response;
use serde_json::{json, Value};

/// `QuickConnectIds` of a request: at least `min`, at most 50 per call, as Connect allows.
pub(super) fn quick_connect_ids(body: &Value, min: usize) -> Result<Vec<String>, Response> {
    let ids: Vec<String> = body
        .get("QuickConnectIds")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    if ids.len() < min || ids.len() > 50 {
        return Err(invalid_param(&format!(
            "QuickConnectIds must list {min} to 50 quick connects per call"
        )));
    }
    Ok(ids)
}

/// A routing profile's association fields as AWS reports them (the number of queue configs
/// and the distinct queue ids), and its `LastModifiedTime` moved when `touched`.
pub(super) fn sync_profile(inst: &mut Instance, profile: &str, touched: bool) {
    let configs = inst
        .profile_queues
        .get(profile)
        .cloned()
        .unwrap_or_default();
    let mut ids: Vec<&str> = configs
        .iter()
        .filter_map(|c| c["QueueId"].as_str())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    if let Some(p) = inst
        .items
        .get_mut(&Kind::RoutingProfile)
        .and_then(|m| m.get_mut(profile))
    {
        p.insert("NumberOfAssociatedQueues".into(), json!(configs.len()));
        p.insert("AssociatedQueueIds".into(), json!(ids));
        if touched {
            p.insert("LastModifiedTime".into(), json!(now()));
        }
    }
}

pub(super) fn add_profile_queues(
    inst: &mut Instance,
    profile: &str,
    configs: &[Value],
) -> Result<(), Response> {
    for c in configs {
        let q = c["QueueReference"]["QueueId"].as_str().unwrap_or("");
        let channel = c["QueueReference"]["Channel"].as_str().unwrap_or("VOICE");
        if !inst
            .items
            .get(&Kind::Queue)
            .is_some_and(|m| m.contains_key(q))
        {
            return Err(not_found(&format!("Queue {q} not found")));
        }
        let list = inst.profile_queues.entry(profile.to_owned()).or_default();
        list.retain(|x| !(x["QueueId"] == json!(q) && x["Channel"] == json!(channel)));
        list.push(json!({"QueueId": q, "Channel": channel, "Priority": c.get("Priority").cloned().unwrap_or(json!(1)), "Delay": c.get("Delay").cloned().unwrap_or(json!(0))}));
    }
    Ok(())
}

/// AssociateRoutingProfileQueues.
pub(super) fn associate_routing_profile_queues(
    w: &mut World,
    ctx: &Ctx,
    body: &Value,
    i: String,
    r: String,
) -> Res {
    let configs = body
        .get("QueueConfigs")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if configs.len() > 10 {
        return Err(invalid_param(
            "At most 10 QueueConfigs can be associated per call",
        ));
    }
    let inst = instance(w, ctx, &i)?;
    if !inst
        .items
        .get(&Kind::RoutingProfile)
        .is_some_and(|m| m.contains_key(&r))
    {
        return Err(not_found(&format!("RoutingProfile {r} not found")));
    }
    add_profile_queues(inst, &r, &configs)?;
    sync_profile(inst, &r, true);
    Ok(json(200, &json!({})))
}

/// ListRoutingProfileQueues.
pub(super) fn list_routing_profile_queues(
    w: &mut World,
    ctx: &Ctx,
    req: &Req,
    i: String,
    r: String,
) -> Res {
    let max = query_num(req, "maxResults")?;
    let inst = instance(w, ctx, &i)?;
    let list = inst
        .profile_queues
        .get(&r)
        .cloned()
        .ok_or_else(|| not_found(&format!("RoutingProfile {r} not found")))?;
    let queues = inst.items.get(&Kind::Queue).cloned().unwrap_or_default();
    let items: Vec<Value> = list
        .iter()
        .map(|c| {
            let q = queues.get(c["QueueId"].as_str().unwrap_or("")).cloned().unwrap_or_default();
            json!({"QueueId": c["QueueId"], "QueueArn": q.get("QueueArn"), "QueueName": q.get("Name"), "Priority": c["Priority"], "Delay": c["Delay"], "Channel": c["Channel"]})
        })
        .collect();
    let (items, next) = page(items, max, 100, req.query_one("nextToken").as_deref())?;
    Ok(json(
        200,
        &json!({"RoutingProfileQueueConfigSummaryList": items, "NextToken": next}),
    ))
}

/// AssociateQueueQuickConnects.
pub(super) fn associate_queue_quick_connects(
    w: &mut World,
    ctx: &Ctx,
    body: &Value,
    i: String,
    q: String,
) -> Res {
    let ids = quick_connect_ids(body, 1)?;
    let inst = instance(w, ctx, &i)?;
    if !inst
        .items
        .get(&Kind::Queue)
        .is_some_and(|m| m.contains_key(&q))
    {
        return Err(not_found(&format!("Queue {q} not found")));
    }
    for id in &ids {
        if !inst
            .items
            .get(&Kind::QuickConnect)
            .is_some_and(|m| m.contains_key(id))
        {
            return Err(not_found(&format!("QuickConnect {id} not found")));
        }
    }
    let list = inst.queue_quick_connects.entry(q.clone()).or_default();
    for id in ids {
        if !list.contains(&id) {
            list.push(id);
        }
    }
    if let Some(item) = inst.items.get_mut(&Kind::Queue).and_then(|m| m.get_mut(&q)) {
        item.insert("LastModifiedTime".into(), json!(now()));
    }
    Ok(json(200, &json!({})))
}

/// ListQueueQuickConnects.
pub(super) fn list_queue_quick_connects(
    w: &mut World,
    ctx: &Ctx,
    req: &Req,
    i: String,
    q: String,
) -> Res {
    let max = query_num(req, "maxResults")?;
    let inst = instance(w, ctx, &i)?;
    let ids = inst
        .queue_quick_connects
        .get(&q)
        .cloned()
        .ok_or_else(|| not_found(&format!("Queue {q} not found")))?;
    let qcs = inst
        .items
        .get(&Kind::QuickConnect)
        .cloned()
        .unwrap_or_default();
    let items: Vec<Value> = ids
        .iter()
        .filter_map(|id| qcs.get(id))
        .map(|x| summary(Kind::QuickConnect, x))
        .collect();
    let (items, next) = page(items, max, 100, req.query_one("nextToken").as_deref())?;
    Ok(json(
        200,
        &json!({"QuickConnectSummaryList": items, "NextToken": next}),
    ))
}
