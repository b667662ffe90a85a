//! What a Connect instance uses in its own account and region — the Lambda functions and
//! Lex bots a release promotes with it.

use serde_json::Value;
use snapdeploy_core::SnapshotEnvelope;
use std::collections::{BTreeMap, BTreeSet};

/// What an instance calls in its own account and region: function names, and Lex aliases
/// (source alias ARN -> bot name, alias name).
pub(super) struct Dependencies {
    pub(super) functions: BTreeSet<String>,
    pub(super) aliases: BTreeMap<String, (String, String)>,
    /// The source ids of the bots the release promotes.
    pub(super) bot_ids: BTreeSet<String>,
}

impl Dependencies {
    /// From the instance snapshot: its Lambda associations and every function ARN its
    /// content names; its Lex associations by the names the snapshot recorded.
    pub(super) fn of_instance(src: &SnapshotEnvelope) -> Self {
        let prefix = format!("arn:aws:lambda:{}:{}:function:", src.region, src.account_id);
        let mut functions = BTreeSet::new();
        each_string(&src.config, &mut |s| {
            if let Some(rest) = s.strip_prefix(&prefix) {
                functions.insert(rest.split(':').next().unwrap_or_default().to_owned());
            }
        });
        let lex_prefix = format!("arn:aws:lex:{}:{}:", src.region, src.account_id);
        let aliases = src.config["LexAliases"]
            .as_object()
            .into_iter()
            .flatten()
            .filter(|(arn, _)| arn.starts_with(&lex_prefix))
            .filter_map(|(arn, n)| {
                Some((
                    arn.clone(),
                    (
                        n["Bot"].as_str()?.to_owned(),
                        n["Alias"].as_str()?.to_owned(),
                    ),
                ))
            })
            .collect();
        functions.remove("");
        Self {
            functions,
            aliases,
            bot_ids: BTreeSet::new(),
        }
    }

    /// The functions a bot alias's code hooks call (from the bot's snapshot).
    pub(super) fn add_hooks(&mut self, bot: &SnapshotEnvelope, alias: &str) {
        let prefix = format!("arn:aws:lambda:{}:{}:function:", bot.region, bot.account_id);
        for a in bot.config["Aliases"].as_array().into_iter().flatten() {
            if a["Name"] != alias {
                continue;
            }
            each_string(&a["LocaleSettings"], &mut |s| {
                if let Some(rest) = s.strip_prefix(&prefix) {
                    self.functions
                        .insert(rest.split(':').next().unwrap_or_default().to_owned());
                }
            });
        }
    }

    /// An unmapped reference the release itself resolves: a member promoted first.
    pub(super) fn resolves(&self, src: &SnapshotEnvelope, value: &str) -> bool {
        let prefix = format!("arn:aws:lambda:{}:{}:function:", src.region, src.account_id);
        let function = value
            .strip_prefix(&prefix)
            .map(|rest| rest.split(':').next().unwrap_or_default());
        let lex = format!("arn:aws:lex:{}:{}:", src.region, src.account_id);
        let bot = value.strip_prefix(&lex).and_then(|rest| {
            rest.strip_prefix("bot-alias/")
                .or_else(|| rest.strip_prefix("bot/"))
                .map(|r| r.split('/').next().unwrap_or_default())
        });
        function.is_some_and(|f| self.functions.contains(f))
            || self.aliases.contains_key(value)
            || bot.is_some_and(|b| self.bot_ids.contains(b))
    }
}

fn each_string(v: &Value, f: &mut impl FnMut(&str)) {
    match v {
        Value::String(s) => f(s),
        Value::Array(a) => a.iter().for_each(|x| each_string(x, f)),
        Value::Object(m) => m.values().for_each(|x| each_string(x, f)),
        _ => {}
    }
}
