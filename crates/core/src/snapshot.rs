//! The snapshot envelope and its key layout (documented in the README, "Snapshot layout").

use crate::canonical::digest_of;
use crate::ids::{AccountId, Region, ResourceName, ServiceKind, ValidationError};
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub const FORMAT_V1: &str = "snapdeploy.snapshot/v1";
const TS_FORMAT: &str = "%Y%m%dT%H%M%S%.3fZ";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum SnapshotReason {
    Manual,
    PreDeploy,
    PreRollback,
    Scheduled,
    /// A fresh snapshot of a function or bot a release promotes with an instance.
    Release,
}

/// A binary part stored once, content-addressed, beside the snapshots of an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BlobRef {
    /// Lowercase hex SHA-256 of the bytes.
    pub sha256: String,
    pub size: u64,
    pub media_type: String,
    /// What the blob is to the resource, e.g. `code`.
    pub role: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SourceRef {
    pub arn: String,
    #[serde(default)]
    pub id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SnapshotEnvelope {
    pub format: String,
    pub service: ServiceKind,
    pub resource_name: ResourceName,
    pub account_id: AccountId,
    pub region: Region,
    pub taken_at: DateTime<Utc>,
    pub taken_by: String,
    pub reason: SnapshotReason,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub source: SourceRef,
    /// Canonical, service-specific configuration.
    #[schema(value_type = Object)]
    pub config: Value,
    #[serde(default)]
    pub blobs: Vec<BlobRef>,
    /// `sha256:<hex>` of the canonical `config`.
    pub digest: String,
    /// What AWS reported about the resource's items when they were read (Connect: each
    /// prompt's and routing profile's `LastModifiedTime`, with what was read behind it).
    /// Not configuration and not in the digest: a later capture of the same resource reuses
    /// the per-item reads of items whose time has not moved.
    #[serde(default, skip_serializing_if = "Value::is_null")]
    #[schema(value_type = Object)]
    pub observed: Value,
}

/// One resource of one service in one account and region: what a snapshot is of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceRef {
    pub service: ServiceKind,
    pub resource_name: ResourceName,
    pub account_id: AccountId,
    pub region: Region,
}

impl SnapshotEnvelope {
    pub fn new(
        of: ResourceRef,
        taken_by: String,
        reason: SnapshotReason,
        source: SourceRef,
        config: Value,
        blobs: Vec<BlobRef>,
    ) -> Self {
        let config = crate::canonical::canonicalize(&config);
        let digest = digest_of(&config);
        let ResourceRef {
            service,
            resource_name,
            account_id,
            region,
        } = of;
        Self {
            format: FORMAT_V1.into(),
            service,
            resource_name,
            account_id,
            region,
            taken_at: Utc::now(),
            taken_by,
            reason,
            note: None,
            source,
            config,
            blobs,
            digest,
            observed: Value::Null,
        }
    }

    /// True when the recorded digest matches the config, i.e. the document was not altered.
    pub fn verify(&self) -> Result<(), String> {
        if self.format != FORMAT_V1 {
            return Err(format!("unsupported snapshot format {:?}", self.format));
        }
        let actual = digest_of(&self.config);
        if actual != self.digest {
            return Err(format!(
                "digest mismatch: the document says {} but its config hashes to {actual}",
                self.digest
            ));
        }
        Ok(())
    }

    pub fn blob(&self, role: &str) -> Option<&BlobRef> {
        self.blobs.iter().find(|b| b.role == role)
    }

    pub fn key(&self) -> SnapshotKey {
        SnapshotKey::new(
            &self.account_id,
            self.service,
            &self.resource_name,
            self.taken_at,
        )
    }

    pub fn meta(&self, key: &SnapshotKey) -> SnapshotMeta {
        SnapshotMeta {
            key: key.as_str().to_owned(),
            account_id: self.account_id.clone(),
            region: self.region.clone(),
            service: self.service,
            resource_name: self.resource_name.clone(),
            taken_at: self.taken_at,
            taken_by: self.taken_by.clone(),
            reason: self.reason,
            note: self.note.clone(),
            digest: self.digest.clone(),
        }
    }
}

/// What listings return: everything but the config.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SnapshotMeta {
    pub key: String,
    pub account_id: AccountId,
    pub region: Region,
    pub service: ServiceKind,
    pub resource_name: ResourceName,
    pub taken_at: DateTime<Utc>,
    pub taken_by: String,
    pub reason: SnapshotReason,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub digest: String,
}

