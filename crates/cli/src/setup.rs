//! What every command starts from: the configuration, the engine over the configured
//! stores, listening sockets and the shutdown signal.

use crate::config::{Config, StoreKind};
use anyhow::{Context, Result};
use snapdeploy_aws::{Engine, Hub, HubConfig};
use snapdeploy_server::{AuthConfig, HttpConfig, JobsConfig, ServerConfig};
use snapdeploy_store::{
    AccountStore, AuditLog, DynamoAccountStore, JobStore, LocalSnapshotStore, LockStore,
    RecordStore, ReleaseStore, RuleStore, S3SnapshotStore, SnapshotStore, SqliteAccountStore,
};
use std::collections::BTreeMap;
use std::sync::Arc;

pub(crate) async fn shutdown_signal() {
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

pub(crate) async fn build_engine(
    config: &Config,
    sdk: aws_config::SdkConfig,
) -> Result<Arc<Engine>> {
    // The registry also holds the change leases, the audit trail, the promotion rules, tokens and change requests, so every process using
    // it (servers, CLI runs in pipelines) sees the others' changes.
    type Stores = (
        Arc<dyn AccountStore>,
        Arc<dyn SnapshotStore>,
        Arc<dyn LockStore>,
        Arc<dyn AuditLog>,
        Arc<dyn RuleStore>,
        Arc<dyn ReleaseStore>,
        Arc<dyn RecordStore>,
        Arc<dyn JobStore>,
    );
    let (accounts, snapshots, locks, audit, rules, releases, records, jobs): Stores =
        match config.store {
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
                    registry.clone(),
                    registry.clone(),
                    registry.clone(),
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
                    registry.clone(),
                    registry.clone(),
                    registry.clone(),
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
            connect_operations: config.connect_operations.clone(),
            reuse_max_age: config.reuse_max_age,
            change_lease: config.change_lease,
            ..HubConfig::default()
        },
    );
    Ok(Arc::new(
        Engine::new(hub, accounts, snapshots)
            .with_locks(locks)
            .with_audit(audit)
            .with_rules(rules)
            .with_releases(releases)
            .with_records(records)
            .with_jobs(jobs),
    ))
}

pub(crate) async fn engine_from_env() -> Result<(Config, Arc<Engine>)> {
    let config = Config::from_env()?;
    let sdk = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let engine = build_engine(&config, sdk).await?;
    Ok((config, engine))
}

pub(crate) async fn listen(addr: &str) -> Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("binding {addr}"))
}

/// The job queue: SQS when `SNAPDEPLOY_JOB_QUEUE_URL` names one, in-process otherwise.
pub(crate) fn job_queue(
    config: &Config,
    engine: &snapdeploy_aws::Engine,
) -> std::sync::Arc<dyn snapdeploy_store::JobQueue> {
    match &config.job_queue_url {
        Some(url) => std::sync::Arc::new(snapdeploy_store::SqsQueue::new(
            aws_sdk_sqs::Client::new(engine.hub.sdk_config()),
            url,
        )),
        // Embedded: the registry file is the queue, so `serve --no-worker` and
        // `snapdeploy worker` on one host work together.
        None if config.store == StoreKind::Embedded => {
            std::sync::Arc::new(snapdeploy_store::RegistryQueue::new(
                engine.jobs.clone(),
                std::time::Duration::from_millis(250),
            ))
        }
        None => {
            tracing::warn!("SNAPDEPLOY_JOB_QUEUE_URL is not set: background jobs run in the process that took the request (other replicas only take over the jobs of one that died)");
            std::sync::Arc::new(snapdeploy_store::MemoryQueue::default())
        }
    }
}

/// The server's settings from the configuration.
pub(crate) fn server_config(
    config: &Config,
    mode: &str,
    allowed_hosts: Vec<String>,
    demo_users: BTreeMap<String, String>,
) -> ServerConfig {
    ServerConfig {
        http: HttpConfig {
            allowed_origins: config.cors_origins.clone(),
            allowed_hosts,
            header_timeout: config.header_timeout,
            body_timeout: config.body_timeout,
            max_connections: config.max_connections,
        },
        jobs: JobsConfig {
            ttl: config.job_ttl,
            worker: config.worker,
            concurrency: config.worker_concurrency,
            time_limit: config.job_time_limit,
        },
        body_limit: config.body_limit,
        web_dir: config.web_dir.clone(),
        mode: mode.into(),
        actor: config.api_actor(),
        auth: AuthConfig {
            mode: config.auth,
            approval_ttl: config.approval_ttl,
            oidc: config.oidc.clone(),
        },
        demo_users,
        ..ServerConfig::default()
    }
}
