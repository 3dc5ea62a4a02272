//! The endpoints of a trace: what the client sends (a TCP SYN, a UDP datagram or an ICMP echo
//! request, as Linux builds them) and what the kernels at either end answer — SYN-ACK from a
//! listening socket or RST from a closed port, the client's ACK, the echo reply, ICMP port
//! unreachable for a closed UDP port; with `--size N` on TCP the client then sends N bytes, the
//! server ACKs them, and both sides close (FIN, FIN-ACK, ACK) — plus the overlay sockets
//! (VXLAN on 8472, flanneld on
//! 8285) that take packets back into the data path.

use std::net::Ipv4Addr;
use std::sync::Arc;

use super::{Engine, Pkt, Work, STACK_US};
use crate::net::netns::NsId;
use crate::net::route::{self, Lookup};
use crate::net::trace::{Outcome, Stage};
use crate::net::wire::icmp::{unreachable, IcmpHeader, IcmpMessage};
use crate::net::wire::ipv4::protocol;
use crate::net::wire::packet::{Layer, Packet};
use crate::net::wire::tcp::{TcpFlags, TcpHeader, TcpOption};
use crate::net::wire::{Ipv4Header, UdpHeader};

/// What a trace sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Probe {
    /// One ICMP echo request (`ping -c 1`).
    Icmp,
    /// A TCP connection to the port: the three-way handshake.
    Tcp(u16),
    /// One UDP datagram to the port.
    Udp(u16),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceRequest {
    pub from: NsId,
    pub dst: Ipv4Addr,
    pub probe: Probe,
    /// Bytes of ICMP or UDP data (ping's `-s`; 56 by default for ICMP).
    pub size: Option<usize>,
}

/// The client's side of the exchange.
#[derive(Debug, Clone, Default)]
pub struct Conversation {
    pub probe: Option<Probe>,
    pub client: Option<NsId>,
    pub src: Option<Ipv4Addr>,
    pub dst: Option<Ipv4Addr>,
    pub sport: u16,
    pub seq: u32,
    pub tsval: u32,
    /// TCP: bytes of data to send after the handshake, then close (`--size`).
    pub data: Option<usize>,
    pub phase: TcpPhase,
    /// The next sequence numbers each side sends.
    pub client_next: u32,
    pub server_next: u32,
    /// UDP: the datagram's data (a DNS query); None sends `size` bytes of filler.
    pub payload: Option<Vec<u8>>,
    /// UDP: the data of the reply the client received.
    pub reply: Option<Vec<u8>>,
}

/// Where a traced TCP exchange is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum TcpPhase {
    #[default]
    Handshake,
    /// The client's data is on its way.
    Data,
    /// The client sent FIN.
    FinSent,
    /// The server answered FIN too; the last ACK closes it.
    LastAck,
}

impl Conversation {
    pub fn new(req: &TraceRequest) -> Conversation {
        let data = match req.probe {
            Probe::Tcp(_) => req.size.filter(|n| *n > 0),
            _ => None,
        };
        Conversation { probe: Some(req.probe), dst: Some(req.dst), data, ..Default::default() }
    }

    /// What the client reports when nothing came back.
    pub fn timeout_text(&self) -> String {
        match self.probe {
            Some(Probe::Tcp(p)) => format!("connect to {}:{p}: no answer (the SYN is retransmitted until the connect times out)", self.dst_text()),
            Some(Probe::Udp(p)) => format!("no answer from {}:{p} (UDP: nothing tells the sender)", self.dst_text()),
            _ => format!("no echo reply from {} (100% packet loss)", self.dst_text()),
        }
    }

    /// What the client reports on EHOSTUNREACH (failed ARP or ICMP host unreachable).
    pub fn host_unreachable_text(&self, from: Option<Ipv4Addr>) -> String {
        match (self.probe, from) {
            (Some(Probe::Icmp), Some(f)) => format!("From {f} icmp_seq=1 Destination Host Unreachable"),
            (Some(Probe::Icmp), None) => format!("From {} icmp_seq=1 Destination Host Unreachable", self.src.map(|s| s.to_string()).unwrap_or_default()),
            _ => "connect: No route to host".to_string(),
        }
    }

    fn dst_text(&self) -> String {
        self.dst.map(|d| d.to_string()).unwrap_or_default()
    }
}

