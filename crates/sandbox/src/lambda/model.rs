//! The Lambda service's state: functions with their versions, aliases and policies, and how they render.

use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

#[derive(Debug, Default)]
pub struct LambdaRegion {
    pub functions: BTreeMap<String, Function>,
    /// Layer name -> version -> GetLayerVersion's answer.
    pub layers: BTreeMap<String, BTreeMap<u64, Value>>,
}

#[derive(Debug, Clone)]
pub struct Code {
    pub zip: Option<Arc<Vec<u8>>>,
    pub image_uri: Option<String>,
    pub sha256_b64: String,
    pub size: u64,
}

#[derive(Debug, Clone)]
pub struct Version {
    pub config: Map<String, Value>,
    pub code: Code,
    pub description: String,
    pub last_modified: String,
    pub revision_id: String,
}

#[derive(Debug, Clone)]
pub struct Alias {
    pub version: String,
    pub description: String,
    pub routing: Option<Value>,
    pub revision_id: String,
}

#[derive(Debug)]
pub struct Function {
    pub name: String,
    pub arn: String,
    /// Writable configuration, in the shape FunctionConfiguration returns it.
    pub config: Map<String, Value>,
    pub code: Code,
    pub last_modified: String,
    pub revision_id: String,
    pub busy_until: Instant,
    pub creating: bool,
    pub versions: BTreeMap<u64, Version>,
    pub next_version: u64,
    pub aliases: BTreeMap<String, Alias>,
    pub tags: BTreeMap<String, String>,
    pub reserved: Option<i64>,
    /// Resource policy statements per qualifier ("" = unqualified).
    pub policy: BTreeMap<String, Vec<Value>>,
    /// Asynchronous invocation settings and destinations (unqualified only).
    pub event_invoke: Option<Value>,
}

impl Function {
    pub fn busy(&self, now: Instant) -> bool {
        now < self.busy_until
    }
}

pub const RUNTIMES: &[&str] = &[
    "nodejs18.x",
    "nodejs20.x",
    "nodejs22.x",
    "nodejs24.x",
    "python3.9",
    "python3.10",
    "python3.11",
    "python3.12",
    "python3.13",
    "python3.14",
    "java11",
    "java17",
    "java21",
    "java25",
    "dotnet8",
    "dotnet10",
    "ruby3.3",
    "ruby3.4",
    "provided.al2",
    "provided.al2023",
];

pub const RESERVED_ENV: &[&str] = &[
    "_HANDLER",
    "_X_AMZN_TRACE_ID",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
    "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API",
    "LAMBDA_TASK_ROOT",
    "LAMBDA_RUNTIME_DIR",
];

/// The FunctionConfiguration of $LATEST.
pub fn render(func: &Function, now: Instant) -> Map<String, Value> {
    let mut m = func.config.clone();
    m.insert("FunctionName".into(), json!(func.name));
    m.insert("FunctionArn".into(), json!(func.arn));
    m.insert("CodeSha256".into(), json!(func.code.sha256_b64));
    m.insert("CodeSize".into(), json!(func.code.size));
    m.insert("LastModified".into(), json!(func.last_modified));
    m.insert("Version".into(), json!("$LATEST"));
    m.insert("RevisionId".into(), json!(func.revision_id));
    let busy = func.busy(now);
    m.insert(
        "State".into(),
        json!(if busy && func.creating {
            "Pending"
        } else {
            "Active"
        }),
    );
    if busy && func.creating {
        m.insert(
            "StateReason".into(),
            json!("The function is being created."),
        );
        m.insert("StateReasonCode".into(), json!("Creating"));
    }
    m.insert(
        "LastUpdateStatus".into(),
        json!(if busy { "InProgress" } else { "Successful" }),
    );
    m.insert(
        "LoggingConfig".into(),
        json!({"LogFormat": "Text", "LogGroup": format!("/aws/lambda/{}", func.name)}),
    );
    m.insert(
        "SnapStart".into(),
        json!({"ApplyOn": "None", "OptimizationStatus": "Off"}),
    );
    m
}

pub fn render_version(func: &Function, n: u64, v: &Version) -> Map<String, Value> {
    let mut m = v.config.clone();
    m.insert("FunctionName".into(), json!(func.name));
    m.insert("FunctionArn".into(), json!(format!("{}:{n}", func.arn)));
    m.insert("CodeSha256".into(), json!(v.code.sha256_b64));
    m.insert("CodeSize".into(), json!(v.code.size));
    m.insert("LastModified".into(), json!(v.last_modified));
    m.insert("Version".into(), json!(n.to_string()));
    m.insert("Description".into(), json!(v.description));
    m.insert("RevisionId".into(), json!(v.revision_id));
    m.insert("State".into(), json!("Active"));
    m.insert("LastUpdateStatus".into(), json!("Successful"));
    m
}

pub fn code_of(func: &Function, n: Option<u64>) -> &Code {
    match n {
        None => &func.code,
        Some(n) => &func.versions[&n].code,
    }
}

pub fn alias_json(func: &Function, name: &str, a: &Alias) -> Value {
    let mut v = json!({
        "AliasArn": format!("{}:{name}", func.arn),
        "Name": name,
        "FunctionVersion": a.version,
        "Description": a.description,
        "RevisionId": a.revision_id,
    });
    if let Some(r) = &a.routing {
        v["RoutingConfig"] = r.clone();
    }
    v
}
