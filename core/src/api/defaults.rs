//! Defaulting: the fields the API server fills in before it validates and stores an object, as
//! the `SetDefaults_*` functions of each API group (and the few admission plugins that always run)
//! fill them. Only fields the real server sets are set; nothing else is invented.
//!
//! - [`apply_defaults`]: dispatch by kind.
//! - `pod`: PodSpec, containers, probes, volumes; the Pod-only extras.
//! - `workloads`: Deployment, ReplicaSet, ReplicationController, StatefulSet, DaemonSet, Job,
//!   CronJob.
//! - `services`: Service, Endpoints, EndpointSlice, NetworkPolicy, IngressClass, PV, PVC,
//!   StorageClass, Namespace, Secret, HPA, LimitRange.
//! - `crd`: CustomResourceDefinition. Custom resources take their defaults from their CRD's
//!   schema, which the API server applies (`api::custom::coerce`).

mod crd;
mod pod;
mod services;
mod workloads;

use super::object::Object;

/// Fills in every server-side default of `obj`, in place. Idempotent: defaulting a defaulted
/// object changes nothing.
pub fn apply_defaults(obj: &mut Object) {
    match obj {
        Object::Pod(p) => pod::pod(p),
        Object::Deployment(d) => workloads::deployment(d),
        Object::ReplicaSet(r) => workloads::replica_set(r),
        Object::ReplicationController(r) => workloads::replication_controller(r),
        Object::StatefulSet(s) => workloads::stateful_set(s),
        Object::DaemonSet(d) => workloads::daemon_set(d),
        Object::Job(j) => workloads::job(j),
        Object::CronJob(c) => workloads::cron_job(c),
        Object::Service(s) => services::service(s),
        Object::Endpoints(e) => services::endpoints(e),
        Object::EndpointSlice(e) => services::endpoint_slice(e),
        Object::NetworkPolicy(n) => services::network_policy(n),
        Object::IngressClass(i) => services::ingress_class(i),
        Object::PersistentVolume(pv) => services::persistent_volume(pv),
        Object::PersistentVolumeClaim(pvc) => services::persistent_volume_claim(pvc),
        Object::StorageClass(sc) => services::storage_class(sc),
        Object::Namespace(ns) => services::namespace(ns),
        Object::Secret(s) => services::secret(s),
        Object::HorizontalPodAutoscaler(h) => services::horizontal_pod_autoscaler(h),
        Object::LimitRange(l) => services::limit_range(l),
        Object::CustomResourceDefinition(c) => crd::crd(c),
        Object::Node(_)
        | Object::ControllerRevision(_)
        | Object::Ingress(_)
        | Object::ConfigMap(_)
        | Object::ServiceAccount(_)
        | Object::ResourceQuota(_)
        | Object::Event(_)
        | Object::Lease(_)
        | Object::Custom(_) => {}
    }
}

/// `field = value` when the field is unset.
fn or_set<T>(field: &mut Option<T>, value: T) {
    if field.is_none() {
        *field = Some(value);
    }
}

/// `field = value` when the string field is unset or empty (Go's zero value).
fn or_set_str(field: &mut Option<String>, value: &str) {
    if field.as_deref().is_none_or(str::is_empty) {
        *field = Some(value.to_string());
    }
}

#[cfg(test)]
mod tests;
