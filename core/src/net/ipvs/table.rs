//! The IPVS table of one node: virtual servers with their real servers, round-robin
//! selection, ClientIP persistence, and `ipvsadm -Ln` text as ipvsadm 1.31 prints it.
//!
//! Text format (ipvsadm.c `list_all` / `print_title` / `print_service_entry`):
//! - `IP Virtual Server version 1.2.1 (size=4096)`: the kernel's IPVS version and its
//!   connection hash table size (`IP_VS_TAB_BITS` 12); only the full listing prints it.
//! - A service line is `TCP  <vip>:<port> <scheduler>` (two spaces after `TCP`/`UDP`, one
//!   after `SCTP`), then ` persistent <timeout>` for persistent services.
//! - A destination line is `printf("  -> %-28s %-7s %-6d %-10u %-10u\n")`, so it ends in the
//!   padding of the last column (trailing spaces, as the real tool prints them).
//! - Services are sorted by protocol number, address, port; destinations by address, port
//!   (ipvsadm sorts unless `--nosort`).
//!
//! Simplifications:
//! - No connection table: [`Ipvs::pick`] and [`Ipvs::pick_for`] choose a destination but do
//!   not create connection entries or change `ActiveConn`/`InActConn` (the counters are plain
//!   fields a caller may set). `ipvsadm -Lnc` is not modelled.
//! - Round robin walks the destinations in the order ipvsadm lists them (address, port);
//!   the kernel walks its own list, in which destinations sit in the order they were added
//!   (kube-proxy adds them in Go map order). Destinations with weight 0 are skipped, as the
//!   kernel's `rr` scheduler skips them.
//! - Persistence (`-p <timeout>`, kube-proxy's `sessionAffinity: ClientIP`) keeps one
//!   template per (virtual server, client address) that expires `timeout` seconds after the
//!   last packet that used it; the kernel's template also waits for its connections to end.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::Ipv4Addr;

use crate::net::kube_proxy::Proto;
use crate::time::{SimDuration, SimTime};

/// kube-proxy's default scheduler (`--ipvs-scheduler`).
pub const DEFAULT_SCHEDULER: &str = "rr";
/// The first line of `ipvsadm -Ln`.
pub const VERSION_LINE: &str = "IP Virtual Server version 1.2.1 (size=4096)";
const TITLE: &str = "Prot LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n";

/// A virtual server's key: protocol, address, port (the order ipvsadm sorts by).
pub type VsKey = (Proto, Ipv4Addr, u16);

/// One destination of a virtual server, always in masquerade (NAT) mode as kube-proxy adds them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RealServer {
    pub addr: Ipv4Addr,
    pub port: u16,
    pub weight: u32,
    pub active_conn: u32,
    pub inact_conn: u32,
}

impl RealServer {
    /// A destination with weight 1 and no connections.
    pub fn new(addr: Ipv4Addr, port: u16) -> RealServer {
        RealServer { addr, port, weight: 1, active_conn: 0, inact_conn: 0 }
    }
}

/// One IPVS service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VirtualServer {
    pub addr: Ipv4Addr,
    pub port: u16,
    pub proto: Proto,
    pub scheduler: String,
    /// `persistent <timeout>` in seconds.
    pub persistent: Option<u32>,
    pub reals: Vec<RealServer>,
}

impl VirtualServer {
    /// An `rr` service without destinations.
    pub fn new(proto: Proto, addr: Ipv4Addr, port: u16) -> VirtualServer {
        VirtualServer { addr, port, proto, scheduler: DEFAULT_SCHEDULER.to_string(), persistent: None, reals: Vec::new() }
    }

    pub fn key(&self) -> VsKey {
        (self.proto, self.addr, self.port)
    }
}

/// `TCP`, `UDP` or `SCTP`, as ipvsadm names protocols.
pub fn proto_label(p: Proto) -> &'static str {
    match p {
        Proto::Tcp => "TCP",
        Proto::Udp => "UDP",
        Proto::Sctp => "SCTP",
    }
}

/// The IPVS state of one node.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ipvs {
    services: BTreeMap<VsKey, VirtualServer>,
    /// Index (in listing order) of the destination the scheduler picked last.
    last: BTreeMap<VsKey, usize>,
    /// Persistence templates: (service, client) → (destination, expiry).
    templates: BTreeMap<(VsKey, Ipv4Addr), ((Ipv4Addr, u16), SimTime)>,
}

impl Ipvs {
    pub fn new() -> Ipvs {
        Ipvs::default()
    }

    /// Adds or replaces a service (what a kube-proxy sync leaves behind). Destinations are
    /// kept in listing order; a duplicate `addr:port` is refused as the kernel refuses it.
    /// The round-robin position and persistence templates survive when the destinations
    /// are unchanged; templates pointing at removed destinations are dropped.
    pub fn set(&mut self, mut vs: VirtualServer) -> Result<(), String> {
        vs.reals.sort_by_key(|r| (r.addr, r.port));
        if vs.reals.windows(2).any(|w| w[0].addr == w[1].addr && w[0].port == w[1].port) {
            return Err("Destination already exists".to_string());
        }
        let key = vs.key();
        let same_reals = self.services.get(&key).is_some_and(|old| {
            old.reals.len() == vs.reals.len() && old.reals.iter().zip(&vs.reals).all(|(a, b)| a.addr == b.addr && a.port == b.port)
        });
        if !same_reals {
            self.last.remove(&key);
        }
        let persistent = vs.persistent.is_some();
        let reals: Vec<(Ipv4Addr, u16)> = vs.reals.iter().map(|r| (r.addr, r.port)).collect();
        self.templates.retain(|(k, _), (dest, _)| *k != key || (persistent && reals.contains(dest)));
        self.services.insert(key, vs);
        Ok(())
    }

