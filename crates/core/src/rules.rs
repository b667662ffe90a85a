//! Promotion rules: how a value that differs between two accounts is written when a
//! configuration moves from one to the other (dev table names, stage variables, queue
//! caller ids). Rules are per (source account, target account) pair and are applied to the
//! source configuration before a provider plans it, so the plan, the leftover check and
//! the apply all see the configuration as the rules made it.

use crate::ids::{AccountId, ServiceKind};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// How a substitution's `from` is matched.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum MatchMode {
    /// Every occurrence inside a string value is replaced.
    #[default]
    Substring,
    /// Only a string value equal to `from` is replaced, as a whole.
    Whole,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Substitution {
    pub from: String,
    pub to: String,
    /// `substring` (default) or `whole`.
    #[serde(default, rename = "match")]
    pub mode: MatchMode,
}

/// The rules of one (source, target) pair, as `PUT /promotion-rules/{source}/{target}` takes them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PromotionRules {
    /// Applied to every string value of the configuration, in order.
    #[serde(default)]
    pub substitutions: Vec<Substitution>,
    /// `<service>:<JSON pointer>`, `*` matching any one key or index: the target keeps
    /// whatever it has there now (nothing, when it has nothing).
    #[serde(default)]
    pub keep_target: Vec<String>,
}

/// A pair's rules as stored, with who set them and when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RuleSet {
    #[schema(value_type = String)]
    pub source_account_id: AccountId,
    #[schema(value_type = String)]
    pub target_account_id: AccountId,
    pub substitutions: Vec<Substitution>,
    pub keep_target: Vec<String>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub updated_by: String,
}

impl RuleSet {
    pub fn rules(&self) -> PromotionRules {
        PromotionRules {
            substitutions: self.substitutions.clone(),
            keep_target: self.keep_target.clone(),
        }
    }
}

/// A rule refused, naming it (`substitutions[0].from`, `keep_target[2]`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct RuleError {
    pub field: String,
    pub message: String,
}

/// A parsed `keep_target` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeepPath {
    pub service: ServiceKind,
    /// Unescaped pointer segments; `*` matches any one key or index.
    pub segments: Vec<String>,
}

impl KeepPath {
    pub fn parse(s: &str) -> Result<Self, String> {
        let (service, pointer) = s.split_once(':').ok_or_else(|| {
            format!(
                "{s:?} is not <service>:<JSON pointer> (e.g. lambda:/Environment/Variables/STAGE)"
            )
        })?;
        let service = ServiceKind::parse(service)
            .map_err(|_| format!("{service:?} is not a service (lambda, lex or connect)"))?;
        let rest = pointer
            .strip_prefix('/')
            .ok_or_else(|| format!("{pointer:?} is not a JSON pointer: it must start with /"))?;
        if rest.is_empty() {
            return Err("the path names the whole document; keeping all of it is no deploy".into());
        }
        let segments = rest
            .split('/')
            .map(|seg| seg.replace("~1", "/").replace("~0", "~"))
            .collect();
        Ok(Self { service, segments })
    }
}

impl PromotionRules {
    /// Refuses an empty or no-op substitution, and a `keep_target` path that is malformed
    /// or can never match its service's document (`fields` lists a service's top-level
    /// fields).
    pub fn validate(
        &self,
        fields: impl Fn(ServiceKind) -> &'static [&'static str],
    ) -> Result<(), RuleError> {
        for (i, s) in self.substitutions.iter().enumerate() {
            let err = |what: &str, message: &str| RuleError {
                field: format!("substitutions[{i}]{what}"),
                message: message.into(),
            };
            if s.from.is_empty() {
                return Err(err(".from", "must not be empty"));
            }
            if s.from == s.to {
                return Err(err(
                    "",
                    "from and to are the same; the rule would change nothing",
                ));
            }
        }
        for (i, k) in self.keep_target.iter().enumerate() {
            let err = |message: String| RuleError {
                field: format!("keep_target[{i}]"),
                message,
            };
            let path = KeepPath::parse(k).map_err(err)?;
            let known = fields(path.service);
            let first = &path.segments[0];
            if first != "*" && !known.contains(&first.as_str()) {
                return Err(err(format!(
                    "{k:?} can never match: a {} document has no field {first:?} (it has {})",
                    path.service,
                    known.join(", ")
                )));
            }
        }
        Ok(())
    }

    pub fn is_empty(&self) -> bool {
        self.substitutions.is_empty() && self.keep_target.is_empty()
    }
}

