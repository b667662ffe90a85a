//! Amazon Connect: extract and capture of an instance (resource name = instance alias).
//!
//! Capture reads every sub-resource through the Search* APIs (full objects, 100 per call)
//! and falls back to per-item calls only where Search leaves something out: routing-profile
//! queues, queue quick connects and prompt audio. References between items are recorded by
//! name, so the same instance in another account compares equal; each item keeps its source
//! Id and Arn as the identity a promotion remaps from.
//!
//! Deploy, rollback and restore live in `connect_deploy`.

use crate::engine::{DeployOptions, Progress};
use crate::error::{AwsError, AwsResult};
use crate::provider::{reapply, svc, Applied, Captured, Ctx, Provider, Steps};
use async_trait::async_trait;
use aws_sdk_connect::types::LexVersion;
use aws_sdk_connect::Client;
use serde_json::{json, Map, Value};
use snapdeploy_core::{Plan, ResourceName, ServiceKind, SnapshotEnvelope, SourceRef, StepOutcome};
use snapdeploy_store::SnapshotStore;
use std::collections::{BTreeMap, HashMap};

pub struct ConnectProvider;

fn tags(t: Option<&HashMap<String, String>>) -> Value {
    json!(t
        .map(|m| m.iter().collect::<BTreeMap<_, _>>())
        .unwrap_or_default())
}

fn content(raw: Option<&str>) -> AwsResult<Value> {
    serde_json::from_str(raw.unwrap_or("{}"))
        .map_err(|e| AwsError::Service(format!("flow content is not JSON: {e}")))
}

/// Pages through a Search* call: `$call` is a closure taking the next token.
macro_rules! search_all {
    ($ctx:expr, $what:literal, $items:ident, |$token:ident| $call:expr) => {{
        let mut out = Vec::new();
        let mut next: Option<String> = None;
        loop {
            $ctx.pace("connect").await;
            let $token = next.take();
            let page = $call
                .send()
                .await
                .map_err(svc(concat!("searching ", $what)))?;
            out.extend(page.$items().iter().cloned());
            match page.next_token() {
                Some(t) => next = Some(t.to_owned()),
                None => break,
            }
        }
        out
    }};
}

pub(crate) struct Instance {
    id: String,
    arn: String,
    alias: String,
}

async fn instances(ctx: &Ctx, client: &Client) -> AwsResult<Vec<Instance>> {
    let mut out = Vec::new();
    let mut next = None;
    loop {
        ctx.pace("connect").await;
        let page = client
            .list_instances()
            .set_next_token(next.take())
            .send()
            .await
            .map_err(svc("listing instances"))?;
        for i in page.instance_summary_list() {
            out.push(Instance {
                id: i.id().unwrap_or_default().to_owned(),
                arn: i.arn().unwrap_or_default().to_owned(),
                alias: i.instance_alias().unwrap_or_default().to_owned(),
            });
        }
        match page.next_token() {
            Some(t) => next = Some(t.to_owned()),
            None => return Ok(out),
        }
    }
}

/// Instance ARN -> alias of every Connect instance of the account and region.
pub(crate) async fn instance_aliases(ctx: &Ctx) -> AwsResult<BTreeMap<String, String>> {
    let client = ctx.connect().await?;
    Ok(instances(ctx, &client)
        .await?
        .into_iter()
        .map(|i| (i.arn, i.alias))
        .collect())
}

