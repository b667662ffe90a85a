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
    /// `SNAPDEPLOY_CONNECT_RATES`: Connect operations with a quota of their own.
    pub connect_operations: std::collections::BTreeMap<String, snapdeploy_aws::pacing::Rate>,
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
    /// `SNAPDEPLOY_OIDC_*`: the issuer trusted when `SNAPDEPLOY_AUTH=oidc`.
    pub oidc: Option<snapdeploy_server::OidcConfig>,
    /// `SNAPDEPLOY_CORS_ORIGINS`: origins whose pages may call the API (comma-separated).
    pub cors_origins: Vec<String>,
    /// `SNAPDEPLOY_ALLOWED_HOSTS`: host names the server answers to (comma-separated; `*`
    /// any). Unset: the loopback names on a loopback address, any name elsewhere.
    pub allowed_hosts: Option<Vec<String>>,
    /// `SNAPDEPLOY_HEADER_TIMEOUT_SECONDS`, `SNAPDEPLOY_BODY_TIMEOUT_SECONDS`,
    /// `SNAPDEPLOY_MAX_CONNECTIONS`.
    pub header_timeout: std::time::Duration,
    pub body_timeout: std::time::Duration,
    pub max_connections: usize,
    /// `SNAPDEPLOY_JOB_TTL_MINUTES`: how long finished jobs stay readable.
    pub job_ttl: std::time::Duration,
    /// `SNAPDEPLOY_JOB_QUEUE_URL`: the SQS queue jobs go through (in-process without it).
    pub job_queue_url: Option<String>,
    /// `SNAPDEPLOY_WORKER_CONCURRENCY`: how many jobs one worker runs at once.
    pub worker_concurrency: usize,
    /// Whether `serve` runs queued jobs too (`--no-worker`: it does not).
    pub worker: bool,
    /// `SNAPDEPLOY_JOB_TIME_LIMIT_SECONDS`: how long workers may run a job (Lambda: 900).
    pub job_time_limit: Option<std::time::Duration>,
}

/// The OIDC issuer settings; each missing or malformed one is named.
fn oidc_from_env() -> Result<snapdeploy_server::OidcConfig> {
    use snapdeploy_server::OidcConfig;
    let issuer = var("SNAPDEPLOY_OIDC_ISSUER").context(
        "SNAPDEPLOY_AUTH=oidc needs SNAPDEPLOY_OIDC_ISSUER (the issuer URL its tokens name in iss)",
    )?;
    OidcConfig::check_issuer(&issuer)
        .map_err(|e| anyhow::anyhow!("SNAPDEPLOY_OIDC_ISSUER: {e}"))?;
    let client_id = var("SNAPDEPLOY_OIDC_CLIENT_ID").context(
        "SNAPDEPLOY_AUTH=oidc needs SNAPDEPLOY_OIDC_CLIENT_ID (the web app's client at the issuer)",
    )?;
    let role_map = OidcConfig::parse_role_map(&var("SNAPDEPLOY_OIDC_ROLE_MAP").unwrap_or_default())
        .map_err(|e| anyhow::anyhow!("SNAPDEPLOY_OIDC_ROLE_MAP: {e}"))?;
    Ok(OidcConfig {
        issuer,
        audience: var("SNAPDEPLOY_OIDC_AUDIENCE").unwrap_or_else(|| client_id.clone()),
        client_id,
        roles_claim: var("SNAPDEPLOY_OIDC_ROLES_CLAIM").unwrap_or_else(|| "groups".into()),
        role_map,
        leeway: std::time::Duration::from_secs(bounded(
            "SNAPDEPLOY_OIDC_LEEWAY_SECONDS",
            60,
            0..=600,
            "seconds",
        )?),
    })
}

/// Quotas by Connect operation, `SearchContactFlows=10/20,GetPromptFile=5` (calls a second,
/// and a burst, `burst` when left out), as AWS raises them per API.
fn connect_operations(
    spec: &str,
    burst: f64,
) -> Result<std::collections::BTreeMap<String, snapdeploy_aws::pacing::Rate>> {
    let mut out = std::collections::BTreeMap::new();
    for item in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let Some((op, quota)) = item.split_once('=') else {
            bail!("{item:?} is not Operation=rate or Operation=rate/burst");
        };
        let op = op.trim();
        if !op.starts_with(|c: char| c.is_ascii_uppercase())
            || !op.chars().all(|c| c.is_ascii_alphanumeric())
        {
            bail!("{op:?} is not a Connect API operation name (like SearchContactFlows)");
        }
        let (rate, b) = match quota.split_once('/') {
            Some((r, b)) => (r.trim(), Some(b.trim())),
            None => (quota.trim(), None),
        };
        let number = |v: &str| {
            v.parse::<f64>()
                .map_err(|e| anyhow::anyhow!("{op}: {v:?} is not a number: {e}"))
        };
        let rate = number(rate)?;
        if !(rate > 0.0 && rate <= 1000.0) {
            bail!("{op}: the rate must be between 0 and 1000 calls per second");
        }
        let burst = match b {
            Some(b) => number(b)?,
            None => burst.max(rate),
        };
        if !(1.0..=1000.0).contains(&burst) {
            bail!("{op}: the burst must be between 1 and 1000 calls");
        }
        if out
            .insert(op.to_owned(), snapdeploy_aws::pacing::Rate { rate, burst })
            .is_some()
        {
            bail!("{op} is given twice");
        }
    }
    Ok(out)
}

