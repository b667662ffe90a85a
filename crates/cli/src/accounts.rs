//! The account registry: add, list, remove.

use crate::args::AccountsCmd;
use crate::setup::engine_from_env;
use anyhow::Result;
use serde_json::json;
use snapdeploy_core::{AccountId, AccountView, NewAccount};

pub(crate) async fn run(cmd: AccountsCmd, json_out: bool) -> Result<i32> {
    let (config, engine) = engine_from_env().await?;
    match cmd {
        AccountsCmd::Add {
            account_id,
            name,
            role_arn,
            external_id,
            regions,
            protected,
        } => {
            let account = NewAccount {
                account_id,
                name,
                role_arn,
                external_id,
                regions,
                protected,
            }
            .validate()?;
            engine.add_account(&account, &config.cli_actor()).await?;
            let view = AccountView::from(&account);
            if json_out {
                println!("{}", serde_json::to_string_pretty(&view)?);
            } else {
                println!("registered {} ({})", view.account_id, view.name);
            }
        }
        AccountsCmd::List => {
            let list: Vec<AccountView> = engine
                .accounts
                .list()
                .await?
                .iter()
                .map(AccountView::from)
                .collect();
            if json_out {
                println!("{}", serde_json::to_string_pretty(&list)?);
            } else {
                for a in &list {
                    let regions: Vec<&str> = a.regions.iter().map(|r| r.as_str()).collect();
                    println!(
                        "{}  {:<24} {:<9} {} [{}]",
                        a.account_id,
                        a.name,
                        if a.protected { "protected" } else { "" },
                        a.role_arn,
                        regions.join(",")
                    );
                }
            }
        }
        AccountsCmd::Remove { account_id } => {
            engine
                .remove_account(&AccountId::parse(&account_id)?, &config.cli_actor())
                .await?;
            if json_out {
                println!("{}", json!({"removed": account_id}));
            } else {
                println!("removed {account_id} (its snapshots stay)");
            }
        }
    }
    Ok(0)
}
