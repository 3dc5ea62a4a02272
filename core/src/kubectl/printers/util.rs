//! Shared cell formatting: ages from creation timestamps on the simulated clock, RFC 1123
//! timestamps, label maps and label selectors as kubectl writes them.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, Time};

use crate::time::{civil_from_days, human_duration, SimDuration, SimTime, EPOCH_UNIX_SECS};

/// Microseconds since the Unix epoch of a k8s timestamp.
fn unix_micros(t: &Time) -> i128 {
    i128::from(t.0.as_microsecond())
}

/// Microseconds since the Unix epoch of a simulated instant.
fn now_unix_micros(now: SimTime) -> i128 {
    i128::from(EPOCH_UNIX_SECS) * 1_000_000 + i128::from(now.0)
}

/// The simulated instant of a timestamp (zero for instants before the simulation began).
pub fn sim_time(t: &Time) -> SimTime {
    let us = unix_micros(t) - i128::from(EPOCH_UNIX_SECS) * 1_000_000;
    SimTime(u64::try_from(us.max(0)).unwrap_or(u64::MAX))
}

/// `duration.HumanDuration(now - t)`: `5m`, `0s` for a few µs in the future, `<invalid>` beyond.
pub fn since(t: &Time, now: SimTime) -> String {
    let diff = now_unix_micros(now) - unix_micros(t);
    if diff < -1_000_000 {
        return "<invalid>".to_string();
    }
    let us = u64::try_from(diff.max(0)).unwrap_or(u64::MAX);
    human_duration(SimDuration(us))
}

/// The AGE cell: `<unknown>` without a creation timestamp.
pub fn age(t: Option<&Time>, now: SimTime) -> String {
    t.map_or_else(|| "<unknown>".to_string(), |t| since(t, now))
}

/// Go's `time.RFC1123Z` in UTC: `Mon, 01 Jan 2024 00:00:05 +0000`.
pub fn rfc1123z(t: &Time) -> String {
    let secs = t.0.as_second();
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] =
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let weekday = WEEKDAYS[days.rem_euclid(7) as usize];
    let month = MONTHS[(m as usize).saturating_sub(1).min(11)];
    format!(
        "{weekday}, {d:02} {month} {y:04} {:02}:{:02}:{:02} +0000",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// `2024-01-01T00:00:05Z`, the `CREATED AT` cell of server-side tables.
pub fn rfc3339(t: &Time) -> String {
    let secs = t.0.as_second();
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, (rem % 3600) / 60, rem % 60)
}

/// `labels.FormatLabels`: `a=1,b=2` sorted by key, `<none>` when empty.
pub fn format_labels(labels: Option<&BTreeMap<String, String>>) -> String {
    match labels {
        Some(l) if !l.is_empty() => {
            l.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(",")
        }
        _ => "<none>".to_string(),
    }
}

/// `labels.Selector.String()` of a label selector: requirements sorted by key, empty for none.
pub fn selector_string(sel: Option<&LabelSelector>) -> String {
    let Some(sel) = sel else { return String::new() };
    let mut reqs: Vec<(String, String)> = Vec::new();
    for (k, v) in sel.match_labels.iter().flatten() {
        reqs.push((k.clone(), format!("{k}={v}")));
    }
    for e in sel.match_expressions.iter().flatten() {
        let mut values = e.values.clone().unwrap_or_default();
        values.sort();
        let text = match e.operator.as_str() {
            "In" => format!("{} in ({})", e.key, values.join(",")),
            "NotIn" => format!("{} notin ({})", e.key, values.join(",")),
            "Exists" => e.key.clone(),
            "DoesNotExist" => format!("!{}", e.key),
            other => format!("{} {} ({})", e.key, other.to_ascii_lowercase(), values.join(",")),
        };
        reqs.push((e.key.clone(), text));
    }
    reqs.sort_by(|a, b| a.0.cmp(&b.0));
    reqs.into_iter().map(|(_, t)| t).collect::<Vec<_>>().join(",")
}

