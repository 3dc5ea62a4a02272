//! One pod's lifecycle: the kubelet's `SyncPod` on the virtual clock.

use std::collections::BTreeSet;
use std::net::Ipv4Addr;
use std::sync::Arc;

use k8s_openapi::api::core::v1::{Container, Pod};

use crate::api::{Kind, Object};
use crate::controllers::{Ctx, Requeue};
use crate::net::CniArgs;
use crate::sim::events::{self, EventType};
use crate::sim::metrics::Usage;
use crate::sim::Propagation;
use crate::store::{Component, ObjectRef};
use crate::time::{go_duration, SimDuration, SimTime};

use super::images::{not_found_message, Image, ImageRef};
use super::program::{program_of, Program, Script, Step};
use super::{status, NodeRuntime};

/// From seeing the binding to the sandbox being ready (pause container + CNI ADD).
const SANDBOX_DELAY: SimDuration = SimDuration::from_millis(500);
/// Pulling an image that is already in the node's store, or being pulled (manifest check).
const PRESENT_PULL_MS: u64 = 250;
/// The first restart after an exit happens at the next sync.
const IMMEDIATE_RESTART: SimDuration = SimDuration::from_secs(1);
/// The kubelet's back-off: 10 s doubling to 300 s; reset after 2 × max without an update.
const BACKOFF_INITIAL: SimDuration = SimDuration::from_secs(10);
const BACKOFF_MAX: SimDuration = SimDuration::from_secs(300);
const BACKOFF_RESET: SimDuration = SimDuration::from_secs(600);
/// How long after a failure the next sync reports the back-off (`ImagePullBackOff`,
/// `CrashLoopBackOff`).
const BACKOFF_REPORT: SimDuration = SimDuration::from_secs(1);

/// A terminated container instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Terminated {
    pub exit_code: i32,
    pub reason: &'static str,
    pub started: SimTime,
    pub finished: SimTime,
    pub id: String,
    pub message: Option<String>,
}

/// Where a container is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CState {
    Waiting { reason: &'static str, message: Option<String> },
    Running { started: SimTime, id: String },
    Terminated(Terminated),
}

/// The image pull of a container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pull {
    NotStarted,
    Pulling { requested: SimTime, started: SimTime, done: SimTime },
    Present,
    /// Failed at `failed`; reported as ImagePullBackOff from `report`; retried at `retry`.
    Failed { report: SimTime, retry: SimTime, reported: bool },
}

/// A running process's progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proc {
    /// Script: next step index (prefix then body, cyclic) and when it starts.
    pc: usize,
    at: SimTime,
    status: i32,
    /// When it exits on its own (servers: never; crash: after a delay).
    exit_at: Option<(SimTime, i32)>,
    /// SIGTERM sent at; SIGKILL at the grace deadline.
    sigterm: Option<SimTime>,
    sigkill: Option<SimTime>,
    /// Files the process created (`touch`, redirections) and did not remove: what exec probes see.
    pub(super) files: BTreeSet<String>,
}

/// The runtime view of one container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ctr {
    pub name: String,
    pub image: String,
    iref: ImageRef,
    pub(super) entry: Option<&'static Image>,
    pub(super) program: Program,
    pull_policy: String,
    pub pull: Pull,
    pull_backoff: Option<(SimDuration, SimTime)>,
    pub state: CState,
    pub last: Option<Terminated>,
    pub restart_count: i32,
    backoff: Option<(SimDuration, SimTime)>,
    /// When a waiting container restarts.
    pub(super) restart_at: Option<SimTime>,
    /// When the crash-loop back-off is reported.
    crashloop_report: Option<SimTime>,
    pub(super) proc: Option<Proc>,
    pub ready: bool,
    pub started_once: bool,
    /// preStop `sleep N` in milliseconds.
    prestop_ms: u64,
    restartable: bool,
    /// The probe workers of a container that has probes.
    pub(super) probes: Option<Box<super::probes::Probes>>,
    /// What the running (or last) instance was created with: env and volume contents.
    pub config: Option<Arc<super::env::Config>>,
}

/// Graceful termination in progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Killing {
    pub deadline: SimTime,
}

/// The runtime view of one pod.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodRuntime {
    pub uid: String,
    pub node: String,
    pub start_time: SimTime,
    pub host_ip: Ipv4Addr,
    pub host_network: bool,
    pub sandbox_at: SimTime,
    pub sandbox: Option<Sandbox>,
    pub init: Vec<Ctr>,
    pub app: Vec<Ctr>,
    pub restart_policy: String,
    pub killing: Option<Killing>,
    /// The pod reached Succeeded/Failed and its sandbox is gone.
    pub finished: bool,
    /// When the sandbox was first ready (PodReadyToStartContainers).
    pub sandbox_ready_at: Option<SimTime>,
    /// The API-backed volumes (`None` for a pod without any).
    pub volumes: Option<Box<super::volumes::Mounts>>,
}

