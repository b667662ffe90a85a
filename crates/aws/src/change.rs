//! What a change is given and reports as it goes: its options and its progress. Providers
//! and the engine both use these, so they live apart from either.

use serde::{Deserialize, Serialize};
use snapdeploy_core::{AliasName, Note};
use std::sync::Arc;

/// A progress event: what is being done, and how far along (`total` 0 = unknown).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ProgressEvent {
    pub message: String,
    pub done: u64,
    pub total: u64,
}

/// What a change is about to write, told before its first write: the resource, and the
/// safety snapshot that puts it back (none when the resource did not exist). A job records
/// it, so that should its worker die half-way another can restore the resource.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WriteIntent {
    pub service: snapdeploy_core::ServiceKind,
    pub account_id: snapdeploy_core::AccountId,
    pub region: snapdeploy_core::Region,
    pub resource_name: snapdeploy_core::ResourceName,
    /// The safety snapshot's key.
    pub safety_snapshot: Option<String>,
}

type Recorder = Arc<
    dyn Fn(WriteIntent) -> futures::future::BoxFuture<'static, Result<(), String>> + Send + Sync,
>;

/// Where progress goes: the job registry, the CLI's progress bar, or nowhere.
#[derive(Clone, Default)]
pub struct Progress {
    report: Option<Arc<dyn Fn(ProgressEvent) + Send + Sync>>,
    intents: Option<Recorder>,
}

impl Progress {
    pub fn none() -> Self {
        Self::default()
    }
    pub fn new(f: impl Fn(ProgressEvent) + Send + Sync + 'static) -> Self {
        Self {
            report: Some(Arc::new(f)),
            intents: None,
        }
    }

    /// The same progress, with `record` keeping each write intent durably before the
    /// write it announces; a change whose intent cannot be kept writes nothing.
    pub fn with_intents(
        mut self,
        record: impl Fn(WriteIntent) -> futures::future::BoxFuture<'static, Result<(), String>>
            + Send
            + Sync
            + 'static,
    ) -> Self {
        self.intents = Some(Arc::new(record));
        self
    }

    /// Announces a write (see `WriteIntent`); an error means it must not happen.
    pub async fn intend(&self, intent: WriteIntent) -> Result<(), String> {
        match &self.intents {
            Some(record) => record(intent).await,
            None => Ok(()),
        }
    }

    pub fn report(&self, message: &str, done: u64, total: u64) {
        if let Some(f) = &self.report {
            f(ProgressEvent {
                message: message.into(),
                done,
                total,
            });
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeployOptions {
    /// Publish a version after the update (Lambda). Default true.
    #[serde(default = "yes")]
    pub publish: bool,
    /// Move (or create) this alias to the published version.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub alias: Option<AliasName>,
    /// Go ahead even though some references could not be mapped to the target.
    #[serde(default)]
    pub accept_unmapped: bool,
    /// Re-point aliases to the versions the snapshot recorded (rollback).
    #[serde(skip)]
    pub restore_aliases: bool,
    /// Paths the pair's promotion rules rewrote or kept (set by the engine): values there
    /// are the target's, whatever they look like.
    #[serde(skip)]
    pub ruled_paths: std::collections::BTreeSet<String>,
    /// Lex: before creating a version, delete the oldest ones beyond this many (never one an
    /// alias points to). Without it, a bot at Lex's 100-version limit is refused.
    #[serde(default)]
    pub keep_versions: Option<usize>,
    /// Recorded on the safety snapshot and the published version.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub note: Option<Note>,
    /// Connect: deploy only these flows, plus exactly what they need (the modules, queues,
    /// prompts, hours, quick connects and flows they refer to, transitively).
    #[serde(default)]
    pub flows: Option<Vec<String>>,
    /// Connect: delete the target's items that the snapshot does not have (a rollback's
    /// "remove what was created after the snapshot"). Off by default: they are only listed.
    #[serde(default)]
    pub remove_extra: bool,
    /// Connect: promote the instance as one release with the Lambda functions and Lex bots
    /// its flows and associations use (fresh snapshots of each in the source), applied in
    /// dependency order: functions, bots, the instance.
    #[serde(default)]
    pub with_dependencies: bool,
}

fn yes() -> bool {
    true
}

impl Default for DeployOptions {
    fn default() -> Self {
        Self {
            publish: true,
            alias: None,
            accept_unmapped: false,
            restore_aliases: false,
            ruled_paths: Default::default(),
            keep_versions: None,
            note: None,
            flows: None,
            remove_extra: false,
            with_dependencies: false,
        }
    }
}
