//! `snapdeploy`: the server, the sandbox, demo mode, and CLI verbs over the same engine.

mod accounts;
mod approvals;
mod args;
mod changes;
mod config;
mod inventory;
mod lambda;
mod login;
mod remote;
mod rules;
mod serve;
mod setup;
mod tokens;

use anyhow::Result;
use args::{Cli, Cmd};
use clap::Parser;

fn main() {
    let _ = dotenvy::dotenv();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,aws_config=warn,aws_smithy_runtime=warn".into()),
        )
        .with_writer(std::io::stderr)
        // Colour codes only on a terminal: pipeline logs and log collectors get plain text.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let cli = match lambda::lambda_command() {
        Ok(Some(args)) => Cli::parse_from(args),
        Ok(None) => Cli::parse(),
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::exit(1);
        }
    };
    let rt = tokio::runtime::Runtime::new().expect("tokio runtime");
    match rt.block_on(run(cli)) {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::exit(1);
        }
    }
}

async fn run(cli: Cli) -> Result<i32> {
    let json_out = cli.json;
    match cli.cmd {
        Cmd::Serve { addr, no_worker } => serve::serve(&addr, !no_worker).await,
        Cmd::Worker => serve::worker().await,
        Cmd::Healthcheck { url } => serve::healthcheck(url).await,
        Cmd::Sandbox {
            addr,
            seed,
            no_quotas,
        } => serve::sandbox(&addr, seed, no_quotas).await,
        Cmd::Demo {
            addr,
            sandbox_addr,
            data_dir,
        } => serve::demo(&addr, &sandbox_addr, data_dir).await,
        Cmd::Accounts { cmd } => accounts::run(cmd, json_out).await,
        Cmd::Tokens { cmd } => tokens::run(cmd, json_out).await,
        Cmd::Rules { cmd } => rules::run(cmd, json_out).await,
        Cmd::Extract { service, at } => inventory::extract(&service, &at, json_out).await,
        Cmd::Snapshot(args) => inventory::snapshot(args, json_out).await,
        Cmd::Snapshots(args) => inventory::snapshots(args, json_out).await,
        Cmd::Audit(args) => inventory::audit(args, json_out).await,
        Cmd::Deploy(args) => changes::deploy(args, json_out).await,
        Cmd::Rollback(args) => changes::rollback(args, json_out).await,
        Cmd::Changes { cmd } => approvals::run(cmd, json_out).await,
        Cmd::Login { server } => login::login(&server, json_out).await,
        Cmd::Logout => login::logout(json_out),
        Cmd::Whoami => login::whoami(json_out).await,
        Cmd::Releases { limit } => changes::releases(limit, json_out).await,
        Cmd::Jobs { state, limit, id } => changes::jobs(state, limit, id, json_out).await,
        Cmd::RollbackRelease {
            release_id,
            remove_created,
            dry_run,
        } => changes::rollback_release(&release_id, remove_created, dry_run, json_out).await,
    }
}
