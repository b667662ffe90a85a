//! Lambda benchmarks against the sandbox (docs/benchmarks.md):
//!
//! 1. extract 500+ functions with Lambda's default quotas on: calls made, calls throttled,
//!    wall time, and the floor the quota sets;
//! 2. 50 snapshots of functions that share one 10 MB zip: bytes stored (the zip once).
//!
//! `cargo run -p snapdeploy-aws --example bench_lambda`

mod common;

use aws_sdk_lambda::primitives::Blob;
use rand::RngCore;
use snapdeploy_aws::Progress;
use snapdeploy_core::{AccountId, Region, ServiceKind};
use snapdeploy_sandbox::seed::DEV;
use snapdeploy_sandbox::{make_zip, Sandbox, SandboxConfig, Seed};
use std::time::{Duration, Instant};

const QUOTA: f64 = 15.0;
const BURST: f64 = 15.0;

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let account = AccountId::parse(DEV.account_id).unwrap();
    let region = Region::parse("us-east-1").unwrap();

    // 1. Extract with quotas on.
    let sb = Sandbox::seeded(SandboxConfig::default(), Seed::Large);
    let url = format!("http://{}", sb.clone().spawn("127.0.0.1:0").await.unwrap());
    let eng = common::engine(&url, &dir.path().join("extract"), &[&DEV]).await;
    // Let the quota buckets fill, then count only the extraction.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let started = Instant::now();
    let fns = eng
        .extract(&account, &region, ServiceKind::Lambda, &Progress::none())
        .await
        .unwrap();
    let wall = started.elapsed().as_secs_f64();
    let (made, throttled) = common::counted(&sb, "lambda:");
    let calls = made + throttled;
    let floor = ((made as f64) - BURST).max(0.0) / QUOTA;
    let naive = 1 + fns.len().div_ceil(50) as u64 + 2 * fns.len() as u64;
    println!("extract: {} functions, {made} calls answered ({calls} sent, {throttled} throttled), wall {wall:.1} s, quota floor {floor:.1} s ({:.2}x), a list + versions + aliases client makes {naive} calls", fns.len(), wall / floor);

    // 2. Snapshots sharing one 10 MB zip.
    let sb = Sandbox::seeded(
        SandboxConfig {
            quotas_enabled: false,
            lambda_update_delay: Duration::ZERO,
            ..SandboxConfig::default()
        },
        Seed::Accounts,
    );
    let url = format!("http://{}", sb.clone().spawn("127.0.0.1:0").await.unwrap());
    let mut payload = vec![0u8; 10 * 1024 * 1024];
    rand::rng().fill_bytes(&mut payload);
    let zip = make_zip(&[("model.bin", &payload)]);
    let lambda = aws_sdk_lambda::Client::new(&snapdeploy_testkit::sdk_config(
        &url,
        DEV.access_key,
        DEV.secret_key,
        "us-east-1",
    ));
    for i in 0..50 {
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
    let store_dir = dir.path().join("dedup");
    let eng = common::engine(&url, &store_dir, &[&DEV]).await;
    let started = Instant::now();
    for i in 0..50 {
        eng.snapshot(
            common::snapshot_request(
                DEV.account_id,
                ServiceKind::Lambda,
                &format!("shared-{i:02}"),
            ),
            &Progress::none(),
        )
        .await
        .unwrap();
    }
    let wall = started.elapsed().as_secs_f64();
    let stored = eng.snapshots.stored_bytes(&account).await.unwrap();
    println!(
        "snapshots: 50 functions sharing one {:.1} MB zip: {:.2} MB stored (naive {:.1} MB), {wall:.1} s",
        zip.len() as f64 / 1e6,
        stored as f64 / 1e6,
        50.0 * zip.len() as f64 / 1e6
    );

    // The same function again and again (a nightly snapshot, every deploy's safety
    // snapshot): its code is downloaded only when its CodeSha256 moves.
    let downloads = || common::counted(&sb, "sandbox:download").0;
    let before = downloads();
    let started = Instant::now();
    for _ in 0..20 {
        eng.snapshot(
            common::snapshot_request(DEV.account_id, ServiceKind::Lambda, "shared-00"),
            &Progress::none(),
        )
        .await
        .unwrap();
    }
    println!(
        "20 more snapshots of one unchanged function: {} code download(s) ({:.1} MB) instead of 20 ({:.1} MB), {:.1} s",
        downloads() - before,
        (downloads() - before) as f64 * zip.len() as f64 / 1e6,
        20.0 * zip.len() as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
}
