//! Expected `iptables-restore` inputs, written in the shape of kube-proxy's golden rulesets
//! (pkg/proxy/iptables/proxier_test.go) but for this simulator's services. Chain names were
//! computed outside Rust (python3 hashlib + base64.b32encode). Unlike upstream's goldens the
//! texts are not re-sorted: they are the exact text, in the order the rules are written.

use std::net::Ipv4Addr;

use super::iptables::*;
use super::model::*;

fn ip(s: &str) -> Ipv4Addr {
    s.parse().unwrap()
}

fn ep(addr: &str, port: u16, node: &str) -> Endpoint {
    Endpoint::ready(ip(addr), port, Some(node))
}

/// node-a, 10.0.0.11, pods in 10.244.0.0/16, kube-proxy's defaults.
fn node(name: &str, addr: &str) -> NodeContext {
    NodeContext::new(name, vec![ip(addr)], "10.244.0.0/16".parse().unwrap())
}

fn node_a() -> NodeContext {
    node("node-a", "10.0.0.11")
}

/// Compares line by line, so a failure names the first differing line.
#[track_caller]
fn assert_text(got: &str, want: &str) {
    for (i, (g, w)) in got.lines().zip(want.lines()).enumerate() {
        assert_eq!(g, w, "line {} differs; full output:\n{got}", i + 1);
    }
    assert_eq!(got.lines().count(), want.lines().count(), "line count differs; full output:\n{got}");
    assert_eq!(got, want);
}

const FILTER_HEAD: &str = "\
*filter
:KUBE-SERVICES - [0:0]
:KUBE-EXTERNAL-SERVICES - [0:0]
:KUBE-FORWARD - [0:0]
:KUBE-NODEPORTS - [0:0]
:KUBE-PROXY-FIREWALL - [0:0]
:KUBE-FIREWALL - [0:0]
-A KUBE-FIREWALL -m comment --comment \"block incoming localnet connections\" -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP
";

const FILTER_TAIL: &str = "\
-A KUBE-FORWARD -m conntrack --ctstate INVALID -m nfacct --nfacct-name ct_state_invalid_dropped_pkts -j DROP
-A KUBE-FORWARD -m comment --comment \"kubernetes forwarding rules\" -m mark --mark 0x00004000/0x00004000 -j ACCEPT
-A KUBE-FORWARD -m comment --comment \"kubernetes forwarding conntrack rule\" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
COMMIT
";

const NAT_CHAINS: &str = "\
*nat
:KUBE-SERVICES - [0:0]
:KUBE-NODEPORTS - [0:0]
:KUBE-POSTROUTING - [0:0]
:KUBE-MARK-MASQ - [0:0]
";

const NAT_FIXED: &str = "\
-A KUBE-POSTROUTING -m mark ! --mark 0x00004000/0x00004000 -j RETURN
-A KUBE-POSTROUTING -j MARK --xor-mark 0x00004000
-A KUBE-POSTROUTING -m comment --comment \"kubernetes service traffic requiring SNAT\" -j MASQUERADE --random-fully
-A KUBE-MARK-MASQ -j MARK --or-mark 0x00004000
";

const NAT_TAIL: &str = "\
-A KUBE-SERVICES -m comment --comment \"kubernetes service nodeports; NOTE: this must be the last rule in this chain\" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS
COMMIT
";

/// The whole input from its per-service parts: filter rules, nat chain lines, nat rules.
fn assemble(filter_rules: &str, nat_chains: &str, nat_rules: &str) -> String {
    [FILTER_HEAD, filter_rules, FILTER_TAIL, NAT_CHAINS, nat_chains, NAT_FIXED, nat_rules, NAT_TAIL].concat()
}

fn cart() -> ServicePort {
    let mut sp = ServicePort::cluster_ip("shop", "cart", "http", ip("10.96.0.10"), 80);
    sp.endpoints = vec![ep("10.244.1.7", 8080, "node-a"), ep("10.244.2.9", 8080, "node-b")];
    sp
}

#[test]
fn a_cluster_ip_service_with_two_endpoints() {
    let want = "\
*filter
:KUBE-SERVICES - [0:0]
:KUBE-EXTERNAL-SERVICES - [0:0]
:KUBE-FORWARD - [0:0]
:KUBE-NODEPORTS - [0:0]
:KUBE-PROXY-FIREWALL - [0:0]
:KUBE-FIREWALL - [0:0]
-A KUBE-FIREWALL -m comment --comment \"block incoming localnet connections\" -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP
-A KUBE-FORWARD -m conntrack --ctstate INVALID -m nfacct --nfacct-name ct_state_invalid_dropped_pkts -j DROP
-A KUBE-FORWARD -m comment --comment \"kubernetes forwarding rules\" -m mark --mark 0x00004000/0x00004000 -j ACCEPT
-A KUBE-FORWARD -m comment --comment \"kubernetes forwarding conntrack rule\" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
COMMIT
*nat
:KUBE-SERVICES - [0:0]
:KUBE-NODEPORTS - [0:0]
:KUBE-POSTROUTING - [0:0]
:KUBE-MARK-MASQ - [0:0]
:KUBE-SVC-I5LIAMPLWKMBJ54B - [0:0]
:KUBE-SEP-HR5QIAI7KRESNQ5F - [0:0]
:KUBE-SEP-BQDHVMWANCT6EYGM - [0:0]
-A KUBE-POSTROUTING -m mark ! --mark 0x00004000/0x00004000 -j RETURN
-A KUBE-POSTROUTING -j MARK --xor-mark 0x00004000
-A KUBE-POSTROUTING -m comment --comment \"kubernetes service traffic requiring SNAT\" -j MASQUERADE --random-fully
-A KUBE-MARK-MASQ -j MARK --or-mark 0x00004000
-A KUBE-SERVICES -m comment --comment \"shop/cart:http cluster IP\" -m tcp -p tcp -d 10.96.0.10 --dport 80 -j KUBE-SVC-I5LIAMPLWKMBJ54B
-A KUBE-SVC-I5LIAMPLWKMBJ54B -m comment --comment \"shop/cart:http cluster IP\" -m tcp -p tcp -d 10.96.0.10 --dport 80 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
-A KUBE-SVC-I5LIAMPLWKMBJ54B -m comment --comment \"shop/cart:http -> 10.244.1.7:8080\" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-HR5QIAI7KRESNQ5F
-A KUBE-SVC-I5LIAMPLWKMBJ54B -m comment --comment \"shop/cart:http -> 10.244.2.9:8080\" -j KUBE-SEP-BQDHVMWANCT6EYGM
-A KUBE-SEP-HR5QIAI7KRESNQ5F -m comment --comment shop/cart:http -s 10.244.1.7 -j KUBE-MARK-MASQ
-A KUBE-SEP-HR5QIAI7KRESNQ5F -m comment --comment shop/cart:http -m tcp -p tcp -j DNAT --to-destination 10.244.1.7:8080
-A KUBE-SEP-BQDHVMWANCT6EYGM -m comment --comment shop/cart:http -s 10.244.2.9 -j KUBE-MARK-MASQ
-A KUBE-SEP-BQDHVMWANCT6EYGM -m comment --comment shop/cart:http -m tcp -p tcp -j DNAT --to-destination 10.244.2.9:8080
-A KUBE-SERVICES -m comment --comment \"kubernetes service nodeports; NOTE: this must be the last rule in this chain\" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS
COMMIT
";
    assert_text(&restore_input(&[cart()], &node_a()), want);
    // The same rules on every node: ClusterIP traffic uses every endpoint.
    assert_text(&restore_input(&[cart()], &node("node-b", "10.0.0.12")), want);
    // Endpoint order in the input does not matter.
    let mut reversed = cart();
    reversed.endpoints.reverse();
    assert_text(&restore_input(&[reversed], &node_a()), want);
}

