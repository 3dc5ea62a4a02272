//! Start-up lines: the texts each image prints, and which starts share one rendering.

use super::*;

const NGINX: &[&str] = &["/docker-entrypoint.sh: Configuration complete; ready for start up", "{time} [notice] 1#1: nginx/{version}"];
const REDIS: &[&str] = &["1:M {redistime} * Server initialized", "1:C {redistime} * Redis version={version}"];

fn texts(lines: &[LineText]) -> Vec<&str> {
    lines.iter().map(LineText::as_str).collect()
}

#[test]
fn lines_render_the_time_and_version_each_image_prints() {
    let at = SimTime(5_123_456); // 2024-01-01T00:00:05.123456Z
    for (template, version, want) in [
        (NGINX, "1.27", vec!["/docker-entrypoint.sh: Configuration complete; ready for start up", "2024/01/01 00:00:05 [notice] 1#1: nginx/1.27"]),
        (NGINX, "latest", vec!["/docker-entrypoint.sh: Configuration complete; ready for start up", "2024/01/01 00:00:05 [notice] 1#1: nginx/1.27.3"]),
        (REDIS, "7.2", vec!["1:M 01 Jan 2024 00:00:05.123 * Server initialized", "1:C 01 Jan 2024 00:00:05.123 * Redis version=7.2"]),
    ] {
        assert_eq!(texts(&StartLines::default().render(template, version, at)), want, "{version}");
    }
    assert!(matches!(StartLines::default().render(NGINX, "1.27", at)[0], LineText::Static(_)));
}

#[test]
fn starts_that_print_the_same_lines_share_them() {
    let mut cache = StartLines::default();
    let first = cache.render(NGINX, "1.27", SimTime(5_000_000));
    // (template, version, time, shares the first rendering)
    for (template, version, at, shared) in [
        (NGINX, "1.27", 5_999_999, true),
        (NGINX, "1.28", 5_500_000, false),
        (NGINX, "1.27", 6_000_000, false),
        (REDIS, "1.27", 5_000_000, false),
    ] {
        let lines = cache.render(template, version, SimTime(at));
        assert_eq!(Arc::ptr_eq(&first, &lines), shared, "{version} at {at}");
    }
    let mut cache = StartLines::default();
    let a = cache.render(REDIS, "7.2", SimTime(5_001_000));
    assert!(Arc::ptr_eq(&a, &cache.render(REDIS, "7.2", SimTime(5_001_999))));
    assert!(!Arc::ptr_eq(&a, &cache.render(REDIS, "7.2", SimTime(5_002_000))));
}
