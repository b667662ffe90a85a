//! One story every store implementation must pass: embedded (SQLite + folder) and AWS
//! (DynamoDB + S3, against moto's server, started here).

use aws_sdk_s3::types::ServerSideEncryption;
use serde_json::json;
use snapdeploy_core::*;
use snapdeploy_store::*;
use snapdeploy_testkit::{sdk_config, start_moto};

fn account(id: &str) -> Account {
    Account {
        account_id: AccountId::parse(id).unwrap(),
        name: format!("acct-{id}"),
        role_arn: RoleArn::parse(&format!("arn:aws:iam::{id}:role/SnapDeployAccess")).unwrap(),
        external_id: Some(ExternalId::parse("ext-123").unwrap()),
        regions: vec![Region::parse("us-east-1").unwrap()],
        protected: false,
        created_at: chrono::Utc::now(),
    }
}

async fn account_story(store: &dyn AccountStore) {
    assert!(store.list().await.unwrap().is_empty());
    store.insert(&account("222222222222")).await.unwrap();
    store.insert(&account("111111111111")).await.unwrap();
    let dup = store.insert(&account("111111111111")).await.unwrap_err();
    assert!(matches!(dup, StoreError::Conflict(_)), "{dup:?}");

    let listed = store.list().await.unwrap();
    let ids: Vec<&str> = listed.iter().map(|a| a.account_id.as_str()).collect();
    assert_eq!(ids, ["111111111111", "222222222222"]);
    let got = store
        .get(&AccountId::parse("111111111111").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got, account_with_time("111111111111", got.created_at));

    store
        .remove(&AccountId::parse("111111111111").unwrap())
        .await
        .unwrap();
    let gone = store
        .remove(&AccountId::parse("111111111111").unwrap())
        .await
        .unwrap_err();
    assert!(matches!(gone, StoreError::NotFound(_)), "{gone:?}");
    assert!(store
        .get(&AccountId::parse("111111111111").unwrap())
        .await
        .unwrap()
        .is_none());
    assert_eq!(store.list().await.unwrap().len(), 1);
}

fn account_with_time(id: &str, t: chrono::DateTime<chrono::Utc>) -> Account {
    Account {
        created_at: t,
        ..account(id)
    }
}

fn envelope(name: &str, config: serde_json::Value, blobs: Vec<BlobRef>) -> SnapshotEnvelope {
    SnapshotEnvelope::new(
        ResourceRef {
            service: ServiceKind::Lambda,
            resource_name: ResourceName::parse(name).unwrap(),
            account_id: AccountId::parse("111111111111").unwrap(),
            region: Region::parse("us-east-1").unwrap(),
        },
        "suite".into(),
        SnapshotReason::Manual,
        SourceRef {
            arn: format!("arn:aws:lambda:us-east-1:111111111111:function:{name}"),
            id: String::new(),
        },
        config,
        blobs,
    )
}