/// The pod sandbox and its network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sandbox {
    pub id: String,
    pub netns: String,
    pub ip: Ipv4Addr,
}

fn hex64(ctx: &mut Ctx<'_, '_>) -> String {
    let mut s = String::with_capacity(64);
    for _ in 0..4 {
        s.push_str(&format!("{:016x}", ctx.api.rng.next_u64()));
    }
    s
}

fn new_ctr(c: &Container, pod_name: &str, restartable: bool) -> Ctr {
    let image = c.image.clone().unwrap_or_default();
    let iref = ImageRef::parse(&image);
    let entry = iref.lookup();
    let program = match entry {
        Some(e) => program_of(c, e, pod_name),
        None => Program::Script(Script::default()),
    };
    let prestop_ms = c
        .lifecycle
        .as_ref()
        .and_then(|l| l.pre_stop.as_ref())
        .and_then(|h| h.exec.as_ref())
        .and_then(|e| e.command.as_ref())
        .map(|cmd| {
            let text = cmd.join(" ");
            let s = super::program::parse_script(&text.replace("/bin/sh -c", "").replace("sh -c", ""), &Default::default());
            s.prefix.iter().map(|st| if let Step::Sleep { ms } = st { *ms } else { 0 }).fold(0u64, u64::saturating_add)
        })
        .unwrap_or(0);
    Ctr {
        name: c.name.clone(),
        pull_policy: c.image_pull_policy.clone().unwrap_or_else(|| "IfNotPresent".into()),
        image,
        iref,
        entry,
        program,
        pull: Pull::NotStarted,
        pull_backoff: None,
        state: CState::Waiting { reason: "ContainerCreating", message: None },
        last: None,
        restart_count: 0,
        backoff: None,
        restart_at: None,
        crashloop_report: None,
        proc: None,
        ready: false,
        started_once: false,
        prestop_ms,
        restartable,
        probes: super::probes::Probes::of(c),
        config: None,
    }
}

/// Everything a sync needs besides the runtime view.
pub(super) struct SyncCx<'p> {
    pub(super) pod: &'p Pod,
    key: &'p ObjectRef,
    pod_obj: &'p Object,
    node: String,
    kubelet: Component,
    next: Option<SimTime>,
    /// The next steady-state probe: periodic work, which `settle` does not wait for.
    periodic: Option<SimTime>,
    /// What containers are created with (pod IP, volume contents).
    pub(super) start: super::start::StartCx,
}

impl SyncCx<'_> {
    pub(super) fn wake(&mut self, at: SimTime) {
        self.next = Some(self.next.map_or(at, |n| n.min(at)));
    }

    pub(super) fn wake_periodic(&mut self, at: SimTime) {
        self.periodic = Some(self.periodic.map_or(at, |n| n.min(at)));
    }

    pub(super) fn event(&self, ctx: &mut Ctx<'_, '_>, t: EventType, reason: &str, message: &str) {
        events::record(ctx.api, self.pod_obj, t, reason, message, &self.kubelet, Some(&self.node), ctx.cause);
    }

    fn pod_id(&self) -> String {
        format!("{}_{}({})", self.key.name, self.key.namespace.as_deref().unwrap_or(""), self.pod.metadata.uid.as_deref().unwrap_or(""))
    }
}

