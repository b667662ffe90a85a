//! What a deploy decides before it writes: which items to match, create or leave, and how
//! every reference is remapped to the target.

use super::items::{body, each_string, esc, ident, items, name_refs, Ident, Kind, BARE_ID_KEYS};
use crate::change::DeployOptions;
use crate::error::{AwsError, AwsResult};
use crate::limiter::Quota;
use crate::provider::{is_not_found, string_list, Ctx};
use serde_json::{json, Value};
use snapdeploy_core::{remap_arns, ArnRemapper, Remapped, SnapshotEnvelope, Unmapped};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::OnceLock;

/// What a deploy of `source` onto the target instance decides, before and during apply.
pub(crate) struct Prepared {
    pub(super) src: Value,
    pub(super) live: Value,
    pub(super) same_instance: bool,
    pub(super) tgt_instance_id: String,
    pub(super) tgt_instance_arn: String,
    pub(super) src_instance_arn: String,
    pub(super) base: ArnRemapper,
    /// Source items deployed, by kind and name.
    pub(super) selected: BTreeSet<(Kind, String)>,
    pub(super) selective: bool,
    /// Selected source item -> the live item it updates (by live name).
    pub(super) matched: HashMap<(Kind, String), String>,
    /// Live items no source item matches (only computed for whole-instance deploys).
    pub(super) extra: Vec<(Kind, String, Ident)>,
    /// Target identity by (kind, name): live items by their names, overlaid with the source
    /// items by theirs (matched, created, or a placeholder until created).
    pub(super) target: HashMap<(Kind, String), Ident>,
    pub(super) source_ids: HashMap<(Kind, String), Ident>,
    /// Source Lex alias ARN -> target alias ARN, or why there is none.
    pub(super) lex: BTreeMap<String, Result<String, String>>,
    /// Target Lambda ARNs found not to exist.
    pub(super) missing_lambdas: BTreeSet<String>,
    pub(super) lambdas: Vec<String>,
    pub(super) lex_aliases: Vec<String>,
    /// The remapper and bare-id map derived from `target` (rebuilt after items are created,
    /// not for every item written).
    pub(super) derived: OnceLock<(ArnRemapper, HashMap<String, String>)>,
}

/// Everything the chosen flows need, transitively (selective deploy).
pub(super) fn closure(src: &Value, flows: &[String]) -> AwsResult<BTreeSet<(Kind, String)>> {
    let mut index: HashMap<String, (Kind, String)> = HashMap::new();
    for k in Kind::ALL {
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

pub(super) fn placeholder(tgt_instance_arn: &str, kind: Kind, name: &str) -> Ident {
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
            Kind::ALL
                .into_iter()
                .flat_map(|k| items(src, k).into_keys().map(move |n| (k, n)))
                .collect(),
        ),
    };

    let mut target = HashMap::new();
    let mut source_ids = HashMap::new();
    let mut matched = HashMap::new();
    let mut extra = Vec::new();
    for k in Kind::ALL {
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
                    let f = crate::lex::read::alias_arn(ctx, &client, bot, alias).await?;
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
            ctx.pace(Quota::LambdaGetFunction).await;
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
    pub(super) fn remapper(&self) -> &ArnRemapper {
        &self.derived().0
    }

    pub(super) fn bare_ids(&self) -> &HashMap<String, String> {
        &self.derived().1
    }

    pub(super) fn derived(&self) -> &(ArnRemapper, HashMap<String, String>) {
        self.derived
            .get_or_init(|| (self.build_remapper(), self.build_bare_ids()))
    }

    pub(super) fn build_remapper(&self) -> ArnRemapper {
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

    pub(super) fn build_bare_ids(&self) -> HashMap<String, String> {
        self.source_ids
            .iter()
            .filter_map(|(key, si)| self.target.get(key).map(|t| (si.id.clone(), t.id.clone())))
            .filter(|(from, _)| !from.is_empty())
            .collect()
    }

    pub(super) fn resolve(&self, kind: Kind, name: &str) -> Option<&Ident> {
        self.target.get(&(kind, name.to_owned()))
    }

    /// The item as it should be in the target (references by name, content remapped), with
    /// what was remapped and what could not be.
    pub(super) fn desired(&self, kind: Kind, name: &str) -> (Value, Vec<Remapped>, Vec<Unmapped>) {
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
    pub(super) fn live_body(&self, kind: Kind, live_name: &str) -> Value {
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
pub(super) fn replace_ids(
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

pub(super) fn each_string_at(v: &Value, path: &str, f: &mut impl FnMut(&str, &str)) {
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
