use super::*;
use crate::api::Kind;

fn key(name: &str) -> Arc<ObjectRef> {
    Arc::new(ObjectRef::new(Kind::Pod, Some("default"), name))
}

#[test]
fn records_read_back_as_written() {
    let cases = [
        (WatchEventType::Added, "a", "kubectl", Cause::Action(ActionId(7))),
        (WatchEventType::Modified, "a", "kubelet/node-1", Cause::Write(1)),
        (WatchEventType::Modified, "b", "replicaset-controller", Cause::Timer(Some(2))),
        (WatchEventType::Deleted, "a", "kubelet/node-1", Cause::Timer(None)),
        (WatchEventType::Added, "c", "kube-apiserver", Cause::Bootstrap),
    ];
    let mut h = History::default();
    for (i, (t, name, by, cause)) in cases.iter().enumerate() {
        h.push(i as u64 + 1, *t, &key(name), SimTime(i as u64 * 10), &Component::new(*by), *cause);
    }
    assert_eq!(h.len(), cases.len());
    for (i, ((t, name, by, cause), r)) in cases.iter().zip(h.iter()).enumerate() {
        assert_eq!(r.resource_version, i as u64 + 1);
        assert_eq!(r.event_type, *t);
        assert_eq!(r.key, key(name).as_ref());
        assert_eq!(r.at, SimTime(i as u64 * 10));
        assert_eq!(r.by.as_str(), *by);
        assert_eq!(r.cause, *cause);
    }
    assert_eq!(h.iter().rfind(|r| r.key.name == "a").map(|r| r.event_type), Some(WatchEventType::Deleted));
}

#[test]
fn a_key_is_stored_once() {
    let mut h = History::default();
    for (rv, name) in [(1, "a"), (2, "b"), (3, "a")] {
        h.push(rv, WatchEventType::Modified, &key(name), SimTime(0), &Component::new("kubectl"), Cause::Bootstrap);
    }
    let (first, last) = (h.get(0).unwrap(), h.get(2).unwrap());
    assert!(std::ptr::eq(first.key, last.key));
    assert!(std::ptr::eq(first.by, last.by));
    assert_eq!(h.keys.len, 2);
}

#[test]
fn chunks_and_gaps_keep_order_and_versions() {
    let mut h = History::default();
    let n = 2 * CHUNK + 3;
    let mut rv = 0;
    let mut expected = Vec::new();
    for i in 0..n {
        // A gap in the versions every so often starts a new run.
        rv += if i % 1000 == 999 { 5 } else { 1 };
        expected.push(rv);
        h.push(rv, WatchEventType::Added, &key(&format!("p{}", i % 7)), SimTime(i as u64), &Component::new("kubectl"), Cause::Write(rv - 1));
    }
    let read: Vec<u64> = h.iter().map(|r| r.resource_version).collect();
    assert_eq!(read, expected);
    assert_eq!(h.iter().rev().map(|r| r.resource_version).collect::<Vec<_>>(), expected.iter().rev().copied().collect::<Vec<_>>());
    assert!(h.iter().all(|r| r.cause == Cause::Write(r.resource_version - 1)));
    assert_eq!(h.iter().len(), n);
    assert!(h.get(n).is_none());
}

#[test]
fn clones_share_full_chunks_and_diverge_after() {
    let mut h = History::default();
    for rv in 1..=(CHUNK as u64 + 1) {
        h.push(rv, WatchEventType::Added, &key("a"), SimTime(rv), &Component::new("kubectl"), Cause::Bootstrap);
    }
    let snapshot = h.clone();
    assert!(Arc::ptr_eq(&h.entries.chunks[0], &snapshot.entries.chunks[0]));
    h.push(CHUNK as u64 + 2, WatchEventType::Deleted, &key("b"), SimTime(0), &Component::new("kubectl"), Cause::Bootstrap);
    assert_eq!(snapshot.len(), CHUNK + 1);
    assert_eq!(h.len(), CHUNK + 2);
    assert_eq!(h.iter().next_back().map(|r| r.key.name.clone()), Some("b".to_string()));
}
