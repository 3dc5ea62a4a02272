use crate::kubectl::test_support::{create, kubectl, outcome, sim};
use crate::sim::Sim;
use crate::time::SimDuration;

/// An event about pod `object` in `shop`, first seen at `first` s and last at `last` s.
fn event(s: &mut Sim, name: &str, object: &str, (type_, reason, message): (&str, &str, &str), (first, last, count): (u64, u64, i32)) {
    let at = |secs: u64| format!("2024-01-01T00:{:02}:{:02}Z", secs / 60, secs % 60);
    create(
        s,
        &format!(
            "apiVersion: v1\nkind: Event\nmetadata: {{name: {name}, namespace: shop}}\ninvolvedObject: {{apiVersion: v1, kind: Pod, name: {object}, namespace: shop}}\ntype: {type_}\nreason: {reason}\nmessage: '{message}'\nsource: {{component: kubelet}}\nfirstTimestamp: '{}'\nlastTimestamp: '{}'\ncount: {count}\n",
            at(first),
            at(last)
        ),
    );
}

fn shop() -> Sim {
    let mut s = sim();
    create(&mut s, "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n");
    event(&mut s, "web.17a1", "web", ("Normal", "Scheduled", "Successfully assigned shop/web to node-1"), (100, 100, 1));
    event(&mut s, "api.17a2", "api", ("Normal", "Pulling", "Pulling image \"nginx\""), (200, 200, 1));
    event(&mut s, "web.17a0", "web", ("Warning", "BackOff", "Back-off restarting failed container"), (50, 250, 4));
    s.advance(SimDuration::from_secs(300));
    s
}

fn row(cells: [&str; 5]) -> String {
    format!("{:<22}{:<10}{:<12}{:<10}{}\n", cells[0], cells[1], cells[2], cells[3], cells[4])
}

#[test]
fn events_are_sorted_by_last_time() {
    let mut s = shop();
    let want = [
        row(["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]),
        row(["3m20s", "Normal", "Scheduled", "Pod/web", "Successfully assigned shop/web to node-1"]),
        row(["100s", "Normal", "Pulling", "Pod/api", "Pulling image \"nginx\""]),
        row(["50s (x4 over 4m10s)", "Warning", "BackOff", "Pod/web", "Back-off restarting failed container"]),
    ]
    .concat();
    assert_eq!(outcome(&kubectl(&mut s, "events -n shop")), (want.as_str(), "", 0));
}

#[test]
fn get_events_keeps_the_api_list_order_by_name() {
    let mut s = shop();
    let out = kubectl(&mut s, "get events -n shop");
    let reasons: Vec<&str> = out.stdout.lines().skip(1).filter_map(|l| l.split_whitespace().nth(2)).collect();
    assert_eq!(reasons, ["Pulling", "BackOff", "Scheduled"], "{}", out.stdout);
}

#[test]
fn filters_by_object_and_type() {
    let mut s = shop();
    let web = kubectl(&mut s, "events -n shop --for pod/web --no-headers");
    let lines: Vec<&str> = web.stdout.lines().collect();
    assert_eq!(lines.len(), 2);
    assert!(lines[0].contains("Scheduled") && lines[1].contains("BackOff"));
    let warnings = kubectl(&mut s, "events -A --types=warning");
    assert_eq!(
        warnings.stdout,
        "NAMESPACE   LAST SEEN             TYPE      REASON    OBJECT    MESSAGE\nshop        50s (x4 over 4m10s)   Warning   BackOff   Pod/web   Back-off restarting failed container\n"
    );
}

#[test]
fn errors_and_empty_listings() {
    let mut s = shop();
    let cases: &[(&str, (&str, &str, i32))] = &[
        ("events -n kube-public", ("", "No events found in kube-public namespace.\n", 0)),
        ("events -A --for pod/nope", ("", "No events found.\n", 0)),
        ("events --types Info", ("", "error: valid --types are Normal or Warning\n", 1)),
        ("events --for web", ("", "error: --for must be in resource/name form\n", 1)),
        ("events --for a/b/c", ("", "error: arguments in resource/name form may not have more than one slash\n", 1)),
        ("events --for frob/x", ("", "error: the server doesn't have a resource type \"frob\"\n", 1)),
    ];
    for (line, want) in cases {
        assert_eq!(outcome(&kubectl(&mut s, line)), *want, "{line}");
    }
}
