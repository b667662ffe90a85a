//! Seed data: instances as the demo and tests start with them.

use super::items::create;
use super::model::{Instance, Kind};
use super::routing::{add_profile_queues, sync_profile};
use super::support::{instance, now, region, Ctx};
use crate::state::World;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Seeds an empty instance with a fixed id.
pub(crate) fn seed_instance(
    w: &mut World,
    account: &str,
    region_name: &str,
    id: &str,
    alias: &str,
) {
    let ctx = Ctx {
        account: account.into(),
        region: region_name.into(),
        host: String::new(),
    };
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
        },
    );
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
    let ctx = Ctx {
        account: account.into(),
        region: region_name.into(),
        host: String::new(),
    };
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
    let ctx = Ctx {
        account: account.into(),
        region: region_name.into(),
        host: String::new(),
    };
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
    let ctx = Ctx {
        account: account.into(),
        region: region_name.into(),
        host: String::new(),
    };
    if let Ok(inst) = instance(w, &ctx, instance_id) {
        inst.prompt_audio.insert(prompt_id.into(), Arc::new(audio));
    }
}