/// `metav1.FormatLabelSelector`: the selector string, or `<none>` when it selects by nothing.
pub fn format_label_selector(sel: Option<&LabelSelector>) -> String {
    let s = selector_string(sel);
    if s.is_empty() {
        "<none>".to_string()
    } else {
        s
    }
}

/// The string, or `<none>` when empty.
pub fn or_none(s: &str) -> String {
    if s.is_empty() {
        "<none>".to_string()
    } else {
        s.to_string()
    }
}

/// Go's `%v` of a bool in kubectl tables (`printBool`): `True` / `False`.
pub fn go_bool(b: bool) -> &'static str {
    if b {
        "True"
    } else {
        "False"
    }
}

/// Node roles from `node-role.kubernetes.io/<role>` and `kubernetes.io/role=<role>` labels, sorted.
pub fn node_roles(labels: Option<&BTreeMap<String, String>>) -> Vec<String> {
    let mut roles: Vec<String> = Vec::new();
    for (k, v) in labels.into_iter().flatten() {
        let role = if let Some(r) = k.strip_prefix("node-role.kubernetes.io/") {
            r.to_string()
        } else if k == "kubernetes.io/role" {
            v.clone()
        } else {
            continue;
        };
        if !role.is_empty() && !roles.contains(&role) {
            roles.push(role);
        }
    }
    roles.sort();
    roles
}

/// `RWO,ROX,RWX,RWOP` abbreviations of access modes, in kubectl's fixed order.
pub fn access_modes(modes: Option<&Vec<String>>) -> String {
    let modes = modes.map(Vec::as_slice).unwrap_or_default();
    let mut out = Vec::new();
    for (full, short) in [
        ("ReadWriteOnce", "RWO"),
        ("ReadOnlyMany", "ROX"),
        ("ReadWriteMany", "RWX"),
        ("ReadWriteOncePod", "RWOP"),
    ] {
        if modes.iter().any(|m| m == full) {
            out.push(short);
        }
    }
    out.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelectorRequirement;

    fn ts(secs: i64) -> Time {
        Time(k8s_openapi::jiff::Timestamp::from_second(EPOCH_UNIX_SECS + secs).unwrap())
    }

    #[test]
    fn ages_follow_the_simulated_clock() {
        let now = SimTime(3_600 * 1_000_000);
        assert_eq!(age(Some(&ts(0)), now), "60m");
        assert_eq!(age(Some(&ts(3_600)), now), "0s");
        assert_eq!(age(Some(&ts(3_700)), now), "<invalid>");
        assert_eq!(age(None, now), "<unknown>");
        assert_eq!(sim_time(&ts(5)), SimTime(5_000_000));
        assert_eq!(sim_time(&ts(-5)), SimTime(0));
    }

    #[test]
    fn rfc1123z_has_weekday_and_zero_offset() {
        assert_eq!(rfc1123z(&ts(5)), "Mon, 01 Jan 2024 00:00:05 +0000");
        assert_eq!(rfc1123z(&ts(59 * 86_400 + 3_661)), "Thu, 29 Feb 2024 01:01:01 +0000");
    }

    #[test]
    fn selectors_sort_requirements_by_key() {
        let sel = LabelSelector {
            match_labels: Some([("tier".into(), "web".into()), ("app".into(), "x".into())].into()),
            match_expressions: Some(vec![LabelSelectorRequirement {
                key: "env".into(),
                operator: "In".into(),
                values: Some(vec!["prod".into(), "dev".into()]),
            }]),
        };
        assert_eq!(selector_string(Some(&sel)), "app=x,env in (dev,prod),tier=web");
        assert_eq!(format_label_selector(Some(&LabelSelector::default())), "<none>");
    }

    #[test]
    fn roles_and_access_modes() {
        let labels: BTreeMap<String, String> = [
            ("node-role.kubernetes.io/control-plane".to_string(), String::new()),
            ("kubernetes.io/role".to_string(), "infra".to_string()),
        ]
        .into();
        assert_eq!(node_roles(Some(&labels)), vec!["control-plane", "infra"]);
        let modes = vec!["ReadWriteMany".to_string(), "ReadWriteOnce".to_string()];
        assert_eq!(access_modes(Some(&modes)), "RWO,RWX");
    }
}
