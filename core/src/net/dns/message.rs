//! DNS messages (RFC 1035 §4): header, questions, resource records, and their wire form.
//!
//! Names are held in presentation form with the final dot (`web.shop.svc.cluster.local.`; the
//! root is `.`). `emit` compresses names the way miekg/dns (CoreDNS's library) does when a
//! message's `Compress` is set: every owner name and the names inside CNAME, NS, PTR and SOA
//! data may point back to an earlier suffix; SRV targets are written in full but still offer
//! their suffixes to later names (RFC 2782). `emit_uncompressed` writes every name in full, as
//! miekg does with `Compress` unset. Parsing lives in `parse.rs`.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, Ipv6Addr};

/// Record and query types this model knows by name.
pub mod rtype {
    pub const A: u16 = 1;
    pub const NS: u16 = 2;
    pub const CNAME: u16 = 5;
    pub const SOA: u16 = 6;
    pub const PTR: u16 = 12;
    pub const MX: u16 = 15;
    pub const TXT: u16 = 16;
    pub const AAAA: u16 = 28;
    pub const SRV: u16 = 33;
    pub const OPT: u16 = 41;
    pub const ANY: u16 = 255;
}

/// The `IN` class.
pub const CLASS_IN: u16 = 1;

/// The mnemonic of a type (`A`, `SRV`), or `TYPE<n>` (RFC 3597) for the others.
pub fn type_text(t: u16) -> String {
    let known = match t {
        rtype::A => "A",
        rtype::NS => "NS",
        rtype::CNAME => "CNAME",
        rtype::SOA => "SOA",
        rtype::PTR => "PTR",
        rtype::MX => "MX",
        rtype::TXT => "TXT",
        rtype::AAAA => "AAAA",
        rtype::SRV => "SRV",
        rtype::OPT => "OPT",
        rtype::ANY => "ANY",
        _ => return format!("TYPE{t}"),
    };
    known.to_string()
}

/// Response codes (RFC 1035 §4.1.1).
pub mod rcode {
    pub const NOERROR: u8 = 0;
    pub const FORMERR: u8 = 1;
    pub const SERVFAIL: u8 = 2;
    pub const NXDOMAIN: u8 = 3;
    pub const NOTIMP: u8 = 4;
    pub const REFUSED: u8 = 5;
}

/// The name bind's tools print for a response code.
pub fn rcode_text(code: u8) -> String {
    let known = match code {
        rcode::NOERROR => "NOERROR",
        rcode::FORMERR => "FORMERR",
        rcode::SERVFAIL => "SERVFAIL",
        rcode::NXDOMAIN => "NXDOMAIN",
        rcode::NOTIMP => "NOTIMP",
        rcode::REFUSED => "REFUSED",
        _ => return format!("RESERVED{code}"),
    };
    known.to_string()
}

/// The 12-byte header, flags unpacked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Header {
    pub id: u16,
    pub qr: bool,
    pub opcode: u8,
    pub aa: bool,
    pub tc: bool,
    pub rd: bool,
    pub ra: bool,
    pub ad: bool,
    pub cd: bool,
    pub rcode: u8,
}

impl Header {
    /// The flags word (bytes 2–3).
    pub fn flags(&self) -> u16 {
        let bit = |b: bool, n: u16| if b { 1 << n } else { 0 };
        bit(self.qr, 15)
            | (u16::from(self.opcode & 0x0f) << 11)
            | bit(self.aa, 10)
            | bit(self.tc, 9)
            | bit(self.rd, 8)
            | bit(self.ra, 7)
            | bit(self.ad, 5)
            | bit(self.cd, 4)
            | u16::from(self.rcode & 0x0f)
    }

