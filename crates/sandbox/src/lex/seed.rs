//! Seed data: bots as the demo and tests start with them.

use super::bots::new_bot;
use super::model::{now, BotAlias, BotVersion, Locale};
use super::support::{region, Ctx};
use crate::state::World;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Seeds a bot with its DRAFT locales, built, plus versions and aliases; returns its id.
pub(crate) fn seed_bot(
    w: &mut World,
    account: &str,
    region_name: &str,
    id: &str,
    name: &str,
    role_arn: &str,
    locales: BTreeMap<String, Locale>,
) -> String {
    let ctx = Ctx {
        account: account.into(),
        region: region_name.into(),
        host: String::new(),
    };
    let mut b = new_bot(
        id.into(),
        &json!({"roleArn": role_arn, "dataPrivacy": {"childDirected": false}, "idleSessionTTLInSeconds": 300, "description": "Takes and tracks orders over voice and chat"}),
        name,
    );
    let mut locales = locales;
    for l in locales.values_mut() {
        l.status = "Built".into();
    }
    b.versions.get_mut("DRAFT").expect("draft").locales = locales;
    let id = b.id.clone();
    region(w, &ctx).bots.insert(id.clone(), b);
    id
}

pub(crate) fn seed_version(
    w: &mut World,
    account: &str,
    region_name: &str,
    bot_id: &str,
    description: &str,
) -> Option<String> {
    let b = w
        .lex
        .get_mut(&(account.into(), region_name.into()))?
        .bots
        .get_mut(bot_id)?;
    let draft = b.versions.get("DRAFT")?.clone();
    let n = b.next_version.to_string();
    b.next_version += 1;
    b.versions.insert(
        n.clone(),
        BotVersion {
            description: description.into(),
            locales: draft.locales,
            created: now(),
            life: Default::default(),
        },
    );
    Some(n)
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn seed_alias(
    w: &mut World,
    account: &str,
    region_name: &str,
    bot_id: &str,
    alias_id: &str,
    name: &str,
    version: &str,
    locale_settings: Value,
) {
    if let Some(b) = w
        .lex
        .get_mut(&(account.into(), region_name.into()))
        .and_then(|r| r.bots.get_mut(bot_id))
    {
        let t = now();
        let id = alias_id.to_owned();
        b.aliases.insert(
            id.clone(),
            BotAlias {
                id,
                name: name.into(),
                version: version.into(),
                description: String::new(),
                locale_settings,
                sentiment: Value::Null,
                created: t,
                updated: t,
                life: Default::default(),
            },
        );
    }
}