pub fn reconcile(ctx: &mut Ctx<'_, '_>, key: &ObjectRef) -> Requeue {
    let stored = ctx.api.store.get(key).cloned();
    let pod_obj = match stored.as_deref() {
        Some(o @ Object::Pod(_)) => o,
        _ => {
            teardown(ctx, key);
            return Requeue::Done;
        }
    };
    let Object::Pod(pod) = pod_obj else { return Requeue::Done };
    let Some(node) = pod.spec.as_ref().and_then(|s| s.node_name.clone()).filter(|n| !n.is_empty()) else {
        return Requeue::Done;
    };
    ctx.by = Component::new(format!("kubelet/{node}"));
    let uid = pod.metadata.uid.clone().unwrap_or_default();
    if ctx.state.kubelet.pods.get(key).is_some_and(|r| r.uid != uid) {
        teardown(ctx, key);
    }
    let mut cx = SyncCx { pod, key, pod_obj, node: node.clone(), kubelet: Component::new("kubelet"), next: None, periodic: None, start: Default::default() };
    let now = ctx.api.now;
    let mut rt = match ctx.state.kubelet.pods.get(key) {
        Some(rt) => rt.as_ref().clone(),
        None => {
            if pod.metadata.deletion_timestamp.is_some() || is_terminal(pod) {
                // Nothing ever ran here: finish the delete at once.
                if pod.metadata.deletion_timestamp.is_some() {
                    let _ = ctx.api.delete_with_grace(key, Propagation::Background, Some(0), &ctx.by, ctx.cause);
                }
                return Requeue::Done;
            }
            let Some(host_ip) = node_ip(ctx, &node) else { return Requeue::Done };
            let spec = pod.spec.as_ref();
            let name = key.name.as_str();
            PodRuntime {
                uid: uid.clone(),
                node: node.clone(),
                start_time: now,
                host_ip,
                host_network: spec.and_then(|s| s.host_network).unwrap_or(false),
                sandbox_at: now + SANDBOX_DELAY,
                sandbox: None,
                init: spec
                    .and_then(|s| s.init_containers.as_ref())
                    .map(|cs| cs.iter().map(|c| new_ctr(c, name, c.restart_policy.as_deref() == Some("Always"))).collect())
                    .unwrap_or_default(),
                app: spec.map(|s| s.containers.iter().map(|c| new_ctr(c, name, false)).collect()).unwrap_or_default(),
                restart_policy: spec.and_then(|s| s.restart_policy.clone()).unwrap_or_else(|| "Always".into()),
                killing: None,
                finished: false,
                sandbox_ready_at: None,
                volumes: None,
            }
        }
    };
    if !rt.init.is_empty() {
        for c in rt.init.iter_mut().chain(rt.app.iter_mut()) {
            if c.state == (CState::Waiting { reason: "ContainerCreating", message: None }) {
                c.state = CState::Waiting { reason: "PodInitializing", message: None };
            }
        }
    }

    let deleting = pod.metadata.deletion_timestamp.is_some();
    if deleting {
        if terminate(ctx, &mut cx, &mut rt) {
            finish(ctx, key, &rt);
            let _ = ctx.api.delete_with_grace(key, Propagation::Background, Some(0), &ctx.by, ctx.cause);
            return Requeue::Done;
        }
    } else if !rt.finished {
        sync(ctx, &mut cx, &mut rt);
    }

    let st = status::generate(pod, &rt, now);
    // A container waiting out a back-off (image pull or crash loop) retries forever, as the
    // real kubelet does: that retry is periodic work, which `settle` does not wait for.
    let backing_off = st
        .container_statuses
        .iter()
        .chain(st.init_container_statuses.iter())
        .flatten()
        .filter_map(|c| c.state.as_ref()?.waiting.as_ref()?.reason.as_deref())
        .any(|r| matches!(r, "ImagePullBackOff" | "ErrImagePull" | "CrashLoopBackOff"));
    if pod.status.as_ref() != Some(&st) {
        let by = ctx.by.clone();
        let _ = ctx.api.update_pod_status(key, st, &by, ctx.cause);
    }
    let (next, periodic) = (cx.next, cx.periodic);
    ctx.state.kubelet.pods.insert(key.clone(), Arc::new(rt));
    let backing_off = backing_off || next.is_none();
    let next = match (next, periodic) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    match next {
        Some(at) if at > now && backing_off => Requeue::Periodic(at.since(now)),
        Some(at) if at > now => Requeue::After(at.since(now)),
        Some(_) => Requeue::After(SimDuration::from_millis(1)),
        None => Requeue::Done,
    }
}

fn is_terminal(pod: &Pod) -> bool {
    pod.status.as_ref().and_then(|s| s.phase.as_deref()).is_some_and(|p| p == "Succeeded" || p == "Failed")
}

/// The node's InternalIP and its bridge network, set up on first use.
fn node_ip(ctx: &mut Ctx<'_, '_>, node: &str) -> Option<Ipv4Addr> {
    if let Some(ip) = ctx.state.kubelet.nodes.get(node).and_then(|n| n.ip) {
        return Some(ip);
    }
    let obj = ctx.api.store.get(&ObjectRef::new(Kind::Node, None, node))?.clone();
    let Object::Node(n) = obj.as_ref() else { return None };
    let ip: Ipv4Addr = n
        .status
        .as_ref()
        .and_then(|s| s.addresses.as_ref())
        .and_then(|a| a.iter().find(|a| a.type_ == "InternalIP"))
        .and_then(|a| a.address.parse().ok())?;
    if let Some(cidr) = n.spec.as_ref().and_then(|s| s.pod_cidr.as_ref()).and_then(|c| c.parse().ok()) {
        let net = &mut *ctx.api.net;
        let placement = net.config.underlay.placement_for(ip, net.config.large);
        let _ = net.configure_node(node, cidr, placement, &mut ctx.api.rng);
    }
    ctx.state.kubelet.nodes.entry(node.to_string()).or_default().ip = Some(ip);
    Some(ip)
}

