//! `-o name`, `-o json` and `-o yaml`: one object, or a `List` of them as kubectl wraps a
//! listing (`apiVersion: v1`, `kind: List`, `metadata.resourceVersion: ""`).

use serde_json::{json, Value};

use super::json::to_json;
use super::yaml::to_yaml;
use crate::api::Object;

/// `deployment.apps/web`, `pod/web-abc`: the name `-o name` prints.
pub fn resource_name(obj: &Object) -> String {
    format!("{}/{}", obj.kind().qualified_singular(), obj.name())
}

/// `-o name`: one qualified name per line.
pub fn print_names(objects: &[&Object]) -> String {
    objects.iter().map(|o| resource_name(o) + "\n").collect()
}

/// The object as kubectl shows it: with `apiVersion` and `kind`, without `managedFields`.
pub fn object_value(obj: &Object) -> Value {
    let mut v = obj.to_value();
    if let Some(meta) = v.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.remove("managedFields");
    }
    v
}

fn document(objects: &[&Object], as_list: bool) -> Value {
    match (objects, as_list) {
        ([one], false) => object_value(one),
        _ => json!({
            "apiVersion": "v1",
            "items": objects.iter().map(|o| object_value(o)).collect::<Vec<_>>(),
            "kind": "List",
            "metadata": {"resourceVersion": ""},
        }),
    }
}

/// `-o json`: one object (`as_list == false` and exactly one object) or a `List`.
pub fn print_json(objects: &[&Object], as_list: bool) -> String {
    to_json(&document(objects, as_list)) + "\n"
}

/// `-o yaml`: one object (`as_list == false` and exactly one object) or a `List`.
pub fn print_yaml(objects: &[&Object], as_list: bool) -> String {
    to_yaml(&document(objects, as_list))
}
