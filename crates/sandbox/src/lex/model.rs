//! The Lex V2 model-building service's state: bots, locales, versions, aliases, exports and imports.

use serde_json::{json, Value};
use snapdeploy_core::lexjson::LexLocale;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

/// Where a bot, version or alias is in its life, as AWS reports it: busy (`Creating`,
/// `Versioning`) for a while after it is made, `Deleting` for a while before it is gone.
/// Clients must wait, as they must with AWS.
#[derive(Debug, Clone, Copy, Default)]
pub struct Lifecycle {
    pub pending_until: Option<Instant>,
    pub deleting_until: Option<Instant>,
}

impl Lifecycle {
    pub fn pending(until: Instant) -> Self {
        Self {
            pending_until: Some(until),
            deleting_until: None,
        }
    }

    /// `pending` while it is being made (`Creating`, `Versioning`), else `Available` or
    /// `Deleting`.
    pub fn status(&self, now: Instant, pending: &'static str) -> &'static str {
        if self.deleting_until.is_some() {
            "Deleting"
        } else if self.pending_until.is_some_and(|t| now < t) {
            pending
        } else {
            "Available"
        }
    }

    pub fn delete(&mut self, until: Instant) {
        self.deleting_until.get_or_insert(until);
    }

    pub fn gone(&self, now: Instant) -> bool {
        self.deleting_until.is_some_and(|t| now >= t)
    }
}

#[derive(Debug, Default)]
pub struct LexRegion {
    pub bots: BTreeMap<String, Bot>,
}

#[derive(Debug, Clone)]
pub struct Locale {
    pub def: LexLocale,
    pub status: String,
    pub ready_at: Instant,
    pub failure: Option<String>,
    pub updated: f64,
}

#[derive(Debug, Clone)]
pub struct BotVersion {
    pub description: String,
    pub locales: BTreeMap<String, Locale>,
    pub created: f64,
    pub life: Lifecycle,
}

#[derive(Debug, Clone)]
pub struct BotAlias {
    pub id: String,
    pub name: String,
    pub version: String,
    pub description: String,
    pub locale_settings: Value,
    pub sentiment: Value,
    pub created: f64,
    pub updated: f64,
    pub life: Lifecycle,
}

#[derive(Debug)]
pub struct Bot {
    pub id: String,
    pub name: String,
    pub description: String,
    pub role_arn: String,
    pub data_privacy: Value,
    pub idle_ttl: i64,
    pub tags: BTreeMap<String, String>,
    pub created: f64,
    pub updated: f64,
    /// "DRAFT" and numbered versions.
    pub versions: BTreeMap<String, BotVersion>,
    pub next_version: u64,
    pub aliases: BTreeMap<String, BotAlias>,
    pub life: Lifecycle,
}

pub struct Export {
    pub account: String,
    pub region: String,
    pub bot_id: String,
    pub version: String,
    pub created: f64,
    pub zip: Arc<Vec<u8>>,
    /// `InProgress` until then, `Completed` after.
    pub ready_at: Instant,
}

pub struct Import {
    pub account: String,
    pub region: String,
    pub spec: Value,
    pub merge: String,
    pub status: String,
    pub failure: Vec<String>,
    pub bot_id: Option<String>,
    pub bot_name: String,
    pub created: f64,
    pub ready_at: Instant,
}

impl Locale {
    pub fn new(def: LexLocale) -> Self {
        Self {
            def,
            status: "NotBuilt".into(),
            ready_at: Instant::now(),
            failure: None,
            updated: now(),
        }
    }

    pub fn settle(&mut self, now: Instant) {
        if self.status == "Building" && now >= self.ready_at {
            // Lex refuses to build an intent without sample utterances (FallbackIntent aside).
            let bad = self.def.intents.iter().find(|(n, i)| {
                n.as_str() != "FallbackIntent"
                    && i["sampleUtterances"]
                        .as_array()
                        .is_none_or(|u| u.is_empty())
            });
            match bad {
                Some((name, _)) => {
                    self.status = "Failed".into();
                    self.failure = Some(format!(
                        "Failed to build the bot locale: intent {name} has no sample utterances."
                    ));
                }
                None => {
                    self.status = "Built".into();
                    self.failure = None;
                }
            }
        }
    }
}

pub fn bot_json(b: &Bot, status: &str) -> Value {
    json!({
        "botId": b.id, "botName": b.name, "description": b.description, "roleArn": b.role_arn,
        "dataPrivacy": b.data_privacy, "idleSessionTTLInSeconds": b.idle_ttl, "botStatus": status,
        "botType": "Bot", "creationDateTime": b.created, "lastUpdatedDateTime": b.updated,
    })
}

pub fn alias_json(bot_id: &str, a: &BotAlias, status: &str) -> Value {
    json!({"botAliasId": a.id, "botAliasName": a.name, "description": a.description, "botVersion": a.version,
           "botAliasLocaleSettings": a.locale_settings, "sentimentAnalysisSettings": a.sentiment,
           "botAliasStatus": status, "botId": bot_id, "creationDateTime": a.created, "lastUpdatedDateTime": a.updated})
}

pub(super) fn now() -> f64 {
    chrono::Utc::now().timestamp_millis() as f64 / 1000.0
}
