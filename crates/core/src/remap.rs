//! Rewriting ARNs when a configuration moves to another account or region.
//!
//! Every ARN that names the source account is rewritten to the target account (and the
//! source region to the target region). An ARN that names some third account cannot be
//! mapped by rule: it is left as it is and reported, never silently kept without a word.

use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Remapped {
    pub path: String,
    pub from: String,
    pub to: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Unmapped {
    pub path: String,
    pub value: String,
    pub reason: String,
}

#[derive(Debug, Clone, Default)]
pub struct ArnRemapper {
    pub from_account: String,
    pub to_account: String,
    pub from_region: String,
    pub to_region: String,
    /// Exact ARN substitutions decided by a provider (e.g. a Connect queue matched by name);
    /// they win over the account/region rule.
    pub explicit: BTreeMap<String, String>,
    /// ARN prefixes mapped only through `explicit` (e.g. a Connect instance's resources:
    /// their ids differ in the target, so the account rule would leave a dangling ARN).
    /// An ARN under one of them without an explicit mapping is reported as unmappable.
    pub explicit_only: Vec<String>,
}

#[derive(Debug, Default)]
pub struct RemapResult {
    pub remapped: Vec<Remapped>,
    pub unmapped: Vec<Unmapped>,
}

impl ArnRemapper {
    pub fn new(from_account: &str, from_region: &str, to_account: &str, to_region: &str) -> Self {
        Self {
            from_account: from_account.into(),
            to_account: to_account.into(),
            from_region: from_region.into(),
            to_region: to_region.into(),
            explicit: BTreeMap::new(),
            explicit_only: Vec::new(),
        }
    }

    pub fn is_identity(&self) -> bool {
        self.from_account == self.to_account
            && self.from_region == self.to_region
            && self.explicit.is_empty()
            && self.explicit_only.is_empty()
    }

    /// Maps one ARN. `Ok(None)` means it needs no change; `Err(reason)` that it cannot be mapped.
    pub fn map_arn(&self, arn: &str) -> Result<Option<String>, String> {
        if let Some(to) = self.explicit.get(arn) {
            return Ok((to != arn).then(|| to.clone()));
        }
        if let Some(prefix) = self
            .explicit_only
            .iter()
            .find(|p| arn.starts_with(p.as_str()))
        {
            return Err(format!(
                "has no counterpart in the target: nothing under {prefix} with this identity is part of what is deployed, or it does not exist there"
            ));
        }
        let parts: Vec<&str> = arn.splitn(6, ':').collect();
        if parts.len() < 6 {
            return Ok(None);
        }
        let (region, account) = (parts[3], parts[4]);
        if account.is_empty()
            || account == "aws"
            || account == self.to_account && region_ok(region, &self.to_region)
        {
            return Ok(None);
        }
        if account != self.from_account {
            return Err(format!(
                "refers to account {account}, which is neither the source ({}) nor the target ({}); left unchanged",
                self.from_account, self.to_account
            ));
        }
        let new_region = if region == self.from_region {
            self.to_region.as_str()
        } else {
            region
        };
        let mapped = format!(
            "{}:{}:{}:{}:{}:{}",
            parts[0], parts[1], parts[2], new_region, self.to_account, parts[5]
        );
        Ok((mapped != arn).then_some(mapped))
    }
}

fn region_ok(region: &str, target: &str) -> bool {
    region.is_empty() || region == target
}

/// Rewrites every ARN found in string values of `value` (whole strings or embedded in text,
/// such as a resource policy) and reports what was changed and what could not be.
pub fn remap_arns(value: &mut Value, remapper: &ArnRemapper) -> RemapResult {
    let mut result = RemapResult::default();
    walk(value, "", remapper, &mut result);
    result
}

fn walk(value: &mut Value, path: &str, remapper: &ArnRemapper, out: &mut RemapResult) {
    match value {
        Value::String(s) => {
            if let Some(new) = remap_text(s, path, remapper, out) {
                *s = new;
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                walk(item, &format!("{path}/{i}"), remapper, out);
            }
        }
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                walk(
                    v,
                    &format!("{path}/{}", k.replace('~', "~0").replace('/', "~1")),
                    remapper,
                    out,
                );
            }
        }
        _ => {}
    }
}

fn is_arn_char(c: char) -> bool {
    !(c.is_whitespace() || "\"',;()[]{}<>".contains(c))
}

