//! `behavior`: how fast an HPA may move (autoscaling/v2). The recommendation is first
//! stabilised — the lowest recommendation of the scale-up window and the highest of the
//! scale-down window bound it (scale-down window 300 s by default, so a load drop takes five
//! minutes to show) — then limited by the scaling policies over their periods, and by
//! min/max replicas. Each limit names the condition the real controller reports.

use std::ops::RangeInclusive;

use k8s_openapi::api::autoscaling::v2::{HPAScalingPolicy, HPAScalingRules, HorizontalPodAutoscalerBehavior};

use crate::time::{SimDuration, SimTime};

/// A past recommendation or scaling, kept per HPA in controller memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamped {
    pub at: SimTime,
    pub replicas: i32,
}

/// What the HPA controller remembers about one HPA between syncs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct History {
    pub recommendations: Vec<Stamped>,
    /// Replica changes made by scaling up / down, for the policy periods.
    pub scale_ups: Vec<Stamped>,
    pub scale_downs: Vec<Stamped>,
}

/// The rules in effect: the object's, or the defaults the controller uses when `behavior` is unset.
pub fn rules(behavior: Option<&HorizontalPodAutoscalerBehavior>) -> (HPAScalingRules, HPAScalingRules) {
    let policy = |type_: &str, value| HPAScalingPolicy { type_: type_.into(), value, period_seconds: 15 };
    let default_up = HPAScalingRules {
        stabilization_window_seconds: Some(0),
        select_policy: Some("Max".into()),
        policies: Some(vec![policy("Pods", 4), policy("Percent", 100)]),
        ..Default::default()
    };
    let default_down = HPAScalingRules {
        stabilization_window_seconds: Some(300),
        select_policy: Some("Max".into()),
        policies: Some(vec![policy("Percent", 100)]),
        ..Default::default()
    };
    let up = behavior.and_then(|b| b.scale_up.clone()).unwrap_or(default_up);
    let mut down = behavior.and_then(|b| b.scale_down.clone()).unwrap_or(default_down);
    if down.stabilization_window_seconds.is_none() {
        down.stabilization_window_seconds = Some(300);
    }
    (up, down)
}

/// The outcome: the replicas to set and the ScalingLimited reason and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Normalized {
    pub replicas: i32,
    pub reason: &'static str,
    pub message: &'static str,
}

fn window(rules: &HPAScalingRules) -> SimDuration {
    SimDuration::from_secs(rules.stabilization_window_seconds.unwrap_or(0).max(0) as u64)
}

/// Stabilises `desired` against the recommendation history and records it.
pub fn stabilize(h: &mut History, now: SimTime, current: i32, desired: i32, up: &HPAScalingRules, down: &HPAScalingRules) -> i32 {
    let (up_w, down_w) = (window(up), window(down));
    let mut up_rec = desired;
    let mut down_rec = desired;
    for r in &h.recommendations {
        if r.at + up_w > now {
            up_rec = up_rec.min(r.replicas);
        }
        if r.at + down_w > now {
            down_rec = down_rec.max(r.replicas);
        }
    }
    let longest = up_w.max(down_w);
    h.recommendations.retain(|r| r.at + longest > now);
    h.recommendations.push(Stamped { at: now, replicas: desired });
    let mut rec = current;
    if rec < up_rec {
        rec = up_rec;
    }
    if rec > down_rec {
        rec = down_rec;
    }
    rec
}

fn changed_within(events: &[Stamped], now: SimTime, period_secs: i32) -> i32 {
    let period = SimDuration::from_secs(period_secs.max(0) as u64);
    events.iter().filter(|e| e.at + period > now).map(|e| e.replicas).sum()
}

fn scale_up_limit(current: i32, h: &History, now: SimTime, rules: &HPAScalingRules) -> i32 {
    let select = rules.select_policy.as_deref().unwrap_or("Max");
    if select == "Disabled" {
        return current;
    }
    let mut result = if select == "Min" { i32::MAX } else { i32::MIN };
    for p in rules.policies.iter().flatten() {
        let start = current - changed_within(&h.scale_ups, now, p.period_seconds);
        let proposed = match p.type_.as_str() {
            "Pods" => start + p.value,
            _ => (f64::from(start) * (1.0 + f64::from(p.value) / 100.0)).ceil() as i32,
        };
        result = if select == "Min" { result.min(proposed) } else { result.max(proposed) };
    }
    result
}

fn scale_down_limit(current: i32, h: &History, now: SimTime, rules: &HPAScalingRules) -> i32 {
    let select = rules.select_policy.as_deref().unwrap_or("Max");
    if select == "Disabled" {
        return current;
    }
    let mut result = if select == "Min" { i32::MIN } else { i32::MAX };
    for p in rules.policies.iter().flatten() {
        let start = current + changed_within(&h.scale_downs, now, p.period_seconds);
        let proposed = match p.type_.as_str() {
            "Pods" => start - p.value,
            _ => (f64::from(start) * (1.0 - f64::from(p.value) / 100.0)) as i32,
        };
        result = if select == "Min" { result.max(proposed) } else { result.min(proposed) };
    }
    result
}