/// The pod is gone from the API: stop what still runs and release the sandbox.
fn teardown(ctx: &mut Ctx<'_, '_>, key: &ObjectRef) {
    if let Some(rt) = ctx.state.kubelet.pods.remove(key) {
        finish(ctx, key, &rt);
        ctx.api.logs.remove_pod(&rt.uid);
    }
}

/// Stops the sandbox: CNI DEL and no more metrics.
fn finish(ctx: &mut Ctx<'_, '_>, key: &ObjectRef, rt: &PodRuntime) {
    if let Some(sb) = &rt.sandbox {
        if !rt.host_network {
            ctx.api.net.del(&rt.node, &CniArgs { container_id: sb.id.clone(), netns: sb.netns.clone(), ifname: "eth0".into(), pod: String::new() });
        }
    }
    ctx.api.metrics.remove_pod(&rt.uid);
    if ctx.api.store.get(key).is_none() {
        ctx.state.kubelet.pods.remove(key);
    }
}

/// Drives the pod forward to now.
fn sync(ctx: &mut Ctx<'_, '_>, cx: &mut SyncCx<'_>, rt: &mut PodRuntime) {
    let now = ctx.api.now;
    if !super::start::mount_volumes(ctx, cx, rt) {
        return;
    }
    if rt.sandbox.is_none() {
        if now < rt.sandbox_at {
            cx.wake(rt.sandbox_at);
            return;
        }
        let id = hex64(ctx);
        let netns = format!("/var/run/netns/cni-{}", ctx.api.rng.uuid());
        let ip = if rt.host_network {
            rt.host_ip
        } else {
            let pod = format!("{}/{}", cx.key.namespace.as_deref().unwrap_or_default(), cx.key.name);
            let args = CniArgs { container_id: id.clone(), netns: netns.clone(), ifname: "eth0".into(), pod };
            match ctx.api.net.add(&rt.node, &args, &mut ctx.api.rng) {
                Ok(r) => r.ip,
                Err(e) => {
                    let msg = format!(
                        "Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox \"{id}\": plugin type=\"flannel\" failed (add): {e}"
                    );
                    cx.event(ctx, EventType::Warning, "FailedCreatePodSandBox", &msg);
                    rt.sandbox_at = now + SimDuration::from_secs(10);
                    cx.wake(rt.sandbox_at);
                    return;
                }
            }
        };
        rt.sandbox = Some(Sandbox { id, netns, ip });
        rt.sandbox_ready_at = Some(now);
    }
    cx.start = super::start::StartCx::of(rt);
    // Init containers, one after another, each to completion.
    let policy = rt.restart_policy.clone();
    let mut init_done = true;
    for i in 0..rt.init.len() {
        let c = &mut rt.init[i];
        if c.restartable {
            drive(ctx, cx, c, "Always", rt.host_ip);
            if !c.started_once {
                init_done = false;
                break;
            }
            continue;
        }
        if matches!(&c.state, CState::Terminated(t) if t.exit_code == 0) {
            continue;
        }
        // Init containers restart on failure unless the pod's policy is Never.
        let init_policy = if policy == "Never" { "Never" } else { "OnFailure" };
        drive(ctx, cx, c, init_policy, rt.host_ip);
        if !matches!(&c.state, CState::Terminated(t) if t.exit_code == 0) {
            init_done = false;
            break;
        }
    }
    if !init_done {
        super::probes::sync(ctx, cx, rt);
        return;
    }
    if !rt.init.is_empty() {
        for c in rt.app.iter_mut() {
            if c.state == (CState::Waiting { reason: "PodInitializing", message: None }) {
                c.state = CState::Waiting { reason: "ContainerCreating", message: None };
            }
        }
    }
    for c in rt.app.iter_mut() {
        drive(ctx, cx, c, &policy, rt.host_ip);
        if !c.started_once && !matches!(c.pull, Pull::Failed { .. }) && !super::start::config_failed(c) {
            // The first start of a pod's containers is sequential.
            break;
        }
    }
    super::probes::sync(ctx, cx, rt);
    let phase = status::phase(rt);
    if phase == "Succeeded" || phase == "Failed" {
        // The kubelet kills the sandbox of a finished pod (its IP is released; the status keeps it).
        let key = cx.key.clone();
        finish(ctx, &key, rt);
        rt.finished = true;
        cx.next = None;
        cx.periodic = None;
    }
}

