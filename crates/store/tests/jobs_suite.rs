//! Job records and job queues: the same story for memory, SQLite shared by two connections
//! (two replicas on one file), and DynamoDB + SQS on moto's server.

use chrono::{Duration, TimeZone, Utc};
use serde_json::json;
use snapdeploy_store::*;
use snapdeploy_testkit::{sdk_config, start_moto};

async fn jobs_story(store: &dyn JobStore, other: &dyn JobStore) {
    let t0 = Utc.with_ymd_and_hms(2026, 12, 4, 12, 0, 0).unwrap();
    let job = JobRecord::new("j1", "snapshot", json!({"type": "snapshot"}), "olga", t0);
    store.create_job(&job).await.unwrap();
    assert!(matches!(
        other.create_job(&job).await.unwrap_err(),
        StoreError::Conflict(_)
    ));
    let read = other.get_job("j1", t0).await.unwrap().unwrap();
    assert_eq!((read.version, &read.job), (1, &job));

    // Two workers claim from version 1: exactly one wins.
    let mut claimed = read.job.clone();
    claimed.state = JobState::Running;
    claimed.worker = Some("w1".into());
    claimed.heartbeat_at = Some(t0);
    let v2 = store.update_job(&claimed, 1).await.unwrap();
    assert_eq!(v2, 2);
    let mut rival = read.job.clone();
    rival.state = JobState::Running;
    rival.worker = Some("w2".into());
    assert!(matches!(
        other.update_job(&rival, 1).await.unwrap_err(),
        StoreError::Conflict(_)
    ));
    assert_eq!(
        other.get_job("j1", t0).await.unwrap().unwrap().job.worker,
        Some("w1".into())
    );

    // Events: appended, numbered, read from a number on; a repeat changes nothing.
    store
        .append_job_events("j1", &[(1, json!({"m": "a"})), (2, json!({"m": "b"}))])
        .await
        .unwrap();
    other
        .append_job_events("j1", &[(2, json!({"m": "b"})), (3, json!({"m": "c"}))])
        .await
        .unwrap();
    let all = other.job_events("j1", 0).await.unwrap();
    assert_eq!(
        all.iter().map(|(s, _)| *s).collect::<Vec<_>>(),
        vec![1, 2, 3]
    );
    assert_eq!(
        store.job_events("j1", 2).await.unwrap(),
        vec![(3, json!({"m": "c"}))]
    );
    assert!(store.job_events("nope", 0).await.unwrap().is_empty());

    // Listing: newest first, by state, at most `limit`.
    for (n, id) in ["j2", "j3"].iter().enumerate() {
        let j = JobRecord::new(
            id,
            "extract",
            json!({}),
            "olga",
            t0 + Duration::seconds(n as i64 + 1),
        );
        other.create_job(&j).await.unwrap();
    }
    let ids = |v: Vec<JobRecord>| v.into_iter().map(|j| j.id).collect::<Vec<_>>();
    assert_eq!(
        ids(store.list_jobs(None, 10, t0).await.unwrap()),
        ["j3", "j2", "j1"]
    );
    assert_eq!(
        ids(store.list_jobs(None, 2, t0).await.unwrap()),
        ["j3", "j2"]
    );
    assert_eq!(
        ids(store
            .list_jobs(Some(JobState::Running), 10, t0)
            .await
            .unwrap()),
        ["j1"]
    );
    assert_eq!(
        ids(other
            .list_jobs(Some(JobState::Queued), 10, t0)
            .await
            .unwrap()),
        ["j3", "j2"]
    );

    // Finished with an expiry: gone once it has passed, and purged with its events.
    let mut done = claimed.clone();
    done.state = JobState::Succeeded;
    done.result = Some(json!({"ok": true}));
    done.finished_at = Some(t0 + Duration::seconds(5));
    done.expires_at = Some(t0 + Duration::seconds(65));
    assert_eq!(other.update_job(&done, v2).await.unwrap(), 3);
    let later = t0 + Duration::seconds(60);
    assert_eq!(
        store
            .get_job("j1", later)
            .await
            .unwrap()
            .unwrap()
            .job
            .result,
        Some(json!({"ok": true}))
    );
    let expired = t0 + Duration::seconds(66);
    assert!(store.get_job("j1", expired).await.unwrap().is_none());
    assert_eq!(
        ids(store.list_jobs(None, 10, expired).await.unwrap()),
        ["j3", "j2"]
    );
    assert_eq!(store.purge_jobs(later).await.unwrap(), 0);
    assert_eq!(other.purge_jobs(expired).await.unwrap(), 1);
    assert!(store.job_events("j1", 0).await.unwrap().is_empty());
    assert!(store.get_job("j1", t0).await.unwrap().is_none());
    assert_eq!(
        store.get_job("j2", expired).await.unwrap().unwrap().version,
        1
    );
}

