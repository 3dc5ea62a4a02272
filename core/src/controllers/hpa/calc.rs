//! The replica calculation for a CPU utilisation target, as the HPA controller's replica
//! calculator does it (`GetResourceReplicas`): pods grouped into ready, unready, missing and
//! ignored; utilisation = integer percent of the summed requests; a 0.1 tolerance band;
//! missing pods assumed at 100 % of their request when scaling down and at 0 when scaling up;
//! unready pods assumed at 0 when scaling up; no change if those assumptions flip the direction.

/// `--horizontal-pod-autoscaler-tolerance`.
pub const TOLERANCE: f64 = 0.1;

/// One pod the scale target selects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sample {
    pub name: String,
    /// Terminating or Failed: left out entirely.
    pub ignored: bool,
    /// Pending, or not Ready.
    pub unready: bool,
    /// CPU usage in millicores; `None` when metrics-server has nothing for it.
    pub usage_milli: Option<i64>,
    /// Summed CPU requests of the containers; `Err(container)` if one has none.
    pub request_milli: Result<i64, String>,
}

/// What the calculation found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recommendation {
    pub replicas: i32,
    /// Current utilisation, percent of request (integer, truncated).
    pub utilization: i32,
    /// Average usage per pod with metrics, millicores.
    pub average_milli: i64,
}

/// Integer utilisation over the pods of `entries` (usage, request), its ratio to the target
/// and the average usage.
fn ratio(entries: &[(i64, i64)], target: i32) -> Result<(f64, i32, i64), String> {
    let usage: i64 = entries.iter().map(|e| e.0).sum();
    let requests: i64 = entries.iter().map(|e| e.1).sum();
    if requests == 0 || entries.is_empty() {
        return Err("no metrics returned matched known pods".into());
    }
    let utilization = (usage * 100 / requests) as i32;
    Ok((f64::from(utilization) / f64::from(target), utilization, usage / entries.len() as i64))
}