fn usage_of(c: &Ctr) -> Usage {
    let (cpu, mem) = c.entry.map_or((0, 1 << 20), |e| e.usage);
    Usage::new(cpu, mem)
}

/// Pulls, starts, runs and restarts one container up to now.
fn drive(ctx: &mut Ctx<'_, '_>, cx: &mut SyncCx<'_>, c: &mut Ctr, policy: &str, _host_ip: Ipv4Addr) {
    let now = ctx.api.now;
    for _ in 0..64 {
        match c.state.clone() {
            CState::Running { started, id } => {
                let Some(exit) = advance(ctx, cx, c, started, now) else { return };
                let (at, code, reason, message) = exit;
                ctx.api.metrics.remove_pod(cx.pod.metadata.uid.as_deref().unwrap_or(""));
                c.ready = false;
                let t = Terminated { exit_code: code, reason, started, finished: at, id, message };
                c.state = CState::Terminated(t);
                c.proc = None;
                let restart = match policy {
                    "Always" => true,
                    "OnFailure" => code != 0,
                    _ => false,
                };
                if restart {
                    let in_backoff = c.backoff.is_some_and(|(_, upd)| at.since(upd) <= BACKOFF_RESET);
                    let wait = match c.backoff {
                        Some((d, _)) if in_backoff => d,
                        _ => {
                            c.backoff = Some((BACKOFF_INITIAL, at));
                            IMMEDIATE_RESTART
                        }
                    };
                    c.restart_at = Some(at + wait);
                    if wait > IMMEDIATE_RESTART {
                        c.crashloop_report = Some(at + BACKOFF_REPORT);
                    }
                }
            }
            CState::Terminated(t) => {
                if let Some(report) = c.crashloop_report {
                    if now < report {
                        cx.wake(report);
                        return;
                    }
                    c.crashloop_report = None;
                    let (d, _) = c.backoff.unwrap_or((BACKOFF_INITIAL, now));
                    let pod_id = cx.pod_id();
                    cx.event(ctx, EventType::Warning, "BackOff", &format!("Back-off restarting failed container {} in pod {pod_id}", c.name));
                    c.last = Some(t);
                    c.state = CState::Waiting {
                        reason: "CrashLoopBackOff",
                        message: Some(format!("back-off {} restarting failed container={} pod={pod_id}", go_duration(d.as_micros()), c.name)),
                    };
                    continue;
                }
                let Some(at) = c.restart_at else { return };
                if now < at {
                    cx.wake(at);
                    return;
                }
                c.last = Some(t);
                restart_now(c, now);
            }
            CState::Waiting { reason: "CrashLoopBackOff", .. } => {
                let Some(at) = c.restart_at else { return };
                if now < at {
                    cx.wake(at);
                    return;
                }
                restart_now(c, now);
            }
            CState::Waiting { reason: "CreateContainerConfigError", .. } if c.restart_at.is_some_and(|t| now < t) => {
                cx.wake_periodic(c.restart_at.unwrap_or(now));
                return;
            }
            CState::Waiting { .. } => {
                if !pull(ctx, cx, c) {
                    return;
                }
                if !super::start::configure(ctx, cx, c, _host_ip) {
                    return;
                }
                // Created and started.
                let id = hex64(ctx);
                let uid = cx.pod.metadata.uid.clone().unwrap_or_default();
                cx.event(ctx, EventType::Normal, "Created", &format!("Created container: {}", c.name));
                cx.event(ctx, EventType::Normal, "Started", &format!("Started container {}", c.name));
                ctx.api.logs.start(&uid, &c.name);
                c.started_once = true;
                c.ready = true;
                c.restart_at = None;
                c.state = CState::Running { started: now, id };
                c.proc = Some(Proc { pc: 0, at: now, status: 0, exit_at: None, sigterm: None, sigkill: None, files: BTreeSet::new() });
                start_process(ctx, c, &uid, now);
                ctx.api.metrics.set_container(&uid, &c.name, usage_of(c));
            }
        }
    }
}

impl Ctr {
    pub fn restartable_flag(&self) -> bool {
        self.restartable
    }

    /// The image as the runtime names it (`docker.io/library/nginx:1.27`).
    pub fn image_full(&self) -> String {
        self.iref.full()
    }

    pub fn image_id(&self) -> String {
        self.iref.image_id()
    }

    /// Stops the running process as the kubelet's `killContainer` does: the preStop hook, then
    /// SIGTERM, then SIGKILL at `deadline`. Returns when SIGTERM is sent.
    pub(super) fn stop(&mut self, now: SimTime, deadline: SimTime) -> SimTime {
        let prestop = SimDuration::from_millis(self.prestop_ms);
        let sigterm = (now + prestop).min(deadline.max(now));
        if let Some(p) = &mut self.proc {
            p.sigterm = Some(sigterm);
            p.sigkill = Some(deadline.max(now));
        }
        sigterm
    }
}

