//! CoreDNS answering from the store, as the default Corefile's
//! `kubernetes cluster.local in-addr.arpa ip6.arpa { pods insecure; fallthrough in-addr.arpa ip6.arpa }`
//! does (handler.go and plugin/backend_lookup.go).
//!
//! Answers are authoritative (AA) without RA. A name that does not exist gets NXDOMAIN, a name
//! that exists without records of the asked type NOERROR with no answer (NODATA); both carry the
//! zone's SOA in the authority section. Other types are decided by a stand-in A lookup, as CoreDNS
//! does; TXT is NODATA only for names holding other records (else NXDOMAIN), `dns-version.<zone>`
//! answers `"1.1.0"` with TTL 28800, and `ns.dns.<zone>` has the DNS service's addresses. A `SOA`
//! question below the apex is NODATA, as the plugin answers it. Reverse names CoreDNS cannot
//! answer, and names outside the zone, are `Forward`ed: the caller decides what the world outside
//! the cluster answers.

use std::net::Ipv4Addr;

use super::cluster::{self, Entry, Host, NoSuchName};
use super::message::{rcode, rtype, Header, Message, Question, RData, Record};
use crate::store::Store;

/// The schema version `dns-version.<zone>` publishes.
pub const SCHEMA_VERSION: &str = "1.1.0";
/// CoreDNS's kubernetes plugin TTL when the Corefile sets none (kubeadm's Corefile sets 30).
pub const DEFAULT_TTL: u32 = 5;
/// The TTL of the `dns-version` TXT record, fixed in the plugin.
pub const DNS_VERSION_TTL: u32 = 28800;

/// The plugin's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoreDns {
    /// The cluster domain, without the final dot (`cluster.local`).
    pub zone: String,
    pub ttl: u32,
    /// The SOA serial: the Unix time of the last change CoreDNS saw.
    pub serial: u32,
}

impl CoreDns {
    pub fn new(zone: &str) -> CoreDns {
        CoreDns { zone: zone.trim_end_matches('.').to_ascii_lowercase(), ttl: DEFAULT_TTL, serial: crate::time::EPOCH_UNIX_SECS as u32 }
    }

    /// `<zone>. <ttl> IN SOA ns.dns.<zone>. hostmaster.<zone>. <serial> 7200 1800 86400 <ttl>`.
    pub fn soa(&self) -> Record {
        let z = &self.zone;
        let data = RData::Soa {
            mname: format!("ns.dns.{z}."),
            rname: format!("hostmaster.{z}."),
            serial: self.serial,
            refresh: 7200,
            retry: 1800,
            expire: 86400,
            minimum: self.ttl,
        };
        Record::new(z, self.ttl.min(300), data)
    }
}

/// What CoreDNS does with a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The response, from the store alone.
    Answer(Message),
    /// The response so far ends in a CNAME to `target`, outside the zone: CoreDNS asks upstream
    /// for `target` (same type) and appends the answers it gets, even none; if upstream cannot
    /// be reached it drops the CNAME and answers NODATA.
    Chase { message: Message, target: String },
    /// Not CoreDNS's to answer: the forward plugin sends it upstream.
    Forward,
}

/// The outcome for a lone question (a query with id 0 and RD set).
pub fn answer(store: &Store, zone: &str, q: &Question) -> Outcome {
    respond(store, &CoreDns::new(zone), &Message::query(0, q.clone()))
}

