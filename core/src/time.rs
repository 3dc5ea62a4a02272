//! Simulated time. The simulation never reads a wall clock: time is an integer count of
//! microseconds since the simulation started, and only moves when the simulation is stepped.

use std::fmt;
use std::ops::{Add, AddAssign, Sub};

/// A point on the simulated clock, in microseconds since the simulation began.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct SimTime(pub u64);

/// A span of simulated time, in microseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct SimDuration(pub u64);

impl SimDuration {
    pub const ZERO: SimDuration = SimDuration(0);

    pub const fn from_micros(us: u64) -> Self {
        SimDuration(us)
    }
    pub const fn from_millis(ms: u64) -> Self {
        SimDuration(ms * 1_000)
    }
    pub const fn from_secs(s: u64) -> Self {
        SimDuration(s * 1_000_000)
    }
    pub const fn as_micros(self) -> u64 {
        self.0
    }
    pub const fn as_secs(self) -> u64 {
        self.0 / 1_000_000
    }
}

impl SimTime {
    pub const ZERO: SimTime = SimTime(0);

    pub const fn as_micros(self) -> u64 {
        self.0
    }

    /// Time elapsed since `earlier`, saturating at zero.
    pub fn since(self, earlier: SimTime) -> SimDuration {
        SimDuration(self.0.saturating_sub(earlier.0))
    }
}

impl Add<SimDuration> for SimTime {
    type Output = SimTime;
    fn add(self, d: SimDuration) -> SimTime {
        SimTime(self.0.saturating_add(d.0))
    }
}

impl AddAssign<SimDuration> for SimTime {
    fn add_assign(&mut self, d: SimDuration) {
        self.0 = self.0.saturating_add(d.0);
    }
}

impl Sub for SimTime {
    type Output = SimDuration;
    fn sub(self, other: SimTime) -> SimDuration {
        self.since(other)
    }
}

impl fmt::Display for SimTime {
    /// `t+3m10s`, `t+1.5ms`: time since the cluster started, exact to the microsecond, written
    /// as Go prints a `time.Duration`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "t+{}", go_duration(self.0))
    }
}

/// A count of microseconds as Go's `time.Duration.String()` writes it: `0s`, `250µs`,
/// `1.5ms`, `42s`, `3m10s`, `1h0m0.000123s`.
pub fn go_duration(micros: u64) -> String {
    fn fraction(whole: u64, part: u64, digits: usize) -> String {
        let part = format!("{part:0digits$}");
        let part = part.trim_end_matches('0');
        if part.is_empty() { whole.to_string() } else { format!("{whole}.{part}") }
    }
    if micros == 0 {
        return "0s".into();
    }
    if micros < 1_000 {
        return format!("{micros}µs");
    }
    if micros < 1_000_000 {
        return format!("{}ms", fraction(micros / 1_000, micros % 1_000, 3));
    }
    let secs = micros / 1_000_000;
    let seconds = format!("{}s", fraction(secs % 60, micros % 1_000_000, 6));
    match (secs / 3600, secs / 60 % 60) {
        (0, 0) => seconds,
        (0, m) => format!("{m}m{seconds}"),
        (h, m) => format!("{h}h{m}m{seconds}"),
    }
}

impl fmt::Display for SimDuration {
    /// kubectl's AGE column (`HumanDuration` in k8s.io/apimachinery).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&human_duration(*self))
    }
}

/// Formats a duration the way kubectl prints ages: `0s`, `45s`, `2m3s`, `12m`, `4h5m`, `3d`, `2y10d`.
///
/// Follows `duration.HumanDuration` from k8s.io/apimachinery: precision drops as the age grows.
pub fn human_duration(d: SimDuration) -> String {
    let seconds = d.as_secs();
    let minutes = seconds / 60;
    let hours = seconds / 3600;
    if seconds < 60 * 2 {
        return format!("{seconds}s");
    }
    if minutes < 10 {
        let s = seconds % 60;
        return if s == 0 { format!("{minutes}m") } else { format!("{minutes}m{s}s") };
    }
    if minutes < 60 * 3 {
        return format!("{minutes}m");
    }
    if hours < 8 {
        let m = minutes % 60;
        return if m == 0 { format!("{hours}h") } else { format!("{hours}h{m}m") };
    }
    if hours < 48 {
        return format!("{hours}h");
    }
    if hours < 24 * 8 {
        let h = hours % 24;
        return if h == 0 { format!("{}d", hours / 24) } else { format!("{}d{}h", hours / 24, h) };
    }
    if hours < 24 * 365 * 2 {
        return format!("{}d", hours / 24);
    }
    if hours < 24 * 365 * 8 {
        let dy = (hours / 24) % 365;
        return if dy == 0 {
            format!("{}y", hours / 24 / 365)
        } else {
            format!("{}y{}d", hours / 24 / 365, dy)
        };
    }
    format!("{}y", hours / 24 / 365)
}

/// Unix time (seconds) of the simulation's zero instant: 2024-01-01T00:00:00Z.
pub const EPOCH_UNIX_SECS: i64 = 1_704_067_200;

/// Seconds since the Unix epoch at simulated instant `t` (whole seconds, truncated).
pub fn unix_secs(t: SimTime) -> i64 {
    EPOCH_UNIX_SECS + (t.0 / 1_000_000) as i64
}

