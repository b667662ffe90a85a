//! What the benchmarks share: an engine over the sandbox with accounts registered, and the
//! sandbox's call counters.

use snapdeploy_aws::{Engine, Hub, HubConfig, SnapshotRequest};
use snapdeploy_core::{AccountId, NewAccount, Region, ResourceName, ServiceKind, SnapshotReason};
use snapdeploy_sandbox::{Sandbox, SeedAccount, HUB_ACCESS_KEY, HUB_SECRET_KEY};
use snapdeploy_store::{AccountStore, LocalSnapshotStore, SnapshotStore, SqliteAccountStore};
use std::sync::Arc;

/// An engine talking to the sandbox at `url`, with `accounts` registered and its stores in
/// `dir`, pacing as `hub` says.
pub async fn engine(
    url: &str,
    dir: &std::path::Path,
    accounts: &[&SeedAccount],
    hub: HubConfig,
) -> Arc<Engine> {
    let sdk = snapdeploy_testkit::sdk_config(url, HUB_ACCESS_KEY, HUB_SECRET_KEY, "us-east-1");
    let store = Arc::new(SqliteAccountStore::open(&dir.join("registry.db")).unwrap());
    for a in accounts {
        store
            .insert(
                &NewAccount {
                    account_id: a.account_id.into(),
                    name: a.name.into(),
                    role_arn: a.role_arn.into(),
                    external_id: Some(a.external_id.into()),
                    regions: vec!["us-east-1".into()],
                    protected: false,
                }
                .validate()
                .unwrap(),
            )
            .await
            .unwrap();
    }
    let snapshots: Arc<dyn SnapshotStore> = Arc::new(LocalSnapshotStore::new(dir));
    Arc::new(Engine::new(Hub::new(sdk, hub), store, snapshots))
}

/// A manual snapshot of `name` in `account`, us-east-1, by "bench".
pub fn snapshot_request(account: &str, service: ServiceKind, name: &str) -> SnapshotRequest {
    SnapshotRequest {
        account_id: AccountId::parse(account).unwrap(),
        region: Region::parse("us-east-1").unwrap(),
        service,
        resource_name: ResourceName::parse(name).unwrap(),
        reason: SnapshotReason::Manual,
        taken_by: "bench".into(),
        note: None,
        version: None,
        full: false,
    }
}

/// (calls answered, calls throttled) so far of the sandbox operations named `<prefix>...`.
pub fn counted(sb: &Sandbox, prefix: &str) -> (u64, u64) {
    let c = sb.counters();
    let sum = |field: &str| -> u64 {
        c.as_object()
            .map(|m| {
                m.iter()
                    .filter(|(k, _)| k.starts_with(prefix))
                    .map(|(_, v)| v[field].as_u64().unwrap_or(0))
                    .sum()
            })
            .unwrap_or(0)
    };
    let (calls, throttled) = (sum("calls"), sum("throttled"));
    (calls - throttled, throttled)
}
