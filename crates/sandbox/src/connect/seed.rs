//! Seed data: instances as the demo and tests start with them.

use super::items::create;
use super::model::{Instance, Kind};
use super::routing::{add_profile_queues, sync_profile};
use super::support::{instance, now, region, Ctx};
use crate::state::World;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// The caller a seed acts as: the account and region, no host.
fn seed_ctx(account: &str, region_name: &str) -> Ctx {
    Ctx {
        account: account.into(),
        region: region_name.into(),
        host: String::new(),
    }
}

/// Seeds an empty instance with a fixed id.
pub(crate) fn seed_instance(
    w: &mut World,
    account: &str,
    region_name: &str,
    id: &str,
    alias: &str,
) {
    let ctx = seed_ctx(account, region_name);
    region(w, &ctx).instances.insert(
        id.into(),
        Instance {
            id: id.into(),
            alias: alias.into(),
            created: now(),
            items: BTreeMap::new(),
            saved: BTreeMap::new(),
            prompt_audio: BTreeMap::new(),
            profile_queues: BTreeMap::new(),
            queue_quick_connects: BTreeMap::new(),
            lambda_functions: vec![],
            lex_bots: vec![],
            defaults: BTreeSet::new(),
        },
    );
    seed_defaults(w, account, region_name, id);
}

/// The flows Connect creates in every new instance, with their types.
const DEFAULT_FLOWS: [(&str, &str); 8] = [
    ("Default agent hold", "AGENT_HOLD"),
    ("Default agent transfer", "AGENT_TRANSFER"),
    ("Default agent whisper", "AGENT_WHISPER"),
    ("Default customer hold", "CUSTOMER_HOLD"),
    ("Default customer queue", "CUSTOMER_QUEUE"),
    ("Default customer whisper", "CUSTOMER_WHISPER"),
    ("Default outbound", "OUTBOUND_WHISPER"),
    ("Default queue transfer", "QUEUE_TRANSFER"),
];

/// Some of the prompts Connect creates in every new instance (the hold and queue music).
const DEFAULT_PROMPTS: [&str; 5] = [
    "Beep.wav",
    "CustomerHold.wav",
    "CustomerQueue.wav",
    "Music_Jazz_MyTimeToFly_Inst.wav",
    "Music_Pop_ThisAndThatIsLife_Inst.wav",
];

/// What a new instance starts with on AWS: Basic Hours, BasicQueue, Basic Routing Profile,
/// the default flows (two of them playing default prompts) and the default prompts. None of
/// them can be deleted, so a deploy and a rollback meet them in every instance.
fn seed_defaults(w: &mut World, account: &str, region_name: &str, id: &str) {
    let arn = |seg: &str, item: &str| {
        format!("arn:aws:connect:{region_name}:{account}:instance/{id}/{seg}/{item}")
    };
    let mk = |w: &mut World, kind: Kind, body: Value| {
        seed_create(w, account, region_name, id, kind, body).unwrap_or_default()
    };
    let mut prompts = BTreeMap::new();
    for name in DEFAULT_PROMPTS {
        let p = mk(
            w,
            Kind::Prompt,
            json!({"Name": name, "Description": "", "S3Uri": format!("s3://connect-defaults/{name}")}),
        );
        set_prompt_audio(w, account, region_name, id, &p, wav(3));
        prompts.insert(name, p);
    }
    let all_week: Vec<Value> = [
        "MONDAY",
        "TUESDAY",
        "WEDNESDAY",
        "THURSDAY",
        "FRIDAY",
        "SATURDAY",
        "SUNDAY",
    ]
    .iter()
    .map(|d| json!({"Day": d, "StartTime": {"Hours": 0, "Minutes": 0}, "EndTime": {"Hours": 0, "Minutes": 0}}))
    .collect();
    let hours = mk(
        w,
        Kind::Hours,
        json!({"Name": "Basic Hours", "Description": "Basic Hours", "TimeZone": "UTC", "Config": all_week}),
    );
    let queue = mk(
        w,
        Kind::Queue,
        json!({"Name": "BasicQueue", "Description": "A simple, basic voice queue.", "HoursOfOperationId": hours}),
    );
    let profile = mk(
        w,
        Kind::RoutingProfile,
        json!({"Name": "Basic Routing Profile", "Description": "A simple, basic routing profile.", "DefaultOutboundQueueId": queue,
            "MediaConcurrencies": [{"Channel": "VOICE", "Concurrency": 1}, {"Channel": "CHAT", "Concurrency": 2}]}),
    );
    for (name, flow_type) in DEFAULT_FLOWS {
        let play = match flow_type {
            "CUSTOMER_QUEUE" => Some("CustomerQueue.wav"),
            "CUSTOMER_HOLD" => Some("CustomerHold.wav"),
            _ => None,
        };
        let steps = match play {
            Some(p) => vec![(
                "MessageParticipant",
                json!({"PromptId": arn("prompt", &prompts[p])}),
            )],
            None => vec![("MessageParticipant", json!({"Text": name}))],
        };
        mk(
            w,
            Kind::Flow,
            json!({"Name": name, "Type": flow_type, "Description": name, "Content": flow_content(&steps)}),
        );
    }
    let configs = vec![
        json!({"QueueReference": {"QueueId": queue, "Channel": "VOICE"}, "Priority": 1, "Delay": 0}),
        json!({"QueueReference": {"QueueId": queue, "Channel": "CHAT"}, "Priority": 1, "Delay": 0}),
    ];
    seed_associate(
        w,
        account,
        region_name,
        id,
        vec![],
        vec![],
        vec![(profile, configs)],
        vec![],
    );
    // The instance was empty before: everything in it now is a default.
    if let Ok(inst) = instance(w, &seed_ctx(account, region_name), id) {
        inst.defaults = inst
            .items
            .values()
            .flat_map(|m| m.keys().cloned())
            .collect();
    }
}

