//! Configuration in layers: defaults, then `.env`, then the environment. Every variable is
//! documented once, in `.env.example`. AWS credentials and endpoints are not read here: the
//! SDK's own chain handles them (AWS_PROFILE, AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_<SERVICE>, …).

use anyhow::{bail, Context, Result};
use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreKind {
    Embedded,
    Aws,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub store: StoreKind,
    pub data_dir: PathBuf,
    pub accounts_table: String,
    pub bucket_prefix: String,
    pub s3_force_path_style: bool,
    pub body_limit: usize,
    pub web_dir: Option<PathBuf>,
    pub lambda_rate: f64,
    pub connect_rate: f64,
    pub connect_burst: f64,
    pub reuse_max_age: std::time::Duration,
    /// `SNAPDEPLOY_CHANGE_LEASE_SECONDS`: how long a change whose process died keeps its
    /// resource locked.
    pub change_lease: std::time::Duration,
    /// `SNAPDEPLOY_USER`: who snapshots, changes and audit entries name as their actor.
    pub user: Option<String>,
    /// `SNAPDEPLOY_AUTH`: how the server authenticates requests (`tokens`, or `none` on a
    /// loopback address only).
    pub auth: snapdeploy_server::AuthMode,
    /// `SNAPDEPLOY_APPROVAL_TTL_HOURS`: how long a change request waits for an approver.
    pub approval_ttl: std::time::Duration,
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn parsed<T: std::str::FromStr>(name: &str, default: T) -> Result<T>
where
    T::Err: std::fmt::Display,
{
    match var(name) {
        None => Ok(default),
        Some(v) => v
            .trim()
            .parse()
            .map_err(|e| anyhow::anyhow!("{name}={v:?} is not valid: {e}")),
    }
}

impl Config {
    /// The actor of a CLI run: `SNAPDEPLOY_USER`, else the OS user.
    pub fn cli_actor(&self) -> String {
        self.user
            .clone()
            .or_else(|| var("USER"))
            .unwrap_or_else(|| "snapdeploy-cli".into())
    }

    /// The actor of the API server: `SNAPDEPLOY_USER`, else `snapdeploy-api`.
    pub fn api_actor(&self) -> String {
        self.user.clone().unwrap_or_else(|| "snapdeploy-api".into())
    }

    pub fn from_env() -> Result<Self> {
        let store = match var("SNAPDEPLOY_STORE").as_deref().unwrap_or("embedded") {
            "embedded" => StoreKind::Embedded,
            "aws" => StoreKind::Aws,
            other => bail!("SNAPDEPLOY_STORE={other:?} is not valid: use embedded or aws"),
        };
        let web_dir = var("SNAPDEPLOY_WEB_DIR").map(PathBuf::from).or_else(|| {
            let default = PathBuf::from("web/dist");
            default.join("index.html").is_file().then_some(default)
        });
        let lambda_rate: f64 = parsed("SNAPDEPLOY_LAMBDA_RATE", 15.0)?;
        if !(lambda_rate > 0.0 && lambda_rate <= 1000.0) {
            bail!("SNAPDEPLOY_LAMBDA_RATE must be between 0 and 1000 calls per second");
        }
        // Connect's default quota is 2/s, burst 5; accounts with a raised quota say so here.
        let connect_rate: f64 = parsed("SNAPDEPLOY_CONNECT_RATE", 1.9)?;
        if !(connect_rate > 0.0 && connect_rate <= 1000.0) {
            bail!("SNAPDEPLOY_CONNECT_RATE must be between 0 and 1000 calls per second");
        }
        let connect_burst: f64 = parsed("SNAPDEPLOY_CONNECT_BURST", 5.0)?;
        if !(1.0..=1000.0).contains(&connect_burst) {
            bail!("SNAPDEPLOY_CONNECT_BURST must be between 1 and 1000 calls");
        }
        // How old the full read behind a Connect capture may be before everything is read
        // again (0: always read everything).
        let reuse_hours: f64 = parsed("SNAPDEPLOY_REUSE_MAX_AGE_HOURS", 24.0)?;
        if !(0.0..=720.0).contains(&reuse_hours) {
            bail!("SNAPDEPLOY_REUSE_MAX_AGE_HOURS must be between 0 and 720 hours");
        }
        // A running change renews its lease every third of this; a change whose process died
        // blocks its resource this long at most.
        let lease_seconds: u64 = parsed("SNAPDEPLOY_CHANGE_LEASE_SECONDS", 120)?;
        if !(3..=3600).contains(&lease_seconds) {
            bail!("SNAPDEPLOY_CHANGE_LEASE_SECONDS must be between 3 and 3600 seconds");
        }
        let auth = match var("SNAPDEPLOY_AUTH").as_deref().unwrap_or("tokens") {
            "tokens" => snapdeploy_server::AuthMode::Tokens,
            "none" => snapdeploy_server::AuthMode::None,
            other => bail!("SNAPDEPLOY_AUTH={other:?} is not valid: use tokens or none"),
        };
        let approval_hours: u64 = parsed("SNAPDEPLOY_APPROVAL_TTL_HOURS", 24)?;
        if !(1..=720).contains(&approval_hours) {
            bail!("SNAPDEPLOY_APPROVAL_TTL_HOURS must be between 1 and 720 hours");
        }
        Ok(Self {
            auth,
            approval_ttl: std::time::Duration::from_secs(approval_hours * 3600),
            store,
            data_dir: PathBuf::from(var("SNAPDEPLOY_DATA_DIR").unwrap_or_else(|| "data".into())),
            accounts_table: var("SNAPDEPLOY_ACCOUNTS_TABLE")
                .unwrap_or_else(|| "snapdeploy-accounts".into()),
            bucket_prefix: var("SNAPDEPLOY_BUCKET_PREFIX")
                .unwrap_or_else(|| snapdeploy_store::DEFAULT_BUCKET_PREFIX.into()),
            s3_force_path_style: parsed("SNAPDEPLOY_S3_FORCE_PATH_STYLE", false)?,
            body_limit: parsed("SNAPDEPLOY_BODY_LIMIT_BYTES", 16 * 1024 * 1024)?,
            web_dir,
            lambda_rate,
            connect_rate,
            connect_burst,
            reuse_max_age: std::time::Duration::from_secs_f64(reuse_hours * 3600.0),
            change_lease: std::time::Duration::from_secs(lease_seconds),
            user: var("SNAPDEPLOY_USER"),
        })
        .and_then(|c: Config| {
            if c.bucket_prefix.len() > 40
                || !c
                    .bucket_prefix
                    .chars()
                    .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '-')
            {
                bail!(
                    "SNAPDEPLOY_BUCKET_PREFIX must be at most 40 lowercase letters, digits or '-'"
                );
            }
            std::fs::create_dir_all(&c.data_dir)
                .with_context(|| format!("creating the data folder {}", c.data_dir.display()))?;
            Ok(c)
        })
    }
}
