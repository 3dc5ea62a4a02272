//! `dig`'s default output (bind 9.18, Debian's dnsutils) for one query and its response.
//!
//! EDNS is modelled: dig sends an OPT record (UDP size 1232) with an 8-byte client COOKIE and
//! the AD bit; CoreDNS copies the OPT into its reply, keeping the COOKIE option it supports, so
//! dig shows `; COOKIE: … (echoed)`. `MSG SIZE  rcvd` is the length of the bytes received.

use std::net::Ipv4Addr;

use super::message::{rcode_text, rtype, Header, Message, Question, RData, Record};
use super::parse::parse;
use super::text::{question_line, record_line};
use crate::time::{civil_from_days, unix_secs, SimTime};

/// The version dig prints in its banner.
pub const DIG_VERSION: &str = "9.18.33-1~deb12u2-Debian";
/// dig's advertised EDNS UDP payload size.
pub const DIG_UDP_SIZE: u16 = 1232;
/// The EDNS option code of COOKIE (RFC 7873).
const COOKIE: u16 = 10;

/// The query dig sends for `name` (absolute: dig does not use the search list by default).
pub fn query(id: u16, name: &str, qtype: u16, client_cookie: [u8; 8]) -> Message {
    let mut m = Message::query(id, Question::new(name, qtype));
    m.header.ad = true;
    let mut opt = Record::opt(DIG_UDP_SIZE);
    let mut data = Vec::with_capacity(12);
    data.extend_from_slice(&COOKIE.to_be_bytes());
    data.extend_from_slice(&8u16.to_be_bytes());
    data.extend_from_slice(&client_cookie);
    opt.data = RData::Opt(data);
    m.additional.push(opt);
    m
}

/// What one `dig` run printed: `args` as typed after `dig`, the server asked, the response bytes
/// received, how long it took and when (the simulated clock).
pub fn output(args: &str, server: Ipv4Addr, received: &[u8], query_ms: u64, when: SimTime) -> Result<String, String> {
    let msg = parse(received)?;
    let h = msg.header;
    let mut out = format!("\n; <<>> DiG {DIG_VERSION} <<>> {args}\n;; global options: +cmd\n;; Got answer:\n");
    out.push_str(&format!(";; ->>HEADER<<- opcode: {}, status: {}, id: {}\n", opcode_text(h.opcode), rcode_text(h.rcode), h.id));
    out.push_str(&format!(
        ";; flags:{}; QUERY: {}, ANSWER: {}, AUTHORITY: {}, ADDITIONAL: {}\n",
        flags_text(&h),
        msg.questions.len(),
        msg.answers.len(),
        msg.authority.len(),
        msg.additional.len()
    ));
    if h.rd && !h.ra {
        out.push_str(";; WARNING: recursion requested but not available\n");
    }
    out.push('\n');
    if let Some(opt) = msg.opt() {
        out.push_str(&opt_text(opt));
    }
    out.push_str(";; QUESTION SECTION:\n");
    for q in &msg.questions {
        out.push_str(&question_line(&q.name, q.qclass, q.qtype));
        out.push('\n');
    }
    out.push('\n');
    let additional: Vec<&Record> = msg.additional.iter().filter(|r| r.rtype() != rtype::OPT).collect();
    for (title, records) in [("ANSWER", msg.answers.iter().collect::<Vec<_>>()), ("AUTHORITY", msg.authority.iter().collect()), ("ADDITIONAL", additional)] {
        if records.is_empty() {
            continue;
        }
        out.push_str(&format!(";; {title} SECTION:\n"));
        for r in records {
            out.push_str(&record_line(r));
            out.push('\n');
        }
        out.push('\n');
    }
    out.push_str(&format!(";; Query time: {query_ms} msec\n"));
    out.push_str(&format!(";; SERVER: {server}#53({server}) (UDP)\n"));
    out.push_str(&format!(";; WHEN: {}\n", when_text(when)));
    out.push_str(&format!(";; MSG SIZE  rcvd: {}\n\n", received.len()));
    Ok(out)
}

fn opcode_text(op: u8) -> String {
    match op {
        0 => "QUERY".into(),
        1 => "IQUERY".into(),
        2 => "STATUS".into(),
        4 => "NOTIFY".into(),
        5 => "UPDATE".into(),
        n => format!("RESERVED{n}"),
    }
}

/// ` qr aa rd` (each set flag with a leading space, in bind's order).
fn flags_text(h: &Header) -> String {
    let flags = [(h.qr, "qr"), (h.aa, "aa"), (h.tc, "tc"), (h.rd, "rd"), (h.ra, "ra"), (h.ad, "ad"), (h.cd, "cd")];
    flags.iter().filter(|(on, _)| *on).map(|(_, f)| format!(" {f}")).collect()
}

/// The OPT pseudo-section: version, flags, UDP size, and a COOKIE option if present.
fn opt_text(opt: &Record) -> String {
    let version = (opt.ttl >> 16) & 0xff;
    let flags = if opt.ttl & 0x8000 != 0 { " do" } else { "" };
    let mut out = format!(";; OPT PSEUDOSECTION:\n; EDNS: version: {version}, flags:{flags}; udp: {}\n", opt.class);
    let RData::Opt(data) = &opt.data else { return out };
    let mut rest = data.as_slice();
    while rest.len() >= 4 {
        let code = u16::from_be_bytes([rest[0], rest[1]]);
        let len = usize::from(u16::from_be_bytes([rest[2], rest[3]]));
        let Some(value) = rest.get(4..4 + len) else { break };
        if code == COOKIE {
            let hex: String = value.iter().map(|b| format!("{b:02x}")).collect();
            let status = if len == 8 { " (echoed)" } else { "" };
            out.push_str(&format!("; COOKIE: {hex}{status}\n"));
        }
        rest = &rest[4 + len..];
    }
    out
}

/// `Mon Jan 01 00:00:00 UTC 2024` (strftime's `%a %b %d %H:%M:%S %Z %Y`).
pub fn when_text(t: SimTime) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let secs = unix_secs(t);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let weekday = DAYS[days.rem_euclid(7) as usize];
    let month = MONTHS[(m as usize).saturating_sub(1).min(11)];
    format!("{weekday} {month} {d:02} {:02}:{:02}:{:02} UTC {y}", rem / 3600, (rem % 3600) / 60, rem % 60)
}
