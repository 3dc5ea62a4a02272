//! The simulated kubelet: pod sandboxes, image pulls, containers, restarts and graceful
//! termination, the pod status it reports, and its node's heartbeats (Lease and node status).
//!
//! ```text
//! mod.rs      State: what every kubelet keeps in memory (runtime view of its pods, images)
//! images.rs   the image catalog and image reference normalisation
//! image_tags.rs  which tags the official images (nginx, busybox, redis, httpd, alpine) have
//! program.rs  what a container's process does (catalog default or a small shell)
//! pod.rs      one pod's lifecycle on the virtual clock (the pod worker's sync)
//! pod/hooks.rs  lifecycle hooks: postStart and preStop (exec, httpGet, sleep), the kill timing
//! status.rs   the PodStatus generated from the runtime view
//! probes.rs   the prober manager: due probes run, kills for failed ones, readiness, wake-ups
//! probe_worker.rs    one probe's state: its ticks and the threshold rules
//! probe_handlers.rs  httpGet, tcpSocket and grpc checks against the pod's servers
//! probe_exec.rs      exec probe commands against the container's files
//! start.rs    hooks of the pod worker: volumes mounted, a container's config resolved
//! env.rs      a container's environment: envFrom, env (valueFrom, $(VAR)), service variables
//! envvars.rs  the naming rules: service variables, $(VAR) expansion, the runtime's env merge
//! downward.rs downward API values: pod fields, container resources
//! volumes.rs  configMap, secret, downwardAPI, projected volumes: mount, FailedMount, updates
//! snapshot.rs what a volume mount read: the ConfigMaps and Secrets, the pod fields rendered
//! view.rs     what `kubectl exec` sees inside a container: its env and mounted files
//! heartbeat.rs   the node Lease (created at registration, renewed every 10 s) and the tick
//! node_status.rs the node conditions posted every 10 s, written on change or every 5 min
//! node_images.rs  the node status `images` list (what the scheduler's ImageLocality reads)
//! ```
//!
//! The reconcile is the pod worker's `SyncPod`: it reads the pod, advances the runtime view of
//! its sandbox and containers to the current time, and writes the status when it changed (the
//! status manager writes on change). Timers on the virtual clock stand for what the container
//! runtime reports later: a pull finishing, a process exiting, a back-off ending.
//!
//! Timeline of a pod whose image must be pulled (times after the kubelet sees the binding):
//! `+0` status Pending/ContainerCreating with hostIP and startTime; `+0.5s` sandbox created
//! (CNI ADD → podIP) and, for each container in order, `Pulling` … `Pulled`, `Created`,
//! `Started`; Running/Ready when the last one started (with probes: `started` when the startup
//! probe passes, Ready when the readiness probe does; see `probes.rs`). Simplification:
//! container exits are reported at the instant they happen (a real kubelet notices them at its
//! next PLEG relist, within a second).
//!
//! Restarts follow the kubelet's container back-off: the first restart is immediate (1 s), then
//! each exit waits 10 s, 20 s, 40 s … up to 300 s (`CrashLoopBackOff`); the back-off resets
//! when a container ran 10 minutes since its last back-off update. Image pulls back off the
//! same way (`ImagePullBackOff`). Pulls on one node are serialised (`serializeImagePulls`), so a
//! pull that waited for another reports both times in `Pulled`.

pub mod images;
mod image_tags;
mod pod;
pub mod sockets;
pub mod program;
mod status;
mod perl_bpi;
mod probe_exec;
pub use probe_exec::changed_paths;
mod probe_handlers;
mod probe_worker;
mod probes;
mod downward;
pub mod heartbeat;
pub mod node_status;
pub mod node_images;
pub mod env;
mod exec;
pub mod envvars;
mod start;
mod snapshot;
pub mod view;
pub mod volumes;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod config_tests;
#[cfg(test)]
mod probes_tests;
#[cfg(test)]
mod readiness_tests;
#[cfg(test)]
mod heartbeat_tests;
#[cfg(test)]
mod readiness_gates_tests;
#[cfg(test)]
mod lifecycle_hooks_tests;
#[cfg(test)]
mod poststart_tests;

use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::sync::Arc;

use crate::store::ObjectRef;
use crate::time::SimTime;

pub use pod::{reconcile, PodRuntime};

/// What the kubelets keep in memory. Part of the `Sim` (through `ControllerState`), so
/// snapshots carry it.
#[derive(Debug, Clone, Default)]
pub struct State {
    /// The runtime view of each pod a kubelet runs, by pod key (the uid inside tells a
    /// recreated pod apart).
    pods: BTreeMap<ObjectRef, Arc<PodRuntime>>,
    /// Per node: images present and the pull queue.
    nodes: BTreeMap<String, NodeRuntime>,
    /// Service variables per namespace, shared by the containers started while its Services
    /// stay the same.
    service_env: env::ServiceEnvCache,
    /// Server start-up lines rendered this second, shared by the containers that print them.
    start_lines: pod::StartLines,
}

/// One node's kubelet and container runtime.
#[derive(Debug, Clone, Default)]
pub struct NodeRuntime {
    /// Images in the node's image store (full reference → when the pull completed).
    images: BTreeMap<String, SimTime>,
    /// Serialised pulls: the queue is busy until then.
    pull_busy_until: SimTime,
    /// The node's InternalIP (hostIP of its pods).
    ip: Option<Ipv4Addr>,
    /// When the kubelet last wrote its node status (`lastStatusReportTime`); before the first
    /// sync, the registration.
    status_reported: Option<SimTime>,
    /// Who it writes as (`kubelet/NODE`), shared by its writes.
    writer: Option<crate::store::Component>,
    /// `spec.unschedulable` as the kubelet last saw it (`lastNodeUnschedulable`).
    last_unschedulable: bool,
}

impl State {
    /// The runtime view of a pod, if a kubelet runs it.
    pub fn pod(&self, key: &ObjectRef) -> Option<&PodRuntime> {
        self.pods.get(key).map(|p| p.as_ref())
    }

    /// Is `image` (as written in a pod spec) present on `node`?
    pub fn has_image(&self, node: &str, image: &str) -> bool {
        let full = images::ImageRef::parse(image).full();
        self.nodes.get(node).is_some_and(|n| n.images.contains_key(&full))
    }
}