fn remap_text(
    text: &str,
    path: &str,
    remapper: &ArnRemapper,
    out: &mut RemapResult,
) -> Option<String> {
    if !text.contains("arn:") {
        return None;
    }
    let mut result = String::with_capacity(text.len());
    let mut changed = false;
    let mut rest = text;
    while let Some(pos) = rest.find("arn:") {
        let boundary_ok = pos == 0 || !rest[..pos].ends_with(|c: char| c.is_ascii_alphanumeric());
        result.push_str(&rest[..pos]);
        let tail = &rest[pos..];
        let end = tail.find(|c: char| !is_arn_char(c)).unwrap_or(tail.len());
        let arn = &tail[..end];
        if boundary_ok {
            match remapper.map_arn(arn) {
                Ok(Some(new)) => {
                    out.remapped.push(Remapped {
                        path: display_path(path),
                        from: arn.into(),
                        to: new.clone(),
                    });
                    result.push_str(&new);
                    changed = true;
                }
                Ok(None) => result.push_str(arn),
                Err(reason) => {
                    out.unmapped.push(Unmapped {
                        path: display_path(path),
                        value: arn.into(),
                        reason,
                    });
                    result.push_str(arn);
                }
            }
        } else {
            result.push_str(arn);
        }
        rest = &tail[end..];
    }
    result.push_str(rest);
    changed.then_some(result)
}

fn display_path(path: &str) -> String {
    if path.is_empty() {
        "/".into()
    } else {
        path.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn dev_to_prod() -> ArnRemapper {
        ArnRemapper::new("111111111111", "us-east-1", "222222222222", "eu-west-2")
    }

    #[test]
    fn rewrites_source_account_and_region() {
        let mut v = json!({
            "Role": "arn:aws:iam::111111111111:role/app-role",
            "Layers": ["arn:aws:lambda:us-east-1:111111111111:layer:common:3"],
            "Policy": "{\"Condition\":{\"ArnLike\":{\"AWS:SourceArn\":\"arn:aws:connect:us-east-1:111111111111:instance/abc\"}}}"
        });
        let r = remap_arns(&mut v, &dev_to_prod());
        assert_eq!(v["Role"], "arn:aws:iam::222222222222:role/app-role");
        assert_eq!(
            v["Layers"][0],
            "arn:aws:lambda:eu-west-2:222222222222:layer:common:3"
        );
        assert!(v["Policy"]
            .as_str()
            .unwrap()
            .contains("arn:aws:connect:eu-west-2:222222222222:instance/abc"));
        assert_eq!(r.remapped.len(), 3);
        assert!(r.unmapped.is_empty());
        assert_eq!(r.remapped[0].path, "/Role");
    }

    #[test]
    fn reports_third_party_accounts_and_leaves_them() {
        let mut v = json!({"Layers": ["arn:aws:lambda:us-east-1:333333333333:layer:vendor:1"],
                            "Managed": "arn:aws:iam::aws:policy/ReadOnly",
                            "Bucket": "arn:aws:s3:::my-bucket"});
        let before = v.clone();
        let r = remap_arns(&mut v, &dev_to_prod());
        assert_eq!(v, before);
        assert_eq!(r.unmapped.len(), 1);
        assert_eq!(r.unmapped[0].path, "/Layers/0");
        assert!(r.unmapped[0].reason.contains("333333333333"));
    }

    #[test]
    fn identity_changes_nothing() {
        let mut v = json!({"Role": "arn:aws:iam::111111111111:role/r"});
        let r = remap_arns(
            &mut v,
            &ArnRemapper::new("111111111111", "us-east-1", "111111111111", "us-east-1"),
        );
        assert!(r.remapped.is_empty() && r.unmapped.is_empty());
    }

    #[test]
    fn explicit_mappings_win() {
        let mut m = dev_to_prod();
        m.explicit.insert(
            "arn:aws:connect:us-east-1:111111111111:instance/a/queue/q1".into(),
            "arn:aws:connect:eu-west-2:222222222222:instance/b/queue/q9".into(),
        );
        let mut v = json!(["arn:aws:connect:us-east-1:111111111111:instance/a/queue/q1"]);
        remap_arns(&mut v, &m);
        assert_eq!(
            v[0],
            "arn:aws:connect:eu-west-2:222222222222:instance/b/queue/q9"
        );
    }

    #[test]
    fn explicit_only_prefixes_are_never_mapped_by_rule() {
        let mut m = dev_to_prod();
        m.explicit_only
            .push("arn:aws:connect:us-east-1:111111111111:instance/a/".into());
        let mut v = json!({"Q": "arn:aws:connect:us-east-1:111111111111:instance/a/queue/gone",
                            "F": "arn:aws:lambda:us-east-1:111111111111:function:f"});
        let r = remap_arns(&mut v, &m);
        assert_eq!(r.unmapped.len(), 1);
        assert_eq!(r.unmapped[0].path, "/Q");
        assert_eq!(
            v["Q"], "arn:aws:connect:us-east-1:111111111111:instance/a/queue/gone",
            "left as it was, and reported"
        );
        assert_eq!(v["F"], "arn:aws:lambda:eu-west-2:222222222222:function:f");
    }
}
