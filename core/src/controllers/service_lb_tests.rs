//! The service controller: addresses from the pool, status, events, the cleanup finalizer.

use k8s_openapi::api::core::v1::Service;

use super::service_lb::{ingress_ip, FINALIZER};
use crate::api::{Kind, Object};
use crate::sim::{ClusterConfig, Sim};
use crate::store::ObjectRef;
use crate::time::SimDuration;

fn lb(name: &str, extra: &str) -> String {
    format!("apiVersion: v1\nkind: Service\nmetadata: {{name: {name}}}\nspec:\n  type: LoadBalancer\n  selector: {{app: web}}\n  ports: [{{port: 80}}]\n{extra}")
}

fn svc(sim: &Sim, name: &str) -> Option<Service> {
    match sim.get(&ObjectRef::new(Kind::Service, Some("default"), name)) {
        Some(Object::Service(s)) => Some((**s).clone()),
        _ => None,
    }
}

/// `(reason, message)` of the events about Service `name`, oldest first.
fn events(sim: &Sim, name: &str) -> Vec<(String, String)> {
    let mut evs: Vec<_> = sim
        .store()
        .list(Kind::Event, Some("default"))
        .filter_map(|o| match o.as_ref() {
            Object::Event(e) if e.involved_object.name.as_deref() == Some(name) && e.involved_object.kind.as_deref() == Some("Service") => {
                Some((e.metadata.resource_version.clone().unwrap_or_default().parse::<u64>().unwrap_or(0), e.reason.clone().unwrap_or_default(), e.message.clone().unwrap_or_default()))
            }
            _ => None,
        })
        .collect();
    evs.sort();
    evs.into_iter().map(|(_, r, m)| (r, m)).collect()
}

fn cluster() -> Sim {
    let mut sim = Sim::new(ClusterConfig::bare());
    sim.advance(SimDuration::from_secs(1));
    sim
}

fn run(sim: &mut Sim, line: &str) -> String {
    let out = crate::console::run_line(sim, line, &crate::kubectl::NoFiles);
    format!("{}{}", out.stdout, out.stderr)
}

#[test]
fn a_load_balancer_gets_the_first_free_address_its_finalizer_and_the_events() {
    let mut sim = cluster();
    sim.apply("a.yaml", &lb("a", ""));
    sim.advance(SimDuration::from_secs(1));
    let s = svc(&sim, "a").unwrap();
    assert_eq!(ingress_ip(&s), Some("198.51.100.1".parse().unwrap()));
    assert_eq!(s.metadata.finalizers.as_deref(), Some(&[FINALIZER.to_string()][..]));
    let want = [("EnsuringLoadBalancer", "Ensuring load balancer"), ("EnsuredLoadBalancer", "Ensured load balancer")];
    let got = events(&sim, "a");
    assert_eq!(got.iter().map(|(r, m)| (r.as_str(), m.as_str())).collect::<Vec<_>>(), want);
    // Settled: the status write does not start another round.
    sim.advance(SimDuration::from_secs(30));
    assert_eq!(events(&sim, "a").len(), 2);
    let table = run(&mut sim, "kubectl get svc a");
    assert!(table.contains("198.51.100.1"), "{table}");
    let described = run(&mut sim, "kubectl describe svc a");
    assert!(described.contains("LoadBalancer Ingress:     198.51.100.1 (VIP)\n"), "{described}");
    // A second Service gets the next address.
    sim.apply("b.yaml", &lb("b", ""));
    sim.advance(SimDuration::from_secs(1));
    assert_eq!(ingress_ip(&svc(&sim, "b").unwrap()), Some("198.51.100.2".parse().unwrap()));
}

#[test]
fn deleting_releases_the_address_after_cleanup() {
    let mut sim = cluster();
    sim.apply("a.yaml", &lb("a", ""));
    sim.advance(SimDuration::from_secs(1));
    run(&mut sim, "kubectl delete svc a");
    sim.advance(SimDuration::from_secs(1));
    assert!(svc(&sim, "a").is_none(), "the finalizer was removed, so the Service is gone");
    let reasons: Vec<String> = events(&sim, "a").into_iter().map(|(r, _)| r).collect();
    assert_eq!(&reasons[2..], ["DeletingLoadBalancer", "DeletedLoadBalancer"]);
    let msgs: Vec<String> = events(&sim, "a").into_iter().map(|(_, m)| m).collect();
    assert_eq!(&msgs[2..], ["Deleting load balancer", "Deleted load balancer"]);
    // The address is free again.
    sim.apply("b.yaml", &lb("b", ""));
    sim.advance(SimDuration::from_secs(1));
    assert_eq!(ingress_ip(&svc(&sim, "b").unwrap()), Some("198.51.100.1".parse().unwrap()));
}

