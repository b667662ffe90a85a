//! An independent view of a Connect instance: everything read back through the AWS SDK's
//! own calls and types, not through SnapDeploy's capture, so a field SnapDeploy's capture
//! drops (and therefore would never restore) still shows as a difference.
//!
//! Items are keyed `kind/name`. Ids and ARNs differ when an item is recreated, so every id
//! and ARN of an item of the instance is written as `<kind/name>` wherever it appears (a
//! flow's content, a quick connect's queue, a routing profile's default queue).
//! Modification times and versions are left out: a restore writes, so they move.

use aws_sdk_connect::Client;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};

pub type State = BTreeMap<String, Value>;

/// Every item of a paginated list call, all pages.
macro_rules! all_items {
    ($request:expr) => {
        $request
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .unwrap()
    };
}

fn tags(t: &Option<HashMap<String, String>>) -> Value {
    json!(t
        .clone()
        .unwrap_or_default()
        .into_iter()
        .collect::<BTreeMap<_, _>>())
}

fn content(c: &Option<String>) -> Value {
    c.as_deref()
        .map(|c| serde_json::from_str(c).unwrap_or_else(|_| json!(c)))
        .unwrap_or(Value::Null)
}

/// Every item of the instance, as the SDK reads it.
pub async fn connect_state(c: &Client, instance: &str) -> State {
    let mut items = State::new();
    // id or ARN -> `<kind/name>`, applied to the whole state at the end.
    let mut names: Vec<(String, String)> = Vec::new();
    let mut label = |kind: &str, name: &str, id: Option<&str>, arn: Option<&str>| {
        let l = format!("<{kind}/{name}>");
        for x in [arn, id].into_iter().flatten() {
            names.push((x.to_owned(), l.clone()));
        }
        format!("{kind}/{name}")
    };

    let hours: Vec<_> = all_items!(c.list_hours_of_operations().instance_id(instance));
    for s in hours {
        let h = c
            .describe_hours_of_operation()
            .instance_id(instance)
            .hours_of_operation_id(s.id().unwrap())
            .send()
            .await
            .unwrap()
            .hours_of_operation
            .unwrap();
        let key = label(
            "hours",
            h.name().unwrap(),
            h.hours_of_operation_id(),
            h.hours_of_operation_arn(),
        );
        items.insert(
            key,
            json!({"description": h.description, "time_zone": h.time_zone,
                   "config": format!("{:?}", h.config), "tags": tags(&h.tags)}),
        );
    }

    let queues: Vec<_> = all_items!(c
        .list_queues()
        .instance_id(instance)
        .queue_types(aws_sdk_connect::types::QueueType::Standard));
    for s in queues {
        let id = s.id().unwrap();
        let q = c
            .describe_queue()
            .instance_id(instance)
            .queue_id(id)
            .send()
            .await
            .unwrap()
            .queue
            .unwrap();
        let quick: Vec<_> = all_items!(c
            .list_queue_quick_connects()
            .instance_id(instance)
            .queue_id(id));
        let mut quick: Vec<String> = quick.iter().map(|q| q.id().unwrap().to_owned()).collect();
        quick.sort();
        let key = label("queue", q.name().unwrap(), q.queue_id(), q.queue_arn());
        items.insert(
            key,
            json!({"description": q.description, "hours": q.hours_of_operation_id,
                   "max_contacts": q.max_contacts, "status": format!("{:?}", q.status),
                   "outbound_caller": format!("{:?}", q.outbound_caller_config),
                   "quick_connects": quick, "tags": tags(&q.tags)}),
        );
    }

    let prompts: Vec<_> = all_items!(c.list_prompts().instance_id(instance));
    for s in prompts {
        let id = s.id().unwrap();
        let p = c
            .describe_prompt()
            .instance_id(instance)
            .prompt_id(id)
            .send()
            .await
            .unwrap()
            .prompt
            .unwrap();
        let url = c
            .get_prompt_file()
            .instance_id(instance)
            .prompt_id(id)
            .send()
            .await
            .unwrap()
            .prompt_presigned_url
            .unwrap();
        let audio = reqwest::get(&url).await.unwrap();
        assert!(audio.status().is_success(), "prompt audio at {url}");
        let audio = snapdeploy_core::sha256_hex(&audio.bytes().await.unwrap());
        let key = label("prompt", p.name().unwrap(), p.prompt_id(), p.prompt_arn());
        items.insert(
            key,
            json!({"description": p.description, "audio_sha256": audio, "tags": tags(&p.tags)}),
        );
    }

    let profiles: Vec<_> = all_items!(c.list_routing_profiles().instance_id(instance));
    for s in profiles {
        let id = s.id().unwrap();
        let r = c
            .describe_routing_profile()
            .instance_id(instance)
            .routing_profile_id(id)
            .send()
            .await
            .unwrap()
            .routing_profile
            .unwrap();
        let configs: Vec<_> = all_items!(c
            .list_routing_profile_queues()
            .instance_id(instance)
            .routing_profile_id(id));
        let mut configs: Vec<String> = configs
            .iter()
            .map(|q| {
                format!(
                    "{} {:?} priority {} delay {}",
                    q.queue_id, q.channel, q.priority, q.delay
                )
            })
            .collect();
        configs.sort();
        let key = label(
            "routing-profile",
            r.name().unwrap(),
            r.routing_profile_id(),
            r.routing_profile_arn(),
        );
        items.insert(
            key,
            json!({"description": r.description, "default_outbound_queue": r.default_outbound_queue_id,
                   "media": format!("{:?}", r.media_concurrencies), "queues": configs,
                   "tags": tags(&r.tags)}),
        );
    }

    let quick: Vec<_> = all_items!(c.list_quick_connects().instance_id(instance));
    for s in quick {
        let q = c
            .describe_quick_connect()
            .instance_id(instance)
            .quick_connect_id(s.id().unwrap())
            .send()
            .await
            .unwrap()
            .quick_connect
            .unwrap();
        let key = label(
            "quick-connect",
            q.name().unwrap(),
            q.quick_connect_id(),
            q.quick_connect_arn(),
        );
        items.insert(
            key,
            json!({"description": q.description, "config": format!("{:?}", q.quick_connect_config),
                   "tags": tags(&q.tags)}),
        );
    }

    let modules: Vec<_> = all_items!(c.list_contact_flow_modules().instance_id(instance));
    for s in modules {
        let m = c
            .describe_contact_flow_module()
            .instance_id(instance)
            .contact_flow_module_id(s.id().unwrap())
            .send()
            .await
            .unwrap()
            .contact_flow_module
            .unwrap();
        let key = label("module", m.name().unwrap(), m.id(), m.arn());
        items.insert(
            key,
            json!({"description": m.description, "content": content(&m.content),
                   "state": format!("{:?}", m.state), "status": format!("{:?}", m.status),
                   "tags": tags(&m.tags)}),
        );
    }

    let flows: Vec<_> = all_items!(c.list_contact_flows().instance_id(instance));
    for s in flows {
        let f = c
            .describe_contact_flow()
            .instance_id(instance)
            .contact_flow_id(s.id().unwrap())
            .send()
            .await
            .unwrap()
            .contact_flow
            .unwrap();
        let key = label("flow", f.name().unwrap(), f.id(), f.arn());
        items.insert(
            key,
            json!({"type": format!("{:?}", f.r#type), "description": f.description,
                   "content": content(&f.content), "state": format!("{:?}", f.state),
                   "status": format!("{:?}", f.status), "tags": tags(&f.tags)}),
        );
    }

    let mut lambdas: Vec<String> = all_items!(c.list_lambda_functions().instance_id(instance));
    lambdas.sort();
    items.insert("associations/lambda".into(), json!(lambdas));
    let bots: Vec<_> = all_items!(c
        .list_bots()
        .instance_id(instance)
        .lex_version(aws_sdk_connect::types::LexVersion::V2));
    let mut bots: Vec<String> = bots
        .iter()
        .map(|b| format!("{:?} {:?}", b.lex_bot, b.lex_v2_bot))
        .collect();
    bots.sort();
    items.insert("associations/lex".into(), json!(bots));

    // Ids and ARNs as the names of what they point at; longest first, so an ARN is
    // replaced whole before the id inside it.
    names.sort_by_key(|n| std::cmp::Reverse(n.0.len()));
    let mut text = serde_json::to_string(&items).unwrap();
    for (from, to) in &names {
        text = text.replace(from.as_str(), to);
    }
    let mut items: State = serde_json::from_str(&text).unwrap();
    // Lists of references are sets: ordered by the names they now hold.
    for item in items.values_mut() {
        for list in ["quick_connects", "queues"] {
            if let Some(Value::Array(a)) = item.get_mut(list) {
                a.sort_by_key(|v| v.to_string());
            }
        }
    }
    items
}

/// Fails naming every item that differs, with both sides.
pub fn assert_same_state(what: &str, expected: &State, actual: &State) {
    let mut diffs = Vec::new();
    for k in expected.keys().chain(actual.keys()) {
        let (e, a) = (expected.get(k), actual.get(k));
        if e != a
            && !diffs
                .iter()
                .any(|d: &String| d.starts_with(&format!("{k}:")))
        {
            diffs.push(format!("{k}:\n  expected {e:?}\n  actual   {a:?}"));
        }
    }
    assert!(
        diffs.is_empty(),
        "{what}: {} item(s) differ, read through the AWS SDK:\n{}",
        diffs.len(),
        diffs.join("\n")
    );
}

/// A Lambda function as the SDK reads it: $LATEST's configuration (less what every write
/// moves: modification time, revision, update status), tags, reserved concurrency, resource
/// policy statements, aliases, published versions and asynchronous-invocation settings.
pub async fn lambda_state(c: &aws_sdk_lambda::Client, name: &str) -> Value {
    let got = c.get_function().function_name(name).send().await.unwrap();
    let mut conf = got.configuration.clone().unwrap();
    conf.last_modified = None;
    conf.revision_id = None;
    conf.last_update_status = None;
    conf.last_update_status_reason = None;
    conf.last_update_status_reason_code = None;
    conf.state = None;
    conf.state_reason = None;
    conf.state_reason_code = None;
    // AWS shows a function taken out of its VPC with empty lists, and one never in a VPC
    // with none: the same thing.
    if conf.vpc_config.as_ref().is_some_and(|v| {
        v.subnet_ids.as_deref().unwrap_or_default().is_empty()
            && v.security_group_ids
                .as_deref()
                .unwrap_or_default()
                .is_empty()
    }) {
        conf.vpc_config = None;
    }
    let env = conf
        .environment
        .take()
        .and_then(|e| e.variables)
        .unwrap_or_default()
        .into_iter()
        .collect::<BTreeMap<_, _>>();
    let policy = match c.get_policy().function_name(name).send().await {
        Ok(p) => {
            let doc: Value = serde_json::from_str(p.policy().unwrap()).unwrap();
            let mut statements = doc["Statement"].as_array().cloned().unwrap_or_default();
            statements.sort_by_key(|s| s["Sid"].to_string());
            json!(statements)
        }
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_resource_not_found_exception()) =>
        {
            json!([])
        }
        Err(e) => panic!("GetPolicy: {e:?}"),
    };
    let aliases: Vec<_> = all_items!(c.list_aliases().function_name(name));
    let aliases: BTreeMap<String, Value> = aliases
        .iter()
        .map(|a| {
            (
                a.name().unwrap().to_owned(),
                json!({"version": a.function_version, "description": a.description,
                       "routing": format!("{:?}", a.routing_config)}),
            )
        })
        .collect();
    let versions: Vec<_> = all_items!(c.list_versions_by_function().function_name(name));
    let versions: BTreeMap<String, Value> = versions
        .iter()
        .filter(|v| v.version() != Some("$LATEST"))
        .map(|v| {
            (
                v.version().unwrap().to_owned(),
                json!({"code": v.code_sha256, "description": v.description}),
            )
        })
        .collect();
    let invoke = match c
        .get_function_event_invoke_config()
        .function_name(name)
        .send()
        .await
    {
        Ok(o) => json!({"retries": o.maximum_retry_attempts, "age": o.maximum_event_age_in_seconds,
                        "destinations": format!("{:?}", o.destination_config)}),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_resource_not_found_exception()) =>
        {
            Value::Null
        }
        Err(e) => panic!("GetFunctionEventInvokeConfig: {e:?}"),
    };
    json!({
        "configuration": format!("{conf:?}"),
        "environment": env,
        "tags": json!(got.tags.clone().unwrap_or_default().into_iter().collect::<BTreeMap<_, _>>()),
        "reserved_concurrency": got.concurrency.as_ref().and_then(|c| c.reserved_concurrent_executions),
        "policy": policy,
        "aliases": aliases,
        "versions": versions,
        "event_invoke": invoke,
    })
}