/// Returns the keys written, so a backend-specific check can look at the raw layout.
async fn snapshot_story(store: &dyn SnapshotStore) -> Vec<SnapshotKey> {
    let acct = AccountId::parse("111111111111").unwrap();
    let code = vec![7u8; 100_000];
    let blob = store
        .put_blob(&acct, &code, "application/zip", "code")
        .await
        .unwrap();
    let before = store.stored_bytes(&acct).await.unwrap();
    // The same bytes again are not stored again.
    let again = store
        .put_blob(&acct, &code, "application/zip", "code")
        .await
        .unwrap();
    assert_eq!(blob.sha256, again.sha256);
    assert_eq!(store.stored_bytes(&acct).await.unwrap(), before);
    assert_eq!(store.get_blob(&acct, &blob.sha256).await.unwrap(), code);
    // A URL a service can fetch the blob from (Connect's CreatePrompt takes audio so).
    let url = store.blob_url(&acct, &blob.sha256).await.unwrap();
    let fetched = match url.strip_prefix("file://") {
        Some(path) => std::fs::read(path).unwrap(),
        None => reqwest::get(&url)
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
            .to_vec(),
    };
    assert_eq!(fetched, code);
    assert!(matches!(
        store.blob_url(&acct, &"0".repeat(64)).await.unwrap_err(),
        StoreError::NotFound(_)
    ));
    assert!(matches!(
        store.get_blob(&acct, &"0".repeat(64)).await.unwrap_err(),
        StoreError::NotFound(_)
    ));

    // Two snapshots in the same millisecond get two keys: a write never overwrites.
    let mut a = envelope("orders-api", json!({"Timeout": 3}), vec![blob.clone()]);
    let mut b = envelope("orders-api", json!({"Timeout": 9}), vec![blob.clone()]);
    b.taken_at = a.taken_at;
    let ka = store.put_snapshot(&mut a).await.unwrap();
    let kb = store.put_snapshot(&mut b).await.unwrap();
    assert_ne!(ka, kb);
    assert_eq!(kb.taken_at - ka.taken_at, chrono::Duration::milliseconds(1));
    let mut other = envelope("billing", json!({}), vec![]);
    let ko = store.put_snapshot(&mut other).await.unwrap();

    let listed = store
        .list(
            &acct,
            Some(ServiceKind::Lambda),
            Some(&ResourceName::parse("orders-api").unwrap()),
        )
        .await
        .unwrap();
    let keys: Vec<&str> = listed.iter().map(|m| m.key.as_str()).collect();
    assert_eq!(keys, [kb.as_str(), ka.as_str()], "newest first");
    // The keys alone, without reading the documents: the same, newest first; none for a
    // resource without snapshots.
    let orders = ResourceName::parse("orders-api").unwrap();
    assert_eq!(
        store
            .keys(&acct, Some(ServiceKind::Lambda), Some(&orders))
            .await
            .unwrap()
            .iter()
            .map(|k| k.to_string())
            .collect::<Vec<_>>(),
        [kb.to_string(), ka.to_string()]
    );
    assert!(store
        .keys(&acct, Some(ServiceKind::Connect), Some(&orders))
        .await
        .unwrap()
        .is_empty());
    assert_eq!(store.list(&acct, None, None).await.unwrap().len(), 3);
    assert!(store
        .list(&AccountId::parse("999999999999").unwrap(), None, None)
        .await
        .unwrap()
        .is_empty());

    let read = store.get_verified(&ka).await.unwrap();
    assert_eq!(read.config, json!({"Timeout": 3}));
    assert_eq!(read.digest, a.digest);
    let missing = SnapshotKey::new(
        &acct,
        ServiceKind::Lambda,
        &ResourceName::parse("nope").unwrap(),
        chrono::Utc::now(),
    );
    assert!(matches!(
        store.get_snapshot(&missing).await.unwrap_err(),
        StoreError::NotFound(_)
    ));
    vec![ka, kb, ko]
}