const KUBE_DNS: &str = "\
apiVersion: v1
kind: Service
metadata: {name: kube-dns, namespace: kube-system, labels: {k8s-app: kube-dns}}
spec:
  type: ClusterIP
  clusterIP: 10.96.0.10
  clusterIPs: [10.96.0.10]
  selector: {k8s-app: kube-dns}
  ports:
  - {name: dns, port: 53, protocol: UDP, targetPort: 53}
  - {name: dns-tcp, port: 53, protocol: TCP, targetPort: 53}
  - {name: metrics, port: 9153, protocol: TCP, targetPort: 9153}
";

const KUBE_DNS_SLICE: &str = "\
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: kube-dns-x7k2q, namespace: kube-system, labels: {kubernetes.io/service-name: kube-dns}}
addressType: IPv4
ports:
- {name: metrics, port: 9153, protocol: TCP}
- {name: dns-tcp, port: 53, protocol: TCP}
- {name: dns, port: 53, protocol: UDP}
endpoints:
- addresses: [10.244.0.3]
  conditions: {ready: true, serving: true, terminating: false}
  nodeName: control-plane
- addresses: [10.244.0.2]
  conditions: {ready: true, serving: true, terminating: false}
  nodeName: control-plane
";

#[test]
fn b_named_multi_port_service_from_its_objects() {
    let svc: k8s_openapi::api::core::v1::Service = serde_norway::from_str(KUBE_DNS).unwrap();
    let slice: k8s_openapi::api::discovery::v1::EndpointSlice = serde_norway::from_str(KUBE_DNS_SLICE).unwrap();
    let ports = service_ports(&svc, &[&slice]);
    let nat_chains = "\
:KUBE-SVC-TCOU7JCQXEZGVUNU - [0:0]
:KUBE-SEP-YIL6JZP7A3QYXJU2 - [0:0]
:KUBE-SEP-6E7XQMQ4RAYOWTTM - [0:0]
:KUBE-SVC-ERIFXISQEP7F7OF4 - [0:0]
:KUBE-SEP-IT2ZTR26TO4XFPTO - [0:0]
:KUBE-SEP-ZXMNUKOKXUTL2MK2 - [0:0]
:KUBE-SVC-JD5MR3NA4I4DYORP - [0:0]
:KUBE-SEP-N4G2XR5TDX7PQE7P - [0:0]
:KUBE-SEP-ZP3FB6NMPNCO4VBJ - [0:0]
";
    let nat_rules = "\
-A KUBE-SERVICES -m comment --comment \"kube-system/kube-dns:dns cluster IP\" -m udp -p udp -d 10.96.0.10 --dport 53 -j KUBE-SVC-TCOU7JCQXEZGVUNU
-A KUBE-SVC-TCOU7JCQXEZGVUNU -m comment --comment \"kube-system/kube-dns:dns cluster IP\" -m udp -p udp -d 10.96.0.10 --dport 53 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
-A KUBE-SVC-TCOU7JCQXEZGVUNU -m comment --comment \"kube-system/kube-dns:dns -> 10.244.0.2:53\" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-YIL6JZP7A3QYXJU2
-A KUBE-SVC-TCOU7JCQXEZGVUNU -m comment --comment \"kube-system/kube-dns:dns -> 10.244.0.3:53\" -j KUBE-SEP-6E7XQMQ4RAYOWTTM
-A KUBE-SEP-YIL6JZP7A3QYXJU2 -m comment --comment kube-system/kube-dns:dns -s 10.244.0.2 -j KUBE-MARK-MASQ
-A KUBE-SEP-YIL6JZP7A3QYXJU2 -m comment --comment kube-system/kube-dns:dns -m udp -p udp -j DNAT --to-destination 10.244.0.2:53
-A KUBE-SEP-6E7XQMQ4RAYOWTTM -m comment --comment kube-system/kube-dns:dns -s 10.244.0.3 -j KUBE-MARK-MASQ
-A KUBE-SEP-6E7XQMQ4RAYOWTTM -m comment --comment kube-system/kube-dns:dns -m udp -p udp -j DNAT --to-destination 10.244.0.3:53
-A KUBE-SERVICES -m comment --comment \"kube-system/kube-dns:dns-tcp cluster IP\" -m tcp -p tcp -d 10.96.0.10 --dport 53 -j KUBE-SVC-ERIFXISQEP7F7OF4
-A KUBE-SVC-ERIFXISQEP7F7OF4 -m comment --comment \"kube-system/kube-dns:dns-tcp cluster IP\" -m tcp -p tcp -d 10.96.0.10 --dport 53 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
-A KUBE-SVC-ERIFXISQEP7F7OF4 -m comment --comment \"kube-system/kube-dns:dns-tcp -> 10.244.0.2:53\" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-IT2ZTR26TO4XFPTO
-A KUBE-SVC-ERIFXISQEP7F7OF4 -m comment --comment \"kube-system/kube-dns:dns-tcp -> 10.244.0.3:53\" -j KUBE-SEP-ZXMNUKOKXUTL2MK2
-A KUBE-SEP-IT2ZTR26TO4XFPTO -m comment --comment kube-system/kube-dns:dns-tcp -s 10.244.0.2 -j KUBE-MARK-MASQ
-A KUBE-SEP-IT2ZTR26TO4XFPTO -m comment --comment kube-system/kube-dns:dns-tcp -m tcp -p tcp -j DNAT --to-destination 10.244.0.2:53
-A KUBE-SEP-ZXMNUKOKXUTL2MK2 -m comment --comment kube-system/kube-dns:dns-tcp -s 10.244.0.3 -j KUBE-MARK-MASQ
-A KUBE-SEP-ZXMNUKOKXUTL2MK2 -m comment --comment kube-system/kube-dns:dns-tcp -m tcp -p tcp -j DNAT --to-destination 10.244.0.3:53
-A KUBE-SERVICES -m comment --comment \"kube-system/kube-dns:metrics cluster IP\" -m tcp -p tcp -d 10.96.0.10 --dport 9153 -j KUBE-SVC-JD5MR3NA4I4DYORP
-A KUBE-SVC-JD5MR3NA4I4DYORP -m comment --comment \"kube-system/kube-dns:metrics cluster IP\" -m tcp -p tcp -d 10.96.0.10 --dport 9153 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
-A KUBE-SVC-JD5MR3NA4I4DYORP -m comment --comment \"kube-system/kube-dns:metrics -> 10.244.0.2:9153\" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-N4G2XR5TDX7PQE7P
-A KUBE-SVC-JD5MR3NA4I4DYORP -m comment --comment \"kube-system/kube-dns:metrics -> 10.244.0.3:9153\" -j KUBE-SEP-ZP3FB6NMPNCO4VBJ
-A KUBE-SEP-N4G2XR5TDX7PQE7P -m comment --comment kube-system/kube-dns:metrics -s 10.244.0.2 -j KUBE-MARK-MASQ
-A KUBE-SEP-N4G2XR5TDX7PQE7P -m comment --comment kube-system/kube-dns:metrics -m tcp -p tcp -j DNAT --to-destination 10.244.0.2:9153
-A KUBE-SEP-ZP3FB6NMPNCO4VBJ -m comment --comment kube-system/kube-dns:metrics -s 10.244.0.3 -j KUBE-MARK-MASQ
-A KUBE-SEP-ZP3FB6NMPNCO4VBJ -m comment --comment kube-system/kube-dns:metrics -m tcp -p tcp -j DNAT --to-destination 10.244.0.3:9153
";
    let want = assemble("", nat_chains, nat_rules);
    assert_text(&restore_input(&ports, &node_a()), &want);
    // Whatever order the ports arrive in.
    let mut shuffled = ports.clone();
    shuffled.rotate_left(1);
    assert_text(&restore_input(&shuffled, &node_a()), &want);
}

