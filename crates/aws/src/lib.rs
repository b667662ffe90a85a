//! The AWS side of SnapDeploy: the hub's credentials and the per-account role sessions,
//! one provider per service behind the same trait, and the engine that runs extract,
//! snapshot, deploy and rollback with safety snapshots.

mod change;
pub mod connect;
pub mod engine;
pub mod error;
pub mod hub;
pub mod lambda;
pub mod lex;
pub mod limiter;
pub mod pacing;
pub mod provider;
mod tags;

pub use change::{DeployOptions, Progress, ProgressEvent, WriteIntent};
pub use engine::{DeployRequest, Engine, RollbackRequest, SnapshotRequest};
pub use error::AwsError;
pub use hub::{Hub, HubConfig};
pub use provider::{Captured, Ctx, Provider};
