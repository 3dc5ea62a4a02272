//! The PodStatus the kubelet's status manager reports, generated from the runtime view
//! (`generateAPIPodStatus`): phase, conditions, container statuses, addresses.
//!
//! Conditions: the ones the kubelet does not own (`PodConditionsByKubelet`) are kept as others
//! wrote them (a readiness gate's condition, `DisruptionTarget`), first and in their order;
//! then PodReadyToStartContainers, Initialized, Ready, ContainersReady and PodScheduled.
//! Ready (`GeneratePodReadyCondition`) is ContainersReady's status, reason and message while
//! containers are not ready; once they are, every `spec.readinessGates[].conditionType` must
//! name a condition with status True, else Ready is False with reason `ReadinessGatesNotReady`
//! and one message per gate, joined by ", ". A change to a gate's condition makes the kubelet
//! sync the pod again (`HandlePodReconcile`), so Ready follows it.

use k8s_openapi::api::core::v1::{
    ContainerState, ContainerStateRunning, ContainerStateTerminated, ContainerStateWaiting, ContainerStatus, HostIP, Pod,
    PodCondition, PodIP, PodStatus,
};

use crate::sim::apiserver::k8s_time;
use crate::time::SimTime;

use super::pod::{CState, Ctr, PodRuntime, Terminated};

/// The pod phase from its containers (`getPhase`).
pub fn phase(rt: &PodRuntime) -> &'static str {
    let init_failed = rt.restart_policy == "Never"
        && rt.init.iter().any(|c| !c.restartable_flag() && matches!(&c.state, CState::Terminated(t) if t.exit_code != 0));
    if init_failed {
        return "Failed";
    }
    let init_pending = rt.init.iter().any(|c| {
        if c.restartable_flag() {
            !c.started_once
        } else {
            !matches!(&c.state, CState::Terminated(t) if t.exit_code == 0)
        }
    });
    if init_pending {
        return "Pending";
    }
    let (mut running, mut stopped, mut succeeded, mut waiting) = (0, 0, 0, 0);
    for c in &rt.app {
        match &c.state {
            CState::Running { .. } => running += 1,
            CState::Terminated(t) => {
                stopped += 1;
                if t.exit_code == 0 {
                    succeeded += 1;
                }
            }
            CState::Waiting { .. } => {
                if c.last.is_some() {
                    stopped += 1;
                } else {
                    waiting += 1;
                }
            }
        }
    }
    if waiting > 0 {
        return "Pending";
    }
    if running > 0 {
        return "Running";
    }
    if stopped > 0 {
        if rt.restart_policy == "Always" {
            return "Running";
        }
        if stopped == succeeded {
            return "Succeeded";
        }
        if rt.restart_policy == "Never" {
            return "Failed";
        }
        // OnFailure: failed containers restart.
        let all_done = rt.app.iter().all(|c| matches!(&c.state, CState::Terminated(t) if t.exit_code == 0));
        return if all_done { "Succeeded" } else { "Running" };
    }
    "Pending"
}

fn terminated(t: &Terminated) -> ContainerStateTerminated {
    ContainerStateTerminated {
        container_id: Some(format!("containerd://{}", t.id)),
        exit_code: t.exit_code,
        finished_at: Some(k8s_time(t.finished)),
        message: t.message.clone(),
        reason: Some(t.reason.to_string()),
        signal: None,
        started_at: Some(k8s_time(t.started)),
    }
}

fn container_status(c: &Ctr) -> ContainerStatus {
    let ran = c.started_once;
    let state = match &c.state {
        CState::Waiting { reason, message } => ContainerState {
            waiting: Some(ContainerStateWaiting { reason: Some(reason.to_string()), message: message.clone() }),
            ..Default::default()
        },
        CState::Running { started, .. } => ContainerState {
            running: Some(ContainerStateRunning { started_at: Some(k8s_time(*started)) }),
            ..Default::default()
        },
        CState::Terminated(t) => ContainerState { terminated: Some(terminated(t)), ..Default::default() },
    };
    let id = match &c.state {
        CState::Running { id, .. } => Some(id.clone()),
        CState::Terminated(t) => Some(t.id.clone()),
        CState::Waiting { .. } => c.last.as_ref().map(|t| t.id.clone()),
    };
    ContainerStatus {
        name: c.name.clone(),
        state: Some(state),
        last_state: Some(match &c.last {
            Some(t) => ContainerState { terminated: Some(terminated(t)), ..Default::default() },
            None => ContainerState::default(),
        }),
        ready: c.ready,
        restart_count: c.restart_count,
        image: if ran { c.image_full() } else { c.image.clone() },
        image_id: if ran { c.image_id() } else { String::new() },
        container_id: id.map(|i| format!("containerd://{i}")),
        started: Some(c.is_started()),
        ..Default::default()
    }
}

