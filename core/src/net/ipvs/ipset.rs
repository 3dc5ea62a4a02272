//! IP sets: the set types kube-proxy's IPVS mode creates, their members, packet membership
//! (`-m set --match-set NAME dst,dst`), and `ipset list` text as ipset 7.17 prints it on a
//! 6.1+ kernel.
//!
//! `ipset list NAME` prints `Name:`, `Type:`, `Revision:` (the kernel module's newest
//! revision), `Header:`, `Size in memory:`, `References:` (iptables rules using the set),
//! `Number of entries:` and `Members:` one per line; `ipset list` prints every set that
//! way, separated by a blank line, in creation order.
//!
//! Illustrative values (documented choices, not knowable exactly):
//! - `initval` (the hash seed the kernel draws at random when a hash set is created) is
//!   derived from the set name (FNV-1a), so it is stable between runs.
//! - `Size in memory` of an empty set is what a real node prints (hash:ip,port 200,
//!   hash:ip,port,ip 208, hash:ip,port,net 464, bitmap:port 8264); each hash member adds
//!   one bucket (48 bytes for hash:ip,port, which matches real listings while no two members
//!   share a bucket; the other types use the same bucket header with their element size).
//! - Members are listed in the text order kube-proxy adds them in (it adds a sorted list);
//!   the kernel lists a hash set in bucket order.
//! - Entry comments exist only in sets created with the `comment` option; kube-proxy
//!   creates none, so its sets never show them.

use std::cmp::Ordering;
use std::fmt;
use std::net::Ipv4Addr;

use ipnet::Ipv4Net;

use crate::net::kube_proxy::Proto;
use crate::net::netfilter::rule::SetDir;
use crate::net::netfilter::Tuple;

/// The `ipset` binary's version, as it names itself in messages.
pub const IPSET_VERSION: &str = "v7.17";

/// The set types kube-proxy uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SetType {
    HashIp,
    HashIpPort,
    HashIpPortIp,
    HashIpPortNet,
    BitmapPort,
}

impl SetType {
    pub fn name(self) -> &'static str {
        match self {
            SetType::HashIp => "hash:ip",
            SetType::HashIpPort => "hash:ip,port",
            SetType::HashIpPortIp => "hash:ip,port,ip",
            SetType::HashIpPortNet => "hash:ip,port,net",
            SetType::BitmapPort => "bitmap:port",
        }
    }

    /// The newest revision of the kernel module (Linux 6.1+).
    pub fn revision(self) -> u32 {
        match self {
            SetType::HashIp => 6,
            SetType::HashIpPort | SetType::HashIpPortIp => 6,
            SetType::HashIpPortNet => 8,
            SetType::BitmapPort => 3,
        }
    }

    fn empty_size(self) -> u64 {
        match self {
            SetType::HashIp | SetType::HashIpPort => 200,
            SetType::HashIpPortIp => 208,
            SetType::HashIpPortNet => 464,
            SetType::BitmapPort => 8264,
        }
    }

    /// Bytes one member adds: a bucket (32-byte header, room for two elements).
    fn member_size(self) -> u64 {
        match self {
            SetType::HashIp => 32 + 2 * 4,
            SetType::HashIpPort => 32 + 2 * 8,
            SetType::HashIpPortIp | SetType::HashIpPortNet => 32 + 2 * 12,
            SetType::BitmapPort => 0,
        }
    }

    fn is_hash(self) -> bool {
        self != SetType::BitmapPort
    }
}

/// One member, printed as ipset prints it: `10.96.0.1`, `10.96.0.1,tcp:443`,
/// `10.244.1.7,tcp:8080,10.244.1.7`, `203.0.113.9,tcp:80,10.0.0.0/8`, `30080`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Member {
    Ip(Ipv4Addr),
    IpPort(Ipv4Addr, Proto, u16),
    IpPortIp(Ipv4Addr, Proto, u16, Ipv4Addr),
    IpPortNet(Ipv4Addr, Proto, u16, Ipv4Net),
    Port(u16),
}

impl Member {
    /// The set type that stores this kind of member.
    pub fn set_type(&self) -> SetType {
        match self {
            Member::Ip(_) => SetType::HashIp,
            Member::IpPort(..) => SetType::HashIpPort,
            Member::IpPortIp(..) => SetType::HashIpPortIp,
            Member::IpPortNet(..) => SetType::HashIpPortNet,
            Member::Port(_) => SetType::BitmapPort,
        }
    }
}

impl fmt::Display for Member {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Member::Ip(ip) => write!(f, "{ip}"),
            Member::IpPort(ip, p, port) => write!(f, "{ip},{}:{port}", p.as_str()),
            Member::IpPortIp(ip, p, port, ip2) => write!(f, "{ip},{}:{port},{ip2}", p.as_str()),
            Member::IpPortNet(ip, p, port, net) => write!(f, "{ip},{}:{port},{net}", p.as_str()),
            Member::Port(port) => write!(f, "{port}"),
        }
    }
}

