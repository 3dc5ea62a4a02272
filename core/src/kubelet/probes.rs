//! Liveness, readiness and startup probes: the kubelet's prober manager and its per-probe
//! workers (`pkg/kubelet/prober/worker.go`, `prober_manager.go`), on the virtual clock.
//!
//! Rules, as the real workers apply them: a worker probes its container every `periodSeconds`
//! once `initialDelaySeconds` have passed since the container started. A result counts only
//! after `successThreshold` (or `failureThreshold`) equal results in a row. Results start as
//! the real ones do: readiness Failure, liveness Success, startup Unknown, and start over for a
//! new container. The startup probe holds the two others back until it succeeds (`started`);
//! readiness then probes at once (the manager's manual trigger). A liveness or startup failure
//! past its threshold puts the worker on hold and kills the container (Normal `Killing`
//! "Container X failed liveness probe, will be restarted"): preStop, SIGTERM, SIGKILL after the
//! probe's or else the pod's terminationGracePeriodSeconds; it restarts per restartPolicy with
//! the usual back-off. Every failed check is a Warning `Unhealthy` event ("Liveness probe
//! failed: …"); a check that could not run says "… probe errored: …" and does not count.
//! A container is ready when it runs, has started and has no readiness probe or one that
//! succeeds; nothing is probed while the pod terminates.
//!
//! Simplifications: probes tick from the container's start (a real worker ticks from when it
//! was created, after a random offset); checks take no time; while a container that failed a
//! probe is being stopped its other probes pause and its readiness stays as it was (the real
//! pod worker is busy in `killContainer` and reports nothing until the container is gone);
//! sidecars are probed, but their startup probe does not hold back the init containers after
//! them. A probe whose result is still settling (a first readiness or startup check, a run of
//! results short of its threshold) is a timer `settle` waits for; a steady probe is periodic
//! work, like the real endless loop. A container without probes carries `None`, and a pod
//! without any costs one scan.

use k8s_openapi::api::core::v1::Container;

use crate::controllers::Ctx;
use crate::sim::events::EventType;
use crate::time::{SimDuration, SimTime};

use super::pod::{CState, Ctr, PodRuntime, SyncCx};
use super::probe_handlers::{self, Listener, Outcome, Port};
use super::probe_worker::{Handler, Kind, Res, Worker};
use super::program::Program;

/// The probe workers of one container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probes {
    /// Startup, liveness, readiness: the ones the container has, in that order.
    workers: Vec<Worker>,
    /// The container instance the results belong to.
    container: Option<String>,
    /// The container's named ports.
    ports: Vec<(String, i32)>,
    /// A kill for a failed probe is under way.
    killing: bool,
}

impl Probes {
    /// The workers for `c`, if it has probes.
    pub fn of(c: &Container) -> Option<Box<Probes>> {
        let workers: Vec<Worker> = [(Kind::Startup, &c.startup_probe), (Kind::Liveness, &c.liveness_probe), (Kind::Readiness, &c.readiness_probe)]
            .into_iter()
            .filter_map(|(k, p)| p.as_ref().map(|p| Worker::new(k, p)))
            .collect();
        if workers.is_empty() {
            return None;
        }
        let ports = c.ports.iter().flatten().filter_map(|p| Some((p.name.clone()?, p.container_port))).collect();
        Some(Box::new(Probes { workers, container: None, ports, killing: false }))
    }

    /// The startup probe succeeded, or there is none.
    fn started(&self) -> bool {
        self.workers.iter().all(|w| w.kind != Kind::Startup || w.result == Res::Success)
    }

    fn ready(&self) -> bool {
        self.started() && self.workers.iter().all(|w| w.kind != Kind::Readiness || w.result == Res::Success)
    }
}

impl Ctr {
    /// The container status's `started`: running, and past its startup probe.
    pub fn is_started(&self) -> bool {
        matches!(self.state, CState::Running { .. }) && self.probes.as_ref().is_none_or(|p| p.started())
    }
}

/// What a pod offers its probes.
struct PodNet<'a> {
    ip: std::net::Ipv4Addr,
    listeners: &'a [Listener],
    restart: bool,
    grace: i64,
}

/// Runs the probes that are due for every container of the pod, kills containers that failed
/// them, sets readiness, and asks to be woken for the next probe.
pub(super) fn sync(ctx: &mut Ctx<'_, '_>, cx: &mut SyncCx<'_>, rt: &mut PodRuntime) {
    if rt.init.iter().chain(rt.app.iter()).all(|c| c.probes.is_none()) {
        return;
    }
    let Some(ip) = rt.sandbox.as_ref().map(|s| s.ip) else { return };
    let now = ctx.api.now;
    let listeners = listeners(rt, now);
    let grace = cx.pod.spec.as_ref().and_then(|s| s.termination_grace_period_seconds).unwrap_or(30);
    let net = PodNet { ip, listeners: &listeners, restart: rt.restart_policy != "Never", grace };
    for c in rt.init.iter_mut().filter(|c| c.restartable_flag()).chain(rt.app.iter_mut()) {
        if let Some(mut probes) = c.probes.take() {
            probe_container(ctx, cx, c, &mut probes, &net);
            c.probes = Some(probes);
        }
    }
}