#[test]
fn changing_the_type_cleans_up_and_empties_the_status() {
    let mut sim = cluster();
    sim.apply("a.yaml", &lb("a", ""));
    sim.advance(SimDuration::from_secs(1));
    let mut s = svc(&sim, "a").unwrap();
    s.spec.as_mut().unwrap().type_ = Some("ClusterIP".into());
    s.spec.as_mut().unwrap().ports.as_mut().unwrap()[0].node_port = None;
    let yaml = serde_norway::to_string(&s).unwrap();
    sim.apply("a.yaml", &yaml);
    sim.advance(SimDuration::from_secs(1));
    let s = svc(&sim, "a").unwrap();
    assert_eq!(s.metadata.finalizers.as_deref().unwrap_or_default(), &[] as &[String]);
    assert_eq!(ingress_ip(&s), None);
    let reasons: Vec<String> = events(&sim, "a").into_iter().map(|(r, _)| r).collect();
    assert_eq!(reasons, ["EnsuringLoadBalancer", "EnsuredLoadBalancer", "DeletingLoadBalancer", "DeletedLoadBalancer"]);
}

#[test]
fn load_balancer_ip_is_honoured_when_free_and_refused_otherwise() {
    let cases: &[(&str, Option<&str>, Option<&str>)] = &[
        ("198.51.100.77", Some("198.51.100.77"), None),
        ("192.0.2.5", None, Some("Error syncing load balancer: failed to ensure load balancer: requested load balancer IP 192.0.2.5 is not in the address pool 198.51.100.0/24")),
        ("198.51.100.1", None, Some("Error syncing load balancer: failed to ensure load balancer: requested load balancer IP 198.51.100.1 is in use by another load balancer")),
    ];
    for (requested, got, warning) in cases {
        let mut sim = cluster();
        sim.apply("a.yaml", &lb("a", ""));
        sim.advance(SimDuration::from_secs(1));
        sim.apply("b.yaml", &lb("b", &format!("  loadBalancerIP: {requested}\n")));
        sim.advance(SimDuration::from_secs(1));
        let b = svc(&sim, "b").unwrap();
        assert_eq!(ingress_ip(&b).map(|i| i.to_string()).as_deref(), *got, "{requested}");
        let failed: Vec<String> = events(&sim, "b").into_iter().filter(|(r, _)| r == "SyncLoadBalancerFailed").map(|(_, m)| m).collect();
        assert_eq!(failed.first().map(String::as_str), *warning, "{requested}");
        if warning.is_some() {
            let table = run(&mut sim, "kubectl get svc b");
            assert!(table.contains("<pending>"), "{table}");
        }
    }
}

#[test]
fn a_load_balancer_class_is_left_to_its_own_controller() {
    let mut sim = cluster();
    sim.apply("a.yaml", &lb("a", "  loadBalancerClass: example.com/other\n"));
    sim.advance(SimDuration::from_secs(2));
    let s = svc(&sim, "a").unwrap();
    assert_eq!(ingress_ip(&s), None);
    assert!(s.metadata.finalizers.is_none());
    assert!(events(&sim, "a").is_empty());
}

#[test]
fn a_node_labelled_out_leaves_the_hosts_with_an_event() {
    let mut sim = cluster();
    sim.apply("a.yaml", &lb("a", ""));
    sim.advance(SimDuration::from_secs(1));
    let lb_rules = |sim: &Sim| {
        let id = sim.net().cloud_lb().unwrap();
        sim.net().netfilter(id).unwrap().save(Some(crate::net::netfilter::TableId::Nat), false, sim.now())
    };
    assert!(lb_rules(&sim).contains("default/a load balancer"), "{}", lb_rules(&sim));
    assert!(lb_rules(&sim).contains("target node-1"), "{}", lb_rules(&sim));
    run(&mut sim, "kubectl label node node-1 node.kubernetes.io/exclude-from-external-load-balancers=true");
    sim.advance(SimDuration::from_secs(1));
    assert!(!lb_rules(&sim).contains("target node-1") && lb_rules(&sim).contains("target node-2"), "{}", lb_rules(&sim));
    let last = events(&sim, "a").pop().unwrap();
    assert_eq!(last, ("UpdatedLoadBalancer".to_string(), "Updated load balancer with new hosts".to_string()));
    // Nothing else changed: no further event.
    sim.advance(SimDuration::from_secs(60));
    assert_eq!(events(&sim, "a").len(), 3);
}
