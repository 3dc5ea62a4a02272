//! CoreDNS's answers for each row of the DNS specification, NXDOMAIN versus NODATA, forwarding.

use serde_json::{json, Value};

use super::message::{rcode, rtype, Message, Question};
use super::records::{answer, respond, wire, CoreDns, Outcome};
use super::text::record_line;
use crate::api::{Kind, Object};
use crate::store::{Cause, Component, Store};
use crate::time::SimTime;

fn put(store: &mut Store, kind: Kind, v: Value) {
    let obj = Object::from_value(kind, v).expect("object");
    store.create(obj, SimTime(0), Component::new("test"), Cause::Bootstrap).expect("create");
}

fn ns(store: &mut Store, name: &str) {
    put(store, Kind::Namespace, json!({"metadata": {"name": name}}));
}

fn service(store: &mut Store, ns: &str, name: &str, spec: Value) {
    put(store, Kind::Service, json!({"metadata": {"name": name, "namespace": ns}, "spec": spec}));
}

fn slice(store: &mut Store, ns: &str, name: &str, svc: &str, endpoints: Value, ports: Value) {
    put(
        store,
        Kind::EndpointSlice,
        json!({"metadata": {"name": name, "namespace": ns, "labels": {"kubernetes.io/service-name": svc}},
               "addressType": "IPv4", "endpoints": endpoints, "ports": ports}),
    );
}

pub(super) fn cluster() -> Store {
    let mut s = Store::new();
    for n in ["default", "kube-system", "shop", "empty"] {
        ns(&mut s, n);
    }
    service(
        &mut s,
        "default",
        "kubernetes",
        json!({"clusterIP": "10.96.0.1", "clusterIPs": ["10.96.0.1"], "ports": [{"name": "https", "port": 443, "protocol": "TCP"}]}),
    );
    service(
        &mut s,
        "kube-system",
        "kube-dns",
        json!({"clusterIP": "10.96.0.10", "ports": [{"name": "dns", "port": 53, "protocol": "UDP"}, {"name": "dns-tcp", "port": 53, "protocol": "TCP"}]}),
    );
    service(
        &mut s,
        "shop",
        "web",
        json!({"clusterIP": "10.96.12.34", "clusterIPs": ["10.96.12.34"], "ports": [{"name": "http", "port": 80, "protocol": "TCP"}, {"port": 9090, "protocol": "TCP"}]}),
    );
    slice(
        &mut s,
        "shop",
        "web-abcde",
        "web",
        json!([{"addresses": ["10.244.1.5"], "conditions": {"ready": true}}]),
        json!([{"name": "http", "port": 8080, "protocol": "TCP"}]),
    );
    service(&mut s, "shop", "db", json!({"clusterIP": "None", "ports": [{"name": "pg", "port": 5432, "protocol": "TCP"}]}));
    slice(
        &mut s,
        "shop",
        "db-xyz12",
        "db",
        json!([
            {"addresses": ["10.244.1.7"], "hostname": "db-0", "conditions": {"ready": true}},
            {"addresses": ["10.244.2.8"], "hostname": "db-1", "conditions": {"ready": false}},
            {"addresses": ["10.244.2.9"], "conditions": {}}
        ]),
        json!([{"name": "pg", "port": 5432, "protocol": "TCP"}]),
    );
    service(&mut s, "shop", "idle", json!({"clusterIP": "None", "ports": [{"port": 80}]}));
    slice(
        &mut s,
        "shop",
        "idle-aaaaa",
        "idle",
        json!([{"addresses": ["10.244.3.3"], "conditions": {"ready": false}}]),
        json!([{"port": 80, "protocol": "TCP"}]),
    );
    service(&mut s, "shop", "ext", json!({"type": "ExternalName", "externalName": "www.example.com"}));
    service(&mut s, "shop", "alias", json!({"type": "ExternalName", "externalName": "web.shop.svc.cluster.local"}));
    service(&mut s, "shop", "byip", json!({"type": "ExternalName", "externalName": "192.0.2.1"}));
    service(&mut s, "shop", "dangling", json!({"type": "ExternalName", "externalName": "gone.shop.svc.cluster.local"}));
    service(&mut s, "shop", "bare", json!({"clusterIP": "None"}));
    slice(&mut s, "shop", "bare-bbbbb", "bare", json!([{"addresses": ["10.244.4.4"]}]), Value::Null);
    s
}

