//! Containers, volumes and pod templates as `kubectl describe` lays them out (shared by pods
//! and by the workloads that embed a pod template).

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    Container, ContainerState, ContainerStatus, Pod, PodTemplateSpec, Probe, Volume,
};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::common::{labels, annotations, resources, tolerations};
use super::writer::DescWriter;
use crate::kubectl::printers::util::go_bool;

fn int_or_string(v: &IntOrString) -> String {
    match v {
        IntOrString::Int(i) => i.to_string(),
        IntOrString::String(s) => s.clone(),
    }
}

/// `DescribeProbe`: `http-get http://:8080/healthz delay=0s timeout=1s period=10s #success=1 #failure=3`.
pub fn probe(p: &Probe) -> String {
    let attrs = format!(
        "delay={}s timeout={}s period={}s #success={} #failure={}",
        p.initial_delay_seconds.unwrap_or(0),
        p.timeout_seconds.unwrap_or(1),
        p.period_seconds.unwrap_or(10),
        p.success_threshold.unwrap_or(1),
        p.failure_threshold.unwrap_or(3)
    );
    if let Some(e) = &p.exec {
        return format!("exec [{}] {attrs}", e.command.clone().unwrap_or_default().join(" "));
    }
    if let Some(h) = &p.http_get {
        let scheme = h.scheme.as_deref().unwrap_or("HTTP").to_lowercase();
        let host = h.host.clone().unwrap_or_default();
        let port = int_or_string(&h.port);
        let authority = if port.is_empty() {
            host
        } else if host.contains(':') {
            format!("[{host}]:{port}")
        } else {
            format!("{host}:{port}")
        };
        return format!("http-get {scheme}://{authority}{} {attrs}", h.path.clone().unwrap_or_default());
    }
    if let Some(t) = &p.tcp_socket {
        return format!("tcp-socket {}:{} {attrs}", t.host.clone().unwrap_or_default(), int_or_string(&t.port));
    }
    if let Some(g) = &p.grpc {
        return format!("grpc <pod>:{} {} {attrs}", g.port, g.service.clone().unwrap_or_default());
    }
    format!("unknown {attrs}")
}

fn state(w: &mut DescWriter, name: &str, s: Option<&ContainerState>) {
    let s = s.cloned().unwrap_or_default();
    if let Some(r) = &s.running {
        w.line(2, &format!("{name}:\tRunning"));
        w.line(3, &format!("Started:\t{}", super::common::time_or_zero(r.started_at.as_ref())));
    } else if let Some(wt) = &s.waiting {
        w.line(2, &format!("{name}:\tWaiting"));
        if let Some(r) = wt.reason.as_deref().filter(|r| !r.is_empty()) {
            w.line(3, &format!("Reason:\t{r}"));
        }
    } else if let Some(t) = &s.terminated {
        w.line(2, &format!("{name}:\tTerminated"));
        if let Some(r) = t.reason.as_deref().filter(|r| !r.is_empty()) {
            w.line(3, &format!("Reason:\t{r}"));
        }
        if let Some(m) = t.message.as_deref().filter(|m| !m.is_empty()) {
            w.line(3, &format!("Message:\t{m}"));
        }
        w.line(3, &format!("Exit Code:\t{}", t.exit_code));
        if let Some(sig) = t.signal.filter(|s| *s > 0) {
            w.line(3, &format!("Signal:\t{sig}"));
        }
        w.line(3, &format!("Started:\t{}", super::common::time_or_zero(t.started_at.as_ref())));
        w.line(3, &format!("Finished:\t{}", super::common::time_or_zero(t.finished_at.as_ref())));
    } else {
        w.line(2, &format!("{name}:\tWaiting"));
    }
}

