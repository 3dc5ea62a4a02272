//! `Quantity`: Kubernetes' `resource.Quantity` as an exact fixed-point value.
//!
//! - [`Quantity::parse`] / [`parse_quantity`]: the string forms the API server accepts (`100m`,
//!   `0.5`, `2Gi`, `1e3`, `1.5G`, `+1`, `.5`, …) with the real parser's rules and error texts.
//! - Storage: signed nano-units in an `i128` plus the suffix family ([`Format`]) of the input.
//!   Values finer than `1n` round up (away from zero), as the real parser does; binary-suffixed
//!   values are capped at 2^63-1.
//! - [`Quantity::value`] / [`Quantity::milli_value`]: Go's `Value()` / `MilliValue()` (rounded
//!   away from zero).
//! - `Display`: Go's `Quantity.String()` — the canonical form in the input's suffix family
//!   (`1000m` → `1`, `1024Mi` → `1Gi`, `0.5` → `500m`), or the input text itself where Go keeps it
//!   (inputs already canonical, including a leading `+`).
//! - Arithmetic (`+`, `-`, negation) and ordering compare and combine values, not texts; a zero
//!   left operand takes the format of the right one, as Go's `Add` / `Sub` do.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use k8s_openapi::apimachinery::pkg::api::resource::Quantity as K8sQuantity;

/// The error texts of `k8s.io/apimachinery/pkg/api/resource`.
pub const ERR_FORMAT_WRONG: &str =
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
pub const ERR_NUMERIC: &str = "unable to parse numeric part of quantity";
pub const ERR_SUFFIX: &str = "unable to parse quantity's suffix";

const NANOS_PER_UNIT: i128 = 1_000_000_000;
/// Largest value a binary-suffixed quantity may hold: 2^63-1 units.
const MAX_BINARY_NANOS: i128 = (i64::MAX as i128) * NANOS_PER_UNIT;
/// Every stored value lies in `-NANO_LIMIT..=NANO_LIMIT`, so negation never overflows.
const NANO_LIMIT: i128 = i128::MAX;

/// The suffix family a quantity was written in; it is kept when the quantity is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Format {
    /// `12e6`
    DecimalExponent,
    /// `12Mi` (12 × 2^20)
    BinarySI,
    /// `12M` (12 × 10^6), `100m`, plain numbers
    #[default]
    DecimalSI,
}

/// An exact resource quantity. Equality and ordering are by value (`1` == `1000m`).
#[derive(Debug, Clone, Default)]
pub struct Quantity {
    nanos: i128,
    format: Format,
    /// The parsed text, kept where Go's parser keeps it (the input was already canonical).
    text: Option<Box<str>>,
}

impl Quantity {
    /// Zero, in `DecimalSI` format.
    pub const ZERO: Quantity = Quantity {
        nanos: 0,
        format: Format::DecimalSI,
        text: None,
    };

    /// `value × 10^-9`, clamped to the representable range.
    pub fn from_nanos(nanos: i128, format: Format) -> Quantity {
        Quantity {
            nanos: nanos.clamp(-NANO_LIMIT, NANO_LIMIT),
            format,
            text: None,
        }
    }

    /// Go's `NewQuantity(value, format)`.
    pub fn from_units(value: i64, format: Format) -> Quantity {
        Quantity::from_nanos(value as i128 * NANOS_PER_UNIT, format)
    }

    /// Go's `NewMilliQuantity(value, format)`.
    pub fn from_milli(value: i64, format: Format) -> Quantity {
        Quantity::from_nanos(value as i128 * 1_000_000, format)
    }

    /// Parses the text form exactly as `resource.ParseQuantity` does (no surrounding whitespace).
    pub fn parse(s: &str) -> Result<Quantity, String> {
        parse_str(s).map_err(str::to_string)
    }

    /// The exact value in nano-units.
    pub fn nanos(&self) -> i128 {
        self.nanos
    }

    pub fn format(&self) -> Format {
        self.format
    }

    pub fn is_zero(&self) -> bool {
        self.nanos == 0
    }

