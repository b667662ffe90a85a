//! The CLI against a server, as a pipeline uses it: `snapdeploy demo` in its own process,
//! and every verb sent to its API with SNAPDEPLOY_SERVER + SNAPDEPLOY_TOKEN (or after
//! `snapdeploy login`), so roles and two-person approvals apply to pipelines too.

use serde_json::Value;
use std::process::Output;
mod common;

const DEV: &str = "111111111111";
const PROD: &str = "222222222222";

struct Demo {
    _child: tokio::process::Child,
    url: String,
    tokens: Value,
    /// The CLI's own folder: no registry, no AWS credentials, so nothing can run in-process.
    cwd: tempfile::TempDir,
    _data: tempfile::TempDir,
}

impl Demo {
    async fn start() -> Self {
        let data = tempfile::tempdir().unwrap();
        let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_snapdeploy"))
            .args([
                "demo",
                "--addr",
                "127.0.0.1:0",
                "--sandbox-addr",
                "127.0.0.1:0",
            ])
            .current_dir(data.path())
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("SNAPDEPLOY_DEMO_DATA_DIR", data.path().join("demo"))
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let (addr, _, mut lines) = common::demo_banner(child.stderr.take().unwrap()).await;
        // Keep reading its log so it never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let tokens =
            serde_json::from_slice(&std::fs::read(data.path().join("demo/tokens.json")).unwrap())
                .unwrap();
        Self {
            _child: child,
            url: format!("http://{addr}"),
            tokens,
            cwd: tempfile::tempdir().unwrap(),
            _data: data,
        }
    }

    fn token(&self, user: &str) -> &str {
        self.tokens[user].as_str().unwrap()
    }

    fn command(&self, args: &[&str]) -> tokio::process::Command {
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_snapdeploy"));
        cmd.args(args)
            .current_dir(self.cwd.path())
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("SNAPDEPLOY_DATA_DIR", self.cwd.path().join("store"))
            .env(
                "SNAPDEPLOY_CREDENTIALS",
                self.cwd.path().join("credentials.json"),
            )
            .stdin(std::process::Stdio::null());
        cmd
    }

    /// `snapdeploy <args>` as `user` (None: with the server but no token).
    async fn as_user(&self, user: Option<&str>, args: &[&str]) -> Output {
        let mut cmd = self.command(args);
        cmd.env("SNAPDEPLOY_SERVER", &self.url);
        if let Some(u) = user {
            cmd.env("SNAPDEPLOY_TOKEN", self.token(u));
        }
        cmd.output().await.unwrap()
    }
}

fn text(o: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn json(o: &Output) -> Value {
    assert_eq!(o.status.code(), Some(0), "{}", text(o));
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(o)))
}

