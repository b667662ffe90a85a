//! The API with the AWS store: snapshots land in S3 (moto's server) under the exact key
//! snapshot layout (README, "Snapshot layout"), in a bucket made safe on first use.

mod common;

use common::{fast_sandbox, spawn_app_with};
use snapdeploy_sandbox::seed::DEV;
use snapdeploy_server::ServerConfig;
use snapdeploy_store::{S3SnapshotStore, DEFAULT_BUCKET_PREFIX};
use std::sync::Arc;

#[tokio::test]
async fn snapshots_go_to_s3_with_the_exact_layout() {
    let moto = snapdeploy_testkit::start_moto().await;
    let conf = snapdeploy_testkit::sdk_config(&moto.endpoint, "testing", "testing", "us-east-1");
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&conf)
            .force_path_style(true)
            .build(),
    );
    let store = Arc::new(S3SnapshotStore::new(s3.clone(), DEFAULT_BUCKET_PREFIX));
    let app = spawn_app_with(fast_sandbox(), ServerConfig::default(), Some(store)).await;
    app.register(&DEV).await;

    let first = app.snapshot(&DEV, "cc-customer-lookup").await;
    let second = app.snapshot(&DEV, "cc-customer-lookup").await;
    let listed = s3
        .list_objects_v2()
        .bucket("cloudops-snapshots-111111111111")
        .send()
        .await
        .unwrap();
    let keys: Vec<&str> = listed.contents().iter().filter_map(|o| o.key()).collect();
    let doc = app.snapshot_doc(first["key"].as_str().unwrap()).await;
    let blob = format!(
        "111111111111/blobs/sha256/{}",
        doc["blobs"][0]["sha256"].as_str().unwrap()
    );
    let mut expected = vec![
        first["key"].as_str().unwrap(),
        second["key"].as_str().unwrap(),
        blob.as_str(),
    ];
    expected.sort();
    assert_eq!(
        keys, expected,
        "two documents and one code blob, nothing else"
    );
    for k in keys.iter().filter(|k| !k.contains("/blobs/")) {
        let file = k
            .strip_prefix(
                "111111111111/lambda/cc-customer-lookup/lambda_cc-customer-lookup_snapshot_",
            )
            .unwrap_or_else(|| panic!("{k}"));
        let ts = file.strip_suffix(".json").unwrap();
        assert_eq!(ts.len(), "20261126T023000.123Z".len(), "{k}");
        assert!(
            chrono::NaiveDateTime::parse_from_str(ts, "%Y%m%dT%H%M%S%.3fZ").is_ok(),
            "{k}"
        );
    }
    let (s, list) = app
        .get("/snapshots?account_id=111111111111&service=lambda&resource_name=cc-customer-lookup")
        .await;
    assert_eq!(s, 200);
    assert_eq!(list[0]["key"], second["key"], "newest first");
}
