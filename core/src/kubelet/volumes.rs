//! The kubelet's volume manager for the volumes whose contents come from the API: `configMap`,
//! `secret`, `downwardAPI` and `projected` (plus `emptyDir`, which starts empty).
//!
//! Mount: before the pod's sandbox is created, every such volume is set up. A ConfigMap or
//! Secret that is missing and not optional (or a missing `items` key) fails the mount: the
//! event `FailedMount` `MountVolume.SetUp failed for volume "cfg" : configmap "x" not found`,
//! retried on the operation executor's back-off (500 ms doubling to 2 m 2 s), and the pod stays
//! `ContainerCreating` without an IP until it succeeds.
//!
//! Update: the kubelet remounts these volumes at every pod sync, with the ConfigMaps and
//! Secrets its watch-based cache holds. The cache is taken as current at once
//! (`configMapAndSecretChangeDetectionStrategy: Watch`), and a pod with such volumes syncs at
//! least every 60 s counted from its start (`syncFrequency`; the real 0–50 % jitter is
//! omitted). So a change shows in the files at the pod's next sync: at most 60 s later, sooner
//! if something else makes the pod sync. A `subPath` mount is a bind mount of what the volume
//! held when the container was created and never changes.
//!
//! Contents are kept as what the mount read (`snapshot.rs`: the store's `Arc`s and, of the pod,
//! only the fields its downward API items read), not as files: files are rendered when someone
//! looks (`kubectl exec … cat`). Simplifications: the `..data` symlink layout is not modelled; a
//! `serviceAccountToken` projection holds a stand-in token.

use std::collections::BTreeMap;
use std::sync::Arc;

use k8s_openapi::api::core::v1::{DownwardAPIVolumeFile, KeyToPath, Pod, Volume};

use crate::api::{Kind, Object};
use crate::controllers::Ctx;
use crate::sim::events::{self, EventType};
use crate::store::{Component, ObjectRef};
use crate::time::{SimDuration, SimTime};

use super::downward::{self, Addrs};
use super::env::data_of;
pub use super::snapshot::{PodView, Snapshot};

/// The pod sync period (`syncFrequency`).
pub const SYNC_PERIOD: SimDuration = SimDuration::from_secs(60);
const RETRY_INITIAL: SimDuration = SimDuration::from_millis(500);
const RETRY_MAX: SimDuration = SimDuration::from_millis(122_000);
/// The default file mode (0644).
pub const DEFAULT_MODE: i32 = 0o644;

/// One file of a volume.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    pub data: Vec<u8>,
    pub mode: i32,
}

/// The mount state of one pod's API-backed volumes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mounts {
    /// What the volumes hold now (`None` until the first mount succeeds).
    pub current: Option<Arc<Snapshot>>,
    /// A failing mount or remount: the back-off and when it retries.
    retry: Option<(SimDuration, SimTime)>,
    /// Whether the pod needs its periodic sync for these volumes: not for the service-account
    /// volume `kube-api-access-*` alone, whose contents do not change here (its token is not
    /// rotated), so most pods keep no timer.
    resync: bool,
}

impl Mounts {
    /// A mount or remount is failing (retried forever, as periodic work).
    pub fn failing(&self) -> bool {
        self.retry.is_some()
    }
}

/// Whether the pod has volumes whose contents come from the API.
fn api_backed(pod: &Pod) -> bool {
    let vols = pod.spec.as_ref().and_then(|s| s.volumes.as_deref()).unwrap_or(&[]);
    vols.iter().any(|v| v.config_map.is_some() || v.secret.is_some() || v.downward_api.is_some() || v.projected.is_some())
}

/// The ConfigMaps and Secrets the pod's volumes read.
fn source_refs(pod: &Pod) -> Vec<ObjectRef> {
    let ns = pod.metadata.namespace.as_deref();
    let mut out = Vec::new();
    for v in pod.spec.as_ref().and_then(|s| s.volumes.as_deref()).unwrap_or(&[]) {
        if let Some(c) = &v.config_map {
            out.push(ObjectRef::new(Kind::ConfigMap, ns, &c.name));
        }
        if let Some(s) = &v.secret {
            out.push(ObjectRef::new(Kind::Secret, ns, s.secret_name.as_deref().unwrap_or("")));
        }
        for p in v.projected.iter().flat_map(|p| p.sources.iter().flatten()) {
            if let Some(c) = &p.config_map {
                out.push(ObjectRef::new(Kind::ConfigMap, ns, &c.name));
            }
            if let Some(s) = &p.secret {
                out.push(ObjectRef::new(Kind::Secret, ns, &s.name));
            }
        }
    }
    out
}

