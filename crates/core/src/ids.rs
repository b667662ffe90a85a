//! "Parse, don't validate": raw strings from HTTP, CLI or config become these types at the
//! edge, so the rest of the code never handles an unchecked identifier.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Why an input was refused; `field` names the input so clients can point at it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ValidationError {
    pub field: &'static str,
    pub message: String,
}

impl ValidationError {
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self {
            field,
            message: message.into(),
        }
    }
}

macro_rules! string_newtype {
    ($name:ident, $field:literal, $check:path) => {
        string_newtype!($name, $field, $check, secret = false);
    };
    ($name:ident, $field:literal, $check:path, secret = $secret:literal) => {
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, utoipa::ToSchema)]
        #[serde(transparent)]
        pub struct $name(String);

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                if $secret {
                    // Logs and panics must not carry it.
                    f.write_str(concat!(stringify!($name), "(***)"))
                } else {
                    f.debug_tuple(stringify!($name)).field(&self.0).finish()
                }
            }
        }

        impl $name {
            pub fn parse(raw: &str) -> Result<Self, ValidationError> {
                $check(raw).map_err(|m| ValidationError::new($field, m))?;
                Ok(Self(raw.to_owned()))
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl FromStr for $name {
            type Err = ValidationError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl std::ops::Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let raw = String::deserialize(d)?;
                Self::parse(&raw).map_err(serde::de::Error::custom)
            }
        }
    };
}

fn check_account_id(raw: &str) -> Result<(), String> {
    if raw.len() == 12 && raw.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(format!(
            "must be exactly 12 digits, got {:?}",
            truncate(raw)
        ))
    }
}

/// Regions SnapDeploy accepts: the commercial, China and GovCloud regions AWS has published.
/// A typo such as `us-east1` must be refused here rather than surface later as a DNS error.
pub const KNOWN_REGIONS: &[&str] = &[
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-6",
    "ap-southeast-7",
    "ca-central-1",
    "ca-west-1",
    "cn-north-1",
    "cn-northwest-1",
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-gov-east-1",
    "us-gov-west-1",
    "us-west-1",
    "us-west-2",
];

fn check_region(raw: &str) -> Result<(), String> {
    if KNOWN_REGIONS.contains(&raw) {
        Ok(())
    } else {
        Err(format!("unknown AWS region {:?}", truncate(raw)))
    }
}

/// `arn:<partition>:iam::<12 digits>:role/<path/name>` as IAM documents it.
fn check_role_arn(raw: &str) -> Result<(), String> {
    let err = || {
        format!(
            "must look like arn:aws:iam::123456789012:role/Name, got {:?}",
            truncate(raw)
        )
    };
    let parts: Vec<&str> = raw.splitn(6, ':').collect();
    if parts.len() != 6 || parts[0] != "arn" || parts[2] != "iam" || !parts[3].is_empty() {
        return Err(err());
    }
    if !matches!(parts[1], "aws" | "aws-cn" | "aws-us-gov") {
        return Err(err());
    }
    check_account_id(parts[4]).map_err(|_| err())?;
    let Some(name) = parts[5].strip_prefix("role/") else {
        return Err(err());
    };
    let ok_char = |c: char| c.is_ascii_alphanumeric() || "+=,.@_-/".contains(c);
    if name.is_empty() || name.len() > 512 || !name.chars().all(ok_char) || name.ends_with('/') {
        return Err(err());
    }
    Ok(())
}

/// STS accepts 2–1224 characters of `[\w+=,.@:/-]` for an ExternalId.
fn check_external_id(raw: &str) -> Result<(), String> {
    let ok_char = |c: char| c.is_ascii_alphanumeric() || "_+=,.@:/-".contains(c);
    if (2..=1224).contains(&raw.len()) && raw.chars().all(ok_char) {
        Ok(())
    } else {
        Err("must be 2-1224 characters of letters, digits and _+=,.@:/-".into())
    }
}

/// A resource name becomes one S3 key segment, so it may not contain `/`, `..` or control
/// characters. Lambda function names, Lex bot names and Connect instance aliases all fit in
/// `[A-Za-z0-9._-]`, which is what we allow.
fn check_resource_name(raw: &str) -> Result<(), String> {
    if raw.is_empty() || raw.len() > 140 {
        return Err("must be 1-140 characters".into());
    }
    if raw.contains("..") || raw == "." {
        return Err("must not contain '..'".into());
    }
    if !raw
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
    {
        return Err(format!(
            "may contain only letters, digits, '.', '_' and '-', got {:?}",
            truncate(raw)
        ));
    }
    Ok(())
}

/// A note on a snapshot or change: shown in listings, so one paragraph of text.
fn check_note(raw: &str) -> Result<(), String> {
    if raw.chars().count() > 500 || raw.chars().any(|c| c.is_control() && c != '\n') {
        Err("at most 500 characters, no control characters".into())
    } else {
        Ok(())
    }
}

