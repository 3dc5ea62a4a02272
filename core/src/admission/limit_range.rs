//! LimitRanger: the admission plugin that fills in container resources from a namespace's
//! LimitRanges and refuses pods and claims outside their bounds, with the real texts.
//!
//! - [`admit_pod`] (pod create): requests default from limits (the API server's pod defaulting,
//!   which runs before admission), then every LimitRange's `default` / `defaultRequest` fill what
//!   containers and init containers leave unset, recorded in the `kubernetes.io/limit-ranger`
//!   annotation; then each LimitRange's `min`, `max` and `maxLimitRequestRatio` are checked per
//!   Container and, summed as the kubelet sums them, per Pod.
//! - [`admit_pvc`]: `min` / `max` of `storage` requests for type PersistentVolumeClaim.
//! - [`defaulted_items`]: a LimitRange item with the API server's defaulting applied (`default`
//!   from `max`, `defaultRequest` from `default`, then from `min`).
//!
//! Several failures of one LimitRange are reported together as `[first, second]`.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    Container, LimitRange, LimitRangeItem, PersistentVolumeClaim, Pod, ResourceRequirements,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity as K8sQuantity;

use super::quota::{aggregate_containers, forbidden, resource_list, ResourceList};
use crate::api::kinds::Kind;
use crate::api::quantity::{parse_quantity, Quantity};

/// The annotation that records what the plugin filled in.
pub const ANNOTATION: &str = "kubernetes.io/limit-ranger";

/// Values above this many units are compared in units instead of thousandths (Go's
/// `resource.MaxMilliValue`).
const MAX_MILLI_VALUE: i64 = i64::MAX / 1000;

type K8sList = BTreeMap<String, K8sQuantity>;

/// Applies the LimitRanges of the pod's namespace (in listing order) to a pod being created:
/// fills in defaults, then checks the bounds. The error is the API server's text, e.g.
/// `pods "web-abc" is forbidden: minimum cpu usage per Container is 100m, but request is 50m`.
/// The pod keeps its defaults even when it is refused.
pub fn admit_pod(pod: &mut Pod, ranges: &[&LimitRange]) -> Result<(), String> {
    default_requests_from_limits(pod);
    for range in ranges {
        apply_defaults(pod, range);
    }
    for range in ranges {
        let errors = validate_pod(pod, range);
        if !errors.is_empty() {
            return Err(forbidden(Kind::Pod, &pod.metadata, &aggregate(errors)));
        }
    }
    Ok(())
}

/// Checks a claim being created against the PersistentVolumeClaim items of the LimitRanges.
pub fn admit_pvc(pvc: &PersistentVolumeClaim, ranges: &[&LimitRange]) -> Result<(), String> {
    let requests = resource_list(
        pvc.spec
            .as_ref()
            .and_then(|s| s.resources.as_ref())
            .and_then(|r| r.requests.as_ref()),
    );
    for range in ranges {
        let mut errors = Vec::new();
        for item in items(range)
            .iter()
            .filter(|i| i.type_ == "PersistentVolumeClaim")
        {
            for (res, enforced) in resource_list(item.min.as_ref()) {
                errors.extend(min_constraint(
                    &item.type_,
                    &res,
                    &enforced,
                    &requests,
                    &ResourceList::new(),
                ));
            }
            for (res, enforced) in resource_list(item.max.as_ref()) {
                errors.extend(max_request_constraint(
                    &item.type_,
                    &res,
                    &enforced,
                    &requests,
                ));
            }
        }
        if !errors.is_empty() {
            return Err(forbidden(
                Kind::PersistentVolumeClaim,
                &pvc.metadata,
                &aggregate(errors),
            ));
        }
    }
    Ok(())
}

fn items(range: &LimitRange) -> &[LimitRangeItem] {
    range.spec.as_ref().map_or(&[], |s| s.limits.as_slice())
}

