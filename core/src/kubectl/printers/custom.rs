//! Tables of custom resources, as the API server's table convertor builds them from the CRD's
//! `additionalPrinterColumns` (a single Age column when the version declares none): a Name
//! column, then one cell per column, the value found at the column's JSONPath formatted by the
//! column's type. Columns with a priority above 0 show only with `-o wide`.

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use serde_json::Value;

use super::table::{col, Column};
use super::util::since;
use crate::api::custom::check::go_float;
use crate::api::Object;
use crate::time::SimTime;

/// The columns of a custom kind whose CRD cannot be read: Name and Age.
pub const DEFAULT_COLUMNS: &[Column] = &[col("Name"), col("Age")];

/// One printer column of a CRD version.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PrinterColumn {
    pub name: String,
    /// `integer`, `number`, `string`, `boolean` or `date`.
    pub type_: String,
    pub json_path: String,
    pub priority: i32,
}

/// The printer columns the server uses for objects of `crd` read in `version`.
pub fn printer_columns(crd: &CustomResourceDefinition, version: &str) -> Vec<PrinterColumn> {
    crate::api::custom::crd::printer_columns(crd, version)
        .into_iter()
        .map(|c| PrinterColumn { name: c.name, type_: c.type_, json_path: c.json_path, priority: c.priority.unwrap_or(0) })
        .collect()
}

/// Column names and wide-only flags: Name first, then the printer columns.
pub fn headers(cols: &[PrinterColumn]) -> Vec<(String, bool)> {
    std::iter::once(("Name".to_string(), false)).chain(cols.iter().map(|c| (c.name.clone(), c.priority > 0))).collect()
}

/// One cell per entry of [`headers`].
pub fn row(obj: &Object, cols: &[PrinterColumn], now: SimTime) -> Vec<String> {
    let value = obj.to_value();
    let mut cells = Vec::with_capacity(cols.len() + 1);
    cells.push(obj.name().to_string());
    for c in cols {
        let found = jsonpath(&value, &c.json_path).into_iter().next();
        cells.push(found.map(|v| cell(&c.type_, v, now)).unwrap_or_default());
    }
    cells
}

/// The Name and Age row of a custom object without printer columns.
pub fn default_row(obj: &Object, now: SimTime) -> Vec<String> {
    vec![obj.name().to_string(), super::util::age(obj.metadata().creation_timestamp.as_ref(), now)]
}

/// `cellForJSONValue`, then kubectl's printing of the cell (`fmt.Sprint`).
fn cell(type_: &str, v: &Value, now: SimTime) -> String {
    match (type_, v) {
        (_, Value::Null) => String::new(),
        ("string", Value::String(s)) => s.clone(),
        ("string", Value::Number(n)) => number_text(n),
        ("string", Value::Bool(b)) => b.to_string(),
        ("string", other) => serde_json::to_string(other).unwrap_or_default(),
        ("integer", Value::Number(n)) => n.as_i64().map_or_else(|| (n.as_f64().unwrap_or(0.0) as i64).to_string(), |i| i.to_string()),
        ("number", Value::Number(n)) => go_float(n.as_f64().unwrap_or(0.0)),
        ("boolean", Value::Bool(b)) => b.to_string(),
        ("date", Value::String(s)) => match s.parse::<k8s_openapi::jiff::Timestamp>() {
            Ok(t) => since(&Time(t), now),
            Err(_) => "<invalid>".to_string(),
        },
        _ => String::new(),
    }
}

fn number_text(n: &serde_json::Number) -> String {
    match n.as_i64() {
        Some(i) => i.to_string(),
        None => go_float(n.as_f64().unwrap_or(0.0)),
    }
}

/// One step of a JSONPath.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    Field(String),
    Index(i64),
    All,
    /// `[?(@.a.b == "x")]`
    Filter(Vec<String>, Value),
}

