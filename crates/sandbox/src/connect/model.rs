//! The Connect service's state: instances and the items inside them, and how they render.

use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// The kinds of instance resource that share create / describe / list / search behaviour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Flow,
    Module,
    Queue,
    Hours,
    Prompt,
    RoutingProfile,
    QuickConnect,
}

impl Kind {
    /// (path, summary path, search path, ARN segment)
    pub fn paths(self) -> (&'static str, &'static str, &'static str, &'static str) {
        match self {
            Kind::Flow => (
                "contact-flows",
                "contact-flows-summary",
                "search-contact-flows",
                "contact-flow",
            ),
            Kind::Module => (
                "contact-flow-modules",
                "contact-flow-modules-summary",
                "search-contact-flow-modules",
                "flow-module",
            ),
            Kind::Queue => ("queues", "queues-summary", "search-queues", "queue"),
            Kind::Hours => (
                "hours-of-operations",
                "hours-of-operations-summary",
                "search-hours-of-operations",
                "operating-hours",
            ),
            Kind::Prompt => ("prompts", "prompts-summary", "search-prompts", "prompt"),
            Kind::RoutingProfile => (
                "routing-profiles",
                "routing-profiles-summary",
                "search-routing-profiles",
                "routing-profile",
            ),
            Kind::QuickConnect => (
                "quick-connects",
                "quick-connects",
                "search-quick-connects",
                "transfer-destination",
            ),
        }
    }

    /// (describe key, list key, search key, id field, arn field)
    pub fn keys(
        self,
    ) -> (
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
    ) {
        match self {
            Kind::Flow => (
                "ContactFlow",
                "ContactFlowSummaryList",
                "ContactFlows",
                "Id",
                "Arn",
            ),
            Kind::Module => (
                "ContactFlowModule",
                "ContactFlowModulesSummaryList",
                "ContactFlowModules",
                "Id",
                "Arn",
            ),
            Kind::Queue => ("Queue", "QueueSummaryList", "Queues", "QueueId", "QueueArn"),
            Kind::Hours => (
                "HoursOfOperation",
                "HoursOfOperationSummaryList",
                "HoursOfOperations",
                "HoursOfOperationId",
                "HoursOfOperationArn",
            ),
            Kind::Prompt => (
                "Prompt",
                "PromptSummaryList",
                "Prompts",
                "PromptId",
                "PromptARN",
            ),
            Kind::RoutingProfile => (
                "RoutingProfile",
                "RoutingProfileSummaryList",
                "RoutingProfiles",
                "RoutingProfileId",
                "RoutingProfileArn",
            ),
            Kind::QuickConnect => (
                "QuickConnect",
                "QuickConnectSummaryList",
                "QuickConnects",
                "QuickConnectId",
                "QuickConnectARN",
            ),
        }
    }

    /// What Create* answers: (id key, arn key).
    pub fn created_keys(self) -> (&'static str, &'static str) {
        match self {
            Kind::Flow => ("ContactFlowId", "ContactFlowArn"),
            Kind::Module => ("Id", "Arn"),
            Kind::Queue => ("QueueId", "QueueArn"),
            Kind::Hours => ("HoursOfOperationId", "HoursOfOperationArn"),
            Kind::Prompt => ("PromptId", "PromptARN"),
            Kind::RoutingProfile => ("RoutingProfileId", "RoutingProfileArn"),
            Kind::QuickConnect => ("QuickConnectId", "QuickConnectARN"),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Kind::Flow => "ContactFlow",
            Kind::Module => "ContactFlowModule",
            Kind::Queue => "Queue",
            Kind::Hours => "HoursOfOperation",
            Kind::Prompt => "Prompt",
            Kind::RoutingProfile => "RoutingProfile",
            Kind::QuickConnect => "QuickConnect",
        }
    }

    pub fn all() -> [Kind; 7] {
        [
            Kind::Flow,
            Kind::Module,
            Kind::Queue,
            Kind::Hours,
            Kind::Prompt,
            Kind::RoutingProfile,
            Kind::QuickConnect,
        ]
    }
}

#[derive(Debug, Clone)]
pub struct Instance {
    pub id: String,
    pub alias: String,
    pub created: f64,
    /// Resources by kind, then by id, in the shape Describe* returns them.
    pub items: BTreeMap<Kind, BTreeMap<String, Map<String, Value>>>,
    /// Saved-but-unpublished flow content by flow id.
    pub saved: BTreeMap<String, String>,
    pub prompt_audio: BTreeMap<String, Arc<Vec<u8>>>,
    /// Routing profile id -> queue configs.
    pub profile_queues: BTreeMap<String, Vec<Value>>,
    /// Queue id -> quick connect ids.
    pub queue_quick_connects: BTreeMap<String, Vec<String>>,
    pub lambda_functions: Vec<String>,
    pub lex_bots: Vec<String>,
    /// Ids of the items Connect made with the instance, which cannot be deleted.
    pub defaults: BTreeSet<String>,
}

#[derive(Debug, Default)]
pub struct ConnectRegion {
    pub instances: BTreeMap<String, Instance>,
}

pub fn summary(kind: Kind, item: &Map<String, Value>) -> Value {
    let (_, _, _, idk, arnk) = kind.keys();
    let mut out = json!({"Id": item[idk], "Arn": item[arnk], "Name": item["Name"]});
    match kind {
        Kind::Flow => {
            out["ContactFlowType"] = item["Type"].clone();
            out["ContactFlowState"] = item["State"].clone();
            out["ContactFlowStatus"] = item["Status"].clone();
        }
        Kind::Module => out["State"] = item["State"].clone(),
        Kind::Queue => {
            out["QueueType"] = json!("STANDARD");
            out["LastModifiedTime"] = item["LastModifiedTime"].clone();
            out["LastModifiedRegion"] = item["LastModifiedRegion"].clone();
        }
        Kind::QuickConnect => {
            out["QuickConnectType"] = item["QuickConnectConfig"]["QuickConnectType"].clone();
            out["LastModifiedTime"] = item["LastModifiedTime"].clone();
            out["LastModifiedRegion"] = item["LastModifiedRegion"].clone();
        }
        _ => {
            out["LastModifiedTime"] = item["LastModifiedTime"].clone();
            out["LastModifiedRegion"] = item["LastModifiedRegion"].clone();
        }
    }
    out
}
