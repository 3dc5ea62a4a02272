//! Tests of `trace_rows`: hops by machine, and netfilter hops split into hook, conntrack,
//! TRACE lines, NAT and verdict, from hand-made details and from traces through Services.

use std::net::Ipv4Addr;
use std::sync::Arc;

use super::*;
use crate::api::{Kind, Object};
use crate::console::Console;
use crate::kubectl::NoFiles;
use crate::net::netfilter::rule::CtState;
use crate::net::netfilter::{Hook, NatNote, TableId, Visit, VisitKind};
use crate::store::ObjectRef;
use crate::ClusterConfig;

const PODS: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {nodeName: node-1, containers: [{name: web, image: \"nginx:1.27\"}]}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: c}\nspec: {nodeName: node-2, containers: [{name: web, image: \"nginx:1.27\"}]}\n";

#[test]
fn a_cross_node_trace_becomes_rows_by_machine() {
    let mut sim = Sim::new(ClusterConfig::default());
    assert_eq!(trace_rows(&sim), None);
    sim.apply("pods.yaml", PODS);
    let mut console = Console::new();
    console.run_line(&mut sim, "advance 30s", &NoFiles);
    let out = console.run_line(&mut sim, "trace pod/a 10.244.1.2:80", &NoFiles);
    assert_eq!(out.status, 0, "{}", out.stderr);
    let view = trace_rows(&sim).expect("a trace");
    assert_eq!(view.outcome_kind, "delivered");
    assert!(view.outcome.contains("three-way handshake complete"), "{}", view.outcome);
    let first = &view.hops[0];
    assert_eq!((first.machine.as_str(), first.pod.as_deref(), first.stage, first.at_ms.as_str()), ("node-1", Some("default/a"), "send", "0.000"));
    let encap = view.hops.iter().find(|h| h.stage == "encapsulate").expect("encapsulation");
    assert_eq!((encap.machine.as_str(), encap.pod.as_deref(), encap.device.as_deref()), ("node-1", None, Some("flannel.1")));
    assert!(encap.headers.iter().any(|l| l == "vxlan vni 1"), "{:?}", encap.headers);
    assert!(encap.headers[0].starts_with("ip 192.168.56.11 > 192.168.56.12 ttl 64"), "outermost first: {:?}", encap.headers);
    assert!(view.hops.iter().any(|h| h.stage == "decapsulate" && h.machine == "node-2"));
    assert_eq!(view.hops.last().map(|h| h.stage), Some("deliver"));
    for h in &view.hops {
        // Without a NetworkPolicy there is no policy agent's hop, whose detail is text.
        assert_eq!(h.netfilter.is_some(), h.stage == "netfilter", "netfilter hops, and only they, carry a netfilter row: {h:?}");
    }
}

fn visit(table: TableId, chain: &str, kind: VisitKind, target: &str, comment: Option<&str>) -> Visit {
    Visit { table, chain: chain.into(), kind, target: target.into(), comment: comment.map(Arc::from) }
}

fn nat(kind: NatKind, by_rule: Option<&'static str>, reply: bool) -> Option<NatNote> {
    let (a, b) = ((Ipv4Addr::new(10, 96, 0, 20), 80), (Ipv4Addr::new(10, 244, 2, 2), 8080));
    Some(NatNote { kind, by_rule, reply, from: a, to: b })
}

fn detail(hook: Hook, nat: Option<NatNote>, verdict: HookVerdict) -> NfDetail {
    NfDetail {
        hook,
        bridged: false,
        ct: CtState::New,
        ct_new: true,
        visits: vec![
            visit(TableId::Mangle, "PREROUTING", VisitKind::Policy(1), "ACCEPT", None),
            visit(TableId::Nat, "KUBE-SERVICES", VisitKind::Rule(2), "-j KUBE-SVC-LOLE4ISW44XBNF3G", Some("default/web cluster IP")),
            visit(TableId::Filter, "KUBE-FORWARD", VisitKind::Return(4), "", None),
        ],
        nat,
        verdict,
    }
}

/// The NAT as the row gives it: (target, by rule, reply, destination rewritten), or None.
type NatExpect = Option<(&'static str, bool, bool, bool)>;

fn check(d: NfDetail, nat_expect: NatExpect, verdict: (&str, Option<&str>)) {
    let row = netfilter_row(&d);
    assert_eq!(row.hook, d.hook.chain());
    let got = row.nat.as_ref().map(|n| (n.target, n.by_rule, n.reply, n.destination));
    assert_eq!(got, nat_expect, "{d}");
    if let Some(n) = &row.nat {
        assert_eq!((n.from.as_str(), n.to.as_str()), ("10.96.0.20:80", "10.244.2.2:8080"));
        assert!(d.to_string().contains("10.96.0.20:80 → 10.244.2.2:8080"), "{d}");
    }
    assert_eq!((row.verdict, row.reject_with.as_deref()), verdict, "{d}");
}

#[test]
fn netfilter_details_split_into_nat_and_verdict() {
    use HookVerdict::{Accept, Drop};
    let reject = || HookVerdict::Reject { with: "icmp-port-unreachable".into() };
    let accept = ("ACCEPT", None);
    check(detail(Hook::Prerouting, nat(NatKind::Dst, Some("DNAT"), false), Accept), Some(("DNAT", true, false, true)), accept);
    check(detail(Hook::Output, nat(NatKind::Dst, Some("REDIRECT"), false), Accept), Some(("REDIRECT", true, false, true)), accept);
    check(detail(Hook::Postrouting, nat(NatKind::Src, Some("MASQUERADE"), false), Accept), Some(("MASQUERADE", true, false, false)), accept);
    check(detail(Hook::Postrouting, nat(NatKind::Src, Some("SNAT"), false), Accept), Some(("SNAT", true, false, false)), accept);
    // Later packets of the connection: conntrack applies the mapping without the nat table.
    check(detail(Hook::Prerouting, nat(NatKind::Dst, None, false), Accept), Some(("DNAT", false, false, true)), accept);
    check(detail(Hook::Postrouting, nat(NatKind::Src, None, false), Accept), Some(("SNAT", false, false, false)), accept);
    // Replies: conntrack undoes the mapping (a DNAT is undone on the reply's source).
    check(detail(Hook::Forward, nat(NatKind::Src, None, true), Accept), Some(("DNAT", false, true, false)), accept);
    check(detail(Hook::Prerouting, nat(NatKind::Dst, None, true), Accept), Some(("SNAT", false, true, true)), accept);
    check(detail(Hook::Input, None, Accept), None, accept);
    check(detail(Hook::Forward, None, Drop), None, ("DROP", None));
    check(detail(Hook::Forward, None, reject()), None, ("REJECT", Some("icmp-port-unreachable")));
}

#[test]
fn trace_lines_keep_their_order_targets_and_comments() {
    let mut d = detail(Hook::Prerouting, None, HookVerdict::Accept);
    d.bridged = true;
    d.ct = CtState::Established;
    d.ct_new = false;
    let row = netfilter_row(&d);
    assert_eq!((row.hook, row.bridged, row.conntrack, row.new_entry), ("PREROUTING", true, "ESTABLISHED", false));
    let lines: Vec<(&str, &str, Option<&str>)> = row.rules.iter().map(|r| (r.trace.as_str(), r.target.as_str(), r.comment.as_deref())).collect();
    assert_eq!(
        lines,
        [
            ("mangle:PREROUTING:policy:1", "ACCEPT", None),
            ("nat:KUBE-SERVICES:rule:2", "-j KUBE-SVC-LOLE4ISW44XBNF3G", Some("default/web cluster IP")),
            ("filter:KUBE-FORWARD:return:4", "", None),
        ]
    );
}

const SERVICE_APP: &str = r#"
apiVersion: v1
kind: Pod
metadata: {name: web-1, labels: {app: web}}
spec: {nodeName: node-2, containers: [{name: web, image: "nginx:1.27", ports: [{containerPort: 80}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: client}
spec: {nodeName: node-1, containers: [{name: c, image: "busybox:1.36", command: [sleep, "3600"]}]}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: nobody}
spec:
  selector: {app: nothing}
  ports: [{port: 80}]
"#;

/// A cluster with the Services above, and `trace pod/client` run to `service`'s cluster IP.
fn trace_to_service(service: &str) -> (TraceView, String) {
    let mut sim = Sim::new(ClusterConfig::bare());
    sim.apply("app.yaml", SERVICE_APP);
    let mut console = Console::new();
    console.run_line(&mut sim, "advance 30s", &NoFiles);
    let ip = match sim.get(&ObjectRef::new(Kind::Service, Some("default"), service)) {
        Some(Object::Service(s)) => s.spec.as_ref().and_then(|s| s.cluster_ip.clone()).expect("a cluster IP"),
        _ => panic!("no service {service}"),
    };
    let out = console.run_line(&mut sim, &format!("trace pod/client {ip}:80"), &NoFiles);
    assert!(!out.stdout.is_empty(), "{}", out.stderr);
    (trace_rows(&sim).expect("a trace"), ip)
}

#[test]
fn a_trace_to_a_cluster_ip_shows_the_dnat_and_its_undoing() {
    let (view, ip) = trace_to_service("web");
    assert_eq!(view.outcome_kind, "delivered", "{}", view.outcome);
    let web_1 = view.hops.iter().find(|h| h.pod.as_deref() == Some("default/web-1")).expect("a hop in web-1");
    let dnat = view
        .hops
        .iter()
        .find(|h| h.netfilter.as_ref().is_some_and(|n| n.nat.as_ref().is_some_and(|n| n.target == "DNAT" && n.by_rule)))
        .expect("a DNAT decided by a rule");
    let nf = dnat.netfilter.as_ref().expect("netfilter");
    assert_eq!(
        (dnat.machine.as_str(), dnat.stage, nf.hook, nf.conntrack, nf.new_entry, nf.verdict),
        ("node-1", "netfilter", "PREROUTING", "NEW", true, "ACCEPT")
    );
    let n = nf.nat.as_ref().expect("nat");
    assert_eq!(n.from, format!("{ip}:80"));
    assert!(n.to.starts_with("10.244.1.") && n.to.ends_with(":80"), "to web-1 on node-2: {}", n.to);
    assert_eq!(web_1.machine, "node-2");
    let jumps: Vec<&str> = nf.rules.iter().map(|r| r.trace.as_str()).collect();
    assert!(jumps.contains(&"nat:PREROUTING:rule:1") && jumps.iter().any(|t| t.starts_with("nat:KUBE-SEP-")), "{jumps:?}");
    let last = nf.rules.last().expect("a TRACE line");
    assert!(last.target.starts_with("-j DNAT --to-destination 10.244.1."), "{last:?}");
    assert!(dnat.headers.iter().any(|l| l.starts_with("ip 10.244.0.") && l.contains(&format!("> {}", n.to.trim_end_matches(":80")))), "{:?}", dnat.headers);
    assert!(dnat.detail.contains(&format!("DNAT {ip}:80 → {}", n.to)), "{}", dnat.detail);

    // The SYN-ACK gets the cluster IP back as its source on the client's node.
    let undo = view.hops.iter().filter_map(|h| Some((h, h.netfilter.as_ref()?.nat.as_ref()?))).find(|(_, n)| n.reply).expect("the reply's rewrite");
    assert_eq!((undo.0.machine.as_str(), undo.1.target, undo.1.destination, undo.1.to.as_str()), ("node-1", "DNAT", false, format!("{ip}:80").as_str()));
}

#[test]
fn a_service_without_endpoints_is_a_rejecting_drop_row() {
    let (view, _) = trace_to_service("nobody");
    assert_eq!(view.outcome_kind, "refused", "{}", view.outcome);
    let drop = view.hops.iter().find(|h| h.stage == "drop" && h.netfilter.is_some()).expect("the REJECT hop");
    let nf = drop.netfilter.as_ref().expect("netfilter");
    assert_eq!((drop.machine.as_str(), nf.hook, nf.verdict, nf.reject_with.as_deref()), ("node-1", "FORWARD", "REJECT", Some("icmp-port-unreachable")));
    assert_eq!(nf.nat, None);
    let last = nf.rules.last().expect("a TRACE line");
    assert_eq!((last.trace.as_str(), last.target.as_str()), ("filter:KUBE-SERVICES:rule:1", "-j REJECT --reject-with icmp-port-unreachable"));
}
