//! Reading an instance: every kind through the Search APIs, and per item only what Search
//! leaves out (queue quick connects, routing-profile queues, prompt audio).

use super::capture::{names_by_id, stamp, Depth, Instance, Reuse};
use crate::change::Progress;
use crate::error::{AwsError, AwsResult};
use crate::provider::{download, pages, svc, Ctx};
use aws_sdk_connect::types::LexVersion;
use aws_sdk_connect::Client;
use futures::{StreamExt, TryStreamExt};
use serde_json::{json, Map, Value};
use snapdeploy_core::BlobRef;
use std::collections::{BTreeMap, HashMap};

/// Pages through a Search* call, 100 full objects a page: `$call` is the request builder
/// with the page token set from `$token`.
macro_rules! search_all {
    ($what:literal, $items:ident, |$token:ident| $call:expr) => {
        pages(|$token| async move {
            let page = $call
                .max_results(100)
                .send()
                .await
                .map_err(svc(concat!("searching ", $what)))?;
            Ok((page.$items().to_vec(), page.next_token().map(String::from)))
        })
        .await?
    };
}

pub(super) fn tags(t: Option<&HashMap<String, String>>) -> Value {
    json!(t
        .map(|m| m.iter().collect::<BTreeMap<_, _>>())
        .unwrap_or_default())
}

pub(super) fn content(raw: Option<&str>) -> AwsResult<Value> {
    serde_json::from_str(raw.unwrap_or("{}"))
        .map_err(|e| AwsError::Service(format!("flow content is not JSON: {e}")))
}

/// The names behind the ids items refer to each other by.
struct Names {
    hours: HashMap<String, String>,
    queue: HashMap<String, String>,
    flow: HashMap<String, String>,
}

fn name_of(m: &HashMap<String, String>, id: Option<&str>) -> Option<String> {
    id.and_then(|i| m.get(i)).cloned()
}

/// One read of an instance: where, how deep, and which earlier reads it may reuse.
struct InstanceRead<'a> {
    ctx: &'a Ctx,
    client: &'a Client,
    id: &'a str,
    depth: Depth<'a>,
    reuse: Option<&'a Reuse<'a>>,
}

/// How many per-item reads of one kind are in flight at once. Each operation is paced in its
/// own bucket (see `pacing`), so this only overlaps a read's latency (a prompt's download)
/// with the next call's; more would not go faster.
const IN_FLIGHT: usize = 2;

