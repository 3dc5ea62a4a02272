//! The start-up lines a server image prints (`images.rs`), rendered for one start: `{time}` as
//! nginx prints it (to the second), `{redistime}` as redis does (to the millisecond),
//! `{version}` the image tag (`latest` prints 1.27.3).
//!
//! Cost: a line without a placeholder is the image's `&'static str`; a rendered line is made
//! once for every container of that image and version that starts while it reads the same (in
//! the same second, or millisecond for redis) and shared by their logs. Only the lines of the
//! current second are remembered.

use std::sync::Arc;

use crate::sim::logs::LineText;
use crate::time::SimTime;

/// Rendered start-up lines of the current second.
#[derive(Debug, Clone, Default)]
pub struct StartLines {
    /// The second (of the simulated clock) the entries were rendered in.
    second: u64,
    /// (the image's lines, the time they print as a number, version) → the lines.
    rendered: Vec<(usize, u64, String, Arc<[LineText]>)>,
}

/// Distinct renders remembered within one second (servers of several images and versions).
const KEEP: usize = 32;

impl StartLines {
    /// The lines a server with start-up log `template` and image tag `version` prints when it
    /// starts at `now`.
    pub fn render(&mut self, template: &'static [&'static str], version: &str, now: SimTime) -> Arc<[LineText]> {
        let second = now.0 / 1_000_000;
        if second != self.second || self.rendered.len() >= KEEP {
            self.second = second;
            self.rendered.clear();
        }
        let printed = if template.iter().any(|l| l.contains("{redistime}")) {
            now.0 / 1_000
        } else if template.iter().any(|l| l.contains("{time}")) {
            second
        } else {
            0
        };
        let id = template.as_ptr() as usize;
        if let Some((.., lines)) = self.rendered.iter().find(|(t, p, v, _)| *t == id && *p == printed && v == version) {
            return lines.clone();
        }
        let lines = render(template, version, now);
        self.rendered.push((id, printed, version.to_string(), lines.clone()));
        lines
    }
}

fn render(template: &'static [&'static str], version: &str, now: SimTime) -> Arc<[LineText]> {
    let version = if version == "latest" { "1.27.3" } else { version };
    let (mut nginx, mut redis) = (None, None);
    template
        .iter()
        .map(|&line| {
            if !line.contains('{') {
                return LineText::Static(line);
            }
            let nginx = nginx.get_or_insert_with(|| nginx_time(now));
            let redis = redis.get_or_insert_with(|| redis_time(now));
            LineText::Shared(Arc::from(line.replace("{time}", nginx).replace("{redistime}", redis).replace("{version}", version)))
        })
        .collect()
}

/// `2024/01/01 00:00:05`: nginx's error-log time.
fn nginx_time(t: SimTime) -> String {
    let s = crate::time::rfc3339(t);
    // 2024-01-01T00:00:05Z
    format!("{} {}", s.get(0..10).unwrap_or("").replace('-', "/"), s.get(11..19).unwrap_or(""))
}

/// `01 Jan 2024 00:00:05.000`: redis's log time.
fn redis_time(t: SimTime) -> String {
    let s = crate::time::rfc3339(t);
    let month = s.get(5..7).and_then(|m| m.parse::<usize>().ok()).unwrap_or(1);
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    format!("{} {} {} {}.{:03}", s.get(8..10).unwrap_or(""), MONTHS[(month + 11) % 12], s.get(0..4).unwrap_or(""), s.get(11..19).unwrap_or(""), t.0 / 1000 % 1000)
}

#[cfg(test)]
#[path = "start_logs_tests.rs"]
mod tests;