    /// -1, 0 or 1.
    pub fn sign(&self) -> i32 {
        self.nanos.signum() as i32
    }

    /// Go's `Value()`: the value in units, rounded away from zero, saturating at the `i64` range.
    pub fn value(&self) -> i64 {
        saturate_i64(div_away_from_zero(self.nanos, NANOS_PER_UNIT))
    }

    /// Go's `MilliValue()`: the value in thousandths, rounded away from zero, saturating.
    pub fn milli_value(&self) -> i64 {
        saturate_i64(div_away_from_zero(self.nanos, 1_000_000))
    }

    /// Go's `RoundUp(scale)`: rounds away from zero to a multiple of 10^scale units
    /// (`round_up(0)` → whole units, `round_up(-3)` → whole milli-units). The format is kept.
    pub fn round_up(&self, scale: i32) -> Quantity {
        let shift = scale.saturating_add(9);
        if shift <= 0 {
            return self.clone();
        }
        let Some(step) = 10i128.checked_pow(shift as u32) else {
            return Quantity::from_nanos(
                if self.nanos == 0 {
                    0
                } else {
                    NANO_LIMIT * self.nanos.signum()
                },
                self.format,
            );
        };
        if self.nanos % step == 0 {
            return self.clone();
        }
        let q = div_away_from_zero(self.nanos, step);
        Quantity::from_nanos(q.saturating_mul(step), self.format)
    }

    /// The k8s-openapi form: the canonical text.
    pub fn to_k8s(&self) -> K8sQuantity {
        K8sQuantity(self.to_string())
    }

    fn canonical(&self) -> String {
        if self.nanos == 0 {
            return "0".to_string();
        }
        let mut format = self.format;
        if format == Format::BinarySI {
            let small = self.nanos.abs() < 1024 * NANOS_PER_UNIT;
            if small || self.nanos % NANOS_PER_UNIT != 0 {
                format = Format::DecimalSI;
            }
        }
        if format == Format::BinarySI {
            let mut units = self.nanos / NANOS_PER_UNIT;
            let mut exp = 0;
            while units % 1024 == 0 {
                units /= 1024;
                exp += 1;
            }
            const BINARY: [&str; 7] = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];
            if let Some(suffix) = BINARY.get(exp) {
                return format!("{units}{suffix}");
            }
            // Beyond Ei there is no binary suffix: Go falls back to an exact decimal form.
            format = Format::DecimalExponent;
        }
        let mut mantissa = self.nanos;
        let mut exp: i32 = -9;
        while mantissa % 10 == 0 {
            mantissa /= 10;
            exp += 1;
        }
        let rem = exp.rem_euclid(3);
        mantissa *= 10i128.pow(rem as u32);
        exp -= rem;
        let suffix = match (format, exp) {
            (Format::DecimalSI, -9) => "n".to_string(),
            (Format::DecimalSI, -6) => "u".to_string(),
            (Format::DecimalSI, -3) => "m".to_string(),
            (_, 0) => String::new(),
            (Format::DecimalSI, 3) => "k".to_string(),
            (Format::DecimalSI, 6) => "M".to_string(),
            (Format::DecimalSI, 9) => "G".to_string(),
            (Format::DecimalSI, 12) => "T".to_string(),
            (Format::DecimalSI, 15) => "P".to_string(),
            (Format::DecimalSI, 18) => "E".to_string(),
            (_, e) => format!("e{e}"),
        };
        format!("{mantissa}{suffix}")
    }
}

/// Parses the text of a k8s-openapi `Quantity`. Like the API server's JSON decoding, surrounding
/// whitespace is ignored; numbers in YAML/JSON arrive here already as their decimal text.
pub fn parse_quantity(q: &K8sQuantity) -> Result<Quantity, String> {
    Quantity::parse(q.0.trim())
}

impl FromStr for Quantity {
    type Err = String;
    fn from_str(s: &str) -> Result<Quantity, String> {
        Quantity::parse(s)
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.text {
            Some(t) => f.write_str(t),
            None => f.write_str(&self.canonical()),
        }
    }
}