/// `NOERROR`/`NXDOMAIN` and the answer lines, `FORWARD`, or `CHASE <target>` and the answers.
fn outcome_text(o: &Outcome) -> Vec<String> {
    let body = |m: &Message, head: String| {
        let mut v = vec![head];
        v.extend(m.answers.iter().map(record_line));
        v.extend(m.additional.iter().map(|r| format!("+ {}", record_line(r))));
        if m.answers.is_empty() {
            v.extend(m.authority.iter().map(|r| format!("@ {}", record_line(r))));
        }
        v
    };
    match o {
        Outcome::Answer(m) => {
            assert!(m.header.aa && m.header.qr && !m.header.ra, "{:?}", m.header);
            body(m, super::message::rcode_text(m.header.rcode))
        }
        Outcome::Chase { message, target } => body(message, format!("CHASE {target}")),
        Outcome::Forward => vec!["FORWARD".into()],
    }
}

fn check(store: &Store, name: &str, qtype: u16, expect: &[&str]) {
    let got = outcome_text(&answer(store, "cluster.local", &Question::new(name, qtype)));
    assert_eq!(got, expect, "{name} {}", super::message::type_text(qtype));
}

const SOA: &str = "@ cluster.local.\t\t5\tIN\tSOA\tns.dns.cluster.local. hostmaster.cluster.local. 1704067200 7200 1800 86400 5";