/// Mounts or remounts the pod's volumes at a sync. Returns whether they are mounted (the
/// sandbox may be created) and when to sync again for a failing (re)mount.
pub fn sync(ctx: &mut Ctx<'_, '_>, key: &ObjectRef, node: &str, mounts: &mut Option<Box<Mounts>>) -> (bool, Option<SimTime>) {
    let Some(stored) = ctx.api.store.get(key).cloned() else { return (true, None) };
    let Object::Pod(pod) = stored.as_ref() else { return (true, None) };
    if mounts.is_none() {
        if !api_backed(pod) {
            return (true, None);
        }
        let vols = pod.spec.as_ref().and_then(|s| s.volumes.as_deref()).unwrap_or(&[]);
        let resync = vols.iter().any(|v| {
            let backed = v.config_map.is_some() || v.secret.is_some() || v.downward_api.is_some() || v.projected.is_some();
            backed && !v.name.starts_with("kube-api-access-")
        });
        *mounts = Some(Box::new(Mounts { current: None, retry: None, resync }));
    }
    let Some(m) = mounts.as_mut() else { return (true, None) };
    let now = ctx.api.now;
    if let Some((_, at)) = m.retry {
        if now < at {
            return (m.current.is_some(), Some(at));
        }
    }
    let store = &ctx.api.store;
    // The same ConfigMaps and Secrets (the very objects: a write replaces the store's `Arc`)
    // and no change in what the downward API items read: the files are as they are.
    let refs = source_refs(pod);
    if let Some(cur) = &m.current {
        let mut found = refs.iter().filter_map(|r| store.get(r));
        let same_sources = cur.sources.iter().all(|a| found.next().is_some_and(|b| Arc::ptr_eq(a, b))) && found.next().is_none();
        if same_sources && !cur.pod.changed(pod) {
            return (true, None);
        }
    }
    let sources = refs.iter().filter_map(|r| store.get(r).cloned()).collect();
    let snap = Snapshot { pod: PodView::of(pod), sources };
    let addrs = Addrs { pod_ip: None, host_ip: std::net::Ipv4Addr::UNSPECIFIED };
    let mut failed = false;
    for v in pod.spec.as_ref().and_then(|s| s.volumes.as_deref()).unwrap_or(&[]) {
        if let Err(e) = render(&snap, v, addrs, None) {
            failed = true;
            let msg = format!("MountVolume.SetUp failed for volume \"{}\" : {e}", v.name);
            events::record(ctx.api, &stored, EventType::Warning, "FailedMount", &msg, &Component::new("kubelet"), Some(node), ctx.cause);
        }
    }
    if failed {
        let d = match m.retry {
            Some((d, _)) => SimDuration(d.0.saturating_mul(2)).min(RETRY_MAX),
            None => RETRY_INITIAL,
        };
        m.retry = Some((d, now + d));
        return (m.current.is_some(), Some(now + d));
    }
    m.retry = None;
    m.current = Some(Arc::new(snap));
    (true, None)
}

/// The next periodic sync of a pod with API-backed volumes: the next multiple of the sync
/// period after its start.
pub fn resync_at(mounts: Option<&Mounts>, started: SimTime, now: SimTime) -> Option<SimTime> {
    if !mounts?.resync {
        return None;
    }
    let period = SYNC_PERIOD.as_micros();
    let elapsed = now.since(started).as_micros();
    Some(SimTime(started.0 + (elapsed / period + 1) * period))
}

fn items(
    data: &BTreeMap<String, Vec<u8>>,
    items: Option<&[KeyToPath]>,
    mode: i32,
    optional: bool,
    what: &str,
    out: &mut BTreeMap<String, File>,
) -> Result<(), String> {
    match items.filter(|i| !i.is_empty()) {
        None => {
            for (k, v) in data {
                out.insert(k.clone(), File { data: v.clone(), mode });
            }
        }
        Some(list) => {
            for it in list {
                match data.get(&it.key) {
                    Some(v) => {
                        out.insert(it.path.clone(), File { data: v.clone(), mode: it.mode.unwrap_or(mode) });
                    }
                    None if optional => {}
                    // The two plugins word it differently.
                    None if what == "configmap" => return Err(format!("configmap references non-existent config key: {}", it.key)),
                    None => return Err(format!("references non-existent secret key: {}", it.key)),
                }
            }
        }
    }
    Ok(())
}

