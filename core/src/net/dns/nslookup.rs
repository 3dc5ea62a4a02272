//! `nslookup`'s output (bind 9, Debian's dnsutils) from the responses it received.
//!
//! bind's nslookup walks the search list itself in glibc's order (`search::candidates`), moving
//! to the next name only after NXDOMAIN. With no `-type`, it asks A, and after a successful A
//! answer AAAA for the name the CNAME chain ends at; the A answer prints the `Server:` block,
//! AAAA answers print only their records. A reverse lookup (an address argument) asks PTR and
//! prints no `Server:` block. Names print without the final dot; the output ends with a blank
//! line.

use std::net::Ipv4Addr;

use super::message::{rcode, rcode_text, rtype, Message, RData};
use super::text::{bare, rdata_text};

/// The text nslookup printed. `asked` is the name as typed; `typed` is whether `-type=` was
/// given; `responses` are all responses in the order received (search-list misses included).
pub fn output(server: Ipv4Addr, asked: &str, typed: bool, responses: &[Message]) -> String {
    let default_lookups = !typed;
    let mut out = String::new();
    let mut a_noanswer = false;
    for (i, msg) in responses.iter().enumerate() {
        let Some(q) = msg.questions.first() else { continue };
        let qtype = q.qtype;
        let next_same = responses.get(i + 1).and_then(|m| m.questions.first()).is_some_and(|n| n.qtype == qtype);
        if msg.header.rcode == rcode::NXDOMAIN && next_same {
            // A search-list miss: nslookup tries the next name silently.
            continue;
        }
        if !default_lookups || qtype == rtype::A {
            out.push_str(&format!("Server:\t\t{server}\nAddress:\t{server}#53\n\n"));
        }
        if msg.header.rcode != rcode::NOERROR {
            out.push_str(&format!("** server can't find {}: {}\n", bare(&q.name), rcode_text(msg.header.rcode)));
            continue;
        }
        if !msg.header.aa && (!default_lookups || qtype == rtype::A) {
            out.push_str("Non-authoritative answer:\n");
        }
        if msg.answers.is_empty() {
            let textname = if qtype == rtype::AAAA && default_lookups { bare(&q.name) } else { asked };
            if default_lookups && qtype == rtype::A {
                a_noanswer = true;
            } else if !default_lookups || (qtype == rtype::AAAA && a_noanswer) {
                out.push_str(&format!("*** Can't find {textname}: No answer\n"));
            }
        } else {
            for r in &msg.answers {
                out.push_str(&answer_line(r, true));
            }
        }
        if !msg.header.aa && qtype != rtype::A && qtype != rtype::AAAA {
            out.push_str("\nAuthoritative answers can be found from:\n");
            for r in msg.authority.iter().chain(msg.additional.iter().filter(|r| r.rtype() != rtype::OPT)) {
                out.push_str(&answer_line(r, false));
            }
        }
    }
    out.push('\n');
    out
}

/// One record as nslookup's `printsection` prints it (addresses get `Name:`/`Address:` lines
/// only in the answer section).
fn answer_line(r: &super::message::Record, in_answer: bool) -> String {
    let name = bare(&r.name);
    match &r.data {
        RData::A(_) | RData::Aaaa(_) if in_answer => format!("Name:\t{name}\nAddress: {}\n", rdata_text(&r.data)),
        RData::Soa { mname, rname, serial, refresh, retry, expire, minimum } => format!(
            "{name}\n\torigin = {}\n\tmail addr = {}\n\tserial = {serial}\n\trefresh = {refresh}\n\tretry = {retry}\n\texpire = {expire}\n\tminimum = {minimum}\n",
            bare(mname),
            bare(rname)
        ),
        data => format!("{name}\t{}{}\n", label(data.rtype()), rdata_text(data)),
    }
}

/// The words nslookup puts before a record's data (its `rtypetext` table).
fn label(t: u16) -> String {
    match t {
        rtype::A => "internet address = ".into(),
        rtype::AAAA => "has AAAA address ".into(),
        rtype::NS => "nameserver = ".into(),
        rtype::CNAME => "canonical name = ".into(),
        rtype::PTR => "name = ".into(),
        rtype::MX => "mail exchanger = ".into(),
        rtype::TXT => "text = ".into(),
        rtype::SRV => "service = ".into(),
        _ => format!("rdata_{t} = "),
    }
}