/// CoreDNS's response to `query`.
pub fn respond(store: &Store, cfg: &CoreDns, query: &Message) -> Outcome {
    let mut reply = Message {
        header: Header { id: query.header.id, qr: true, opcode: query.header.opcode, rd: query.header.rd, cd: query.header.cd, ..Header::default() },
        questions: query.questions.clone(),
        ..Message::default()
    };
    if let Some(opt) = query.opt() {
        reply.additional.push(reply_opt(opt));
    }
    let Some(q) = query.questions.first() else {
        reply.header.rcode = rcode::FORMERR;
        return Outcome::Answer(reply);
    };
    let name = q.name.trim_end_matches('.').to_ascii_lowercase();
    let zone = cfg.zone.as_str();
    let base = if name == zone {
        ""
    } else if let Some(b) = name.strip_suffix(zone).and_then(|b| b.strip_suffix('.')) {
        b
    } else {
        return reverse(store, cfg, q, &name, reply);
    };
    reply.header.aa = true;
    let result = match q.qtype {
        // `ns.dns.<zone>`: the addresses of the DNS service, for A only.
        rtype::A if base == "ns.dns" => Ok(dns_addresses(store, cfg).into_iter().map(|ip| Record::new(&q.name, cfg.ttl, RData::A(ip))).collect()),
        _ if base == "ns.dns" => Ok(Vec::new()),
        rtype::TXT if base == "dns-version" => Ok(vec![Record::new(&q.name, DNS_VERSION_TTL, RData::Txt(vec![SCHEMA_VERSION.as_bytes().to_vec()]))]),
        // Other TXT names: NODATA if the name has records of another type, else NXDOMAIN (so a
        // namespace's own name, NODATA for A, is NXDOMAIN here).
        rtype::TXT => match lookup(store, cfg, base) {
            Ok(entries) if !entries.is_empty() => Ok(Vec::new()),
            _ => Err(None),
        },
        rtype::SOA if base.is_empty() => Ok(vec![cfg.soa()]),
        rtype::SOA => Ok(Vec::new()),
        rtype::NS if base.is_empty() => Ok(vec![ns_record(store, cfg, &mut reply)]),
        rtype::A | rtype::AAAA | rtype::CNAME | rtype::SRV => match lookup(store, cfg, base) {
            Err(NoSuchName) => Err(None),
            Ok(entries) => {
                let mut extra = Vec::new();
                let (answers, chase) = records(store, cfg, q, &entries, &mut extra, 0);
                reply.additional.splice(0..0, extra);
                match chase {
                    Some(target) => {
                        reply.answers = answers;
                        Err(Some(target))
                    }
                    None => Ok(answers),
                }
            }
        },
        _ => lookup(store, cfg, base).map(|_| Vec::new()).map_err(|_| None),
    };
    finish(cfg, reply, result)
}

/// The answers; `Err(None)` for NXDOMAIN, `Err(Some(target))` for a CNAME to chase upstream
/// (the answers so far are already in the reply).
type Found = Result<Vec<Record>, Option<String>>;

fn finish(cfg: &CoreDns, mut reply: Message, result: Found) -> Outcome {
    match result {
        Ok(answers) if answers.is_empty() => {
            reply.authority.push(cfg.soa());
            Outcome::Answer(reply)
        }
        Ok(answers) => {
            reply.answers = answers;
            Outcome::Answer(reply)
        }
        Err(Some(target)) => Outcome::Chase { message: reply, target },
        Err(None) => {
            reply.header.rcode = rcode::NXDOMAIN;
            reply.authority.push(cfg.soa());
            Outcome::Answer(reply)
        }
    }
}

/// `Records`: the entries for a name below the zone.
fn lookup(store: &Store, cfg: &CoreDns, base: &str) -> Result<Vec<Entry>, NoSuchName> {
    let r = cluster::parse_request(base)?;
    match r.pod_or_svc.as_str() {
        "" => Ok(Vec::new()),
        "pod" => cluster::find_pods(store, &r, &cfg.zone),
        _ => cluster::find_services(store, &r, &cfg.zone),
    }
}

