//! `snapdeploy`: the server, the sandbox, demo mode, and CLI verbs over the same engine.

mod config;

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand};
use config::{Config, StoreKind};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{json, Value};
use snapdeploy_aws::engine::{DeployOutcome, DeploySource};
use snapdeploy_aws::{
    AwsError, DeployOptions, DeployRequest, Engine, Hub, HubConfig, Progress, RollbackRequest,
    SnapshotRequest,
};
use snapdeploy_core::{
    AccountId, AccountView, NewAccount, Region, ResourceName, ServiceKind, SnapshotKey,
    SnapshotReason,
};
use snapdeploy_sandbox::{seed, Sandbox, SandboxConfig, Seed};
use snapdeploy_server::{AppState, ServerConfig};
use snapdeploy_store::{
    AccountStore, AuditLog, DynamoAccountStore, LocalSnapshotStore, LockStore, S3SnapshotStore,
    SnapshotStore, SqliteAccountStore, StoreError,
};
use std::sync::Arc;
use std::time::Duration;

#[derive(Parser)]
#[command(
    name = "snapdeploy",
    version,
    about = "Snapshot, promote and roll back Amazon Connect, Lex V2 and Lambda across AWS accounts"
)]
struct Cli {
    /// Print machine-readable JSON instead of human output.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run the HTTP API (and the built web app).
    Serve {
        #[arg(long, env = "SNAPDEPLOY_ADDR", default_value = "0.0.0.0:5050")]
        addr: String,
    },
    /// Run the local AWS-compatible sandbox endpoint (STS, Lambda).
    Sandbox {
        #[arg(
            long,
            env = "SNAPDEPLOY_SANDBOX_ADDR",
            default_value = "127.0.0.1:4566"
        )]
        addr: String,
        /// Seed data: accounts, demo or large.
        #[arg(long, default_value = "demo")]
        seed: Seed,
        /// Switch AWS-like request quotas off.
        #[arg(long)]
        no_quotas: bool,
    },
    /// The whole product offline: the sandbox with demo data, the API with the embedded store,
    /// the sandbox accounts registered.
    Demo {
        #[arg(long, env = "SNAPDEPLOY_ADDR", default_value = "0.0.0.0:5050")]
        addr: String,
        #[arg(
            long,
            env = "SNAPDEPLOY_SANDBOX_ADDR",
            default_value = "127.0.0.1:4566"
        )]
        sandbox_addr: String,
        /// Where the demo keeps its registry and snapshots.
        #[arg(long, env = "SNAPDEPLOY_DEMO_DATA_DIR", default_value = "data/demo")]
        data_dir: std::path::PathBuf,
    },
    /// Manage registered accounts.
    Accounts {
        #[command(subcommand)]
        cmd: AccountsCmd,
    },
    /// List a service's resources in an account and region.
    Extract {
        service: String,
        #[command(flatten)]
        at: At,
    },
    /// Capture one resource as a snapshot.
    Snapshot {
        service: String,
        resource_name: String,
        #[command(flatten)]
        at: At,
        #[arg(long)]
        note: Option<String>,
        /// Lex: the bot version to export (DRAFT by default).
        #[arg(long)]
        version: Option<String>,
        /// Connect: read every item again, reusing nothing from the previous snapshot.
        #[arg(long)]
        full: bool,
    },
    /// List snapshots, newest first.
    Snapshots {
        #[arg(long)]
        account_id: String,
        #[arg(long)]
        service: Option<String>,
        #[arg(long)]
        resource_name: Option<String>,
        /// Only the newest this many.
        #[arg(long, value_parser = clap::value_parser!(u16).range(1..=1000))]
        limit: Option<u16>,
    },
    /// Who changed what, newest first: accounts added and removed, snapshots, deploys and
    /// rollbacks, with how each ended.
    Audit {
        #[arg(long)]
        account_id: Option<String>,
        #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u16).range(1..=1000))]
        limit: u16,
    },
    /// Apply a snapshot to an account and region (dry run with --dry-run).
    Deploy {
        #[arg(long, conflicts_with = "file", required_unless_present = "file")]
        snapshot_key: Option<String>,
        /// A snapshot document (possibly edited) to apply instead of a stored one.
        #[arg(long)]
        file: Option<std::path::PathBuf>,
        #[command(flatten)]
        at: At,
        #[arg(long)]
        resource_name: Option<String>,
        #[arg(long)]
        dry_run: bool,
        /// Move this alias to the published version.
        #[arg(long)]
        alias: Option<String>,
        #[arg(long)]
        no_publish: bool,
        #[arg(long)]
        accept_unmapped: bool,
        /// Lex: delete the oldest versions beyond this many before creating one.
        #[arg(long)]
        keep_versions: Option<usize>,
        /// Recorded on the safety snapshot and the published version.
        #[arg(long)]
        note: Option<String>,
        /// Connect: deploy only these flows (comma-separated) and what they need.
        #[arg(long, value_delimiter = ',')]
        flows: Option<Vec<String>>,
        /// Connect: delete the target's items that the snapshot does not have.
        #[arg(long)]
        remove_extra: bool,
    },
    /// Bring a resource back to an earlier snapshot (a safety snapshot is taken first).
    Rollback {
        service: String,
        resource_name: String,
        #[command(flatten)]
        at: At,
        #[arg(long)]
        snapshot_key: String,
        #[arg(long)]
        dry_run: bool,
        /// Connect: delete items created after the snapshot (otherwise only listed).
        #[arg(long)]
        remove_created: bool,
    },
}

