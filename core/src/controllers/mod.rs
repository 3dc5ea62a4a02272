//! Controllers: level-triggered reconcilers, one file each.
//!
//! A controller never acts on "what changed in this event". The watch log only tells it which
//! keys to look at ([`Controller::keys_for`]); [`Controller::reconcile`] then reads the current
//! state from the store and writes the difference. Reconciles run as tasks on the simulation's
//! queue, a short reaction delay after the write that triggered them, and each write they make
//! names that triggering write as its cause.
//!
//! ```text
//! namespace.rs        namespace deletion: delete the contents, then the namespace
//! scheduler.rs        default-scheduler: binds pending pods (framework in `crate::scheduler`)
//! replicaset.rs       ReplicaSet: pods from the template, adoption and orphaning
//! replica_tally.rs    what the ReplicaSet status walk learned of each pod, kept between syncs
//! replicationcontroller.rs
//!                     ReplicationController: the ReplicaSet sync on its ReplicaSet form
//! deployment/         Deployment: ReplicaSets per template, rolling update and recreate
//! owner.rs            ownerReference helpers, pod readiness and availability
//! pod_ranking.rs      which pods a ReplicaSet deletes first
//! garbagecollector.rs ownerReferences: background, foreground and orphan deletion
//! kubelet.rs          one kubelet per node: sandboxes, containers, status, lease (`crate::kubelet`)
//! endpoints.rs        Endpoints from Service selectors and pod readiness
//! endpointslice.rs    EndpointSlices from Service selectors and pod readiness
//! service_pods.rs     what both share: pods a Service selects, their ports, trigger times
//! hpa/                HorizontalPodAutoscaler: CPU utilisation, stabilisation, scaling policies
//! nodelifecycle.rs    node health from leases: Unknown conditions, taints, pods not ready
//! taint_eviction.rs   pods on nodes with NoExecute taints: deleted now, after tolerationSeconds, or never
//! podgc.rs            pods bound to deleted nodes
//! job/                Job: pods to completion, tracking finalizers, back-off; ttl.rs: TTL after finished
//! cronjob/            CronJob: Jobs on a cron schedule (schedule.rs: the cron parser)
//! statefulset/        StatefulSet: ordinal pods, claims per pod, ordered and rolling updates
//! daemonset/          DaemonSet: one pod per eligible node, node events, rolling update
//! revision.rs         ControllerRevisions of DaemonSets and StatefulSets: hash, create, history
//! pv_binder.rs        persistentvolume-binder: claims to volumes, phases, reclaim, default class
//! pv_matching.rs      which volume a claim binds to (class, modes, selector, size, node)
//! pv_volume.rs        the binder's volume side: Available, Bound, Released, reclaim
//! pv_provisioner.rs   rancher.io/local-path: PersistentVolumes for claims on the selected node
//! pvc_protection.rs   the `kubernetes.io/pvc-protection` finalizer: claims stay while pods use them
//! pv_protection.rs    the `kubernetes.io/pv-protection` finalizer: volumes stay while Bound
//! serviceaccount.rs   a `default` ServiceAccount in every namespace
//! root_ca.rs          root-ca-cert-publisher: ConfigMap `kube-root-ca.crt` in every namespace
//! ip_masq_agent.rs    ip-masq-agent on the nodes that run its pod: the IP-MASQ-AGENT nat chain
//! service_lb.rs       cloud-controller-manager's service controller: load balancers for Services
//! ```