/// `GetResourceReplicas` for resource `cpu` with target `target` percent.
pub fn cpu_replicas(current: i32, target: i32, pods: &[Sample]) -> Result<Recommendation, String> {
    if pods.is_empty() {
        return Err("no pods returned by selector while calculating replica count".into());
    }
    let counted: Vec<&Sample> = pods.iter().filter(|p| !p.ignored).collect();
    let mut with_metrics: Vec<(&Sample, i64)> = Vec::new();
    let mut missing = Vec::new();
    let mut unready = Vec::new();
    for p in &counted {
        match p.usage_milli {
            None => missing.push(*p),
            Some(_) if p.unready => unready.push(*p),
            Some(u) => with_metrics.push((p, u)),
        }
    }
    if with_metrics.is_empty() {
        return Err("did not receive metrics for targeted pods (pods might be unready)".into());
    }
    let request_of = |p: &Sample| {
        p.request_milli.clone().map_err(|c| format!("missing request for cpu in container {c} of Pod {}", p.name))
    };
    let mut entries = Vec::new();
    for (p, u) in &with_metrics {
        entries.push((*u, request_of(p)?));
    }
    let ready_count = with_metrics.len() as f64;
    let (usage_ratio, utilization, average_milli) = ratio(&entries, target)?;
    let rec = |replicas| Recommendation { replicas, utilization, average_milli };
    let scale_up_with_unready = !unready.is_empty() && usage_ratio > 1.0;
    if !scale_up_with_unready && missing.is_empty() {
        if (1.0 - usage_ratio).abs() <= TOLERANCE {
            return Ok(rec(current));
        }
        return Ok(rec((usage_ratio * ready_count).ceil() as i32));
    }
    for p in &missing {
        let request = request_of(p)?;
        if usage_ratio < 1.0 {
            entries.push((request, request));
        } else if usage_ratio > 1.0 {
            entries.push((0, request));
        }
    }
    if scale_up_with_unready {
        for p in &unready {
            entries.push((0, request_of(p)?));
        }
    }
    let (new_ratio, _, _) = ratio(&entries, target)?;
    if (1.0 - new_ratio).abs() <= TOLERANCE || (usage_ratio < 1.0 && new_ratio > 1.0) || (usage_ratio > 1.0 && new_ratio < 1.0) {
        return Ok(rec(current));
    }
    let replicas = (new_ratio * entries.len() as f64).ceil() as i32;
    if (new_ratio < 1.0 && replicas > current) || (new_ratio > 1.0 && replicas < current) {
        return Ok(rec(current));
    }
    Ok(rec(replicas))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(name: &str, usage: Option<i64>, request: i64, unready: bool) -> Sample {
        Sample { name: name.into(), ignored: false, unready, usage_milli: usage, request_milli: Ok(request) }
    }

    #[test]
    fn ceil_of_ratio_times_ready_pods_outside_the_tolerance() {
        // (current, target %, usages per pod (request 100m each), expected replicas, utilization)
        let table: &[(i32, i32, &[i64], i32, i32)] = &[
            (3, 50, &[100, 100, 100], 6, 100),  // ratio 2.0 → 6
            (3, 50, &[54, 54, 54], 3, 54),      // ratio 1.08: within 0.1 → unchanged
            (3, 50, &[56, 56, 56], 4, 56),      // ratio 1.12 → ceil(3.36) = 4
            (4, 80, &[10, 10, 10, 10], 1, 10),  // ratio 0.125 → ceil(0.5) = 1
            (2, 50, &[75, 74], 3, 74),          // utilisation truncates: 149*100/200 = 74 → 1.48 → ceil(2.96)
            (5, 60, &[0, 0, 0, 0, 0], 0, 0),    // all idle: ceil(0) = 0 (min replicas clamps later)
        ];
        for &(current, target, usages, want, util) in table {
            let pods: Vec<Sample> =
                usages.iter().enumerate().map(|(i, u)| pod(&format!("p{i}"), Some(*u), 100, false)).collect();
            let got = cpu_replicas(current, target, &pods).unwrap();
            assert_eq!((got.replicas, got.utilization), (want, util), "{usages:?} at {target}%");
        }
    }

    #[test]
    fn missing_pods_count_as_full_request_when_scaling_down() {
        // Two pods at 20 % of a 50 % target, one without metrics assumed at 100 %:
        // (20+20+100)/300 = 46 % → ratio 0.92 → within tolerance → unchanged.
        let pods = [pod("a", Some(20), 100, false), pod("b", Some(20), 100, false), pod("c", None, 100, false)];
        assert_eq!(cpu_replicas(3, 50, &pods).unwrap().replicas, 3);
        // Scaling up, a missing pod counts as 0: (200+200+0)/300 = 133 % of 50 → 2.66 → ceil(7.98) = 8.
        let pods = [pod("a", Some(200), 100, false), pod("b", Some(200), 100, false), pod("c", None, 100, false)];
        assert_eq!(cpu_replicas(3, 50, &pods).unwrap().replicas, 8);
    }

    #[test]
    fn unready_pods_count_as_idle_only_when_scaling_up() {
        let pods = [pod("a", Some(100), 100, false), pod("b", Some(100), 100, true)];
        // Ready pod at 100 % of 50 → ratio 2; with the unready one at 0: 50 % → ratio 1 → unchanged.
        assert_eq!(cpu_replicas(2, 50, &pods).unwrap().replicas, 2);
    }

    #[test]
    fn errors_name_what_is_missing() {
        assert_eq!(cpu_replicas(1, 50, &[]).unwrap_err(), "no pods returned by selector while calculating replica count");
        assert_eq!(
            cpu_replicas(1, 50, &[pod("a", None, 100, false)]).unwrap_err(),
            "did not receive metrics for targeted pods (pods might be unready)"
        );
        let mut p = pod("web-1", Some(10), 0, false);
        p.request_milli = Err("nginx".into());
        assert_eq!(cpu_replicas(1, 50, &[p]).unwrap_err(), "missing request for cpu in container nginx of Pod web-1");
    }
}
