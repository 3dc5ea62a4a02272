//! The HorizontalPodAutoscaler controller (autoscaling/v2; v1 objects are stored as v2).
//!
//! Every 15 s (`--horizontal-pod-autoscaler-sync-period`; the real controller's work queue
//! delays every HPA by that interval, so a new HPA first syncs 15 s after it is created and
//! shows `<unknown>` targets until then) it reads the scale target, asks the metrics source for
//! the CPU usage of the target's pods, computes the desired replicas (`calc.rs`), stabilises and
//! rate-limits them (`behavior.rs`), scales the target and writes status, conditions and Events
//! with the real texts. Only `Resource` metrics for `cpu` with an `Utilization` target are
//! computed; other metric types are reported as unsupported in the ScalingActive condition.

pub mod behavior;
pub mod calc;

use std::collections::BTreeMap;

use k8s_openapi::api::autoscaling::v2::{
    HorizontalPodAutoscaler, HorizontalPodAutoscalerCondition, HorizontalPodAutoscalerStatus, MetricStatus,
    MetricValueStatus, ResourceMetricStatus,
};
use k8s_openapi::api::core::v1::Pod;

use crate::api::quantity::{parse_quantity, Format, Quantity};
use crate::api::{Kind, Object};
use crate::sim::apiserver::k8s_time;
use crate::sim::events::{self, EventType};
use crate::store::selector::from_label_selector;
use crate::store::{ObjectRef, WatchEvent, WatchEventType};
use crate::time::{from_k8s, SimDuration};

use super::{Ctx, Requeue};
use behavior::History;

/// `--horizontal-pod-autoscaler-sync-period`.
pub const SYNC_PERIOD: SimDuration = SimDuration::from_secs(15);

/// What the HPA controller remembers, by HPA.
pub type State = BTreeMap<ObjectRef, History>;

pub fn keys_for(event: &WatchEvent) -> Vec<ObjectRef> {
    match (event.key.kind, event.event_type) {
        // Status writes (MODIFIED) do not resync early: the next sync is on the timer.
        (Kind::HorizontalPodAutoscaler, WatchEventType::Added | WatchEventType::Deleted) => vec![event.key.clone()],
        _ => vec![],
    }
}

/// The scale target as the scale subresource shows it.
struct Target {
    obj: Object,
    replicas: i32,
    selector: Option<crate::store::selector::Selector>,
}

fn target(ctx: &Ctx<'_, '_>, hpa: &HorizontalPodAutoscaler, ns: &str) -> Result<Target, String> {
    let r = &hpa.spec.scale_target_ref;
    let (kind, resource) = match r.kind.as_str() {
        "Deployment" => (Kind::Deployment, "deployments/scale.apps"),
        "ReplicaSet" => (Kind::ReplicaSet, "replicasets/scale.apps"),
        "StatefulSet" => (Kind::StatefulSet, "statefulsets/scale.apps"),
        "ReplicationController" => (Kind::ReplicationController, "replicationcontrollers/scale"),
        other => return Err(format!("no matches for kind \"{other}\" in group \"{}\"", r.api_version.as_deref().unwrap_or("").split('/').next().unwrap_or(""))),
    };
    let key = ObjectRef::new(kind, Some(ns), &r.name);
    let Some(obj) = ctx.api.store.get(&key).map(|o| (**o).clone()) else {
        return Err(format!("{resource} \"{}\" not found", r.name));
    };
    let (replicas, selector) = match &obj {
        Object::Deployment(d) => (d.spec.replicas, Some(&d.spec.selector)),
        Object::ReplicaSet(d) => (d.spec.replicas, Some(&d.spec.selector)),
        Object::StatefulSet(d) => (d.spec.replicas, Some(&d.spec.selector)),
        _ => (None, None),
    };
    let selector = selector.and_then(|s| from_label_selector(s).ok());
    Ok(Target { obj, replicas: replicas.unwrap_or(1), selector })
}

fn with_replicas(obj: &Object, replicas: i32) -> Object {
    let mut obj = obj.clone();
    match &mut obj {
        Object::Deployment(d) => d.spec.replicas = Some(replicas),
        Object::ReplicaSet(d) => d.spec.replicas = Some(replicas),
        Object::StatefulSet(d) => d.spec.replicas = Some(replicas),
        _ => {}
    }
    obj.metadata_mut().resource_version = None;
    obj
}

