//! Folders and files only their owner may read: the registry names every account's role
//! and ExternalId, holds token hashes and the audit trail; snapshots hold whole
//! configurations. On Unix, folders SnapDeploy creates are 0700 and the registry file 0600.
//! A folder that already exists keeps its mode (it may be the user's own, e.g. a home).

use std::io;
use std::path::Path;

/// `create_dir_all`, with every folder it creates owner-only.
pub fn create_private_dir_all(path: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(path)
}

/// The async form, for the snapshot folders.
pub async fn create_private_dir_all_async(path: &Path) -> io::Result<()> {
    let mut builder = tokio::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    builder.mode(0o700);
    builder.create(path).await
}

/// Makes `path` a file only its owner may read and write, creating it empty when missing.
/// SQLite gives its `-wal` and `-shm` files the database file's mode, so doing this before
/// the database is opened keeps them private too.
pub fn make_private_file(path: &Path) -> io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    drop(options.open(path)?);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}