fn front() -> ServicePort {
    let mut sp = ServicePort::cluster_ip("web", "front", "http", ip("10.96.0.20"), 80);
    sp.node_port = Some(30080);
    sp.external_local = true;
    sp.endpoints = vec![ep("10.244.1.5", 8080, "node-a"), ep("10.244.2.6", 8080, "node-b"), ep("10.244.2.7", 8080, "node-b")];
    sp
}

const FRONT_CHAINS: &str = "\
:KUBE-EXT-G4HOO62H5EGULDOP - [0:0]
:KUBE-SVC-G4HOO62H5EGULDOP - [0:0]
:KUBE-SVL-G4HOO62H5EGULDOP - [0:0]
:KUBE-SEP-EJ4ULFBDDOQGBOIK - [0:0]
:KUBE-SEP-PD5MZMOY6FGKZQ4Y - [0:0]
:KUBE-SEP-E7CNNH6Q2MCJYGTU - [0:0]
";

/// The rules of web/front every node has before its EXT chain's last rule.
const FRONT_ENTRY: &str = "\
-A KUBE-SERVICES -m comment --comment \"web/front:http cluster IP\" -m tcp -p tcp -d 10.96.0.20 --dport 80 -j KUBE-SVC-G4HOO62H5EGULDOP
-A KUBE-NODEPORTS -m comment --comment web/front:http -m tcp -p tcp -d 127.0.0.0/8 --dport 30080 -m nfacct --nfacct-name localhost_nps_accepted_pkts -j KUBE-EXT-G4HOO62H5EGULDOP
-A KUBE-NODEPORTS -m comment --comment web/front:http -m tcp -p tcp --dport 30080 -j KUBE-EXT-G4HOO62H5EGULDOP
-A KUBE-SVC-G4HOO62H5EGULDOP -m comment --comment \"web/front:http cluster IP\" -m tcp -p tcp -d 10.96.0.20 --dport 80 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
-A KUBE-EXT-G4HOO62H5EGULDOP -m comment --comment \"pod traffic for web/front:http external destinations\" -s 10.244.0.0/16 -j KUBE-SVC-G4HOO62H5EGULDOP
-A KUBE-EXT-G4HOO62H5EGULDOP -m comment --comment \"masquerade LOCAL traffic for web/front:http external destinations\" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ
-A KUBE-EXT-G4HOO62H5EGULDOP -m comment --comment \"route LOCAL traffic for web/front:http external destinations\" -m addrtype --src-type LOCAL -j KUBE-SVC-G4HOO62H5EGULDOP
";

