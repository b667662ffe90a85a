//! Amazon Connect: deploy, rollback and restore of an instance's contents.
//!
//! The target instance must exist: SnapDeploy copies what is inside an instance, not the
//! instance itself (creating one involves identity, telephony and storage choices that a
//! snapshot does not carry). Items are matched by name — by id first when the snapshot is
//! of the target instance itself, so a rename is undone rather than duplicated — missing
//! ones are created, changed ones updated, unchanged ones left alone.
//!
//! Order: hours, prompts, Lambda and Lex associations, then every missing module and flow
//! as a stub (flows SAVED, never published), so that queues, quick connects and all content
//! can name them whatever the cycles between flows; then queues, routing profiles (queue
//! configs 10 per call), quick connects, queue quick connects (50 per call), module content,
//! flow content (published once everything it references exists: that is, now), metadata
//! and tags. Every ARN and id inside content is remapped to the target: queues, prompts,
//! hours, flows and modules through the items matched or created, Lambda functions by
//! name in the target account and region (checked to exist), Lex V2 bot aliases by bot
//! and alias name (recorded in the snapshot, looked up in the target).

use crate::engine::DeployOptions;
use crate::error::{AwsError, AwsResult};
use crate::provider::{is_not_found, string_list, string_map, tag_changes, Applied, Ctx, Steps};
use aws_sdk_connect::error::ProvideErrorMetadata;
use aws_sdk_connect::types::{
    Channel, ContactFlowModuleState, ContactFlowState, ContactFlowStatus, ContactFlowType,
    HoursOfOperationConfig, HoursOfOperationDays, HoursOfOperationTimeSlice, LexV2Bot,
    MediaConcurrency, OutboundCallerConfig, PhoneNumberQuickConnectConfig, QueueQuickConnectConfig,
    QuickConnectConfig, QuickConnectType, RoutingProfileQueueConfig, RoutingProfileQueueReference,
    UserQuickConnectConfig,
};
use aws_sdk_connect::Client;
use serde_json::{json, Value};
use snapdeploy_core::{
    diff, remap_arns, ArnRemapper, FieldChange, FieldOp, Plan, PlanAction, Remapped, ResourceName,
    ServiceKind, SnapshotEnvelope, Unmapped,
};
use snapdeploy_store::SnapshotStore;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::OnceLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Kind {
    Hours,
    Queue,
    Prompt,
    RoutingProfile,
    QuickConnect,
    Module,
    Flow,
}

/// The dependency order of the issue (and of the plan's item list).
const KINDS: [Kind; 7] = [
    Kind::Hours,
    Kind::Queue,
    Kind::Prompt,
    Kind::RoutingProfile,
    Kind::QuickConnect,
    Kind::Module,
    Kind::Flow,
];

impl Kind {
    fn key(self) -> &'static str {
        match self {
            Kind::Hours => "HoursOfOperations",
            Kind::Queue => "Queues",
            Kind::Prompt => "Prompts",
            Kind::RoutingProfile => "RoutingProfiles",
            Kind::QuickConnect => "QuickConnects",
            Kind::Module => "Modules",
            Kind::Flow => "Flows",
        }
    }
    fn label(self) -> &'static str {
        match self {
            Kind::Hours => "hours of operation",
            Kind::Queue => "queue",
            Kind::Prompt => "prompt",
            Kind::RoutingProfile => "routing profile",
            Kind::QuickConnect => "quick connect",
            Kind::Module => "flow module",
            Kind::Flow => "flow",
        }
    }
    /// The resource type segment of its ARNs.
    fn segment(self) -> &'static str {
        match self {
            Kind::Hours => "operating-hours",
            Kind::Queue => "queue",
            Kind::Prompt => "prompt",
            Kind::RoutingProfile => "routing-profile",
            Kind::QuickConnect => "transfer-destination",
            Kind::Module => "flow-module",
            Kind::Flow => "contact-flow",
        }
    }
    fn from_label(s: &str) -> Option<Kind> {
        KINDS.into_iter().find(|k| k.label() == s)
    }
}

/// Content keys whose values are bare ids of instance resources (not ARNs).
const BARE_ID_KEYS: [&str; 5] = [
    "FlowModuleId",
    "ContactFlowId",
    "QueueId",
    "PromptId",
    "HoursOfOperationId",
];

/// Minimal flow-language content for a stub, replaced by the real content in the same deploy.
const STUB: &str = r#"{"Version":"2019-10-30","StartAction":"snapdeploy-stub","Actions":[{"Identifier":"snapdeploy-stub","Type":"DisconnectParticipant","Parameters":{},"Transitions":{}}]}"#;