/// Records of the question's type from `entries`; a CNAME leaving the zone returns its target.
fn records(store: &Store, cfg: &CoreDns, q: &Question, entries: &[Entry], extra: &mut Vec<Record>, depth: usize) -> (Vec<Record>, Option<String>) {
    let mut out: Vec<Record> = Vec::new();
    match q.qtype {
        rtype::SRV => {
            // SRV for ExternalName services is not implemented in the plugin: they give none.
            let internal: Vec<(&Entry, Ipv4Addr)> = entries
                .iter()
                .filter_map(|e| match e.host {
                    Host::Ip(ip) => Some((e, ip)),
                    Host::Name(_) => None,
                })
                .collect();
            let weight = ((100.0 / (100.0 * internal.len() as f64)) * 100.0).floor() as u16;
            for (e, ip) in internal {
                let a = Record::new(&e.domain, cfg.ttl, RData::A(ip));
                if !extra.contains(&a) {
                    extra.push(a);
                }
                // Go's uint16 conversion: the port sentinel -1 becomes 65535.
                let data = RData::Srv { priority: 0, weight, port: e.port as u16, target: format!("{}.", e.domain) };
                let srv = Record::new(&q.name, cfg.ttl, data);
                if !out.contains(&srv) {
                    out.push(srv);
                }
            }
            (out, None)
        }
        rtype::CNAME => {
            if let Some(Entry { host: Host::Name(n), .. }) = entries.first() {
                out.push(Record::new(&q.name, cfg.ttl, RData::Cname(format!("{n}."))));
            }
            (out, None)
        }
        _ => {
            for e in entries {
                match &e.host {
                    Host::Ip(ip) if q.qtype == rtype::A => {
                        let a = Record::new(&q.name, cfg.ttl, RData::A(*ip));
                        if !out.contains(&a) {
                            out.push(a);
                        }
                    }
                    Host::Ip(_) => {}
                    Host::Name(target) => {
                        let cname = Record::new(&q.name, cfg.ttl, RData::Cname(format!("{target}.")));
                        let inside = target.eq_ignore_ascii_case(&cfg.zone) || target.to_ascii_lowercase().ends_with(&format!(".{}", cfg.zone));
                        if !inside {
                            out.push(cname);
                            return (out, Some(format!("{target}.")));
                        }
                        // A target inside the zone is looked up here, at most 8 CNAMEs deep; the
                        // CNAME is kept only if the target has records of the asked type.
                        if depth >= 7 {
                            continue;
                        }
                        let base = target.to_ascii_lowercase();
                        let base = base.strip_suffix(&cfg.zone).unwrap_or("").trim_end_matches('.').to_string();
                        if let Ok(next) = lookup(store, cfg, &base) {
                            let q2 = Question::new(target, q.qtype);
                            let (more, chase) = records(store, cfg, &q2, &next, extra, depth + 1);
                            if !more.is_empty() {
                                out.push(cname);
                                out.extend(more);
                            }
                            if chase.is_some() {
                                return (out, chase);
                            }
                        }
                    }
                }
            }
            (out, None)
        }
    }
}

/// The addresses CoreDNS serves on: the cluster IPs of `kube-system/kube-dns`.
fn dns_addresses(store: &Store, cfg: &CoreDns) -> Vec<Ipv4Addr> {
    let dns_svc = cluster::Request { service: "kube-dns".into(), namespace: "kube-system".into(), ..Default::default() };
    let mut ips: Vec<Ipv4Addr> = Vec::new();
    for e in cluster::find_services(store, &dns_svc, &cfg.zone).unwrap_or_default() {
        if let Host::Ip(ip) = e.host {
            if !ips.contains(&ip) {
                ips.push(ip);
            }
        }
    }
    ips
}

/// The apex NS record, with the DNS service's addresses in the additional section.
fn ns_record(store: &Store, cfg: &CoreDns, reply: &mut Message) -> Record {
    let ns = format!("ns.dns.{}.", cfg.zone);
    let glue = dns_addresses(store, cfg).into_iter().map(|ip| Record::new(&ns, cfg.ttl, RData::A(ip)));
    reply.additional.splice(0..0, glue);
    Record::new(&cfg.zone, cfg.ttl, RData::Ns(ns))
}

/// PTR answers for `in-addr.arpa` names the store knows; everything else goes upstream.
fn reverse(store: &Store, cfg: &CoreDns, q: &Question, name: &str, mut reply: Message) -> Outcome {
    let Some(ip) = reverse_ipv4(name) else { return Outcome::Forward };
    if q.qtype != rtype::PTR {
        return Outcome::Forward;
    }
    let names = cluster::names_for_ip(store, ip, &cfg.zone);
    if names.is_empty() {
        return Outcome::Forward;
    }
    reply.header.aa = true;
    reply.answers = names.iter().map(|n| Record::new(&q.name, cfg.ttl, RData::Ptr(format!("{n}.")))).collect();
    Outcome::Answer(reply)
}

