//! The console's `trace` and `pcap` commands.
//!
//! ```text
//! trace [-n NS] SOURCE DESTINATION [--size N]
//!   SOURCE       pod/NAME | node/NAME | external
//!   DESTINATION  IP (ICMP echo) | IP:PORT (TCP connect) | IP:PORT/udp | IP:PORT/tcp,
//!                or a name instead of the IP (`web:80`, `web.shop.svc.cluster.local:80`),
//!                or an http:// URL: the source's resolver looks the name up first (each DNS
//!                query is traced too), then the connection is traced
//!   --size N     data bytes: ping's -s; for TCP, N bytes after the handshake, then close
//! pcap FILE [NODE/DEVICE]
//!   the frames of the last trace seen on NODE's DEVICE (or on every Ethernet device) as a
//!   classic libpcap file
//! network [backend vxlan|udp|host-gw]
//!   the network's settings; with `backend`, flanneld restarts with that backend on every node
//! ```

use std::net::Ipv4Addr;

use crate::kubectl::{Files, Output};
use crate::net::forward::Probe;
use crate::net::netns::DeviceKind;
use crate::net::pcap::Pcap;
use crate::sim::trace::Endpoint;
use crate::sim::Sim;

const TRACE_USAGE: &str = "usage: trace [-n NAMESPACE] pod/NAME|node/NAME|external IP|NAME[:PORT[/tcp|/udp]]|http://HOST[:PORT]/ [--size BYTES]";
const PCAP_USAGE: &str = "usage: pcap FILE [NODE/DEVICE]  (writes the frames of the last trace)";

/// LINKTYPE_RAW: captures on a TUN device hold bare IP packets.
const LINKTYPE_RAW: u32 = 101;

pub fn trace(sim: &mut Sim, rest: &[String]) -> Output {
    let Some((ns, all)) = crate::console::take_namespace(rest) else { return Output::error(TRACE_USAGE) };
    let mut size = None;
    let mut words = Vec::new();
    let mut it = all.into_iter();
    while let Some(w) = it.next() {
        match w {
            "--size" | "-s" => match it.next().map(|s| s.parse::<usize>()) {
                Some(Ok(n)) if n <= 65_000 => size = Some(n),
                _ => return Output::error("error: --size takes a number of data bytes from 0 to 65000"),
            },
            _ => words.push(w),
        }
    }
    let [source, destination] = words[..] else { return Output::error(TRACE_USAGE) };
    let from = match parse_source(source, &ns) {
        Ok(f) => f,
        Err(e) => return Output::error(e),
    };
    let (host, probe) = match parse_target(destination) {
        Ok(d) => d,
        Err(e) => return Output::error(e),
    };
    let (dst, mut lookup) = match host.parse::<Ipv4Addr>() {
        Ok(ip) => (ip, None),
        Err(_) => match sim.resolve(&from, &host, false) {
            Err(e) => return Output::error(format!("error: {e}")),
            Ok(r) => match r.addr {
                Some(a) => (a, Some(r)),
                None => {
                    let mut out = Output::ok(format!("{}{}", lookup_text(&r), r.trace.text()));
                    out.push(Output::error(format!("error: {host}: the name did not resolve")));
                    return out;
                }
            },
        },
    };
    let start = lookup.as_ref().and_then(|r| r.trace.hops.last()).map_or(sim.now(), |h| h.at + crate::time::SimDuration::from_micros(50));
    match sim.trace_at(&from, dst, probe, size, start) {
        Ok(mut t) => {
            sim.follow_ingress(destination, &mut t);
            let mut head = String::new();
            if let Some(r) = lookup.take() {
                head = lookup_text(&r);
                let mut hops = r.trace.hops;
                hops.append(&mut t.hops);
                t.hops = hops;
                t.started = r.trace.started;
                sim.set_last_trace(t.clone());
            }
            Output::ok(format!("{head}{}", t.text()))
        }
        Err(e) => Output::error(format!("error: {e}")),
    }
}

/// One line per DNS query of a lookup: the name asked and what came back.
fn lookup_text(r: &crate::sim::dns::Resolution) -> String {
    use crate::net::dns::message::rcode_text;
    use crate::net::dns::RData;
    let mut out = String::new();
    for (name, reply) in &r.queries {
        let answer = match reply {
            None => "no answer".to_string(),
            Some(m) => {
                let addrs: Vec<String> = m.answers.iter().filter_map(|a| match &a.data { RData::A(ip) => Some(ip.to_string()), _ => None }).collect();
                if addrs.is_empty() { rcode_text(m.header.rcode) } else { format!("{} {}", rcode_text(m.header.rcode), addrs.join(" ")) }
            }
        };
        out.push_str(&format!("dns: {name} A? to {}:53 → {answer}\n", r.server));
    }
    out
}

/// `http://HOST[:PORT]/…` (TCP to the port, 80 by default), or `HOST[:PORT[/udp|/tcp]]`
/// where HOST is an address or a name.
fn parse_target(d: &str) -> Result<(String, Probe), String> {
    if d.contains("://") {
        let url = crate::net::http::request::parse_url(d).map_err(|e| format!("error: {e}"))?;
        return Ok((url.host, Probe::Tcp(url.port)));
    }
    let host = d.split(['/', ':']).next().unwrap_or(d);
    if host.parse::<Ipv4Addr>().is_ok() {
        return parse_destination(d).map(|(ip, p)| (ip.to_string(), p));
    }
    if host.is_empty() || !host.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.') {
        return Err(format!("error: the destination \"{d}\" is not an address, a name or an http:// URL\n{TRACE_USAGE}"));
    }
    // Parse the rest with a placeholder address.
    let (_, probe) = parse_destination(&d.replacen(host, "0.0.0.0", 1))?;
    Ok((host.to_string(), probe))
}

