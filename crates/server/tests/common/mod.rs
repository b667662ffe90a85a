//! `spawn_app()`: the real server on port 0 with a fresh embedded store, wired to a fresh
//! sandbox (also on port 0) through the official SDK. Nothing is shared between tests.

#![allow(dead_code)]

pub mod connect;
pub mod idp;
pub mod oracle;

use serde_json::{json, Value};
use snapdeploy_aws::{Engine, Hub, HubConfig};
use snapdeploy_sandbox::seed::{DEV, PROD};
use snapdeploy_sandbox::{
    Sandbox, SandboxConfig, Seed, SeedAccount, HUB_ACCESS_KEY, HUB_SECRET_KEY,
};
use snapdeploy_server::{AppState, ServerConfig};
use snapdeploy_store::{LocalSnapshotStore, SnapshotStore, SqliteAccountStore};
use std::sync::Arc;
use std::time::Duration;

pub struct TestApp {
    pub base: String,
    pub http: reqwest::Client,
    pub sandbox: Sandbox,
    pub sandbox_url: String,
    pub data: Arc<tempfile::TempDir>,
    /// The server's state: tests make tokens with it (`snapdeploy_server::auth`).
    pub state: AppState,
    /// The token requests are sent with (`as_user`), when the server wants one.
    pub token: Option<String>,
}