/// A LimitRange item as the API server stores it: for type Container, a missing `default` is taken
/// from `max`, a missing `defaultRequest` from `default`, then from `min`.
pub fn defaulted_items(range: &LimitRange) -> Vec<LimitRangeItem> {
    items(range)
        .iter()
        .cloned()
        .map(|mut item| {
            if item.type_ == "Container" {
                let mut default = item.default.take().unwrap_or_default();
                let mut default_request = item.default_request.take().unwrap_or_default();
                for (k, v) in item.max.iter().flatten() {
                    default.entry(k.clone()).or_insert_with(|| v.clone());
                }
                for (k, v) in default.iter().chain(item.min.iter().flatten()) {
                    default_request
                        .entry(k.clone())
                        .or_insert_with(|| v.clone());
                }
                item.default = Some(default);
                item.default_request = Some(default_request);
            }
            item
        })
        .collect()
}

fn all_containers_mut(pod: &mut Pod) -> Vec<(&mut Container, &'static str)> {
    let Some(spec) = pod.spec.as_mut() else {
        return Vec::new();
    };
    let mut out: Vec<_> = spec
        .containers
        .iter_mut()
        .map(|c| (c, "container"))
        .collect();
    out.extend(
        spec.init_containers
            .iter_mut()
            .flatten()
            .map(|c| (c, "init container")),
    );
    out
}