#[derive(Debug, Clone)]
struct Ident {
    id: String,
    arn: String,
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

fn items(config: &Value, kind: Kind) -> BTreeMap<String, Value> {
    config[kind.key()]
        .as_object()
        .map(|m| m.clone().into_iter().collect())
        .unwrap_or_default()
}

fn ident(item: &Value) -> Ident {
    Ident {
        id: item["Id"].as_str().unwrap_or_default().to_owned(),
        arn: item["Arn"].as_str().unwrap_or_default().to_owned(),
    }
}

/// An item without its identity: what is compared and written.
fn body(item: &Value) -> Value {
    let mut v = item.clone();
    if let Some(m) = v.as_object_mut() {
        m.remove("Id");
        m.remove("Arn");
    }
    v
}

fn esc(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}

/// Names an item refers to by name (queues, routing profiles, quick connects).
fn name_refs(kind: Kind, item: &Value) -> Vec<(Kind, String, &'static str)> {
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

/// What a deploy of `source` onto the target instance decides, before and during apply.
pub(crate) struct Prepared {
    src: Value,
    live: Value,
    same_instance: bool,
    tgt_instance_id: String,
    tgt_instance_arn: String,
    src_instance_arn: String,
    base: ArnRemapper,
    /// Source items deployed, by kind and name.
    selected: BTreeSet<(Kind, String)>,
    selective: bool,
    /// Selected source item -> the live item it updates (by live name).
    matched: HashMap<(Kind, String), String>,
    /// Live items no source item matches (only computed for whole-instance deploys).
    extra: Vec<(Kind, String, Ident)>,
    /// Target identity by (kind, name): live items by their names, overlaid with the source
    /// items by theirs (matched, created, or a placeholder until created).
    target: HashMap<(Kind, String), Ident>,
    source_ids: HashMap<(Kind, String), Ident>,
    /// Source Lex alias ARN -> target alias ARN, or why there is none.
    lex: BTreeMap<String, Result<String, String>>,
    /// Target Lambda ARNs found not to exist.
    missing_lambdas: BTreeSet<String>,
    lambdas: Vec<String>,
    lex_aliases: Vec<String>,
    /// The remapper and bare-id map derived from `target` (rebuilt after items are created,
    /// not for every item written).
    derived: OnceLock<(ArnRemapper, HashMap<String, String>)>,
}

/// Everything the chosen flows need, transitively (selective deploy).
fn closure(src: &Value, flows: &[String]) -> AwsResult<BTreeSet<(Kind, String)>> {
    let mut index: HashMap<String, (Kind, String)> = HashMap::new();
    for k in KINDS {
        for (name, item) in items(src, k) {
            let i = ident(&item);
            index.insert(i.arn, (k, name.clone()));
            index.insert(i.id, (k, name));
        }
    }
    index.remove("");
    let all_flows = items(src, Kind::Flow);
    let mut todo = Vec::new();
    for f in flows {
        if !all_flows.contains_key(f) {
            return Err(AwsError::Invalid(format!(
                "flow {f:?} is not in the snapshot (it has: {})",
                all_flows.keys().cloned().collect::<Vec<_>>().join(", ")
            )));
        }
        todo.push((Kind::Flow, f.clone()));
    }
    let mut out = BTreeSet::new();
    while let Some((k, name)) = todo.pop() {
        if !out.insert((k, name.clone())) {
            continue;
        }
        let item = &src[k.key()][&name];
        match k {
            Kind::Flow | Kind::Module => each_string(&item["Content"], &mut |s| {
                if let Some(dep) = index.get(s) {
                    todo.push(dep.clone());
                }
            }),
            _ => {
                for (dk, dn, _) in name_refs(k, item) {
                    if src[dk.key()].get(&dn).is_some() {
                        todo.push((dk, dn));
                    }
                }
            }
        }
    }
    Ok(out)
}

fn placeholder(tgt_instance_arn: &str, kind: Kind, name: &str) -> Ident {
    Ident {
        id: format!("(new {} {name})", kind.label()),
        arn: format!("{tgt_instance_arn}/{}/(new:{name})", kind.segment()),
    }
}

/// Reads what a plan needs beyond the two configurations: Lex aliases and Lambda functions
/// in the target.
pub(crate) async fn prepare(
    ctx: &Ctx,
    source: &SnapshotEnvelope,
    live: &Value,
    options: &DeployOptions,
) -> AwsResult<Prepared> {
    let src = &source.config;
    if src["Flows"].as_object().is_none() || src["InstanceArn"].as_str().is_none() {
        return Err(AwsError::Invalid(
            "the snapshot is not a Connect instance capture (no InstanceArn or Flows)".into(),
        ));
    }
    let src_instance_arn = src["InstanceArn"].as_str().unwrap_or_default().to_owned();
    let tgt_instance_arn = live["InstanceArn"].as_str().unwrap_or_default().to_owned();
    let tgt_instance_id = tgt_instance_arn
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_owned();
    let same_instance = src_instance_arn == tgt_instance_arn;
    let (selective, selected) = match &options.flows {
        Some(flows) if !flows.is_empty() => (true, closure(src, flows)?),
        Some(_) => return Err(AwsError::Invalid("options.flows names no flow".into())),
        None => (
            false,
            KINDS
                .into_iter()
                .flat_map(|k| items(src, k).into_keys().map(move |n| (k, n)))
                .collect(),
        ),
    };

    let mut target = HashMap::new();
    let mut source_ids = HashMap::new();
    let mut matched = HashMap::new();
    let mut extra = Vec::new();
    for k in KINDS {
        let live_items = items(live, k);
        let src_items = items(src, k);
        let by_id: HashMap<String, String> = live_items
            .iter()
            .map(|(n, i)| (ident(i).id, n.clone()))
            .collect();
        for (n, i) in &live_items {
            target.insert((k, n.clone()), ident(i));
        }
        let mut used = BTreeSet::new();
        for (name, item) in &src_items {
            let si = ident(item);
            source_ids.insert((k, name.clone()), si.clone());
            let live_name = same_instance
                .then(|| by_id.get(&si.id).cloned())
                .flatten()
                .or_else(|| live_items.contains_key(name).then(|| name.clone()));
            match live_name {
                Some(ln) => {
                    target.insert((k, name.clone()), ident(&live_items[&ln]));
                    used.insert(ln.clone());
                    matched.insert((k, name.clone()), ln);
                }
                None if selected.contains(&(k, name.clone())) => {
                    target.insert((k, name.clone()), placeholder(&tgt_instance_arn, k, name));
                }
                None => {}
            }
        }
        if !selective {
            for (n, i) in &live_items {
                if !used.contains(n) {
                    extra.push((k, n.clone(), ident(i)));
                }
            }
        }
    }

    let base = ArnRemapper::new(
        source.account_id.as_str(),
        source.region.as_str(),
        ctx.account.account_id.as_str(),
        ctx.region.as_str(),
    );
    let same_place = base.from_account == base.to_account && base.from_region == base.to_region;

    // Associations: all of the source's for a whole-instance deploy; a selective one takes
    // those its content uses.
    let mut used_lambdas = BTreeSet::new();
    let mut used_lex = BTreeSet::new();
    for (k, n) in &selected {
        if matches!(k, Kind::Flow | Kind::Module) {
            each_string(&src[k.key()][n]["Content"], &mut |s| {
                if s.starts_with("arn:aws:lambda:") {
                    used_lambdas.insert(s.to_owned());
                } else if s.starts_with("arn:aws:lex:") && s.contains(":bot-alias/") {
                    used_lex.insert(s.to_owned());
                }
            });
        }
    }
    if !selective {
        used_lambdas.extend(string_list(&src["LambdaFunctions"]));
        used_lex.extend(string_list(&src["LexBots"]));
    }

    let mut lex = BTreeMap::new();
    if !same_place && !used_lex.is_empty() {
        let client = ctx.lex().await?;
        let mut cache: HashMap<(String, String), Option<String>> = HashMap::new();
        for arn in &used_lex {
            let names = &src["LexAliases"][arn];
            let (Some(bot), Some(alias)) = (names["Bot"].as_str(), names["Alias"].as_str()) else {
                lex.insert(
                    arn.clone(),
                    Err("the snapshot does not record which bot and alias this is (the alias was not readable when it was taken)".to_owned()),
                );
                continue;
            };
            let key = (bot.to_owned(), alias.to_owned());
            let found = match cache.get(&key) {
                Some(f) => f.clone(),
                None => {
                    let f = crate::lex::alias_arn(ctx, &client, bot, alias).await?;
                    cache.insert(key, f.clone());
                    f
                }
            };
            lex.insert(
                arn.clone(),
                found.ok_or_else(|| {
                    format!(
                        "bot {bot} has no alias {alias} in account {} region {} (deploy the bot there first)",
                        ctx.account.account_id, ctx.region
                    )
                }),
            );
        }
    }

    let mut p = Prepared {
        src: src.clone(),
        live: live.clone(),
        same_instance,
        tgt_instance_id,
        tgt_instance_arn,
        src_instance_arn,
        base,
        selected,
        selective,
        matched,
        extra,
        target,
        source_ids,
        lex,
        missing_lambdas: BTreeSet::new(),
        lambdas: Vec::new(),
        lex_aliases: Vec::new(),
        derived: OnceLock::new(),
    };
    // Lambda functions keep their names: each one the target would call must exist there.
    let remapper = p.remapper().clone();
    let mut lambdas = BTreeSet::new();
    for arn in &used_lambdas {
        let mut v = json!(arn);
        remap_arns(&mut v, &remapper);
        lambdas.insert(v.as_str().unwrap_or_default().to_owned());
    }
    if !lambdas.is_empty() {
        let client = ctx.lambda().await?;
        let local = format!(
            "arn:aws:lambda:{}:{}:function:",
            ctx.region, ctx.account.account_id
        );
        for arn in lambdas.iter().filter(|a| a.starts_with(&local)) {
            ctx.pace("GetFunction").await;
            if let Err(e) = client.get_function().function_name(arn).send().await {
                if e.as_service_error().is_some_and(is_not_found) {
                    p.missing_lambdas.insert(arn.clone());
                } else {
                    return Err(AwsError::service("checking a Lambda function", e));
                }
            }
        }
    }
    p.lambdas = lambdas.into_iter().collect();
    p.lex_aliases = used_lex
        .iter()
        .map(|a| match p.lex.get(a) {
            Some(Ok(t)) => t.clone(),
            _ => a.clone(),
        })
        .collect();
    Ok(p)
}

impl Prepared {
    fn remapper(&self) -> &ArnRemapper {
        &self.derived().0
    }

    fn bare_ids(&self) -> &HashMap<String, String> {
        &self.derived().1
    }

    fn derived(&self) -> &(ArnRemapper, HashMap<String, String>) {
        self.derived
            .get_or_init(|| (self.build_remapper(), self.build_bare_ids()))
    }

    fn build_remapper(&self) -> ArnRemapper {
        let mut r = self.base.clone();
        r.explicit
            .insert(self.src_instance_arn.clone(), self.tgt_instance_arn.clone());
        for (key, si) in &self.source_ids {
            if let Some(t) = self.target.get(key) {
                r.explicit.insert(si.arn.clone(), t.arn.clone());
            }
        }
        for (from, to) in &self.lex {
            if let Ok(to) = to {
                r.explicit.insert(from.clone(), to.clone());
            }
        }
        if !self.same_instance {
            r.explicit_only.push(format!("{}/", self.src_instance_arn));
        }
        if r.from_account != r.to_account || r.from_region != r.to_region {
            r.explicit_only.push("arn:aws:lex:".into());
        }
        r
    }

    fn build_bare_ids(&self) -> HashMap<String, String> {
        self.source_ids
            .iter()
            .filter_map(|(key, si)| self.target.get(key).map(|t| (si.id.clone(), t.id.clone())))
            .filter(|(from, _)| !from.is_empty())
            .collect()
    }

    fn resolve(&self, kind: Kind, name: &str) -> Option<&Ident> {
        self.target.get(&(kind, name.to_owned()))
    }

    /// The item as it should be in the target (references by name, content remapped), with
    /// what was remapped and what could not be.
    fn desired(&self, kind: Kind, name: &str) -> (Value, Vec<Remapped>, Vec<Unmapped>) {
        let mut item = body(&self.src[kind.key()][name]);
        let prefix = format!("/{}/{}", kind.key(), esc(name));
        let mut remapped = Vec::new();
        let mut unmapped = Vec::new();
        if matches!(kind, Kind::Flow | Kind::Module) {
            replace_ids(
                &mut item["Content"],
                &format!("{prefix}/Content"),
                self.bare_ids(),
                !self.same_instance,
                &mut remapped,
                &mut unmapped,
            );
            let r = remap_arns(&mut item["Content"], self.remapper());
            for mut m in r.remapped {
                m.path = format!("{prefix}/Content{}", m.path.trim_end_matches('/'));
                remapped.push(m);
            }
            for mut u in r.unmapped {
                u.path = format!("{prefix}/Content{}", u.path.trim_end_matches('/'));
                if let Some(Err(why)) = self.lex.get(&u.value) {
                    u.reason = why.clone();
                }
                unmapped.push(u);
            }
            each_string_at(
                &item["Content"],
                &format!("{prefix}/Content"),
                &mut |path, s| {
                    if self.missing_lambdas.contains(s) {
                        unmapped.push(Unmapped {
                            path: path.to_owned(),
                            value: s.to_owned(),
                            reason: format!(
                                "no Lambda function of this name in account {} region {}",
                                self.base.to_account, self.base.to_region
                            ),
                        });
                    }
                },
            );
        } else {
            for (k, n, path) in name_refs(kind, &item) {
                if self.resolve(k, &n).is_none() {
                    unmapped.push(Unmapped {
                        path: format!("{prefix}/{path}"),
                        value: n.clone(),
                        reason: format!(
                            "no {} of this name in the snapshot or the target instance",
                            k.label()
                        ),
                    });
                }
            }
            if !self.same_instance {
                let number = &item["OutboundCallerConfig"]["OutboundCallerIdNumberId"];
                if let Some(n) = number.as_str() {
                    unmapped.push(Unmapped {
                        path: format!("{prefix}/OutboundCallerConfig/OutboundCallerIdNumberId"),
                        value: n.to_owned(),
                        reason: "phone numbers are claimed per instance; choose the target's number after the deploy".into(),
                    });
                }
                if let Some(u) = item["Config"]["User"]["UserId"].as_str() {
                    unmapped.push(Unmapped {
                        path: format!("{prefix}/Config/User/UserId"),
                        value: u.to_owned(),
                        reason: "users are not part of a snapshot; the id names a user of the source instance".into(),
                    });
                }
            }
        }
        (item, remapped, unmapped)
    }

    /// A live item as the snapshot would name it: references to items the snapshot has
    /// under another name (renamed since) are given the snapshot's names, so only real
    /// differences show.
    fn live_body(&self, kind: Kind, live_name: &str) -> Value {
        let mut item = body(&self.live[kind.key()][live_name]);
        let renamed: HashMap<(Kind, &str), &str> = self
            .matched
            .iter()
            .filter(|((_, src), live)| src != *live)
            .map(|((k, src), live)| ((*k, live.as_str()), src.as_str()))
            .collect();
        if renamed.is_empty() {
            return item;
        }
        let fix = |k: Kind, v: &mut Value| {
            if let Some(to) = v.as_str().and_then(|n| renamed.get(&(k, n))) {
                *v = json!(to);
            }
        };
        match kind {
            Kind::Queue => {
                fix(Kind::Hours, &mut item["HoursOfOperation"]);
                if item["OutboundCallerConfig"].is_object() {
                    fix(
                        Kind::Flow,
                        &mut item["OutboundCallerConfig"]["OutboundFlow"],
                    );
                }
                if let Some(list) = item["QuickConnects"].as_array_mut() {
                    list.iter_mut().for_each(|q| fix(Kind::QuickConnect, q));
                    list.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
                }
            }
            Kind::RoutingProfile => {
                fix(Kind::Queue, &mut item["DefaultOutboundQueue"]);
                if let Some(list) = item["Queues"].as_array_mut() {
                    list.iter_mut()
                        .for_each(|c| fix(Kind::Queue, &mut c["Queue"]));
                    list.sort_by(|a, b| {
                        (a["Queue"].as_str(), a["Channel"].as_str())
                            .cmp(&(b["Queue"].as_str(), b["Channel"].as_str()))
                    });
                }
            }
            Kind::QuickConnect => {
                for (k, path) in [(Kind::Queue, "Queue"), (Kind::Flow, "Flow")] {
                    if item["Config"]["Queue"].is_object() {
                        fix(k, &mut item["Config"]["Queue"][path]);
                    }
                }
                if item["Config"]["User"].is_object() {
                    fix(Kind::Flow, &mut item["Config"]["User"]["Flow"]);
                }
            }
            _ => {}
        }
        item
    }
}

/// Replaces bare ids of source items inside content with the target's.
fn replace_ids(
    v: &mut Value,
    path: &str,
    ids: &HashMap<String, String>,
    strict: bool,
    remapped: &mut Vec<Remapped>,
    unmapped: &mut Vec<Unmapped>,
) {
    match v {
        Value::Array(a) => {
            for (i, x) in a.iter_mut().enumerate() {
                replace_ids(x, &format!("{path}/{i}"), ids, strict, remapped, unmapped);
            }
        }
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                let here = format!("{path}/{}", esc(k));
                if let Value::String(s) = x {
                    if let Some(to) = ids.get(s.as_str()) {
                        if to != s {
                            remapped.push(Remapped {
                                path: here,
                                from: s.clone(),
                                to: to.clone(),
                            });
                            *s = to.clone();
                        }
                    } else if strict
                        && BARE_ID_KEYS.contains(&k.as_str())
                        && !s.is_empty()
                        && !s.starts_with("arn:")
                        && !s.contains('$')
                    {
                        unmapped.push(Unmapped {
                            path: here,
                            value: s.clone(),
                            reason:
                                "an id of the source instance that is not part of what is deployed"
                                    .into(),
                        });
                    }
                } else {
                    replace_ids(x, &here, ids, strict, remapped, unmapped);
                }
            }
        }
        _ => {}
    }
}