/// Everything of one instance, by kind and name, and what was observed reading it.
///
/// Connect throttles each API operation separately, so the reads run as parallel streams:
/// first every kind's Search (and the association lists) at once, then the per-item reads
/// Search leaves out (queue quick connects, prompt audio, routing-profile queues), each kind
/// a stream of its own. The document is built in the same order from the same reads as
/// one after the other would, so its digest does not depend on which stream ended first.
pub(crate) async fn read_instance(
    ctx: &Ctx,
    client: &Client,
    inst: &Instance,
    depth: Depth<'_>,
    reuse: Option<&Reuse<'_>>,
    progress: &Progress,
) -> AwsResult<(Value, Vec<BlobRef>, Value)> {
    let id = inst.id.as_str();
    progress.report("searching every kind", 0, 3);
    let (hours, queues, flows, modules, prompts, profiles, quick_connects, associated) = tokio::try_join!(
        async {
            Ok(search_all!(
                "hours of operation",
                hours_of_operations,
                |t| client
                    .search_hours_of_operations()
                    .instance_id(id)
                    .set_next_token(t)
            ))
        },
        async {
            Ok(search_all!("queues", queues, |t| client
                .search_queues()
                .instance_id(id)
                .set_next_token(t)))
        },
        async {
            Ok(search_all!("flows", contact_flows, |t| client
                .search_contact_flows()
                .instance_id(id)
                .set_next_token(t)))
        },
        async {
            Ok(search_all!("flow modules", contact_flow_modules, |t| {
                client
                    .search_contact_flow_modules()
                    .instance_id(id)
                    .set_next_token(t)
            }))
        },
        async {
            Ok(search_all!("prompts", prompts, |t| client
                .search_prompts()
                .instance_id(id)
                .set_next_token(t)))
        },
        async {
            Ok(search_all!("routing profiles", routing_profiles, |t| {
                client
                    .search_routing_profiles()
                    .instance_id(id)
                    .set_next_token(t)
            }))
        },
        async {
            Ok(search_all!("quick connects", quick_connects, |t| {
                client
                    .search_quick_connects()
                    .instance_id(id)
                    .set_next_token(t)
            }))
        },
        associations(client, id),
    )?;
    let names = Names {
        hours: names_by_id(&hours, |h| (h.hours_of_operation_id(), h.name())),
        queue: names_by_id(&queues, |q| (q.queue_id(), q.name())),
        flow: names_by_id(&flows, |f| (f.id(), f.name())),
    };
    let r = InstanceRead {
        ctx,
        client,
        id,
        depth,
        reuse,
    };
    progress.report("reading queues, prompts and routing profiles", 1, 3);
    let (queue_items, (prompt_items, blobs, seen_prompts), (profile_items, seen_profiles)) = tokio::try_join!(
        r.queues(&queues, &names),
        r.prompts(&prompts),
        r.profiles(&profiles, &names),
    )?;
    let mut out = Map::new();
    out.insert("InstanceAlias".into(), json!(inst.alias));
    out.insert("InstanceArn".into(), json!(inst.arn));
    out.insert("HoursOfOperations".into(), hours_items(&hours));
    out.insert("Queues".into(), queue_items);
    out.insert("Prompts".into(), prompt_items);
    out.insert("RoutingProfiles".into(), profile_items);
    out.insert(
        "QuickConnects".into(),
        quick_connect_items(&quick_connects, &names),
    );
    out.insert("Modules".into(), module_items(&modules)?);
    out.insert("Flows".into(), flow_items(&flows)?);
    r.lex_associations(&mut out, associated).await?;
    progress.report("captured", 3, 3);
    let observed = match depth {
        Depth::Summary => Value::Null,
        _ => json!({
            // A capture that reused reads is only as fresh as the full read behind them.
            "FullReadAt": reuse.map_or_else(
                || chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                |r| r.full_read_at.clone(),
            ),
            "Prompts": seen_prompts,
            "RoutingProfiles": seen_profiles,
        }),
    };
    Ok((Value::Object(out), blobs, observed))
}

/// The instance's Lambda functions and Lex V2 bot aliases, sorted.
async fn associations(client: &Client, id: &str) -> AwsResult<(Vec<String>, Vec<String>)> {
    let (lambdas, bots) = tokio::try_join!(
        async {
            client
                .list_lambda_functions()
                .instance_id(id)
                .send()
                .await
                .map_err(svc("listing Lambda associations"))
        },
        async {
            client
                .list_bots()
                .instance_id(id)
                .lex_version(LexVersion::V2)
                .send()
                .await
                .map_err(svc("listing Lex associations"))
        },
    )?;
    let mut lambdas = lambdas.lambda_functions().to_vec();
    lambdas.sort();
    let mut aliases: Vec<String> = bots
        .lex_bots()
        .iter()
        .filter_map(|b| b.lex_v2_bot().and_then(|v| v.alias_arn()).map(String::from))
        .collect();
    aliases.sort();
    Ok((lambdas, aliases))
}

fn hours_items(hours: &[aws_sdk_connect::types::HoursOfOperation]) -> Value {
    json!(hours
        .iter()
        .map(|h| {
            let config: Vec<Value> = h.config().iter().map(|c| json!({"Day": c.day().as_str(), "StartTime": {"Hours": c.start_time().map(|t| t.hours()), "Minutes": c.start_time().map(|t| t.minutes())}, "EndTime": {"Hours": c.end_time().map(|t| t.hours()), "Minutes": c.end_time().map(|t| t.minutes())}})).collect();
            (h.name().unwrap_or_default().to_owned(), json!({"Id": h.hours_of_operation_id(), "Arn": h.hours_of_operation_arn(), "Description": h.description().unwrap_or(""), "TimeZone": h.time_zone(), "Config": config, "Tags": tags(h.tags())}))
        })
        .collect::<BTreeMap<_, _>>())
}