    /// Deletes a service (`ipvsadm -D`); false when there was none.
    pub fn remove(&mut self, key: VsKey) -> bool {
        self.last.remove(&key);
        self.templates.retain(|(k, _), _| *k != key);
        self.services.remove(&key).is_some()
    }

    pub fn get(&self, key: VsKey) -> Option<&VirtualServer> {
        self.services.get(&key)
    }

    pub fn get_mut(&mut self, key: VsKey) -> Option<&mut VirtualServer> {
        self.services.get_mut(&key)
    }

    /// Every service in listing order.
    pub fn services(&self) -> impl Iterator<Item = &VirtualServer> {
        self.services.values()
    }

    pub fn len(&self) -> usize {
        self.services.len()
    }

    pub fn is_empty(&self) -> bool {
        self.services.is_empty()
    }

    /// The next destination round robin chooses for a new connection: the first usable one
    /// (weight > 0) after the last one chosen, wrapping around. `None` when the service does
    /// not exist or has no usable destination (the kernel then answers "no destination
    /// available" and drops the packet).
    pub fn pick(&mut self, key: VsKey) -> Option<(Ipv4Addr, u16)> {
        let vs = self.services.get(&key)?;
        let n = vs.reals.len();
        let start = self.last.get(&key).map_or(0, |&i| i + 1);
        let i = (0..n).map(|k| (start + k) % n).find(|&i| vs.reals[i].weight > 0)?;
        self.last.insert(key, i);
        Some((vs.reals[i].addr, vs.reals[i].port))
    }

    /// [`Ipvs::pick`] for a packet from `client` at `now`, honouring persistence: a client
    /// with a live template goes to the same destination (if it is still usable) and the
    /// template's timer restarts.
    pub fn pick_for(&mut self, key: VsKey, client: Ipv4Addr, now: SimTime) -> Option<(Ipv4Addr, u16)> {
        let vs = self.services.get(&key)?;
        let Some(timeout) = vs.persistent else { return self.pick(key) };
        let expiry = now + SimDuration::from_secs(u64::from(timeout));
        if let Some(&(dest, until)) = self.templates.get(&(key, client)) {
            let usable = vs.reals.iter().any(|r| (r.addr, r.port) == dest && r.weight > 0);
            if until > now && usable {
                self.templates.insert((key, client), (dest, expiry));
                return Some(dest);
            }
        }
        let dest = self.pick(key)?;
        self.templates.insert((key, client), (dest, expiry));
        Some(dest)
    }

    /// `ipvsadm -Ln`.
    pub fn list(&self) -> String {
        let mut out = String::with_capacity(128 + 80 * self.services.len());
        out.push_str(VERSION_LINE);
        out.push('\n');
        out.push_str(TITLE);
        for vs in self.services.values() {
            write_service(&mut out, vs);
        }
        out
    }

    /// `ipvsadm -Ln -t|-u|--sctp-service <vip>:<port>`: the title and that one service.
    pub fn list_service(&self, key: VsKey) -> Result<String, String> {
        let vs = self.services.get(&key).ok_or_else(|| "No such service".to_string())?;
        let mut out = String::from(TITLE);
        write_service(&mut out, vs);
        Ok(out)
    }

    /// Runs an `ipvsadm` listing command line (arguments after `ipvsadm`): `-Ln`, `-L -n`,
    /// `--list --numeric`, optionally with `-t|-u|--sctp-service VIP:PORT`. Names are not
    /// resolved, so `-n` is implied.
    pub fn command(&self, args: &[&str]) -> Result<String, String> {
        let mut list = false;
        let mut service: Option<VsKey> = None;
        let mut i = 0;
        while i < args.len() {
            let a = args[i];
            let proto = match a {
                "-t" | "--tcp-service" => Some(Proto::Tcp),
                "-u" | "--udp-service" => Some(Proto::Udp),
                "--sctp-service" => Some(Proto::Sctp),
                _ => None,
            };
            if let Some(proto) = proto {
                let v = args.get(i + 1).ok_or_else(|| format!("option {a} requires an argument"))?;
                let (ip, port) = parse_addr_port(v)?;
                service = Some((proto, ip, port));
                i += 2;
                continue;
            }
            match a {
                "-L" | "-l" | "--list" | "-Ln" | "-nL" | "-ln" => list = true,
                "-n" | "--numeric" => {}
                _ => return Err(format!("ipvsadm: invalid option -- '{}'", a.trim_start_matches('-'))),
            }
            i += 1;
        }
        if !list {
            return Err("ipvsadm: only listing (-L) is modelled".to_string());
        }
        match service {
            Some(key) => self.list_service(key),
            None => Ok(self.list()),
        }
    }
}

fn parse_addr_port(s: &str) -> Result<(Ipv4Addr, u16), String> {
    let bad = || format!("Illegal virtual server address[:port] specified: {s}");
    let (ip, port) = s.rsplit_once(':').ok_or_else(bad)?;
    Ok((ip.parse().map_err(|_| bad())?, port.parse().map_err(|_| bad())?))
}

fn write_service(out: &mut String, vs: &VirtualServer) {
    let sep = if vs.proto == Proto::Sctp { " " } else { "  " };
    let _ = write!(out, "{}{sep}{}:{} {}", proto_label(vs.proto), vs.addr, vs.port, vs.scheduler);
    if let Some(t) = vs.persistent {
        let _ = write!(out, " persistent {t}");
    }
    out.push('\n');
    for r in &vs.reals {
        let dest = format!("{}:{}", r.addr, r.port);
        let _ = writeln!(out, "  -> {dest:<28} {:<7} {:<6} {:<10} {:<10}", "Masq", r.weight, r.active_conn, r.inact_conn);
    }
}
