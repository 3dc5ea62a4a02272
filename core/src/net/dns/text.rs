//! Records in bind's presentation form (`dns_rdata_totext`, masterdump's column layout), shared
//! by `dig` and `nslookup`.

use super::message::{type_text, RData, Record, CLASS_IN};

/// The record data as bind prints it.
pub fn rdata_text(data: &RData) -> String {
    match data {
        RData::A(ip) => ip.to_string(),
        RData::Aaaa(ip) => ip.to_string(),
        RData::Ns(n) | RData::Cname(n) | RData::Ptr(n) => n.clone(),
        RData::Soa { mname, rname, serial, refresh, retry, expire, minimum } => {
            format!("{mname} {rname} {serial} {refresh} {retry} {expire} {minimum}")
        }
        RData::Txt(strings) => strings.iter().map(|s| quoted(s)).collect::<Vec<_>>().join(" "),
        RData::Srv { priority, weight, port, target } => format!("{priority} {weight} {port} {target}"),
        RData::Opt(data) | RData::Other { data, .. } => {
            let hex: String = data.iter().map(|b| format!("{b:02X}")).collect();
            if hex.is_empty() {
                "\\# 0".to_string()
            } else {
                format!("\\# {} {hex}", data.len())
            }
        }
    }
}

/// A character-string in double quotes, `"` and `\` escaped, other non-printables as `\DDD`.
fn quoted(s: &[u8]) -> String {
    let mut out = String::from("\"");
    for &b in s {
        match b {
            b'"' | b'\\' => {
                out.push('\\');
                out.push(char::from(b));
            }
            0x20..=0x7e => out.push(char::from(b)),
            _ => out.push_str(&format!("\\{b:03}")),
        }
    }
    out.push('"');
    out
}

/// The class mnemonic (`IN`, else `CLASS<n>`).
pub fn class_text(class: u16) -> String {
    if class == CLASS_IN {
        "IN".to_string()
    } else {
        format!("CLASS{class}")
    }
}

/// Columns of dig's layout: TTL at 24, class at 32, type at 40, data at 48 (tabs of 8).
const TTL_COLUMN: usize = 24;
const CLASS_COLUMN: usize = 32;
const TYPE_COLUMN: usize = 40;
const RDATA_COLUMN: usize = 48;

/// Moves to column `to` as masterdump's `indent` does: tabs to reach it, or one space if the
/// text already reaches it.
fn indent(out: &mut String, column: &mut usize, to: usize) {
    if *column >= to {
        out.push(' ');
        *column += 1;
        return;
    }
    let tabs = to / 8 - *column / 8;
    for _ in 0..tabs {
        out.push('\t');
    }
    *column = to;
}

fn push(out: &mut String, column: &mut usize, text: &str) {
    out.push_str(text);
    *column += text.len();
}

/// One resource record line, as dig prints it in a section (no newline).
pub fn record_line(r: &Record) -> String {
    let (mut out, mut col) = (String::new(), 0);
    push(&mut out, &mut col, &r.name);
    indent(&mut out, &mut col, TTL_COLUMN);
    push(&mut out, &mut col, &r.ttl.to_string());
    indent(&mut out, &mut col, CLASS_COLUMN);
    push(&mut out, &mut col, &class_text(r.class));
    indent(&mut out, &mut col, TYPE_COLUMN);
    push(&mut out, &mut col, &type_text(r.rtype()));
    indent(&mut out, &mut col, RDATA_COLUMN);
    out.push_str(&rdata_text(&r.data));
    out
}

/// A question line: `;<name>`, class and type in their columns (no newline).
pub fn question_line(name: &str, qclass: u16, qtype: u16) -> String {
    let (mut out, mut col) = (String::new(), 0);
    push(&mut out, &mut col, &format!(";{name}"));
    indent(&mut out, &mut col, CLASS_COLUMN);
    push(&mut out, &mut col, &class_text(qclass));
    indent(&mut out, &mut col, TYPE_COLUMN);
    push(&mut out, &mut col, &type_text(qtype));
    out
}

/// A name as `dns_name_format` prints it: without the final dot (the root stays `.`).
pub fn bare(name: &str) -> &str {
    if name == "." {
        name
    } else {
        name.strip_suffix('.').unwrap_or(name)
    }
}