async fn queue_story(q: &dyn JobQueue) {
    let wait = std::time::Duration::from_millis(200);
    assert!(q.receive(10, wait).await.unwrap().is_empty());
    q.send("a").await.unwrap();
    q.send("b").await.unwrap();
    let mut got = Vec::new();
    while got.len() < 2 {
        let batch = q
            .receive(10, std::time::Duration::from_secs(2))
            .await
            .unwrap();
        assert!(!batch.is_empty(), "the queue lost a message: {got:?}");
        for d in batch {
            q.ack(&d).await.unwrap();
            got.push(d.job_id);
        }
    }
    got.sort();
    assert_eq!(got, ["a", "b"]);
    assert!(q.receive(10, wait).await.unwrap().is_empty());
}

#[tokio::test]
async fn in_memory_jobs_and_queue_pass_the_story() {
    let j = MemoryJobs::default();
    jobs_story(&j, &j).await;
    queue_story(&MemoryQueue::default()).await;
}

#[tokio::test]
async fn a_memory_queue_wakes_a_waiting_receiver() {
    let q = std::sync::Arc::new(MemoryQueue::default());
    let waiting = {
        let q = q.clone();
        tokio::spawn(async move { q.receive(1, std::time::Duration::from_secs(30)).await })
    };
    tokio::task::yield_now().await;
    q.send("x").await.unwrap();
    let got = waiting.await.unwrap().unwrap();
    assert_eq!(got[0].job_id, "x");
}

#[tokio::test]
async fn sqlite_jobs_pass_the_story_across_two_connections() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("registry.db");
    jobs_story(
        &SqliteAccountStore::open(&path).unwrap(),
        &SqliteAccountStore::open(&path).unwrap(),
    )
    .await;
}

#[tokio::test]
async fn dynamo_jobs_and_sqs_pass_the_story_against_moto() {
    let moto = start_moto().await;
    let conf = sdk_config(&moto.endpoint, "testing", "testing", "us-east-1");
    let ddb = aws_sdk_dynamodb::Client::new(&conf);
    let a = DynamoAccountStore::connect(ddb.clone(), "snapdeploy-accounts")
        .await
        .unwrap();
    // A second replica connecting finds the tables (and their expiry) in place.
    let b = DynamoAccountStore::connect(ddb.clone(), "snapdeploy-accounts")
        .await
        .unwrap();
    let ttl = ddb
        .describe_time_to_live()
        .table_name("snapdeploy-accounts-jobs")
        .send()
        .await
        .unwrap();
    assert_eq!(
        ttl.time_to_live_description()
            .and_then(|d| d.attribute_name()),
        Some("expires")
    );
    jobs_story(&a, &b).await;

    let (sqs, url) = snapdeploy_testkit::sqs_queue(&conf, "snapdeploy-jobs").await;
    queue_story(&SqsQueue::new(sqs, &url)).await;
}

#[tokio::test]
async fn the_registry_queue_hands_out_jobs_queued_by_another_process() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("registry.db");
    let here: std::sync::Arc<dyn JobStore> =
        std::sync::Arc::new(SqliteAccountStore::open(&path).unwrap());
    let other = SqliteAccountStore::open(&path).unwrap();
    let q = RegistryQueue::new(here, std::time::Duration::from_millis(20));
    // Sent here: at once.
    q.send("mine").await.unwrap();
    assert_eq!(
        q.receive(5, std::time::Duration::ZERO).await.unwrap()[0].job_id,
        "mine"
    );
    // Queued by another process (its record is the message): found by looking, oldest first.
    let waiting = tokio::spawn(async move {
        q.receive(5, std::time::Duration::from_secs(30))
            .await
            .unwrap()
    });
    let t0 = Utc::now();
    for (n, id) in ["older", "newer"].iter().enumerate() {
        other
            .create_job(&JobRecord::new(
                id,
                "snapshot",
                json!({}),
                "olga",
                t0 + Duration::seconds(n as i64),
            ))
            .await
            .unwrap();
    }
    let got = waiting.await.unwrap();
    let ids: Vec<&str> = got.iter().map(|d| d.job_id.as_str()).collect();
    assert!(ids == ["older", "newer"] || ids == ["older"], "{ids:?}");
}