fn parse_source(s: &str, ns: &str) -> Result<Endpoint, String> {
    match s.split_once('/') {
        Some(("pod" | "pods" | "po", name)) if !name.is_empty() => Ok(Endpoint::Pod { namespace: ns.to_string(), name: name.to_string() }),
        Some(("node" | "nodes" | "no", name)) if !name.is_empty() => Ok(Endpoint::Node(name.to_string())),
        None if s == "external" => Ok(Endpoint::External),
        _ => Err(format!("error: the source \"{s}\" is not pod/NAME, node/NAME or external\n{TRACE_USAGE}")),
    }
}

/// `IP`, `IP:PORT`, `IP:PORT/udp`, `IP:PORT/tcp`.
pub fn parse_destination(d: &str) -> Result<(Ipv4Addr, Probe), String> {
    let bad = || format!("error: the destination \"{d}\" is not IP, IP:PORT, IP:PORT/tcp or IP:PORT/udp\n{TRACE_USAGE}");
    let (addr, proto) = match d.rsplit_once('/') {
        Some((a, "udp")) => (a, Some(false)),
        Some((a, "tcp")) => (a, Some(true)),
        Some(_) => return Err(bad()),
        None => (d, None),
    };
    let (ip, port) = match addr.split_once(':') {
        Some((ip, port)) => (ip, Some(port.parse::<u16>().ok().filter(|p| *p > 0).ok_or_else(|| format!("error: \"{port}\" is not a port (1-65535)"))?)),
        None => (addr, None),
    };
    let ip: Ipv4Addr = ip.parse().map_err(|_| bad())?;
    let probe = match (port, proto) {
        (None, None) => Probe::Icmp,
        (None, Some(_)) => return Err(bad()),
        (Some(p), Some(false)) => Probe::Udp(p),
        (Some(p), _) => Probe::Tcp(p),
    };
    Ok((ip, probe))
}

pub fn pcap(sim: &Sim, rest: &[String], files: &dyn Files) -> Output {
    let (file, at) = match rest {
        [file] => (file, None),
        [file, at] => (file, Some(at.as_str())),
        _ => return Output::error(PCAP_USAGE),
    };
    let Some(trace) = sim.last_trace() else {
        return Output::error("error: no trace yet: run `trace SOURCE DESTINATION` first");
    };
    let mut pcap = Pcap::new();
    let frames = match at {
        None => trace.frames(None),
        Some(at) => {
            let Some((node, dev)) = at.split_once('/') else { return Output::error(PCAP_USAGE) };
            let net = sim.net();
            let Some(n) = net.node(node) else { return Output::error(format!("error: there is no node \"{node}\"")) };
            let Some(d) = net.netns(n.root).and_then(|ns| ns.device_named(dev)) else {
                return Output::error(format!("error: node {node} has no device \"{dev}\""));
            };
            if matches!(d.kind, DeviceKind::Tun) {
                pcap.linktype = LINKTYPE_RAW;
            }
            trace.frames(Some((n.root, dev)))
        }
    };
    for (t, p) in &frames {
        pcap.push(t.0, &p.emit());
    }
    let bytes = pcap.to_bytes();
    match files.write(file, &bytes) {
        Ok(()) => Output::ok(format!("wrote {} frame(s), {} bytes, to {file}\n", frames.len(), bytes.len())),
        Err(e) => Output::error(format!("error: {e}")),
    }
}

const NETWORK_USAGE: &str = "usage: network [backend vxlan|udp|host-gw | proxy-mode iptables|ipvs|userspace]";

pub fn network(sim: &mut Sim, rest: &[String]) -> Output {
    let describe = |sim: &Sim| {
        let c = &sim.net().config;
        format!(
            "flannel backend {} over {} (MTU {}; flannel's MTU {}), underlay {:?}; kube-proxy mode {}\n",
            c.backend.name(),
            c.network,
            c.mtu,
            c.backend.mtu(c.mtu),
            c.underlay,
            c.proxy_mode.name()
        )
    };
    match rest {
        [] => Output::ok(describe(sim)),
        [w, b] if w == "backend" => match b.parse::<crate::net::Backend>() {
            Ok(backend) => {
                let old = sim.net().config.backend;
                sim.set_network_backend(backend);
                let mtu = sim.net().config.mtu;
                let mut out = describe(sim);
                if old != backend {
                    out.push_str(&format!(
                        "flanneld restarted on every node; pods that exist keep the MTU of {} ({}), pods created from now on get {}\n",
                        old.name(),
                        old.mtu(mtu),
                        backend.mtu(mtu)
                    ));
                }
                Output::ok(out)
            }
            Err(e) => Output::error(format!("error: {e}")),
        },
        [w, m] if w == "proxy-mode" => match m.parse::<crate::net::kube_proxy::ProxyMode>() {
            Ok(mode) => {
                sim.set_proxy_mode(mode);
                let mut out = describe(sim);
                out.push_str(&format!("kube-proxy restarted on every node in {} mode: the other modes' rules, virtual servers and sockets are removed; it syncs now\n", mode.name()));
                Output::ok(out)
            }
            Err(e) => Output::error(format!("error: {e}")),
        },
        _ => Output::error(NETWORK_USAGE),
    }
}
