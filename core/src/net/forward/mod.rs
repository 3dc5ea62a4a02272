//! The data path: what the kernels (and flanneld) of the simulated machines do with a packet.
//!
//! ```text
//! mod.rs      Engine: the work queue on the virtual clock, hop recording, trace entry point
//! link.rs     devices: receive and transmit on veth, bridge, underlay NIC; ARP
//! ip.rs       IP input/output: local delivery, forwarding (TTL), routing, neighbours, MTU, ICMP errors
//! overlay.rs  flannel.1 (VXLAN encapsulation) and flannel0 + flanneld (UDP encapsulation)
//! netfilter.rs the netfilter hooks: PREROUTING, INPUT, FORWARD, OUTPUT, POSTROUTING (and
//!              br_netfilter's for bridged frames); verdicts and NAT back onto the packet
//! l4.rs       the endpoints: TCP handshake, UDP, ICMP echo; the probes a trace sends
//! ```
//!
//! Work items (a frame arriving on a device, an IP packet to route, an ARP timer) wait on a
//! queue ordered by simulated time; the engine takes them in order and each step records the
//! hop it performed. Nothing is scripted: the hop list is whatever the forwarding did.
//!
//! Times are illustrative, not measured: 1 µs per veth or bridge pass, 5 µs for a local
//! stack, 30 µs for each pass through flanneld in user space, 100 µs on the underlay wire,
//! and the kernel's 1 s ARP retransmit (3 tries) when nobody answers.

mod ip;
mod ipvs;
mod l4;
mod link;
mod netfilter;
mod overlay;

use std::net::Ipv4Addr;
use std::sync::Arc;

pub use l4::{Probe, TraceRequest};

use super::netns::{NsId, Owner};
use super::trace::{Detail, Hop, Outcome, Stage, Trace};
use super::wire::packet::Packet;

/// A packet in flight. Shared with the hops that recorded it; a step that changes it copies it
/// first (`Arc::make_mut`), so every hop keeps the stack it saw.
pub(crate) type Pkt = Arc<Packet>;
use super::Network;
use crate::rng::SimRng;
use crate::time::SimTime;

pub(crate) const VETH_US: u64 = 1;
pub(crate) const STACK_US: u64 = 5;
pub(crate) const USERSPACE_US: u64 = 30;
pub(crate) const WIRE_US: u64 = 100;
pub(crate) const ARP_RETRANS_US: u64 = 1_000_000;
pub(crate) const ARP_TRIES: u64 = 3;
/// Room for the hops of a cross-node TCP handshake (about a hundred) before the list grows.
const HOPS_HINT: usize = 128;

/// Which sockets listen: `(namespace owner, IP protocol, port) -> bool`.
pub type Listening<'a> = &'a dyn Fn(&Owner, u8, u16) -> bool;

/// What a UDP server answers a datagram with: `(namespace owner, port, client address,
/// payload) -> reply payload` (CoreDNS answering a query); None sends nothing back.
pub type Answer<'a> = &'a dyn Fn(&Owner, u16, Ipv4Addr, &[u8]) -> Option<Vec<u8>>;

/// A node's NetworkPolicy agent on a new forwarded connection: `(node, src, dst, protocol,
/// port) -> (allowed, why)`, None when no policy concerns it.
pub type PolicyCheck<'a> = &'a dyn Fn(&str, Ipv4Addr, Ipv4Addr, u8, u16) -> Option<(bool, String)>;

/// What the endpoints and agents of a trace do (all optional but `listening`).
#[derive(Clone, Copy)]
pub struct Apps<'a> {
    pub listening: Listening<'a>,
    pub answer: Answer<'a>,
    pub policy: Option<PolicyCheck<'a>>,
}

pub(crate) enum Work {
    /// A frame (or, on a TUN, an IP packet) arrives on `dev`.
    Rx { ns: NsId, dev: u32, pkt: Pkt },
    /// An IP packet to route: sent by a local socket or the kernel (`forwarded` false) or
    /// being forwarded.
    IpOut { ns: NsId, pkt: Pkt, forwarded: bool },
    /// No ARP answer for `ip` on `dev` after the retransmits.
    ArpTimeout { ns: NsId, dev: u32, ip: Ipv4Addr },
}

/// A packet waiting for its next hop's MAC.
pub(crate) struct Waiting {
    ns: NsId,
    dev: u32,
    next_hop: Ipv4Addr,
    pkt: Pkt,
    forwarded: bool,
}

pub(crate) struct Engine<'a> {
    pub net: &'a mut Network,
    pub rng: &'a mut SimRng,
    pub listening: Listening<'a>,
    pub answer: Answer<'a>,
    pub policy: Option<PolicyCheck<'a>>,
    pub now: SimTime,
    /// Work by (time, sequence), latest first: the next item is popped off the end (the queue
    /// rarely holds more than a few items).
    queue: Vec<((u64, u64), Work)>,
    seq: u64,
    pub hops: Vec<Hop>,
    /// Names already looked up (a trace visits a handful of namespaces and devices, so a
    /// short list searched in order beats a map).
    places: Vec<(NsId, Arc<str>)>,
    devices: Vec<(NsId, u32, Arc<str>)>,
    pub waiting: Vec<Waiting>,
    /// The exchange the trace runs, and how it ended.
    pub conv: l4::Conversation,
    pub outcome: Option<Outcome>,
}

