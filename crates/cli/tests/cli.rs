//! The `snapdeploy` binary as a pipeline uses it: against the sandbox, with --json output and
//! exit codes that say what happened.

use serde_json::{json, Value};
use snapdeploy_sandbox::seed::{DEV, PROD};
mod common;

use common::Cli;
#[tokio::test]
async fn a_pipeline_promotes_a_function_with_the_cli() {
    let cli = Cli::new().await;
    cli.add_dev_and_prod().await;
    let accounts = cli.json(&["accounts", "list"]).await;
    assert_eq!(accounts.as_array().unwrap().len(), 2);
    assert!(!accounts.to_string().contains(DEV.external_id));

    let fns = cli
        .json(&[
            "extract",
            "lambda",
            "--account-id",
            DEV.account_id,
            "--region",
            "us-east-1",
        ])
        .await;
    assert_eq!(fns.as_array().unwrap().len(), 5);
    let meta = cli
        .json(&[
            "snapshot",
            "lambda",
            "cc-customer-lookup",
            "--account-id",
            DEV.account_id,
            "--region",
            "us-east-1",
            "--note",
            "release 42",
        ])
        .await;
    assert_eq!(meta["taken_by"], "ci-pipeline");
    let key = meta["key"].as_str().unwrap();
    let list = cli
        .json(&[
            "snapshots",
            "--account-id",
            DEV.account_id,
            "--service",
            "lambda",
            "--resource-name",
            "cc-customer-lookup",
            "--limit",
            "1",
        ])
        .await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["key"], key);

    let plan = cli
        .json(&[
            "deploy",
            "--snapshot-key",
            key,
            "--account-id",
            PROD.account_id,
            "--region",
            "us-east-1",
            "--dry-run",
        ])
        .await;
    assert_eq!(plan["action"], "update");
    let report = cli
        .json(&[
            "deploy",
            "--snapshot-key",
            key,
            "--account-id",
            PROD.account_id,
            "--region",
            "us-east-1",
            "--alias",
            "live",
        ])
        .await;
    assert_eq!(report["status"], "succeeded");
    let safety = report["safety_snapshot"]["key"].as_str().unwrap();
    let back = cli
        .json(&[
            "rollback",
            "lambda",
            "cc-customer-lookup",
            "--account-id",
            PROD.account_id,
            "--region",
            "us-east-1",
            "--snapshot-key",
            safety,
        ])
        .await;
    assert_eq!(back["status"], "succeeded");

    // Human output by default.
    let out = cli.run(&["accounts", "list"]).await;
    assert!(String::from_utf8_lossy(&out.stdout).contains("contact-centre-prod"));
}

#[tokio::test]
async fn failures_exit_non_zero_with_a_clear_message() {
    let cli = Cli::new().await;
    for (args, needle) in [
        // Checked as the API checks them, before anything is read.
        (
            vec![
                "deploy",
                "--snapshot-key",
                "111111111111/lambda/f/lambda_f_snapshot_20261201T000000.000Z.json",
                "--account-id",
                "222222222222",
                "--region",
                "us-east-1",
                "--alias",
                "12",
            ],
            "alias: 1-128 letters",
        ),
        (
            vec![
                "snapshot",
                "lex",
                "OrdersBot",
                "--account-id",
                "111111111111",
                "--region",
                "us-east-1",
                "--version",
                "latest",
            ],
            "version: DRAFT or a version number",
        ),
        (
            vec![
                "snapshot",
                "lambda",
                "f",
                "--account-id",
                "111111111111",
                "--region",
                "us-east-1",
                "--note",
                "a\tb",
            ],
            "note: at most 500 characters, no control characters",
        ),
        (
            vec![
                "extract",
                "s3",
                "--account-id",
                "111111111111",
                "--region",
                "us-east-1",
            ],
            "service",
        ),
        (
            vec![
                "extract",
                "lambda",
                "--account-id",
                "111111111111",
                "--region",
                "us-east-1",
            ],
            "not registered",
        ),
        (
            vec![
                "accounts",
                "add",
                "--account-id",
                "12",
                "--name",
                "x",
                "--role-arn",
                "arn:aws:iam::111111111111:role/x",
                "--regions",
                "us-east-1",
            ],
            "12 digits",
        ),
        (
            vec![
                "rollback",
                "lambda",
                "f",
                "--account-id",
                "111111111111",
                "--region",
                "us-east-1",
                "--snapshot-key",
                "../etc/passwd",
            ],
            "snapshot_key",
        ),
    ] {
        let out = cli.run(&args).await;
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("error:") && err.contains(needle),
            "{args:?}: {err}"
        );
    }
    let out = cli
        .run(&[
            "accounts",
            "add",
            "--account-id",
            "111111111111",
            "--name",
            "dev",
            "--role-arn",
            DEV.role_arn,
            "--external-id",
            "wrong-one",
            "--regions",
            "us-east-1",
        ])
        .await;
    assert!(out.status.success());
    let out = cli
        .run(&[
            "extract",
            "lambda",
            "--account-id",
            "111111111111",
            "--region",
            "us-east-1",
        ])
        .await;
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("AssumeRole into account 111111111111"));
    // A pacing that would break the quota or stall everything is refused at start-up.
    let out = cli
        .run_with(&["accounts", "list"], &[("SNAPDEPLOY_CONNECT_RATE", "0")])
        .await;
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("SNAPDEPLOY_CONNECT_RATE"));
    // So is a lease too short to be renewed in time.
    let out = cli
        .run_with(
            &["accounts", "list"],
            &[("SNAPDEPLOY_CHANGE_LEASE_SECONDS", "1")],
        )
        .await;
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("SNAPDEPLOY_CHANGE_LEASE_SECONDS"));
}

