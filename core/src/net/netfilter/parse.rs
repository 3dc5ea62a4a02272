//! Reading rules: one rule specification (`-d 10.96.0.10/32 -p udp -m udp --dport 53 -j
//! KUBE-SVC-…`). The `iptables-restore` format is read in `restore.rs`.

use std::net::Ipv4Addr;

use ipnet::Ipv4Net;

pub use super::restore::restore;
use super::rule::{probability_fixed, CtState, Match, Ports, Recent, Rule, SetDir, Target};

/// Splits a line into words as the shell would for these commands: double quotes group, a
/// backslash escapes the next character inside them. Words without quotes borrow the line.
pub fn words(line: &str) -> Result<Vec<std::borrow::Cow<'_, str>>, String> {
    use std::borrow::Cow;
    let mut out = Vec::new();
    let bytes = line.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= bytes.len() {
            break;
        }
        let start = i;
        while i < bytes.len() && !bytes[i].is_ascii_whitespace() && bytes[i] != b'"' {
            i += 1;
        }
        if i >= bytes.len() || bytes[i].is_ascii_whitespace() {
            out.push(Cow::Borrowed(&line[start..i]));
            continue;
        }
        // A quote inside the word: build it character by character.
        let mut cur = String::from(&line[start..i]);
        let mut quoted = false;
        let mut chars = line[i..].char_indices();
        let mut end = line.len();
        while let Some((off, c)) = chars.next() {
            match c {
                '"' => quoted = !quoted,
                '\\' if quoted => {
                    if let Some((_, n)) = chars.next() {
                        cur.push(n);
                    }
                }
                c if c.is_whitespace() && !quoted => {
                    end = i + off;
                    break;
                }
                c => cur.push(c),
            }
        }
        if quoted {
            return Err("unterminated quoted string".to_string());
        }
        out.push(Cow::Owned(cur));
        i = end;
    }
    Ok(out)
}

fn protocol_number(p: &str) -> Result<u8, String> {
    Ok(match p {
        "tcp" => 6,
        "udp" => 17,
        "icmp" => 1,
        "sctp" => 132,
        "all" => 0,
        n => n.parse().map_err(|_| format!("unknown protocol \"{p}\" specified"))?,
    })
}

pub fn protocol_name(n: u8) -> String {
    match n {
        6 => "tcp".into(),
        17 => "udp".into(),
        1 => "icmp".into(),
        132 => "sctp".into(),
        n => n.to_string(),
    }
}

fn net(s: &str) -> Result<Ipv4Net, String> {
    if let Ok(n) = s.parse::<Ipv4Net>() {
        return Ok(n.trunc());
    }
    s.parse::<Ipv4Addr>().map(|a| Ipv4Net::new(a, 32).expect("32 is a valid prefix")).map_err(|_| format!("host/network `{s}' not found"))
}

fn ports(s: &str) -> Result<Ports, String> {
    let bad = || format!("invalid port/service `{s}' specified");
    match s.split_once(':') {
        Some((a, b)) => Ok(Ports { lo: a.parse().map_err(|_| bad())?, hi: b.parse().map_err(|_| bad())? }),
        None => {
            let p = s.parse().map_err(|_| bad())?;
            Ok(Ports { lo: p, hi: p })
        }
    }
}

fn number(s: &str) -> Result<u32, String> {
    let r = match s.strip_prefix("0x") {
        Some(h) => u32::from_str_radix(h, 16),
        None => s.parse(),
    };
    r.map_err(|_| format!("Bad value `{s}'"))
}

fn value_mask(s: &str) -> Result<(u32, u32), String> {
    match s.split_once('/') {
        Some((v, m)) => Ok((number(v)?, number(m)?)),
        None => Ok((number(s)?, u32::MAX)),
    }
}

