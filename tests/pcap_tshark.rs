//! Captures exported from traces, read back by Debian's `tshark` (installed by
//! `cargo xtask setup`): a cross-node TCP handshake under flannel's vxlan backend, captured on
//! the sending node's eth0, must decode as Ethernet/IPv4/UDP/VXLAN/Ethernet/IPv4/TCP with every
//! checksum good; under the udp backend the outer UDP carries the inner IPv4 packet.

use std::path::PathBuf;
use std::process::Command;

use fishbowl_core::console::run_line;
use fishbowl_core::kubectl::Files;
use fishbowl_core::net::Backend;
use fishbowl_core::{ClusterConfig, Sim};

struct Dir(PathBuf);

/// Two nginx pods: `a` on node-1, `c` on node-2.
const PODS: &str = "apiVersion: v1
kind: Pod
metadata: {name: a}
spec: {nodeName: node-1, containers: [{name: web, image: nginx:1.27}]}
---
apiVersion: v1
kind: Pod
metadata: {name: c}
spec: {nodeName: node-2, containers: [{name: web, image: nginx:1.27}]}
";

impl Files for Dir {
    fn read(&self, path: &str) -> Result<String, String> {
        match path {
            "pods.yaml" => Ok(PODS.to_string()),
            _ => Err(format!("the path \"{path}\" does not exist")),
        }
    }
    fn write(&self, path: &str, bytes: &[u8]) -> Result<(), String> {
        std::fs::write(self.0.join(path), bytes).map_err(|e| e.to_string())
    }
}

fn cluster(backend: Backend) -> Sim {
    let mut sim = Sim::new(ClusterConfig { network: backend, ..Default::default() });
    let files = Dir(std::env::temp_dir());
    for line in ["kubectl apply -f pods.yaml", "advance 30s"] {
        let out = run_line(&mut sim, line, &files);
        assert_eq!(out.status, 0, "{line}: {}", out.stderr);
    }
    sim
}

fn pod_ip(sim: &mut Sim, name: &str) -> String {
    let out = run_line(sim, &format!("kubectl get pod {name} -o json"), &fishbowl_core::kubectl::NoFiles);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    v["status"]["podIP"].as_str().unwrap().to_string()
}

