//! Canonical JSON: object keys sorted at every depth, no insignificant whitespace. Two
//! captures of the same state serialize byte-identically, so digests and diffs show only
//! real change.

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// Returns `value` with every object's keys in sorted order.
pub fn canonicalize(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let mut out = Map::with_capacity(map.len());
            for k in keys {
                out.insert(k.clone(), canonicalize(&map[k]));
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(canonicalize).collect()),
        other => other.clone(),
    }
}

/// The canonical text of `value`.
pub fn canonical_string(value: &Value) -> String {
    canonicalize(value).to_string()
}

/// `sha256:<hex>` of the canonical text of `value`.
pub fn digest_of(value: &Value) -> String {
    format!("sha256:{}", sha256_hex(canonical_string(value).as_bytes()))
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn key_order_does_not_change_the_digest() {
        let a = json!({"b": 1, "a": {"y": [1, {"d": 1, "c": 2}], "x": null}});
        let b: Value =
            serde_json::from_str(r#"{"a":{"x":null,"y":[1,{"c":2,"d":1}]},"b":1}"#).unwrap();
        assert_eq!(canonical_string(&a), canonical_string(&b));
        assert_eq!(digest_of(&a), digest_of(&b));
        assert_eq!(
            canonical_string(&a),
            r#"{"a":{"x":null,"y":[1,{"c":2,"d":1}]},"b":1}"#
        );
    }

    #[test]
    fn a_real_change_changes_the_digest() {
        assert_ne!(digest_of(&json!({"a": 1})), digest_of(&json!({"a": 2})));
    }
}
