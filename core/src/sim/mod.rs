//! `Sim`: the simulated cluster. Owns the clock, the one seeded RNG, the event queue, the store
//! and every component; every user action enters through here.
//!
//! ```text
//! mod.rs        Sim, ClusterConfig, stepping (step / advance / settle), snapshots
//! bootstrap.rs  what a fresh cluster holds: namespaces, the `kubernetes` Service, nodes
//! apiserver.rs  the write path: create / update / delete with admission, and ApiError
//! services.rs   the service registry: cluster IP and node port allocation on Service writes
//! service_fields.rs  which Service types hold what; what an update keeps and a type change drops
//! allocator.rs  the ClusterIP and NodePort allocators (static band, random picks)
//! apply.rs      kubectl apply semantics over the write path
//! events.rs     the Event recorder (aggregation of repeats)
//! event_aggregator.rs  similar events (same reason, other messages) combined into one
//! node_resources.rs    a node's capacity and allocatable (the eviction thresholds taken off)
//! chain.rs      the event chain: a DAG from a user action to every write it caused
//! crd.rs        CRD status (names, Established), CRD deletion, custom resource admission
//! queue.rs      the discrete-event queue ordered by (time, sequence)
//! logs.rs       container logs by pod uid and container (what `kubectl logs` reads)
//! metrics.rs    simulated resource usage (what `kubectl top` and the HPA read; `load`)
//! nodes.rs      machines joining (`node add`), kubelets stopping and starting
//! ```

pub mod allocator;
pub mod apiserver;
pub mod apply;
mod bootstrap;
pub mod coredns;
pub mod dns;
pub mod netpol;
pub mod http;
pub mod ingress_nginx;
pub mod internet;
pub mod chain;
pub mod crd;
pub mod events;
pub mod node_resources;
pub mod event_aggregator;
pub mod logs;
pub mod metrics;
mod nodes;
pub mod queue;
mod service_fields;
mod services;
pub mod trace;
mod proxy_health;
mod proxy_mode;
mod userspace_proxy;

use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::ops::RangeInclusive;

use ipnet::Ipv4Net;

use crate::api::Object;
use crate::controllers::{Controller, Ctx, Requeue};
use crate::rng::{SimRng, DEFAULT_SEED};
use crate::store::{ActionId, Cause, Component, ObjectRef, Store};
use crate::time::{SimDuration, SimTime};

pub use allocator::Allocators;
pub use apiserver::{Api, ApiError, Deleted, Propagation};
pub use apply::{ApplyOutcome, ApplyReport};


pub use crate::net::flannel::Backend as NetworkBackend;
pub use crate::net::kube_proxy::ProxyMode;
pub use crate::net::underlay::Underlay;

/// Capacity of one simulated node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodeSize {
    pub cpu_millis: u64,
    pub memory_bytes: u64,
    pub max_pods: u32,
    /// The root filesystem (the kubelet's nodefs): ephemeral-storage capacity.
    pub disk_bytes: u64,
}

impl Default for NodeSize {
    /// 4 CPUs, 8 GiB, 110 pods (kubelet's default `maxPods`), a 100 GiB disk.
    fn default() -> Self {
        NodeSize { cpu_millis: 4000, memory_bytes: 8 << 30, max_pods: 110, disk_bytes: 100 << 30 }
    }
}

/// How the cluster is built. Plain data; `Default` is a small three-node cluster with
/// kubeadm's and flannel's default address ranges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterConfig {
    pub seed: u64,
    pub nodes: usize,
    pub node_size: NodeSize,
    /// The cluster's pod network, split into one /24 per node (flannel's default).
    pub pod_cidr: Ipv4Net,
    /// The Service ClusterIP range (kubeadm's default 10.96.0.0/12).
    pub service_cidr: Ipv4Net,
    /// The NodePort range (kube-apiserver's default 30000-32767).
    pub node_port_range: RangeInclusive<u16>,
    pub network: NetworkBackend,
    /// How the nodes' eth0 are connected (one L2 segment, or two subnets behind a router).
    pub underlay: Underlay,
    pub proxy_mode: ProxyMode,
    /// The controllers that run (kube-controller-manager's `--controllers`, plus the scheduler
    /// and the kubelets). All of them by default; a lesson can leave one out to show what it
    /// does, and benchmarks run one alone.
    pub controllers: Vec<Controller>,
    /// Install kubeadm's DNS add-on (CoreDNS behind `kube-system/kube-dns`) at bootstrap.
    /// Off for tests and benchmarks that want an idle cluster at time zero.
    pub dns: bool,
    /// Install the ingress-nginx controller (its "baremetal" manifest: a NodePort Service) at
    /// bootstrap. Off by default.
    pub ingress_nginx: bool,
}

