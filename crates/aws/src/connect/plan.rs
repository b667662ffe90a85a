//! The dry-run plan of a deploy into an instance.

use super::items::{esc, Kind};
use super::prepare::{prepare, Prepared};
use crate::change::DeployOptions;
use crate::error::{AwsError, AwsResult};
use crate::provider::{string_list, string_map, Association, Ctx};
use serde_json::{json, Value};
use snapdeploy_core::{
    diff, FieldChange, FieldOp, Plan, PlanAction, Remapped, ResourceName, ServiceKind,
    SnapshotEnvelope, Unmapped,
};
use std::collections::{BTreeMap, HashMap};

pub(super) fn not_found_instance(ctx: &Ctx, name: &ResourceName) -> AwsError {
    AwsError::NotFound(format!(
        "Connect instance {name} not found in account {} region {}: create the instance first (SnapDeploy copies an instance's contents, not the instance itself)",
        ctx.account.account_id, ctx.region
    ))
}

/// What the plan collects as it goes through the items and associations.
#[derive(Default)]
struct Findings {
    changes: Vec<FieldChange>,
    remapped: Vec<Remapped>,
    unmapped: Vec<Unmapped>,
    blockers: Vec<String>,
    warnings: Vec<String>,
}

impl Findings {
    /// The action for one item (`create`, `update` or `unchanged`), its field changes, and
    /// what would keep it from being applied.
    fn item(
        &mut self,
        p: &Prepared,
        live: &Value,
        k: Kind,
        name: &str,
        want: &Value,
    ) -> &'static str {
        let path = format!("/{}/{}", k.key(), esc(name));
        match p.matched.get(&(k, name.to_owned())) {
            None => {
                self.changes.push(FieldChange {
                    path: path.clone(),
                    op: FieldOp::Add,
                    from: None,
                    to: Some(want.clone()),
                });
                "create"
            }
            Some(live_name) => {
                let have = p.live_body(k, live_name);
                let mut item_changes: Vec<FieldChange> = diff(&have, want)
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
                    if live[k.key()].get(name).is_some() {
                        self.blockers.push(format!(
                                "{} {live_name} would be renamed back to {name}, but another {} is now called {name}: rename or delete that one first",
                                k.label(),
                                k.label()
                            ));
                    }
                }
                if k == Kind::Flow && have["Type"] != want["Type"] {
                    self.blockers.push(format!(
                            "flow {name} is {} in the target and {} in the snapshot: Connect cannot change a flow's type",
                            have["Type"], want["Type"]
                        ));
                }
                let changed = !item_changes.is_empty();
                self.changes.extend(item_changes);
                if changed {
                    "update"
                } else {
                    "unchanged"
                }
            }
        }
    }

    /// The associations the target lacks (Lambda functions, Lex aliases), after recording
    /// those that cannot be mapped and the Lex aliases that were.
    fn associations<'p>(
        &mut self,
        ctx: &Ctx,
        p: &'p Prepared,
        live: &Value,
    ) -> (Vec<&'p String>, Vec<&'p String>) {
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
                self.unmapped.push(Unmapped::missing(
                    format!("/LambdaFunctions/{i}"),
                    &p.base,
                    a,
                    format!(
                        "no Lambda function of this name in account {} region {}",
                        ctx.account.account_id, ctx.region
                    ),
                ));
            }
        }
        for (i, a) in p.lex_aliases.iter().enumerate() {
            if let Some(Err(why)) = p.lex.get(a) {
                self.unmapped.push(Unmapped {
                    path: format!("/LexBots/{i}"),
                    value: a.clone(),
                    reason: why.clone(),
                    would_be: None,
                    also_at: vec![],
                });
            }
        }
        for a in &add_lambdas {
            self.changes.push(FieldChange {
                path: "/LambdaFunctions".into(),
                op: FieldOp::Add,
                from: None,
                to: Some(json!(a)),
            });
        }
        for a in &add_lex {
            self.changes.push(FieldChange {
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
            if !self.remapped.iter().any(|r| r.from == l.from) {
                self.remapped.push(l);
            }
        }
        (add_lambdas, add_lex)
    }
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
    let mut f = Findings::default();
    let mut listed = Vec::new();
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for k in Kind::ALL {
        let mut kind_items = serde_json::Map::new();
        for (kk, name) in p.selected.iter().filter(|(kk, _)| *kk == k) {
            let (want, r, u) = p.desired(*kk, name);
            if p.accept_unmapped && k == Kind::Flow && !u.is_empty() {
                f.warnings.push(format!(
                    "flow {name} is saved, not published: its content names {} reference(s) the target lacks, left out",
                    u.len()
                ));
            }
            f.remapped.extend(r);
            f.unmapped.extend(u);
            let action = f.item(&p, live, k, name, &want);
            *counts.entry(action).or_default() += 1;
            listed.push(json!({"kind": k.label(), "name": name, "action": action}));
            kind_items.insert(name.clone(), want);
        }
        desired.insert(k.key().into(), Value::Object(kind_items));
    }
    let (add_lambdas, add_lex) = f.associations(ctx, &p, live);
    if p.accept_unmapped {
        let lambdas: Vec<&String> = p.associated_lambdas().collect();
        let lex: Vec<&String> = p.associated_lex().collect();
        desired.insert("LambdaFunctions".into(), json!(lambdas));
        desired.insert("LexBots".into(), json!(lex));
    } else {
        desired.insert("LambdaFunctions".into(), json!(p.lambdas));
        desired.insert("LexBots".into(), json!(p.lex_aliases));
    }
    let mut extra: Vec<Value> = p
        .extra
        .iter()
        .map(|(k, n, _)| json!({"kind": k.label(), "name": n}))
        .collect();
    for a in p.extra_associations() {
        let (kind, path, arn) = match &a {
            Association::LambdaFunction(arn) => {
                ("Lambda function association", "/LambdaFunctions", arn)
            }
            Association::LexBotAlias(arn) => ("Lex bot association", "/LexBots", arn),
        };
        extra.push(json!({"kind": kind, "name": arn}));
        if options.remove_extra {
            f.changes.push(FieldChange {
                path: path.into(),
                op: FieldOp::Remove,
                from: Some(json!(arn)),
                to: None,
            });
        }
    }
    let mut warnings = std::mem::take(&mut f.warnings);
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
        changes: f.changes,
        remapped: f.remapped,
        unmapped: f.unmapped,
        warnings,
        substitutions: vec![],
        kept: vec![],
        blockers: f.blockers,
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
        live_digest: None,
    })
}

pub(super) fn tags_of(v: &Value) -> Option<HashMap<String, String>> {
    let m = string_map(v);
    (!m.is_empty()).then_some(m)
}
