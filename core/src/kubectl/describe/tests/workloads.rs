use super::{ev, lines, obj};
use crate::api::Object;
use crate::kubectl::describe::*;
use crate::time::SimTime;

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
            "Scaled up replica set web-7d9c6b8f5 from 0 to 3",
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
            "  Normal  ScalingReplicaSet  10m   deployment-controller  Scaled up replica set web-7d9c6b8f5 from 0 to 3",
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
