//! Reading DNS messages from bytes. Every length and offset is checked: a short packet, a
//! compression pointer outside the packet or not pointing strictly backwards (which also rules
//! out loops), an over-long name or record data that disagrees with its length is an error,
//! never a panic.

use std::net::{Ipv4Addr, Ipv6Addr};

use super::message::{rtype, Header, Message, Question, RData, Record};

impl Message {
    /// Parses a whole message from its wire form.
    pub fn parse(bytes: &[u8]) -> Result<Message, String> {
        parse(bytes)
    }
}

/// Parses a whole message.
pub fn parse(bytes: &[u8]) -> Result<Message, String> {
    let mut r = Reader { buf: bytes, pos: 0 };
    let id = r.u16()?;
    let flags = r.u16()?;
    let counts = [r.u16()?, r.u16()?, r.u16()?, r.u16()?];
    let mut msg = Message { header: Header::from_flags(id, flags), ..Message::default() };
    for _ in 0..counts[0] {
        let name = r.name()?;
        msg.questions.push(Question { name, qtype: r.u16()?, qclass: r.u16()? });
    }
    for (i, section) in [&mut msg.answers, &mut msg.authority, &mut msg.additional].into_iter().enumerate() {
        for _ in 0..counts[i + 1] {
            section.push(r.record()?);
        }
    }
    if r.pos != bytes.len() {
        return Err(format!("{} trailing bytes after the last record", bytes.len() - r.pos));
    }
    Ok(msg)
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], String> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.buf.len());
        let end = end.ok_or_else(|| format!("message truncated at offset {} (need {n} more bytes)", self.pos))?;
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    fn u8(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }

    fn u16(&mut self) -> Result<u16, String> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    fn u32(&mut self) -> Result<u32, String> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// A name at the cursor, following pointers; the cursor ends after the name's own bytes.
    fn name(&mut self) -> Result<String, String> {
        let (name, end) = read_name(self.buf, self.pos)?;
        self.pos = end;
        Ok(name)
    }

    fn record(&mut self) -> Result<Record, String> {
        let name = self.name()?;
        let t = self.u16()?;
        let class = self.u16()?;
        let ttl = self.u32()?;
        let len = usize::from(self.u16()?);
        let start = self.pos;
        let end = start + len;
        if end > self.buf.len() {
            return Err(format!("record data of {name} runs past the end of the message"));
        }
        let data = match t {
            rtype::A => RData::A(Ipv4Addr::from(<[u8; 4]>::try_from(self.take(len)?).map_err(|_| bad_len(&name, "A"))?)),
            rtype::AAAA => RData::Aaaa(Ipv6Addr::from(<[u8; 16]>::try_from(self.take(len)?).map_err(|_| bad_len(&name, "AAAA"))?)),
            rtype::NS => RData::Ns(self.name()?),
            rtype::CNAME => RData::Cname(self.name()?),
            rtype::PTR => RData::Ptr(self.name()?),
            rtype::SOA => RData::Soa {
                mname: self.name()?,
                rname: self.name()?,
                serial: self.u32()?,
                refresh: self.u32()?,
                retry: self.u32()?,
                expire: self.u32()?,
                minimum: self.u32()?,
            },
            rtype::TXT => {
                let mut strings = Vec::new();
                while self.pos < end {
                    let n = usize::from(self.u8()?);
                    strings.push(self.take(n)?.to_vec());
                }
                RData::Txt(strings)
            }
            rtype::SRV => RData::Srv { priority: self.u16()?, weight: self.u16()?, port: self.u16()?, target: self.name()? },
            rtype::OPT => RData::Opt(self.take(len)?.to_vec()),
            _ => RData::Other { rtype: t, data: self.take(len)?.to_vec() },
        };
        if self.pos != end {
            return Err(bad_len(&name, &super::message::type_text(t)));
        }
        Ok(Record { name, class, ttl, data })
    }
}

fn bad_len(name: &str, t: &str) -> String {
    format!("{t} record of {name} has a data length that does not match its content")
}

/// Reads the name at `start`; returns it and the offset just after its bytes at `start`.
fn read_name(buf: &[u8], start: usize) -> Result<(String, usize), String> {
    let mut out = String::new();
    let mut pos = start;
    let mut end = None;
    let mut wire_len = 1;
    loop {
        let len = *buf.get(pos).ok_or_else(|| format!("name at offset {start} runs past the end of the message"))?;
        match len & 0xc0 {
            0x00 if len == 0 => break,
            0x00 => {
                let len = usize::from(len);
                let label = buf.get(pos + 1..pos + 1 + len);
                let label = label.ok_or_else(|| format!("label at offset {pos} runs past the end of the message"))?;
                wire_len += len + 1;
                if wire_len > 255 {
                    return Err(format!("name at offset {start} is longer than 255 octets"));
                }
                push_label(&mut out, label);
                pos += 1 + len;
            }
            0xc0 => {
                let low = *buf.get(pos + 1).ok_or_else(|| format!("compression pointer at offset {pos} is cut short"))?;
                let target = (usize::from(len & 0x3f) << 8) | usize::from(low);
                if target >= buf.len() {
                    return Err(format!("compression pointer at offset {pos} points outside the message ({target})"));
                }
                if target >= pos {
                    return Err(format!("compression pointer at offset {pos} does not point backwards ({target}): a loop"));
                }
                end.get_or_insert(pos + 2);
                pos = target;
            }
            _ => return Err(format!("unsupported label type 0x{len:02x} at offset {pos}")),
        }
    }
    if out.is_empty() {
        out.push('.');
    }
    Ok((out, end.unwrap_or(pos + 1)))
}

/// Appends a label in presentation form: `.` and `\` escaped, non-printable bytes as `\DDD`.
fn push_label(out: &mut String, label: &[u8]) {
    for &b in label {
        match b {
            b'.' | b'\\' => {
                out.push('\\');
                out.push(char::from(b));
            }
            0x21..=0x7e => out.push(char::from(b)),
            _ => out.push_str(&format!("\\{b:03}")),
        }
    }
    out.push('.');
}
