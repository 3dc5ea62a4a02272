//! Image pulls as the kubelet's image manager does them per pull policy: already present,
//! `Never`, pulling (one pull at a time per node, the catalog's pull time), pulled, or failed
//! with `ErrImagePull` and the `ImagePullBackOff` back-off.

use crate::controllers::Ctx;
use crate::sim::events::EventType;
use crate::time::{go_duration, SimDuration};

use super::super::images::not_found_message;
use super::super::NodeRuntime;
use super::container::{BACKOFF_INITIAL, BACKOFF_MAX, BACKOFF_REPORT, BACKOFF_RESET};
use super::runtime::{CState, Ctr, Pull};
use super::SyncCx;

/// Pulling an image that is already in the node's store, or being pulled (manifest check).
const PRESENT_PULL_MS: u64 = 250;

/// Image pull per the container's policy. Returns true when the image is present.
pub(super) fn pull(ctx: &mut Ctx<'_, '_>, cx: &mut SyncCx<'_>, c: &mut Ctr) -> bool {
    let now = ctx.api.now;
    let full = c.iref.full();
    loop {
        match c.pull.clone() {
            Pull::Present => return true,
            Pull::NotStarted => {
                let node: &mut NodeRuntime = ctx.state.kubelet.nodes.entry(cx.node.clone()).or_default();
                let present = node.images.get(&full).is_some_and(|&t| t <= now);
                if c.pull_policy == "Never" {
                    if present {
                        c.pull = Pull::Present;
                        continue;
                    }
                    let msg = format!("Container image \"{}\" is not present with pull policy of Never", c.image);
                    cx.event(ctx, EventType::Warning, "ErrImageNeverPull", &msg);
                    c.state = CState::Waiting { reason: "ErrImageNeverPull", message: Some(msg) };
                    return false;
                }
                if present && c.pull_policy != "Always" {
                    cx.event(ctx, EventType::Normal, "Pulled", &format!("Container image \"{}\" already present on machine", c.image));
                    c.pull = Pull::Present;
                    continue;
                }
                let in_store = node.images.contains_key(&full);
                let base = match c.entry {
                    Some(e) if !in_store => e.pull_ms + ctx.api.rng.below(e.pull_ms / 4 + 1),
                    Some(_) => PRESENT_PULL_MS + ctx.api.rng.below(200),
                    None => 300 + ctx.api.rng.below(400),
                };
                let node = ctx.state.kubelet.nodes.entry(cx.node.clone()).or_default();
                let started = node.pull_busy_until.max(now);
                let done = started + SimDuration::from_millis(base);
                node.pull_busy_until = done;
                cx.event(ctx, EventType::Normal, "Pulling", &format!("Pulling image \"{}\"", c.image));
                c.pull = Pull::Pulling { requested: now, started, done };
            }
            Pull::Pulling { requested, started, done } => {
                if now < done {
                    cx.wake(done);
                    if !matches!(c.state, CState::Waiting { reason: "ContainerCreating" | "PodInitializing", .. }) {
                        c.state = CState::Waiting { reason: "ContainerCreating", message: None };
                    }
                    return false;
                }
                match c.entry {
                    Some(e) => {
                        let node = ctx.state.kubelet.nodes.entry(cx.node.clone()).or_default();
                        let at = node.images.get(&full).copied().unwrap_or(done).min(done);
                        node.images.insert(full.clone(), at);
                        let pulled = go_duration(truncate_ms(done.since(started)));
                        let total = go_duration(truncate_ms(done.since(requested)));
                        cx.event(
                            ctx,
                            EventType::Normal,
                            "Pulled",
                            &format!("Successfully pulled image \"{}\" in {pulled} ({total} including waiting). Image size: {} bytes.", c.image, e.size_bytes),
                        );
                        c.pull_backoff = None;
                        c.pull = Pull::Present;
                    }
                    None => {
                        let msg = not_found_message(&c.image, &c.iref);
                        cx.event(ctx, EventType::Warning, "Failed", &msg);
                        cx.event(ctx, EventType::Warning, "Failed", "Error: ErrImagePull");
                        let d = match c.pull_backoff {
                            Some((d, upd)) if now.since(upd) <= BACKOFF_RESET => SimDuration(d.0 * 2).min(BACKOFF_MAX),
                            _ => BACKOFF_INITIAL,
                        };
                        c.pull_backoff = Some((d, now));
                        let detail = msg.trim_start_matches(&format!("Failed to pull image \"{}\": ", c.image)).to_string();
                        c.state = CState::Waiting { reason: "ErrImagePull", message: Some(detail) };
                        c.pull = Pull::Failed { report: now + BACKOFF_REPORT, retry: now + d, reported: false };
                        cx.wake(now + BACKOFF_REPORT);
                        return false;
                    }
                }
            }
            Pull::Failed { report, retry, reported } => {
                if now >= retry {
                    c.pull = Pull::NotStarted;
                    continue;
                }
                if !reported && now >= report {
                    cx.event(ctx, EventType::Normal, "BackOff", &format!("Back-off pulling image \"{}\"", c.image));
                    cx.event(ctx, EventType::Warning, "Failed", "Error: ImagePullBackOff");
                    c.state = CState::Waiting { reason: "ImagePullBackOff", message: Some(format!("Back-off pulling image \"{}\"", c.image)) };
                    c.pull = Pull::Failed { report, retry, reported: true };
                }
                cx.wake(if reported || now >= report { retry } else { report });
                return false;
            }
        }
    }
}

fn truncate_ms(d: SimDuration) -> u64 {
    d.as_micros() / 1000 * 1000
}
