//! What a fresh cluster holds before anyone acts: the system namespaces with their `default`
//! ServiceAccount and `kube-root-ca.crt` ConfigMap, the default StorageClass `standard` (kind's:
//! rancher.io/local-path, WaitForFirstConsumer), the `kubernetes` Service kube-apiserver
//! maintains for itself (with the Endpoints and EndpointSlice its endpoint reconciler writes),
//! and the nodes as their kubelets register them, each with its Lease in `kube-node-lease`.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    EndpointAddress, EndpointPort as CoreEndpointPort, EndpointSubset, Endpoints, Namespace, Node, NodeAddress,
    NodeCondition, NodeSpec, NodeStatus, NodeSystemInfo, Service, ServicePort, ServiceSpec,
};
use k8s_openapi::api::discovery::v1::{Endpoint, EndpointConditions, EndpointPort, EndpointSlice};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use k8s_openapi::api::storage::v1::StorageClass;

use crate::controllers::{pv_provisioner, root_ca, serviceaccount};
use crate::store::{Cause, Component};
use crate::time::SimTime;

use crate::kubelet::heartbeat;

use super::{events, Sim};

/// The port the API server listens on, behind the `kubernetes` Service's 443.
const APISERVER_PORT: i32 = 6443;

impl Sim {
    /// The objects a fresh cluster starts with: the four system namespaces, the `kubernetes`
    /// Service with its Endpoints and EndpointSlice, and the nodes (`node-1` … `node-N`; the
    /// control plane runs off-node, as in a managed cluster).
    pub(super) fn bootstrap(&mut self) {
        let apiserver = Component::new("kube-apiserver");
        for ns in ["default", "kube-node-lease", "kube-public", "kube-system"] {
            let obj = Namespace { metadata: meta(ns), ..Default::default() };
            self.api().create(obj.into(), &apiserver, Cause::Bootstrap).expect("bootstrap namespace");
        }
        // What kube-controller-manager writes into them as soon as it starts.
        let (accounts, publisher) = (Component::new("serviceaccount-controller"), Component::new("root-ca-cert-publisher"));
        for ns in ["default", "kube-node-lease", "kube-public", "kube-system"] {
            serviceaccount::ensure_default(&mut self.api(), ns, &accounts, Cause::Bootstrap);
            root_ca::ensure(&mut self.api(), ns, &publisher, Cause::Bootstrap);
        }
        self.default_storage_class();
        self.kubernetes_service(&apiserver);
        for _ in 0..self.config.nodes {
            self.register_node(Cause::Bootstrap).expect("the configured pod network holds the configured nodes");
        }
        if self.config.dns {
            self.cluster_dns();
        }
        if self.config.ingress_nginx {
            self.ingress_nginx_addon();
        }
        self.dispatch_watch();
    }

    /// A machine joins: its kubelet registers Node `node-<n>` (the next number, never reused)
    /// with the next podCIDR, the next underlay address and a healthy status. Fails when the
    /// cluster's pod network has no /24 left for it.
    pub(super) fn register_node(&mut self, cause: Cause) -> Result<String, String> {
        let i = self.nodes_created;
        let Some(pod_cidr) = self.config.node_pod_cidr(i) else {
            return Err(format!("no podCIDR left in the cluster network {} for another node", self.config.pod_cidr));
        };
        self.nodes_created += 1;
        let name = format!("node-{}", i + 1);
        let size = self.config.node_size;
        let (capacity, allocatable) = super::node_resources::capacity_and_allocatable(&size);
        let mut metadata = meta(&name);
        metadata.labels = Some(
            [
                ("kubernetes.io/arch".to_string(), "amd64".to_string()),
                ("kubernetes.io/hostname".to_string(), name.clone()),
                ("kubernetes.io/os".to_string(), "linux".to_string()),
            ]
            .into(),
        );
        let obj = Node {
            metadata,
            spec: Some(NodeSpec {
                pod_cidr: Some(pod_cidr.to_string()),
                pod_cidrs: Some(vec![pod_cidr.to_string()]),
                ..Default::default()
            }),
            status: Some(NodeStatus {
                capacity: Some(capacity),
                allocatable: Some(allocatable),
                addresses: Some(vec![
                    NodeAddress { type_: "InternalIP".into(), address: self.config.node_ip(i).to_string() },
                    NodeAddress { type_: "Hostname".into(), address: name.clone() },
                ]),
                conditions: Some(initial_node_conditions(self.now)),
                node_info: Some(NodeSystemInfo {
                    architecture: "amd64".into(),
                    boot_id: self.rng.uuid(),
                    container_runtime_version: "containerd://1.7.24".into(),
                    kernel_version: "6.1.0-28-amd64".into(),
                    kube_proxy_version: String::new(),
                    kubelet_version: crate::kubectl::info::SERVER_VERSION.into(),
                    machine_id: self.rng.uuid().replace('-', ""),
                    operating_system: "linux".into(),
                    os_image: "Debian GNU/Linux 12 (bookworm)".into(),
                    system_uuid: self.rng.uuid(),
                    ..Default::default()
                }),
                ..Default::default()
            }),
        };
        let Some(placement) = self.config.node_placement(i) else {
            return Err(format!("no address left on the underlay for another node (node {})", i + 1));
        };
        self.net.configure_node(&name, pod_cidr, placement, &mut self.rng)?;
        let kubelet = Component::new(format!("kubelet/{name}"));
        let node = self.api().create(obj.into(), &kubelet, cause).map_err(|e| e.to_string())?;
        events::node_registered(&mut self.api(), &node, cause);
        heartbeat::create_lease(&mut self.api(), &node, cause);
        self.start_heartbeats(&name, heartbeat::RENEW_INTERVAL);
        Ok(name)
    }

