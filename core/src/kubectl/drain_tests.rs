use crate::api::{Kind, Object};
use crate::kubectl::test_support::{create, kubectl, outcome, static_sim as sim, update};
use crate::sim::Sim;
use crate::store::ObjectRef;

/// A pod on `node`; `extra` is YAML spliced into metadata (owners, annotations) and `volumes`
/// into the spec.
fn pod(sim: &mut Sim, ns: &str, name: &str, node: &str, owner: Option<(&str, &str)>, extra_spec: &str) {
    let owners = owner.map_or(String::new(), |(kind, name)| {
        let api = if kind == "DaemonSet" || kind == "ReplicaSet" { "apps/v1" } else { "v1" };
        format!(", ownerReferences: [{{apiVersion: {api}, kind: {kind}, name: {name}, uid: 0f0f0f0f-0000-4000-8000-000000000001, controller: true}}]")
    });
    create(
        sim,
        &format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, namespace: {ns}{owners}}}\nspec:\n  nodeName: {node}\n  containers: [{{name: c, image: nginx}}]\n{extra_spec}"
        ),
    );
}

fn cluster() -> Sim {
    let mut s = sim();
    create(
        &mut s,
        r#"
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: kube-proxy, namespace: kube-system}
spec:
  selector: {matchLabels: {k8s-app: kube-proxy}}
  template:
    metadata: {labels: {k8s-app: kube-proxy}}
    spec: {containers: [{name: kube-proxy, image: kube-proxy}]}
"#,
    );
    pod(&mut s, "default", "web-abc", "node-1", Some(("ReplicaSet", "web-6f5")), "");
    pod(&mut s, "default", "bare", "node-1", None, "");
    pod(&mut s, "default", "cache", "node-1", Some(("ReplicaSet", "cache-77")), "  volumes: [{name: tmp, emptyDir: {}}]\n");
    pod(&mut s, "default", "elsewhere", "node-2", None, "");
    pod(&mut s, "kube-system", "kube-proxy-abcde", "node-1", Some(("DaemonSet", "kube-proxy")), "");
    create(
        &mut s,
        "apiVersion: v1\nkind: Pod\nmetadata: {name: etcd-node-1, namespace: kube-system, annotations: {kubernetes.io/config.mirror: abc}}\nspec: {nodeName: node-1, containers: [{name: etcd, image: etcd}]}\n",
    );
    s
}

/// Pods not being deleted. (No kubelet runs in these tests, so an evicted pod bound to a node
/// stays Terminating, as it would on a node whose kubelet is gone.)
fn pod_names(s: &Sim) -> Vec<String> {
    s.store()
        .list(Kind::Pod, None)
        .filter(|p| p.metadata().deletion_timestamp.is_none())
        .map(|p| format!("{}/{}", p.namespace().unwrap_or(""), p.name()))
        .collect()
}

#[test]
fn refuses_pods_kubectl_refuses_and_leaves_the_node_cordoned() {
    let mut s = cluster();
    let out = kubectl(&mut s, "drain node-1");
    let unmanaged = "cannot delete Pods that declare no controller (use --force to override): default/bare";
    let local = "cannot delete Pods with local storage (use --delete-emptydir-data to override): default/cache";
    let daemons = "cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): kube-system/kube-proxy-abcde";
    let stderr = format!(
        "error: unable to drain node \"node-1\" due to error: [{unmanaged}, {local}, {daemons}], continuing command...\nThere are pending nodes to be drained:\n node-1\n{unmanaged}\n{local}\n{daemons}\n"
    );
    assert_eq!(outcome(&out), ("node/node-1 cordoned\n", stderr.as_str(), 1));
    assert_eq!(pod_names(&s).len(), 6);
    let node = s.get(&ObjectRef::new(Kind::Node, None, "node-1")).unwrap();
    let Object::Node(n) = node else { panic!("a node") };
    assert_eq!(n.spec.as_ref().and_then(|s| s.unschedulable), Some(true));
}

