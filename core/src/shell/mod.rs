//! Commands run inside the simulated machines: on a node (`node NAME -- COMMAND`) or in a
//! pod's container (`kubectl exec POD -- COMMAND`). Each command prints what the real tool
//! prints for the simulated state.
//!
//! ```text
//! mod.rs          dispatch; hostname, echo, true; what a missing program answers
//! env.rs          env, printenv, echo $VAR, sh -c (in containers)
//! files.rs        cat, ls over a container's volume mounts
//! net.rs          the network tools, run in the machine's network namespace (needs the Sim):
//!   ip.rs, ip_link.rs, ip_route.rs   ip link / addr / route / route get / neigh
//!   bridge_fdb.rs                     bridge fdb
//!   ping.rs                           ping -c N
//!   tcpdump_cmd.rs, tcpdump_filter.rs tcpdump -i DEV [FILTER] (the last trace's frames)
//!   iptables.rs                       iptables-save, iptables -S, conntrack -L
//!   ipvsadm.rs                        ipvsadm -Ln, ipset list
//!   dns.rs                            cat /etc/resolv.conf, nslookup, dig
//!   http.rs                           curl, wget
//! ```
//!
//! The tools whose state is not simulated yet (`ss`, `nc`, …) answer
//! that they are not simulated rather than inventing output.

pub mod bridge_fdb;
pub mod dns;
pub mod env;
pub mod files;
pub mod http;
pub mod ip;
pub mod ip_link;
pub mod ip_route;
pub mod iptables;
pub mod ipvsadm;
pub mod net;
pub mod ping;
pub mod tcpdump_cmd;
pub mod tcpdump_filter;
#[cfg(test)]
mod iptables_tests;
#[cfg(test)]
mod net_tests;

use crate::kubectl::Output;
use crate::kubelet::view::ContainerView;

/// Where a command runs.
#[derive(Debug, Clone, Copy)]
pub enum Host<'a> {
    Node { name: &'a str },
    Container { pod: &'a str, hostname: &'a str, container: &'a str },
}

impl Host<'_> {
    fn hostname(&self) -> &str {
        match self {
            Host::Node { name } => name,
            Host::Container { hostname, .. } => hostname,
        }
    }
}

/// Tools that exist on real nodes and images but whose state (kube-proxy's rules, DNS,
/// sockets) this version does not simulate.
const NOT_SIMULATED: &[&str] = &[
    "arp", "ip6tables", "ip6tables-save", "ipset", "ipvsadm", "nc", "netstat", "ss", "traceroute",
];

/// Runs `argv` on `host`.
pub fn run(host: Host<'_>, argv: &[String]) -> Output {
    let Some(program) = argv.first() else {
        return Output::error("error: you must specify at least one command for the container");
    };
    let program = program.rsplit('/').next().unwrap_or(program);
    match (program, &argv[1..]) {
        ("hostname", []) => Output::ok(format!("{}\n", host.hostname())),
        ("cat", [path]) if path == "/etc/hostname" => Output::ok(format!("{}\n", host.hostname())),
        ("true", _) => Output::ok(""),
        ("echo", words) => Output::ok(format!("{}\n", words.join(" "))),
        (p, _) if NOT_SIMULATED.contains(&p) => Output::error(format!(
            "fishbowl: `{}` is not simulated: kube-proxy's rules, DNS and sockets are not modelled yet",
            argv.join(" ")
        )),
        (p, _) => not_found(host, p),
    }
}

/// Runs `argv` in a container whose environment and mounted files `view` holds: `env`,
/// `printenv`, `echo $VAR`, `cat`, `ls` and `sh -c` answer from it (`env.rs`, `files.rs`).
pub fn run_in_container(host: Host<'_>, view: &ContainerView, argv: &[String]) -> Output {
    env::run(view, argv).unwrap_or_else(|| run(host, argv))
}

/// What the real system answers for a program it does not have.
fn not_found(host: Host<'_>, program: &str) -> Output {
    match host {
        Host::Node { .. } => Output::error(format!("bash: {program}: command not found")),
        // containerd through kubectl exec.
        Host::Container { .. } => {
            let mut out = Output::error(format!(
                "error: Internal error occurred: error executing command in container: failed to exec in container: \
                 failed to start exec: OCI runtime exec failed: exec failed: unable to start container process: \
                 exec: \"{program}\": executable file not found in $PATH: unknown"
            ));
            out.status = 1;
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Vec<String> {
        line.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn commands_answer_from_the_host() {
        let node = Host::Node { name: "node-2" };
        let pod = Host::Container { pod: "web-0", hostname: "web-0", container: "nginx" };
        for (host, line, stdout, stderr) in [
            (node, "hostname", "node-2\n", ""),
            (pod, "hostname", "web-0\n", ""),
            (pod, "cat /etc/hostname", "web-0\n", ""),
            (pod, "/bin/echo hello there", "hello there\n", ""),
            (node, "frob", "", "bash: frob: command not found\n"),
            (node, "ipvsadm -Ln", "", "fishbowl: `ipvsadm -Ln` is not simulated: kube-proxy's rules, DNS and sockets are not modelled yet\n"),
        ] {
            let out = run(host, &words(line));
            assert_eq!((out.stdout.as_str(), out.stderr.as_str()), (stdout, stderr), "{line}");
        }
        let out = run(pod, &words("frob"));
        assert!(out.stderr.contains("exec: \"frob\": executable file not found in $PATH: unknown"), "{}", out.stderr);
        assert_eq!(run(pod, &[]).status, 1);
    }
}
