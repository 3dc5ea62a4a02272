//! What `kubectl autoscale` reads from its own flags: the flags taken out of the command line
//! before the shared parser sees them, pflag's int32 parsing, and `parseResourceInput` for
//! `--cpu` and `--memory` (with Go's `%g` for bare numbers).

use crate::api::quantity::Quantity;

use super::Flags;

pub(super) const OWN_FLAGS: [&str; 5] = ["--min", "--max", "--cpu-percent", "--cpu", "--memory"];

/// The words without autoscale's flags (and their values), for finding the verb.
pub(super) fn strip_own(words: &[String]) -> Vec<String> {
    words.iter().filter(|w| !OWN_FLAGS.iter().any(|f| w.as_str() == *f || w.starts_with(&format!("{f}=")))).cloned().collect()
}

/// Takes `--min=N`, `--min N`… out of the words (nothing after `--`).
pub(super) fn take_flags(words: &[String]) -> Result<(Vec<String>, Flags), String> {
    let mut rest = Vec::new();
    let mut flags = Flags::default();
    let mut i = 0;
    while i < words.len() {
        let w = &words[i];
        i += 1;
        if w == "--" {
            rest.extend(words[i - 1..].iter().cloned());
            break;
        }
        let (name, inline) = match w.split_once('=') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (w.as_str(), None),
        };
        let slot = match name {
            "--min" => &mut flags.min,
            "--max" => &mut flags.max,
            "--cpu-percent" => &mut flags.cpu_percent,
            "--cpu" => &mut flags.cpu,
            "--memory" => &mut flags.memory,
            _ => {
                rest.push(w.clone());
                continue;
            }
        };
        let value = match inline {
            Some(v) => v,
            None if i < words.len() => {
                i += 1;
                words[i - 1].clone()
            }
            None => return Err(format!("flag needs an argument: {name}")),
        };
        *slot = Some(value);
    }
    Ok((rest, flags))
}

/// pflag's int32 flag: `strconv.ParseInt(s, 0, 32)`.
pub(super) fn int32_flag(flag: &str, value: Option<&String>, default: i32) -> Result<i32, String> {
    let Some(v) = value else { return Ok(default) };
    let invalid = |why: &str| format!("error: invalid argument \"{v}\" for \"--{flag}\" flag: strconv.ParseInt: parsing \"{v}\": {why}");
    let (neg, digits) = match v.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, v.strip_prefix('+').unwrap_or(v)),
    };
    let lower = digits.to_ascii_lowercase();
    let (radix, body) = if let Some(h) = lower.strip_prefix("0x") {
        (16, h.to_string())
    } else if let Some(b) = lower.strip_prefix("0b") {
        (2, b.to_string())
    } else if let Some(o) = lower.strip_prefix("0o") {
        (8, o.to_string())
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, lower[1..].to_string())
    } else {
        (10, lower.clone())
    };
    if body.is_empty() || !body.chars().all(|c| c.is_digit(radix)) {
        return Err(invalid("invalid syntax"));
    }
    let n = i64::from_str_radix(&body, radix).map_err(|_| invalid("value out of range"))?;
    let n = if neg { -n } else { n };
    i32::try_from(n).map_err(|_| invalid("value out of range"))
}

/// A target as `parseResourceInput` reads it: a Utilization percentage or an AverageValue.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Target {
    Utilization(i32),
    AverageValue(Quantity),
}

/// `parseResourceInput` for `cpu` or `memory`.
pub(super) fn parse_resource_input(input: &str, resource: &str) -> Result<Target, String> {
    let input = input.trim();
    if input.is_empty() {
        return Err("empty input".into());
    }
    if let Some(number) = input.strip_suffix('%') {
        return match number.parse::<i32>() {
            Ok(n) if n >= 0 => Ok(Target::Utilization(n)),
            _ => Err(format!("invalid percentage value: {number}")),
        };
    }
    if let Ok(f) = input.parse::<f64>() {
        let unit = if resource == "cpu" { "m" } else { "Mi" };
        return Quantity::parse(&format!("{}{unit}", go_shortest_g(f))).map(Target::AverageValue);
    }
    Quantity::parse(input).map(Target::AverageValue).map_err(|_| format!("invalid resource {resource} value: {input}"))
}

/// Go's `fmt.Sprintf("%g", f)` (`strconv.FormatFloat(f, 'g', -1, 64)`): the shortest digits,
/// in exponent form (`1e+06`) below 10^-4 and from 10^6 on.
pub(super) fn go_shortest_g(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "+Inf".into() } else { "-Inf".into() };
    }
    if f == 0.0 {
        return "0".into();
    }
    let sci = format!("{f:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if !(-4..6).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        return format!("{mantissa}e{sign}{:02}", exp.abs());
    }
    format!("{f}")
}
