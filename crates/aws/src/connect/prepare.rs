//! What a deploy decides before it writes: which items to match, create or leave, and how
//! every reference is remapped to the target.

use super::items::{each_string, ident, is_default, items, references, source_index, Ident, Kind};
use crate::change::DeployOptions;
use crate::error::{AwsError, AwsResult};
use crate::provider::{missing_lambdas, string_list, Ctx};
use serde_json::Value;
use snapdeploy_core::{ArnRemapper, SnapshotEnvelope};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex, RwLock};

/// The remapper and the bare-id map content is rewritten with.
pub(super) type Derived = (ArnRemapper, HashMap<String, String>);

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
    /// items by theirs (matched, created, or a placeholder until created). Locked because
    /// the deploy's parallel writes record what they create while others read it.
    pub(super) target: RwLock<HashMap<(Kind, String), Ident>>,
    pub(super) source_ids: HashMap<(Kind, String), Ident>,
    /// Source Lex alias ARN -> target alias ARN, or why there is none.
    pub(super) lex: BTreeMap<String, Result<String, String>>,
    /// Target Lambda ARNs found not to exist.
    pub(super) missing_lambdas: BTreeSet<String>,
    pub(super) lambdas: Vec<String>,
    pub(super) lex_aliases: Vec<String>,
    /// The deploy accepts unmapped references: each is left out of what is written.
    pub(super) accept_unmapped: bool,
    /// The remapper and bare-id map derived from `target` (rebuilt after items are created,
    /// not for every item written).
    pub(super) derived: Mutex<Option<Arc<Derived>>>,
}

/// Everything the chosen flows need, transitively (selective deploy).
pub(super) fn closure(src: &Value, flows: &[String]) -> AwsResult<BTreeSet<(Kind, String)>> {
    let index = source_index(src);
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
        if out.insert((k, name.clone())) {
            todo.extend(references(src, &index, k, &name));
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

    let Matching {
        target,
        source_ids,
        matched,
        extra,
    } = match_items(
        src,
        live,
        &selected,
        selective,
        same_instance,
        &tgt_instance_arn,
    );

    let base = ArnRemapper::new(
        source.account_id.as_str(),
        source.region.as_str(),
        ctx.account.account_id.as_str(),
        ctx.region.as_str(),
    );
    let same_place = base.from_account == base.to_account && base.from_region == base.to_region;

    // Associations: all of the source's for a whole-instance deploy; a selective one takes
    // those its content uses.
    let (used_lambdas, used_lex) = used_associations(src, &selected, selective);
    let lex = if same_place {
        BTreeMap::new()
    } else {
        resolve_lex_aliases(ctx, src, &used_lex).await?
    };

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
        target: RwLock::new(target),
        source_ids,
        lex,
        missing_lambdas: BTreeSet::new(),
        lambdas: Vec::new(),
        lex_aliases: Vec::new(),
        accept_unmapped: options.accept_unmapped,
        derived: Mutex::new(None),
    };
    // Lambda functions keep their names: each one the target would call must exist there.
    let lambdas = p.target_lambdas(&used_lambdas);
    p.missing_lambdas = missing_lambdas(ctx, &lambdas).await?;
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

/// How the snapshot's items meet the target's.
struct Matching {
    target: HashMap<(Kind, String), Ident>,
    source_ids: HashMap<(Kind, String), Ident>,
    matched: HashMap<(Kind, String), String>,
    extra: Vec<(Kind, String, Ident)>,
}

/// Matches each source item to a target item (by id within the same instance, else by
/// name); selected items with no match get a placeholder identity, and (for a whole-instance
/// deploy) the target's items no source item matched are the extra ones, except the
/// instance's defaults, which Connect does not delete.
fn match_items(
    src: &Value,
    live: &Value,
    selected: &BTreeSet<(Kind, String)>,
    selective: bool,
    same_instance: bool,
    tgt_instance_arn: &str,
) -> Matching {
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
                    target.insert((k, name.clone()), placeholder(tgt_instance_arn, k, name));
                }
                None => {}
            }
        }
        if !selective {
            for (n, i) in &live_items {
                if !used.contains(n) && !is_default(k, n) {
                    extra.push((k, n.clone(), ident(i)));
                }
            }
        }
    }

    Matching {
        target,
        source_ids,
        matched,
        extra,
    }
}

/// The Lambda function and Lex alias ARNs the deploy associates.
fn used_associations(
    src: &Value,
    selected: &BTreeSet<(Kind, String)>,
    selective: bool,
) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut used_lambdas = BTreeSet::new();
    let mut used_lex = BTreeSet::new();
    for (k, n) in selected {
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

    (used_lambdas, used_lex)
}

/// The target's alias ARN for each Lex alias ARN the source uses, found by the bot and
/// alias names the snapshot records, or why there is none.
async fn resolve_lex_aliases(
    ctx: &Ctx,
    src: &Value,
    used_lex: &BTreeSet<String>,
) -> AwsResult<BTreeMap<String, Result<String, String>>> {
    let mut lex = BTreeMap::new();
    if !used_lex.is_empty() {
        let client = ctx.lex().await?;
        let mut cache: HashMap<(String, String), Option<String>> = HashMap::new();
        for arn in used_lex {
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

    Ok(lex)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_whole_instance_deploy_leaves_the_instances_defaults_alone() {
        // A snapshot without Connect's defaults (taken elsewhere, or edited) onto an
        // instance that has them: its own extra flow is removed, the defaults are not (AWS
        // refuses to delete them, which would fail the deploy).
        let flow = |id: &str| json!({"Id": id, "Arn": format!("arn:{id}")});
        let src = json!({"Flows": {"Main": flow("s1")}});
        let live = json!({
            "Flows": {"Main": flow("l1"), "Old": flow("l2"), "Default customer queue": flow("l3")},
            "Queues": {"BasicQueue": flow("l4")},
            "Prompts": {"CustomerHold.wav": flow("l5")},
        });
        let selected = [(Kind::Flow, "Main".to_owned())].into_iter().collect();
        let m = match_items(&src, &live, &selected, false, false, "arn:tgt");
        let extra: Vec<(Kind, &str)> = m.extra.iter().map(|(k, n, _)| (*k, n.as_str())).collect();
        assert_eq!(extra, vec![(Kind::Flow, "Old")]);
        assert_eq!(m.matched[&(Kind::Flow, "Main".to_owned())], "Main");
    }
}