fn quick_connect_items(
    quick_connects: &[aws_sdk_connect::types::QuickConnect],
    names: &Names,
) -> Value {
    json!(quick_connects
        .iter()
        .map(|q| {
            let c = q.quick_connect_config();
            let config = json!({
                "QuickConnectType": c.map(|c| c.quick_connect_type().as_str()),
                "Queue": c.and_then(|c| c.queue_config()).map(|qc| json!({"Queue": name_of(&names.queue, Some(qc.queue_id())), "Flow": name_of(&names.flow, Some(qc.contact_flow_id()))})),
                "Phone": c.and_then(|c| c.phone_config()).map(|p| json!({"PhoneNumber": p.phone_number()})),
                "User": c.and_then(|c| c.user_config()).map(|u| json!({"UserId": u.user_id(), "Flow": name_of(&names.flow, Some(u.contact_flow_id()))})),
            });
            (q.name().unwrap_or_default().to_owned(), json!({"Id": q.quick_connect_id(), "Arn": q.quick_connect_arn(), "Description": q.description().unwrap_or(""), "Config": config, "Tags": tags(q.tags())}))
        })
        .collect::<BTreeMap<_, _>>())
}

fn module_items(modules: &[aws_sdk_connect::types::ContactFlowModule]) -> AwsResult<Value> {
    let mut module_items = BTreeMap::new();
    for m in modules {
        module_items.insert(m.name().unwrap_or_default().to_owned(), json!({"Id": m.id(), "Arn": m.arn(), "Description": m.description().unwrap_or(""), "State": m.state().map(|s| s.as_str()), "Content": content(m.content())?, "Tags": tags(m.tags())}));
    }
    Ok(json!(module_items))
}

fn flow_items(flows: &[aws_sdk_connect::types::ContactFlow]) -> AwsResult<Value> {
    let mut flow_items = BTreeMap::new();
    for f in flows {
        flow_items.insert(f.name().unwrap_or_default().to_owned(), json!({"Id": f.id(), "Arn": f.arn(), "Type": f.r#type().map(|t| t.as_str()), "Description": f.description().unwrap_or(""),
            "State": f.state().map(|s| s.as_str()), "Status": f.status().map(|s| s.as_str()), "Content": content(f.content())?, "Tags": tags(f.tags())}));
    }
    Ok(json!(flow_items))
}