/// Values of `fieldRef` environment variables that a pod can answer.
fn field_value(pod: Option<&Pod>, path: &str) -> String {
    let Some(pod) = pod else { return String::new() };
    let spec = pod.spec.as_ref();
    let status = pod.status.as_ref();
    let v = match path {
        "metadata.name" => pod.metadata.name.clone(),
        "metadata.namespace" => pod.metadata.namespace.clone(),
        "metadata.uid" => pod.metadata.uid.clone(),
        "spec.nodeName" => spec.and_then(|s| s.node_name.clone()),
        "spec.serviceAccountName" => spec.and_then(|s| s.service_account_name.clone()),
        "status.podIP" => status.and_then(|s| s.pod_ip.clone()),
        "status.hostIP" => status.and_then(|s| s.host_ip.clone()),
        _ => None,
    };
    v.unwrap_or_default()
}

fn env(w: &mut DescWriter, c: &Container, pod: Option<&Pod>) {
    if let Some(from) = c.env_from.as_ref().filter(|f| !f.is_empty()) {
        w.line(2, "Environment Variables from:");
        for e in from {
            let (kind, name, optional) = if let Some(r) = &e.config_map_ref {
                ("ConfigMap", r.name.clone(), r.optional.unwrap_or(false))
            } else if let Some(r) = &e.secret_ref {
                ("Secret", r.name.clone(), r.optional.unwrap_or(false))
            } else {
                ("", String::new(), false)
            };
            match e.prefix.as_deref().filter(|p| !p.is_empty()) {
                None => w.line(3, &format!("{name}\t{kind}\tOptional: {optional}")),
                Some(p) => w.line(3, &format!("{name}\t{kind} with prefix '{p}'\tOptional: {optional}")),
            }
        }
    }
    let vars = c.env.as_deref().unwrap_or_default();
    if vars.is_empty() {
        w.line(2, "Environment:\t<none>");
        return;
    }
    w.line(2, "Environment:");
    for e in vars {
        let Some(from) = &e.value_from else {
            for (i, part) in e.value.as_deref().unwrap_or_default().split('\n').enumerate() {
                if i == 0 {
                    w.line(3, &format!("{}:\t{part}", e.name));
                } else {
                    w.line(3, &format!("\t{part}"));
                }
            }
            continue;
        };
        if let Some(f) = &from.field_ref {
            let api = f.api_version.as_deref().unwrap_or("v1");
            let value = field_value(pod, &f.field_path);
            w.line(3, &format!("{}:\t{value} ({api}:{})", e.name, f.field_path));
        } else if let Some(r) = &from.resource_field_ref {
            w.line(3, &format!("{}:\t ({})", e.name, r.resource));
        } else if let Some(s) = &from.secret_key_ref {
            let opt = s.optional.unwrap_or(false);
            w.line(3, &format!("{}:\t<set to the key '{}' in secret '{}'>\tOptional: {opt}", e.name, s.key, s.name));
        } else if let Some(c) = &from.config_map_key_ref {
            let opt = c.optional.unwrap_or(false);
            w.line(3, &format!("{}:\t<set to the key '{}' of config map '{}'>\tOptional: {opt}", e.name, c.key, c.name));
        }
    }
}