/// `cpuInitializationPeriod`.
const CPU_INITIALIZATION_PERIOD: SimDuration = SimDuration::from_secs(300);
/// `delayOfInitialReadinessStatus`.
const DELAY_OF_INITIAL_READINESS_STATUS: SimDuration = SimDuration::from_secs(30);
/// The window of a CPU sample (metrics-server's resolution).
const METRIC_WINDOW: SimDuration = SimDuration::from_secs(15);

/// `groupPods`' CPU rule: a pod is unready when it has no Ready condition or start time; in
/// its first 5 minutes, when not Ready or Ready for less than one metric window; after that,
/// only when not Ready and never Ready since it started (its Ready condition last moved within
/// 30 s of the start).
fn cpu_unready(pod: &Pod, now: crate::time::SimTime) -> bool {
    let status = pod.status.as_ref();
    let ready = status.and_then(|s| s.conditions.as_ref()).and_then(|cs| cs.iter().find(|c| c.type_ == "Ready"));
    let (Some(ready), Some(start)) = (ready, status.and_then(|s| s.start_time.as_ref()).map(from_k8s)) else { return true };
    let transition = ready.last_transition_time.as_ref().map_or(crate::time::SimTime::ZERO, from_k8s);
    if start + CPU_INITIALIZATION_PERIOD > now {
        ready.status == "False" || now < transition + METRIC_WINDOW
    } else {
        ready.status == "False" && start + DELAY_OF_INITIAL_READINESS_STATUS > transition
    }
}

fn sample(ctx: &Ctx<'_, '_>, pod: &Pod) -> calc::Sample {
    let status = pod.status.as_ref();
    let phase = status.and_then(|s| s.phase.as_deref()).unwrap_or("");
    let mut request = Ok(0);
    for c in pod.spec.iter().flat_map(|s| s.containers.iter()) {
        let cpu = c.resources.as_ref().and_then(|r| r.requests.as_ref()).and_then(|r| r.get("cpu"));
        match (cpu.and_then(|q| parse_quantity(q).ok()), &mut request) {
            (Some(q), Ok(total)) => *total += q.milli_value(),
            (None, Ok(_)) => request = Err(c.name.clone()),
            _ => {}
        }
    }
    calc::Sample {
        name: pod.metadata.name.clone().unwrap_or_default(),
        ignored: pod.metadata.deletion_timestamp.is_some() || phase == "Failed" || phase == "Succeeded",
        unready: phase == "Pending" || cpu_unready(pod, ctx.api.now),
        usage_milli: ctx.api.metrics.pod_usage_total(ctx.api.store, pod).map(|u| u.cpu_millis as i64),
        request_milli: request,
    }
}

fn condition(type_: &str, ok: bool, reason: &str, message: &str, old: Option<&HorizontalPodAutoscalerStatus>, now: crate::time::SimTime) -> HorizontalPodAutoscalerCondition {
    let status = if ok { "True" } else { "False" };
    let previous = old.and_then(|s| s.conditions.as_ref()).and_then(|cs| cs.iter().find(|c| c.type_ == type_));
    let since = match previous {
        Some(p) if p.status == status => p.last_transition_time.clone(),
        _ => Some(k8s_time(now)),
    };
    HorizontalPodAutoscalerCondition {
        type_: type_.into(),
        status: status.into(),
        reason: Some(reason.into()),
        message: Some(message.into()),
        last_transition_time: since,
        observed_generation: None,
    }
}

/// The one metric this controller computes: the CPU utilisation target, if that is what the
/// HPA asks for.
fn cpu_target(hpa: &HorizontalPodAutoscaler) -> Option<i32> {
    let m = hpa.spec.metrics.as_ref()?.first()?;
    let r = m.resource.as_ref().filter(|_| m.type_ == "Resource")?;
    (r.name == "cpu" && r.target.type_ == "Utilization").then_some(r.target.average_utilization.unwrap_or(80))
}

const METRIC_NAME: &str = "cpu resource utilization (percentage of request)";

