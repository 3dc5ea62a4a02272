//! The downward API: pod fields and container resources as the kubelet renders them for env
//! `valueFrom` and for `downwardAPI` volume files (`podFieldSelectorRuntimeValue`,
//! `fieldpath.ExtractFieldPathAsString`, `resource.ExtractContainerResourceValue`).
//!
//! Resource values are divided by the divisor (default `1`) and rounded up; a limit the
//! container does not set is the node's allocatable, as `defaultPodLimitsForDownwardAPI` does.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use k8s_openapi::api::core::v1::{Node, ObjectFieldSelector, Pod, ResourceFieldSelector, ResourceRequirements};

use crate::api::quantity::Quantity;

/// Addresses the kubelet knows when it renders a value.
#[derive(Debug, Clone, Copy)]
pub struct Addrs {
    pub pod_ip: Option<Ipv4Addr>,
    pub host_ip: Ipv4Addr,
}


/// The pod fields a `fieldRef` reads, borrowed from a pod or from what a volume mount kept of it.
#[derive(Debug, Clone, Copy, Default)]
pub struct PodFields<'a> {
    pub name: &'a str,
    pub namespace: &'a str,
    pub uid: &'a str,
    pub labels: Option<&'a BTreeMap<String, String>>,
    pub annotations: Option<&'a BTreeMap<String, String>>,
    pub node_name: &'a str,
    pub service_account_name: &'a str,
}

