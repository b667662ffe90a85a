//! Long-running commands: the API server, the sandbox, and demo mode (both together).

use crate::config::{Config, StoreKind};
use crate::setup::{build_engine, engine_from_env, listen, shutdown_signal};
use anyhow::{Context, Result};
use snapdeploy_aws::AwsError;
use snapdeploy_core::NewAccount;
use snapdeploy_sandbox::{seed, Sandbox, SandboxConfig, Seed};
use snapdeploy_server::{AppState, ServerConfig};
use snapdeploy_store::StoreError;

pub(crate) async fn serve(addr: &str) -> Result<i32> {
    let (config, engine) = engine_from_env().await?;
    let listener = listen(addr).await?;
    tracing::info!(
        "SnapDeploy API listening on http://{}",
        listener.local_addr()?
    );
    serve_api(listener, engine, &config, "aws").await
}

pub(crate) async fn sandbox(addr: &str, seed: Seed, no_quotas: bool) -> Result<i32> {
    let sandbox = Sandbox::seeded(
        SandboxConfig {
            quotas_enabled: !no_quotas,
            ..SandboxConfig::default()
        },
        seed,
    );
    let listener = listen(addr).await?;
    let local = listener.local_addr()?;
    print_sandbox_banner(&format!("http://{local}"));
    sandbox.serve(listener, shutdown_signal()).await?;
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

pub(crate) async fn demo(
    addr: &str,
    sandbox_addr: &str,
    data_dir: std::path::PathBuf,
) -> Result<i32> {
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
    serve_api(listener, engine, &config, "demo").await
}

/// Serves the API (and the built web app) until Ctrl-C or SIGTERM; `mode` is `aws` or `demo`.
async fn serve_api(
    listener: tokio::net::TcpListener,
    engine: std::sync::Arc<snapdeploy_aws::Engine>,
    config: &Config,
    mode: &str,
) -> Result<i32> {
    let server_config = ServerConfig {
        body_limit: config.body_limit,
        web_dir: config.web_dir.clone(),
        mode: mode.into(),
        actor: config.api_actor(),
    };
    snapdeploy_server::serve(
        listener,
        AppState::new(engine, server_config),
        shutdown_signal(),
    )
    .await?;
    Ok(0)
}
