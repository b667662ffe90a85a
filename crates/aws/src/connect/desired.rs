//! What each item becomes in the target: its body with every reference remapped, and the
//! remapper and bare-id map that content is rewritten with.

use super::items::{body, esc, name_refs, Ident, Kind, BARE_ID_KEYS};
use super::prepare::Derived;
use super::prepare::Prepared;
use crate::provider::{string_list, Association};
use serde_json::{json, Value};
use snapdeploy_core::{leftovers, remap_arns, ArnRemapper, Remapped, Unmapped};
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

impl Prepared {
    /// The Lambda functions the target instance is to be associated with: those that exist.
    pub(super) fn associated_lambdas(&self) -> impl Iterator<Item = &String> {
        self.lambdas
            .iter()
            .filter(|a| !self.missing_lambdas.contains(*a))
    }

    /// The Lex bot aliases the target instance is to be associated with: those found there.
    pub(super) fn associated_lex(&self) -> impl Iterator<Item = &String> {
        self.lex_aliases
            .iter()
            .filter(|a| !matches!(self.lex.get(*a), Some(Err(_))))
    }

    /// The target's associations the snapshot does not have (a whole-instance deploy only:
    /// a selective one leaves the rest of the instance alone).
    pub(super) fn extra_associations(&self) -> Vec<Association> {
        if self.selective {
            return Vec::new();
        }
        let lambdas = string_list(&self.live["LambdaFunctions"])
            .into_iter()
            .filter(|a| !self.lambdas.contains(a))
            .map(Association::LambdaFunction);
        let lex = string_list(&self.live["LexBots"])
            .into_iter()
            .filter(|a| !self.lex_aliases.contains(a))
            .map(Association::LexBotAlias);
        lambdas.chain(lex).collect()
    }

    /// The target ARN of each source Lambda function ARN (same name, the target's account
    /// and region).
    pub(super) fn target_lambdas(&self, used: &BTreeSet<String>) -> BTreeSet<String> {
        let derived = self.derived();
        let remapper = &derived.0;
        used.iter()
            .map(|arn| {
                let mut v = json!(arn);
                remap_arns(&mut v, remapper);
                v.as_str().unwrap_or_default().to_owned()
            })
            .collect()
    }

    pub(super) fn derived(&self) -> Arc<Derived> {
        let mut d = self.derived.lock().unwrap_or_else(|e| e.into_inner());
        d.get_or_insert_with(|| Arc::new((self.build_remapper(), self.build_bare_ids())))
            .clone()
    }

