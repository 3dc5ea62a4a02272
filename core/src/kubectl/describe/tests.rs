//! Golden tests of `kubectl describe` layouts.

use super::*;
use crate::api::{Kind, Object};
use crate::time::SimTime;

fn obj(yaml: &str) -> Object {
    let v: serde_json::Value = serde_norway::from_str(yaml).expect("test YAML parses");
    let kind = Kind::lookup(v["apiVersion"].as_str().unwrap_or(""), v["kind"].as_str().unwrap_or(""))
        .expect("test kind is served");
    Object::from_value(kind, v).expect("test object decodes")
}

fn lines(ls: &[&str]) -> String {
    ls.iter().map(|l| format!("{l}\n")).collect()
}

fn ev(type_: &str, reason: &str, age: &str, from: &str, message: &str) -> EventRow {
    EventRow { type_: type_.into(), reason: reason.into(), age: age.into(), from: from.into(), message: message.into() }
}

const POD: &str = r#"
apiVersion: v1
kind: Pod
metadata:
  name: web-7d9c6b8f5-abcde
  namespace: default
  creationTimestamp: "2024-01-01T00:00:00Z"
  labels: {app: web, pod-template-hash: 7d9c6b8f5}
  ownerReferences:
  - {apiVersion: apps/v1, kind: ReplicaSet, name: web-7d9c6b8f5, uid: u1, controller: true}
spec:
  nodeName: node-1
  serviceAccountName: default
  priority: 0
  containers:
  - name: nginx
    image: "nginx:1.25"
    ports: [{containerPort: 80, protocol: TCP}]
    volumeMounts: [{name: kube-api-access-abcde, mountPath: /var/run/secrets/kubernetes.io/serviceaccount, readOnly: true}]
  volumes:
  - name: kube-api-access-abcde
    projected:
      sources:
      - serviceAccountToken: {expirationSeconds: 3607, path: token}
      - configMap: {name: kube-root-ca.crt, items: [{key: ca.crt, path: ca.crt}]}
      - downwardAPI: {items: [{path: namespace, fieldRef: {apiVersion: v1, fieldPath: metadata.namespace}}]}
  tolerations:
  - {key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 300}
  - {key: node.kubernetes.io/not-ready, operator: Exists, effect: NoExecute, tolerationSeconds: 300}
status:
  phase: Running
  hostIP: 172.18.0.3
  podIP: 10.244.1.5
  podIPs: [{ip: 10.244.1.5}]
  startTime: "2024-01-01T00:00:01Z"
  qosClass: BestEffort
  conditions:
  - {type: Initialized, status: "True"}
  - {type: Ready, status: "True"}
  - {type: ContainersReady, status: "True"}
  - {type: PodScheduled, status: "True"}
  containerStatuses:
  - name: nginx
    image: "nginx:1.25"
    imageID: "docker.io/library/nginx@sha256:abc"
    containerID: "containerd://0123"
    ready: true
    restartCount: 0
    started: true
    state: {running: {startedAt: "2024-01-01T00:00:05Z"}}
"#;