impl Default for ClusterConfig {
    fn default() -> Self {
        ClusterConfig {
            seed: DEFAULT_SEED,
            nodes: 3,
            node_size: NodeSize::default(),
            pod_cidr: "10.244.0.0/16".parse().expect("valid CIDR"),
            service_cidr: "10.96.0.0/12".parse().expect("valid CIDR"),
            node_port_range: 30000..=32767,
            network: NetworkBackend::default(),
            underlay: Underlay::default(),
            proxy_mode: ProxyMode::default(),
            controllers: Controller::ALL.to_vec(),
            dns: true,
            ingress_nginx: false,
        }
    }
}

impl ClusterConfig {
    /// The underlay address of the `index`-th node (0-based): 192.168.56.11, .12, …
    pub fn node_ip(&self, index: usize) -> Ipv4Addr {
        match self.node_placement(index) {
            Some(p) => p.ip,
            None => Ipv4Addr::from(u32::from(Ipv4Addr::new(192, 168, 56, 11)) + index as u32),
        }
    }

    /// Where the `index`-th node sits on the underlay (None when its subnet is full).
    pub fn node_placement(&self, index: usize) -> Option<crate::net::underlay::Placement> {
        self.underlay.place(index, self.large_underlay())
    }

    /// The network's part of the config.
    pub fn net_config(&self) -> crate::net::NetConfig {
        crate::net::NetConfig {
            backend: self.network,
            network: self.pod_cidr,
            underlay: self.underlay,
            large: self.large_underlay(),
            proxy_mode: self.proxy_mode,
            ..Default::default()
        }
    }

    /// Clusters of more than 200 nodes get a /16 underlay segment.
    pub fn large_underlay(&self) -> bool {
        self.nodes > 200
    }

    /// The API server's address on the same underlay, just below the first node: 192.168.56.10.
    /// The control plane runs off the nodes, as in a managed cluster; this is the address the
    /// `kubernetes` Endpoints and EndpointSlice name, on port 6443.
    pub fn apiserver_ip(&self) -> Ipv4Addr {
        Ipv4Addr::from(u32::from(self.node_ip(0)) - 1)
    }

    /// The `kubernetes` Service's cluster IP: the first address of the service CIDR (10.96.0.1).
    pub fn kubernetes_service_ip(&self) -> Ipv4Addr {
        Ipv4Addr::from(u32::from(self.service_cidr.network()).wrapping_add(1))
    }

    /// The default cluster without the DNS add-on: nothing runs until the first action.
    pub fn bare() -> ClusterConfig {
        ClusterConfig { dns: false, ..ClusterConfig::default() }
    }

    /// The cluster DNS address (kubelet's `clusterDNS`, the kube-dns Service): the tenth
    /// address of the service network, as kubeadm sets it.
    pub fn cluster_dns_ip(&self) -> Ipv4Addr {
        Ipv4Addr::from(u32::from(self.service_cidr.network()).wrapping_add(10))
    }

    /// The podCIDR of the `index`-th node (0-based): consecutive /24s of `pod_cidr`.
    pub fn node_pod_cidr(&self, index: usize) -> Option<Ipv4Net> {
        self.pod_cidr.subnets(24).ok()?.nth(index)
    }
}

/// Work waiting on the queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Task {
    Reconcile { controller: Controller, key: ObjectRef, cause: Cause },
}

/// A queued reconcile: when it is due, and whether it is only a periodic sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Queued {
    due: SimTime,
    periodic: bool,
}

/// A user action as recorded in the journal (for the event chain and for replay).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Action {
    pub id: ActionId,
    pub at: SimTime,
    /// What the user did, e.g. `kubectl apply -f web.yaml`.
    pub summary: String,
}

/// Why `settle` stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settled {
    /// Nothing is left to do.
    Quiescent { steps: u64 },
    /// Work remains: the step limit was reached.
    LimitReached { steps: u64, pending: usize },
}

#[derive(Debug, Clone)]
pub struct Sim {
    config: ClusterConfig,
    now: SimTime,
    rng: SimRng,
    store: Store,
    queue: queue::Queue<Task>,
    /// (controller, key) pairs already queued, with when they are due: a work queue never holds
    /// a key twice; an earlier request (a watch event before a pending timer) moves it forward,
    /// as client-go's delaying queue keeps the earliest ready time.
    queued: BTreeMap<(Controller, ObjectRef), Queued>,
    /// Queued requests that are not periodic syncs: what `settle` waits for.
    urgent: usize,
    /// Nodes registered so far (names and podCIDRs are never reused).
    nodes_created: usize,
    /// How far into the store's log the controllers have been told.
    watch_cursor: u64,
    actions: Vec<Action>,
    /// Container logs, written by kubelets.
    logs: logs::ContainerLogs,
    /// Resource usage, as metrics-server would report it.
    metrics: metrics::Metrics,
    /// The API server's ClusterIP and NodePort allocators.
    alloc: Allocators,
    /// The simulated network: every node's and pod's namespace, devices, tables.
    net: crate::net::Network,
    /// The last packet trace, for `pcap` export.
    last_trace: Option<crate::net::trace::Trace>,
    /// The Event recorders' correlation cache.
    recorder: events::Recorder,
    /// Controller caches (the scheduler's node snapshot and back-off).
    controllers: crate::controllers::ControllerState,
    /// Each ingress-nginx controller pod's round-robin positions.
    ingress_balancers: ingress_nginx::Balancers,
}

