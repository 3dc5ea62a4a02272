use super::{ev, lines, obj};
use crate::api::Object;
use crate::kubectl::describe::*;
use crate::time::SimTime;

#[test]
fn describe_limit_range_table() {
    let lr = obj(r#"
apiVersion: v1
kind: LimitRange
metadata: {name: limits, namespace: dev}
spec:
  limits:
  - type: Container
    default: {memory: 512Mi, cpu: 500m}
    defaultRequest: {cpu: 250m}
    max: {cpu: "1"}
"#);
    assert_eq!(
        describe(&lr, &DescribeContext::default(), SimTime(0)),
        lines(&[
            "Name:       limits",
            "Namespace:  dev",
            "Type        Resource  Min  Max  Default Request  Default Limit  Max Limit/Request Ratio",
            "----        --------  ---  ---  ---------------  -------------  -----------------------",
            "Container   cpu       -    1    250m             500m           -",
            "Container   memory    -    -    -                512Mi          -",
        ])
    );
}

#[test]
fn describe_node_with_pods_and_allocations() {
    let node = obj(r#"
apiVersion: v1
kind: Node
metadata:
  name: worker-1
  creationTimestamp: "2024-01-01T00:00:00Z"
  labels: {kubernetes.io/hostname: worker-1}
spec:
  podCIDR: 10.244.1.0/24
  podCIDRs: [10.244.1.0/24]
  taints: [{key: dedicated, value: gpu, effect: NoSchedule}]
status:
  conditions:
  - {type: Ready, status: "True", lastHeartbeatTime: "2024-01-01T00:09:00Z", lastTransitionTime: "2024-01-01T00:00:10Z", reason: KubeletReady, message: kubelet is posting ready status}
  addresses: [{type: InternalIP, address: 172.18.0.3}, {type: Hostname, address: worker-1}]
  capacity: {cpu: "2", memory: 4Gi, pods: "110"}
  allocatable: {cpu: "2", memory: 4Gi, pods: "110"}
  nodeInfo: {machineID: m1, systemUUID: s1, bootID: b1, kernelVersion: 6.1.0, osImage: Debian, containerRuntimeVersion: "containerd://1.7.13", kubeletVersion: v1.30.0, kubeProxyVersion: v1.30.0, operatingSystem: linux, architecture: amd64}
"#);
    let row = |r: &str, req: &str, lim: &str| AllocatedRow { resource: r.into(), requests: req.into(), limits: lim.into() };
    let renew: k8s_openapi::apimachinery::pkg::apis::meta::v1::Time =
        serde_json::from_value(serde_json::json!("2024-01-01T00:09:50Z")).expect("timestamp");
    let ctx = DescribeContext {
        node_pods: vec![NodePodRow {
            namespace: "default".into(),
            name: "web-abc".into(),
            cpu_requests: "100m (5%)".into(),
            cpu_limits: "0 (0%)".into(),
            memory_requests: "64Mi (1%)".into(),
            memory_limits: "0 (0%)".into(),
            age: "10m".into(),
        }],
        allocated: vec![
            row("cpu", "100m (5%)", "0 (0%)"),
            row("memory", "64Mi (1%)", "0 (0%)"),
            row("ephemeral-storage", "0 (0%)", "0 (0%)"),
        ],
        node_lease: Some(NodeLease { holder_identity: Some("worker-1".into()), acquire_time: None, renew_time: Some(renew) }),
        events: Some(vec![]),
        ..Default::default()
    };
    assert_eq!(
        describe(&node, &ctx, SimTime(600_000_000)),
        lines(&[
            "Name:               worker-1",
            "Roles:              <none>",
            "Labels:             kubernetes.io/hostname=worker-1",
            "Annotations:        <none>",
            "CreationTimestamp:  Mon, 01 Jan 2024 00:00:00 +0000",
            "Taints:             dedicated=gpu:NoSchedule",
            "Unschedulable:      false",
            "Lease:",
            "  HolderIdentity:  worker-1",
            "  AcquireTime:     <unset>",
            "  RenewTime:       Mon, 01 Jan 2024 00:09:50 +0000",
            "Conditions:",
            "  Type    Status  LastHeartbeatTime                 LastTransitionTime                Reason         Message",
            "  ----    ------  -----------------                 ------------------                ------         -------",
            "  Ready   True    Mon, 01 Jan 2024 00:09:00 +0000   Mon, 01 Jan 2024 00:00:10 +0000   KubeletReady   kubelet is posting ready status",
            "Addresses:",
            "  InternalIP:  172.18.0.3",
            "  Hostname:    worker-1",
            "Capacity:",
            "  cpu:     2",
            "  memory:  4Gi",
            "  pods:    110",
            "Allocatable:",
            "  cpu:     2",
            "  memory:  4Gi",
            "  pods:    110",
            "System Info:",
            "  Machine ID:                 m1",
            "  System UUID:                s1",
            "  Boot ID:                    b1",
            "  Kernel Version:             6.1.0",
            "  OS Image:                   Debian",
            "  Operating System:           linux",
            "  Architecture:               amd64",
            "  Container Runtime Version:  containerd://1.7.13",
            "  Kubelet Version:            v1.30.0",
            "  Kube-Proxy Version:         v1.30.0",
            "PodCIDR:                      10.244.1.0/24",
            "PodCIDRs:                     10.244.1.0/24",
            "Non-terminated Pods:          (1 in total)",
            "  Namespace                   Name       CPU Requests  CPU Limits  Memory Requests  Memory Limits  Age",
            "  ---------                   ----       ------------  ----------  ---------------  -------------  ---",
            "  default                     web-abc    100m (5%)     0 (0%)      64Mi (1%)        0 (0%)         10m",
            "Allocated resources:",
            "  (Total limits may be over 100 percent, i.e., overcommitted.)",
            "  Resource           Requests   Limits",
            "  --------           --------   ------",
            "  cpu                100m (5%)  0 (0%)",
            "  memory             64Mi (1%)  0 (0%)",
            "  ephemeral-storage  0 (0%)     0 (0%)",
            "Events:              <none>",
        ])
    );
}

#[test]
fn describe_namespace_without_quotas_or_limits() {
    let ns = obj("apiVersion: v1\nkind: Namespace\nmetadata: {name: default, labels: {kubernetes.io/metadata.name: default}}\nstatus: {phase: Active}\n");
    assert_eq!(
        describe(&ns, &DescribeContext::default(), SimTime(0)),
        lines(&[
            "Name:         default",
            "Labels:       kubernetes.io/metadata.name=default",
            "Annotations:  <none>",
            "Status:       Active",
            "",
            "No resource quota.",
            "",
            "No LimitRange resource.",
        ])
    );
}

#[test]
fn describe_config_map_prints_data_sections() {
    let cm = obj("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: game-config, namespace: default}\ndata: {b: '2', a.properties: x=1}\n");
    let ctx = DescribeContext { events: Some(vec![]), ..Default::default() };
    assert_eq!(
        describe(&cm, &ctx, SimTime(0)),
        lines(&[
            "Name:         game-config",
            "Namespace:    default",
            "Labels:       <none>",
            "Annotations:  <none>",
            "",
            "Data",
            "====",
            "a.properties:",
            "----",
            "x=1",
            "",
            "b:",
            "----",
            "2",
            "",
            "",
            "BinaryData",
            "====",
            "",
            "Events:  <none>",
        ])
    );
}

#[test]
fn describe_falls_back_to_all_fields() {
    let ic = obj("apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata: {name: nginx, creationTimestamp: '2024-01-01T00:00:00Z'}\nspec: {controller: k8s.io/ingress-nginx}\n");
    let ctx = DescribeContext { events: Some(vec![]), ..Default::default() };
    assert_eq!(
        describe(&ic, &ctx, SimTime(0)),
        lines(&[
            "Name:         nginx",
            "Namespace:    ",
            "Labels:       <none>",
            "Annotations:  <none>",
            "API Version:  networking.k8s.io/v1",
            "Kind:         IngressClass",
            "Metadata:",
            "  Creation Timestamp:  2024-01-01T00:00:00Z",
            "Spec:",
            "  Controller:  k8s.io/ingress-nginx",
            "Events:        <none>",
        ])
    );
}

#[test]
fn annotations_skip_last_applied_and_wrap_long_values() {
    let long = "x".repeat(150);
    let cm = obj(&format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: d\n  annotations: {{kubectl.kubernetes.io/last-applied-configuration: '{{}}', note: hi, long: {long}}}\n"
    ));
    let got = describe(&cm, &DescribeContext::default(), SimTime(0));
    let want_head = format!("Name:         c\nNamespace:    d\nLabels:       <none>\nAnnotations:  long:\n                {}...\n              note: hi\n", "x".repeat(138));
    assert!(got.starts_with(&want_head), "{got}");
}

#[test]
fn event_rows_show_repeats() {
    let Object::Event(e) = obj(r#"
apiVersion: v1
kind: Event
metadata: {name: e, namespace: default}
involvedObject: {kind: Pod, name: web}
reason: BackOff
message: Back-off restarting failed container
type: Warning
source: {component: kubelet, host: node-1}
firstTimestamp: "2024-01-01T00:05:00Z"
lastTimestamp: "2024-01-01T00:09:00Z"
count: 3
"#) else {
        unreachable!("built an event")
    };
    let row = EventRow::from_event(&e, SimTime(600_000_000));
    assert_eq!(row, ev("Warning", "BackOff", "60s (x3 over 5m)", "kubelet", "Back-off restarting failed container"));
}

#[test]
fn describe_never_panics_on_bare_objects() {
    for (api, kind) in [
        ("v1", "Pod"), ("apps/v1", "Deployment"), ("apps/v1", "ReplicaSet"), ("v1", "Service"), ("v1", "Node"),
        ("v1", "ResourceQuota"), ("v1", "LimitRange"), ("v1", "Namespace"), ("v1", "ConfigMap"), ("v1", "Secret"),
        ("batch/v1", "Job"),
    ] {
        let o = obj(&format!("apiVersion: {api}\nkind: {kind}\nmetadata: {{name: x}}\n"));
        let out = describe(&o, &DescribeContext::default(), SimTime(0));
        assert!(out.starts_with("Name:"), "{kind}: {out}");
    }
}