fn each_string_at(v: &Value, path: &str, f: &mut impl FnMut(&str, &str)) {
    match v {
        Value::String(s) => f(path, s),
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                each_string_at(x, &format!("{path}/{i}"), f);
            }
        }
        Value::Object(m) => {
            for (k, x) in m {
                each_string_at(x, &format!("{path}/{}", esc(k)), f);
            }
        }
        _ => {}
    }
}

fn not_found_instance(ctx: &Ctx, name: &ResourceName) -> AwsError {
    AwsError::NotFound(format!(
        "Connect instance {name} not found in account {} region {}: create the instance first (SnapDeploy copies an instance's contents, not the instance itself)",
        ctx.account.account_id, ctx.region
    ))
}

pub(crate) async fn plan(
    ctx: &Ctx,
    source: &SnapshotEnvelope,
    target: &ResourceName,
    live: Option<&Value>,
    options: &DeployOptions,
) -> AwsResult<Plan> {
    let live = live.ok_or_else(|| not_found_instance(ctx, target))?;
    let p = prepare(ctx, source, live, options).await?;
    let mut desired = serde_json::Map::new();
    let mut changes: Vec<FieldChange> = Vec::new();
    let mut remapped = Vec::new();
    let mut unmapped = Vec::new();
    let mut listed = Vec::new();
    let mut blockers = Vec::new();
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for k in KINDS {
        let mut kind_items = serde_json::Map::new();
        for (kk, name) in p.selected.iter().filter(|(kk, _)| *kk == k) {
            let (want, r, u) = p.desired(*kk, name);
            remapped.extend(r);
            unmapped.extend(u);
            let path = format!("/{}/{}", k.key(), esc(name));
            let action = match p.matched.get(&(k, name.clone())) {
                None => {
                    changes.push(FieldChange {
                        path: path.clone(),
                        op: FieldOp::Add,
                        from: None,
                        to: Some(want.clone()),
                    });
                    "create"
                }
                Some(live_name) => {
                    let have = p.live_body(k, live_name);
                    let mut item_changes: Vec<FieldChange> = diff(&have, &want)
                        .into_iter()
                        .map(|mut c| {
                            c.path = format!("{path}{}", c.path);
                            c
                        })
                        .collect();
                    if live_name != name {
                        item_changes.push(FieldChange {
                            path: format!("{path}/Name"),
                            op: FieldOp::Change,
                            from: Some(json!(live_name)),
                            to: Some(json!(name)),
                        });
                        // Renaming back would collide with another item that took the name.
                        if live[k.key()].get(name.as_str()).is_some() {
                            blockers.push(format!(
                                "{} {live_name} would be renamed back to {name}, but another {} is now called {name}: rename or delete that one first",
                                k.label(),
                                k.label()
                            ));
                        }
                    }
                    if k == Kind::Flow && have["Type"] != want["Type"] {
                        blockers.push(format!(
                            "flow {name} is {} in the target and {} in the snapshot: Connect cannot change a flow's type",
                            have["Type"], want["Type"]
                        ));
                    }
                    let changed = !item_changes.is_empty();
                    changes.extend(item_changes);
                    if changed {
                        "update"
                    } else {
                        "unchanged"
                    }
                }
            };
            *counts.entry(action).or_default() += 1;
            listed.push(json!({"kind": k.label(), "name": name, "action": action}));
            kind_items.insert(name.clone(), want);
        }
        desired.insert(k.key().into(), Value::Object(kind_items));
    }
    let live_lambdas = string_list(&live["LambdaFunctions"]);
    let live_lex = string_list(&live["LexBots"]);
    let add_lambdas: Vec<&String> = p
        .lambdas
        .iter()
        .filter(|a| !live_lambdas.contains(a))
        .collect();
    let add_lex: Vec<&String> = p
        .lex_aliases
        .iter()
        .filter(|a| !live_lex.contains(a))
        .collect();
    for (i, a) in p.lambdas.iter().enumerate() {
        if p.missing_lambdas.contains(a) {
            unmapped.push(Unmapped {
                path: format!("/LambdaFunctions/{i}"),
                value: a.clone(),
                reason: format!(
                    "no Lambda function of this name in account {} region {}",
                    ctx.account.account_id, ctx.region
                ),
            });
        }
    }
    for (i, a) in p.lex_aliases.iter().enumerate() {
        if let Some(Err(why)) = p.lex.get(a) {
            unmapped.push(Unmapped {
                path: format!("/LexBots/{i}"),
                value: a.clone(),
                reason: why.clone(),
            });
        }
    }
    for a in &add_lambdas {
        changes.push(FieldChange {
            path: "/LambdaFunctions".into(),
            op: FieldOp::Add,
            from: None,
            to: Some(json!(a)),
        });
    }
    for a in &add_lex {
        changes.push(FieldChange {
            path: "/LexBots".into(),
            op: FieldOp::Add,
            from: None,
            to: Some(json!(a)),
        });
    }
    for l in p.lex.iter().filter_map(|(from, to)| {
        to.as_ref().ok().map(|to| Remapped {
            path: "/LexAliases".into(),
            from: from.clone(),
            to: to.clone(),
        })
    }) {
        if !remapped.iter().any(|r| r.from == l.from) {
            remapped.push(l);
        }
    }
    desired.insert("LambdaFunctions".into(), json!(p.lambdas));
    desired.insert("LexBots".into(), json!(p.lex_aliases));
    let extra: Vec<Value> = p
        .extra
        .iter()
        .map(|(k, n, _)| json!({"kind": k.label(), "name": n}))
        .collect();
    let mut warnings = Vec::new();
    if !extra.is_empty() {
        warnings.push(format!(
            "{} item(s) of the target are not in the snapshot: {} (see summary.not_in_source)",
            extra.len(),
            if options.remove_extra {
                "they will be deleted"
            } else {
                "left as they are; remove_extra deletes them"
            }
        ));
    }
    let removing = options.remove_extra && !extra.is_empty();
    let action = if counts.get("create").copied().unwrap_or(0) > 0
        || counts.get("update").copied().unwrap_or(0) > 0
        || !add_lambdas.is_empty()
        || !add_lex.is_empty()
        || removing
    {
        PlanAction::Update
    } else {
        PlanAction::Unchanged
    };
    Ok(Plan {
        service: ServiceKind::Connect,
        resource_name: target.to_string(),
        target_account_id: ctx.account.account_id.to_string(),
        target_region: ctx.region.to_string(),
        action,
        changes,
        remapped,
        unmapped,
        warnings,
        blockers,
        summary: json!({
            "target_instance_id": p.tgt_instance_id,
            "selective": p.selective,
            "items": listed,
            "counts": counts,
            "associate": {"LambdaFunctions": add_lambdas, "LexBots": add_lex},
            "not_in_source": extra,
            "remove_not_in_source": options.remove_extra,
        }),
        desired: Value::Object(desired),
    })
}

