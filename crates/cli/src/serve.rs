//! Long-running commands: the API server, the sandbox, and demo mode (both together).

use crate::config::{Config, StoreKind};
use crate::setup::{
    build_engine, engine_from_env, job_queue, listen, server_config, shutdown_signal,
};
use anyhow::{Context, Result};
use snapdeploy_aws::AwsError;
use snapdeploy_core::NewAccount;
use snapdeploy_core::Role;
use snapdeploy_sandbox::{seed, Sandbox, SandboxConfig, Seed};
use snapdeploy_server::{AppState, AuthMode, ServerConfig};
use snapdeploy_store::StoreError;
use std::collections::BTreeMap;
use std::path::Path;

pub(crate) async fn serve(addr: &str, worker: bool) -> Result<i32> {
    let (config, engine) = engine_from_env().await?;
    if std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some() {
        return crate::lambda::api(&config, engine).await;
    }
    let listener = listen(addr).await?;
    let local = listener.local_addr()?;
    match config.auth {
        AuthMode::None if !local.ip().is_loopback() => anyhow::bail!(
            "SNAPDEPLOY_AUTH=none lets anyone who reaches {local} change your accounts, so it is only allowed on a loopback address (127.0.0.1:5050, [::1]:5050); sign-in with SNAPDEPLOY_AUTH=tokens (the default) instead"
        ),
        AuthMode::None => tracing::warn!(
            "SNAPDEPLOY_AUTH=none: nobody signs in; every request on {local} acts as {} with every role, and changes to protected accounts need no approval",
            config.api_actor()
        ),
        AuthMode::Oidc => tracing::info!(
            "signing in through {} (API tokens work too)",
            config.oidc.as_ref().map_or("?", |o| o.issuer.as_str())
        ),
        AuthMode::Tokens => {
            let state = AppState::new(engine.clone(), ServerConfig::default());
            let tokens = snapdeploy_server::auth::list_token_views(&state)
                .await
                .map_err(|e| anyhow::anyhow!(e.message))?;
            if !tokens.iter().any(|t| t.role == Role::Admin && !t.expired) {
                tracing::warn!("no admin token yet: create one with `snapdeploy tokens create --name <you> --role admin`");
            }
        }
    }
    tracing::info!("SnapDeploy API listening on http://{local}");
    let mut config = config;
    config.worker = worker;
    serve_api(listener, engine, &config, "aws", Default::default()).await
}

/// `snapdeploy worker`: jobs only, until SIGTERM; inside AWS Lambda, the function that
/// handles the job queue's SQS events.
pub(crate) async fn worker() -> Result<i32> {
    let (config, engine) = engine_from_env().await?;
    let state = AppState::new(
        engine.clone(),
        server_config(&config, "aws", vec![], Default::default()),
    )
    .with_queue(job_queue(&config, &engine));
    if std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some() {
        return crate::lambda::worker(state).await;
    }
    tracing::info!(worker = %state.jobs.worker_id(), "SnapDeploy worker started");
    snapdeploy_server::work(state, shutdown_signal()).await;
    Ok(0)
}

/// `snapdeploy healthcheck`: the container image's health check.
pub(crate) async fn healthcheck(url: Option<String>) -> Result<i32> {
    let url = url.unwrap_or_else(|| {
        let port = std::env::var("SNAPDEPLOY_ADDR")
            .ok()
            .and_then(|a| a.rsplit_once(':').map(|(_, p)| p.to_owned()))
            .unwrap_or_else(|| "5050".into());
        format!("http://127.0.0.1:{port}/healthz")
    });
    let answer = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(5))
        .build()?
        .get(&url)
        .send()
        .await;
    match answer {
        Ok(r) if r.status().is_success() => Ok(0),
        Ok(r) => {
            eprintln!("{url} answered {}", r.status());
            Ok(1)
        }
        Err(e) => {
            eprintln!("{url} did not answer: {e}");
            Ok(1)
        }
    }
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
    snapdeploy_store::create_private_dir_all(&data_dir)
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
    let users = demo_users(&engine, &data_dir).await?;
    print_sandbox_banner(&sandbox_url);
    eprintln!("SnapDeploy DEMO: API on http://{api} (data in {}), accounts {} (dev) and {} (prod) registered", data_dir.display(), seed::DEV.account_id, seed::PROD.account_id);
    eprintln!(
        "  try: curl -H \"Authorization: Bearer $(jq -r .admin {})\" http://localhost:{}/accounts",
        data_dir.join("tokens.json").display(),
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
    eprintln!(
        "  sign in as (tokens also in {}; prod is protected, so its changes wait for approval):",
        data_dir.join("tokens.json").display()
    );
    for (user, token) in &users {
        eprintln!("    {user:<9} {token}");
    }
    // Sign-in is always on in the demo: its users' tokens, and, when SNAPDEPLOY_AUTH=oidc
    // names an issuer, that provider's people too.
    if config.auth != AuthMode::Oidc {
        config.auth = AuthMode::Tokens;
    } else if let Some(o) = &config.oidc {
        eprintln!("  or sign in through {} (client {})", o.issuer, o.client_id);
    }
    serve_api(listener, engine, &config, "demo", users).await
}

