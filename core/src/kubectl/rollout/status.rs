//! `kubectl rollout status`: kubectl's status viewers (`polymorphichelpers/rollout_status.go`)
//! and the watch that keeps printing until the rollout is done.
//!
//! kubectl prints one line for every ADDED / MODIFIED event of the object, the same line again
//! if the status did not move, and stops after the line that says the rollout is done.

use crate::api::{Kind, Object};
use crate::sim::Sim;
use crate::store::{ObjectRef, WatchEvent, WatchEventType};
use crate::time::{parse_duration, SimDuration, SimTime};

use super::{check_err, group_kind, lookup_targets, require_resource};
use crate::kubectl::{Args, Files, Output, WatchRequest};

/// An open `rollout status` watch: the object, the pinned revision and the `--timeout` deadline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusWatch {
    pub key: ObjectRef,
    pub revision: i64,
    pub deadline: Option<SimTime>,
}

impl StatusWatch {
    /// Prints what the watch sees in `events` (the store's log since the last call) and at `now`.
    /// Returns true once the watch has ended.
    pub fn stream(&self, events: &[WatchEvent], now: SimTime, out: &mut Output) -> bool {
        for event in events {
            if self.deadline.is_some_and(|d| event.at > d) {
                out.stderr.push_str("error: timed out waiting for the condition\n");
                return true;
            }
            if event.key != self.key {
                continue;
            }
            if event.event_type == WatchEventType::Deleted {
                out.stderr.push_str("error: object has been deleted\n");
                return true;
            }
            match status_of(&event.object, self.revision) {
                Ok((line, done)) => {
                    out.stdout.push_str(&line);
                    if done {
                        return true;
                    }
                }
                Err(e) => {
                    out.stderr.push_str(&check_err(&[e]));
                    return true;
                }
            }
        }
        if self.deadline.is_some_and(|d| now >= d) {
            out.stderr.push_str("error: timed out waiting for the condition\n");
            return true;
        }
        false
    }
}

/// The status line of `obj` and whether its rollout is done, or kubectl's error.
pub fn status_of(obj: &Object, revision: i64) -> Result<(String, bool), String> {
    match obj {
        Object::Deployment(d) => {
            let name = d.metadata.name.as_deref().unwrap_or_default();
            if revision > 0 {
                let current = match d.metadata.annotations.as_ref().and_then(|a| a.get(super::history::REVISION)) {
                    None => 0,
                    Some(v) => v.parse::<i64>().map_err(|_| {
                        format!("cannot get the revision of deployment \"{name}\": strconv.ParseInt: parsing \"{v}\": invalid syntax")
                    })?,
                };
                if revision != current {
                    return Err(format!("desired revision ({revision}) is different from the running revision ({current})"));
                }
            }
            let st = d.status.clone().unwrap_or_default();
            if d.metadata.generation.unwrap_or(0) > st.observed_generation.unwrap_or(0) {
                return Ok(("Waiting for deployment spec update to be observed...\n".to_string(), false));
            }
            let timed_out = st.conditions.iter().flatten().find(|c| c.type_.as_deref() == Some("Progressing"));
            let timed_out = timed_out.is_some_and(|c| c.reason.as_deref() == Some("ProgressDeadlineExceeded"));
            if timed_out {
                return Err(format!("deployment \"{name}\" exceeded its progress deadline"));
            }
            let (updated, replicas, available) = (st.updated_replicas.unwrap_or(0), st.replicas.unwrap_or(0), st.available_replicas.unwrap_or(0));
            let waiting = |what: String| Ok((format!("Waiting for deployment \"{name}\" rollout to finish: {what}...\n"), false));
            if let Some(desired) = d.spec.replicas.filter(|r| updated < *r) {
                return waiting(format!("{updated} out of {desired} new replicas have been updated"));
            }
            if replicas > updated {
                return waiting(format!("{} old replicas are pending termination", replicas - updated));
            }
            if available < updated {
                return waiting(format!("{available} of {updated} updated replicas are available"));
            }
            Ok((format!("deployment \"{name}\" successfully rolled out\n"), true))
        }
        Object::DaemonSet(ds) => {
            let name = ds.metadata.name.as_deref().unwrap_or_default();
            if ds.spec.update_strategy.as_ref().and_then(|s| s.type_.as_deref()) != Some("RollingUpdate") {
                return Err("rollout status is only available for RollingUpdate strategy type".to_string());
            }
            let st = ds.status.clone().unwrap_or_default();
            if ds.metadata.generation.unwrap_or(0) > st.observed_generation.unwrap_or(0) {
                return Ok(("Waiting for daemon set spec update to be observed...\n".to_string(), false));
            }
            let (updated, desired, available) = (st.updated_number_scheduled.unwrap_or(0), st.desired_number_scheduled, st.number_available.unwrap_or(0));
            if updated < desired {
                return Ok((format!("Waiting for daemon set \"{name}\" rollout to finish: {updated} out of {desired} new pods have been updated...\n"), false));
            }
            if available < desired {
                return Ok((format!("Waiting for daemon set \"{name}\" rollout to finish: {available} of {desired} updated pods are available...\n"), false));
            }
            Ok((format!("daemon set \"{name}\" successfully rolled out\n"), true))
        }
        Object::StatefulSet(sts) => {
            let strategy = sts.spec.update_strategy.clone().unwrap_or_default();
            if strategy.type_.as_deref() != Some("RollingUpdate") {
                return Err("rollout status is only available for RollingUpdate strategy type".to_string());
            }
            let st = sts.status.clone().unwrap_or_default();
            let observed = st.observed_generation.unwrap_or(0);
            if observed == 0 || sts.metadata.generation.unwrap_or(0) > observed {
                return Ok(("Waiting for statefulset spec update to be observed...\n".to_string(), false));
            }
            let (ready, updated) = (st.ready_replicas.unwrap_or(0), st.updated_replicas.unwrap_or(0));
            if let Some(desired) = sts.spec.replicas.filter(|r| ready < *r) {
                return Ok((format!("Waiting for {} pods to be ready...\n", desired - ready), false));
            }
            if let Some(rolling) = strategy.rolling_update {
                if let (Some(replicas), Some(partition)) = (sts.spec.replicas, rolling.partition) {
                    if updated < replicas - partition {
                        return Ok((
                            format!("Waiting for partitioned roll out to finish: {updated} out of {} new pods have been updated...\n", replicas - partition),
                            false,
                        ));
                    }
                }
                return Ok((format!("partitioned roll out complete: {updated} new pods have been updated...\n"), true));
            }
            let (update_rev, current_rev) = (st.update_revision.unwrap_or_default(), st.current_revision.unwrap_or_default());
            if update_rev != current_rev {
                return Ok((format!("waiting for statefulset rolling update to complete {updated} pods at revision {update_rev}...\n"), false));
            }
            Ok((format!("statefulset rolling update complete {} pods at revision {current_rev}...\n", st.current_replicas.unwrap_or(0)), true))
        }
        other => Err(format!("no status viewer has been implemented for {}", group_kind(other.kind()))),
    }
}

