//! The pod worker's hooks for a container's configuration: volumes mounted before the sandbox
//! (`WaitForAttachAndMount`), and the env and command resolved when a container is created
//! (`generateContainerConfig`), with `CreateContainerConfigError` when that fails.
//!
//! See `env.rs` for the variables and `volumes.rs` for the mounts.

use std::net::Ipv4Addr;
use std::sync::Arc;

use k8s_openapi::api::core::v1::{Container, EnvVar};

use crate::api::Kind;
use crate::controllers::Ctx;
use crate::sim::events::EventType;
use crate::store::ObjectRef;

use super::downward::Addrs;
use super::env::{self, CONFIG_RETRY};
use super::envvars;
use super::pod::{CState, Ctr, Pull, SyncCx};
use super::program::program_of;
use super::volumes::{self, Snapshot};
use super::PodRuntime;

/// What containers created during one sync are created with.
#[derive(Debug, Clone, Default)]
pub struct StartCx {
    pub pod_ip: Option<Ipv4Addr>,
    pub volumes: Option<Arc<Snapshot>>,
}

impl StartCx {
    pub fn of(rt: &PodRuntime) -> StartCx {
        StartCx { pod_ip: rt.sandbox.as_ref().map(|s| s.ip), volumes: rt.volumes.as_ref().and_then(|m| m.current.clone()) }
    }
}

/// Mounts (or remounts) the pod's API-backed volumes; false while they are not mounted. Wakes
/// the pod for a retry and for its periodic sync.
pub(super) fn mount_volumes(ctx: &mut Ctx<'_, '_>, cx: &mut SyncCx<'_>, rt: &mut PodRuntime) -> bool {
    let pod = cx.pod;
    let key = ObjectRef::new(Kind::Pod, pod.metadata.namespace.as_deref(), pod.metadata.name.as_deref().unwrap_or(""));
    let (mounted, retry) = volumes::sync(ctx, &key, &rt.node, &mut rt.volumes);
    if let Some(at) = retry {
        cx.wake_periodic(at);
    }
    if let Some(at) = volumes::resync_at(rt.volumes.as_deref(), rt.start_time, ctx.api.now) {
        cx.wake_periodic(at);
    }
    mounted
}

/// The container is waiting out a failed configuration.
pub(super) fn config_failed(c: &Ctr) -> bool {
    matches!(c.state, CState::Waiting { reason: "CreateContainerConfigError", .. })
}

/// Resolves the container's env (and its command's `$(VAR)` references) as it is created.
/// On failure: the `Failed` event, `CreateContainerConfigError`, a retry after the back-off;
/// returns false.
pub(super) fn configure(ctx: &mut Ctx<'_, '_>, cx: &mut SyncCx<'_>, c: &mut Ctr, host_ip: Ipv4Addr) -> bool {
    let pod = cx.pod;
    let Some(container) = env::find_container(pod, &c.name) else { return true };
    let ns = pod.metadata.namespace.as_deref().unwrap_or("default");
    let links = pod.spec.as_ref().and_then(|s| s.enable_service_links).unwrap_or(true);
    let services = env::service_env(ctx.api.store, &mut ctx.state.kubelet.service_env, ns, links);
    let addrs = Addrs { pod_ip: cx.start.pod_ip, host_ip };
    match env::resolve(ctx.api.store, services, pod, container, addrs) {
        Ok(mut config) => {
            if container.volume_mounts.iter().flatten().any(|m| m.sub_path.as_deref().is_some_and(|p| !p.is_empty())) {
                config.volumes = cx.start.volumes.clone();
            }
            if let Some(image) = c.entry {
                if let Some(rebuilt) = with_resolved_env(pod, container, &config) {
                    c.program = program_of(&rebuilt, image, pod.metadata.name.as_deref().unwrap_or(""));
                }
            }
            c.config = Some(Arc::new(config));
            true
        }
        Err(msg) => {
            let now = ctx.api.now;
            cx.event(ctx, EventType::Warning, "Failed", &format!("Error: {msg}"));
            c.state = CState::Waiting { reason: "CreateContainerConfigError", message: Some(msg) };
            c.pull = Pull::NotStarted;
            c.restart_at = Some(now + CONFIG_RETRY);
            cx.wake_periodic(now + CONFIG_RETRY);
            false
        }
    }
}

/// The container as its process will see it, when that matters to the program: `$(VAR)` in
/// the command expanded, and the resolved variables in place of `env` (so `sh -c 'echo $X'`
/// prints what a `valueFrom` or `envFrom` gave). `None` when nothing in the spec needs it.
fn with_resolved_env(pod: &k8s_openapi::api::core::v1::Pod, container: &Container, config: &env::Config) -> Option<Container> {
    let mentions = |v: &Option<Vec<String>>| v.iter().flatten().any(|a| a.contains('$'));
    if !mentions(&container.command) && !mentions(&container.args) && container.env_from.as_ref().is_none_or(Vec::is_empty) {
        return None;
    }
    let vars = config.kubelet_vars();
    let mut rebuilt = env::expand_command(container, &vars).unwrap_or_else(|| container.clone());
    let hostname = pod.spec.as_ref().and_then(|s| s.hostname.as_deref()).or(pod.metadata.name.as_deref()).unwrap_or("");
    let iref = super::images::ImageRef::parse(container.image.as_deref().unwrap_or(""));
    let full = envvars::process_env(hostname, iref.lookup().map(|i| i.repository), &iref.tag, &vars);
    rebuilt.env = Some(full.into_iter().map(|(name, value)| EnvVar { name, value: Some(value), value_from: None }).collect());
    Some(rebuilt)
}
