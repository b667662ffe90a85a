//! Lambda: extract of many functions with Lambda's quotas on, and snapshots that share code.

use crate::{common, Run};
use aws_sdk_lambda::primitives::Blob;
use rand::RngCore;
use snapdeploy_aws::{HubConfig, Progress};
use snapdeploy_core::{AccountId, Region, ServiceKind};
use snapdeploy_sandbox::seed::DEV;
use snapdeploy_sandbox::{make_zip, Sandbox, SandboxConfig, Seed};
use std::time::{Duration, Instant};

/// Lambda's default control-plane quota, as the sandbox enforces it.
pub const QUOTA: f64 = 15.0;
pub const BURST: f64 = 15.0;

pub struct Extract {
    pub functions: usize,
    /// Published versions among what was listed.
    pub versions: usize,
    pub run: Run,
    /// What a list + versions + aliases client makes for the same functions.
    pub naive: u64,
}

/// Extracts every function of DEV (us-east-1) of `seed` with the sandbox's quotas on.
pub async fn extract(seed: Seed, hub: HubConfig) -> Extract {
    let dir = tempfile::tempdir().unwrap();
    let account = AccountId::parse(DEV.account_id).unwrap();
    let region = Region::parse("us-east-1").unwrap();
    let sb = Sandbox::seeded(SandboxConfig::default(), seed);
    let url = format!("http://{}", sb.clone().spawn("127.0.0.1:0").await.unwrap());
    let eng = common::engine(&url, &dir.path().join("extract"), &[&DEV], hub).await;
    let started = Instant::now();
    let fns = eng
        .extract(&account, &region, ServiceKind::Lambda, &Progress::none())
        .await
        .unwrap();
    let wall = started.elapsed().as_secs_f64();
    let (made, throttled) = common::counted(&sb, "lambda:");
    let versions = fns
        .iter()
        .map(|f| f["Versions"].as_array().map_or(0, Vec::len))
        .sum();
    Extract {
        functions: fns.len(),
        versions,
        run: Run {
            made,
            throttled,
            wall,
            floor: ((made as f64) - BURST).max(0.0) / QUOTA,
            peak_rss_mb: crate::peak_rss_mb(),
        },
        naive: 1 + fns.len().div_ceil(50) as u64 + 2 * fns.len() as u64,
    }
}

pub struct Dedup {
    pub functions: usize,
    pub zip_bytes: usize,
    pub stored_bytes: u64,
    pub wall: f64,
    pub repeats: usize,
    /// Code downloads the repeated snapshots of one unchanged function made.
    pub repeat_downloads: u64,
    pub repeat_wall: f64,
}

/// `functions` functions sharing one zip of `zip_mb` MB, each snapshotted; then one of them
/// snapshotted `repeats` more times.
pub async fn dedup(functions: usize, zip_mb: usize, repeats: usize) -> Dedup {
    let dir = tempfile::tempdir().unwrap();
    let account = AccountId::parse(DEV.account_id).unwrap();
    let sb = Sandbox::seeded(
        SandboxConfig {
            quotas_enabled: false,
            lambda_update_delay: Duration::ZERO,
            ..SandboxConfig::default()
        },
        Seed::Accounts,
    );
    let url = format!("http://{}", sb.clone().spawn("127.0.0.1:0").await.unwrap());
    let mut payload = vec![0u8; zip_mb * 1024 * 1024];
    rand::rng().fill_bytes(&mut payload);
    let zip = make_zip(&[("model.bin", &payload)]);
    let lambda = aws_sdk_lambda::Client::new(&snapdeploy_testkit::sdk_config(
        &url,
        DEV.access_key,
        DEV.secret_key,
        "us-east-1",
    ));
    for i in 0..functions {
        lambda
            .create_function()
            .function_name(format!("shared-{i:02}"))
            .runtime(aws_sdk_lambda::types::Runtime::Python312)
            .role("arn:aws:iam::111111111111:role/bench")
            .handler("main.handler")
            .code(
                aws_sdk_lambda::types::FunctionCode::builder()
                    .zip_file(Blob::new(zip.clone()))
                    .build(),
            )
            .send()
            .await
            .unwrap();
    }
    let eng = common::engine(
        &url,
        &dir.path().join("dedup"),
        &[&DEV],
        HubConfig::default(),
    )
    .await;
    let started = Instant::now();
    for i in 0..functions {
        let req = common::snapshot_request(
            DEV.account_id,
            ServiceKind::Lambda,
            &format!("shared-{i:02}"),
        );
        eng.snapshot(req, &Progress::none()).await.unwrap();
    }
    let wall = started.elapsed().as_secs_f64();
    let stored_bytes = eng.snapshots.stored_bytes(&account).await.unwrap();
    // The same function again and again (a nightly snapshot, every deploy's safety
    // snapshot): its code is downloaded only when its CodeSha256 moves.
    let downloads = || common::counted(&sb, "sandbox:download").0;
    let before = downloads();
    let started = Instant::now();
    for _ in 0..repeats {
        let req = common::snapshot_request(DEV.account_id, ServiceKind::Lambda, "shared-00");
        eng.snapshot(req, &Progress::none()).await.unwrap();
    }
    Dedup {
        functions,
        zip_bytes: zip.len(),
        stored_bytes,
        wall,
        repeats,
        repeat_downloads: downloads() - before,
        repeat_wall: started.elapsed().as_secs_f64(),
    }
}
