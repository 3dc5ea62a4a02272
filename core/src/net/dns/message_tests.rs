//! Wire format against hand-assembled packets; parsing of hostile input.

use std::net::Ipv4Addr;

use super::message::{rcode, rtype, Header, Message, Question, RData, Record};
use super::parse::parse;

/// `3web4shop3svc7cluster5local0`.
fn name_bytes(name: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for l in name.trim_end_matches('.').split('.') {
        out.push(l.len() as u8);
        out.extend_from_slice(l.as_bytes());
    }
    out.push(0);
    out
}

fn header(id: u16, flags: u16, counts: [u16; 4]) -> Vec<u8> {
    let mut out = vec![(id >> 8) as u8, id as u8, (flags >> 8) as u8, flags as u8];
    for c in counts {
        out.extend_from_slice(&c.to_be_bytes());
    }
    out
}

fn query_bytes() -> Vec<u8> {
    let mut b = header(0x1234, 0x0100, [1, 0, 0, 0]);
    b.extend(name_bytes("web.shop.svc.cluster.local"));
    b.extend([0, 1, 0, 1]);
    b
}

#[test]
fn query_is_byte_exact_and_parses_back() {
    let q = Message::query(0x1234, Question::new("web.shop.svc.cluster.local", rtype::A));
    let bytes = q.emit().unwrap();
    assert_eq!(bytes, query_bytes());
    assert_eq!(&bytes[..12], &[0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
    assert_eq!(bytes.len(), 12 + 28 + 4);
    assert_eq!(parse(&bytes).unwrap(), q);
}

#[test]
fn answer_owner_points_at_the_question() {
    let mut m = Message::query(0x1234, Question::new("web.shop.svc.cluster.local", rtype::A));
    m.header = Header { id: 0x1234, qr: true, aa: true, rd: true, ..Header::default() };
    m.answers.push(Record::new("web.shop.svc.cluster.local", 5, RData::A(Ipv4Addr::new(10, 96, 12, 34))));
    let mut expect = header(0x1234, 0x8500, [1, 1, 0, 0]);
    expect.extend(name_bytes("web.shop.svc.cluster.local"));
    expect.extend([0, 1, 0, 1]);
    expect.extend([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 5, 0, 4, 10, 96, 12, 34]);
    assert_eq!(m.emit().unwrap(), expect);
    // Uncompressed, the owner is written in full.
    let plain = m.emit_uncompressed().unwrap();
    assert_eq!(plain.len(), expect.len() - 2 + 28);
    assert_eq!(parse(&plain).unwrap(), m);
    assert_eq!(parse(&expect).unwrap(), m);
}

#[test]
fn cname_data_offers_suffixes_and_srv_targets_are_written_in_full() {
    let mut m = Message::query(7, Question::new("foo.shop.svc.cluster.local", rtype::A));
    m.header.qr = true;
    m.answers.push(Record::new("foo.shop.svc.cluster.local", 5, RData::Cname("www.example.com.".into())));
    m.answers.push(Record::new("www.example.com", 60, RData::A(Ipv4Addr::new(93, 184, 216, 34))));
    let b = m.emit().unwrap();
    // Question name at 12..40, type/class to 44; CNAME owner is a pointer to 12; its data at 56.
    assert_eq!(&b[44..46], &[0xc0, 0x0c]);
    assert_eq!(&b[56..73], name_bytes("www.example.com").as_slice());
    // The A record's owner points into the CNAME's data.
    assert_eq!(&b[73..75], &[0xc0, 56]);
    assert_eq!(parse(&b).unwrap(), m);

    let mut s = Message::query(8, Question::new("_http._tcp.web.shop.svc.cluster.local", rtype::SRV));
    let target = "web.shop.svc.cluster.local.";
    s.answers.push(Record::new(&s.questions[0].name.clone(), 5, RData::Srv { priority: 0, weight: 100, port: 80, target: target.into() }));
    s.additional.push(Record::new(target, 5, RData::A(Ipv4Addr::new(10, 96, 12, 34))));
    let b = s.emit().unwrap();
    let full = name_bytes(target);
    // Once as the question's suffix (offset 23), once in full as the SRV target.
    assert_eq!(b.windows(full.len()).filter(|w| *w == full.as_slice()).count(), 2);
    // The additional A record's owner points at the earliest copy.
    let a_owner = b.len() - 16;
    assert_eq!(&b[a_owner..a_owner + 2], &[0xc0, 23]);
    assert_eq!(parse(&b).unwrap(), s);
}

#[test]
fn every_record_type_round_trips() {
    let mut m = Message { header: Header { id: 1, qr: true, rcode: rcode::NXDOMAIN, ..Header::default() }, ..Message::default() };
    m.questions.push(Question::new("x.cluster.local", rtype::TXT));
    m.answers = vec![
        Record::new("dns-version.cluster.local", 5, RData::Txt(vec![b"1.1.0".to_vec()])),
        Record::new("1.0.96.10.in-addr.arpa", 5, RData::Ptr("kubernetes.default.svc.cluster.local.".into())),
        Record::new("v6.example", 5, RData::Aaaa("2001:db8::1".parse().unwrap())),
        Record::new("cluster.local", 5, RData::Ns("ns.dns.cluster.local.".into())),
        Record::new("x.example", 5, RData::Other { rtype: 99, data: vec![1, 2, 3] }),
    ];
    m.authority.push(Record::new(
        "cluster.local",
        5,
        RData::Soa {
            mname: "ns.dns.cluster.local.".into(),
            rname: "hostmaster.cluster.local.".into(),
            serial: 1704067200,
            refresh: 7200,
            retry: 1800,
            expire: 86400,
            minimum: 5,
        },
    ));
    m.additional.push(Record::opt(1232));
    for bytes in [m.emit().unwrap(), m.emit_uncompressed().unwrap()] {
        assert_eq!(parse(&bytes).unwrap(), m);
    }
    let h = Header { id: 9, qr: true, opcode: 2, aa: true, tc: true, rd: true, ra: true, ad: true, cd: true, rcode: 5 };
    assert_eq!(Header::from_flags(9, h.flags()), h);
    assert_eq!(h.flags(), 0x97b5);
}

#[test]
fn names_that_cannot_be_written_are_errors() {
    let cases = [
        ("a..b", "empty label in \"a..b.\""),
        (&*format!("{}.example", "a".repeat(64)), "label longer than 63 octets"),
        (&*format!("{}a", "abcdefghi.".repeat(26)), "name longer than 255 octets"),
    ];
    for (name, expect) in cases {
        let err = Message::query(1, Question::new(name, rtype::A)).emit().unwrap_err();
        assert!(err.starts_with(expect), "{name}: {err}");
    }
}

#[test]
fn hostile_packets_are_errors_not_panics() {
    let q = query_bytes();
    let with = |tail: &[u8], counts: [u16; 4]| {
        let mut b = header(1, 0x8000, counts);
        b.extend_from_slice(tail);
        b
    };
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (vec![0x12], "message truncated at offset 0"),
        (q[..20].to_vec(), "label at offset 16 runs past the end"),
        (q[..41].to_vec(), "message truncated"),
        (with(&[0xc0, 0x0c, 0, 1, 0, 1], [1, 0, 0, 0]), "compression pointer at offset 12 does not point backwards (12): a loop"),
        (with(&[0xc0, 0xff, 0, 1, 0, 1], [1, 0, 0, 0]), "compression pointer at offset 12 points outside the message (255)"),
        (with(&[0xc0], [1, 0, 0, 0]), "compression pointer at offset 12 is cut short"),
        (with(&[0x40, 0], [1, 0, 0, 0]), "unsupported label type 0x40 at offset 12"),
        (with(&[0, 0, 1, 0, 1, 0, 0, 0, 5, 0, 3, 1, 2, 3], [0, 1, 0, 0]), "A record of . has a data length"),
        (with(&[0, 0, 1, 0, 1, 0, 0, 0, 5, 0, 9, 1, 2, 3], [0, 1, 0, 0]), "record data of . runs past the end"),
        (with(&[0, 0, 5, 0, 1, 0, 0, 0, 5, 0, 1, 0, 7], [0, 1, 0, 0]), "1 trailing bytes"),
        ([q.clone(), vec![0]].concat(), "1 trailing bytes after the last record"),
    ];
    for (bytes, expect) in cases {
        let err = parse(&bytes).unwrap_err();
        assert!(err.contains(expect), "{bytes:02x?}: {err}");
    }
    // A pointer chain that only goes backwards ends; one that loops through two pointers fails.
    let mut looped = header(1, 0, [1, 0, 0, 0]);
    looped.extend([0xc0, 14, 0xc0, 12, 0, 1, 0, 1]);
    assert!(parse(&looped).unwrap_err().contains("does not point backwards"));
    // Labels with dots and unprintable bytes come out escaped.
    let mut odd = header(1, 0, [1, 0, 0, 0]);
    odd.extend([3, b'a', b'.', 0x07, 0, 0, 1, 0, 1]);
    assert_eq!(parse(&odd).unwrap().questions[0].name, "a\\.\\007.");
}