    pub fn from_flags(id: u16, f: u16) -> Header {
        let bit = |n: u16| f & (1 << n) != 0;
        Header {
            id,
            qr: bit(15),
            opcode: ((f >> 11) & 0x0f) as u8,
            aa: bit(10),
            tc: bit(9),
            rd: bit(8),
            ra: bit(7),
            ad: bit(5),
            cd: bit(4),
            rcode: (f & 0x0f) as u8,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    pub name: String,
    pub qtype: u16,
    pub qclass: u16,
}

impl Question {
    /// An `IN` question; a name without the final dot gets one.
    pub fn new(name: &str, qtype: u16) -> Question {
        Question { name: fqdn(name), qtype, qclass: CLASS_IN }
    }
}

/// Record data for the types modelled; anything else is kept as raw bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RData {
    A(Ipv4Addr),
    Aaaa(Ipv6Addr),
    Ns(String),
    Cname(String),
    Ptr(String),
    Soa {
        mname: String,
        rname: String,
        serial: u32,
        refresh: u32,
        retry: u32,
        expire: u32,
        minimum: u32,
    },
    Txt(Vec<Vec<u8>>),
    Srv {
        priority: u16,
        weight: u16,
        port: u16,
        target: String,
    },
    /// EDNS(0) options, undecoded (the record's class is the UDP size, its TTL the flags).
    Opt(Vec<u8>),
    Other {
        rtype: u16,
        data: Vec<u8>,
    },
}

impl RData {
    pub fn rtype(&self) -> u16 {
        match self {
            RData::A(_) => rtype::A,
            RData::Aaaa(_) => rtype::AAAA,
            RData::Ns(_) => rtype::NS,
            RData::Cname(_) => rtype::CNAME,
            RData::Ptr(_) => rtype::PTR,
            RData::Soa { .. } => rtype::SOA,
            RData::Txt(_) => rtype::TXT,
            RData::Srv { .. } => rtype::SRV,
            RData::Opt(_) => rtype::OPT,
            RData::Other { rtype, .. } => *rtype,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub name: String,
    pub class: u16,
    pub ttl: u32,
    pub data: RData,
}

impl Record {
    pub fn new(name: &str, ttl: u32, data: RData) -> Record {
        Record { name: fqdn(name), class: CLASS_IN, ttl, data }
    }

    /// An EDNS(0) OPT pseudo-record advertising `udp_size`, version 0, no flags, no options.
    pub fn opt(udp_size: u16) -> Record {
        Record { name: ".".into(), class: udp_size, ttl: 0, data: RData::Opt(Vec::new()) }
    }

    pub fn rtype(&self) -> u16 {
        self.data.rtype()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Message {
    pub header: Header,
    pub questions: Vec<Question>,
    pub answers: Vec<Record>,
    pub authority: Vec<Record>,
    pub additional: Vec<Record>,
}

impl Message {
    /// A query as a stub resolver sends it: one question, RD set.
    pub fn query(id: u16, q: Question) -> Message {
        Message { header: Header { id, rd: true, ..Header::default() }, questions: vec![q], ..Message::default() }
    }

    /// The EDNS OPT record in the additional section, if any.
    pub fn opt(&self) -> Option<&Record> {
        self.additional.iter().find(|r| r.rtype() == rtype::OPT)
    }

    /// The wire form with miekg/dns's name compression.
    pub fn emit(&self) -> Result<Vec<u8>, String> {
        self.emit_with(true)
    }

    /// The wire form with every name written in full.
    pub fn emit_uncompressed(&self) -> Result<Vec<u8>, String> {
        self.emit_with(false)
    }

    fn emit_with(&self, compress: bool) -> Result<Vec<u8>, String> {
        let mut w = Writer { buf: Vec::with_capacity(512), names: compress.then(BTreeMap::new) };
        w.u16(self.header.id);
        w.u16(self.header.flags());
        for n in [self.questions.len(), self.answers.len(), self.authority.len(), self.additional.len()] {
            w.u16(u16::try_from(n).map_err(|_| format!("too many records in one section: {n}"))?);
        }
        for q in &self.questions {
            w.name(&q.name, true)?;
            w.u16(q.qtype);
            w.u16(q.qclass);
        }
        for r in self.answers.iter().chain(&self.authority).chain(&self.additional) {
            w.record(r)?;
        }
        Ok(w.buf)
    }
}

/// `name` with exactly one final dot (the root stays `.`).
pub fn fqdn(name: &str) -> String {
    if name.ends_with('.') {
        name.to_string()
    } else {
        format!("{name}.")
    }
}

/// The labels of a presentation-form name (empty for the root).
pub fn labels(name: &str) -> Result<Vec<&str>, String> {
    let trimmed = name.strip_suffix('.').unwrap_or(name);
    if trimmed.is_empty() {
        return Ok(Vec::new());
    }
    let labels: Vec<&str> = trimmed.split('.').collect();
    let mut wire_len = 1;
    for l in &labels {
        if l.is_empty() {
            return Err(format!("empty label in {name:?}"));
        }
        if l.len() > 63 {
            return Err(format!("label longer than 63 octets in {name:?}"));
        }
        wire_len += l.len() + 1;
    }
    if wire_len > 255 {
        return Err(format!("name longer than 255 octets: {name:?}"));
    }
    Ok(labels)
}

/// Offsets at or beyond this cannot be the target of a 14-bit pointer.
const MAX_POINTER: usize = 0x3fff;

struct Writer {
    buf: Vec<u8>,
    /// Suffix text → offset, when compressing.
    names: Option<BTreeMap<String, usize>>,
}

impl Writer {
    fn u16(&mut self, v: u16) {
        self.buf.extend_from_slice(&v.to_be_bytes());
    }

    fn u32(&mut self, v: u32) {
        self.buf.extend_from_slice(&v.to_be_bytes());
    }

    /// Writes `name`; with `may_point`, a known suffix becomes a pointer. Unknown suffixes are
    /// remembered either way.
    fn name(&mut self, name: &str, may_point: bool) -> Result<(), String> {
        let labels = labels(name)?;
        for i in 0..labels.len() {
            let suffix = labels[i..].join(".");
            if let Some(names) = &mut self.names {
                if let Some(&at) = names.get(&suffix) {
                    if may_point {
                        self.u16(0xc000 | at as u16);
                        return Ok(());
                    }
                } else if self.buf.len() < MAX_POINTER {
                    names.insert(suffix, self.buf.len());
                }
            }
            self.buf.push(labels[i].len() as u8);
            self.buf.extend_from_slice(labels[i].as_bytes());
        }
        self.buf.push(0);
        Ok(())
    }

    fn record(&mut self, r: &Record) -> Result<(), String> {
        self.name(&r.name, true)?;
        self.u16(r.rtype());
        self.u16(r.class);
        self.u32(r.ttl);
        let len_at = self.buf.len();
        self.u16(0);
        match &r.data {
            RData::A(ip) => self.buf.extend_from_slice(&ip.octets()),
            RData::Aaaa(ip) => self.buf.extend_from_slice(&ip.octets()),
            RData::Ns(n) | RData::Cname(n) | RData::Ptr(n) => self.name(n, true)?,
            RData::Soa { mname, rname, serial, refresh, retry, expire, minimum } => {
                self.name(mname, true)?;
                self.name(rname, true)?;
                for v in [serial, refresh, retry, expire, minimum] {
                    self.u32(*v);
                }
            }
            RData::Txt(strings) => {
                for s in strings {
                    let len = u8::try_from(s.len()).map_err(|_| "TXT string longer than 255 octets".to_string())?;
                    self.buf.push(len);
                    self.buf.extend_from_slice(s);
                }
            }
            RData::Srv { priority, weight, port, target } => {
                self.u16(*priority);
                self.u16(*weight);
                self.u16(*port);
                self.name(target, false)?;
            }
            RData::Opt(data) | RData::Other { data, .. } => self.buf.extend_from_slice(data),
        }
        let len = self.buf.len() - len_at - 2;
        let len = u16::try_from(len).map_err(|_| "record data longer than 65535 octets".to_string())?;
        self.buf[len_at..len_at + 2].copy_from_slice(&len.to_be_bytes());
        Ok(())
    }
}