/// The conditions the kubelet owns and writes; every other type is kept as it was.
const KUBELET_OWNED: &[&str] = &["PodScheduled", "Ready", "Initialized", "ContainersReady", "PodResizeInProgress", "PodResizePending", "PodReadyToStartContainers"];

/// What keeps a pod whose containers are ready from being Ready: one message per readiness
/// gate whose condition is missing or not True.
fn unready_gates(pod: &Pod, conditions: &[PodCondition]) -> Option<String> {
    let gates = pod.spec.as_ref().and_then(|s| s.readiness_gates.as_ref())?;
    let messages: Vec<String> = gates
        .iter()
        .filter_map(|g| match conditions.iter().find(|c| c.type_ == g.condition_type) {
            None => Some(format!("corresponding condition of pod readiness gate {:?} does not exist.", g.condition_type)),
            Some(c) if c.status != "True" => Some(format!("the status of pod readiness gate {:?} is not \"True\", but {}", g.condition_type, c.status)),
            Some(_) => None,
        })
        .collect();
    (!messages.is_empty()).then(|| messages.join(", "))
}

fn condition(old: Option<&PodStatus>, type_: &str, ok: bool, reason: Option<&str>, message: Option<String>, now: SimTime) -> PodCondition {
    let status = if ok { "True" } else { "False" };
    let prev = old.and_then(|s| s.conditions.as_ref()).and_then(|cs| cs.iter().find(|c| c.type_ == type_));
    let since = match prev {
        Some(p) if p.status == status => p.last_transition_time.clone(),
        _ => Some(k8s_time(now)),
    };
    PodCondition {
        type_: type_.to_string(),
        status: status.to_string(),
        reason: if ok { None } else { reason.map(str::to_string) },
        message: if ok { None } else { message },
        last_transition_time: since,
        ..Default::default()
    }
}

/// The status to report for `pod` given its runtime view.
pub fn generate(pod: &Pod, rt: &PodRuntime, now: SimTime) -> PodStatus {
    let old = pod.status.as_ref();
    let phase = phase(rt);
    let terminal = phase == "Succeeded" || phase == "Failed";
    let incomplete: Vec<&str> = rt
        .init
        .iter()
        .filter(|c| if c.restartable_flag() { !c.started_once } else { !matches!(&c.state, CState::Terminated(t) if t.exit_code == 0) })
        .map(|c| c.name.as_str())
        .collect();
    let unready: Vec<&str> = rt.app.iter().filter(|c| !c.ready).map(|c| c.name.as_str()).collect();
    let list = |names: &[&str]| format!("[{}]", names.join(" "));
    let (ready_reason, ready_message) = if terminal {
        (if phase == "Failed" { "PodFailed" } else { "PodCompleted" }, None)
    } else {
        ("ContainersNotReady", Some(format!("containers with unready status: {}", list(&unready))))
    };
    let kept = old.and_then(|s| s.conditions.as_ref()).into_iter().flatten().filter(|c| !KUBELET_OWNED.contains(&c.type_.as_str()));
    let mut conditions: Vec<PodCondition> = kept.cloned().collect();
    conditions.reserve_exact(5);
    conditions.extend([
        condition(old, "PodReadyToStartContainers", rt.sandbox.is_some() && !rt.finished, None, None, now),
        condition(
            old,
            "Initialized",
            incomplete.is_empty(),
            Some(if terminal { "PodCompleted" } else { "ContainersNotInitialized" }),
            (!terminal).then(|| format!("containers with incomplete status: {}", list(&incomplete))),
            now,
        ),
    ]);
    let containers_ready = unready.is_empty() && !terminal;
    let ready = match unready_gates(pod, &conditions).filter(|_| containers_ready) {
        Some(message) => condition(old, "Ready", false, Some("ReadinessGatesNotReady"), Some(message), now),
        None => condition(old, "Ready", unready.is_empty(), Some(ready_reason), ready_message.clone(), now),
    };
    conditions.push(ready);
    conditions.push(condition(old, "ContainersReady", unready.is_empty(), Some(ready_reason), ready_message, now));
    if let Some(sched) = old.and_then(|s| s.conditions.as_ref()).and_then(|cs| cs.iter().find(|c| c.type_ == "PodScheduled")) {
        conditions.push(sched.clone());
    }
    let ip = rt.sandbox.as_ref().map(|s| s.ip.to_string());
    PodStatus {
        phase: Some(phase.to_string()),
        conditions: Some(conditions),
        host_ip: Some(rt.host_ip.to_string()),
        host_ips: Some(vec![HostIP { ip: rt.host_ip.to_string() }]),
        pod_ip: ip.clone(),
        pod_ips: ip.map(|ip| vec![PodIP { ip }]),
        start_time: Some(k8s_time(rt.start_time)),
        init_container_statuses: (!rt.init.is_empty()).then(|| rt.init.iter().map(container_status).collect()),
        container_statuses: Some(rt.app.iter().map(container_status).collect()),
        qos_class: old.and_then(|s| s.qos_class.clone()),
        ..Default::default()
    }
}
