//! The store's owner index: dependents listed with their current objects, following updates
//! that change, keep or drop an ownerReference, and removals.

use super::*;
use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};

fn owned(name: &str, owners: &[&str], data: &str) -> Object {
    let refs = owners
        .iter()
        .map(|o| OwnerReference {
            api_version: "apps/v1".into(),
            kind: "ReplicaSet".into(),
            name: (*o).into(),
            uid: format!("uid-{o}"),
            controller: Some(true),
            block_owner_deletion: Some(true),
        })
        .collect();
    ConfigMap {
        metadata: ObjectMeta {
            name: Some(name.into()),
            namespace: Some("default".into()),
            owner_references: Some(refs),
            ..Default::default()
        },
        data: Some([("k".to_string(), data.to_string())].into()),
        ..Default::default()
    }
    .into()
}

fn deps(s: &Store, owner: &str) -> Vec<(String, String)> {
    s.dependents_with_objects("ReplicaSet", owner)
        .map(|(k, o)| {
            let Object::ConfigMap(c) = o.as_ref() else { panic!("a ConfigMap") };
            (k.name.clone(), c.data.as_ref().and_then(|d| d.get("k")).cloned().unwrap_or_default())
        })
        .collect()
}

#[test]
fn dependents_carry_the_current_object() {
    let mut s = Store::new();
    let by = Component::new("test");
    s.create(owned("b", &["rs"], "1"), SimTime(0), by.clone(), Cause::Bootstrap).unwrap();
    s.create(owned("a", &["rs", "other"], "1"), SimTime(0), by.clone(), Cause::Bootstrap).unwrap();
    assert_eq!(deps(&s, "rs"), [("a".into(), "1".into()), ("b".into(), "1".into())]);
    s.update(owned("b", &["rs"], "2"), SimTime(1), by.clone(), Cause::Bootstrap).unwrap();
    assert_eq!(deps(&s, "rs"), [("a".into(), "1".into()), ("b".into(), "2".into())]);
    // An update that drops one owner leaves the other's entry current.
    s.update(owned("a", &["other"], "3"), SimTime(2), by.clone(), Cause::Bootstrap).unwrap();
    assert_eq!(deps(&s, "rs"), [("b".into(), "2".into())]);
    assert_eq!(deps(&s, "other"), [("a".into(), "3".into())]);
    let keys: Vec<_> = s.dependents_of("ReplicaSet", "other").map(|k| k.name.clone()).collect();
    assert_eq!(keys, ["a"]);
    s.remove(&ObjectRef::new(Kind::ConfigMap, Some("default"), "b"), SimTime(3), by.clone(), Cause::Bootstrap).unwrap();
    assert!(deps(&s, "rs").is_empty());
    assert_eq!(s.dependents_of("ReplicaSet", "rs").count(), 0);
    assert_eq!(s.dependents_of("Deployment", "rs").count(), 0);
}