fn restart_now(c: &mut Ctr, now: SimTime) {
    c.restart_count += 1;
    c.restart_at = None;
    if let Some((d, upd)) = c.backoff {
        if now.since(upd) > BACKOFF_RESET {
            c.backoff = Some((BACKOFF_INITIAL, now));
        } else if c.restart_count > 1 {
            c.backoff = Some((SimDuration(d.0 * 2).min(BACKOFF_MAX), now));
        }
    }
    c.pull = Pull::NotStarted;
    c.state = CState::Waiting { reason: "ContainerCreating", message: None };
}

/// Writes the start-up log and decides when the process exits on its own.
fn start_process(ctx: &mut Ctx<'_, '_>, c: &mut Ctr, uid: &str, now: SimTime) {
    let version = c.iref.tag.clone();
    match &c.program {
        Program::Server(s) => {
            for line in s.start_logs {
                let text = line
                    .replace("{time}", &nginx_time(now))
                    .replace("{redistime}", &redis_time(now))
                    .replace("{version}", if version == "latest" { "1.27.3" } else { &version });
                ctx.api.logs.append(uid, &c.name, now, &text);
            }
        }
        Program::Fail { error } => {
            for line in error.replace("{time}", &crate::time::rfc3339(now)).lines() {
                ctx.api.logs.append(uid, &c.name, now, line);
            }
            if let Some(p) = &mut c.proc {
                p.exit_at = Some((now + SimDuration::from_millis(50), 1));
            }
        }
        Program::Crash { after_ms, code } => {
            ctx.api.logs.append(uid, &c.name, now, "starting");
            if let Some(p) = &mut c.proc {
                p.exit_at = Some((now + SimDuration::from_millis(*after_ms), *code));
            }
        }
        Program::Pause | Program::Script(_) => {}
    }
}

/// Runs the container's process up to now: script steps write their output; returns the exit
/// (time, code, reason, message) if it ended.
fn advance(ctx: &mut Ctx<'_, '_>, cx: &mut SyncCx<'_>, c: &mut Ctr, _started: SimTime, now: SimTime) -> Option<(SimTime, i32, &'static str, Option<String>)> {
    let uid = cx.pod.metadata.uid.clone().unwrap_or_default();
    let p = c.proc.as_mut()?;
    let kill_at = p.sigkill;
    let reason = |code: i32| if code == 0 { "Completed" } else { "Error" };
    // Signals.
    let sigterm_exit = p.sigterm.and_then(|t| c.program.sigterm_exit_ms().map(|ms| t + SimDuration::from_millis(ms)));
    let mut stop: Option<(SimTime, i32)> = None;
    if let Some(t) = sigterm_exit {
        stop = Some((t, c.program.sigterm_exit_code()));
    }
    if p.sigterm.is_some() {
        if let Some(k) = kill_at {
            if stop.is_none_or(|(t, _)| k < t) {
                stop = Some((k, 137));
            }
        }
    }
    if let Some((t, code)) = p.exit_at {
        if stop.is_none_or(|(s, _)| t < s) {
            stop = Some((t, code));
        }
    }
    let limit = match stop {
        Some((t, _)) => t.min(now),
        None => now,
    };
    if let Program::Script(script) = &c.program {
        let total = script.prefix.len() + script.body.len();
        let body_ms: u64 = script.body.iter().map(|s| if let Step::Sleep { ms } = s { *ms } else { 0 }).fold(0, u64::saturating_add);
        let mut guard = 0;
        while p.at <= limit && guard < 10_000 {
            guard += 1;
            if p.pc >= total {
                if script.body.is_empty() || body_ms == 0 {
                    if script.body.is_empty() {
                        let code = p.status;
                        let at = p.at;
                        return Some((at, code, reason(code), None));
                    }
                    // A loop without sleeps spins forever.
                    p.at = SimTime(u64::MAX);
                    break;
                }
                p.pc = script.prefix.len();
            }
            let step = if p.pc < script.prefix.len() { &script.prefix[p.pc] } else { &script.body[p.pc - script.prefix.len()] };
            match step {
                Step::Echo(text) => {
                    for line in text.split('\n') {
                        ctx.api.logs.append(&uid, &c.name, p.at, line);
                    }
                    p.status = 0;
                }
                Step::Date => {
                    ctx.api.logs.append(&uid, &c.name, p.at, &busybox_date(p.at));
                    p.status = 0;
                }
                Step::Sleep { ms } => {
                    p.at = SimTime(p.at.0.saturating_add(ms.saturating_mul(1000)));
                    p.status = 0;
                }
                Step::Exit(code) => {
                    let at = p.at;
                    return Some((at, *code, reason(*code), None));
                }
                Step::Status(code) => p.status = *code,
                Step::Touch(path) => {
                    p.files.insert(path.clone());
                    p.status = 0;
                }
                Step::Remove(path) => {
                    p.files.remove(path);
                    p.status = 0;
                }
            }
            p.pc += 1;
        }
        if let Some((t, code)) = stop {
            if t <= now {
                return Some((t, code, reason(code), None));
            }
            cx.wake(t);
        }
        if p.at != SimTime(u64::MAX) && p.at > now {
            // Wake for the next output only for loops that print (a long sleep needs no sync).
            let prints = script.prefix.iter().chain(script.body.iter()).any(|s| matches!(s, Step::Echo(_) | Step::Date | Step::Exit(_)))
                || p.pc >= script.prefix.len();
            if prints || stop.is_none() {
                cx.wake(p.at);
            }
        }
        return None;
    }
    match stop {
        Some((t, code)) if t <= now => Some((t, code, reason(code), None)),
        Some((t, _)) => {
            cx.wake(t);
            None
        }
        None => None,
    }
}