/// Serves the API (and the built web app) until Ctrl-C or SIGTERM; `mode` is `aws` or `demo`.
async fn serve_api(
    listener: tokio::net::TcpListener,
    engine: std::sync::Arc<snapdeploy_aws::Engine>,
    config: &Config,
    mode: &str,
    demo_users: BTreeMap<String, String>,
) -> Result<i32> {
    let local = listener.local_addr()?;
    // A server on a loopback address is reached by name only as localhost: any other name
    // is a page on another site re-resolved to 127.0.0.1 (DNS rebinding).
    let allowed_hosts = config.allowed_hosts.clone().unwrap_or_else(|| {
        if local.ip().is_loopback() {
            snapdeploy_server::http::LOOPBACK_HOSTS
                .map(String::from)
                .to_vec()
        } else {
            vec![]
        }
    });
    if allowed_hosts.is_empty() {
        tracing::info!(
            "answering any Host name; set SNAPDEPLOY_ALLOWED_HOSTS to the names clients use"
        );
    }
    let server_config = server_config(config, mode, allowed_hosts, demo_users);
    let queue = job_queue(config, &engine);
    snapdeploy_server::serve(
        listener,
        AppState::new(engine, server_config).with_queue(queue),
        shutdown_signal(),
    )
    .await?;
    Ok(0)
}

/// The demo's users, one per role, each with a token: kept from the last run when its
/// `tokens.json` still holds valid ones, made anew otherwise. The file is the owner's
/// alone (0600): the tokens are the keys to the demo.
async fn demo_users(
    engine: &std::sync::Arc<snapdeploy_aws::Engine>,
    data_dir: &Path,
) -> Result<BTreeMap<String, String>> {
    let state = AppState::new(engine.clone(), ServerConfig::default());
    let path = data_dir.join("tokens.json");
    let kept: BTreeMap<String, String> = std::fs::read(&path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();
    let api = |e: snapdeploy_server::error::ApiError| anyhow::anyhow!(e.message);
    let mut users = BTreeMap::new();
    for role in Role::ALL {
        let name = role.as_str();
        if let Some(token) = kept.get(name) {
            let valid = snapdeploy_server::auth::principal_of(&state, token)
                .await
                .is_ok_and(|p| p.subject == name && p.role == role);
            if valid {
                users.insert(name.to_owned(), token.clone());
                continue;
            }
        }
        for old in snapdeploy_server::auth::list_token_views(&state)
            .await
            .map_err(api)?
            .into_iter()
            .filter(|t| t.name == name)
        {
            snapdeploy_server::auth::revoke(&state, "snapdeploy demo", &old.id)
                .await
                .map_err(api)?;
        }
        let (_, token) = snapdeploy_server::auth::issue_token(
            &state,
            "snapdeploy demo",
            name,
            role,
            vec![],
            None,
        )
        .await
        .map_err(api)?;
        users.insert(name.to_owned(), token);
    }
    write_private(&path, &serde_json::to_vec_pretty(&users)?)?;
    Ok(users)
}

/// Writes a file only its owner may read (0600 on Unix).
pub(crate) fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(0o600);
        // An older file keeps its mode on open; make it the owner's alone first.
        if path.exists() {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
        }
    }
    let mut f = options
        .open(path)
        .with_context(|| format!("writing {}", path.display()))?;
    f.write_all(bytes)?;
    Ok(())
}
