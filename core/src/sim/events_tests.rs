//! The recorder's aggregation: a repeat bumps count and lastTimestamp; anything that differs,
//! or a repeat whose Event is gone, makes a new Event.

use k8s_openapi::api::core::v1::{Event, ObjectReference};

use super::*;
use crate::api::Kind;
use crate::sim::apiserver::Propagation;
use crate::sim::Sim;
use crate::time::SimDuration;
use crate::ClusterConfig;

fn pod_ref(name: &str) -> ObjectReference {
    ObjectReference {
        kind: Some("Pod".into()),
        name: Some(name.into()),
        namespace: Some("default".into()),
        uid: Some(format!("uid-{name}")),
        ..Default::default()
    }
}

fn report(sim: &mut Sim, pod: &str, reason: &str, message: &str, by: &str) {
    let mut api = sim.api();
    let report = Report { event_type: EventType::Normal, reason, message };
    record_about(&mut api, pod_ref(pod), report, &Component::new(by), None, Cause::Bootstrap);
}

fn events(sim: &Sim) -> Vec<Event> {
    sim.store()
        .list(Kind::Event, Some("default"))
        .filter_map(|o| match o.as_ref() {
            Object::Event(e) if matches!(e.involved_object.name.as_deref(), Some("p1" | "p2")) => Some((**e).clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn repeats_aggregate_and_differences_do_not() {
    let mut sim = Sim::new(ClusterConfig::default());
    report(&mut sim, "p1", "Pulled", "Pulled nginx", "kubelet/node-1");
    sim.advance(SimDuration::from_secs(3));
    // The same report from the same component (another host of it counts the same): one Event.
    report(&mut sim, "p1", "Pulled", "Pulled nginx", "kubelet/node-2");
    let e = events(&sim);
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].count, Some(2));
    assert_ne!(e[0].first_timestamp, e[0].last_timestamp);
    // A different message, reason, object or component: new Events.
    for (pod, reason, message, by) in [
        ("p1", "Pulled", "Pulled redis", "kubelet/node-1"),
        ("p1", "Started", "Pulled nginx", "kubelet/node-1"),
        ("p2", "Pulled", "Pulled nginx", "kubelet/node-1"),
        ("p1", "Pulled", "Pulled nginx", "default-scheduler"),
    ] {
        report(&mut sim, pod, reason, message, by);
    }
    let e = events(&sim);
    assert_eq!(e.len(), 5);
    assert_eq!(e.iter().map(|e| e.count.unwrap_or(0)).sum::<i32>(), 6);
}

#[test]
fn events_in_one_microsecond_get_distinct_names() {
    let mut sim = Sim::new(ClusterConfig::default());
    report(&mut sim, "p1", "Pulling", "Pulling image", "kubelet/node-1");
    report(&mut sim, "p1", "Pulled", "Pulled image", "kubelet/node-1");
    let names: Vec<String> = events(&sim).into_iter().filter_map(|e| e.metadata.name).collect();
    assert_eq!(names.len(), 2);
    let hex: Vec<u64> = names.iter().map(|n| u64::from_str_radix(n.strip_prefix("p1.").unwrap(), 16).unwrap()).collect();
    assert_eq!(hex[1] - hex[0], 1, "{names:?}");
    // A repeat of the second one still finds it.
    report(&mut sim, "p1", "Pulled", "Pulled image", "kubelet/node-1");
    assert_eq!(events(&sim).iter().map(|e| e.count.unwrap_or(0)).collect::<Vec<_>>(), [1, 2]);
}

#[test]
fn a_repeat_after_its_event_is_deleted_makes_a_new_one() {
    let mut sim = Sim::new(ClusterConfig::default());
    report(&mut sim, "p1", "Pulled", "Pulled nginx", "kubelet/node-1");
    let first = events(&sim)[0].metadata.name.clone().unwrap();
    let key = ObjectRef::new(Kind::Event, Some("default"), &first);
    sim.api().delete(&key, Propagation::Background, &Component::new("kubectl"), Cause::Bootstrap).unwrap();
    sim.advance(SimDuration::from_secs(1));
    report(&mut sim, "p1", "Pulled", "Pulled nginx", "kubelet/node-1");
    let e = events(&sim);
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].count, Some(1));
    assert_ne!(e[0].metadata.name.as_deref(), Some(first.as_str()));
}
