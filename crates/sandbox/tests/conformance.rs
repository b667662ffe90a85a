//! The sandbox driven by boto3 (tests/conformance/sandbox_boto3.py): the same Lambda and STS
//! operations the product uses, from a client built from AWS's own models.

use snapdeploy_sandbox::{Sandbox, SandboxConfig, Seed};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn boto3_drives_the_sandbox_like_aws() {
    let config = SandboxConfig {
        quotas_enabled: false,
        lambda_update_delay: Duration::from_millis(400),
        ..SandboxConfig::default()
    };
    let addr = Sandbox::seeded(config, Seed::Accounts)
        .spawn("127.0.0.1:0")
        .await
        .unwrap();
    // Read when the test runs, not when it was compiled: a target directory reused from a
    // clone at another path would otherwise point at that clone.
    let script = std::path::Path::new(
        &std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").into()),
    )
    .join("../../tests/conformance/sandbox_boto3.py");
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    let out = tokio::process::Command::new(&python)
        .arg(script)
        .env("SANDBOX_URL", format!("http://{addr}"))
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        // The script checks with `assert`, which -O (PYTHONOPTIMIZE) would strip.
        .env_remove("PYTHONOPTIMIZE")
        .output()
        .await
        .unwrap_or_else(|e| panic!("running {python}: {e}; install the test tools: pip install -r tests/requirements.txt"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "boto3 conformance failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("all checks passed"), "{stdout}\n{stderr}");
}