pub fn reconcile(ctx: &mut Ctx<'_, '_>, key: &ObjectRef) -> Requeue {
    let Some(Object::HorizontalPodAutoscaler(hpa)) = ctx.api.store.get(key).map(|o| (**o).clone()) else {
        ctx.state.hpa.remove(key);
        return Requeue::Done;
    };
    let hpa = *hpa;
    let ns = key.namespace.clone().unwrap_or_else(|| "default".into());
    let now = ctx.api.now;
    let old_status = hpa.status.clone();
    let min = hpa.spec.min_replicas.unwrap_or(1);
    let max = hpa.spec.max_replicas;
    let hpa_obj: Object = Object::HorizontalPodAutoscaler(Box::new(hpa.clone()));
    let warn = |ctx: &mut Ctx<'_, '_>, reason: &str, message: &str| {
        let by = ctx.by.clone();
        events::record(ctx.api, &hpa_obj, EventType::Warning, reason, message, &by, None, ctx.cause);
    };

    let target = match target(ctx, &hpa, &ns) {
        Ok(t) => t,
        Err(e) => {
            warn(ctx, "FailedGetScale", &e);
            let mut status = old_status.clone().unwrap_or_default();
            status.conditions = Some(vec![condition("AbleToScale", false, "FailedGetScale", &format!("the HPA controller was unable to get the target's current scale: {e}"), old_status.as_ref(), now)]);
            write_status(ctx, &hpa, status);
            return Requeue::Periodic(SYNC_PERIOD);
        }
    };
    let current = target.replicas;
    // The first time the controller sees an HPA it records the current size as a
    // recommendation, so a new HPA waits out the scale-down window before shrinking anything.
    ctx.state.hpa.entry(key.clone()).or_insert_with(|| History {
        recommendations: vec![behavior::Stamped { at: now, replicas: current }],
        ..History::default()
    });
    let mut conditions = Vec::new();
    let mut metrics = None;
    let mut rescale_reason = String::new();
    let mut limited = ("DesiredWithinRange", "the desired count is within the acceptable range");
    let desired = if current == 0 && min != 0 {
        conditions.push(condition("ScalingActive", false, "ScalingDisabled", "scaling is disabled since the replica count of the target is zero", old_status.as_ref(), now));
        0
    } else if current > max {
        rescale_reason = "Current number of replicas above Spec.MaxReplicas".into();
        max
    } else if current < min {
        rescale_reason = "Current number of replicas below Spec.MinReplicas".into();
        min
    } else {
        let computed = match (cpu_target(&hpa), &target.selector) {
            (Some(t), Some(sel)) => {
                let pods: Vec<calc::Sample> = ctx
                    .api
                    .store
                    .list(Kind::Pod, Some(&ns))
                    .filter(|o| sel.matches(o.labels()))
                    .filter_map(|o| match o.as_ref() {
                        Object::Pod(p) => Some(sample(ctx, p)),
                        _ => None,
                    })
                    .collect();
                calc::cpu_replicas(current, t, &pods).map_err(|e| format!("failed to get cpu utilization: {e}"))
            }
            (None, _) => Err("only cpu resource utilization targets are simulated".to_string()),
            (_, None) => Err("the scale target has no valid selector".to_string()),
        };
        match computed {
            Err(e) => {
                let e = if e.contains("did not receive metrics") || e.contains("no pods returned") {
                    "failed to get cpu utilization: unable to get metrics for resource cpu: no metrics returned from resource metrics API".to_string()
                } else {
                    e
                };
                warn(ctx, "FailedGetResourceMetric", &e);
                let full = format!("failed to get cpu resource metric value: {e}");
                warn(ctx, "FailedComputeMetricsReplicas", &format!("invalid metrics (1 invalid out of 1), first error is: {full}"));
                let mut status = old_status.clone().unwrap_or_default();
                status.current_replicas = Some(current);
                status.desired_replicas = current;
                status.current_metrics = Some(vec![MetricStatus { type_: String::new(), ..Default::default() }]);
                status.conditions = Some(vec![
                    condition("AbleToScale", true, "SucceededGetScale", "the HPA controller was able to get the target's current scale", old_status.as_ref(), now),
                    condition("ScalingActive", false, "FailedGetResourceMetric", &format!("the HPA was unable to compute the replica count: {full}"), old_status.as_ref(), now),
                ]);
                write_status(ctx, &hpa, status);
                return Requeue::Periodic(SYNC_PERIOD);
            }
            Ok(rec) => {
                metrics = Some(rec);
                conditions.push(condition("ScalingActive", true, "ValidMetricFound", &format!("the HPA was able to successfully calculate a replica count from {METRIC_NAME}"), old_status.as_ref(), now));
                let proposal = rec.replicas;
                if proposal > current {
                    rescale_reason = format!("{METRIC_NAME} above target");
                } else if proposal < current {
                    rescale_reason = "All metrics below target".into();
                }
                let (up, down) = behavior::rules(hpa.spec.behavior.as_ref());
                let history = ctx.state.hpa.entry(key.clone()).or_default();
                let stabilized = behavior::stabilize(history, now, current, proposal, &up, &down);
                let n = behavior::limit(history, now, current, stabilized, min..=max, &up, &down);
                limited = (n.reason, n.message);
                n.replicas
            }
        }
    };
    let rescale = desired != current && !(current == 0 && min != 0);
    let able = if rescale {
        let obj = with_replicas(&target.obj, desired);
        let by = ctx.by.clone();
        if ctx.api.update(obj, &by, ctx.cause).is_ok() {
            let history = ctx.state.hpa.entry(key.clone()).or_default();
            behavior::record_scale(history, now, current, desired);
            let msg = format!("New size: {desired}; reason: {rescale_reason}");
            events::record(ctx.api, &hpa_obj, EventType::Normal, "SuccessfulRescale", &msg, &by, None, ctx.cause);
        }
        condition("AbleToScale", true, "SucceededRescale", &format!("the HPA controller was able to update the target scale to {desired}"), old_status.as_ref(), now)
    } else {
        condition("AbleToScale", true, "ReadyForNewScale", "recommended size matches current size", old_status.as_ref(), now)
    };
    conditions.insert(0, able);
    if metrics.is_some() {
        let scaling_limited = limited.0 != "DesiredWithinRange";
        conditions.push(condition("ScalingLimited", scaling_limited, limited.0, limited.1, old_status.as_ref(), now));
    }
    let mut status = old_status.clone().unwrap_or_default();
    status.current_replicas = Some(current);
    status.desired_replicas = desired;
    status.observed_generation = hpa.metadata.generation;
    if rescale {
        status.last_scale_time = Some(k8s_time(now));
    }
    if let Some(rec) = metrics {
        status.current_metrics = Some(vec![MetricStatus {
            type_: "Resource".into(),
            resource: Some(ResourceMetricStatus {
                name: "cpu".into(),
                current: MetricValueStatus {
                    average_utilization: Some(rec.utilization),
                    average_value: Some(Quantity::from_milli(rec.average_milli, Format::DecimalSI).to_k8s()),
                    value: None,
                },
            }),
            ..Default::default()
        }]);
    }
    status.conditions = Some(conditions);
    write_status(ctx, &hpa, status);
    Requeue::Periodic(SYNC_PERIOD)
}