#[test]
fn evicts_with_the_override_flags() {
    let mut s = cluster();
    kubectl(&mut s, "cordon node-1");
    let out = kubectl(&mut s, "drain node-1 --ignore-daemonsets --delete-emptydir-data --force --grace-period=30");
    assert_eq!(
        outcome(&out),
        (
            "node/node-1 already cordoned\nevicting pod default/bare\nevicting pod default/cache\nevicting pod default/web-abc\npod/bare evicted\npod/cache evicted\npod/web-abc evicted\nnode/node-1 drained\n",
            "Warning: deleting Pods that declare no controller: default/bare; ignoring DaemonSet-managed Pods: kube-system/kube-proxy-abcde\n",
            0
        )
    );
    assert_eq!(pod_names(&s), ["default/elsewhere", "kube-system/etcd-node-1", "kube-system/kube-proxy-abcde"]);
    assert_eq!(s.actions().last().unwrap().summary, "kubectl drain node-1");
}

#[test]
fn finished_and_orphaned_pods() {
    let mut s = sim();
    pod(&mut s, "default", "done", "node-3", None, "");
    let Some(Object::Pod(p)) = s.get(&ObjectRef::new(Kind::Pod, Some("default"), "done")).cloned() else { panic!() };
    let mut p = *p;
    p.status.get_or_insert_with(Default::default).phase = Some("Succeeded".into());
    update(&mut s, p.into());
    pod(&mut s, "default", "orphan", "node-3", Some(("DaemonSet", "gone")), "");
    let refused = kubectl(&mut s, "drain node-3");
    assert!(refused.stderr.ends_with("\ncannot delete daemonsets.apps \"gone\" not found: default/orphan\n"), "{}", refused.stderr);
    let out = kubectl(&mut s, "drain node-3 --force");
    assert_eq!(
        outcome(&out),
        (
            "node/node-3 already cordoned\nevicting pod default/done\nevicting pod default/orphan\npod/done evicted\npod/orphan evicted\nnode/node-3 drained\n",
            // The DaemonSet filter's warning is replaced by the later filters' `Okay`, as in kubectl.
            "",
            0
        )
    );
}

#[test]
fn empty_nodes_selectors_and_usage_errors() {
    let mut s = cluster();
    assert_eq!(outcome(&kubectl(&mut s, "drain node-3")), ("node/node-3 cordoned\nnode/node-3 drained\n", "", 0));
    let mut labelled = s.get(&ObjectRef::new(Kind::Node, None, "node-2")).unwrap().clone();
    labelled.metadata_mut().labels.get_or_insert_with(Default::default).insert("pool".into(), "b".into());
    update(&mut s, labelled);
    let out = kubectl(&mut s, "drain -l pool=b --force");
    assert_eq!(
        outcome(&out),
        ("node/node-2 cordoned\nevicting pod default/elsewhere\npod/elsewhere evicted\nnode/node-2 drained\n", "Warning: deleting Pods that declare no controller: default/elsewhere\n", 0)
    );
    let cases: &[(&str, &str)] = &[
        ("drain", "error: USAGE: drain NODE [flags]\nSee 'kubectl drain -h' for help and examples"),
        ("drain node-1 -l pool=b", "error: cannot specify both a node name and a --selector option\nSee 'kubectl drain -h' for help and examples"),
        ("drain nope", "Error from server (NotFound): nodes \"nope\" not found"),
        ("drain node-1 --grace-period=soon", "error: invalid argument \"soon\" for \"--grace-period\" flag: strconv.ParseInt: parsing \"soon\": invalid syntax"),
    ];
    for (line, want) in cases {
        assert_eq!(outcome(&kubectl(&mut s, line)), ("", format!("{want}\n").as_str(), 1), "{line}");
    }
}

#[test]
fn dry_runs_only_report() {
    let mut s = cluster();
    let client = kubectl(&mut s, "drain node-1 --ignore-daemonsets --delete-emptydir-data --force --dry-run=client");
    assert_eq!(
        client.stdout,
        "node/node-1 cordoned (dry run)\nevicting pod default/bare (dry run)\nevicting pod default/cache (dry run)\nevicting pod default/web-abc (dry run)\nnode/node-1 drained (dry run)\n"
    );
    let server = kubectl(&mut s, "drain node-1 --ignore-daemonsets --delete-emptydir-data --force --dry-run=server");
    assert!(server.stdout.starts_with("node/node-1 cordoned (server dry run)\nevicting pod default/bare (server dry run)\n"));
    assert!(server.stdout.ends_with("node/node-1 drained (server dry run)\n"));
    assert_eq!(pod_names(&s).len(), 6);
    let Some(Object::Node(n)) = s.get(&ObjectRef::new(Kind::Node, None, "node-1")) else { panic!("a node") };
    assert_eq!(n.spec.as_ref().and_then(|s| s.unschedulable), None);
}