impl PartialEq for Quantity {
    fn eq(&self, other: &Quantity) -> bool {
        self.nanos == other.nanos
    }
}

impl Eq for Quantity {}

impl PartialOrd for Quantity {
    fn partial_cmp(&self, other: &Quantity) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Quantity {
    fn cmp(&self, other: &Quantity) -> Ordering {
        self.nanos.cmp(&other.nanos)
    }
}

impl std::ops::Add for &Quantity {
    type Output = Quantity;
    fn add(self, rhs: &Quantity) -> Quantity {
        let format = if self.nanos == 0 {
            rhs.format
        } else {
            self.format
        };
        Quantity::from_nanos(self.nanos.saturating_add(rhs.nanos), format)
    }
}

impl std::ops::Add for Quantity {
    type Output = Quantity;
    fn add(self, rhs: Quantity) -> Quantity {
        &self + &rhs
    }
}

impl std::ops::AddAssign<&Quantity> for Quantity {
    fn add_assign(&mut self, rhs: &Quantity) {
        *self = &*self + rhs;
    }
}

impl std::ops::Sub for &Quantity {
    type Output = Quantity;
    fn sub(self, rhs: &Quantity) -> Quantity {
        let format = if self.nanos == 0 {
            rhs.format
        } else {
            self.format
        };
        Quantity::from_nanos(self.nanos.saturating_sub(rhs.nanos), format)
    }
}

impl std::ops::Sub for Quantity {
    type Output = Quantity;
    fn sub(self, rhs: Quantity) -> Quantity {
        &self - &rhs
    }
}

impl std::ops::SubAssign<&Quantity> for Quantity {
    fn sub_assign(&mut self, rhs: &Quantity) {
        *self = &*self - rhs;
    }
}

impl std::ops::Neg for &Quantity {
    type Output = Quantity;
    fn neg(self) -> Quantity {
        Quantity::from_nanos(-self.nanos, self.format)
    }
}

impl std::ops::Neg for Quantity {
    type Output = Quantity;
    fn neg(self) -> Quantity {
        -&self
    }
}

fn div_away_from_zero(n: i128, d: i128) -> i128 {
    let q = n / d;
    if n % d == 0 {
        q
    } else if n > 0 {
        q + 1
    } else {
        q - 1
    }
}

fn saturate_i64(v: i128) -> i64 {
    v.clamp(i64::MIN as i128, i64::MAX as i128) as i64
}

/// The pieces of a quantity string, as Go's scanner splits them.
struct Scanned<'a> {
    positive: bool,
    /// Integer digits without leading zeros; `"0"` when there are none.
    num: &'a str,
    denom: &'a str,
    suffix: &'a str,
    /// Whether the numeric part (before the suffix) holds any digit at all.
    has_digit: bool,
}

fn scan(s: &str) -> Result<Scanned<'_>, &'static str> {
    let b = s.as_bytes();
    let end = b.len();
    let mut out = Scanned {
        positive: true,
        num: "0",
        denom: "",
        suffix: "",
        has_digit: true,
    };
    let mut pos = 0;
    match b.first() {
        Some(b'-') => {
            out.positive = false;
            pos = 1;
        }
        Some(b'+') => pos = 1,
        _ => {}
    }
    while pos < end && b[pos] == b'0' {
        pos += 1;
    }
    if pos >= end {
        return Ok(out);
    }
    let had_zeros = pos > 0 && b[pos - 1] == b'0';
    let start = pos;
    while pos < end && b[pos].is_ascii_digit() {
        pos += 1;
    }
    if pos > start {
        out.num = &s[start..pos];
    }
    if pos >= end {
        return Ok(out);
    }
    let mut has_digit = had_zeros || pos > start;
    if b[pos] == b'.' {
        pos += 1;
        let start = pos;
        while pos < end && b[pos].is_ascii_digit() {
            pos += 1;
        }
        out.denom = &s[start..pos];
        has_digit |= pos > start;
        if pos >= end {
            return Ok(out);
        }
    }
    out.has_digit = has_digit;
    let suffix_start = pos;
    while pos < end && b"eEinumkKMGTP".contains(&b[pos]) {
        pos += 1;
    }
    if pos < end && (b[pos] == b'-' || b[pos] == b'+') {
        pos += 1;
    }
    while pos < end && b[pos].is_ascii_digit() {
        pos += 1;
    }
    if pos < end {
        return Err(ERR_FORMAT_WRONG);
    }
    out.suffix = &s[suffix_start..];
    Ok(out)
}