#[tokio::test]
async fn a_pipeline_goes_through_the_server_with_roles_and_approvals() {
    let demo = Demo::start().await;
    let at = |account: &'static str| ["--account-id", account, "--region", "us-east-1"];

    // Reading as a viewer: the server's registry, not a local one.
    let accounts = json(
        &demo
            .as_user(Some("viewer"), &["--json", "accounts", "list"])
            .await,
    );
    assert_eq!(accounts.as_array().unwrap().len(), 2, "{accounts}");
    assert!(
        !demo.cwd.path().join("store").exists(),
        "the CLI must not open a registry of its own when it has a server"
    );
    let extracted = demo
        .as_user(
            Some("viewer"),
            &[&["extract", "lambda"][..], &at(DEV)].concat(),
        )
        .await;
    assert_eq!(extracted.status.code(), Some(0), "{}", text(&extracted));
    assert!(String::from_utf8_lossy(&extracted.stdout).contains("cc-customer-lookup"));

    // No token: 401, and the way out.
    let anonymous = demo.as_user(None, &["accounts", "list"]).await;
    assert_eq!(anonymous.status.code(), Some(1), "{}", text(&anonymous));
    let err = String::from_utf8_lossy(&anonymous.stderr);
    assert!(
        err.contains("401") && err.contains("snapdeploy login"),
        "{err}"
    );

    // A viewer may not take snapshots: the server's 403, said plainly.
    let snap_args = [
        &["snapshot", "lambda", "cc-customer-lookup"][..],
        &at(DEV),
        &["--note", "release 7"],
    ]
    .concat();
    let refused = demo.as_user(Some("viewer"), &snap_args).await;
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("403"),
        "{}",
        text(&refused)
    );

    // The operator snapshots dev; the snapshot is theirs.
    let meta = json(
        &demo
            .as_user(Some("operator"), &[&["--json"][..], &snap_args].concat())
            .await,
    );
    assert_eq!(meta["taken_by"], "operator", "{meta}");
    let key = meta["key"].as_str().unwrap().to_owned();
    let listed = json(
        &demo
            .as_user(
                Some("operator"),
                &[&["--json", "snapshots"][..], &at(DEV)[..2]].concat(),
            )
            .await,
    );
    assert!(listed
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["key"] == key.as_str()));

    // A dry run into prod answers the plan at once.
    let deploy_prod = [&["deploy", "--snapshot-key", &key][..], &at(PROD)].concat();
    let plan = demo
        .as_user(
            Some("operator"),
            &[&deploy_prod[..], &["--dry-run"]].concat(),
        )
        .await;
    assert_eq!(plan.status.code(), Some(0), "{}", text(&plan));
    assert!(
        String::from_utf8_lossy(&plan.stdout).contains(&format!("cc-customer-lookup in {PROD}"))
    );

    // Into protected prod the operator's deploy waits for a second person (exit 3).
    let requested = demo.as_user(Some("operator"), &deploy_prod).await;
    assert_eq!(requested.status.code(), Some(3), "{}", text(&requested));
    let out = String::from_utf8_lossy(&requested.stdout);
    assert!(out.contains("waits for another person's approval"), "{out}");
    let pending = json(
        &demo
            .as_user(Some("approver"), &["--json", "changes", "list"])
            .await,
    );
    let id = pending[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(pending[0]["requested_by"], "operator");
    let shown = demo
        .as_user(Some("approver"), &["changes", "show", &id])
        .await;
    assert_eq!(shown.status.code(), Some(0), "{}", text(&shown));
    assert!(String::from_utf8_lossy(&shown.stdout).contains("requested by operator"));

    // Nobody approves their own request.
    let own = demo
        .as_user(Some("operator"), &["changes", "approve", &id])
        .await;
    assert_eq!(own.status.code(), Some(1), "{}", text(&own));
    assert!(
        String::from_utf8_lossy(&own.stderr).contains("403"),
        "{}",
        text(&own)
    );

    // The approver approves; the CLI follows the change to its end.
    let approved = demo
        .as_user(
            Some("approver"),
            &["changes", "approve", &id, "--comment", "ok for release 7"],
        )
        .await;
    assert_eq!(approved.status.code(), Some(0), "{}", text(&approved));
    assert!(
        String::from_utf8_lossy(&approved.stdout).contains("status: succeeded"),
        "{}",
        text(&approved)
    );
    let again = demo
        .as_user(Some("approver"), &["changes", "approve", &id])
        .await;
    assert_eq!(
        again.status.code(),
        Some(1),
        "approved twice: {}",
        text(&again)
    );

    // The approved change ran as a job of the requester's: the operator sees it, with its
    // progress, through the server.
    let jobs = json(
        &demo
            .as_user(
                Some("operator"),
                &["--json", "jobs", "--state", "succeeded"],
            )
            .await,
    );
    let change_job = jobs
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["kind"] == "deploy")
        .unwrap_or_else(|| panic!("{jobs}"))["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let shown = json(
        &demo
            .as_user(Some("operator"), &["--json", "jobs", &change_job])
            .await,
    );
    assert_eq!(shown["requester"], "operator", "{shown}");
    assert!(!shown["events"].as_array().unwrap().is_empty(), "{shown}");

    // Both people are in the audit trail.
    let audit = json(
        &demo
            .as_user(Some("viewer"), &["--json", "audit", "--account-id", PROD])
            .await,
    );
    assert!(
        audit
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["actor"] == "operator" && e["approved_by"] == "approver"),
        "{audit}"
    );

    // A second request, rejected with a reason.
    let requested = demo
        .as_user(Some("operator"), &[&["--json"][..], &deploy_prod].concat())
        .await;
    assert_eq!(requested.status.code(), Some(3), "{}", text(&requested));
    let id2 = serde_json::from_slice::<Value>(&requested.stdout).unwrap()["change_request"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let rejected = demo
        .as_user(
            Some("approver"),
            &["changes", "reject", &id2, "--comment", "not this week"],
        )
        .await;
    assert_eq!(rejected.status.code(), Some(0), "{}", text(&rejected));
    let all = json(
        &demo
            .as_user(
                Some("viewer"),
                &["--json", "changes", "list", "--state", "rejected"],
            )
            .await,
    );
    assert_eq!(all[0]["id"], id2.as_str());
    assert_eq!(all[0]["comment"], "not this week");

    // Into unprotected dev the operator's deploy runs at once, as a job followed to its end.
    let dev = demo
        .as_user(
            Some("operator"),
            &[&["deploy", "--snapshot-key", &key][..], &at(DEV)].concat(),
        )
        .await;
    assert_eq!(dev.status.code(), Some(0), "{}", text(&dev));
    assert!(
        String::from_utf8_lossy(&dev.stdout).contains("status: "),
        "{}",
        text(&dev)
    );

    // Only an admin manages tokens, through the server too.
    let denied = demo
        .as_user(
            Some("operator"),
            &["tokens", "create", "--name", "ci", "--role", "operator"],
        )
        .await;
    assert_eq!(denied.status.code(), Some(1), "{}", text(&denied));
    let created = json(
        &demo
            .as_user(
                Some("admin"),
                &[
                    "--json", "tokens", "create", "--name", "ci", "--role", "viewer",
                ],
            )
            .await,
    );
    assert!(created["token"].as_str().unwrap().starts_with("sdt_"));
}