/// The simulated instant of a Unix time in seconds (instants before the simulation began map to zero).
pub fn from_unix_secs(secs: i64) -> SimTime {
    SimTime(((secs - EPOCH_UNIX_SECS).max(0) as u64) * 1_000_000)
}

/// The simulated instant of a Kubernetes timestamp (`metav1.Time`).
pub fn from_k8s(t: &k8s_openapi::apimachinery::pkg::apis::meta::v1::Time) -> SimTime {
    from_unix_secs(t.0.as_second())
}

/// `2024-01-01T00:00:05Z`: the RFC 3339 text Kubernetes writes in timestamps (whole seconds).
pub fn rfc3339(t: SimTime) -> String {
    let secs = unix_secs(t);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, (rem % 3600) / 60, rem % 60)
}

/// Days since 1970-01-01 → (year, month, day) in the proleptic Gregorian calendar
/// (Howard Hinnant's `civil_from_days`).
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Parses a Go-style duration: `30s`, `5m`, `1h30m`, `250ms`, `1.5s`, `10us`.
pub fn parse_duration(text: &str) -> Result<SimDuration, String> {
    let bad = || format!("invalid duration \"{text}\": use a number with a unit, e.g. 500ms, 30s, 5m, 1h30m");
    let mut rest = text.trim();
    if rest.is_empty() {
        return Err(bad());
    }
    if rest == "0" {
        return Ok(SimDuration::ZERO);
    }
    let mut total: f64 = 0.0;
    while !rest.is_empty() {
        let num_len = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        if num_len == 0 {
            return Err(bad());
        }
        let value: f64 = rest[..num_len].parse().map_err(|_| bad())?;
        rest = &rest[num_len..];
        let unit_len = rest.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(rest.len());
        let micros_per = match &rest[..unit_len] {
            "us" | "µs" => 1.0,
            "ms" => 1e3,
            "s" => 1e6,
            "m" => 60e6,
            "h" => 3600e6,
            _ => return Err(bad()),
        };
        rest = &rest[unit_len..];
        total += value * micros_per;
    }
    Ok(SimDuration(total.round() as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_like_go() {
        let cases: &[(&str, Option<u64>)] = &[
            ("30s", Some(30_000_000)),
            ("5m", Some(300_000_000)),
            ("1h30m", Some(5_400_000_000)),
            ("250ms", Some(250_000)),
            ("1.5s", Some(1_500_000)),
            ("10us", Some(10)),
            ("0", Some(0)),
            ("", None),
            ("10", None),
            ("3x", None),
            ("s", None),
        ];
        for (text, want) in cases {
            assert_eq!(parse_duration(text).ok().map(|d| d.0), *want, "{text}");
        }
    }

    #[test]
    fn timestamps_are_rfc3339_from_the_simulated_epoch() {
        assert_eq!(rfc3339(SimTime::ZERO), "2024-01-01T00:00:00Z");
        assert_eq!(rfc3339(SimTime(61_500_000)), "2024-01-01T00:01:01Z");
        // 2024 is a leap year: day 59 after Jan 1 is Feb 29.
        assert_eq!(rfc3339(SimTime(59 * 86_400 * 1_000_000)), "2024-02-29T00:00:00Z");
        assert_eq!(rfc3339(SimTime(366 * 86_400 * 1_000_000)), "2025-01-01T00:00:00Z");
    }

    #[test]
    fn human_duration_matches_kubectl() {
        let cases: &[(u64, &str)] = &[
            (0, "0s"),
            (5, "5s"),
            (119, "119s"),
            (120, "2m"),
            (123, "2m3s"),
            (599, "9m59s"),
            (600, "10m"),
            (61 * 60, "61m"),
            (3 * 3600, "3h"),
            (4 * 3600 + 5 * 60, "4h5m"),
            (8 * 3600, "8h"),
            (47 * 3600, "47h"),
            (48 * 3600, "2d"),
            (3 * 86400 + 4 * 3600, "3d4h"),
            (8 * 86400, "8d"),
            (400 * 86400, "400d"),
            (730 * 86400, "2y"),
            (740 * 86400, "2y10d"),
            (9 * 365 * 86400, "9y"),
        ];
        for &(secs, want) in cases {
            assert_eq!(human_duration(SimDuration::from_secs(secs)), want, "{secs}s");
        }
    }

    #[test]
    fn time_arithmetic_saturates() {
        let t = SimTime(10) + SimDuration::from_micros(5);
        assert_eq!(t, SimTime(15));
        assert_eq!(SimTime(3).since(SimTime(10)), SimDuration::ZERO);
        assert_eq!(format!("{}", SimTime(1_500_000)), "t+1.5s");
        for (micros, text) in [
            (0, "0s"),
            (250, "250µs"),
            (1_000, "1ms"),
            (1_500, "1.5ms"),
            (42_000_000, "42s"),
            (190_000_000, "3m10s"),
            (3_600_000_123, "1h0m0.000123s"),
            (90_061_000_000, "25h1m1s"),
        ] {
            assert_eq!(go_duration(micros), text, "{micros}µs");
        }
    }
}
