//! The Deployment arithmetic (`deploymentutil`): resolving maxSurge / maxUnavailable, the new
//! replica set's next size, the old replica sets' scale-down, proportional shares, revisions.
//! Pure functions over the objects, so the tables can be checked without a cluster.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::PodTemplateSpec;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

pub const REVISION: &str = "deployment.kubernetes.io/revision";
pub const REVISION_HISTORY: &str = "deployment.kubernetes.io/revision-history";
pub const DESIRED_REPLICAS: &str = "deployment.kubernetes.io/desired-replicas";
pub const MAX_REPLICAS: &str = "deployment.kubernetes.io/max-replicas";
pub const HASH_LABEL: &str = "pod-template-hash";
/// The longest `revision-history` annotation kept (`maxRevHistoryLengthInChars`).
pub const MAX_REV_HISTORY_CHARS: usize = 2000;

/// Deployment annotations never copied onto its replica sets.
pub(super) const SKIP_COPY: &[&str] = &[
    "kubectl.kubernetes.io/last-applied-configuration",
    REVISION,
    REVISION_HISTORY,
    DESIRED_REPLICAS,
    MAX_REPLICAS,
    "deprecated.deployment.rollback.to",
];

/// `intstr.GetScaledValueFromIntOrPercent`: an int as is; `"N%"` of `total`, rounded up or down.
pub fn scaled_value(v: &IntOrString, total: i32, round_up: bool) -> Result<i32, String> {
    match v {
        IntOrString::Int(i) => Ok(*i),
        IntOrString::String(s) => {
            let Some(n) = s.strip_suffix('%') else { return Err("invalid value for IntOrString: invalid type: string is not a percentage".to_string()) };
            let n: i64 = n.parse().map_err(|_| format!("invalid value \"{s}\": strconv.Atoi: parsing \"{n}\": invalid syntax"))?;
            let product = n * i64::from(total);
            let v = if round_up { (product + 99).div_euclid(100) } else { product.div_euclid(100) };
            Ok(v.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32)
        }
    }
}

/// `ResolveFenceposts`: (surge, unavailable); both 0 makes unavailable 1.
pub fn resolve_fenceposts(surge: Option<&IntOrString>, unavailable: Option<&IntOrString>, desired: i32) -> (i32, i32) {
    let zero = IntOrString::Int(0);
    let surge = scaled_value(surge.unwrap_or(&zero), desired, true).unwrap_or(0);
    let mut unavailable = scaled_value(unavailable.unwrap_or(&zero), desired, false).unwrap_or(0);
    if surge == 0 && unavailable == 0 {
        unavailable = 1;
    }
    (surge, unavailable)
}

pub fn replicas(d: &Deployment) -> i32 {
    d.spec.replicas.unwrap_or(1)
}

pub fn is_rolling(d: &Deployment) -> bool {
    let ty = d.spec.strategy.as_ref().and_then(|s| s.type_.as_deref());
    ty != Some("Recreate")
}

fn fenceposts(d: &Deployment) -> (i32, i32) {
    let ru = d.spec.strategy.as_ref().and_then(|s| s.rolling_update.as_ref());
    resolve_fenceposts(ru.and_then(|r| r.max_surge.as_ref()), ru.and_then(|r| r.max_unavailable.as_ref()), replicas(d))
}

/// `MaxSurge`: 0 for Recreate, else the resolved surge (not clamped).
pub fn max_surge(d: &Deployment) -> i32 {
    if !is_rolling(d) {
        return 0;
    }
    fenceposts(d).0
}

/// `MaxUnavailable`: 0 for Recreate or no replicas, else at most `replicas`.
pub fn max_unavailable(d: &Deployment) -> i32 {
    let r = replicas(d);
    if !is_rolling(d) || r == 0 {
        return 0;
    }
    fenceposts(d).1.min(r)
}

pub fn rs_replicas(rs: &ReplicaSet) -> i32 {
    rs.spec.replicas.unwrap_or(1)
}

pub fn rs_available(rs: &ReplicaSet) -> i32 {
    rs.status.as_ref().and_then(|s| s.available_replicas).unwrap_or(0)
}

pub fn rs_ready(rs: &ReplicaSet) -> i32 {
    rs.status.as_ref().and_then(|s| s.ready_replicas).unwrap_or(0)
}

pub fn rs_status_replicas(rs: &ReplicaSet) -> i32 {
    rs.status.as_ref().map_or(0, |s| s.replicas)
}

fn annotation<'a>(rs: &'a ReplicaSet, key: &str) -> Option<&'a String> {
    rs.metadata.annotations.as_ref().and_then(|a| a.get(key))
}

/// `deploymentutil.Revision`: the revision annotation as a number (0 when absent or invalid).
pub fn revision(rs: &ReplicaSet) -> i64 {
    annotation(rs, REVISION).and_then(|v| v.parse().ok()).unwrap_or(0)
}

pub fn desired_annotation(rs: &ReplicaSet) -> Option<i32> {
    annotation(rs, DESIRED_REPLICAS).and_then(|v| v.parse().ok())
}

