//! Which tags the simulated Docker Hub holds for the official images lessons name by version:
//! `nginx`, `busybox`, `redis`, `httpd` and `alpine` (`docker.io/library/…`). A tag is a release
//! number within the image's real release lines (as of late 2025), optionally with one of its
//! variant suffixes (`-alpine`, `-perl`, …), or one of its named tags (`latest`, `stable`, …).
//! Anything else — the `nginx:1.161` typo of the Deployment documentation — does not exist, and
//! the pull fails with `not found`. Simplification: other repositories hold every tag asked for.

/// One image's tags: the release number ranges (major, then the largest minor and patch), the
/// variant suffixes and the named tags.
struct Family {
    repository: &'static str,
    majors: (u32, u32),
    max_minor: u32,
    max_patch: u32,
    suffixes: &'static [&'static str],
    named: &'static [&'static str],
}

const FAMILIES: &[Family] = &[
    Family {
        repository: "library/nginx",
        majors: (1, 1),
        max_minor: 29,
        max_patch: 15,
        suffixes: &["alpine", "alpine-slim", "alpine-perl", "alpine-otel", "perl", "otel", "bookworm", "bookworm-perl", "bookworm-otel", "trixie", "trixie-perl", "trixie-otel"],
        named: &["latest", "stable", "mainline", "alpine", "alpine-slim", "alpine-perl", "perl", "bookworm", "trixie", "stable-alpine", "stable-perl", "mainline-alpine", "mainline-perl", "stable-bookworm", "mainline-bookworm"],
    },
    Family {
        repository: "library/busybox",
        majors: (1, 1),
        max_minor: 37,
        max_patch: 5,
        suffixes: &["glibc", "musl", "uclibc"],
        named: &["latest", "stable", "unstable", "glibc", "musl", "uclibc", "stable-glibc", "stable-musl", "stable-uclibc"],
    },
    Family {
        repository: "library/redis",
        majors: (2, 8),
        max_minor: 8,
        max_patch: 30,
        suffixes: &["alpine", "bookworm", "alpine3.21", "alpine3.22"],
        named: &["latest", "alpine", "bookworm"],
    },
    Family {
        repository: "library/httpd",
        majors: (2, 2),
        max_minor: 4,
        max_patch: 65,
        suffixes: &["alpine", "bookworm", "alpine3.22"],
        named: &["latest", "alpine", "bookworm"],
    },
    Family {
        repository: "library/alpine",
        majors: (3, 3),
        max_minor: 22,
        max_patch: 10,
        suffixes: &[],
        named: &["latest", "edge"],
    },
];

/// Does `registry`/`path` hold `tag`?
pub fn exists(registry: &str, path: &str, tag: &str) -> bool {
    let Some(family) = FAMILIES.iter().find(|f| registry == "docker.io" && f.repository == path) else { return true };
    if family.named.contains(&tag) {
        return true;
    }
    let (release, suffix) = match tag.split_once('-') {
        Some((r, s)) => (r, Some(s)),
        None => (tag, None),
    };
    if suffix.is_some_and(|s| !family.suffixes.contains(&s)) {
        return false;
    }
    release_in(family, release)
}

/// `M`, `M.m` or `M.m.p` within the family's ranges.
fn release_in(f: &Family, release: &str) -> bool {
    let parts: Vec<&str> = release.split('.').collect();
    if parts.is_empty() || parts.len() > 3 {
        return false;
    }
    let mut nums = Vec::with_capacity(3);
    for p in &parts {
        if p.is_empty() || p.len() > 3 || !p.bytes().all(|b| b.is_ascii_digit()) || (p.len() > 1 && p.starts_with('0')) {
            return false;
        }
        nums.push(p.parse::<u32>().unwrap_or(u32::MAX));
    }
    let (lo, hi) = f.majors;
    (lo..=hi).contains(&nums[0]) && nums.get(1).is_none_or(|&m| m <= f.max_minor) && nums.get(2).is_none_or(|&p| p <= f.max_patch)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_of_the_official_images() {
        for (path, tag, want) in [
            ("library/nginx", "1.14.2", true),
            ("library/nginx", "1.16.1", true),
            ("library/nginx", "1.161", false),
            ("library/nginx", "1.27", true),
            ("library/nginx", "1.27-alpine", true),
            ("library/nginx", "1.7.9", true),
            ("library/nginx", "latest", true),
            ("library/nginx", "stable-alpine", true),
            ("library/nginx", "2.0", false),
            ("library/nginx", "1.27-alpne", false),
            ("library/nginx", "1.027", false),
            ("library/nginx", "lates", false),
            ("library/busybox", "1.36", true),
            ("library/busybox", "1.36.1-musl", true),
            ("library/busybox", "1.99", false),
            ("library/redis", "7.2.4", true),
            ("library/redis", "7-alpine", true),
            ("library/redis", "9", false),
            ("library/httpd", "2.4", true),
            ("library/httpd", "2.4.62-alpine", true),
            ("library/alpine", "3.20", true),
            ("library/alpine", "3.99", false),
            // Only the official images are checked.
            ("redis", "e2e", true),
            ("library/mysql", "8.0", true),
        ] {
            assert_eq!(exists("docker.io", path, tag), want, "{path}:{tag}");
        }
        assert!(exists("registry.k8s.io", "library/nginx", "1.161"), "another registry");
    }
}
