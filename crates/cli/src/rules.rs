//! Promotion rules per account pair: list, show, set, remove.

use crate::args::RulesCmd;
use crate::remote::Remote;
use crate::setup::engine_from_env;
use anyhow::{anyhow, bail, Context, Result};
use reqwest::Method;
use serde_json::json;
use snapdeploy_core::{AccountId, MatchMode, PromotionRules, RuleSet, Substitution};
use std::io::Read;

fn pair(s: &str, t: &str) -> Result<(AccountId, AccountId)> {
    Ok((AccountId::parse(s)?, AccountId::parse(t)?))
}

pub(crate) async fn run(cmd: RulesCmd, json_out: bool) -> Result<i32> {
    if let Some(remote) = Remote::from_env()? {
        return run_remote(&remote, cmd, json_out).await;
    }
    let (config, engine) = engine_from_env().await?;
    match cmd {
        RulesCmd::List => {
            print_all(&engine.all_rules().await?, json_out)?;
        }
        RulesCmd::Show {
            source_account_id,
            target_account_id,
        } => {
            let (s, t) = pair(&source_account_id, &target_account_id)?;
            let set = engine.rules_of(&s, &t).await?;
            print_one(&set, json_out)?;
        }
        RulesCmd::Set {
            source_account_id,
            target_account_id,
            file,
            substitute,
            substitute_whole,
            keep,
        } => {
            let (s, t) = pair(&source_account_id, &target_account_id)?;
            let rules = rules_given(file, &substitute, &substitute_whole, keep)?;
            if let Err(e) = engine.check_rules(&s, &t, &rules).await? {
                bail!("rule refused: {e}");
            }
            let set = engine.set_rules(&s, &t, rules, &config.cli_actor()).await?;
            print_one(&set, json_out)?;
        }
        RulesCmd::Remove {
            source_account_id,
            target_account_id,
        } => {
            let (s, t) = pair(&source_account_id, &target_account_id)?;
            engine.remove_rules(&s, &t, &config.cli_actor()).await?;
            print_removed(&s, &t, json_out);
        }
    }
    Ok(0)
}

async fn run_remote(remote: &Remote, cmd: RulesCmd, json_out: bool) -> Result<i32> {
    match cmd {
        RulesCmd::List => {
            let all: Vec<RuleSet> = remote.get("/promotion-rules", &[]).await?;
            print_all(&all, json_out)?;
        }
        RulesCmd::Show {
            source_account_id,
            target_account_id,
        } => {
            let (s, t) = pair(&source_account_id, &target_account_id)?;
            let set: RuleSet = remote
                .get(&format!("/promotion-rules/{s}/{t}"), &[])
                .await?;
            print_one(&set, json_out)?;
        }
        RulesCmd::Set {
            source_account_id,
            target_account_id,
            file,
            substitute,
            substitute_whole,
            keep,
        } => {
            let (s, t) = pair(&source_account_id, &target_account_id)?;
            let rules = rules_given(file, &substitute, &substitute_whole, keep)?;
            let set: RuleSet = remote
                .call(
                    Method::PUT,
                    &format!("/promotion-rules/{s}/{t}"),
                    &[],
                    Some(&serde_json::to_value(&rules)?),
                )
                .await?
                .into()?;
            print_one(&set, json_out)?;
        }
        RulesCmd::Remove {
            source_account_id,
            target_account_id,
        } => {
            let (s, t) = pair(&source_account_id, &target_account_id)?;
            remote
                .call(
                    Method::DELETE,
                    &format!("/promotion-rules/{s}/{t}"),
                    &[],
                    None,
                )
                .await?;
            print_removed(&s, &t, json_out);
        }
    }
    Ok(0)
}

/// The rules a `rules set` gives: from --file, or from the flags; never none.
fn rules_given(
    file: Option<std::path::PathBuf>,
    substitute: &[String],
    substitute_whole: &[String],
    keep: Vec<String>,
) -> Result<PromotionRules> {
    let rules = match file {
        Some(path) => read_rules(&path)?,
        None => from_flags(substitute, substitute_whole, keep)?,
    };
    if rules.is_empty() {
        bail!("no rules given: pass --file, --substitute, --substitute-whole or --keep (`rules remove` clears a pair)");
    }
    Ok(rules)
}

fn print_one(set: &RuleSet, json_out: bool) -> Result<()> {
    if json_out {
        println!("{}", serde_json::to_string_pretty(set)?);
    } else {
        print_set(set);
    }
    Ok(())
}

fn print_all(all: &[RuleSet], json_out: bool) -> Result<()> {
    if json_out {
        println!("{}", serde_json::to_string_pretty(all)?);
    } else if all.is_empty() {
        println!("no promotion rules");
    } else {
        all.iter().for_each(print_set);
    }
    Ok(())
}

fn print_removed(s: &AccountId, t: &AccountId, json_out: bool) {
    if json_out {
        println!(
            "{}",
            json!({"removed": {"source_account_id": s, "target_account_id": t}})
        );
    } else {
        println!("removed the promotion rules from {s} to {t}");
    }
}

fn read_rules(path: &std::path::Path) -> Result<PromotionRules> {
    let text = if path.as_os_str() == "-" {
        let mut t = String::new();
        std::io::stdin().read_to_string(&mut t)?;
        t
    } else {
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?
    };
    serde_json::from_str(&text)
        .with_context(|| format!("{} is not a promotion rules document", path.display()))
}

fn from_flags(substring: &[String], whole: &[String], keep: Vec<String>) -> Result<PromotionRules> {
    let parse = |raw: &String, mode| -> Result<Substitution> {
        let (from, to) = raw
            .split_once('=')
            .ok_or_else(|| anyhow!("{raw:?} is not FROM=TO"))?;
        Ok(Substitution {
            from: from.into(),
            to: to.into(),
            mode,
        })
    };
    let mut substitutions = Vec::new();
    for s in substring {
        substitutions.push(parse(s, MatchMode::Substring)?);
    }
    for s in whole {
        substitutions.push(parse(s, MatchMode::Whole)?);
    }
    Ok(PromotionRules {
        substitutions,
        keep_target: keep,
    })
}

fn print_set(set: &RuleSet) {
    println!(
        "{} -> {}  (set by {} at {})",
        set.source_account_id,
        set.target_account_id,
        set.updated_by,
        set.updated_at.format("%Y-%m-%dT%H:%M:%SZ")
    );
    for s in &set.substitutions {
        let how = match s.mode {
            MatchMode::Substring => "inside values",
            MatchMode::Whole => "whole values",
        };
        println!("  substitute {:?} -> {:?} ({how})", s.from, s.to);
    }
    for k in &set.keep_target {
        println!("  keep the target's {k}");
    }
}
