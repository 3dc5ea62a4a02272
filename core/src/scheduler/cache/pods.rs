//! The cache's bound pods: each pod event adds, moves or removes a pod's requests, host ports
//! and owner on its node, and keeps the per-zone count of each owner's pods (what default
//! spreading scores read).

use std::sync::Arc;

use k8s_openapi::api::core::v1::Pod;

use crate::api::Object;
use crate::store::{ObjectRef, WatchEventType};

use super::super::resources::pod_requests;
use super::{controller_uid, host_ports, Cache, PodInfo};

impl Cache {
    pub(super) fn zone_count(&mut self, zone: u32, owner: u32, delta: i64) {
        let counts = self.zone_owners.entry(owner).or_default();
        let z = zone as usize;
        if counts.len() <= z {
            counts.resize(z + 1, 0);
        }
        counts[z] = (counts[z] as i64 + delta).max(0) as u32;
        if counts.iter().all(|&c| c == 0) {
            self.zone_owners.remove(&owner);
        }
    }

    pub(super) fn pod_event(&mut self, key: &ObjectRef, event_type: WatchEventType, obj: &Arc<Object>) {
        let Object::Pod(pod) = obj.as_ref() else { return };
        let node = pod.spec.as_ref().and_then(|s| s.node_name.clone()).filter(|n| !n.is_empty());
        let phase = pod.status.as_ref().and_then(|s| s.phase.as_deref());
        // Terminated pods leave the cache: the scheduler's informer lists bound pods with
        // `status.phase!=Succeeded,status.phase!=Failed`.
        let terminal = matches!(phase, Some("Succeeded") | Some("Failed"));
        let assigned = match (&node, event_type) {
            (Some(n), WatchEventType::Added | WatchEventType::Modified) if !terminal => Some(n.clone()),
            _ => None,
        };
        if event_type == WatchEventType::Deleted || assigned.is_some() {
            self.queue.remove(key);
        }
        // A pending pod deleted: its failed decision goes with it.
        if event_type == WatchEventType::Deleted && node.is_none() {
            self.decisions.forget_failed(key);
        }
        match (self.pods.get(key), assigned) {
            (Some(old), Some(n)) if old.node == n && old.pod.metadata().labels == obj.metadata().labels => {
                if let Some(p) = self.pods.get_mut(key) {
                    p.pod = obj.clone();
                }
            }
            (_, Some(n)) => {
                self.remove_pod(key);
                self.add_pod(key, n, obj.clone(), pod);
            }
            (Some(_), None) => {
                self.remove_pod(key);
                self.epoch += 1;
            }
            (None, None) => {}
        }
    }

    fn add_pod(&mut self, key: &ObjectRef, node: String, obj: Arc<Object>, pod: &Pod) {
        let spec = pod.spec.as_ref();
        let requests = spec.map(pod_requests).unwrap_or_default();
        let ports = spec.map(host_ports).unwrap_or_default();
        let owner = controller_uid(pod).map(|uid| self.intern_owner(uid));
        if spec.and_then(|s| s.affinity.as_ref()).and_then(|a| a.pod_anti_affinity.as_ref()).is_some_and(|a| {
            a.required_during_scheduling_ignored_during_execution.as_ref().is_some_and(|t| !t.is_empty())
        }) {
            self.anti_affinity_pods.insert(key.clone());
        }
        if crate::scheduler::plugins::inter_pod_affinity::scores_others(pod) {
            self.affinity_score_pods.insert(key.clone());
        }
        let info = self.node_entry(&node);
        info.requested.add(&requests.real);
        info.non_zero_requested.add(&requests.non_zero);
        info.pods.insert(key.clone());
        for p in &ports {
            *info.used_ports.entry(p.clone()).or_default() += 1;
        }
        if let Some(o) = owner {
            info.owners.add(o);
            let zone = info.zone_id;
            self.zone_count(zone, o, 1);
        }
        self.pods.insert(key.clone(), PodInfo { node, pod: obj, requests, ports, owner });
    }

    fn remove_pod(&mut self, key: &ObjectRef) {
        let Some(p) = self.pods.remove(key) else { return };
        self.anti_affinity_pods.remove(key);
        self.affinity_score_pods.remove(key);
        let Some(info) = self.node_mut(&p.node) else { return };
        info.requested.sub(&p.requests.real);
        info.non_zero_requested.sub(&p.requests.non_zero);
        info.pods.remove(key);
        for port in &p.ports {
            if let Some(n) = info.used_ports.get_mut(port) {
                *n -= 1;
                if *n == 0 {
                    info.used_ports.remove(port);
                }
            }
        }
        let zone = info.zone_id;
        if let Some(o) = p.owner {
            info.owners.remove(o);
        }
        let gone = info.node.is_none() && info.pods.is_empty();
        if gone {
            self.drop_node(&p.node);
        }
        if let Some(o) = p.owner {
            self.zone_count(zone, o, -1);
        }
    }
}