/// The API server's pod defaulting: a resource with a limit and no request gets the limit as its
/// request. It runs before admission, so LimitRange request defaults never override it.
fn default_requests_from_limits(pod: &mut Pod) {
    for (c, _) in all_containers_mut(pod) {
        let Some(r) = c.resources.as_mut() else {
            continue;
        };
        let Some(limits) = r.limits.as_ref() else {
            continue;
        };
        let requests = r.requests.get_or_insert_with(BTreeMap::new);
        for (k, v) in limits {
            requests.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
}

/// The value as the API server writes it back: the parsed quantity's text.
fn canonical(q: &K8sQuantity) -> K8sQuantity {
    parse_quantity(q)
        .map(|q| q.to_k8s())
        .unwrap_or_else(|_| q.clone())
}

/// Fills what a container lacks; returns the names it set, sorted.
fn merge(target: &mut Option<K8sList>, defaults: &K8sList) -> Vec<String> {
    let mut set = Vec::new();
    for (k, v) in defaults {
        if target.as_ref().is_some_and(|t| t.contains_key(k)) {
            continue;
        }
        target
            .get_or_insert_with(BTreeMap::new)
            .insert(k.clone(), canonical(v));
        set.push(k.clone());
    }
    set
}

fn apply_defaults(pod: &mut Pod, range: &LimitRange) {
    let mut default_limits = K8sList::new();
    let mut default_requests = K8sList::new();
    for item in defaulted_items(range)
        .into_iter()
        .filter(|i| i.type_ == "Container")
    {
        default_requests.extend(item.default_request.unwrap_or_default());
        default_limits.extend(item.default.unwrap_or_default());
    }
    if default_limits.is_empty() && default_requests.is_empty() {
        return;
    }
    let mut notes = Vec::new();
    for (c, what) in all_containers_mut(pod) {
        let r = c
            .resources
            .get_or_insert_with(ResourceRequirements::default);
        let set_limits = merge(&mut r.limits, &default_limits);
        let set_requests = merge(&mut r.requests, &default_requests);
        if !set_requests.is_empty() {
            notes.push(format!(
                "{} request for {what} {}",
                set_requests.join(", "),
                c.name
            ));
        }
        if !set_limits.is_empty() {
            notes.push(format!(
                "{} limit for {what} {}",
                set_limits.join(", "),
                c.name
            ));
        }
        if c.resources
            .as_ref()
            .is_some_and(|r| r == &ResourceRequirements::default())
        {
            c.resources = None;
        }
    }
    if !notes.is_empty() {
        pod.metadata
            .annotations
            .get_or_insert_with(BTreeMap::new)
            .insert(
                ANNOTATION.to_string(),
                format!("LimitRanger plugin set: {}", notes.join("; ")),
            );
    }
}

fn container_lists(c: &Container) -> (ResourceList, ResourceList) {
    let r = c.resources.as_ref();
    (
        resource_list(r.and_then(|r| r.requests.as_ref())),
        resource_list(r.and_then(|r| r.limits.as_ref())),
    )
}

fn validate_pod(pod: &Pod, range: &LimitRange) -> Vec<String> {
    let mut errors = Vec::new();
    let mut check =
        |kind: &str, item: &LimitRangeItem, requests: &ResourceList, limits: &ResourceList| {
            for (res, enforced) in resource_list(item.min.as_ref()) {
                errors.extend(min_constraint(kind, &res, &enforced, requests, limits));
            }
            for (res, enforced) in resource_list(item.max.as_ref()) {
                errors.extend(max_constraint(kind, &res, &enforced, requests, limits));
            }
            for (res, enforced) in resource_list(item.max_limit_request_ratio.as_ref()) {
                errors.extend(ratio_constraint(kind, &res, &enforced, requests, limits));
            }
        };
    for item in items(range) {
        match item.type_.as_str() {
            "Container" => {
                let spec = pod.spec.as_ref();
                let containers = spec.map(|s| s.containers.as_slice()).unwrap_or_default();
                let init = spec
                    .and_then(|s| s.init_containers.as_deref())
                    .unwrap_or_default();
                for c in containers.iter().chain(init) {
                    let (requests, limits) = container_lists(c);
                    check("Container", item, &requests, &limits);
                }
            }
            "Pod" => {
                let requests = aggregate_containers(pod, false);
                let limits = aggregate_containers(pod, true);
                check("Pod", item, &requests, &limits);
            }
            _ => {}
        }
    }
    errors
}

/// Request, limit and bound at a common precision: thousandths when all three fit, else units.
fn enforced_values(
    request: Option<&Quantity>,
    limit: Option<&Quantity>,
    enforced: &Quantity,
) -> (i64, i64, i64) {
    let zero = Quantity::ZERO;
    let (req, lim) = (request.unwrap_or(&zero), limit.unwrap_or(&zero));
    let values = (req.value(), lim.value(), enforced.value());
    if values.0 <= MAX_MILLI_VALUE && values.1 <= MAX_MILLI_VALUE && values.2 <= MAX_MILLI_VALUE {
        (req.milli_value(), lim.milli_value(), enforced.milli_value())
    } else {
        values
    }
}

fn min_constraint(
    kind: &str,
    res: &str,
    enforced: &Quantity,
    requests: &ResourceList,
    limits: &ResourceList,
) -> Option<String> {
    let (req, lim) = (requests.get(res), limits.get(res));
    let (r, l, e) = enforced_values(req, lim, enforced);
    let Some(req) = req else {
        return Some(format!(
            "minimum {res} usage per {kind} is {enforced}.  No request is specified"
        ));
    };
    if r < e {
        return Some(format!(
            "minimum {res} usage per {kind} is {enforced}, but request is {req}"
        ));
    }
    match lim {
        Some(lim) if l < e => Some(format!(
            "minimum {res} usage per {kind} is {enforced}, but limit is {lim}"
        )),
        _ => None,
    }
}

fn max_constraint(
    kind: &str,
    res: &str,
    enforced: &Quantity,
    requests: &ResourceList,
    limits: &ResourceList,
) -> Option<String> {
    let (req, lim) = (requests.get(res), limits.get(res));
    let (r, l, e) = enforced_values(req, lim, enforced);
    let Some(lim) = lim else {
        return Some(format!(
            "maximum {res} usage per {kind} is {enforced}.  No limit is specified"
        ));
    };
    if l > e {
        return Some(format!(
            "maximum {res} usage per {kind} is {enforced}, but limit is {lim}"
        ));
    }
    match req {
        Some(req) if r > e => Some(format!(
            "maximum {res} usage per {kind} is {enforced}, but request is {req}"
        )),
        _ => None,
    }
}

/// The max constraint for claims, whose limits are not user input: only the request is checked.
fn max_request_constraint(
    kind: &str,
    res: &str,
    enforced: &Quantity,
    requests: &ResourceList,
) -> Option<String> {
    let req = requests.get(res);
    let (r, _, e) = enforced_values(req, None, enforced);
    let Some(req) = req else {
        return Some(format!(
            "maximum {res} usage per {kind} is {enforced}.  No request is specified"
        ));
    };
    (r > e).then(|| format!("maximum {res} usage per {kind} is {enforced}, but request is {req}"))
}

fn ratio_constraint(
    kind: &str,
    res: &str,
    enforced: &Quantity,
    requests: &ResourceList,
    limits: &ResourceList,
) -> Option<String> {
    let (req, lim) = (requests.get(res), limits.get(res));
    let (r, l, _) = enforced_values(req, lim, enforced);
    if req.is_none() || r == 0 {
        return Some(format!(
            "{res} max limit to request ratio per {kind} is {enforced}, but no request is specified or request is 0"
        ));
    }
    if lim.is_none() || l == 0 {
        return Some(format!(
            "{res} max limit to request ratio per {kind} is {enforced}, but no limit is specified or limit is 0"
        ));
    }
    // The ratio is a float in the real plugin, and is printed with `%f`.
    let shown = l as f64 / r as f64;
    let (observed, max) = if enforced.value() <= MAX_MILLI_VALUE {
        (shown * 1000.0, enforced.milli_value() as f64)
    } else {
        (shown, enforced.value() as f64)
    };
    (observed > max)
        .then(|| format!("{res} max limit to request ratio per {kind} is {enforced}, but provided ratio is {shown:.6}"))
}

/// `utilerrors.NewAggregate(...).Error()`: one message as it is, several de-duplicated in brackets.
fn aggregate(errors: Vec<String>) -> String {
    let mut seen: Vec<String> = Vec::new();
    for e in errors {
        if !seen.contains(&e) {
            seen.push(e);
        }
    }
    if seen.len() == 1 {
        seen.remove(0)
    } else {
        format!("[{}]", seen.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from_yaml<T: serde::de::DeserializeOwned>(yaml: &str) -> T {
        serde_norway::from_str(yaml).expect("test YAML decodes")
    }

    fn lr(items: &str) -> LimitRange {
        from_yaml(&format!("{{apiVersion: v1, kind: LimitRange, metadata: {{name: lr, namespace: ns}}, spec: {{limits: [{items}]}}}}"))
    }

    /// One line per container: `name: requests cpu=…,memory=… limits …`, then the annotation.
    fn render(pod: &Pod) -> String {
        let list = |l: Option<&K8sList>| {
            l.map(|l| {
                l.iter()
                    .map(|(k, v)| format!("{k}={}", v.0))
                    .collect::<Vec<_>>()
                    .join(",")
            })
            .unwrap_or_default()
        };
        let spec = pod.spec.as_ref().expect("test pods have a spec");
        let mut lines: Vec<String> = spec
            .init_containers
            .iter()
            .flatten()
            .chain(&spec.containers)
            .map(|c| {
                let r = c.resources.as_ref();
                format!(
                    "{}: requests {} limits {}",
                    c.name,
                    list(r.and_then(|r| r.requests.as_ref())),
                    list(r.and_then(|r| r.limits.as_ref()))
                )
            })
            .collect();
        if let Some(a) = pod
            .metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get(ANNOTATION))
        {
            lines.push(a.clone());
        }
        lines.join("\n")
    }

    /// (LimitRange items, one string per LimitRange; pod YAML) → the pod as rendered, or the error.
    fn check(input: (&[&str], &str), expect: Result<&str, &str>) {
        let (range_items, pod_yaml) = input;
        let ranges: Vec<LimitRange> = range_items.iter().map(|i| lr(i)).collect();
        let refs: Vec<&LimitRange> = ranges.iter().collect();
        let mut pod: Pod = from_yaml(pod_yaml);
        let got = admit_pod(&mut pod, &refs).map(|()| render(&pod));
        let got = got.as_ref().map(String::as_str).map_err(String::as_str);
        assert_eq!(got, expect, "ranges {range_items:?}\npod {pod_yaml}");
    }

    fn pod(containers: &str) -> String {
        format!("{{apiVersion: v1, kind: Pod, metadata: {{name: web-abc, namespace: ns}}, spec: {{containers: [{containers}]}}}}")
    }

    const DEFAULTS: &str = "{type: Container, default: {cpu: 500m, memory: 512Mi}, defaultRequest: {cpu: 100m, memory: 256Mi}}";

    #[test]
    fn defaults_and_bounds() {
        let nginx = pod("{name: nginx, image: nginx}");
        let two =
            pod("{name: a, image: x}, {name: b, image: x, resources: {requests: {cpu: 200m}}}");
        let with_init = "{apiVersion: v1, kind: Pod, metadata: {name: web-abc}, spec: {initContainers: [{name: init, image: busybox}], containers: [{name: app, image: x, resources: {limits: {memory: 1Gi}}}]}}";
        let limit_only = pod("{name: nginx, image: nginx, resources: {limits: {cpu: '1'}}}");
        let request_50m = pod("{name: nginx, image: nginx, resources: {requests: {cpu: 50m}}}");
        let limit_2gi = pod("{name: nginx, image: nginx, resources: {limits: {memory: 2Gi}}}");
        let ratio_4 = pod(
            "{name: nginx, image: nginx, resources: {requests: {cpu: 250m}, limits: {cpu: '1'}}}",
        );
        let ratio_2_5 = pod("{name: nginx, image: nginx, resources: {requests: {memory: 100Mi}, limits: {memory: 250Mi}}}");
        let request_300m = pod("{name: nginx, image: nginx, resources: {requests: {cpu: 300m}}}");
        let two_failures = pod(
            "{name: nginx, image: nginx, resources: {requests: {cpu: 50m}, limits: {memory: 2Gi}}}",
        );
        let two_50m = pod("{name: a, image: x, resources: {requests: {cpu: 50m}}}, {name: b, image: x, resources: {requests: {cpu: 50m}}}");
        let pair_600m = pod("{name: a, image: x, resources: {limits: {cpu: 600m}}}, {name: b, image: x, resources: {limits: {cpu: 600m}}}");
        type Case<'a> = ((Vec<&'a str>, &'a str), Result<&'a str, &'a str>);
        let cases: Vec<Case> = vec![
            ((vec![], &nginx), Ok("nginx: requests  limits ")),
            (
                (vec![DEFAULTS], &nginx),
                Ok("nginx: requests cpu=100m,memory=256Mi limits cpu=500m,memory=512Mi\nLimitRanger plugin set: cpu, memory request for container nginx; cpu, memory limit for container nginx"),
            ),
            (
                (vec![DEFAULTS], &two),
                Ok("a: requests cpu=100m,memory=256Mi limits cpu=500m,memory=512Mi\nb: requests cpu=200m,memory=256Mi limits cpu=500m,memory=512Mi\nLimitRanger plugin set: cpu, memory request for container a; cpu, memory limit for container a; memory request for container b; cpu, memory limit for container b"),
            ),
            (
                (vec![DEFAULTS], with_init),
                Ok("init: requests cpu=100m,memory=256Mi limits cpu=500m,memory=512Mi\napp: requests cpu=100m,memory=1Gi limits cpu=500m,memory=1Gi\nLimitRanger plugin set: cpu request for container app; cpu limit for container app; cpu, memory request for init container init; cpu, memory limit for init container init"),
            ),
            // A limit without a request: the request is the limit, not defaultRequest.
            ((vec![DEFAULTS], &limit_only), Ok("nginx: requests cpu=1,memory=256Mi limits cpu=1,memory=512Mi\nLimitRanger plugin set: memory request for container nginx; memory limit for container nginx")),
            // Only `default`: requests default to it too.
            (
                (vec!["{type: Container, default: {cpu: '1'}}"], &nginx),
                Ok("nginx: requests cpu=1 limits cpu=1\nLimitRanger plugin set: cpu request for container nginx; cpu limit for container nginx"),
            ),
            // Only `max`: it becomes the default limit, and so the default request.
            (
                (vec!["{type: Container, max: {memory: 1Gi}}"], &nginx),
                Ok("nginx: requests memory=1Gi limits memory=1Gi\nLimitRanger plugin set: memory request for container nginx; memory limit for container nginx"),
            ),
            // Only `min`: it becomes the default request.
            (
                (vec!["{type: Container, min: {cpu: 100m}}"], &nginx),
                Ok("nginx: requests cpu=100m limits \nLimitRanger plugin set: cpu request for container nginx"),
            ),
            // Defaults are written in canonical form.
            (
                (vec!["{type: Container, default: {cpu: '0.5', memory: 1024Mi}}"], &nginx),
                Ok("nginx: requests cpu=500m,memory=1Gi limits cpu=500m,memory=1Gi\nLimitRanger plugin set: cpu, memory request for container nginx; cpu, memory limit for container nginx"),
            ),
            // The last LimitRange that set something writes the annotation.
            (
                (vec!["{type: Container, defaultRequest: {cpu: 100m}}", "{type: Container, defaultRequest: {memory: 64Mi}}"], &nginx),
                Ok("nginx: requests cpu=100m,memory=64Mi limits \nLimitRanger plugin set: memory request for container nginx"),
            ),
            (
                (vec!["{type: Container, min: {cpu: 100m}}"], &request_50m),
                Err("pods \"web-abc\" is forbidden: minimum cpu usage per Container is 100m, but request is 50m"),
            ),
            (
                (vec!["{type: Container, min: {cpu: 100m}, defaultRequest: {cpu: 50m}}"], &nginx),
                Err("pods \"web-abc\" is forbidden: minimum cpu usage per Container is 100m, but request is 50m"),
            ),
            (
                (vec!["{type: Container, min: {memory: 1Gi}, max: {memory: 4Gi}, default: {memory: 512Mi}, defaultRequest: {memory: 1Gi}}"], &nginx),
                Err("pods \"web-abc\" is forbidden: minimum memory usage per Container is 1Gi, but limit is 512Mi"),
            ),
            (
                (vec!["{type: Container, max: {memory: 1Gi}}"], &limit_2gi),
                Err("pods \"web-abc\" is forbidden: maximum memory usage per Container is 1Gi, but limit is 2Gi"),
            ),
            (
                (vec!["{type: Container, max: {cpu: 200m}, default: {cpu: 100m}}"], &request_300m),
                Err("pods \"web-abc\" is forbidden: maximum cpu usage per Container is 200m, but request is 300m"),
            ),
            (
                (vec!["{type: Container, maxLimitRequestRatio: {cpu: '2'}}"], &ratio_4),
                Err("pods \"web-abc\" is forbidden: cpu max limit to request ratio per Container is 2, but provided ratio is 4.000000"),
            ),
            ((vec!["{type: Container, maxLimitRequestRatio: {cpu: '4'}}"], &ratio_4), Ok("nginx: requests cpu=250m limits cpu=1")),
            (
                (vec!["{type: Container, maxLimitRequestRatio: {memory: '2'}}"], &ratio_2_5),
                Err("pods \"web-abc\" is forbidden: memory max limit to request ratio per Container is 2, but provided ratio is 2.500000"),
            ),
            (
                (vec!["{type: Container, maxLimitRequestRatio: {cpu: '2'}}"], &nginx),
                Err("pods \"web-abc\" is forbidden: cpu max limit to request ratio per Container is 2, but no request is specified or request is 0"),
            ),
            (
                (vec!["{type: Container, maxLimitRequestRatio: {cpu: '2'}}"], &request_50m),
                Err("pods \"web-abc\" is forbidden: cpu max limit to request ratio per Container is 2, but no limit is specified or limit is 0"),
            ),
            // Several failures of one LimitRange come together.
            (
                (vec!["{type: Container, min: {cpu: 100m}, max: {memory: 1Gi}}"], &two_failures),
                Err("pods \"web-abc\" is forbidden: [minimum cpu usage per Container is 100m, but request is 50m, maximum memory usage per Container is 1Gi, but limit is 2Gi]"),
            ),
            // Identical failures of two containers are reported once.
            (
                (vec!["{type: Container, min: {cpu: 100m}}"], &two_50m),
                Err("pods \"web-abc\" is forbidden: minimum cpu usage per Container is 100m, but request is 50m"),
            ),
            // Type Pod: the containers add up.
            (
                (vec!["{type: Pod, max: {cpu: '1'}}"], &pair_600m),
                Err("pods \"web-abc\" is forbidden: maximum cpu usage per Pod is 1, but limit is 1200m"),
            ),
            ((vec!["{type: Pod, max: {cpu: '2'}}"], &pair_600m), Ok("a: requests cpu=600m limits cpu=600m\nb: requests cpu=600m limits cpu=600m")),
            (
                (vec!["{type: Pod, max: {cpu: '2'}}"], &nginx),
                Err("pods \"web-abc\" is forbidden: maximum cpu usage per Pod is 2.  No limit is specified"),
            ),
            (
                (vec!["{type: Pod, min: {memory: 64Mi}}"], &nginx),
                Err("pods \"web-abc\" is forbidden: minimum memory usage per Pod is 64Mi.  No request is specified"),
            ),
            // Container defaults count toward the Pod bounds.
            (
                (vec![DEFAULTS, "{type: Pod, max: {memory: 1Gi}}"], &two),
                Ok("a: requests cpu=100m,memory=256Mi limits cpu=500m,memory=512Mi\nb: requests cpu=200m,memory=256Mi limits cpu=500m,memory=512Mi\nLimitRanger plugin set: cpu, memory request for container a; cpu, memory limit for container a; memory request for container b; cpu, memory limit for container b"),
            ),
            (
                (vec![DEFAULTS, "{type: Pod, max: {memory: 1000Mi}}"], &two),
                Err("pods \"web-abc\" is forbidden: maximum memory usage per Pod is 1000Mi, but limit is 1Gi"),
            ),
        ];
        for ((ranges, pod_yaml), expect) in &cases {
            check((ranges.as_slice(), pod_yaml), *expect);
        }
    }

    #[test]
    fn claims() {
        let item = "{type: PersistentVolumeClaim, min: {storage: 1Gi}, max: {storage: 10Gi}}";
        let claim = |size: &str| -> PersistentVolumeClaim {
            from_yaml(&format!("{{apiVersion: v1, kind: PersistentVolumeClaim, metadata: {{name: data}}, spec: {{resources: {{requests: {{storage: {size}}}}}}}}}"))
        };
        let cases: &[(&str, Result<(), &str>)] = &[
            ("5Gi", Ok(())),
            ("1Gi", Ok(())),
            ("500Mi", Err("persistentvolumeclaims \"data\" is forbidden: minimum storage usage per PersistentVolumeClaim is 1Gi, but request is 500Mi")),
            ("20Gi", Err("persistentvolumeclaims \"data\" is forbidden: maximum storage usage per PersistentVolumeClaim is 10Gi, but request is 20Gi")),
        ];
        let range = lr(item);
        for (size, expect) in cases {
            assert_eq!(
                admit_pvc(&claim(size), &[&range]),
                expect.map_err(str::to_string),
                "{size}"
            );
        }
        let no_request: PersistentVolumeClaim = from_yaml(
            "{apiVersion: v1, kind: PersistentVolumeClaim, metadata: {name: data}, spec: {}}",
        );
        assert_eq!(
            admit_pvc(&no_request, &[&range]),
            Err("persistentvolumeclaims \"data\" is forbidden: [minimum storage usage per PersistentVolumeClaim is 1Gi.  No request is specified, maximum storage usage per PersistentVolumeClaim is 10Gi.  No request is specified]".to_string())
        );
    }
}