/// One string value a substitution rewrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Substituted {
    /// JSON pointer into the configuration.
    pub path: String,
    /// Index of the rule in `substitutions`.
    pub rule: usize,
    pub before: String,
    pub after: String,
}

/// One value a `keep_target` rule kept as the target has it.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Kept {
    pub path: String,
    /// The `keep_target` entry that matched.
    pub rule: String,
    /// What the source would have written (null: the source has nothing there).
    pub source_value: Value,
    /// What the target has and keeps (null: it has nothing there, so nothing is written).
    pub target_value: Value,
}

/// Fields never rewritten: digests that must keep matching the bytes they describe.
const NOT_SUBSTITUTED: &[&str] = &["CodeSha256", "sha256"];

/// Applies `rules` to a `service` configuration about to be planned: substitutions on
/// every string value first, then `keep_target` paths set to the target's current value
/// (`live`; none when the resource does not exist there), so a kept value is never
/// rewritten by a substitution.
pub fn apply_rules(
    config: &mut Value,
    live: Option<&Value>,
    service: ServiceKind,
    rules: &PromotionRules,
) -> (Vec<Substituted>, Vec<Kept>) {
    let mut substituted = Vec::new();
    substitute(config, "", &rules.substitutions, &mut substituted);
    let mut kept = Vec::new();
    for rule in &rules.keep_target {
        let Ok(path) = KeepPath::parse(rule) else {
            continue;
        };
        if path.service != service {
            continue;
        }
        let mut found = Vec::new();
        expand(&path.segments, Some(config), live, Vec::new(), &mut found);
        for concrete in found {
            let pointer = to_pointer(&concrete);
            let source_value = config.pointer(&pointer).cloned().unwrap_or(Value::Null);
            let target_value = live
                .and_then(|l| l.pointer(&pointer))
                .cloned()
                .unwrap_or(Value::Null);
            match live.and_then(|l| l.pointer(&pointer)) {
                Some(v) => set(config, &concrete, v.clone()),
                None => remove(config, &concrete),
            }
            kept.push(Kept {
                path: pointer,
                rule: rule.clone(),
                source_value,
                target_value,
            });
        }
    }
    (substituted, kept)
}

/// Leaves each value at `pointers` out of `desired`: an array element is dropped (a
/// policy statement, a layer); any other value is what the target has there now (`live`),
/// or nothing when it has nothing. What a deploy that accepts unmapped references does
/// with them, so no source value is written.
pub fn leave_out(desired: &mut Value, live: Option<&Value>, pointers: &[String]) {
    let mut paths: Vec<Vec<String>> = pointers
        .iter()
        .map(|p| {
            p.trim_start_matches('/')
                .split('/')
                .map(|seg| seg.replace("~1", "/").replace("~0", "~"))
                .collect()
        })
        .collect();
    paths.sort();
    paths.dedup();
    // Array elements last to first, so each index still names what it named.
    paths.sort_by(|a, b| {
        let index = |p: &Vec<String>| p.last().and_then(|l| l.parse::<usize>().ok());
        (a.len(), index(b)).cmp(&(b.len(), index(a)))
    });
    for path in paths {
        let is_index = path.last().is_some_and(|l| l.parse::<usize>().is_ok());
        let pointer = to_pointer(&path);
        match live.and_then(|l| l.pointer(&pointer)).filter(|_| !is_index) {
            Some(v) => set(desired, &path, v.clone()),
            None => remove(desired, &path),
        }
    }
}

fn substitute(value: &mut Value, path: &str, rules: &[Substitution], out: &mut Vec<Substituted>) {
    match value {
        Value::String(s) => {
            for (i, r) in rules.iter().enumerate() {
                let after = match r.mode {
                    MatchMode::Whole if *s == r.from => r.to.clone(),
                    MatchMode::Substring if s.contains(&r.from) => s.replace(&r.from, &r.to),
                    _ => continue,
                };
                out.push(Substituted {
                    path: if path.is_empty() {
                        "/".into()
                    } else {
                        path.into()
                    },
                    rule: i,
                    before: std::mem::replace(s, after.clone()),
                    after,
                });
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                substitute(item, &format!("{path}/{i}"), rules, out);
            }
        }
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                if !NOT_SUBSTITUTED.contains(&k.as_str()) {
                    substitute(v, &format!("{path}/{}", escape(k)), rules, out);
                }
            }
        }
        _ => {}
    }
}