/// Cluster-policy dispatch over all three endpoints: the same on every node.
const FRONT_SVC: &str = "\
-A KUBE-SVC-G4HOO62H5EGULDOP -m comment --comment \"web/front:http -> 10.244.1.5:8080\" -m statistic --mode random --probability 0.3333333333 -j KUBE-SEP-EJ4ULFBDDOQGBOIK
-A KUBE-SVC-G4HOO62H5EGULDOP -m comment --comment \"web/front:http -> 10.244.2.6:8080\" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-PD5MZMOY6FGKZQ4Y
-A KUBE-SVC-G4HOO62H5EGULDOP -m comment --comment \"web/front:http -> 10.244.2.7:8080\" -j KUBE-SEP-E7CNNH6Q2MCJYGTU
";

const FRONT_SEPS: &str = "\
-A KUBE-SEP-EJ4ULFBDDOQGBOIK -m comment --comment web/front:http -s 10.244.1.5 -j KUBE-MARK-MASQ
-A KUBE-SEP-EJ4ULFBDDOQGBOIK -m comment --comment web/front:http -m tcp -p tcp -j DNAT --to-destination 10.244.1.5:8080
-A KUBE-SEP-PD5MZMOY6FGKZQ4Y -m comment --comment web/front:http -s 10.244.2.6 -j KUBE-MARK-MASQ
-A KUBE-SEP-PD5MZMOY6FGKZQ4Y -m comment --comment web/front:http -m tcp -p tcp -j DNAT --to-destination 10.244.2.6:8080
-A KUBE-SEP-E7CNNH6Q2MCJYGTU -m comment --comment web/front:http -s 10.244.2.7 -j KUBE-MARK-MASQ
-A KUBE-SEP-E7CNNH6Q2MCJYGTU -m comment --comment web/front:http -m tcp -p tcp -j DNAT --to-destination 10.244.2.7:8080
";

#[test]
fn c_node_port_with_local_policy_node_a_dispatches_to_its_one_endpoint() {
    let svl = "\
-A KUBE-EXT-G4HOO62H5EGULDOP -j KUBE-SVL-G4HOO62H5EGULDOP
";
    let local = "\
-A KUBE-SVL-G4HOO62H5EGULDOP -m comment --comment \"web/front:http -> 10.244.1.5:8080\" -j KUBE-SEP-EJ4ULFBDDOQGBOIK
";
    let want = assemble("", FRONT_CHAINS, &[FRONT_ENTRY, svl, FRONT_SVC, local, FRONT_SEPS].concat());
    assert_text(&restore_input(&[front()], &node_a()), &want);
}

#[test]
fn c_node_port_with_local_policy_node_b_splits_between_its_two_endpoints() {
    let svl = "\
-A KUBE-EXT-G4HOO62H5EGULDOP -j KUBE-SVL-G4HOO62H5EGULDOP
";
    let local = "\
-A KUBE-SVL-G4HOO62H5EGULDOP -m comment --comment \"web/front:http -> 10.244.2.6:8080\" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-PD5MZMOY6FGKZQ4Y
-A KUBE-SVL-G4HOO62H5EGULDOP -m comment --comment \"web/front:http -> 10.244.2.7:8080\" -j KUBE-SEP-E7CNNH6Q2MCJYGTU
";
    let want = assemble("", FRONT_CHAINS, &[FRONT_ENTRY, svl, FRONT_SVC, local, FRONT_SEPS].concat());
    assert_text(&restore_input(&[front()], &node("node-b", "10.0.0.12")), &want);
}

#[test]
fn c_node_port_with_local_policy_node_without_endpoints_drops_external_traffic() {
    // No SVL chain and no fall-through from EXT: only pod and host traffic is short-circuited
    // to the cluster chain; the rest is dropped by the filter table.
    let filter = "\
-A KUBE-EXTERNAL-SERVICES -m comment --comment \"web/front:http has no local endpoints\" -m addrtype --dst-type LOCAL -m tcp -p tcp --dport 30080 -j DROP
";
    let chains = "\
:KUBE-EXT-G4HOO62H5EGULDOP - [0:0]
:KUBE-SVC-G4HOO62H5EGULDOP - [0:0]
:KUBE-SEP-EJ4ULFBDDOQGBOIK - [0:0]
:KUBE-SEP-PD5MZMOY6FGKZQ4Y - [0:0]
:KUBE-SEP-E7CNNH6Q2MCJYGTU - [0:0]
";
    let want = assemble(filter, chains, &[FRONT_ENTRY, FRONT_SVC, FRONT_SEPS].concat());
    assert_text(&restore_input(&[front()], &node("node-c", "10.0.0.13")), &want);
}

#[test]
fn d_no_endpoints_rejects_cluster_ip_external_ip_and_node_port() {
    let mut sp = ServicePort::cluster_ip("shop", "lonely", "", ip("10.96.0.30"), 8080);
    sp.node_port = Some(30090);
    sp.external_ips = vec![ip("192.168.50.10")];
    let filter = "\
-A KUBE-SERVICES -m comment --comment \"shop/lonely has no endpoints\" -m tcp -p tcp -d 10.96.0.30 --dport 8080 -j REJECT
-A KUBE-EXTERNAL-SERVICES -m comment --comment \"shop/lonely has no endpoints\" -m tcp -p tcp -d 192.168.50.10 --dport 8080 -j REJECT
-A KUBE-EXTERNAL-SERVICES -m comment --comment \"shop/lonely has no endpoints\" -m addrtype --dst-type LOCAL -m tcp -p tcp --dport 30090 -j REJECT
";
    let want = assemble(filter, "", "");
    assert_text(&restore_input(&[sp.clone()], &node_a()), &want);

    // Endpoints that are neither ready nor serving-and-terminating count as none.
    let mut unready = Endpoint::ready(ip("10.244.1.9"), 8080, Some("node-a"));
    unready.ready = false;
    unready.serving = false;
    sp.endpoints = vec![unready];
    assert_text(&restore_input(&[sp], &node_a()), &want);
}

