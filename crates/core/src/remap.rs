//! Rewriting ARNs when a configuration moves to another account or region.
//!
//! Every ARN that names the source account is rewritten to the target account (and the
//! source region to the target region); so are AWS endpoint URLs that name an account in
//! their path (SQS queue URLs) and values that are exactly the source account id. An ARN or
//! URL that names some third account cannot be mapped by rule: it is left as it is and
//! reported, never silently kept without a word. Whatever still names the source account
//! (or, moving region, the source region) after that is found by `leftovers`.

use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Remapped {
    pub path: String,
    pub from: String,
    pub to: String,
}

impl Unmapped {
    /// A reference the target lacks: `would_be` (what the source value maps to) does not
    /// exist there.
    pub fn missing(path: String, remapper: &ArnRemapper, would_be: &str, reason: String) -> Self {
        Self {
            path,
            value: remapper.source_of(would_be),
            reason,
            would_be: Some(would_be.to_owned()),
            also_at: vec![],
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Unmapped {
    pub path: String,
    /// The value as the source has it.
    pub value: String,
    pub reason: String,
    /// What it would have become in the target, where that is known (a function ARN in the
    /// target account that does not exist there).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub would_be: Option<String>,
    /// Other places the same value is used: one reference is listed once.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub also_at: Vec<String>,
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

    /// The source value a mapped ARN or URL came from (the account and region swapped
    /// back); the value itself when it names neither.
    pub fn source_of(&self, mapped: &str) -> String {
        let back = ArnRemapper::new(
            &self.to_account,
            &self.to_region,
            &self.from_account,
            &self.from_region,
        );
        let arn = back.map_arn(mapped).ok().flatten();
        arn.or_else(|| back.map_url(mapped).ok().flatten())
            .unwrap_or_else(|| mapped.to_owned())
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

impl ArnRemapper {
    /// Maps an AWS endpoint URL that names an account as its first path segment (an SQS
    /// queue URL, `https://sqs.<region>.amazonaws.com/<account>/<queue>`) like an ARN: the
    /// source account and region become the target's. Other URLs need no change.
    pub fn map_url(&self, url: &str) -> Result<Option<String>, String> {
        if let Some(to) = self.explicit.get(url) {
            return Ok((to != url).then(|| to.clone()));
        }
        let Some((host, path)) = url
            .strip_prefix("https://")
            .and_then(|rest| rest.split_once('/'))
        else {
            return Ok(None);
        };
        let (account, tail) = path.split_once('/').unwrap_or((path, ""));
        if !host.ends_with(".amazonaws.com") || !is_account_id(account) {
            return Ok(None);
        }
        let account = if account == self.from_account {
            self.to_account.as_str()
        } else if account == self.to_account {
            account
        } else {
            return Err(format!(
                "refers to account {account}, which is neither the source ({}) nor the target ({}); left unchanged",
                self.from_account, self.to_account
            ));
        };
        let host: Vec<&str> = host
            .split('.')
            .map(|label| {
                if label == self.from_region {
                    self.to_region.as_str()
                } else {
                    label
                }
            })
            .collect();
        let slash = if path.contains('/') { "/" } else { "" };
        let mapped = format!("https://{}/{account}{slash}{tail}", host.join("."));
        Ok((mapped != url).then_some(mapped))
    }
}

fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// Where `needle` stands in `text` as a token of its own: not inside a longer run of letters
/// or digits (so `111111111111` is found in `reports-111111111111`, not in `1111111111112`).
fn contains_token(text: &str, needle: &str) -> bool {
    let alnum = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    text.match_indices(needle).any(|(i, _)| {
        !alnum(text[..i].chars().next_back()) && !alnum(text[i + needle.len()..].chars().next())
    })
}

/// The string values of `value` that still name the source environment once remapped: the
/// source account id anywhere in them or, when the region changes, the source region. Each
/// is reported with its path and whole value, so nothing environment-specific reaches the
/// target unseen.
/// Adds to `unmapped` each leftover of `value` (see [`leftovers`]) that is not a value
/// already listed, or one containing it.
pub fn add_leftovers(unmapped: &mut Vec<Unmapped>, value: &Value, remapper: &ArnRemapper) {
    for l in leftovers(value, remapper) {
        if !unmapped.iter().any(|u| l.value.contains(&u.value)) {
            unmapped.push(l);
        }
    }
}

pub fn leftovers(value: &Value, remapper: &ArnRemapper) -> Vec<Unmapped> {
    let mut out = Vec::new();
    if remapper.from_account == remapper.to_account && remapper.from_region == remapper.to_region {
        return out;
    }
    each_string(value, "", &mut |path, s| {
        let reason = if remapper.from_account != remapper.to_account
            && contains_token(s, &remapper.from_account)
        {
            format!(
                "still names the source account {}: no rule maps this value; add a promotion rule for it, or accept leaving it out",
                remapper.from_account
            )
        } else if remapper.from_region != remapper.to_region
            && contains_token(s, &remapper.from_region)
        {
            format!(
                "still names the source region {}: no rule maps this value; add a promotion rule for it, or accept leaving it out",
                remapper.from_region
            )
        } else {
            return;
        };
        out.push(Unmapped {
            path: display_path(path),
            value: s.to_owned(),
            reason,
            would_be: None,
            also_at: vec![],
        });
    });
    out
}

fn each_string(value: &Value, path: &str, f: &mut impl FnMut(&str, &str)) {
    match value {
        Value::String(s) => f(path, s),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                each_string(item, &format!("{path}/{i}"), f);
            }
        }
        Value::Object(map) => {
            for (k, v) in map {
                each_string(v, &format!("{path}/{}", pointer_segment(k)), f);
            }
        }
        _ => {}
    }
}

fn pointer_segment(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
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
                walk(v, &format!("{path}/{}", pointer_segment(k)), remapper, out);
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
    if text == remapper.from_account && remapper.to_account != remapper.from_account {
        out.remapped.push(Remapped {
            path: display_path(path),
            from: text.into(),
            to: remapper.to_account.clone(),
        });
        return Some(remapper.to_account.clone());
    }
    let arns = remap_tokens(text, "arn:", path, out, |t| remapper.map_arn(t));
    let urls = remap_tokens(
        arns.as_deref().unwrap_or(text),
        "https://",
        path,
        out,
        |t| remapper.map_url(t),
    );
    urls.or(arns)
}

/// Rewrites each token of `text` that starts with `start` (an ARN, a URL) through `map`,
/// recording what was remapped and what could not be.
fn remap_tokens(
    text: &str,
    start: &str,
    path: &str,
    out: &mut RemapResult,
    map: impl Fn(&str) -> Result<Option<String>, String>,
) -> Option<String> {
    if !text.contains(start) {
        return None;
    }
    let mut result = String::with_capacity(text.len());
    let mut changed = false;
    let mut rest = text;
    while let Some(pos) = rest.find(start) {
        let boundary_ok = pos == 0 || !rest[..pos].ends_with(|c: char| c.is_ascii_alphanumeric());
        result.push_str(&rest[..pos]);
        let tail = &rest[pos..];
        let end = tail.find(|c: char| !is_arn_char(c)).unwrap_or(tail.len());
        let arn = &tail[..end];
        if boundary_ok {
            match map(arn) {
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
                        would_be: None,
                        also_at: vec![],
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
    fn queue_urls_and_bare_account_ids_are_mapped_like_arns() {
        let mut v = json!({
            "Environment": {"Variables": {
                "CALLBACK_QUEUE": "https://sqs.us-east-1.amazonaws.com/111111111111/callbacks",
                "OTHER_QUEUE": "https://sqs.us-east-1.amazonaws.com/333333333333/shared",
                "DOCS": "https://docs.aws.amazon.com/111111111111/not-an-endpoint",
            }},
            "Policy": [{"SourceAccount": "111111111111"}],
        });
        let r = remap_arns(&mut v, &dev_to_prod());
        assert_eq!(
            v["Environment"]["Variables"]["CALLBACK_QUEUE"],
            "https://sqs.eu-west-2.amazonaws.com/222222222222/callbacks"
        );
        assert_eq!(v["Policy"][0]["SourceAccount"], "222222222222");
        assert_eq!(
            v["Environment"]["Variables"]["DOCS"],
            "https://docs.aws.amazon.com/111111111111/not-an-endpoint",
            "only AWS endpoints are mapped"
        );
        assert_eq!(r.remapped.len(), 2, "{:?}", r.remapped);
        assert_eq!(r.unmapped.len(), 1);
        assert_eq!(r.unmapped[0].path, "/Environment/Variables/OTHER_QUEUE");
        assert!(r.unmapped[0].reason.contains("333333333333"));
    }

    #[test]
    fn what_still_names_the_source_is_reported_with_its_path_and_value() {
        let v = json!({
            "Environment": {"Variables": {
                "BUCKET": "reports-111111111111",
                "ENDPOINT": "https://api.example.com/us-east-1/v1",
                "BIG": "11111111111122",
                "TABLE": "customers-prod",
            }},
        });
        let found = leftovers(&v, &dev_to_prod());
        let paths: Vec<&str> = found.iter().map(|u| u.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "/Environment/Variables/BUCKET",
                "/Environment/Variables/ENDPOINT"
            ]
        );
        assert_eq!(found[0].value, "reports-111111111111");
        assert!(found[0].reason.contains("source account 111111111111"));
        assert!(found[1].reason.contains("source region us-east-1"));
        // Within one account and region nothing is environment-specific.
        let same = ArnRemapper::new("111111111111", "us-east-1", "111111111111", "us-east-1");
        assert!(leftovers(&v, &same).is_empty());
        // Same region, another account: the region is not a leftover.
        let same_region =
            ArnRemapper::new("111111111111", "us-east-1", "222222222222", "us-east-1");
        assert_eq!(leftovers(&v, &same_region).len(), 1);
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