/// `4.3.2.1.in-addr.arpa` → 1.2.3.4.
pub fn reverse_ipv4(name: &str) -> Option<Ipv4Addr> {
    let rest = name.trim_end_matches('.').to_ascii_lowercase();
    let rest = rest.strip_suffix(".in-addr.arpa")?;
    let octets: Vec<u8> = rest.split('.').map(|o| o.parse().ok().filter(|_| !(o.len() > 1 && o.starts_with('0')))).collect::<Option<_>>()?;
    let [d, c, b, a] = <[u8; 4]>::try_from(octets).ok()?;
    Some(Ipv4Addr::new(a, b, c, d))
}

/// `1.2.3.4` → `4.3.2.1.in-addr.arpa.`.
pub fn reverse_name(ip: Ipv4Addr) -> String {
    let [a, b, c, d] = ip.octets();
    format!("{d}.{c}.{b}.{a}.in-addr.arpa.")
}

/// The EDNS options CoreDNS copies back from a query (NSID, EXPIRE, COOKIE, TCP keepalive, padding).
const SUPPORTED_OPTIONS: [u16; 5] = [3, 9, 10, 11, 12];

/// CoreDNS's `SizeAndDo`: the query's OPT reused, version 0, the DO bit kept, supported options kept.
fn reply_opt(opt: &Record) -> Record {
    let mut kept = Vec::new();
    if let RData::Opt(data) = &opt.data {
        let mut rest = data.as_slice();
        while rest.len() >= 4 {
            let code = u16::from_be_bytes([rest[0], rest[1]]);
            let len = usize::from(u16::from_be_bytes([rest[2], rest[3]]));
            let Some(option) = rest.get(..4 + len) else { break };
            if SUPPORTED_OPTIONS.contains(&code) {
                kept.extend_from_slice(option);
            }
            rest = &rest[4 + len..];
        }
    }
    Record { name: ".".into(), class: opt.class, ttl: opt.ttl & 0x0000_ff00, data: RData::Opt(kept) }
}

/// The bytes CoreDNS sends for `reply` to `query` over UDP. miekg's `Truncate` leaves a reply
/// that fits the client's size (its EDNS UDP size, else 512) uncompressed; a larger one is
/// compressed and keeps the answer, authority and additional records that fit, in that order,
/// with TC set if answer or authority records were dropped (the client then retries over TCP,
/// which this model does not carry).
pub fn wire(reply: &Message, query: &Message) -> Result<Vec<u8>, String> {
    let size = query.opt().map_or(512, |o| usize::from(o.class).max(512));
    let plain = reply.emit_uncompressed()?;
    if plain.len() <= size {
        return Ok(plain);
    }
    let opt: Vec<Record> = reply.additional.iter().filter(|r| r.rtype() == rtype::OPT).cloned().collect();
    let opt_len: usize = opt.iter().map(|r| 11 + if let RData::Opt(d) = &r.data { d.len() } else { 0 }).sum();
    let budget = size.saturating_sub(opt_len);
    let mut cut = Message { header: reply.header, questions: reply.questions.clone(), ..Message::default() };
    let extra: Vec<Record> = reply.additional.iter().filter(|r| r.rtype() != rtype::OPT).cloned().collect();
    'fill: for (i, records) in [reply.answers.clone(), reply.authority.clone(), extra].into_iter().enumerate() {
        for r in records {
            section_mut(&mut cut, i).push(r);
            if cut.emit()?.len() > budget {
                section_mut(&mut cut, i).pop();
                cut.header.tc |= i < 2;
                break 'fill;
            }
        }
    }
    cut.additional.extend(opt);
    cut.emit()
}

/// Answer, authority or additional records of `m`, by index.
fn section_mut(m: &mut Message, i: usize) -> &mut Vec<Record> {
    match i {
        0 => &mut m.answers,
        1 => &mut m.authority,
        _ => &mut m.additional,
    }
}
