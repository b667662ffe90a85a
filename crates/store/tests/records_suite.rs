//! Records (API tokens, change requests) with compare-and-set: the same story for memory,
//! SQLite shared by two connections, and DynamoDB on moto's server.

use serde_json::json;
use snapdeploy_store::*;
use snapdeploy_testkit::{sdk_config, start_moto};

async fn records_story(store: &dyn RecordStore, other_process: &dyn RecordStore) {
    assert_eq!(store.get_record("change", "c1").await.unwrap(), None);
    // Created only when absent.
    let v1 = store
        .put_record("change", "c1", &json!({"state": "pending"}), Some(0))
        .await
        .unwrap();
    assert_eq!(v1, 1);
    assert!(matches!(
        other_process
            .put_record("change", "c1", &json!({"state": "other"}), Some(0))
            .await
            .unwrap_err(),
        StoreError::Conflict(_)
    ));
    // Two writers that read version 1: the first wins, the second is refused.
    let read = other_process
        .get_record("change", "c1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(read.version, 1);
    assert_eq!(read.doc, json!({"state": "pending"}));
    let v2 = store
        .put_record("change", "c1", &json!({"state": "approved"}), Some(1))
        .await
        .unwrap();
    assert_eq!(v2, 2);
    let err = other_process
        .put_record("change", "c1", &json!({"state": "rejected"}), Some(1))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::Conflict(m) if m.contains("changed meanwhile")),
        "{err:?}"
    );
    assert_eq!(
        store.get_record("change", "c1").await.unwrap().unwrap().doc,
        json!({"state": "approved"})
    );
    // Unconditional writes move the version on too.
    assert_eq!(
        other_process
            .put_record("change", "c1", &json!({"state": "executed"}), None)
            .await
            .unwrap(),
        3
    );
    // Kinds are apart; listing is by id.
    for id in ["t2", "t1"] {
        store
            .put_record("token", id, &json!({"id": id}), Some(0))
            .await
            .unwrap();
    }
    let tokens = other_process.list_records("token").await.unwrap();
    assert_eq!(
        tokens
            .iter()
            .map(|r| r.doc["id"].clone())
            .collect::<Vec<_>>(),
        vec![json!("t1"), json!("t2")]
    );
    assert_eq!(store.list_records("change").await.unwrap().len(), 1);
    store.delete_record("token", "t1").await.unwrap();
    assert!(matches!(
        other_process
            .delete_record("token", "t1")
            .await
            .unwrap_err(),
        StoreError::NotFound(_)
    ));
    assert_eq!(store.list_records("token").await.unwrap().len(), 1);
}

#[tokio::test]
async fn in_memory_records_pass_the_story() {
    let r = MemoryRecords::default();
    records_story(&r, &r).await;
}

#[tokio::test]
async fn sqlite_records_pass_the_story_across_two_connections() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("registry.db");
    records_story(
        &SqliteAccountStore::open(&path).unwrap(),
        &SqliteAccountStore::open(&path).unwrap(),
    )
    .await;
}

#[tokio::test]
async fn dynamo_records_pass_the_story_against_moto() {
    let moto = start_moto().await;
    let conf = sdk_config(&moto.endpoint, "testing", "testing", "us-east-1");
    let ddb = aws_sdk_dynamodb::Client::new(&conf);
    records_story(
        &DynamoAccountStore::connect(ddb.clone(), "snapdeploy-accounts")
            .await
            .unwrap(),
        &DynamoAccountStore::connect(ddb, "snapdeploy-accounts")
            .await
            .unwrap(),
    )
    .await;
}
