use crate::kubectl::test_support::{create, kubectl, outcome, static_sim as sim};
use crate::sim::metrics::Usage;
use crate::sim::Sim;
use crate::time::SimDuration;

const MI: u64 = 1 << 20;

fn pod(s: &mut Sim, ns: &str, name: &str, node: &str, usage: &[(&str, u64, u64)]) -> String {
    let containers: Vec<String> = usage.iter().map(|(c, _, _)| format!("{{name: {c}, image: nginx}}")).collect();
    let created = create(
        s,
        &format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, namespace: {ns}, labels: {{app: {}}}}}\nspec: {{nodeName: {node}, containers: [{}]}}\n",
            name.split('-').next().unwrap_or(name),
            containers.join(", ")
        ),
    );
    let uid = created.metadata().uid.clone().unwrap_or_default();
    for (c, cpu, mem) in usage {
        s.metrics_mut().set_container(&uid, c, Usage::new(*cpu, *mem));
    }
    uid
}

fn cluster() -> Sim {
    let mut s = sim();
    pod(&mut s, "default", "web-1", "node-1", &[("nginx", 250, 100 * MI)]);
    pod(&mut s, "default", "web-2", "node-2", &[("nginx", 3, 10 * MI + MI / 2), ("envoy", 2, 0)]);
    pod(&mut s, "kube-system", "coredns-x", "node-2", &[("coredns", 3, 12 * MI)]);
    s
}

fn lines(ls: &[&str]) -> String {
    ls.iter().map(|l| format!("{l}\n")).collect()
}

#[test]
fn pods_in_a_namespace_sorted_and_by_container() {
    let mut s = cluster();
    let cases: &[(&str, &[&str])] = &[
        (
            "top pod",
            &["NAME    CPU(cores)   MEMORY(bytes)   ", "web-1   250m         100Mi           ", "web-2   5m           10Mi            "],
        ),
        ("top pods --sort-by=memory --no-headers -l app=web", &["web-1   250m   100Mi   ", "web-2   5m     10Mi    "]),
        (
            "top po -A --sort-by cpu",
            &[
                "NAMESPACE     NAME        CPU(cores)   MEMORY(bytes)   ",
                "default       web-1       250m         100Mi           ",
                "default       web-2       5m           10Mi            ",
                "kube-system   coredns-x   3m           12Mi            ",
            ],
        ),
        (
            "top pod web-2 --containers",
            &["POD     NAME    CPU(cores)   MEMORY(bytes)   ", "web-2   envoy   2m           0Mi             ", "web-2   nginx   3m           10Mi            "],
        ),
    ];
    for (line, want) in cases {
        assert_eq!(outcome(&kubectl(&mut s, line)), (lines(want).as_str(), "", 0), "{line}");
    }
}

#[test]
fn nodes_against_allocatable() {
    let mut s = cluster();
    let out = kubectl(&mut s, "top node");
    let want = lines(&[
        "NAME     CPU(cores)   CPU(%)   MEMORY(bytes)   MEMORY(%)   ",
        "node-1   350m         8%       700Mi           8%          ",
        "node-2   108m         2%       622Mi           7%          ",
        "node-3   100m         2%       600Mi           7%          ",
    ]);
    assert_eq!(outcome(&out), (want.as_str(), "", 0));
    let sorted = kubectl(&mut s, "top nodes --sort-by=memory --no-headers node-2");
    assert_eq!(outcome(&sorted), ("node-2   108m   2%    622Mi   7%    \n", "", 0));
}

#[test]
fn missing_metrics_are_explained() {
    let mut s = sim();
    let cases_empty: &[(&str, (&str, &str, i32))] = &[
        ("top pod", ("", "No resources found in default namespace.\n", 0)),
        ("top pod -A", ("", "No resources found\n", 0)),
    ];
    for (line, want) in cases_empty {
        assert_eq!(outcome(&kubectl(&mut s, line)), *want, "{line}");
    }
    let uid = pod(&mut s, "default", "new-1", "node-1", &[("nginx", 1, 1)]);
    s.metrics_mut().remove_pod(&uid);
    assert_eq!(outcome(&kubectl(&mut s, "top pod")), ("", "error: metrics not available yet\n", 1));
    s.advance(SimDuration::from_secs(300));
    assert_eq!(outcome(&kubectl(&mut s, "top pod")), ("", "error: Metrics not available for pod default/new-1, age: 5m0s\n", 1));
    assert_eq!(
        outcome(&kubectl(&mut s, "top pod new-1")),
        ("", "Error from server (NotFound): podmetrics.metrics.k8s.io \"default/new-1\" not found\n", 1)
    );
    assert_eq!(
        outcome(&kubectl(&mut s, "top node node-9")),
        ("", "Error from server (NotFound): nodemetrics.metrics.k8s.io \"node-9\" not found\n", 1)
    );
    s.metrics_mut().set_api_available(false);
    assert_eq!(outcome(&kubectl(&mut s, "top node")), ("", "error: Metrics API not available\n", 1));
}

#[test]
fn usage_errors() {
    let mut s = cluster();
    let cases: &[(&str, &str)] = &[
        ("top pod --sort-by=name", "error: --sort-by accepts only cpu or memory\n"),
        ("top pod web-1 -l app=web", "error: only one of NAME or selector can be provided\n"),
        ("top node node-1 -l a=b", "error: only one of NAME or --selector can be provided\n"),
        ("top pod a b", "error: pod [NAME | -l label]\nSee 'kubectl top pod -h' for help and examples\n"),
        ("top service", "error: unknown command [\"service\"]\nSee 'kubectl top -h' for help and examples\n"),
    ];
    for (line, want) in cases {
        assert_eq!(outcome(&kubectl(&mut s, line)), ("", *want, 1), "{line}");
    }
    let help = kubectl(&mut s, "top");
    assert!(help.stderr.starts_with("Display resource (CPU/memory) usage.\n") && help.status == 1);
}