pub mod deployment;
pub mod endpoints;
pub mod endpointslice;
pub mod endpointslice_mirroring;
pub mod garbagecollector;
pub mod hpa;
pub mod kubelet;
pub mod namespace;
pub mod nodelifecycle;
pub mod taint_eviction;
pub mod podgc;
pub mod owner;
pub mod pod_ranking;
pub mod replicaset;
pub mod replica_tally;
pub mod replicationcontroller;
pub mod revision;
pub mod scheduler;
pub mod service_pods;
pub mod statefulset;
pub mod daemonset;
pub mod job;
pub mod cronjob;
pub mod pv_binder;
pub mod pv_matching;
pub mod pv_provisioner;
pub mod pv_volume;
pub mod pvc_protection;
pub mod pv_protection;
pub mod serviceaccount;
pub mod root_ca;
pub mod kube_proxy;
pub mod ip_masq_agent;
pub mod service_lb;
#[cfg(test)]
mod service_lb_tests;
#[cfg(test)]
pub(crate) mod storage_test_support;

use crate::sim::apiserver::Api;
use crate::store::{Cause, Component, ObjectRef, WatchEvent};
use crate::time::SimDuration;

/// Every controller the simulation runs. An enum rather than trait objects: the set is closed,
/// dispatch is static, and `Sim` stays `Clone` for snapshots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Controller {
    Namespace,
    Scheduler,
    ReplicaSet,
    Deployment,
    GarbageCollector,
    Kubelet,
    Endpoints,
    EndpointSlice,
    EndpointSliceMirroring,
    HorizontalPodAutoscaler,
    NodeLifecycle,
    TaintEviction,
    PodGc,
    StatefulSet,
    DaemonSet,
    Job,
    CronJob,
    TtlAfterFinished,
    PersistentVolumeBinder,
    Provisioner,
    ServiceAccount,
    RootCaPublisher,
    ReplicationController,
    KubeProxy,
    IpMasqAgent,
    ServiceLb,
    PvcProtection,
    PvProtection,
}

/// What a reconcile asks for next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requeue {
    Done,
    After(SimDuration),
    /// A sync the real component runs forever on a timer (the HPA's 15 s loop, node
    /// monitoring). `settle` does not wait for these; `advance` runs them.
    Periodic(SimDuration),
}

/// What a reconcile may use: the API (store, RNG, clock), its own name, and the cause to stamp
/// on its writes.
pub struct Ctx<'a, 'b> {
    pub api: &'a mut Api<'b>,
    pub by: Component,
    pub cause: Cause,
    /// Caches controllers keep between reconciles (informer-style views of the store).
    pub state: &'a mut ControllerState,
}

/// What controllers remember between reconciles. Only caches derived from the store's watch
/// log and bookkeeping the real components keep in memory (such as scheduling back-off);
/// part of the `Sim`, so snapshots carry it.
#[derive(Debug, Clone, Default)]
pub struct ControllerState {
    pub scheduler: crate::scheduler::Cache,
    /// The endpoint controller's pod-to-service memberships and trigger-time tracker.
    pub endpoints: service_pods::Cache,
    /// The endpointslice controller's own copy of the same.
    pub endpointslice: service_pods::Cache,
    pub hpa: hpa::State,
    /// Kubelets that stopped posting status (`node NAME stop`), and since when.
    pub stopped_kubelets: nodelifecycle::Stopped,
    /// The taint-eviction controller's tainted nodes and scheduled deletions.
    pub taint_eviction: taint_eviction::State,
    /// Per ReplicaSet / ReplicationController: how many syncs in a row failed to create or
    /// delete pods (the work queue's per-item back-off).
    pub replica_failures: std::collections::BTreeMap<ObjectRef, u32>,
    /// Per ReplicaSet / ReplicationController: what its status walk learned of each pod.
    pub replica_tallies: replica_tally::Tallies,
    /// Each kubelet's in-memory pod workers and pulled images.
    pub kubelet: crate::kubelet::State,
    /// When the kube-proxies last synced their rules.
    pub kube_proxy_synced: Option<crate::time::SimTime>,
    /// Each ip-masq-agent's current configuration.
    pub ip_masq_agent: ip_masq_agent::State,
    /// The service controller's record of the load balancers it ensured.
    pub service_lb: service_lb::State,
}