#[test]
fn e_client_ip_affinity() {
    let mut sp = ServicePort::cluster_ip("shop", "sticky", "http", ip("10.96.0.40"), 80);
    sp.affinity_timeout = Some(600);
    sp.endpoints = vec![ep("10.244.1.7", 8080, "node-a"), ep("10.244.2.9", 8080, "node-b")];
    let chains = "\
:KUBE-SVC-25FJTMN2OLOPNGWS - [0:0]
:KUBE-SEP-WYAEM5FSHEVXYYE6 - [0:0]
:KUBE-SEP-A4LNOD2FYIKBBGGQ - [0:0]
";
    let rules = "\
-A KUBE-SERVICES -m comment --comment \"shop/sticky:http cluster IP\" -m tcp -p tcp -d 10.96.0.40 --dport 80 -j KUBE-SVC-25FJTMN2OLOPNGWS
-A KUBE-SVC-25FJTMN2OLOPNGWS -m comment --comment \"shop/sticky:http cluster IP\" -m tcp -p tcp -d 10.96.0.40 --dport 80 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
-A KUBE-SVC-25FJTMN2OLOPNGWS -m comment --comment \"shop/sticky:http -> 10.244.1.7:8080\" -m recent --name KUBE-SEP-WYAEM5FSHEVXYYE6 --rcheck --seconds 600 --reap -j KUBE-SEP-WYAEM5FSHEVXYYE6
-A KUBE-SVC-25FJTMN2OLOPNGWS -m comment --comment \"shop/sticky:http -> 10.244.2.9:8080\" -m recent --name KUBE-SEP-A4LNOD2FYIKBBGGQ --rcheck --seconds 600 --reap -j KUBE-SEP-A4LNOD2FYIKBBGGQ
-A KUBE-SVC-25FJTMN2OLOPNGWS -m comment --comment \"shop/sticky:http -> 10.244.1.7:8080\" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-WYAEM5FSHEVXYYE6
-A KUBE-SVC-25FJTMN2OLOPNGWS -m comment --comment \"shop/sticky:http -> 10.244.2.9:8080\" -j KUBE-SEP-A4LNOD2FYIKBBGGQ
-A KUBE-SEP-WYAEM5FSHEVXYYE6 -m comment --comment shop/sticky:http -s 10.244.1.7 -j KUBE-MARK-MASQ
-A KUBE-SEP-WYAEM5FSHEVXYYE6 -m comment --comment shop/sticky:http -m recent --name KUBE-SEP-WYAEM5FSHEVXYYE6 --set -m tcp -p tcp -j DNAT --to-destination 10.244.1.7:8080
-A KUBE-SEP-A4LNOD2FYIKBBGGQ -m comment --comment shop/sticky:http -s 10.244.2.9 -j KUBE-MARK-MASQ
-A KUBE-SEP-A4LNOD2FYIKBBGGQ -m comment --comment shop/sticky:http -m recent --name KUBE-SEP-A4LNOD2FYIKBBGGQ --set -m tcp -p tcp -j DNAT --to-destination 10.244.2.9:8080
";
    assert_text(&restore_input(&[sp], &node_a()), &assemble("", chains, rules));
}

