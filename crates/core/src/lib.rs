//! Domain of SnapDeploy, free of I/O: validated identifiers, the snapshot envelope, audit entries,
//! canonical JSON and digests, field-level diffs, ARN remapping and deploy plans.

pub mod account;
pub mod audit;
pub mod auth;
pub mod canonical;
pub mod clock;
pub mod connect;
pub mod diff;
pub mod ids;
pub mod lexjson;
pub mod plan;
pub mod release;
pub mod remap;
pub mod rules;
pub mod snapshot;

pub use account::{Account, AccountView, NewAccount};
pub use audit::{AuditAction, AuditEntry, AuditOutcome};
pub use auth::{ChangeRequest, ChangeState, Role, TokenRecord, TokenView};
pub use canonical::{canonical_string, canonicalize, digest_of, sha256_hex};
pub use clock::Clock;
pub use connect::ConnectKind;
pub use diff::{diff, FieldChange, FieldOp};
pub use ids::{
    AccountId, AliasName, ExternalId, Note, Region, ResourceName, RoleArn, ServiceKind,
    ValidationError, VersionSelector, KNOWN_REGIONS,
};
pub use plan::{merge_unmapped, Plan, PlanAction, Report, ReportStatus, StepOutcome, StepStatus};
pub use release::{release_id, Release, ReleaseMember, ReleaseOutcome, ReleaseStatus};
pub use remap::{
    add_leftovers, leftovers, remap_arns, ArnRemapper, RemapResult, Remapped, Unmapped,
};
pub use rules::{
    apply_rules, leave_out, KeepPath, Kept, MatchMode, PromotionRules, RuleError, RuleSet,
    Substituted, Substitution,
};
pub use snapshot::{
    BlobRef, ResourceRef, SnapshotEnvelope, SnapshotKey, SnapshotMeta, SnapshotReason, SourceRef,
    FORMAT_V1,
};
