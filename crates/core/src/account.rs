//! A registered AWS account: where to find it and how to reach it. Never a secret key.

use crate::ids::{AccountId, ExternalId, Region, RoleArn};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Account {
    pub account_id: AccountId,
    pub name: String,
    pub role_arn: RoleArn,
    /// Shared with the role's trust policy; kept out of every response and log line.
    pub external_id: Option<ExternalId>,
    pub regions: Vec<Region>,
    /// Prod-like: the UI asks for an explicit confirmation before changing it.
    pub protected: bool,
    pub created_at: DateTime<Utc>,
}

/// The public view of an account: everything but the ExternalId's value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AccountView {
    pub account_id: AccountId,
    pub name: String,
    pub role_arn: RoleArn,
    /// Whether AssumeRole sends an ExternalId; its value is never returned.
    pub external_id_set: bool,
    pub regions: Vec<Region>,
    pub protected: bool,
    pub created_at: DateTime<Utc>,
}

impl From<&Account> for AccountView {
    fn from(a: &Account) -> Self {
        Self {
            account_id: a.account_id.clone(),
            name: a.name.clone(),
            role_arn: a.role_arn.clone(),
            external_id_set: a.external_id.is_some(),
            regions: a.regions.clone(),
            protected: a.protected,
            created_at: a.created_at,
        }
    }
}
