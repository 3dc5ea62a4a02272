//! ip-masq-agent: config decoding and validation, the restore input, the sync.

use super::masq_agent::{jump_spec, remove, restore_input, sync, Config, Flags};
use super::netfilter::{Netfilter, TableId};
use crate::time::SimDuration;

fn cidrs(c: &Config) -> Vec<&str> {
    c.non_masquerade_cidrs.iter().map(String::as_str).collect()
}

#[test]
fn config_files_decode_as_the_agent_decodes_them() {
    let f = Flags::default();
    // (file, nonMasqueradeCIDRs, masqLinkLocal, resyncInterval seconds)
    let cases: &[(&str, &[&str], bool, u64)] = &[
        ("", &["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"], false, 60),
        ("nonMasqueradeCIDRs:\n  - 172.16.0.0/12\n  - 10.0.0.0/8\ncidrLimit: 64\nmasqLinkLocal: true\nresyncInterval: 5s\n", &["172.16.0.0/12", "10.0.0.0/8"], true, 5),
        ("nonMasqueradeCIDRs:\n  - 192.168.0.0/16\n", &["192.168.0.0/16"], false, 60),
        ("masqLinkLocal: true\n", &["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"], true, 60),
        ("resyncInterval: 5m\n", &["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"], false, 300),
        ("{\"nonMasqueradeCIDRs\": [\"172.16.0.0/12\", \"10.0.0.0/8\"], \"masqLinkLocal\": true, \"resyncInterval\": \"5s\"}", &["172.16.0.0/12", "10.0.0.0/8"], true, 5),
        // Go's JSON decoding matches keys case-insensitively and ignores unknown ones.
        ("NONMASQUERADECIDRS: [10.0.0.0/8]\nsomethingElse: 1\n", &["10.0.0.0/8"], false, 60),
        ("nonMasqueradeCIDRs: []\n", &[], false, 60),
    ];
    for (file, want, link_local, secs) in cases {
        let c = Config::from_file(file, &f).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!((cidrs(&c).as_slice(), c.masq_link_local, c.resync_interval), (*want, *link_local, SimDuration::from_secs(*secs)), "{file}");
    }
}

#[test]
fn bad_config_files_give_the_agents_errors() {
    let f = Flags::default();
    let cases: &[(&str, &str)] = &[
        ("nonMasqueradeCIDRs: [abcdefg]", "CIDR \"abcdefg\" could not be parsed, invalid CIDR address: abcdefg"),
        ("nonMasqueradeCIDRs: [10.0.0.0/8, abcdefg]", "CIDR \"abcdefg\" could not be parsed, invalid CIDR address: abcdefg"),
        ("nonMasqueradeCIDRs: [10.256.0.0/16]", "CIDR \"10.256.0.0/16\" could not be parsed, invalid CIDR address: 10.256.0.0/16"),
        ("nonMasqueradeCIDRs: [10.0.0.1/8]", "CIDR \"10.0.0.1/8\" is not aligned to a CIDR block, ip: \"10.0.0.1\" network: \"10.0.0.0/8\""),
        ("nonMasqueradeCIDRs: [fc00::/7]", "ipv6 is not enabled, but ipv6 cidr fc00::/7 provided. Enable ipv6 using --enable-ipv6 agent flag"),
        ("cidrLimit: 1\nnonMasqueradeCIDRs: [10.0.0.0/8, 192.168.0.0/16]", "the daemon can only accept up to 1 CIDRs (excluding link-local), but got 2 CIDRs (excluding link local)"),
        ("masqLinkLocal: \"yes\"", "json: cannot unmarshal string into Go struct field MasqConfig.masqLinkLocal of type bool"),
        ("nonMasqueradeCIDRs: 10.0.0.0/8", "json: cannot unmarshal string into Go struct field MasqConfig.nonMasqueradeCIDRs of type []string"),
        ("resyncInterval: 5", "expected string value for unmarshal to field of type Duration, got \"5\""),
        ("resyncInterval: soon", "time: invalid duration \"soon\""),
    ];
    for (file, want) in cases {
        assert_eq!(Config::from_file(file, &f).unwrap_err(), *want, "{file}");
    }
}

#[test]
fn flags_change_the_defaults_chain_and_masquerade() {
    let f = Flags::parse(&["--nomasq-all-reserved-ranges", "--masq-chain=MY-MASQ", "--random-fully=false"]);
    assert_eq!(f, Flags { chain: "MY-MASQ".into(), all_reserved: true, random_fully: false });
    let c = Config::defaults(&f);
    assert_eq!(cidrs(&c)[3..], ["100.64.0.0/10", "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "240.0.0.0/4"]);
    assert!(restore_input(&c, &f).ends_with("-A MY-MASQ -m comment --comment \"ip-masq-agent: outbound traffic is subject to MASQUERADE (must be last in chain)\" -j MASQUERADE --to-ports 32768-65535\nCOMMIT\n"));
    assert_eq!(Flags::parse(&["-masq-chain", "OTHER"]).chain, "OTHER");
}

#[test]
fn the_restore_input_is_the_agents() {
    let f = Flags::default();
    let c = Config::from_file("nonMasqueradeCIDRs: [10.244.0.0/16]", &f).unwrap();
    let want = "*nat\n\
                :IP-MASQ-AGENT - [0:0]\n\
                -A IP-MASQ-AGENT -m comment --comment \"ip-masq-agent: local traffic is not subject to MASQUERADE\" -d 169.254.0.0/16 -j RETURN\n\
                -A IP-MASQ-AGENT -m comment --comment \"ip-masq-agent: local traffic is not subject to MASQUERADE\" -d 10.244.0.0/16 -j RETURN\n\
                -A IP-MASQ-AGENT -m comment --comment \"ip-masq-agent: outbound traffic is subject to MASQUERADE (must be last in chain)\" -j MASQUERADE --to-ports 32768-65535 --random-fully\n\
                COMMIT\n";
    assert_eq!(restore_input(&c, &f), want);
    // masqLinkLocal drops the link-local RETURN.
    let c = Config::from_file("masqLinkLocal: true\nnonMasqueradeCIDRs: []", &f).unwrap();
    assert!(!restore_input(&c, &f).contains("169.254.0.0/16"));
    assert_eq!(
        jump_spec(&f),
        "-m comment --comment \"ip-masq-agent: ensure nat POSTROUTING directs all non-LOCAL destination traffic to our custom IP-MASQ-AGENT chain\" -m addrtype ! --dst-type LOCAL -j IP-MASQ-AGENT"
    );
}

#[test]
fn syncing_twice_appends_the_jump_once_and_remove_takes_everything_out() {
    let f = Flags::default();
    let mut nf = Netfilter::default();
    nf.restore("*nat\n:FLANNEL-POSTRTG - [0:0]\n-A POSTROUTING -j FLANNEL-POSTRTG\nCOMMIT\n").unwrap();
    sync(&mut nf, &Config::defaults(&f), &f).unwrap();
    sync(&mut nf, &Config::defaults(&f), &f).unwrap();
    let nat = nf.tables.get(TableId::Nat);
    let post = nat.chain("POSTROUTING").unwrap();
    assert_eq!(post.rules.len(), 2, "appended after flanneld's jump, once");
    assert_eq!(nat.chain("IP-MASQ-AGENT").unwrap().rules.len(), 5);
    remove(&mut nf, &f).unwrap();
    let nat = nf.tables.get(TableId::Nat);
    assert!(nat.chain("IP-MASQ-AGENT").is_none());
    assert_eq!(nat.chain("POSTROUTING").unwrap().rules.len(), 1);
}
