//! Test fixtures: five pods in two namespaces (as the e2e truth tables use), policies from YAML,
//! and the reachability matrix of a policy set.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use k8s_openapi::api::core::v1::ContainerPort;
use k8s_openapi::api::networking::v1::NetworkPolicy;

use super::{evaluate, labels_from_map, Decision, Peer, PodInfo, Proto};

/// One test pod: namespace, name, `app` label, IP.
pub struct TestPod {
    pub namespace: &'static str,
    pub name: &'static str,
    pub labels: BTreeMap<String, String>,
    pub ip: Ipv4Addr,
    pub ports: Vec<ContainerPort>,
}

impl TestPod {
    pub fn info(&self) -> PodInfo<'_> {
        PodInfo { namespace: self.namespace, name: self.name, labels: &self.labels, ip: self.ip, ports: &self.ports }
    }
}

fn container_port(port: i32, proto: &str, name: &str) -> ContainerPort {
    ContainerPort {
        container_port: port,
        protocol: Some(proto.to_string()),
        name: Some(name.to_string()),
        ..Default::default()
    }
}

/// Every pod serves 80/TCP `serve-80-tcp`, 81/TCP `serve-81-tcp` and 53/UDP `serve-53-udp`.
fn pod(namespace: &'static str, name: &'static str, ip: [u8; 4]) -> TestPod {
    TestPod {
        namespace,
        name,
        labels: BTreeMap::from([("app".to_string(), name.to_string())]),
        ip: Ipv4Addr::from(ip),
        ports: vec![
            container_port(80, "TCP", "serve-80-tcp"),
            container_port(81, "TCP", "serve-81-tcp"),
            container_port(53, "UDP", "serve-53-udp"),
        ],
    }
}

/// `x/a x/b x/c` on 10.244.1.0/24 and `y/a y/b` on 10.244.2.0/24.
pub fn pods() -> Vec<TestPod> {
    vec![
        pod("x", "a", [10, 244, 1, 1]),
        pod("x", "b", [10, 244, 1, 2]),
        pod("x", "c", [10, 244, 1, 3]),
        pod("y", "a", [10, 244, 2, 1]),
        pod("y", "b", [10, 244, 2, 2]),
    ]
}

/// Namespace `x` is labelled `team=x`, `y` is `team=y` (the API server's
/// `kubernetes.io/metadata.name` is left for the evaluator to add).
pub fn namespaces() -> BTreeMap<String, BTreeMap<String, String>> {
    let team = |t: &str| BTreeMap::from([("team".to_string(), t.to_string())]);
    BTreeMap::from([("x".to_string(), team("x")), ("y".to_string(), team("y"))])
}

/// Policies from a YAML text of documents separated by `---` lines, each without its
/// `apiVersion` and `kind` and each indented as a whole (the common indent is removed).
pub fn policies(yaml: &str) -> Vec<NetworkPolicy> {
    let mut docs: Vec<Vec<&str>> = vec![Vec::new()];
    for line in yaml.lines() {
        if line.trim() == "---" {
            docs.push(Vec::new());
        } else if let Some(doc) = docs.last_mut() {
            doc.push(line);
        }
    }
    docs.iter().filter(|d| d.iter().any(|l| !l.trim().is_empty())).map(|d| parse(d)).collect()
}

fn parse(lines: &[&str]) -> NetworkPolicy {
    let indent =
        lines.iter().filter(|l| !l.trim().is_empty()).map(|l| l.len() - l.trim_start().len()).min().unwrap_or(0);
    let body: Vec<&str> = lines.iter().map(|l| l.get(indent..).unwrap_or("")).collect();
    let doc = format!("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n{}", body.join("\n"));
    serde_norway::from_str(&doc).unwrap_or_else(|e| panic!("bad test policy: {e}\n{doc}"))
}

/// One connection between two fixture pods.
pub fn decide(policies: &[NetworkPolicy], src: &Peer, dst: &Peer, proto: Proto, port: u16) -> Decision {
    let refs: Vec<&NetworkPolicy> = policies.iter().collect();
    let ns = namespaces();
    let lookup = labels_from_map(&ns);
    evaluate(&refs, &lookup, src, dst, proto, port)
}

/// The reachability matrix: one row per source pod (`x/a` …), one column per destination,
/// `1` allowed and `0` denied, as in `x/a: 10111`.
pub fn matrix(policies: &[NetworkPolicy], proto: Proto, port: u16) -> Vec<String> {
    let pods = pods();
    pods.iter()
        .map(|src| {
            let row: String = pods
                .iter()
                .map(|dst| {
                    let d = decide(policies, &Peer::Pod(src.info()), &Peer::Pod(dst.info()), proto, port);
                    if d.allowed() {
                        '1'
                    } else {
                        '0'
                    }
                })
                .collect();
            format!("{}/{}: {row}", src.namespace, src.name)
        })
        .collect()
}