pub fn max_replicas_annotation(rs: &ReplicaSet) -> Option<i32> {
    annotation(rs, MAX_REPLICAS).and_then(|v| v.parse().ok())
}

/// Creation time then name: the order `ReplicaSetsByCreationTimestamp` gives.
pub fn created_key(rs: &ReplicaSet) -> (i64, String) {
    let t = rs.metadata.creation_timestamp.as_ref().map_or(i64::MIN, |t| t.0.as_second());
    (t, rs.metadata.name.clone().unwrap_or_default())
}

/// `NewRSNewReplicas`: the size the new replica set may grow to now.
pub fn new_rs_new_replicas(d: &Deployment, all: &[&ReplicaSet], new_rs: &ReplicaSet) -> i32 {
    let r = replicas(d);
    if !is_rolling(d) {
        return r;
    }
    let surge = max_surge(d);
    let current: i32 = all.iter().map(|rs| rs_replicas(rs)).sum();
    new_rs_target(r, surge, current, rs_replicas(new_rs))
}

/// The rolling-update rule on plain numbers: grow by what `replicas + maxSurge` leaves room for,
/// never past `replicas`.
pub fn new_rs_target(replicas: i32, max_surge: i32, current_total: i32, new_size: i32) -> i32 {
    let max_total = replicas + max_surge;
    if current_total >= max_total {
        return new_size;
    }
    new_size + (max_total - current_total).min(replicas - new_size)
}

/// One scale-down of an old replica set: (index into the old list, from, to).
pub type ScaleStep = (usize, i32, i32);

/// `reconcileOldReplicaSets` on plain numbers. `olds` are (spec.replicas, availableReplicas)
/// oldest first; `new` is the new replica set's (spec.replicas, availableReplicas). Returns the
/// scale-downs in the order the controller makes them: unhealthy pods first, then healthy ones
/// down to `replicas - maxUnavailable` available.
pub fn plan_old_scale_down(replicas: i32, max_unavailable: i32, new: (i32, i32), olds: &[(i32, i32)]) -> Vec<ScaleStep> {
    let mut steps = Vec::new();
    let old_total: i32 = olds.iter().map(|o| o.0).sum();
    if old_total == 0 {
        return steps;
    }
    let mut sizes: Vec<i32> = olds.iter().map(|o| o.0).collect();
    let all_pods = old_total + new.0;
    let min_available = replicas - max_unavailable;
    let new_unavailable = new.0 - new.1;
    let max_scaled_down = all_pods - min_available - new_unavailable;
    if max_scaled_down <= 0 {
        return steps;
    }
    // Step A: pods that are not available go first, within the budget.
    let mut cleaned = 0;
    for (i, &(spec, available)) in olds.iter().enumerate() {
        if cleaned >= max_scaled_down {
            break;
        }
        if spec == 0 || spec == available {
            continue;
        }
        let n = (max_scaled_down - cleaned).min(spec - available);
        let to = spec - n;
        if to > spec {
            continue;
        }
        cleaned += n;
        sizes[i] = to;
        steps.push((i, spec, to));
    }
    // Step B: healthy pods, as long as availability stays at min_available.
    let available: i32 = olds.iter().map(|o| o.1).sum::<i32>() + new.1;
    if available <= min_available {
        return steps;
    }
    let total = available - min_available;
    let mut scaled = 0;
    for (i, size) in sizes.iter().enumerate() {
        if scaled >= total {
            break;
        }
        if *size == 0 {
            continue;
        }
        let n = (*size).min(total - scaled);
        scaled += n;
        steps.push((i, *size, *size - n));
    }
    steps
}

/// `getReplicaSetFraction`: how many pods `rs` gains (or loses) when the deployment grows to
/// `replicas + maxSurge`, in proportion to the size it had at `max-replicas`.
fn fraction(rs: &ReplicaSet, d: &Deployment) -> i32 {
    let r = replicas(d);
    let size = rs_replicas(rs);
    if r == 0 {
        return -size;
    }
    let deployment_replicas = r + max_surge(d);
    let status_replicas = d.status.as_ref().and_then(|s| s.replicas).unwrap_or(0);
    let annotated = max_replicas_annotation(rs).unwrap_or(status_replicas);
    if annotated == 0 {
        return 0;
    }
    let new_size = f64::from(size) * f64::from(deployment_replicas) / f64::from(annotated);
    new_size.round() as i32 - size
}

/// `GetProportion`: the share of `to_add` for `rs`, capped by what is left.
pub fn proportion(rs: &ReplicaSet, d: &Deployment, to_add: i32, added: i32) -> i32 {
    if rs_replicas(rs) == 0 || to_add == 0 || to_add == added {
        return 0;
    }
    let f = fraction(rs, d);
    let allowed = to_add - added;
    if to_add > 0 { f.min(allowed) } else { f.max(allowed) }
}