    /// The default StorageClass, as kind ships it: `standard`, served by the local-path
    /// provisioner, binding when the first pod using a claim is scheduled.
    fn default_storage_class(&mut self) {
        let class = StorageClass {
            metadata: ObjectMeta {
                name: Some("standard".into()),
                annotations: Some(BTreeMap::from([("storageclass.kubernetes.io/is-default-class".to_string(), "true".to_string())])),
                ..Default::default()
            },
            provisioner: pv_provisioner::PROVISIONER.into(),
            reclaim_policy: Some("Delete".into()),
            volume_binding_mode: Some("WaitForFirstConsumer".into()),
            ..Default::default()
        };
        let _ = self.api().create(class.into(), &Component::new("kubectl"), Cause::Bootstrap);
    }

    /// The `kubernetes` Service in `default` as kube-apiserver creates it (its first cluster IP,
    /// https 443 → 6443), then the Endpoints and EndpointSlice naming the API server's address.
    fn kubernetes_service(&mut self, by: &Component) {
        let labels = |pairs: &[(&str, &str)]| Some(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect());
        let named = |labels| ObjectMeta { name: Some("kubernetes".into()), namespace: Some("default".into()), labels, ..Default::default() };
        let service = Service {
            metadata: named(labels(&[("component", "apiserver"), ("provider", "kubernetes")])),
            spec: Some(ServiceSpec {
                ports: Some(vec![ServicePort {
                    name: Some("https".into()),
                    port: 443,
                    protocol: Some("TCP".into()),
                    target_port: Some(IntOrString::Int(APISERVER_PORT)),
                    ..Default::default()
                }]),
                cluster_ip: Some(self.config.kubernetes_service_ip().to_string()),
                session_affinity: Some("None".into()),
                type_: Some("ClusterIP".into()),
                ..Default::default()
            }),
            status: None,
        };
        if self.api().create(service.into(), by, Cause::Bootstrap).is_err() {
            return;
        }
        let address = self.config.apiserver_ip().to_string();
        let endpoints = Endpoints {
            metadata: named(labels(&[("endpointslice.kubernetes.io/skip-mirror", "true")])),
            subsets: Some(vec![EndpointSubset {
                addresses: Some(vec![EndpointAddress { ip: address.clone(), ..Default::default() }]),
                ports: Some(vec![CoreEndpointPort {
                    name: Some("https".into()),
                    port: APISERVER_PORT,
                    protocol: Some("TCP".into()),
                    ..Default::default()
                }]),
                ..Default::default()
            }]),
        };
        let slice = EndpointSlice {
            metadata: named(labels(&[("kubernetes.io/service-name", "kubernetes")])),
            address_type: "IPv4".into(),
            endpoints: Some(vec![Endpoint {
                addresses: vec![address],
                conditions: Some(EndpointConditions { ready: Some(true), ..Default::default() }),
                ..Default::default()
            }]),
            ports: Some(vec![EndpointPort {
                name: Some("https".into()),
                port: Some(APISERVER_PORT),
                protocol: Some("TCP".into()),
                ..Default::default()
            }]),
        };
        for obj in [endpoints.into(), slice.into()] {
            let _ = self.api().create(obj, by, Cause::Bootstrap);
        }
    }
}

/// CPU as the kubelet reports it: whole cores as `4`, fractions in millicores.
/// The conditions a healthy kubelet reports when its node registers.
fn initial_node_conditions(now: SimTime) -> Vec<NodeCondition> {
    crate::kubelet::node_status::initial_conditions(now)
}

fn meta(name: &str) -> ObjectMeta {
    ObjectMeta { name: Some(name.to_string()), ..Default::default() }
}
