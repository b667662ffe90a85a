//! A registered AWS account: where to find it and how to reach it. Never a secret key.

use crate::ids::{AccountId, ExternalId, Region, RoleArn, ValidationError};
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

/// A registration request as a client sends it; `validate` turns it into an [`Account`].
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAccount {
    /// 12 digits.
    pub account_id: String,
    pub name: String,
    /// `arn:aws:iam::<account_id>:role/<name>`: the role SnapDeploy assumes.
    pub role_arn: String,
    pub external_id: Option<String>,
    pub regions: Vec<String>,
    #[serde(default)]
    pub protected: bool,
}

impl NewAccount {
    pub fn validate(self) -> Result<Account, ValidationError> {
        let account_id = AccountId::parse(self.account_id.trim())?;
        let name = self.name.trim().to_owned();
        if name.is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control) {
            return Err(ValidationError::new(
                "name",
                "must be 1-64 characters without control characters",
            ));
        }
        let role_arn = RoleArn::parse(self.role_arn.trim())?;
        if role_arn.account_id() != account_id {
            return Err(ValidationError::new(
                "role_arn",
                format!(
                    "the role must belong to account {account_id}, not {}",
                    role_arn.account_id()
                ),
            ));
        }
        let external_id = self
            .external_id
            .as_deref()
            .map(ExternalId::parse)
            .transpose()?;
        if self.regions.is_empty() {
            return Err(ValidationError::new("regions", "list at least one region"));
        }
        let mut regions = self
            .regions
            .iter()
            .map(|r| Region::parse(r.trim()))
            .collect::<Result<Vec<_>, _>>()?;
        regions.sort();
        regions.dedup();
        Ok(Account {
            account_id,
            name,
            role_arn,
            external_id,
            regions,
            protected: self.protected,
            created_at: Utc::now(),
        })
    }
}
