//! `snapdeploy login`, `logout` and `whoami`: which server the CLI uses, as whom.

use crate::remote::{forget_credentials, store_credentials, Credentials, Remote, TOKEN_ENV};
use anyhow::{bail, Result};
use serde_json::Value;
use std::io::BufRead;

pub(crate) async fn login(server: &str, json_out: bool) -> Result<i32> {
    let token = match std::env::var(TOKEN_ENV)
        .ok()
        .filter(|t| !t.trim().is_empty())
    {
        Some(t) => t,
        None => {
            // Read from standard input, so the token stays out of the shell's history and of
            // the process list.
            if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
                eprint!("token for {server}: ");
            }
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line)?;
            line
        }
    };
    let token = token.trim().to_owned();
    if token.is_empty() {
        bail!("no token given: set {TOKEN_ENV} or type it on standard input (an admin makes one with `snapdeploy tokens create`)");
    }
    let remote = Remote::new(server, Some(token.clone()))?;
    // Checked before it is kept: a typo is found now, not in the next pipeline run.
    let me: Value = remote.get("/me", &[]).await?;
    let path = store_credentials(&Credentials {
        server: remote.base().to_owned(),
        token,
    })?;
    if json_out {
        println!("{}", serde_json::to_string_pretty(&me)?);
    } else {
        println!(
            "signed in to {} as {} ({}); kept in {}",
            remote.base(),
            me["subject"].as_str().unwrap_or("?"),
            me["role"].as_str().unwrap_or("?"),
            path.display()
        );
    }
    Ok(0)
}

pub(crate) fn logout(json_out: bool) -> Result<i32> {
    let removed = forget_credentials()?;
    if json_out {
        println!("{}", serde_json::json!({"removed": removed}));
    } else {
        match removed {
            Some(p) => println!("removed {}; the CLI runs in-process again", p.display()),
            None => println!("not signed in to a server"),
        }
    }
    Ok(0)
}

pub(crate) async fn whoami(json_out: bool) -> Result<i32> {
    let Some(remote) = Remote::from_env()? else {
        bail!("no server: set SNAPDEPLOY_SERVER and SNAPDEPLOY_TOKEN, or run `snapdeploy login` (without one the CLI runs in-process, with the local registry)");
    };
    let me: Value = remote.get("/me", &[]).await?;
    if json_out {
        println!("{}", serde_json::to_string_pretty(&me)?);
    } else {
        let accounts = me["accounts"]
            .as_array()
            .filter(|a| !a.is_empty())
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(",")
            })
            .unwrap_or_else(|| "every account".into());
        println!(
            "{} on {}: {} ({accounts})",
            me["subject"].as_str().unwrap_or("?"),
            remote.base(),
            me["role"].as_str().unwrap_or("?")
        );
    }
    Ok(0)
}