#[test]
fn describe_pod_matches_kubectl_layout() {
    let ctx = DescribeContext {
        events: Some(vec![
            ev("Normal", "Scheduled", "10m", "default-scheduler", "Successfully assigned default/web-7d9c6b8f5-abcde to node-1"),
            ev("Normal", "Pulled", "10m", "kubelet", "Container image \"nginx:1.25\" already present on machine"),
        ]),
        ..Default::default()
    };
    let got = describe(&obj(POD), &ctx, SimTime(600_000_000));
    assert_eq!(
        got,
        lines(&[
            "Name:             web-7d9c6b8f5-abcde",
            "Namespace:        default",
            "Priority:         0",
            "Service Account:  default",
            "Node:             node-1/172.18.0.3",
            "Start Time:       Mon, 01 Jan 2024 00:00:01 +0000",
            "Labels:           app=web",
            "                  pod-template-hash=7d9c6b8f5",
            "Annotations:      <none>",
            "Status:           Running",
            "IP:               10.244.1.5",
            "IPs:",
            "  IP:           10.244.1.5",
            "Controlled By:  ReplicaSet/web-7d9c6b8f5",
            "Containers:",
            "  nginx:",
            "    Container ID:   containerd://0123",
            "    Image:          nginx:1.25",
            "    Image ID:       docker.io/library/nginx@sha256:abc",
            "    Port:           80/TCP",
            "    Host Port:      0/TCP",
            "    State:          Running",
            "      Started:      Mon, 01 Jan 2024 00:00:05 +0000",
            "    Ready:          True",
            "    Restart Count:  0",
            "    Environment:    <none>",
            "    Mounts:",
            "      /var/run/secrets/kubernetes.io/serviceaccount from kube-api-access-abcde (ro)",
            "Conditions:",
            "  Type              Status",
            "  Initialized       True ",
            "  Ready             True ",
            "  ContainersReady   True ",
            "  PodScheduled      True ",
            "Volumes:",
            "  kube-api-access-abcde:",
            "    Type:                    Projected (a volume that contains injected data from multiple sources)",
            "    TokenExpirationSeconds:  3607",
            "    ConfigMapName:           kube-root-ca.crt",
            "    Optional:                false",
            "    DownwardAPI:             true",
            "QoS Class:                   BestEffort",
            "Node-Selectors:              <none>",
            "Tolerations:                 node.kubernetes.io/not-ready:NoExecute op=Exists for 300s",
            "                             node.kubernetes.io/unreachable:NoExecute op=Exists for 300s",
            "Events:",
            "  Type    Reason     Age   From               Message",
            "  ----    ------     ----  ----               -------",
            "  Normal  Scheduled  10m   default-scheduler  Successfully assigned default/web-7d9c6b8f5-abcde to node-1",
            "  Normal  Pulled     10m   kubelet            Container image \"nginx:1.25\" already present on machine",
        ])
    );
}

#[test]
fn describe_deployment_matches_kubectl_layout() {
    let d = obj(r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: default
  creationTimestamp: "2024-01-01T00:00:00Z"
  labels: {app: web}
  annotations: {deployment.kubernetes.io/revision: "1"}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  strategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 25%, maxSurge: 25%}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: nginx, image: "nginx:1.25", ports: [{containerPort: 80, protocol: TCP}]}
status:
  replicas: 3
  updatedReplicas: 3
  readyReplicas: 3
  availableReplicas: 3
  conditions:
  - {type: Available, status: "True", reason: MinimumReplicasAvailable}
  - {type: Progressing, status: "True", reason: NewReplicaSetAvailable}
"#);
    let ctx = DescribeContext {
        new_replica_set: Some(ReplicaSetSummary { name: "web-7d9c6b8f5".into(), replicas: 3, desired: 3 }),
        events: Some(vec![ev(
            "Normal",
            "ScalingReplicaSet",
            "10m",
            "deployment-controller",
            "Scaled up replica set web-7d9c6b8f5 to 3",
        )]),
        ..Default::default()
    };
    assert_eq!(
        describe(&d, &ctx, SimTime(600_000_000)),
        lines(&[
            "Name:                   web",
            "Namespace:              default",
            "CreationTimestamp:      Mon, 01 Jan 2024 00:00:00 +0000",
            "Labels:                 app=web",
            "Annotations:            deployment.kubernetes.io/revision: 1",
            "Selector:               app=web",
            "Replicas:               3 desired | 3 updated | 3 total | 3 available | 0 unavailable",
            "StrategyType:           RollingUpdate",
            "MinReadySeconds:        0",
            "RollingUpdateStrategy:  25% max unavailable, 25% max surge",
            "Pod Template:",
            "  Labels:  app=web",
            "  Containers:",
            "   nginx:",
            "    Image:         nginx:1.25",
            "    Port:          80/TCP",
            "    Host Port:     0/TCP",
            "    Environment:   <none>",
            "    Mounts:        <none>",
            "  Volumes:         <none>",
            "  Node-Selectors:  <none>",
            "  Tolerations:     <none>",
            "Conditions:",
            "  Type           Status  Reason",
            "  ----           ------  ------",
            "  Available      True    MinimumReplicasAvailable",
            "  Progressing    True    NewReplicaSetAvailable",
            "OldReplicaSets:  <none>",
            "NewReplicaSet:   web-7d9c6b8f5 (3/3 replicas created)",
            "Events:",
            "  Type    Reason             Age   From                   Message",
            "  ----    ------             ----  ----                   -------",
            "  Normal  ScalingReplicaSet  10m   deployment-controller  Scaled up replica set web-7d9c6b8f5 to 3",
        ])
    );
}

