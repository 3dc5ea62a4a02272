//! The preStop lifecycle handler as the kubelet's `killContainer` runs it
//! (`pkg/kubelet/kuberuntime/kuberuntime_container.go`, `pkg/kubelet/lifecycle/handlers.go`).
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
//! Simplifications: a hook that has not returned when its container is killed records
//! nothing (a real exec or GET would then fail with the runtime's error); postStart hooks are
//! not run.

use k8s_openapi::api::core::v1::LifecycleHandler;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use crate::controllers::Ctx;
use crate::sim::events::EventType;
use crate::time::{SimDuration, SimTime};

use super::super::images::Http;
use super::super::probe_exec::{self, Fs, Userland};
use super::super::probe_handlers::{self, Listener, Outcome, Port};
use super::super::program::Program;
use super::runtime::{Ctr, PodRuntime};
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
fn image_files(c: &Ctr) -> &'static [&'static str] {
    match &c.program {
        Program::Server(s) if s.http == Some(Http::NginxWelcome) => probe_exec::NGINX_FILES,
        _ => &[],
    }
}

/// Runs an exec hook's command in `c`: (how long it took, did it fail).
pub(super) fn exec(c: &mut Ctr, argv: &[String]) -> (SimDuration, bool) {
    let userland = c.entry.map_or(Userland::Gnu, |e| Userland::of_repository(e.repository));
    let image = image_files(c);
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

fn send(scheme: &str, host: &str, port: &Port, path: &str, ports: &[(String, i32)], ip: std::net::Ipv4Addr, listeners: &[Listener]) -> Sent {
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
        let Some(mut run) = c.hook.take() else { continue };
        if !run.sent {
            run.sent = true;
            if let Some(Hook::Http { scheme, host, port, path }) = c.pre_stop.clone() {
                run.fails_at = None;
                match send(&scheme, &host, &port, &path, &c.ports, ip, &listeners) {
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
            Some(at) if at <= now && c.alive_at(at) => cx.event(ctx, EventType::Warning, "FailedPreStopHook", "PreStopHook failed"),
            Some(at) if at > now => {
                cx.wake(at);
                c.hook = Some(run);
            }
            _ => {}
        }
    }
}