/// The bot's DRAFT exported through the SDK (CreateExport, polled until Completed, the zip
/// downloaded), unzipped here: each file by its path, parsed.
pub async fn export_draft(
    c: &aws_sdk_lexmodelsv2::Client,
    bot_id: &str,
) -> BTreeMap<String, Value> {
    use aws_sdk_lexmodelsv2::types::{
        BotExportSpecification, ExportResourceSpecification, ImportExportFileFormat,
    };
    let spec = ExportResourceSpecification::builder()
        .bot_export_specification(
            BotExportSpecification::builder()
                .bot_id(bot_id)
                .bot_version("DRAFT")
                .build()
                .unwrap(),
        )
        .build();
    let export = c
        .create_export()
        .resource_specification(spec)
        .file_format(ImportExportFileFormat::LexJson)
        .send()
        .await
        .unwrap();
    let export_id = export.export_id().unwrap();
    let url = super::eventually_some("the export completes", || async {
        let d = c
            .describe_export()
            .export_id(export_id)
            .send()
            .await
            .unwrap();
        match d.export_status().map(|s| s.as_str()) {
            Some("Completed") => Some(d.download_url().unwrap().to_owned()),
            Some("InProgress") => None,
            other => panic!("export {export_id}: {other:?}"),
        }
    })
    .await;
    unzip(&reqwest::get(&url).await.unwrap().bytes().await.unwrap())
}