/// One set with its members (kept sorted by their text) and optional entry comments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IpSet {
    pub name: String,
    pub set_type: SetType,
    pub hashsize: u32,
    pub maxelem: u32,
    /// `range` of a bitmap:port set.
    pub range: (u16, u16),
    /// Created with the `comment` option.
    pub with_comments: bool,
    members: Vec<(String, Member, Option<String>)>,
    /// The members again, for lookups (a packet tests sets of thousands of members).
    index: std::collections::BTreeSet<Member>,
}

impl IpSet {
    /// A set as kube-proxy creates it: hashsize 1024, maxelem 65536, bitmap range 0-65535.
    pub fn new(name: &str, set_type: SetType) -> IpSet {
        IpSet { name: name.to_string(), set_type, hashsize: 1024, maxelem: 65536, range: (0, 65535), with_comments: false, members: Vec::new(), index: Default::default() }
    }

    /// `ipset add NAME MEMBER [comment TEXT] -exist`: adding a present member is not an error.
    pub fn add(&mut self, member: Member, comment: Option<&str>) -> Result<(), String> {
        let err = |why: &str| format!("ipset {IPSET_VERSION}: {why}");
        if member.set_type() != self.set_type {
            return Err(err("Syntax error: the element does not match the set type"));
        }
        if let Member::Port(p) = member {
            if p < self.range.0 || p > self.range.1 {
                return Err(err("Element is out of the range of the set"));
            }
        }
        if comment.is_some() && !self.with_comments {
            return Err(err("Kernel error received: ipset protocol error"));
        }
        let text = member.to_string();
        match self.members.binary_search_by(|m| cmp_text(&m.0, &text)) {
            Ok(_) => Ok(()),
            Err(_) if self.members.len() >= self.maxelem as usize => Err(err("Hash is full, cannot add more elements")),
            Err(at) => {
                self.members.insert(at, (text, member, comment.map(str::to_string)));
                self.index.insert(member);
                Ok(())
            }
        }
    }

    /// `ipset del`; false when the member was absent.
    pub fn del(&mut self, member: &Member) -> bool {
        let text = member.to_string();
        match self.members.binary_search_by(|m| cmp_text(&m.0, &text)) {
            Ok(at) => {
                self.members.remove(at);
                self.index.remove(member);
                true
            }
            Err(_) => false,
        }
    }

    pub fn has(&self, member: &Member) -> bool {
        self.index.contains(member)
    }

    pub fn members(&self) -> impl Iterator<Item = &Member> {
        self.members.iter().map(|m| &m.1)
    }

    pub fn len(&self) -> usize {
        self.members.len()
    }

    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// Whether a packet with tuple `t` matches the set with directions `dirs`, as
    /// `-m set --match-set NAME <dirs>` asks: each direction picks the packet's source or
    /// destination field for one dimension (address, then port, then second address or
    /// network). Port dimensions also match the packet's protocol. A match with fewer
    /// directions than the set has dimensions does not match.
    pub fn test(&self, dirs: &[SetDir], t: &Tuple) -> bool {
        let ip = |d: SetDir| if d == SetDir::Src { t.src } else { t.dst };
        let port = |d: SetDir| if d == SetDir::Src { t.sport } else { t.dport };
        let proto = match t.proto {
            6 => Some(Proto::Tcp),
            17 => Some(Proto::Udp),
            132 => Some(Proto::Sctp),
            _ => None,
        };
        // Exact members are looked up; only networks need a scan.
        let key = match (self.set_type, dirs, proto) {
            (SetType::HashIp, [d, ..], _) => Some(Member::Ip(ip(*d))),
            (SetType::HashIpPort, [d1, d2, ..], Some(p)) => Some(Member::IpPort(ip(*d1), p, port(*d2))),
            (SetType::HashIpPortIp, [d1, d2, d3, ..], Some(p)) => Some(Member::IpPortIp(ip(*d1), p, port(*d2), ip(*d3))),
            (SetType::BitmapPort, [d, ..], Some(_)) => Some(Member::Port(port(*d))),
            (SetType::HashIpPortNet, ..) => None,
            _ => return false,
        };
        if let Some(k) = key {
            return self.index.contains(&k);
        }
        let proto_ok = |p: Proto| proto == Some(p);
        self.members.iter().any(|(_, m, _)| match (*m, dirs) {
            (Member::Ip(a), [d, ..]) => a == ip(*d),
            (Member::IpPort(a, p, n), [d1, d2, ..]) => a == ip(*d1) && proto_ok(p) && n == port(*d2),
            (Member::IpPortIp(a, p, n, b), [d1, d2, d3, ..]) => a == ip(*d1) && proto_ok(p) && n == port(*d2) && b == ip(*d3),
            (Member::IpPortNet(a, p, n, net), [d1, d2, d3, ..]) => a == ip(*d1) && proto_ok(p) && n == port(*d2) && net.contains(&ip(*d3)),
            (Member::Port(n), [d, ..]) => matches!(t.proto, 6 | 17 | 132) && n == port(*d),
            _ => false,
        })
    }

