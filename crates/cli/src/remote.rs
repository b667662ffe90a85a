//! The CLI against a SnapDeploy server: with `SNAPDEPLOY_SERVER` (and `SNAPDEPLOY_TOKEN`), or
//! after `snapdeploy login`, every verb is a request to the API, so a pipeline is subject to
//! the server's roles and approvals like a person in the web app. Without them the CLI runs
//! the engine in-process.

use anyhow::{anyhow, bail, Context, Result};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::path::PathBuf;
use std::time::Duration;

pub(crate) const SERVER_ENV: &str = "SNAPDEPLOY_SERVER";
pub(crate) const TOKEN_ENV: &str = "SNAPDEPLOY_TOKEN";

/// What `snapdeploy login` keeps: the server and the token for it.
#[derive(Serialize, Deserialize)]
pub(crate) struct Credentials {
    pub(crate) server: String,
    pub(crate) token: String,
}

/// `$SNAPDEPLOY_CREDENTIALS`, else `$XDG_CONFIG_HOME/snapdeploy/credentials.json`, else
/// `~/.config/snapdeploy/credentials.json`.
pub(crate) fn credentials_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("SNAPDEPLOY_CREDENTIALS").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    let config = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(config.join("snapdeploy").join("credentials.json"))
}

fn stored_credentials() -> Result<Option<Credentials>> {
    let Some(path) = credentials_path() else {
        return Ok(None);
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => serde_json::from_str(&text).map(Some).with_context(|| {
            format!(
                "{} is unreadable; run `snapdeploy login` again",
                path.display()
            )
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

/// Writes the credentials owner-only (0600 in a 0700 folder): the token is a password.
pub(crate) fn store_credentials(c: &Credentials) -> Result<PathBuf> {
    let path = credentials_path().ok_or_else(|| {
        anyhow!("no home folder to keep the credentials in; set SNAPDEPLOY_CREDENTIALS")
    })?;
    if let Some(dir) = path.parent() {
        snapdeploy_store::create_private_dir_all(dir)
            .with_context(|| format!("creating {}", dir.display()))?;
    }
    // Made owner-only before the token is written into it.
    snapdeploy_store::make_private_file(&path)
        .and_then(|()| std::fs::write(&path, serde_json::to_string_pretty(c)?))
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(path)
}

pub(crate) fn forget_credentials() -> Result<Option<PathBuf>> {
    let Some(path) = credentials_path() else {
        return Ok(None);
    };
    match std::fs::remove_file(&path) {
        Ok(()) => Ok(Some(path)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("removing {}", path.display())),
    }
}

pub(crate) struct Remote {
    base: String,
    token: Option<String>,
    http: reqwest::Client,
}

/// A 2xx answer's body.
pub(crate) struct Answer {
    pub(crate) body: Value,
}

impl Answer {
    pub(crate) fn into<T: DeserializeOwned>(self) -> Result<T> {
        serde_json::from_value(self.body).context("the server's answer has an unexpected shape (is it a SnapDeploy server of this version?)")
    }
}

/// The API's error, as the API said it.
#[derive(Debug)]
pub(crate) struct ApiFailure {
    pub(crate) status: StatusCode,
    pub(crate) code: String,
    pub(crate) message: String,
    pub(crate) details: Value,
}

impl std::fmt::Display for ApiFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the server refused ({} {}): {}",
            self.status.as_u16(),
            self.code,
            self.message
        )?;
        if self.status == StatusCode::UNAUTHORIZED {
            write!(f, " (set {TOKEN_ENV}, or run `snapdeploy login`)")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiFailure {}

impl Remote {
    /// The server to use, if one is configured: `SNAPDEPLOY_SERVER` (with `SNAPDEPLOY_TOKEN`),
    /// else what `snapdeploy login` stored.
    pub(crate) fn from_env() -> Result<Option<Self>> {
        let env = |k| {
            std::env::var(k)
                .ok()
                .filter(|v: &String| !v.trim().is_empty())
        };
        let (server, token) = match env(SERVER_ENV) {
            Some(server) => (server, env(TOKEN_ENV)),
            None => match stored_credentials()? {
                Some(c) => (c.server, env(TOKEN_ENV).or(Some(c.token))),
                None => {
                    if env(TOKEN_ENV).is_some() {
                        bail!("{TOKEN_ENV} is set but {SERVER_ENV} is not: set the server's address too (e.g. http://127.0.0.1:5050), or unset {TOKEN_ENV} to run in-process");
                    }
                    return Ok(None);
                }
            },
        };
        Self::new(&server, token).map(Some)
    }

    pub(crate) fn new(server: &str, token: Option<String>) -> Result<Self> {
        let url = reqwest::Url::parse(server.trim()).with_context(|| {
            format!("{SERVER_ENV}: {server:?} is not a URL (e.g. https://snapdeploy.example.com)")
        })?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            bail!("{SERVER_ENV}: {server:?} must be an http:// or https:// address");
        }
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            // A synchronous snapshot of a large instance can take minutes; changes run as
            // jobs and are followed, so no single request should take longer than this.
            .timeout(Duration::from_secs(900))
            .user_agent(concat!("snapdeploy-cli/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self {
            base: url.as_str().trim_end_matches('/').to_owned(),
            token,
            http,
        })
    }

    pub(crate) fn base(&self) -> &str {
        &self.base
    }

    pub(crate) async fn call(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<Answer> {
        let mut req = self
            .http
            .request(method.clone(), format!("{}{path}", self.base))
            .query(query);
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        let res = req
            .send()
            .await
            .with_context(|| format!("{method} {}{path}: the server did not answer", self.base))?;
        let status = res.status();
        let text = res.text().await.context("reading the server's answer")?;
        let body: Value = if text.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).map_err(|_| {
                anyhow!(
                    "{method} {}{path} answered {status} with something that is not JSON (is {SERVER_ENV} a SnapDeploy server?)",
                    self.base
                )
            })?
        };
        if status.is_success() {
            return Ok(Answer { body });
        }
        let e = &body["error"];
        Err(ApiFailure {
            status,
            code: e["code"].as_str().unwrap_or("error").to_owned(),
            message: e["message"]
                .as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| format!("{method} {path} answered {status}")),
            details: e["details"].clone(),
        }
        .into())
    }

    pub(crate) async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<T> {
        self.call(Method::GET, path, query, None).await?.into()
    }

    /// Follows a job to its end, showing its progress; its result, or its error.
    pub(crate) async fn follow_job(
        &self,
        id: &str,
        progress: &snapdeploy_aws::Progress,
    ) -> Result<std::result::Result<Value, ApiFailure>> {
        let mut seen = 0;
        let mut wait = Duration::from_millis(200);
        loop {
            let job: Value = self.get(&format!("/jobs/{id}"), &[]).await?;
            if let Some(events) = job["events"].as_array() {
                for e in events.iter().skip(seen) {
                    progress.report(
                        e["message"].as_str().unwrap_or(""),
                        e["done"].as_u64().unwrap_or(0),
                        e["total"].as_u64().unwrap_or(0),
                    );
                }
                seen = events.len();
            }
            match job["status"].as_str() {
                Some("succeeded") => return Ok(Ok(job["result"].clone())),
                Some("queued" | "running") => {}
                // failed, failed_restored, interrupted: the error, or (interrupted, its
                // writes put back by another worker) what was restored.
                state => {
                    let state = state.unwrap_or("failed");
                    let e = if job["error"].is_object() {
                        job["error"].clone()
                    } else {
                        serde_json::json!({"code": state, "message": format!("the job was {state}: {}", job["result"]["message"].as_str().unwrap_or("its worker stopped")), "details": job["result"]})
                    };
                    return Ok(Err(ApiFailure {
                        status: StatusCode::BAD_GATEWAY,
                        code: e["code"].as_str().unwrap_or("failed").to_owned(),
                        message: e["message"].as_str().unwrap_or("the job failed").to_owned(),
                        details: e["details"].clone(),
                    }));
                }
            }
            // Polling (not the event stream) keeps this to plain requests through any proxy.
            tokio::time::sleep(wait).await;
            wait = (wait * 2).min(Duration::from_secs(2));
        }
    }
}
