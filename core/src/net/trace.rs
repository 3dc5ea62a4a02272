//! A packet trace: the hops the forwarding code records as it moves frames, in order.
//!
//! Each hop names where it happened (node, namespace, device), the stage of the data path,
//! what was decided there (the route matched, the FDB entry used, the outer header added, the
//! reason for a drop), and the full header stack at that point with the simulated time. The UI
//! reads the plain data; the command line prints [`Trace::text`].

use std::fmt::Write as _;
use std::sync::Arc;

use std::net::Ipv4Addr;

use super::netns::NsId;
use super::route::Route;
use super::wire::ethernet::MacAddr;
use super::wire::packet::{Layer, Packet};
use crate::time::SimTime;

/// A stage of the data path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// A socket (or the kernel, for ARP and ICMP) hands a packet to the IP layer.
    Send,
    /// The routing decision.
    Route,
    /// Resolving the next hop's MAC (neighbour cache or flannel's permanent entries).
    Neighbour,
    /// An ARP request or reply goes out.
    Arp,
    /// A frame leaves a device.
    Transmit,
    /// A frame arrives on a device.
    Receive,
    /// The bridge learns a source MAC and decides where the frame goes.
    Bridge,
    /// IP forwarding between devices (TTL decremented).
    Forward,
    /// Encapsulation: the frame is wrapped in an outer header.
    Encapsulate,
    /// Decapsulation: the outer header is removed.
    Decapsulate,
    /// flanneld in user space (the udp backend).
    Userspace,
    /// The underlay switch carries the frame between machines.
    Underlay,
    /// Delivered to a socket (or answered by the kernel).
    Deliver,
    /// Netfilter at a hook: conntrack, the rules the packet matched, NAT.
    Netfilter,
    /// IPVS at LOCAL_IN: a virtual server's scheduler picks a real server (kube-proxy's IPVS mode).
    Ipvs,
    /// The packet is dropped; the detail says why.
    Drop,
}

impl Stage {
    pub fn name(self) -> &'static str {
        match self {
            Stage::Send => "send",
            Stage::Route => "route",
            Stage::Neighbour => "neighbour",
            Stage::Arp => "arp",
            Stage::Transmit => "transmit",
            Stage::Receive => "receive",
            Stage::Bridge => "bridge",
            Stage::Forward => "forward",
            Stage::Encapsulate => "encapsulate",
            Stage::Decapsulate => "decapsulate",
            Stage::Userspace => "flanneld",
            Stage::Underlay => "underlay",
            Stage::Deliver => "deliver",
            Stage::Netfilter => "netfilter",
            Stage::Ipvs => "ipvs",
            Stage::Drop => "drop",
        }
    }

    /// Stages at which a frame is on a device (what tcpdump on that device sees).
    pub fn on_wire(self) -> bool {
        matches!(self, Stage::Transmit | Stage::Receive)
    }
}

/// What was decided at a hop. The frequent kinds keep their data and are put into words only
/// when shown, so recording a trace formats nothing.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Detail {
    #[default]
    None,
    Text(std::borrow::Cow<'static, str>),
    /// IP forwarding decremented the TTL from `ttl`.
    Forward { ttl: u8 },
    /// The route the lookup matched, on device `dev`, with a note (why not another one).
    Route { route: Route, dev: Arc<str>, note: String },
    /// The next hop's MAC was found.
    Neighbour { ip: Ipv4Addr, dev: Arc<str>, mac: MacAddr, state: &'static str },
    /// The bridge's FDB names the port for `mac`.
    FdbForward { mac: MacAddr, port: Arc<str> },
    /// The frame is for the bridge itself.
    BridgeLocal { mac: MacAddr },
    /// The underlay switch delivered the frame (`broadcast`: answered by the owner).
    Underlay { broadcast: bool, to: Arc<str> },
    /// VXLAN encapsulation after the FDB lookup.
    Encapsulate { mac: MacAddr, remote: Ipv4Addr, vni: u32, local: Ipv4Addr, port: u16 },
    /// VXLAN decapsulation onto `dev`.
    Decapsulate { vni: u32, dev: Arc<str> },
    /// What netfilter did at a hook.
    Netfilter(Box<NfDetail>),
    /// What IPVS did with a packet for a virtual server.
    Ipvs(Box<IpvsDetail>),
}

/// IPVS and one packet for a virtual server: the service, and the real server it goes to
/// (chosen now for a new connection, or the connection's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IpvsDetail {
    /// `TCP`, `UDP`.
    pub proto: &'static str,
    pub vip: (Ipv4Addr, u16),
    pub scheduler: String,
    pub persistent: Option<u32>,
    /// None: the service has no usable real server.
    pub real: Option<(Ipv4Addr, u16)>,
    /// The scheduler chose `real` for this packet (a new connection).
    pub scheduled: bool,
}