fn tshark(path: &PathBuf, decode: &str) -> String {
    let out = Command::new("tshark")
        .arg("-r")
        .arg(path)
        .args(["-d", decode, "-o", "ip.check_checksum:TRUE"])
        .args(["-o", "tcp.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE", "-T", "fields"])
        .args(["-E", "separator=|", "-e", "frame.protocols", "-e", "ip.checksum.status"])
        .args(["-e", "udp.checksum.status", "-e", "tcp.checksum.status", "-e", "tcp.flags.str"])
        .output()
        .expect("tshark is installed (`cargo xtask setup` installs Debian's tshark)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn vxlan_handshake_on_eth0_decodes_with_good_checksums() {
    let mut sim = cluster(Backend::Vxlan);
    let ip = pod_ip(&mut sim, "c");
    let dir = Dir(std::env::temp_dir());
    let out = run_line(&mut sim, &format!("trace pod/a {ip}:80"), &dir);
    assert!(out.stdout.contains("three-way handshake complete"), "{}", out.stdout);
    let out = run_line(&mut sim, "pcap fishbowl-vxlan-handshake.pcap node-1/eth0", &dir);
    assert_eq!(out.status, 0, "{}", out.stderr);
    let text = tshark(&dir.0.join("fishbowl-vxlan-handshake.pcap"), "udp.port==8472,vxlan");
    let vxlan: Vec<&str> = text.lines().filter(|l| l.contains(":vxlan:")).collect();
    // SYN out, SYN-ACK in, ACK out: each wrapped in VXLAN, outer UDP checksum zero (3 = not
    // present), inner IP and TCP checksums good.
    assert_eq!(vxlan.len(), 3, "{text}");
    for line in &vxlan {
        let f: Vec<&str> = line.split('|').collect();
        assert_eq!(f[0], "eth:ethertype:ip:udp:vxlan:eth:ethertype:ip:tcp", "{line}");
        assert_eq!((f[1], f[2], f[3]), ("1,1", "3", "1"), "{line}");
    }
    let flags: Vec<&str> = vxlan.iter().map(|l| l.rsplit('|').next().unwrap()).collect();
    assert_eq!(flags, ["··········S·", "·······A··S·", "·······A····"], "{text}");
}

#[test]
fn udp_backend_carries_the_inner_packet_in_udp_8285() {
    let mut sim = cluster(Backend::Udp);
    let ip = pod_ip(&mut sim, "c");
    let dir = Dir(std::env::temp_dir());
    let out = run_line(&mut sim, &format!("trace pod/a {ip}:80"), &dir);
    assert!(out.stdout.contains("three-way handshake complete"), "{}", out.stdout);
    let out = run_line(&mut sim, "pcap fishbowl-udp-handshake.pcap node-1/eth0", &dir);
    assert_eq!(out.status, 0, "{}", out.stderr);
    let text = tshark(&dir.0.join("fishbowl-udp-handshake.pcap"), "udp.port==8285,ip");
    let tunnelled: Vec<&str> = text.lines().filter(|l| l.starts_with("eth:ethertype:ip:udp:ip:tcp")).collect();
    assert_eq!(tunnelled.len(), 3, "{text}");
    for line in &tunnelled {
        let f: Vec<&str> = line.split('|').collect();
        assert_eq!((f[1], f[2], f[3]), ("1,1", "1", "1"), "{line}");
    }
}

#[test]
fn data_and_teardown_have_consistent_sequence_numbers() {
    let mut sim = cluster(Backend::Vxlan);
    let ip = pod_ip(&mut sim, "c");
    let dir = Dir(std::env::temp_dir());
    let out = run_line(&mut sim, &format!("trace pod/a {ip}:80 --size 100"), &dir);
    assert!(out.stdout.contains("sent 100 bytes, closed (FIN, FIN-ACK, ACK)"), "{}", out.stdout);
    let out = run_line(&mut sim, "pcap fishbowl-tcp-close.pcap node-1/eth0", &dir);
    assert_eq!(out.status, 0, "{}", out.stderr);
    let out = Command::new("tshark")
        .arg("-r")
        .arg(dir.0.join("fishbowl-tcp-close.pcap"))
        .args(["-d", "udp.port==8472,vxlan", "-o", "tcp.check_checksum:TRUE", "-T", "fields", "-E", "separator=|"])
        .args(["-e", "tcp.flags.str", "-e", "tcp.seq", "-e", "tcp.ack", "-e", "tcp.len", "-e", "tcp.checksum.status", "-e", "_ws.expert"])
        .arg("tcp")
        .output()
        .expect("tshark is installed (`cargo xtask setup` installs Debian's tshark)");
    let text = String::from_utf8_lossy(&out.stdout);
    // Relative sequence numbers as tshark computes them; its expert notes are only the
    // chat-level ones (SYN, FIN), no warnings (retransmission, lost segment, bad ACK).
    assert!(!text.contains("(Warning/") && !text.contains("(Error/"), "{text}");
    let rows: Vec<String> = text.lines().map(|l| l.rsplit_once('|').map_or(l, |(a, _)| a).to_string() + "|").collect();
    assert_eq!(
        rows,
        [
            "··········S·|0|0|0|1|",
            "·······A··S·|0|1|0|1|",
            "·······A····|1|1|0|1|",
            "·······AP···|1|1|100|1|",
            "·······A····|1|101|0|1|",
            "·······A···F|101|1|0|1|",
            "·······A···F|1|102|0|1|",
            "·······A····|102|2|0|1|",
        ],
        "{text}"
    );
}
