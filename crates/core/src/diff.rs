//! Field-level diff of two JSON documents, addressed by JSON Pointer-like paths.

use serde::Serialize;
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum FieldOp {
    Add,
    Remove,
    Change,
}

#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct FieldChange {
    /// `/`-separated path of the field, e.g. `/Environment/Variables/STAGE`.
    pub path: String,
    pub op: FieldOp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub from: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub to: Option<Value>,
}

/// Every field that differs between `from` and `to`. Objects are compared key by key;
/// arrays of different length or of scalars are compared as whole values, because
/// position-wise diffs of reordered lists mislead more than they help.
pub fn diff(from: &Value, to: &Value) -> Vec<FieldChange> {
    let mut out = Vec::new();
    walk("", from, to, &mut out);
    out
}

fn walk(path: &str, from: &Value, to: &Value, out: &mut Vec<FieldChange>) {
    match (from, to) {
        (Value::Object(a), Value::Object(b)) => {
            let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                let p = format!("{path}/{}", escape(k));
                match (a.get(k), b.get(k)) {
                    (Some(x), Some(y)) => walk(&p, x, y, out),
                    (Some(x), None) => out.push(FieldChange {
                        path: p,
                        op: FieldOp::Remove,
                        from: Some(x.clone()),
                        to: None,
                    }),
                    (None, Some(y)) => out.push(FieldChange {
                        path: p,
                        op: FieldOp::Add,
                        from: None,
                        to: Some(y.clone()),
                    }),
                    (None, None) => {}
                }
            }
        }
        (Value::Array(a), Value::Array(b))
            if a.len() == b.len() && a.iter().chain(b).any(|v| v.is_object()) =>
        {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                walk(&format!("{path}/{i}"), x, y, out);
            }
        }
        (x, y) if x != y => out.push(FieldChange {
            path: if path.is_empty() {
                "/".into()
            } else {
                path.into()
            },
            op: FieldOp::Change,
            from: Some(x.clone()),
            to: Some(y.clone()),
        }),
        _ => {}
    }
}

/// JSON Pointer escaping (RFC 6901) so keys containing `/` stay unambiguous.
fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reports_adds_removes_and_changes() {
        let a = json!({"Timeout": 3, "Environment": {"Variables": {"A": "1", "B": "2"}}, "Layers": ["x"]});
        let b = json!({"Timeout": 10, "Environment": {"Variables": {"A": "1", "C/D": "3"}}, "Layers": ["x", "y"]});
        let d = diff(&a, &b);
        let paths: Vec<(&str, FieldOp)> = d.iter().map(|c| (c.path.as_str(), c.op)).collect();
        assert_eq!(
            paths,
            vec![
                ("/Environment/Variables/B", FieldOp::Remove),
                ("/Environment/Variables/C~1D", FieldOp::Add),
                ("/Layers", FieldOp::Change),
                ("/Timeout", FieldOp::Change),
            ]
        );
    }

    #[test]
    fn equal_documents_have_no_diff() {
        let a = json!({"a": [{"b": 1}], "c": null});
        assert!(diff(&a, &a.clone()).is_empty());
    }
}