/// Lambda and Lex alias names: 1-128 of `[A-Za-z0-9_-]`, not only digits (that would read
/// as a version).
fn check_alias_name(raw: &str) -> Result<(), String> {
    let ok = (1..=128).contains(&raw.len())
        && raw
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        && !raw.chars().all(|c| c.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err("1-128 letters, digits, '-' or '_', not only digits".into())
    }
}

/// Which version of a resource to read: `DRAFT` or a version number (Lex bot versions).
fn check_version_selector(raw: &str) -> Result<(), String> {
    if raw == "DRAFT" || (1..=5).contains(&raw.len()) && raw.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err("DRAFT or a version number".into())
    }
}

fn truncate(raw: &str) -> String {
    raw.chars().take(64).collect()
}

string_newtype!(AccountId, "account_id", check_account_id);
string_newtype!(Region, "region", check_region);
string_newtype!(RoleArn, "role_arn", check_role_arn);
string_newtype!(ExternalId, "external_id", check_external_id, secret = true);
string_newtype!(ResourceName, "resource_name", check_resource_name);
string_newtype!(Note, "note", check_note);
string_newtype!(AliasName, "alias", check_alias_name);
string_newtype!(VersionSelector, "version", check_version_selector);

impl RoleArn {
    /// The account that owns the role (the fifth ARN field).
    pub fn account_id(&self) -> AccountId {
        AccountId(self.0.split(':').nth(4).unwrap_or_default().to_owned())
    }
}

/// The services SnapDeploy manages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ServiceKind {
    Lambda,
    Lex,
    Connect,
}

impl ServiceKind {
    pub const ALL: [ServiceKind; 3] = [ServiceKind::Lambda, ServiceKind::Lex, ServiceKind::Connect];

    pub fn as_str(self) -> &'static str {
        match self {
            ServiceKind::Lambda => "lambda",
            ServiceKind::Lex => "lex",
            ServiceKind::Connect => "connect",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == raw)
            .ok_or_else(|| {
                ValidationError::new(
                    "service",
                    format!(
                        "must be one of lambda, lex, connect; got {:?}",
                        truncate(raw)
                    ),
                )
            })
    }
}

impl fmt::Display for ServiceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ServiceKind {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl<'de> Deserialize<'de> for ServiceKind {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        Self::parse(&raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_ids() {
        assert!(AccountId::parse("123456789012").is_ok());
        for bad in [
            "12345678901",
            "1234567890123",
            "12345678901a",
            "",
            " 123456789012",
        ] {
            assert!(AccountId::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn an_external_id_is_never_printed() {
        let id = ExternalId::parse("very-secret-value").unwrap();
        assert_eq!(format!("{id:?}"), "ExternalId(***)");
        assert_eq!(
            format!("{:?}", AccountId::parse("123456789012").unwrap()),
            "AccountId(\"123456789012\")"
        );
    }

    #[test]
    fn notes_aliases_and_versions() {
        assert!(Note::parse("before release 42\nsecond line").is_ok());
        assert!(Note::parse(&"x".repeat(501)).is_err());
        assert!(Note::parse("tab\there").is_err());
        for ok in ["live", "prod_2", "a-b"] {
            assert!(AliasName::parse(ok).is_ok(), "{ok}");
        }
        for bad in ["", "12", "has space", &"a".repeat(129)] {
            assert!(AliasName::parse(bad).is_err(), "{bad:?}");
        }
        for ok in ["DRAFT", "1", "99999"] {
            assert!(VersionSelector::parse(ok).is_ok(), "{ok}");
        }
        for bad in ["latest", "draft", "", "123456", "1.0"] {
            assert!(VersionSelector::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn regions() {
        assert!(Region::parse("eu-west-2").is_ok());
        assert!(Region::parse("us-east1").is_err());
        assert!(Region::parse("mars-north-1").is_err());
    }

    #[test]
    fn role_arns() {
        let arn = RoleArn::parse("arn:aws:iam::111111111111:role/team/SnapDeployAccess").unwrap();
        assert_eq!(arn.account_id().as_str(), "111111111111");
        for bad in [
            "arn:aws:iam::11111111111:role/X",
            "arn:aws:iam:us-east-1:111111111111:role/X",
            "arn:aws:iam::111111111111:user/X",
            "arn:aws:s3:::bucket",
            "arn:aws:iam::111111111111:role/",
            "arn:aws:iam::111111111111:role/bad name",
        ] {
            assert!(RoleArn::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn resource_names_are_safe_key_segments() {
        assert!(ResourceName::parse("acme-dev_1.0").is_ok());
        for bad in [
            "",
            "a/b",
            "..",
            "a..b",
            "x\u{7}",
            "name with space",
            &"a".repeat(141),
        ] {
            assert!(ResourceName::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn services() {
        assert_eq!(ServiceKind::parse("lex").unwrap(), ServiceKind::Lex);
        assert!(ServiceKind::parse("s3").is_err());
        let parsed: Result<ServiceKind, _> = serde_json::from_str("\"ec2\"");
        assert!(parsed.is_err());
    }
}