#[test]
fn f_load_balancer_with_source_ranges_local_policy_and_health_check() {
    let mut sp = ServicePort::cluster_ip("web", "shop-lb", "https", ip("10.96.0.50"), 443);
    sp.node_port = Some(31443);
    sp.load_balancer_ips = vec![ip("203.0.113.10")];
    // The second range holds node-a's address, so the node may reach the LB IP itself.
    sp.load_balancer_source_ranges = vec!["198.51.100.0/24".parse().unwrap(), "10.0.0.0/24".parse().unwrap()];
    sp.external_local = true;
    sp.health_check_node_port = Some(32000);
    sp.endpoints = vec![ep("10.244.3.4", 8443, "node-c"), ep("10.244.1.20", 8443, "node-a")];
    let filter = "\
-A KUBE-PROXY-FIREWALL -m comment --comment \"web/shop-lb:https traffic not accepted by KUBE-FW-VEQ45WKCHITGPOUV\" -m tcp -p tcp -d 203.0.113.10 --dport 443 -j DROP
-A KUBE-NODEPORTS -m comment --comment \"web/shop-lb:https health check node port\" -m tcp -p tcp --dport 32000 -j ACCEPT
";
    let chains = "\
:KUBE-EXT-VEQ45WKCHITGPOUV - [0:0]
:KUBE-FW-VEQ45WKCHITGPOUV - [0:0]
:KUBE-SVC-VEQ45WKCHITGPOUV - [0:0]
:KUBE-SVL-VEQ45WKCHITGPOUV - [0:0]
:KUBE-SEP-QE556VI7EWHYINOL - [0:0]
:KUBE-SEP-PRU2QZ73TVWRS5JE - [0:0]
";
    let rules = "\
-A KUBE-SERVICES -m comment --comment \"web/shop-lb:https cluster IP\" -m tcp -p tcp -d 10.96.0.50 --dport 443 -j KUBE-SVC-VEQ45WKCHITGPOUV
-A KUBE-SERVICES -m comment --comment \"web/shop-lb:https loadbalancer IP\" -m tcp -p tcp -d 203.0.113.10 --dport 443 -j KUBE-FW-VEQ45WKCHITGPOUV
-A KUBE-NODEPORTS -m comment --comment web/shop-lb:https -m tcp -p tcp -d 127.0.0.0/8 --dport 31443 -m nfacct --nfacct-name localhost_nps_accepted_pkts -j KUBE-EXT-VEQ45WKCHITGPOUV
-A KUBE-NODEPORTS -m comment --comment web/shop-lb:https -m tcp -p tcp --dport 31443 -j KUBE-EXT-VEQ45WKCHITGPOUV
-A KUBE-SVC-VEQ45WKCHITGPOUV -m comment --comment \"web/shop-lb:https cluster IP\" -m tcp -p tcp -d 10.96.0.50 --dport 443 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
-A KUBE-EXT-VEQ45WKCHITGPOUV -m comment --comment \"pod traffic for web/shop-lb:https external destinations\" -s 10.244.0.0/16 -j KUBE-SVC-VEQ45WKCHITGPOUV
-A KUBE-EXT-VEQ45WKCHITGPOUV -m comment --comment \"masquerade LOCAL traffic for web/shop-lb:https external destinations\" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ
-A KUBE-EXT-VEQ45WKCHITGPOUV -m comment --comment \"route LOCAL traffic for web/shop-lb:https external destinations\" -m addrtype --src-type LOCAL -j KUBE-SVC-VEQ45WKCHITGPOUV
-A KUBE-EXT-VEQ45WKCHITGPOUV -j KUBE-SVL-VEQ45WKCHITGPOUV
-A KUBE-FW-VEQ45WKCHITGPOUV -m comment --comment \"web/shop-lb:https loadbalancer IP\" -s 198.51.100.0/24 -j KUBE-EXT-VEQ45WKCHITGPOUV
-A KUBE-FW-VEQ45WKCHITGPOUV -m comment --comment \"web/shop-lb:https loadbalancer IP\" -s 10.0.0.0/24 -j KUBE-EXT-VEQ45WKCHITGPOUV
-A KUBE-FW-VEQ45WKCHITGPOUV -m comment --comment \"web/shop-lb:https loadbalancer IP\" -s 203.0.113.10 -j KUBE-EXT-VEQ45WKCHITGPOUV
-A KUBE-FW-VEQ45WKCHITGPOUV -m comment --comment \"other traffic to web/shop-lb:https will be dropped by KUBE-PROXY-FIREWALL\"
-A KUBE-SVC-VEQ45WKCHITGPOUV -m comment --comment \"web/shop-lb:https -> 10.244.1.20:8443\" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-QE556VI7EWHYINOL
-A KUBE-SVC-VEQ45WKCHITGPOUV -m comment --comment \"web/shop-lb:https -> 10.244.3.4:8443\" -j KUBE-SEP-PRU2QZ73TVWRS5JE
-A KUBE-SVL-VEQ45WKCHITGPOUV -m comment --comment \"web/shop-lb:https -> 10.244.1.20:8443\" -j KUBE-SEP-QE556VI7EWHYINOL
-A KUBE-SEP-QE556VI7EWHYINOL -m comment --comment web/shop-lb:https -s 10.244.1.20 -j KUBE-MARK-MASQ
-A KUBE-SEP-QE556VI7EWHYINOL -m comment --comment web/shop-lb:https -m tcp -p tcp -j DNAT --to-destination 10.244.1.20:8443
-A KUBE-SEP-PRU2QZ73TVWRS5JE -m comment --comment web/shop-lb:https -s 10.244.3.4 -j KUBE-MARK-MASQ
-A KUBE-SEP-PRU2QZ73TVWRS5JE -m comment --comment web/shop-lb:https -m tcp -p tcp -j DNAT --to-destination 10.244.3.4:8443
";
    assert_text(&restore_input(&[sp], &node_a()), &assemble(filter, chains, rules));
}

#[test]
fn probabilities_for_one_to_five_endpoints() {
    // Go's %0.10f of 1/n (values checked with python3's '%.10f', which rounds the same way).
    let table = [
        (1, "1.0000000000"),
        (2, "0.5000000000"),
        (3, "0.3333333333"),
        (4, "0.2500000000"),
        (5, "0.2000000000"),
        (6, "0.1666666667"),
        (7, "0.1428571429"),
        (1000, "0.0010000000"),
        (2048, "0.0004882812"), // 0.00048828125 exactly: the tie goes to the even digit
        (3000, "0.0003333333"),
        (99999, "0.0000100001"),
    ];
    for (n, want) in table {
        assert_eq!(probability(n), want, "n = {n}");
    }

    // The ladder in a KUBE-SVC chain: rule i carries 1/(n-i), the last none.
    let ladders: [&[&str]; 5] = [
        &[""],
        &["0.5000000000", ""],
        &["0.3333333333", "0.5000000000", ""],
        &["0.2500000000", "0.3333333333", "0.5000000000", ""],
        &["0.2000000000", "0.2500000000", "0.3333333333", "0.5000000000", ""],
    ];
    for (k, ladder) in ladders.iter().enumerate() {
        let n = k + 1;
        let mut sp = ServicePort::cluster_ip("ns", "svc", "", ip("10.96.0.1"), 80);
        // Addresses .8 … .12: as text, .10 .11 .12 sort before .8 and .9.
        sp.endpoints = (0..n).map(|i| ep(&format!("10.244.0.{}", 8 + i), 80, "node-a")).collect();
        let out = restore_input(&[sp], &node_a());
        let jumps: Vec<&str> = out.lines().filter(|l| l.starts_with("-A KUBE-SVC-") && l.contains(" -j KUBE-SEP-")).collect();
        assert_eq!(jumps.len(), n, "{out}");
        for (line, p) in jumps.iter().zip(ladder.iter()) {
            if p.is_empty() {
                assert!(!line.contains("statistic"), "{line}");
            } else {
                assert!(line.contains(&format!(" -m statistic --mode random --probability {p} -j KUBE-SEP-")), "{line}");
            }
        }
        if n == 5 {
            let order: Vec<&str> = jumps.iter().map(|l| l.split(" -> ").nth(1).unwrap().split('"').next().unwrap()).collect();
            assert_eq!(order, ["10.244.0.10:80", "10.244.0.11:80", "10.244.0.12:80", "10.244.0.8:80", "10.244.0.9:80"]);
        }
    }
}

