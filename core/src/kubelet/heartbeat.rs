//! The kubelet's heartbeats: its node Lease and the node status sync that run on timers for as
//! long as the kubelet runs.
//!
//! As the real kubelet does (pkg/kubelet/nodelease.go, component-helpers' lease controller): at
//! registration it creates Lease `kube-node-lease/<node>` (`holderIdentity` the node name,
//! `leaseDurationSeconds` 40, an ownerReference to its Node so the garbage collector removes it
//! with the Node) and renews `renewTime` every 10 s (`nodeLeaseRenewIntervalFraction` 0.25 of
//! the duration). On the same 10 s tick (`nodeStatusUpdateFrequency`) it computes the node
//! status (`node_status.rs`), writing it only when it changed or `nodeStatusReportFrequency`
//! (5 min) passed since the last report. Simplification: both loops share one timer, lease
//! first; a real kubelet runs them as two goroutines whose phases drift apart.
//!
//! A stopped kubelet (`node NAME stop`) neither renews nor reports; the node lifecycle
//! controller notices the stale lease. `node NAME start` runs a tick at once, as a restarted
//! kubelet syncs its status and lease on start.

use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta, OwnerReference};
use k8s_openapi::jiff::Timestamp;

use crate::api::{Kind, Object};
use crate::controllers::{Ctx, Requeue};
use crate::sim::apiserver::Api;
use crate::store::{Cause, Component, ObjectRef};
use crate::time::{SimDuration, SimTime, EPOCH_UNIX_SECS};

/// The namespace that holds node leases.
pub const LEASE_NAMESPACE: &str = "kube-node-lease";
/// `nodeLeaseDurationSeconds`.
pub const LEASE_DURATION_SECONDS: i32 = 40;
/// How often the lease is renewed: a quarter of its duration.
pub const RENEW_INTERVAL: SimDuration = SimDuration::from_secs(10);
/// `nodeStatusUpdateFrequency`: how often the kubelet computes its node status.
pub const STATUS_UPDATE_FREQUENCY: SimDuration = SimDuration::from_secs(10);
/// `nodeStatusReportFrequency`: the longest the kubelet goes without writing an unchanged status.
pub const STATUS_REPORT_FREQUENCY: SimDuration = SimDuration::from_secs(300);

/// The key of a node's lease.
pub fn lease_key(node: &str) -> ObjectRef {
    ObjectRef::new(Kind::Lease, Some(LEASE_NAMESPACE), node)
}

/// A `MicroTime` at simulated instant `t` (microsecond precision).
pub fn micro_time(t: SimTime) -> MicroTime {
    let micros = EPOCH_UNIX_SECS * 1_000_000 + t.0 as i64;
    MicroTime(Timestamp::from_microsecond(micros).unwrap_or(Timestamp::UNIX_EPOCH))
}

/// The simulated instant of a `MicroTime`.
pub fn from_micro_time(t: &MicroTime) -> SimTime {
    SimTime((t.0.as_microsecond() - EPOCH_UNIX_SECS * 1_000_000).max(0) as u64)
}

/// The lease a kubelet creates for its node right after registering it.
pub fn create_lease(api: &mut Api<'_>, node: &Object, cause: Cause) {
    let name = node.name().to_string();
    let lease = Lease {
        metadata: ObjectMeta {
            name: Some(name.clone()),
            namespace: Some(LEASE_NAMESPACE.into()),
            owner_references: Some(vec![OwnerReference {
                api_version: "v1".into(),
                kind: "Node".into(),
                name: name.clone(),
                uid: node.metadata().uid.clone().unwrap_or_default(),
                ..Default::default()
            }]),
            ..Default::default()
        },
        spec: Some(LeaseSpec {
            holder_identity: Some(name.clone()),
            lease_duration_seconds: Some(LEASE_DURATION_SECONDS),
            renew_time: Some(micro_time(api.now)),
            ..Default::default()
        }),
    };
    let _ = api.create(lease.into(), &Component::new(format!("kubelet/{name}")), cause);
}

/// One tick of the node's kubelet: renew the lease, sync the node status, come back in 10 s.
pub fn tick(ctx: &mut Ctx<'_, '_>, node: &ObjectRef) -> Requeue {
    if ctx.state.stopped_kubelets.contains_key(&node.name) {
        return Requeue::Done;
    }
    let Some(obj) = ctx.api.store.get(node).cloned() else { return Requeue::Done };
    ctx.by = Component::new(format!("kubelet/{}", node.name));
    renew(ctx, &obj);
    super::node_status::sync(ctx, &obj);
    Requeue::Periodic(RENEW_INTERVAL.min(STATUS_UPDATE_FREQUENCY))
}

/// Renews the lease's `renewTime`, creating the lease again if someone deleted it.
fn renew(ctx: &mut Ctx<'_, '_>, node: &Object) {
    let key = lease_key(node.name());
    let Some(Object::Lease(lease)) = ctx.api.store.get(&key).map(|o| (**o).clone()) else {
        create_lease(ctx.api, node, ctx.cause);
        return;
    };
    let mut lease = *lease;
    let spec = lease.spec.get_or_insert_with(Default::default);
    spec.holder_identity = Some(node.name().to_string());
    spec.lease_duration_seconds = Some(LEASE_DURATION_SECONDS);
    spec.renew_time = Some(micro_time(ctx.api.now));
    lease.metadata.resource_version = None;
    let by = ctx.by.clone();
    let _ = ctx.api.update(Object::Lease(Box::new(lease)), &by, ctx.cause);
}
