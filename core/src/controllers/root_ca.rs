//! The root-ca-cert-publisher (kube-controller-manager, pkg/controller/certificates/rootcacertpublisher):
//! every active namespace holds ConfigMap `kube-root-ca.crt` with key `ca.crt`, the cluster CA
//! bundle pods use to verify the API server; it is recreated when deleted and put back when
//! changed.
//!
//! The simulated cluster has no real CA: `ca.crt` is one fixed, deterministic PEM-shaped text
//! (the same in every cluster), not a parseable certificate.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::api::{Kind, Object};
use crate::sim::apiserver::Api;
use crate::store::{Cause, Component, ObjectRef, WatchEvent, WatchEventType};

use super::{Ctx, Requeue};

pub const CONFIG_MAP_NAME: &str = "kube-root-ca.crt";
pub const KEY: &str = "ca.crt";
const DESCRIPTION: &str = "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.";

/// The simulated cluster CA, PEM-encoded.
pub const CA_CERT: &str = "-----BEGIN CERTIFICATE-----
MIIDBTCCAe2gAwIBAuY5JHA+E3oPQT3ATWgM/xcDYJklwwDsZSeVirrZ/CMSTT9b
ZL8U+TjrSvWUtPvypNJBGWYSsXeYRvYdr4N1LgMC8JX2qsGap6pYnXMSamXJzHnc
eActdXEw8C38KD2tAiZNXBUTLH0sZcnrNr8iArpcn4p4LLBOIhpsRuJCXMx3Xb3A
Wk/blNIMz2gKayucm5ao/76ImXFK64ovnxc+TxKqXMfqdy1dOtz3UxEiwMc/v4ei
HANVo95U6JvO5+LumzU5aAISiKWI4fccwQ/AIKhH3nxa62Gr7a0Ex1rttDKAk0Lr
HkjtKqMohr3VI4MmNSI0NI3GBa2MTrM/qm1AdLPORZhO6HJZ80PEIg/UkzlKisFI
akkvr2oO2kltQJcfTiqoeuUhdN44rube4Ox/rScEDxwJPshJ9eTyulm1cKg1RuUn
C8dvLzmeyD6bZeAfCSqI+YGVgOf6rQYaw1Aqa2udT9+yiZzogPu+m6sWR4qySY3T
byrB+nRbXeaRMd9osHZrXm320pAIvP4z9q2HLashtV0lrvmxEbjvlU9G4gsqqMAR
wSd1vPSW+CTwaSMejvssXoLAhnyAz/6AjhbCY1tlRbPoiFkqFfRdFFrl/Qyd8eZ0
bIR8hnzXbaG4LEzrVj4tzpDZRDHCniexvhhE44DI9Cfnfh1w/Gq8mEJSp4UsibYs
U1Q0h0UTwITQSGscEsoOmW62IVKV0TIOh89hHJq2Hw+LnQiLyGHWn7FMhlOy/wV4
lODj9Dy/eP8lJl72xV7oV+gydyTnqO9PcFQsjAJTDxpefJRHj/gptlOZYhc6fiCo
AuOqrh28ZfRHb7q9QKIFNpvQRf6/h4AVWsiLxS6EzpubiGEg3uXjoX+KmNN3/joE
6WhJUswVDAVraAW/mX/AFcddYeZtyRuXCvQAa05UJscBBga9Otx/P2JWP73FG25U
B2WrxSZDA4z++L9xL3rQb0HRGhlh81IkImqEwP4ZDhK21ut8kNEyOwyQFCdnKDco
Ngx3XHs=
-----END CERTIFICATE-----
";

pub fn keys_for(event: &WatchEvent) -> Vec<ObjectRef> {
    match (event.key.kind, event.event_type) {
        (Kind::Namespace, WatchEventType::Added | WatchEventType::Modified) => vec![event.key.clone()],
        (Kind::ConfigMap, _) if event.key.name == CONFIG_MAP_NAME => {
            event.key.namespace.as_deref().map(|ns| vec![ObjectRef::new(Kind::Namespace, None, ns)]).unwrap_or_default()
        }
        _ => vec![],
    }
}

pub fn reconcile(ctx: &mut Ctx<'_, '_>, key: &ObjectRef) -> Requeue {
    let by = ctx.by.clone();
    ensure(ctx.api, &key.name, &by, ctx.cause);
    Requeue::Done
}

fn wanted(namespace: &str) -> ConfigMap {
    ConfigMap {
        metadata: ObjectMeta {
            name: Some(CONFIG_MAP_NAME.into()),
            namespace: Some(namespace.into()),
            annotations: Some(BTreeMap::from([("kubernetes.io/description".to_string(), DESCRIPTION.to_string())])),
            ..Default::default()
        },
        data: Some(BTreeMap::from([(KEY.to_string(), CA_CERT.to_string())])),
        ..Default::default()
    }
}

/// Creates the ConfigMap in an active namespace, or puts its data and annotation back.
pub fn ensure(api: &mut Api<'_>, namespace: &str, by: &Component, cause: Cause) {
    let active = api
        .store
        .get(&ObjectRef::new(Kind::Namespace, None, namespace))
        .is_some_and(|ns| ns.metadata().deletion_timestamp.is_none());
    if !active {
        return;
    }
    let want = wanted(namespace);
    let key = ObjectRef::new(Kind::ConfigMap, Some(namespace), CONFIG_MAP_NAME);
    match api.store.get(&key).map(|o| o.as_ref()) {
        None => {
            let _ = api.create(Object::from(want), by, cause);
        }
        Some(Object::ConfigMap(cm)) => {
            let described = cm.metadata.annotations.as_ref().and_then(|a| a.get("kubernetes.io/description")).is_some_and(|d| d == DESCRIPTION);
            if cm.data == want.data && described && cm.metadata.deletion_timestamp.is_none() {
                return;
            }
            let mut fixed = (**cm).clone();
            fixed.data = want.data;
            fixed.binary_data = None;
            fixed.metadata.annotations.get_or_insert_with(Default::default).insert("kubernetes.io/description".into(), DESCRIPTION.into());
            fixed.metadata.resource_version = None;
            let _ = api.update(Object::from(fixed), by, cause);
        }
        Some(_) => {}
    }
}
