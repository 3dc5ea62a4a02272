//! Lifecycle handlers: preStop as the kubelet's `killContainer` runs it, postStart as its
//! `startContainer` does (`pkg/kubelet/kuberuntime/kuberuntime_container.go`,
//! `pkg/kubelet/lifecycle/handlers.go`).
//!
//! Rules, as the real kubelet applies them: with a grace period above zero the hook runs
//! first and SIGTERM waits for it, but never past the grace period (`executePreStopHook`
//! selects on the hook and on `time.After(gracePeriod)`). The seconds the hook took (truncated,
//! as Go's `int64(d.Seconds())`) come off the grace period, and the runtime's `StopContainer`
//! gets what is left, but at least `minimumGracePeriodInSeconds` (2 s): SIGKILL follows SIGTERM
//! after that. So a hook that outlives the grace period sees SIGTERM at the grace period and
//! SIGKILL two seconds later. A hook that fails records a Warning `FailedPreStopHook` event with
//! the fixed text `PreStopHook failed` (the handler's message stays out of the event so that
//! secrets do not leak) and the container is stopped all the same.
//!
//! Handlers: `exec` runs the command in the container (`probe_exec`: its duration is the time
//! its `sleep`s take, it fails on a non-zero status or a missing executable); `httpGet` sends
//! a GET to the pod's address (or `host`) on the resolved port: it fails only when the
//! request does (connection refused, a server that does not speak HTTP), never on the status
//! code; an `https` hook answered by a plain-HTTP server is retried over HTTP and recorded as
//! a Warning `LifecycleHTTPFallback`; a server that accepts and never answers holds the hook
//! until the grace period ends; `sleep` waits its seconds and does not fail.
//!
//! postStart runs right after `Started`, with the same handlers; the hook's start is the
//! container's start. `startContainer` waits for it, so the pod worker neither starts the next
//! container nor writes a status until it returns: the container shows as it did before its
//! start (`ContainerCreating`), not ready. A hook that fails records a Warning
//! `FailedPostStartHook` with the fixed text `PostStartHook failed`, then `killContainer` runs
//! with the message `FailedPostStartHook` (the `Killing` event's text) and the pod's grace
//! period, preStop first; `startContainer` returns `ErrPostStartHook` with the handler's
//! message, which the next status shows as the container's waiting reason
//! `PostStartHookError` until the restart. Handler messages (`handlers.go`): `Exec lifecycle
//! hook ([sh -c false]) for Container "app" in Pod "web_default(uid)" failed - error: command
//! 'sh -c false' exited with 1: , message: ""`, `HTTP lifecycle hook (/path) for Container …
//! failed - error: Get "http://…": dial tcp …: connect: connection refused`.
//!
//! Simplifications: a hook that has not returned when its container is killed records
//! nothing (a real exec or GET would then fail with the runtime's error); an httpGet postStart
//! hook reaches only its own container's servers, not those of the pod's other containers; an
//! exec hook's output counts as the error's stderr; the handler's message is worked out again
//! when the kill has ended (an exec hook rerun on a copy of the container's files); the
//! container's process advances once its postStart hook has returned; a pod deleted while a
//! postStart hook runs, or while the kill after a failed one is under way, does not wait for
//! that container.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use k8s_openapi::api::core::v1::{Container, LifecycleHandler, Pod};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use crate::controllers::Ctx;
use crate::sim::events::EventType;
use crate::time::{SimDuration, SimTime};

use super::super::probe_exec::{self, Fs};
use super::super::probe_handlers::{self, Listener, Outcome, Port};
use super::super::program::Program;
use super::runtime::{CState, Ctr, PodRuntime, Terminated};
use super::SyncCx;

/// `minimumGracePeriodInSeconds`: the least time between SIGTERM and SIGKILL.
pub const MINIMUM_GRACE_PERIOD_SECS: i64 = 2;

/// A lifecycle handler of a container's spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hook {
    Exec(Vec<String>),
    Http { scheme: String, host: String, port: Port, path: String },
    Sleep(i64),
}