#[tokio::test]
async fn login_keeps_the_server_and_token_owner_only() {
    let demo = Demo::start().await;
    // A wrong token is found at login, not in the next pipeline run.
    let bad = demo
        .command(&["login", "--server", &demo.url])
        .env("SNAPDEPLOY_TOKEN", "sdt_wrong")
        .output()
        .await
        .unwrap();
    assert_eq!(bad.status.code(), Some(1), "{}", text(&bad));
    assert!(!demo.cwd.path().join("credentials.json").exists());

    let login = demo
        .command(&["login", "--server", &demo.url])
        .env("SNAPDEPLOY_TOKEN", demo.token("approver"))
        .output()
        .await
        .unwrap();
    assert_eq!(login.status.code(), Some(0), "{}", text(&login));
    assert!(
        String::from_utf8_lossy(&login.stdout).contains("as approver (approver)"),
        "{}",
        text(&login)
    );
    let creds = demo.cwd.path().join("credentials.json");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&creds).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // From now on, no environment needed.
    let me = demo.command(&["whoami"]).output().await.unwrap();
    assert_eq!(me.status.code(), Some(0), "{}", text(&me));
    assert!(
        String::from_utf8_lossy(&me.stdout).starts_with("approver on "),
        "{}",
        text(&me)
    );
    let changes = demo.command(&["changes", "list"]).output().await.unwrap();
    assert_eq!(changes.status.code(), Some(0), "{}", text(&changes));

    let logout = demo.command(&["logout"]).output().await.unwrap();
    assert_eq!(logout.status.code(), Some(0), "{}", text(&logout));
    assert!(!creds.exists());
    // Without a server, change requests are out of reach, and the CLI says how to reach them.
    let none = demo.command(&["changes", "list"]).output().await.unwrap();
    assert_eq!(none.status.code(), Some(1), "{}", text(&none));
    assert!(String::from_utf8_lossy(&none.stderr).contains("SNAPDEPLOY_SERVER"));
}