/// A comma-separated list, blanks dropped.
fn list(name: &str) -> Option<Vec<String>> {
    var(name).map(|v| {
        v.split(',')
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect()
    })
}

/// A whole number within `range`, or a clear error naming the variable.
fn bounded(
    name: &str,
    default: u64,
    range: std::ops::RangeInclusive<u64>,
    unit: &str,
) -> Result<u64> {
    let v: u64 = parsed(name, default)?;
    if !range.contains(&v) {
        bail!(
            "{name} must be between {} and {} {unit}",
            range.start(),
            range.end()
        );
    }
    Ok(v)
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
            "oidc" => snapdeploy_server::AuthMode::Oidc,
            other => bail!("SNAPDEPLOY_AUTH={other:?} is not valid: use tokens, oidc or none"),
        };
        let oidc = match auth {
            snapdeploy_server::AuthMode::Oidc => Some(oidc_from_env()?),
            _ => None,
        };
        let approval_hours: u64 = parsed("SNAPDEPLOY_APPROVAL_TTL_HOURS", 24)?;
        if !(1..=720).contains(&approval_hours) {
            bail!("SNAPDEPLOY_APPROVAL_TTL_HOURS must be between 1 and 720 hours");
        }
        let cors_origins = list("SNAPDEPLOY_CORS_ORIGINS").unwrap_or_default();
        for origin in &cors_origins {
            snapdeploy_server::http::validate_origin(origin)
                .map_err(|e| anyhow::anyhow!("SNAPDEPLOY_CORS_ORIGINS: {e}"))?;
        }
        let secs = std::time::Duration::from_secs;
        Ok(Self {
            oidc,
            cors_origins,
            allowed_hosts: list("SNAPDEPLOY_ALLOWED_HOSTS"),
            header_timeout: secs(bounded(
                "SNAPDEPLOY_HEADER_TIMEOUT_SECONDS",
                30,
                1..=3600,
                "seconds",
            )?),
            body_timeout: secs(bounded(
                "SNAPDEPLOY_BODY_TIMEOUT_SECONDS",
                60,
                1..=3600,
                "seconds",
            )?),
            max_connections: bounded(
                "SNAPDEPLOY_MAX_CONNECTIONS",
                1024,
                1..=100_000,
                "connections",
            )? as usize,
            job_ttl: secs(60 * bounded("SNAPDEPLOY_JOB_TTL_MINUTES", 60, 1..=10_080, "minutes")?),
            job_queue_url: var("SNAPDEPLOY_JOB_QUEUE_URL"),
            worker: true,
            job_time_limit: match var("SNAPDEPLOY_JOB_TIME_LIMIT_SECONDS") {
                None => None,
                Some(_) => Some(secs(bounded(
                    "SNAPDEPLOY_JOB_TIME_LIMIT_SECONDS",
                    900,
                    60..=86_400,
                    "seconds",
                )?)),
            },
            worker_concurrency: bounded("SNAPDEPLOY_WORKER_CONCURRENCY", 4, 1..=64, "jobs")?
                as usize,
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
            connect_operations: connect_operations(
                var("SNAPDEPLOY_CONNECT_RATES").as_deref().unwrap_or(""),
                connect_burst,
            )
            .context("SNAPDEPLOY_CONNECT_RATES")?,
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
            snapdeploy_store::create_private_dir_all(&c.data_dir)
                .with_context(|| format!("creating the data folder {}", c.data_dir.display()))?;
            Ok(c)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::connect_operations;
    use snapdeploy_aws::pacing::Rate;

    #[test]
    fn connect_rates_by_operation() {
        let ops = connect_operations(" SearchContactFlows=9.5/20, GetPromptFile=4 ,", 5.0).unwrap();
        assert_eq!(
            ops["SearchContactFlows"],
            Rate {
                rate: 9.5,
                burst: 20.0
            }
        );
        // The burst left out: the default burst, or the rate when that is higher.
        assert_eq!(ops["GetPromptFile"].burst, 5.0);
        assert_eq!(
            connect_operations("GetPromptFile=8", 5.0).unwrap()["GetPromptFile"].burst,
            8.0
        );
        assert!(connect_operations("", 5.0).unwrap().is_empty());
        for (bad, says) in [
            ("SearchQueues", "Operation=rate"),
            ("searchQueues=2", "not a Connect API operation"),
            ("Search-Queues=2", "not a Connect API operation"),
            ("SearchQueues=fast", "not a number"),
            ("SearchQueues=0", "between 0 and 1000"),
            ("SearchQueues=2/0.5", "burst must be between 1"),
            ("SearchQueues=2,SearchQueues=3", "given twice"),
        ] {
            let e = connect_operations(bad, 5.0).unwrap_err().to_string();
            assert!(e.contains(says), "{bad}: {e}");
        }
    }
}