/// Creates a resource in a seeded instance through the same code path as the API; returns
/// its id, or the error text.
pub(crate) fn seed_create(
    w: &mut World,
    account: &str,
    region_name: &str,
    instance_id: &str,
    kind: Kind,
    body: Value,
) -> Result<String, String> {
    let ctx = seed_ctx(account, region_name);
    let saved = w.config.quotas_enabled;
    let r = create(w, &ctx, kind, instance_id, &body);
    w.config.quotas_enabled = saved;
    match r {
        Ok(_) => {
            let inst = instance(w, &ctx, instance_id).map_err(|_| "no instance".to_owned())?;
            let (_, _, _, idk, _) = kind.keys();
            inst.items
                .get(&kind)
                .and_then(|m| m.values().find(|x| x["Name"] == body["Name"]))
                .and_then(|x| x[idk].as_str().map(String::from))
                .ok_or_else(|| "created item not found".into())
        }
        Err(_) => Err(format!("seeding {} {} failed", kind.label(), body["Name"])),
    }
}

/// Seed helpers for associations.
#[allow(clippy::too_many_arguments)]
pub(crate) fn seed_associate(
    w: &mut World,
    account: &str,
    region_name: &str,
    instance_id: &str,
    lambda: Vec<String>,
    bots: Vec<String>,
    profile_queues: Vec<(String, Vec<Value>)>,
    queue_qcs: Vec<(String, Vec<String>)>,
) {
    let ctx = seed_ctx(account, region_name);
    if let Ok(inst) = instance(w, &ctx, instance_id) {
        inst.lambda_functions.extend(lambda);
        inst.lex_bots.extend(bots);
        for (p, configs) in profile_queues {
            let _ = add_profile_queues(inst, &p, &configs);
            sync_profile(inst, &p, false);
        }
        for (q, ids) in queue_qcs {
            inst.queue_quick_connects.entry(q).or_default().extend(ids);
        }
    }
}

pub(crate) fn set_prompt_audio(
    w: &mut World,
    account: &str,
    region_name: &str,
    instance_id: &str,
    prompt_id: &str,
    audio: Vec<u8>,
) {
    let ctx = seed_ctx(account, region_name);
    if let Ok(inst) = instance(w, &ctx, instance_id) {
        inst.prompt_audio.insert(prompt_id.into(), Arc::new(audio));
    }
}

/// A few hundred bytes of a real WAV file (silence), so prompt audio round-trips.
pub fn wav(seconds_tenths: u32) -> Vec<u8> {
    let samples = 800 * seconds_tenths;
    let data_len = samples * 2;
    let mut v = Vec::with_capacity(44 + data_len as usize);
    v.extend_from_slice(b"RIFF");
    v.extend_from_slice(&(36 + data_len).to_le_bytes());
    v.extend_from_slice(b"WAVEfmt ");
    v.extend_from_slice(&16u32.to_le_bytes());
    v.extend_from_slice(&1u16.to_le_bytes());
    v.extend_from_slice(&1u16.to_le_bytes());
    v.extend_from_slice(&8000u32.to_le_bytes());
    v.extend_from_slice(&16000u32.to_le_bytes());
    v.extend_from_slice(&2u16.to_le_bytes());
    v.extend_from_slice(&16u16.to_le_bytes());
    v.extend_from_slice(b"data");
    v.extend_from_slice(&data_len.to_le_bytes());
    v.resize(44 + data_len as usize, 0);
    v
}

/// Flow-language content: a linear list of actions, each continuing to the next, ending in
/// a disconnect.
pub fn flow_content(steps: &[(&str, Value)]) -> String {
    let mut actions = Vec::new();
    for (i, (ty, params)) in steps.iter().enumerate() {
        let next = format!("step-{}", i + 1);
        actions.push(json!({"Identifier": format!("step-{i}"), "Type": ty, "Parameters": params,
            "Transitions": {"NextAction": next, "Errors": [{"NextAction": "end", "ErrorType": "NoMatchingError"}]}}));
    }
    if let Some(a) = actions.last_mut() {
        a["Transitions"]["NextAction"] = json!("end");
    }
    actions.push(json!({"Identifier": "end", "Type": "DisconnectParticipant", "Parameters": {}, "Transitions": {}}));
    json!({"Version": "2019-10-30", "StartAction": "step-0", "Metadata": {"entryPointPosition": {"x": 40, "y": 40}}, "Actions": actions}).to_string()
}
