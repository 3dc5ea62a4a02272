//! Container logs: what `kubectl logs` reads. Kubelets write here as their containers print.
//!
//! Lines are kept per (pod uid, container name), so a pod recreated under the same name starts
//! with an empty log, as a real one does. Each container keeps two generations, the way the
//! kubelet keeps the log file of the previous container instance:
//!
//! - `current`: the newest instance that has started (running, or terminated and not yet
//!   replaced: during a CrashLoopBackOff wait this is the crashed run);
//! - `previous`: the instance before it.
//!
//! [`ContainerLogs::start`] begins a new instance (current becomes previous); [`ContainerLogs::append`]
//! adds a line stamped with the simulated time. Generations are shared (`Arc`) so snapshots of
//! the simulation cost a reference count per container, and a write after a snapshot copies only
//! the generation it changes.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::time::SimTime;

use super::Sim;

/// One line a container wrote, with the simulated time it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    pub at: SimTime,
    pub text: String,
}

/// The log generations of one container.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContainerLog {
    pub current: Arc<Vec<LogLine>>,
    pub previous: Option<Arc<Vec<LogLine>>>,
    /// How many instances have started (0: never started).
    pub starts: u32,
}

/// Every container's log, keyed by (pod uid, container name).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContainerLogs {
    logs: BTreeMap<(String, String), ContainerLog>,
}

impl ContainerLogs {
    /// A new instance of the container starts: its log begins empty, the last one is kept as
    /// the previous generation.
    pub fn start(&mut self, pod_uid: &str, container: &str) {
        let log = self.logs.entry((pod_uid.to_string(), container.to_string())).or_default();
        if log.starts > 0 {
            log.previous = Some(std::mem::take(&mut log.current));
        }
        log.starts += 1;
    }

    /// The container writes one line (a trailing newline is not part of `text`). Writing to a
    /// container that never started starts it.
    pub fn append(&mut self, pod_uid: &str, container: &str, at: SimTime, text: &str) {
        let log = self.logs.entry((pod_uid.to_string(), container.to_string())).or_default();
        log.starts = log.starts.max(1);
        Arc::make_mut(&mut log.current).push(LogLine { at, text: text.to_string() });
    }

    pub fn get(&self, pod_uid: &str, container: &str) -> Option<&ContainerLog> {
        self.logs.get(&(pod_uid.to_string(), container.to_string()))
    }

    /// Forgets every container of a pod (the kubelet's garbage collection after deletion).
    pub fn remove_pod(&mut self, pod_uid: &str) {
        self.logs.retain(|(uid, _), _| uid != pod_uid);
    }

    pub fn is_empty(&self) -> bool {
        self.logs.is_empty()
    }
}

impl Sim {
    pub fn container_logs(&self) -> &ContainerLogs {
        &self.logs
    }

    /// Appends a line to a container's log at the current simulated time (for kubelets).
    pub fn append_container_log(&mut self, pod_uid: &str, container: &str, text: &str) {
        let now = self.now;
        self.logs.append(pod_uid, container, now, text);
    }

    /// A new instance of a container starts (for kubelets): see [`ContainerLogs::start`].
    pub fn start_container_log(&mut self, pod_uid: &str, container: &str) {
        self.logs.start(pod_uid, container);
    }

    /// Forgets the logs of a deleted pod.
    pub fn remove_pod_logs(&mut self, pod_uid: &str) {
        self.logs.remove_pod(pod_uid);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(lines: &[LogLine]) -> Vec<&str> {
        lines.iter().map(|l| l.text.as_str()).collect()
    }

    #[test]
    fn restarts_keep_one_previous_generation() {
        let mut logs = ContainerLogs::default();
        logs.start("u1", "app");
        logs.append("u1", "app", SimTime(1), "first run");
        logs.start("u1", "app");
        logs.append("u1", "app", SimTime(2), "second run");
        logs.start("u1", "app");
        let log = logs.get("u1", "app").unwrap();
        assert!(log.current.is_empty());
        assert_eq!(texts(log.previous.as_deref().unwrap()), ["second run"]);
        assert_eq!(log.starts, 3);
    }

    #[test]
    fn pods_are_separate_and_removable() {
        let mut logs = ContainerLogs::default();
        logs.append("u1", "app", SimTime(5), "hello");
        logs.append("u2", "app", SimTime(6), "other pod");
        logs.remove_pod("u1");
        assert!(logs.get("u1", "app").is_none());
        assert_eq!(texts(&logs.get("u2", "app").unwrap().current), ["other pod"]);
    }

    #[test]
    fn snapshots_share_lines_until_written() {
        let mut sim = Sim::new(Default::default());
        sim.append_container_log("u1", "app", "before");
        let snap = sim.snapshot();
        sim.append_container_log("u1", "app", "after");
        assert_eq!(texts(&sim.container_logs().get("u1", "app").unwrap().current), ["before", "after"]);
        sim.restore(&snap);
        assert_eq!(texts(&sim.container_logs().get("u1", "app").unwrap().current), ["before"]);
    }
}