/// Leases: one holder per key at a time, named to whoever else asks; a lapsed lease can be
/// taken over, and its old holder's release then leaves the new lease alone. Time is what
/// each caller says it is (`now`), so lapsing is tested without waiting.
async fn lock_story(locks: &dyn LockStore, other_process: &dyn LockStore) {
    use std::time::Duration;
    let minute = Duration::from_secs(60);
    let t0 = chrono::Utc::now();
    let at = |s: i64| t0 + chrono::Duration::seconds(s);
    let alice = locks
        .acquire("acct/us-east-1/connect/prod", "alice", minute, t0)
        .await
        .unwrap();
    assert_eq!(alice.holder, "alice");
    let seen = other_process.holder("acct/us-east-1/connect/prod").await;
    let seen = seen.unwrap().expect("alice's lease");
    // Stored to the millisecond.
    assert_eq!((&seen.token, &seen.holder), (&alice.token, &alice.holder));
    assert_eq!(
        seen.expires_at.timestamp_millis(),
        alice.expires_at.timestamp_millis()
    );
    let busy = other_process
        .acquire("acct/us-east-1/connect/prod", "bob", minute, t0)
        .await
        .unwrap_err();
    match busy {
        StoreError::Conflict(m) => assert!(
            m.contains("acct/us-east-1/connect/prod") && m.contains("alice"),
            "{m}"
        ),
        e => panic!("{e:?}"),
    }
    // Another key is free.
    let other = other_process
        .acquire("acct/us-east-1/connect/dev", "bob", minute, t0)
        .await
        .unwrap();
    locks.release(&alice).await.unwrap();
    let seen = other_process.holder("acct/us-east-1/connect/prod").await;
    assert_eq!(seen.unwrap(), None);
    let bob = other_process
        .acquire("acct/us-east-1/connect/prod", "bob", minute, t0)
        .await
        .unwrap();
    // Alice releasing again does not end Bob's lease.
    locks.release(&alice).await.unwrap();
    let still = locks
        .acquire("acct/us-east-1/connect/prod", "carol", minute, at(1))
        .await;
    assert!(matches!(still, Err(StoreError::Conflict(m)) if m.contains("bob")));
    other_process.release(&bob).await.unwrap();
    other_process.release(&other).await.unwrap();

    // A renewed lease outlives its first end; a lapsed one taken by another cannot be renewed.
    let short = locks
        .acquire("acct/us-east-1/lex/bot", "long-change", minute, t0)
        .await
        .unwrap();
    let renewed = locks.renew(&short, minute, at(40)).await.unwrap();
    assert_eq!(renewed.expires_at, at(100));
    let busy = other_process
        .acquire("acct/us-east-1/lex/bot", "frank", minute, at(99))
        .await;
    assert!(matches!(busy, Err(StoreError::Conflict(m)) if m.contains("long-change")));
    locks.release(&renewed).await.unwrap();

    // A lease that lapsed (its holder crashed) is busy up to its end and taken over at it.
    let crashed = locks
        .acquire("acct/us-east-1/lambda/f", "crashed", minute, t0)
        .await
        .unwrap();
    let busy = other_process
        .acquire("acct/us-east-1/lambda/f", "dave", minute, at(59))
        .await;
    assert!(matches!(busy, Err(StoreError::Conflict(m)) if m.contains("crashed")));
    let dave = other_process
        .acquire("acct/us-east-1/lambda/f", "dave", minute, at(60))
        .await
        .unwrap();
    assert!(matches!(
        locks.renew(&crashed, minute, at(61)).await,
        Err(StoreError::Conflict(m)) if m.contains("lapsed")
    ));
    locks.release(&crashed).await.unwrap();
    let after = locks
        .acquire("acct/us-east-1/lambda/f", "erin", minute, at(61))
        .await;
    assert!(matches!(after, Err(StoreError::Conflict(m)) if m.contains("dave")));
    other_process.release(&dave).await.unwrap();
}

/// Promotion rules: one set per ordered pair, replaced whole, listed in pair order, and
/// removed once (a second removal is `NotFound`); what a second connection sees.
async fn rules_story(rules: &dyn RuleStore, other_process: &dyn RuleStore) {
    let dev = AccountId::parse("111111111111").unwrap();
    let prod = AccountId::parse("222222222222").unwrap();
    let set = |from: &AccountId, to: &AccountId, value: &str| RuleSet {
        source_account_id: from.clone(),
        target_account_id: to.clone(),
        substitutions: vec![Substitution {
            from: "customers-dev".into(),
            to: value.into(),
            mode: MatchMode::Whole,
        }],
        keep_target: vec!["lambda:/Environment/Variables/STAGE".into()],
        updated_at: chrono::DateTime::from_timestamp_millis(1_700_000_000_000).unwrap(),
        updated_by: "alice".into(),
    };
    assert_eq!(rules.get_rules(&dev, &prod).await.unwrap(), None);
    rules
        .put_rules(&set(&dev, &prod, "customers-prod"))
        .await
        .unwrap();
    rules.put_rules(&set(&prod, &dev, "back")).await.unwrap();
    rules
        .put_rules(&set(&dev, &prod, "customers-live"))
        .await
        .unwrap();
    let got = other_process.get_rules(&dev, &prod).await.unwrap().unwrap();
    assert_eq!(got, set(&dev, &prod, "customers-live"), "replaced whole");
    let all = other_process.list_rules().await.unwrap();
    let pairs: Vec<_> = all
        .iter()
        .map(|r| (r.source_account_id.as_str(), r.target_account_id.as_str()))
        .collect();
    assert_eq!(
        pairs,
        [
            ("111111111111", "222222222222"),
            ("222222222222", "111111111111")
        ]
    );
    rules.delete_rules(&dev, &prod).await.unwrap();
    assert!(matches!(
        other_process.delete_rules(&dev, &prod).await,
        Err(StoreError::NotFound(m)) if m.contains("111111111111") && m.contains("222222222222")
    ));
    assert_eq!(other_process.get_rules(&dev, &prod).await.unwrap(), None);
    assert!(
        rules.get_rules(&prod, &dev).await.unwrap().is_some(),
        "the other direction stays"
    );
    rules.delete_rules(&prod, &dev).await.unwrap();
}

