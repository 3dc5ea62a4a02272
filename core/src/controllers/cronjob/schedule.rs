//! Cron schedules as the CronJob controller reads them (`cron.ParseStandard` of robfig/cron
//! v3): five fields `minute hour day-of-month month day-of-week`, each a comma list of `*`,
//! `?`, `N`, `N-M`, with an optional `/step` (`N/step` means `N-max/step`); month and weekday
//! names (`jan`…`dec`, `sun`…`sat`, any case); the descriptors `@yearly`, `@annually`,
//! `@monthly`, `@weekly`, `@daily`, `@midnight`, `@hourly` and `@every <duration>`. Error
//! texts are the library's. Times are UTC seconds since the Unix epoch.
//!
//! Day matching follows the library: when either day field is a plain `*` (or `?`) both must
//! match, otherwise either may (`0 0 1 * MON` fires on the 1st and on Mondays).

use crate::time::{civil_from_days, parse_duration};

/// A parsed schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Schedule {
    Spec(Spec),
    /// `@every <duration>`: fixed intervals (whole seconds, at least one).
    Every(i64),
}

/// The bit sets of a five-field spec. Bit 63 (`STAR`) marks a field written as `*` or `?`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spec {
    pub minute: u64,
    pub hour: u64,
    pub dom: u64,
    pub month: u64,
    pub dow: u64,
}

const STAR: u64 = 1 << 63;

struct Bounds {
    min: u32,
    max: u32,
    names: &'static [(&'static str, u32)],
}

const MONTHS: &[(&str, u32)] = &[
    ("jan", 1), ("feb", 2), ("mar", 3), ("apr", 4), ("may", 5), ("jun", 6),
    ("jul", 7), ("aug", 8), ("sep", 9), ("oct", 10), ("nov", 11), ("dec", 12),
];
const DAYS: &[(&str, u32)] = &[("sun", 0), ("mon", 1), ("tue", 2), ("wed", 3), ("thu", 4), ("fri", 5), ("sat", 6)];
const MINUTE: Bounds = Bounds { min: 0, max: 59, names: &[] };
const HOUR: Bounds = Bounds { min: 0, max: 23, names: &[] };
const DOM: Bounds = Bounds { min: 1, max: 31, names: &[] };
const MONTH: Bounds = Bounds { min: 1, max: 12, names: MONTHS };
const DOW: Bounds = Bounds { min: 0, max: 6, names: DAYS };

fn bits(min: u32, max: u32, step: u32) -> u64 {
    (min..=max).step_by(step as usize).fold(0, |acc, i| acc | (1u64 << i))
}

fn all(b: &Bounds) -> u64 {
    bits(b.min, b.max, 1) | STAR
}

/// Parses a schedule, returning robfig/cron's error text.
pub fn parse(spec: &str) -> Result<Schedule, String> {
    if spec.is_empty() {
        return Err("empty spec string".into());
    }
    if spec.starts_with("TZ=") || spec.starts_with("CRON_TZ=") {
        // The library would load the zone; only UTC is modelled.
        let (tz, rest) = spec.split_once(' ').ok_or_else(|| "missing fields".to_string())?;
        let zone = tz.split_once('=').map_or("", |(_, z)| z);
        if !matches!(zone, "UTC" | "Etc/UTC" | "") {
            return Err(format!("provided bad location {zone}: unknown time zone {zone}"));
        }
        return parse(rest.trim_start());
    }
    if spec.starts_with('@') {
        return descriptor(spec);
    }
    let fields: Vec<&str> = spec.split_whitespace().collect();
    if fields.len() != 5 {
        return Err(format!("expected exactly 5 fields, found {}: [{}]", fields.len(), fields.join(" ")));
    }
    Ok(Schedule::Spec(Spec {
        minute: field(fields[0], &MINUTE)?,
        hour: field(fields[1], &HOUR)?,
        dom: field(fields[2], &DOM)?,
        month: field(fields[3], &MONTH)?,
        dow: field(fields[4], &DOW)?,
    }))
}

fn descriptor(spec: &str) -> Result<Schedule, String> {
    let at = |minute: u64, hour: u64, dom: u64, month: u64, dow: u64| Ok(Schedule::Spec(Spec { minute, hour, dom, month, dow }));
    match spec {
        "@yearly" | "@annually" => at(1, 1, 1 << 1, 1 << 1, all(&DOW)),
        "@monthly" => at(1, 1, 1 << 1, all(&MONTH), all(&DOW)),
        "@weekly" => at(1, 1, all(&DOM), all(&MONTH), 1),
        "@daily" | "@midnight" => at(1, 1, all(&DOM), all(&MONTH), all(&DOW)),
        "@hourly" => at(1, all(&HOUR), all(&DOM), all(&MONTH), all(&DOW)),
        _ => match spec.strip_prefix("@every ") {
            Some(d) => {
                let dur = parse_duration(d).map_err(|_| format!("failed to parse duration {spec}: time: invalid duration \"{d}\""))?;
                // Durations are rounded to whole seconds, at least one.
                let secs = ((dur.as_micros() + 500_000) / 1_000_000).max(1);
                Ok(Schedule::Every(secs as i64))
            }
            None => Err(format!("unrecognized descriptor: {spec}")),
        },
    }
}