impl Hook {
    pub fn of(h: &LifecycleHandler) -> Option<Hook> {
        if let Some(e) = &h.exec {
            return Some(Hook::Exec(e.command.clone().unwrap_or_default()));
        }
        if let Some(g) = &h.http_get {
            let port = match &g.port {
                IntOrString::Int(n) => Port::Num(*n),
                IntOrString::String(s) => Port::Name(s.clone()),
            };
            return Some(Hook::Http {
                scheme: g.scheme.clone().unwrap_or_else(|| "HTTP".into()),
                host: g.host.clone().unwrap_or_default(),
                port,
                path: g.path.clone().unwrap_or_default(),
            });
        }
        h.sleep.as_ref().map(|s| Hook::Sleep(s.seconds))
    }
}

/// A preStop hook under way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Running {
    pub started: SimTime,
    /// When the handler returns with an error (`None`: it succeeds, or never returns).
    pub fails_at: Option<SimTime>,
    /// The grace period it was given, in seconds.
    pub grace_secs: i64,
    /// An httpGet hook is sent at the sync that started it (it needs the pod's listeners).
    pub sent: bool,
}

/// When SIGTERM and SIGKILL come after the kill starts, for a hook that takes `hook` (`None`:
/// no preStop hook; `Some(None)`: one that does not return) and a grace period of `grace_secs`.
pub fn kill_times(hook: Option<Option<SimDuration>>, grace_secs: i64) -> (SimDuration, SimDuration) {
    let mut grace = grace_secs;
    let mut waited = SimDuration::ZERO;
    if let Some(took) = hook.filter(|_| grace > 0) {
        let limit = SimDuration::from_secs(grace as u64);
        waited = took.map_or(limit, |t| t.min(limit));
        grace -= (waited.as_micros() / 1_000_000) as i64;
    }
    let grace = grace.max(MINIMUM_GRACE_PERIOD_SECS) as u64;
    (waited, SimDuration(waited.0 + SimDuration::from_secs(grace).0))
}

/// The files an exec hook sees besides what the process wrote.
/// Runs an exec hook's command in `c`: (how long it took, did it fail).
pub(super) fn exec(c: &mut Ctr, argv: &[String]) -> (SimDuration, bool) {
    let userland = c.userland();
    let image = c.image_files();
    let Some(p) = c.proc.as_mut() else { return (SimDuration::ZERO, true) };
    match probe_exec::run(argv, userland, Fs { image, written: &mut p.files }) {
        Ok(exit) => (SimDuration::from_millis(exit.slept_ms), exit.code != 0),
        Err(_) => (SimDuration::ZERO, true),
    }
}

/// What an httpGet hook's request did.
enum Sent {
    Answered,
    Failed,
    /// An HTTPS request answered over HTTP, retried over HTTP at `host:port`.
    FellBack(String),
    Hangs,
}

fn send(scheme: &str, host: &str, port: &Port, path: &str, ports: &[(String, i32)], ip: Ipv4Addr, listeners: &[Listener]) -> Sent {
    let Ok(port) = probe_handlers::resolve_port(port, ports) else { return Sent::Failed };
    let Some(l) = listeners.iter().find(|l| l.port == port) else { return Sent::Failed };
    if !l.answers {
        return Sent::Hangs;
    }
    match probe_handlers::http_get(scheme, host, ip, port, path, listeners) {
        Outcome::Failure(e) if e.ends_with("server gave HTTP response to HTTPS client") => {
            let host = if host.is_empty() { ip.to_string() } else { host.to_string() };
            Sent::FellBack(format!("{host}:{port}"))
        }
        Outcome::Failure(e) if e.starts_with("Get ") => Sent::Failed,
        _ => Sent::Answered,
    }
}