impl InstanceRead<'_> {
    /// Queues, each with its quick connects (one call per queue: nothing returns them in bulk).
    async fn queues(
        &self,
        queues: &[aws_sdk_connect::types::Queue],
        refs: &Names,
    ) -> AwsResult<Value> {
        let (client, id) = (self.client, self.id);
        // By index: a closure over `&Queue` is not `Send` for every lifetime (async_trait).
        let quick_connects: Vec<_> = futures::stream::iter(0..queues.len())
            .map(|i| async move {
                let q = &queues[i];
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
                AwsResult::Ok(names)
            })
            .buffered(IN_FLIGHT)
            .try_collect()
            .await?;
        let mut queue_items = BTreeMap::new();
        for (q, names) in queues.iter().zip(quick_connects) {
            let outbound = q.outbound_caller_config().map(|o| json!({"OutboundCallerIdName": o.outbound_caller_id_name(), "OutboundCallerIdNumberId": o.outbound_caller_id_number_id(), "OutboundFlow": name_of(&refs.flow, o.outbound_flow_id())}));
            queue_items.insert(q.name().unwrap_or_default().to_owned(), json!({"Id": q.queue_id(), "Arn": q.queue_arn(), "Description": q.description().unwrap_or(""),
                "HoursOfOperation": name_of(&refs.hours, q.hours_of_operation_id()), "MaxContacts": q.max_contacts(), "OutboundCallerConfig": outbound, "QuickConnects": names, "Tags": tags(q.tags())}));
        }
        Ok(json!(queue_items))
    }

    /// Prompts with their audio's digest: the earlier read's where the prompt has not moved,
    /// else downloaded (and stored, for a snapshot). With the audio blobs and what was seen.
    async fn prompts(
        &self,
        prompts: &[aws_sdk_connect::types::Prompt],
    ) -> AwsResult<(Value, Vec<BlobRef>, Map<String, Value>)> {
        let read: Vec<_> = futures::stream::iter(0..prompts.len())
            .map(|i| self.prompt(&prompts[i]))
            .buffered(IN_FLIGHT)
            .try_collect()
            .await?;
        let (mut items, mut blobs, mut seen) = (BTreeMap::new(), Vec::new(), Map::new());
        for (p, (item, blob, audio)) in prompts.iter().zip(read) {
            let pid = p.prompt_id().unwrap_or_default();
            blobs.extend(blob);
            if let (Some(sha), Some(m)) = (audio, p.last_modified_time().map(stamp)) {
                seen.insert(pid.to_owned(), json!({"Modified": m, "Audio": sha}));
            }
            items.insert(p.name().unwrap_or_default().to_owned(), item);
        }
        Ok((json!(items), blobs, seen))
    }

    /// One prompt's item, its audio's blob (for a snapshot) and the audio's digest.
    async fn prompt(
        &self,
        p: &aws_sdk_connect::types::Prompt,
    ) -> AwsResult<(Value, Option<BlobRef>, Option<String>)> {
        let (ctx, depth) = (self.ctx, self.depth);
        let pid = p.prompt_id().unwrap_or_default();
        let mut item = json!({"Id": pid, "Arn": p.prompt_arn(), "Description": p.description().unwrap_or(""), "Tags": tags(p.tags())});
        if matches!(depth, Depth::Summary) {
            return Ok((item, None, None));
        }
        let role = format!("prompt:{}", p.name().unwrap_or_default());
        let modified = p.last_modified_time().map(stamp);
        // The earlier read's audio, when the store has it (a snapshot's blobs list it).
        let earlier = self.reuse.and_then(|r| {
            let sha = r.item("Prompts", pid, modified.as_deref())?["Audio"].as_str()?;
            match depth {
                Depth::Store(_) => r.blobs.iter().find(|b| b.sha256 == sha).map(|b| {
                    (
                        sha.to_owned(),
                        Some(BlobRef {
                            role: role.clone(),
                            ..b.clone()
                        }),
                    )
                }),
                _ => Some((sha.to_owned(), None)),
            }
        });
        let (sha, blob) = match earlier {
            Some(found) => found,
            None => {
                let bytes = prompt_audio(ctx, self.client, self.id, pid).await?;
                match depth {
                    Depth::Store(store) => {
                        let blob = store
                            .put_blob(&ctx.account.account_id, &bytes, "audio/wav", &role)
                            .await?;
                        (blob.sha256.clone(), Some(blob))
                    }
                    _ => (snapdeploy_core::sha256_hex(&bytes), None),
                }
            }
        };
        item["Audio"] = json!(sha);
        Ok((item, blob, Some(sha)))
    }

    /// Routing profiles with their queue configs: the earlier read's where the profile has
    /// not moved and names the same queues, else read again. With what was seen.
    async fn profiles(
        &self,
        profiles: &[aws_sdk_connect::types::RoutingProfile],
        names: &Names,
    ) -> AwsResult<(Value, Map<String, Value>)> {
        let (client, id, reuse) = (self.client, self.id, self.reuse);
        let queue_name = &names.queue;
        let read: Vec<Vec<Value>> = futures::stream::iter(0..profiles.len())
            .map(|i| async move {
                let rp = &profiles[i];
                let rid = rp.routing_profile_id().unwrap_or_default();
                let modified = rp.last_modified_time().map(stamp);
                // Queue configs by queue id: names are filled in from this read, so a queue
                // renamed since the earlier read is named as it is now.
                let earlier = reuse
                    .and_then(|r| r.item("RoutingProfiles", rid, modified.as_deref()))
                    .and_then(|e| e["Queues"].as_array().cloned())
                    .filter(|configs| same_queues(rp, configs, queue_name));
                match earlier {
                    Some(configs) => Ok(configs),
                    None => profile_queues(client, id, rid).await,
                }
            })
            .buffered(IN_FLIGHT)
            .try_collect()
            .await?;
        let (mut items, mut seen) = (BTreeMap::new(), Map::new());
        for (rp, by_id) in profiles.iter().zip(read) {
            let rid = rp.routing_profile_id().unwrap_or_default();
            let mut configs: Vec<Value> = by_id
                .iter()
                .map(|c| json!({"Queue": queue_name.get(c["QueueId"].as_str().unwrap_or_default()), "Channel": c["Channel"], "Priority": c["Priority"], "Delay": c["Delay"]}))
                .collect();
            if let Some(m) = rp.last_modified_time().map(stamp) {
                seen.insert(rid.to_owned(), json!({"Modified": m, "Queues": by_id}));
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
            items.insert(rp.name().unwrap_or_default().to_owned(), json!({"Id": rp.routing_profile_id(), "Arn": rp.routing_profile_arn(), "Description": rp.description().unwrap_or(""),
                "DefaultOutboundQueue": name_of(queue_name, rp.default_outbound_queue_id()), "MediaConcurrencies": media, "Queues": configs, "Tags": tags(rp.tags())}));
        }
        Ok((json!(items), seen))
    }

    /// The instance's Lambda and Lex associations, and (beyond a summary) the bot and alias
    /// names behind every Lex alias ARN it uses.
    async fn lex_associations(
        &self,
        out: &mut Map<String, Value>,
        (lambdas, aliases): (Vec<String>, Vec<String>),
    ) -> AwsResult<()> {
        out.insert("LambdaFunctions".into(), json!(lambdas));
        if !matches!(self.depth, Depth::Summary) {
            // Alias ids differ between accounts: a promotion finds the target's alias by the
            // bot and alias names recorded here.
            let mut used = aliases.clone();
            for kind in ["Flows", "Modules"] {
                for item in out[kind].as_object().into_iter().flat_map(|m| m.values()) {
                    super::items::each_string(&item["Content"], &mut |s| {
                        if s.starts_with("arn:aws:lex:") && s.contains(":bot-alias/") {
                            used.push(s.to_owned());
                        }
                    });
                }
            }
            used.sort();
            used.dedup();
            out.insert("LexAliases".into(), lex_names(self.ctx, &used).await?);
        }
        out.insert("LexBots".into(), json!(aliases));
        Ok(())
    }
}