#[test]
fn internal_policy_local_without_local_endpoints_drops_cluster_ip_traffic() {
    let mut sp = cart();
    sp.internal_local = true;
    sp.endpoints = vec![ep("10.244.2.9", 8080, "node-b")];
    let filter = "\
-A KUBE-SERVICES -m comment --comment \"shop/cart:http has no local endpoints\" -m tcp -p tcp -d 10.96.0.10 --dport 80 -j DROP
";
    assert_text(&restore_input(&[sp.clone()], &node_a()), &assemble(filter, "", ""));

    // On node-b the cluster IP goes to the local chain only.
    let out = restore_input(&[sp], &node("node-b", "10.0.0.12"));
    let svl = "KUBE-SVL-I5LIAMPLWKMBJ54B";
    assert!(out.contains(&format!("-A KUBE-SERVICES -m comment --comment \"shop/cart:http cluster IP\" -m tcp -p tcp -d 10.96.0.10 --dport 80 -j {svl}\n")), "{out}");
    assert!(out.contains(&format!("-A {svl} -m comment --comment \"shop/cart:http cluster IP\" -m tcp -p tcp -d 10.96.0.10 --dport 80 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ\n")));
    assert!(out.contains(&format!("-A {svl} -m comment --comment \"shop/cart:http -> 10.244.2.9:8080\" -j KUBE-SEP-BQDHVMWANCT6EYGM\n")));
    assert!(!out.contains("KUBE-SVC-"), "{out}");
}

#[test]
fn serving_terminating_endpoints_are_used_when_none_is_ready() {
    let mut sp = cart();
    for e in &mut sp.endpoints {
        e.ready = false;
        e.terminating = true;
    }
    let out = restore_input(&[sp.clone()], &node_a());
    assert!(out.contains("-j KUBE-SVC-I5LIAMPLWKMBJ54B\n"), "{out}");
    assert_eq!(out.matches(" -j DNAT ").count(), 2);
    // Not serving either: nothing left, REJECT.
    for e in &mut sp.endpoints {
        e.serving = false;
    }
    assert!(restore_input(&[sp], &node_a()).contains("\"shop/cart:http has no endpoints\""));
}

#[test]
fn node_settings_change_the_fixed_rules() {
    let mut n = node_a();
    n.masquerade_all = true;
    n.localhost_node_ports = false;
    n.nfacct = false;
    n.random_fully = false;
    let mut sp = front();
    sp.external_local = false;
    let out = restore_input(&[sp], &n);
    assert!(out.contains("-A KUBE-SVC-G4HOO62H5EGULDOP -m comment --comment \"web/front:http cluster IP\" -m tcp -p tcp -d 10.96.0.20 --dport 80 -j KUBE-MARK-MASQ\n"), "{out}");
    assert!(out.contains("-A KUBE-POSTROUTING -m comment --comment \"kubernetes service traffic requiring SNAT\" -j MASQUERADE\n"));
    assert!(out.contains("-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP\n"));
    assert!(out.ends_with("-A KUBE-SERVICES -m comment --comment \"kubernetes service nodeports; NOTE: this must be the last rule in this chain\" -m addrtype --dst-type LOCAL ! -d 127.0.0.0/8 -j KUBE-NODEPORTS\nCOMMIT\n"));
    assert!(!out.contains("KUBE-FIREWALL"), "{out}");
    assert!(!out.contains("127.0.0.0/8 --dport"), "{out}");
    assert!(out.contains("-A KUBE-EXT-G4HOO62H5EGULDOP -m comment --comment \"masquerade traffic for web/front:http external destinations\" -j KUBE-MARK-MASQ\n-A KUBE-EXT-G4HOO62H5EGULDOP -j KUBE-SVC-G4HOO62H5EGULDOP\n"));
}

#[test]
fn large_clusters_drop_the_per_endpoint_comments() {
    let build = |endpoints: usize| {
        let mut sp = ServicePort::cluster_ip("ns", "big", "", ip("10.96.0.1"), 80);
        sp.endpoints = (0..endpoints as u32).map(|i| ep(&Ipv4Addr::from(0x0af4_0000 + i).to_string(), 80, "node-a")).collect();
        sp.endpoints.sort_by(cmp_addr);
        restore_input(&[sp], &node_a())
    };
    let small = build(1000);
    assert!(small.contains("-m comment --comment ns/big -m tcp -p tcp -j DNAT --to-destination 10.244.0.0:80\n"));
    let large = build(1001);
    let sep = large.lines().find(|l| l.starts_with("-A KUBE-SEP-") && l.contains("10.244.0.0:80")).unwrap();
    assert!(sep.ends_with(" -m tcp -p tcp -j DNAT --to-destination 10.244.0.0:80") && !sep.contains("comment"), "{sep}");
    let last = large.lines().rfind(|l| l.starts_with("-A KUBE-SVC-")).unwrap();
    assert!(!last.contains("comment") && last.contains(" -j KUBE-SEP-"), "{last}");
    // The service-level comments stay.
    assert!(large.contains("-A KUBE-SERVICES -m comment --comment \"ns/big cluster IP\""));
    assert!(large.contains("-m statistic --mode random --probability 0.0009990010 -j KUBE-SEP-"));
}

#[test]
fn stale_service_chains_are_flushed_and_deleted() {
    let mut out = String::new();
    let existing = ["KUBE-SVC-I5LIAMPLWKMBJ54B", "KUBE-SEP-OLDOLDOLDOLDOLD2", "KUBE-SVC-GONEGONEGONEGONE", "KUBE-MARK-MASQ", "CNI-HOSTPORT-DNAT"];
    write_restore_input(&mut out, &[cart()], &node_a(), &existing);
    let nat = out.split("*nat\n").nth(1).unwrap();
    assert!(nat.contains(":KUBE-SEP-BQDHVMWANCT6EYGM - [0:0]\n:KUBE-SEP-OLDOLDOLDOLDOLD2 - [0:0]\n:KUBE-SVC-GONEGONEGONEGONE - [0:0]\n-A KUBE-POSTROUTING"), "{nat}");
    assert!(nat.ends_with("-X KUBE-SEP-OLDOLDOLDOLDOLD2\n-X KUBE-SVC-GONEGONEGONEGONE\n-A KUBE-SERVICES -m comment --comment \"kubernetes service nodeports; NOTE: this must be the last rule in this chain\" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS\nCOMMIT\n"), "{nat}");
    assert_eq!(nat.matches("-X ").count(), 2);
}