impl Controller {
    pub const ALL: &'static [Controller] = &[
        Controller::Namespace,
        Controller::Scheduler,
        Controller::ReplicaSet,
        Controller::Deployment,
        Controller::GarbageCollector,
        Controller::Kubelet,
        Controller::Endpoints,
        Controller::EndpointSlice,
        Controller::EndpointSliceMirroring,
        Controller::HorizontalPodAutoscaler,
        Controller::NodeLifecycle,
        Controller::TaintEviction,
        Controller::PodGc,
        Controller::StatefulSet,
        Controller::DaemonSet,
        Controller::Job,
        Controller::CronJob,
        Controller::TtlAfterFinished,
        Controller::PersistentVolumeBinder,
        Controller::Provisioner,
        Controller::ServiceAccount,
        Controller::RootCaPublisher,
        Controller::ReplicationController,
        Controller::KubeProxy,
        Controller::IpMasqAgent,
        Controller::ServiceLb,
        Controller::PvcProtection,
        Controller::PvProtection,
    ];

    /// The component name written as the author of this controller's writes. (Kubelets name
    /// their node: the kubelet reconcile replaces `Ctx::by` with `kubelet/<node>`.)
    pub fn component(self) -> &'static str {
        match self {
            Controller::Namespace => "namespace-controller",
            Controller::Scheduler => "default-scheduler",
            Controller::ReplicaSet => "replicaset-controller",
            Controller::Deployment => "deployment-controller",
            Controller::GarbageCollector => "garbage-collector",
            Controller::Kubelet => "kubelet",
            Controller::Endpoints => "endpoint-controller",
            Controller::EndpointSlice => "endpointslice-controller",
            Controller::EndpointSliceMirroring => "endpointslice-mirroring-controller",
            Controller::HorizontalPodAutoscaler => "horizontal-pod-autoscaler",
            Controller::NodeLifecycle => "node-controller",
            Controller::TaintEviction => "taint-eviction-controller",
            Controller::PodGc => "pod-garbage-collector",
            Controller::StatefulSet => "statefulset-controller",
            Controller::DaemonSet => "daemonset-controller",
            Controller::Job => "job-controller",
            Controller::CronJob => "cronjob-controller",
            Controller::TtlAfterFinished => "ttl-after-finished-controller",
            Controller::PersistentVolumeBinder => "persistentvolume-controller",
            Controller::Provisioner => "local-path-provisioner",
            Controller::ServiceAccount => "serviceaccount-controller",
            Controller::RootCaPublisher => "root-ca-cert-publisher",
            Controller::ReplicationController => "replication-controller",
            Controller::KubeProxy => "kube-proxy",
            Controller::IpMasqAgent => "ip-masq-agent",
            Controller::ServiceLb => "service-controller",
            Controller::PvcProtection => "persistentvolumeclaim-protection-controller",
            Controller::PvProtection => "persistentvolume-protection-controller",
        }
    }

    /// How long after a watch event the controller's reconcile runs.
    pub fn reaction_delay(self) -> SimDuration {
        match self {
            // The HPA's work queue delays every sync by the sync period.
            Controller::HorizontalPodAutoscaler => hpa::SYNC_PERIOD,
            Controller::PodGc => podgc::QUARANTINE,
            Controller::Provisioner => pv_provisioner::PROVISIONING_TIME,
            _ => SimDuration::from_millis(1),
        }
    }

    /// Which keys a watch event makes this controller look at.
    /// `state` is what the controllers hold in memory (a controller may skip events that cannot
    /// matter to it yet).
    pub fn keys_for(self, event: &WatchEvent, state: &ControllerState) -> Vec<ObjectRef> {
        match self {
            Controller::Namespace => namespace::keys_for(event),
            Controller::Scheduler => scheduler::keys_for(event),
            Controller::ReplicaSet => replicaset::keys_for(event),
            Controller::Deployment => deployment::keys_for(event),
            Controller::GarbageCollector => garbagecollector::keys_for(event),
            Controller::Kubelet => kubelet::keys_for(event),
            Controller::Endpoints => endpoints::keys_for(event),
            Controller::EndpointSlice => endpointslice::keys_for(event),
            Controller::EndpointSliceMirroring => endpointslice_mirroring::keys_for(event),
            Controller::HorizontalPodAutoscaler => hpa::keys_for(event),
            Controller::NodeLifecycle => nodelifecycle::keys_for(event),
            Controller::TaintEviction => taint_eviction::keys_for(event, &state.taint_eviction),
            Controller::PodGc => podgc::keys_for(event),
            Controller::StatefulSet => statefulset::keys_for(event),
            Controller::DaemonSet => daemonset::keys_for(event),
            Controller::Job => job::keys_for(event),
            Controller::CronJob => cronjob::keys_for(event),
            Controller::TtlAfterFinished => job::ttl::keys_for(event),
            Controller::PersistentVolumeBinder => pv_binder::keys_for(event),
            Controller::Provisioner => pv_provisioner::keys_for(event),
            Controller::ServiceAccount => serviceaccount::keys_for(event),
            Controller::RootCaPublisher => root_ca::keys_for(event),
            Controller::ReplicationController => replicationcontroller::keys_for(event),
            Controller::KubeProxy => kube_proxy::keys_for(event),
            Controller::IpMasqAgent => ip_masq_agent::keys_for(event),
            Controller::ServiceLb => service_lb::keys_for(event, &state.service_lb),
            Controller::PvcProtection => pvc_protection::keys_for(event),
            Controller::PvProtection => pv_protection::keys_for(event),
        }
    }

    pub fn reconcile(self, ctx: &mut Ctx<'_, '_>, key: &ObjectRef) -> Requeue {
        match self {
            Controller::Namespace => namespace::reconcile(ctx, key),
            Controller::Scheduler => scheduler::reconcile(ctx, key),
            Controller::ReplicaSet => replicaset::reconcile(ctx, key),
            Controller::Deployment => deployment::reconcile(ctx, key),
            Controller::GarbageCollector => garbagecollector::reconcile(ctx, key),
            Controller::Kubelet => kubelet::reconcile(ctx, key),
            Controller::Endpoints => endpoints::reconcile(ctx, key),
            Controller::EndpointSlice => endpointslice::reconcile(ctx, key),
            Controller::EndpointSliceMirroring => endpointslice_mirroring::reconcile(ctx, key),
            Controller::HorizontalPodAutoscaler => hpa::reconcile(ctx, key),
            Controller::NodeLifecycle => nodelifecycle::reconcile(ctx, key),
            Controller::TaintEviction => taint_eviction::reconcile(ctx, key),
            Controller::PodGc => podgc::reconcile(ctx, key),
            Controller::StatefulSet => statefulset::reconcile(ctx, key),
            Controller::DaemonSet => daemonset::reconcile(ctx, key),
            Controller::Job => job::reconcile(ctx, key),
            Controller::CronJob => cronjob::reconcile(ctx, key),
            Controller::TtlAfterFinished => job::ttl::reconcile(ctx, key),
            Controller::PersistentVolumeBinder => pv_binder::reconcile(ctx, key),
            Controller::Provisioner => pv_provisioner::reconcile(ctx, key),
            Controller::ServiceAccount => serviceaccount::reconcile(ctx, key),
            Controller::RootCaPublisher => root_ca::reconcile(ctx, key),
            Controller::ReplicationController => replicationcontroller::reconcile(ctx, key),
            Controller::KubeProxy => kube_proxy::reconcile(ctx, key),
            Controller::IpMasqAgent => ip_masq_agent::reconcile(ctx, key),
            Controller::ServiceLb => service_lb::reconcile(ctx, key),
            Controller::PvcProtection => pvc_protection::reconcile(ctx, key),
            Controller::PvProtection => pv_protection::reconcile(ctx, key),
        }
    }
}
