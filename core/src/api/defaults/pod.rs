//! Pod defaults: `SetDefaults_PodSpec`, `_Container`, `_Probe`, `_HTTPGetAction`, the volume
//! sources, and for Pods themselves `SetDefaults_Pod` plus the admission plugins that always run.

use k8s_openapi::api::core::v1::{
    Container, EnvVar, Pod, PodSecurityContext, PodSpec, PodTemplateSpec, Probe, Toleration, Volume,
};

use super::{or_set, or_set_str};

/// A Pod: the PodSpec defaults, then what only a Pod gets.
pub(super) fn pod(p: &mut Pod) {
    let spec = p.spec.get_or_insert_with(Default::default);
    pod_spec(spec);
    // SetDefaults_Pod: requests default to limits (on Pods only, never on templates).
    for c in spec.containers.iter_mut().chain(spec.init_containers.iter_mut().flatten()) {
        requests_from_limits(c);
    }
    or_set(&mut spec.enable_service_links, true);
    if spec.host_network == Some(true) {
        for c in spec.containers.iter_mut().chain(spec.init_containers.iter_mut().flatten()) {
            for port in c.ports.iter_mut().flatten() {
                if port.host_port.unwrap_or(0) == 0 {
                    port.host_port = Some(port.container_port);
                }
            }
        }
    }
    // ServiceAccount admission plugin (enabled by default): the pod runs as "default" when it
    // names no service account. (The plugin's account lookup and token volume are in
    // `crate::admission::service_account`.)
    or_set_str(&mut spec.service_account_name, "default");
    // Priority admission plugin: no priorityClassName and no global default class ⇒ priority 0.
    if spec.priority_class_name.as_deref().is_none_or(str::is_empty) {
        or_set(&mut spec.priority, 0);
    }
    // DefaultTolerationSeconds admission plugin: tolerate not-ready / unreachable nodes for 300s.
    let tolerations = spec.tolerations.get_or_insert_with(Vec::new);
    let tolerated = |tolerations: &[Toleration], key: &str| {
        tolerations.iter().any(|t| {
            let key_matches = t.key.as_deref() == Some(key) || (t.key.as_deref().is_none_or(str::is_empty) && t.operator.as_deref() == Some("Exists"));
            let effect_matches = t.effect.as_deref().is_none_or(|e| e.is_empty() || e == "NoExecute");
            key_matches && effect_matches
        })
    };
    let keys = ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"];
    // Stored with the Pod for its lifetime: room for exactly the tolerations added.
    tolerations.reserve_exact(keys.iter().filter(|key| !tolerated(tolerations, key)).count());
    for key in keys {
        if !tolerated(tolerations, key) {
            tolerations.push(Toleration {
                key: Some(key.to_string()),
                operator: Some("Exists".into()),
                effect: Some("NoExecute".into()),
                toleration_seconds: Some(300),
                value: None,
            });
        }
    }
}

/// The template of a workload: PodSpec defaults only.
pub(super) fn template(t: &mut PodTemplateSpec) {
    pod_spec(t.spec.get_or_insert_with(Default::default));
}

/// `SetDefaults_PodSpec` and everything reached from a PodSpec.
pub(super) fn pod_spec(spec: &mut PodSpec) {
    or_set_str(&mut spec.dns_policy, "ClusterFirst");
    or_set_str(&mut spec.restart_policy, "Always");
    or_set(&mut spec.security_context, PodSecurityContext::default());
    or_set(&mut spec.termination_grace_period_seconds, 30);
    or_set_str(&mut spec.scheduler_name, "default-scheduler");
    for c in spec.containers.iter_mut().chain(spec.init_containers.iter_mut().flatten()) {
        container(c);
    }
    for v in spec.volumes.iter_mut().flatten() {
        volume(v);
    }
}