impl<'a> PodFields<'a> {
    pub fn of(pod: &'a Pod) -> PodFields<'a> {
        let meta = &pod.metadata;
        let spec = pod.spec.as_ref();
        PodFields {
            name: meta.name.as_deref().unwrap_or(""),
            namespace: meta.namespace.as_deref().unwrap_or(""),
            uid: meta.uid.as_deref().unwrap_or(""),
            labels: meta.labels.as_ref(),
            annotations: meta.annotations.as_ref(),
            node_name: spec.and_then(|s| s.node_name.as_deref()).unwrap_or(""),
            service_account_name: spec.and_then(|s| s.service_account_name.as_deref()).unwrap_or(""),
        }
    }
}

/// `fieldpath.FormatMap`: `key="value"` lines in key order, no trailing newline.
pub fn format_map(m: Option<&BTreeMap<String, String>>) -> String {
    m.into_iter().flatten().map(|(k, v)| format!("{k}={}", crate::api::validate::go_quote(v))).collect::<Vec<_>>().join("\n")
}

/// `metadata.labels['app']` → (`metadata.labels`, `app`).
fn subscript(path: &str) -> Option<(&str, &str)> {
    let (base, rest) = path.split_once("['")?;
    Some((base, rest.strip_suffix("']")?))
}

/// The value of a pod field.
pub fn field_value(sel: &ObjectFieldSelector, pod: &PodFields<'_>, addrs: Addrs) -> Result<String, String> {
    let path = sel.field_path.as_str();
    if let Some((base, key)) = subscript(path) {
        let map = match base {
            "metadata.labels" => pod.labels,
            "metadata.annotations" => pod.annotations,
            _ => return Err(format!("unsupported fieldPath: {path}")),
        };
        return Ok(map.and_then(|m| m.get(key)).cloned().unwrap_or_default());
    }
    let pod_ip = addrs.pod_ip.map(|ip| ip.to_string()).unwrap_or_default();
    Ok(match path {
        "metadata.name" => pod.name.to_string(),
        "metadata.namespace" => pod.namespace.to_string(),
        "metadata.uid" => pod.uid.to_string(),
        "metadata.labels" => format_map(pod.labels),
        "metadata.annotations" => format_map(pod.annotations),
        "spec.nodeName" => pod.node_name.to_string(),
        "spec.serviceAccountName" => pod.service_account_name.to_string(),
        "status.hostIP" | "status.hostIPs" => addrs.host_ip.to_string(),
        "status.podIP" | "status.podIPs" => pod_ip,
        _ => return Err(format!("unsupported fieldPath: {path}")),
    })
}

/// Whether a `fieldRef` reads only what a pod keeps for its lifetime (name, namespace, uid)
/// or the addresses the kubelet passes in: its value cannot change while the pod exists.
pub fn reads_fixed_field(path: &str) -> bool {
    matches!(path, "metadata.name" | "metadata.namespace" | "metadata.uid" | "status.hostIP" | "status.hostIPs" | "status.podIP" | "status.podIPs")
}

/// The value of a container resource (from the container's `resources`), divided and rounded up.
pub fn resource_value(sel: &ResourceFieldSelector, resources: Option<&ResourceRequirements>, node: Option<&Node>) -> Result<String, String> {
    let divisor = sel.divisor.as_ref().and_then(|d| Quantity::parse(&d.0).ok()).filter(|d| !d.is_zero());
    let divisor = divisor.unwrap_or_else(|| Quantity::from_units(1, Default::default()));
    let (which, name) = sel.resource.split_once('.').ok_or_else(|| format!("unsupported container resource : {}", sel.resource))?;
    let set = match which {
        "limits" => resources.and_then(|r| r.limits.as_ref()),
        "requests" => resources.and_then(|r| r.requests.as_ref()),
        _ => return Err(format!("unsupported container resource : {}", sel.resource)),
    };
    if !matches!(name, "cpu" | "memory" | "ephemeral-storage") && !name.starts_with("hugepages-") {
        return Err(format!("unsupported container resource : {}", sel.resource));
    }
    let mut q = set.and_then(|m| m.get(name)).and_then(|q| Quantity::parse(&q.0).ok());
    if q.is_none() && which == "limits" {
        // Unset limits are the node's allocatable.
        let alloc = node.and_then(|n| n.status.as_ref()).and_then(|s| s.allocatable.as_ref());
        q = alloc.and_then(|a| a.get(name)).and_then(|q| Quantity::parse(&q.0).ok());
    }
    let q = q.unwrap_or(Quantity::ZERO);
    let v = if name == "cpu" {
        ceil_div(q.milli_value() as i128, divisor.milli_value() as i128)
    } else {
        ceil_div(q.value() as i128, divisor.value() as i128)
    };
    Ok(v.to_string())
}

fn ceil_div(a: i128, b: i128) -> i128 {
    if b == 0 {
        return 0;
    }
    let q = a / b;
    if a % b != 0 && ((a > 0) == (b > 0)) {
        q + 1
    } else {
        q
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_and_resources_render_as_the_kubelet_does() {
        let pod: Pod = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "p", "namespace": "ns", "uid": "u-1", "labels": {"app": "web", "tier": "a\"b"}},
            "spec": {"nodeName": "node-1", "serviceAccountName": "default", "containers": []}
        }))
        .unwrap();
        let addrs = Addrs { pod_ip: Some(Ipv4Addr::new(10, 244, 1, 5)), host_ip: Ipv4Addr::new(172, 18, 0, 2) };
        for (path, want) in [
            ("metadata.name", "p"),
            ("metadata.namespace", "ns"),
            ("metadata.uid", "u-1"),
            ("metadata.labels['app']", "web"),
            ("metadata.labels['nope']", ""),
            ("metadata.labels", "app=\"web\"\ntier=\"a\\\"b\""),
            ("spec.nodeName", "node-1"),
            ("spec.serviceAccountName", "default"),
            ("status.podIP", "10.244.1.5"),
            ("status.podIPs", "10.244.1.5"),
            ("status.hostIP", "172.18.0.2"),
        ] {
            let sel = ObjectFieldSelector { field_path: path.into(), api_version: None };
            assert_eq!(field_value(&sel, &PodFields::of(&pod), addrs).as_deref(), Ok(want), "{path}");
        }
        let c: k8s_openapi::api::core::v1::Container = serde_json::from_value(serde_json::json!({"name": "c", "resources": {
            "limits": {"cpu": "500m", "memory": "129Mi"}, "requests": {"cpu": "250m", "memory": "64Mi"}}}))
        .unwrap();
        let node: Node = serde_json::from_value(serde_json::json!({"status": {"allocatable": {"ephemeral-storage": "10Gi"}}})).unwrap();
        for (res, divisor, want) in [
            ("limits.cpu", None, "1"),
            ("limits.cpu", Some("1m"), "500"),
            ("requests.cpu", Some("100m"), "3"),
            ("limits.memory", None, "135266304"),
            ("limits.memory", Some("1Mi"), "129"),
            ("requests.memory", Some("1Gi"), "1"),
            ("limits.ephemeral-storage", Some("1Gi"), "10"),
        ] {
            let sel = ResourceFieldSelector {
                resource: res.into(),
                divisor: divisor.map(|d| k8s_openapi::apimachinery::pkg::api::resource::Quantity(d.into())),
                container_name: None,
            };
            assert_eq!(resource_value(&sel, c.resources.as_ref(), Some(&node)).as_deref(), Ok(want), "{res} / {divisor:?}");
        }
    }
}
