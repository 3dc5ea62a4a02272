//! Tests of the network tools: a 3-node cluster per flannel backend with pods on every node;
//! a table of the lines fidelity.md §7–8 says `ip route`, `ip neigh`, `bridge fdb`, `ip addr`,
//! `ip -d link` and `subnet.env` show on every node and in every pod; then whole outputs of a
//! few commands (MACs and namespace names masked) and the tools' error texts.

use crate::api::{Kind, Object};
use crate::console::run_line;
use crate::kubectl::NoFiles;
use crate::net::{Backend, Lease};
use crate::sim::{ClusterConfig, Sim, Underlay};
use crate::store::{Cause, Component};
use crate::time::SimDuration;

use Backend::{HostGw, Udp, Vxlan};

const ALL: &[Backend] = &[Vxlan, Udp, HostGw];

fn cluster(backend: Backend) -> Sim {
    let pods = [("a", "node-1", "nginx:1.27", false), ("b", "node-1", "busybox:1.36", false), ("c", "node-2", "nginx:1.27", false), ("d", "node-3", "busybox:1.36", false), ("h", "node-3", "busybox:1.36", true)];
    crate::net::test_support::cluster(backend, Underlay::SharedL2, &pods)
}

fn pod_ip(sim: &Sim, pod: &str) -> String {
    crate::net::test_support::pod_ip(sim, pod).to_string()
}

/// stdout then stderr, as the console shows them.
fn sh(sim: &mut Sim, line: &str) -> String {
    let o = run_line(sim, line, &NoFiles);
    format!("{}{}", o.stdout, o.stderr)
}

/// The output's lines without the trailing space iproute2 leaves.
fn lines(out: &str) -> Vec<String> {
    out.lines().map(|l| l.trim_end().to_string()).collect()
}

/// Which leases a row is checked against: the node's own, or each of the others.
#[derive(Clone, Copy, PartialEq)]
enum Per {
    Own,
    Peer,
}

/// `(backends, per, command, expected line)`. Placeholders: `{net}` `{gw}` `{bcast}` `{ip}` of
/// the node's own lease, `{pnet}` `{pip}` `{pmac}` of a peer's; `{mtu}` the backend's MTU.
const NODE_LINES: &[(&[Backend], Per, &str, &str)] = &[
    (&[Vxlan], Per::Peer, "ip route", "{pnet}/24 via {pnet} dev flannel.1 onlink"),
    (&[Vxlan], Per::Peer, "ip neigh", "{pnet} dev flannel.1 lladdr {pmac} PERMANENT"),
    (&[Vxlan], Per::Peer, "bridge fdb", "{pmac} dev flannel.1 dst {pip} self permanent"),
    (&[Vxlan], Per::Own, "ip addr", "    inet {net}/32 scope global flannel.1"),
    (&[Vxlan], Per::Own, "ip addr", "3: flannel.1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc noqueue state UNKNOWN group default"),
    (&[Vxlan], Per::Own, "ip -d link show flannel.1", "    vxlan id 1 local {ip} dev eth0 srcport 0 0 dstport 8472 nolearning ttl auto ageing 300 udpcsum noudp6zerocsumtx noudp6zerocsumrx addrgenmode eui64 numtxqueues 1 numrxqueues 1 gso_max_size 65536 gso_max_segs 65535 tso_max_size 65536 tso_max_segs 65535 gro_max_size 65536"),
    (&[Udp], Per::Own, "ip route", "10.244.0.0/16 dev flannel0"),
    (&[Udp], Per::Own, "ip addr", "3: flannel0: <POINTOPOINT,MULTICAST,NOARP,UP,LOWER_UP> mtu 1472 qdisc fq_codel state UNKNOWN group default qlen 500"),
    (&[Udp], Per::Own, "ip addr", "    link/none"),
    (&[Udp], Per::Own, "ip addr", "    inet {net}/32 scope global flannel0"),
    (&[HostGw], Per::Peer, "ip route", "{pnet}/24 via {pip} dev eth0"),
    (ALL, Per::Own, "ip route", "default via 192.168.56.1 dev eth0"),
    (ALL, Per::Own, "ip route", "{net}/24 dev cni0 proto kernel scope link src {gw}"),
    (ALL, Per::Own, "ip route", "192.168.56.0/24 dev eth0 proto kernel scope link src {ip}"),
    (ALL, Per::Own, "ip addr", "    inet {gw}/24 brd {bcast} scope global cni0"),
    (ALL, Per::Own, "ip addr", "    inet {ip}/24 brd 192.168.56.255 scope global eth0"),
    (ALL, Per::Own, "ip route get 127.0.0.1", "local 127.0.0.1 dev lo table local src 127.0.0.1 uid 0"),
    (ALL, Per::Own, "cat /run/flannel/subnet.env", "FLANNEL_SUBNET={gw}/24"),
    (ALL, Per::Own, "cat /run/flannel/subnet.env", "FLANNEL_MTU={mtu}"),
];

