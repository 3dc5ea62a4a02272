//! ip-masq-agent, one per node where a pod of the image `…/networking/ip-masq-agent` runs
//! (normally the DaemonSet's, with hostNetwork): the agent's resync loop.
//!
//! The loop syncs when the container starts and then every `resyncInterval` (of the last good
//! configuration): read the config, and on success write the rules (`net::masq_agent`) into
//! the node's nat table. A bad config writes nothing that round and leaves the last good
//! rules in place; the agent logs it to the container log, as klog prints it
//! (`E<mmdd> <time>       1 ip-masq-agent.go:161] error syncing configuration: <err>`).
//!
//! Simplified: the config is read from the ConfigMap in the store at each sync, not from the
//! mounted file (which the kubelet refreshes within about a minute of an edit); the running
//! state is the pod's status in the store. The agent never removes its rules: they stay when
//! its pod stops, as on a real node, until someone deletes them.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::Pod;

use super::{Ctx, Requeue};
use crate::api::{Kind, Object};
use crate::kubelet::images::ImageRef;
use crate::net::masq_agent::{self, Config, Flags, CONFIG_MAP};
use crate::store::{ObjectRef, WatchEvent};
use crate::time::{SimDuration, SimTime};

/// What each agent keeps in memory: its current configuration, by pod.
pub type State = BTreeMap<ObjectRef, Config>;

/// The agent container of `pod`: its name and flags (command and args), if it runs the image.
fn agent_container(pod: &Pod) -> Option<(String, Flags)> {
    let spec = pod.spec.as_ref()?;
    spec.containers.iter().find_map(|c| {
        // Every pod event passes here: an image that does not even name the agent is skipped
        // before it is parsed.
        let raw = c.image.as_deref().filter(|i| i.contains(masq_agent::IMAGE))?;
        let image = ImageRef::parse(raw);
        if image.path != masq_agent::IMAGE && !image.path.ends_with(&format!("/{}", masq_agent::IMAGE)) {
            return None;
        }
        let words: Vec<String> = c.command.iter().flatten().chain(c.args.iter().flatten()).cloned().collect();
        Some((c.name.clone(), Flags::parse(&words)))
    })
}

pub fn keys_for(event: &WatchEvent) -> Vec<ObjectRef> {
    match (&*event.object, event.key.kind) {
        (Object::Pod(p), Kind::Pod) if agent_container(p).is_some() => vec![event.key.clone()],
        _ => Vec::new(),
    }
}

/// Whether container `name` of `pod` is running (from the status the kubelet reports).
fn running(pod: &Pod, name: &str) -> bool {
    pod.metadata.deletion_timestamp.is_none()
        && pod.status.as_ref().and_then(|s| s.container_statuses.as_ref()).into_iter().flatten().any(|c| c.name == name && c.state.as_ref().is_some_and(|s| s.running.is_some()))
}

/// klog's header: `E1205 15:52:14.000000       1 ip-masq-agent.go:161] `.
fn klog(severity: char, at: SimTime, line: u32, msg: &str) -> String {
    let t = crate::time::rfc3339(at);
    let (date, time) = t.split_once('T').unwrap_or((&t, ""));
    let mmdd: String = date.splitn(3, '-').skip(1).collect();
    let micros = at.0 % 1_000_000;
    format!("{severity}{mmdd} {}.{micros:06}       1 ip-masq-agent.go:{line}] {msg}", time.trim_end_matches('Z'))
}

pub fn reconcile(ctx: &mut Ctx<'_, '_>, key: &ObjectRef) -> Requeue {
    let Some(obj) = ctx.api.store.get(key).cloned() else {
        ctx.state.ip_masq_agent.remove(key);
        return Requeue::Done;
    };
    let Object::Pod(pod) = &*obj else { return Requeue::Done };
    let Some((container, flags)) = agent_container(pod) else { return Requeue::Done };
    let node = pod.spec.as_ref().and_then(|s| s.node_name.clone()).unwrap_or_default();
    if !running(pod, &container) {
        ctx.state.ip_masq_agent.remove(key);
        return Requeue::Done;
    }
    let (ns, name, k) = CONFIG_MAP;
    let file = match ctx.api.store.get(&ObjectRef::new(Kind::ConfigMap, Some(ns), name)).map(|o| &**o) {
        Some(Object::ConfigMap(cm)) => cm.data.as_ref().and_then(|d| d.get(k)).cloned(),
        _ => None,
    };
    let loaded = match file {
        None => Ok(Config::defaults(&flags)),
        Some(text) => Config::from_file(&text, &flags),
    };
    let uid = pod.metadata.uid.clone().unwrap_or_default();
    let now = ctx.api.now;
    let config = match loaded {
        Ok(c) => c,
        Err(e) => {
            let line = klog('E', now, 161, &format!("error syncing configuration: {e}"));
            ctx.api.logs.append(&uid, &container, now, &line);
            let last = ctx.state.ip_masq_agent.get(key).map_or(SimDuration::from_secs(60), |c| c.resync_interval);
            return Requeue::Periodic(last.max(SimDuration::from_millis(1)));
        }
    };
    let interval = config.resync_interval.max(SimDuration::from_millis(1));
    let root = ctx.api.net.node(&node).map(|n| n.root);
    if let Some(nf) = root.and_then(|r| ctx.api.net.netfilter_mut(r)) {
        if let Err(e) = masq_agent::sync(nf, &config, &flags) {
            let line = klog('E', now, 166, &format!("error syncing masquerade rules: {e}"));
            ctx.api.logs.append(&uid, &container, now, &line);
        }
    }
    ctx.state.ip_masq_agent.insert(key.clone(), config);
    Requeue::Periodic(interval)
}