/// A saved point in simulated history; `Sim::restore` goes back to it.
#[derive(Debug, Clone)]
pub struct Snapshot(Box<Sim>);

impl Snapshot {
    pub fn at(&self) -> SimTime {
        self.0.now
    }
}

impl Sim {
    pub fn new(config: ClusterConfig) -> Sim {
        let mut sim = Sim {
            rng: SimRng::seeded(config.seed),
            alloc: Allocators::new(config.service_cidr, config.node_port_range.clone()),
            net: crate::net::Network::new(config.net_config()),
            last_trace: None,
            config,
            now: SimTime::ZERO,
            store: Store::new(),
            queue: queue::Queue::default(),
            queued: BTreeMap::new(),
            urgent: 0,
            nodes_created: 0,
            watch_cursor: 0,
            actions: Vec::new(),
            logs: logs::ContainerLogs::default(),
            metrics: metrics::Metrics::default(),
            recorder: events::Recorder::default(),
            controllers: crate::controllers::ControllerState::default(),
            ingress_balancers: ingress_nginx::Balancers::default(),
        };
        sim.bootstrap();
        sim
    }

    pub fn now(&self) -> SimTime {
        self.now
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn config(&self) -> &ClusterConfig {
        &self.config
    }

    pub fn actions(&self) -> &[Action] {
        &self.actions
    }

    /// Tasks waiting on the queue.
    pub fn pending(&self) -> usize {
        self.queue.len()
    }

    /// The write path, for callers that act as a component.
    pub fn api(&mut self) -> Api<'_> {
        self.api_and_controllers().0
    }

    /// The write path and the controllers' caches, borrowed together for a reconcile.
    fn api_and_controllers(&mut self) -> (Api<'_>, &mut crate::controllers::ControllerState) {
        let api = Api {
            store: &mut self.store,
            rng: &mut self.rng,
            now: self.now,
            alloc: &mut self.alloc,
            logs: &mut self.logs,
            metrics: &mut self.metrics,
            net: &mut self.net,
            recorder: &mut self.recorder,
        };
        (api, &mut self.controllers)
    }

    /// What controllers keep between reconciles (the scheduler's cache and decisions).
    pub(crate) fn controller_state(&self) -> &crate::controllers::ControllerState {
        &self.controllers
    }

    /// The kubelets' runtime state, for console commands that act inside containers.
    pub(crate) fn kubelet_mut(&mut self) -> &mut crate::kubelet::State {
        &mut self.controllers.kubelet
    }

    /// The API server's ClusterIP and NodePort allocators.
    pub fn allocators(&self) -> &Allocators {
        &self.alloc
    }

    /// Starts a user action: every write made under it names it as the cause.
    pub fn begin_action(&mut self, summary: impl Into<String>) -> ActionId {
        let id = ActionId(self.actions.len() as u64 + 1);
        self.actions.push(Action { id, at: self.now, summary: summary.into() });
        id
    }

    /// Tells every controller about the writes it has not seen yet, queueing reconciles.
    fn dispatch_watch(&mut self) {
        let events = self.store.events_since(self.watch_cursor);
        let mut work = Vec::new();
        for event in events {
            for &controller in &self.config.controllers {
                for key in controller.keys_for(event, &self.controllers) {
                    work.push((controller, key, Cause::Write(event.resource_version)));
                }
            }
        }
        // The scheduler's cache follows the watch as its informer does, so that it holds the
        // pods' current objects (not the versions it last scheduled against) and never has to
        // relist after a compaction.
        if self.config.controllers.contains(&Controller::Scheduler) {
            self.controllers.scheduler.sync(&self.store);
        }
        self.watch_cursor = self.store.resource_version();
        self.store.compact(self.watch_cursor);
        for (controller, key, cause) in work {
            self.enqueue(controller, key, cause, controller.reaction_delay(), false);
        }
    }