/// The values `path` (`.spec.replicas`, `.status.conditions[?(@.type=="Ready")].status`,
/// `.spec.ports[0].port`, `.items[*].name`) selects in `root`, in document order.
pub fn jsonpath<'a>(root: &'a Value, path: &str) -> Vec<&'a Value> {
    let path = path.trim();
    let path = path.strip_prefix('{').and_then(|p| p.strip_suffix('}')).unwrap_or(path);
    let Some(steps) = parse(path) else { return Vec::new() };
    let mut current = vec![root];
    for step in &steps {
        let mut next = Vec::new();
        for v in current {
            match (step, v) {
                (Step::Field(name), Value::Object(m)) => next.extend(m.get(name)),
                (Step::Index(i), Value::Array(a)) => {
                    let i = if *i < 0 { a.len() as i64 + i } else { *i };
                    next.extend(usize::try_from(i).ok().and_then(|i| a.get(i)));
                }
                (Step::All, Value::Array(a)) => next.extend(a.iter()),
                (Step::All, Value::Object(m)) => next.extend(m.values()),
                (Step::Filter(field, want), Value::Array(a)) => {
                    next.extend(a.iter().filter(|item| field.iter().try_fold(*item, |v, k| v.get(k)) == Some(want)));
                }
                _ => {}
            }
        }
        current = next;
    }
    current
}

fn parse(path: &str) -> Option<Vec<Step>> {
    let mut steps = Vec::new();
    let mut rest = path.strip_prefix('$').unwrap_or(path);
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('.') {
            let end = r.find(['.', '[']).unwrap_or(r.len());
            if end > 0 {
                steps.push(if &r[..end] == "*" { Step::All } else { Step::Field(r[..end].to_string()) });
            }
            rest = &r[end..];
        } else if let Some(r) = rest.strip_prefix('[') {
            let end = r.find(']')?;
            let inner = r[..end].trim();
            steps.push(bracket(inner)?);
            rest = &r[end + 1..];
        } else {
            return None;
        }
    }
    Some(steps)
}

fn bracket(inner: &str) -> Option<Step> {
    if inner == "*" {
        return Some(Step::All);
    }
    if let Some(filter) = inner.strip_prefix("?(").and_then(|f| f.strip_suffix(')')) {
        let (lhs, rhs) = filter.split_once("==")?;
        let field: Vec<String> = lhs.trim().strip_prefix("@.")?.split('.').map(str::to_string).collect();
        let rhs = rhs.trim();
        let want = match rhs.strip_prefix('"').and_then(|r| r.strip_suffix('"')).or_else(|| rhs.strip_prefix('\'').and_then(|r| r.strip_suffix('\''))) {
            Some(s) => Value::String(s.to_string()),
            None => serde_json::from_str(rhs).ok()?,
        };
        return Some(Step::Filter(field, want));
    }
    if let Some(name) = inner.strip_prefix('\'').and_then(|n| n.strip_suffix('\'')).or_else(|| inner.strip_prefix('"').and_then(|n| n.strip_suffix('"'))) {
        return Some(Step::Field(name.to_string()));
    }
    inner.parse().ok().map(Step::Index)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn jsonpath_subset() {
        let v = json!({
            "spec": {"replicas": 3, "ports": [{"port": 80}, {"port": 443}], "a.b": "dotted"},
            "status": {"conditions": [{"type": "Synced", "status": "False"}, {"type": "Ready", "status": "True"}]}
        });
        let cases: &[(&str, Vec<Value>)] = &[
            (".spec.replicas", vec![json!(3)]),
            ("{.spec.replicas}", vec![json!(3)]),
            (".spec.ports[1].port", vec![json!(443)]),
            (".spec.ports[-1].port", vec![json!(443)]),
            (".spec.ports[*].port", vec![json!(80), json!(443)]),
            (".spec['a.b']", vec![json!("dotted")]),
            (r#".status.conditions[?(@.type=="Ready")].status"#, vec![json!("True")]),
            (".spec.missing", vec![]),
            (".spec.replicas[", vec![]),
        ];
        for (path, want) in cases {
            let got: Vec<Value> = jsonpath(&v, path).into_iter().cloned().collect();
            assert_eq!(&got, want, "{path}");
        }
    }

    #[test]
    fn cells_follow_the_column_type() {
        let now = SimTime(0);
        let cases: &[(&str, Value, &str)] = &[
            ("string", json!("* * * * */5"), "* * * * */5"),
            ("string", json!(5), "5"),
            ("string", json!({"b": 1, "a": [true]}), r#"{"a":[true],"b":1}"#),
            ("integer", json!(2.7), "2"),
            ("integer", json!("3"), ""),
            ("number", json!(1.5), "1.5"),
            ("number", json!(2), "2"),
            ("boolean", json!(true), "true"),
            ("date", json!("2024-01-01T00:00:00Z"), "0s"),
            ("date", json!("yesterday"), "<invalid>"),
            ("string", Value::Null, ""),
        ];
        for (t, v, want) in cases {
            assert_eq!(cell(t, v, now), *want, "{t} {v}");
        }
    }
}