/// A zip's files by path, each parsed as JSON (or kept as text).
pub fn unzip(bytes: &[u8]) -> BTreeMap<String, Value> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut out = BTreeMap::new();
    for i in 0..archive.len() {
        let mut f = archive.by_index(i).unwrap();
        if f.is_dir() {
            continue;
        }
        let mut text = String::new();
        std::io::Read::read_to_string(&mut f, &mut text).unwrap();
        let parsed: Value = serde_json::from_str(&text).unwrap_or(json!(text));
        out.insert(f.name().to_owned(), parsed);
    }
    out
}

/// A Lex V2 bot as the SDK reads it: its settings, its DRAFT definition (an export of it,
/// unzipped and parsed here, file by file), its aliases with their locale settings, its
/// version numbers and its tags.
pub async fn lex_state(c: &aws_sdk_lexmodelsv2::Client, account: &str, bot_id: &str) -> Value {
    let bot = c.describe_bot().bot_id(bot_id).send().await.unwrap();
    let definition = export_draft(c, bot_id).await;

    let summaries = c.list_bot_aliases().bot_id(bot_id).send().await.unwrap();
    let mut aliases = BTreeMap::new();
    for s in summaries.bot_alias_summaries() {
        let a = c
            .describe_bot_alias()
            .bot_id(bot_id)
            .bot_alias_id(s.bot_alias_id().unwrap())
            .send()
            .await
            .unwrap();
        let locales: BTreeMap<String, String> = a
            .bot_alias_locale_settings()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.clone(), format!("{v:?}")))
                    .collect()
            })
            .unwrap_or_default();
        aliases.insert(
            a.bot_alias_name().unwrap().to_owned(),
            json!({"version": a.bot_version, "description": a.description, "locales": locales,
                   "sentiment": format!("{:?}", a.sentiment_analysis_settings)}),
        );
    }
    let versions = c.list_bot_versions().bot_id(bot_id).send().await.unwrap();
    let mut versions: Vec<String> = versions
        .bot_version_summaries()
        .iter()
        .filter_map(|v| v.bot_version().map(String::from))
        .collect();
    versions.sort();
    let tags = c
        .list_tags_for_resource()
        .resource_arn(format!("arn:aws:lex:us-east-1:{account}:bot/{bot_id}"))
        .send()
        .await
        .unwrap();
    json!({
        "name": bot.bot_name, "description": bot.description, "role": bot.role_arn,
        "data_privacy": format!("{:?}", bot.data_privacy),
        "idle_ttl": bot.idle_session_ttl_in_seconds,
        "definition": definition, "aliases": aliases, "versions": versions,
        "tags": json!(tags.tags.clone().unwrap_or_default().into_iter().collect::<BTreeMap<_, _>>()),
    })
}
