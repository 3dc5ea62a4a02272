//! The kubelet's runtime view of a pod and its containers: the sandbox, each container's
//! state, image pull, back-off and process, and how a container is set up from its spec
//! (image reference, program, pull policy, preStop hook, probes), and how a kill is timed.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::sync::Arc;

use k8s_openapi::api::core::v1::Container;

use crate::time::{SimDuration, SimTime};

use super::super::images::{Http, Image, ImageRef};
use super::super::probe_exec::{self, Exit, Fs, Userland};
use super::super::program::{program_of, Program, Script};
use super::hooks::{self, Hook};

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
    pub(super) pc: usize,
    pub(super) at: SimTime,
    pub(super) status: i32,
    /// When it exits on its own (servers: never; crash: after a delay).
    pub(super) exit_at: Option<(SimTime, i32)>,
    /// SIGTERM sent at; SIGKILL at the grace deadline.
    pub(super) sigterm: Option<SimTime>,
    pub(super) sigkill: Option<SimTime>,
    /// Files the process created (`touch`, redirections) and did not remove, with what they
    /// hold: what exec probes, hooks and `kubectl exec` see.
    pub(in crate::kubelet) files: BTreeMap<String, String>,
}

/// The runtime view of one container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ctr {
    pub name: String,
    pub image: String,
    pub(super) iref: ImageRef,
    pub(in crate::kubelet) entry: Option<&'static Image>,
    pub(in crate::kubelet) program: Program,
    pub(super) pull_policy: String,
    pub pull: Pull,
    pub(super) pull_backoff: Option<(SimDuration, SimTime)>,
    pub state: CState,
    pub last: Option<Terminated>,
    pub restart_count: i32,
    pub(super) backoff: Option<(SimDuration, SimTime)>,
    /// When a waiting container restarts.
    pub(in crate::kubelet) restart_at: Option<SimTime>,
    /// When the crash-loop back-off is reported.
    pub(super) crashloop_report: Option<SimTime>,
    pub(in crate::kubelet) proc: Option<Proc>,
    pub ready: bool,
    pub started_once: bool,
    /// The preStop handler.
    pub(super) pre_stop: Option<Hook>,
    /// The container's named ports (what a hook's named port resolves to).
    pub(super) ports: Vec<(String, i32)>,
    /// The preStop hook of the kill under way.
    pub(super) hook: Option<hooks::Running>,
    pub(super) restartable: bool,
    /// The probe workers of a container that has probes.
    pub(in crate::kubelet) probes: Option<Box<super::super::probes::Probes>>,
    /// What the running (or last) instance was created with: env and volume contents.
    pub config: Option<Arc<super::super::env::Config>>,
}

/// Graceful termination in progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Killing {
    /// When the last container's SIGKILL is due.
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
    pub volumes: Option<Box<super::super::volumes::Mounts>>,
}

/// The pod sandbox and its network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sandbox {
    pub id: String,
    pub netns: String,
    pub ip: Ipv4Addr,
}

pub(super) fn new_ctr(c: &Container, pod_name: &str, restartable: bool) -> Ctr {
    let image = c.image.clone().unwrap_or_default();
    let iref = ImageRef::parse(&image);
    let entry = iref.lookup();
    let program = match entry {
        Some(e) => program_of(c, e, pod_name),
        None => Program::Script(Script::default()),
    };
    let pre_stop = c.lifecycle.as_ref().and_then(|l| l.pre_stop.as_ref()).and_then(Hook::of);
    let ports = c.ports.iter().flatten().filter_map(|p| Some((p.name.clone()?, p.container_port))).collect();
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
        pre_stop,
        ports,
        hook: None,
        restartable,
        probes: super::super::probes::Probes::of(c),
        config: None,
    }
}

impl Ctr {
    /// Whose tools the image ships (how its commands word their errors).
    pub(in crate::kubelet) fn userland(&self) -> Userland {
        self.entry.map_or(Userland::Gnu, |e| Userland::of_repository(e.repository))
    }

    /// The image's own files that commands can see (nginx's pages and configuration).
    pub(in crate::kubelet) fn image_files(&self) -> &'static [&'static str] {
        match &self.program {
            Program::Server(s) if s.http == Some(Http::NginxWelcome) => probe_exec::NGINX_FILES,
            _ => &[],
        }
    }

    /// Runs `argv` in the running container against its process's files; `None` when the
    /// container has no process. `Err(program)` when the image has no such program.
    pub(in crate::kubelet) fn run_command(&mut self, argv: &[String]) -> Option<Result<Exit, String>> {
        let (userland, image) = (self.userland(), self.image_files());
        let p = self.proc.as_mut()?;
        Some(probe_exec::run(argv, userland, Fs { image, written: &mut p.files }))
    }

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

    /// Stops the running process as the kubelet's `killContainer` does, with a grace period
    /// that ends at `deadline`: the preStop hook, then SIGTERM, then SIGKILL. Returns when
    /// SIGTERM is sent.
    pub(in crate::kubelet) fn stop(&mut self, now: SimTime, deadline: SimTime) -> SimTime {
        let grace = (deadline.max(now).since(now).as_micros() / 1_000_000) as i64;
        self.kill(now, grace).0
    }

    /// Starts the kill at `now` with a grace period of `grace_secs`: runs an exec hook's
    /// command, starts the others (`hooks::report` sends an httpGet). Returns when SIGTERM
    /// and SIGKILL are due.
    pub(super) fn kill(&mut self, now: SimTime, grace_secs: i64) -> (SimTime, SimTime) {
        self.hook = None;
        let took = match self.pre_stop.clone().filter(|_| grace_secs > 0 && self.proc.is_some()) {
            None => None,
            Some(Hook::Exec(argv)) => {
                let (took, failed) = hooks::exec(self, &argv);
                self.hook = Some(hooks::Running { started: now, fails_at: failed.then_some(now + took), grace_secs, sent: true });
                Some(Some(took))
            }
            Some(Hook::Http { .. }) => {
                self.hook = Some(hooks::Running { started: now, fails_at: None, grace_secs, sent: false });
                Some(Some(SimDuration::ZERO))
            }
            Some(Hook::Sleep(secs)) => Some(Some(SimDuration::from_secs(secs.max(0) as u64))),
        };
        self.time_kill(now, took, grace_secs)
    }

    /// Sets SIGTERM and SIGKILL for a kill started at `started` (see `hooks::kill_times`).
    pub(super) fn time_kill(&mut self, started: SimTime, hook: Option<Option<SimDuration>>, grace_secs: i64) -> (SimTime, SimTime) {
        let (term, kill) = hooks::kill_times(hook, grace_secs);
        let (term, kill) = (started + term, started + kill);
        if let Some(p) = &mut self.proc {
            p.sigterm = Some(term);
            p.sigkill = Some(kill);
        }
        (term, kill)
    }

    /// Did the container still run at `at`?
    pub(super) fn alive_at(&self, at: SimTime) -> bool {
        match &self.state {
            CState::Running { .. } => self.proc.as_ref().and_then(|p| p.sigkill).is_none_or(|k| at <= k),
            CState::Terminated(t) => at <= t.finished,
            CState::Waiting { .. } => false,
        }
    }
}