/// (base-2 exponent or base-10 exponent, format) for a suffix.
fn interpret(suffix: &str) -> Option<(bool, i64, Format)> {
    let decimal = |e| Some((false, e, Format::DecimalSI));
    let binary = |e| Some((true, e, Format::BinarySI));
    match suffix {
        "" => decimal(0),
        "n" => decimal(-9),
        "u" => decimal(-6),
        "m" => decimal(-3),
        "k" => decimal(3),
        "M" => decimal(6),
        "G" => decimal(9),
        "T" => decimal(12),
        "P" => decimal(15),
        "E" => decimal(18),
        "Ki" => binary(10),
        "Mi" => binary(20),
        "Gi" => binary(30),
        "Ti" => binary(40),
        "Pi" => binary(50),
        "Ei" => binary(60),
        _ => {
            let rest = suffix.strip_prefix(['e', 'E'])?;
            let digits = rest.strip_prefix(['+', '-']).unwrap_or(rest);
            if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            let e: i64 = rest.parse().ok()?;
            if e.abs() > i32::MAX as i64 {
                return None;
            }
            Some((false, e, Format::DecimalExponent))
        }
    }
}

fn parse_str(s: &str) -> Result<Quantity, &'static str> {
    if s.is_empty() {
        return Err(ERR_FORMAT_WRONG);
    }
    if s == "0" {
        return Ok(Quantity {
            nanos: 0,
            format: Format::DecimalSI,
            text: Some("0".into()),
        });
    }
    let sc = scan(s)?;
    let (is_binary, exp, format) = interpret(sc.suffix).ok_or(ERR_SUFFIX)?;

    // Whether Go's int64 fast path takes this input, and whether it keeps the text.
    let digits = sc.num.len() + sc.denom.len();
    let (fast, keep_text) = if is_binary {
        let precision = 15 - sc.num.len() as i64 - exp * 3 / 10 - 1;
        let fast = sc.denom.is_empty() && precision >= 0;
        // value & 7 depends only on the last three decimal digits (1000 is a multiple of 8).
        let tail = &sc.num[sc.num.len().saturating_sub(3)..];
        let low = tail.parse::<u64>().unwrap_or(0);
        (fast, fast && low % 8 != 0)
    } else {
        let scale = exp - sc.denom.len() as i64;
        let fast = digits <= 18 && scale >= -9;
        let shifted = format!("{}{}", sc.num, sc.denom);
        let canonical_digits = !shifted.ends_with("000") && !shifted.starts_with('0');
        (fast, fast && scale % 3 == 0 && canonical_digits)
    };
    if !fast && !sc.has_digit {
        return Err(ERR_NUMERIC);
    }

    let (bits, e10) = if is_binary {
        (exp, -(sc.denom.len() as i64))
    } else {
        (0, exp - sc.denom.len() as i64)
    };
    let magnitude = exact_nanos(sc.num, sc.denom, bits, e10);
    let mut format = format;
    let magnitude = match (magnitude, is_binary) {
        (Some(m), true) => m.min(MAX_BINARY_NANOS),
        (None, true) => MAX_BINARY_NANOS,
        (Some(m), false) => m,
        (None, false) => return Err(ERR_NUMERIC),
    };
    if !fast && is_binary && magnitude > 0 && magnitude < NANOS_PER_UNIT {
        format = Format::DecimalSI;
    }
    let nanos = if sc.positive { magnitude } else { -magnitude };
    let text = if keep_text { Some(s.into()) } else { None };
    Ok(Quantity {
        nanos,
        format,
        text,
    })
}