    /// Records an item the deploy created, so everything written after it names it.
    pub(super) fn insert_target(&self, kind: Kind, name: &str, i: Ident) {
        let mut target = self.target.write().unwrap_or_else(|e| e.into_inner());
        target.insert((kind, name.to_owned()), i);
        drop(target);
        *self.derived.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    pub(super) fn build_remapper(&self) -> ArnRemapper {
        let target = self.target.read().unwrap_or_else(|e| e.into_inner());
        let mut r = self.base.clone();
        r.explicit
            .insert(self.src_instance_arn.clone(), self.tgt_instance_arn.clone());
        for (key, si) in &self.source_ids {
            if let Some(t) = target.get(key) {
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
        let target = self.target.read().unwrap_or_else(|e| e.into_inner());
        self.source_ids
            .iter()
            .filter_map(|(key, si)| target.get(key).map(|t| (si.id.clone(), t.id.clone())))
            .filter(|(from, _)| !from.is_empty())
            .collect()
    }

    pub(super) fn resolve(&self, kind: Kind, name: &str) -> Option<Ident> {
        let target = self.target.read().unwrap_or_else(|e| e.into_inner());
        target.get(&(kind, name.to_owned())).cloned()
    }

    /// The item as it should be in the target (references by name, content remapped), with
    /// what was remapped and what could not be.
    pub(super) fn desired(&self, kind: Kind, name: &str) -> (Value, Vec<Remapped>, Vec<Unmapped>) {
        let mut item = body(&self.src[kind.key()][name]);
        let prefix = format!("/{}/{}", kind.key(), esc(name));
        let mut remapped = Vec::new();
        let mut unmapped = Vec::new();
        if matches!(kind, Kind::Flow | Kind::Module) {
            let derived = self.derived();
            replace_ids(
                &mut item["Content"],
                &format!("{prefix}/Content"),
                &derived.1,
                !self.same_instance,
                &mut remapped,
                &mut unmapped,
            );
            let r = remap_arns(&mut item["Content"], &derived.0);
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
                        unmapped.push(Unmapped::missing(
                            path.to_owned(),
                            &self.base,
                            s,
                            format!(
                                "no Lambda function of this name in account {} region {}",
                                self.base.to_account, self.base.to_region
                            ),
                        ));
                    }
                },
            );
            for mut l in leftovers(&item["Content"], &self.base) {
                if !unmapped.iter().any(|u| l.value.contains(&u.value)) {
                    l.path = format!("{prefix}/Content{}", l.path.trim_end_matches('/'));
                    unmapped.push(l);
                }
            }
            if self.accept_unmapped && !unmapped.is_empty() {
                self.leave_out_of_content(kind, &mut item, &unmapped);
            }
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
                        would_be: None,
                        also_at: vec![],
                    });
                }
            }
            if !self.same_instance {
                let number = &item["OutboundCallerConfig"]["OutboundCallerIdNumberId"];
                if let Some(n) = number.as_str().map(String::from) {
                    if self.accept_unmapped {
                        // Left out: the target queue keeps its own number (or has none).
                        let live = self
                            .matched
                            .get(&(kind, name.to_owned()))
                            .map(|ln| &self.live[kind.key()][ln]["OutboundCallerConfig"]);
                        item["OutboundCallerConfig"]["OutboundCallerIdNumberId"] = live
                            .map(|o| o["OutboundCallerIdNumberId"].clone())
                            .unwrap_or(Value::Null);
                    }
                    unmapped.push(Unmapped {
                        path: format!("{prefix}/OutboundCallerConfig/OutboundCallerIdNumberId"),
                        value: n,
                        reason: "phone numbers are claimed per instance; choose the target's number after the deploy".into(),
                        would_be: None,
                        also_at: vec![],
                    });
                }
                if let Some(u) = item["Config"]["User"]["UserId"].as_str() {
                    unmapped.push(Unmapped {
                        path: format!("{prefix}/Config/User/UserId"),
                        value: u.to_owned(),
                        reason: "users are not part of a snapshot; the id names a user of the source instance".into(),
                        would_be: None,
                        also_at: vec![],
                    });
                }
            }
        }
        (item, remapped, unmapped)
    }

    /// Content that still names references the target lacks, written without them: each
    /// is replaced by what it would have become (a function ARN in the target that does not
    /// exist there), else by its ARN mapped to the target account, else emptied; a flow is
    /// then only saved, not published, so nothing runs it until someone fixes it.
    fn leave_out_of_content(&self, kind: Kind, item: &mut Value, unmapped: &[Unmapped]) {
        for u in unmapped {
            let with = u
                .would_be
                .clone()
                .or_else(|| self.base.map_arn(&u.value).ok().flatten())
                .unwrap_or_default();
            replace_in_strings(&mut item["Content"], &u.value, &with);
        }
        if kind == Kind::Flow {
            item["Status"] = json!("SAVED");
        }
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
                            would_be: None,
                            also_at: vec![],
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

fn replace_in_strings(v: &mut Value, from: &str, to: &str) {
    match v {
        Value::String(s) if s.contains(from) => *s = s.replace(from, to),
        Value::Array(a) => a.iter_mut().for_each(|x| replace_in_strings(x, from, to)),
        Value::Object(m) => m.values_mut().for_each(|x| replace_in_strings(x, from, to)),
        _ => {}
    }
}