/// Every concrete path `segments` matches in the source or the target document.
fn expand(
    segments: &[String],
    source: Option<&Value>,
    target: Option<&Value>,
    at: Vec<String>,
    out: &mut Vec<Vec<String>>,
) {
    let Some((first, rest)) = segments.split_first() else {
        if source.is_some() || target.is_some() {
            out.push(at);
        }
        return;
    };
    let keys: Vec<String> = if first == "*" {
        let mut keys = Vec::new();
        for doc in [source, target].into_iter().flatten() {
            match doc {
                Value::Object(m) => keys.extend(m.keys().cloned()),
                Value::Array(a) => keys.extend((0..a.len()).map(|i| i.to_string())),
                _ => {}
            }
        }
        keys.sort();
        keys.dedup();
        keys
    } else {
        vec![first.clone()]
    };
    for key in keys {
        let child = |doc: Option<&Value>| -> Option<Value> {
            match doc? {
                Value::Object(m) => m.get(&key).cloned(),
                Value::Array(a) => key.parse::<usize>().ok().and_then(|i| a.get(i)).cloned(),
                _ => None,
            }
        };
        let (s, t) = (child(source), child(target));
        let mut next = at.clone();
        next.push(key.clone());
        expand(rest, s.as_ref(), t.as_ref(), next, out);
    }
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

fn to_pointer(segments: &[String]) -> String {
    segments.iter().map(|s| format!("/{}", escape(s))).collect()
}

/// Sets the value at `path`, creating the objects on the way.
fn set(doc: &mut Value, path: &[String], value: Value) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut at = doc;
    for seg in parents {
        if at.is_null() {
            *at = Value::Object(Map::new());
        }
        at = match at {
            Value::Object(m) => m.entry(seg.clone()).or_insert(Value::Null),
            Value::Array(a) => match seg.parse::<usize>().ok().and_then(|i| a.get_mut(i)) {
                Some(v) => v,
                None => return,
            },
            _ => return,
        };
    }
    if at.is_null() {
        *at = Value::Object(Map::new());
    }
    match at {
        Value::Object(m) => {
            m.insert(last.clone(), value);
        }
        Value::Array(a) => {
            if let Some(slot) = last.parse::<usize>().ok().and_then(|i| a.get_mut(i)) {
                *slot = value;
            }
        }
        _ => {}
    }
}

