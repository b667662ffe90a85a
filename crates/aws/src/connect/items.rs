//! The items of an instance: their kinds, identity and the references between them.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};

pub(crate) use snapdeploy_core::ConnectKind as Kind;

/// Content keys whose values are bare ids of instance resources (not ARNs).
pub(super) const BARE_ID_KEYS: [&str; 5] = [
    "FlowModuleId",
    "ContactFlowId",
    "QueueId",
    "PromptId",
    "HoursOfOperationId",
];

/// Minimal flow-language content for a stub, replaced by the real content in the same deploy.
pub(super) const STUB: &str = r#"{"Version":"2019-10-30","StartAction":"snapdeploy-stub","Actions":[{"Identifier":"snapdeploy-stub","Type":"DisconnectParticipant","Parameters":{},"Transitions":{}}]}"#;

/// What Connect makes in every new instance and does not let be deleted: a whole-instance
/// deploy whose snapshot lacks one of these leaves it in place instead of failing on it.
pub(super) fn is_default(kind: Kind, name: &str) -> bool {
    match kind {
        Kind::Hours => name == "Basic Hours",
        Kind::Queue => name == "BasicQueue",
        Kind::RoutingProfile => name == "Basic Routing Profile",
        Kind::Flow => [
            "Default agent hold",
            "Default agent transfer",
            "Default agent whisper",
            "Default customer hold",
            "Default customer queue",
            "Default customer whisper",
            "Default outbound",
            "Default queue transfer",
        ]
        .contains(&name),
        Kind::Prompt => [
            "Beep.wav",
            "CustomerHold.wav",
            "CustomerQueue.wav",
            "Music_Jazz_MyTimeToFly_Inst.wav",
            "Music_Pop_ThisAndThatIsLife_Inst.wav",
            "Music_Pop_ThrowYourselfInFrontOfIt_Inst.wav",
            "Music_Rock_EverywhereTheSunShines_Inst.wav",
        ]
        .contains(&name),
        _ => false,
    }
}

#[derive(Debug, Clone)]
pub(super) struct Ident {
    pub(super) id: String,
    pub(super) arn: String,
}

/// Calls every string in `v` (object keys excluded) with `f`.
pub(crate) fn each_string(v: &Value, f: &mut impl FnMut(&str)) {
    match v {
        Value::String(s) => f(s),
        Value::Array(a) => a.iter().for_each(|x| each_string(x, f)),
        Value::Object(m) => m.values().for_each(|x| each_string(x, f)),
        _ => {}
    }
}

pub(super) fn items(config: &Value, kind: Kind) -> BTreeMap<String, Value> {
    config[kind.key()]
        .as_object()
        .map(|m| m.clone().into_iter().collect())
        .unwrap_or_default()
}

pub(super) fn ident(item: &Value) -> Ident {
    Ident {
        id: item["Id"].as_str().unwrap_or_default().to_owned(),
        arn: item["Arn"].as_str().unwrap_or_default().to_owned(),
    }
}

/// An item without its identity: what is compared and written.
pub(super) fn body(item: &Value) -> Value {
    let mut v = item.clone();
    if let Some(m) = v.as_object_mut() {
        m.remove("Id");
        m.remove("Arn");
    }
    v
}

pub(super) fn esc(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}

/// Names an item refers to by name (queues, routing profiles, quick connects).
pub(super) fn name_refs(kind: Kind, item: &Value) -> Vec<(Kind, String, &'static str)> {
    let mut out = Vec::new();
    let mut add = |k: Kind, v: &Value, path: &'static str| {
        if let Some(n) = v.as_str() {
            out.push((k, n.to_owned(), path));
        }
    };
    match kind {
        Kind::Queue => {
            add(Kind::Hours, &item["HoursOfOperation"], "HoursOfOperation");
            add(
                Kind::Flow,
                &item["OutboundCallerConfig"]["OutboundFlow"],
                "OutboundCallerConfig/OutboundFlow",
            );
            for q in item["QuickConnects"].as_array().into_iter().flatten() {
                add(Kind::QuickConnect, q, "QuickConnects");
            }
        }
        Kind::RoutingProfile => {
            add(
                Kind::Queue,
                &item["DefaultOutboundQueue"],
                "DefaultOutboundQueue",
            );
            for c in item["Queues"].as_array().into_iter().flatten() {
                add(Kind::Queue, &c["Queue"], "Queues");
            }
        }
        Kind::QuickConnect => {
            add(
                Kind::Queue,
                &item["Config"]["Queue"]["Queue"],
                "Config/Queue/Queue",
            );
            add(
                Kind::Flow,
                &item["Config"]["Queue"]["Flow"],
                "Config/Queue/Flow",
            );
            add(
                Kind::Flow,
                &item["Config"]["User"]["Flow"],
                "Config/User/Flow",
            );
        }
        _ => {}
    }
    out
}

/// Source item ids and ARNs -> the item.
pub(super) fn source_index(src: &Value) -> HashMap<String, (Kind, String)> {
    let mut index = HashMap::new();
    for k in Kind::ALL {
        for (name, item) in items(src, k) {
            let i = ident(&item);
            index.insert(i.arn, (k, name.clone()));
            index.insert(i.id, (k, name));
        }
    }
    index.remove("");
    index
}

/// The items an item of the source refers to (content by id or ARN, others by name).
pub(super) fn references(
    src: &Value,
    index: &HashMap<String, (Kind, String)>,
    kind: Kind,
    name: &str,
) -> BTreeSet<(Kind, String)> {
    let item = &src[kind.key()][name];
    let mut out = BTreeSet::new();
    match kind {
        Kind::Flow | Kind::Module => each_string(&item["Content"], &mut |s| {
            if let Some(dep) = index.get(s) {
                out.insert(dep.clone());
            }
        }),
        _ => {
            for (dk, dn, _) in name_refs(kind, item) {
                if src[dk.key()].get(&dn).is_some() {
                    out.insert((dk, dn));
                }
            }
        }
    }
    out
}
