//! Strict field checking: every key of the input must survive a round trip through the typed
//! object. A key the typed object dropped is a field the type does not have.

use serde_json::Value;

/// Paths of the input's unknown fields, in the input's key order (`spec.template.spec.
/// containers[0].imagePullPolcy`). `typed` is the re-serialised object.
pub(super) fn unknown_fields(input: &Value, typed: &Value) -> Vec<String> {
    let mut out = Vec::new();
    walk(input, typed, &mut String::new(), &mut out);
    out
}

fn walk(input: &Value, typed: &Value, path: &mut String, out: &mut Vec<String>) {
    match (input, typed) {
        (Value::Object(inp), Value::Object(typ)) => {
            for (key, value) in inp {
                if value.is_null() {
                    continue;
                }
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
                match typ.get(key) {
                    None => out.push(path.clone()),
                    Some(t) => walk(value, t, path, out),
                }
                path.truncate(len);
            }
        }
        (Value::Array(inp), Value::Array(typ)) => {
            for (i, (value, t)) in inp.iter().zip(typ).enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                walk(value, t, path, out);
                path.truncate(len);
            }
        }
        // Scalars, and values the type re-spells (a number read as a quantity string): no fields.
        _ => {}
    }
}
