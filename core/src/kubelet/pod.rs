//! One pod's lifecycle: the kubelet's `SyncPod` on the virtual clock — the pod worker's
//! reconcile (runtime view, status, next wake-up), the sandbox (CNI ADD / DEL), init and app
//! containers in order, and graceful termination. The runtime view is in `pod/runtime.rs`, one
//! container's start, run, exit and restart in `pod/container.rs`, image pulls in `pod/pull.rs`,
//! the start-up lines servers print in `pod/start_logs.rs`, the postStart and preStop hooks and
//! the timing of a kill in `pod/hooks.rs`.

mod container;
mod hooks;
mod pull;
mod runtime;
mod start_logs;

use std::net::Ipv4Addr;
use std::sync::{Arc, LazyLock};

use k8s_openapi::api::core::v1::Pod;

use crate::api::{Kind, Object};
use crate::controllers::{Ctx, Requeue};
use crate::net::CniArgs;
use crate::sim::events::{self, EventType};
use crate::sim::Propagation;
use crate::store::{Component, ObjectRef};
use crate::time::{SimDuration, SimTime};

use super::status;
use container::{advance, drive};
use runtime::{new_ctr, Killing, Sandbox};
pub use runtime::{CState, Ctr, PodRuntime, Pull, Terminated};
pub use start_logs::StartLines;
#[cfg(test)]
pub(super) use hooks::kill_times;

/// From seeing the binding to the sandbox being ready (pause container + CNI ADD).
const SANDBOX_DELAY: SimDuration = SimDuration::from_millis(500);

fn hex64(ctx: &mut Ctx<'_, '_>) -> String {
    let mut s = String::with_capacity(64);
    for _ in 0..4 {
        s.push_str(&format!("{:016x}", ctx.api.rng.next_u64()));
    }
    s
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
    ctx.by = writer(ctx, &node);
    let uid = pod.metadata.uid.as_deref().unwrap_or("");
    if ctx.state.kubelet.pods.get(key).is_some_and(|r| r.uid != uid) {
        teardown(ctx, key);
    }
    let mut cx = SyncCx { pod, key, pod_obj, node: node.clone(), kubelet: KUBELET.clone(), next: None, periodic: None, start: Default::default() };
    let now = ctx.api.now;
    // The runtime view is taken out while the sync changes it (copied only if a snapshot of
    // the simulation shares it) and put back at the end. Of a pod being deleted, the view as
    // it was is what stays when its termination completes.
    let deleting = pod.metadata.deletion_timestamp.is_some();
    let mut before = None;
    let mut rt = match ctx.state.kubelet.pods.remove(key) {
        Some(rt) if deleting => {
            let copy = rt.as_ref().clone();
            before = Some(rt);
            copy
        }
        Some(rt) => Arc::unwrap_or_clone(rt),
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
                uid: uid.to_string(),
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

    if deleting {
        if terminate(ctx, &mut cx, &mut rt) {
            finish(ctx, key, &rt);
            if let Some(before) = before {
                ctx.state.kubelet.pods.insert(key.clone(), before);
            }
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

/// The source of the kubelets' events.
static KUBELET: LazyLock<Component> = LazyLock::new(|| Component::new("kubelet"));

/// Who the kubelet of `node` writes as (`kubelet/NODE`), made once per node.
fn writer(ctx: &mut Ctx<'_, '_>, node: &str) -> Component {
    if let Some(by) = ctx.state.kubelet.nodes.get(node).and_then(|n| n.writer.clone()) {
        return by;
    }
    let by = Component::new(format!("kubelet/{node}"));
    ctx.state.kubelet.nodes.entry(node.to_string()).or_default().writer = Some(by.clone());
    by
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
        let _ = net.configure_node(node, cidr, placement, ctx.api.rng);
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
            match ctx.api.net.add(&rt.node, &args, ctx.api.rng) {
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
    // A container a failed probe is killing runs its preStop hook.
    hooks::report(ctx, cx, rt);
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

/// Graceful termination: Killing, preStop, SIGTERM, SIGKILL (`killContainer` for each running
/// container at once, with the pod's deletion grace period). Returns true when every
/// container has stopped.
fn terminate(ctx: &mut Ctx<'_, '_>, cx: &mut SyncCx<'_>, rt: &mut PodRuntime) -> bool {
    let now = ctx.api.now;
    let first = rt.killing.is_none();
    if first {
        let grace = cx.pod.metadata.deletion_grace_period_seconds.unwrap_or(0).max(0);
        for c in rt.init.iter_mut().chain(rt.app.iter_mut()) {
            c.ready = false;
            c.restart_at = None;
            c.crashloop_report = None;
            if let CState::Running { .. } = c.state {
                cx.event(ctx, EventType::Normal, "Killing", &format!("Stopping container {}", c.name));
                c.kill(now, grace);
            }
        }
    }
    hooks::report(ctx, cx, rt);
    if first {
        let deadline = rt.init.iter().chain(rt.app.iter()).filter_map(|c| c.proc.as_ref()?.sigkill).fold(now, SimTime::max);
        rt.killing = Some(Killing { deadline });
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
                    let kill = c.proc.as_ref().and_then(|p| p.sigkill).unwrap_or(now);
                    cx.wake(kill.max(now + SimDuration::from_millis(1)));
                }
            }
        }
    }
    all_stopped
}
