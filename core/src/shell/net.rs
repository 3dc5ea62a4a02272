//! The network tools of a simulated machine, run in the namespace of where the command runs:
//! a node's root namespace (`node NAME -- CMD`) or a pod's (`kubectl exec POD -- CMD`; a
//! hostNetwork pod sees its node's).
//!
//! ```text
//! ip.rs           ip: options, objects, subcommands and their errors (iproute2 6.1)
//! ip_link.rs      ip link / ip addr
//! ip_route.rs     ip route / ip route get / ip neigh
//! bridge_fdb.rs   bridge fdb
//! ping.rs         ping -c N (iputils, or busybox in busybox images)
//! tcpdump_cmd.rs  tcpdump -i DEV: the frames of the last trace on that device (tcpdump 4.99)
//! tcpdump_filter.rs  the filter expressions it understands (ip, arp, icmp, udp, tcp, host, port)
//! iptables.rs     iptables-save, iptables -S, conntrack -L (on nodes; app images lack them)
//! dns.rs          cat /etc/resolv.conf, nslookup, dig (each query a traced packet)
//! http.rs         curl, wget (resolved, connected and answered through the cluster)
//! ```
//!
//! Also `cat /run/flannel/subnet.env`: the file flanneld writes on every node. Inside a pod it
//! does not exist (the pod has its own mount namespace), and `cat` says so in the words of the
//! image's userland (busybox or GNU coreutils).
//!
//! Which images ship which tools is not modelled: every container has `ip`, `bridge`, `ping`
//! and `tcpdump`, and `ip` prints iproute2's format everywhere (busybox's own `ip` applet prints
//! a shorter one); only `ping` and `cat` follow busybox in busybox images. In a container a
//! failing command is followed by kubectl's `command terminated with exit code N`.

use crate::kubectl::Output;
use crate::sim::trace::Endpoint;
use crate::sim::Sim;

use super::{bridge_fdb, dns, env, http, ip, iptables, ipvsadm, ping, tcpdump_cmd};

/// The file flanneld writes on each node.
pub const SUBNET_ENV: &str = "/run/flannel/subnet.env";

/// Where a network tool runs.
#[derive(Debug, Clone)]
pub struct At {
    pub endpoint: Endpoint,
    /// Run through `kubectl exec` (exit statuses are reported by kubectl).
    pub container: bool,
    /// The image's userland is busybox.
    pub busybox: bool,
}

impl At {
    pub fn node(name: &str) -> At {
        At { endpoint: Endpoint::Node(name.to_string()), container: false, busybox: false }
    }

    /// The internet host outside the cluster.
    pub fn internet() -> At {
        At { endpoint: Endpoint::External, container: false, busybox: false }
    }

    pub fn pod(namespace: &str, name: &str, busybox: bool) -> At {
        At { endpoint: Endpoint::Pod { namespace: namespace.to_string(), name: name.to_string() }, container: true, busybox }
    }
}

/// What a tool printed and its exit status.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reply {
    pub stdout: String,
    pub stderr: String,
    pub code: i32,
}

impl Reply {
    pub fn ok(stdout: impl Into<String>) -> Reply {
        Reply { stdout: stdout.into(), ..Default::default() }
    }

    pub fn fail(stderr: impl Into<String>, code: i32) -> Reply {
        let mut stderr = stderr.into();
        if !stderr.ends_with('\n') {
            stderr.push('\n');
        }
        Reply { stderr, code, ..Default::default() }
    }

    /// A form of a tool the simulation does not model.
    pub fn not_simulated(what: impl std::fmt::Display) -> Reply {
        Reply::fail(format!("fishbowl: `{what}` is not simulated"), 1)
    }
}

/// Runs `argv` if it is one of the network tools; `None` leaves it to the other commands.
pub fn run(sim: &mut Sim, at: &At, argv: &[String]) -> Option<Output> {
    let program = argv.first()?;
    let exe = program.rsplit('/').next().unwrap_or(program);
    let rest = &argv[1..];
    let subnet_env = exe == "cat" && rest.len() == 1 && rest[0] == SUBNET_ENV;
    let node_tool = matches!(exe, "iptables" | "iptables-save" | "conntrack" | "ipvsadm" | "ipset");
    let resolv = exe == "cat" && rest.len() == 1 && rest[0] == dns::RESOLV_CONF;
    // busybox images have wget and no curl; the others (Debian-based) and the nodes have curl.
    let http_tool = (exe == "curl" && !at.busybox) || exe == "wget";
    let network_tool = matches!(exe, "ip" | "bridge" | "ping" | "tcpdump" | "nslookup" | "dig");
    let on_host = node_tool && !at.container;
    if !(subnet_env || resolv || http_tool || network_tool || on_host) {
        return None;
    }
    let reply = match sim.endpoint_netns(&at.endpoint) {
        Err(e) => Reply::fail(format!("fishbowl: {e}"), 1),
        Ok(ns) => match exe {
            "ip" => ip::run(sim.net(), ns, sim.now(), rest),
            "bridge" => bridge_fdb::run(sim.net(), ns, sim.now(), rest),
            "ping" => ping::run(sim, at, rest),
            "tcpdump" => tcpdump_cmd::run(sim, ns, rest),
            "iptables-save" => iptables::save(sim.net().netfilter(ns), sim.now(), rest),
            "iptables" => iptables::iptables(sim.net().netfilter(ns), rest),
            "conntrack" => iptables::conntrack(sim.net().netfilter(ns), sim.now(), rest),
            "ipvsadm" => ipvsadm::ipvsadm(sim.net().ipvs(ns), rest),
            "ipset" => ipvsadm::ipset(sim.net().ipvs(ns), rest),
            "nslookup" => dns::nslookup(sim, at, rest),
            "curl" => http::curl(sim, at, rest),
            "wget" => http::wget(sim, at, rest),
            "dig" => dns::dig(sim, at, rest),
            "cat" if resolv => dns::cat_resolv_conf(sim, at),
            _ => cat_subnet_env(sim, at),
        },
    };
    let mut out = Output { stdout: reply.stdout, stderr: reply.stderr, status: reply.code, ..Default::default() };
    if at.container && reply.code != 0 {
        out.push(env::exit_status(reply.code));
    }
    Some(out)
}

fn cat_subnet_env(sim: &Sim, at: &At) -> Reply {
    let node = match &at.endpoint {
        Endpoint::Node(n) => sim.net().subnet_env(n),
        _ => None,
    };
    match node {
        Some(text) => Reply::ok(text),
        None if at.busybox => Reply::fail(format!("cat: can't open '{SUBNET_ENV}': No such file or directory"), 1),
        None => Reply::fail(format!("cat: {SUBNET_ENV}: No such file or directory"), 1),
    }
}