/// `SetDefaults_Container`, with its ports, probes, lifecycle handlers and env.
pub(super) fn container(c: &mut Container) {
    if c.image_pull_policy.as_deref().is_none_or(str::is_empty) {
        let policy = if image_tag(c.image.as_deref().unwrap_or("")) == "latest" { "Always" } else { "IfNotPresent" };
        c.image_pull_policy = Some(policy.into());
    }
    or_set_str(&mut c.termination_message_path, "/dev/termination-log");
    or_set_str(&mut c.termination_message_policy, "File");
    for port in c.ports.iter_mut().flatten() {
        or_set_str(&mut port.protocol, "TCP");
    }
    for probe in [&mut c.liveness_probe, &mut c.readiness_probe, &mut c.startup_probe].into_iter().flatten() {
        self::probe(probe);
    }
    if let Some(lifecycle) = &mut c.lifecycle {
        for handler in [&mut lifecycle.post_start, &mut lifecycle.pre_stop].into_iter().flatten() {
            if let Some(get) = &mut handler.http_get {
                or_set_str(&mut get.path, "/");
                or_set_str(&mut get.scheme, "HTTP");
            }
        }
    }
    for e in c.env.iter_mut().flatten() {
        env_var(e);
    }
}

/// `SetDefaults_Probe` and its handler.
fn probe(p: &mut Probe) {
    for (field, value) in [
        (&mut p.timeout_seconds, 1),
        (&mut p.period_seconds, 10),
        (&mut p.success_threshold, 1),
        (&mut p.failure_threshold, 3),
    ] {
        if field.unwrap_or(0) == 0 {
            *field = Some(value);
        }
    }
    if let Some(get) = &mut p.http_get {
        or_set_str(&mut get.path, "/");
        or_set_str(&mut get.scheme, "HTTP");
    }
    if let Some(grpc) = &mut p.grpc {
        or_set(&mut grpc.service, String::new());
    }
}

/// `SetDefaults_ObjectFieldSelector` reached through `env[].valueFrom.fieldRef`.
fn env_var(e: &mut EnvVar) {
    if let Some(field_ref) = e.value_from.as_mut().and_then(|v| v.field_ref.as_mut()) {
        or_set_str(&mut field_ref.api_version, "v1");
    }
}

/// Volume sources: an empty source is an emptyDir; file modes default to 0644 (420).
fn volume(v: &mut Volume) {
    let has_source = {
        let mut probe = v.clone();
        probe.name = String::new();
        probe != Volume::default()
    };
    if !has_source {
        v.empty_dir = Some(Default::default());
    }
    if let Some(s) = &mut v.secret {
        or_set(&mut s.default_mode, 420);
    }
    if let Some(s) = &mut v.config_map {
        or_set(&mut s.default_mode, 420);
    }
    if let Some(s) = &mut v.downward_api {
        or_set(&mut s.default_mode, 420);
        for item in s.items.iter_mut().flatten() {
            if let Some(f) = &mut item.field_ref {
                or_set_str(&mut f.api_version, "v1");
            }
        }
    }
    if let Some(s) = &mut v.projected {
        or_set(&mut s.default_mode, 420);
        for source in s.sources.iter_mut().flatten() {
            if let Some(token) = &mut source.service_account_token {
                or_set(&mut token.expiration_seconds, 3600);
            }
        }
    }
    if let Some(h) = &mut v.host_path {
        or_set(&mut h.type_, String::new());
    }
}

/// SetDefaults_Pod: each limit without a request becomes the request too.
fn requests_from_limits(c: &mut Container) {
    let Some(resources) = &mut c.resources else { return };
    let Some(limits) = resources.limits.as_ref().filter(|l| !l.is_empty()) else { return };
    let requests = resources.requests.get_or_insert_with(Default::default);
    for (name, quantity) in limits {
        requests.entry(name.clone()).or_insert_with(|| quantity.clone());
    }
}

/// The tag the kubelet would pull: `latest` when the reference names neither a tag nor a digest,
/// empty when it names only a digest.
pub(super) fn image_tag(image: &str) -> &str {
    let (name, digest) = match image.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (image, None),
    };
    let last_component = name.rsplit('/').next().unwrap_or(name);
    match last_component.rsplit_once(':') {
        Some((_, tag)) => tag,
        None if digest.is_some() || image.is_empty() => "",
        None => "latest",
    }
}