fn write_status(ctx: &mut Ctx<'_, '_>, hpa: &HorizontalPodAutoscaler, status: HorizontalPodAutoscalerStatus) {
    if hpa.status.as_ref() == Some(&status) {
        return;
    }
    let mut updated = hpa.clone();
    updated.status = Some(status);
    updated.metadata.resource_version = None;
    let by = ctx.by.clone();
    let _ = ctx.api.update(Object::HorizontalPodAutoscaler(Box::new(updated)), &by, ctx.cause);
}

#[cfg(test)]
mod unready_tests {
    use k8s_openapi::api::core::v1::{PodCondition, PodStatus};

    use super::*;
    use crate::time::SimTime;

    fn pod(start: Option<u64>, ready: Option<(&str, u64)>) -> Pod {
        let t = |s: u64| k8s_time(SimTime(s * 1_000_000));
        Pod {
            status: Some(PodStatus {
                start_time: start.map(t),
                conditions: ready.map(|(status, at)| vec![PodCondition { type_: "Ready".into(), status: status.into(), last_transition_time: Some(t(at)), ..Default::default() }]),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn cpu_samples_of_starting_and_never_ready_pods_are_set_aside() {
        let now = SimTime(1_000 * 1_000_000);
        for (start, ready, want, why) in [
            (None, Some(("True", 0)), true, "no start time"),
            (Some(990), None, true, "no Ready condition"),
            (Some(900), Some(("True", 990)), true, "starting, Ready for less than a window"),
            (Some(900), Some(("True", 980)), false, "starting, Ready for a window"),
            (Some(900), Some(("False", 910)), true, "starting, not Ready"),
            (Some(100), Some(("False", 110)), true, "past 5 min, never Ready"),
            (Some(100), Some(("False", 500)), false, "past 5 min, was Ready before"),
            (Some(100), Some(("True", 120)), false, "past 5 min, Ready"),
        ] {
            assert_eq!(cpu_unready(&pod(start, ready), now), want, "{why}");
        }
    }
}