/// `snapdeploy demo`: one command, no AWS account, accounts registered, `.env` honoured.
#[tokio::test]
async fn demo_runs_the_whole_product_offline() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(".env"),
        "SNAPDEPLOY_DEMO_DATA_DIR=from-dotenv\n",
    )
    .unwrap();
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_snapdeploy"))
        .args([
            "demo",
            "--addr",
            "127.0.0.1:0",
            "--sandbox-addr",
            "127.0.0.1:0",
        ])
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let (api, banner, _rest) = common::demo_banner(child.stderr.take().unwrap()).await;
    assert!(
        banner.contains("SANDBOX") && banner.contains("not AWS"),
        "{banner}"
    );
    let http = reqwest::Client::new();
    // Demo mode signs requests in: a token per role, in the banner and in tokens.json (0600).
    let tokens_file = dir.path().join("from-dotenv/tokens.json");
    let tokens: Value = serde_json::from_slice(&std::fs::read(&tokens_file).unwrap()).unwrap();
    for user in ["admin", "approver", "operator", "viewer"] {
        assert!(
            tokens[user].as_str().unwrap().starts_with("sdt_"),
            "{tokens}"
        );
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&tokens_file)
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let anonymous = http
        .get(format!("http://{api}/accounts"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status().as_u16(), 401);
    let accounts: Value = http
        .get(format!("http://{api}/accounts"))
        .bearer_auth(tokens["viewer"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(accounts.as_array().unwrap().len(), 2);
    let health: Value = http
        .get(format!("http://{api}/healthz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["mode"], "demo");
    let meta: Value = http
        .post(format!("http://{api}/snapshot"))
        .bearer_auth(tokens["operator"].as_str().unwrap())
        .json(&serde_json::json!({"account_id": "111111111111", "region": "us-east-1", "service": "lambda", "resource_name": "cc-customer-lookup"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // Who took it: the signed-in user, not a process-wide name.
    assert_eq!(meta["taken_by"], "operator", "{meta}");
    assert!(dir
        .path()
        .join("from-dotenv/cloudops-snapshots-111111111111")
        .is_dir());
    child.kill().await.unwrap();
}

/// The ExternalId is a shared secret with the role's trust policy: it appears in no output,
/// not even with debug logging.
#[tokio::test]
async fn the_external_id_stays_out_of_logs_and_output() {
    let cli = Cli::new().await;
    let secret_env = [
        ("SNAPDEPLOY_EXTERNAL_ID", DEV.external_id),
        ("RUST_LOG", "debug"),
    ];
    let add = [
        "accounts",
        "add",
        "--account-id",
        DEV.account_id,
        "--name",
        DEV.name,
        "--role-arn",
        DEV.role_arn,
        "--regions",
        "us-east-1",
    ];
    let out = cli.run_with(&add, &secret_env).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for args in [
        vec!["accounts", "list"],
        vec!["--json", "accounts", "list"],
        vec![
            "extract",
            "lambda",
            "--account-id",
            DEV.account_id,
            "--region",
            "us-east-1",
        ],
    ] {
        let out = cli.run_with(&args, &[("RUST_LOG", "debug")]).await;
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            all.contains("111111111111"),
            "{args:?} said something about the account"
        );
        assert!(
            !all.contains(DEV.external_id),
            "{args:?} leaked the ExternalId"
        );
    }
}

#[tokio::test]
async fn a_pipeline_plans_a_selective_connect_promotion() {
    let cli = Cli::new().await;
    cli.add_dev_and_prod().await;
    let meta = cli.snapshot_dev(&["connect", "acme-dev"]).await;
    let plan = cli
        .json(&[
            "deploy",
            "--snapshot-key",
            meta["key"].as_str().unwrap(),
            "--account-id",
            PROD.account_id,
            "--region",
            "us-east-1",
            "--resource-name",
            "acme-prod",
            "--flows",
            "Transfer to Sales,Customer Queue",
            "--dry-run",
        ])
        .await;
    assert_eq!(plan["summary"]["selective"], true, "{plan}");
    let items: Vec<String> = plan["summary"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            format!(
                "{}:{}",
                i["kind"].as_str().unwrap(),
                i["name"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        items,
        [
            "hours of operation:24x7",
            "hours of operation:Business Hours",
            "queue:Billing",
            "queue:Sales",
            "queue:Support",
            "prompt:Hold Music",
            "quick connect:QC Billing",
            "quick connect:QC Sales",
            "quick connect:QC Support",
            "flow:Customer Queue",
            "flow:Transfer to Billing",
            "flow:Transfer to Sales",
            "flow:Transfer to Support",
        ],
        "the two flows and exactly what they need: Sales' quick connects bring the other queues, their hours and transfer flows"
    );
}

#[tokio::test]
async fn a_connect_snapshot_reuses_unchanged_reads_unless_told_to_read_everything() {
    let cli = Cli::new().await;
    cli.add_dev_and_prod().await;
    let audio_reads = || async {
        let c: serde_json::Value = reqwest::get(format!("{}/_sandbox/counters", cli.sandbox_url))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        c["connect:GetPromptFile"]["calls"].as_u64().unwrap_or(0)
    };
    // acme-dev's 3 prompts and the 5 every instance starts with.
    let first = cli.snapshot_dev(&["connect", "acme-dev"]).await;
    assert_eq!(audio_reads().await, 8);
    let again = cli.snapshot_dev(&["connect", "acme-dev"]).await;
    assert_eq!(
        audio_reads().await,
        8,
        "unchanged prompts are not read again"
    );
    let full = cli.snapshot_dev(&["connect", "acme-dev", "--full"]).await;
    assert_eq!(audio_reads().await, 16, "--full reads every prompt");
    assert_eq!(again["digest"], first["digest"]);
    assert_eq!(full["digest"], first["digest"]);
}

#[tokio::test]
async fn every_cli_run_adds_to_one_audit_trail() {
    let cli = Cli::new().await;
    cli.add_dev_and_prod().await;
    let meta = cli.snapshot_dev(&["lambda", "cc-customer-lookup"]).await;
    // Each command is its own process; the trail lives in the registry they share.
    let trail = cli.json(&["audit", "--limit", "5"]).await;
    let rows: Vec<String> = trail
        .as_array()
        .unwrap()
        .iter()
        .map(|e| format!("{} {} {}", e["actor"], e["action"], e["account_id"]))
        .collect();
    assert_eq!(
        rows,
        [
            r#""ci-pipeline" "snapshot" "111111111111""#,
            r#""ci-pipeline" "account-added" "222222222222""#,
            r#""ci-pipeline" "account-added" "111111111111""#,
        ]
    );
    assert_eq!(trail[0]["snapshot_key"], meta["key"]);
    let prod = cli.json(&["audit", "--account-id", PROD.account_id]).await;
    assert_eq!(prod.as_array().unwrap().len(), 1);
    let out = cli.run(&["audit", "--limit", "0"]).await;
    assert!(!out.status.success(), "a limit of 0 is refused");
}

#[tokio::test]
async fn an_interrupted_deploy_runs_to_its_end_before_the_cli_exits() {
    use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
    let cli = Cli::new().await;
    cli.add_dev_and_prod().await;
    let meta = cli.snapshot_dev(&["lambda", "cc-customer-lookup"]).await;
    // The sandbox holds the deploy's configuration update: the interrupt lands in the
    // middle of the change, however slow the machine.
    cli.inject(
        json!({"service": "lambda", "operation": "UpdateFunctionConfiguration", "hold": true}),
    )
    .await;
    let mut deploy = cli
        .command(&[
            "--json",
            "deploy",
            "--snapshot-key",
            meta["key"].as_str().unwrap(),
            "--account-id",
            PROD.account_id,
            "--region",
            "us-east-1",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(60);
    while cli.sandbox.held_calls() == 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the deploy never reached its update"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let pid = deploy.id().unwrap().to_string();
    let sent = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap();
    assert!(sent.success());
    // Once the CLI says it carries on, the held update is let go.
    let mut lines = BufReader::new(deploy.stderr.take().unwrap()).lines();
    let mut stderr = String::new();
    while let Some(line) = lines.next_line().await.unwrap() {
        stderr.push_str(&line);
        stderr.push('\n');
        if line.contains("a change is under way") {
            break;
        }
    }
    assert!(stderr.contains("a change is under way"), "{stderr}");
    cli.sandbox.clear_faults();
    while let Some(line) = lines.next_line().await.unwrap() {
        stderr.push_str(&line);
        stderr.push('\n');
    }
    let mut stdout = Vec::new();
    deploy
        .stdout
        .take()
        .unwrap()
        .read_to_end(&mut stdout)
        .await
        .unwrap();
    let status = deploy.wait().await.unwrap();
    assert!(status.success(), "exit {status:?}: {stderr}");
    assert!(
        stderr.contains("assumed role") && !stderr.contains('\u{1b}'),
        "logs, without colour codes when not on a terminal: {stderr}"
    );
    let report: Value = serde_json::from_slice(&stdout).unwrap();
    assert_eq!(report["status"], "succeeded", "{report}");
}
