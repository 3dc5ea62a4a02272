//! `kubectl events [-A] [--for TYPE/NAME] [--types Normal,Warning] [--no-headers]`: the event
//! listing sorted by time.
//!
//! Two commands list events, in different orders:
//!
//! - `kubectl get events` does not sort unless `--sort-by` is given: kubectl 1.34
//!   `pkg/cmd/get/get.go` sorts only when `o.Sort` (`len(sortBy) > 0`), so rows come in the API
//!   server's list order, by namespace then name (etcd key order). Event names are
//!   `<involved object name>.<hex timestamp>`, so that order groups events by object. Our
//!   `get` prints the store's listing, which is that same key order.
//! - `kubectl events` (`pkg/cmd/events/events.go`) sorts by `eventTime()`: the series' last
//!   observation, else `lastTimestamp`, else `eventTime`, oldest first; its printer
//!   (`event_printer.go`) has the columns LAST SEEN, TYPE, REASON, OBJECT (`Kind/name`, not
//!   lower-cased), MESSAGE, and LAST SEEN reads `5m (x3 over 10m)` for repeated events.
//!
//! `-w` prints the current listing (the console does not stream events).

use k8s_openapi::api::core::v1::Event;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;

use crate::api::{Kind, Object};
use crate::kubectl::printers::table::{tabwrite, GET_MIN_WIDTH, GET_PADDING};
use crate::kubectl::printers::util::{since, sim_time};
use crate::sim::Sim;
use crate::time::SimTime;

use super::write::{kind_arg, namespace};
use super::{Args, Output};

pub fn events(sim: &Sim, args: &Args, _rest: &[String]) -> Output {
    let types: Vec<String> = args.all("types").iter().flat_map(|t| t.split(',')).filter(|t| !t.is_empty()).map(str::to_string).collect();
    let for_object = match args.value("for").filter(|f| !f.is_empty()) {
        None => None,
        Some(f) => match f.split('/').collect::<Vec<_>>().as_slice() {
            [_] => return Output::error("error: --for must be in resource/name form"),
            [t, n] => match kind_arg(t) {
                Ok(k) => Some((k, n.to_string())),
                Err(o) => return o,
            },
            _ => return Output::error("error: arguments in resource/name form may not have more than one slash"),
        },
    };
    if types.iter().any(|t| !t.eq_ignore_ascii_case("Normal") && !t.eq_ignore_ascii_case("Warning")) {
        return Output::error("error: valid --types are Normal or Warning");
    }
    let all = args.flag("all-namespaces");
    let ns = namespace(args);
    let mut list: Vec<Event> = sim
        .store()
        .list(Kind::Event, if all { None } else { Some(ns.as_str()) })
        .filter_map(|o| match o.as_ref() {
            Object::Event(e) => Some((**e).clone()),
            _ => None,
        })
        .filter(|e| match &for_object {
            Some((kind, name)) => {
                e.involved_object.kind.as_deref() == Some(kind.info().name) && e.involved_object.name.as_deref() == Some(name)
            }
            None => true,
        })
        .filter(|e| types.is_empty() || types.iter().any(|t| e.type_.as_deref().is_some_and(|et| et.eq_ignore_ascii_case(t))))
        .collect();
    if list.is_empty() {
        let stderr = if all { "No events found.\n".to_string() } else { format!("No events found in {ns} namespace.\n") };
        return Output { stderr, ..Default::default() };
    }
    list.sort_by_key(event_time);
    let now = sim.now();
    let mut text = String::new();
    if !args.flag("no-headers") {
        if all {
            text.push_str("NAMESPACE\t");
        }
        text.push_str("LAST SEEN\tTYPE\tREASON\tOBJECT\tMESSAGE\n");
    }
    for e in &list {
        if all {
            text.push_str(&format!("{}\t", e.metadata.namespace.as_deref().unwrap_or("")));
        }
        text.push_str(&format!(
            "{}\t{}\t{}\t{}/{}\t{}\n",
            interval(e, now),
            escape_cell(e.type_.as_deref().unwrap_or("")),
            escape_cell(e.reason.as_deref().unwrap_or("")),
            escape_cell(e.involved_object.kind.as_deref().unwrap_or("")),
            escape_cell(e.involved_object.name.as_deref().unwrap_or("")),
            escape_cell(e.message.as_deref().unwrap_or("").trim()),
        ));
    }
    Output::ok(tabwrite(&text, GET_MIN_WIDTH, GET_PADDING))
}

/// `eventTime()`: what `kubectl events` sorts by (zero when the event has no time at all).
fn event_time(e: &Event) -> SimTime {
    if let Some(series) = &e.series {
        return series.last_observed_time.as_ref().map(|t| sim_time(&Time(t.0))).unwrap_or_default();
    }
    if let Some(t) = &e.last_timestamp {
        return sim_time(t);
    }
    e.event_time.as_ref().map(|t| sim_time(&Time(t.0))).unwrap_or_default()
}

/// `getInterval`: `2m`, or `30s (x4 over 5m)` for a repeated event.
fn interval(e: &Event, now: SimTime) -> String {
    let first = match (&e.event_time, &e.first_timestamp) {
        (Some(t), _) => since(&Time(t.0), now),
        (None, Some(t)) => since(t, now),
        (None, None) => "<unknown>".into(),
    };
    if let Some(series) = &e.series {
        let last = series.last_observed_time.as_ref().map_or("<unknown>".into(), |t| since(&Time(t.0), now));
        return format!("{last} (x{} over {first})", series.count.unwrap_or(0));
    }
    match e.count {
        Some(count) if count > 1 => {
            let last = e.last_timestamp.as_ref().map_or("<unknown>".into(), |t| since(t, now));
            format!("{last} (x{count} over {first})")
        }
        _ => first,
    }
}

/// `escapeCell`: a cell is cut at its first line break, marked with `...`.
fn escape_cell(s: &str) -> String {
    match s.find(['\u{c}', '\n', '\r']) {
        Some(i) => format!("{}...", &s[..i]),
        None => s.to_string(),
    }
}

#[cfg(test)]
#[path = "events_tests.rs"]
mod tests;