impl std::fmt::Display for IpvsDetail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "IPVS {} {}:{} {}", self.proto, self.vip.0, self.vip.1, self.scheduler)?;
        if let Some(t) = self.persistent {
            write!(f, " persistent {t}")?;
        }
        match (self.real, self.scheduled) {
            (None, _) => f.write_str(": no destination available; ICMP port unreachable to the client"),
            (Some((ip, port)), true) => write!(f, ": new connection, scheduled to {ip}:{port} (Masq): destination rewritten, conntrack's reply tuple updated, sent on through OUTPUT"),
            (Some((ip, port)), false) => write!(f, ": connection to {ip}:{port} (Masq): destination rewritten"),
        }
    }
}

/// Netfilter at one hook: the conntrack state, every rule that matched (as `-j TRACE` logs
/// them), the NAT applied, and the verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NfDetail {
    pub hook: crate::net::netfilter::Hook,
    /// br_netfilter: the frame is being bridged, not routed.
    pub bridged: bool,
    pub ct: crate::net::netfilter::rule::CtState,
    pub ct_new: bool,
    pub visits: Vec<crate::net::netfilter::Visit>,
    pub nat: Option<crate::net::netfilter::NatNote>,
    pub verdict: crate::net::netfilter::HookVerdict,
}

impl std::fmt::Display for NfDetail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use crate::net::netfilter::{HookVerdict, NatKind};
        write!(f, "{}", self.hook.chain())?;
        if self.bridged {
            f.write_str(" (bridged, br_netfilter)")?;
        }
        write!(f, ": conntrack {}{}", self.ct.name(), if self.ct_new { " (new entry)" } else { "" })?;
        for v in &self.visits {
            write!(f, "; {}", v.trace_text())?;
            if !v.target.is_empty() {
                write!(f, " {}", v.target)?;
            }
        }
        if let Some(n) = &self.nat {
            let what = match (n.kind, n.reply, n.by_rule) {
                (_, false, Some(rule)) => rule.to_string(),
                (NatKind::Dst, false, None) => "DNAT (conntrack)".to_string(),
                (NatKind::Src, false, None) => "SNAT (conntrack)".to_string(),
                (NatKind::Dst, true, _) => "reply: undo SNAT (conntrack)".to_string(),
                (NatKind::Src, true, Some("IPVS")) => "reply: IPVS puts the virtual server back as the source".to_string(),
                (NatKind::Src, true, _) => "reply: undo DNAT (conntrack)".to_string(),
            };
            write!(f, "; {what} {}:{} → {}:{}", n.from.0, n.from.1, n.to.0, n.to.1)?;
        }
        match &self.verdict {
            HookVerdict::Accept => Ok(()),
            HookVerdict::Drop => f.write_str("; DROP"),
            HookVerdict::Reject { with } => write!(f, "; REJECT with {with}"),
        }
    }
}

impl From<String> for Detail {
    fn from(s: String) -> Detail {
        if s.is_empty() { Detail::None } else { Detail::Text(s.into()) }
    }
}

impl From<&'static str> for Detail {
    fn from(s: &'static str) -> Detail {
        Detail::Text(s.into())
    }
}

impl std::fmt::Display for Detail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Detail::None => Ok(()),
            Detail::Text(t) => f.write_str(t),
            Detail::Forward { ttl } => write!(f, "ip_forward: TTL {ttl} → {}", ttl.saturating_sub(1)),
            Detail::Route { route, dev, note } => write!(f, "{}{note}", route.display(dev)),
            Detail::Neighbour { ip, dev, mac, state } => write!(f, "{ip} dev {dev} lladdr {mac} {state}"),
            Detail::FdbForward { mac, port } => write!(f, "fdb: {mac} is on port {port}: forward"),
            Detail::BridgeLocal { mac } => write!(f, "{mac} is the bridge's own address: up to the host"),
            Detail::Underlay { broadcast: true, to } => write!(f, "broadcast on the segment; answered by {to}"),
            Detail::Underlay { broadcast: false, to } => write!(f, "switched to {to}"),
            Detail::Encapsulate { mac, remote, vni, local, port } => {
                write!(f, "fdb: {mac} dst {remote}: VXLAN VNI {vni}, UDP {local} > {remote}:{port}")
            }
            Detail::Decapsulate { vni, dev } => write!(f, "VXLAN VNI {vni}: inner frame to {dev}"),
            Detail::Netfilter(d) => d.fmt(f),
            Detail::Ipvs(d) => d.fmt(f),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hop {
    pub at: SimTime,
    pub ns: NsId,
    /// `node-1`, `node-1 pod default/web-0`, `router`.
    pub place: Arc<str>,
    pub device: Option<Arc<str>>,
    pub stage: Stage,
    pub detail: Detail,
    /// The header stack here (shared with neighbouring hops that saw the same packet).
    pub packet: Arc<Packet>,
}