/// The ports the pod's running servers listen on (what probes and lifecycle hooks reach).
pub(super) fn listeners(rt: &PodRuntime, now: SimTime) -> Vec<Listener> {
    let mut out = Vec::new();
    for c in rt.init.iter().chain(rt.app.iter()) {
        if let (CState::Running { started, .. }, Program::Server(s)) = (&c.state, &c.program) {
            for (i, &port) in s.ports.iter().enumerate() {
                out.push(Listener { port, http: s.http.filter(|h| h.on_port(i, port)), answers: s.answers, up_for: now.since(*started) });
            }
        }
    }
    out
}

fn probe_container(ctx: &mut Ctx<'_, '_>, cx: &mut SyncCx<'_>, c: &mut Ctr, probes: &mut Probes, net: &PodNet<'_>) {
    let now = ctx.api.now;
    let CState::Running { started, id } = &c.state else { return };
    let started_at = *started;
    if probes.container.as_ref() != Some(id) {
        probes.container = Some(id.clone());
        probes.killing = false;
        probes.workers.iter_mut().for_each(|w| w.reset(started_at));
    }
    let mut kill = None;
    for i in 0..probes.workers.len() {
        let was_started = probes.started();
        let w = &probes.workers[i];
        if probes.killing || kill.is_some() || w.on_hold || w.next > now {
            continue;
        }
        let gated = if w.kind == Kind::Startup { was_started } else { !was_started };
        let w = &mut probes.workers[i];
        w.next = w.tick_after(now);
        if gated {
            continue;
        }
        let (kind, handler, timeout) = (w.kind, w.handler.clone(), w.timeout);
        let res = match check(ctx, c, &handler, timeout, &probes.ports, net) {
            Outcome::Success => Res::Success,
            Outcome::Failure(out) => {
                cx.event(ctx, EventType::Warning, "Unhealthy", &format!("{} probe failed: {out}", kind.name()));
                Res::Failure
            }
            Outcome::Error(err) => {
                cx.event(ctx, EventType::Warning, "Unhealthy", &format!("{} probe errored: {err}", kind.name()));
                continue;
            }
        };
        let w = &mut probes.workers[i];
        if !w.record(res) {
            continue;
        }
        if w.on_hold {
            kill = Some((kind, w.grace));
        }
        if kind == Kind::Startup && res == Res::Success {
            // Readiness runs at once when the container has started; liveness keeps its ticks.
            for o in probes.workers.iter_mut().filter(|o| o.kind != Kind::Startup) {
                o.next = if o.kind == Kind::Readiness { now.max(o.anchor) } else { o.tick_after(now) };
            }
        }
    }
    if let Some((kind, probe_grace)) = kill {
        let what = if kind == Kind::Liveness { "liveness" } else { "startup" };
        let restarted = if net.restart { ", will be restarted" } else { "" };
        cx.event(ctx, EventType::Normal, "Killing", &format!("Container {} failed {what} probe{restarted}", c.name));
        let deadline = now + SimDuration::from_secs(probe_grace.unwrap_or(net.grace).max(0) as u64);
        let sigterm = c.stop(now, deadline);
        cx.wake(c.program.sigterm_exit_ms().map_or(deadline, |ms| (sigterm + SimDuration::from_millis(ms)).min(deadline)));
        probes.killing = true;
    }
    c.ready = probes.ready();
    if probes.killing {
        return;
    }
    let started = probes.started();
    for w in probes.workers.iter().filter(|w| !w.on_hold) {
        let gated = if w.kind == Kind::Startup { started } else { !started };
        if gated {
            continue;
        }
        if w.settling() {
            cx.wake(w.next);
        } else {
            cx.wake_periodic(w.next);
        }
    }
}

/// One check of `handler` against container `c` of the pod.
fn check(ctx: &mut Ctx<'_, '_>, c: &mut Ctr, handler: &Handler, timeout: SimDuration, ports: &[(String, i32)], net: &PodNet<'_>) -> Outcome {
    match handler {
        Handler::Exec(argv) => {
            let Some(ran) = c.run_command(argv) else { return Outcome::Success };
            match ran {
                Ok(exit) if exit.slept_ms >= timeout.as_micros() / 1000 => Outcome::Failure(format!("command {:?} timed out", argv.join(" "))),
                Ok(exit) if exit.code == 0 => Outcome::Success,
                Ok(exit) => Outcome::Failure(exit.output.trim_end_matches('\n').to_string()),
                Err(program) => {
                    let exec_id: String = (0..4).map(|_| format!("{:016x}", ctx.api.rng.next_u64())).collect();
                    Outcome::Error(format!(
                        "rpc error: code = Unknown desc = failed to exec in container: failed to start exec \"{exec_id}\": OCI runtime exec failed: exec failed: unable to start container process: exec: \"{program}\": executable file not found in $PATH: unknown"
                    ))
                }
            }
        }
        Handler::Http { scheme, host, port, path } => match probe_handlers::resolve_port(port, ports) {
            Ok(p) => probe_handlers::http_get(scheme, host, net.ip, p, path, net.listeners),
            Err(e) => Outcome::Error(e),
        },
        Handler::Tcp(port) => match probe_handlers::resolve_port(port, ports) {
            Ok(p) => probe_handlers::tcp_socket(net.ip, p, net.listeners),
            Err(e) => Outcome::Error(e),
        },
        Handler::Grpc(port) => match probe_handlers::resolve_port(&Port::Num(*port), ports) {
            Ok(p) => probe_handlers::grpc(net.ip, p, timeout, net.listeners),
            Err(e) => Outcome::Error(e),
        },
        Handler::None => Outcome::Success,
    }
}