fn field(text: &str, b: &Bounds) -> Result<u64, String> {
    let mut acc = 0;
    for part in text.split(',').filter(|p| !p.is_empty()) {
        acc |= range(part, b)?;
    }
    Ok(acc)
}

fn range(expr: &str, b: &Bounds) -> Result<u64, String> {
    let range_and_step: Vec<&str> = expr.split('/').collect();
    let low_high: Vec<&str> = range_and_step[0].split('-').collect();
    let single = low_high.len() == 1;
    let (start, mut end, mut extra);
    if low_high[0] == "*" || low_high[0] == "?" {
        (start, end, extra) = (b.min, b.max, STAR);
    } else {
        start = int_or_name(low_high[0], b)?;
        end = match low_high.len() {
            1 => start,
            2 => int_or_name(low_high[1], b)?,
            _ => return Err(format!("too many hyphens: {expr}")),
        };
        extra = 0;
    }
    let step = match range_and_step.len() {
        1 => 1,
        2 => {
            let step = must_int(range_and_step[1])?;
            if single {
                end = b.max;
            }
            if step > 1 {
                extra = 0;
            }
            step
        }
        _ => return Err(format!("too many slashes: {expr}")),
    };
    if start < b.min {
        return Err(format!("beginning of range ({start}) below minimum ({}): {expr}", b.min));
    }
    if end > b.max {
        return Err(format!("end of range ({end}) above maximum ({}): {expr}", b.max));
    }
    if start > end {
        return Err(format!("beginning of range ({start}) beyond end of range ({end}): {expr}"));
    }
    if step == 0 {
        return Err(format!("step of range should be a positive number: {expr}"));
    }
    Ok(bits(start, end, step) | extra)
}

fn int_or_name(expr: &str, b: &Bounds) -> Result<u32, String> {
    let lower = expr.to_ascii_lowercase();
    match b.names.iter().find(|(n, _)| *n == lower) {
        Some(&(_, v)) => Ok(v),
        None => must_int(expr),
    }
}

/// `strconv.Atoi` with the library's wrapping.
fn must_int(expr: &str) -> Result<u32, String> {
    let digits = expr.strip_prefix(['+', '-']).unwrap_or(expr);
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return Err(format!("failed to parse int from {expr}: strconv.Atoi: parsing {expr:?}: invalid syntax"));
    }
    let Ok(n) = expr.parse::<i64>() else {
        return Err(format!("failed to parse int from {expr}: strconv.Atoi: parsing {expr:?}: value out of range"));
    };
    if n < 0 {
        return Err(format!("negative number ({n}) not allowed: {expr}"));
    }
    // Anything above 63 fails the bounds check that follows.
    Ok(n.min(1_000) as u32)
}

impl Schedule {
    /// The first activation strictly after `t` (Unix seconds), or `None` if there is none
    /// within five years (the library gives up there, e.g. for `0 0 30 2 *`).
    pub fn next(&self, t: i64) -> Option<i64> {
        match self {
            Schedule::Every(d) => Some(t + d),
            Schedule::Spec(s) => s.next(t),
        }
    }
}

fn has(set: u64, i: u32) -> bool {
    set & (1u64 << i) != 0
}

impl Spec {
    fn day_matches(&self, day: u32, weekday: u32) -> bool {
        let (d, w) = (has(self.dom, day), has(self.dow, weekday));
        if self.dom & STAR != 0 || self.dow & STAR != 0 { d && w } else { d || w }
    }

    fn next(&self, t: i64) -> Option<i64> {
        // Start at the first whole minute after t.
        let start = t.div_euclid(60) * 60 + 60;
        let first_day = start.div_euclid(86_400);
        let start_min = (start.rem_euclid(86_400) / 60) as u32;
        for day in first_day..first_day + 5 * 366 + 1 {
            let (_, month, dom) = civil_from_days(day);
            let weekday = (day + 4).rem_euclid(7) as u32; // 1970-01-01 was a Thursday.
            if !has(self.month, month) || !self.day_matches(dom, weekday) {
                continue;
            }
            let from = if day == first_day { start_min } else { 0 };
            for m in from..24 * 60 {
                if has(self.hour, m / 60) && has(self.minute, m % 60) {
                    return Some(day * 86_400 + i64::from(m) * 60);
                }
            }
        }
        None
    }
}