impl Engine<'_> {
    /// Builds and sends the client's first packet.
    pub(super) fn start(&mut self, req: &TraceRequest) {
        let Some(n) = self.net.netns(req.from) else {
            return self.finish(Outcome::Unreachable("the source is gone".into()));
        };
        // Source address selection: the source of the route the packet will take (a node's
        // traffic to a remote pod leaves from flannel.1's address).
        let extra = n.node().filter(|_| matches!(n.owner, crate::net::netns::Owner::Node(_))).and_then(|node| self.net.overlay_route(node, req.dst));
        let (src, mtu) = match route::lookup(n, extra.as_slice(), req.dst) {
            Lookup::Local => (req.dst, 65536),
            Lookup::Route(r) => (route::source_for(n, &r).unwrap_or(Ipv4Addr::UNSPECIFIED), n.device(r.dev).map_or(1500, |d| d.mtu)),
            Lookup::Unreachable => return self.finish(Outcome::Unreachable("connect: Network is unreachable".into())),
        };
        self.conv.client = Some(req.from);
        self.conv.src = Some(src);
        self.conv.sport = 32768 + self.rng.below(60999 - 32768 + 1) as u16;
        self.conv.seq = self.rng.next_u64() as u32;
        self.conv.tsval = self.rng.next_u64() as u32;
        let ident = self.rng.next_u64() as u16;
        let pkt = match req.probe {
            Probe::Icmp => {
                let data = ping_data(req.size.unwrap_or(56));
                let mut icmp = IcmpHeader::new(IcmpMessage::EchoRequest { ident, seq: 1 });
                icmp.fill_checksum(&data);
                ip_packet(src, req.dst, ident, Layer::Icmp(icmp), data)
            }
            Probe::Tcp(port) => {
                let mss = (mtu - 40).min(65535) as u16;
                let mut tcp = TcpHeader::new(self.conv.sport, port, self.conv.seq, 0, TcpFlags::SYN, 64240);
                tcp.options = TcpOption::linux_syn(mss, self.conv.tsval, 0);
                tcp.fill_checksum(src, req.dst, &[]);
                ip_packet(src, req.dst, ident, Layer::Tcp(tcp), Vec::new())
            }
            Probe::Udp(port) => {
                let data = self.conv.payload.clone().unwrap_or_else(|| vec![b'x'; req.size.unwrap_or(8)]);
                let mut udp = UdpHeader::new(self.conv.sport, port, data.len());
                udp.fill_checksum(src, req.dst, &data);
                ip_packet(src, req.dst, ident, Layer::Udp(udp), data)
            }
        };
        self.hop(req.from, None, Stage::Send, format!("{} from {src}", probe_text(req.probe, req.dst)), &pkt);
        self.schedule(STACK_US, Work::IpOut { ns: req.from, pkt, forwarded: false });
    }

    /// A packet for one of this namespace's addresses.
    pub(super) fn local_deliver(&mut self, ns: NsId, dev: u32, pkt: Pkt) {
        let Some(h) = super::ip::ip_header(&pkt) else { return };
        let client = self.conv.client == Some(ns) && Some(h.dst) == self.conv.src;
        match pkt.layers.get(1).cloned() {
            Some(Layer::Icmp(i)) => self.icmp_rcv(ns, dev, h, i, pkt, client),
            Some(Layer::Udp(u)) => {
                if u.dst_port == crate::net::flannel::VXLAN_PORT && self.vxlan_rcv(ns, &pkt) {
                    return;
                }
                if u.dst_port == crate::net::flannel::UDP_PORT && self.flanneld_rcv(ns, &pkt) {
                    return;
                }
                if client && u.dst_port == self.conv.sport && Some(h.src) == self.conv.dst {
                    self.hop(ns, Some(dev), Stage::Deliver, format!("reply for the client's socket :{}", u.dst_port), &pkt);
                    self.conv.reply = Some(pkt.payload.clone());
                    let text = format!("answer of {} bytes from {}:{}", pkt.payload.len(), h.src, u.src_port);
                    return self.finish(Outcome::Delivered(text));
                }
                if self.listens(ns, protocol::UDP, u.dst_port) {
                    let owner = self.net.netns(ns).map(|n| n.owner.clone());
                    let answer = owner.and_then(|o| (self.answer)(&o, u.dst_port, h.src, &pkt.payload));
                    let Some(data) = answer else {
                        self.hop(ns, Some(dev), Stage::Deliver, format!("to the socket bound to :{}", u.dst_port), &pkt);
                        return self.finish(Outcome::Delivered(format!("datagram delivered to {}:{}", h.dst, u.dst_port)));
                    };
                    let what = format!("to the socket bound to :{}; the server answers {} bytes", u.dst_port, data.len());
                    self.hop(ns, Some(dev), Stage::Deliver, what, &pkt);
                    let mut udp = UdpHeader::new(u.dst_port, u.src_port, data.len());
                    udp.fill_checksum(h.dst, h.src, &data);
                    let id = self.rng.next_u64() as u16;
                    let out = ip_packet(h.dst, h.src, id, Layer::Udp(udp), data);
                    return self.schedule(STACK_US, Work::IpOut { ns, pkt: out, forwarded: false });
                }
                self.hop(ns, Some(dev), Stage::Deliver, format!("nothing listens on UDP :{}", u.dst_port), &pkt);
                self.icmp_error(ns, &pkt, IcmpMessage::DestUnreachable { code: unreachable::PORT, next_hop_mtu: 0 });
            }
            Some(Layer::Tcp(t)) => self.tcp_rcv(ns, dev, h, t, pkt, client),
            _ => {}
        }
    }

    /// kube-proxy's userspace-mode sockets on a node.
    fn userspace_listens(&self, ns: NsId, proto: u8, port: u16) -> bool {
        let p = match proto {
            protocol::TCP => crate::net::kube_proxy::Proto::Tcp,
            protocol::UDP => crate::net::kube_proxy::Proto::Udp,
            _ => return false,
        };
        self.net.userspace.get(&ns).is_some_and(|u| u.sockets.contains_key(&(p, port)))
    }

    fn listens(&self, ns: NsId, proto: u8, port: u16) -> bool {
        self.net.netns(ns).is_some_and(|n| (self.listening)(&n.owner, proto, port)) || self.userspace_listens(ns, proto, port)
    }

    fn icmp_rcv(&mut self, ns: NsId, dev: u32, h: Ipv4Header, i: IcmpHeader, pkt: Pkt, client: bool) {
        match i.message {
            IcmpMessage::EchoRequest { ident, seq } => {
                self.hop(ns, Some(dev), Stage::Deliver, "the kernel answers the echo request", &pkt);
                let mut reply = IcmpHeader::new(IcmpMessage::EchoReply { ident, seq });
                reply.fill_checksum(&pkt.payload);
                let id = self.rng.next_u64() as u16;
                let out = ip_packet(h.dst, h.src, id, Layer::Icmp(reply), pkt.payload.clone());
                self.schedule(STACK_US, Work::IpOut { ns, pkt: out, forwarded: false });
            }
            IcmpMessage::EchoReply { seq, .. } if client => {
                let ms = self.now.0.saturating_sub(self.hops.first().map(|f| f.at.0).unwrap_or(0)) as f64 / 1000.0;
                self.hop(ns, Some(dev), Stage::Deliver, "echo reply to ping", &pkt);
                let bytes = 8 + pkt.payload.len();
                self.finish(Outcome::Delivered(format!("{bytes} bytes from {}: icmp_seq={seq} ttl={} time={ms:.3} ms", h.src, h.ttl)));
            }
            IcmpMessage::DestUnreachable { code, next_hop_mtu } if client => {
                self.hop(ns, Some(dev), Stage::Deliver, "ICMP error for the client's packet", &pkt);
                let text = match (code, self.conv.probe) {
                    (unreachable::PORT, _) => format!("{}: port unreachable (ICMP from {}): connection refused", self.conv.dst_text(), h.src),
                    (unreachable::HOST, _) => self.conv.host_unreachable_text(Some(h.src)),
                    (unreachable::FRAG_NEEDED, _) => format!("From {} icmp_seq=1 Frag needed and DF set (mtu = {next_hop_mtu})", h.src),
                    (unreachable::NET, Some(Probe::Icmp)) => format!("From {} icmp_seq=1 Destination Net Unreachable", h.src),
                    _ => "connect: Network is unreachable".to_string(),
                };
                let outcome = if code == unreachable::PORT { Outcome::Refused(text) } else { Outcome::Unreachable(text) };
                self.finish(outcome);
            }
            IcmpMessage::TimeExceeded { .. } if client => {
                self.hop(ns, Some(dev), Stage::Deliver, "ICMP time exceeded for the client's packet", &pkt);
                self.finish(Outcome::Unreachable(format!("From {} icmp_seq=1 Time to live exceeded", h.src)));
            }
            _ => self.hop(ns, Some(dev), Stage::Drop, "no socket wants this ICMP message", &pkt),
        }
    }

    fn tcp_rcv(&mut self, ns: NsId, dev: u32, h: Ipv4Header, t: TcpHeader, pkt: Pkt, client: bool) {
        // A connection to the namespace's own address (loopback, or the pod's own IP) has both
        // ends here: the segment is the client's only if it is addressed to the client's port.
        let client = client && t.dst_port == self.conv.sport;
        let f = t.flags;
        if f.has(TcpFlags::SYN) && !f.has(TcpFlags::ACK) {
            if self.listens(ns, protocol::TCP, t.dst_port) {
                self.hop(ns, Some(dev), Stage::Deliver, format!("SYN for the socket listening on :{}: SYN-ACK", t.dst_port), &pkt);
                let isn = self.rng.next_u64() as u32;
                let mss = self.net.netns(ns).and_then(|n| n.device(dev)).map(|d| d.mtu.saturating_sub(40).min(65535) as u16).unwrap_or(1460);
                let tsecr = t.options.iter().find_map(|o| if let TcpOption::Timestamps { tsval, .. } = o { Some(*tsval) } else { None }).unwrap_or(0);
                let mut syn_ack = TcpHeader::new(t.dst_port, t.src_port, isn, t.seq.wrapping_add(1), TcpFlags::SYN | TcpFlags::ACK, 65160);
                syn_ack.options = TcpOption::linux_syn(mss, self.rng.next_u64() as u32, tsecr);
                syn_ack.fill_checksum(h.dst, h.src, &[]);
                let out = ip_packet(h.dst, h.src, 0, Layer::Tcp(syn_ack), Vec::new());
                return self.schedule(STACK_US, Work::IpOut { ns, pkt: out, forwarded: false });
            }
            self.hop(ns, Some(dev), Stage::Deliver, format!("nothing listens on TCP :{}: RST", t.dst_port), &pkt);
            let mut rst = TcpHeader::new(t.dst_port, t.src_port, 0, t.seq.wrapping_add(1), TcpFlags::RST | TcpFlags::ACK, 0);
            rst.fill_checksum(h.dst, h.src, &[]);
            let out = ip_packet(h.dst, h.src, 0, Layer::Tcp(rst), Vec::new());
            return self.schedule(STACK_US, Work::IpOut { ns, pkt: out, forwarded: false });
        }
        if client && f.has(TcpFlags::RST) {
            self.hop(ns, Some(dev), Stage::Deliver, "RST for the connecting socket", &pkt);
            return self.finish(Outcome::Refused(format!("connect to {}:{}: Connection refused", h.src, t.src_port)));
        }
        if client && f.has(TcpFlags::SYN) && f.has(TcpFlags::ACK) {
            self.hop(ns, Some(dev), Stage::Deliver, "SYN-ACK for the connecting socket: ACK", &pkt);
            self.conv.client_next = t.ack;
            self.conv.server_next = t.seq.wrapping_add(1);
            self.segment(ns, &h, &t, pkt.payload.len(), TcpFlags::ACK, Vec::new());
            if let Some(n) = self.conv.data {
                self.conv.phase = TcpPhase::Data;
                self.segment(ns, &h, &t, pkt.payload.len(), TcpFlags::PSH | TcpFlags::ACK, vec![b'x'; n]);
                self.conv.client_next = self.conv.client_next.wrapping_add(n as u32);
            }
            return;
        }
        let data = !pkt.payload.is_empty();
        if !client && f.has(TcpFlags::FIN) && self.conv.phase == TcpPhase::FinSent {
            self.hop(ns, Some(dev), Stage::Deliver, "FIN: the peer closed; the server closes too: FIN-ACK", &pkt);
            self.conv.phase = TcpPhase::LastAck;
            return self.segment(ns, &h, &t, pkt.payload.len(), TcpFlags::FIN | TcpFlags::ACK, Vec::new());
        }
        if client && f.has(TcpFlags::FIN) {
            self.hop(ns, Some(dev), Stage::Deliver, "FIN-ACK for the closing socket: ACK (TIME_WAIT)", &pkt);
            self.conv.client_next = self.conv.client_next.wrapping_add(1);
            self.conv.server_next = t.seq.wrapping_add(1);
            return self.segment(ns, &h, &t, pkt.payload.len(), TcpFlags::ACK, Vec::new());
        }
        if !client && data && self.listens(ns, protocol::TCP, t.dst_port) {
            self.hop(ns, Some(dev), Stage::Deliver, format!("{} bytes for the application on :{}: ACK", pkt.payload.len(), t.dst_port), &pkt);
            return self.segment(ns, &h, &t, pkt.payload.len(), TcpFlags::ACK, Vec::new());
        }
        if client && f.has(TcpFlags::ACK) && self.conv.phase == TcpPhase::Data && t.ack == self.conv.client_next {
            self.hop(ns, Some(dev), Stage::Deliver, "the data is acknowledged: close() sends FIN", &pkt);
            self.conv.phase = TcpPhase::FinSent;
            return self.segment(ns, &h, &t, pkt.payload.len(), TcpFlags::FIN | TcpFlags::ACK, Vec::new());
        }
        if f.has(TcpFlags::ACK) && !f.has(TcpFlags::SYN) && !f.has(TcpFlags::RST) && self.listens(ns, protocol::TCP, t.dst_port) {
            if self.conv.phase == TcpPhase::LastAck {
                self.hop(ns, Some(dev), Stage::Deliver, "the last ACK: the connection is closed", &pkt);
                let n = self.conv.data.unwrap_or(0);
                return self.finish(Outcome::Delivered(format!("connected to {}:{}, sent {n} bytes, closed (FIN, FIN-ACK, ACK)", h.dst, t.dst_port)));
            }
            self.hop(ns, Some(dev), Stage::Deliver, format!("ACK completes the handshake: accept() on :{}", t.dst_port), &pkt);
            if self.conv.data.is_none() {
                self.finish(Outcome::Delivered(format!("connected to {}:{} (three-way handshake complete)", h.dst, t.dst_port)));
            }
            return;
        }
        self.hop(ns, Some(dev), Stage::Drop, "no connection for this segment", &pkt);
    }

    /// Sends a segment back to the sender of `h`/`t` on the same connection, with the
    /// conversation's sequence numbers for that side.
    fn segment(&mut self, ns: NsId, h: &Ipv4Header, t: &TcpHeader, rcvd: usize, flags: u16, data: Vec<u8>) {
        // The reply comes from the client when the segment answered was sent to the client's port.
        let from_client = self.conv.client == Some(ns) && Some(h.dst) == self.conv.src && t.dst_port == self.conv.sport;
        let (seq, ack) = if from_client { (self.conv.client_next, self.conv.server_next) } else { (self.conv.server_next, t.seq.wrapping_add(seg_len(t, rcvd))) };
        let tsecr = t.options.iter().find_map(|o| if let TcpOption::Timestamps { tsval, .. } = o { Some(*tsval) } else { None }).unwrap_or(0);
        let mut seg = TcpHeader::new(t.dst_port, t.src_port, seq, ack, flags, 502);
        seg.options = Arc::new([TcpOption::Nop, TcpOption::Nop, TcpOption::Timestamps { tsval: self.conv.tsval.wrapping_add(1), tsecr }]);
        seg.fill_checksum(h.dst, h.src, &data);
        if !from_client {
            self.conv.server_next = self.conv.server_next.wrapping_add(if flags & TcpFlags::FIN != 0 { 1 } else { 0 });
        }
        let id = self.rng.next_u64() as u16;
        let out = ip_packet(h.dst, h.src, id, Layer::Tcp(seg), data);
        self.schedule(STACK_US, Work::IpOut { ns, pkt: out, forwarded: false });
    }
}

