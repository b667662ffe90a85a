//! Where SnapDeploy keeps what it knows: the account registry, the snapshots, the leases
//! that keep two changes off one resource, the audit trail and the promotion rules.
//!
//! Each is a trait with two implementations picked at start-up: embedded (SQLite + a local
//! folder that mirrors the S3 layout exactly) and AWS (DynamoDB + S3). Both pass the same
//! test suite (`tests/store_suite.rs`).

mod api;
mod audit;
mod dynamo;
mod jobs;
mod local;
mod locks;
mod private;
mod queue;
mod records;
mod releases;
mod rules;
mod s3;
mod sqlite;

pub use api::{
    backend, AccountStore, SnapshotStore, StoreError, StoreResult, DEFAULT_BUCKET_PREFIX,
};
pub use audit::{AuditLog, MemoryAudit};
pub use dynamo::DynamoAccountStore;
pub use jobs::{JobEventRow, JobRecord, JobState, JobStore, MemoryJobs, StoredJob, MAX_JOB_EVENTS};
pub use local::LocalSnapshotStore;
pub use locks::{Lease, LockStore, MemoryLocks};
pub use private::{create_private_dir_all, make_private_file};
pub use queue::{job_id_of_message, Delivery, JobQueue, MemoryQueue, RegistryQueue, SqsQueue};
pub use records::{MemoryRecords, RecordStore, Versioned};
pub use releases::{MemoryReleases, ReleaseStore};
pub use rules::{MemoryRules, RuleStore};
pub use s3::S3SnapshotStore;
pub use sqlite::SqliteAccountStore;
