//! The header stack's layout: tunnels nest, changed lines are marked, and within a line of a
//! stack that kept its shape the changed words are marked.

use super::*;
use wasm_bindgen_test::wasm_bindgen_test;

fn v(lines: &[&str]) -> Vec<String> {
    lines.iter().map(|s| s.to_string()).collect()
}

#[wasm_bindgen_test]
fn vxlan_nests_the_inner_frame_and_a_new_ttl_is_marked() {
    let before = v(&["eth a > b", "ip 10.244.0.2 > 10.244.1.2 ttl 63", "tcp 1 > 80 [S]"]);
    let after =
        v(&["ip 192.168.56.11 > 192.168.56.12 ttl 64", "udp 1 > 8472", "vxlan vni 1", "eth a > b", "ip 10.244.0.2 > 10.244.1.2 ttl 63", "tcp 1 > 80 [S]"]);
    let lines = header_lines(&after, Some(&before[..]));
    let depths: Vec<usize> = lines.iter().map(|l| l.depth).collect();
    assert_eq!(depths, [0, 0, 0, 1, 1, 1]);
    let changed: Vec<bool> = lines.iter().map(|l| l.changed).collect();
    assert_eq!(changed, [true, true, true, false, false, false]);
    assert_eq!(lines[2].proto, "vxlan");
}

#[wasm_bindgen_test]
fn flanneld_udp_nests_the_inner_packet() {
    let lines = header_lines(&v(&["ip 1 > 2 ttl 64", "udp 3 > 8285", "ip 10.244.0.2 > 10.244.1.2 ttl 62", "icmp echo request id 1 seq 1"]), None);
    let depths: Vec<usize> = lines.iter().map(|l| l.depth).collect();
    assert_eq!(depths, [0, 0, 1, 1]);
    assert!(lines.iter().all(|l| !l.changed), "nothing is marked without a previous hop");
}

/// The words marked as changed in each line of `after`, against `before`.
fn check(before: &[&str], after: &[&str], expect: &[&[&str]]) {
    let lines = header_lines(&v(after), Some(&v(before)[..]));
    let marked: Vec<Vec<&str>> = lines.iter().map(|l| l.fields.iter().filter(|f| f.1).map(|f| f.0.as_str()).collect()).collect();
    assert_eq!(marked, expect, "{after:?}");
    for l in &lines {
        let words: Vec<&str> = l.fields.iter().map(|f| f.0.as_str()).collect();
        assert_eq!(words.join(" "), l.text, "the words make up the line");
    }
}

#[wasm_bindgen_test]
fn the_fields_a_forward_or_a_nat_changed_are_marked() {
    let syn = ["eth 0a > 0b", "ip 10.244.0.2 > 10.102.212.177 ttl 64", "tcp 34944 > 80 [S]"];
    // DNAT at PREROUTING: the destination address, and with a targetPort the port too.
    check(&syn, &["ip 10.244.0.2 > 10.244.1.3 ttl 64", "tcp 34944 > 80 [S]"], &[&["10.244.1.3"], &[]]);
    check(&syn, &["ip 10.244.0.2 > 10.244.1.3 ttl 64", "tcp 34944 > 8080 [S]"], &[&["10.244.1.3"], &["8080"]]);
    // A forward: the TTL.
    check(&["ip 10.244.0.2 > 10.244.1.3 ttl 64", "tcp 34944 > 80 [S]"], &["ip 10.244.0.2 > 10.244.1.3 ttl 63", "tcp 34944 > 80 [S]"], &[&["63"], &[]]);
    // MASQUERADE: source address and port.
    check(
        &["ip 10.244.0.2 > 1.1.1.1 ttl 63", "tcp 34944 > 443 [S]"],
        &["ip 192.168.56.11 > 1.1.1.1 ttl 63", "tcp 41000 > 443 [S]"],
        &[&["192.168.56.11"], &["41000"]],
    );
    // The reply's source back to the cluster IP, in a frame being bridged.
    check(
        &["eth 0c > 0a", "ip 10.244.0.3 > 10.244.0.2 ttl 64", "tcp 80 > 34944 [S.]"],
        &["eth 0c > 0a", "ip 10.102.212.177 > 10.244.0.2 ttl 64", "tcp 80 > 34944 [S.]"],
        &[&[], &["10.102.212.177"], &[]],
    );
    // Encapsulation adds headers: whole lines are new, no word is compared.
    check(&syn, &["ip 192.168.56.11 > 192.168.56.12 ttl 64", "udp 1 > 8472", "vxlan vni 1", "eth 0a > 0b", syn[1], syn[2]], &[&[], &[], &[], &[], &[], &[]]);
}