/// Image pull per the container's policy. Returns true when the image is present.
fn pull(ctx: &mut Ctx<'_, '_>, cx: &mut SyncCx<'_>, c: &mut Ctr) -> bool {
    let now = ctx.api.now;
    let full = c.iref.full();
    loop {
        match c.pull.clone() {
            Pull::Present => return true,
            Pull::NotStarted => {
                let node: &mut NodeRuntime = ctx.state.kubelet.nodes.entry(cx.node.clone()).or_default();
                let present = node.images.get(&full).is_some_and(|&t| t <= now);
                if c.pull_policy == "Never" {
                    if present {
                        c.pull = Pull::Present;
                        continue;
                    }
                    let msg = format!("Container image \"{}\" is not present with pull policy of Never", c.image);
                    cx.event(ctx, EventType::Warning, "ErrImageNeverPull", &msg);
                    c.state = CState::Waiting { reason: "ErrImageNeverPull", message: Some(msg) };
                    return false;
                }
                if present && c.pull_policy != "Always" {
                    cx.event(ctx, EventType::Normal, "Pulled", &format!("Container image \"{}\" already present on machine", c.image));
                    c.pull = Pull::Present;
                    continue;
                }
                let in_store = node.images.contains_key(&full);
                let base = match c.entry {
                    Some(e) if !in_store => e.pull_ms + ctx.api.rng.below(e.pull_ms / 4 + 1),
                    Some(_) => PRESENT_PULL_MS + ctx.api.rng.below(200),
                    None => 300 + ctx.api.rng.below(400),
                };
                let node = ctx.state.kubelet.nodes.entry(cx.node.clone()).or_default();
                let started = node.pull_busy_until.max(now);
                let done = started + SimDuration::from_millis(base);
                node.pull_busy_until = done;
                cx.event(ctx, EventType::Normal, "Pulling", &format!("Pulling image \"{}\"", c.image));
                c.pull = Pull::Pulling { requested: now, started, done };
            }
            Pull::Pulling { requested, started, done } => {
                if now < done {
                    cx.wake(done);
                    if !matches!(c.state, CState::Waiting { reason: "ContainerCreating" | "PodInitializing", .. }) {
                        c.state = CState::Waiting { reason: "ContainerCreating", message: None };
                    }
                    return false;
                }
                match c.entry {
                    Some(e) => {
                        let node = ctx.state.kubelet.nodes.entry(cx.node.clone()).or_default();
                        let at = node.images.get(&full).copied().unwrap_or(done).min(done);
                        node.images.insert(full.clone(), at);
                        let pulled = go_duration(truncate_ms(done.since(started)));
                        let total = go_duration(truncate_ms(done.since(requested)));
                        cx.event(
                            ctx,
                            EventType::Normal,
                            "Pulled",
                            &format!("Successfully pulled image \"{}\" in {pulled} ({total} including waiting). Image size: {} bytes.", c.image, e.size_bytes),
                        );
                        c.pull_backoff = None;
                        c.pull = Pull::Present;
                    }
                    None => {
                        let msg = not_found_message(&c.image, &c.iref);
                        cx.event(ctx, EventType::Warning, "Failed", &msg);
                        cx.event(ctx, EventType::Warning, "Failed", "Error: ErrImagePull");
                        let d = match c.pull_backoff {
                            Some((d, upd)) if now.since(upd) <= BACKOFF_RESET => SimDuration(d.0 * 2).min(BACKOFF_MAX),
                            _ => BACKOFF_INITIAL,
                        };
                        c.pull_backoff = Some((d, now));
                        let detail = msg.trim_start_matches(&format!("Failed to pull image \"{}\": ", c.image)).to_string();
                        c.state = CState::Waiting { reason: "ErrImagePull", message: Some(detail) };
                        c.pull = Pull::Failed { report: now + BACKOFF_REPORT, retry: now + d, reported: false };
                        cx.wake(now + BACKOFF_REPORT);
                        return false;
                    }
                }
            }
            Pull::Failed { report, retry, reported } => {
                if now >= retry {
                    c.pull = Pull::NotStarted;
                    continue;
                }
                if !reported && now >= report {
                    cx.event(ctx, EventType::Normal, "BackOff", &format!("Back-off pulling image \"{}\"", c.image));
                    cx.event(ctx, EventType::Warning, "Failed", "Error: ImagePullBackOff");
                    c.state = CState::Waiting { reason: "ImagePullBackOff", message: Some(format!("Back-off pulling image \"{}\"", c.image)) };
                    c.pull = Pull::Failed { report, retry, reported: true };
                }
                cx.wake(if reported || now >= report { retry } else { report });
                return false;
            }
        }
    }
}