/// How the exchange ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The exchange completed (TCP connected, echo answered, datagram delivered).
    Delivered(String),
    /// The destination answered with a refusal (TCP RST, ICMP port unreachable).
    Refused(String),
    /// An ICMP error came back from the path (no route, host unreachable, TTL, MTU).
    Unreachable(String),
    /// Nothing came back.
    Timeout(String),
}

impl Outcome {
    pub fn text(&self) -> &str {
        match self {
            Outcome::Delivered(s) | Outcome::Refused(s) | Outcome::Unreachable(s) | Outcome::Timeout(s) => s,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trace {
    pub hops: Vec<Hop>,
    pub outcome: Outcome,
    pub started: SimTime,
    /// The payload of the UDP reply the client received (a DNS answer), if any.
    pub reply: Option<Vec<u8>>,
}

impl Trace {
    /// The text form: one line per hop, then the outcome.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for h in &self.hops {
            let t = h.at.0.saturating_sub(self.started.0);
            let dev = h.device.as_deref().unwrap_or("-");
            let _ = writeln!(out, "{:>7.3} ms  {:<28} {:<11} {:<11} {}", t as f64 / 1000.0, &*h.place, dev, h.stage.name(), h.detail);
            let _ = writeln!(out, "{:>13}{}", "", headers(&h.packet));
        }
        let _ = writeln!(out, "result: {}", self.outcome.text());
        out
    }

    /// The frames seen on `device` of namespace `ns` (or on every device with an Ethernet
    /// header when `None`), with their times: what a capture there would hold.
    pub fn frames(&self, at: Option<(NsId, &str)>) -> Vec<(SimTime, &Packet)> {
        self.hops
            .iter()
            .filter(|h| h.stage.on_wire())
            .filter(|h| match at {
                Some((ns, dev)) => h.ns == ns && h.device.as_deref() == Some(dev),
                None => matches!(h.packet.layers.first(), Some(Layer::Ethernet(_))),
            })
            .map(|h| (h.at, &*h.packet))
            .collect()
    }
}

/// The header stack on one line, outermost first:
/// `eth 0a:..→0e:.. | ip 10.244.1.2→10.244.2.3 ttl 64 | tcp 40000→80 [S]`.
pub fn headers(p: &Packet) -> String {
    let mut parts: Vec<String> = Vec::with_capacity(p.layers.len());
    for l in &p.layers {
        parts.push(match l {
            Layer::Ethernet(e) => format!("eth {} > {}", e.src, e.dst),
            Layer::Arp(a) if a.operation == 1 => format!("arp who-has {} tell {}", a.target_ip, a.sender_ip),
            Layer::Arp(a) => format!("arp {} is-at {}", a.sender_ip, a.sender_mac),
            Layer::Ipv4(h) => format!("ip {} > {} ttl {}", h.src, h.dst, h.ttl),
            Layer::Icmp(h) => match h.message {
                super::wire::icmp::IcmpMessage::EchoRequest { ident, seq } => format!("icmp echo request id {ident} seq {seq}"),
                super::wire::icmp::IcmpMessage::EchoReply { ident, seq } => format!("icmp echo reply id {ident} seq {seq}"),
                _ => format!("icmp type {} code {}", h.ty(), h.code()),
            },
            Layer::Udp(u) => format!("udp {} > {}", u.src_port, u.dst_port),
            Layer::Tcp(t) => format!("tcp {} > {} [{}]", t.src_port, t.dst_port, tcp_flags(t.flags.0)),
            Layer::Vxlan(v) => format!("vxlan vni {}", v.vni),
        });
    }
    parts.join(" | ")
}

/// TCP flags as tcpdump prints them: `S`, `S.`, `.`, `P.`, `F.`, `R.`.
#[allow(non_snake_case)]
pub fn tcp_flags(f: u16) -> String {
    use super::wire::tcp::TcpFlags as F;
    let (FIN, SYN, RST, PSH, URG, ACK) = (F::FIN, F::SYN, F::RST, F::PSH, F::URG, F::ACK);
    let mut s = String::new();
    for (bit, c) in [(FIN, 'F'), (SYN, 'S'), (RST, 'R'), (PSH, 'P'), (URG, 'U')] {
        if f & bit != 0 {
            s.push(c);
        }
    }
    if f & ACK != 0 {
        s.push('.');
    }
    if s.is_empty() {
        s.push_str("none");
    }
    s
}
