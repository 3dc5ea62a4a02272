use std::sync::Arc;

use super::{Netfilter, TableId};
use crate::time::SimTime;

/// A small kube-proxy-like section: a declared chain and rules that jump into it.
const SYNC: &str = "*nat\n:KUBE-SERVICES - [0:0]\n:KUBE-SVC-A - [0:0]\n:KUBE-SEP-A - [0:0]\n\
-A KUBE-SERVICES -d 10.96.0.10/32 -p tcp -m comment --comment \"ns/a:http cluster IP\" -m tcp --dport 80 -j KUBE-SVC-A\n\
-A KUBE-SVC-A -m comment --comment \"ns/a:http -> 10.244.1.7:8080\" -j KUBE-SEP-A\n\
-A KUBE-SEP-A -p tcp -m comment --comment ns/a:http -m tcp -j DNAT --to-destination 10.244.1.7:8080\nCOMMIT\n";

fn rules(nf: &Netfilter, chain: &str) -> Vec<Arc<super::rule::Rule>> {
    nf.tables.get(TableId::Nat).chain(chain).expect("chain exists").rules.clone()
}

#[test]
fn a_sync_that_repeats_a_line_keeps_its_rule_and_a_changed_line_makes_a_new_one() {
    let mut nf = Netfilter::default();
    nf.restore(SYNC).unwrap();
    let (svc, sep) = (rules(&nf, "KUBE-SERVICES"), rules(&nf, "KUBE-SEP-A"));
    let saved = nf.save(None, false, SimTime(0));
    nf.restore(SYNC).unwrap();
    assert!(Arc::ptr_eq(&svc[0], &rules(&nf, "KUBE-SERVICES")[0]));
    assert_eq!(nf.save(None, false, SimTime(0)), saved);
    nf.restore(&SYNC.replace("10.244.1.7:8080\nCOMMIT", "10.244.1.8:8080\nCOMMIT")).unwrap();
    assert!(!Arc::ptr_eq(&sep[0], &rules(&nf, "KUBE-SEP-A")[0]));
    assert!(nf.save(None, false, SimTime(0)).contains("-j DNAT --to-destination 10.244.1.8:8080"));
}

#[test]
fn a_failing_line_puts_back_every_chain_the_section_flushed_added_or_deleted() {
    let mut nf = Netfilter::default();
    nf.restore(SYNC).unwrap();
    nf.restore("*nat\n:KUBE-OLD - [0:0]\nCOMMIT\n").unwrap();
    let before = nf.save(None, false, SimTime(0));
    let cases = [
        "*nat\n:KUBE-SVC-A - [0:0]\n:KUBE-NEW - [0:0]\n-X KUBE-OLD\n-A KUBE-SVC-A -j KUBE-NOPE\nCOMMIT\n",
        "*nat\n:POSTROUTING DROP\n-F KUBE-SEP-A\n-I KUBE-SERVICES -j ACCEPT\n-A KUBE-SEP-A --bogus\nCOMMIT\n",
        "*nat\n-F\n:KUBE-NEW - [0:0]\n-A KUBE-NEW -j ACCEPT\n",
    ];
    for input in cases {
        assert!(nf.restore(input).is_err(), "{input}");
        assert_eq!(nf.save(None, false, SimTime(0)), before, "{input}");
    }
}

#[test]
fn namespaces_given_the_same_section_share_the_table_until_one_changes_it() {
    let (mut a, mut b) = (Netfilter::default(), Netfilter::default());
    let filter = "*filter\n:FLANNEL-FWD - [0:0]\n-A FORWARD -j FLANNEL-FWD\n-A FLANNEL-FWD -s 10.244.0.0/16 -j ACCEPT\nCOMMIT\n";
    a.restore(filter).unwrap();
    b.restore(filter).unwrap();
    assert!(Arc::ptr_eq(&a.tables.tables[TableId::Filter as usize], &b.tables.tables[TableId::Filter as usize]));
    assert!(Arc::ptr_eq(&a.tables.tables[TableId::Raw as usize], &b.tables.tables[TableId::Raw as usize]));
    b.restore("*filter\n-A FLANNEL-FWD -d 10.244.0.0/16 -j ACCEPT\nCOMMIT\n").unwrap();
    assert_eq!(a.tables.get(TableId::Filter).rule_count(), 2);
    assert_eq!(b.tables.get(TableId::Filter).rule_count(), 3);
    assert!(!a.save(None, false, SimTime(0)).contains("-d 10.244.0.0/16"));
}