fn tags_of(v: &Value) -> Option<HashMap<String, String>> {
    let m = string_map(v);
    (!m.is_empty()).then_some(m)
}

type Sdk<E> = aws_sdk_connect::error::SdkError<E, aws_sdk_connect::config::http::HttpResponse>;

fn err<E: std::error::Error + ProvideErrorMetadata + Send + Sync + 'static>(
    what: String,
) -> impl FnOnce(Sdk<E>) -> AwsError {
    move |e| AwsError::service(&what, e)
}

fn hours_config(v: &Value) -> AwsResult<Vec<HoursOfOperationConfig>> {
    let slice = |t: &Value| {
        HoursOfOperationTimeSlice::builder()
            .hours(t["Hours"].as_i64().unwrap_or(0) as i32)
            .minutes(t["Minutes"].as_i64().unwrap_or(0) as i32)
            .build()
    };
    v.as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            HoursOfOperationConfig::builder()
                .day(HoursOfOperationDays::from(c["Day"].as_str().unwrap_or("")))
                .start_time(slice(&c["StartTime"])?)
                .end_time(slice(&c["EndTime"])?)
                .build()
        })
        .collect::<Result<_, _>>()
        .map_err(|e| AwsError::Invalid(format!("hours of operation config: {e}")))
}

fn media(v: &Value) -> AwsResult<Vec<MediaConcurrency>> {
    v.as_array()
        .into_iter()
        .flatten()
        .map(|m| {
            MediaConcurrency::builder()
                .channel(Channel::from(m["Channel"].as_str().unwrap_or("VOICE")))
                .concurrency(m["Concurrency"].as_i64().unwrap_or(1) as i32)
                .build()
        })
        .collect::<Result<_, _>>()
        .map_err(|e| AwsError::Invalid(format!("routing profile concurrency: {e}")))
}

/// The apply: `p` is prepared from the freshest capture of the target.
pub(crate) struct Run<'a> {
    pub ctx: &'a Ctx,
    pub client: Client,
    pub store: &'a dyn SnapshotStore,
    pub source: &'a SnapshotEnvelope,
    pub options: &'a DeployOptions,
}