impl<'a> Engine<'a> {
    pub fn new(net: &'a mut Network, rng: &'a mut SimRng, apps: Apps<'a>, now: SimTime, conv: l4::Conversation) -> Engine<'a> {
        Engine {
            net,
            rng,
            listening: apps.listening,
            answer: apps.answer,
            policy: apps.policy,
            now,
            queue: Vec::with_capacity(8),
            seq: 0,
            hops: Vec::with_capacity(HOPS_HINT),
            places: Vec::with_capacity(8),
            devices: Vec::with_capacity(16),
            waiting: Vec::new(),
            conv,
            outcome: None,
        }
    }

    /// Queues `work` to happen `after_us` from now.
    pub fn schedule(&mut self, after_us: u64, work: Work) {
        self.seq += 1;
        let key = (self.now.0 + after_us, self.seq);
        let at = self.queue.partition_point(|(k, _)| *k > key);
        self.queue.insert(at, (key, work));
    }

    /// The name of device `dev` in `ns`, shared by every hop that names it.
    pub fn dev_arc(&mut self, ns: NsId, d: u32) -> Arc<str> {
        if let Some((_, _, name)) = self.devices.iter().find(|(n, i, _)| *n == ns && *i == d) {
            return name.clone();
        }
        let name: Arc<str> = self.net.netns(ns).and_then(|n| n.device(d)).map(|d| d.name.as_str()).unwrap_or_default().into();
        self.devices.push((ns, d, name.clone()));
        name
    }

    /// Where `ns` is, shared by every hop there.
    pub fn place_arc(&mut self, ns: NsId) -> Arc<str> {
        if let Some((_, p)) = self.places.iter().find(|(n, _)| *n == ns) {
            return p.clone();
        }
        let p: Arc<str> = match self.net.netns(ns).map(|n| &n.owner) {
            Some(Owner::Node(node)) => node.as_str().into(),
            Some(_) => self.net.netns(ns).map(|n| n.place()).unwrap_or_default().into(),
            None => "".into(),
        };
        self.places.push((ns, p.clone()));
        p
    }

    /// Records a hop at the current time.
    pub fn hop(&mut self, ns: NsId, dev: Option<u32>, stage: Stage, detail: impl Into<Detail>, pkt: &Pkt) {
        let detail = detail.into();
        let place = self.place_arc(ns);
        let device = dev.map(|d| self.dev_arc(ns, d));
        let packet = pkt.clone();
        self.hops.push(Hop { at: self.now, ns, place, device, stage, detail, packet });
    }

    /// Runs queued work in time order until nothing is left (or a safety limit of steps).
    pub fn run(&mut self) {
        let mut steps = 0;
        while let Some(((at, _), work)) = self.queue.pop() {
            steps += 1;
            if steps > 10_000 {
                self.finish(Outcome::Timeout("the packet looped; stopped after 10000 steps".into()));
                break;
            }
            self.now = SimTime(at);
            match work {
                Work::Rx { ns, dev, pkt } => self.receive(ns, dev, pkt),
                Work::IpOut { ns, pkt, forwarded } => self.ip_output(ns, pkt, forwarded),
                Work::ArpTimeout { ns, dev, ip } => self.arp_timeout(ns, dev, ip),
            }
        }
    }

    /// Sets the outcome once (the first decisive result wins).
    pub fn finish(&mut self, outcome: Outcome) {
        if self.outcome.is_none() {
            self.outcome = Some(outcome);
        }
    }
}

impl Network {
    /// Sends the probe of `req` and records every hop of it and of its replies.
    pub fn trace(&mut self, req: &TraceRequest, now: SimTime, rng: &mut SimRng, listening: Listening<'_>) -> Trace {
        self.trace_with(req, None, now, rng, Apps { listening, answer: &|_, _, _, _| None, policy: None })
    }

    /// [`Network::trace`] with the UDP datagram's `payload`, the servers' `answer`s and the
    /// nodes' policy agents: the client's reply, if one came, is in [`Trace::reply`].
    pub fn trace_with(&mut self, req: &TraceRequest, payload: Option<Vec<u8>>, now: SimTime, rng: &mut SimRng, apps: Apps<'_>) -> Trace {
        let mut conv = l4::Conversation::new(req);
        conv.payload = payload;
        let mut e = Engine::new(self, rng, apps, now, conv);
        e.start(req);
        e.run();
        let outcome = e.outcome.take().unwrap_or_else(|| Outcome::Timeout(e.conv.timeout_text()));
        Trace { hops: std::mem::take(&mut e.hops), outcome, started: now, reply: e.conv.reply.take() }
    }
}
