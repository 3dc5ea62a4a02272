//! What a process inside a running container sees of its configuration: the environment it
//! was started with, the files of its volume mounts (plus `/etc/hostname`), and the files its
//! own process and hooks wrote (`touch /tmp/healthy`, a postStart hook's `echo … >
//! /usr/share/message`). `kubectl exec` hands this to the shell (`crate::shell`).
//!
//! Other files of the image are not modelled; the view says which paths it knows. `/tmp` is
//! known: the catalog's images ship it empty, so it holds what the process wrote there.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::Pod;

use crate::api::{Kind, Object};
use crate::sim::Sim;
use crate::store::ObjectRef;

use super::downward::Addrs;
use super::envvars::{process_env, Var};
use super::images::ImageRef;
use super::volumes::{render, File};

/// A path in the container's view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    Dir,
    File(File),
}

/// The container's environment and mounted files.
#[derive(Debug, Clone, Default)]
pub struct ContainerView {
    pub env: Vec<Var>,
    /// Absolute paths: mount points and every directory and file under them.
    pub files: BTreeMap<String, Entry>,
    /// Mount points.
    pub mounts: Vec<String>,
    /// Files the container's process wrote.
    pub written: Vec<String>,
    /// The image's userland is busybox (`ls` and `cat` word their errors its way).
    pub busybox: bool,
}

impl ContainerView {
    /// Whether the view answers for `path`: a mount point or below one, `/etc/hostname`, `/tmp`
    /// and below, or a file the process wrote.
    pub fn inside(&self, path: &str) -> bool {
        path == "/etc/hostname"
            || path == "/tmp"
            || path.starts_with("/tmp/")
            || self.written.iter().any(|w| w == path)
            || self.mounts.iter().any(|m| path == m || path.strip_prefix(m.as_str()).is_some_and(|r| r.starts_with('/')))
    }

    /// The names directly inside directory `dir`, sorted.
    pub fn list(&self, dir: &str) -> Vec<String> {
        let base = if dir == "/" { String::from("/") } else { format!("{}/", dir.trim_end_matches('/')) };
        let names: std::collections::BTreeSet<String> = self
            .files
            .keys()
            .filter_map(|k| k.strip_prefix(&base))
            .filter(|rest| !rest.is_empty())
            .map(|rest| rest.split('/').next().unwrap_or(rest).to_string())
            .collect();
        names.into_iter().collect()
    }

    fn add(&mut self, path: &str, entry: Entry) {
        let mut p = String::new();
        for part in path.split('/').filter(|s| !s.is_empty()) {
            if !p.is_empty() || path.starts_with('/') {
                self.files.entry(if p.is_empty() { "/".into() } else { p.clone() }).or_insert(Entry::Dir);
            }
            p.push('/');
            p.push_str(part);
        }
        self.files.insert(p, entry);
    }
}

/// The view of `container` in `pod`, from its kubelet's runtime state.
pub fn container_view(sim: &Sim, pod: &Pod, container: &str, hostname: &str) -> ContainerView {
    let ns = pod.metadata.namespace.as_deref();
    let key = ObjectRef::new(Kind::Pod, ns, pod.metadata.name.as_deref().unwrap_or(""));
    let rt = sim.controller_state().kubelet.pod(&key);
    let ctr = rt.and_then(|rt| rt.init.iter().chain(rt.app.iter()).find(|c| c.name == container));
    let iref = ImageRef::parse(ctr.map(|c| c.image.as_str()).unwrap_or(""));
    let entry = iref.lookup();
    let config = ctr.and_then(|c| c.config.clone());
    let kubelet_vars = config.as_deref().map(|c| c.kubelet_vars()).unwrap_or_default();
    let mut view = ContainerView {
        env: process_env(hostname, entry.map(|e| e.repository), &iref.tag, &kubelet_vars),
        files: BTreeMap::new(),
        mounts: Vec::new(),
        written: Vec::new(),
        busybox: entry.is_some_and(|e| matches!(e.repository, "busybox" | "e2e-test-images/busybox" | "alpine" | "curlimages/curl")),
    };
    view.add("/etc/hostname", Entry::File(File { data: format!("{hostname}\n").into_bytes(), mode: 0o644 }));
    view.add("/tmp", Entry::Dir);
    for (path, text) in ctr.and_then(|c| c.proc.as_ref()).map(|p| &p.files).into_iter().flatten() {
        view.add(path, Entry::File(File { data: text.clone().into_bytes(), mode: 0o644 }));
        view.written.push(path.clone());
    }
    let Some(rt) = rt else { return view };
    let Some(spec) = pod.spec.as_ref() else { return view };
    let Some(c) = super::env::find_container(pod, container) else { return view };
    let addrs = Addrs { pod_ip: rt.sandbox.as_ref().map(|s| s.ip), host_ip: rt.host_ip };
    let node = match sim.get(&ObjectRef::new(Kind::Node, None, &rt.node)) {
        Some(Object::Node(n)) => Some(n.as_ref()),
        _ => None,
    };
    for m in c.volume_mounts.iter().flatten() {
        let Some(vol) = spec.volumes.iter().flatten().find(|v| v.name == m.name) else { continue };
        let sub = m.sub_path.as_deref().unwrap_or("").trim_matches('/');
        let snap = if sub.is_empty() { rt.volumes.as_ref().and_then(|v| v.current.clone()) } else { config.as_ref().and_then(|c| c.volumes.clone()) };
        let files = snap.and_then(|s| render(&s, vol, addrs, node).ok()).unwrap_or_default();
        let mount = m.mount_path.trim_end_matches('/');
        let mount = if mount.is_empty() { "/" } else { mount };
        view.mounts.push(mount.to_string());
        if sub.is_empty() {
            view.add(mount, Entry::Dir);
            for (p, f) in files {
                view.add(&format!("{mount}/{p}"), Entry::File(f));
            }
        } else if let Some(f) = files.get(sub) {
            view.add(mount, Entry::File(f.clone()));
        } else {
            // A directory of the volume (or a path the kubelet creates empty).
            view.add(mount, Entry::Dir);
            let prefix = format!("{sub}/");
            for (p, f) in files.iter().filter_map(|(p, f)| Some((p.strip_prefix(&prefix)?, f))) {
                view.add(&format!("{mount}/{p}"), Entry::File(f.clone()));
            }
        }
    }
    view
}