/// Releases: written and rewritten by id, listed newest first up to a limit.
async fn release_story(releases: &dyn ReleaseStore, other_process: &dyn ReleaseStore) {
    let at = |ms: i64| chrono::DateTime::from_timestamp_millis(ms).unwrap();
    let release = |id: &str, ms: i64| Release {
        release_id: id.into(),
        source_account_id: AccountId::parse("111111111111").unwrap(),
        source_region: Region::parse("us-east-1").unwrap(),
        target_account_id: AccountId::parse("222222222222").unwrap(),
        target_region: Region::parse("us-east-1").unwrap(),
        instance: "acme-prod".into(),
        created_at: at(ms),
        created_by: "alice".into(),
        status: ReleaseStatus::Running,
        members: vec![ReleaseMember {
            service: ServiceKind::Lambda,
            resource_name: "cc-customer-lookup".into(),
            source_snapshot: "111111111111/lambda/cc-customer-lookup/x.json".into(),
            alias: None,
            safety_snapshot: None,
            status: ReleaseStatus::Planned,
            error: None,
            rollback: None,
        }],
    };
    assert_eq!(releases.get_release("rel-1").await.unwrap(), None);
    releases
        .put_release(&release("rel-1", 1_000))
        .await
        .unwrap();
    releases
        .put_release(&release("rel-3", 3_000))
        .await
        .unwrap();
    releases
        .put_release(&release("rel-2", 2_000))
        .await
        .unwrap();
    let mut done = release("rel-1", 1_000);
    done.status = ReleaseStatus::Succeeded;
    done.members[0].safety_snapshot = Some("222222222222/lambda/cc-customer-lookup/y.json".into());
    releases.put_release(&done).await.unwrap();
    assert_eq!(
        other_process.get_release("rel-1").await.unwrap(),
        Some(done)
    );
    let ids: Vec<String> = other_process
        .list_releases(2)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.release_id)
        .collect();
    assert_eq!(ids, ["rel-3", "rel-2"]);
    assert_eq!(other_process.list_releases(10).await.unwrap().len(), 3);
}