#[derive(Args)]
struct At {
    #[arg(long)]
    account_id: String,
    #[arg(long)]
    region: String,
}

#[derive(Subcommand)]
enum AccountsCmd {
    Add {
        #[arg(long)]
        account_id: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        role_arn: String,
        /// Read from the environment rather than the command line, so it stays out of shell history.
        #[arg(long, env = "SNAPDEPLOY_EXTERNAL_ID", hide_env_values = true)]
        external_id: Option<String>,
        /// Comma-separated.
        #[arg(long, value_delimiter = ',', required = true)]
        regions: Vec<String>,
        #[arg(long)]
        protected: bool,
    },
    List,
    Remove {
        account_id: String,
    },
}

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
    let cli = Cli::parse();
    let rt = tokio::runtime::Runtime::new().expect("tokio runtime");
    match rt.block_on(run(cli)) {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::exit(1);
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

async fn build_engine(config: &Config, sdk: aws_config::SdkConfig) -> Result<Arc<Engine>> {
    // The registry also holds the change leases and the audit trail, so every process using
    // it (servers, CLI runs in pipelines) sees the others' changes.
    type Stores = (
        Arc<dyn AccountStore>,
        Arc<dyn SnapshotStore>,
        Arc<dyn LockStore>,
        Arc<dyn AuditLog>,
    );
    let (accounts, snapshots, locks, audit): Stores = match config.store {
        StoreKind::Embedded => {
            let registry = Arc::new(
                SqliteAccountStore::open(&config.data_dir.join("registry.db"))
                    .context("opening the account registry")?,
            );
            (
                registry.clone(),
                Arc::new(LocalSnapshotStore::with_prefix(
                    &config.data_dir,
                    &config.bucket_prefix,
                )),
                registry.clone(),
                registry,
            )
        }
        StoreKind::Aws => {
            let ddb = aws_sdk_dynamodb::Client::new(&sdk);
            let s3 = aws_sdk_s3::Client::from_conf(
                aws_sdk_s3::config::Builder::from(&sdk)
                    .force_path_style(config.s3_force_path_style)
                    .build(),
            );
            let registry = Arc::new(
                DynamoAccountStore::connect(ddb, &config.accounts_table)
                    .await
                    .context("connecting to the DynamoDB account registry")?,
            );
            (
                registry.clone(),
                Arc::new(S3SnapshotStore::new(s3, &config.bucket_prefix)),
                registry.clone(),
                registry,
            )
        }
    };
    let hub = Hub::new(
        sdk,
        HubConfig {
            lambda_rate: config.lambda_rate,
            connect_rate: config.connect_rate,
            connect_burst: config.connect_burst,
            reuse_max_age: config.reuse_max_age,
            ..HubConfig::default()
        },
    );
    Ok(Arc::new(
        Engine::new(hub, accounts, snapshots)
            .with_locks(locks)
            .with_audit(audit),
    ))
}

async fn engine_from_env() -> Result<(Config, Arc<Engine>)> {
    let config = Config::from_env()?;
    let sdk = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let engine = build_engine(&config, sdk).await?;
    Ok((config, engine))
}

async fn listen(addr: &str) -> Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("binding {addr}"))
}

