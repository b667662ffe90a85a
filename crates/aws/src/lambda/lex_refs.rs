//! Lex bots a function's resource policy names (the bots allowed to invoke it). A bot's id
//! differs between accounts, so the capture records each bot's (and alias's) name, and a
//! promotion finds the target's bot of that name.

use crate::error::AwsResult;
use crate::provider::{str_of, Ctx};
use serde_json::{json, Map, Value};
use snapdeploy_core::{ArnRemapper, SnapshotEnvelope};
use std::collections::BTreeMap;

/// `bot-alias/<bot id>/<alias id or *>` or `bot/<bot id>` of this account and region.
fn parse<'a>(ctx_prefix: &str, arn: &'a str) -> Option<(&'a str, Option<&'a str>)> {
    let rest = arn.strip_prefix(ctx_prefix)?;
    if let Some(r) = rest.strip_prefix("bot-alias/") {
        let (bot, alias) = r.split_once('/')?;
        return Some((bot, Some(alias)));
    }
    rest.strip_prefix("bot/").map(|bot| (bot, None))
}

fn lex_prefix(region: &str, account: &str) -> String {
    format!("arn:aws:lex:{region}:{account}:")
}

/// At capture: the names behind each Lex ARN the policy names (`{arn: {"Bot", "Alias"}}`,
/// alias `*` or absent as the ARN has it); empty when it names none.
pub(super) async fn capture(ctx: &Ctx, policy: &[Value]) -> AwsResult<Map<String, Value>> {
    let prefix = lex_prefix(ctx.region.as_str(), ctx.account.account_id.as_str());
    let mut out = Map::new();
    let named: Vec<(&str, (&str, Option<&str>))> = policy
        .iter()
        .filter_map(|st| str_of(st, "SourceArn"))
        .filter_map(|arn| parse(&prefix, arn).map(|ids| (arn, ids)))
        .collect();
    if named.is_empty() {
        return Ok(out);
    }
    let client = ctx.lex().await?;
    for (arn, (bot, alias)) in named {
        let names = match alias {
            Some(a) if a != "*" => crate::lex::read::alias_names(ctx, &client, bot, a)
                .await?
                .map(|(b, a)| (b, Some(a))),
            other => crate::lex::read::bot_name(ctx, &client, bot)
                .await?
                .map(|b| (b, other.map(String::from))),
        };
        if let Some((bot, alias)) = names {
            out.insert(arn.to_owned(), json!({"Bot": bot, "Alias": alias}));
        }
    }
    Ok(out)
}

/// At a promotion: each recorded Lex ARN mapped to the target's bot (and alias) of the same
/// name; the source's Lex ARNs are otherwise not mapped by account (their ids would name
/// nothing there). Returns those the target lacks (ARN -> why).
pub(super) async fn remap(
    ctx: &Ctx,
    source: &SnapshotEnvelope,
    remapper: &mut ArnRemapper,
) -> AwsResult<BTreeMap<String, String>> {
    remapper.explicit_only.push(format!(
        "{}bot",
        lex_prefix(source.region.as_str(), source.account_id.as_str())
    ));
    let mut missing = BTreeMap::new();
    let named = source.config["LexBots"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    if named.is_empty() {
        return Ok(missing);
    }
    let client = ctx.lex().await?;
    let target_prefix = lex_prefix(ctx.region.as_str(), ctx.account.account_id.as_str());
    for (arn, names) in named {
        let bot = names["Bot"].as_str().unwrap_or_default();
        let Some(target) = crate::lex::read::find_bot(ctx, &client, bot).await? else {
            missing.insert(
                arn,
                format!(
                    "bot {bot} is not in account {} region {}: promote it first (a release with dependencies does)",
                    ctx.account.account_id, ctx.region
                ),
            );
            continue;
        };
        let mapped = match names["Alias"].as_str() {
            None => Some(format!("{target_prefix}bot/{}", target.id)),
            Some("*") => Some(format!("{target_prefix}bot-alias/{}/*", target.id)),
            Some(alias) => crate::lex::read::alias_arn_of(ctx, &client, &target.id, alias).await?,
        };
        match mapped {
            Some(t) => {
                remapper.explicit.insert(arn, t);
            }
            None => {
                missing.insert(
                    arn,
                    format!(
                        "bot {bot} has no alias {} in account {} region {}",
                        names["Alias"].as_str().unwrap_or_default(),
                        ctx.account.account_id,
                        ctx.region
                    ),
                );
            }
        }
    }
    Ok(missing)
}