/// Id -> name of Search results, for recording references by name.
fn names_by_id<T>(
    items: &[T],
    id_and_name: impl Fn(&T) -> (Option<&str>, Option<&str>),
) -> HashMap<String, String> {
    items
        .iter()
        .map(|i| {
            let (id, name) = id_and_name(i);
            (
                id.unwrap_or_default().to_owned(),
                name.unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// The instance with this alias, if the account and region have one.
async fn find_instance(ctx: &Ctx, client: &Client, alias: &str) -> AwsResult<Option<Instance>> {
    Ok(instances(ctx, client)
        .await?
        .into_iter()
        .find(|i| i.alias == alias))
}

/// How a read treats what is beyond the Search results: prompt audio and the names behind
/// Lex bot alias ARNs.
#[derive(Clone, Copy)]
pub(crate) enum Depth<'a> {
    /// Extract: neither.
    Summary,
    /// Plan: audio digests (downloaded, not stored) and Lex names.
    Compare,
    /// Snapshot: audio saved as blobs, and Lex names.
    Store(&'a dyn SnapshotStore),
}

/// Everything of one instance, by kind and name.
pub(crate) async fn read_instance(
    ctx: &Ctx,
    client: &Client,
    inst: &Instance,
    depth: Depth<'_>,
    progress: &Progress,
) -> AwsResult<(Value, Vec<snapdeploy_core::BlobRef>)> {
    let id = inst.id.as_str();
    progress.report("hours of operation", 0, 0);
    let hours = search_all!(ctx, "hours of operation", hours_of_operations, |t| client
        .search_hours_of_operations()
        .instance_id(id)
        .max_results(100)
        .set_next_token(t));
    let hours_name = names_by_id(&hours, |h| (h.hours_of_operation_id(), h.name()));
    progress.report("queues", 1, 7);
    let queues = search_all!(ctx, "queues", queues, |t| client
        .search_queues()
        .instance_id(id)
        .max_results(100)
        .set_next_token(t));
    let queue_name = names_by_id(&queues, |q| (q.queue_id(), q.name()));
    progress.report("flows", 2, 7);
    let flows = search_all!(ctx, "flows", contact_flows, |t| client
        .search_contact_flows()
        .instance_id(id)
        .max_results(100)
        .set_next_token(t));
    let flow_name = names_by_id(&flows, |f| (f.id(), f.name()));
    progress.report("flow modules", 3, 7);
    let modules = search_all!(ctx, "flow modules", contact_flow_modules, |t| client
        .search_contact_flow_modules()
        .instance_id(id)
        .max_results(100)
        .set_next_token(t));
    progress.report("prompts", 4, 7);
    let prompts = search_all!(ctx, "prompts", prompts, |t| client
        .search_prompts()
        .instance_id(id)
        .max_results(100)
        .set_next_token(t));
    progress.report("routing profiles", 5, 7);
    let profiles = search_all!(ctx, "routing profiles", routing_profiles, |t| client
        .search_routing_profiles()
        .instance_id(id)
        .max_results(100)
        .set_next_token(t));
    progress.report("quick connects", 6, 7);
    let quick_connects = search_all!(ctx, "quick connects", quick_connects, |t| client
        .search_quick_connects()
        .instance_id(id)
        .max_results(100)
        .set_next_token(t));
    let name_of =
        |m: &HashMap<String, String>, id: Option<&str>| id.and_then(|i| m.get(i)).cloned();

    let mut out = Map::new();
    out.insert("InstanceAlias".into(), json!(inst.alias));
    out.insert("InstanceArn".into(), json!(inst.arn));
    out.insert(
        "HoursOfOperations".into(),
        json!(hours
            .iter()
            .map(|h| {
                let config: Vec<Value> = h.config().iter().map(|c| json!({"Day": c.day().as_str(), "StartTime": {"Hours": c.start_time().map(|t| t.hours()), "Minutes": c.start_time().map(|t| t.minutes())}, "EndTime": {"Hours": c.end_time().map(|t| t.hours()), "Minutes": c.end_time().map(|t| t.minutes())}})).collect();
                (h.name().unwrap_or_default().to_owned(), json!({"Id": h.hours_of_operation_id(), "Arn": h.hours_of_operation_arn(), "Description": h.description().unwrap_or(""), "TimeZone": h.time_zone(), "Config": config, "Tags": tags(h.tags())}))
            })
            .collect::<BTreeMap<_, _>>()),
    );
    let mut queue_items = BTreeMap::new();
    for q in &queues {
        ctx.pace("connect").await;
        let qcs = client
            .list_queue_quick_connects()
            .instance_id(id)
            .queue_id(q.queue_id().unwrap_or_default())
            .send()
            .await
            .map_err(svc("listing queue quick connects"))?;
        let mut names: Vec<String> = qcs
            .quick_connect_summary_list()
            .iter()
            .filter_map(|s| s.name().map(String::from))
            .collect();
        names.sort();
        let outbound = q.outbound_caller_config().map(|o| json!({"OutboundCallerIdName": o.outbound_caller_id_name(), "OutboundCallerIdNumberId": o.outbound_caller_id_number_id(), "OutboundFlow": name_of(&flow_name, o.outbound_flow_id())}));
        queue_items.insert(q.name().unwrap_or_default().to_owned(), json!({"Id": q.queue_id(), "Arn": q.queue_arn(), "Description": q.description().unwrap_or(""),
            "HoursOfOperation": name_of(&hours_name, q.hours_of_operation_id()), "MaxContacts": q.max_contacts(), "OutboundCallerConfig": outbound, "QuickConnects": names, "Tags": tags(q.tags())}));
    }
    out.insert("Queues".into(), json!(queue_items));
    let mut prompt_items = BTreeMap::new();
    let mut blobs = Vec::new();
    for p in &prompts {
        let mut item = json!({"Id": p.prompt_id(), "Arn": p.prompt_arn(), "Description": p.description().unwrap_or(""), "Tags": tags(p.tags())});
        if !matches!(depth, Depth::Summary) {
            ctx.pace("connect").await;
            let file = client
                .get_prompt_file()
                .instance_id(id)
                .prompt_id(p.prompt_id().unwrap_or_default())
                .send()
                .await
                .map_err(svc("reading prompt audio"))?;
            let url = file
                .prompt_presigned_url()
                .ok_or_else(|| AwsError::Service("GetPromptFile returned no URL".into()))?;
            let resp = ctx
                .hub
                .http
                .get(url)
                .send()
                .await
                .map_err(|e| AwsError::Service(format!("downloading prompt audio: {e}")))?;
            if !resp.status().is_success() {
                return Err(AwsError::Service(format!(
                    "downloading prompt audio: HTTP {}",
                    resp.status()
                )));
            }
            let bytes = resp
                .bytes()
                .await
                .map_err(|e| AwsError::Service(format!("downloading prompt audio: {e}")))?;
            match depth {
                Depth::Store(store) => {
                    let blob = store
                        .put_blob(
                            &ctx.account.account_id,
                            &bytes,
                            "audio/wav",
                            &format!("prompt:{}", p.name().unwrap_or_default()),
                        )
                        .await?;
                    item["Audio"] = json!(blob.sha256);
                    blobs.push(blob);
                }
                _ => item["Audio"] = json!(snapdeploy_core::sha256_hex(&bytes)),
            }
        }
        prompt_items.insert(p.name().unwrap_or_default().to_owned(), item);
    }
    out.insert("Prompts".into(), json!(prompt_items));
    let mut profile_items = BTreeMap::new();
    for rp in &profiles {
        let mut configs = Vec::new();
        let mut next = None;
        loop {
            ctx.pace("connect").await;
            let page = client
                .list_routing_profile_queues()
                .instance_id(id)
                .routing_profile_id(rp.routing_profile_id().unwrap_or_default())
                .set_next_token(next.take())
                .send()
                .await
                .map_err(svc("listing routing profile queues"))?;
            configs.extend(page.routing_profile_queue_config_summary_list().iter().map(|c| json!({"Queue": c.queue_name(), "Channel": c.channel().as_str(), "Priority": c.priority(), "Delay": c.delay()})));
            match page.next_token() {
                Some(t) => next = Some(t.to_owned()),
                None => break,
            }
        }
        configs.sort_by(|a, b| {
            (a["Queue"].as_str(), a["Channel"].as_str())
                .cmp(&(b["Queue"].as_str(), b["Channel"].as_str()))
        });
        let media: Vec<Value> = rp
            .media_concurrencies()
            .iter()
            .map(|m| json!({"Channel": m.channel().as_str(), "Concurrency": m.concurrency()}))
            .collect();
        profile_items.insert(rp.name().unwrap_or_default().to_owned(), json!({"Id": rp.routing_profile_id(), "Arn": rp.routing_profile_arn(), "Description": rp.description().unwrap_or(""),
            "DefaultOutboundQueue": name_of(&queue_name, rp.default_outbound_queue_id()), "MediaConcurrencies": media, "Queues": configs, "Tags": tags(rp.tags())}));
    }
    out.insert("RoutingProfiles".into(), json!(profile_items));
    out.insert(
        "QuickConnects".into(),
        json!(quick_connects
            .iter()
            .map(|q| {
                let c = q.quick_connect_config();
                let config = json!({
                    "QuickConnectType": c.map(|c| c.quick_connect_type().as_str()),
                    "Queue": c.and_then(|c| c.queue_config()).map(|qc| json!({"Queue": name_of(&queue_name, Some(qc.queue_id())), "Flow": name_of(&flow_name, Some(qc.contact_flow_id()))})),
                    "Phone": c.and_then(|c| c.phone_config()).map(|p| json!({"PhoneNumber": p.phone_number()})),
                    "User": c.and_then(|c| c.user_config()).map(|u| json!({"UserId": u.user_id(), "Flow": name_of(&flow_name, Some(u.contact_flow_id()))})),
                });
                (q.name().unwrap_or_default().to_owned(), json!({"Id": q.quick_connect_id(), "Arn": q.quick_connect_arn(), "Description": q.description().unwrap_or(""), "Config": config, "Tags": tags(q.tags())}))
            })
            .collect::<BTreeMap<_, _>>()),
    );
    let mut module_items = BTreeMap::new();
    for m in &modules {
        module_items.insert(m.name().unwrap_or_default().to_owned(), json!({"Id": m.id(), "Arn": m.arn(), "Description": m.description().unwrap_or(""), "State": m.state().map(|s| s.as_str()), "Content": content(m.content())?, "Tags": tags(m.tags())}));
    }
    out.insert("Modules".into(), json!(module_items));
    let mut flow_items = BTreeMap::new();
    for f in &flows {
        flow_items.insert(f.name().unwrap_or_default().to_owned(), json!({"Id": f.id(), "Arn": f.arn(), "Type": f.r#type().map(|t| t.as_str()), "Description": f.description().unwrap_or(""),
            "State": f.state().map(|s| s.as_str()), "Status": f.status().map(|s| s.as_str()), "Content": content(f.content())?, "Tags": tags(f.tags())}));
    }
    out.insert("Flows".into(), json!(flow_items));
    ctx.pace("connect").await;
    let mut lambdas: Vec<String> = client
        .list_lambda_functions()
        .instance_id(id)
        .send()
        .await
        .map_err(svc("listing Lambda associations"))?
        .lambda_functions()
        .to_vec();
    lambdas.sort();
    out.insert("LambdaFunctions".into(), json!(lambdas));
    ctx.pace("connect").await;
    let bots = client
        .list_bots()
        .instance_id(id)
        .lex_version(LexVersion::V2)
        .send()
        .await
        .map_err(svc("listing Lex associations"))?;
    let mut aliases: Vec<String> = bots
        .lex_bots()
        .iter()
        .filter_map(|b| b.lex_v2_bot().and_then(|v| v.alias_arn()).map(String::from))
        .collect();
    aliases.sort();
    if !matches!(depth, Depth::Summary) {
        // Alias ids differ between accounts: a promotion finds the target's alias by the
        // bot and alias names recorded here.
        let mut used = aliases.clone();
        for kind in ["Flows", "Modules"] {
            for item in out[kind].as_object().into_iter().flat_map(|m| m.values()) {
                crate::connect_deploy::each_string(&item["Content"], &mut |s| {
                    if s.starts_with("arn:aws:lex:") && s.contains(":bot-alias/") {
                        used.push(s.to_owned());
                    }
                });
            }
        }
        used.sort();
        used.dedup();
        out.insert("LexAliases".into(), lex_names(ctx, &used).await?);
    }
    out.insert("LexBots".into(), json!(aliases));
    progress.report("captured", 7, 7);
    Ok((Value::Object(out), blobs))
}

/// Bot and alias names behind Lex V2 alias ARNs of this account and region (others, and
/// aliases that no longer exist, are left out: a promotion reports them as unmappable).
async fn lex_names(ctx: &Ctx, arns: &[String]) -> AwsResult<Value> {
    let mut out = BTreeMap::new();
    let prefix = format!(
        "arn:aws:lex:{}:{}:bot-alias/",
        ctx.region, ctx.account.account_id
    );
    let mut lex = None;
    for arn in arns {
        let Some((bot, alias)) = arn.strip_prefix(&prefix).and_then(|r| r.split_once('/')) else {
            continue;
        };
        if lex.is_none() {
            lex = Some(ctx.lex().await?);
        }
        let client = lex.as_ref().expect("set above");
        // Best effort: a role allowed into Connect but not Lex still gets its snapshot; a
        // promotion then reports these aliases as unmappable, saying the names are missing.
        match crate::lex::alias_names(ctx, client, bot, alias).await {
            Ok(Some(names)) => {
                out.insert(arn.clone(), json!({"Bot": names.0, "Alias": names.1}));
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(alias = %arn, "Lex bot and alias names not read: {e}"),
        }
    }
    Ok(json!(out))
}

#[async_trait]
impl Provider for ConnectProvider {
    fn service(&self) -> ServiceKind {
        ServiceKind::Connect
    }

    fn publishes_versions(&self) -> bool {
        false
    }

    async fn list(&self, ctx: &Ctx, progress: &Progress) -> AwsResult<Vec<Value>> {
        let client = ctx.connect().await?;
        let all = instances(ctx, &client).await?;
        let mut out = Vec::new();
        for inst in &all {
            let (config, _) = read_instance(ctx, &client, inst, Depth::Summary, progress).await?;
            let names = |k: &str| {
                json!(config[k]
                    .as_object()
                    .map(|m| m.keys().cloned().collect::<Vec<_>>())
                    .unwrap_or_default())
            };
            let flows: Vec<Value> = config["Flows"].as_object().into_iter().flatten().map(|(n, f)| json!({"Name": n, "Type": f["Type"], "Status": f["Status"], "State": f["State"]})).collect();
            out.push(json!({
                "InstanceAlias": inst.alias, "InstanceId": inst.id, "Arn": inst.arn,
                "Flows": flows, "Modules": names("Modules"), "Queues": names("Queues"), "HoursOfOperations": names("HoursOfOperations"),
                "Prompts": names("Prompts"), "RoutingProfiles": names("RoutingProfiles"), "QuickConnects": names("QuickConnects"),
                "LambdaFunctions": config["LambdaFunctions"], "LexBots": config["LexBots"],
            }));
        }
        Ok(out)
    }

    /// Everything but prompt audio and Lex names: one Search page per 100 items.
    async fn describe(&self, ctx: &Ctx, name: &ResourceName) -> AwsResult<Option<Value>> {
        let client = ctx.connect().await?;
        let Some(inst) = find_instance(ctx, &client, name.as_str()).await? else {
            return Ok(None);
        };
        let (config, _) =
            read_instance(ctx, &client, &inst, Depth::Summary, &Progress::none()).await?;
        Ok(Some(config))
    }

    async fn capture(
        &self,
        ctx: &Ctx,
        name: &ResourceName,
        store: Option<&dyn SnapshotStore>,
    ) -> AwsResult<Option<Captured>> {
        let client = ctx.connect().await?;
        let Some(inst) = find_instance(ctx, &client, name.as_str()).await? else {
            return Ok(None);
        };
        let depth = match store {
            Some(s) => Depth::Store(s),
            None => Depth::Compare,
        };
        let (config, blobs) = read_instance(ctx, &client, &inst, depth, &Progress::none()).await?;
        Ok(Some(Captured {
            config,
            blobs,
            source: SourceRef {
                arn: inst.arn.clone(),
                id: inst.id.clone(),
            },
        }))
    }

    async fn plan(
        &self,
        ctx: &Ctx,
        source: &SnapshotEnvelope,
        target: &ResourceName,
        live: Option<&Captured>,
        options: &DeployOptions,
    ) -> AwsResult<Plan> {
        crate::connect_deploy::plan(ctx, source, target, live.map(|c| &c.config), options).await
    }

    async fn apply(
        &self,
        ctx: &Ctx,
        plan: &Plan,
        source: &SnapshotEnvelope,
        live: Option<&Captured>,
        store: &dyn SnapshotStore,
        options: &DeployOptions,
        progress: &Progress,
        steps: &mut Vec<StepOutcome>,
        applied: &mut Applied,
    ) -> AwsResult<()> {
        let target = ResourceName::parse(&plan.resource_name)
            .map_err(|e| AwsError::Invalid(e.to_string()))?;
        let mut run = Steps { steps, progress };
        crate::connect_deploy::apply(
            ctx,
            &target,
            source,
            live.map(|c| &c.config),
            store,
            options,
            &mut run,
            applied,
        )
        .await
    }

    /// Puts back what the failed change updated (by re-applying the safety snapshot, which
    /// matches items by id), then deletes what it created and drops the associations it made.
    async fn restore(
        &self,
        ctx: &Ctx,
        name: &ResourceName,
        safety: Option<&SnapshotEnvelope>,
        store: &dyn SnapshotStore,
        applied: &Applied,
    ) -> AwsResult<()> {
        let safety = safety.ok_or_else(|| {
            AwsError::Invalid("a Connect change always has a safety snapshot to restore".into())
        })?;
        reapply(self, ctx, name, safety, store).await?;
        crate::connect_deploy::undo_created(ctx, &safety.source.id, applied).await
    }
}