    /// The `Header:` value.
    pub fn header(&self) -> String {
        let mut h = if self.set_type.is_hash() {
            format!("family inet hashsize {} maxelem {} bucketsize 12 initval 0x{:08x}", self.hashsize, self.maxelem, initval(&self.name))
        } else {
            format!("range {}-{}", self.range.0, self.range.1)
        };
        if self.with_comments {
            h.push_str(" comment");
        }
        h
    }

    /// The (illustrative) `Size in memory:` value; see the module documentation.
    pub fn size_in_memory(&self) -> u64 {
        self.set_type.empty_size() + self.set_type.member_size() * self.members.len() as u64
    }

    /// `ipset list NAME` for this set, given how many iptables rules reference it.
    pub fn list(&self, references: u32) -> String {
        let mut out = format!(
            "Name: {}\nType: {}\nRevision: {}\nHeader: {}\nSize in memory: {}\nReferences: {}\nNumber of entries: {}\nMembers:\n",
            self.name,
            self.set_type.name(),
            self.set_type.revision(),
            self.header(),
            self.size_in_memory(),
            references,
            self.members.len()
        );
        for (text, _, comment) in &self.members {
            out.push_str(text);
            if let Some(c) = comment {
                out.push_str(" comment \"");
                out.push_str(c);
                out.push('"');
            }
            out.push('\n');
        }
        out
    }
}

/// Orders member texts as Go's `sort.Strings` does (bytewise).
fn cmp_text(a: &str, b: &str) -> Ordering {
    a.as_bytes().cmp(b.as_bytes())
}

/// A stable stand-in for the kernel's random hash seed: FNV-1a of the set name.
fn initval(name: &str) -> u32 {
    name.bytes().fold(0x811c_9dc5u32, |h, b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193))
}

/// Every set of a node, in creation order, with the iptables references to each.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IpSets {
    sets: Vec<IpSet>,
    references: Vec<u32>,
}

impl IpSets {
    pub fn new() -> IpSets {
        IpSets::default()
    }

    /// `ipset create NAME TYPE -exist`: creates the set unless one of that name exists; a
    /// set of that name with another type is an error.
    pub fn create(&mut self, name: &str, set_type: SetType) -> Result<&mut IpSet, String> {
        match self.sets.iter().position(|s| s.name == name) {
            Some(i) if self.sets[i].set_type != set_type => {
                Err(format!("ipset {IPSET_VERSION}: Set cannot be created: set with the same name already exists"))
            }
            Some(i) => Ok(&mut self.sets[i]),
            None => {
                self.sets.push(IpSet::new(name, set_type));
                self.references.push(0);
                Ok(self.sets.last_mut().expect("just pushed"))
            }
        }
    }

    pub fn get(&self, name: &str) -> Option<&IpSet> {
        self.sets.iter().find(|s| s.name == name)
    }

    pub fn get_mut(&mut self, name: &str) -> Option<&mut IpSet> {
        self.sets.iter_mut().find(|s| s.name == name)
    }

    pub fn iter(&self) -> impl Iterator<Item = &IpSet> {
        self.sets.iter()
    }

    /// The membership test behind `HookCtx::in_set`: false for a set that does not exist.
    pub fn contains(&self, name: &str, dirs: &[SetDir], t: &Tuple) -> bool {
        self.get(name).is_some_and(|s| s.test(dirs, t))
    }

    /// Counts, for every set, the rules of an iptables-restore text that match on it
    /// (`--match-set NAME`), as the kernel counts the references of loaded rules.
    pub fn count_references(&mut self, rules: &str) {
        for (set, refs) in self.sets.iter().zip(self.references.iter_mut()) {
            *refs = rules
                .lines()
                .filter(|l| l.starts_with("-A ") || l.starts_with("-I "))
                .filter(|l| l.split_whitespace().collect::<Vec<_>>().windows(2).any(|w| w[0] == "--match-set" && w[1] == set.name))
                .count() as u32;
        }
    }

    pub fn references(&self, name: &str) -> u32 {
        self.sets.iter().position(|s| s.name == name).map_or(0, |i| self.references[i])
    }

    /// `ipset list [NAME]`.
    pub fn list(&self, name: Option<&str>) -> Result<String, String> {
        match name {
            Some(n) => {
                let i = self
                    .sets
                    .iter()
                    .position(|s| s.name == n)
                    .ok_or_else(|| format!("ipset {IPSET_VERSION}: The set with the given name does not exist"))?;
                Ok(self.sets[i].list(self.references[i]))
            }
            None => {
                let parts: Vec<String> = self.sets.iter().zip(&self.references).map(|(s, &r)| s.list(r)).collect();
                Ok(parts.join("\n"))
            }
        }
    }
}