/// Rate limits and min/max (`convertDesiredReplicasWithBehaviorRate`); `bounds` is
/// minReplicas..=maxReplicas.
pub fn limit(h: &History, now: SimTime, current: i32, desired: i32, bounds: RangeInclusive<i32>, up: &HPAScalingRules, down: &HPAScalingRules) -> Normalized {
    let (min, max) = bounds.into_inner();
    if desired > current {
        let up_limit = scale_up_limit(current, h, now, up).max(current);
        let (allowed, reason, message) = if max > up_limit {
            (up_limit, "ScaleUpLimit", "the desired replica count is increasing faster than the maximum scale rate")
        } else {
            (max, "TooManyReplicas", "the desired replica count is more than the maximum replica count")
        };
        if desired > allowed {
            return Normalized { replicas: allowed, reason, message };
        }
    } else if desired < current {
        let down_limit = scale_down_limit(current, h, now, down).min(current);
        let (allowed, reason, message) = if min < down_limit {
            (down_limit, "ScaleDownLimit", "the desired replica count is decreasing faster than the maximum scale rate")
        } else {
            (min, "TooFewReplicas", "the desired replica count is less than the minimum replica count")
        };
        if desired < allowed {
            return Normalized { replicas: allowed, reason, message };
        }
    }
    Normalized { replicas: desired, reason: "DesiredWithinRange", message: "the desired count is within the acceptable range" }
}

/// Records a scaling from `current` to `to`.
pub fn record_scale(h: &mut History, now: SimTime, current: i32, to: i32) {
    let keep = SimDuration::from_secs(1800);
    h.scale_ups.retain(|e| e.at + keep > now);
    h.scale_downs.retain(|e| e.at + keep > now);
    if to > current {
        h.scale_ups.push(Stamped { at: now, replicas: to - current });
    } else if to < current {
        h.scale_downs.push(Stamped { at: now, replicas: current - to });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(secs: u64) -> SimTime {
        SimTime::ZERO + SimDuration::from_secs(secs)
    }

    #[test]
    fn default_scale_up_is_the_larger_of_four_pods_and_double() {
        let (up, down) = rules(None);
        let h = History::default();
        // (current, desired, max, expected, reason)
        let table = [
            (1, 10, 20, 5, "ScaleUpLimit"),       // max(1+4, 2) = 5
            (10, 50, 100, 20, "ScaleUpLimit"),    // max(14, 20) = 20
            (3, 6, 10, 6, "DesiredWithinRange"),  // 6 ≤ max(7, 6)
            (8, 30, 12, 12, "TooManyReplicas"),   // limit 16 ≥ max 12
        ];
        for (current, desired, max, want, reason) in table {
            let n = limit(&h, t(100), current, desired, 1..=max, &up, &down);
            assert_eq!((n.replicas, n.reason), (want, reason), "{current} → {desired}");
        }
    }

    #[test]
    fn a_scale_up_within_the_period_counts_against_the_next() {
        let (up, down) = rules(None);
        let mut h = History::default();
        record_scale(&mut h, t(0), 2, 6);
        // 10 s later the period started at 6 - 4 = 2 replicas: max(2+4, 4) = 6 → no more room.
        let n = limit(&h, t(10), 6, 12, 1..=20, &up, &down);
        assert_eq!((n.replicas, n.reason), (6, "ScaleUpLimit"));
        // After the 15 s period it may double again.
        let n = limit(&h, t(16), 6, 12, 1..=20, &up, &down);
        assert_eq!(n.replicas, 12);
    }

    #[test]
    fn scale_down_waits_for_the_five_minute_window() {
        let (up, down) = rules(None);
        let mut h = History::default();
        assert_eq!(stabilize(&mut h, t(0), 6, 6, &up, &down), 6);
        // The load drops: the recommendation is 2, but 6 was recommended within 300 s.
        assert_eq!(stabilize(&mut h, t(15), 6, 2, &up, &down), 6);
        assert_eq!(stabilize(&mut h, t(299), 6, 2, &up, &down), 6);
        assert_eq!(stabilize(&mut h, t(301), 6, 2, &up, &down), 2);
    }

    #[test]
    fn min_replicas_bounds_a_scale_down() {
        let (up, down) = rules(None);
        let n = limit(&History::default(), t(0), 4, 0, 2..=10, &up, &down);
        assert_eq!((n.replicas, n.reason), (2, "TooFewReplicas"));
    }
}