#[test]
fn describe_service_lists_endpoints_per_port() {
    let svc = obj(r#"
apiVersion: v1
kind: Service
metadata: {name: web, namespace: default, labels: {app: web}}
spec:
  type: NodePort
  selector: {app: web}
  clusterIP: 10.96.12.34
  clusterIPs: [10.96.12.34]
  ipFamilies: [IPv4]
  ipFamilyPolicy: SingleStack
  ports: [{name: http, port: 80, targetPort: 8080, nodePort: 30080, protocol: TCP}]
  sessionAffinity: None
  externalTrafficPolicy: Cluster
  internalTrafficPolicy: Cluster
"#);
    let Object::EndpointSlice(slice) = obj(r#"
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: web-abc, namespace: default, labels: {kubernetes.io/service-name: web}}
addressType: IPv4
ports: [{name: http, port: 8080, protocol: TCP}]
endpoints:
- {addresses: [10.244.1.5], conditions: {ready: true}}
- {addresses: [10.244.2.6]}
- {addresses: [10.244.3.7], conditions: {ready: false}}
"#) else {
        unreachable!("built an endpoint slice")
    };
    let ctx = DescribeContext { endpoint_slices: vec![*slice], events: Some(vec![]), ..Default::default() };
    assert_eq!(
        describe(&svc, &ctx, SimTime(0)),
        lines(&[
            "Name:                     web",
            "Namespace:                default",
            "Labels:                   app=web",
            "Annotations:              <none>",
            "Selector:                 app=web",
            "Type:                     NodePort",
            "IP Family Policy:         SingleStack",
            "IP Families:              IPv4",
            "IP:                       10.96.12.34",
            "IPs:                      10.96.12.34",
            "Port:                     http  80/TCP",
            "TargetPort:               8080/TCP",
            "NodePort:                 http  30080/TCP",
            "Endpoints:                10.244.1.5:8080,10.244.2.6:8080",
            "Session Affinity:         None",
            "External Traffic Policy:  Cluster",
            "Internal Traffic Policy:  Cluster",
            "Events:                   <none>",
        ])
    );
}

#[test]
fn describe_quota_lists_used_and_hard() {
    let q = obj(r#"
apiVersion: v1
kind: ResourceQuota
metadata: {name: compute, namespace: dev}
spec: {hard: {requests.cpu: "1", requests.memory: 1Gi, limits.cpu: "2", pods: "10"}}
status:
  hard: {limits.cpu: "2", pods: "10", requests.cpu: "1", requests.memory: 1Gi}
  used: {limits.cpu: 500m, pods: "2", requests.cpu: 250m, requests.memory: 128Mi}
"#);
    assert_eq!(
        describe(&q, &DescribeContext::default(), SimTime(0)),
        lines(&[
            "Name:            compute",
            "Namespace:       dev",
            "Resource         Used   Hard",
            "--------         ----   ----",
            "limits.cpu       500m   2",
            "pods             2      10",
            "requests.cpu     250m   1",
            "requests.memory  128Mi  1Gi",
        ])
    );
}

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