/// ceil(digits × 2^bits × 10^(e10 + 9)) for the decimal digit string `num` + `denom`, or `None`
/// when it does not fit in an `i128`.
fn exact_nanos(num: &str, denom: &str, bits: i64, e10: i64) -> Option<i128> {
    let mut digits: Vec<u8> = num.bytes().chain(denom.bytes()).map(|c| c - b'0').collect();
    let Some(first) = digits.iter().position(|&d| d != 0) else {
        return Some(0);
    };
    digits.drain(..first);
    for _ in 0..bits {
        let mut carry = 0u8;
        for d in digits.iter_mut().rev() {
            let v = *d * 2 + carry;
            *d = v % 10;
            carry = v / 10;
        }
        if carry > 0 {
            digits.insert(0, carry);
        }
    }
    let shift = e10 + 9;
    if shift >= 0 {
        if digits.len() as i64 + shift > 39 {
            return None;
        }
        digits.extend(std::iter::repeat_n(0, shift as usize));
    } else {
        let drop = shift.unsigned_abs();
        if drop >= digits.len() as u64 {
            return Some(1);
        }
        let keep = digits.len() - drop as usize;
        let round_up = digits[keep..].iter().any(|&d| d != 0);
        digits.truncate(keep);
        let mut v = to_i128(&digits)?;
        if round_up {
            v = v.checked_add(1)?;
        }
        return Some(v);
    }
    to_i128(&digits)
}