async fn run(cli: Cli) -> Result<i32> {
    let json_out = cli.json;
    match cli.cmd {
        Cmd::Serve { addr } => {
            let (config, engine) = engine_from_env().await?;
            let listener = listen(&addr).await?;
            tracing::info!(
                "SnapDeploy API listening on http://{}",
                listener.local_addr()?
            );
            let server_config = ServerConfig {
                body_limit: config.body_limit,
                web_dir: config.web_dir.clone(),
                mode: "aws".into(),
            };
            snapdeploy_server::serve(
                listener,
                AppState::new(engine, server_config),
                shutdown_signal(),
            )
            .await?;
            Ok(0)
        }
        Cmd::Sandbox {
            addr,
            seed,
            no_quotas,
        } => {
            let sandbox = Sandbox::seeded(
                SandboxConfig {
                    quotas_enabled: !no_quotas,
                    ..SandboxConfig::default()
                },
                seed,
            );
            let listener = listen(&addr).await?;
            let local = listener.local_addr()?;
            print_sandbox_banner(&format!("http://{local}"));
            sandbox.serve(listener, shutdown_signal()).await?;
            Ok(0)
        }
        Cmd::Demo {
            addr,
            sandbox_addr,
            data_dir,
        } => demo(&addr, &sandbox_addr, data_dir).await,
        Cmd::Accounts { cmd } => {
            let (_, engine) = engine_from_env().await?;
            accounts(&engine, cmd, json_out).await
        }
        Cmd::Extract { service, at } => {
            let (_, engine) = engine_from_env().await?;
            let service = ServiceKind::parse(&service)?;
            let bar = progress_bar(json_out);
            let resources = engine
                .extract(
                    &AccountId::parse(&at.account_id)?,
                    &Region::parse(&at.region)?,
                    service,
                    &bar.1,
                )
                .await;
            bar.0.finish_and_clear();
            let resources = resources?;
            if json_out {
                println!("{}", serde_json::to_string_pretty(&resources)?);
            } else {
                for r in &resources {
                    println!("{}", summary_line(r));
                }
                eprintln!("{} {service} resource(s)", resources.len());
            }
            Ok(0)
        }
        Cmd::Snapshot {
            service,
            resource_name,
            at,
            note,
            version,
            full,
        } => {
            let (_, engine) = engine_from_env().await?;
            let req = SnapshotRequest {
                account_id: AccountId::parse(&at.account_id)?,
                region: Region::parse(&at.region)?,
                service: ServiceKind::parse(&service)?,
                resource_name: ResourceName::parse(&resource_name)?,
                reason: SnapshotReason::Manual,
                taken_by: whoami(),
                note,
                version,
                full,
            };
            let bar = progress_bar(json_out);
            let meta = engine.snapshot(req, &bar.1).await;
            bar.0.finish_and_clear();
            let meta = meta?;
            if json_out {
                println!("{}", serde_json::to_string_pretty(&meta)?);
            } else {
                println!("snapshot stored: {}\ndigest: {}", meta.key, meta.digest);
            }
            Ok(0)
        }
        Cmd::Snapshots {
            account_id,
            service,
            resource_name,
            limit,
        } => {
            let (_, engine) = engine_from_env().await?;
            let service = service.as_deref().map(ServiceKind::parse).transpose()?;
            let resource = resource_name
                .as_deref()
                .map(ResourceName::parse)
                .transpose()?;
            let list = engine
                .snapshots
                .list_newest(
                    &AccountId::parse(&account_id)?,
                    service,
                    resource.as_ref(),
                    limit.map(usize::from),
                )
                .await?;
            if json_out {
                println!("{}", serde_json::to_string_pretty(&list)?);
            } else {
                for m in &list {
                    println!(
                        "{}  {:<12} {:<10} {}",
                        m.taken_at.format("%Y-%m-%d %H:%M:%S"),
                        serde_json::to_value(m.reason)?.as_str().unwrap_or(""),
                        m.taken_by,
                        m.key
                    );
                }
                eprintln!("{} snapshot(s)", list.len());
            }
            Ok(0)
        }
        Cmd::Audit { account_id, limit } => {
            let (_, engine) = engine_from_env().await?;
            let account = account_id.as_deref().map(AccountId::parse).transpose()?;
            let entries = engine
                .audit_trail(account.as_ref(), usize::from(limit))
                .await?;
            if json_out {
                println!("{}", serde_json::to_string_pretty(&entries)?);
            } else {
                for e in &entries {
                    let what = match (&e.service, &e.resource_name) {
                        (Some(s), Some(r)) => format!("{s} {r}"),
                        _ => String::new(),
                    };
                    println!(
                        "{}  {:<16} {:<16} {} {:<14} {:<20} {}",
                        e.at.format("%Y-%m-%d %H:%M:%S"),
                        e.actor,
                        serde_json::to_value(e.action)?.as_str().unwrap_or(""),
                        e.account_id,
                        e.region.as_ref().map(|r| r.as_str()).unwrap_or(""),
                        what,
                        e.outcome
                    );
                }
                eprintln!("{} entr(ies)", entries.len());
            }
            Ok(0)
        }
        Cmd::Deploy {
            snapshot_key,
            file,
            at,
            resource_name,
            dry_run,
            alias,
            no_publish,
            accept_unmapped,
            keep_versions,
            note,
            flows,
            remove_extra,
        } => {
            let (_, engine) = engine_from_env().await?;
            let source = match (snapshot_key, file) {
                (Some(k), _) => DeploySource::Key(SnapshotKey::parse(&k)?),
                (None, Some(path)) => {
                    let text = std::fs::read_to_string(&path)
                        .with_context(|| format!("reading {}", path.display()))?;
                    DeploySource::Inline(Box::new(serde_json::from_str(&text).with_context(
                        || format!("{} is not a snapshot document", path.display()),
                    )?))
                }
                (None, None) => bail!("give --snapshot-key or --file"),
            };
            let req = DeployRequest {
                source,
                account_id: AccountId::parse(&at.account_id)?,
                region: Region::parse(&at.region)?,
                resource_name: resource_name
                    .as_deref()
                    .map(ResourceName::parse)
                    .transpose()?,
                dry_run,
                options: DeployOptions {
                    publish: !no_publish,
                    alias,
                    accept_unmapped,
                    keep_versions,
                    note,
                    flows: flows.map(|f| {
                        f.into_iter()
                            .map(|n| n.trim().to_owned())
                            .filter(|n| !n.is_empty())
                            .collect()
                    }),
                    remove_extra,
                    ..DeployOptions::default()
                },
                taken_by: whoami(),
            };
            let bar = progress_bar(json_out);
            let outcome = through_interrupts(engine.deploy(req, &bar.1)).await;
            bar.0.finish_and_clear();
            print_outcome(outcome?, json_out)
        }
        Cmd::Rollback {
            service,
            resource_name,
            at,
            snapshot_key,
            dry_run,
            remove_created,
        } => {
            let (_, engine) = engine_from_env().await?;
            let req = RollbackRequest {
                account_id: AccountId::parse(&at.account_id)?,
                region: Region::parse(&at.region)?,
                service: ServiceKind::parse(&service)?,
                resource_name: ResourceName::parse(&resource_name)?,
                snapshot_key: SnapshotKey::parse(&snapshot_key)?,
                dry_run,
                taken_by: whoami(),
                remove_created,
            };
            let bar = progress_bar(json_out);
            let outcome = through_interrupts(engine.rollback(req, &bar.1)).await;
            bar.0.finish_and_clear();
            print_outcome(outcome?, json_out)
        }
    }
}

