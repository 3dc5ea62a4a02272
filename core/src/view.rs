//! Plain-data snapshots of the simulation: the only API the UI reads.

use crate::sim::Sim;
use crate::store::rv_of;
use crate::time::{from_k8s, human_duration};

/// One row of the object list: what `kubectl get all -A` would show, reduced to identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectRow {
    pub kind: String,
    pub namespace: String,
    pub name: String,
    pub resource_version: u64,
    pub age: String,
}

/// Every object in the store, in store order (kind, namespace, name).
pub fn object_rows(sim: &Sim) -> Vec<ObjectRow> {
    sim.store()
        .iter()
        .map(|(key, obj)| ObjectRow {
            kind: key.kind.to_string(),
            namespace: key.namespace.clone().unwrap_or_default(),
            name: key.name.clone(),
            resource_version: rv_of(obj),
            age: obj
                .metadata()
                .creation_timestamp
                .as_ref()
                .map(|t| human_duration(sim.now().since(from_k8s(t))))
                .unwrap_or_default(),
        })
        .collect()
}

/// One hop of the last packet trace, ready to draw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceHopRow {
    /// Milliseconds since the trace started, three decimals: `0.309`.
    pub at_ms: String,
    /// The machine the hop happened on: `node-1`, `router`.
    pub machine: String,
    /// The pod whose network namespace this is (`default/web-0`); None for the machine's own.
    pub pod: Option<String>,
    /// The device (`eth0`, `cni0`, `flannel.1`, a veth); None where no device is involved.
    pub device: Option<String>,
    /// The stage's name (`route`, `encapsulate`, `flanneld`, `drop`, `deliver`…).
    pub stage: &'static str,
    /// What was decided there, as the trace command prints it.
    pub detail: String,
    /// The header stack, outermost first, one header per entry.
    pub headers: Vec<String>,
}

/// The last packet trace: its hops and how the exchange ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceView {
    pub hops: Vec<TraceHopRow>,
    /// `delivered`, `refused`, `unreachable` or `timeout`.
    pub outcome_kind: &'static str,
    pub outcome: String,
}

/// The last trace run (`trace …`, `ping`), or None before the first one.
pub fn trace_rows(sim: &Sim) -> Option<TraceView> {
    use crate::net::trace::{headers, Outcome};
    let trace = sim.last_trace()?;
    let hops = trace
        .hops
        .iter()
        .map(|h| {
            // `node-1`, `node-1 pod default/web-0`, `router`.
            let (machine, pod) = match h.place.split_once(" pod ") {
                Some((machine, pod)) => (machine.to_string(), Some(pod.to_string())),
                None => (h.place.to_string(), None),
            };
            let micros = h.at.0.saturating_sub(trace.started.0);
            TraceHopRow {
                at_ms: format!("{}.{:03}", micros / 1000, micros % 1000),
                machine,
                pod,
                device: h.device.as_deref().map(str::to_string),
                stage: h.stage.name(),
                detail: h.detail.to_string(),
                headers: headers(&h.packet).split(" | ").map(str::to_string).collect(),
            }
        })
        .collect();
    let outcome_kind = match trace.outcome {
        Outcome::Delivered(_) => "delivered",
        Outcome::Refused(_) => "refused",
        Outcome::Unreachable(_) => "unreachable",
        Outcome::Timeout(_) => "timeout",
    };
    Some(TraceView { hops, outcome_kind, outcome: trace.outcome.text().to_string() })
}

#[cfg(test)]
mod trace_view_tests {
    use super::*;
    use crate::console::Console;
    use crate::kubectl::NoFiles;
    use crate::ClusterConfig;

    const PODS: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {nodeName: node-1, containers: [{name: web, image: \"nginx:1.27\"}]}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: c}\nspec: {nodeName: node-2, containers: [{name: web, image: \"nginx:1.27\"}]}\n";

    #[test]
    fn a_cross_node_trace_becomes_rows_by_machine() {
        let mut sim = Sim::new(ClusterConfig::default());
        assert_eq!(trace_rows(&sim), None);
        sim.apply("pods.yaml", PODS);
        let mut console = Console::new();
        console.run_line(&mut sim, "advance 30s", &NoFiles);
        let out = console.run_line(&mut sim, "trace pod/a 10.244.1.2:80", &NoFiles);
        assert_eq!(out.status, 0, "{}", out.stderr);
        let view = trace_rows(&sim).expect("a trace");
        assert_eq!(view.outcome_kind, "delivered");
        assert!(view.outcome.contains("three-way handshake complete"), "{}", view.outcome);
        let first = &view.hops[0];
        assert_eq!((first.machine.as_str(), first.pod.as_deref(), first.stage, first.at_ms.as_str()), ("node-1", Some("default/a"), "send", "0.000"));
        let encap = view.hops.iter().find(|h| h.stage == "encapsulate").expect("encapsulation");
        assert_eq!((encap.machine.as_str(), encap.pod.as_deref(), encap.device.as_deref()), ("node-1", None, Some("flannel.1")));
        assert!(encap.headers.iter().any(|l| l == "vxlan vni 1"), "{:?}", encap.headers);
        assert!(encap.headers[0].starts_with("ip 192.168.56.11 > 192.168.56.12 ttl 64"), "outermost first: {:?}", encap.headers);
        assert!(view.hops.iter().any(|h| h.stage == "decapsulate" && h.machine == "node-2"));
        assert_eq!(view.hops.last().map(|h| h.stage), Some("deliver"));
    }
}