impl Run<'_> {
    fn inst(&self, p: &Prepared) -> String {
        p.tgt_instance_id.clone()
    }

    fn id_of(&self, p: &Prepared, kind: Kind, name: &str) -> AwsResult<String> {
        p.resolve(kind, name).map(|i| i.id.clone()).ok_or_else(|| {
            AwsError::Invalid(format!(
                "{} {name} is neither in the snapshot nor in the target instance",
                kind.label()
            ))
        })
    }

    async fn pace(&self) {
        self.ctx.pace("connect").await;
    }

    fn todo(&self, p: &Prepared, kind: Kind) -> Vec<(String, Option<String>)> {
        p.selected
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, n)| (n.clone(), p.matched.get(&(kind, n.clone())).cloned()))
            .collect()
    }

    fn created(
        &self,
        p: &mut Prepared,
        applied: &mut Applied,
        kind: Kind,
        name: &str,
        id: Option<&str>,
        arn: Option<&str>,
    ) {
        let i = Ident {
            id: id.unwrap_or_default().to_owned(),
            arn: arn.unwrap_or_default().to_owned(),
        };
        applied
            .created_items
            .push((kind.label().to_owned(), i.id.clone()));
        p.target.insert((kind, name.to_owned()), i);
        p.derived = OnceLock::new();
    }

    async fn hours(&self, p: &mut Prepared, applied: &mut Applied) -> AwsResult<()> {
        for (name, live) in self.todo(p, Kind::Hours) {
            let (want, _, _) = p.desired(Kind::Hours, &name);
            let config = hours_config(&want["Config"])?;
            match live {
                None => {
                    self.pace().await;
                    let out = self
                        .client
                        .create_hours_of_operation()
                        .instance_id(self.inst(p))
                        .name(&name)
                        .description(want["Description"].as_str().unwrap_or(""))
                        .time_zone(want["TimeZone"].as_str().unwrap_or("UTC"))
                        .set_config(Some(config))
                        .set_tags(tags_of(&want["Tags"]))
                        .send()
                        .await
                        .map_err(err(format!("creating hours of operation {name}")))?;
                    self.created(
                        p,
                        applied,
                        Kind::Hours,
                        &name,
                        out.hours_of_operation_id(),
                        out.hours_of_operation_arn(),
                    );
                }
                Some(ln) => {
                    let have = p.live_body(Kind::Hours, &ln);
                    let fields = ["Description", "TimeZone", "Config"];
                    if ln != name || fields.iter().any(|f| have[f] != want[f]) {
                        self.pace().await;
                        self.client
                            .update_hours_of_operation()
                            .instance_id(self.inst(p))
                            .hours_of_operation_id(self.id_of(p, Kind::Hours, &name)?)
                            .name(&name)
                            .description(want["Description"].as_str().unwrap_or(""))
                            .time_zone(want["TimeZone"].as_str().unwrap_or("UTC"))
                            .set_config(Some(config))
                            .send()
                            .await
                            .map_err(err(format!("updating hours of operation {name}")))?;
                    }
                }
            }
        }
        Ok(())
    }

    async fn prompts(&self, p: &mut Prepared, applied: &mut Applied) -> AwsResult<()> {
        for (name, live) in self.todo(p, Kind::Prompt) {
            let (want, _, _) = p.desired(Kind::Prompt, &name);
            let audio = want["Audio"].as_str().ok_or_else(|| {
                AwsError::Invalid(format!("prompt {name} has no audio in the snapshot"))
            })?;
            match live {
                None => {
                    let url = self.store.blob_url(&self.source.account_id, audio).await?;
                    self.pace().await;
                    let out = self
                        .client
                        .create_prompt()
                        .instance_id(self.inst(p))
                        .name(&name)
                        .description(want["Description"].as_str().unwrap_or(""))
                        .s3_uri(url)
                        .set_tags(tags_of(&want["Tags"]))
                        .send()
                        .await
                        .map_err(err(format!("creating prompt {name}")))?;
                    self.created(
                        p,
                        applied,
                        Kind::Prompt,
                        &name,
                        out.prompt_id(),
                        out.prompt_arn(),
                    );
                }
                Some(ln) => {
                    let have = p.live_body(Kind::Prompt, &ln);
                    let new_audio = have["Audio"] != want["Audio"];
                    if ln != name || new_audio || have["Description"] != want["Description"] {
                        let url = match new_audio {
                            true => {
                                Some(self.store.blob_url(&self.source.account_id, audio).await?)
                            }
                            false => None,
                        };
                        self.pace().await;
                        self.client
                            .update_prompt()
                            .instance_id(self.inst(p))
                            .prompt_id(self.id_of(p, Kind::Prompt, &name)?)
                            .name(&name)
                            .description(want["Description"].as_str().unwrap_or(""))
                            .set_s3_uri(url)
                            .send()
                            .await
                            .map_err(err(format!("updating prompt {name}")))?;
                    }
                }
            }
        }
        Ok(())
    }

    async fn associations(&self, p: &Prepared, applied: &mut Applied) -> AwsResult<()> {
        let live_lambdas = string_list(&p.live["LambdaFunctions"]);
        for arn in p.lambdas.iter().filter(|a| !live_lambdas.contains(a)) {
            self.pace().await;
            self.client
                .associate_lambda_function()
                .instance_id(self.inst(p))
                .function_arn(arn)
                .send()
                .await
                .map_err(err(format!("associating Lambda function {arn}")))?;
            applied.associated.push(("lambda".into(), arn.clone()));
        }
        let live_lex = string_list(&p.live["LexBots"]);
        for arn in p.lex_aliases.iter().filter(|a| !live_lex.contains(a)) {
            self.pace().await;
            self.client
                .associate_bot()
                .instance_id(self.inst(p))
                .lex_v2_bot(LexV2Bot::builder().alias_arn(arn).build())
                .send()
                .await
                .map_err(err(format!("associating Lex bot alias {arn}")))?;
            applied.associated.push(("lex".into(), arn.clone()));
        }
        Ok(())
    }

    /// Missing modules and flows, with stub content, so everything can refer to them.
    async fn stubs(&self, p: &mut Prepared, applied: &mut Applied) -> AwsResult<()> {
        for (name, live) in self.todo(p, Kind::Module) {
            if live.is_some() {
                continue;
            }
            let want = body(&p.src["Modules"][&name]);
            self.pace().await;
            let out = self
                .client
                .create_contact_flow_module()
                .instance_id(self.inst(p))
                .name(&name)
                .description(want["Description"].as_str().unwrap_or(""))
                .content(STUB)
                .set_tags(tags_of(&want["Tags"]))
                .send()
                .await
                .map_err(err(format!("creating flow module {name}")))?;
            self.created(p, applied, Kind::Module, &name, out.id(), out.arn());
        }
        for (name, live) in self.todo(p, Kind::Flow) {
            if live.is_some() {
                continue;
            }
            let want = body(&p.src["Flows"][&name]);
            self.pace().await;
            let out = self
                .client
                .create_contact_flow()
                .instance_id(self.inst(p))
                .name(&name)
                .r#type(ContactFlowType::from(
                    want["Type"].as_str().unwrap_or("CONTACT_FLOW"),
                ))
                .description(want["Description"].as_str().unwrap_or(""))
                .content(STUB)
                .status(ContactFlowStatus::Saved)
                .set_tags(tags_of(&want["Tags"]))
                .send()
                .await
                .map_err(err(format!("creating flow {name}")))?;
            self.created(
                p,
                applied,
                Kind::Flow,
                &name,
                out.contact_flow_id(),
                out.contact_flow_arn(),
            );
        }
        Ok(())
    }

    fn outbound(&self, p: &Prepared, want: &Value) -> AwsResult<Option<OutboundCallerConfig>> {
        let o = &want["OutboundCallerConfig"];
        if o.is_null() {
            return Ok(None);
        }
        let flow = match o["OutboundFlow"].as_str() {
            Some(f) => Some(self.id_of(p, Kind::Flow, f)?),
            None => None,
        };
        Ok(Some(
            OutboundCallerConfig::builder()
                .set_outbound_caller_id_name(o["OutboundCallerIdName"].as_str().map(String::from))
                .set_outbound_caller_id_number_id(
                    o["OutboundCallerIdNumberId"].as_str().map(String::from),
                )
                .set_outbound_flow_id(flow)
                .build(),
        ))
    }

    async fn queues(&self, p: &mut Prepared, applied: &mut Applied) -> AwsResult<()> {
        for (name, live) in self.todo(p, Kind::Queue) {
            let (want, _, _) = p.desired(Kind::Queue, &name);
            let hours = self.id_of(
                p,
                Kind::Hours,
                want["HoursOfOperation"].as_str().unwrap_or(""),
            )?;
            let max = want["MaxContacts"].as_i64().map(|m| m as i32);
            match live {
                None => {
                    self.pace().await;
                    let out = self
                        .client
                        .create_queue()
                        .instance_id(self.inst(p))
                        .name(&name)
                        .description(want["Description"].as_str().unwrap_or(""))
                        .hours_of_operation_id(hours)
                        .set_max_contacts(max)
                        .set_outbound_caller_config(self.outbound(p, &want)?)
                        .set_tags(tags_of(&want["Tags"]))
                        .send()
                        .await
                        .map_err(err(format!("creating queue {name}")))?;
                    self.created(
                        p,
                        applied,
                        Kind::Queue,
                        &name,
                        out.queue_id(),
                        out.queue_arn(),
                    );
                }
                Some(ln) => {
                    let have = p.live_body(Kind::Queue, &ln);
                    let id = self.id_of(p, Kind::Queue, &name)?;
                    if ln != name || have["Description"] != want["Description"] {
                        self.pace().await;
                        self.client
                            .update_queue_name()
                            .instance_id(self.inst(p))
                            .queue_id(&id)
                            .name(&name)
                            .description(want["Description"].as_str().unwrap_or(""))
                            .send()
                            .await
                            .map_err(err(format!("renaming queue {name}")))?;
                    }
                    if have["HoursOfOperation"] != want["HoursOfOperation"] {
                        self.pace().await;
                        self.client
                            .update_queue_hours_of_operation()
                            .instance_id(self.inst(p))
                            .queue_id(&id)
                            .hours_of_operation_id(hours)
                            .send()
                            .await
                            .map_err(err(format!("updating the hours of queue {name}")))?;
                    }
                    if have["MaxContacts"] != want["MaxContacts"] {
                        self.pace().await;
                        self.client
                            .update_queue_max_contacts()
                            .instance_id(self.inst(p))
                            .queue_id(&id)
                            .set_max_contacts(max)
                            .send()
                            .await
                            .map_err(err(format!("updating max contacts of queue {name}")))?;
                    }
                    if have["OutboundCallerConfig"] != want["OutboundCallerConfig"] {
                        let config = self
                            .outbound(p, &want)?
                            .unwrap_or_else(|| OutboundCallerConfig::builder().build());
                        self.pace().await;
                        self.client
                            .update_queue_outbound_caller_config()
                            .instance_id(self.inst(p))
                            .queue_id(&id)
                            .outbound_caller_config(config)
                            .send()
                            .await
                            .map_err(err(format!(
                                "updating outbound caller config of queue {name}"
                            )))?;
                    }
                }
            }
        }
        Ok(())
    }

    fn queue_config(&self, p: &Prepared, c: &Value) -> AwsResult<RoutingProfileQueueConfig> {
        let queue = self.id_of(p, Kind::Queue, c["Queue"].as_str().unwrap_or(""))?;
        RoutingProfileQueueConfig::builder()
            .queue_reference(self.queue_ref(&queue, c)?)
            .priority(c["Priority"].as_i64().unwrap_or(1) as i32)
            .delay(c["Delay"].as_i64().unwrap_or(0) as i32)
            .build()
            .map_err(|e| AwsError::Invalid(format!("routing profile queue: {e}")))
    }

    fn queue_ref(&self, queue_id: &str, c: &Value) -> AwsResult<RoutingProfileQueueReference> {
        RoutingProfileQueueReference::builder()
            .queue_id(queue_id)
            .channel(Channel::from(c["Channel"].as_str().unwrap_or("VOICE")))
            .build()
            .map_err(|e| AwsError::Invalid(format!("routing profile queue: {e}")))
    }

    async fn routing_profiles(&self, p: &mut Prepared, applied: &mut Applied) -> AwsResult<()> {
        // Connect takes at most 10 queue configs per call.
        const CHUNK: usize = 10;
        let key = |c: &Value| {
            (
                c["Queue"].as_str().unwrap_or("").to_owned(),
                c["Channel"].as_str().unwrap_or("").to_owned(),
            )
        };
        for (name, live) in self.todo(p, Kind::RoutingProfile) {
            let (want, _, _) = p.desired(Kind::RoutingProfile, &name);
            let want_queues: Vec<Value> = want["Queues"].as_array().cloned().unwrap_or_default();
            let default_q = self.id_of(
                p,
                Kind::Queue,
                want["DefaultOutboundQueue"].as_str().unwrap_or(""),
            )?;
            let (id, have_queues) = match live {
                None => {
                    let first: Vec<RoutingProfileQueueConfig> = want_queues
                        .iter()
                        .take(CHUNK)
                        .map(|c| self.queue_config(p, c))
                        .collect::<AwsResult<_>>()?;
                    self.pace().await;
                    let out = self
                        .client
                        .create_routing_profile()
                        .instance_id(self.inst(p))
                        .name(&name)
                        .description(want["Description"].as_str().unwrap_or(""))
                        .default_outbound_queue_id(&default_q)
                        .set_media_concurrencies(Some(media(&want["MediaConcurrencies"])?))
                        .set_queue_configs((!first.is_empty()).then_some(first))
                        .set_tags(tags_of(&want["Tags"]))
                        .send()
                        .await
                        .map_err(err(format!("creating routing profile {name}")))?;
                    self.created(
                        p,
                        applied,
                        Kind::RoutingProfile,
                        &name,
                        out.routing_profile_id(),
                        out.routing_profile_arn(),
                    );
                    let done: Vec<Value> = want_queues.iter().take(CHUNK).cloned().collect();
                    (
                        out.routing_profile_id().unwrap_or_default().to_owned(),
                        done,
                    )
                }
                Some(ln) => {
                    let have = p.live_body(Kind::RoutingProfile, &ln);
                    let id = self.id_of(p, Kind::RoutingProfile, &name)?;
                    if ln != name || have["Description"] != want["Description"] {
                        self.pace().await;
                        self.client
                            .update_routing_profile_name()
                            .instance_id(self.inst(p))
                            .routing_profile_id(&id)
                            .name(&name)
                            .description(want["Description"].as_str().unwrap_or(""))
                            .send()
                            .await
                            .map_err(err(format!("renaming routing profile {name}")))?;
                    }
                    if have["MediaConcurrencies"] != want["MediaConcurrencies"] {
                        self.pace().await;
                        self.client
                            .update_routing_profile_concurrency()
                            .instance_id(self.inst(p))
                            .routing_profile_id(&id)
                            .set_media_concurrencies(Some(media(&want["MediaConcurrencies"])?))
                            .send()
                            .await
                            .map_err(err(format!(
                                "updating concurrency of routing profile {name}"
                            )))?;
                    }
                    if have["DefaultOutboundQueue"] != want["DefaultOutboundQueue"] {
                        self.pace().await;
                        self.client
                            .update_routing_profile_default_outbound_queue()
                            .instance_id(self.inst(p))
                            .routing_profile_id(&id)
                            .default_outbound_queue_id(&default_q)
                            .send()
                            .await
                            .map_err(err(format!(
                                "updating default queue of routing profile {name}"
                            )))?;
                    }
                    (id, have["Queues"].as_array().cloned().unwrap_or_default())
                }
            };
            let have_keys: HashMap<_, _> = have_queues.iter().map(|c| (key(c), c)).collect();
            let want_keys: BTreeSet<_> = want_queues.iter().map(key).collect();
            let remove: Vec<RoutingProfileQueueReference> = have_queues
                .iter()
                .filter(|c| !want_keys.contains(&key(c)))
                .map(|c| {
                    // A queue no longer named in the target cannot be in its profile either.
                    let q = p
                        .resolve(Kind::Queue, c["Queue"].as_str().unwrap_or(""))
                        .map(|i| i.id.clone())
                        .unwrap_or_default();
                    self.queue_ref(&q, c)
                })
                .collect::<AwsResult<_>>()?;
            for chunk in remove.chunks(CHUNK) {
                self.pace().await;
                self.client
                    .disassociate_routing_profile_queues()
                    .instance_id(self.inst(p))
                    .routing_profile_id(&id)
                    .set_queue_references(Some(chunk.to_vec()))
                    .send()
                    .await
                    .map_err(err(format!("removing queues from routing profile {name}")))?;
            }
            let mut add = Vec::new();
            let mut change = Vec::new();
            for c in &want_queues {
                match have_keys.get(&key(c)) {
                    None => add.push(self.queue_config(p, c)?),
                    Some(h) if h["Priority"] != c["Priority"] || h["Delay"] != c["Delay"] => {
                        change.push(self.queue_config(p, c)?)
                    }
                    Some(_) => {}
                }
            }
            for chunk in add.chunks(CHUNK) {
                self.pace().await;
                self.client
                    .associate_routing_profile_queues()
                    .instance_id(self.inst(p))
                    .routing_profile_id(&id)
                    .set_queue_configs(Some(chunk.to_vec()))
                    .send()
                    .await
                    .map_err(err(format!("adding queues to routing profile {name}")))?;
            }
            for chunk in change.chunks(CHUNK) {
                self.pace().await;
                self.client
                    .update_routing_profile_queues()
                    .instance_id(self.inst(p))
                    .routing_profile_id(&id)
                    .set_queue_configs(Some(chunk.to_vec()))
                    .send()
                    .await
                    .map_err(err(format!("updating queues of routing profile {name}")))?;
            }
        }
        Ok(())
    }

    fn qc_config(&self, p: &Prepared, want: &Value) -> AwsResult<QuickConnectConfig> {
        let c = &want["Config"];
        let bad = |e: aws_sdk_connect::error::BuildError| {
            AwsError::Invalid(format!("quick connect config: {e}"))
        };
        let flow = |v: &Value| self.id_of(p, Kind::Flow, v.as_str().unwrap_or(""));
        let mut b = QuickConnectConfig::builder().quick_connect_type(QuickConnectType::from(
            c["QuickConnectType"].as_str().unwrap_or("QUEUE"),
        ));
        if c["Queue"].is_object() {
            b = b.queue_config(
                QueueQuickConnectConfig::builder()
                    .queue_id(self.id_of(
                        p,
                        Kind::Queue,
                        c["Queue"]["Queue"].as_str().unwrap_or(""),
                    )?)
                    .contact_flow_id(flow(&c["Queue"]["Flow"])?)
                    .build()
                    .map_err(bad)?,
            );
        }
        if c["Phone"].is_object() {
            b = b.phone_config(
                PhoneNumberQuickConnectConfig::builder()
                    .phone_number(c["Phone"]["PhoneNumber"].as_str().unwrap_or(""))
                    .build()
                    .map_err(bad)?,
            );
        }
        if c["User"].is_object() {
            b = b.user_config(
                UserQuickConnectConfig::builder()
                    .user_id(c["User"]["UserId"].as_str().unwrap_or(""))
                    .contact_flow_id(flow(&c["User"]["Flow"])?)
                    .build()
                    .map_err(bad)?,
            );
        }
        b.build().map_err(bad)
    }

    async fn quick_connects(&self, p: &mut Prepared, applied: &mut Applied) -> AwsResult<()> {
        for (name, live) in self.todo(p, Kind::QuickConnect) {
            let (want, _, _) = p.desired(Kind::QuickConnect, &name);
            let config = self.qc_config(p, &want)?;
            match live {
                None => {
                    self.pace().await;
                    let out = self
                        .client
                        .create_quick_connect()
                        .instance_id(self.inst(p))
                        .name(&name)
                        .description(want["Description"].as_str().unwrap_or(""))
                        .quick_connect_config(config)
                        .set_tags(tags_of(&want["Tags"]))
                        .send()
                        .await
                        .map_err(err(format!("creating quick connect {name}")))?;
                    self.created(
                        p,
                        applied,
                        Kind::QuickConnect,
                        &name,
                        out.quick_connect_id(),
                        out.quick_connect_arn(),
                    );
                }
                Some(ln) => {
                    let have = p.live_body(Kind::QuickConnect, &ln);
                    let id = self.id_of(p, Kind::QuickConnect, &name)?;
                    if ln != name || have["Description"] != want["Description"] {
                        self.pace().await;
                        self.client
                            .update_quick_connect_name()
                            .instance_id(self.inst(p))
                            .quick_connect_id(&id)
                            .name(&name)
                            .description(want["Description"].as_str().unwrap_or(""))
                            .send()
                            .await
                            .map_err(err(format!("renaming quick connect {name}")))?;
                    }
                    if have["Config"] != want["Config"] {
                        self.pace().await;
                        self.client
                            .update_quick_connect_config()
                            .instance_id(self.inst(p))
                            .quick_connect_id(&id)
                            .quick_connect_config(config)
                            .send()
                            .await
                            .map_err(err(format!("updating quick connect {name}")))?;
                    }
                }
            }
        }
        Ok(())
    }

    async fn queue_quick_connects(&self, p: &Prepared) -> AwsResult<()> {
        // Connect takes at most 50 quick connects per call.
        const CHUNK: usize = 50;
        for (name, live) in self.todo(p, Kind::Queue) {
            let (want, _, _) = p.desired(Kind::Queue, &name);
            let want_names: BTreeSet<String> =
                string_list(&want["QuickConnects"]).into_iter().collect();
            let have_names: BTreeSet<String> = match &live {
                Some(ln) => string_list(&p.live_body(Kind::Queue, ln)["QuickConnects"])
                    .into_iter()
                    .collect(),
                None => BTreeSet::new(),
            };
            let queue = self.id_of(p, Kind::Queue, &name)?;
            let remove: Vec<String> = have_names
                .difference(&want_names)
                .filter_map(|n| p.resolve(Kind::QuickConnect, n).map(|i| i.id.clone()))
                .collect();
            let add: Vec<String> = want_names
                .difference(&have_names)
                .map(|n| self.id_of(p, Kind::QuickConnect, n))
                .collect::<AwsResult<_>>()?;
            for chunk in remove.chunks(CHUNK) {
                self.pace().await;
                self.client
                    .disassociate_queue_quick_connects()
                    .instance_id(self.inst(p))
                    .queue_id(&queue)
                    .set_quick_connect_ids(Some(chunk.to_vec()))
                    .send()
                    .await
                    .map_err(err(format!("removing quick connects from queue {name}")))?;
            }
            for chunk in add.chunks(CHUNK) {
                self.pace().await;
                self.client
                    .associate_queue_quick_connects()
                    .instance_id(self.inst(p))
                    .queue_id(&queue)
                    .set_quick_connect_ids(Some(chunk.to_vec()))
                    .send()
                    .await
                    .map_err(err(format!("adding quick connects to queue {name}")))?;
            }
        }
        Ok(())
    }

    /// Module and flow content and metadata. Everything content can name exists by now
    /// (stubs included), so content is published directly where the snapshot had it
    /// published, and only saved where it was saved.
    async fn content(&self, p: &Prepared, kind: Kind) -> AwsResult<()> {
        for (name, live) in self.todo(p, kind) {
            let (want, _, _) = p.desired(kind, &name);
            let id = self.id_of(p, kind, &name)?;
            let have = match &live {
                Some(ln) => p.live_body(kind, ln),
                None => {
                    json!({"Content": serde_json::from_str::<Value>(STUB).unwrap_or_default(), "Status": "SAVED", "State": "ACTIVE", "Description": want["Description"]})
                }
            };
            let text = serde_json::to_string(&want["Content"]).unwrap_or_default();
            let publish = kind == Kind::Module || want["Status"] == "PUBLISHED";
            if have["Content"] != want["Content"]
                || (publish && have["Status"] != json!("PUBLISHED") && kind == Kind::Flow)
            {
                let target_id = if publish {
                    id.clone()
                } else {
                    format!("{id}:$SAVED")
                };
                self.pace().await;
                let r = match kind {
                    Kind::Module => self
                        .client
                        .update_contact_flow_module_content()
                        .instance_id(self.inst(p))
                        .contact_flow_module_id(target_id)
                        .content(text)
                        .send()
                        .await
                        .map(|_| ())
                        .map_err(err(format!("writing the content of flow module {name}"))),
                    _ => self
                        .client
                        .update_contact_flow_content()
                        .instance_id(self.inst(p))
                        .contact_flow_id(target_id)
                        .content(text)
                        .send()
                        .await
                        .map(|_| ())
                        .map_err(err(format!(
                            "{} the content of flow {name}",
                            if publish { "publishing" } else { "saving" }
                        ))),
                };
                r?;
            }
            let renamed = live.as_ref().is_some_and(|ln| *ln != name);
            if renamed
                || have["Description"] != want["Description"]
                || have["State"] != want["State"]
            {
                self.pace().await;
                match kind {
                    Kind::Module => self
                        .client
                        .update_contact_flow_module_metadata()
                        .instance_id(self.inst(p))
                        .contact_flow_module_id(&id)
                        .name(&name)
                        .description(want["Description"].as_str().unwrap_or(""))
                        .state(ContactFlowModuleState::from(
                            want["State"].as_str().unwrap_or("ACTIVE"),
                        ))
                        .send()
                        .await
                        .map(|_| ())
                        .map_err(err(format!("updating flow module {name}")))?,
                    _ => self
                        .client
                        .update_contact_flow_metadata()
                        .instance_id(self.inst(p))
                        .contact_flow_id(&id)
                        .name(&name)
                        .description(want["Description"].as_str().unwrap_or(""))
                        .contact_flow_state(ContactFlowState::from(
                            want["State"].as_str().unwrap_or("ACTIVE"),
                        ))
                        .send()
                        .await
                        .map(|_| ())
                        .map_err(err(format!("updating flow {name}")))?,
                }
            }
        }
        Ok(())
    }

    /// Tags of items that existed (created ones got theirs when created).
    async fn tags(&self, p: &Prepared) -> AwsResult<()> {
        for (k, name) in &p.selected {
            let Some(ln) = p.matched.get(&(*k, name.clone())) else {
                continue;
            };
            let want = &p.src[k.key()][name]["Tags"];
            let have = &p.live[k.key()][ln]["Tags"];
            let (add, remove) = tag_changes(want, have);
            let arn = p
                .resolve(*k, name)
                .map(|i| i.arn.clone())
                .unwrap_or_default();
            if !add.is_empty() {
                self.pace().await;
                self.client
                    .tag_resource()
                    .resource_arn(&arn)
                    .set_tags(Some(add))
                    .send()
                    .await
                    .map_err(err(format!("tagging {} {name}", k.label())))?;
            }
            if !remove.is_empty() {
                self.pace().await;
                self.client
                    .untag_resource()
                    .resource_arn(&arn)
                    .set_tag_keys(Some(remove))
                    .send()
                    .await
                    .map_err(err(format!("untagging {} {name}", k.label())))?;
            }
        }
        Ok(())
    }

    async fn remove_extra(&self, p: &Prepared) -> AwsResult<()> {
        let mut extra = p.extra.clone();
        extra.sort_by_key(|(k, _, _)| std::cmp::Reverse(delete_rank(*k)));
        for (k, name, i) in extra {
            self.pace().await;
            delete(&self.client, &p.tgt_instance_id, k, &i.id)
                .await
                .map_err(|e| AwsError::Service(format!("deleting {} {name}: {e}", k.label())))?;
        }
        Ok(())
    }
}