/// Runs a deploy or rollback to its end even when interrupted: Ctrl-C (or a pipeline's
/// SIGINT/SIGTERM) half-way through would leave the resource half-changed, with no restore.
/// The change finishes (or fails and is put back), then its outcome is printed as usual.
async fn through_interrupts<T>(change: impl std::future::Future<Output = T>) -> T {
    #[cfg(unix)]
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    tokio::pin!(change);
    loop {
        #[cfg(unix)]
        let terminated = async {
            match term.as_mut() {
                Some(t) => {
                    t.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        #[cfg(not(unix))]
        let terminated = std::future::pending::<()>();
        tokio::select! {
            out = &mut change => return out,
            _ = tokio::signal::ctrl_c() => {}
            _ = terminated => {}
        }
        eprintln!(
            "snapdeploy: a change is under way; it runs to its end (a failed step is put back) before snapdeploy exits"
        );
    }
}

fn whoami() -> String {
    std::env::var("SNAPDEPLOY_USER")
        .or_else(|_| std::env::var("USER"))
        .unwrap_or_else(|_| "snapdeploy-cli".into())
}

/// A progress bar on stderr (hidden with --json or when stderr is not a terminal).
fn progress_bar(json_out: bool) -> (ProgressBar, Progress) {
    let bar = if json_out {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(0)
    };
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.enable_steady_tick(Duration::from_millis(120));
    let b = bar.clone();
    let progress = Progress::new(move |e| {
        if e.total > 0 {
            b.set_length(e.total);
            b.set_position(e.done);
        }
        b.set_message(e.message);
    });
    (bar, progress)
}

fn summary_line(r: &Value) -> String {
    let name = r["FunctionName"]
        .as_str()
        .or(r["name"].as_str())
        .unwrap_or("?");
    let kind = r["Runtime"]
        .as_str()
        .or(r["PackageType"].as_str())
        .unwrap_or("");
    let aliases: Vec<String> = r["Aliases"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|x| {
                    format!(
                        "{}->{}",
                        x["Name"].as_str().unwrap_or(""),
                        x["FunctionVersion"].as_str().unwrap_or("")
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    format!(
        "{name:<40} {kind:<14} {:>6} MB {:>4}s  versions {:<3} {}",
        r["MemorySize"],
        r["Timeout"],
        r["Versions"].as_array().map_or(0, Vec::len),
        aliases.join(" ")
    )
}

fn print_outcome(outcome: DeployOutcome, json_out: bool) -> Result<i32> {
    let failed = matches!(&outcome, DeployOutcome::Report(r) if r.status.starts_with("failed"));
    if json_out {
        println!("{}", serde_json::to_string_pretty(&outcome)?);
        return Ok(if failed { 2 } else { 0 });
    }
    let plan = match &outcome {
        DeployOutcome::Plan(p) => p.as_ref(),
        DeployOutcome::Report(r) => &r.plan,
    };
    println!(
        "{} {} in {} {}: {:?}",
        plan.service, plan.resource_name, plan.target_account_id, plan.target_region, plan.action
    );
    for c in &plan.changes {
        println!(
            "  {:?} {} {} -> {}",
            c.op,
            c.path,
            c.from.as_ref().map(|v| v.to_string()).unwrap_or_default(),
            c.to.as_ref().map(|v| v.to_string()).unwrap_or_default()
        );
    }
    for r in &plan.remapped {
        println!("  remapped {}: {} -> {}", r.path, r.from, r.to);
    }
    for u in &plan.unmapped {
        println!("  UNMAPPED {}: {} ({})", u.path, u.value, u.reason);
    }
    for w in &plan.warnings {
        println!("  warning: {w}");
    }
    if let DeployOutcome::Report(r) = &outcome {
        if let Some(s) = &r.safety_snapshot {
            println!("safety snapshot: {}", s.key);
        }
        for s in &r.steps {
            println!(
                "  step {:<22} {} {}",
                s.step,
                s.status,
                s.message.clone().unwrap_or_default()
            );
        }
        if let Some(v) = &r.published_version {
            println!("published version {v}");
        }
        println!("status: {}", r.status);
        if let Some(e) = &r.error {
            eprintln!("error: {e}");
        }
    }
    Ok(if failed { 2 } else { 0 })
}

async fn accounts(engine: &Engine, cmd: AccountsCmd, json_out: bool) -> Result<i32> {
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
            engine.add_account(&account, &whoami()).await?;
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
                .remove_account(&AccountId::parse(&account_id)?, &whoami())
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

fn print_sandbox_banner(url: &str) {
    eprintln!("SnapDeploy SANDBOX (a local AWS-compatible endpoint, not AWS) on {url}");
    eprintln!(
        "  hub account {}: AWS_ACCESS_KEY_ID={} AWS_SECRET_ACCESS_KEY={}",
        seed::HUB_ACCOUNT,
        seed::HUB_ACCESS_KEY,
        seed::HUB_SECRET_KEY
    );
    for a in seed::ACCOUNTS {
        eprintln!(
            "  account {} ({}): role {} ExternalId {}",
            a.account_id, a.name, a.role_arn, a.external_id
        );
    }
}

async fn demo(addr: &str, sandbox_addr: &str, data_dir: std::path::PathBuf) -> Result<i32> {
    let sandbox = Sandbox::seeded(SandboxConfig::default(), Seed::Demo);
    let sb_listener = listen(sandbox_addr).await?;
    let sandbox_url = format!("http://{}", sb_listener.local_addr()?);
    tokio::spawn(sandbox.serve(sb_listener, shutdown_signal()));

    // Demo mode talks to the sandbox through the SDK's own endpoint setting, with the
    // sandbox hub's fixed key; nothing here can reach AWS.
    let sdk = aws_config::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new(seed::SEED_REGION))
        .endpoint_url(&sandbox_url)
        .credentials_provider(
            aws_credential_types::provider::SharedCredentialsProvider::new(
                aws_credential_types::Credentials::new(
                    seed::HUB_ACCESS_KEY,
                    seed::HUB_SECRET_KEY,
                    None,
                    None,
                    "snapdeploy-demo",
                ),
            ),
        )
        .build();
    std::fs::create_dir_all(&data_dir)
        .with_context(|| format!("creating {}", data_dir.display()))?;
    let mut config = Config::from_env()?;
    config.store = StoreKind::Embedded;
    config.data_dir = data_dir.clone();
    let engine = build_engine(&config, sdk).await?;
    for a in seed::ACCOUNTS {
        let account = NewAccount {
            account_id: a.account_id.into(),
            name: a.name.into(),
            role_arn: a.role_arn.into(),
            external_id: Some(a.external_id.into()),
            regions: vec![seed::SEED_REGION.into()],
            protected: a.protected,
        }
        .validate()?;
        match engine.add_account(&account, "snapdeploy demo").await {
            Ok(()) | Err(AwsError::Store(StoreError::Conflict(_))) => {}
            Err(e) => return Err(e.into()),
        }
    }
    let listener = listen(addr).await?;
    let api = listener.local_addr()?;
    print_sandbox_banner(&sandbox_url);
    eprintln!("SnapDeploy DEMO: API on http://{api} (data in {}), accounts {} (dev) and {} (prod) registered", data_dir.display(), seed::DEV.account_id, seed::PROD.account_id);
    eprintln!(
        "  try: curl -X GET http://localhost:{}/accounts",
        api.port()
    );
    match config
        .web_dir
        .as_ref()
        .filter(|d| d.join("index.html").is_file())
    {
        Some(_) => eprintln!("  web app: http://localhost:{}/app/", api.port()),
        None => eprintln!("  (no web app: build it with `cd web && npm ci && npm run build`, or run scripts/demo)"),
    }
    let server_config = ServerConfig {
        body_limit: config.body_limit,
        web_dir: config.web_dir.clone(),
        mode: "demo".into(),
    };
    snapdeploy_server::serve(
        listener,
        AppState::new(engine, server_config),
        shutdown_signal(),
    )
    .await?;
    Ok(0)
}
