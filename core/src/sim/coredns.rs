//! The cluster's DNS add-on as kubeadm installs it: the `coredns` ServiceAccount, ConfigMap
//! (the Corefile) and Deployment (2 replicas) in kube-system, behind the `kube-dns` Service at
//! the tenth address of the service network. Created at bootstrap by `kubeadm`; from there the
//! controllers, scheduler and kubelets run it like any other workload.

use crate::api::decode::decode_detailed;
use crate::api::parse_manifests;
use crate::store::{Cause, Component};

use super::Sim;

/// The cluster domain (kubelet's `clusterDomain`).
pub const CLUSTER_DOMAIN: &str = "cluster.local";

/// kubeadm's Corefile. `ttl 30` is kubeadm's setting (the plugin's default is 5).
pub const COREFILE: &str = ".:53 {
    errors
    health {
       lameduck 5s
    }
    ready
    kubernetes cluster.local in-addr.arpa ip6.arpa {
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
       ttl 30
    }
    prometheus :9153
    forward . /etc/resolv.conf {
       max_concurrent 1000
    }
    cache 30
    loop
    reload
    loadbalance
}
";

/// The TTL the Corefile above sets.
pub const TTL: u32 = 30;

fn manifest(dns_ip: &str) -> String {
    let corefile: String = COREFILE.lines().map(|l| format!("    {l}\n")).collect();
    format!(
        r#"apiVersion: v1
kind: ServiceAccount
metadata:
  name: coredns
  namespace: kube-system
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: coredns
  namespace: kube-system
data:
  Corefile: |
{corefile}---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: coredns
  namespace: kube-system
  labels:
    k8s-app: kube-dns
spec:
  replicas: 2
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxUnavailable: 1
  selector:
    matchLabels:
      k8s-app: kube-dns
  template:
    metadata:
      labels:
        k8s-app: kube-dns
    spec:
      priorityClassName: system-cluster-critical
      serviceAccountName: coredns
      tolerations:
      - key: CriticalAddonsOnly
        operator: Exists
      - key: node-role.kubernetes.io/control-plane
        effect: NoSchedule
      nodeSelector:
        kubernetes.io/os: linux
      affinity:
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
          - weight: 100
            podAffinityTerm:
              labelSelector:
                matchExpressions:
                - key: k8s-app
                  operator: In
                  values: ["kube-dns"]
              topologyKey: kubernetes.io/hostname
      containers:
      - name: coredns
        image: registry.k8s.io/coredns/coredns:v1.11.3
        imagePullPolicy: IfNotPresent
        resources:
          limits:
            memory: 170Mi
          requests:
            cpu: 100m
            memory: 70Mi
        args: ["-conf", "/etc/coredns/Corefile"]
        volumeMounts:
        - name: config-volume
          mountPath: /etc/coredns
          readOnly: true
        ports:
        - containerPort: 53
          name: dns
          protocol: UDP
        - containerPort: 53
          name: dns-tcp
          protocol: TCP
        - containerPort: 9153
          name: metrics
          protocol: TCP
        livenessProbe:
          httpGet:
            path: /health
            port: 8080
            scheme: HTTP
          initialDelaySeconds: 60
          timeoutSeconds: 5
          successThreshold: 1
          failureThreshold: 5
        readinessProbe:
          httpGet:
            path: /ready
            port: 8181
            scheme: HTTP
      dnsPolicy: Default
      volumes:
      - name: config-volume
        configMap:
          name: coredns
          items:
          - key: Corefile
            path: Corefile
---
apiVersion: v1
kind: Service
metadata:
  name: kube-dns
  namespace: kube-system
  labels:
    k8s-app: kube-dns
    kubernetes.io/cluster-service: "true"
    kubernetes.io/name: "CoreDNS"
  annotations:
    prometheus.io/port: "9153"
    prometheus.io/scrape: "true"
spec:
  selector:
    k8s-app: kube-dns
  clusterIP: {dns_ip}
  ports:
  - name: dns
    port: 53
    protocol: UDP
  - name: dns-tcp
    port: 53
    protocol: TCP
  - name: metrics
    port: 9153
    protocol: TCP
"#
    )
}

impl Sim {
    /// kubeadm's DNS add-on (see the module docs).
    pub(super) fn cluster_dns(&mut self) {
        if !self.config.service_cidr.contains(&self.config.cluster_dns_ip()) {
            return; // kubeadm refuses a service network too small for the DNS address
        }
        let by = Component::new("kubeadm");
        let text = manifest(&self.config.cluster_dns_ip().to_string());
        for doc in parse_manifests(&text) {
            let doc = doc.expect("the add-on manifest parses");
            let obj = decode_detailed(&doc.value, "coredns.yaml").map_err(|e| e.diagnostic.message).expect("the add-on manifest decodes");
            if let Err(e) = self.api().create(obj, &by, Cause::Bootstrap) {
                debug_assert!(false, "the DNS add-on was refused: {e:?}");
            }
        }
    }
}
