//! API tokens: through the server when one is configured (an admin's token), otherwise made
//! on the registry directly: the first admin token cannot come from a server nobody may use
//! yet.

use crate::args::TokensCmd;
use crate::remote::Remote;
use crate::setup::engine_from_env;
use anyhow::{anyhow, Result};
use reqwest::Method;
use serde_json::{json, Value};
use snapdeploy_core::{AccountId, Role, TokenView};
use snapdeploy_server::{AppState, ServerConfig};

pub(crate) async fn run(cmd: TokensCmd, json_out: bool) -> Result<i32> {
    if let Some(remote) = Remote::from_env()? {
        return run_remote(&remote, cmd, json_out).await;
    }
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
            let mut v = serde_json::to_value(record.view(state.config.clock.now()))?;
            v["token"] = token.into();
            print_created(&v, json_out)?;
        }
        TokensCmd::List => {
            let all = snapdeploy_server::auth::list_token_views(&state)
                .await
                .map_err(api)?;
            print_list(&all, json_out)?;
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

async fn run_remote(remote: &Remote, cmd: TokensCmd, json_out: bool) -> Result<i32> {
    match cmd {
        TokensCmd::Create {
            name,
            role,
            accounts,
            expires_in_days,
        } => {
            let body = json!({"name": name, "role": role, "accounts": accounts, "expires_in_days": expires_in_days});
            let created = remote
                .call(Method::POST, "/tokens", &[], Some(&body))
                .await?
                .body;
            print_created(&created, json_out)?;
        }
        TokensCmd::List => {
            let all: Vec<TokenView> = remote.get("/tokens", &[]).await?;
            print_list(&all, json_out)?;
        }
        TokensCmd::Revoke { id } => {
            remote
                .call(Method::DELETE, &format!("/tokens/{id}"), &[], None)
                .await?;
            if !json_out {
                println!("revoked token {id}");
            }
        }
    }
    Ok(0)
}

fn print_created(v: &Value, json_out: bool) -> Result<()> {
    if json_out {
        println!("{}", serde_json::to_string_pretty(v)?);
    } else {
        let s = |k: &str| v[k].as_str().unwrap_or("").to_owned();
        println!("token {} for {} ({}):", s("id"), s("name"), s("role"));
        println!("{}", s("token"));
        eprintln!("(shown this once: the registry keeps only its hash)");
    }
    Ok(())
}

fn print_list(all: &[TokenView], json_out: bool) -> Result<()> {
    if json_out {
        println!("{}", serde_json::to_string_pretty(&all)?);
    } else if all.is_empty() {
        println!("no tokens: create one with `snapdeploy tokens create --name <who> --role admin`");
    } else {
        for t in all {
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
    Ok(())
}