pub fn fast_sandbox() -> SandboxConfig {
    SandboxConfig {
        quotas_enabled: false,
        lambda_update_delay: Duration::from_millis(40),
        ..SandboxConfig::default()
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(fast_sandbox(), ServerConfig::default(), None).await
}

/// Quotas off on both sides: for tests about what a change does, not how fast it may go.
pub async fn spawn_unpaced() -> TestApp {
    spawn_app_with_hub(fast_sandbox(), ServerConfig::default(), None, unpaced_hub()).await
}

/// A hub that does not pace its calls.
pub fn unpaced_hub() -> HubConfig {
    HubConfig {
        connect_rate: 1000.0,
        connect_burst: 1000.0,
        lex_rate: 1000.0,
        lambda_rate: 1000.0,
        lambda_get_function_rate: 1000.0,
        ..HubConfig::default()
    }
}

pub async fn spawn_app_with(
    sb_config: SandboxConfig,
    config: ServerConfig,
    snapshots: Option<Arc<dyn SnapshotStore>>,
) -> TestApp {
    spawn_app_with_hub(sb_config, config, snapshots, HubConfig::default()).await
}

pub async fn spawn_app_with_hub(
    sb_config: SandboxConfig,
    config: ServerConfig,
    snapshots: Option<Arc<dyn SnapshotStore>>,
    hub_config: HubConfig,
) -> TestApp {
    spawn_app_until(
        sb_config,
        config,
        snapshots,
        hub_config,
        std::future::pending(),
    )
    .await
    .0
}

/// An app whose server shuts down when `shutdown` resolves; the handle ends when `serve`
/// returns.
pub async fn spawn_app_until(
    sb_config: SandboxConfig,
    config: ServerConfig,
    snapshots: Option<Arc<dyn SnapshotStore>>,
    hub_config: HubConfig,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> (TestApp, tokio::task::JoinHandle<std::io::Result<()>>) {
    let sandbox = Sandbox::seeded(sb_config, Seed::Demo);
    let sb_addr = sandbox
        .clone()
        .spawn("127.0.0.1:0")
        .await
        .expect("sandbox listens");
    let sandbox_url = format!("http://{sb_addr}");
    let data = tempfile::tempdir().expect("temp dir");
    let sdk =
        snapdeploy_testkit::sdk_config(&sandbox_url, HUB_ACCESS_KEY, HUB_SECRET_KEY, "us-east-1");
    let hub = Hub::new(sdk, hub_config);
    let accounts =
        Arc::new(SqliteAccountStore::open(&data.path().join("registry.db")).expect("sqlite"));
    let snapshots = snapshots
        .unwrap_or_else(|| Arc::new(LocalSnapshotStore::new(data.path().join("snapshots"))));
    let engine = Arc::new(
        Engine::new(hub, accounts.clone(), snapshots)
            .with_locks(accounts.clone())
            .with_audit(accounts.clone())
            .with_rules(accounts.clone())
            .with_releases(accounts.clone())
            .with_records(accounts.clone())
            .with_jobs(accounts),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let state = AppState::new(engine, config);
    let served = tokio::spawn(snapdeploy_server::serve(listener, state.clone(), shutdown));
    (
        TestApp {
            base,
            http: reqwest::Client::new(),
            sandbox,
            sandbox_url,
            data: Arc::new(data),
            state,
            token: None,
        },
        served,
    )
}

impl TestApp {
    /// The same app, its requests sent with `token`.
    pub fn as_user(&self, token: &str) -> TestApp {
        TestApp {
            base: self.base.clone(),
            http: self.http.clone(),
            sandbox: self.sandbox.clone(),
            sandbox_url: self.sandbox_url.clone(),
            data: self.data.clone(),
            state: self.state.clone(),
            token: Some(token.to_owned()),
        }
    }

    fn auth(&self) -> reqwest::header::HeaderMap {
        let mut h = reqwest::header::HeaderMap::new();
        if let Some(t) = &self.token {
            h.insert(
                reqwest::header::AUTHORIZATION,
                format!("Bearer {t}").parse().expect("header"),
            );
        }
        h
    }

    pub async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .headers(self.auth())
            .json(body)
            .send()
            .await
            .expect("request");
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn put(&self, path: &str, body: &Value) -> (u16, Value) {
        let r = self
            .http
            .put(format!("{}{path}", self.base))
            .headers(self.auth())
            .json(body)
            .send()
            .await
            .expect("request");
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn delete(&self, path: &str) -> (u16, Value) {
        let r = self
            .http
            .delete(format!("{}{path}", self.base))
            .headers(self.auth())
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .headers(self.auth())
            .send()
            .await
            .expect("request");
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn register(&self, a: &SeedAccount) {
        let (status, body) = self
            .post(
                "/accounts",
                &json!({"account_id": a.account_id, "name": a.name, "role_arn": a.role_arn,
                "external_id": a.external_id, "regions": ["us-east-1"], "protected": a.protected}),
            )
            .await;
        assert_eq!(status, 201, "{body}");
    }

    pub async fn register_both(&self) {
        self.register(&DEV).await;
        self.register(&PROD).await;
    }

    /// A Lambda client acting directly in a sandbox account, as an operator would.
    pub fn lambda_as(&self, a: &SeedAccount) -> aws_sdk_lambda::Client {
        aws_sdk_lambda::Client::new(&snapdeploy_testkit::sdk_config(
            &self.sandbox_url,
            a.access_key,
            a.secret_key,
            "us-east-1",
        ))
    }

    /// A Lex V2 models client acting directly in a sandbox account.
    pub fn lex_as(&self, a: &SeedAccount) -> aws_sdk_lexmodelsv2::Client {
        aws_sdk_lexmodelsv2::Client::new(&snapdeploy_testkit::sdk_config(
            &self.sandbox_url,
            a.access_key,
            a.secret_key,
            "us-east-1",
        ))
    }

    pub async fn snapshot(&self, a: &SeedAccount, name: &str) -> Value {
        let (status, body) = self
            .post("/snapshot", &json!({"account_id": a.account_id, "region": "us-east-1", "service": "lambda", "resource_name": name}))
            .await;
        assert_eq!(status, 201, "{body}");
        body
    }

    pub fn connect_as(&self, a: &SeedAccount) -> aws_sdk_connect::Client {
        aws_sdk_connect::Client::new(&snapdeploy_testkit::sdk_config(
            &self.sandbox_url,
            a.access_key,
            a.secret_key,
            "us-east-1",
        ))
    }

    /// A snapshot of any service's resource; returns its metadata.
    pub async fn snapshot_of(&self, a: &SeedAccount, service: &str, name: &str) -> Value {
        let (status, body) = self
            .post("/snapshot", &json!({"account_id": a.account_id, "region": "us-east-1", "service": service, "resource_name": name}))
            .await;
        assert_eq!(status, 201, "{body}");
        body
    }

    pub async fn snapshot_doc(&self, key: &str) -> Value {
        let (status, body) = self.get(&format!("/snapshots/{key}")).await;
        assert_eq!(status, 200, "{body}");
        body
    }

    pub async fn inject(&self, fault: Value) {
        let r = self
            .http
            .post(format!("{}/_sandbox/faults", self.sandbox_url))
            .json(&fault)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 201);
    }

    pub async fn clear_faults(&self) {
        self.http
            .delete(format!("{}/_sandbox/faults", self.sandbox_url))
            .send()
            .await
            .unwrap();
    }
}

/// A LexJson archive imported as a console user would (CreateUploadUrl, PUT, StartImport),
/// waited for until Completed; the imported bot's id.
pub async fn console_import(
    lex: &aws_sdk_lexmodelsv2::Client,
    archive: Vec<u8>,
    bot_name: &str,
    role_arn: &str,
    merge: aws_sdk_lexmodelsv2::types::MergeStrategy,
    idle_session_ttl: Option<i32>,
) -> String {
    use aws_sdk_lexmodelsv2::types::{
        BotImportSpecification, DataPrivacy, ImportResourceSpecification,
    };
    let upload = lex.create_upload_url().send().await.unwrap();
    let put = reqwest::Client::new()
        .put(upload.upload_url().unwrap())
        .body(archive)
        .send()
        .await
        .unwrap();
    assert!(put.status().is_success());
    let import_id = upload.import_id().unwrap();
    lex.start_import()
        .import_id(import_id)
        .merge_strategy(merge)
        .resource_specification(
            ImportResourceSpecification::builder()
                .bot_import_specification(
                    BotImportSpecification::builder()
                        .bot_name(bot_name)
                        .role_arn(role_arn)
                        .data_privacy(DataPrivacy::builder().child_directed(false).build())
                        .set_idle_session_ttl_in_seconds(idle_session_ttl)
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    eventually_some("the import completes", || async {
        let d = lex
            .describe_import()
            .import_id(import_id)
            .send()
            .await
            .unwrap();
        match d.import_status().map(|s| s.as_str()) {
            Some("Completed") => Some(
                d.imported_resource_id()
                    .expect("the imported bot")
                    .to_owned(),
            ),
            Some("InProgress") => None,
            other => panic!("import {other:?}: {:?}", d.failure_reasons()),
        }
    })
    .await
}

/// The steps of a change's report that failed, by name.
pub fn failed_steps(report: &Value) -> Vec<&str> {
    report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["status"] == "failed")
        .map(|s| s["step"].as_str().unwrap())
        .collect()
}

/// Prod's `cc-customer-lookup` made to differ from dev's in every way a deploy writes (a tag,
/// reserved concurrency, its resource policy), so every step of a deploy or rollback runs.
pub async fn make_prod_lookup_unlike_dev(app: &TestApp) {
    let prod = app.lambda_as(&PROD);
    prod.tag_resource()
        .resource("arn:aws:lambda:us-east-1:222222222222:function:cc-customer-lookup")
        .tags("legacy", "yes")
        .send()
        .await
        .unwrap();
    prod.put_function_concurrency()
        .function_name("cc-customer-lookup")
        .reserved_concurrent_executions(5)
        .send()
        .await
        .unwrap();
    prod.remove_permission()
        .function_name("cc-customer-lookup")
        .statement_id("connect-invoke")
        .send()
        .await
        .unwrap();
    prod.add_permission()
        .function_name("cc-customer-lookup")
        .statement_id("legacy-invoke")
        .action("lambda:InvokeFunction")
        .principal("connect.amazonaws.com")
        .source_arn(
            "arn:aws:connect:us-east-1:222222222222:instance/prod-0000-4000-8000-000000000001",
        )
        .send()
        .await
        .unwrap();
}

/// Every error body has the API's one error shape.
pub fn assert_error(status: u16, body: &Value, expected_status: u16, code: &str) {
    assert_eq!(status, expected_status, "{body}");
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{body}"
    );
}

/// Waits until `check` holds, polling; fails (naming `what`) only after a minute, so a
/// loaded machine is waited for rather than failed.
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while !check().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "waited a minute for: {what}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Waits until `check` yields a value, polling; fails (naming `what`) after a minute.
pub async fn eventually_some<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "waited a minute for: {what}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Follows a background job to its end; its final view.
pub async fn job_end(app: &TestApp, status_url: &str) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    loop {
        let view = app.get(status_url).await.1;
        if view["status"] != "running" && view["status"] != "queued" {
            return view;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the job never ended: {view}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits until a Lambda function's last update has settled.
pub async fn wait_ready(client: &aws_sdk_lambda::Client, name: &str) {
    eventually(&format!("{name}'s update to settle"), || async {
        let c = client
            .get_function_configuration()
            .function_name(name)
            .send()
            .await
            .unwrap();
        c.last_update_status().map(|s| s.as_str()) == Some("Successful")
    })
    .await;
}
