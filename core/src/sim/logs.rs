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
//!
//! Cost: a line's text is shared, not copied ([`LineText`]): a program's fixed lines are its
//! `&'static str`s, and a line many containers print alike (a server's start-up log in the same
//! second) is one `Arc<str>`. Lines are found by pod uid, then container name, without building
//! a key.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

use crate::time::SimTime;

use super::Sim;

/// One line a container wrote, with the simulated time it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    pub at: SimTime,
    pub text: LineText,
}

/// The text of a line (without its newline), shared between the containers that print it.
#[derive(Debug, Clone)]
pub enum LineText {
    /// A fixed line of a program.
    Static(&'static str),
    Shared(Arc<str>),
}

impl LineText {
    pub fn as_str(&self) -> &str {
        match self {
            LineText::Static(s) => s,
            LineText::Shared(s) => s,
        }
    }
}

impl Deref for LineText {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq for LineText {
    fn eq(&self, other: &LineText) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for LineText {}

impl fmt::Display for LineText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<&str> for LineText {
    fn from(text: &str) -> LineText {
        LineText::Shared(Arc::from(text))
    }
}

/// The log generations of one container.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContainerLog {
    pub current: Arc<Vec<LogLine>>,
    pub previous: Option<Arc<Vec<LogLine>>>,
    /// How many instances have started (0: never started).
    pub starts: u32,
}

/// Every container's log, by pod uid, then container name (in the order they first wrote).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContainerLogs {
    logs: BTreeMap<String, Vec<(String, ContainerLog)>>,
}

impl ContainerLogs {
    fn log_mut(&mut self, pod_uid: &str, container: &str) -> Option<&mut ContainerLog> {
        if !self.logs.contains_key(pod_uid) {
            // Most pods have one container.
            self.logs.insert(pod_uid.to_string(), Vec::with_capacity(1));
        }
        let pod = self.logs.get_mut(pod_uid)?;
        let at = match pod.iter().position(|(name, _)| name == container) {
            Some(i) => i,
            None => {
                pod.push((container.to_string(), ContainerLog::default()));
                pod.len() - 1
            }
        };
        pod.get_mut(at).map(|(_, log)| log)
    }

    /// A new instance of the container starts: its log begins empty, the last one is kept as
    /// the previous generation.
    pub fn start(&mut self, pod_uid: &str, container: &str) {
        let Some(log) = self.log_mut(pod_uid, container) else { return };
        if log.starts > 0 {
            log.previous = Some(std::mem::take(&mut log.current));
        }
        log.starts += 1;
    }

    /// The container writes one line (a trailing newline is not part of `text`). Writing to a
    /// container that never started starts it.
    pub fn append(&mut self, pod_uid: &str, container: &str, at: SimTime, text: &str) {
        self.append_lines(pod_uid, container, at, [LineText::from(text)]);
    }

    /// The container writes `lines` at `at`, as [`ContainerLogs::append`] does one by one.
    pub fn append_lines(&mut self, pod_uid: &str, container: &str, at: SimTime, lines: impl IntoIterator<Item = LineText>) {
        let Some(log) = self.log_mut(pod_uid, container) else { return };
        log.starts = log.starts.max(1);
        Arc::make_mut(&mut log.current).extend(lines.into_iter().map(|text| LogLine { at, text }));
    }

    pub fn get(&self, pod_uid: &str, container: &str) -> Option<&ContainerLog> {
        self.logs.get(pod_uid)?.iter().find(|(name, _)| name == container).map(|(_, log)| log)
    }

    /// Forgets every container of a pod (the kubelet's garbage collection after deletion).
    pub fn remove_pod(&mut self, pod_uid: &str) {
        self.logs.remove(pod_uid);
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
    fn lines_keep_their_order_and_time_whether_fixed_or_shared() {
        let mut logs = ContainerLogs::default();
        let shared = LineText::from("2024/01/01 00:00:05 [notice] 1#1: start worker processes");
        logs.append("u1", "web", SimTime(1), "first");
        logs.append_lines("u1", "web", SimTime(2), [LineText::Static("fixed"), shared.clone()]);
        logs.append_lines("u2", "web", SimTime(3), [shared.clone()]);
        logs.append("u1", "sidecar", SimTime(4), "other container");
        let web = &logs.get("u1", "web").unwrap().current;
        assert_eq!(texts(web), ["first", "fixed", "2024/01/01 00:00:05 [notice] 1#1: start worker processes"]);
        assert_eq!(web.iter().map(|l| l.at).collect::<Vec<_>>(), [SimTime(1), SimTime(2), SimTime(2)]);
        assert_eq!(texts(&logs.get("u1", "sidecar").unwrap().current), ["other container"]);
        assert_eq!(logs.get("u1", "web").unwrap().starts, 1);
        assert!(logs.get("u1", "nope").is_none() && logs.get("u3", "web").is_none());
        // The same text is one allocation, and equal whichever way it is held.
        let (LineText::Shared(a), LineText::Shared(b)) = (&web[2].text, &logs.get("u2", "web").unwrap().current[0].text) else { panic!("shared") };
        assert!(Arc::ptr_eq(a, b));
        assert_eq!(LineText::Static("x"), LineText::from("x"));
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
