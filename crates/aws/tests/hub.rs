//! The hub's role sessions: AssumeRole with the ExternalId, credentials cached until shortly
//! before expiry, one SDK client per (account, region, service).

use snapdeploy_aws::{AwsError, Hub, HubConfig};
use snapdeploy_core::{NewAccount, Region};
use snapdeploy_sandbox::seed::{DEV, PROD};
use snapdeploy_sandbox::{
    Sandbox, SandboxConfig, Seed, SeedAccount, HUB_ACCESS_KEY, HUB_SECRET_KEY,
};
use std::time::Duration;

fn account(a: &SeedAccount, external_id: &str) -> snapdeploy_core::Account {
    NewAccount {
        account_id: a.account_id.into(),
        name: a.name.into(),
        role_arn: a.role_arn.into(),
        external_id: Some(external_id.into()),
        regions: vec!["us-east-1".into()],
        protected: false,
    }
    .validate()
    .unwrap()
}

async fn setup(config: HubConfig) -> (Sandbox, std::sync::Arc<Hub>) {
    let sandbox = Sandbox::seeded(
        SandboxConfig {
            quotas_enabled: false,
            ..SandboxConfig::default()
        },
        Seed::Demo,
    );
    let addr = sandbox.clone().spawn("127.0.0.1:0").await.unwrap();
    let sdk = snapdeploy_testkit::sdk_config(
        &format!("http://{addr}"),
        HUB_ACCESS_KEY,
        HUB_SECRET_KEY,
        "us-east-1",
    );
    (sandbox, Hub::new(sdk, config))
}

fn assume_calls(sb: &Sandbox) -> u64 {
    sb.counters()["sts:AssumeRole"]["calls"]
        .as_u64()
        .unwrap_or(0)
}

#[tokio::test]
async fn credentials_and_clients_are_cached_per_account() {
    let (sb, hub) = setup(HubConfig::default()).await;
    let dev = account(&DEV, DEV.external_id);
    let prod = account(&PROD, PROD.external_id);
    let region = Region::parse("us-east-1").unwrap();
    for _ in 0..3 {
        let c = hub.lambda(&dev, &region).await.unwrap();
        assert_eq!(
            c.list_functions().send().await.unwrap().functions().len(),
            5
        );
    }
    assert_eq!(assume_calls(&sb), 1, "one AssumeRole for many calls");
    assert_eq!(hub.cached_clients(), 1);
    hub.lambda(&prod, &region)
        .await
        .unwrap()
        .list_functions()
        .send()
        .await
        .unwrap();
    hub.lambda(&dev, &Region::parse("eu-west-2").unwrap())
        .await
        .unwrap();
    assert_eq!(
        assume_calls(&sb),
        2,
        "one session per account, shared by its regions"
    );
    assert_eq!(hub.cached_clients(), 3);
    hub.forget(DEV.account_id).await;
    assert_eq!(hub.cached_clients(), 1);
    hub.lambda(&dev, &region).await.unwrap();
    assert_eq!(assume_calls(&sb), 3);
}

#[tokio::test]
async fn credentials_are_renewed_before_they_expire() {
    // 900 s sessions renewed 897 s early: stale three seconds after they were minted, by
    // the hub's clock (STS states expiry in whole seconds: fresh for two seconds at least).
    let clock = snapdeploy_core::Clock::manual();
    let config = HubConfig {
        session_seconds: 900,
        refresh_before: Duration::from_secs(897),
        clock: clock.clone(),
        ..HubConfig::default()
    };
    let (sb, hub) = setup(config).await;
    let dev = account(&DEV, DEV.external_id);
    let first = hub.credentials(&dev).await.unwrap();
    assert_eq!(
        hub.credentials(&dev).await.unwrap().access_key_id(),
        first.access_key_id()
    );
    clock.advance(Duration::from_millis(1900));
    assert_eq!(
        hub.credentials(&dev).await.unwrap().access_key_id(),
        first.access_key_id(),
        "still fresh"
    );
    clock.advance(Duration::from_secs(60));
    let second = hub.credentials(&dev).await.unwrap();
    assert_ne!(second.access_key_id(), first.access_key_id());
    assert_eq!(assume_calls(&sb), 2);
    // SDK clients built earlier pick the renewed session up through the hub. (The manual
    // clock is now ahead of the sandbox's real-time expiries: every call renews.)
    let c = hub
        .lambda(&dev, &Region::parse("us-east-1").unwrap())
        .await
        .unwrap();
    let before = assume_calls(&sb);
    c.list_functions().send().await.unwrap();
    assert_eq!(assume_calls(&sb), before + 1);
}

#[tokio::test]
async fn a_refused_assume_role_names_the_account() {
    let (_sb, hub) = setup(HubConfig::default()).await;
    let wrong = account(&DEV, "wrong-external-id");
    let err = hub
        .lambda(&wrong, &Region::parse("us-east-1").unwrap())
        .await
        .unwrap_err();
    match &err {
        AwsError::AssumeRole {
            account, message, ..
        } => {
            assert_eq!(account, DEV.account_id);
            assert!(
                message.contains("not authorized to perform: sts:AssumeRole"),
                "{message}"
            );
        }
        other => panic!("expected AssumeRole, got {other:?}"),
    }
    assert!(err.to_string().contains("111111111111"));
}