/// Text that must not appear on a node under the backend.
const NODE_ABSENT: &[(&[Backend], &str, &str)] = &[
    (&[Udp, HostGw], "ip addr", "flannel.1"),
    (&[Vxlan, HostGw], "ip addr", "flannel0"),
    (&[Udp, HostGw], "ip neigh", "PERMANENT"),
    (&[Udp, HostGw], "bridge fdb", "self permanent"),
    (&[Udp], "ip route", "via 10.244."),
];

fn fill(t: &str, own: &Lease, peer: Option<&Lease>, mtu: u32) -> String {
    let net = own.subnet.network();
    let plus = |n: u32| std::net::Ipv4Addr::from(u32::from(net) + n).to_string();
    let mut s = t.replace("{net}", &net.to_string()).replace("{gw}", &plus(1)).replace("{bcast}", &plus(255));
    s = s.replace("{ip}", &own.public_ip.to_string()).replace("{mtu}", &mtu.to_string());
    if let Some(p) = peer {
        s = s.replace("{pnet}", &p.subnet.network().to_string()).replace("{pip}", &p.public_ip.to_string()).replace("{pmac}", &p.vtep_mac.to_string());
    }
    s
}

#[test]
fn every_node_shows_what_flannel_and_the_cni_plugins_programmed() {
    for &backend in ALL {
        let mut sim = cluster(backend);
        let mtu = backend.mtu(1500);
        let leases: Vec<Lease> = sim.net().leases().cloned().collect();
        assert_eq!(leases.len(), 3);
        for own in &leases {
            let node = own.node.clone();
            for &(_, per, cmd, template) in NODE_LINES.iter().filter(|r| r.0.contains(&backend)) {
                let out = lines(&sh(&mut sim, &format!("node {node} -- {cmd}")));
                let peers: Vec<Option<&Lease>> = match per {
                    Per::Own => vec![None],
                    Per::Peer => leases.iter().filter(|l| l.node != node).map(Some).collect(),
                };
                for peer in peers {
                    let want = fill(template, own, peer, mtu);
                    assert!(out.contains(&want), "{} on {node}: `{cmd}` lacks\n{want}\nin\n{}", backend.name(), out.join("\n"));
                }
            }
            for &(_, cmd, text) in NODE_ABSENT.iter().filter(|r| r.0.contains(&backend)) {
                let out = sh(&mut sim, &format!("node {node} -- {cmd}"));
                assert!(!out.contains(text), "{} on {node}: `{cmd}` shows {text}:\n{out}", backend.name());
            }
            let env = sh(&mut sim, &format!("node {node} -- cat /run/flannel/subnet.env"));
            assert_eq!(env, fill("FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET={gw}/24\nFLANNEL_MTU={mtu}\nFLANNEL_IPMASQ=true\n", own, None, mtu));
        }
        // Every pod: its routes, its address, and the MTU of its eth0.
        for pod in ["a", "b", "c", "d"] {
            let ip = pod_ip(&sim, pod);
            let prefix = ip.rsplit_once('.').unwrap().0;
            let (gw, net) = (format!("{prefix}.1"), format!("{prefix}.0"));
            let routes = sh(&mut sim, &format!("kubectl exec {pod} -- ip route"));
            // FIB order: by network address, the longer prefix first.
            let (own, cluster) = (format!("{net}/24 dev eth0 proto kernel scope link src {ip}"), format!("10.244.0.0/16 via {gw} dev eth0"));
            let want = if net == "10.244.0.0" { [own, cluster] } else { [cluster, own] };
            assert_eq!(lines(&routes)[0], format!("default via {gw} dev eth0"), "{}", backend.name());
            assert_eq!(lines(&routes)[1..], want, "{}", backend.name());
            let addr = lines(&sh(&mut sim, &format!("kubectl exec {pod} -- ip addr show eth0")));
            assert!(addr[0].starts_with("2: eth0@if") && addr[0].ends_with(&format!(": <BROADCAST,MULTICAST,UP,LOWER_UP> mtu {mtu} qdisc noqueue state UP group default")), "{addr:?}");
            assert!(addr[1].ends_with(" brd ff:ff:ff:ff:ff:ff link-netnsid 0"), "{addr:?}");
            assert_eq!(addr[2], format!("    inet {ip}/24 brd {prefix}.255 scope global eth0"));
        }
    }
}