#[test]
fn specification_rows() {
    let s = cluster();
    let cases: Vec<(&str, u16, Vec<&str>)> = vec![
        ("dns-version.cluster.local", rtype::TXT, vec!["NOERROR", "dns-version.cluster.local. 28800 IN\tTXT\t\"1.1.0\""]),
        ("kubernetes.default.svc.cluster.local", rtype::A, vec!["NOERROR", "kubernetes.default.svc.cluster.local. 5 IN A\t10.96.0.1"]),
        ("web.shop.svc.cluster.local", rtype::A, vec!["NOERROR", "web.shop.svc.cluster.local. 5\tIN\tA\t10.96.12.34"]),
        (
            "_http._tcp.web.shop.svc.cluster.local",
            rtype::SRV,
            vec![
                "NOERROR",
                "_http._tcp.web.shop.svc.cluster.local. 5 IN SRV\t0 100 80 web.shop.svc.cluster.local.",
                "+ web.shop.svc.cluster.local. 5\tIN\tA\t10.96.12.34",
            ],
        ),
        (
            "_https._tcp.kubernetes.default.svc.cluster.local",
            rtype::SRV,
            vec![
                "NOERROR",
                "_https._tcp.kubernetes.default.svc.cluster.local. 5 IN SRV 0 100 443 kubernetes.default.svc.cluster.local.",
                "+ kubernetes.default.svc.cluster.local. 5 IN A\t10.96.0.1",
            ],
        ),
        ("34.12.96.10.in-addr.arpa", rtype::PTR, vec!["NOERROR", "34.12.96.10.in-addr.arpa. 5\tIN\tPTR\tweb.shop.svc.cluster.local."]),
        // Headless: one A per ready endpoint; the endpoint without hostname gets its dashed address.
        (
            "db.shop.svc.cluster.local",
            rtype::A,
            vec!["NOERROR", "db.shop.svc.cluster.local. 5\tIN\tA\t10.244.1.7", "db.shop.svc.cluster.local. 5\tIN\tA\t10.244.2.9"],
        ),
        ("db-0.db.shop.svc.cluster.local", rtype::A, vec!["NOERROR", "db-0.db.shop.svc.cluster.local. 5 IN\tA\t10.244.1.7"]),
        ("10-244-2-9.db.shop.svc.cluster.local", rtype::A, vec!["NOERROR", "10-244-2-9.db.shop.svc.cluster.local. 5 IN A\t10.244.2.9"]),
        ("7.1.244.10.in-addr.arpa", rtype::PTR, vec!["NOERROR", "7.1.244.10.in-addr.arpa. 5\tIN\tPTR\tdb-0.db.shop.svc.cluster.local."]),
        (
            "_pg._tcp.db.shop.svc.cluster.local",
            rtype::SRV,
            vec![
                "NOERROR",
                "_pg._tcp.db.shop.svc.cluster.local. 5 IN SRV\t0 50 5432 db-0.db.shop.svc.cluster.local.",
                "_pg._tcp.db.shop.svc.cluster.local. 5 IN SRV\t0 50 5432 10-244-2-9.db.shop.svc.cluster.local.",
                "+ db-0.db.shop.svc.cluster.local. 5 IN\tA\t10.244.1.7",
                "+ 10-244-2-9.db.shop.svc.cluster.local. 5 IN A\t10.244.2.9",
            ],
        ),
        // ExternalName: the CNAME, then the target is CoreDNS's to chase upstream.
        ("ext.shop.svc.cluster.local", rtype::A, vec!["CHASE www.example.com.", "ext.shop.svc.cluster.local. 5\tIN\tCNAME\twww.example.com."]),
        ("ext.shop.svc.cluster.local", rtype::CNAME, vec!["NOERROR", "ext.shop.svc.cluster.local. 5\tIN\tCNAME\twww.example.com."]),
        // A CNAME into the zone is followed inside CoreDNS.
        (
            "alias.shop.svc.cluster.local",
            rtype::A,
            vec!["NOERROR", "alias.shop.svc.cluster.local. 5\tIN\tCNAME\tweb.shop.svc.cluster.local.", "web.shop.svc.cluster.local. 5\tIN\tA\t10.96.12.34"],
        ),
        // Endpoints without ports still answer A (CoreDNS's port sentinel -1, 65535 on the wire).
        ("bare.shop.svc.cluster.local", rtype::A, vec!["NOERROR", "bare.shop.svc.cluster.local. 5\tIN\tA\t10.244.4.4"]),
        (
            "bare.shop.svc.cluster.local",
            rtype::SRV,
            vec![
                "NOERROR",
                "bare.shop.svc.cluster.local. 5\tIN\tSRV\t0 100 65535 10-244-4-4.bare.shop.svc.cluster.local.",
                "+ 10-244-4-4.bare.shop.svc.cluster.local. 5 IN A\t10.244.4.4",
            ],
        ),
        // Pods, "pods insecure": any address in an existing namespace.
        ("10-244-1-5.shop.pod.cluster.local", rtype::A, vec!["NOERROR", "10-244-1-5.shop.pod.cluster.local. 5 IN\tA\t10.244.1.5"]),
        // Case-insensitive; the answer keeps the asker's spelling.
        ("WEB.Shop.SVC.cluster.LOCAL", rtype::A, vec!["NOERROR", "WEB.Shop.SVC.cluster.LOCAL. 5\tIN\tA\t10.96.12.34"]),
    ];
    for (name, qtype, expect) in cases {
        check(&s, name, qtype, &expect);
    }
}

