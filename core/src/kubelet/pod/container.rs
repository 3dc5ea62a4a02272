//! One container's life up to now: start, its postStart hook (and the kill when the hook
//! fails, see `hooks.rs`), the process's script and signals, exit, restart with the kubelet's
//! back-off (`CrashLoopBackOff`), and the start-up logs servers write.
//!
//! While the postStart hook runs, and while a container whose hook failed is being killed, the
//! runtime view holds the started process in a `Waiting` container (what the status shows
//! then); the hook's return time is in `restart_at`. Simplification: a process's own steps
//! (script output, its own exit) start once the hook has returned; a container killed after a
//! failed hook exits on the signals alone.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use crate::controllers::Ctx;
use crate::sim::events::EventType;
use crate::sim::logs::LineText;
use crate::sim::metrics::Usage;
use crate::time::{go_duration, SimDuration, SimTime};

use super::super::program::{Program, Step};
use super::hooks;
use super::pull::pull;
use super::runtime::{CState, Ctr, Proc, Pull, Terminated};
use super::SyncCx;

/// The first restart after an exit happens at the next sync.
const IMMEDIATE_RESTART: SimDuration = SimDuration::from_secs(1);
/// The kubelet's back-off: 10 s doubling to 300 s; reset after 2 × max without an update.
pub(super) const BACKOFF_INITIAL: SimDuration = SimDuration::from_secs(10);
pub(super) const BACKOFF_MAX: SimDuration = SimDuration::from_secs(300);
pub(super) const BACKOFF_RESET: SimDuration = SimDuration::from_secs(600);
/// How long after a failure the next sync reports the back-off (`ImagePullBackOff`,
/// `CrashLoopBackOff`).
pub(super) const BACKOFF_REPORT: SimDuration = SimDuration::from_secs(1);

fn usage_of(c: &Ctr) -> Usage {
    let (cpu, mem) = c.entry.map_or((0, 1 << 20), |e| e.usage);
    Usage::new(cpu, mem)
}

/// Pulls, starts, runs and restarts one container up to now.
pub(super) fn drive(ctx: &mut Ctx<'_, '_>, cx: &mut SyncCx<'_>, c: &mut Ctr, policy: &str, _host_ip: Ipv4Addr) {
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
                if restarts(policy, code) {
                    schedule_restart(c, at);
                }
            }
            CState::Waiting { .. } if hooks::in_post_start(c) => {
                if !hooks::returned(ctx, cx, c, now) {
                    return;
                }
            }
            CState::Waiting { .. } if hooks::killed_after_post_start(c) => {
                if !hooks::killed(ctx, cx, c, policy, _host_ip, now) {
                    return;
                }
            }
            CState::Waiting { reason: "PostStartHookError", .. } => {
                if let Some(report) = c.crashloop_report {
                    if now < report {
                        cx.wake(report);
                        return;
                    }
                    c.crashloop_report = None;
                    backoff_report(ctx, cx, c, now);
                    continue;
                }
                let Some(at) = c.restart_at else { return };
                if now < at {
                    cx.wake(at);
                    return;
                }
                restart_now(c, now);
            }
            CState::Terminated(t) => {
                if let Some(report) = c.crashloop_report {
                    if now < report {
                        cx.wake(report);
                        return;
                    }
                    c.crashloop_report = None;
                    c.last = Some(t);
                    backoff_report(ctx, cx, c, now);
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
                if !super::super::start::configure(ctx, cx, c, _host_ip) {
                    return;
                }
                // Created and started.
                let id = super::hex64(ctx);
                let uid = cx.pod.metadata.uid.clone().unwrap_or_default();
                cx.event(ctx, EventType::Normal, "Created", &format!("Created container: {}", c.name));
                cx.event(ctx, EventType::Normal, "Started", &format!("Started container {}", c.name));
                ctx.api.logs.start(&uid, &c.name);
                c.restart_at = None;
                c.proc = Some(Proc { pc: 0, at: now, status: 0, exit_at: None, sigterm: None, sigkill: None, files: BTreeMap::new() });
                start_process(ctx, c, &uid, now);
                ctx.api.metrics.set_container(&uid, &c.name, usage_of(c));
                let Some(hook) = hooks::post_start_of(cx.pod, &c.name) else {
                    c.started_once = true;
                    c.ready = true;
                    c.state = CState::Running { started: now, id };
                    continue;
                };
                // `startContainer` runs the hook and waits for it.
                let ip = cx.start.pod_ip.unwrap_or(_host_ip);
                let exec_id = super::hex64(ctx);
                let run = hooks::post_start(c, &hook, &cx.pod_id(), ip, &exec_id, false);
                let returns = run.returns.map(|d| now + d);
                c.ready = false;
                c.restart_at = returns;
                c.hook = Some(hooks::Running { started: now, fails_at: returns.filter(|_| run.error.is_some()), grace_secs: 0, sent: true });
            }
        }
    }
}

pub(super) fn restarts(policy: &str, code: i32) -> bool {
    match policy {
        "Always" => true,
        "OnFailure" => code != 0,
        _ => false,
    }
}

/// When a container that exited at `at` restarts, with the back-off.
pub(super) fn schedule_restart(c: &mut Ctr, at: SimTime) {
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

/// `BackOff` and the `CrashLoopBackOff` waiting state.
fn backoff_report(ctx: &mut Ctx<'_, '_>, cx: &mut SyncCx<'_>, c: &mut Ctr, now: SimTime) {
    let (d, _) = c.backoff.unwrap_or((BACKOFF_INITIAL, now));
    let pod_id = cx.pod_id();
    cx.event(ctx, EventType::Warning, "BackOff", &format!("Back-off restarting failed container {} in pod {pod_id}", c.name));
    c.state = CState::Waiting {
        reason: "CrashLoopBackOff",
        message: Some(format!("back-off {} restarting failed container={} pod={pod_id}", go_duration(d.as_micros()), c.name)),
    };
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
            let lines = ctx.state.kubelet.start_lines.render(s.start_logs, &version, now);
            ctx.api.logs.append_lines(uid, &c.name, now, lines.iter().cloned());
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
            ctx.api.logs.append_lines(uid, &c.name, now, [LineText::Static("starting")]);
            if let Some(p) = &mut c.proc {
                p.exit_at = Some((now + SimDuration::from_millis(*after_ms), *code));
            }
        }
        Program::Pause | Program::Script(_) => {}
    }
}

/// Runs the container's process up to now: script steps write their output; returns the exit
/// (time, code, reason, message) if it ended.
pub(super) fn advance(ctx: &mut Ctx<'_, '_>, cx: &mut SyncCx<'_>, c: &mut Ctr, _started: SimTime, now: SimTime) -> Option<(SimTime, i32, &'static str, Option<String>)> {
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
                    p.files.entry(path.clone()).or_default();
                    p.status = 0;
                }
                Step::Write { path, text, append } => {
                    let file = p.files.entry(path.clone()).or_default();
                    if !append {
                        file.clear();
                    }
                    file.push_str(text);
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
