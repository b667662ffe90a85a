//! The `snapdeploy` binary as a pipeline runs it, against a sandbox of its own.
#![allow(dead_code)]

use serde_json::Value;
use snapdeploy_sandbox::seed::{DEV, PROD};
use snapdeploy_sandbox::{Sandbox, SandboxConfig, Seed, HUB_ACCESS_KEY, HUB_SECRET_KEY};
use std::process::Output;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub struct Cli {
    pub sandbox: Sandbox,
    pub sandbox_url: String,
    pub data: tempfile::TempDir,
}

impl Cli {
    pub async fn new() -> Self {
        Self::with_sandbox(SandboxConfig {
            quotas_enabled: false,
            ..SandboxConfig::default()
        })
        .await
    }

    pub async fn with_sandbox(config: SandboxConfig) -> Self {
        let sb = Sandbox::seeded(config, Seed::Demo);
        let addr = sb.clone().spawn("127.0.0.1:0").await.unwrap();
        Self {
            sandbox: sb,
            sandbox_url: format!("http://{addr}"),
            data: tempfile::tempdir().unwrap(),
        }
    }

    pub async fn run(&self, args: &[&str]) -> Output {
        self.run_with(args, &[]).await
    }

    pub async fn run_with(&self, args: &[&str], extra_env: &[(&str, &str)]) -> Output {
        self.command(args)
            .envs(extra_env.iter().copied())
            .output()
            .await
            .unwrap()
    }

    /// The binary with a pipeline's environment, pointed at this sandbox and data folder.
    pub fn command(&self, args: &[&str]) -> tokio::process::Command {
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_snapdeploy"));
        cmd.args(args)
            .current_dir(self.data.path())
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("AWS_ENDPOINT_URL", &self.sandbox_url)
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ACCESS_KEY_ID", HUB_ACCESS_KEY)
            .env("AWS_SECRET_ACCESS_KEY", HUB_SECRET_KEY)
            .env("AWS_CONFIG_FILE", "/dev/null")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
            .env("SNAPDEPLOY_DATA_DIR", self.data.path().join("store"))
            .env("SNAPDEPLOY_USER", "ci-pipeline");
        cmd
    }

    /// Waits until the sandbox holds a call (a `"hold": true` fault met), naming `what` if it
    /// never does within a minute.
    pub async fn wait_held(&self, what: &str) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        while self.sandbox.held_calls() == 0 {
            assert!(
                tokio::time::Instant::now() < deadline,
                "no call was held: {what}"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Sets a fault in the sandbox (`/_sandbox/faults`).
    pub async fn inject(&self, fault: Value) {
        let r = reqwest::Client::new()
            .post(format!("{}/_sandbox/faults", self.sandbox_url))
            .json(&fault)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 201);
    }

    /// Registers the sandbox's dev and prod accounts, as a pipeline's setup step would.
    pub async fn add_dev_and_prod(&self) {
        self.add_dev_and_prod_with(&[]).await
    }

    /// `add_dev_and_prod`, with more environment (another store).
    pub async fn add_dev_and_prod_with(&self, env: &[(&str, &str)]) {
        for a in [&DEV, &PROD] {
            let out = self
                .run_with(
                    &[
                        "accounts",
                        "add",
                        "--account-id",
                        a.account_id,
                        "--name",
                        a.name,
                        "--role-arn",
                        a.role_arn,
                        "--external-id",
                        a.external_id,
                        "--regions",
                        "us-east-1",
                    ],
                    env,
                )
                .await;
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }

    /// `snapshot <args...>` of a resource in the dev account, us-east-1; its metadata.
    pub async fn snapshot_dev(&self, args: &[&str]) -> Value {
        let mut all = vec!["snapshot"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--account-id", DEV.account_id, "--region", "us-east-1"]);
        self.json(&all).await
    }

    pub async fn json(&self, args: &[&str]) -> Value {
        self.json_with(args, &[]).await
    }

    pub async fn json_with(&self, args: &[&str], extra_env: &[(&str, &str)]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let out = self.run_with(&all, extra_env).await;
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "{args:?} printed no JSON ({e}): {}",
                String::from_utf8_lossy(&out.stdout)
            )
        })
    }
}

/// Reads a starting `snapdeploy demo`'s banner from its stderr up to the line naming the
/// API's address: the address, the banner so far, and the rest of stderr to keep reading.
pub async fn demo_banner(
    stderr: tokio::process::ChildStderr,
) -> (
    String,
    String,
    tokio::io::Lines<tokio::io::BufReader<tokio::process::ChildStderr>>,
) {
    use tokio::io::AsyncBufReadExt;
    let mut lines = tokio::io::BufReader::new(stderr).lines();
    let mut banner = String::new();
    loop {
        let line = tokio::time::timeout(std::time::Duration::from_secs(120), lines.next_line())
            .await
            .expect("demo starts")
            .unwrap()
            .expect("demo prints its address");
        banner.push_str(&line);
        banner.push('\n');
        if let Some(rest) = line.split("API on http://").nth(1) {
            let addr = rest.split_whitespace().next().unwrap().to_owned();
            return (addr, banner, lines);
        }
    }
}

/// `snapdeploy serve` as one replica behind a load balancer.
pub struct Replica {
    pub child: tokio::process::Child,
    pub url: String,
    log: Arc<Mutex<Vec<String>>>,
}

impl Replica {
    /// `snapdeploy serve` on a free loopback port, sharing `cli`'s registry; started once it
    /// says where it listens.
    pub async fn start(cli: &Cli, extra: &[&str]) -> Self {
        Self::start_with(cli, extra, &[]).await
    }

    /// `start`, with more environment (another store, a queue).
    pub async fn start_with(cli: &Cli, extra: &[&str], env: &[(&str, &str)]) -> Self {
        use tokio::io::AsyncBufReadExt;
        let mut args = vec!["serve", "--addr", "127.0.0.1:0"];
        args.extend_from_slice(extra);
        let mut child = cli
            .command(&args)
            .envs(env.iter().copied())
            .env("SNAPDEPLOY_AUTH", "none")
            // Heartbeats and leases of 3 s: a dead replica's job is taken over within seconds.
            .env("SNAPDEPLOY_CHANGE_LEASE_SECONDS", "3")
            .env("RUST_LOG", "info")
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let mut lines = tokio::io::BufReader::new(child.stderr.take().unwrap()).lines();
        let log = Arc::new(Mutex::new(Vec::new()));
        let url = tokio::time::timeout(Duration::from_secs(60), async {
            while let Ok(Some(line)) = lines.next_line().await {
                log.lock().unwrap().push(line.clone());
                if let Some(at) = line.find("listening on http://") {
                    return line[at + "listening on ".len()..].trim().to_owned();
                }
            }
            panic!("serve ended before listening: {:?}", log.lock().unwrap());
        })
        .await
        .expect("serve listens within a minute");
        let kept = log.clone();
        tokio::spawn(async move {
            while let Ok(Some(line)) = lines.next_line().await {
                kept.lock().unwrap().push(line);
            }
        });
        Self { child, url, log }
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        let r = reqwest::get(format!("{}{path}", self.url)).await.unwrap();
        (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
    }

    pub async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        let r = reqwest::Client::new()
            .post(format!("{}{path}", self.url))
            .json(body)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
    }

    pub fn log(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }
}

/// A `/snapshot` body for the dev account's `cc-customer-lookup` function.
pub fn lookup_snapshot() -> Value {
    serde_json::json!({"account_id": DEV.account_id, "region": "us-east-1", "service": "lambda", "resource_name": "cc-customer-lookup"})
}
