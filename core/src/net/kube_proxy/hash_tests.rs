use std::net::Ipv4Addr;

use sha2::{Digest, Sha256};

use super::hash::*;
use super::model::Proto;

#[test]
fn chain_names_of_the_fidelity_sheet() {
    let spn = spn("shop", "cart", "http");
    assert_eq!(spn, "shop/cart:http");
    assert_eq!(svc_chain(&spn, Proto::Tcp), "KUBE-SVC-I5LIAMPLWKMBJ54B");
    assert_eq!(sep_chain(&spn, Proto::Tcp, Ipv4Addr::new(10, 244, 1, 7), 8080), "KUBE-SEP-HR5QIAI7KRESNQ5F");
    // SVL, EXT and FW share the SVC chain's hash.
    assert_eq!(svl_chain(&spn, Proto::Tcp), "KUBE-SVL-I5LIAMPLWKMBJ54B");
    assert_eq!(ext_chain(&spn, Proto::Tcp), "KUBE-EXT-I5LIAMPLWKMBJ54B");
    assert_eq!(fw_chain(&spn, Proto::Tcp), "KUBE-FW-I5LIAMPLWKMBJ54B");
}

#[test]
fn chain_names_table() {
    // (namespace, service, port name, protocol, chain) — hashes computed with python3.
    let cases = [
        ("kube-system", "kube-dns", "dns", Proto::Udp, "KUBE-SVC-TCOU7JCQXEZGVUNU"),
        ("kube-system", "kube-dns", "dns-tcp", Proto::Tcp, "KUBE-SVC-ERIFXISQEP7F7OF4"),
        ("kube-system", "kube-dns", "metrics", Proto::Tcp, "KUBE-SVC-JD5MR3NA4I4DYORP"),
        ("shop", "lonely", "", Proto::Tcp, "KUBE-SVC-U54XNQZD25DIVW7I"),
        ("web", "front", "http", Proto::Tcp, "KUBE-SVC-G4HOO62H5EGULDOP"),
    ];
    for (ns, svc, port, proto, want) in cases {
        assert_eq!(svc_chain(&spn(ns, svc, port), proto), want, "{ns}/{svc}:{port}");
    }
    // An unnamed port has no colon; the protocol is part of the hash.
    assert_eq!(spn("shop", "lonely", ""), "shop/lonely");
    assert_ne!(svc_chain("shop/cart:http", Proto::Tcp), svc_chain("shop/cart:http", Proto::Udp));
    assert_ne!(svc_chain("shop/cart:http", Proto::Tcp), svc_chain("shop/cart:http", Proto::Sctp));
    assert_eq!(
        sep_chain("kube-system/kube-dns:dns", Proto::Udp, Ipv4Addr::new(10, 244, 0, 2), 53),
        "KUBE-SEP-YIL6JZP7A3QYXJU2"
    );
}

/// RFC 4648 base32 written out by hand: 5 bits at a time, most significant first.
fn base32(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::new();
    let (mut acc, mut bits) = (0u32, 0u32);
    for &b in bytes {
        acc = (acc << 8) | b as u32;
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(ALPHABET[((acc >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((acc << (5 - bits)) & 31) as usize] as char);
    }
    out
}

#[test]
fn names_agree_with_an_independent_encoding() {
    assert_eq!(base32(b"foobar"), "MZXW6YTBOI"); // RFC 4648 test vector (unpadded)
    let mut seed = 0x9e37_79b9_u32;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        seed
    };
    let words = ["default", "kube-system", "shop", "a", "x-1", "very-long-namespace-name-for-testing"];
    for _ in 0..500 {
        let ns = words[next() as usize % words.len()];
        let svc = format!("svc-{}", next() % 1000);
        let port = if next() % 3 == 0 { String::new() } else { format!("p{}", next() % 100) };
        let proto = [Proto::Tcp, Proto::Udp, Proto::Sctp][next() as usize % 3];
        let ip = Ipv4Addr::from(next());
        let port_no = (next() % 65535 + 1) as u16;

        let spn = spn(ns, &svc, &port);
        let expected_spn = if port.is_empty() { format!("{ns}/{svc}") } else { format!("{ns}/{svc}:{port}") };
        assert_eq!(spn, expected_spn);
        let full = base32(&Sha256::digest(format!("{spn}{}", proto.as_str()).as_bytes()));
        assert_eq!(full.len(), 52);
        assert_eq!(svc_chain(&spn, proto), format!("KUBE-SVC-{}", &full[..16]));
        assert_eq!(fw_chain(&spn, proto), format!("KUBE-FW-{}", &full[..16]));
        let ep_full = base32(&Sha256::digest(format!("{spn}{}{ip}:{port_no}", proto.as_str()).as_bytes()));
        let sep = sep_chain(&spn, proto, ip, port_no);
        assert_eq!(sep, format!("KUBE-SEP-{}", &ep_full[..16]));
        assert!(sep.len() <= 28);
    }
}

#[test]
fn service_chain_prefixes() {
    for c in ["KUBE-SVC-X", "KUBE-SVL-X", "KUBE-EXT-X", "KUBE-FW-X", "KUBE-SEP-X"] {
        assert!(is_service_chain(c), "{c}");
    }
    for c in ["KUBE-SERVICES", "KUBE-NODEPORTS", "KUBE-MARK-MASQ", "KUBE-FORWARD", "CNI-X"] {
        assert!(!is_service_chain(c), "{c}");
    }
}