/// `Containers:` (or `Init Containers:`) with each container's image, ports, state, resources,
/// probes, environment and mounts. `space` is `"  "` inside a pod template.
pub fn containers(
    w: &mut DescWriter,
    label: &str,
    containers: &[Container],
    statuses: &[ContainerStatus],
    pod: Option<&Pod>,
    space: &str,
) {
    let none = if containers.is_empty() { " <none>" } else { "" };
    w.line(0, &format!("{space}{label}:{none}"));
    let by_name: BTreeMap<&str, &ContainerStatus> = statuses.iter().map(|s| (s.name.as_str(), s)).collect();
    let name_indent = if space.is_empty() { "" } else { " " };
    for c in containers {
        let status = by_name.get(c.name.as_str()).copied();
        w.line(1, &format!("{name_indent}{}:", c.name));
        if let Some(s) = status {
            w.line(2, &format!("Container ID:\t{}", s.container_id.as_deref().unwrap_or_default()));
        }
        w.line(2, &format!("Image:\t{}", c.image.as_deref().unwrap_or_default()));
        if let Some(s) = status {
            w.line(2, &format!("Image ID:\t{}", s.image_id));
        }
        let ports = c.ports.as_deref().unwrap_or_default();
        let proto = |p: &k8s_openapi::api::core::v1::ContainerPort| p.protocol.clone().unwrap_or_else(|| "TCP".into());
        let port_str = ports.iter().map(|p| format!("{}/{}", p.container_port, proto(p))).collect::<Vec<_>>().join(", ");
        let host_str =
            ports.iter().map(|p| format!("{}/{}", p.host_port.unwrap_or(0), proto(p))).collect::<Vec<_>>().join(", ");
        let or_none = |s: String| if s.is_empty() { "<none>".to_string() } else { s };
        if port_str.contains(',') {
            w.line(2, &format!("Ports:\t{port_str}"));
        } else {
            w.line(2, &format!("Port:\t{}", or_none(port_str)));
        }
        if host_str.contains(',') {
            w.line(2, &format!("Host Ports:\t{host_str}"));
        } else {
            w.line(2, &format!("Host Port:\t{}", or_none(host_str)));
        }
        for (title, args) in [("Command", &c.command), ("Args", &c.args)] {
            if let Some(args) = args.as_ref().filter(|a| !a.is_empty()) {
                w.line(2, &format!("{title}:"));
                for a in args {
                    for part in a.split('\n') {
                        w.line(3, part);
                    }
                }
            }
        }
        if let Some(s) = status {
            state(w, "State", s.state.as_ref());
            if s.last_state.as_ref().and_then(|l| l.terminated.as_ref()).is_some() {
                state(w, "Last State", s.last_state.as_ref());
            }
            w.line(2, &format!("Ready:\t{}", go_bool(s.ready)));
            w.line(2, &format!("Restart Count:\t{}", s.restart_count));
        }
        resources(w, 2, c.resources.as_ref());
        for (title, p) in [("Liveness", &c.liveness_probe), ("Readiness", &c.readiness_probe), ("Startup", &c.startup_probe)] {
            if let Some(p) = p {
                w.line(2, &format!("{title}:\t{}", probe(p)));
            }
        }
        env(w, c, pod);
        let mut mounts: Vec<_> = c.volume_mounts.clone().unwrap_or_default();
        if mounts.is_empty() {
            w.line(2, "Mounts:\t<none>");
        } else {
            w.line(2, "Mounts:");
            mounts.sort_by(|a, b| a.mount_path.cmp(&b.mount_path));
            for m in mounts {
                let mut flags = vec![if m.read_only.unwrap_or(false) { "ro".to_string() } else { "rw".to_string() }];
                if let Some(sp) = m.sub_path.as_deref().filter(|s| !s.is_empty()) {
                    flags.push(format!("path={sp:?}"));
                }
                w.line(3, &format!("{} from {} ({})", m.mount_path, m.name, flags.join(",")));
            }
        }
    }
}