fn to_i128(digits: &[u8]) -> Option<i128> {
    digits
        .iter()
        .try_fold(0i128, |acc, &d| acc.checked_mul(10)?.checked_add(d as i128))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// input → Ok(canonical text, nanos) or Err(message).
    fn check(input: &str, expect: Result<(&str, i128), &str>) {
        let got = Quantity::parse(input);
        match (got, expect) {
            (Ok(q), Ok((text, nanos))) => {
                assert_eq!(q.to_string(), text, "String() of {input:?}");
                assert_eq!(q.nanos(), nanos, "value of {input:?}");
            }
            (Err(e), Err(want)) => assert_eq!(e, want, "error of {input:?}"),
            (got, want) => panic!("{input:?}: got {got:?}, want {want:?}"),
        }
    }

    const N: i128 = 1_000_000_000;
    const KI: i128 = 1024;

    #[test]
    fn parse_and_print() {
        type Case<'a> = (&'a str, Result<(&'a str, i128), &'a str>);
        let cases: &[Case] = &[
            ("0", Ok(("0", 0))),
            ("0m", Ok(("0", 0))),
            ("0Ki", Ok(("0", 0))),
            ("-0", Ok(("0", 0))),
            ("000", Ok(("0", 0))),
            ("1", Ok(("1", N))),
            ("+1", Ok(("+1", N))),
            ("01", Ok(("01", N))),
            ("100m", Ok(("100m", N / 10))),
            ("1000m", Ok(("1", N))),
            ("1500m", Ok(("1500m", 3 * N / 2))),
            ("0.5", Ok(("500m", N / 2))),
            (".5", Ok(("500m", N / 2))),
            ("1.5", Ok(("1500m", 3 * N / 2))),
            ("1.", Ok(("1.", N))),
            ("1.G", Ok(("1.G", N * N))),
            ("1.0", Ok(("1", N))),
            ("2000", Ok(("2k", 2000 * N))),
            ("1500", Ok(("1500", 1500 * N))),
            ("1k", Ok(("1k", 1000 * N))),
            ("50k", Ok(("50k", 50_000 * N))),
            ("1.5G", Ok(("1500M", 1_500_000_000 * N))),
            ("1000M", Ok(("1G", N * N))),
            ("8.1k", Ok(("8100", 8100 * N))),
            ("100.035k", Ok(("100.035k", 100_035 * N))),
            ("10.035M", Ok(("10.035M", 10_035_000 * N))),
            ("10.0350M", Ok(("10035k", 10_035_000 * N))),
            ("12E", Ok(("12E", 12_000_000_000_000_000_000 * N))),
            ("1e3", Ok(("1e3", 1000 * N))),
            ("1E3", Ok(("1E3", 1000 * N))),
            ("1e6", Ok(("1e6", 1_000_000 * N))),
            ("1.2e3", Ok(("1200", 1200 * N))),
            ("1.3E+6", Ok(("1300e3", 1_300_000 * N))),
            ("1E-3", Ok(("1E-3", N / 1000))),
            ("10E-4", Ok(("1e-3", N / 1000))),
            ("0.5e0", Ok(("500e-3", N / 2))),
            ("1e0", Ok(("1e0", N))),
            ("10e-1", Ok(("1", N))),
            ("1Ki", Ok(("1Ki", KI * N))),
            ("2Gi", Ok(("2Gi", 2 * KI * KI * KI * N))),
            ("512Mi", Ok(("512Mi", 512 * KI * KI * N))),
            ("1024Mi", Ok(("1Gi", KI * KI * KI * N))),
            ("1500Mi", Ok(("1500Mi", 1500 * KI * KI * N))),
            ("2048Ki", Ok(("2Mi", 2 * KI * KI * N))),
            ("1.5Gi", Ok(("1536Mi", 1536 * KI * KI * N))),
            ("0.5Mi", Ok(("512Ki", 512 * KI * N))),
            ("100.035Ki", Ok(("102435840m", 102_435_840 * N / 1000))),
            (".001Ki", Ok(("1024m", KI * N / 1000))),
            (".000000001Ki", Ok(("1024n", KI))),
            (".000000000001Ki", Ok(("2n", 2))),
            ("9Ei", Ok(("9223372036854775807", MAX_BINARY_NANOS))),
            ("-9Ei", Ok(("-9223372036854775807", -MAX_BINARY_NANOS))),
            ("3Ei", Ok(("3Ei", 3 * (1i128 << 60) * N))),
            ("5n", Ok(("5n", 5))),
            ("4u", Ok(("4u", 4000))),
            ("3.001n", Ok(("4n", 4))),
            ("0.0000000001", Ok(("1n", 1))),
            ("0.00000012345", Ok(("124n", 124))),
            ("0.5e-9", Ok(("1e-9", 1))),
            ("-100m", Ok(("-100m", -N / 10))),
            ("-1.5", Ok(("-1500m", -3 * N / 2))),
            ("-0.0000000001", Ok(("-1n", -1))),
            ("1e21", Ok(("1e21", 1_000_000_000_000_000_000_000 * N))),
            ("1000E", Ok(("1e21", 1_000_000_000_000_000_000_000 * N))),
            (".", Ok(("0", 0))),
            ("-", Ok(("0", 0))),
            ("Mi", Ok(("0", 0))),
            ("", Err(ERR_FORMAT_WRONG)),
            ("aoeu", Err(ERR_FORMAT_WRONG)),
            ("1.1.M", Err(ERR_FORMAT_WRONG)),
            ("1+1.0M", Err(ERR_FORMAT_WRONG)),
            (" 1", Err(ERR_FORMAT_WRONG)),
            ("1 ", Err(ERR_FORMAT_WRONG)),
            ("1 Gi", Err(ERR_FORMAT_WRONG)),
            ("1GB", Err(ERR_FORMAT_WRONG)),
            ("0.1mi", Err(ERR_SUFFIX)),
            ("0.1am", Err(ERR_FORMAT_WRONG)),
            (".5i", Err(ERR_SUFFIX)),
            ("1i", Err(ERR_SUFFIX)),
            ("-3.01i", Err(ERR_SUFFIX)),
            ("-3.01e-", Err(ERR_SUFFIX)),
            ("1K", Err(ERR_SUFFIX)),
            ("1KiB", Err(ERR_FORMAT_WRONG)),
            ("1e4294967297", Err(ERR_SUFFIX)),
            ("1e2147483647", Err(ERR_NUMERIC)),
            (".e-10", Err(ERR_NUMERIC)),
        ];
        for (input, expect) in cases {
            check(input, *expect);
        }
    }

    #[test]
    fn values_round_away_from_zero() {
        let cases: &[(&str, i64, i64)] = &[
            ("1", 1, 1000),
            ("100m", 1, 100),
            ("1500m", 2, 1500),
            ("1n", 1, 1),
            ("1Gi", 1_073_741_824, 1_073_741_824_000),
            ("-1500m", -2, -1500),
            ("0", 0, 0),
            ("9Ei", i64::MAX, i64::MAX),
        ];
        for (input, value, milli) in cases {
            let q = Quantity::parse(input).unwrap();
            assert_eq!((q.value(), q.milli_value()), (*value, *milli), "{input}");
        }
    }

    #[test]
    fn arithmetic_keeps_the_left_format_unless_zero() {
        let p = |s: &str| Quantity::parse(s).unwrap();
        let cases: &[(&str, char, &str, &str)] = &[
            ("1", '+', "500m", "1500m"),
            ("500m", '+', "500m", "1"),
            ("1Gi", '+', "512Mi", "1536Mi"),
            ("0", '+', "512Mi", "512Mi"),
            ("0", '+', "100m", "100m"),
            ("1G", '+', "1Gi", "2073741824"),
            ("1Gi", '+', "1G", "2073741824"),
            ("2", '-', "500m", "1500m"),
            ("0", '-', "1Gi", "-1Gi"),
            ("1Gi", '-', "1Gi", "0"),
        ];
        for (a, op, b, want) in cases {
            let got = if *op == '+' { p(a) + p(b) } else { p(a) - p(b) };
            assert_eq!(got.to_string(), *want, "{a} {op} {b}");
        }
    }

    #[test]
    fn compares_by_value() {
        let p = |s: &str| Quantity::parse(s).unwrap();
        assert_eq!(p("1"), p("1000m"));
        assert_eq!(p("1Ki"), p("1024"));
        assert!(p("10000T") > p("100Gi"));
        assert!(p("50m") < p("100m"));
        assert!(p("-1") < p("0"));
        assert_eq!(p("1e3").cmp(&p("1k")), Ordering::Equal);
    }

    #[test]
    fn round_up_to_scale() {
        let p = |s: &str| Quantity::parse(s).unwrap();
        let cases: &[(&str, i32, &str)] = &[
            ("9.01", -3, "9010m"),
            ("9.01", -1, "9100m"),
            ("9.01", 0, "10"),
            ("9.01", 2, "100"),
            ("-9.01", 0, "-10"),
            ("1.5Gi", 0, "1536Mi"),
            ("1500m", 0, "2"),
        ];
        for (input, scale, want) in cases {
            assert_eq!(
                p(input).round_up(*scale).to_string(),
                *want,
                "{input} RoundUp({scale})"
            );
        }
    }

    #[test]
    fn k8s_openapi_quantities_from_yaml_numbers_and_strings() {
        #[derive(serde::Deserialize)]
        struct R {
            cpu: K8sQuantity,
            memory: K8sQuantity,
        }
        let cases: &[(&str, &str, &str)] = &[
            ("cpu: 1\nmemory: 1Gi", "1", "1Gi"),
            ("cpu: 0.5\nmemory: 1073741824", "500m", "1073741824"),
            ("cpu: \"250m\"\nmemory: 128974848", "250m", "128974848"),
            ("cpu: 2.0\nmemory: 129e6", "2", "129M"),
            ("cpu: ' 1 '\nmemory: 64Mi", "1", "64Mi"),
        ];
        for (yaml, cpu, memory) in cases {
            let r: R = serde_norway::from_str(yaml).unwrap();
            assert_eq!(parse_quantity(&r.cpu).unwrap().to_string(), *cpu, "{yaml}");
            assert_eq!(
                parse_quantity(&r.memory).unwrap().to_string(),
                *memory,
                "{yaml}"
            );
        }
        assert_eq!(
            parse_quantity(&K8sQuantity("1 Gi".into())),
            Err(ERR_FORMAT_WRONG.to_string())
        );
        assert_eq!(
            Quantity::parse("2Gi").unwrap().to_k8s(),
            K8sQuantity("2Gi".into())
        );
    }
}