/// MAC addresses and containerd's namespace names vary with the seed's draws: mask them.
fn mask(out: &str) -> String {
    out.split('\n')
        .map(|line| {
            line.split(' ')
                .map(|w| {
                    let t = w.trim_end_matches(',');
                    let is_mac = t.len() == 17 && t.split(':').count() == 6 && t.split(':').all(|b| b.len() == 2 && b.chars().all(|c| c.is_ascii_hexdigit()));
                    if is_mac && t != "ff:ff:ff:ff:ff:ff" && t != "00:00:00:00:00:00" {
                        w.replacen(t, "MAC", 1)
                    } else if t.starts_with("cni-") {
                        "cni-NS".to_string()
                    } else if let Some(i) = t.find("veth").filter(|_| t.len() >= 12) {
                        w.replacen(&t[i..i + 12], "vethX", 1)
                    } else {
                        w.to_string()
                    }
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn transcripts_of_node_and_pod_commands() {
    let mut sim = cluster(Vxlan);
    let c = pod_ip(&sim, "c");
    let ping = format!("kubectl exec a -- ping -c 2 {c}");
    let cases: Vec<(String, String)> = vec![
        ("node node-1 -- ip addr show cni0".into(), "4: cni0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc noqueue state UP group default qlen 1000\n    link/ether MAC brd ff:ff:ff:ff:ff:ff\n    inet 10.244.0.1/24 brd 10.244.0.255 scope global cni0\n       valid_lft forever preferred_lft forever\n".into()),
        ("node node-1 -- ip link show vethX".into(), String::new()),
        ("node node-1 -- ip -d link show flannel.1".into(), "3: flannel.1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc noqueue state UNKNOWN mode DEFAULT group default \n    link/ether MAC brd ff:ff:ff:ff:ff:ff promiscuity 0 minmtu 68 maxmtu 65535 \n    vxlan id 1 local 192.168.56.11 dev eth0 srcport 0 0 dstport 8472 nolearning ttl auto ageing 300 udpcsum noudp6zerocsumtx noudp6zerocsumrx addrgenmode eui64 numtxqueues 1 numrxqueues 1 gso_max_size 65536 gso_max_segs 65535 tso_max_size 65536 tso_max_segs 65535 gro_max_size 65536 \n".into()),
        ("node node-1 -- ip r".into(), "default via 192.168.56.1 dev eth0 \n10.244.0.0/24 dev cni0 proto kernel scope link src 10.244.0.1 \n10.244.1.0/24 via 10.244.1.0 dev flannel.1 onlink \n10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink \n192.168.56.0/24 dev eth0 proto kernel scope link src 192.168.56.11 \n".into()),
        ("node node-1 -- ip route get 10.244.1.5".into(), "10.244.1.5 via 10.244.1.0 dev flannel.1 src 10.244.0.0 uid 0 \n    cache \n".into()),
        ("kubectl exec a -- ip route get 10.244.0.1".into(), "10.244.0.1 dev eth0 src 10.244.0.2 uid 0 \n    cache \n".into()),
        (ping.clone(), format!("PING {c} ({c}) 56(84) bytes of data.\n64 bytes from {c}: icmp_seq=1 ttl=62 time=0.422 ms\n64 bytes from {c}: icmp_seq=2 ttl=62 time=0.218 ms\n\n--- {c} ping statistics ---\n2 packets transmitted, 2 received, 0% packet loss, time 1000ms\nrtt min/avg/max/mdev = 0.218/0.320/0.422/0.102 ms\n")),
        ("kubectl exec a -- ip neigh".into(), "10.244.0.1 dev eth0 lladdr MAC REACHABLE \n".into()),
        ("node node-1 -- tcpdump -nni eth0 -c1".into(), format!("tcpdump: verbose output suppressed, use -v[v]... for full protocol decode\nlistening on eth0, link-type EN10MB (Ethernet), snapshot length 262144 bytes\n00:00:30.000007 IP 192.168.56.11.PORT > 192.168.56.12.8472: OTV, flags [I] (0x08), overlay 0, instance 1\nIP 10.244.0.2 > {c}: ICMP echo request, id ID, seq 1, length 64\n1 packet captured\n1 packet received by filter\n0 packets dropped by kernel\n")),
        ("kubectl exec b -- cat /run/flannel/subnet.env".into(), "cat: can't open '/run/flannel/subnet.env': No such file or directory\ncommand terminated with exit code 1\n".into()),
        ("kubectl exec a -- cat /run/flannel/subnet.env".into(), "cat: /run/flannel/subnet.env: No such file or directory\ncommand terminated with exit code 1\n".into()),
    ];
    let veth = sim.net().netns(sim.net().node("node-1").unwrap().root).unwrap().devices.iter().find(|d| d.name.starts_with("veth")).unwrap().name.clone();
    for (line, want) in cases {
        let got = sh(&mut sim, &line.replace("vethX", &veth));
        let got = mask(&got);
        if want.is_empty() {
            assert!(got.contains("vethX"), "{line}:\n{got}");
            continue;
        }
        let got = if line.contains("tcpdump") { mask_ids(&got) } else { got };
        assert_eq!(got, want, "{line}");
    }
    // The veth port's entries: the pod's MAC learned there, then the port's own.
    let fdb = lines(&mask(&sh(&mut sim, &format!("node node-1 -- bridge fdb show dev {veth}"))));
    assert_eq!(fdb, ["MAC master cni0", "MAC vlan 1 master cni0 permanent", "MAC master cni0 permanent"]);
    // A hostNetwork pod sees its node's namespace.
    assert_eq!(sh(&mut sim, "kubectl exec h -- ip route"), sh(&mut sim, "node node-3 -- ip route"));
}

/// The random source port and ICMP id in tcpdump lines.
fn mask_ids(out: &str) -> String {
    out.lines()
        .map(|l| {
            let mut l = l.to_string();
            if let Some(i) = l.find("192.168.56.11.") {
                let end = l[i + 14..].find(' ').map_or(l.len(), |e| i + 14 + e);
                l.replace_range(i + 14..end, "PORT");
            }
            if let Some(i) = l.find(", id ") {
                let end = l[i + 5..].find(',').map_or(l.len(), |e| i + 5 + e);
                l.replace_range(i + 5..end, "ID");
            }
            l + "\n"
        })
        .collect()
}

#[test]
fn bad_arguments_get_the_real_tools_errors() {
    let mut sim = cluster(Udp);
    for (line, want) in [
        ("node node-1 -- ip foo", "Object \"foo\" is unknown, try \"ip help\".\n"),
        ("node node-1 -- ip addr show dev foo", "Device \"foo\" does not exist.\n"),
        ("node node-1 -- ip link frob", "Command \"frob\" is unknown, try \"ip link help\".\n"),
        ("node node-1 -- ip route get x", "Error: any valid prefix is expected rather than \"x\".\n"),
        ("node node-1 -- ip -z addr", "Option \"-z\" is unknown, try \"ip -help\".\n"),
        ("node node-1 -- bridge fdb show dev nope", "Cannot find device \"nope\"\n"),
        ("node node-1 -- tcpdump -i nope", "tcpdump: nope: No such device exists\n(SIOCGIFHWADDR: No such device)\n"),
        ("node node-1 -- ping -c 1 web", "ping: web: Name or service not known\n"),
        ("kubectl exec d -- ping -c 1 web", "ping: bad address 'web'\ncommand terminated with exit code 1\n"),
        ("node node-1 -- ip route add 10.0.0.0/8 dev eth0", "fishbowl: `ip route add 10.0.0.0/8 dev eth0` would change the network; here only the simulated components (the CNI plugins, flanneld) change it\n"),
        ("node node-1 -- ip l s eth0 down", "fishbowl: `ip link s eth0 down` would change the network; here only the simulated components (the CNI plugins, flanneld) change it\n"),
    ] {
        let out = run_line(&mut sim, line, &NoFiles);
        assert_eq!(out.stderr, want, "{line}");
        assert_ne!(out.status, 0, "{line}");
    }
    // The TUN device's capture is raw IP; the last ping crossed it.
    let c = pod_ip(&sim, "c");
    sh(&mut sim, &format!("kubectl exec a -- ping -c 1 {c}"));
    let dump = sh(&mut sim, "node node-1 -- tcpdump -i flannel0 -e");
    assert!(dump.contains("listening on flannel0, link-type RAW (Raw IP), snapshot length 262144 bytes\n"), "{dump}");
    assert!(dump.contains(&format!(" ip: 10.244.0.2 > {c}: ICMP echo request")), "{dump}");
    assert!(dump.contains("2 packets captured\n"), "{dump}");
}

#[test]
fn brief_listings_and_a_ping_that_cannot_get_through() {
    let mut sim = cluster(Vxlan);
    let link = mask(&sh(&mut sim, "kubectl exec a -- ip -br link"));
    assert_eq!(link, "lo               UNKNOWN        00:00:00:00:00:00 <LOOPBACK,UP,LOWER_UP> \neth0@if5         UP             MAC <BROADCAST,MULTICAST,UP,LOWER_UP> \n");
    let addr = sh(&mut sim, "node node-1 -- ip -br a show cni0");
    assert_eq!(addr, "cni0             UP             10.244.0.1/24 \n");
    // An echo larger than the pod's MTU fails before it leaves (iputils counts errors; busybox stops).
    let c = pod_ip(&sim, "c");
    let big = sh(&mut sim, &format!("kubectl exec a -- ping -c 2 -s 1423 {c}"));
    let local = "ping: local error: message too long, mtu=1450";
    assert_eq!(big, format!("PING {c} ({c}) 1423(1451) bytes of data.\n{local}\n{local}\n\n--- {c} ping statistics ---\n2 packets transmitted, 0 received, +2 errors, 100% packet loss, time 1000ms\ncommand terminated with exit code 1\n"));
    let big = sh(&mut sim, &format!("kubectl exec b -- ping -c 2 -s 1423 {c}"));
    assert_eq!(big, format!("PING {c} ({c}): 1423 data bytes\nping: sendto: Message too long\ncommand terminated with exit code 1\n"));
    // host-gw across two subnets: node-1 has no route to node-2's lease, so the echo goes to
    // the default gateway, which has no route to the pod network and says so.
    let mut sim = Sim::new(ClusterConfig { network: HostGw, underlay: Underlay::RoutedL3, ..Default::default() });
    let v = serde_json::json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "c", "namespace": "default"},
        "spec": {"nodeName": "node-2", "containers": [{"name": "c", "image": "nginx:1.27"}]}});
    sim.api().create(Object::from_value(Kind::Pod, v).unwrap(), &Component::new("test"), Cause::Bootstrap).unwrap();
    sim.after_action();
    sim.advance(SimDuration::from_secs(30));
    let c = pod_ip(&sim, "c");
    let routes = sh(&mut sim, "node node-1 -- ip route");
    assert!(!routes.contains("10.244.1.0/24") && routes.contains("10.244.2.0/24 via 192.168.56.13 dev eth0 \n"), "{routes}");
    let out = run_line(&mut sim, &format!("node node-1 -- ping -c 2 {c}"), &NoFiles);
    let from = "From 192.168.56.1 icmp_seq";
    assert_eq!(out.stdout, format!("PING {c} ({c}) 56(84) bytes of data.\n{from}=1 Destination Net Unreachable\n{from}=2 Destination Net Unreachable\n\n--- {c} ping statistics ---\n2 packets transmitted, 0 received, +2 errors, 100% packet loss, time 1000ms\n"));
    assert_eq!(out.status, 1);
}

#[test]
fn tcpdump_filters_look_at_the_outer_headers() {
    let mut sim = cluster(Vxlan);
    let c = pod_ip(&sim, "c");
    sh(&mut sim, &format!("kubectl exec a -- ping -c 1 {c}"));
    let count = |sim: &mut Sim, args: &str| {
        let out = sh(sim, &format!("node node-1 -- tcpdump -i eth0 -n {args}"));
        out.lines().find_map(|l| l.strip_suffix(" packets captured").or_else(|| l.strip_suffix(" packet captured"))).map(str::to_string).unwrap_or(out)
    };
    assert_eq!(count(&mut sim, "udp port 8472"), "2");
    assert_eq!(count(&mut sim, "udp dst port 8472 and src host 192.168.56.11"), "1");
    assert_eq!(count(&mut sim, "icmp"), "0");
    assert_eq!(count(&mut sim, "arp"), count(&mut sim, "arp and host 192.168.56.12"));
    assert_eq!(sh(&mut sim, "node node-1 -- tcpdump -i eth0 port"), "tcpdump: syntax error in filter expression: syntax error\n");
    assert!(sh(&mut sim, "node node-1 -- tcpdump -i eth0 icmp or arp").starts_with("fishbowl: `or` in a tcpdump filter is not simulated"));
}