/// `Volumes:` with the source of each volume.
pub fn volumes(w: &mut DescWriter, volumes: &[Volume], space: &str) {
    if volumes.is_empty() {
        w.line(0, &format!("{space}Volumes:\t<none>"));
        return;
    }
    w.line(0, &format!("{space}Volumes:"));
    let name_indent = if space.is_empty() { "" } else { " " };
    for v in volumes {
        w.line(1, &format!("{name_indent}{}:", v.name));
        if let Some(h) = &v.host_path {
            w.line(2, "Type:\tHostPath (bare host directory volume)");
            w.line(2, &format!("Path:\t{}", h.path));
            w.line(2, &format!("HostPathType:\t{}", h.type_.as_deref().unwrap_or("<none>")));
        } else if let Some(e) = &v.empty_dir {
            w.line(2, "Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)");
            w.line(2, &format!("Medium:\t{}", e.medium.as_deref().unwrap_or_default()));
            let limit = e.size_limit.as_ref().map(|q| q.0.clone()).filter(|q| !q.is_empty() && q != "0");
            w.line(2, &format!("SizeLimit:\t{}", limit.unwrap_or_else(|| "<unset>".into())));
        } else if let Some(s) = &v.secret {
            w.line(2, "Type:\tSecret (a volume populated by a Secret)");
            w.line(2, &format!("SecretName:\t{}", s.secret_name.as_deref().unwrap_or_default()));
            w.line(2, &format!("Optional:\t{}", s.optional.unwrap_or(false)));
        } else if let Some(c) = &v.config_map {
            w.line(2, "Type:\tConfigMap (a volume populated by a ConfigMap)");
            w.line(2, &format!("Name:\t{}", c.name));
            w.line(2, &format!("Optional:\t{}", c.optional.unwrap_or(false)));
        } else if let Some(p) = &v.persistent_volume_claim {
            w.line(2, "Type:\tPersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)");
            w.line(2, &format!("ClaimName:\t{}", p.claim_name));
            w.line(2, &format!("ReadOnly:\t{}", p.read_only.unwrap_or(false)));
        } else if let Some(p) = &v.projected {
            w.line(2, "Type:\tProjected (a volume that contains injected data from multiple sources)");
            for s in p.sources.iter().flatten() {
                if let Some(sec) = &s.secret {
                    w.line(2, &format!("SecretName:\t{}", sec.name));
                    w.line(2, &format!("Optional:\t{}", sec.optional.unwrap_or(false)));
                } else if s.downward_api.is_some() {
                    w.line(2, "DownwardAPI:\ttrue");
                } else if let Some(cm) = &s.config_map {
                    w.line(2, &format!("ConfigMapName:\t{}", cm.name));
                    w.line(2, &format!("Optional:\t{}", cm.optional.unwrap_or(false)));
                } else if let Some(t) = &s.service_account_token {
                    w.line(2, &format!("TokenExpirationSeconds:\t{}", t.expiration_seconds.unwrap_or(3600)));
                }
            }
        } else if v.downward_api.is_some() {
            w.line(2, "Type:\tDownwardAPI (a volume populated by information about the pod)");
            w.line(2, "Items:");
            for item in v.downward_api.iter().flat_map(|d| d.items.iter().flatten()) {
                if let Some(f) = &item.field_ref {
                    w.line(3, &format!("{} -> {}", f.field_path, item.path));
                } else if let Some(r) = &item.resource_field_ref {
                    w.line(3, &format!("{} -> {}", r.resource, item.path));
                }
            }
        } else {
            w.line(1, "<unknown>");
        }
    }
}

/// `Pod Template:` of a workload.
pub fn pod_template(w: &mut DescWriter, template: Option<&PodTemplateSpec>) {
    w.line(0, "Pod Template:");
    let Some(t) = template else {
        w.write(1, "<unset>");
        return;
    };
    let meta = t.metadata.clone().unwrap_or_default();
    labels(w, "  ", "Labels", meta.labels.as_ref());
    if meta.annotations.as_ref().is_some_and(|a| !a.is_empty()) {
        annotations(w, "  Annotations", meta.annotations.as_ref());
    }
    let spec = t.spec.clone().unwrap_or_default();
    if let Some(sa) = spec.service_account_name.as_deref().filter(|s| !s.is_empty()) {
        w.line(1, &format!("Service Account:\t{sa}"));
    }
    if let Some(init) = spec.init_containers.as_ref().filter(|i| !i.is_empty()) {
        containers(w, "Init Containers", init, &[], None, "  ");
    }
    containers(w, "Containers", &spec.containers, &[], None, "  ");
    volumes(w, spec.volumes.as_deref().unwrap_or_default(), "  ");
    if let Some(pc) = spec.priority_class_name.as_deref().filter(|s| !s.is_empty()) {
        w.line(1, &format!("Priority Class Name:\t{pc}"));
    }
    labels(w, "  ", "Node-Selectors", spec.node_selector.as_ref());
    tolerations(w, "  ", "Tolerations", spec.tolerations.as_ref());
}