#[test]
fn hook_jumps_in_kube_proxys_insertion_order() {
    let got: Vec<String> = hook_jumps().into_iter().map(|(t, c, r)| format!("{t} {c} {r}")).collect();
    assert_eq!(
        got,
        [
            "filter INPUT -m conntrack --ctstate NEW -m comment --comment \"kubernetes externally-visible service portals\" -j KUBE-EXTERNAL-SERVICES",
            "filter FORWARD -m conntrack --ctstate NEW -m comment --comment \"kubernetes externally-visible service portals\" -j KUBE-EXTERNAL-SERVICES",
            "filter INPUT -m comment --comment \"kubernetes health check service ports\" -j KUBE-NODEPORTS",
            "filter FORWARD -m conntrack --ctstate NEW -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES",
            "filter OUTPUT -m conntrack --ctstate NEW -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES",
            "filter FORWARD -m comment --comment \"kubernetes forwarding rules\" -j KUBE-FORWARD",
            "filter INPUT -m conntrack --ctstate NEW -m comment --comment \"kubernetes load balancer firewall\" -j KUBE-PROXY-FIREWALL",
            "filter OUTPUT -m conntrack --ctstate NEW -m comment --comment \"kubernetes load balancer firewall\" -j KUBE-PROXY-FIREWALL",
            "filter FORWARD -m conntrack --ctstate NEW -m comment --comment \"kubernetes load balancer firewall\" -j KUBE-PROXY-FIREWALL",
            "nat OUTPUT -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES",
            "nat PREROUTING -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES",
            "nat POSTROUTING -m comment --comment \"kubernetes postrouting rules\" -j KUBE-POSTROUTING",
            "filter INPUT -j KUBE-FIREWALL",
            "filter OUTPUT -j KUBE-FIREWALL",
        ]
    );
    assert_eq!(canary_chains().map(|(t, _)| t), ["mangle", "nat", "filter"]);
}

/// upstream's `checkIPTablesRuleJumps`: every chain used is declared, every chain jumped to
/// has rules, and every declared service chain is used.
fn check_jumps(text: &str) {
    for table in text.split("COMMIT\n").filter(|t| !t.is_empty()) {
        let lines: Vec<&str> = table.lines().collect();
        let word_after = |l: &str, flag: &str| l.split(flag).nth(1).map(|r| r.split(' ').next().unwrap().to_string());
        let created: std::collections::BTreeSet<String> = lines.iter().filter_map(|l| l.strip_prefix(':')).map(|l| l.split(' ').next().unwrap().to_string()).collect();
        let filled: std::collections::BTreeSet<String> = lines.iter().filter_map(|l| word_after(l, "-A ")).collect();
        let builtin = ["ACCEPT", "REJECT", "DROP", "MARK", "RETURN", "DNAT", "SNAT", "MASQUERADE"];
        let jumped: std::collections::BTreeSet<String> =
            lines.iter().filter_map(|l| word_after(l, " -j ")).filter(|t| !builtin.contains(&t.as_str())).collect();
        for c in jumped.iter().chain(filled.iter()) {
            assert!(created.contains(c), "{c} used but not created in\n{table}");
        }
        for c in &jumped {
            assert!(filled.contains(c) || c == "KUBE-NODEPORTS", "{c} jumped to but empty in\n{table}");
        }
        for c in &created {
            assert!(!super::hash::is_service_chain(c) || jumped.contains(c), "{c} created but unused in\n{table}");
        }
    }
}

#[test]
fn every_jump_has_a_chain_with_rules_on_every_node() {
    let mut sticky_front = front();
    sticky_front.name = "sticky-front".into();
    sticky_front.affinity_timeout = Some(10800);
    sticky_front.load_balancer_ips = vec![ip("203.0.113.20")];
    sticky_front.load_balancer_source_ranges = vec!["198.51.100.0/24".parse().unwrap()];
    let mut itp = cart();
    itp.name = "itp".into();
    itp.internal_local = true;
    itp.external_ips = vec![ip("192.168.50.11")];
    let mut lonely = ServicePort::cluster_ip("shop", "lonely", "", ip("10.96.0.30"), 8080);
    lonely.load_balancer_ips = vec![ip("203.0.113.30")];
    lonely.load_balancer_source_ranges = vec!["198.51.100.0/24".parse().unwrap()];
    let ports = [cart(), front(), sticky_front, itp, lonely];
    for name in ["node-a", "node-b", "node-c"] {
        check_jumps(&restore_input(&ports, &node(name, "10.0.0.11")));
    }
}

#[test]
fn synthetic_input_is_well_formed() {
    let (ports, node) = super::synthetic::cluster(50, 2);
    let out = restore_input(&ports, &node);
    check_jumps(&out);
    assert_eq!(out.matches(" -j DNAT ").count(), 100);
}

/// `cargo test --release -p fishbowl-core --lib kube_proxy -- --ignored --nocapture`
#[test]
#[ignore = "timing; run in release"]
fn ten_thousand_services_with_two_endpoints_each() {
    let (ports, node) = super::synthetic::cluster(10_000, 2);
    let mut best = std::time::Duration::MAX;
    let mut len = 0;
    for _ in 0..10 {
        let t = std::time::Instant::now();
        let out = restore_input(&ports, &node);
        best = best.min(t.elapsed());
        len = out.len();
    }
    eprintln!("restore_input: 10,000 services x 2 endpoints: {best:?}, {len} bytes");
    assert!(best < std::time::Duration::from_millis(50), "{best:?}");
}

