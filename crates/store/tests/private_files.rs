//! The registry (roles, ExternalIds, token hashes, the audit trail) and the snapshot folders
//! are their owner's alone: other local users cannot read them.
#![cfg(unix)]

use snapdeploy_core::AccountId;
use snapdeploy_store::{AccountStore, LocalSnapshotStore, SnapshotStore, SqliteAccountStore};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

#[tokio::test]
async fn the_registry_and_snapshot_folders_are_created_owner_only() {
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("data/nested");
    let registry = data.join("registry.db");
    let store = SqliteAccountStore::open(&registry).unwrap();
    assert_eq!(mode(&root.path().join("data")), 0o700);
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&registry), 0o600);
    // Written to, so SQLite has made its write-ahead log and shared-memory files.
    let _ = store.list().await.unwrap();
    for side in ["registry.db-wal", "registry.db-shm"] {
        let p = data.join(side);
        if p.exists() {
            assert_eq!(mode(&p), 0o600, "{side}");
        }
    }

    // An older registry made with a loose mode is tightened when opened.
    let old = root.path().join("old.db");
    std::fs::write(&old, b"").unwrap();
    std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o644)).unwrap();
    drop(SqliteAccountStore::open(&old).unwrap());
    assert_eq!(mode(&old), 0o600);

    let snapshots = root.path().join("snapshots");
    let store = LocalSnapshotStore::new(&snapshots);
    let account = AccountId::parse("111111111111").unwrap();
    store
        .put_blob(&account, b"code", "application/zip", "code")
        .await
        .unwrap();
    assert_eq!(mode(&snapshots), 0o700);
    let folders: Vec<_> = walk(&snapshots)
        .into_iter()
        .filter(|p| p.is_dir())
        .collect();
    assert!(!folders.is_empty(), "the blob was written into folders");
    for folder in folders {
        assert_eq!(mode(&folder), 0o700, "{}", folder.display());
    }
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = vec![];
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        }
        out.push(p);
    }
    out
}