/// Sends the httpGet hooks started at this sync and records the failures of hooks that have
/// returned by now.
pub(super) fn report(ctx: &mut Ctx<'_, '_>, cx: &mut SyncCx<'_>, rt: &mut PodRuntime) {
    let now = ctx.api.now;
    if rt.init.iter().chain(rt.app.iter()).all(|c| c.hook.is_none()) {
        return;
    }
    let ip = rt.sandbox.as_ref().map_or(rt.host_ip, |s| s.ip);
    let listeners = super::super::probes::listeners(rt, now);
    for c in rt.init.iter_mut().chain(rt.app.iter_mut()) {
        if in_post_start(c) {
            continue;
        }
        let Some(mut run) = c.hook.take() else { continue };
        let killed_after_hook = killed_after_post_start(c);
        let with_own;
        let listeners: &[Listener] = if killed_after_hook {
            with_own = [listeners.clone(), own_listeners(c)].concat();
            &with_own
        } else {
            &listeners
        };
        if !run.sent {
            run.sent = true;
            if let Some(Hook::Http { scheme, host, port, path }) = c.pre_stop.clone() {
                run.fails_at = None;
                match send(&scheme, &host, &port, &path, &c.ports, ip, listeners) {
                    Sent::Answered => {}
                    Sent::Failed => run.fails_at = Some(run.started),
                    Sent::FellBack(at) => {
                        let msg = format!("request to HTTPS lifecycle hook {at} got HTTP response, retry with HTTP succeeded");
                        cx.event(ctx, EventType::Warning, "LifecycleHTTPFallback", &msg);
                    }
                    Sent::Hangs => {
                        c.time_kill(run.started, Some(None), run.grace_secs);
                    }
                }
            }
        }
        match run.fails_at {
            Some(at) if at <= now && (c.alive_at(at) || killed_after_hook && c.proc.as_ref().and_then(|p| p.sigkill).is_some_and(|k| at <= k)) => cx.event(ctx, EventType::Warning, "FailedPreStopHook", "PreStopHook failed"),
            Some(at) if at > now => {
                cx.wake(at);
                c.hook = Some(run);
            }
            _ => {}
        }
    }
}

/// Is `c` started, with its postStart hook not yet returned?
pub(super) fn in_post_start(c: &Ctr) -> bool {
    matches!(c.state, CState::Waiting { .. }) && c.proc.as_ref().is_some_and(|p| p.sigterm.is_none())
}

/// Is `c` being killed because its postStart hook failed?
pub(super) fn killed_after_post_start(c: &Ctr) -> bool {
    matches!(c.state, CState::Waiting { .. }) && c.proc.as_ref().is_some_and(|p| p.sigterm.is_some())
}

/// The postStart handler of container `name` in `pod`'s spec.
pub(super) fn post_start_of(pod: &Pod, name: &str) -> Option<Hook> {
    let spec = pod.spec.as_ref()?;
    let c: &Container = spec.containers.iter().chain(spec.init_containers.iter().flatten()).find(|c| c.name == name)?;
    c.lifecycle.as_ref()?.post_start.as_ref().and_then(Hook::of)
}

/// What a postStart hook does: when it returns after the start (`None`: never) and, if it
/// fails, the handler's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct PostStart {
    pub returns: Option<SimDuration>,
    pub error: Option<String>,
}

/// The ports `c`'s own server listens on, just started.
fn own_listeners(c: &Ctr) -> Vec<Listener> {
    let Program::Server(s) = &c.program else { return Vec::new() };
    s.ports.iter().enumerate().map(|(i, &port)| Listener { port, http: s.http.filter(|h| h.on_port(i, port)), answers: s.answers, up_for: SimDuration::ZERO }).collect()
}

/// Runs `c`'s postStart hook at its start (an exec hook writes into the container's files,
/// unless `scratch`: then into a copy, to work out the message again); `pod_id` is
/// `name_namespace(uid)`, `ip` the pod's address, `exec_id` the runtime's id of an exec.
pub(super) fn post_start(c: &mut Ctr, hook: &Hook, pod_id: &str, ip: Ipv4Addr, exec_id: &str, scratch: bool) -> PostStart {
    match hook {
        Hook::Exec(argv) => {
            let userland = c.userland();
            let image = c.image_files();
            let Some(p) = c.proc.as_mut() else { return PostStart { returns: Some(SimDuration::ZERO), error: None } };
            let mut copy = if scratch { p.files.clone() } else { BTreeMap::new() };
            let written = if scratch { &mut copy } else { &mut p.files };
            let error = match probe_exec::run(argv, userland, Fs { image, written }) {
                Ok(exit) if exit.code == 0 => return PostStart { returns: Some(SimDuration::from_millis(exit.slept_ms)), error: None },
                Ok(exit) => {
                    let err = format!("command '{}' exited with {}: {}", argv.join(" "), exit.code, exit.output);
                    (SimDuration::from_millis(exit.slept_ms), err, exit.output)
                }
                Err(exe) => {
                    let err = format!(
                        "rpc error: code = Unknown desc = failed to exec in container: failed to start exec \"{exec_id}\": OCI runtime exec failed: exec failed: unable to start container process: exec: \"{exe}\": executable file not found in $PATH: unknown"
                    );
                    (SimDuration::ZERO, err, String::new())
                }
            };
            let (took, err, output) = error;
            let msg = format!("Exec lifecycle hook ([{}]) for Container {:?} in Pod {pod_id:?} failed - error: {err}, message: {output:?}", argv.join(" "), c.name);
            PostStart { returns: Some(took), error: Some(msg) }
        }
        Hook::Http { scheme, host, port, path } => {
            let listeners = own_listeners(c);
            let failure = match send(scheme, host, port, path, &c.ports, ip, &listeners) {
                Sent::Answered | Sent::FellBack(_) => None,
                Sent::Hangs => return PostStart { returns: None, error: None },
                Sent::Failed => Some(match probe_handlers::resolve_port(port, &c.ports) {
                    Err(e) => e,
                    Ok(n) => match probe_handlers::http_get(scheme, host, ip, n, path, &listeners) {
                        Outcome::Failure(e) => e,
                        _ => String::new(),
                    },
                }),
            };
            let error = failure.map(|e| format!("HTTP lifecycle hook ({path}) for Container {:?} in Pod {pod_id:?} failed - error: {e}", c.name));
            PostStart { returns: Some(SimDuration::ZERO), error }
        }
        Hook::Sleep(secs) => PostStart { returns: Some(SimDuration::from_secs((*secs).max(0) as u64)), error: None },
    }
}

