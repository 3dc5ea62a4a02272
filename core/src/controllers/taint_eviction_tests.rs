//! The taint-eviction controller: `kubectl taint … :NoExecute` on a node with pods.

use k8s_openapi::api::core::v1::{Taint, Toleration};

use super::*;
use crate::console::run_line;
use crate::kubectl::NoFiles;
use crate::sim::{ClusterConfig, Sim};

fn run(sim: &mut Sim, line: &str) -> String {
    let out = run_line(sim, line, &NoFiles);
    assert_eq!(out.status, 0, "{line}: {}", out.stderr);
    out.stdout
}

fn pod(sim: &mut Sim, name: &str, tolerations: &str) {
    let yaml = format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\nspec:\n  nodeName: node-1\n  tolerations:\n{tolerations}  - {{key: node.kubernetes.io/not-ready, operator: Exists, effect: NoExecute, tolerationSeconds: 300}}\n  containers:\n  - name: c\n    image: nginx\n"
    );
    assert!(sim.apply("pod.yaml", &yaml).ok());
    // Not `settle`: it would run a scheduled eviction too.
    sim.advance(SimDuration::from_secs(5));
}

fn events(sim: &Sim, pod: &str) -> Vec<String> {
    sim.store()
        .list(Kind::Event, Some("default"))
        .filter_map(|o| match o.as_ref() {
            Object::Event(e) if e.involved_object.name.as_deref() == Some(pod) && e.reason.as_deref() == Some("TaintManagerEviction") => e.message.clone(),
            _ => None,
        })
        .collect()
}

fn exists(sim: &Sim, pod: &str) -> bool {
    sim.get(&ObjectRef::new(Kind::Pod, Some("default"), pod)).is_some()
}

fn toleration(key: &str, op: &str, value: Option<&str>, effect: Option<&str>, secs: Option<i64>) -> Toleration {
    Toleration { key: Some(key.into()).filter(|k: &String| !k.is_empty()), operator: Some(op.into()), value: value.map(Into::into), effect: effect.map(Into::into), toleration_seconds: secs }
}

#[test]
fn matching_tolerations_and_the_smallest_toleration_time() {
    let taints = [
        Taint { key: "a".into(), value: Some("1".into()), effect: "NoExecute".into(), time_added: None },
        Taint { key: "b".into(), value: None, effect: "NoExecute".into(), time_added: None },
    ];
    let cases: Vec<(Vec<Toleration>, bool, Option<u64>)> = vec![
        (vec![], false, None),
        (vec![toleration("a", "Equal", Some("1"), None, Some(30))], false, None),
        (vec![toleration("a", "Equal", Some("1"), None, Some(30)), toleration("b", "Exists", None, Some("NoExecute"), Some(60))], true, Some(30)),
        (vec![toleration("a", "Equal", Some("1"), None, None), toleration("b", "Exists", None, None, Some(60))], true, Some(60)),
        (vec![toleration("a", "Equal", Some("1"), None, None), toleration("b", "Exists", None, None, None)], true, None),
        (vec![toleration("", "Exists", None, None, Some(0))], true, Some(0)),
        (vec![toleration("", "Exists", None, Some("NoSchedule"), None)], false, None),
        (vec![toleration("a", "Equal", Some("2"), None, None), toleration("b", "Exists", None, None, None)], false, None),
    ];
    for (i, (tolerations, all, secs)) in cases.into_iter().enumerate() {
        let (got_all, used) = matching_tolerations(&taints, &tolerations);
        assert_eq!(got_all, all, "case {i}");
        if all {
            assert_eq!(min_toleration(&used).map(|d| d.as_secs()), secs, "case {i}");
        }
    }
    assert_eq!(min_toleration(&[]), Some(SimDuration::ZERO), "no toleration used: at once");
}

#[test]
fn an_untolerated_no_execute_taint_evicts_at_once_with_the_condition_and_event() {
    let mut sim = Sim::new(ClusterConfig::default());
    pod(&mut sim, "plain", "");
    assert!(exists(&sim, "plain"));
    run(&mut sim, "kubectl taint nodes node-1 dedicated=db:NoExecute");
    // Step until the pod is being deleted: the condition was written before the deletion.
    let key = ObjectRef::new(Kind::Pod, Some("default"), "plain");
    let mut marked = None;
    for _ in 0..100 {
        sim.step();
        if let Some(Object::Pod(p)) = sim.get(&key) {
            if p.metadata.deletion_timestamp.is_some() {
                marked = p.status.as_ref().and_then(|s| s.conditions.as_ref()).and_then(|cs| cs.iter().find(|c| c.type_ == "DisruptionTarget").cloned());
                break;
            }
        }
    }
    let c = marked.expect("the pod is being deleted, with a DisruptionTarget condition");
    assert_eq!((c.status.as_str(), c.reason.as_deref(), c.message.as_deref()), ("True", Some("DeletionByTaintManager"), Some("Taint manager: deleting due to NoExecute taint")));
    sim.advance(SimDuration::from_secs(5));
    assert_eq!(events(&sim, "plain"), vec!["Marking for deletion Pod default/plain".to_string()]);
    assert!(!exists(&sim, "plain"), "the kubelet finished the deletion");
}

#[test]
fn toleration_seconds_delay_the_eviction_and_removing_the_taint_cancels_it() {
    let mut sim = Sim::new(ClusterConfig::default());
    let sixty = "  - {key: dedicated, operator: Equal, value: db, effect: NoExecute, tolerationSeconds: 60}\n";
    pod(&mut sim, "patient", sixty);
    pod(&mut sim, "forever", "  - {key: dedicated, operator: Exists}\n");
    run(&mut sim, "kubectl taint nodes node-1 dedicated=db:NoExecute");
    sim.advance(SimDuration::from_millis(59_990));
    assert!(events(&sim, "patient").is_empty());
    sim.advance(SimDuration::from_secs(2));
    assert_eq!(events(&sim, "patient"), vec!["Marking for deletion Pod default/patient".to_string()]);
    assert!(!exists(&sim, "patient"));
    assert!(events(&sim, "forever").is_empty());
    assert!(exists(&sim, "forever"));

    // Another pod tolerating for a minute; the taint goes 30 s later: cancelled.
    pod(&mut sim, "spared", sixty);
    sim.advance(SimDuration::from_secs(25));
    run(&mut sim, "kubectl taint nodes node-1 dedicated:NoExecute-");
    sim.advance(SimDuration::from_secs(60));
    assert_eq!(events(&sim, "spared"), vec!["Cancelling deletion of Pod default/spared".to_string()]);
    assert!(exists(&sim, "spared"));
}