/// `--revision` / `--to-revision`: an int64 flag, 0 when not given.
pub(super) fn revision_flag(args: &Args, flag: &str) -> Result<i64, Output> {
    match args.value(flag) {
        None => Ok(0),
        Some(v) => v.parse::<i64>().map_err(|_| {
            Output::error(format!(
                "error: invalid argument \"{v}\" for \"--{flag}\" flag: strconv.ParseInt: parsing \"{v}\": invalid syntax"
            ))
        }),
    }
}

/// `--revision`: absent is 0; negative is refused as kubectl refuses it.
pub(super) fn revision_arg(args: &Args) -> Result<i64, Output> {
    match revision_flag(args, "revision")? {
        r if r < 0 => Err(Output::error(format!("error: revision must be a positive integer: {r}"))),
        r => Ok(r),
    }
}

/// `kubectl rollout status (TYPE NAME | TYPE/NAME) [--watch=false] [--revision=N] [--timeout=D]`
pub fn status(sim: &Sim, args: &Args, rest: &[String], files: &dyn Files) -> Output {
    if let Err(o) = require_resource(args, rest) {
        return o;
    }
    let revision = match revision_arg(args) {
        Ok(r) => r,
        Err(o) => return o,
    };
    let timeout = match args.value("timeout") {
        None | Some("0") => None,
        Some(t) => match parse_duration(t) {
            Ok(d) => (d != SimDuration::ZERO).then_some(d),
            Err(_) => {
                return Output::error(format!("error: invalid argument \"{t}\" for \"--timeout\" flag: time: invalid duration \"{t}\""))
            }
        },
    };
    if rest.first().is_some_and(|r| !r.contains('/') && r.contains(',')) {
        return Output::error("error: you may only specify a single resource type");
    }
    let (objects, errors) = match lookup_targets(sim, args, rest, files, true) {
        Ok(t) => t,
        Err(o) => return o,
    };
    if !errors.is_empty() {
        return Output::error(check_err(&errors));
    }
    let [obj] = objects.as_slice() else {
        return Output::error(format!(
            "error: rollout status is only supported on individual resources and resource collections - {} resources were found",
            objects.len()
        ));
    };
    if !matches!(obj.kind(), Kind::Deployment | Kind::DaemonSet | Kind::StatefulSet) {
        return Output::error(format!("error: no status viewer has been implemented for {}", group_kind(obj.kind())));
    }
    let (line, done) = match status_of(obj, revision) {
        Ok(s) => s,
        Err(e) => return Output::error(check_err(&[e])),
    };
    let mut out = Output::ok(line);
    let watch = args.bools.get("watch").copied().unwrap_or(true);
    if !done && watch {
        let deadline = timeout.map(|d| sim.now() + d);
        out.watch = Some(Box::new(WatchRequest::RolloutStatus(StatusWatch { key: ObjectRef::of(obj), revision, deadline })));
    }
    out
}