/// Proportional scaling (the rolling-update branch of `scale`): the new size of each active
/// replica set, in the order they are visited (largest first; newer first on ties when
/// growing, older first when shrinking), the first one taking the rounding leftover.
pub fn plan_proportional(d: &Deployment, active: &[&ReplicaSet]) -> Vec<(usize, i32)> {
    let total: i32 = active.iter().map(|rs| rs_replicas(rs)).sum();
    let allowed = if replicas(d) > 0 { replicas(d) + max_surge(d) } else { 0 };
    let to_add = allowed - total;
    let mut order: Vec<usize> = (0..active.len()).collect();
    if to_add > 0 {
        order.sort_by(|&a, &b| rs_replicas(active[b]).cmp(&rs_replicas(active[a])).then_with(|| created_key(active[b]).cmp(&created_key(active[a]))));
    } else if to_add < 0 {
        order.sort_by(|&a, &b| rs_replicas(active[b]).cmp(&rs_replicas(active[a])).then_with(|| created_key(active[a]).cmp(&created_key(active[b]))));
    }
    let mut added = 0;
    let mut sizes: Vec<(usize, i32)> = Vec::with_capacity(order.len());
    for &i in &order {
        let rs = active[i];
        if to_add != 0 {
            let p = proportion(rs, d, to_add, added);
            sizes.push((i, rs_replicas(rs) + p));
            added += p;
        } else {
            sizes.push((i, rs_replicas(rs)));
        }
    }
    if let Some(first) = sizes.first_mut() {
        if to_add != 0 {
            first.1 = (first.1 + to_add - added).max(0);
        }
    }
    sizes
}

/// The template with the `pod-template-hash` label removed and empty maps as absent, for
/// `EqualIgnoreHash`.
pub fn normalised_template(t: &PodTemplateSpec) -> PodTemplateSpec {
    PodTemplateSpec { metadata: normalised_meta(t.metadata.as_ref()), spec: t.spec.clone() }
}

/// The template's metadata as [`normalised_template`] leaves it.
fn normalised_meta(m: Option<&ObjectMeta>) -> Option<ObjectMeta> {
    let mut m = m?.clone();
    if let Some(labels) = m.labels.as_mut() {
        labels.remove(HASH_LABEL);
    }
    if m.labels.as_ref().is_some_and(BTreeMap::is_empty) {
        m.labels = None;
    }
    if m.annotations.as_ref().is_some_and(BTreeMap::is_empty) {
        m.annotations = None;
    }
    (m != ObjectMeta::default()).then_some(m)
}

/// Whether two templates' metadata are equal once the hash label is dropped and empty maps
/// count as absent. Compared in place when only labels and annotations are set (a template's
/// usual metadata), through [`normalised_meta`] otherwise.
fn meta_equal_ignore_hash(a: Option<&ObjectMeta>, b: Option<&ObjectMeta>) -> bool {
    let only_maps = |m: Option<&ObjectMeta>| {
        m.is_none_or(|m| {
            let ObjectMeta { annotations: _, labels: _, creation_timestamp, deletion_grace_period_seconds, deletion_timestamp, finalizers, generate_name, generation, managed_fields, name, namespace, owner_references, resource_version, self_link, uid } = m;
            creation_timestamp.is_none()
                && deletion_grace_period_seconds.is_none()
                && deletion_timestamp.is_none()
                && finalizers.is_none()
                && generate_name.is_none()
                && generation.is_none()
                && managed_fields.is_none()
                && name.is_none()
                && namespace.is_none()
                && owner_references.is_none()
                && resource_version.is_none()
                && self_link.is_none()
                && uid.is_none()
        })
    };
    if !(only_maps(a) && only_maps(b)) {
        return normalised_meta(a) == normalised_meta(b);
    }
    fn labels(m: Option<&ObjectMeta>) -> impl Iterator<Item = (&String, &String)> {
        m.and_then(|m| m.labels.as_ref()).into_iter().flatten().filter(|(k, _)| k.as_str() != HASH_LABEL)
    }
    fn annotations(m: Option<&ObjectMeta>) -> impl Iterator<Item = (&String, &String)> {
        m.and_then(|m| m.annotations.as_ref()).into_iter().flatten()
    }
    labels(a).eq(labels(b)) && annotations(a).eq(annotations(b))
}

/// `EqualIgnoreHash` (the specs compared in place; only the metadata is normalised).
pub fn equal_ignore_hash(a: &PodTemplateSpec, b: &PodTemplateSpec) -> bool {
    a.spec == b.spec && meta_equal_ignore_hash(a.metadata.as_ref(), b.metadata.as_ref())
}

/// `ComputeHash`: a 32-bit FNV-1a of the template (without its hash label) and the collision
/// count, written as decimal digits through the generateName alphabet (`rand.SafeEncodeString`).
pub fn pod_template_hash(t: &PodTemplateSpec, collision_count: Option<i32>) -> String {
    let bytes = serde_json::to_vec(&normalised_template(t)).unwrap_or_default();
    safe_encode(&crate::controllers::revision::fnv32a(&bytes, collision_count).to_string())
}

/// `rand.SafeEncodeString`: each character to the alphabet entry at (code point mod 27).
pub fn safe_encode(s: &str) -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    s.chars().map(|c| ALPHABET[(c as usize) % ALPHABET.len()] as char).collect()
}

pub use super::annotations::{set_new_rs_annotations, set_replicas_annotations};
