//! The pods table: READY, the STATUS reason logic of kubectl's `printPod`, RESTARTS with the
//! time of the last restart, and the wide columns.

use k8s_openapi::api::core::v1::{ContainerStatus, Pod};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;

use super::table::{col, wide, Column};
use super::util::{age, since};
use crate::time::SimTime;

pub const POD_COLUMNS: &[Column] = &[
    col("Name"),
    col("Ready"),
    col("Status"),
    col("Restarts"),
    col("Age"),
    wide("IP"),
    wide("Node"),
    wide("Nominated Node"),
    wide("Readiness Gates"),
];

/// What the pods table derives from a pod's status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodSummary {
    pub ready: usize,
    pub total: usize,
    /// The STATUS cell: `Running`, `ContainerCreating`, `Init:0/1`, `CrashLoopBackOff`, ...
    pub reason: String,
    pub restarts: i64,
    pub last_restart: Option<Time>,
}

fn terminated_reason(prefix: &str, st: &ContainerStatus) -> Option<String> {
    let t = st.state.as_ref()?.terminated.as_ref()?;
    Some(match t.reason.as_deref() {
        Some(r) if !r.is_empty() => format!("{prefix}{r}"),
        _ => match t.signal {
            Some(s) if s != 0 => format!("{prefix}Signal:{s}"),
            _ => format!("{prefix}ExitCode:{}", t.exit_code),
        },
    })
}

fn later(a: Option<Time>, b: Option<&Time>) -> Option<Time> {
    match (a, b) {
        (Some(a), Some(b)) if b.0 > a.0 => Some(b.clone()),
        (None, Some(b)) => Some(b.clone()),
        (a, _) => a,
    }
}

fn last_finished(st: &ContainerStatus) -> Option<&Time> {
    st.last_state.as_ref()?.terminated.as_ref()?.finished_at.as_ref()
}

fn condition_true(pod: &Pod, type_: &str) -> bool {
    pod.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|cs| cs.iter().any(|c| c.type_ == type_ && c.status == "True"))
}