#[test]
fn nxdomain_and_nodata_as_coredns_decides() {
    let s = cluster();
    let nx = vec!["NXDOMAIN", SOA];
    let nodata = vec!["NOERROR", SOA];
    let cases: Vec<(&str, u16, &Vec<&str>)> = vec![
        ("nope.shop.svc.cluster.local", rtype::A, &nx),
        ("web.nope.svc.cluster.local", rtype::A, &nx),
        ("shop.svc.cluster.local", rtype::A, &nodata),
        ("nope.svc.cluster.local", rtype::A, &nx),
        ("svc.cluster.local", rtype::A, &nodata),
        ("cluster.local", rtype::A, &nodata),
        ("foo.cluster.local", rtype::A, &nx),
        ("a.b.c.web.shop.svc.cluster.local", rtype::A, &nx),
        ("web.shop.svc.cluster.local", rtype::AAAA, &nodata),
        ("web.shop.svc.cluster.local", rtype::MX, &nodata),
        ("web.shop.svc.cluster.local", rtype::CNAME, &nodata),
        ("nope.shop.svc.cluster.local", rtype::MX, &nx),
        // No ready endpoints behind a headless service.
        ("idle.shop.svc.cluster.local", rtype::A, &nx),
        ("db-1.db.shop.svc.cluster.local", rtype::A, &nx),
        // Port and protocol must match; unnamed ports get no SRV by name.
        ("_http._udp.web.shop.svc.cluster.local", rtype::SRV, &nx),
        ("_grpc._tcp.web.shop.svc.cluster.local", rtype::SRV, &nx),
        ("_http._tcp.web.shop.svc.cluster.local", rtype::AAAA, &nodata),
        // An ExternalName holding an address has no records.
        ("byip.shop.svc.cluster.local", rtype::A, &nx),
        ("ext.shop.svc.cluster.local", rtype::TXT, &nodata),
        ("web.shop.svc.cluster.local", rtype::TXT, &nodata),
        // TXT is NXDOMAIN for names without records of any type, even a namespace's name.
        ("shop.svc.cluster.local", rtype::TXT, &nx),
        ("nope.shop.svc.cluster.local", rtype::TXT, &nx),
        // ExternalName services have no SRV records and no port labels.
        ("ext.shop.svc.cluster.local", rtype::SRV, &nodata),
        ("_http._tcp.ext.shop.svc.cluster.local", rtype::SRV, &nx),
        ("ns.dns.cluster.local", rtype::AAAA, &nodata),
        // A CNAME into the zone is dropped when its target has nothing of the asked type.
        ("alias.shop.svc.cluster.local", rtype::AAAA, &nodata),
        ("dangling.shop.svc.cluster.local", rtype::A, &nodata),
        ("1-2-3-4.nope.pod.cluster.local", rtype::A, &nx),
        ("1-2-3.shop.pod.cluster.local", rtype::A, &nx),
        ("1-2-3-400.shop.pod.cluster.local", rtype::A, &nx),
        ("shop.pod.cluster.local", rtype::A, &nodata),
        ("web.shop.svc.cluster.local", rtype::SOA, &nodata),
    ];
    for (name, qtype, expect) in cases {
        check(&s, name, qtype, expect);
    }
    check(&s, "cluster.local", rtype::SOA, &["NOERROR", &SOA[2..]]);
    check(&s, "ns.dns.cluster.local", rtype::A, &["NOERROR", "ns.dns.cluster.local.\t5\tIN\tA\t10.96.0.10"]);
    check(&s, "cluster.local", rtype::NS, &["NOERROR", "cluster.local.\t\t5\tIN\tNS\tns.dns.cluster.local.", "+ ns.dns.cluster.local.\t5\tIN\tA\t10.96.0.10"]);
}

#[test]
fn outside_names_and_unknown_reverse_names_go_upstream() {
    let s = cluster();
    for (name, qtype) in [
        ("www.example.com", rtype::A),
        ("cluster.local.example.com", rtype::A),
        ("xcluster.local", rtype::A),
        ("8.8.8.8.in-addr.arpa", rtype::PTR),
        ("34.12.96.10.in-addr.arpa", rtype::A),
        ("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa", rtype::PTR),
        ("12.96.10.in-addr.arpa", rtype::PTR),
    ] {
        check(&s, name, qtype, &["FORWARD"]);
    }
}

