//! One probe worker's state (`pkg/kubelet/prober/worker.go`): the probe as written (handler,
//! delay, period, timeout, thresholds), its ticks on the virtual clock, and the result rules:
//! a result counts after `successThreshold` / `failureThreshold` equal results in a row; the
//! initial result is Failure for readiness, Success for liveness, Unknown for startup; a
//! liveness or startup failure that counts puts the worker on hold until a new container runs.
//!
//! Simplification: ticks start at the container's start plus `initialDelaySeconds` (the real
//! worker ticks from its creation, after a random offset, and skips ticks inside the delay).

use k8s_openapi::api::core::v1::Probe;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use crate::time::{SimDuration, SimTime};

use super::probe_handlers::Port;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Startup,
    Liveness,
    Readiness,
}

impl Kind {
    pub(super) fn name(self) -> &'static str {
        match self {
            Kind::Startup => "Startup",
            Kind::Liveness => "Liveness",
            Kind::Readiness => "Readiness",
        }
    }
}

/// A worker's result (`results.Result`; Go's zero value is Success).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Res {
    Unknown,
    Success,
    Failure,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Handler {
    Exec(Vec<String>),
    Http { scheme: String, host: String, port: Port, path: String },
    Tcp(Port),
    Grpc(i32),
    None,
}

/// One probe of one container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Worker {
    pub(super) kind: Kind,
    pub(super) handler: Handler,
    pub(super) delay: SimDuration,
    pub(super) period: SimDuration,
    pub(super) timeout: SimDuration,
    pub(super) success: u32,
    pub(super) failure: u32,
    /// The probe's own terminationGracePeriodSeconds.
    pub(super) grace: Option<i64>,
    /// First tick of the current container; the next tick.
    pub(super) anchor: SimTime,
    pub(super) next: SimTime,
    pub(super) result: Res,
    pub(super) last: Res,
    pub(super) run: u32,
    pub(super) on_hold: bool,
    pub(super) probed: bool,
}

fn port_of(p: &IntOrString) -> Port {
    match p {
        IntOrString::Int(n) => Port::Num(*n),
        IntOrString::String(s) => Port::Name(s.clone()),
    }
}

fn secs(v: Option<i32>, default: i32, min: i32) -> SimDuration {
    SimDuration::from_secs(v.unwrap_or(default).max(min) as u64)
}

impl Worker {
    pub(super) fn new(kind: Kind, p: &Probe) -> Worker {
        let handler = if let Some(e) = &p.exec {
            Handler::Exec(e.command.clone().unwrap_or_default())
        } else if let Some(h) = &p.http_get {
            Handler::Http {
                scheme: h.scheme.clone().unwrap_or_else(|| "HTTP".into()),
                host: h.host.clone().unwrap_or_default(),
                port: port_of(&h.port),
                path: h.path.clone().unwrap_or_default(),
            }
        } else if let Some(t) = &p.tcp_socket {
            Handler::Tcp(port_of(&t.port))
        } else if let Some(g) = &p.grpc {
            Handler::Grpc(g.port)
        } else {
            Handler::None
        };
        Worker {
            kind,
            handler,
            delay: secs(p.initial_delay_seconds, 0, 0),
            period: secs(p.period_seconds, 10, 1),
            timeout: secs(p.timeout_seconds, 1, 1),
            success: p.success_threshold.unwrap_or(1).max(1) as u32,
            failure: p.failure_threshold.unwrap_or(3).max(1) as u32,
            grace: p.termination_grace_period_seconds,
            anchor: SimTime(0),
            next: SimTime(0),
            result: Res::Unknown,
            last: Res::Success,
            run: 0,
            on_hold: false,
            probed: false,
        }
    }

    /// A new container: initial result, probing resumes.
    pub(super) fn reset(&mut self, started: SimTime) {
        self.result = match self.kind {
            Kind::Readiness => Res::Failure,
            Kind::Liveness => Res::Success,
            Kind::Startup => Res::Unknown,
        };
        self.anchor = started + self.delay;
        self.next = self.anchor;
        self.on_hold = false;
        self.probed = false;
    }

    /// The first tick after `t`.
    pub(super) fn tick_after(&self, t: SimTime) -> SimTime {
        if t < self.anchor {
            return self.anchor;
        }
        let p = self.period.as_micros().max(1);
        SimTime(self.anchor.0 + (t.since(self.anchor).as_micros() / p + 1) * p)
    }

    /// Whether the outcome of the next check can still change what the kubelet reports.
    pub(super) fn settling(&self) -> bool {
        (self.kind != Kind::Liveness && !self.probed) || self.last != self.result
    }

    /// Counts one result; true when it changed what the worker reports. A liveness or startup
    /// failure that counts also puts the worker on hold.
    pub(super) fn record(&mut self, res: Res) -> bool {
        self.probed = true;
        if self.last == res {
            self.run += 1;
        } else {
            self.last = res;
            self.run = 1;
        }
        let threshold = if res == Res::Failure { self.failure } else { self.success };
        if self.run < threshold {
            return false;
        }
        self.result = res;
        if res == Res::Failure && self.kind != Kind::Readiness {
            self.on_hold = true;
            self.run = 0;
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn worker(kind: Kind, success: i32, failure: i32) -> Worker {
        let p = Probe { success_threshold: Some(success), failure_threshold: Some(failure), ..Default::default() };
        let mut w = Worker::new(kind, &p);
        w.reset(SimTime(0));
        w
    }

    /// What the worker reports after each check ('S' success, 'F' failure).
    fn reported(mut w: Worker, checks: &str) -> String {
        checks
            .chars()
            .map(|c| {
                w.record(if c == 'S' { Res::Success } else { Res::Failure });
                match (w.result, w.on_hold) {
                    (Res::Success, _) => 'S',
                    (Res::Failure, true) => 'K',
                    (Res::Failure, false) => 'F',
                    (Res::Unknown, _) => '?',
                }
            })
            .collect()
    }

    #[test]
    fn thresholds_count_equal_results_in_a_row() {
        let cases = [
            // Readiness starts unready; one success makes it ready; three failures unready.
            (Kind::Readiness, 1, 3, "SFFSFFF", "SSSSSSF"),
            (Kind::Readiness, 2, 1, "SFSSF", "FFFSF"),
            (Kind::Readiness, 1, 3, "FFFF", "FFFF"),
            // Liveness starts healthy; the third failure in a row kills (K: on hold).
            (Kind::Liveness, 1, 3, "FFSFFF", "SSSSSK"),
            (Kind::Liveness, 1, 1, "SF", "SK"),
            // Startup is unknown until it passes or fails past the threshold.
            (Kind::Startup, 1, 3, "FFS", "??S"),
            (Kind::Startup, 1, 2, "FF", "?K"),
        ];
        for (kind, success, failure, checks, want) in cases {
            assert_eq!(reported(worker(kind, success, failure), checks), want, "{kind:?} {success}/{failure} {checks}");
        }
    }

    #[test]
    fn ticks_keep_their_phase() {
        let p = Probe { initial_delay_seconds: Some(5), period_seconds: Some(10), ..Default::default() };
        let mut w = Worker::new(Kind::Liveness, &p);
        w.reset(SimTime(1_000_000));
        assert_eq!(w.next, SimTime(6_000_000));
        assert_eq!(w.tick_after(SimTime(0)), SimTime(6_000_000));
        assert_eq!(w.tick_after(SimTime(6_000_000)), SimTime(16_000_000));
        assert_eq!(w.tick_after(SimTime(30_000_000)), SimTime(36_000_000));
    }
}