/// Whether an earlier read's queue configs of a routing profile name the queues it has now
/// (all of them still in the instance).
fn same_queues(
    rp: &aws_sdk_connect::types::RoutingProfile,
    configs: &[Value],
    queue_name: &HashMap<String, String>,
) -> bool {
    let mut ids: Vec<&str> = configs
        .iter()
        .filter_map(|c| c["QueueId"].as_str())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let mut now: Vec<&str> = rp
        .associated_queue_ids
        .iter()
        .flatten()
        .map(String::as_str)
        .collect();
    now.sort_unstable();
    now.dedup();
    rp.associated_queue_ids.is_some()
        && ids == now
        && configs
            .iter()
            .all(|c| queue_name.contains_key(c["QueueId"].as_str().unwrap_or_default()))
}

/// A prompt's audio: GetPromptFile's pre-signed URL, downloaded.
pub(super) async fn prompt_audio(
    ctx: &Ctx,
    client: &Client,
    instance_id: &str,
    prompt_id: &str,
) -> AwsResult<Vec<u8>> {
    let file = client
        .get_prompt_file()
        .instance_id(instance_id)
        .prompt_id(prompt_id)
        .send()
        .await
        .map_err(svc("reading prompt audio"))?;
    let url = file
        .prompt_presigned_url()
        .ok_or_else(|| AwsError::Service("GetPromptFile returned no URL".into()))?;
    download(ctx, url, "prompt audio").await
}

/// A routing profile's queue configs, by queue id.
pub(super) async fn profile_queues(
    client: &Client,
    instance_id: &str,
    profile_id: &str,
) -> AwsResult<Vec<Value>> {
    pages(|next| async move {
        let page = client
            .list_routing_profile_queues()
            .instance_id(instance_id)
            .routing_profile_id(profile_id)
            .set_next_token(next)
            .send()
            .await
            .map_err(svc("listing routing profile queues"))?;
        let configs = page.routing_profile_queue_config_summary_list().iter().map(|c| json!({"QueueId": c.queue_id(), "Channel": c.channel().as_str(), "Priority": c.priority(), "Delay": c.delay()})).collect();
        Ok((configs, page.next_token().map(String::from)))
    })
    .await
}

/// Bot and alias names behind Lex V2 alias ARNs of this account and region (others, and
/// aliases that no longer exist, are left out: a promotion reports them as unmappable).
pub(super) async fn lex_names(ctx: &Ctx, arns: &[String]) -> AwsResult<Value> {
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
        match crate::lex::read::alias_names(ctx, client, bot, alias).await {
            Ok(Some(names)) => {
                out.insert(arn.clone(), json!({"Bot": names.0, "Alias": names.1}));
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(alias = %arn, "Lex bot and alias names not read: {e}"),
        }
    }
    Ok(json!(out))
}