#[test]
fn srv_without_port_lists_every_port_and_weights_split_100() {
    let s = cluster();
    check(
        &s,
        "web.shop.svc.cluster.local",
        rtype::SRV,
        &[
            "NOERROR",
            "web.shop.svc.cluster.local. 5\tIN\tSRV\t0 50 80 web.shop.svc.cluster.local.",
            "web.shop.svc.cluster.local. 5\tIN\tSRV\t0 50 9090 web.shop.svc.cluster.local.",
            "+ web.shop.svc.cluster.local. 5\tIN\tA\t10.96.12.34",
        ],
    );
    // An endpoint query works for a ClusterIP service too.
    check(&s, "10-244-1-5.web.shop.svc.cluster.local", rtype::A, &["NOERROR", "10-244-1-5.web.shop.svc.cluster.local. 5 IN A\t10.244.1.5"]);
    check(&s, "5.1.244.10.in-addr.arpa", rtype::PTR, &["NOERROR", "5.1.244.10.in-addr.arpa. 5\tIN\tPTR\t10-244-1-5.web.shop.svc.cluster.local."]);
}

#[test]
fn reply_mirrors_the_query_and_its_edns() {
    let s = cluster();
    let cfg = CoreDns { ttl: 30, ..CoreDns::new("cluster.local") };
    let q = super::dig::query(0xbeef, "web.shop.svc.cluster.local", rtype::A, [1, 2, 3, 4, 5, 6, 7, 8]);
    let Outcome::Answer(reply) = respond(&s, &cfg, &q) else { panic!("answer expected") };
    assert_eq!((reply.header.id, reply.header.rd, reply.header.ad, reply.header.rcode), (0xbeef, true, false, rcode::NOERROR));
    assert_eq!(reply.answers[0].ttl, 30);
    let opt = reply.opt().expect("OPT echoed");
    assert_eq!((opt.class, opt.ttl), (1232, 0));
    assert_eq!(opt.data, super::message::RData::Opt(vec![0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8]));
    // Small replies go out uncompressed, as miekg's Truncate leaves them.
    let bytes = wire(&reply, &q).unwrap();
    assert_eq!(bytes, reply.emit_uncompressed().unwrap());
    assert_eq!(bytes.len(), 12 + 32 + (28 + 10 + 4) + (11 + 12));
    let empty = Message::default();
    let Outcome::Answer(formerr) = respond(&s, &cfg, &empty) else { panic!() };
    assert_eq!(formerr.header.rcode, rcode::FORMERR);
}

#[test]
fn large_replies_are_compressed_then_cut_to_fit() {
    let mut s = cluster();
    let endpoints: Vec<Value> = (1..=60).map(|i| json!({"addresses": [format!("10.244.9.{i}")], "conditions": {"ready": true}})).collect();
    service(&mut s, "shop", "big", json!({"clusterIP": "None", "ports": [{"name": "http", "port": 80}]}));
    slice(&mut s, "shop", "big-00000", "big", Value::Array(endpoints), json!([{"name": "http", "port": 80, "protocol": "TCP"}]));
    let q = Message::query(1, Question::new("big.shop.svc.cluster.local", rtype::A));
    let Outcome::Answer(reply) = respond(&s, &CoreDns::new("cluster.local"), &q) else { panic!() };
    assert_eq!(reply.answers.len(), 60);
    // 60 A records do not fit 512 bytes even compressed (16 bytes each after the 44-byte
    // header and question): the first 29 go, with TC set.
    let bytes = wire(&reply, &q).unwrap();
    let parsed = super::parse::parse(&bytes).unwrap();
    assert!(parsed.header.tc);
    assert_eq!(parsed.answers, reply.answers[..29]);
    assert_eq!(bytes.len(), 44 + 29 * 16);
    // With dig's 1232-byte EDNS size the compressed reply fits.
    let q = super::dig::query(1, "big.shop.svc.cluster.local", rtype::A, [0; 8]);
    let Outcome::Answer(reply) = respond(&s, &CoreDns::new("cluster.local"), &q) else { panic!() };
    let bytes = wire(&reply, &q).unwrap();
    assert_eq!(bytes, reply.emit().unwrap());
    assert!(!super::parse::parse(&bytes).unwrap().header.tc);
}