/// kubectl's pod status summary (`printPod` in k8s.io/kubernetes/pkg/printers/internalversion).
pub fn summarize(pod: &Pod) -> PodSummary {
    let empty_spec = Default::default();
    let spec = pod.spec.as_ref().unwrap_or(&empty_spec);
    let empty_status = Default::default();
    let status = pod.status.as_ref().unwrap_or(&empty_status);
    let phase = status.phase.clone().unwrap_or_default();
    let mut reason = match status.reason.as_deref() {
        Some(r) if !r.is_empty() => r.to_string(),
        _ => phase.clone(),
    };
    for c in status.conditions.iter().flatten() {
        if c.type_ == "PodScheduled" && c.reason.as_deref() == Some("SchedulingGated") {
            reason = "SchedulingGated".to_string();
        }
    }

    let init_containers = spec.init_containers.as_deref().unwrap_or_default();
    let restartable =
        |name: &str| init_containers.iter().any(|c| c.name == name && c.restart_policy.as_deref() == Some("Always"));
    let total = spec.containers.len()
        + init_containers.iter().filter(|c| c.restart_policy.as_deref() == Some("Always")).count();
    let mut ready = 0usize;
    let mut restarts: i64 = 0;
    let mut sidecar_restarts: i64 = 0;
    let mut last_restart: Option<Time> = None;
    let mut last_sidecar_restart: Option<Time> = None;

    let init_statuses = status.init_container_statuses.as_deref().unwrap_or_default();
    let mut initializing = false;
    for (i, st) in init_statuses.iter().enumerate() {
        restarts += i64::from(st.restart_count);
        last_restart = later(last_restart, last_finished(st));
        let is_sidecar = restartable(&st.name);
        if is_sidecar {
            sidecar_restarts += i64::from(st.restart_count);
            last_sidecar_restart = later(last_sidecar_restart, last_finished(st));
        }
        let state = st.state.as_ref();
        let terminated = state.and_then(|s| s.terminated.as_ref());
        let waiting_reason = state
            .and_then(|s| s.waiting.as_ref())
            .and_then(|w| w.reason.as_deref())
            .filter(|r| !r.is_empty());
        if terminated.is_some_and(|t| t.exit_code == 0) {
            continue;
        }
        if is_sidecar && st.started == Some(true) {
            if st.ready {
                ready += 1;
            }
            continue;
        }
        if terminated.is_some() {
            reason = terminated_reason("Init:", st).unwrap_or_default();
        } else if let Some(w) = waiting_reason.filter(|r| *r != "PodInitializing") {
            reason = format!("Init:{w}");
        } else {
            reason = format!("Init:{i}/{}", init_containers.len());
        }
        initializing = true;
        break;
    }

    if !initializing || condition_true(pod, "Initialized") {
        restarts = sidecar_restarts;
        last_restart = last_sidecar_restart;
        let mut has_running = false;
        for st in status.container_statuses.iter().flatten().rev() {
            restarts += i64::from(st.restart_count);
            last_restart = later(last_restart, last_finished(st));
            let state = st.state.as_ref();
            let waiting = state.and_then(|s| s.waiting.as_ref());
            let terminated = state.and_then(|s| s.terminated.as_ref());
            if let Some(r) = waiting.and_then(|w| w.reason.as_deref()).filter(|r| !r.is_empty()) {
                reason = r.to_string();
            } else if terminated.is_some() {
                reason = terminated_reason("", st).unwrap_or_default();
            } else if st.ready && state.is_some_and(|s| s.running.is_some()) {
                has_running = true;
                ready += 1;
            }
        }
        if reason == "Completed" && has_running {
            reason = if condition_true(pod, "Ready") { "Running" } else { "NotReady" }.to_string();
        }
    }

    if pod.metadata.deletion_timestamp.is_some() && status.reason.as_deref() == Some("NodeLost") {
        reason = "Unknown".to_string();
    } else if pod.metadata.deletion_timestamp.is_some() && phase != "Failed" && phase != "Succeeded" {
        reason = "Terminating".to_string();
    }
    PodSummary { ready, total, reason, restarts, last_restart }
}

pub fn pod_row(pod: &Pod, now: SimTime) -> Vec<String> {
    let s = summarize(pod);
    let restarts = match (&s.last_restart, s.restarts) {
        (Some(t), n) if n != 0 => format!("{n} ({} ago)", since(t, now)),
        (_, n) => n.to_string(),
    };
    let status = pod.status.as_ref();
    let spec = pod.spec.as_ref();
    let ip = status
        .and_then(|s| s.pod_ips.as_ref())
        .and_then(|ips| ips.first())
        .map(|ip| ip.ip.clone())
        .or_else(|| status.and_then(|s| s.pod_ip.clone()))
        .filter(|ip| !ip.is_empty())
        .unwrap_or_else(|| "<none>".to_string());
    let node = spec.and_then(|s| s.node_name.clone()).filter(|n| !n.is_empty());
    let nominated = status.and_then(|s| s.nominated_node_name.clone()).filter(|n| !n.is_empty());
    let gates = spec.and_then(|s| s.readiness_gates.as_ref()).filter(|g| !g.is_empty());
    let gates = match gates {
        None => "<none>".to_string(),
        Some(gates) => {
            let conditions = status.and_then(|s| s.conditions.as_deref()).unwrap_or_default();
            let ok = gates
                .iter()
                .filter(|g| {
                    conditions
                        .iter()
                        .find(|c| c.type_ == g.condition_type)
                        .is_some_and(|c| c.status == "True")
                })
                .count();
            format!("{ok}/{}", gates.len())
        }
    };
    vec![
        pod.metadata.name.clone().unwrap_or_default(),
        format!("{}/{}", s.ready, s.total),
        s.reason,
        restarts,
        age(pod.metadata.creation_timestamp.as_ref(), now),
        ip,
        node.unwrap_or_else(|| "<none>".to_string()),
        nominated.unwrap_or_else(|| "<none>".to_string()),
        gates,
    ]
}