fn remove(doc: &mut Value, path: &[String]) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut at = doc;
    for seg in parents {
        at = match at {
            Value::Object(m) => match m.get_mut(seg) {
                Some(v) => v,
                None => return,
            },
            Value::Array(a) => match seg.parse::<usize>().ok().and_then(|i| a.get_mut(i)) {
                Some(v) => v,
                None => return,
            },
            _ => return,
        };
    }
    match at {
        Value::Object(m) => {
            m.remove(last);
        }
        Value::Array(a) => {
            if let Some(i) = last.parse::<usize>().ok().filter(|i| *i < a.len()) {
                a.remove(i);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(_: ServiceKind) -> &'static [&'static str] {
        &["Environment", "Queues", "Tags"]
    }

    #[test]
    fn substitutions_rewrite_every_string_value_and_say_where() {
        let rules = PromotionRules {
            substitutions: vec![
                Substitution {
                    from: "customers-dev".into(),
                    to: "customers-prod".into(),
                    mode: MatchMode::Substring,
                },
                Substitution {
                    from: "dev".into(),
                    to: "prod".into(),
                    mode: MatchMode::Whole,
                },
            ],
            keep_target: vec![],
        };
        let mut doc = json!({"Environment": {"Variables": {"TABLE": "customers-dev", "STAGE": "dev", "NOTE": "dev box"}},
                             "CodeSha256": "dev", "Tags": ["arn:table/customers-dev/x"]});
        let (subs, kept) = apply_rules(&mut doc, None, ServiceKind::Lambda, &rules);
        assert!(kept.is_empty());
        assert_eq!(
            doc["Environment"]["Variables"],
            json!({"TABLE": "customers-prod", "STAGE": "prod", "NOTE": "dev box"})
        );
        assert_eq!(doc["CodeSha256"], "dev", "digests are never rewritten");
        assert_eq!(doc["Tags"][0], "arn:table/customers-prod/x");
        let paths: Vec<(&str, usize)> = subs.iter().map(|s| (s.path.as_str(), s.rule)).collect();
        assert_eq!(
            paths,
            vec![
                ("/Environment/Variables/TABLE", 0),
                ("/Environment/Variables/STAGE", 1),
                ("/Tags/0", 0)
            ]
        );
        assert_eq!(subs[0].before, "customers-dev");
        assert_eq!(subs[0].after, "customers-prod");
    }

    #[test]
    fn kept_paths_take_the_targets_value_or_leave_the_value_out() {
        let rules = PromotionRules {
            substitutions: vec![Substitution {
                from: "dev".into(),
                to: "oops".into(),
                mode: MatchMode::Substring,
            }],
            keep_target: vec![
                "lambda:/Environment/Variables/STAGE".into(),
                "connect:/Queues/*/OutboundCallerConfig".into(),
                "lambda:/Environment/Variables/ONLY_DEV".into(),
                "lex:/Environment".into(),
            ],
        };
        let mut doc = json!({"Environment": {"Variables": {"STAGE": "dev", "ONLY_DEV": "x", "ONLY_PROD": "p"}}});
        let live = json!({"Environment": {"Variables": {"STAGE": "prod", "ONLY_PROD": "y"}}});
        let (_, kept) = apply_rules(&mut doc, Some(&live), ServiceKind::Lambda, &rules);
        assert_eq!(
            doc["Environment"]["Variables"],
            json!({"STAGE": "prod", "ONLY_PROD": "p"})
        );
        assert_eq!(kept.len(), 2, "{kept:?}");
        assert_eq!(
            kept[0].source_value, "oops",
            "what the source would have written, after substitutions"
        );
        assert_eq!(kept[0].target_value, "prod");
        assert_eq!(kept[1].path, "/Environment/Variables/ONLY_DEV");
        assert_eq!(kept[1].target_value, Value::Null);

        let mut queues = json!({"Queues": {"Billing": {"OutboundCallerConfig": {"Name": "dev"}}, "New": {"OutboundCallerConfig": {"Name": "n"}}}});
        let live = json!({"Queues": {"Billing": {"OutboundCallerConfig": {"Name": "Acme"}}, "Only prod": {"OutboundCallerConfig": {"Name": "p"}}}});
        let (_, kept) = apply_rules(&mut queues, Some(&live), ServiceKind::Connect, &rules);
        assert_eq!(
            queues["Queues"]["Billing"]["OutboundCallerConfig"]["Name"],
            "Acme"
        );
        assert!(queues["Queues"]["New"]
            .get("OutboundCallerConfig")
            .is_none());
        assert_eq!(
            queues["Queues"]["Only prod"]["OutboundCallerConfig"]["Name"],
            "p"
        );
        assert_eq!(kept.len(), 3);
    }

    #[test]
    fn a_left_out_value_is_the_targets_own_or_nothing_and_a_left_out_element_is_dropped() {
        let mut desired = json!({"Environment": {"Variables": {"A": "dev-a", "B": "dev-b", "C": "c"}},
                                 "Policy": [{"Sid": "0"}, {"Sid": "1"}, {"Sid": "2"}]});
        let live = json!({"Environment": {"Variables": {"A": "prod-a"}}, "Policy": [{"Sid": "x"}]});
        leave_out(
            &mut desired,
            Some(&live),
            &[
                "/Environment/Variables/A".into(),
                "/Environment/Variables/B".into(),
                "/Policy/0".into(),
                "/Policy/2".into(),
            ],
        );
        assert_eq!(
            desired["Environment"]["Variables"],
            json!({"A": "prod-a", "C": "c"})
        );
        assert_eq!(desired["Policy"], json!([{"Sid": "1"}]));
    }

    #[test]
    fn bad_rules_are_refused_by_name() {
        let bad = |r: PromotionRules| r.validate(fields).unwrap_err();
        let sub = |from: &str, to: &str| Substitution {
            from: from.into(),
            to: to.into(),
            mode: MatchMode::Substring,
        };
        let e = bad(PromotionRules {
            substitutions: vec![sub("a", "b"), sub("", "x")],
            keep_target: vec![],
        });
        assert_eq!(e.field, "substitutions[1].from");
        let e = bad(PromotionRules {
            substitutions: vec![sub("a", "a")],
            keep_target: vec![],
        });
        assert_eq!(e.field, "substitutions[0]");
        for (path, says) in [
            ("lambda/Environment", "not <service>:<JSON pointer>"),
            ("ec2:/Environment", "not a service"),
            ("lambda:Environment", "must start with /"),
            ("lambda:/", "whole document"),
            ("lambda:/Enviroment/Variables", "can never match"),
        ] {
            let e = bad(PromotionRules {
                substitutions: vec![],
                keep_target: vec!["lambda:/Tags".into(), path.into()],
            });
            assert_eq!(e.field, "keep_target[1]");
            assert!(e.message.contains(says), "{path}: {}", e.message);
        }
        PromotionRules {
            substitutions: vec![sub("a", "b")],
            keep_target: vec!["connect:/Queues/*/X".into(), "lex:/*/Y".into()],
        }
        .validate(fields)
        .unwrap();
    }
}