/// A container in its postStart hook: when the hook has returned, it runs (true), or, when the
/// hook failed, `FailedPostStartHook` and the kill start (true); false while the hook runs.
pub(super) fn returned(ctx: &mut Ctx<'_, '_>, cx: &mut SyncCx<'_>, c: &mut Ctr, now: SimTime) -> bool {
    let Some(at) = c.restart_at else { return false };
    if now < at {
        cx.wake(at);
        return false;
    }
    let run = c.hook.take();
    let started = run.as_ref().map_or(at, |r| r.started);
    c.restart_at = None;
    if run.is_some_and(|r| r.fails_at.is_some()) {
        cx.event(ctx, EventType::Warning, "FailedPostStartHook", "PostStartHook failed");
        cx.event(ctx, EventType::Normal, "Killing", "FailedPostStartHook");
        let grace = cx.pod.spec.as_ref().and_then(|s| s.termination_grace_period_seconds).unwrap_or(30).max(0);
        c.kill(at, grace);
        return true;
    }
    c.started_once = true;
    c.ready = true;
    c.state = CState::Running { started, id: super::hex64(ctx) };
    true
}

/// A container killed after its postStart hook failed: when it has stopped, the status's
/// `PostStartHookError` with the handler's message and the restart (true); false until then.
pub(super) fn killed(ctx: &mut Ctx<'_, '_>, cx: &mut SyncCx<'_>, c: &mut Ctr, policy: &str, host_ip: Ipv4Addr, now: SimTime) -> bool {
    let Some(p) = &c.proc else { return false };
    let mut stop = p.exit_at;
    let mut earlier = |t: SimTime, code: i32| {
        if stop.is_none_or(|(s, _)| t < s) {
            stop = Some((t, code));
        }
    };
    if let (Some(t), Some(ms)) = (p.sigterm, c.program.sigterm_exit_ms()) {
        earlier(t + SimDuration::from_millis(ms), c.program.sigterm_exit_code());
    }
    if let Some(k) = p.sigkill {
        earlier(k, 137);
    }
    let started = p.at;
    let Some((at, code)) = stop else { return false };
    if now < at {
        cx.wake(at);
        return false;
    }
    let ip = cx.start.pod_ip.unwrap_or(host_ip);
    let message = match post_start_of(cx.pod, &c.name) {
        Some(hook) => {
            let exec_id = super::hex64(ctx);
            post_start(c, &hook, &cx.pod_id(), ip, &exec_id, true).error
        }
        None => None,
    };
    ctx.api.metrics.remove_pod(cx.pod.metadata.uid.as_deref().unwrap_or(""));
    let reason = if code == 0 { "Completed" } else { "Error" };
    let t = Terminated { exit_code: code, reason, started, finished: at, id: super::hex64(ctx), message: None };
    c.proc = None;
    c.hook = None;
    c.ready = false;
    c.started_once |= !c.restartable;
    if super::container::restarts(policy, code) {
        c.last = Some(t);
        c.state = CState::Waiting { reason: "PostStartHookError", message };
        super::container::schedule_restart(c, at);
    } else {
        c.state = CState::Terminated(t);
    }
    true
}
