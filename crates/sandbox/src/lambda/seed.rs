//! Seed data: functions as the demo and tests start with them.

use super::functions::create_function;
use super::model::{Alias, Function};
use super::policy::add_permission;
use super::support::{new_revision, Ctx};
use super::versions::publish;
use crate::http::Req;
use crate::state::World;
use axum::http::Method;
use serde_json::{json, Value};

/// Creates a function directly, for seed data: no HTTP, no quotas.
#[allow(clippy::too_many_arguments)]
pub(crate) fn seed_function(
    w: &mut World,
    account: &str,
    region: &str,
    name: &str,
    body: Value,
) -> Result<(), String> {
    let ctx = Ctx {
        account: account.into(),
        region: region.into(),
        host: String::new(),
    };
    let saved = w.config.lambda_update_delay;
    w.config.lambda_update_delay = std::time::Duration::ZERO;
    let mut body = body;
    body["FunctionName"] = json!(name);
    let r = create_function(w, &ctx, &body)
        .map(|_| ())
        .map_err(|_| format!("seeding {name} failed"));
    w.config.lambda_update_delay = saved;
    r
}

/// Seed helpers: publish a version and point an alias at it.
pub(crate) fn seed_publish(
    w: &mut World,
    account: &str,
    region: &str,
    name: &str,
    alias: Option<&str>,
) -> Option<u64> {
    let func = w.lambda_region(account, region).functions.get_mut(name)?;
    let n = publish(func, "seeded");
    if let Some(a) = alias {
        func.aliases.insert(
            a.into(),
            Alias {
                version: n.to_string(),
                description: String::new(),
                routing: None,
                revision_id: new_revision(),
            },
        );
    }
    Some(n)
}

pub(crate) fn seed_update(
    w: &mut World,
    account: &str,
    region: &str,
    name: &str,
    f: impl FnOnce(&mut Function),
) {
    if let Some(func) = w.lambda_region(account, region).functions.get_mut(name) {
        f(func);
        func.revision_id = new_revision();
    }
}

pub(crate) fn seed_permission(w: &mut World, account: &str, region: &str, name: &str, body: Value) {
    let ctx = Ctx {
        account: account.into(),
        region: region.into(),
        host: String::new(),
    };
    let req = Req {
        method: Method::POST,
        uri: "/".parse().expect("static uri"),
        headers: Default::default(),
        body: Default::default(),
    };
    let _ = add_permission(w, &ctx, &req, name, &body);
}

/// Seed helper: publishes versions 1..=`versions` of a layer.
pub(crate) fn seed_layer(w: &mut World, account: &str, region: &str, name: &str, versions: u64) {
    let ctx = Ctx {
        account: account.into(),
        region: region.into(),
        host: String::new(),
    };
    for _ in 0..versions {
        let _ = super::layers::publish_layer_version(
            w,
            &ctx,
            name,
            &json!({"Content": {"ZipFile": ""}, "Description": "shared code of the contact centre functions", "CompatibleRuntimes": ["python3.12"]}),
        );
    }
}