fn downward_files(snap: &Snapshot, files: &[DownwardAPIVolumeFile], mode: i32, addrs: Addrs, node: Option<&k8s_openapi::api::core::v1::Node>, out: &mut BTreeMap<String, File>) -> Result<(), String> {
    let pod = &snap.pod;
    let mut errs = Vec::new();
    for f in files {
        let value = if let Some(sel) = &f.field_ref {
            downward::field_value(sel, &pod.fields(), addrs)
        } else if let Some(sel) = &f.resource_field_ref {
            match pod.resources(sel.container_name.as_deref().unwrap_or("")) {
                Some(resources) => downward::resource_value(sel, resources, node),
                None => Err(format!("failed to find container: {}", sel.container_name.as_deref().unwrap_or(""))),
            }
        } else {
            Ok(String::new())
        };
        match value {
            Ok(v) => {
                out.insert(f.path.clone(), File { data: v.into_bytes(), mode: f.mode.unwrap_or(mode) });
            }
            Err(e) => errs.push(e),
        }
    }
    aggregate(errs)
}

/// `utilerrors.NewAggregate`: one error as itself, several as `[a, b]`.
fn aggregate(errs: Vec<String>) -> Result<(), String> {
    match errs.len() {
        0 => Ok(()),
        1 => Err(errs.into_iter().next().unwrap_or_default()),
        _ => Err(format!("[{}]", errs.join(", "))),
    }
}

/// The files of one volume from a snapshot (relative path → file); an error is the SetUp
/// failure text. Volumes that are not API-backed have no files.
pub fn render(snap: &Snapshot, v: &Volume, addrs: Addrs, node: Option<&k8s_openapi::api::core::v1::Node>) -> Result<BTreeMap<String, File>, String> {
    let mut out = BTreeMap::new();
    if let Some(c) = &v.config_map {
        let mode = c.default_mode.unwrap_or(DEFAULT_MODE);
        let optional = c.optional == Some(true);
        match snap.source(Kind::ConfigMap, &c.name).and_then(data_of) {
            Some(d) => items(&d, c.items.as_deref(), mode, optional, "configmap", &mut out)?,
            None if optional => {}
            None => return Err(format!("configmap \"{}\" not found", c.name)),
        }
    } else if let Some(s) = &v.secret {
        let name = s.secret_name.as_deref().unwrap_or("");
        let mode = s.default_mode.unwrap_or(DEFAULT_MODE);
        let optional = s.optional == Some(true);
        match snap.source(Kind::Secret, name).and_then(data_of) {
            Some(d) => items(&d, s.items.as_deref(), mode, optional, "secret", &mut out)?,
            None if optional => {}
            None => return Err(format!("secret \"{name}\" not found")),
        }
    } else if let Some(d) = &v.downward_api {
        let mode = d.default_mode.unwrap_or(DEFAULT_MODE);
        downward_files(snap, d.items.as_deref().unwrap_or(&[]), mode, addrs, node, &mut out)?;
    } else if let Some(p) = &v.projected {
        let mode = p.default_mode.unwrap_or(DEFAULT_MODE);
        let mut errs = Vec::new();
        for src in p.sources.iter().flatten() {
            let result = if let Some(c) = &src.config_map {
                let optional = c.optional == Some(true);
                match snap.source(Kind::ConfigMap, &c.name).and_then(data_of) {
                    Some(d) => items(&d, c.items.as_deref(), mode, optional, "configmap", &mut out),
                    None if optional => Ok(()),
                    None => Err(format!("configmap \"{}\" not found", c.name)),
                }
            } else if let Some(s) = &src.secret {
                let optional = s.optional == Some(true);
                match snap.source(Kind::Secret, &s.name).and_then(data_of) {
                    Some(d) => items(&d, s.items.as_deref(), mode, optional, "secret", &mut out),
                    None if optional => Ok(()),
                    None => Err(format!("secret \"{}\" not found", s.name)),
                }
            } else if let Some(d) = &src.downward_api {
                downward_files(snap, d.items.as_deref().unwrap_or(&[]), mode, addrs, node, &mut out)
            } else if let Some(t) = &src.service_account_token {
                let uid = snap.pod.uid();
                let token = format!("eyJhbGciOiJSUzI1NiIsImtpZCI6ImZpc2hib3dsIn0.{}.{}", super::images::fake_digest(uid), super::images::fake_digest(&t.path));
                out.insert(t.path.clone(), File { data: token.into_bytes(), mode });
                Ok(())
            } else {
                Ok(())
            };
            if let Err(e) = result {
                errs.push(e);
            }
        }
        aggregate(errs)?;
    }
    Ok(out)
}

#[cfg(test)]
#[path = "volumes_tests.rs"]
mod tests;
