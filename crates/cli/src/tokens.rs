//! API tokens, made on the registry directly: the first admin token cannot come from a
//! server nobody may use yet.

use crate::args::TokensCmd;
use crate::setup::engine_from_env;
use anyhow::{anyhow, Result};
use snapdeploy_core::{AccountId, Role};
use snapdeploy_server::{AppState, ServerConfig};

pub(crate) async fn run(cmd: TokensCmd, json_out: bool) -> Result<i32> {
    let (config, engine) = engine_from_env().await?;
    let state = AppState::new(engine, ServerConfig::default());
    let actor = config.cli_actor();
    let api = |e: snapdeploy_server::error::ApiError| anyhow!("{}", e.message);
    match cmd {
        TokensCmd::Create {
            name,
            role,
            accounts,
            expires_in_days,
        } => {
            let role = Role::parse(&role).map_err(|e| anyhow!(e))?;
            let accounts = accounts
                .iter()
                .map(|a| AccountId::parse(a))
                .collect::<Result<Vec<_>, _>>()?;
            if expires_in_days.is_some_and(|d| !(1..=3650).contains(&d)) {
                anyhow::bail!("--expires-in-days: a whole number from 1 to 3650");
            }
            let (record, token) = snapdeploy_server::auth::issue_token(
                &state,
                &actor,
                &name,
                role,
                accounts,
                expires_in_days,
            )
            .await
            .map_err(api)?;
            if json_out {
                let mut v = serde_json::to_value(record.view(state.config.clock.now()))?;
                v["token"] = token.into();
                println!("{}", serde_json::to_string_pretty(&v)?);
            } else {
                println!("token {} for {} ({}):", record.id, record.name, record.role);
                println!("{token}");
                eprintln!("(shown this once: the registry keeps only its hash)");
            }
        }
        TokensCmd::List => {
            let all = snapdeploy_server::auth::list_token_views(&state)
                .await
                .map_err(api)?;
            if json_out {
                println!("{}", serde_json::to_string_pretty(&all)?);
            } else if all.is_empty() {
                println!("no tokens: create one with `snapdeploy tokens create --name <who> --role admin`");
            } else {
                for t in &all {
                    let scope = if t.accounts.is_empty() {
                        "every account".to_owned()
                    } else {
                        t.accounts
                            .iter()
                            .map(|a| a.to_string())
                            .collect::<Vec<_>>()
                            .join(",")
                    };
                    let expiry = match (t.expired, t.expires_at) {
                        (true, _) => "EXPIRED".to_owned(),
                        (false, Some(e)) => format!("expires {}", e.format("%Y-%m-%d")),
                        (false, None) => "no expiry".to_owned(),
                    };
                    let used = t
                        .last_used_at
                        .map(|u| format!("last used {}", u.format("%Y-%m-%d %H:%M")))
                        .unwrap_or_else(|| "never used".into());
                    println!(
                        "{}  {:<24} {:<9} {scope}; {expiry}; {used}",
                        t.id, t.name, t.role
                    );
                }
            }
        }
        TokensCmd::Revoke { id } => {
            snapdeploy_server::auth::revoke(&state, &actor, &id)
                .await
                .map_err(api)?;
            if !json_out {
                println!("revoked token {id}");
            }
        }
    }
    Ok(0)
}