/// `<account_id>/<service>/<resource_name>/<service>_<resource_name>_snapshot_<timestamp>.json`
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SnapshotKey {
    key: String,
    pub account_id: AccountId,
    pub service: ServiceKind,
    pub resource_name: ResourceName,
    pub taken_at: DateTime<Utc>,
}

impl SnapshotKey {
    pub fn new(
        account_id: &AccountId,
        service: ServiceKind,
        resource_name: &ResourceName,
        taken_at: DateTime<Utc>,
    ) -> Self {
        let ts = taken_at.format(TS_FORMAT).to_string();
        Self {
            key: format!("{account_id}/{service}/{resource_name}/{service}_{resource_name}_snapshot_{ts}.json"),
            account_id: account_id.clone(),
            service,
            resource_name: resource_name.clone(),
            taken_at,
        }
    }

    /// The prefix under which all snapshots of one resource live.
    pub fn prefix(
        account_id: &AccountId,
        service: ServiceKind,
        resource_name: &ResourceName,
    ) -> String {
        format!("{account_id}/{service}/{resource_name}/")
    }

    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let bad = |m: &str| ValidationError::new("snapshot_key", m.to_owned());
        let parts: Vec<&str> = raw.split('/').collect();
        let [account, service, name, file] = parts[..] else {
            return Err(bad(
                "must be <account_id>/<service>/<resource_name>/<file>.json",
            ));
        };
        let account_id = AccountId::parse(account)?;
        let service = ServiceKind::parse(service)?;
        let resource_name = ResourceName::parse(name)?;
        let ts = file
            .strip_prefix(&format!("{service}_{resource_name}_snapshot_"))
            .and_then(|f| f.strip_suffix(".json"))
            .ok_or_else(|| {
                bad("file name must be <service>_<resource_name>_snapshot_<timestamp>.json")
            })?;
        let taken_at = NaiveDateTime::parse_from_str(ts, TS_FORMAT)
            .map_err(|_| bad("timestamp must look like 20261126T023000.123Z"))?
            .and_utc();
        let key = Self::new(&account_id, service, &resource_name, taken_at);
        if key.key != raw {
            return Err(bad("not in canonical form"));
        }
        Ok(key)
    }

    pub fn as_str(&self) -> &str {
        &self.key
    }
}

impl std::fmt::Display for SnapshotKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sample() -> SnapshotEnvelope {
        SnapshotEnvelope::new(
            ResourceRef {
                service: ServiceKind::Lambda,
                resource_name: ResourceName::parse("orders-api").unwrap(),
                account_id: AccountId::parse("111111111111").unwrap(),
                region: Region::parse("us-east-1").unwrap(),
            },
            "tester".into(),
            SnapshotReason::Manual,
            SourceRef {
                arn: "arn:aws:lambda:us-east-1:111111111111:function:orders-api".into(),
                id: String::new(),
            },
            json!({"b": 1, "a": 2}),
            vec![],
        )
    }

    #[test]
    fn key_layout_is_exact_and_round_trips() {
        let mut s = sample();
        s.taken_at = NaiveDateTime::parse_from_str("20261126T023000.123Z", TS_FORMAT)
            .unwrap()
            .and_utc();
        let key = s.key();
        assert_eq!(
            key.as_str(),
            "111111111111/lambda/orders-api/lambda_orders-api_snapshot_20261126T023000.123Z.json"
        );
        assert_eq!(SnapshotKey::parse(key.as_str()).unwrap(), key);
    }

    #[test]
    fn bad_keys_are_refused() {
        for bad in [
            "",
            "111111111111/lambda/../x.json",
            "111111111111/lambda/a/lambda_b_snapshot_20261126T023000.123Z.json",
            "111111111111/s3/a/s3_a_snapshot_20261126T023000.123Z.json",
            "111111111111/lambda/a/lambda_a_snapshot_yesterday.json",
            "111111111111/lambda/a/b/lambda_a_snapshot_20261126T023000.123Z.json",
        ] {
            assert!(SnapshotKey::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn tampering_is_detected() {
        let mut s = sample();
        assert!(s.verify().is_ok());
        s.config["a"] = json!(3);
        assert!(s.verify().unwrap_err().contains("digest mismatch"));
    }
}
