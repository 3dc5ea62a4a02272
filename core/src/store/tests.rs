use super::*;
use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

fn cm(name: &str, rv: Option<&str>) -> Object {
    ConfigMap {
        metadata: ObjectMeta {
            name: Some(name.into()),
            namespace: Some("default".into()),
            resource_version: rv.map(str::to_string),
            ..Default::default()
        },
        ..Default::default()
    }
    .into()
}

fn kubectl() -> Component {
    Component::new("kubectl")
}

#[test]
fn writes_bump_resource_version_and_log_in_order() {
    let mut s = Store::new();
    let cause = Cause::Action(ActionId(1));
    let a = s.create(cm("c", None), SimTime(1), kubectl(), cause).unwrap();
    let b = s.update(cm("c", None), SimTime(2), kubectl(), cause).unwrap();
    assert!(rv_of(&b) > rv_of(&a));
    let key = ObjectRef::new(Kind::ConfigMap, Some("default"), "c");
    s.remove(&key, SimTime(3), kubectl(), cause).unwrap();
    let types: Vec<_> = s.log().iter().map(|e| e.event_type.as_str()).collect();
    assert_eq!(types, ["ADDED", "MODIFIED", "DELETED"]);
    assert!(s.get(&key).is_none());
    assert_eq!(s.events_since(1).len(), 2);
}

#[test]
fn history_records_of_one_object_share_its_key() {
    let mut s = Store::new();
    s.create(cm("c", None), SimTime(0), kubectl(), Cause::Bootstrap).unwrap();
    s.update(cm("c", None), SimTime(1), kubectl(), Cause::Bootstrap).unwrap();
    s.create(cm("d", None), SimTime(2), kubectl(), Cause::Bootstrap).unwrap();
    let h: Vec<Record<'_>> = s.history().iter().collect();
    assert!(std::ptr::eq(h[0].key, h[1].key));
    assert_eq!(*h[2].key, ObjectRef::new(Kind::ConfigMap, Some("default"), "d"));
    assert_eq!(h.iter().map(|r| r.event_type.as_str()).collect::<Vec<_>>(), ["ADDED", "MODIFIED", "ADDED"]);
}

#[test]
fn stale_resource_version_conflicts() {
    let mut s = Store::new();
    let cause = Cause::Bootstrap;
    s.create(cm("c", None), SimTime(0), kubectl(), cause).unwrap();
    s.update(cm("c", Some("1")), SimTime(0), kubectl(), cause).unwrap();
    let err = s.update(cm("c", Some("1")), SimTime(0), kubectl(), cause).unwrap_err();
    assert_eq!(err, StoreError::Conflict { stored: 2, given: 1 });
    assert_eq!(s.create(cm("c", None), SimTime(0), kubectl(), cause).unwrap_err(), StoreError::AlreadyExists);
}

#[test]
fn list_is_scoped_by_kind_and_namespace() {
    let mut s = Store::new();
    for n in ["b", "a"] {
        s.create(cm(n, None), SimTime(0), kubectl(), Cause::Bootstrap).unwrap();
    }
    let names: Vec<_> = s.list(Kind::ConfigMap, Some("default")).map(|o| o.name().to_string()).collect();
    assert_eq!(names, ["a", "b"]);
    assert_eq!(s.list(Kind::ConfigMap, Some("other")).count(), 0);
    assert_eq!(s.list(Kind::Pod, None).count(), 0);
}

#[test]
fn list_follows_creates_and_removes() {
    let mut s = Store::new();
    let mut other = cm("z", None);
    other.metadata_mut().namespace = Some("other".into());
    s.create(cm("a", None), SimTime(0), kubectl(), Cause::Bootstrap).unwrap();
    s.create(other, SimTime(0), kubectl(), Cause::Bootstrap).unwrap();
    assert_eq!(s.list(Kind::ConfigMap, None).count(), 2);
    assert_eq!(s.list(Kind::ConfigMap, Some("other")).count(), 1);
    for (ns, name) in [("default", "a"), ("other", "z")] {
        s.remove(&ObjectRef::new(Kind::ConfigMap, Some(ns), name), SimTime(1), kubectl(), Cause::Bootstrap).unwrap();
    }
    assert_eq!(s.list(Kind::ConfigMap, None).count(), 0);
    s.create(cm("b", None), SimTime(2), kubectl(), Cause::Bootstrap).unwrap();
    let names: Vec<_> = s.list(Kind::ConfigMap, Some("default")).map(|o| o.name().to_string()).collect();
    assert_eq!(names, ["b"]);
}
