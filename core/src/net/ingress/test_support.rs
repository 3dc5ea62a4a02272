//! Builders for the Ingresses and IngressClasses the tests route through.

use k8s_openapi::api::networking::v1::{Ingress, IngressClass};
use serde_json::{json, Value};

use super::{select, Route, CLASS_NAME, CONTROLLER};

/// An Ingress `ns/name` created `created` seconds after the epoch, with `ingressClassName: nginx`.
pub fn ingress(key: &str, created: i64) -> Ingress {
    let (ns, name) = key.split_once('/').expect("ns/name");
    let ts = k8s_openapi::jiff::Timestamp::from_second(1_704_067_200 + created).expect("valid time");
    from(json!({
        "metadata": {"namespace": ns, "name": name, "creationTimestamp": ts.to_string()},
        "spec": {"ingressClassName": CLASS_NAME},
    }))
}

/// Adds a rule: `host` (`None` for none) with `(path, pathType, service, port)` entries; a port of
/// 0 names the port `http` instead.
pub fn rule(mut ing: Ingress, host: Option<&str>, paths: &[(&str, &str, &str, i32)]) -> Ingress {
    let paths: Vec<Value> = paths
        .iter()
        .map(|(path, ty, svc, port)| {
            let port = if *port == 0 { json!({"name": "http"}) } else { json!({"number": port}) };
            json!({"path": path, "pathType": ty, "backend": {"service": {"name": svc, "port": port}}})
        })
        .collect();
    let mut r = json!({"http": {"paths": paths}});
    if let Some(h) = host {
        r["host"] = json!(h);
    }
    let spec = ing.spec.get_or_insert_with(Default::default);
    spec.rules.get_or_insert_with(Vec::new).push(serde_json::from_value(r).expect("rule"));
    ing
}

/// Sets `spec.defaultBackend`.
pub fn default_backend(mut ing: Ingress, svc: &str, port: i32) -> Ingress {
    let b = json!({"service": {"name": svc, "port": {"number": port}}});
    ing.spec.get_or_insert_with(Default::default).default_backend = Some(serde_json::from_value(b).expect("backend"));
    ing
}

/// Sets (`Some`) or removes (`None`) `spec.ingressClassName`.
pub fn class_name(mut ing: Ingress, class: Option<&str>) -> Ingress {
    ing.spec.get_or_insert_with(Default::default).ingress_class_name = class.map(str::to_string);
    ing
}

/// Adds an annotation.
pub fn annotate(mut ing: Ingress, key: &str, value: &str) -> Ingress {
    ing.metadata.annotations.get_or_insert_with(Default::default).insert(key.to_string(), value.to_string());
    ing
}

/// An IngressClass for `controller`, created `created` seconds after the epoch.
pub fn class(name: &str, controller: &str, default: bool, created: i64) -> IngressClass {
    let ts = k8s_openapi::jiff::Timestamp::from_second(1_704_067_200 + created).expect("valid time");
    let mut meta = json!({"name": name, "creationTimestamp": ts.to_string()});
    if default {
        meta["annotations"] = json!({"ingressclass.kubernetes.io/is-default-class": "true"});
    }
    serde_json::from_value(json!({"metadata": meta, "spec": {"controller": controller}})).expect("class")
}

/// The `nginx` class of ingress-nginx.
pub fn nginx_class() -> IngressClass {
    class(CLASS_NAME, CONTROLLER, false, 0)
}

fn from(v: Value) -> Ingress {
    serde_json::from_value(v).expect("ingress")
}

/// Routes through ingress-nginx with only the `nginx` class.
pub fn route(ings: &[Ingress], host: &str, path: &str) -> Route {
    let refs: Vec<&Ingress> = ings.iter().collect();
    let class = nginx_class();
    select(&refs, &[&class], CONTROLLER, CLASS_NAME, host, path)
}

/// What a route ends in, short: `svc:port`, `301 <target>`, `404`, `400` or `nginx <status>`.
pub fn outcome(r: &Route) -> String {
    match r {
        Route::Backend { backend, .. } => format!("{}:{}", backend.service, backend.port),
        Route::Redirect { target, .. } => format!("301 {target}"),
        Route::DefaultBackend { .. } => "404".to_string(),
        Route::BadRequest { .. } => "400".to_string(),
        Route::Status { status, .. } => format!("nginx {status}"),
    }
}