/// Parses the words of one rule after `-A CHAIN`.
pub fn rule<S: AsRef<str>>(args: &[S]) -> Result<Rule, String> {
    let mut r = Rule::new(Target::None);
    let mut i = 0;
    let mut neg = false;
    let mut module = String::new();
    let next = |i: &mut usize, opt: &str| -> Result<String, String> {
        *i += 1;
        args.get(*i).map(|s| s.as_ref().to_string()).ok_or_else(|| format!("option \"{opt}\" requires an argument"))
    };
    let next_str = |i: &mut usize, opt: &str| -> Result<&str, String> {
        *i += 1;
        args.get(*i).map(|s| s.as_ref()).ok_or_else(|| format!("option \"{opt}\" requires an argument"))
    };
    while i < args.len() {
        let a = args[i].as_ref();
        match a {
            "!" => {
                neg = true;
                i += 1;
                continue;
            }
            "-s" | "--source" => r.src = Some((net(next_str(&mut i, a)?)?, neg)),
            "-d" | "--destination" => r.dst = Some((net(next_str(&mut i, a)?)?, neg)),
            "-p" | "--protocol" => r.proto = Some((protocol_number(next_str(&mut i, a)?)?, neg)),
            "-i" | "--in-interface" => r.in_iface = Some((next(&mut i, a)?, neg)),
            "-o" | "--out-interface" => r.out_iface = Some((next(&mut i, a)?, neg)),
            "-m" | "--match" => {
                module = next(&mut i, a)?;
                if matches!(module.as_str(), "tcp" | "udp" | "sctp") {
                    r.matches.push(Match::L4(module.clone()));
                }
            }
            "--dport" | "--destination-port" | "--sport" | "--source-port" => {
                let p = ports(next_str(&mut i, a)?)?;
                if !r.matches.iter().any(|m| matches!(m, Match::L4(_))) {
                    let proto = r.proto.map(|(p, _)| protocol_name(p)).ok_or("unknown option \"--dport\": use -p tcp or udp first")?;
                    r.matches.push(Match::L4(proto));
                }
                if matches!(a, "--dport" | "--destination-port") {
                    r.dport = Some((p, neg));
                } else {
                    r.sport = Some((p, neg));
                }
            }
            "--dports" | "--sports" => {
                let list = next(&mut i, a)?.split(',').map(ports).collect::<Result<Vec<_>, _>>()?;
                r.matches.push(Match::MultiPort { ports: list, dst: a == "--dports" });
            }
            "--comment" => r.matches.push(Match::Comment(super::share::text(next_str(&mut i, a)?))),
            "--nfacct-name" => r.matches.push(Match::Nfacct(next(&mut i, a)?)),
            "--mark" => {
                let (value, mask) = value_mask(&next(&mut i, a)?)?;
                r.matches.push(Match::Mark { value, mask, neg });
            }
            "--ctstate" | "--state" => {
                let text = next(&mut i, a)?;
                let mut states = Vec::new();
                let mut dnat = false;
                for s in text.split(',') {
                    match s {
                        "DNAT" => dnat = true,
                        s => states.push(CtState::parse(s).ok_or_else(|| format!("Bad ctstate \"{s}\""))?),
                    }
                }
                r.matches.push(Match::CtState { states, dnat, neg });
            }
            "--src-type" | "--dst-type" => {
                let t = next(&mut i, a)?;
                if t != "LOCAL" {
                    return Err(format!("addrtype: only LOCAL is modelled, not {t}"));
                }
                r.matches.push(Match::AddrType { src: a == "--src-type", neg });
            }
            "--mode" => {
                if next(&mut i, a)? != "random" {
                    return Err("statistic: only --mode random is modelled".to_string());
                }
            }
            "--probability" => {
                let text = next(&mut i, a)?;
                let p: f64 = text.parse().map_err(|_| format!("statistic: bad --probability \"{text}\""))?;
                if !(0.0..=1.0).contains(&p) {
                    return Err("statistic: --probability must be between 0 and 1".to_string());
                }
                r.matches.push(Match::Random { fixed: probability_fixed(p) });
            }
            "--name" => {
                recent(&mut r).name = next(&mut i, a)?;
            }
            "--set" if module == "recent" => recent(&mut r).set = true,
            "--rcheck" => {
                recent(&mut r);
            }
            "--seconds" => {
                let s = next(&mut i, a)?;
                recent(&mut r).seconds = Some(s.parse().map_err(|_| format!("recent: bad --seconds \"{s}\""))?);
            }
            "--reap" => recent(&mut r).reap = true,
            "--mask" | "--rsource" if module == "recent" => {
                if a == "--mask" {
                    i += 1;
                }
            }
            "--match-set" => {
                let name = next(&mut i, a)?;
                let dirs = next(&mut i, a)?
                    .split(',')
                    .map(|d| match d {
                        "src" => Ok(SetDir::Src),
                        "dst" => Ok(SetDir::Dst),
                        _ => Err(format!("set: bad direction \"{d}\"")),
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                r.matches.push(Match::Set { name, dirs, neg });
            }
            "-j" | "--jump" | "-g" | "--goto" => {
                let t = next(&mut i, a)?;
                r.target = match t.as_str() {
                    "ACCEPT" => Target::Accept,
                    "DROP" => Target::Drop,
                    "RETURN" => Target::Return,
                    "REJECT" => Target::Reject { with: "icmp-port-unreachable".into() },
                    "MASQUERADE" => Target::Masquerade { random_fully: false },
                    "DNAT" | "SNAT" | "REDIRECT" | "MARK" => Target::Continue(t.clone()),
                    "LOG" | "TRACE" | "NOTRACK" | "CT" => Target::Continue(t.clone()),
                    _ if a.starts_with("-g") || a == "--goto" => Target::Goto(t.clone()),
                    _ => Target::Jump(t.clone()),
                };
            }
            "--to-destination" => {
                let v = next(&mut i, a)?;
                let (ip, port) = match v.split_once(':') {
                    Some((ip, p)) => (ip, Some(p.parse().map_err(|_| format!("DNAT: bad port \"{p}\""))?)),
                    None => (v.as_str(), None),
                };
                let ip = ip.parse().map_err(|_| format!("DNAT: bad IP address \"{ip}\""))?;
                r.target = Target::Dnat { ip, port };
            }
            "--to-source" => {
                let v = next(&mut i, a)?;
                r.target = Target::Snat { ip: v.parse().map_err(|_| format!("SNAT: bad IP address \"{v}\""))? };
            }
            "--to-ports" => {
                let v = next(&mut i, a)?;
                r.target = Target::Redirect { port: v.parse().map_err(|_| format!("REDIRECT: bad port \"{v}\""))? };
            }
            "--random-fully" => r.target = Target::Masquerade { random_fully: true },
            "--random" => {}
            "--set-xmark" | "--set-mark" => {
                let (value, mask) = value_mask(&next(&mut i, a)?)?;
                r.target = Target::Mark { value, mask };
            }
            "--or-mark" => {
                let v = number(&next(&mut i, a)?)?;
                r.target = Target::Mark { value: v, mask: v };
            }
            "--xor-mark" => {
                let v = number(&next(&mut i, a)?)?;
                r.target = Target::Mark { value: v, mask: 0 };
            }
            "--reject-with" => r.target = Target::Reject { with: next(&mut i, a)? },
            other => return Err(format!("unknown option \"{other}\"")),
        }
        neg = false;
        i += 1;
    }
    if let Target::Continue(name) = &r.target {
        if matches!(name.as_str(), "DNAT" | "SNAT" | "REDIRECT" | "MARK") {
            return Err(format!("{name}: missing its target options"));
        }
    }
    r.matches.shrink_to_fit();
    Ok(r)
}

/// The rule's `recent` match, added (list `DEFAULT`, as the module's default) if absent.
fn recent(r: &mut Rule) -> &mut Recent {
    if !r.matches.iter().any(|m| matches!(m, Match::Recent(_))) {
        r.matches.push(Match::Recent(Recent { name: "DEFAULT".into(), set: false, seconds: None, reap: false }));
    }
    match r.matches.iter_mut().rev().find(|m| matches!(m, Match::Recent(_))) {
        Some(Match::Recent(rc)) => rc,
        _ => unreachable!("a recent match was pushed above"),
    }
}