/// Sequence space a received segment takes: its data, plus one for SYN or FIN.
fn seg_len(t: &TcpHeader, data: usize) -> u32 {
    let mut n = data as u32;
    if t.flags.has(TcpFlags::SYN) || t.flags.has(TcpFlags::FIN) {
        n += 1;
    }
    n
}

fn ip_packet(src: Ipv4Addr, dst: Ipv4Addr, ident: u16, l4: Layer, payload: Vec<u8>) -> Pkt {
    let l4_len = match &l4 {
        Layer::Tcp(t) => t.header_len(),
        Layer::Udp(_) => UdpHeader::LEN,
        _ => IcmpHeader::LEN,
    };
    let proto = match &l4 {
        Layer::Tcp(_) => protocol::TCP,
        Layer::Udp(_) => protocol::UDP,
        _ => protocol::ICMP,
    };
    let mut ip = Ipv4Header::new(src, dst, proto, l4_len + payload.len());
    ip.ident = ident;
    ip.fill_checksum();
    Arc::new(Packet::new(vec![Layer::Ipv4(ip), l4], payload))
}

/// Linux ping's data: an 8-byte timestamp, then bytes 0x10, 0x11, … .
fn ping_data(size: usize) -> Vec<u8> {
    (0..size).map(|i| if i < 8 { 0 } else { (i + 8) as u8 }).collect()
}

fn probe_text(p: Probe, dst: Ipv4Addr) -> String {
    match p {
        Probe::Icmp => format!("ICMP echo request to {dst}"),
        Probe::Tcp(port) => format!("TCP SYN to {dst}:{port}"),
        Probe::Udp(port) => format!("UDP datagram to {dst}:{port}"),
    }
}