/// The audit trail: appended entries come back newest first, whole, per account or all.
async fn audit_story(log: &dyn AuditLog) {
    let dev = AccountId::parse("111111111111").unwrap();
    let prod = AccountId::parse("222222222222").unwrap();
    assert!(log.recent(None, 10).await.unwrap().is_empty());
    let mut written = Vec::new();
    for (n, (account, action)) in [
        (&dev, AuditAction::AccountAdded),
        (&prod, AuditAction::AccountAdded),
        (&dev, AuditAction::Snapshot),
        (&prod, AuditAction::Deploy),
        (&prod, AuditAction::Rollback),
    ]
    .into_iter()
    .enumerate()
    {
        let mut e = AuditEntry::new("alice", action, account, AuditOutcome::Succeeded);
        if action == AuditAction::Deploy {
            e.region = Some(Region::parse("us-east-1").unwrap());
            e.service = Some(ServiceKind::Connect);
            e.resource_name = Some("acme-prod".into());
            e.outcome = AuditOutcome::FailedRestored;
            e.safety_snapshot = Some(format!("safety-{n}"));
            e.error = Some("creating queue Sales: InvalidParameterException: no".into());
        }
        log.append(&e).await.unwrap();
        written.push(e);
        // Entries a millisecond apart, so "newest first" has one answer in every store.
        tokio::time::sleep(std::time::Duration::from_millis(3)).await;
    }
    let all = log.recent(None, 10).await.unwrap();
    let newest_first: Vec<AuditEntry> = written.iter().rev().cloned().collect();
    assert_eq!(all, newest_first, "whole entries, newest first");
    assert_eq!(log.recent(None, 2).await.unwrap(), newest_first[..2]);
    let prod_only = log.recent(Some(&prod), 10).await.unwrap();
    assert_eq!(
        prod_only.iter().map(|e| e.action).collect::<Vec<_>>(),
        [
            AuditAction::Rollback,
            AuditAction::Deploy,
            AuditAction::AccountAdded
        ]
    );
    assert_eq!(log.recent(Some(&prod), 1).await.unwrap(), newest_first[..1]);
    assert!(log
        .recent(Some(&AccountId::parse("333333333333").unwrap()), 10)
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn in_memory_audit_passes_the_audit_story() {
    audit_story(&MemoryAudit::default()).await;
}

#[tokio::test]
async fn in_memory_rules_pass_the_rules_story() {
    let rules = MemoryRules::default();
    rules_story(&rules, &rules).await;
}

#[tokio::test]
async fn in_memory_releases_pass_the_release_story() {
    let releases = MemoryReleases::default();
    release_story(&releases, &releases).await;
}

#[tokio::test]
async fn in_memory_locks_pass_the_lock_story() {
    let locks = MemoryLocks::default();
    lock_story(&locks, &locks).await;
}

#[tokio::test]
async fn embedded_store_passes_the_suite() {
    let dir = tempfile::tempdir().unwrap();
    account_story(&SqliteAccountStore::open(&dir.path().join("registry.db")).unwrap()).await;
    audit_story(&SqliteAccountStore::open(&dir.path().join("registry.db")).unwrap()).await;
    rules_story(
        &SqliteAccountStore::open(&dir.path().join("registry.db")).unwrap(),
        &SqliteAccountStore::open(&dir.path().join("registry.db")).unwrap(),
    )
    .await;
    release_story(
        &SqliteAccountStore::open(&dir.path().join("registry.db")).unwrap(),
        &SqliteAccountStore::open(&dir.path().join("registry.db")).unwrap(),
    )
    .await;
    // Two processes on one data folder share the leases through the SQLite file.
    lock_story(
        &SqliteAccountStore::open(&dir.path().join("registry.db")).unwrap(),
        &SqliteAccountStore::open(&dir.path().join("registry.db")).unwrap(),
    )
    .await;
    let store = LocalSnapshotStore::new(dir.path().join("data"));
    let keys = snapshot_story(&store).await;

    // The folder mirrors the S3 layout exactly.
    let bucket = dir.path().join("data/cloudops-snapshots-111111111111");
    for k in &keys {
        assert!(bucket.join(k.as_str()).is_file(), "{k}");
    }
    // A tampered document is refused by get_verified.
    let path = bucket.join(keys[0].as_str());
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("\"Timeout\": 3", "\"Timeout\": 4");
    std::fs::write(&path, text).unwrap();
    assert!(matches!(
        store.get_verified(&keys[0]).await.unwrap_err(),
        StoreError::Corrupt(_)
    ));
    // So is a tampered blob.
    let blob_dir = bucket.join("111111111111/blobs/sha256");
    let blob_path = std::fs::read_dir(&blob_dir)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let sha = blob_path.file_name().unwrap().to_str().unwrap().to_owned();
    std::fs::write(&blob_path, b"not the code").unwrap();
    let acct = AccountId::parse("111111111111").unwrap();
    assert!(matches!(
        store.get_blob(&acct, &sha).await.unwrap_err(),
        StoreError::Corrupt(_)
    ));
}

#[tokio::test]
async fn aws_store_passes_the_suite_against_moto() {
    let moto = start_moto().await;
    let conf = sdk_config(&moto.endpoint, "testing", "testing", "us-east-1");
    let ddb = aws_sdk_dynamodb::Client::new(&conf);
    account_story(
        &DynamoAccountStore::connect(ddb.clone(), "snapdeploy-accounts")
            .await
            .unwrap(),
    )
    .await;
    // Connecting again finds the tables instead of failing to create them.
    let again = DynamoAccountStore::connect(ddb.clone(), "snapdeploy-accounts")
        .await
        .unwrap();
    audit_story(&again).await;
    rules_story(
        &again,
        &DynamoAccountStore::connect(ddb.clone(), "snapdeploy-accounts")
            .await
            .unwrap(),
    )
    .await;
    release_story(
        &again,
        &DynamoAccountStore::connect(ddb.clone(), "snapdeploy-accounts")
            .await
            .unwrap(),
    )
    .await;
    lock_story(
        &again,
        &DynamoAccountStore::connect(ddb, "snapdeploy-accounts")
            .await
            .unwrap(),
    )
    .await;

    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&conf)
            .force_path_style(true)
            .build(),
    );
    let store = S3SnapshotStore::new(s3.clone(), DEFAULT_BUCKET_PREFIX);
    let keys = snapshot_story(&store).await;

    // Exact layout: bucket per account, the key layout of core::snapshot, blobs beside them.
    let bucket = "cloudops-snapshots-111111111111";
    let listed = s3.list_objects_v2().bucket(bucket).send().await.unwrap();
    let mut stored: Vec<String> = listed
        .contents()
        .iter()
        .filter_map(|o| o.key().map(String::from))
        .collect();
    stored.sort();
    let mut expected: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
    expected.push(format!(
        "111111111111/blobs/sha256/{}",
        snapdeploy_core::sha256_hex(&vec![7u8; 100_000])
    ));
    expected.sort();
    assert_eq!(stored, expected);
    for k in &keys {
        let re = regex_like_key(k.as_str());
        assert!(re, "{k}");
    }

    // The bucket's protections.
    // moto answers GetBucketVersioning with a root element the Rust SDK rejects
    // (GetBucketVersioningResponse instead of VersioningConfiguration), so read it raw.
    let versioning = reqwest::get(format!("{}/{bucket}?versioning", moto.endpoint))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        versioning.contains("<Status>Enabled</Status>"),
        "{versioning}"
    );
    let enc = s3
        .get_bucket_encryption()
        .bucket(bucket)
        .send()
        .await
        .unwrap();
    let rule = &enc.server_side_encryption_configuration().unwrap().rules()[0];
    assert_eq!(
        rule.apply_server_side_encryption_by_default()
            .unwrap()
            .sse_algorithm(),
        &ServerSideEncryption::Aes256
    );
    let pab = s3
        .get_public_access_block()
        .bucket(bucket)
        .send()
        .await
        .unwrap();
    let pab = pab.public_access_block_configuration().unwrap();
    assert_eq!(
        (
            pab.block_public_acls(),
            pab.ignore_public_acls(),
            pab.block_public_policy(),
            pab.restrict_public_buckets()
        ),
        (Some(true), Some(true), Some(true), Some(true))
    );

    // A conditional put never overwrites: writing the same key directly is refused.
    let refused = s3
        .put_object()
        .bucket(bucket)
        .key(keys[0].as_str())
        .if_none_match("*")
        .body(aws_sdk_s3::primitives::ByteStream::from_static(b"{}"))
        .send()
        .await;
    assert!(refused.is_err(), "moto must honour If-None-Match");

    // Tampering in S3 is caught on read.
    s3.put_object()
        .bucket(bucket)
        .key(keys[0].as_str())
        .body(aws_sdk_s3::primitives::ByteStream::from(
            serde_json::to_vec(&{
                let mut e = store.get_snapshot(&keys[0]).await.unwrap();
                e.config = json!({"Timeout": 900});
                e
            })
            .unwrap(),
        ))
        .send()
        .await
        .unwrap();
    assert!(matches!(
        store.get_verified(&keys[0]).await.unwrap_err(),
        StoreError::Corrupt(_)
    ));
}

/// `<account_id>/lambda/<name>/lambda_<name>_snapshot_YYYYMMDDTHHMMSS.mmmZ.json`
fn regex_like_key(key: &str) -> bool {
    let parts: Vec<&str> = key.split('/').collect();
    if parts.len() != 4 || parts[0] != "111111111111" || parts[1] != "lambda" {
        return false;
    }
    let prefix = format!("lambda_{}_snapshot_", parts[2]);
    let Some(ts) = parts[3]
        .strip_prefix(&prefix)
        .and_then(|r| r.strip_suffix(".json"))
    else {
        return false;
    };
    let b = ts.as_bytes();
    ts.len() == 20
        && b[8] == b'T'
        && b[15] == b'.'
        && b[19] == b'Z'
        && b.iter()
            .enumerate()
            .all(|(i, c)| [8, 15, 19].contains(&i) || c.is_ascii_digit())
}
