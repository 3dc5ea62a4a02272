use super::schedule::{parse, Schedule};

/// 2024-01-01T00:00:00Z, a Monday.
const JAN1: i64 = 1_704_067_200;
const H: i64 = 3_600;
const D: i64 = 86_400;

#[test]
fn next_fire_times() {
    let cases: &[(&str, i64, Option<i64>)] = &[
        ("*/5 * * * *", JAN1, Some(JAN1 + 300)),
        ("*/5 * * * *", JAN1 + 450, Some(JAN1 + 600)),
        ("*/1 * * * *", JAN1, Some(JAN1 + 60)),
        ("* * * * *", JAN1 + 59, Some(JAN1 + 60)),
        ("0 0 * * *", JAN1, Some(JAN1 + D)),
        ("30 2 1 * *", JAN1, Some(JAN1 + 2 * H + 1_800)),
        ("30 2 1 * *", JAN1 + 3 * H, Some(JAN1 + 31 * D + 2 * H + 1_800)),
        ("0 9 * * MON-FRI", JAN1, Some(JAN1 + 9 * H)),
        ("0 9 * * MON-FRI", JAN1 + 4 * D + 10 * H, Some(JAN1 + 7 * D + 9 * H)),
        ("0 9 * * mon-fri", JAN1 + 4 * D + 10 * H, Some(JAN1 + 7 * D + 9 * H)),
        ("0 0 * * SUN", JAN1, Some(JAN1 + 6 * D)),
        ("0 0 * * 0", JAN1, Some(JAN1 + 6 * D)),
        ("0 0 1 * MON", JAN1, Some(JAN1 + 7 * D)),
        ("0 12 * JUN *", JAN1, Some(1_717_243_200)),
        ("15,45 */6 * * *", JAN1 + 20 * 60, Some(JAN1 + 45 * 60)),
        ("5/20 * * * *", JAN1 + 30 * 60, Some(JAN1 + 45 * 60)),
        ("@hourly", JAN1, Some(JAN1 + H)),
        ("@daily", JAN1 + 1, Some(JAN1 + D)),
        ("@midnight", JAN1, Some(JAN1 + D)),
        ("@weekly", JAN1, Some(JAN1 + 6 * D)),
        ("@monthly", JAN1, Some(JAN1 + 31 * D)),
        ("@yearly", JAN1, Some(1_735_689_600)),
        ("@annually", JAN1, Some(1_735_689_600)),
        ("@every 90s", JAN1 + 7, Some(JAN1 + 97)),
        ("0 0 29 2 *", JAN1, Some(1_709_164_800)),
        ("0 0 30 2 *", JAN1, None),
    ];
    for (spec, from, want) in cases {
        let s = parse(spec).unwrap_or_else(|e| panic!("{spec}: {e}"));
        assert_eq!(s.next(*from), *want, "{spec} after {from}");
    }
}

#[test]
fn invalid_specs_give_the_library_errors() {
    let cases: &[(&str, &str)] = &[
        ("", "empty spec string"),
        ("* * * *", "expected exactly 5 fields, found 4: [* * * *]"),
        ("* * * * * *", "expected exactly 5 fields, found 6: [* * * * * *]"),
        ("60 * * * *", "end of range (60) above maximum (59): 60"),
        ("* 24 * * *", "end of range (24) above maximum (23): 24"),
        ("* * 0 * *", "beginning of range (0) below minimum (1): 0"),
        ("* * * 13 *", "end of range (13) above maximum (12): 13"),
        ("* * * * 7", "end of range (7) above maximum (6): 7"),
        ("5-1 * * * *", "beginning of range (5) beyond end of range (1): 5-1"),
        ("*/0 * * * *", "step of range should be a positive number: */0"),
        ("a * * * *", "failed to parse int from a: strconv.Atoi: parsing \"a\": invalid syntax"),
        ("-1 * * * *", "failed to parse int from : strconv.Atoi: parsing \"\": invalid syntax"),
        ("1-2-3 * * * *", "too many hyphens: 1-2-3"),
        ("1/2/3 * * * *", "too many slashes: 1/2/3"),
        ("* * * FOO *", "failed to parse int from FOO: strconv.Atoi: parsing \"FOO\": invalid syntax"),
        ("@foo", "unrecognized descriptor: @foo"),
    ];
    for (spec, want) in cases {
        assert_eq!(parse(spec).err().as_deref(), Some(*want), "{spec:?}");
    }
}

#[test]
fn every_is_whole_seconds() {
    assert_eq!(parse("@every 1h30m"), Ok(Schedule::Every(5_400)));
    assert_eq!(parse("@every 250ms"), Ok(Schedule::Every(1)));
}