fn truncate_ms(d: SimDuration) -> u64 {
    d.as_micros() / 1000 * 1000
}

/// Graceful termination: Killing, preStop, SIGTERM, SIGKILL at the deadline. Returns true
/// when every container has stopped.
fn terminate(ctx: &mut Ctx<'_, '_>, cx: &mut SyncCx<'_>, rt: &mut PodRuntime) -> bool {
    let now = ctx.api.now;
    let grace = cx.pod.metadata.deletion_grace_period_seconds.unwrap_or(0).max(0) as u64;
    let deadline = rt.killing.as_ref().map_or(now + SimDuration::from_secs(grace), |k| k.deadline);
    if rt.killing.is_none() {
        rt.killing = Some(Killing { deadline });
        for c in rt.init.iter_mut().chain(rt.app.iter_mut()) {
            c.ready = false;
            c.restart_at = None;
            c.crashloop_report = None;
            if let CState::Running { .. } = c.state {
                cx.event(ctx, EventType::Normal, "Killing", &format!("Stopping container {}", c.name));
                if let Some(p) = &mut c.proc {
                    let prestop = SimDuration::from_millis(c.prestop_ms);
                    p.sigterm = Some((now + prestop).min(deadline.max(now)));
                    p.sigkill = Some(deadline.max(now));
                }
            }
        }
    }
    let mut all_stopped = true;
    for c in rt.init.iter_mut().chain(rt.app.iter_mut()) {
        if let CState::Running { started, id } = c.state.clone() {
            match advance(ctx, cx, c, started, now) {
                Some((at, code, _, _)) => {
                    let reason = if code == 0 { "Completed" } else { "Error" };
                    c.state = CState::Terminated(Terminated { exit_code: code, reason, started, finished: at, id, message: None });
                    c.proc = None;
                }
                None => {
                    all_stopped = false;
                    cx.wake(deadline.max(now + SimDuration::from_millis(1)));
                }
            }
        }
    }
    all_stopped
}

/// `2024/01/01 00:00:05`: nginx's error-log time.
fn nginx_time(t: SimTime) -> String {
    let s = crate::time::rfc3339(t);
    // 2024-01-01T00:00:05Z
    format!("{} {}", s.get(0..10).unwrap_or("").replace('-', "/"), s.get(11..19).unwrap_or(""))
}

/// `01 Jan 2024 00:00:05.000`: redis's log time.
fn redis_time(t: SimTime) -> String {
    let s = crate::time::rfc3339(t);
    let month = s.get(5..7).and_then(|m| m.parse::<usize>().ok()).unwrap_or(1);
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    format!("{} {} {} {}.{:03}", s.get(8..10).unwrap_or(""), MONTHS[(month + 11) % 12], s.get(0..4).unwrap_or(""), s.get(11..19).unwrap_or(""), t.0 / 1000 % 1000)
}

/// `Mon Jan  1 00:00:05 UTC 2024`: busybox `date`.
fn busybox_date(t: SimTime) -> String {
    let secs = crate::time::unix_secs(t);
    let days = secs.div_euclid(86_400);
    let (y, m, d) = crate::time::civil_from_days(days);
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let tod = secs.rem_euclid(86_400);
    format!(
        "{} {} {:>2} {:02}:{:02}:{:02} UTC {y}",
        DAYS[days.rem_euclid(7) as usize],
        MONTHS[(m as usize + 11) % 12],
        d,
        tod / 3600,
        tod / 60 % 60,
        tod % 60
    )
}