    /// Queues a reconcile of `key` after `delay`. A key is queued once: a request due earlier
    /// than the one waiting replaces it, a later one is dropped. A request stays periodic only
    /// while every request merged into it is.
    pub(super) fn enqueue(&mut self, controller: Controller, key: ObjectRef, cause: Cause, delay: SimDuration, periodic: bool) {
        let at = self.now + delay;
        let slot = (controller, key);
        match self.queued.get_mut(&slot) {
            Some(q) if q.due <= at => {
                if q.periodic && !periodic {
                    q.periodic = false;
                    self.urgent += 1;
                }
            }
            Some(q) => {
                if q.periodic && !periodic {
                    self.urgent += 1;
                }
                q.periodic &= periodic;
                q.due = at;
                self.queue.push(at, Task::Reconcile { controller, key: slot.1, cause });
            }
            None => {
                self.urgent += usize::from(!periodic);
                self.queue.push(at, Task::Reconcile { controller, key: slot.1.clone(), cause });
                self.queued.insert(slot, Queued { due: at, periodic });
            }
        }
    }

    /// Runs the next task, moving the clock to its time. Returns false if nothing is queued.
    pub fn step(&mut self) -> bool {
        let Some((at, task)) = self.queue.pop_due(SimTime(u64::MAX)) else { return false };
        self.now = self.now.max(at);
        self.run(task, at);
        true
    }

    /// Runs every task due within `d`, then sets the clock to now + `d`.
    pub fn advance(&mut self, d: SimDuration) {
        let until = self.now + d;
        while let Some((at, task)) = self.queue.pop_due(until) {
            self.now = self.now.max(at);
            self.run(task, at);
        }
        self.now = until;
    }

    /// Runs the simulation as a waiting client sees it (`kubectl delete` waiting for the object
    /// to go, `drain` for its pods): tasks run until `done` holds, or only periodic syncs are
    /// left (nothing would ever make it true), or `limit` of simulated time has passed.
    /// Returns whether `done` came true.
    pub fn run_until(&mut self, limit: SimDuration, done: impl Fn(&Sim) -> bool) -> bool {
        let until = self.now + limit;
        while !done(self) {
            match self.queue.next_at() {
                Some(at) if at <= until && self.urgent > 0 => {
                    self.step();
                }
                _ => return false,
            }
        }
        true
    }

    /// Runs tasks until only periodic syncs are left (or nothing) or `max_steps` have run.
    pub fn settle(&mut self, max_steps: u64) -> Settled {
        let mut steps = 0;
        while steps < max_steps {
            if self.urgent == 0 || !self.step() {
                return Settled::Quiescent { steps };
            }
            steps += 1;
        }
        if self.urgent == 0 {
            Settled::Quiescent { steps }
        } else {
            Settled::LimitReached { steps, pending: self.urgent }
        }
    }

    fn run(&mut self, task: Task, at: SimTime) {
        match task {
            Task::Reconcile { controller, key, cause } => {
                // A request superseded by an earlier one for the same key has already run.
                let slot = (controller, key);
                match self.queued.get(&slot) {
                    Some(q) if q.due == at => {
                        self.urgent -= usize::from(!q.periodic);
                        self.queued.remove(&slot);
                    }
                    _ => return,
                }
                let (controller, key) = slot;
                let by = Component::new(controller.component());
                let requeue = {
                    let (mut api, state) = self.api_and_controllers();
                    let mut ctx = Ctx { api: &mut api, by, cause, state };
                    controller.reconcile(&mut ctx, &key)
                };
                let timer = Cause::Timer(match cause {
                    Cause::Write(rv) => Some(rv),
                    Cause::Timer(rv) => rv,
                    _ => None,
                });
                match requeue {
                    Requeue::Done => {}
                    Requeue::After(d) => self.enqueue(controller, key, timer, d, false),
                    Requeue::Periodic(d) => self.enqueue(controller, key, timer, d, true),
                }
            }
        }
        self.dispatch_watch();
    }

    /// Called after a user action's writes: lets controllers see them.
    pub fn after_action(&mut self) {
        self.dispatch_watch();
    }

    /// Saves the whole simulation (objects are shared, so this costs one pointer per object).
    pub fn snapshot(&self) -> Snapshot {
        Snapshot(Box::new(self.clone()))
    }

    /// Goes back to a snapshot: the clock, the RNG, the store and the queue as they were.
    pub fn restore(&mut self, snapshot: &Snapshot) {
        *self = (*snapshot.0).clone();
    }
}

/// Convenience for tests and callers: the stored object behind a key.
impl Sim {
    pub fn get(&self, key: &ObjectRef) -> Option<&Object> {
        self.store.get(key).map(|a| a.as_ref())
    }
}

#[cfg(test)]
mod trace_tests;
#[cfg(test)]
mod service_test_support;
#[cfg(test)]
mod service_trace_tests;
#[cfg(test)]
mod ipvs_trace_tests;
#[cfg(test)]
mod userspace_trace_tests;
#[cfg(test)]
mod curl_matrix_tests;
#[cfg(test)]
mod dns_tests;
#[cfg(test)]
mod netpol_tests;
#[cfg(test)]
mod http_tests;
#[cfg(test)]
mod internet_tests;