/// Items are deleted in the reverse of the order they can be created in: what refers to
/// others first.
fn delete_rank(k: Kind) -> u8 {
    match k {
        Kind::Hours => 0,
        Kind::Prompt => 1,
        Kind::Queue => 2,
        Kind::RoutingProfile => 3,
        Kind::QuickConnect => 4,
        Kind::Module => 5,
        Kind::Flow => 6,
    }
}

/// Deletes one item; one that is already gone counts as deleted.
async fn delete(client: &Client, instance: &str, kind: Kind, id: &str) -> Result<(), String> {
    fn gone<E: ProvideErrorMetadata + std::error::Error + 'static>(
        r: Result<impl Sized, Sdk<E>>,
    ) -> Result<(), String> {
        match r {
            Ok(_) => Ok(()),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.code() == Some("ResourceNotFoundException")) =>
            {
                Ok(())
            }
            Err(e) => Err(crate::error::describe(
                &e,
                aws_smithy_types::error::display::DisplayErrorContext(&e).to_string(),
            )),
        }
    }
    match kind {
        Kind::Flow => gone(
            client
                .delete_contact_flow()
                .instance_id(instance)
                .contact_flow_id(id)
                .send()
                .await,
        ),
        Kind::Module => gone(
            client
                .delete_contact_flow_module()
                .instance_id(instance)
                .contact_flow_module_id(id)
                .send()
                .await,
        ),
        Kind::QuickConnect => gone(
            client
                .delete_quick_connect()
                .instance_id(instance)
                .quick_connect_id(id)
                .send()
                .await,
        ),
        Kind::RoutingProfile => gone(
            client
                .delete_routing_profile()
                .instance_id(instance)
                .routing_profile_id(id)
                .send()
                .await,
        ),
        Kind::Queue => gone(
            client
                .delete_queue()
                .instance_id(instance)
                .queue_id(id)
                .send()
                .await,
        ),
        Kind::Prompt => gone(
            client
                .delete_prompt()
                .instance_id(instance)
                .prompt_id(id)
                .send()
                .await,
        ),
        Kind::Hours => gone(
            client
                .delete_hours_of_operation()
                .instance_id(instance)
                .hours_of_operation_id(id)
                .send()
                .await,
        ),
    }
}

