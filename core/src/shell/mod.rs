//! Commands run inside the simulated machines: on a node (`node NAME -- COMMAND`) or in a
//! pod's container (`kubectl exec POD -- COMMAND`). Each command prints what the real tool
//! prints for the simulated state.
//!
//! This version simulates the control plane only: there is no network stack yet, so the
//! network tools (`ip`, `iptables-save`, `curl`, `nslookup`, …) answer that they are not
//! simulated rather than inventing output.

use crate::kubectl::Output;

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

/// Tools that exist on real nodes and images but whose state (the network stack) this
/// version does not simulate.
const NOT_SIMULATED: &[&str] = &[
    "arp", "bridge", "conntrack", "curl", "dig", "ip", "ip6tables", "ip6tables-save", "ipset", "iptables",
    "iptables-save", "ipvsadm", "nc", "netstat", "nslookup", "ping", "ss", "tcpdump", "traceroute", "wget",
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
            "fishbowl: `{}` needs the network data path, which this version does not simulate",
            argv.join(" ")
        )),
        (p, _) => not_found(host, p),
    }
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
            (node, "ip route", "", "fishbowl: `ip route` needs the network data path, which this version does not simulate\n"),
        ] {
            let out = run(host, &words(line));
            assert_eq!((out.stdout.as_str(), out.stderr.as_str()), (stdout, stderr), "{line}");
        }
        let out = run(pod, &words("frob"));
        assert!(out.stderr.contains("exec: \"frob\": executable file not found in $PATH: unknown"), "{}", out.stderr);
        assert_eq!(run(pod, &[]).status, 1);
    }
}
