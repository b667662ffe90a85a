//! Who may do what: roles, API tokens and change requests (the two-person rule for
//! protected accounts). Free of I/O; the server authenticates and the registry stores.

use crate::ids::{AccountId, Region};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What a person may do. Each role may do everything the roles before it may.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reads everything but secrets.
    Viewer,
    /// Snapshots; deploys and rollbacks to unprotected accounts; requests changes to
    /// protected ones.
    Operator,
    /// Approves or rejects other people's change requests.
    Approver,
    /// Accounts, promotion rules and tokens.
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Viewer, Role::Operator, Role::Approver, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Viewer => "viewer",
            Self::Operator => "operator",
            Self::Approver => "approver",
            Self::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim().to_ascii_lowercase())
            .ok_or_else(|| format!("{s:?} is not a role: use viewer, operator, approver or admin"))
    }

    /// Whether this role may do what `needed` may.
    pub fn allows(self, needed: Role) -> bool {
        self >= needed
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An API token as the registry keeps it: never the token itself, only its SHA-256.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenRecord {
    /// The token's public id (also the first part of the token).
    pub id: String,
    /// Who or what uses it: the actor its requests are recorded as.
    pub name: String,
    pub role: Role,
    /// The accounts it may touch; empty: every account.
    #[serde(default)]
    pub accounts: Vec<AccountId>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub last_used_at: Option<DateTime<Utc>>,
    /// `sha256` hex of the whole token.
    pub hash: String,
}

/// A token as the API shows it: everything but the hash.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TokenView {
    pub id: String,
    pub name: String,
    pub role: Role,
    /// The accounts it may touch; empty: every account.
    #[schema(value_type = Vec<String>)]
    pub accounts: Vec<AccountId>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub expired: bool,
}

impl TokenRecord {
    pub fn view(&self, now: DateTime<Utc>) -> TokenView {
        TokenView {
            id: self.id.clone(),
            name: self.name.clone(),
            role: self.role,
            accounts: self.accounts.clone(),
            created_at: self.created_at,
            created_by: self.created_by.clone(),
            expires_at: self.expires_at,
            last_used_at: self.last_used_at,
            expired: self.expires_at.is_some_and(|e| e <= now),
        }
    }
}

/// Where a change request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangeState {
    /// Waiting for an approver.
    Pending,
    /// Approved; the change is running as a job.
    Running,
    /// Approved and applied (the job's result says how it ended).
    Executed,
    /// Approved, but the change failed (restored or not: see the result).
    Failed,
    Rejected,
    /// Not decided in time.
    Expired,
    /// Approved after the target or the plan changed: refused; request it again.
    Stale,
}

impl ChangeState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Running => "running",
            Self::Executed => "executed",
            Self::Failed => "failed",
            Self::Rejected => "rejected",
            Self::Expired => "expired",
            Self::Stale => "stale",
        }
    }
}

/// A deploy or rollback into a protected account, waiting for a second person.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ChangeRequest {
    pub id: String,
    /// `deploy` or `rollback`.
    pub kind: String,
    pub state: ChangeState,
    #[schema(value_type = String)]
    pub account_id: AccountId,
    #[schema(value_type = Option<String>)]
    pub region: Option<Region>,
    /// One line saying what would change.
    pub summary: String,
    /// The request as it was made (the body of `POST /deploy` or `/rollback`).
    #[schema(value_type = Object)]
    pub request: Value,
    /// The dry-run plan the approver sees (for a release: the release with its plans).
    #[schema(value_type = Object)]
    pub plan: Value,
    /// `sha256:` digest of the plan: an approval applies exactly this plan or nothing.
    pub plan_digest: String,
    /// `sha256:` digest of the target's live state when planned.
    pub live_digest: String,
    pub requested_by: String,
    pub requested_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    #[serde(default)]
    pub decided_by: Option<String>,
    #[serde(default)]
    pub decided_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub comment: Option<String>,
    /// The job that runs the approved change.
    #[serde(default)]
    pub job_id: Option<String>,
    /// The change's report (or release), once it ran.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub result: Option<Value>,
    /// Why it failed or went stale.
    #[serde(default)]
    pub error: Option<String>,
}

impl ChangeRequest {
    /// The state as of `now`: a pending request past its expiry reads as expired.
    pub fn state_at(&self, now: DateTime<Utc>) -> ChangeState {
        if self.state == ChangeState::Pending && self.expires_at <= now {
            ChangeState::Expired
        } else {
            self.state
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_ordered_and_parsed() {
        assert!(Role::Admin.allows(Role::Approver));
        assert!(Role::Approver.allows(Role::Operator));
        assert!(!Role::Operator.allows(Role::Approver));
        assert!(!Role::Viewer.allows(Role::Operator));
        assert_eq!(Role::parse(" Admin ").unwrap(), Role::Admin);
        assert!(Role::parse("root").unwrap_err().contains("not a role"));
    }
}