#[allow(clippy::too_many_arguments)]
pub(crate) async fn apply(
    ctx: &Ctx,
    target: &ResourceName,
    source: &SnapshotEnvelope,
    live: Option<&Value>,
    store: &dyn SnapshotStore,
    options: &DeployOptions,
    run: &mut Steps<'_>,
    applied: &mut Applied,
) -> AwsResult<()> {
    let live = live.ok_or_else(|| not_found_instance(ctx, target))?;
    let mut p = prepare(ctx, source, live, options).await?;
    let r = Run {
        ctx,
        client: ctx.connect().await?,
        store,
        source,
        options,
    };
    run.step("hours of operation", r.hours(&mut p, applied))
        .await?;
    run.step("prompts", r.prompts(&mut p, applied)).await?;
    run.step("Lambda and Lex associations", r.associations(&p, applied))
        .await?;
    run.step("flow and module stubs", r.stubs(&mut p, applied))
        .await?;
    run.step("queues", r.queues(&mut p, applied)).await?;
    run.step("routing profiles", r.routing_profiles(&mut p, applied))
        .await?;
    run.step("quick connects", r.quick_connects(&mut p, applied))
        .await?;
    run.step("queue quick connects", r.queue_quick_connects(&p))
        .await?;
    run.step("flow module content", r.content(&p, Kind::Module))
        .await?;
    run.step("flow content", r.content(&p, Kind::Flow)).await?;
    run.step("tags", r.tags(&p)).await?;
    if r.options.remove_extra && !p.extra.is_empty() {
        run.step("remove items not in the snapshot", r.remove_extra(&p))
            .await?;
    }
    Ok(())
}

