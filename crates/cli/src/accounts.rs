//! The account registry: add, list, remove.

use crate::args::AccountsCmd;
use crate::remote::Remote;
use crate::setup::engine_from_env;
use anyhow::Result;
use reqwest::Method;
use serde_json::json;
use snapdeploy_core::{AccountId, AccountView, NewAccount};

pub(crate) async fn run(cmd: AccountsCmd, json_out: bool) -> Result<i32> {
    if let Some(remote) = Remote::from_env()? {
        return run_remote(&remote, cmd, json_out).await;
    }
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
            print_added(&AccountView::from(&account), json_out)?;
        }
        AccountsCmd::List => {
            let list: Vec<AccountView> = engine
                .accounts
                .list()
                .await?
                .iter()
                .map(AccountView::from)
                .collect();
            print_list(&list, json_out)?;
        }
        AccountsCmd::Remove { account_id } => {
            engine
                .remove_account(&AccountId::parse(&account_id)?, &config.cli_actor())
                .await?;
            print_removed(&account_id, json_out);
        }
    }
    Ok(0)
}

async fn run_remote(remote: &Remote, cmd: AccountsCmd, json_out: bool) -> Result<i32> {
    match cmd {
        AccountsCmd::Add {
            account_id,
            name,
            role_arn,
            external_id,
            regions,
            protected,
        } => {
            let body = json!({"account_id": account_id, "name": name, "role_arn": role_arn,
                "external_id": external_id, "regions": regions, "protected": protected});
            let view: AccountView = remote
                .call(Method::POST, "/accounts", &[], Some(&body))
                .await?
                .into()?;
            print_added(&view, json_out)?;
        }
        AccountsCmd::List => {
            let list: Vec<AccountView> = remote.get("/accounts", &[]).await?;
            print_list(&list, json_out)?;
        }
        AccountsCmd::Remove { account_id } => {
            let id = AccountId::parse(&account_id)?;
            remote
                .call(Method::DELETE, &format!("/accounts/{id}"), &[], None)
                .await?;
            print_removed(&account_id, json_out);
        }
    }
    Ok(0)
}

fn print_added(view: &AccountView, json_out: bool) -> Result<()> {
    if json_out {
        println!("{}", serde_json::to_string_pretty(view)?);
    } else {
        println!("registered {} ({})", view.account_id, view.name);
    }
    Ok(())
}

fn print_list(list: &[AccountView], json_out: bool) -> Result<()> {
    if json_out {
        println!("{}", serde_json::to_string_pretty(list)?);
    } else {
        for a in list {
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
    Ok(())
}

fn print_removed(account_id: &str, json_out: bool) {
    if json_out {
        println!("{}", json!({"removed": account_id}));
    } else {
        println!("removed {account_id} (its snapshots stay)");
    }
}