/// Undoes what a failed apply created and associated (after its updates were put back).
pub(crate) async fn undo_created(ctx: &Ctx, instance_id: &str, applied: &Applied) -> AwsResult<()> {
    let client = ctx.connect().await?;
    let mut created: Vec<(Kind, &String)> = applied
        .created_items
        .iter()
        .filter_map(|(k, id)| Kind::from_label(k).map(|k| (k, id)))
        .collect();
    created.sort_by_key(|(k, _)| std::cmp::Reverse(delete_rank(*k)));
    for (k, id) in created {
        ctx.pace("connect").await;
        delete(&client, instance_id, k, id).await.map_err(|e| {
            AwsError::Service(format!(
                "deleting the {} this deploy created: {e}",
                k.label()
            ))
        })?;
    }
    for (kind, arn) in &applied.associated {
        ctx.pace("connect").await;
        let r = match kind.as_str() {
            "lambda" => client
                .disassociate_lambda_function()
                .instance_id(instance_id)
                .function_arn(arn)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| AwsError::service("dropping a Lambda association", e)),
            _ => client
                .disassociate_bot()
                .instance_id(instance_id)
                .lex_v2_bot(LexV2Bot::builder().alias_arn(arn).build())
                .send()
                .await
                .map(|_| ())
                .map_err(|e| AwsError::service("dropping a Lex association", e)),
        };
        r?;
    }
    Ok(())
}
